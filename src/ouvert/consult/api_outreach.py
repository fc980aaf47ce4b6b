"""``/api/v1/consult/…``: the outreach part — the public list of consultations (``GET /processes``), the
indicators (``GET /indicators``), meetings and registrations, follows and notification preferences.

Reads are open to everyone; writes need a token or a session. Errors have the REST API's shape
(``{"detail", "errors"}``): 400 for a bad filter or input, 403 when not allowed, 404 for an unknown
process or meeting.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ouvert.api import AUTH, reader

from . import access, outreach
from .api_common import iso as _iso
from .models import Meeting, Process, TargetKind

router = Router(tags=["consult"])




def _limits(limit, offset) -> tuple[int, int]:
    errors = {}
    try:
        limit = int(limit)
        if not 1 <= limit <= outreach.API_MAX_LIMIT:
            raise ValueError
    except (TypeError, ValueError):
        errors["limit"] = [_("« limit » doit être un nombre entier de 1 à %(max)s.") % {"max": outreach.API_MAX_LIMIT}]
    try:
        offset = int(offset)
        if offset < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["offset"] = [_("« offset » doit être un nombre entier positif ou nul.")]
    if errors:
        raise ValidationError(errors)
    return limit, offset


def _process_row(p: Process, today) -> dict:
    return {"slug": p.slug, "title_fr": p.title_fr, "title_en": p.title_en, "summary_fr": p.summary_fr,
            "summary_en": p.summary_en, "organisation": p.organisation.slug,
            "organisation_name": p.organisation.label, "theme": p.theme, "territory": p.territory,
            "mode": p.mode, "status": access.process_status(p, on=today), "starts_on": _iso(p.starts_on),
            "ends_on": _iso(p.ends_on), "published_at": _iso(p.published_at),
            "participants": p.participants_count, "meetings_ahead": p.meetings_ahead, "is_demo": p.is_demo,
            "url": outreach._absolute(outreach._url("consult:process", slug=p.slug))}


def process_list(request: HttpRequest, organisation: str = "", theme: str = "", territory: str = "",
                 status: str = "", mode: str = "", q: str = "", sort: str = "", limit: str = "20", offset: str = "0"):
    limit, offset = _limits(limit, offset)
    qs = outreach.process_search_queryset(user=reader(request), organisation=organisation, theme=theme,
                                          territory=territory, status=status, mode=mode, q=q, sort=sort)
    today = timezone.localdate()
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "results": [_process_row(p, today) for p in qs[offset:offset + limit]]}


def _mount_process_list() -> None:
    """Ninja serves one address from one router: when the processes part's router already has
    ``/processes`` (its POST), the list's GET joins that router, else it is on this one."""
    from . import api_processes

    target = api_processes.router if "/processes" in api_processes.router.path_operations else router
    target.add_api_operation("/processes", ["GET"], process_list, tags=["consult"],
                             summary="Consultations publiques / Public consultations")


_mount_process_list()


@router.get("/indicators", summary="Indicateurs des consultations / Consultation indicators")
def indicators(request: HttpRequest, period: str = "fiscal", organisation: str = ""):
    return outreach.indicators(period=period, organisation=organisation or None)


def _meeting_row(m: Meeting, user=None) -> dict:
    return {"id": m.pk, "process": m.process.slug, "title_fr": m.title_fr, "title_en": m.title_en,
            "description_fr": m.description_fr, "description_en": m.description_en, "mode": m.mode,
            "starts_at": _iso(m.starts_at), "ends_at": _iso(m.ends_at), "place": m.place, "address": m.address,
            "latitude": m.latitude, "longitude": m.longitude, "capacity": m.capacity,
            "registration_open": m.registration_open, "registrations": m.registrations_count,
            "attendees": m.attendees_count,
            "minutes_fr": m.minutes_fr if m.minutes_published_at else "",
            "minutes_en": m.minutes_en if m.minutes_published_at else "",
            "minutes_published_at": _iso(m.minutes_published_at), "cancelled_at": _iso(m.cancelled_at),
            "cancel_reason": m.cancel_reason, "is_demo": m.is_demo}


