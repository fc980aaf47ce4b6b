"""The proposals services: creating, editing, withdrawing, supports and their limits, official answers,
amendments, the list — every rule and refusal."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ouvert.consult import services
from ouvert.consult.models import (
    Amendment,
    Block,
    Category,
    Follow,
    Participation,
    Proposal,
    Support,
    TargetKind,
)
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db

BODY = "Publier les horaires de tous les autobus en données ouvertes, mis à jour chaque jour."


def make(process, user, title="Horaires des autobus ouverts", **kwargs):
    return services.proposal_create(process=process, user=user, title=title, body=kwargs.pop("body", BODY), **kwargs)


# --- Creating --------------------------------------------------------------------------------------

def test_create_numbers_follows_and_records(process, citizens):
    first = make(process, citizens[0])
    second = make(process, citizens[1], title="Budget participatif par quartier")
    assert (first.number, second.number) == (1, 2)
    assert first.status == Proposal.Status.PUBLISHED and first.author == citizens[0]
    participation = Participation.objects.get(process=process, user=citizens[0])
    assert participation.proposals_made == 1 and participation.actions == 1
    assert Follow.objects.filter(user=citizens[0], target_kind=TargetKind.PROPOSAL, target_id=first.pk).exists()


def test_numbers_are_per_process(process_factory, citizen):
    a, b = process_factory(), process_factory()
    assert make(a, citizen(1)).number == 1
    assert make(b, citizen(1)).number == 1


def test_create_validates_title_body_category_and_location(process, process_factory, citizen):
    other = Category.objects.create(process=process_factory(), name_fr="Ailleurs")
    with pytest.raises(ValidationError) as exc:
        services.proposal_create(process=process, user=citizen(1), title="x", body="court", category=other.pk,
                                 latitude="48.8566", longitude="2.3522")  # Paris
    errors = exc.value.message_dict
    assert set(errors) == {"title", "body", "category", "location"}
    assert "Québec" in errors["location"][0]
    with pytest.raises(ValidationError) as exc:
        services.proposal_create(process=process, user=citizen(1), title="Un titre correct", body=BODY,
                                 latitude="abc", longitude="-71")
    assert "location" in exc.value.message_dict
    assert not Proposal.objects.exists()


def test_create_with_category_and_location_in_quebec(process, citizen):
    category = Category.objects.create(process=process, name_fr="Transport")
    proposal = make(process, citizen(1), category=str(category.pk), address="Place D'Youville, Québec",
                    latitude="46.8123", longitude="-71.2145")
    assert proposal.category == category and proposal.latitude == pytest.approx(46.8123)


def test_hostile_text_is_stored_as_written(process, citizen):
    body = "<script>alert(1)</script> **gras** [lien](javascript:alert(2))"
    proposal = make(process, citizen(1), title="<img src=x onerror=alert(1)>", body=body)
    assert proposal.body == body


def test_closed_component_blocked_person_and_anonymous_are_refused(process, citizen, phase_move, organiser):
    person = citizen(1)
    with pytest.raises(PermissionDenied):
        make(process, None)
    Block.objects.create(user=person, reason="Pourriel", blocked_by=organiser)
    with pytest.raises(PermissionDenied, match="bloqué"):
        make(process, person)
    phase_move(process, "analysis")
    with pytest.raises(PermissionDenied, match="pas ouverte"):
        make(process, citizen(2))
    assert not Proposal.objects.exists()


def test_proposal_limit_per_person(process_factory, citizen):
    process = process_factory(proposal_limit=2)
    person = citizen(1)
    make(process, person)
    make(process, person, title="Deuxième proposition")
    with pytest.raises(ValidationError, match="maximum"):
        make(process, person, title="Troisième proposition")
    assert Proposal.objects.filter(process=process).count() == 2
    assert Participation.objects.get(process=process, user=person).proposals_made == 2


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=2)
def test_rate_limit(process, citizen):
    person = citizen(1)
    make(process, person)
    make(process, person, title="Encore une proposition")
    with pytest.raises(core_services.RateLimited):
        make(process, person, title="Trop de propositions")
    assert Proposal.objects.count() == 2


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


@pytest.mark.parametrize("data,kind", [(b"%PDF-1.7\n%%EOF", "pdf"), (PNG, "png"), (b"\xff\xd8\xff\xe0JFIF", "jpeg"),
                                       (_docx(), "docx"), (_odt(), "odt")])
def test_attachment_type_from_bytes(process, citizen, data, kind):
    upload = SimpleUploadedFile("fichier.exe", data)  # the name does not matter, the bytes do
    proposal = make(process, citizen(1), attachment=upload)
    assert proposal.attachment.name.endswith(f".{kind}")


def test_attachment_refused_by_type_and_size(process, citizen):
    with pytest.raises(ValidationError, match="PDF"):
        make(process, citizen(1), attachment=SimpleUploadedFile("document.pdf", b"MZ\x90\x00 not a pdf"))
    big = SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="10 Mo"):
        make(process, citizen(1), attachment=big)
    zip_not_document = io.BytesIO()
    with zipfile.ZipFile(zip_not_document, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(ValidationError):
        make(process, citizen(1), attachment=("a.docx", zip_not_document.getvalue()))
    assert not Proposal.objects.exists()


# --- Editing and withdrawing -----------------------------------------------------------------------

def test_update_by_author_before_supports(process, citizens):
    proposal = make(process, citizens[0])
    services.proposal_update(proposal=proposal, user=citizens[0], title="Titre revu et corrigé", body=BODY)
    assert Proposal.objects.get(pk=proposal.pk).title == "Titre revu et corrigé"
    with pytest.raises(PermissionDenied):
        services.proposal_update(proposal=proposal, user=citizens[1], title="Titre d'une autre personne", body=BODY)
    services.proposal_support(proposal=proposal, user=citizens[1])
    with pytest.raises(ValidationError, match="appuyée"):
        services.proposal_update(proposal=proposal, user=citizens[0], title="Trop tard pour ça", body=BODY)
    assert Proposal.objects.get(pk=proposal.pk).title == "Titre revu et corrigé"


def test_withdraw(process, citizens):
    proposal = make(process, citizens[0])
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, user=citizens[1])
    services.proposal_withdraw(proposal=proposal, user=citizens[0])
    assert proposal.status == Proposal.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=proposal, user=citizens[0])
    assert services.proposal_list(process=process, user=None).total == 0
    with pytest.raises(ValidationError, match="appuis"):
        services.proposal_support(proposal=proposal, user=citizens[1])


# --- Supports --------------------------------------------------------------------------------------

def test_support_counts_once_and_unsupport(process, citizens):
    proposal = make(process, citizens[0])
    result = services.proposal_support(proposal=proposal, user=citizens[1])
    assert result.created and result.supports_count == 1
    again = services.proposal_support(proposal=proposal, user=citizens[1])  # a double submit
    assert not again.created and again.supports_count == 1 and again.support == result.support
    assert Support.objects.count() == 1
    assert Participation.objects.get(process=process, user=citizens[1]).supports_used == 1
    services.proposal_support(proposal=proposal, user=citizens[2])
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 2
    assert services.proposal_unsupport(proposal=proposal, user=citizens[1]).supports_count == 1
    assert services.proposal_unsupport(proposal=proposal, user=citizens[1]).supports_count == 1  # no-op
    assert Participation.objects.get(process=process, user=citizens[1]).supports_used == 0


def test_support_limit_per_person(process_factory, citizens):
    process = process_factory(support_limit=2)
    proposals = [make(process, citizens[0], title=f"Proposition numéro {n}") for n in range(3)]
    person = citizens[1]
    assert services.proposal_supports_remaining(process=process, user=person) == 2
    services.proposal_support(proposal=proposals[0], user=person)
    services.proposal_support(proposal=proposals[1], user=person)
    with pytest.raises(ValidationError, match="2 appuis"):
        services.proposal_support(proposal=proposals[2], user=person)
    assert Proposal.objects.get(pk=proposals[2].pk).supports_count == 0
    assert not Support.objects.filter(proposal=proposals[2]).exists()
    assert services.proposal_supports_remaining(process=process, user=person) == 0
    services.proposal_unsupport(proposal=proposals[0], user=person)
    services.proposal_support(proposal=proposals[2], user=person)
    assert Participation.objects.get(process=process, user=person).supports_used == 2


def test_support_in_few_statements_keeps_the_limit_and_counts(process_factory, citizens, django_assert_max_num_queries):
    """A support once the person has a participation row: the access facts in one statement, then (on
    PostgreSQL) the support, the limit and the counter in one more; the limit still refuses exactly."""
    process = process_factory(support_limit=2)
    proposals = [make(process, citizens[0], title=f"Proposition numéro {n}") for n in range(3)]
    person = citizens[1]
    services.proposal_support(proposal=proposals[0], user=person)  # the first action: the row is made
    from django.db import connection

    # PostgreSQL: the facts, then one statement in its transaction (a savepoint inside the test's own);
    # the portable path (SQLite): a savepoint for the insert, two conditional UPDATEs.
    with django_assert_max_num_queries(4 if connection.vendor == "postgresql" else 8):
        result = services.proposal_support(proposal=proposals[1], user=person)
    assert result.created and result.supports_count == 1 and result.support.pk
    assert result.support == Support.objects.get(proposal=proposals[1], user=person)
    again = services.proposal_support(proposal=proposals[1], user=person)
    assert not again.created and again.support == result.support and again.supports_count == 1
    with pytest.raises(ValidationError, match="2 appuis"):
        services.proposal_support(proposal=proposals[2], user=person)
    assert not Support.objects.filter(proposal=proposals[2]).exists()
    assert Proposal.objects.get(pk=proposals[2].pk).supports_count == 0
    participation = Participation.objects.get(process=process, user=person)
    assert participation.supports_used == 2 and participation.actions == 2


def test_supports_closed_in_phase(process_factory, citizens):
    process = process_factory(components=["proposals"])
    proposal = make(process, citizens[0])
    with pytest.raises(PermissionDenied):
        services.proposal_support(proposal=proposal, user=citizens[1])
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 0


def test_threshold_notifies_followers_once(process_factory, citizens, django_capture_on_commit_callbacks):
    process = process_factory(support_threshold=2)
    proposal = make(process, citizens[0])
    follower = citizens[3]
    services.follow(user=follower, process=process, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_support(proposal=proposal, user=citizens[1])
    assert not Notification.objects.filter(subject__contains="seuil").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_support(proposal=proposal, user=citizens[2])
    assert Notification.objects.filter(recipient=follower, subject__contains="seuil").count() == 1
    assert Notification.objects.filter(recipient=citizens[0], subject__contains="seuil").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_unsupport(proposal=proposal, user=citizens[2])
        services.proposal_support(proposal=proposal, user=citizens[2])  # reaches it again: nobody told twice
    assert Notification.objects.filter(recipient=follower, subject__contains="seuil").count() == 1


# --- Answers ---------------------------------------------------------------------------------------

def test_answer_by_manager_notifies_and_audits(process, citizens, organiser, django_capture_on_commit_callbacks):
    proposal = make(process, citizens[0])
    services.follow(user=citizens[2], process=process, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk)
    with pytest.raises(PermissionDenied):
        services.proposal_answer(proposal=proposal, user=citizens[1], status="accepted", answer_fr="Oui")
    with pytest.raises(ValidationError, match="pourquoi"):
        services.proposal_answer(proposal=proposal, user=organiser, status="rejected", answer_fr="  ")
    with pytest.raises(ValidationError):
        services.proposal_answer(proposal=proposal, user=organiser, status="withdrawn", answer_fr="Non")
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.PUBLISHED
    services.proposal_answer(proposal=proposal, user=organiser, status="evaluating")
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.proposal_answer(proposal=proposal, user=organiser, status="rejected",
                                            answer_fr="Ces horaires sont déjà publiés par la société de transport.")
    assert answered.status == Proposal.Status.REJECTED and answered.answered_by == organiser
    assert AuditEntry.objects.filter(action="consult.proposals.answer", target_id=str(proposal.pk)).count() == 2
    for person in (citizens[0], citizens[2]):
        assert Notification.objects.filter(recipient=person, subject__contains="Non retenue").exists()
    assert not Notification.objects.filter(recipient=organiser).exists()


def test_moderator_superuser_may_answer(process, citizens, moderator):
    proposal = make(process, citizens[0])
    services.proposal_answer(proposal=proposal, user=moderator, status="implemented", answer_fr="C’est fait.")
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.IMPLEMENTED


# --- Amendments ------------------------------------------------------------------------------------

def test_amendments(process_factory, citizens, django_capture_on_commit_callbacks):
    process = process_factory(amendments_enabled=True)
    proposal = make(process, citizens[0])
    with pytest.raises(ValidationError):
        services.amendment_create(proposal=proposal, user=citizens[0], title="Mon propre amendement", body=BODY)
    with django_capture_on_commit_callbacks(execute=True):
        amendment = services.amendment_create(proposal=proposal, user=citizens[1],
                                              title="Horaires et trajets ouverts", body=BODY + " Et les trajets en temps réel.")
    assert Notification.objects.filter(recipient=citizens[0], subject__contains="amendement").exists()
    with pytest.raises(PermissionDenied):
        services.amendment_accept(amendment=amendment, user=citizens[1])
    services.amendment_accept(amendment=amendment, user=citizens[0])
    proposal.refresh_from_db()
    assert proposal.title == "Horaires et trajets ouverts" and proposal.body.endswith("temps réel.")
    with pytest.raises(ValidationError, match="déjà"):
        services.amendment_reject(amendment=amendment, user=citizens[0])
    second = services.amendment_create(proposal=proposal, user=citizens[2], title="Autre version du titre", body=BODY)
    services.amendment_reject(amendment=second, user=citizens[0])
    assert Amendment.objects.get(pk=second.pk).status == Amendment.Status.REJECTED
    assert Proposal.objects.get(pk=proposal.pk).title == "Horaires et trajets ouverts"


def test_amendments_disabled(process, citizens):
    proposal = make(process, citizens[0])
    with pytest.raises(PermissionDenied, match="amendements"):
        services.amendment_create(proposal=proposal, user=citizens[1], title="Un amendement", body=BODY)


# --- The list --------------------------------------------------------------------------------------

def test_list_sorts_filters_search_and_hidden(process, citizens, organiser):
    category = Category.objects.create(process=process, name_fr="Logement")
    a = make(process, citizens[0], title="Logements sociaux", category=category.pk)
    b = make(process, citizens[0], title="Pistes cyclables protégées")
    c = make(process, citizens[1], title="Toits verts obligatoires")
    services.proposal_support(proposal=b, user=citizens[2])
    Proposal.objects.filter(pk=c.pk).update(is_hidden=True)
    page = services.proposal_list(process=process, user=None)
    assert [p.number for p in page.items] == [b.number, a.number] and page.total == 2
    assert [p.number for p in services.proposal_list(process=process, sort="recent").items] == [b.number, a.number]
    assert [p.pk for p in services.proposal_list(process=process, category=category.pk).items] == [a.pk]
    assert [p.pk for p in services.proposal_list(process=process, q="cyclables").items] == [b.pk]
    manager_page = services.proposal_list(process=process, user=organiser)
    assert manager_page.total == 3 and any(p.is_hidden for p in manager_page.items)
    random_1 = [p.pk for p in services.proposal_list(process=process, sort="random", seed=3).items]
    assert random_1 == [p.pk for p in services.proposal_list(process=process, sort="random", seed=3).items]
    with pytest.raises(ValidationError):
        services.proposal_list(process=process, sort="hasard")
    with pytest.raises(ValidationError):
        services.proposal_list(process=process, status="inconnu")
    with pytest.raises(ValidationError):
        services.proposal_list(process=process, page="zéro")
    with pytest.raises(core_services.NotFound):
        services.proposal_list(process=process, page=9)
    with pytest.raises(core_services.NotFound):
        services.proposal_get(process=process, number=c.number, user=citizens[0])
    assert services.proposal_get(process=process, number=c.number, user=organiser) == c
