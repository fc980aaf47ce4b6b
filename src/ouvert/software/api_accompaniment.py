"""``/api/v1/software/accompaniments…``: accompaniment requests (5.3), for both sides.

- members of a public body: request (``POST /accompaniments``), list their bodies' requests
  (``GET /accompaniments/mine``), read one with its history (what is not internal), write shared notes,
  attach documents, download the documents they may see;
- the platform's free-software team: the queue (``GET /accompaniments?status=…``), moves
  (``POST /accompaniments/{reference}/status``), internal or shared notes and documents.

Everything needs a token or a session (401 without). Errors: 400 bad input or a move that does not exist
(``errors`` per field), 403 not allowed, 404 unknown or not visible, 413 a document above
``OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, File, Form, Router, Status
from ninja.files import UploadedFile

from ouvert.api import AUTH
from ouvert.core import services as core_services
from ouvert.software import services

router = Router(tags=["software"])


def _iso(value):
    return value.isoformat() if value is not None else None


def _request(r) -> dict:
    return {"reference": r.reference, "organisation": r.organisation.slug, "organisation_name": r.organisation.name_fr,
            "title": r.title, "need": r.need, "software": r.software.slug if r.software_id else None,
            "software_name": r.software_name, "context": r.context, "wished_start": _iso(r.wished_start),
            "wished_end": _iso(r.wished_end), "status": r.status, "status_label": str(r.get_status_display()),
            "decline_reason": r.decline_reason if r.status == "declined" else "",
            "requested_by": r.requested_by.display_name if r.requested_by_id else None,
            "assigned_to": r.assigned_to.display_name if r.assigned_to_id else None,
            "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at), "completed_at": _iso(r.completed_at),
            "url": settings.OUVERT_BASE_URL + reverse("software:accompaniment_detail",
                                                      kwargs={"reference": r.reference})}


def _event(e, reference: str) -> dict:
    data = {"id": e.pk, "kind": e.kind, "status_before": e.status_before, "status_after": e.status_after,
            "text": e.text, "is_internal": e.is_internal, "actor": e.actor.display_name if e.actor_id else None,
            "created_at": _iso(e.created_at)}
    if e.kind == "document":
        data["file_name"] = e.file_name
        data["download_url"] = settings.OUVERT_BASE_URL + reverse(
            "api-v1:software_accompaniment_document", kwargs={"reference": reference, "document_id": e.pk})
    return data


def _payload(payload) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError({"__all__": [_("Envoyez un objet JSON.")]})
    return payload


@router.get("/accompaniments", auth=AUTH, summary="File des demandes (équipe) / Queue (team)")
def queue(request: HttpRequest, status: str = ""):
    return {"results": [_request(r) for r in services.accompaniment_queue(user=request.auth, status=status)],
            "counts": services.accompaniment_status_counts() if services.is_software_team(request.auth) else {}}


@router.get("/accompaniments/mine", auth=AUTH, summary="Les demandes de mes organismes / My bodies' requests")
def mine(request: HttpRequest):
    return {"results": [_request(r) for r in services.accompaniment_mine(user=request.auth)]}


@router.post("/accompaniments", auth=AUTH, response={201: dict},
             summary="Demander un accompagnement / Request accompaniment")
def create(request: HttpRequest, payload: dict = Body(...)):  # noqa: B008
    """``{"organisation": "<slug>", "title", "need", "software": "<catalogue slug>", "software_name",
    "context", "wished_start": "AAAA-MM-JJ", "wished_end"}``."""
    data = _payload(payload)
    organisation = core_services.organisation_get(slug=str(data.get("organisation") or "")[:100])
    created = services.accompaniment_request(
        actor=request.auth, organisation=organisation,
        data={k: v for k, v in data.items() if k in services.ACCOMPANIMENT_FIELDS})
    return Status(201, _request(created))


@router.get("/accompaniments/{reference}", auth=AUTH, summary="Une demande et son historique / A request")
def detail(request: HttpRequest, reference: str):
    obj = services.accompaniment_get(user=request.auth, reference=reference)
    return {**_request(obj),
            "events": [_event(e, obj.reference) for e in services.accompaniment_events(user=request.auth, request=obj)],
            "allowed_moves": services.accompaniment_allowed_moves(request.auth, obj)}


@router.post("/accompaniments/{reference}/status", auth=AUTH, summary="Changer l'état (équipe) / Move (team)")
def move(request: HttpRequest, reference: str, payload: dict = Body(...)):  # noqa: B008
    """``{"status": "accepted" | "in_progress" | "completed" | "declined", "reason": "…", "text": "…"}``."""
    data = _payload(payload)
    obj = services.accompaniment_get(user=request.auth, reference=reference)
    services.accompaniment_move(actor=request.auth, request=obj, status=str(data.get("status") or ""),
                                reason=data.get("reason") or "", text=data.get("text") or "")
    return _request(obj)


@router.post("/accompaniments/{reference}/notes", auth=AUTH, response={201: dict},
             summary="Ajouter une note / Add a note")
def note(request: HttpRequest, reference: str, payload: dict = Body(...)):  # noqa: B008
    """``{"text": "…", "internal": false}`` (internal: the team only)."""
    data = _payload(payload)
    obj = services.accompaniment_get(user=request.auth, reference=reference)
    event = services.accompaniment_note_add(actor=request.auth, request=obj, text=data.get("text") or "",
                                            internal=data.get("internal") is True)
    return Status(201, _event(event, obj.reference))


@router.post("/accompaniments/{reference}/documents", auth=AUTH, response={201: dict, 413: dict},
             summary="Joindre un document / Attach a document")
def document_add(request: HttpRequest, reference: str, file: UploadedFile = File(...),  # noqa: B008
                 internal: bool = Form(False), text: str = Form("")):  # noqa: B008
    obj = services.accompaniment_get(user=request.auth, reference=reference)
    try:
        event = services.accompaniment_document_add(actor=request.auth, request=obj, upload=file, internal=internal,
                                                    text=text)
    except services.DocumentTooLarge as exc:
        errors = exc.message_dict
        return Status(413, {"detail": errors["file"][0], "errors": errors})
    return Status(201, _event(event, obj.reference))


@router.get("/accompaniments/{reference}/documents/{document_id}", auth=AUTH,
            url_name="software_accompaniment_document", summary="Télécharger un document / Download a document")
def document(request: HttpRequest, reference: str, document_id: int):
    obj = services.accompaniment_get(user=request.auth, reference=reference)
    event = services.accompaniment_document_get(user=request.auth, request=obj, pk=document_id)
    return FileResponse(event.file.open("rb"), as_attachment=True, filename=event.file_name)