@router.get("/processes/{slug}/meetings", summary="Rencontres d'une consultation / A process's meetings")
def meeting_list(request: HttpRequest, slug: str):
    process = access.process_get(slug=slug, user=reader(request))
    meetings = outreach.meeting_list(process=process)
    return {"upcoming": [_meeting_row(m) for m in meetings["upcoming"]],
            "past": [_meeting_row(m) for m in meetings["past"]]}


@router.get("/processes/{slug}/meetings/{pk}", summary="Une rencontre / One meeting")
def meeting_detail(request: HttpRequest, slug: str, pk: int):
    user = reader(request)
    process = access.process_get(slug=slug, user=user)
    meeting = outreach.meeting_get(process=process, pk=pk)
    registration = outreach.meeting_registration_of(user=user, meeting=meeting)
    return {**_meeting_row(meeting), "registered": registration is not None,
            "registration_code": registration.code if registration else None}


class MeetingIn(Schema):
    title_fr: Any = ""
    title_en: Any = ""
    description_fr: Any = ""
    description_en: Any = ""
    mode: Any = "in_person"
    starts_at: Any = ""
    ends_at: Any = ""
    place: Any = ""
    address: Any = ""
    latitude: Any = None
    longitude: Any = None
    online_url: Any = ""
    capacity: Any = 0
    registration_open: Any = True


@router.post("/processes/{slug}/meetings", auth=AUTH, summary="Créer une rencontre / Create a meeting")
def meeting_create(request: HttpRequest, slug: str, payload: MeetingIn):
    from ouvert.api import api

    process = access.process_get(slug=slug, user=request.user)
    meeting = outreach.meeting_create(actor=request.user, process=process, data=payload.dict())
    return api.create_response(request, _meeting_row(meeting), status=201)


@router.post("/processes/{slug}/meetings/{pk}/registration", auth=AUTH, summary="S'inscrire / Register")
def meeting_register(request: HttpRequest, slug: str, pk: int):
    from ouvert.api import api

    process = access.process_get(slug=slug, user=request.user)
    meeting = outreach.meeting_get(process=process, pk=pk)
    registration = outreach.meeting_register(user=request.user, meeting=meeting)
    return api.create_response(request, {"registered": True, "code": registration.code,
                                         "registrations": meeting.registrations_count}, status=201)


@router.delete("/processes/{slug}/meetings/{pk}/registration", auth=AUTH,
               summary="Annuler son inscription / Cancel one's registration")
def meeting_unregister(request: HttpRequest, slug: str, pk: int):
    process = access.process_get(slug=slug, user=request.user)
    meeting = outreach.meeting_get(process=process, pk=pk)
    outreach.meeting_unregister(user=request.user, meeting=meeting)
    return {"registered": False, "registrations": meeting.registrations_count}


class FollowIn(Schema):
    target_kind: Any = TargetKind.PROCESS
    target_id: Any = None


@router.post("/processes/{slug}/follow", auth=AUTH, summary="Suivre / Follow")
def follow(request: HttpRequest, slug: str, payload: FollowIn):
    process = access.process_get(slug=slug, user=request.user)
    on = outreach.follow_set(user=request.user, process=process, target_kind=str(payload.target_kind or ""),
                             target_id=payload.target_id, on=True)
    return {"follows": on}


@router.delete("/processes/{slug}/follow", auth=AUTH, summary="Ne plus suivre / Unfollow")
def unfollow(request: HttpRequest, slug: str, target_kind: str = TargetKind.PROCESS, target_id: str = ""):
    process = access.process_get(slug=slug, user=request.user)
    on = outreach.follow_set(user=request.user, process=process, target_kind=target_kind,
                             target_id=target_id or None, on=False)
    return {"follows": on}


@router.get("/follows", auth=AUTH, summary="Ce que je suis / What I follow")
def follows(request: HttpRequest):
    setting = outreach.notification_setting_get(user=request.user)
    return {"frequency": setting.frequency,
            "follows": [{"process": f.process.slug, "target_kind": f.target_kind, "target_id": f.target_id,
                         "since": _iso(f.created_at)} for f in outreach.follows_of(user=request.user)]}


class PreferencesIn(Schema):
    frequency: Any = ""


@router.put("/preferences", auth=AUTH, summary="Fréquence des courriels / E-mail frequency")
def preferences(request: HttpRequest, payload: PreferencesIn):
    setting = outreach.notification_setting_set(user=request.user, frequency=str(payload.frequency or ""))
    return {"frequency": setting.frequency}
