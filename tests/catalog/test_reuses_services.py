"""Reuses through the services: submission (checks, images), moderation (who, notification, audit),
edits going back to moderation, visibility, counts, package_show and the open-data publication."""

import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ouvert.catalog import ckan_dict, services
from ouvert.catalog.models import Dataset, Reuse
from ouvert.core.models import AuditEntry, Notification
from ouvert.core.services import NotFound

pytestmark = pytest.mark.django_db


def png(size=(300, 200), colour=(200, 30, 30), fmt="PNG", exif=False) -> SimpleUploadedFile:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010E] = "secret description"  # ImageDescription
        data[0x013B] = "Jeanne Artiste"  # Artist
        kwargs["exif"] = data
    image.save(out, fmt, **kwargs)
    ext = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[fmt]
    return SimpleUploadedFile(f"image.{ext}", out.getvalue(), content_type=f"image/{ext}")


@pytest.fixture
def citizen(make_user):
    return make_user(email="citoyen@example.org", full_name="Citoyen")


@pytest.fixture
def moderator(make_user):
    user = make_user(email="moderatrice@example.org", full_name="Modératrice")
    user.user_permissions.add(Permission.objects.get(codename="moderate_reuse", content_type__app_label="catalog"))
    return user


@pytest.fixture
def velo(dataset_factory):
    return dataset_factory(name="comptage-velos", title_fr="Comptage des vélos")


def data(**extra):
    base = {"kind": "application", "title_fr": "Carte des pistes", "url": "https://exemple.org/carte",
            "description_fr": "Une carte.", "author_name": "Collectif", "datasets": ["comptage-velos"]}
    return {**base, **extra}


def test_submit_is_pending_audited_and_moderators_are_told(citizen, velo, admin_user, moderator):
    reuse = services.reuse_submit(actor=citizen, data=data())
    assert reuse.status == Reuse.Status.PENDING and reuse.submitted_by == citizen
    assert reuse.name == "carte-des-pistes"
    assert list(reuse.datasets.all()) == [velo]
    entry = AuditEntry.objects.get(action="catalog.reuse.submit")
    assert entry.target_id == str(reuse.pk) and entry.data["datasets"] == ["comptage-velos"]
    told = set(Notification.objects.filter(subject__contains="à modérer").values_list("recipient__email", flat=True))
    assert told == {admin_user.email, moderator.email}
    assert services.reuse_total() == 0 and services.reuse_counts([velo.pk]) == {}


def test_submit_refuses_anonymous_and_bad_input_storing_nothing(citizen, velo, dataset_factory):
    with pytest.raises(PermissionDenied):
        services.reuse_submit(actor=AnonymousUser(), data=data())
    with pytest.raises(ValidationError) as exc:
        services.reuse_submit(actor=citizen, data=data(url="javascript:alert(1)"))
    assert "http" in exc.value.message_dict["url"][0]
    for bad in ("ftp://exemple.org/x", "data:text/html,x", "//exemple.org", "exemple"):
        with pytest.raises(ValidationError):
            services.reuse_submit(actor=citizen, data=data(url=bad))
    dataset_factory(name="secret", private=True)
    with pytest.raises(ValidationError) as exc:
        services.reuse_submit(actor=citizen, data=data(datasets=["comptage-velos", "secret", "inconnu"]))
    assert "secret" in exc.value.message_dict["datasets"][0] and "inconnu" in exc.value.message_dict["datasets"][0]
    with pytest.raises(ValidationError) as exc:
        services.reuse_submit(actor=citizen, data=data(datasets=[], title_fr="", kind="jeu"))
    assert set(exc.value.message_dict) == {"datasets", "title_fr", "kind"}
    assert not Reuse.objects.exists() and not AuditEntry.objects.filter(action__startswith="catalog.reuse").exists()


def test_double_submit_is_refused(citizen, velo):
    services.reuse_submit(actor=citizen, data=data())
    with pytest.raises(ValidationError) as exc:
        services.reuse_submit(actor=citizen, data=data(title_fr="Encore"))
    assert "déjà" in exc.value.message_dict["url"][0]
    assert Reuse.objects.count() == 1


def test_one_live_proposal_per_person_and_link(citizen, velo, moderator):
    first = services.reuse_submit(actor=citizen, data=data())
    services.reuse_moderate(actor=moderator, reuse=first, decision="reject", note="Doublon.")
    second = services.reuse_submit(actor=citizen, data=data(title_fr="Deux"))  # a refused one may come again
    with pytest.raises(ValidationError) as exc:  # the database keeps one live proposal per person and link
        services.reuse_moderate(actor=moderator, reuse=first, decision="publish")
    assert "autre réutilisation" in exc.value.message_dict["decision"][0]
    assert Reuse.objects.get(pk=first.pk).status == Reuse.Status.REJECTED
    assert Reuse.objects.get(pk=second.pk).status == Reuse.Status.PENDING


