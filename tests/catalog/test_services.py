"""Catalogue services: create, update, patch, delete, restore, purge; permissions; validation; renames;
uploads with versions; activity."""

import datetime
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.catalog import services
from ouvert.catalog.models import Activity, Dataset, DatasetNameRedirect, Licence, Resource, ResourceVersion
from ouvert.core.models import AuditEntry
from ouvert.core.services import NotFound

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_licence_registry_is_seeded_with_one_default():
    ids = set(Licence.objects.values_list("id", flat=True))
    assert {"CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODbL-1.0", "ODC-BY-1.0", "PDDL-1.0", "OGL-Canada-2.0",
            "notspecified", "other-closed"} <= ids
    assert list(Licence.objects.filter(is_default=True).values_list("id", flat=True)) == ["CC-BY-4.0"]
    assert Licence.objects.get(pk="CC-BY-4.0").url == "https://creativecommons.org/licenses/by/4.0/"
    assert not Licence.objects.get(pk="other-closed").is_open


def test_create_with_every_field(editor, publisher_org, theme_factory):
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    dataset = services.dataset_create(actor=editor, organisation=publisher_org, data={
        "name": "pistes-cyclables", "title_fr": "Pistes cyclables", "title_en": "Bike paths",
        "notes_fr": "Le **réseau** cyclable.", "notes_en": "The bike network.", "licence": "ODbL-1.0",
        "tags": ["vélo", "Vélo", "mobilité active"], "themes": ["transport"], "keywords": {"fr": ["vélo"], "en": ["bike"]},
        "author": "Direction de la mobilité", "author_email": "mobilite@example.org",
        "maintainer": "Service des données", "maintainer_email": "donnees@example.org",
        "frequency": "MONTHLY", "temporal_start": "2020-01-01", "temporal_end": datetime.date(2024, 12, 31),
        "spatial_name": "Capitale-Nationale (03)", "bbox_west": -71.6, "bbox_south": 46.7, "bbox_east": -71.1,
        "bbox_north": 46.99, "languages": ["fr", "EN"], "version": "2024.1", "url": "https://example.org/velo",
        "private": False, "state": "draft", "extras": {"source": "SIG"}, "extra_fields": {"jurisdiction": "provincial"},
        "resources": [{"name_fr": "Carte", "url": "https://example.org/pistes.geojson"}],
    })
    dataset.refresh_from_db()
    assert dataset.created_by == editor and dataset.state == "draft"
    assert dataset.licence_id == "ODbL-1.0" and dataset.languages == ["fr", "en"]
    assert dataset.temporal_start == datetime.date(2020, 1, 1)
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["mobilité active", "vélo"]  # "Vélo" is the same tag
    assert list(dataset.themes.values_list("name", flat=True)) == ["transport"]
    resource = dataset.resources.get()
    assert (resource.kind, resource.format) == ("link", "GEOJSON")  # guessed from the address


def test_validation_errors_are_keyed_by_field_and_nothing_is_stored(editor, publisher_org):
    with pytest.raises(ValidationError) as excinfo:
        services.dataset_create(actor=editor, organisation=publisher_org, data={
            "name": "Mauvais Nom!", "title_fr": "", "licence": "inexistante", "bbox_west": 200, "bbox_south": 10,
            "bbox_east": 0, "bbox_north": 5, "temporal_start": "2024-05-01", "temporal_end": "2023-01-01",
            "tags": ["ok", "a\x07b", "x" * 101], "author_email": "pas-un-courriel", "url": "javascript:alert(1)",
            "frequency": "SOMETIMES", "themes": ["inconnu"], "colour": "bleu", "languages": ["français"],
            "notes_fr": "x" * 100_001,
        })
    errors = errors_of(excinfo)
    assert set(errors) >= {"name", "title_fr", "licence", "bbox_west", "temporal_end", "tags", "author_email",
                           "url", "frequency", "themes", "colour", "languages", "notes_fr"}
    assert "2 à 100" in errors["name"][0]
    assert Dataset.objects.count() == 0 and Activity.objects.count() == 0


@pytest.mark.parametrize("box, field", [
    ((-10, 0, -20, 5), "bbox_east"),   # west > east
    ((-10, 10, 0, 5), "bbox_north"),   # south > north
    ((-10, -95, 0, 5), "bbox_south"),  # out of range
    ((-10, None, 0, 5), "bbox_west"),  # incomplete
    ((float("nan"), 0, 0, 5), "bbox_west"),
])
def test_bounding_box_rules(dataset_factory, box, field):
    west, south, east, north = box
    with pytest.raises(ValidationError) as excinfo:
        dataset_factory(bbox_west=west, bbox_south=south, bbox_east=east, bbox_north=north)
    assert field in errors_of(excinfo)


