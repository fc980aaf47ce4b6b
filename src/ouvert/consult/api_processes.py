"""``/api/v1/consult/…``: the processes part — a process's detail (phases, components, documents,
categories, and the guiding principles check for its managers), creating and changing a process, its
phases, publishing, invitations. (The list ``GET /processes`` with filters belongs to ``outreach``.)

Reads are open to everyone who may see the process; writes need a token or a session (401 without).
Errors: 400 bad input (``errors`` per field), 403 not a manager, 404 unknown or not visible process.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema, Status

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services

from . import access, processes
from .api_common import iso as _iso
from .models import Process

router = Router(tags=["consult"])




def process_detail_data(process: Process, user) -> dict:
    manager = access.can_manage(user, process)
    current = access.current_phase(process)
    data: dict[str, Any] = {
        "slug": process.slug, "organisation": process.organisation.slug,
        "organisation_name": process.organisation.name_fr,
        **{f: getattr(process, f) for f in ("title_fr", "title_en", "summary_fr", "summary_en", "description_fr",
                                            "description_en", "decision_fr", "decision_en", "influence",
                                            "theme", "territory", "mode", "visibility", "verification",
                                            "contact_name", "contact_email", "contact_phone", "support_limit",
                                            "support_threshold", "proposal_limit", "amendments_enabled",
                                            "demographics_enabled", "is_demo")},
        "starts_on": _iso(process.starts_on), "ends_on": _iso(process.ends_on),
        "published_at": _iso(process.published_at), "status": access.process_status(process),
        "current_phase": current.kind if current else None,
        "phases": [{"kind": p.kind, "title_fr": p.title_fr, "title_en": p.title_en, "starts_on": _iso(p.starts_on),
                    "ends_on": _iso(p.ends_on), "components": list(p.components or []), "current": p == current}
                   for p in sorted(process.phases.all(), key=lambda p: p.starts_on)],
        "documents": [{"id": d.pk, "title_fr": d.title_fr, "title_en": d.title_en,
                       "url": d.url or (reverse("consult:document", kwargs={"slug": process.slug, "pk": d.pk})
                                        if d.file else "")} for d in process.documents.all()],
        "categories": [{"id": c.pk, "name_fr": c.name_fr, "name_en": c.name_en} for c in process.categories.all()],
    }
    if manager:
        data["auto_hide_threshold"] = process.auto_hide_threshold
        data["principles"] = processes.process_principles_check(process)
    return data


def _get(request, slug: str) -> Process:
    return access.process_get(slug=slug, user=reader(request))


class ProcessIn(Schema):
    organisation: str
    slug: str = ""
    title_fr: str
    title_en: str = ""
    summary_fr: str = ""
    summary_en: str = ""
    description_fr: str = ""
    description_en: str = ""
    decision_fr: str = ""
    decision_en: str = ""
    influence: str = "consult"
    theme: str = ""
    territory: str = ""
    starts_on: str | None = None
    ends_on: str | None = None
    mode: str = "digital"
    visibility: str = "public"
    verification: str = "account"
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    support_limit: int = 0
    support_threshold: int = 0
    proposal_limit: int = 0
    amendments_enabled: bool = False
    auto_hide_threshold: int = 3
    demographics_enabled: bool = False
    categories: list[str] = []
    principles: dict[str, str] = {}


class PhaseIn(Schema):
    kind: str
    starts_on: str
    ends_on: str
    components: list[str] = []
    title_fr: str = ""
    title_en: str = ""
    description_fr: str = ""
    description_en: str = ""


class PhasesIn(Schema):
    phases: list[PhaseIn]
    starts_on: str | None = None
    ends_on: str | None = None


class PublishIn(Schema):
    confirm: bool = False


class InvitationIn(Schema):
    email: str


@router.get("/processes/{slug}", summary="Une consultation / One process")
def process_detail(request: HttpRequest, slug: str):
    process = _get(request, slug)
    return process_detail_data(process, reader(request))


@router.post("/processes", auth=AUTH, response={201: dict}, summary="Créer une consultation (brouillon) / "
                                                                   "Create a process (draft)")
def process_create(request: HttpRequest, payload: ProcessIn):
    try:
        organisation = core_services.organisation_get(slug=payload.organisation)
    except core_services.NotFound:
        raise ValidationError(
            {"organisation": [_("Organisme inconnu : %(slug)s.") % {"slug": payload.organisation}]}) from None
    data = payload.dict(exclude={"organisation", "categories", "principles"})
    with transaction.atomic():  # all or nothing
        process = processes.process_create(actor=request.auth, organisation=organisation, data=data)
        if payload.categories:
            processes.category_set(actor=request.auth, process=process, names=payload.categories)
        if payload.principles:
            processes.process_principles_set(actor=request.auth, process=process, notes=payload.principles)
    return Status(201, process_detail_data(process, request.auth))


@router.patch("/processes/{slug}", auth=AUTH, summary="Modifier une consultation / Change a process")
def process_update(request: HttpRequest, slug: str, payload: dict[str, Any] = Body(...)):  # noqa: B008
    process = access.process_get(slug=slug, user=request.auth)
    if not access.can_manage(request.auth, process):
        raise PermissionDenied(_("Seuls les administrateurs et éditeurs de l'organisme responsable gèrent "
                                 "cette consultation."))
    unknown = sorted(set(payload) - set(processes.PROCESS_EDITABLE_FIELDS) - {"slug", "categories", "principles"})
    if unknown:
        raise ValidationError({k: [_("Champ inconnu ou non modifiable.")] for k in unknown})
    fields = {k: v for k, v in payload.items() if k not in ("categories", "principles")}
    with transaction.atomic():  # all or nothing
        _patch(request, process, payload, fields)
    process = access.process_get(slug=process.slug, user=request.auth)
    return process_detail_data(process, request.auth)


def _patch(request, process, payload, fields):
    if fields:
        processes.process_update(actor=request.auth, process=process, data=fields)
    if "categories" in payload:
        if not isinstance(payload["categories"], list):
            raise ValidationError({"categories": [_("Une liste de noms est attendue.")]})
        processes.category_set(actor=request.auth, process=process, names=payload["categories"])
    if "principles" in payload:
        if not isinstance(payload["principles"], dict):
            raise ValidationError({"principles": [_("Un objet {principe: note} est attendu.")]})
        processes.process_principles_set(actor=request.auth, process=process, notes=payload["principles"])


@router.put("/processes/{slug}/phases", auth=AUTH, summary="Remplacer les phases / Replace the phases")
def process_phases(request: HttpRequest, slug: str, payload: PhasesIn):
    process = access.process_get(slug=slug, user=request.auth)
    processes.phase_set(actor=request.auth, process=process, phases=[p.dict() for p in payload.phases],
                        starts_on=payload.starts_on, ends_on=payload.ends_on)
    process = access.process_get(slug=slug, user=request.auth)
    return process_detail_data(process, request.auth)


@router.post("/processes/{slug}/publish", auth=AUTH, summary="Publier / Publish")
def process_publish(request: HttpRequest, slug: str, payload: PublishIn | None = None):
    process = access.process_get(slug=slug, user=request.auth)
    processes.process_publish(actor=request.auth, process=process, confirm=bool(payload and payload.confirm))
    return process_detail_data(process, request.auth)


@router.post("/processes/{slug}/unpublish", auth=AUTH, summary="Retirer de la publication / Unpublish")
def process_unpublish(request: HttpRequest, slug: str):
    process = access.process_get(slug=slug, user=request.auth)
    processes.process_unpublish(actor=request.auth, process=process)
    return process_detail_data(process, request.auth)


def _invitation_row(invitation) -> dict:
    return {"id": invitation.pk, "email": invitation.email, "created_at": _iso(invitation.created_at),
            "accepted_at": _iso(invitation.accepted_at)}


@router.get("/processes/{slug}/invitations", auth=AUTH, summary="Invitations (gestion) / Invitations")
def invitation_list(request: HttpRequest, slug: str):
    process = access.process_get(slug=slug, user=request.auth)
    return [_invitation_row(i) for i in processes.invitation_list(actor=request.auth, process=process)]


@router.post("/processes/{slug}/invitations", auth=AUTH, response={201: dict}, summary="Inviter / Invite")
def invitation_create(request: HttpRequest, slug: str, payload: InvitationIn):
    process = access.process_get(slug=slug, user=request.auth)
    invitation = processes.invitation_create(actor=request.auth, process=process, email=payload.email,
                                             base_url=request.build_absolute_uri("/"))
    return Status(201, _invitation_row(invitation))


@router.delete("/processes/{slug}/invitations/{invitation_id}", auth=AUTH, response={204: None},
               summary="Retirer une invitation / Revoke an invitation")
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int):
    process = access.process_get(slug=slug, user=request.auth)
    processes.invitation_revoke(actor=request.auth, process=process, invitation_id=invitation_id)
    return Status(204, None)


@router.post("/invitations/{token}/accept", auth=AUTH, summary="Accepter une invitation / Accept an invitation")
def invitation_accept(request: HttpRequest, token: str):
    invitation = processes.invitation_accept(user=request.auth, token=token)
    return {"process": invitation.process.slug, "accepted_at": _iso(invitation.accepted_at)}


