"""Accompaniment requests (5.3): a public body asks the platform's free-software team to accompany it.

- A member of a public body (``access.can_speak_for``) requests: title, need, software concerned (a catalogue
  entry or a name), context, wished start and end dates. The request gets a reference ``ACC-<year>-<nnn>``
  (the year in Montreal; numbers follow each other within a year and never repeat, even for two requests
  submitted at the same instant: the number is taken again when the unique index refuses it).
- The team (``access.is_software_team``) triages it: submitted → accepted → in progress → completed; declined
  (a reason required) from submitted or accepted; a completed request may be reopened (→ in progress). Any
  other move is refused (HTTP 400). Each move is an ``AccompanimentEvent`` (status), an audit entry, and a
  notification to the requesting body's members.
- Notes: the team's are internal (the body never sees them) or shared; the body's members write shared notes.
  Documents (PDF, ODT, DOCX, XLSX, ODS, PNG, JPEG, recognised by their content, at most
  ``OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES``, 20 MiB by default: ``DocumentTooLarge``, HTTP 413) are downloaded
  only by the team and the body's members (an internal one by the team only).
- Whenever a request is completed or reopened, the count of completed requests feeds milestone 5.3 of the
  current plan (``plan.services.milestone_measure_set``, key ``software.accompaniments_completed``, target 3:
  the plan's « trois accompagnements »).
"""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ouvert.core import montreal, text_checks
from ouvert.core import services as core_services
from ouvert.core.models import User

from . import access
from .models import AccompanimentEvent, AccompanimentRequest, AccompanimentStatus, Software

__all__ = ["ACCOMPANIMENT_FIELDS", "ACCOMPANIMENT_TARGET", "DOCUMENT_TYPES", "MEASURE_KEY", "TRANSITIONS",
           "DocumentTooLarge", "accompaniment_allowed_moves", "accompaniment_can_download",
           "accompaniment_completed_count", "accompaniment_document_add", "accompaniment_document_get",
           "accompaniment_events", "accompaniment_get", "accompaniment_mine", "accompaniment_move",
           "accompaniment_note_add", "accompaniment_queue", "accompaniment_request", "accompaniment_status_counts",
           "document_max_bytes"]

S = AccompanimentStatus
ACCOMPANIMENT_FIELDS = ("title", "need", "software", "software_name", "context", "wished_start", "wished_end")
#: The allowed moves: from a status, to these.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (S.ACCEPTED, S.DECLINED),
    S.ACCEPTED: (S.IN_PROGRESS, S.DECLINED),
    S.IN_PROGRESS: (S.COMPLETED,),
    S.COMPLETED: (S.IN_PROGRESS,),
    S.DECLINED: (),
}
#: The plan's milestone this part feeds, its measure and its target (« trois accompagnements »).
MILESTONE_NUMBER = "5.3"
MEASURE_KEY = "software.accompaniments_completed"
ACCOMPANIMENT_TARGET = 3
#: Document types, recognised by content: what ``_document_type`` returns → the extension kept.
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "image/png": "png",
    "image/jpeg": "jpg",
}
REFERENCE_ATTEMPTS = 20
NAME_LIMIT = 200


class DocumentTooLarge(ValidationError):
    """A document above ``OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES`` (HTTP 413)."""


