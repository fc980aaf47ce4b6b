"""Accompaniment requests through the services: requesting, references, the triage's every allowed and refused
move, permissions, notifications, notes, documents (by content and size), and milestone 5.3 of the plan."""

import io
import threading
import zipfile

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from ouvert.core import montreal
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Notification
from ouvert.plan.models import MilestoneMeasure, ProgressUpdate
from ouvert.software import services
from ouvert.software.models import AccompanimentEvent, AccompanimentRequest

pytestmark = pytest.mark.django_db

DATA = {"title": "Migrer vers LibreOffice", "need": "Remplacer la suite bureautique de 300 postes.",
        "software_name": "LibreOffice", "context": "Ministère", "wished_start": "2026-01-05",
        "wished_end": "2026-06-30"}


@pytest.fixture
def req(body_member, mcn, team):
    return services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA)


def _walk(team, request, *statuses, reason=""):
    for status in statuses:
        services.accompaniment_move(actor=team, request=request, status=status, reason=reason)
    return request


# --- Requesting ----------------------------------------------------------------------------------

def test_request_gets_a_reference_an_event_and_notifies_the_team(req, team, body_member):
    year = montreal.today().year
    assert req.reference == f"ACC-{year}-001" and req.status == "submitted"
    assert (req.wished_start.isoformat(), req.wished_end.isoformat()) == ("2026-01-05", "2026-06-30")
    event = AccompanimentEvent.objects.get(request=req)
    assert (event.kind, event.status_after, event.actor) == ("status", "submitted", body_member)
    assert Notification.objects.filter(recipient=team, subject__contains=req.reference).count() == 1
    second = services.accompaniment_request(actor=body_member, organisation=req.organisation, data=DATA)
    assert second.reference == f"ACC-{year}-002"


def test_references_continue_past_999(body_member, mcn):
    from ouvert.core import montreal

    year = montreal.today().year
    AccompanimentRequest.objects.create(reference=f"ACC-{year}-999", organisation=mcn, title="x", need="y")
    AccompanimentRequest.objects.create(reference=f"ACC-{year}-1000", organisation=mcn, title="x", need="y")
    AccompanimentRequest.objects.create(reference=f"ACC-{year - 1}-5000", organisation=mcn, title="x", need="y")
    assert services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA).reference == \
        f"ACC-{year}-1001"


def test_request_with_a_catalogue_entry(body_member, mcn, software_factory):
    libre = software_factory(name="LibreOffice", slug="libreoffice")
    created = services.accompaniment_request(actor=body_member, organisation=mcn,
                                             data={**DATA, "software_name": "", "software": "libreoffice"})
    assert created.software == libre and created.software_name == "LibreOffice"


@pytest.mark.parametrize("data,field", [
    ({"title": ""}, "title"), ({"need": "  "}, "need"), ({"wished_start": "31/12/2026"}, "wished_start"),
    ({"wished_start": "2026-06-01", "wished_end": "2026-01-01"}, "wished_end"),
    ({"software": "inconnu"}, "software"), ({"title": "a\x00b"}, "title"), ({"title": "x" * 301}, "title"),
])
def test_bad_requests_refused(body_member, mcn, data, field):
    with pytest.raises(ValidationError) as exc:
        services.accompaniment_request(actor=body_member, organisation=mcn, data={**DATA, **data})
    assert field in exc.value.message_dict
    assert not AccompanimentRequest.objects.exists()


def test_only_body_members_request(stranger, team, mcn, make_user, udem, city_member):
    from ouvert.core.models import Membership

    researcher = make_user()
    core_services.membership_set(user=researcher, organisation=udem, role=Membership.Role.MEMBER)
    for actor, org in ((stranger, mcn), (team, mcn), (researcher, udem), (city_member, mcn),
                       (AnonymousUser(), mcn)):
        with pytest.raises(PermissionDenied):
            services.accompaniment_request(actor=actor, organisation=org, data=DATA)
    assert not AccompanimentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_references_unique_under_concurrency(body_member, mcn, team):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")
    barrier = threading.Barrier(6)
    references, errors = [], []

    def submit():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            references.append(services.accompaniment_request(actor=body_member, organisation=mcn,
                                                             data=DATA).reference)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(references) == 6 and len(set(references)) == 6
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == [1, 2, 3, 4, 5, 6]


# --- Triage --------------------------------------------------------------------------------------

ALLOWED = {
    "submitted": {"accepted", "declined"},
    "accepted": {"in_progress", "declined"},
    "in_progress": {"completed"},
    "completed": {"in_progress"},
    "declined": set(),
}
PATHS = {"submitted": [], "accepted": ["accepted"], "in_progress": ["accepted", "in_progress"],
         "completed": ["accepted", "in_progress", "completed"], "declined": ["declined"]}


