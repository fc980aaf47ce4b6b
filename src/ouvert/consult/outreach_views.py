"""Pages of the outreach part: the public list, the calendar and its iCalendar feed, the Atom feed, the
e-mail subscription, meetings, follows, notification preferences and the indicators. Thin: the rules are
in ``outreach``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import ical
from ouvert.core.markdown import render_markdown
from ouvert.core.services import NotFound, RateLimited

from . import access, outreach
from .models import Meeting, NotificationSetting, Process, TargetKind
from .views_common import process_or_404 as _process

FILTERS = ("organisation", "theme", "territory", "status", "mode", "q")


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for ms in exc.message_dict.values() for m in ms]
    return [str(m) for m in exc.messages]


def _params(request, keys=FILTERS) -> dict:
    return {key: (request.GET.get(key) or "").strip()[:300] for key in keys}




def _rate_limited(request, exc: RateLimited, template="consult/outreach/error.html", context=None):
    response = render(request, template, {**(context or {}), "errors": [exc.message]}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- The public list -------------------------------------------------------------------------------

@require_GET
def process_list(request):
    params = _params(request, FILTERS + ("sort",))
    errors: list[str] = []
    try:
        result = outreach.process_search(user=request.user, page=request.GET.get("page"), **params)
    except ValidationError as exc:
        errors = _messages(exc)
        result = {"results": [], "count": 0, "page": 1, "num_pages": 1, "has_next": False, "has_previous": False}
    query = urlencode({k: v for k, v in params.items() if v})
    context = {
        "result": result, "processes": result["results"], "params": params, "errors": errors, "query": query,
        "facets": outreach.process_search_facets(), "modes": Process.Mode.choices,
        "statuses": [("open", _("En cours")), ("upcoming", _("À venir")), ("closed", _("Terminée"))],
        "sorts": [("recent", _("Publiées récemment")), ("starts", _("Date de début")),
                  ("ending", _("Fin la plus proche")), ("title", _("Titre"))],
        "upcoming_meetings": outreach.meetings_upcoming(limit=5),
    }
    return render(request, "consult/outreach/list.html", context, status=400 if errors else 200)


# --- Calendar --------------------------------------------------------------------------------------

@require_GET
def calendar(request):
    params = _params(request)
    month = (request.GET.get("mois") or "").strip()
    today = timezone.localdate()
    errors: list[str] = []
    year, number = today.year, today.month
    if month:
        try:
            year, number = (int(part) for part in month.split("-", 1))
        except ValueError:
            year, number = 0, 0
    try:
        data = outreach.calendar_month(year=year, month=number, user=request.user, **params)
    except ValidationError as exc:
        errors = _messages(exc)
        data = outreach.calendar_month(year=today.year, month=today.month, user=request.user)
    filters = {k: v for k, v in params.items() if v}
    context = {"cal": data, "params": params, "errors": errors, "facets": outreach.process_search_facets(),
               "modes": Process.Mode.choices, "query": urlencode(filters),
               "statuses": [("open", _("En cours")), ("upcoming", _("À venir")), ("closed", _("Terminée"))],
               "previous_query": urlencode({**filters, "mois": data["previous"].strftime("%Y-%m")}),
               "next_query": urlencode({**filters, "mois": data["next"].strftime("%Y-%m")}),
               "is_current": data["first"] == today.replace(day=1)}
    return render(request, "consult/outreach/calendar.html", context, status=400 if errors else 200)


@require_GET
def calendar_ics(request):
    try:
        content = outreach.calendar_ics(user=request.user, **_params(request))
    except ValidationError as exc:
        return HttpResponse("\n".join(_messages(exc)), status=400, content_type="text/plain; charset=utf-8")
    return ical.response(content, "consultations.ics")


@require_GET
def feed(request):
    return HttpResponse(outreach.feed_atom(), content_type="application/atom+xml; charset=utf-8")


# --- E-mail subscription ---------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def subscribe(request):
    values = {"email": request.user.email if request.user.is_authenticated else ""}
    errors: dict = {}
    if request.method == "POST":
        values = {key: (request.POST.get(key) or "").strip() for key in ("email", "organisation", "theme",
                                                                           "territory")}
        try:
            outreach.subscription_request(
                email=values["email"], filters=values, language=getattr(request, "LANGUAGE_CODE", "fr"),
                user=request.user, client=request.META.get("REMOTE_ADDR", ""))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"email": exc.messages}
        except RateLimited as exc:
            return _rate_limited(request, exc, "consult/outreach/subscribe.html",
                                 {"values": values, "facets": outreach.process_search_facets(), "field_errors": {}})
        else:
            return render(request, "consult/outreach/subscribe_sent.html", {"email": values["email"]})
    context = {"values": values, "field_errors": errors, "errors": [m for ms in errors.values() for m in ms],
               "facets": outreach.process_search_facets()}
    return render(request, "consult/outreach/subscribe.html", context, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def subscribe_confirm(request, token):
    pending = request.GET.get("f") or request.POST.get("f") or ""
    if request.method == "GET":  # a page with a button: mail scanners that open links confirm nothing
        return render(request, "consult/outreach/subscribe_confirm.html", {"pending": pending})
    try:
        subscription = outreach.subscription_confirm(token=token, pending=pending)
    except NotFound as exc:
        return render(request, "consult/outreach/error.html", {"errors": [exc.message]}, status=404)
    return render(request, "consult/outreach/subscribe_done.html", {"subscription": subscription})


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    if request.method == "GET":
        return render(request, "consult/outreach/unsubscribe.html", {})
    try:
        outreach.subscription_cancel(token=token)
    except NotFound as exc:
        return render(request, "consult/outreach/error.html", {"errors": [exc.message]}, status=404)
    return render(request, "consult/outreach/unsubscribe.html", {"done": True})


# --- Follows and preferences -----------------------------------------------------------------------

def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


@require_POST
def follow(request, slug):
    process = _process(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(_next(request, reverse("consult:list")))
    on = request.POST.get("on") != "0"
    try:
        following = outreach.follow_set(user=request.user, process=process,
                                        target_kind=request.POST.get("target_kind") or TargetKind.PROCESS,
                                        target_id=request.POST.get("target_id"), on=on)
    except ValidationError as exc:
        return render(request, "consult/outreach/error.html", {"errors": _messages(exc)}, status=400)
    except NotFound as exc:
        raise Http404(exc.message) from None
    messages.success(request, _("Vous suivez maintenant cet élément : vous serez avisé de ce qui s’y passe.")
                     if following else _("Vous ne suivez plus cet élément."))
    return HttpResponseRedirect(_next(request, outreach._url("consult:process", slug=process.slug)))


@require_http_methods(["GET", "POST"])
def preferences(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if request.POST.get("unfollow"):
            kind, _sep, target = request.POST["unfollow"].partition(":")
            try:
                outreach.unfollow(user=request.user, target_kind=kind, target_id=int(target))
            except ValueError:
                errors, status = [_("Élément inconnu.")], 400
            else:
                messages.success(request, _("Vous ne suivez plus cet élément."))
                return HttpResponseRedirect(reverse("consult:preferences"))
        else:
            try:
                outreach.notification_setting_set(user=request.user, frequency=request.POST.get("frequency", ""))
            except ValidationError as exc:
                errors, status = _messages(exc), 400
            else:
                messages.success(request, _("Vos préférences sont enregistrées."))
                return HttpResponseRedirect(reverse("consult:preferences"))
    follows = outreach.follows_of(user=request.user)
    context = {"setting": outreach.notification_setting_get(user=request.user), "errors": errors,
               "frequencies": NotificationSetting.Frequency.choices, "follows": follows,
               "kinds": dict(TargetKind.choices)}
    return render(request, "consult/outreach/preferences.html", context, status=status)


# --- Meetings --------------------------------------------------------------------------------------

def _meeting(process, pk) -> Meeting:
    try:
        return outreach.meeting_get(process=process, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _map_spec(meeting: Meeting) -> dict | None:
    if meeting.latitude is None or meeting.longitude is None:
        return None
    return {"data": {"values": [{"x": meeting.longitude, "y": meeting.latitude}]},
            "encoding": {"longitude": {"title": _("longitude")}, "latitude": {"title": _("latitude")}}}


@require_GET
def meeting_list(request, slug):
    process = _process(request, slug)
    context = {"process": process, "tab": "meetings", "meetings": outreach.meeting_list(process=process),
               "can_manage": access.can_manage(request.user, process),
               "following": outreach.is_following(user=request.user, target_kind=TargetKind.PROCESS,
                                                  target_id=process.pk)}
    return render(request, "consult/outreach/meeting_list.html", context)


def _meeting_page(request, process, meeting, *, errors=None, status=200, minutes_values=None):
    user = request.user
    spec = _map_spec(meeting)
    context = {
        "process": process, "tab": "meetings", "meeting": meeting, "errors": errors or [],
        "registration": outreach.meeting_registration_of(user=user, meeting=meeting),
        "can_manage": access.can_manage(user, process), "map_spec": spec,
        "full": bool(meeting.capacity and meeting.registrations_count >= meeting.capacity),
        "is_past": meeting.starts_at <= timezone.now(),
        "seats_left": max(meeting.capacity - meeting.registrations_count, 0) if meeting.capacity else None,
        "description_html": render_markdown(meeting.description),
        "minutes_html": render_markdown(meeting.minutes) if meeting.minutes_published_at else "",
        "following": outreach.is_following(user=user, target_kind=TargetKind.MEETING, target_id=meeting.pk),
        "minutes_values": minutes_values or {"minutes_fr": meeting.minutes_fr, "minutes_en": meeting.minutes_en,
                                             "attendees_count": meeting.attendees_count},
    }
    return render(request, "consult/outreach/meeting_detail.html", context, status=status)


@require_GET
def meeting_detail(request, slug, pk):
    process = _process(request, slug)
    return _meeting_page(request, process, _meeting(process, pk))


@require_GET
def meeting_ics(request, slug, pk):
    process = _process(request, slug)
    meeting = _meeting(process, pk)
    return ical.response(outreach.meeting_ics(meeting), f"rencontre-{meeting.pk}.ics")


@require_POST
def meeting_register(request, slug, pk):
    process = _process(request, slug)
    meeting = _meeting(process, pk)
    url = reverse("consult:meeting", kwargs={"slug": slug, "pk": meeting.pk})
    if not request.user.is_authenticated:
        return redirect_to_login(url)
    try:
        if request.POST.get("action") == "unregister":
            outreach.meeting_unregister(user=request.user, meeting=meeting)
            messages.success(request, _("Votre inscription est annulée."))
        else:
            outreach.meeting_register(user=request.user, meeting=meeting)
            messages.success(request, _("Vous êtes inscrit. Une confirmation vous est envoyée."))
    except ValidationError as exc:
        meeting.refresh_from_db()
        return _meeting_page(request, process, meeting, errors=_messages(exc), status=400)
    except PermissionDenied as exc:
        return _meeting_page(request, process, meeting, errors=[str(exc)], status=403)
    return HttpResponseRedirect(url)


MEETING_FORM_FIELDS = ("title_fr", "title_en", "description_fr", "description_en", "mode", "starts_at", "ends_at",
                       "place", "address", "latitude", "longitude", "online_url", "capacity")


def _meeting_form_values(meeting: Meeting | None) -> dict:
    if meeting is None:
        start = (timezone.localtime() + datetime.timedelta(days=14)).replace(hour=19, minute=0, second=0,
                                                                           microsecond=0)
        return {"mode": Meeting.Mode.IN_PERSON, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "capacity": 0,
                "registration_open": True}
    values = {key: getattr(meeting, key) for key in MEETING_FORM_FIELDS}
    values["starts_at"] = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M")
    values["ends_at"] = timezone.localtime(meeting.ends_at).strftime("%Y-%m-%dT%H:%M")
    values["latitude"] = "" if meeting.latitude is None else meeting.latitude
    values["longitude"] = "" if meeting.longitude is None else meeting.longitude
    values["registration_open"] = meeting.registration_open
    return values


@require_http_methods(["GET", "POST"])
def meeting_form(request, slug, pk=None):
    process = _process(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not access.can_manage(request.user, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation peuvent gérer ses rencontres."))
    meeting = _meeting(process, pk) if pk is not None else None
    if meeting is not None and meeting.cancelled_at is not None:
        return _meeting_page(request, process, meeting, status=409, errors=[
            _("Cette rencontre est annulée : elle ne peut plus être modifiée.")])
    values = _meeting_form_values(meeting)
    field_errors: dict = {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in MEETING_FORM_FIELDS}
        values["registration_open"] = request.POST.get("registration_open") == "on"
        try:
            if meeting is None:
                meeting = outreach.meeting_create(actor=request.user, process=process, data=values)
                messages.success(request, _("La rencontre est créée ; les personnes qui suivent la consultation "
                                            "sont avisées."))
            else:
                outreach.meeting_update(actor=request.user, meeting=meeting, data=values)
                messages.success(request, _("La rencontre est modifiée."))
        except ValidationError as exc:
            field_errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            return HttpResponseRedirect(reverse("consult:meeting", kwargs={"slug": slug, "pk": meeting.pk}))
    context = {"process": process, "tab": "meetings", "meeting": meeting, "values": values,
               "field_errors": field_errors, "errors": [m for ms in field_errors.values() for m in ms],
               "modes": Meeting.Mode.choices}
    return render(request, "consult/outreach/meeting_form.html", context, status=400 if field_errors else 200)


@require_POST
def meeting_cancel(request, slug, pk):
    process = _process(request, slug)
    meeting = _meeting(process, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:meeting", kwargs={"slug": slug, "pk": meeting.pk}))
    was_cancelled = meeting.cancelled_at is not None
    outreach.meeting_cancel(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""))
    if not was_cancelled:
        messages.success(request, _("La rencontre est annulée ; les personnes inscrites sont avisées."))
    return HttpResponseRedirect(reverse("consult:meeting", kwargs={"slug": slug, "pk": meeting.pk}))


@require_POST
def meeting_minutes(request, slug, pk):
    process = _process(request, slug)
    meeting = _meeting(process, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:meeting", kwargs={"slug": slug, "pk": meeting.pk}))
    values = {key: request.POST.get(key, "") for key in ("minutes_fr", "minutes_en", "attendees_count")}
    try:
        outreach.meeting_minutes_set(actor=request.user, meeting=meeting, minutes_fr=values["minutes_fr"],
                                     minutes_en=values["minutes_en"], attendees_count=values["attendees_count"],
                                     publish=request.POST.get("publish") != "0")
    except ValidationError as exc:
        meeting.refresh_from_db()
        return _meeting_page(request, process, meeting, errors=_messages(exc), status=400, minutes_values=values)
    messages.success(request, _("Le compte rendu est enregistré."))
    return HttpResponseRedirect(reverse("consult:meeting", kwargs={"slug": slug, "pk": meeting.pk}))


# --- Indicators ------------------------------------------------------------------------------------

def _chart_spec(data: dict) -> dict:
    values = [{"periode": p["period"], "consultations": p["consultations"],
               "part_en_ligne": p["digital_share"]} for p in data["periods"]]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": 260,
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "bar", "color": "#1f5f9e"},
             "encoding": {"x": {"field": "periode", "type": "ordinal", "title": _("Période")},
                          "y": {"field": "consultations", "type": "quantitative", "title": _("Consultations")},
                          "tooltip": [{"field": "periode", "title": _("Période")},
                                      {"field": "consultations", "title": _("Consultations")}]}},
        ],
    }


def _share_spec(data: dict) -> dict:
    values = [{"periode": p["period"], "part": p["digital_share"]} for p in data["periods"]
              if p["digital_share"] is not None]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": 220,
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "line", "point": True, "color": "#1f5f9e"},
             "encoding": {"x": {"field": "periode", "type": "ordinal", "title": _("Période")},
                          "y": {"field": "part", "type": "quantitative", "title": _("Part en ligne (%)"),
                                "scale": {"domain": [0, 100]}},
                          "tooltip": [{"field": "periode", "title": _("Période")},
                                      {"field": "part", "title": _("Part en ligne (%)")}]}},
            {"mark": {"type": "rule", "strokeDash": [6, 4], "color": "#8a1c1c"},
             "encoding": {"y": {"datum": outreach.DIGITAL_TARGET}}},
        ],
    }


def _indicator_params(request) -> dict:
    return {"period": (request.GET.get("periode") or "fiscal").strip(),
            "organisation": (request.GET.get("organisation") or "").strip()}


@require_GET
def indicators(request):
    params = _indicator_params(request)
    errors: list[str] = []
    try:
        data = outreach.indicators(**params)
    except ValidationError as exc:
        errors = _messages(exc)
        data = outreach.indicators(period="fiscal")
        params = {"period": "fiscal", "organisation": ""}
    context = {"data": data, "params": params, "errors": errors, "has_charts": bool(data["periods"]),
               "chart_counts": _chart_spec(data), "chart_share": _share_spec(data),
               "organisations": outreach.indicators_organisations(),
               "query": urlencode({"periode": params["period"], **({"organisation": params["organisation"]}
                                                                    if params["organisation"] else {})})}
    return render(request, "consult/outreach/indicators.html", context, status=400 if errors else 200)


@require_GET
def indicators_csv(request):
    params = _indicator_params(request)
    try:
        content = outreach.indicators_csv(**params)
    except ValidationError as exc:
        return HttpResponse("\n".join(_messages(exc)), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicateurs-consultations-{params["period"]}.csv"'
    return response