def test_hostile_strings_are_stored_as_text(dataset_factory):
    title = '<script>alert("x")</script> Données <b>'
    dataset = dataset_factory(title_fr=title, notes_fr="<img src=x onerror=alert(1)>Texte")
    dataset.refresh_from_db()
    assert dataset.title_fr == title
    from ouvert.core.markdown import render_markdown

    html = render_markdown(dataset.notes_fr)
    assert "onerror" not in html and "Texte" in html


def test_name_is_unique_with_a_clear_message(dataset_factory):
    dataset_factory(name="velos")
    with pytest.raises(ValidationError) as excinfo:
        dataset_factory(name="velos")
    assert "déjà pris" in errors_of(excinfo)["name"][0]


def test_other_organisation_editor_cannot_create_change_or_delete(dataset_factory, other_org_editor,
                                                                   publisher_org, member):
    dataset = dataset_factory(title_fr="Original")
    for actor in (other_org_editor, member):
        with pytest.raises(PermissionDenied):
            services.dataset_create(actor=actor, organisation=publisher_org, data={"name": "x1", "title_fr": "X"})
        with pytest.raises(PermissionDenied):
            services.dataset_update(actor=actor, dataset=dataset, data={"title_fr": "Changé"}, partial=True)
        with pytest.raises(PermissionDenied):
            services.dataset_delete(actor=actor, dataset=dataset)
        with pytest.raises(PermissionDenied):
            services.resource_create(actor=actor, dataset=dataset, data={"url": "https://example.org/a.csv"})
    dataset.refresh_from_db()
    assert dataset.title_fr == "Original" and dataset.state == "active"
    assert Dataset.objects.count() == 1 and Activity.objects.count() == 1 and not Resource.objects.exists()


def test_moving_to_an_organisation_one_does_not_edit_is_refused(dataset_factory, editor, other_org):
    dataset = dataset_factory()
    with pytest.raises(PermissionDenied):
        services.dataset_update(actor=editor, dataset=dataset, data={"organisation": other_org}, partial=True)


def test_update_resets_what_is_missing_and_patch_keeps_it(dataset_factory, editor):
    dataset = dataset_factory(title_fr="Titre", title_en="Title", tags=["a", "b"], author="Autrice",
                              extras={"k": "v"})
    services.dataset_update(actor=editor, dataset=dataset, data={"title_en": "New title"}, partial=True)
    dataset.refresh_from_db()
    assert (dataset.title_fr, dataset.title_en, dataset.author) == ("Titre", "New title", "Autrice")
    assert dataset.tags.count() == 2 and dataset.extras == {"k": "v"}

    services.dataset_update(actor=editor, dataset=dataset, data={"title_fr": "Titre 2"})
    dataset.refresh_from_db()
    assert (dataset.title_fr, dataset.title_en, dataset.author, dataset.extras) == ("Titre 2", "", "", {})
    assert dataset.tags.count() == 0 and dataset.name.startswith("jeu-de-donnees")


def test_update_with_a_bad_value_changes_nothing(dataset_factory, editor):
    dataset = dataset_factory(title_fr="Titre")
    before = dataset.modified_at
    with pytest.raises(ValidationError) as excinfo:
        services.dataset_update(actor=editor, dataset=dataset, data={"title_fr": "Nouveau", "licence": "x"},
                                partial=True)
    assert "licence" in errors_of(excinfo)
    dataset.refresh_from_db()
    assert dataset.title_fr == "Titre" and dataset.modified_at == before
    assert Activity.objects.filter(dataset=dataset).count() == 1


def test_activity_records_a_diff_and_a_ckan_snapshot(dataset_factory, editor):
    dataset = dataset_factory(title_fr="Avant", tags=["x"])
    created = dataset.modified_at
    services.dataset_update(actor=editor, dataset=dataset, data={"title_fr": "Après", "tags": ["x", "y"]},
                            partial=True)
    activity = Activity.objects.filter(dataset=dataset).first()
    assert activity.activity_type == "changed package" and activity.actor == editor
    assert activity.diff == {"title_fr": {"before": "Avant", "after": "Après"},
                             "tags": {"before": ["x"], "after": ["x", "y"]}}
    assert activity.snapshot["title"] == "Après" and activity.snapshot["num_tags"] == 2
    dataset.refresh_from_db()
    assert dataset.modified_at > created
    listed = list(services.activity_list(dataset=dataset))
    assert [a.activity_type for a in listed] == ["changed package", "new package"]


