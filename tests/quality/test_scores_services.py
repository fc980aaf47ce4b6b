"""The scores through the services: the catalogue's facts in bulk, ``scores_recompute``, the dataset
listener after real catalogue changes, link states, snapshots and their jobs, the CLI."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.core import registry
from ouvert.quality import services
from ouvert.quality.models import Certification, DatasetScore, LinkState, QualitySnapshot

pytestmark = pytest.mark.django_db


def _rich(dataset_factory, theme_factory, **data):
    theme_factory("transport", title_fr="Transport")
    values = {
        "title_fr": "Comptage des vélos", "title_en": "Bicycle counts",
        "notes_fr": "Nombre de passages de vélos par jour à chaque compteur de la ville, depuis 2012. " * 3,
        "tags": ["vélo", "mobilité"], "themes": ["transport"], "maintainer": "Direction de la mobilité",
        "maintainer_email": "mobilite@example.org", "frequency": "MONTHLY", "temporal_start": "2012-01-01",
        "spatial_name": "Montréal", "extras": {"access_rights": "http://publications.europa.eu/resource/authority/"
                                                                "access-right/PUBLIC", "rights": "Attribution requise"},
        "resources": [{"name_fr": "Comptages", "url": "https://donnees.example.org/velos.csv", "format": "CSV",
                       "media_type": "text/csv", "size": 1200, "description_fr": "Un compteur par colonne."}],
    }
    values.update(data)
    return dataset_factory(**values)


def score_of(dataset) -> DatasetScore:
    return DatasetScore.objects.get(dataset_id=dataset.pk)


def check_of(dataset, check_id) -> dict:
    return next(c for c in score_of(dataset).checks if c["id"] == check_id)


def test_dataset_facts_are_plain_dicts_in_a_constant_number_of_queries(dataset_factory, theme_factory,
                                                                         django_assert_num_queries, editor):
    dataset = _rich(dataset_factory, theme_factory)
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Fichier"},
                                                upload=ContentFile(b"a,b\n1,2\n", name="donnees.csv"))
    [chunk] = list(catalog_services.dataset_facts([dataset.pk]))
    [facts] = chunk
    assert facts["id"] == dataset.pk and facts["name"] == dataset.name
    assert facts["tag_count"] == 2 and facts["theme_count"] == 1
    assert facts["licence_id"] == "CC-BY-4.0" and facts["licence_is_open"] and facts["licence_url"]
    assert facts["organisation_slug"] == "mtmd"
    assert facts["notes_fr_length"] == len(dataset.notes_fr) and facts["notes_en_length"] == 0
    assert facts["extra_rights"] == "Attribution requise"
    assert facts["extra_access_rights"].endswith("/PUBLIC")
    assert [r["number"] for r in facts["resources"]] == [1, 2]
    link, upload = facts["resources"]
    assert link["kind"] == "link" and link["format"] == "CSV" and link["described"] and link["size"] == 1200
    assert upload["kind"] == "upload" and upload["id"] == resource.pk and upload["size"] == 8 and not upload["described"]

    for i in range(8):
        _rich(dataset_factory, theme_factory, name=f"autre-{i}")
    with django_assert_num_queries(4):
        chunks = list(catalog_services.dataset_facts())
    assert sum(len(c) for c in chunks) == 9
    with django_assert_num_queries(8):  # two chunks of five
        chunks = list(catalog_services.dataset_facts(chunk_size=5))
    assert [len(c) for c in chunks] == [5, 4]
    assert catalog_services.dataset_facts_count() == 9


def test_facts_leave_deleted_datasets_out(dataset_factory, editor):
    kept = dataset_factory()
    gone = dataset_factory()
    catalog_services.dataset_delete(actor=editor, dataset=gone)
    ids = [f["id"] for chunk in catalog_services.dataset_facts([kept.pk, gone.pk, "pas-un-uuid"]) for f in chunk]
    assert ids == [kept.pk]


def test_scores_recompute_scores_and_forgets_deleted_datasets(dataset_factory, theme_factory, editor):
    good = _rich(dataset_factory, theme_factory)
    bare = dataset_factory(title_fr="Presque vide")
    calls = []
    assert services.scores_recompute(progress=lambda done, total: calls.append((done, total))) == 2
    assert calls[0] == (0, 2) and calls[-1] == (2, 2)
    assert score_of(bare).rating == "bad"
    rich = score_of(good)
    # The link was never checked: its 80 points of availability are pending (50 + 30).
    assert rich.points == 405 - 80 and rich.rating == "good"
    assert rich.accessibility == 20 and rich.findability == 100
    assert rich.organisation_id == good.organisation_id and rich.max_points == 405
    catalog_services.dataset_delete(actor=editor, dataset=bare)
    assert services.scores_recompute() == 1
    assert not DatasetScore.objects.filter(dataset_id=bare.pk).exists()
    DatasetScore.objects.all().delete()
    assert services.scores_recompute(ids=[good.pk, bare.pk]) == 1
    assert list(DatasetScore.objects.values_list("dataset_id", flat=True)) == [good.pk]


def test_link_states_move_the_score(dataset_factory, theme_factory):
    dataset = _rich(dataset_factory, theme_factory)
    services.scores_recompute(ids=[dataset.pk])
    assert "pas encore été vérifié" in services.score_fix_text(check_of(dataset, "access_url_status")["fix"])
    resource = catalog_services.resource_list(dataset=dataset).get()
    state = LinkState.objects.create(resource=resource, organisation=dataset.organisation, available=True)
    services.scores_recompute(ids=[dataset.pk])
    assert score_of(dataset).points == 405 and score_of(dataset).rating == "excellent"
    state.available = False
    state.save()
    services.scores_recompute(ids=[dataset.pk])
    found = check_of(dataset, "access_url_status")
    assert found["points"] == 0
    assert services.score_fix_text(found["fix"]).startswith("Le lien de la ressource 1 est brisé")
    assert not check_of(dataset, "udata.all_resources_available")["passed"]


def test_the_listener_keeps_scores_up_to_date(dataset_factory, editor, admin_user,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dataset = dataset_factory(title_fr="Sans contact")
    assert not check_of(dataset, "contact_point")["passed"]
    assert services.score_fix_text(check_of(dataset, "contact_point")["fix"]) == "Ajoutez un point de contact."
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_update(actor=editor, dataset=dataset, partial=True,
                                        data={"maintainer": "Service des données"})
    assert check_of(dataset, "contact_point")["passed"]
    assert check_of(dataset, "access_url_status")["fix"] == {"code": "add_resource", "params": {}}

    with django_capture_on_commit_callbacks(execute=True):
        pdf = catalog_services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Rapport"},
                                               upload=ContentFile(b"%PDF-1.4", name="rapport.pdf"))
    assert check_of(dataset, "access_url_status")["passed"]  # an uploaded file is available
    assert services.score_fix_text(check_of(dataset, "udata.open_format")["fix"]) == \
        "La ressource 1 est un PDF : publiez un CSV."
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=pdf, partial=True,
                                         data={"name_fr": "Données"},
                                         upload=ContentFile(b"a,b\n1,2\n", name="donnees.csv"))
    assert check_of(dataset, "udata.open_format")["passed"]
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_delete(actor=editor, resource=pdf)
    assert check_of(dataset, "access_url_status")["fix"]["code"] == "add_resource"

    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_delete(actor=editor, dataset=dataset)
    assert not DatasetScore.objects.filter(dataset_id=dataset.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_restore(actor=admin_user, dataset=dataset)
    assert DatasetScore.objects.filter(dataset_id=dataset.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_purge(actor=admin_user, dataset=dataset)
    assert not DatasetScore.objects.filter(dataset_id=dataset.pk).exists()


def test_moving_a_dataset_to_another_publisher_moves_its_score(dataset_factory, other_org, admin_user,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dataset = dataset_factory()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_update(actor=admin_user, dataset=dataset, partial=True,
                                        data={"organisation": other_org})
    assert score_of(dataset).organisation_id == other_org.pk


def test_score_for_computes_a_missing_score(dataset_factory):
    dataset = dataset_factory()
    DatasetScore.objects.all().delete()
    score = services.score_for(dataset)
    assert score is not None and score.dataset_id == dataset.pk


def test_snapshot_take_is_one_row_per_day_and_scope(dataset_factory, theme_factory, other_org, other_org_editor,
                                                    editor):
    good = _rich(dataset_factory, theme_factory)
    dataset_factory(title_fr="Nu")
    dataset_factory(title_fr="Privé", private=True)
    dataset_factory(title_fr="Brouillon", state="draft")
    dataset_factory(title_fr="Ville", actor=other_org_editor, organisation=other_org)
    services.scores_recompute()
    link = catalog_services.resource_list(dataset=good).get()
    LinkState.objects.create(resource=link, organisation=good.organisation, available=False)
    Certification.objects.create(dataset=good, status=Certification.Status.CERTIFIED, certified_at=timezone.now())
    day = datetime.date(2024, 3, 1)
    taken = services.snapshot_take(day)
    assert taken["organisations"] == 2 and taken["catalogue"]["datasets"] == 3  # private and draft left out
    again = services.snapshot_take(day)
    assert again == taken
    rows = QualitySnapshot.objects.filter(date=day)
    assert rows.count() == 3
    catalogue = rows.get(organisation__isnull=True)
    assert catalogue.datasets == 3 and catalogue.broken_links == 1 and catalogue.certified == 1
    mtmd = rows.get(organisation=good.organisation)
    assert mtmd.datasets == 2 and mtmd.broken_links == 1 and mtmd.certified == 1
    public_mtmd = DatasetScore.objects.filter(organisation=good.organisation, dataset__private=False,
                                              dataset__state="active")
    points = [s.points for s in public_mtmd]
    assert len(points) == 2 and mtmd.average_points == pytest.approx(sum(points) / 2, abs=0.05)
    assert set(mtmd.dimensions) == {"findability", "accessibility", "interoperability", "reusability",
                                    "contextuality"}
    assert mtmd.excellent + mtmd.good + mtmd.sufficient + mtmd.bad == 2
    city = rows.get(organisation=other_org)
    assert city.datasets == 1 and city.broken_links == 0 and city.certified == 0
    # A change, then the same day again: the rows are replaced, not added.
    catalog_services.dataset_delete(actor=editor, dataset=good)
    services.scores_recompute()
    services.snapshot_take(day)
    assert QualitySnapshot.objects.filter(date=day).count() == 3
    assert QualitySnapshot.objects.get(date=day, organisation__isnull=True).datasets == 2


def test_the_periodic_jobs(dataset_factory):
    jobs = {job.name: job for job in registry.periodic_jobs()}
    assert jobs["quality.snapshot"].every_seconds == 3600
    assert jobs["quality.scores_refresh"].every_seconds == 86400
    dataset = dataset_factory()
    DatasetScore.objects.all().delete()
    jobs["quality.scores_refresh"].func()  # enqueues the task (run at once in tests)
    assert DatasetScore.objects.filter(dataset_id=dataset.pk).exists()
    assert jobs["quality.snapshot"].func() is True
    assert jobs["quality.snapshot"].func() is False  # at most one a day
    assert QualitySnapshot.objects.filter(date=timezone.localdate(), organisation__isnull=True).count() == 1


def test_cli_quality_score(dataset_factory):
    from ouvert import cli

    dataset_factory()
    dataset_factory()
    DatasetScore.objects.all().delete()
    assert cli.main(["quality", "score"]) == 0
    assert DatasetScore.objects.count() == 2


def test_the_demo_loader_scores_and_takes_todays_snapshot(dataset_factory):
    import io

    dataset_factory()
    DatasetScore.objects.all().delete()
    loader = next(loader for loader in registry.demo_loaders() if loader.name == "quality.scores")
    out = io.StringIO()
    loader.func(out)
    loader.func(out)  # idempotent
    assert DatasetScore.objects.count() == 1
    assert QualitySnapshot.objects.filter(date=timezone.localdate(), organisation__isnull=True).count() == 1
    assert "qualité : 1 note(s) calculée(s)" in out.getvalue()
