"""The catalogue's search index follows every write of ``catalog.services`` (same transaction)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from ouvert.catalog import indexing, services
from ouvert.catalog.models import Dataset
from ouvert.catalog.selectors import dataset_visible_queryset
from ouvert.core import search
from ouvert.core.models import SearchDocument


def names(q, user=None, queryset=None):
    qs = dataset_visible_queryset(user) if queryset is None else queryset
    return {d.name for d in indexing.search_datasets(qs, q)}


@pytest.fixture
def velo(dataset_factory, theme_factory):
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    return dataset_factory(
        name="comptage-velo", title_fr="Comptage des vélos", title_en="Bicycle counts",
        notes_fr="Passages de **vélos** mesurés par les compteurs de Montréal, données ouvertes.",
        notes_en="Bicycle traffic counted on Montreal bike lanes.",
        tags=["cyclisme", "pistes cyclables"], themes=["transport"], spatial_name="Montréal (06)",
        resources=[{"name_fr": "Comptages 2012", "name_en": "Counts 2012", "url": "https://example.org/velo.csv",
                    "format": "CSV"}])


def test_create_indexes_every_part_of_the_document(velo):
    for q in ["comptage", "bicycle", "compteurs", "traffic", "cyclisme", '"pistes cyclables"', "transportation",
              "MTMD", "ministere transports", "sustainable mobility", "comptages 2012", "csv", "montreal"]:
        assert names(q) == {"comptage-velo"}, q
    assert indexing.is_indexed(velo.pk)


def test_accents_and_stems(velo):
    assert names("donnees") == {"comptage-velo"}   # "données"
    assert names("velos") == {"comptage-velo"}     # "vélos"
    assert names("vélo") == {"comptage-velo"}
    assert names("counting bicycles") == {"comptage-velo"}
    assert names('"cyclables pistes"') == set()


def test_update_reindexes(velo, editor):
    services.dataset_update(actor=editor, dataset=velo, data={"title_fr": "Passages de trottinettes",
                                                              "tags": ["trottinette"]}, partial=True)
    assert names("trottinettes") == {"comptage-velo"}
    assert names("cyclisme") == set()
    assert names("comptage") == {"comptage-velo"}  # still in the resource names ("Comptages 2012")


def test_resources_follow(velo, editor):
    resource = services.resource_create(actor=editor, dataset=velo,
                                        data={"name_fr": "Carte des stations", "url": "https://example.org/s.geojson",
                                              "format": "GeoJSON"})
    assert names("geojson stations") == {"comptage-velo"}
    services.resource_delete(actor=editor, resource=resource)
    assert names("geojson") == set()


def test_delete_removes_restore_brings_back_purge_removes(velo, editor, admin_user):
    services.dataset_delete(actor=editor, dataset=velo)
    assert not indexing.is_indexed(velo.pk)
    # Even a queryset that includes deleted datasets finds nothing: they are out of the index.
    assert names("velo", queryset=Dataset.objects.all()) == set()
    services.dataset_restore(actor=admin_user, dataset=velo)
    assert names("velo") == {"comptage-velo"}
    services.dataset_purge(actor=admin_user, dataset=velo)
    assert not SearchDocument.objects.filter(kind=indexing.KIND).exists()


def test_private_and_drafts_do_not_leak(dataset_factory, editor, member, other_org_editor):
    dataset_factory(name="public-patinoires", title_fr="Patinoires extérieures")
    dataset_factory(name="prive-patinoires", title_fr="Patinoires privées", private=True)
    dataset_factory(name="brouillon-patinoires", title_fr="Patinoires en brouillon", state="draft")
    assert names("patinoires") == {"public-patinoires"}                      # anonymous
    assert names("patinoires", user=other_org_editor) == {"public-patinoires"}
    assert names("patinoires", user=member) == {"public-patinoires", "prive-patinoires", "brouillon-patinoires"}


def test_title_matches_rank_first(dataset_factory):
    dataset_factory(name="budget", title_fr="Budget de la ville",
                    notes_fr="Ce budget finance les pistes cyclables et le déneigement des vélos.")
    dataset_factory(name="reseau", title_fr="Réseau cyclable")
    ranked = [d.name for d in indexing.search_datasets(dataset_visible_queryset(None), "cyclable")
              .order_by("-search_rank", "name")]
    assert ranked == ["reseau", "budget"]


def test_failed_write_leaves_the_index_as_it_was(velo, editor):
    with pytest.raises(ValidationError):
        services.dataset_update(actor=editor, dataset=velo, data={"title_fr": "Skis", "name": "X Y"}, partial=True)
    assert names("skis") == set()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dataset_update(actor=editor, dataset=velo, data={"title_fr": "Skis de fond"}, partial=True)
        assert names("skis") == {"comptage-velo"}
        raise RuntimeError
    assert names("skis") == set()
    assert names("comptage") == {"comptage-velo"}


def test_reindex_rebuilds_from_the_data(velo, dataset_factory, editor):
    other = dataset_factory(name="meteo", title_fr="Météo horaire", notes_en="Hourly weather")
    gone = dataset_factory(name="efface", title_fr="Jeu effacé")
    services.dataset_delete(actor=editor, dataset=gone)
    # Simulate an index that drifted: wrong text for one dataset, a stale one, a missing one.
    search.reindex(indexing.KIND, [(other.pk, {"title": "texte périmé"}), (gone.pk, {"title": "efface"})])
    assert names("perime") == {"meteo"}
    calls = []
    assert indexing.reindex_datasets(progress=lambda done, total: calls.append((done, total))) == 2
    assert calls[0] == (0, 2) and calls[-1] == (2, 2)
    assert names("perime") == set()
    assert names("weather") == {"meteo"}
    assert names("velos") == {"comptage-velo"}
    assert not indexing.is_indexed(gone.pk)
    assert SearchDocument.objects.filter(kind=indexing.KIND).count() == 2


def test_reindex_command(velo, capsys):
    from ouvert import cli

    SearchDocument.objects.all().delete()
    assert cli.main(["catalog", "reindex"]) == 0
    assert "1" in capsys.readouterr().out
    assert names("velo") == {"comptage-velo"}


def test_search_queries_stay_constant(velo, dataset_factory, django_assert_num_queries):
    for i in range(5):
        dataset_factory(name=f"velo-{i}", title_fr=f"Vélos {i}", tags=["vélo"])
    qs = indexing.search_datasets(dataset_visible_queryset(None), "velo").order_by("-search_rank", "name")
    with django_assert_num_queries(2):
        assert qs.count() == 6
        assert len(list(qs[:3])) == 3