def test_rename_keeps_old_name_working_and_reserved(dataset_factory, editor):
    dataset = dataset_factory(name="ancien-nom")
    services.dataset_update(actor=editor, dataset=dataset, data={"name": "nouveau-nom"}, partial=True)
    assert services.dataset_get(name_or_id="ancien-nom").pk == dataset.pk
    assert services.dataset_get(name_or_id="nouveau-nom").pk == dataset.pk
    assert DatasetNameRedirect.objects.get(old_name="ancien-nom").dataset_id == dataset.pk
    with pytest.raises(ValidationError) as excinfo:
        dataset_factory(name="ancien-nom")
    assert "ancien nom" in errors_of(excinfo)["name"][0]
    # The renamed dataset can take its old name back: the redirect goes, the other name becomes one.
    services.dataset_update(actor=editor, dataset=dataset, data={"name": "ancien-nom"}, partial=True)
    assert set(DatasetNameRedirect.objects.values_list("old_name", flat=True)) == {"nouveau-nom"}
    assert services.dataset_get(name_or_id="nouveau-nom").name == "ancien-nom"


def test_visibility_of_private_draft_and_deleted(dataset_factory, editor, member, other_org_editor, admin_user):
    private = dataset_factory(name="prive", private=True)
    draft = dataset_factory(name="brouillon", state="draft")
    public = dataset_factory(name="public")
    for dataset in (private, draft):
        with pytest.raises(NotFound):
            services.dataset_get(name_or_id=dataset.name)
        with pytest.raises(NotFound):
            services.dataset_get(name_or_id=str(dataset.pk), user=other_org_editor)
        assert services.dataset_get(name_or_id=dataset.name, user=member).pk == dataset.pk
        assert services.dataset_get(name_or_id=dataset.name, user=admin_user).pk == dataset.pk
    assert list(services.dataset_visible_queryset(None)) == [public]
    assert set(services.dataset_visible_queryset(member)) == {private, draft, public}
    assert set(services.dataset_visible_queryset(member, include_private=False, include_drafts=False)) == {public}


def test_delete_restore_purge(dataset_factory, editor, admin_user, member):
    dataset = dataset_factory(name="a-effacer", state="draft")
    services.dataset_delete(actor=editor, dataset=dataset)
    dataset.refresh_from_db()
    assert dataset.state == "deleted"
    assert services.dataset_get(name_or_id="a-effacer", user=member).state == "deleted"
    assert not services.dataset_visible_queryset(admin_user).filter(pk=dataset.pk).exists()
    assert AuditEntry.objects.filter(action="catalog.dataset.delete", target_id=str(dataset.pk)).exists()

    with pytest.raises(PermissionDenied):
        services.dataset_restore(actor=editor, dataset=dataset)
    services.dataset_restore(actor=admin_user, dataset=dataset)
    dataset.refresh_from_db()
    assert dataset.state == "draft"  # the state it had before deletion
    assert AuditEntry.objects.filter(action="catalog.dataset.restore").exists()
    with pytest.raises(ValidationError):
        services.dataset_restore(actor=admin_user, dataset=dataset)

    with pytest.raises(PermissionDenied):
        services.dataset_purge(actor=editor, dataset=dataset)
    services.dataset_purge(actor=admin_user, dataset=dataset)
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    assert AuditEntry.objects.filter(action="catalog.dataset.purge", data__name="a-effacer").exists()
    # A purged dataset's name and old names are free again.
    dataset_factory(name="a-effacer")


def test_link_resource_create_update_delete(dataset_factory, editor):
    dataset = dataset_factory()
    resource = services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Données", "name_en": "Data", "url": "https://example.org/donnees.csv"})
    assert (resource.kind, resource.format, resource.media_type) == ("link", "CSV", "text/csv")
    with pytest.raises(ValidationError) as excinfo:
        services.resource_create(actor=editor, dataset=dataset, data={"url": "file:///etc/passwd"})
    assert "url" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Sans adresse"})
    assert "url" in errors_of(excinfo)
    services.resource_update(actor=editor, resource=resource, data={"name_fr": "Données 2024"}, partial=True)
    resource.refresh_from_db()
    assert resource.name_fr == "Données 2024" and resource.url == "https://example.org/donnees.csv"
    services.resource_delete(actor=editor, resource=resource)
    assert not services.resource_list(dataset=dataset).exists()
    with pytest.raises(NotFound):
        services.resource_get(id=resource.pk)
    types = list(Activity.objects.filter(dataset=dataset).values_list("activity_type", flat=True))
    assert types == ["changed package"] * 3 + ["new package"]
    assert Activity.objects.filter(dataset=dataset).first().diff["resources"]["after"] == []