def document_max_bytes() -> int:
    return int(getattr(settings, "OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def register() -> None:
    """Nothing to register: the requests are reached from the free-software pages."""


# --- Reading -----------------------------------------------------------------------------------------

def _base():
    return AccompanimentRequest.objects.select_related("organisation", "software", "requested_by", "assigned_to")


def accompaniment_queue(*, user, status: str = ""):
    """The team's queue: every request, oldest submitted first within each status; ``status`` filters."""
    if not access.is_software_team(user):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme voit toutes les demandes."))
    qs = _base().annotate(events_count=Count("events"))
    if status:
        if status not in S.values:
            raise ValidationError({"status": [_("État inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                                              % {"value": str(status)[:40], "choices": ", ".join(S.values)}]})
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def accompaniment_status_counts() -> dict[str, int]:
    counts = dict(AccompanimentRequest.objects.values_list("status").annotate(n=Count("pk")))
    return {s: counts.get(s, 0) for s in S.values}


def accompaniment_mine(*, user):
    """The requests of ``user``'s bodies, newest first."""
    if not access.is_signed_in(user):
        return AccompanimentRequest.objects.none()
    return _base().filter(organisation__in=access.member_bodies(user)).order_by("-created_at", "-pk")


def _can_follow(user, request: AccompanimentRequest) -> bool:
    return access.is_software_team(user) or access.can_speak_for(user, request.organisation)


def accompaniment_get(*, user, reference: str) -> AccompanimentRequest:
    """One request, for the team or the requesting body's members (``NotFound`` for anyone else)."""
    reference = str(reference or "")[:20]
    request = _base().filter(reference=reference).first()
    if request is None or not _can_follow(user, request):
        raise core_services.NotFound(_("Demande « %(reference)s » introuvable.") % {"reference": reference})
    return request


def accompaniment_events(*, user, request: AccompanimentRequest) -> list[AccompanimentEvent]:
    """The request's history as ``user`` may see it: the team sees everything, the body what is not
    internal."""
    if not _can_follow(user, request):
        raise core_services.NotFound(_("Demande « %(reference)s » introuvable.") % {"reference": request.reference})
    qs = AccompanimentEvent.objects.filter(request=request).select_related("actor").order_by("created_at", "pk")
    if not access.is_software_team(user):
        qs = qs.filter(is_internal=False)
    return list(qs)


def accompaniment_allowed_moves(user, request: AccompanimentRequest) -> list[str]:
    """The statuses ``user`` may move ``request`` to (none unless they are the team)."""
    if not access.is_software_team(user):
        return []
    return list(TRANSITIONS[request.status])


def accompaniment_completed_count() -> int:
    return AccompanimentRequest.objects.filter(status=S.COMPLETED).count()


# --- Requesting --------------------------------------------------------------------------------------

def _date(errors: dict, field: str, value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors[field] = [_("« %(value)s » n'est pas une date (AAAA-MM-JJ).") % {"value": str(value)[:30]}]
        return None


def _values(data: dict) -> dict:
    errors: dict = {}
    values = {
        "title": text_checks.line(errors, "title", data.get("title"), max_length=300, required=True),
        "need": text_checks.text(errors, "need", data.get("need"), max_length=20_000, required=True),
        "software_name": text_checks.line(errors, "software_name", data.get("software_name"), max_length=200),
        "context": text_checks.text(errors, "context", data.get("context"), max_length=20_000),
        "wished_start": _date(errors, "wished_start", data.get("wished_start")),
        "wished_end": _date(errors, "wished_end", data.get("wished_end")),
    }
    raw = data.get("software")
    software = None
    if isinstance(raw, Software):
        software = raw
    elif raw not in (None, ""):
        raw = str(raw).strip()[:100]
        software = Software.objects.filter(Q(slug=raw) | Q(pk=int(raw) if raw.isdigit() else -1)).first()
        if software is None:
            errors["software"] = [_("Logiciel « %(value)s » introuvable dans le catalogue.") % {"value": raw}]
    values["software"] = software
    if software is not None and not values["software_name"]:
        values["software_name"] = software.name[:200]
    start, end = values["wished_start"], values["wished_end"]
    if start and end and end < start:
        errors["wished_end"] = [_("La fin souhaitée précède le début souhaité.")]
    text_checks.raise_if(errors)
    return values


def _next_reference(year: int) -> str:
    prefix = f"ACC-{year}-"
    last = (AccompanimentRequest.objects.filter(reference__startswith=prefix)
            .order_by(Length("reference").desc(), "-reference").values_list("reference", flat=True).first())
    number = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{number:03d}"


def accompaniment_request(*, actor, organisation, data: dict, is_demo: bool = False) -> AccompanimentRequest:
    """A new request of ``organisation`` (``actor`` speaks for it), status submitted; the team is notified.
    Its reference is the next free ``ACC-<year>-<nnn>``: when another request took that number at the same
    instant, the unique index refuses the second insert and the number is taken again."""
    if not access.can_speak_for(actor, organisation):
        raise PermissionDenied(_("Seuls les membres d'un organisme public demandent un accompagnement pour cet "
                                 "organisme."))
    values = _values(data)
    year = montreal.today().year
    with transaction.atomic():
        for _attempt in range(REFERENCE_ATTEMPTS):
            try:
                with transaction.atomic():
                    request = AccompanimentRequest.objects.create(
                        reference=_next_reference(year), organisation=organisation, requested_by=actor,
                        is_demo=is_demo, **values)
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - twenty requests at the very same instant
            raise ValidationError({"__all__": [_("Trop de demandes au même moment : réessayez dans un instant.")]})
        AccompanimentEvent.objects.create(request=request, kind=AccompanimentEvent.Kind.STATUS, status_before="",
                                          status_after=S.SUBMITTED, actor=actor, text=_("Demande soumise."))
        core_services.audit_append(actor=actor, action="software.accompaniment.request", target=request,
                                   data={"reference": request.reference, "organisation": organisation.slug})
        team = _team_members()
        if team:
            path = _page_path(request)
            subject = _("Nouvelle demande d'accompagnement %(reference)s") % {"reference": request.reference}
            body = _("%(body)s demande un accompagnement : « %(title)s ».") % {
                "body": organisation.name_fr, "title": request.title}
            core_services.notify(recipients=team, subject=subject, body=body,
                                 url=path)
    return request


def _team_members() -> list[User]:
    """The platform's free-software team (editors and admins of the platform's organisation)."""
    return list(User.objects.filter(
        is_active=True, memberships__organisation__slug=core_services.open_data_organisation(),
        memberships__role__in=access.TEAM_ROLES).distinct().order_by("pk"))


def _body_members(request: AccompanimentRequest) -> list[User]:
    return list(User.objects.filter(is_active=True, memberships__organisation=request.organisation)
                .distinct().order_by("pk"))


def _page_path(request: AccompanimentRequest) -> str:
    with override("fr"):
        return reverse("software:accompaniment_detail", kwargs={"reference": request.reference})


# --- Triage ------------------------------------------------------------------------------------------

def _require_team(actor) -> None:
    if not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme traite les demandes "
                                 "d'accompagnement."))


def accompaniment_move(*, actor, request: AccompanimentRequest, status: str, reason: str = "",
                       text: str = "") -> AccompanimentRequest:
    """Move ``request`` to ``status`` (the team only; ``TRANSITIONS`` says which moves exist; declining needs
    a ``reason``). The move is an event, an audit entry and a notification to the body's members; completing
    or reopening updates milestone 5.3's measure."""
    _require_team(actor)
    errors: dict = {}
    reason = text_checks.text(errors, "reason", reason, max_length=20_000)
    text = text_checks.text(errors, "text", text, max_length=20_000)
    text_checks.raise_if(errors)
    with transaction.atomic():
        locked = _base().select_for_update(of=("self",)).get(pk=request.pk)
        before = locked.status
        if status not in S.values:
            raise ValidationError({"status": [_("État inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                                              % {"value": str(status)[:40], "choices": ", ".join(S.values)}]})
        if status not in TRANSITIONS[before]:
            allowed = ", ".join(str(S(s).label) for s in TRANSITIONS[before]) or _("aucun")
            raise ValidationError({"status": [
                _("Une demande « %(before)s » ne peut pas passer à « %(after)s ». États possibles : %(allowed)s.")
                % {"before": S(before).label, "after": S(status).label, "allowed": allowed}]})
        if status == S.DECLINED and not reason:
            raise ValidationError({"reason": [_("Indiquez le motif du refus : l'organisme le lira.")]})
        now = timezone.now()
        locked.status = status
        locked.updated_at = now
        if status == S.DECLINED:
            locked.decline_reason = reason
        if status == S.COMPLETED:
            locked.completed_at = now
        elif before == S.COMPLETED:
            locked.completed_at = None
        if status in (S.ACCEPTED, S.IN_PROGRESS) and locked.assigned_to_id is None:
            locked.assigned_to = actor
        locked.save()
        AccompanimentEvent.objects.create(request=locked, kind=AccompanimentEvent.Kind.STATUS, status_before=before,
                                          status_after=status, text=reason if status == S.DECLINED else text,
                                          actor=actor, created_at=now)
        core_services.audit_append(actor=actor, action="software.accompaniment.status", target=locked,
                                   data={"reference": locked.reference, "before": before, "after": status,
                                         "reason": reason if status == S.DECLINED else ""})
        recipients = _body_members(locked)
        if recipients:
            path = _page_path(locked)
            subject = _("Demande %(reference)s : %(status)s") % {"reference": locked.reference,
                                                                   "status": S(status).label}
            body = _("Votre demande d'accompagnement « %(title)s » passe de « %(before)s » à « %(after)s ».") % {
                "title": locked.title, "before": S(before).label, "after": S(status).label}
            if status == S.DECLINED:
                body += "\n\n" + _("Motif : %(reason)s") % {"reason": reason}
            core_services.notify(recipients=recipients, subject=subject, body=body,
                                 url=path)
        if S.COMPLETED in (before, status):
            _feed_milestone()
    for field in ("status", "updated_at", "decline_reason", "completed_at", "assigned_to"):
        setattr(request, field, getattr(locked, field))
    return request


def _feed_milestone() -> None:
    from ouvert.plan import services as plan_services

    plan_services.milestone_measure_set(
        number=MILESTONE_NUMBER, key=MEASURE_KEY, value=accompaniment_completed_count(),
        target=ACCOMPANIMENT_TARGET, label_fr="accompagnements terminés", label_en="accompaniments completed")


# --- Notes and documents -----------------------------------------------------------------------------

def _require_follower(actor, request: AccompanimentRequest, internal: bool) -> None:
    if not _can_follow(actor, request):
        raise PermissionDenied(_("Seuls l'équipe du logiciel libre et les membres de l'organisme demandeur "
                                 "écrivent dans cette demande."))
    if internal and not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre écrit des notes internes."))


def accompaniment_note_add(*, actor, request: AccompanimentRequest, text: str,
                           internal: bool = False) -> AccompanimentEvent:
    """A note: internal to the team (``internal``, the team only) or shared with the body."""
    _require_follower(actor, request, internal)
    errors: dict = {}
    text = text_checks.text(errors, "text", text, max_length=20_000, required=True)
    text_checks.raise_if(errors)
    with transaction.atomic():
        event = AccompanimentEvent.objects.create(request=request, kind=AccompanimentEvent.Kind.NOTE, text=text,
                                                  is_internal=bool(internal), actor=actor)
        AccompanimentRequest.objects.filter(pk=request.pk).update(updated_at=event.created_at)
        if not internal:
            _notify_other_side(actor, request, _("Nouvelle note sur la demande %(reference)s"))
    return event


def _notify_other_side(actor, request: AccompanimentRequest, subject: str) -> None:
    team = access.is_software_team(actor)
    recipients = [u for u in (_body_members(request) if team else _team_members()) if u.pk != actor.pk]
    if recipients:
        path = _page_path(request)
        subject = subject % {"reference": request.reference}
        core_services.notify(recipients=recipients, subject=subject,
                             body=request.title, url=path)


def _document_type(data: bytes) -> str | None:
    """The type of a document from its bytes (never its name), among ``DOCUMENT_TYPES``; ``None`` otherwise."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf" if b"%%EOF" in data[-2048:] else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    kind = archive.read("mimetype").strip().decode("ascii", "replace")
                    return kind if kind in DOCUMENT_TYPES and "content.xml" in names else None
                if "[Content_Types].xml" in names:
                    if "word/document.xml" in names:
                        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    if "xl/workbook.xml" in names:
                        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError, EOFError):
            return None
    return None


def _safe_name(name: str, extension: str) -> str:
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]", "", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[:NAME_LIMIT - len(extension) - 1] or "document"
    return f"{stem}.{extension}"


def _too_large() -> DocumentTooLarge:
    limit = document_max_bytes()
    return DocumentTooLarge({"file": [_("Le document dépasse la taille maximale de %(mb)s Mo (%(bytes)s octets).")
                                      % {"mb": round(limit / 1_048_576, 1), "bytes": limit}]})


def accompaniment_document_add(*, actor, request: AccompanimentRequest, upload, internal: bool = False,
                               text: str = "") -> AccompanimentEvent:
    """Attach a document (an uploaded file, or ``(name, bytes)``): PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG,
    recognised by its content; above ``document_max_bytes()``: ``DocumentTooLarge`` (HTTP 413)."""
    _require_follower(actor, request, internal)
    errors: dict = {}
    text = text_checks.text(errors, "text", text, max_length=5000)
    text_checks.raise_if(errors)
    if upload is None:
        raise ValidationError({"file": [_("Choisissez un document à joindre.")]})
    if isinstance(upload, tuple):
        name, data = upload
    else:
        if (upload.size or 0) > document_max_bytes():
            raise _too_large()
        name, data = upload.name, upload.read(document_max_bytes() + 1)
    if len(data) > document_max_bytes():
        raise _too_large()
    if not data:
        raise ValidationError({"file": [_("Le document est vide.")]})
    kind = _document_type(data)
    if kind is None:
        raise ValidationError({"file": [_("« %(name)s » n'est pas un document accepté : PDF, ODT, ODS, DOCX, XLSX, "
                                          "PNG ou JPEG (reconnu par son contenu, pas par son nom).")
                                        % {"name": os.path.basename(str(name))[:100]}]})
    file_name = _safe_name(name, DOCUMENT_TYPES[kind])
    with transaction.atomic():
        event = AccompanimentEvent(request=request, kind=AccompanimentEvent.Kind.DOCUMENT, text=text,
                                   is_internal=bool(internal), actor=actor, file_name=file_name)
        event.file.save(f"{request.reference}/{file_name}", ContentFile(data), save=False)
        stored = event.file.name
        storage = event.file.storage
        try:
            event.save()
        except Exception:
            storage.delete(stored)
            raise
        AccompanimentRequest.objects.filter(pk=request.pk).update(updated_at=event.created_at)
        core_services.audit_append(actor=actor, action="software.accompaniment.document", target=request,
                                   data={"reference": request.reference, "file": file_name, "type": kind,
                                         "internal": bool(internal), "size": len(data)})
        if not internal:
            _notify_other_side(actor, request, _("Nouveau document sur la demande %(reference)s"))
    return event


def accompaniment_can_download(user, event: AccompanimentEvent) -> bool:
    if not event.file:
        return False
    if event.is_internal:
        return access.is_software_team(user)
    return _can_follow(user, event.request)


def accompaniment_document_get(*, user, request: AccompanimentRequest, pk) -> AccompanimentEvent:
    """A document of ``request`` that ``user`` may download (``NotFound`` otherwise)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = -1
    event = (AccompanimentEvent.objects.select_related("request", "request__organisation")
             .filter(request=request, pk=pk, kind=AccompanimentEvent.Kind.DOCUMENT).first())
    if event is None or not accompaniment_can_download(user, event):
        raise core_services.NotFound(_("Document introuvable."))
    return event
