"""The processes part's services: creating and changing processes, phases, documents, categories,
invitations, publishing, the seven guiding principles, the guides and the demo."""

import datetime
import io
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from ouvert.consult import access, processes, services
from ouvert.consult.models import Category, Invitation, Phase, Process, ProcessDocument
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _data(**overrides):
    today = timezone.localdate()
    data = {"title_fr": "Avenir du logement locatif", "summary_fr": "Donnez votre avis sur le logement locatif.",
            "starts_on": today.isoformat(), "ends_on": (today + 120 * DAY).isoformat()}
    data.update(overrides)
    return data


def _phases(today=None, contribution_days=40, components=("proposals", "comments")):
    today = today or timezone.localdate()
    end = today + (10 + contribution_days) * DAY
    return [
        {"kind": "information", "starts_on": today, "ends_on": today + 9 * DAY, "components": ["meetings"]},
        {"kind": "contribution", "starts_on": today + 10 * DAY, "ends_on": end - DAY, "components": list(components)},
        {"kind": "analysis", "starts_on": end, "ends_on": end + 20 * DAY},
        {"kind": "report", "starts_on": end + 21 * DAY, "ends_on": end + 60 * DAY},
    ]


@pytest.fixture
def draft(organiser, mamh):
    return processes.process_create(actor=organiser, organisation=mamh, data=_data())


def _audits(action):
    return AuditEntry.objects.filter(action=action).count()


# --- process_create / process_update ---------------------------------------------------------------

def test_create_makes_a_draft_with_a_slug_from_the_title(draft, organiser):
    assert draft.slug == "avenir-du-logement-locatif"
    assert draft.published_at is None and draft.created_by == organiser
    assert _audits("consult.processes.create") == 1
    assert services.can_view(organiser, draft)


def test_create_refuses_people_who_do_not_manage_the_body(mamh, mamh_member, citizen):
    for person in (mamh_member, citizen(1)):
        with pytest.raises(PermissionDenied):
            processes.process_create(actor=person, organisation=mamh, data=_data())
    assert not Process.objects.exists()


@pytest.mark.parametrize("slug", ["gestion", "guides", "nouvelle", "Mauvais Slug", "a--b", "x" * 121])
def test_create_refuses_reserved_or_malformed_slugs(organiser, mamh, slug):
    with pytest.raises(ValidationError) as info:
        processes.process_create(actor=organiser, organisation=mamh, data=_data(slug=slug))
    assert "slug" in info.value.message_dict
    assert not Process.objects.exists()


def test_create_refuses_a_slug_taken(draft, organiser, mamh):
    with pytest.raises(ValidationError, match="déjà"):
        processes.process_create(actor=organiser, organisation=mamh, data=_data())
    assert Process.objects.count() == 1


def test_create_checks_dates_title_and_choices(organiser, mamh):
    with pytest.raises(ValidationError) as info:
        processes.process_create(actor=organiser, organisation=mamh, data=_data(
            title_fr="  ", starts_on="2026-05-01", ends_on="2026-04-01", influence="dictature",
            contact_email="pas-un-courriel", support_limit="-3"))
    errors = info.value.message_dict
    assert {"title_fr", "ends_on", "influence", "contact_email", "support_limit"} <= set(errors)
    with pytest.raises(ValidationError, match="Date invalide"):
        processes.process_create(actor=organiser, organisation=mamh, data=_data(starts_on="31/12/2026"))
    assert not Process.objects.exists()


def test_update_changes_fields_and_audits(draft, organiser):
    processes.process_update(actor=organiser, process=draft, data={"theme": "habitation", "mode": "hybrid",
                                                                   "amendments_enabled": "on"})
    draft.refresh_from_db()
    assert (draft.theme, draft.mode, draft.amendments_enabled) == ("habitation", "hybrid", True)
    assert _audits("consult.processes.update") == 1


def test_update_refuses_others_and_keeps_data_on_errors(draft, organiser, mamh_member):
    with pytest.raises(PermissionDenied):
        processes.process_update(actor=mamh_member, process=draft, data={"theme": "x"})
    with pytest.raises(ValidationError):
        processes.process_update(actor=organiser, process=draft, data={"theme": "x", "mode": "télépathie"})
    draft.refresh_from_db()
    assert draft.theme == "" and draft.mode == "digital"