@pytest.mark.parametrize("start", list(PATHS))
@pytest.mark.parametrize("target", ["submitted", "accepted", "in_progress", "completed", "declined"])
def test_every_move(req, team, start, target):
    _walk(team, req, *PATHS[start], reason="Hors du mandat")
    events = AccompanimentEvent.objects.filter(request=req).count()
    if target in ALLOWED[start]:
        services.accompaniment_move(actor=team, request=req, status=target, reason="Hors du mandat")
        req.refresh_from_db()
        assert req.status == target
        assert AccompanimentEvent.objects.filter(request=req).count() == events + 1
        last = AccompanimentEvent.objects.filter(request=req).last()
        assert (last.status_before, last.status_after) == (start, target)
    else:
        with pytest.raises(ValidationError) as exc:
            services.accompaniment_move(actor=team, request=req, status=target, reason="Hors du mandat")
        assert "status" in exc.value.message_dict
        req.refresh_from_db()
        assert req.status == start and AccompanimentEvent.objects.filter(request=req).count() == events


def test_unknown_status_refused(req, team):
    with pytest.raises(ValidationError):
        services.accompaniment_move(actor=team, request=req, status="archived")


def test_decline_needs_a_reason_and_the_body_reads_it(req, team, body_member):
    with pytest.raises(ValidationError) as exc:
        services.accompaniment_move(actor=team, request=req, status="declined", reason="  ")
    assert "reason" in exc.value.message_dict
    services.accompaniment_move(actor=team, request=req, status="declined", reason="Hors du mandat de l'équipe.")
    req.refresh_from_db()
    assert req.decline_reason == "Hors du mandat de l'équipe."
    note = Notification.objects.filter(recipient=body_member).latest("pk")
    assert "Refusée" in note.subject and "Hors du mandat" in note.body
    assert note.url == f"/fr/logiciel-libre/accompagnement/{req.reference}/"


def test_each_move_is_audited_and_notified(req, team, body_member, body_admin):
    _walk(team, req, "accepted", "in_progress", "completed")
    audit = list(AuditEntry.objects.filter(action="software.accompaniment.status").values_list("data", flat=True))
    assert [(d["before"], d["after"]) for d in audit] == [("submitted", "accepted"), ("accepted", "in_progress"),
                                                          ("in_progress", "completed")]
    for member in (body_member, body_admin):
        assert Notification.objects.filter(recipient=member, subject__contains=req.reference).count() == 3
    req.refresh_from_db()
    assert req.completed_at is not None and req.assigned_to == team
    services.accompaniment_move(actor=team, request=req, status="in_progress")
    req.refresh_from_db()
    assert req.completed_at is None


def test_only_the_team_triages(req, body_member, body_admin, stranger, platform_admin):
    for actor in (body_member, body_admin, stranger, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.accompaniment_move(actor=actor, request=req, status="accepted")
    services.accompaniment_move(actor=platform_admin, request=req, status="accepted")


# --- Visibility ----------------------------------------------------------------------------------

def test_who_sees_what(req, team, body_member, city_member, stranger):
    services.accompaniment_note_add(actor=team, request=req, text="Interne : budget ?", internal=True)
    services.accompaniment_note_add(actor=team, request=req, text="Bonjour, nous vous appelons.")
    services.accompaniment_note_add(actor=body_member, request=req, text="Merci !")
    assert [e.text for e in services.accompaniment_events(user=team, request=req)][1:] == [
        "Interne : budget ?", "Bonjour, nous vous appelons.", "Merci !"]
    assert [e.text for e in services.accompaniment_events(user=body_member, request=req)][1:] == [
        "Bonjour, nous vous appelons.", "Merci !"]
    for someone in (city_member, stranger, AnonymousUser()):
        with pytest.raises(core_services.NotFound):
            services.accompaniment_get(user=someone, reference=req.reference)
    assert services.accompaniment_get(user=body_member, reference=req.reference) == req
    assert list(services.accompaniment_mine(user=body_member)) == [req]
    assert list(services.accompaniment_mine(user=city_member)) == []
    with pytest.raises(PermissionDenied):
        services.accompaniment_queue(user=body_member)
    assert list(services.accompaniment_queue(user=team, status="submitted")) == [req]
    assert list(services.accompaniment_queue(user=team, status="completed")) == []
    with pytest.raises(ValidationError):
        services.accompaniment_queue(user=team, status="nope")


def test_internal_notes_only_by_the_team_and_notifications(req, team, body_member, stranger):
    with pytest.raises(PermissionDenied):
        services.accompaniment_note_add(actor=body_member, request=req, text="x", internal=True)
    with pytest.raises(PermissionDenied):
        services.accompaniment_note_add(actor=stranger, request=req, text="x")
    with pytest.raises(ValidationError):
        services.accompaniment_note_add(actor=body_member, request=req, text="   ")
    before = Notification.objects.filter(recipient=body_member).count()
    services.accompaniment_note_add(actor=team, request=req, text="interne", internal=True)
    assert Notification.objects.filter(recipient=body_member).count() == before
    services.accompaniment_note_add(actor=team, request=req, text="partagée")
    assert Notification.objects.filter(recipient=body_member).count() == before + 1


def test_queue_query_count(body_member, mcn, team, django_assert_max_num_queries):
    for _n in range(3):
        services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA)
    with django_assert_max_num_queries(3):
        first = [(r.reference, r.organisation.name_fr, r.requested_by.email) for r in
                 services.accompaniment_queue(user=team)]
    for _n in range(6):
        services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA)
    with django_assert_max_num_queries(3):
        rows = [(r.reference, r.organisation.name_fr, r.requested_by.email, r.software) for r in
                services.accompaniment_queue(user=team)]
    assert len(rows) == 9 and len(first) == 3


