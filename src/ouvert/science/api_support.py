"""``/api/v1/science/…``: the support part — the FAQ (list, search) and the webinars (list, detail, register,
cancel, my registrations; for managers: registrants and attendance).

Reads are open to everyone; writes need a token or a session (401 without). Errors: 400 bad input (``errors``
per field) or registration closed, 403 not allowed (with the reason), 404 unknown or not visible.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Router, Status

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services
from ouvert.science import services

router = Router(tags=["science"])


def _iso(value):
    return value.isoformat() if value is not None else None


def _absolute(path: str) -> str:
    from django.conf import settings

    return settings.OUVERT_BASE_URL + path


def _faq(entry, rank=None) -> dict:
    data = {"id": entry.pk, "slug": entry.slug, "category_fr": entry.category_fr, "category_en": entry.category_en,
            "question_fr": entry.question_fr, "question_en": entry.question_en, "answer_fr": entry.answer_fr,
            "answer_en": entry.answer_en, "position": entry.position, "updated_at": _iso(entry.updated_at),
            "url": _absolute(reverse("science:faq")) + f"#{entry.slug}"}
    if rank is not None:
        data["rank"] = rank
    return data


@router.get("/faq", summary="FAQ des chercheurs / Researchers' FAQ")
def faq_list(request: HttpRequest, q: str = ""):
    """Published entries in their order; with ``q``, the entries matching it, best first (full text, French
    and English, accents and plurals folded)."""
    if q.strip():
        found = services.faq_search(q)
        if found is not None:
            return {"q": q, "count": len(rows := list(found)), "results": [_faq(e, e.search_rank) for e in rows]}
    rows = list(services.faq_list())
    return {"q": q, "count": len(rows), "results": [_faq(e) for e in rows]}


def _registration(r, with_webinar: bool = False) -> dict:
    data = {"id": r.pk, "status": r.status, "created_at": _iso(r.created_at), "promoted_at": _iso(r.promoted_at),
            "cancelled_at": _iso(r.cancelled_at), "waiting_position": services.waiting_position(r),
            "ics_url": _absolute(reverse("science:registration_ics", kwargs={"token": r.token}))
            if r.status != "cancelled" else None}
    if with_webinar:
        data["webinar"] = r.webinar.slug
        data["webinar_title"] = r.webinar.title
        data["starts_at"] = _iso(r.webinar.starts_at)
    return data


def _webinar(w, now, user=None, detail: bool = False) -> dict:
    seats = services.seats(w)
    data = {
        "slug": w.slug, "title_fr": w.title_fr, "title_en": w.title_en, "language": w.language,
        "starts_at": _iso(w.starts_at), "ends_at": _iso(w.ends_at), "when_montreal": services.webinar_when(w),
        "capacity": w.capacity, "confirmed": seats["confirmed"], "waiting": seats["waiting"],
        "seats_left": seats["left"], "full": seats["full"], "is_published": w.is_published,
        "registration_open": not services.registration_closed_reason(w, now),
        "cancelled_at": _iso(w.cancelled_at), "cancel_reason": w.cancel_reason,
        "recording_url": w.recording_url or None, "slides_url": w.slides_url or None,
        "slides_file": _absolute(reverse("science:webinar_slides", kwargs={"slug": w.slug})) if w.slides else None,
        "speakers": [{"name": s.name, "affiliation": s.affiliation, "bio_fr": s.bio_fr, "bio_en": s.bio_en}
                     for s in w.speakers.all()],
        "url": _absolute(reverse("science:webinar_detail", kwargs={"slug": w.slug})),
        "ics_url": _absolute(reverse("science:webinar_ics", kwargs={"slug": w.slug})),
    }
    if detail:
        data["description_fr"], data["description_en"] = w.description_fr, w.description_en
        data["closed_reason"] = services.registration_closed_reason(w, now)
        mine = services.registration_get(user=user, webinar=w)
        data["my_registration"] = _registration(mine) if mine else None
    return data


@router.get("/webinars", summary="Webinaires / Webinars")
def webinar_list(request: HttpRequest, when: str = ""):
    """Published webinars: ``when=upcoming`` (not ended, soonest first), ``past`` (ended, latest first) or
    both (``upcoming`` then ``past``)."""
    if when not in ("", "upcoming", "past"):
        raise ValidationError({"when": [_("« when » vaut « upcoming » ou « past ».")]})
    now = timezone.now()
    user = reader(request)
    groups = services.webinar_groups(user=user, now=now)
    return {key: [_webinar(w, now) for w in groups[key]] for key in ("upcoming", "past") if when in ("", key)}


@router.get("/webinars/{slug}", summary="Un webinaire / A webinar")
def webinar_detail(request: HttpRequest, slug: str):
    user = reader(request)
    return _webinar(services.webinar_get(slug=slug, user=user), timezone.now(), user, detail=True)


@router.post("/webinars/{slug}/registration", auth=AUTH, response={200: dict, 201: dict},
             summary="S'inscrire / Register")
def webinar_register(request: HttpRequest, slug: str):
    """Register the caller: ``confirmed`` while a seat is left, else ``waiting`` with its position. Again:
    the existing registration (200), never a second one."""
    webinar = services.webinar_get(slug=slug, user=request.user)
    registration = services.registration_create(actor=request.user, webinar=webinar)
    return Status(200 if getattr(registration, "was_existing", False) else 201, _registration(registration))


@router.delete("/webinars/{slug}/registration", auth=AUTH, summary="Annuler mon inscription / Cancel mine")
def webinar_unregister(request: HttpRequest, slug: str):
    webinar = services.webinar_get(slug=slug, user=request.user)
    registration = services.registration_get(user=request.user, webinar=webinar)
    if registration is None:
        raise core_services.NotFound(_("Vous n'êtes pas inscrite à ce webinaire."))
    return _registration(services.registration_cancel(actor=request.user, registration=registration))


@router.get("/webinar-registrations", auth=AUTH, summary="Mes inscriptions / My registrations")
def my_registrations(request: HttpRequest):
    return {"results": [_registration(r, with_webinar=True) for r in services.my_registrations(user=request.user)]}


@router.get("/webinars/{slug}/registrants", auth=AUTH, summary="Inscrits (gestion) / Registrants (managers)")
def webinar_registrants(request: HttpRequest, slug: str):
    webinar = services.webinar_get(slug=slug, user=request.user)
    rows = list(services.registrants(actor=request.user, webinar=webinar))
    results = []
    position = 0
    for r in rows:
        position += r.status == "waiting"
        results.append({"id": r.pk, "name": r.user.full_name, "email": r.user.email, "status": r.status,
                        "waiting_position": position if r.status == "waiting" else None,
                        "created_at": _iso(r.created_at), "promoted_at": _iso(r.promoted_at),
                        "cancelled_at": _iso(r.cancelled_at), "attended": r.attended})
    return {"webinar": webinar.slug, "seats": services.seats(webinar),
            "attendance": services.attendance_counts(webinar), "results": results}


@router.delete("/webinars/{slug}/registrants/{registration_id}", auth=AUTH,
               summary="Annuler une inscription (gestion) / Cancel a registration (managers)")
def registrant_cancel(request: HttpRequest, slug: str, registration_id: int):
    webinar = services.webinar_get(slug=slug, user=request.user)
    registration = services.registration_for(user=request.user, pk=registration_id)
    if registration.webinar_id != webinar.pk:
        raise core_services.NotFound(_("Inscription n° %(id)s introuvable.") % {"id": registration_id})
    return _registration(services.registration_cancel(actor=request.user, registration=registration))


@router.put("/webinars/{slug}/attendance", auth=AUTH, summary="Présences (gestion) / Attendance (managers)")
def webinar_attendance(request: HttpRequest, slug: str, payload: dict = Body(...)):  # noqa: B008
    """``{"attendance": {"<registration id>": true | false | null}}`` (present, absent, not said)."""
    webinar = services.webinar_get(slug=slug, user=request.user)
    marks = payload.get("attendance") if isinstance(payload, dict) else None
    if not isinstance(marks, dict):
        raise ValidationError({"attendance": [_("Envoyez {\"attendance\": {\"<id>\": true, false ou null}}.")]})
    return services.attendance_set(actor=request.user, webinar=webinar, marks=marks)