def test_slug_is_fixed_once_published(draft, organiser):
    processes.process_update(actor=organiser, process=draft, data={"slug": "logement-locatif"})
    assert Process.objects.get(pk=draft.pk).slug == "logement-locatif"
    processes.phase_set(actor=organiser, process=draft, phases=_phases())
    processes.process_publish(actor=organiser, process=draft, confirm=True)
    with pytest.raises(ValidationError, match="publiée"):
        processes.process_update(actor=organiser, process=draft, data={"slug": "autre"})


# --- phase_set -------------------------------------------------------------------------------------

def test_phase_set_replaces_phases_in_order(draft, organiser):
    created = processes.phase_set(actor=organiser, process=draft, phases=list(reversed(_phases())))
    assert [p.kind for p in created] == ["information", "contribution", "analysis", "report"]
    assert [p.position for p in created] == [0, 1, 2, 3]
    processes.phase_set(actor=organiser, process=draft, phases=_phases()[1:2])
    assert list(draft.phases.values_list("kind", flat=True)) == ["contribution"]
    assert _audits("consult.processes.phases") == 2


def test_phase_set_rules(draft, organiser):
    today = timezone.localdate()
    bad = [
        ([], "au moins une phase"),
        ([{**_phases()[0], "kind": "vote"}], "inconnu"),
        ([{**_phases()[0], "components": ["proposals", "sondages"]}], "Composantes inconnues"),
        ([{**_phases()[0], "ends_on": today - DAY}], "la fin doit suivre"),
        ([{**_phases()[0], "starts_on": today - 5 * DAY}], "avant la consultation"),
        ([{**_phases()[3], "ends_on": today + 400 * DAY}], "après la consultation"),
        ([_phases()[0], {**_phases()[0]}], "qu'une fois"),
        ([{**_phases()[0], "starts_on": today + 50 * DAY, "ends_on": today + 60 * DAY}, _phases()[1]], "ordre"),
        ([_phases()[0], {**_phases()[1], "starts_on": today + 5 * DAY}], "chevauchent"),
        ([{**_phases()[0], "starts_on": "demain"}], "Date invalide"),
    ]
    processes.phase_set(actor=organiser, process=draft, phases=_phases())
    for phases, message in bad:
        with pytest.raises(ValidationError, match=message):
            processes.phase_set(actor=organiser, process=draft, phases=phases)
    assert draft.phases.count() == 4


def test_phase_set_with_new_process_dates(draft, organiser):
    today = timezone.localdate()
    phases = _phases(today + 200 * DAY)
    with pytest.raises(ValidationError):
        processes.phase_set(actor=organiser, process=draft, phases=phases)
    processes.phase_set(actor=organiser, process=draft, phases=phases, starts_on=today + 200 * DAY,
                        ends_on=(today + 400 * DAY).isoformat())
    draft.refresh_from_db()
    assert draft.starts_on == today + 200 * DAY and draft.phases.count() == 4
    with pytest.raises(ValidationError):
        processes.phase_set(actor=organiser, process=draft, phases=phases, starts_on=today + 300 * DAY)
    assert Process.objects.get(pk=draft.pk).starts_on == today + 200 * DAY


def test_phase_set_refuses_non_managers(draft, mamh_member):
    with pytest.raises(PermissionDenied):
        processes.phase_set(actor=mamh_member, process=draft, phases=_phases())
    assert not draft.phases.exists()


def test_dates_cannot_shrink_under_the_phases(draft, organiser):
    processes.phase_set(actor=organiser, process=draft, phases=_phases())
    with pytest.raises(ValidationError, match="débordent"):
        processes.process_update(actor=organiser, process=draft,
                                 data={"ends_on": (timezone.localdate() + 20 * DAY).isoformat()})


# --- Documents -------------------------------------------------------------------------------------