def test_datasets_by_id_or_page_address(citizen, velo):
    reuse = services.reuse_submit(actor=citizen, data=data(datasets=f"{velo.pk}, https://x.org/fr/catalogue/jeux/comptage-velos/"))
    assert list(reuse.datasets.all()) == [velo]


def test_images_are_checked_reencoded_without_metadata_and_thumbnailed(citizen, velo, settings):
    with pytest.raises(ValidationError) as exc:
        services.reuse_submit(actor=citizen, data=data(),
                              image=SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"))
    assert "image" in exc.value.message_dict
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(ValidationError):
        services.reuse_submit(actor=citizen, data=data(), image=SimpleUploadedFile("x.gif", gif.getvalue()))
    settings.OUVERT_REUSE_IMAGE_MAX_BYTES = 2000
    with pytest.raises(ValidationError) as exc:
        services.reuse_submit(actor=citizen, data=data(), image=SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 3000))
    assert "volumineuse" in exc.value.message_dict["image"][0]
    assert not Reuse.objects.exists()
    del settings.OUVERT_REUSE_IMAGE_MAX_BYTES

    reuse = services.reuse_submit(actor=citizen, data=data(), image=png(size=(2400, 1200), fmt="JPEG", exif=True))
    with default_storage.open(reuse.image.name) as f:
        stored = Image.open(f)
        stored.load()
    assert stored.format == "JPEG" and max(stored.size) == 1600
    assert not stored.getexif()
    with default_storage.open(reuse.thumbnail.name) as f:
        assert Image.open(f).size == (480, 320)


def test_moderation_by_moderators_only_with_notification_and_audit(citizen, velo, moderator, make_user):
    reuse = services.reuse_submit(actor=citizen, data=data())
    with pytest.raises(PermissionDenied):
        services.reuse_moderate(actor=citizen, reuse=reuse, decision="publish")
    with pytest.raises(PermissionDenied):
        services.reuse_moderate(actor=make_user(), reuse=reuse, decision="publish")
    with pytest.raises(ValidationError) as exc:
        services.reuse_moderate(actor=moderator, reuse=reuse, decision="reject")
    assert "motif" in exc.value.message_dict["note"][0]
    with pytest.raises(ValidationError):
        services.reuse_moderate(actor=moderator, reuse=reuse, decision="supprimer")

    rejected = services.reuse_moderate(actor=moderator, reuse=reuse, decision="reject", note="Lien mort.")
    assert rejected.status == Reuse.Status.REJECTED and rejected.moderation_note == "Lien mort."
    note = Notification.objects.get(recipient=citizen)
    assert "n’a pas été retenue" in note.subject and note.body == "Lien mort."
    published = services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    assert published.status == Reuse.Status.PUBLISHED and published.published_at and published.moderated_by == moderator
    assert Notification.objects.filter(recipient=citizen, subject__contains="est publiée").exists()
    with pytest.raises(ValidationError):
        services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    actions = list(AuditEntry.objects.filter(target_id=str(reuse.pk)).order_by("seq").values_list("action", flat=True))
    assert actions == ["catalog.reuse.submit", "catalog.reuse.reject", "catalog.reuse.publish"]
    assert services.reuse_total() == 1 and services.reuse_counts([velo.pk]) == {velo.pk: 1}


def test_staff_and_superusers_moderate(make_user, admin_user):
    staff = make_user()
    staff.is_staff = True
    staff.save()
    assert services.reuse_is_moderator(staff) and services.reuse_is_moderator(admin_user)
    assert not services.reuse_is_moderator(make_user()) and not services.reuse_is_moderator(AnonymousUser())


def test_edits_go_back_to_moderation_and_visibility(citizen, velo, moderator, make_user, dataset_factory):
    other = dataset_factory(name="meteo", title_fr="Météo")
    reuse = services.reuse_submit(actor=citizen, data=data())
    with pytest.raises(NotFound):
        services.reuse_get(name=reuse.name, user=AnonymousUser())
    with pytest.raises(NotFound):
        services.reuse_get(name=reuse.name, user=make_user())
    assert services.reuse_get(name=reuse.name, user=citizen) == reuse
    assert services.reuse_get(name=str(reuse.pk), user=moderator) == reuse
    with pytest.raises(PermissionDenied):
        services.reuse_update(actor=make_user(), reuse=reuse, data={"title_fr": "Piratée"})

    pending = services.reuse_update(actor=citizen, reuse=reuse, data={"title_fr": "Carte des pistes 2"})
    assert pending.status == Reuse.Status.PENDING and pending.title_fr == "Carte des pistes 2"
    services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    assert services.reuse_get(name=reuse.name, user=AnonymousUser()).title_fr == "Carte des pistes 2"

    kept = services.reuse_update(actor=moderator, reuse=reuse, data={"author_name": "Collectif vélo"})
    assert kept.status == Reuse.Status.PUBLISHED
    back = services.reuse_update(actor=citizen, reuse=reuse, data={"datasets": ["comptage-velos", "meteo"]})
    assert back.status == Reuse.Status.PENDING
    assert set(back.datasets.all()) == {velo, other}
    with pytest.raises(NotFound):
        services.reuse_get(name=reuse.name, user=AnonymousUser())
    with pytest.raises(ValidationError):
        services.reuse_update(actor=citizen, reuse=reuse, data={"url": "javascript:alert(1)"})
    assert Reuse.objects.get(pk=reuse.pk).url == "https://exemple.org/carte"


