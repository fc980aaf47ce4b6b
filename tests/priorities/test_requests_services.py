"""Data requests through the services: asking, supporting, following, commenting, the status workflow and
its permissions, notifications to followers, the audit log, moderation, the open data of the list."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core.models import AuditEntry, Notification
from ouvert.priorities import services
from ouvert.priorities.models import DataRequest, RequestComment, RequestEvent, RequestSupport

pytestmark = pytest.mark.django_db


def test_ask_for_data(citizen, banq):
    person = citizen(1)
    item = services.request_create(actor=person, data={
        "title_fr": "  Fréquentation des bibliothèques  ", "description_fr": "Par mois et par succursale.",
        "purpose_fr": "Un mémoire de maîtrise.", "organisation": "banq", "theme": "culture"})
    assert item.title_fr == "Fréquentation des bibliothèques"
    assert item.status == "submitted" and item.requester == person and item.organisation == banq
    assert list(item.events.values_list("kind", "to_status")) == [("created", "submitted")]
    assert AuditEntry.objects.filter(action="priorities.request.create", target_id=str(item.pk)).exists()
    # Free text when the body is not registered.
    other = services.request_create(actor=person, data={"title_fr": "Plages", "description_fr": "Qualité de l'eau",
                                                        "holder_text": "Ministère de l'Environnement"})
    assert other.organisation is None and other.holder_text == "Ministère de l'Environnement"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title_fr": "", "description_fr": "x"}, "title_fr", "Ce champ est obligatoire."),
    ({"title_fr": "x", "description_fr": "   "}, "description_fr", "Ce champ est obligatoire."),
    ({"title_fr": "x" * 201, "description_fr": "x"}, "title_fr", "Au plus 200 caractères (201 reçus)."),
    ({"title_fr": "a\x00b", "description_fr": "x"}, "title_fr", "Ce champ contient des caractères de contrôle interdits."),
    ({"title_fr": "x", "description_fr": "x", "organisation": "inconnu"}, "organisation", "Organisme inconnu « inconnu »."),
    ({"title_fr": ["x"], "description_fr": "x"}, "title_fr", "Ce champ doit être du texte."),
    ({"title_fr": "x", "description_fr": "x", "status": "published"}, "__all__", "Champs inconnus : status."),
])
def test_bad_requests_are_refused_and_nothing_is_written(citizen, banq, data, field, message):
    with pytest.raises(ValidationError) as caught:
        services.request_create(actor=citizen(1), data=data)
    assert caught.value.message_dict[field] == [message]
    assert DataRequest.objects.count() == 0


def test_hostile_strings_are_kept_as_text(citizen, banq):
    item = services.request_create(actor=citizen(1), data={"title_fr": "<script>alert(1)</script>",
                                                           "description_fr": "'; DROP TABLE x; --"})
    assert DataRequest.objects.get(pk=item.pk).title_fr == "<script>alert(1)</script>"


def test_anonymous_cannot_ask(banq):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.request_create(actor=AnonymousUser(), data={"title_fr": "x", "description_fr": "y"})


def test_one_support_per_person_withdrawable(make_request, citizen):
    item = make_request()
    person = citizen(1)
    services.request_support(actor=person, data_request=item)
    services.request_support(actor=person, data_request=item)
    assert item.support_count == 1 and RequestSupport.objects.count() == 1
    services.request_support(actor=citizen(2), data_request=item)
    assert DataRequest.objects.get(pk=item.pk).support_count == 2
    services.request_support(actor=person, data_request=item, on=False)
    services.request_support(actor=person, data_request=item, on=False)
    assert DataRequest.objects.get(pk=item.pk).support_count == 1


def test_status_workflow_notifies_followers_and_keeps_the_history(make_request, citizen, banq_editor, dataset):
    requester, supporter, follower, bystander = citizen(1), citizen(2), citizen(3), citizen(4)
    item = make_request(actor=requester)
    services.request_support(actor=supporter, data_request=item)
    services.request_follow(actor=follower, data_request=item)
    services.request_follow(actor=banq_editor, data_request=item)  # the actor is never notified of their own act
    Notification.objects.all().delete()

    services.request_set_status(actor=banq_editor, data_request=item, status="review", message="Nous regardons.")
    notified = set(Notification.objects.values_list("recipient__email", flat=True))
    assert notified == {requester.email, supporter.email, follower.email}
    assert bystander.email not in notified
    note = Notification.objects.filter(recipient=requester).get()
    assert note.subject == "Demande de données : En examen"
    assert "Nous regardons." in note.body and note.url == f"/fr/priorites/demandes/{item.pk}/"

    services.request_answer(actor=banq_editor, data_request=item, text="Les données existent, format à revoir.")
    assert Notification.objects.filter(recipient=supporter).count() == 2

    services.request_set_status(actor=banq_editor, data_request=item, status="published", dataset=dataset.name)
    item.refresh_from_db()
    assert item.status == "published" and item.dataset == dataset
    history = list(item.events.values_list("kind", "from_status", "to_status"))
    assert history == [("created", "", "submitted"), ("status", "submitted", "review"), ("answer", "", ""),
                       ("status", "review", "published")]
    actions = list(AuditEntry.objects.filter(target_id=str(item.pk), target_type="priorities.datarequest")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["priorities.request.create", "priorities.request.status", "priorities.request.answer",
                       "priorities.request.status"]


def test_only_the_holding_body_and_admins_change_the_status(make_request, citizen, banq_member, platform_admin,
                                                            make_org, make_user):
    from ouvert.core import services as core_services

    item = make_request()
    other_body_editor = make_user(email="autre@example.org")
    core_services.membership_set(user=other_body_editor, organisation=make_org(slug="autre"), role="editor")
    for person in (citizen(1), banq_member, other_body_editor, item.requester):
        with pytest.raises(PermissionDenied) as caught:
            services.request_set_status(actor=person, data_request=item, status="review")
        assert "Seuls les éditeurs et administrateurs" in str(caught.value)
        with pytest.raises(PermissionDenied):
            services.request_answer(actor=person, data_request=item, text="Non.")
    assert DataRequest.objects.get(pk=item.pk).status == "submitted"
    assert RequestEvent.objects.filter(request=item).count() == 1
    services.request_set_status(actor=platform_admin, data_request=item, status="review")
    assert DataRequest.objects.get(pk=item.pk).status == "review"


def test_declined_needs_a_reason_and_published_a_dataset(make_request, banq_editor):
    item = make_request()
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            services.request_set_status(actor=banq_editor, data_request=item, status="declined", reason=reason)
        assert caught.value.message_dict == {"reason": ["Un motif est obligatoire pour refuser une demande."]}
    with pytest.raises(ValidationError) as caught:
        services.request_set_status(actor=banq_editor, data_request=item, status="published")
    assert "dataset" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.request_set_status(actor=banq_editor, data_request=item, status="published", dataset="inexistant")
    assert caught.value.message_dict["dataset"] == ["Jeu de données introuvable dans le catalogue : « inexistant »."]
    with pytest.raises(ValidationError) as caught:
        services.request_set_status(actor=banq_editor, data_request=item, status="perdu")
    assert "État inconnu « perdu »" in caught.value.message_dict["status"][0]
    assert DataRequest.objects.get(pk=item.pk).status == "submitted"
    services.request_set_status(actor=banq_editor, data_request=item, status="declined",
                                reason="Renseignements personnels.")
    item.refresh_from_db()
    assert item.status == "declined" and item.decline_reason == "Renseignements personnels."
    # A declined request may only be reopened for review.
    with pytest.raises(ValidationError) as caught:
        services.request_set_status(actor=banq_editor, data_request=item, status="planned")
    assert caught.value.message_dict["status"] == ["Passage impossible de « Refusée » à « Planifiée »."]
    with pytest.raises(ValidationError):
        services.request_set_status(actor=banq_editor, data_request=item, status="declined", reason="Encore.")
    services.request_set_status(actor=banq_editor, data_request=item, status="review")
    item.refresh_from_db()
    assert item.decline_reason == ""


def test_comments_and_moderation(make_request, citizen, platform_admin, banq_editor):
    item = make_request()
    comment = services.comment_add(actor=citizen(1), data_request=item, body="Très utile pour mon quartier.")
    with pytest.raises(ValidationError):
        services.comment_add(actor=citizen(1), data_request=item, body="   ")
    assert DataRequest.objects.get(pk=item.pk).comment_count == 1
    with pytest.raises(PermissionDenied):
        services.comment_hide(actor=banq_editor, comment=comment, reason="Hors sujet")
    with pytest.raises(ValidationError) as caught:
        services.comment_hide(actor=platform_admin, comment=comment, reason="")
    assert caught.value.message_dict == {"reason": ["Ce champ est obligatoire."]}
    services.comment_hide(actor=platform_admin, comment=comment, reason="Propos injurieux.")
    assert RequestComment.objects.get().hidden_reason == "Propos injurieux."
    assert list(services.request_comments(item, user=citizen(2))) == []
    assert list(services.request_comments(item, user=platform_admin)) == [comment]
    assert DataRequest.objects.get(pk=item.pk).comment_count == 0
    assert AuditEntry.objects.filter(action="priorities.comment.hide").count() == 1
    with pytest.raises(ValidationError):
        services.comment_hide(actor=platform_admin, comment=comment, reason="Encore")


def test_list_filters_sorts_and_counts(make_request, citizen, banq_editor, make_org):
    make_org(slug="ville")
    first = make_request(title_fr="Horaires des bibliothèques", theme="culture")
    second = make_request(title_fr="Pistes cyclables", organisation="ville", theme="transport")
    third = make_request(title_fr="Archives notariales", theme="culture")
    services.request_support(actor=citizen(1), data_request=third)
    services.request_set_status(actor=banq_editor, data_request=first, status="review")
    assert list(services.request_list()) == [third, second, first]
    assert list(services.request_list(sort="newest")) == [third, second, first]
    assert list(services.request_list(sort="updated"))[0] == first
    assert list(services.request_list(status="review")) == [first]
    assert list(services.request_list(organisation="ville")) == [second]
    assert set(services.request_list(theme="culture")) == {first, third}
    assert list(services.request_list(q="cyclables")) == [second]
    counts = services.request_counts()
    assert counts == {"submitted": 2, "review": 1, "planned": 0, "published": 0, "declined": 0}
    assert services.request_counts(theme="transport")["submitted"] == 1
    with pytest.raises(ValidationError) as caught:
        services.request_list(status="inconnu")
    assert "État inconnu" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.request_list(sort="hasard")


def test_the_list_of_requests_is_published_as_open_data(make_request, sct, banq_editor):
    from ouvert.catalog import services as catalog_services
    from ouvert.catalog.models import Dataset

    first = make_request(title_fr="Horaires, « bibliothèques »; accents é")
    services.request_set_status(actor=banq_editor, data_request=first, status="declined", reason="Non détenues.")
    make_request(title_fr="Deuxième")
    dataset = catalog_services.open_data_refresh(services.REQUESTS_OPEN_DATA_KEY)
    assert dataset.name == "demandes-de-donnees" and dataset.organisation == sct
    resource = dataset.resources.get()
    with resource.current_version.file.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title_fr"] for r in rows] == ["Horaires, « bibliothèques »; accents é", "Deuxième"]
    assert rows[0]["status"] == "declined" and rows[0]["decline_reason"] == "Non détenues."
    assert "requester" not in rows[0] and "@" not in text  # anonymous
    # Refreshing without change adds no version.
    again = catalog_services.open_data_refresh(services.REQUESTS_OPEN_DATA_KEY)
    assert again.pk == dataset.pk and Dataset.objects.filter(name="demandes-de-donnees").count() == 1


def test_nothing_to_publish_without_requests(sct):
    assert services.open_data_export() is None


@pytest.mark.django_db(transaction=True)
def test_a_change_refreshes_the_open_data_when_it_commits(make_request, sct, banq_editor):
    """Real commits (the catalogue's refresher runs on commit; tasks run immediately in tests)."""
    from ouvert.catalog.models import Dataset

    item = make_request(title_fr="Première")
    dataset = Dataset.objects.get(name="demandes-de-donnees")
    assert dataset.resources.get().current_version.number == 1
    services.request_set_status(actor=banq_editor, data_request=item, status="review")
    assert dataset.resources.get().current_version.number == 2