def _zip(names: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


GOOD_FILES = {
    "portrait.pdf": b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF",
    "note.odt": _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}),
    "projet.docx": _zip({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}),
    "chiffres.xlsx": _zip({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"}),
    "donnees.csv": "région;logements\nCapitale-Nationale;1200\n".encode(),
    "lisez-moi.txt": "Résumé en français".encode("cp1252"),
}


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_document_add_accepts_the_listed_types(draft, organiser, name, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    document = processes.document_add(actor=organiser, process=draft, title_fr="Document",
                                      file=SimpleUploadedFile(name, GOOD_FILES[name]))
    assert document.file.name.endswith(name.rsplit(".", 1)[1])
    assert _audits("consult.processes.document_add") == 1


@pytest.mark.parametrize("name,content,message", [
    ("faux.pdf", b"<html>pas un PDF</html>", "ne correspond pas"),
    ("faux.docx", _zip({"xl/workbook.xml": "<x/>"}), "ne correspond pas"),
    ("faux.odt", _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), "ne correspond pas"),
    ("binaire.txt", b"\x00\x01\x02\x03", "ne correspond pas"),
    ("script.exe", b"MZ\x90\x00", "Types acceptés"),
    ("sans-extension", b"%PDF-1.4", "Types acceptés"),
])
def test_document_add_refuses_bad_files(draft, organiser, name, content, message, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match=message):
        processes.document_add(actor=organiser, process=draft, title_fr="Document",
                               file=SimpleUploadedFile(name, content))
    assert not ProcessDocument.objects.exists()


def test_document_size_limit(draft, organiser, tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(processes, "DOCUMENT_MAX_BYTES", 100)
    with pytest.raises(ValidationError, match="20 Mo"):
        processes.document_add(actor=organiser, process=draft, title_fr="Gros",
                               file=SimpleUploadedFile("gros.txt", b"a" * 101))
    assert not ProcessDocument.objects.exists()


def test_document_link_and_removal(draft, organiser, mamh_member):
    document = processes.document_add(actor=organiser, process=draft, title_fr="Portrait",
                                      url="https://www.habitation.gouv.qc.ca/")
    for kwargs, message in [({"url": "javascript:alert(1)"}, "adresse web"), ({}, "l'un ou l'autre"),
                            ({"url": "https://a.example", "file": SimpleUploadedFile("a.txt", b"a")}, "l'un ou"),
                            ({"url": "https://a.example", "title_fr": ""}, "titre")]:
        with pytest.raises(ValidationError, match=message):
            processes.document_add(actor=organiser, process=draft, **{"title_fr": "T", **kwargs})
    with pytest.raises(PermissionDenied):
        processes.document_remove(actor=mamh_member, process=draft, document_id=document.pk)
    assert processes.document_remove(actor=organiser, process=draft, document_id=document.pk)
    with pytest.raises(core_services.NotFound):
        processes.document_remove(actor=organiser, process=draft, document_id=document.pk)


# --- Categories ------------------------------------------------------------------------------------

def test_category_set_keeps_identity_and_removes_the_rest(draft, organiser):
    first = processes.category_set(actor=organiser, process=draft,
                                   names=["Logement abordable", ("Locataires", "Tenants"), "Régions"])
    again = processes.category_set(actor=organiser, process=draft,
                                   names=[{"name_fr": "Locataires", "name_en": "Renters"}, "Logement abordable"])
    assert [c.name_fr for c in again] == ["Locataires", "Logement abordable"]
    assert again[0].pk == first[1].pk and again[0].name_en == "Renters"
    assert Category.objects.filter(process=draft).count() == 2
    with pytest.raises(ValidationError, match="double"):
        processes.category_set(actor=organiser, process=draft, names=["A", "a"])
    with pytest.raises(ValidationError, match="150"):
        processes.category_set(actor=organiser, process=draft, names=["x" * 151])
    assert Category.objects.filter(process=draft).count() == 2


# --- Invitations -----------------------------------------------------------------------------------

def test_invitation_flow(process_factory, organiser, citizen, django_capture_on_commit_callbacks):
    process = process_factory(visibility=Process.Visibility.PRIVATE)
    guest, other = citizen(1), citizen(2)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = processes.invitation_create(actor=organiser, process=process, email=guest.email.upper())
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.email == guest.email and invitation.token not in stored.token_hash and len(stored.token_hash) == 64
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body
    with pytest.raises(core_services.NotFound):
        access.process_get(slug=process.slug, user=guest)
    with pytest.raises(PermissionDenied, match="autre adresse"):
        processes.invitation_accept(user=other, token=invitation.token)
    with pytest.raises(core_services.NotFound):
        processes.invitation_accept(user=guest, token="mauvais-jeton")
    accepted = processes.invitation_accept(user=guest, token=invitation.token)
    assert accepted.user == guest and accepted.accepted_at is not None
    assert access.process_get(slug=process.slug, user=guest) == process
    assert processes.invitation_accept(user=guest, token=invitation.token).pk == invitation.pk  # idempotent
    with pytest.raises(ValidationError, match="déjà"):
        processes.invitation_create(actor=organiser, process=process, email=guest.email)


def test_invitation_new_link_replaces_the_old_one(process, organiser, citizen):
    guest = citizen(1)
    first = processes.invitation_create(actor=organiser, process=process, email=guest.email)
    second = processes.invitation_create(actor=organiser, process=process, email=guest.email)
    assert Invitation.objects.filter(process=process).count() == 1
    with pytest.raises(core_services.NotFound):
        processes.invitation_accept(user=guest, token=first.token)
    processes.invitation_accept(user=guest, token=second.token)


def test_invitation_rules(process, organiser, mamh_member, citizen):
    with pytest.raises(ValidationError, match="valide"):
        processes.invitation_create(actor=organiser, process=process, email="pas une adresse")
    with pytest.raises(PermissionDenied):
        processes.invitation_create(actor=mamh_member, process=process, email="a@example.org")
    invitation = processes.invitation_create(actor=organiser, process=process, email="a@example.org")
    with pytest.raises(PermissionDenied):
        processes.invitation_accept(user=None, token=invitation.token)
    with pytest.raises(PermissionDenied):
        processes.invitation_revoke(actor=mamh_member, process=process, invitation_id=invitation.pk)
    processes.invitation_revoke(actor=organiser, process=process, invitation_id=invitation.pk)
    assert not Invitation.objects.exists()
    assert _audits("consult.processes.invite") == 1 and _audits("consult.processes.invite_revoke") == 1


# --- Principles and publishing ---------------------------------------------------------------------

def _satisfy(process, organiser):
    processes.process_update(actor=organiser, process=process, data={
        "decision_fr": "Le ministère adoptera la politique à l'automne, à partir des contributions.",
        "description_fr": "Contexte, enjeux et déroulement de la consultation. " * 6,
        "contact_email": "consultation@mamh.example.org", "mode": "hybrid", "territory": "Montérégie"})
    processes.phase_set(actor=organiser, process=process, phases=_phases())
    processes.document_add(actor=organiser, process=process, title_fr="Portrait", url="https://example.org/p")
    processes.process_principles_set(actor=organiser, process=process, notes={
        "engagement": "Réponse publique à chaque proposition.", "participants": "Modération chaque jour.",
        "evaluation": "Questionnaire de satisfaction et bilan publié."})


#: The seven guiding principles as the Cadre de référence gouvernemental sur la participation publique
#: (Québec, 2017) names them, in its order.
CADRE_PRINCIPLES = [
    "L'engagement des autorités compétentes",
    "L'engagement des participantes et des participants",
    "Le choix des mécanismes de participation publique",
    "L'information",
    "La promotion",
    "La rétroaction",
    "L'évaluation",
]


def _by_key(process) -> dict:
    return {p["key"]: p for p in processes.process_principles_check(process)}


def test_the_seven_principles_are_the_cadres_in_its_order(draft):
    with translation.override("fr"):
        assert [str(p.title) for p in processes.PRINCIPLES] == CADRE_PRINCIPLES
        assert [p["title"] for p in processes.process_principles_check(draft)] == CADRE_PRINCIPLES
    assert processes.PRINCIPLE_KEYS == ["engagement", "participants", "mechanisms", "information", "promotion",
                                        "feedback", "evaluation"]
    with translation.override("en"):
        titles = [str(p.title) for p in processes.PRINCIPLES]
    assert titles[0] == "The commitment of the competent authorities" and titles[-1] == "Evaluation"


def test_principles_check_changes_as_the_process_is_configured(draft, organiser):
    check = processes.process_principles_check(draft)
    assert [p["key"] for p in check] == processes.PRINCIPLE_KEYS
    assert check[0]["title"] == "L'engagement des autorités compétentes"
    assert not any(p["satisfied"] for p in check) and all(p["guide"] for p in check)
    assert all(p["missing"] for p in check)  # each principle has a check of its own
    _satisfy(draft, organiser)
    assert all(p["satisfied"] for p in processes.process_principles_check(draft)), \
        processes.process_principles_check(draft)
    short = _phases(contribution_days=20)[:2]
    short[0]["components"] = []  # no meetings any more
    processes.phase_set(actor=organiser, process=draft, phases=short)
    by_key = _by_key(draft)
    assert "20 jours" in " ".join(by_key["mechanisms"]["missing"])
    assert len(by_key["mechanisms"]["missing"]) == 1  # hybrid: no meetings needed
    assert not by_key["feedback"]["satisfied"] and by_key["information"]["satisfied"]
    processes.process_update(actor=organiser, process=draft, data={"mode": "digital"})
    assert "en personne" in " ".join(_by_key(draft)["mechanisms"]["missing"])
    processes.phase_set(actor=organiser, process=draft, phases=_phases(components=()))
    assert "composantes" in " ".join(_by_key(draft)["mechanisms"]["missing"])


def test_principles_participants_promotion_feedback(draft, organiser, citizen):
    _satisfy(draft, organiser)
    processes.process_update(actor=organiser, process=draft, data={"auto_hide_threshold": 0})
    assert "masquage" in " ".join(_by_key(draft)["participants"]["missing"])
    processes.process_update(actor=organiser, process=draft, data={"auto_hide_threshold": 3, "territory": ""})
    assert "territoire" in " ".join(_by_key(draft)["promotion"]["missing"])
    processes.process_update(actor=organiser, process=draft, data={"theme": "habitation", "visibility": "private"})
    assert "invitez" in " ".join(_by_key(draft)["promotion"]["missing"])
    processes.invitation_create(actor=organiser, process=draft, email="a@example.org")
    assert _by_key(draft)["promotion"]["satisfied"]
    processes.phase_set(actor=organiser, process=draft, phases=_phases()[:3])
    by_key = _by_key(draft)
    assert not by_key["feedback"]["satisfied"] and "rapport" in " ".join(by_key["feedback"]["missing"])
    processes.process_principles_set(actor=organiser, process=draft, notes={"engagement": "Réponse publique."})
    by_key = _by_key(draft)
    assert not by_key["participants"]["satisfied"] and not by_key["evaluation"]["satisfied"]


def test_principles_notes_rules(draft, organiser, mamh_member):
    with pytest.raises(ValidationError, match="inconnu"):
        processes.process_principles_set(actor=organiser, process=draft, notes={"magie": "x"})
    with pytest.raises(ValidationError, match="2 000"):
        processes.process_principles_set(actor=organiser, process=draft, notes={"participants": "x" * 2001})
    with pytest.raises(ValidationError, match="inconnu"):  # the keys before the Cadre's names
        processes.process_principles_set(actor=organiser, process=draft, notes={"respect": "x"})
    with pytest.raises(PermissionDenied):
        processes.process_principles_set(actor=mamh_member, process=draft, notes={"participants": "x"})
    assert Process.objects.get(pk=draft.pk).principles == {}


def test_publish_asks_for_confirmation_when_principles_are_unmet(draft, organiser, citizen):
    with pytest.raises(ValidationError, match="phase"):
        processes.process_publish(actor=organiser, process=draft, confirm=True)
    processes.phase_set(actor=organiser, process=draft, phases=_phases())
    with pytest.raises(ValidationError) as info:
        processes.process_publish(actor=organiser, process=draft)
    assert any("L'engagement des autorités compétentes" in m for m in info.value.message_dict["confirm"])
    assert Process.objects.get(pk=draft.pk).published_at is None
    assert not access.can_view(citizen(1), draft)
    processes.process_publish(actor=organiser, process=draft, confirm=True)
    assert draft.published_at is not None and access.can_view(citizen(1), draft)
    entry = AuditEntry.objects.filter(action="consult.processes.publish").get()
    assert "engagement" in entry.data["unmet_principles"]
    processes.process_unpublish(actor=organiser, process=draft)
    assert draft.published_at is None and not access.can_view(citizen(1), draft)


def test_publish_without_confirmation_when_all_principles_are_met(draft, organiser, mamh_member,
                                                                  django_capture_on_commit_callbacks):
    _satisfy(draft, organiser)
    with pytest.raises(PermissionDenied):
        processes.process_publish(actor=mamh_member, process=draft, confirm=True)
    with django_capture_on_commit_callbacks() as callbacks:
        processes.process_publish(actor=organiser, process=draft)
    assert Process.objects.get(pk=draft.pk).published_at is not None
    # The indicators' open data counts one more consultation: refreshed once the publication commits.
    assert "consult-indicators" in [getattr(callback, "open_data_key", None) for callback in callbacks]


def test_manage_list_shows_the_bodies_processes_with_drafts(draft, organiser, process_factory, make_org,
                                                            moderator, citizen):
    other = process_factory(organisation=make_org(slug="autre"))
    assert list(processes.process_manage_list(user=organiser)) == [draft]
    assert set(processes.process_manage_list(user=moderator)) >= {draft, other}
    assert not processes.process_manage_list(user=citizen(1)).exists()


# --- Guides ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["fr", "en"])
def test_guides_exist_in_both_languages(language):
    guides = processes.guide_list(language)
    assert 5 <= len(guides) <= 8
    slugs = {g.slug for g in guides}
    assert {p.guide for p in processes.PRINCIPLES} <= slugs
    for guide in guides:
        assert guide.title and guide.summary and guide.step and len(guide.body) > 800
        assert "<h2" in str(guide.html) and "<script" not in str(guide.html)
    assert slugs == {g.slug for g in processes.guide_list("fr" if language == "en" else "en")}


def test_guide_get_refuses_unknown_and_traversal():
    assert processes.guide_get("sept-principes", "fr").title.startswith("Les sept principes")
    for slug in ("inconnu", "../settings", ""):
        with pytest.raises(core_services.NotFound):
            processes.guide_get(slug)


# --- Demo ------------------------------------------------------------------------------------------

def _demo_snapshot():
    return (sorted(Process.objects.values_list("slug", "published_at")), Phase.objects.count(),
            Category.objects.count(), ProcessDocument.objects.count(), AuditEntry.objects.count())


def test_demo_creates_the_five_processes_each_in_its_phase_and_is_idempotent():
    from ouvert.consult import processes_demo

    processes_demo.load()
    first = _demo_snapshot()
    processes_demo.load()
    assert _demo_snapshot() == first
    expected = {"strategie-donnees-ouvertes": "contribution", "mobilite-durable-capitale": "information",
                "politique-habitation": "analysis", "plan-gouvernement-ouvert-2021": "report",
                "audiences-parc-regional": "contribution"}
    for slug, kind in expected.items():
        process = Process.objects.get(slug=slug)
        assert process.is_demo and process.published_at is not None
        assert access.current_phase(process).kind == kind
        assert 4 <= process.categories.count() <= 6 and process.documents.exists()
        assert process.principles.get("engagement") and process.principles.get("participants")
        assert set(process.principles) <= set(processes.PRINCIPLE_KEYS)
    assert Process.objects.get(slug="audiences-parc-regional").mode == "in_person"
    assert Process.objects.get(slug="strategie-donnees-ouvertes").organisation.slug == "sct"
    mobility = Process.objects.get(slug="mobilite-durable-capitale")
    contribution = mobility.phases.get(kind="contribution")
    assert contribution.starts_on == timezone.localdate() + 14 * DAY