def test_a_private_dataset_is_hidden_from_a_published_reuse(citizen, velo, moderator, dataset_factory, editor):
    other = dataset_factory(name="meteo", title_fr="Météo")
    reuse = services.reuse_submit(actor=citizen, data=data(datasets=["comptage-velos", "meteo"]))
    services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    services.dataset_update(actor=editor, dataset=other, data={"private": True}, partial=True)
    shown = services.reuse_get(name=reuse.name, user=None)
    assert [d.name for d in shown.public_datasets] == ["comptage-velos"]
    assert [d["name"] for d in services.reuse_to_dict(shown)["datasets"]] == ["comptage-velos"]


def test_list_filters(citizen, velo, moderator, dataset_factory, other_org, other_org_editor, theme_factory):
    theme_factory("transport", title_fr="Transport")
    quebec = dataset_factory(name="pistes-quebec", title_fr="Pistes de Québec", actor=other_org_editor,
                             organisation=other_org, themes=["transport"])
    first = services.reuse_submit(actor=citizen, data=data())
    second = services.reuse_submit(actor=citizen, data=data(kind="article", title_fr="Article sur Québec",
                                                            url="https://exemple.org/article",
                                                            datasets=["pistes-quebec"]))
    services.reuse_submit(actor=citizen, data=data(title_fr="Encore en attente", url="https://exemple.org/z"))
    for reuse in (first, second):
        services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")

    def names(**filters):
        return sorted(r.name for r in services.reuse_list(**filters))

    assert names() == ["article-sur-quebec", "carte-des-pistes"]
    assert names(kind="article") == ["article-sur-quebec"]
    assert names(dataset="comptage-velos") == ["carte-des-pistes"]
    assert names(organisation=other_org.slug) == ["article-sur-quebec"]
    assert names(theme="transport") == ["article-sur-quebec"]
    assert names(q="québec") == ["article-sur-quebec"] or names(q="Québec") == ["article-sur-quebec"]
    with pytest.raises(ValidationError):
        services.reuse_list(kind="jeu")
    assert services.reuse_counts_by_name(["comptage-velos", "pistes-quebec", quebec.name]) == {
        "comptage-velos": 1, "pistes-quebec": 1}


def test_package_show_counts_published_reuses(citizen, velo, moderator):
    assert ckan_dict.dataset_to_ckan_show(velo)["num_reuses"] == 0
    reuse = services.reuse_submit(actor=citizen, data=data())
    assert ckan_dict.dataset_to_ckan_show(velo)["num_reuses"] == 0
    services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    shown = ckan_dict.dataset_to_ckan_show(Dataset.objects.get(pk=velo.pk))
    assert shown["num_reuses"] == 1
    # A round trip never stores it.
    assert "num_reuses" in ckan_dict.CONTRIBUTED_KEYS


def test_open_data_publication(citizen, velo, moderator, make_org):
    assert services.reuse_open_data_export() is None  # no publishing organisation yet
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")
    assert services.reuse_open_data_export() is None  # nothing published yet
    reuse = services.reuse_submit(actor=citizen, data=data())
    services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    dataset = services.open_data_refresh("reuses")
    assert dataset.name == "reutilisations-donnees-ouvertes" and dataset.organisation.slug == "sct"
    files = {r.name_fr: r for r in services.resource_list(dataset=dataset)}
    assert set(files) == {"Réutilisations (CSV)", "Réutilisations (JSON)"}
    with files["Réutilisations (JSON)"].current_version.file.open() as f:
        document = json.loads(f.read())
    assert document["reuses"][0]["name"] == "carte-des-pistes"
    assert document["reuses"][0]["datasets"][0]["name"] == "comptage-velos"
    assert "submitted_by" not in document["reuses"][0]


def test_delete_by_moderators_only_with_its_images(citizen, velo, moderator, django_capture_on_commit_callbacks):
    reuse = services.reuse_submit(actor=citizen, data=data(), image=png())
    names, pk = [reuse.image.name, reuse.thumbnail.name], reuse.pk
    with pytest.raises(PermissionDenied):
        services.reuse_delete(actor=citizen, reuse=reuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.reuse_delete(actor=moderator, reuse=reuse)
    assert not Reuse.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert AuditEntry.objects.filter(action="catalog.reuse.delete", target_id=str(pk)).exists()