def test_uploads_make_versions_with_sha256_and_size(dataset_factory, editor, client):
    dataset = dataset_factory(name="comptages")
    first = b"date;compte\n2024-01-01;12\n"
    resource = services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Comptages"},
                                        upload=SimpleUploadedFile("comptages.csv", first, "text/csv"))
    assert (resource.kind, resource.format, resource.media_type) == ("upload", "CSV", "text/csv")
    assert resource.size == len(first) and resource.sha256 == hashlib.sha256(first).hexdigest()
    assert resource.current_version.number == 1

    second = first + b"2024-01-02;15\n"
    services.resource_update(actor=editor, resource=resource, data={}, partial=True,
                             upload=ContentFile(second, name="comptages-v2.csv"))
    resource.refresh_from_db()
    assert resource.current_version.number == 2 and resource.size == len(second)
    assert resource.sha256 == hashlib.sha256(second).hexdigest()
    assert list(ResourceVersion.objects.filter(resource=resource).values_list("number", "size")) == \
        [(2, len(second)), (1, len(first))]

    current = client.get(f"/fr/catalogue/jeux/comptages/ressources/{resource.pk}/telecharger/")
    assert current.status_code == 200 and b"".join(current.streaming_content) == second
    assert current["ETag"] == f'"{hashlib.sha256(second).hexdigest()}"'
    old = client.get(f"/fr/catalogue/jeux/comptages/ressources/{resource.pk}/versions/1/")
    assert old.status_code == 200 and b"".join(old.streaming_content) == first
    assert "comptages.csv" in old["Content-Disposition"]
    assert client.get(f"/fr/catalogue/jeux/comptages/ressources/{resource.pk}/versions/9/").status_code == 404


def test_download_follows_renames_and_hides_private(dataset_factory, editor, client, member):
    dataset = dataset_factory(name="ancien", private=True)
    resource = services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "F"},
                                        upload=ContentFile(b"abc", name="f.txt"))
    services.dataset_update(actor=editor, dataset=dataset, data={"name": "nouveau"}, partial=True)
    url = f"/fr/catalogue/jeux/ancien/ressources/{resource.pk}/telecharger/"
    assert client.get(url).status_code == 404
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == f"/fr/catalogue/jeux/nouveau/ressources/{resource.pk}/telecharger/"


def test_upload_over_the_limit_is_refused_and_nothing_is_kept(dataset_factory, editor, settings, tmp_path):
    settings.OUVERT_MAX_UPLOAD_BYTES = 10
    dataset = dataset_factory()

    class Stream(io.BytesIO):  # no declared size: the limit is enforced while streaming
        name = "gros.bin"

    with pytest.raises(ValidationError) as excinfo:
        services.resource_create(actor=editor, dataset=dataset, data={}, upload=Stream(b"x" * 100))
    assert "upload" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        services.resource_create(actor=editor, dataset=dataset, data={},
                                 upload=SimpleUploadedFile("gros.bin", b"x" * 11))
    assert not Resource.objects.exists() and not ResourceVersion.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_an_old_name_lookup_by_id_and_unknown(dataset_factory):
    dataset = dataset_factory(name="par-id")
    assert services.dataset_get(name_or_id=str(dataset.pk)).name == "par-id"
    with pytest.raises(NotFound):
        services.dataset_get(name_or_id="inexistant")
    with pytest.raises(NotFound):
        services.dataset_get(name_or_id="x" * 500)


def test_package_update_resources_are_synchronised(dataset_factory, editor):
    dataset = dataset_factory(resources=[{"name_fr": "A", "url": "https://example.org/a.csv"},
                                         {"name_fr": "B", "url": "https://example.org/b.json"}])
    a, b = services.resource_list(dataset=dataset)
    services.dataset_update(actor=editor, dataset=dataset, partial=True, data={"resources": [
        {"id": str(b.pk), "name_fr": "B modifiée", "url": "https://example.org/b.json"},
        {"name_fr": "C", "url": "https://example.org/c.xlsx"}]})
    names = [(r.name_fr, r.position) for r in services.resource_list(dataset=dataset)]
    assert names == [("B modifiée", 0), ("C", 1)]
    a.refresh_from_db()
    assert a.state == "deleted"


def test_theme_management_is_for_platform_admins(editor, admin_user):
    with pytest.raises(PermissionDenied):
        services.theme_upsert(actor=editor, name="sante", title_fr="Santé")
    theme = services.theme_upsert(actor=admin_user, name="sante", title_fr="Santé", title_en="Health")
    assert services.theme_get(name_or_id="sante") == theme
    with pytest.raises(ValidationError) as excinfo:
        services.theme_upsert(actor=admin_user, name="Mauvais nom", title_fr="")
    assert {"name", "title_fr"} <= set(errors_of(excinfo))