# --- Documents -----------------------------------------------------------------------------------

def _zip(entries: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
ODT = _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
ODS = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
DOCX = _zip({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"})
XLSX = _zip({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"})


@pytest.mark.parametrize("name,data,ext", [
    ("rapport.pdf", PDF, "pdf"), ("capture.png", PNG, "png"), ("photo.jpeg", JPEG, "jpg"),
    ("note.odt", ODT, "odt"), ("budget.ods", ODS, "ods"), ("plan.docx", DOCX, "docx"),
    ("tableau.xlsx", XLSX, "xlsx"), ("mal-nommé.txt", PDF, "pdf"),
])
def test_documents_recognised_by_content(req, body_member, name, data, ext):
    event = services.accompaniment_document_add(actor=body_member, request=req,
                                                upload=SimpleUploadedFile(name, data))
    assert event.file_name.endswith("." + ext) and event.file.read() == data


@pytest.mark.parametrize("name,data", [
    ("faux.pdf", b"<html>pas un pdf</html>"), ("tronque.pdf", b"%PDF-1.4 sans fin"),
    ("archive.docx", _zip({"autre.txt": "x"})), ("casse.xlsx", b"PK\x03\x04broken"),
    ("script.odt", _zip({"mimetype": "application/x-sh", "content.xml": "x"})), ("vide.pdf", b""),
])
def test_documents_refused_by_content(req, body_member, name, data):
    with pytest.raises(ValidationError) as exc:
        services.accompaniment_document_add(actor=body_member, request=req, upload=SimpleUploadedFile(name, data))
    assert "file" in exc.value.message_dict
    assert not AccompanimentEvent.objects.filter(kind="document").exists()


def test_document_too_large(req, body_member, settings):
    settings.OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES = 100
    with pytest.raises(services.DocumentTooLarge):
        services.accompaniment_document_add(actor=body_member, request=req,
                                            upload=SimpleUploadedFile("gros.pdf", PDF + b"\x00" * 200))
    assert not AccompanimentEvent.objects.filter(kind="document").exists()


def test_document_download_rights(req, team, body_member, stranger, city_member):
    shared = services.accompaniment_document_add(actor=team, request=req, upload=("a.pdf", PDF))
    internal = services.accompaniment_document_add(actor=team, request=req, upload=("b.pdf", PDF), internal=True)
    assert services.accompaniment_document_get(user=body_member, request=req, pk=shared.pk) == shared
    assert services.accompaniment_document_get(user=team, request=req, pk=internal.pk) == internal
    with pytest.raises(core_services.NotFound):
        services.accompaniment_document_get(user=body_member, request=req, pk=internal.pk)
    for someone in (stranger, city_member):
        assert not services.accompaniment_can_download(someone, shared)
    with pytest.raises(PermissionDenied):
        services.accompaniment_document_add(actor=stranger, request=req, upload=("c.pdf", PDF))
    with pytest.raises(PermissionDenied):
        services.accompaniment_document_add(actor=body_member, request=req, upload=("c.pdf", PDF), internal=True)


# --- Milestone 5.3 -------------------------------------------------------------------------------

@pytest.fixture
def plan(db):
    from ouvert.plan.demo import load_plan_data

    return load_plan_data()


def test_completed_requests_feed_milestone_5_3(plan, body_member, mcn, team):
    from ouvert.plan import selectors

    requests = [services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA) for _ in range(4)]
    _walk(team, requests[0], "accepted", "in_progress", "completed")
    measure = MilestoneMeasure.objects.get(key="software.accompaniments_completed")
    assert (measure.value, measure.target, measure.milestone.number) == (1, 3, "5.3")
    _walk(team, requests[1], "accepted", "in_progress", "completed")
    assert not ProgressUpdate.objects.exists()
    _walk(team, requests[2], "accepted", "in_progress", "completed")
    measure.refresh_from_db()
    assert measure.value == 3 and measure.reached_at is not None
    milestone = selectors.milestone_get(plan_slug="2021-2023", number="5.3")
    assert milestone.status == "completed"
    assert ProgressUpdate.objects.get().author_label == "Plateforme Ouvert"
    _walk(team, requests[0], "in_progress")  # reopened
    measure.refresh_from_db()
    assert measure.value == 2
    _walk(team, requests[0], "completed")
    _walk(team, requests[3], "accepted", "in_progress", "completed")
    measure.refresh_from_db()
    assert measure.value == 4 and ProgressUpdate.objects.count() == 1


def test_no_plan_loaded_is_fine(req, team):
    _walk(team, req, "accepted", "in_progress", "completed")
    assert not MilestoneMeasure.objects.exists()
    req.refresh_from_db()
    assert req.status == "completed"
