"""Pages of the support part: the support page (``science:home``), the FAQ (public page with its search,
and the managers' pages), the webinars (list, page with registration, iCalendar files, and the managers'
pages: create, edit, cancel, registrants with CSV export, attendance, recording and slides). Thin: the rules
are in ``faq`` and ``webinars`` (through ``services``)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import ical
from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown
from ouvert.science import services

from . import support_forms as forms

#: Questions of the FAQ shown on the support page.
TOP_QUESTIONS = 5
#: Upcoming webinars shown on the support page.
NEXT_WEBINARS = 3


def _markdown(text: str, shift: int = 2):
    """Sanitised Markdown, its headings moved ``shift`` levels down (under the page's own headings)."""
    html = str(render_markdown(text))
    html = re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}>", html)
    return mark_safe(html)  # noqa: S308 - sanitised by render_markdown; only heading tags renamed


def _not_found(exc):
    return Http404(getattr(exc, "message", str(exc)))


def _require_manager(request):
    if not services.is_science_manager(request.user):
        raise PermissionDenied(_("Seules les équipes des fonds de recherche et les administrateurs de la plateforme "
                                 "gèrent la FAQ et les webinaires."))


# --- The support page ----------------------------------------------------------------------------

@require_safe
def home(request):
    now = timezone.now()
    upcoming = services.webinar_groups(user=request.user, now=now)["upcoming"]
    policies = services.support_policies()
    for row in policies:
        row["summary_html"] = _markdown(row["current"].summary, shift=2) if row["current"].summary else ""
    return render(request, "science/support/home.html", {
        "policies": policies,
        "top_questions": services.faq_top(TOP_QUESTIONS),
        "next_webinars": [_webinar_row(w, now) for w in upcoming if w.cancelled_at is None][:NEXT_WEBINARS],
        "can_manage": services.is_science_manager(request.user),
    })


# --- FAQ -----------------------------------------------------------------------------------------

@require_safe
def faq(request):
    q = request.GET.get("q", "")
    errors: list[str] = []
    results = None
    try:
        found = services.faq_search(q)
    except ValidationError as exc:
        errors, found = forms.error_lines(exc), None
    if found is not None:
        results = list(found)
        for entry in results:
            entry.html = _markdown(entry.answer, shift=1)
    entries = list(services.faq_list())
    for entry in entries:
        entry.html = _markdown(entry.answer, shift=1)
    return render(request, "science/support/faq.html", {
        "q": q, "results": results, "groups": services.faq_categories(entries), "errors": errors,
        "funds": [row["fund"] for row in services.support_policies()],
        "contact_email": services.support_contact_email(),
        "can_manage": services.is_science_manager(request.user),
    }, status=400 if errors else 200)


@require_safe
def faq_manage(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require_manager(request)
    return render(request, "science/support/faq_manage.html", {
        "entries": list(services.faq_list(user=request.user, include_unpublished=True))})


def _faq_entry(request, pk):
    try:
        return services.faq_get(pk=pk, user=request.user)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None


@require_http_methods(["GET", "POST"])
def faq_edit(request, pk=None):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require_manager(request)
    entry = _faq_entry(request, pk) if pk is not None else None
    errors: list[str] = []
    invalid: set[str] = set()
    if request.method == "POST":
        data = forms.faq_data(request.POST)
        try:
            if entry is None:
                entry = services.faq_create(actor=request.user, data=data)
                messages.success(request, _("Question ajoutée à la FAQ."))
            else:
                services.faq_update(actor=request.user, entry=entry, data=data)
                messages.success(request, _("Question enregistrée."))
        except ValidationError as exc:
            errors, invalid, values = forms.error_lines(exc), forms.error_fields(exc), data
        else:
            return HttpResponseRedirect(reverse("science:faq_manage") + f"#faq-{entry.pk}")
    else:
        values = forms.faq_values(entry) if entry else {"is_published": True}
    return render(request, "science/support/faq_form.html", {
        "entry": entry, "values": values, "errors": errors, "invalid": invalid,
    }, status=400 if errors else 200)


def _faq_post(request, pk, work, done: str):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("science:faq_manage"))
    _require_manager(request)
    entry = _faq_entry(request, pk)
    try:
        work(entry)
    except ValidationError as exc:
        return render(request, "science/support/faq_manage.html", {
            "entries": list(services.faq_list(user=request.user, include_unpublished=True)),
            "errors": forms.error_lines(exc)}, status=400)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    messages.success(request, done)
    return HttpResponseRedirect(reverse("science:faq_manage") + (f"#faq-{entry.pk}" if entry.pk else ""))


@require_POST
def faq_move(request, pk):
    return _faq_post(request, pk, lambda e: services.faq_move(actor=request.user, entry=e,
                                                              direction=request.POST.get("direction", "")),
                     _("Ordre des questions enregistré."))


@require_POST
def faq_publish(request, pk):
    published = request.POST.get("published") == "1"
    return _faq_post(request, pk, lambda e: services.faq_set_published(actor=request.user, entry=e, published=published),
                     _("Question publiée.") if published else _("Question retirée de la FAQ publique."))


@require_http_methods(["GET", "POST"])
def faq_delete(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require_manager(request)
    entry = _faq_entry(request, pk)
    if request.method == "POST":
        services.faq_delete(actor=request.user, entry=entry)
        messages.success(request, _("Question supprimée."))
        return HttpResponseRedirect(reverse("science:faq_manage"))
    return render(request, "science/support/faq_delete.html", {"entry": entry})


# --- Webinars: public pages ----------------------------------------------------------------------

def _webinar_row(webinar, now) -> dict:
    return {"webinar": webinar, "when": services.webinar_when(webinar), "seats": services.seats(webinar),
            "closed": services.registration_closed_reason(webinar, now),
            "ended": webinar.ends_at <= now}


@require_safe
def webinar_list(request):
    now = timezone.now()
    manager = services.is_science_manager(request.user)
    groups = services.webinar_groups(user=request.user, include_unpublished=manager, now=now)
    return render(request, "science/support/webinar_list.html", {
        "upcoming": [_webinar_row(w, now) for w in groups["upcoming"]],
        "past": [_webinar_row(w, now) for w in groups["past"]],
        "can_manage": manager,
    })


def _webinar(request, slug):
    try:
        return services.webinar_get(slug=slug, user=request.user)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None


def _detail_context(request, webinar, **extra) -> dict:
    now = timezone.now()
    registration = services.registration_get(user=request.user, webinar=webinar)
    speakers = list(webinar.speakers.all())
    for speaker in speakers:
        speaker.html = _markdown(speaker.bio, shift=2) if speaker.bio else ""
    row = _webinar_row(webinar, now)
    return {
        **row, "detail_row": row, "speakers": speakers,
        "description_html": _markdown(webinar.description),
        "starts": services.montreal_text(webinar.starts_at), "ends": services.montreal_text(webinar.ends_at),
        "registration": registration,
        "position": services.waiting_position(registration) if registration else None,
        "started": webinar.starts_at <= now,
        "can_manage": services.is_science_manager(request.user), **extra,
    }


@require_safe
def webinar_detail(request, slug):
    webinar = _webinar(request, slug)
    return render(request, "science/support/webinar_detail.html", _detail_context(request, webinar))


@require_POST
def webinar_register(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("science:webinar_detail", kwargs={"slug": slug}))
    webinar = _webinar(request, slug)
    try:
        registration = services.registration_create(actor=request.user, webinar=webinar)
    except ValidationError as exc:
        context = _detail_context(request, webinar, errors=forms.error_lines(exc))
        return render(request, "science/support/webinar_detail.html", context, status=400)
    if getattr(registration, "was_existing", False):
        messages.info(request, _("Vous étiez déjà inscrite à ce webinaire : rien n'a changé."))
    elif registration.status == "confirmed":
        messages.success(request, _("Vous êtes inscrite. La confirmation vous est envoyée par courriel."))
    else:
        messages.success(request, _("Le webinaire est complet : vous êtes en liste d'attente, en position %(n)s.")
                         % {"n": services.waiting_position(registration)})
    return HttpResponseRedirect(reverse("science:webinar_detail", kwargs={"slug": webinar.slug}) + "#inscription")


@require_POST
def webinar_unregister(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("science:webinar_detail", kwargs={"slug": slug}))
    webinar = _webinar(request, slug)
    registration = services.registration_get(user=request.user, webinar=webinar)
    if registration is None:
        messages.info(request, _("Vous n'êtes pas inscrite à ce webinaire."))
    else:
        try:
            services.registration_cancel(actor=request.user, registration=registration)
        except ValidationError as exc:
            context = _detail_context(request, webinar, errors=forms.error_lines(exc))
            return render(request, "science/support/webinar_detail.html", context, status=400)
        messages.success(request, _("Votre inscription est annulée."))
    return HttpResponseRedirect(reverse("science:webinar_detail", kwargs={"slug": webinar.slug}) + "#inscription")


@require_safe
def webinar_ics(request, slug):
    webinar = _webinar(request, slug)
    return ical.response(services.webinar_ics(webinar), f"webinaire-{webinar.slug}.ics")


@require_safe
def registration_ics(request, token):
    try:
        registration = services.registration_by_token(token)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    response = ical.response(services.webinar_ics(registration.webinar, registration),
                             f"webinaire-{registration.webinar.slug}.ics")
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def webinar_feed(request):
    return ical.response(services.webinars_feed_ics(), "webinaires.ics")


@require_safe
def webinar_slides(request, slug):
    webinar = _webinar(request, slug)
    if not webinar.slides:
        raise Http404(_("Aucune présentation déposée pour ce webinaire."))
    name = webinar.slides.name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower()
    response = FileResponse(webinar.slides.open("rb"), as_attachment=True, filename=name,
                            content_type=services.SLIDES_FORMATS.get(extension, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
def my_registrations(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    now = timezone.now()
    rows = []
    for registration in services.my_registrations(user=request.user):
        rows.append({"registration": registration, "when": services.webinar_when(registration.webinar),
                     "position": services.waiting_position(registration),
                     "upcoming": registration.webinar.ends_at > now})
    return render(request, "science/support/my_registrations.html", {"rows": rows})


# --- Webinars: managers --------------------------------------------------------------------------

def _manager_webinar(request, slug):
    _require_manager(request)
    return _webinar(request, slug)


@require_http_methods(["GET", "POST"])
def webinar_edit(request, slug=None):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require_manager(request)
    webinar = _webinar(request, slug) if slug is not None else None
    errors: list[str] = []
    invalid: set[str] = set()
    if request.method == "POST":
        data, speakers = forms.webinar_data(request.POST)
        try:
            if webinar is None:
                webinar = services.webinar_create(actor=request.user, data=data, speakers=speakers)
                messages.success(request, _("Webinaire créé."))
            else:
                webinar = services.webinar_update(actor=request.user, webinar=webinar, data=data, speakers=speakers)
                messages.success(request, _("Webinaire enregistré."))
        except ValidationError as exc:
            errors, invalid = forms.error_lines(exc), forms.error_fields(exc)
            values = forms.webinar_values_from_post(request.POST)
        else:
            return HttpResponseRedirect(reverse("science:webinar_detail", kwargs={"slug": webinar.slug}))
    else:
        values = forms.webinar_values(webinar) if webinar else {"capacity": 100, "registration_open": True,
                                                                 "language": "fr"}
    return render(request, "science/support/webinar_form.html", {
        "webinar": webinar, "values": values, "speaker_rows": forms.speaker_rows(values), "errors": errors,
        "invalid": invalid,
    }, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def webinar_cancel(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    webinar = _manager_webinar(request, slug)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.webinar_cancel(actor=request.user, webinar=webinar, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            errors = forms.error_lines(exc)
        else:
            messages.success(request, _("Webinaire annulé ; les personnes inscrites en sont avisées par courriel."))
            return HttpResponseRedirect(reverse("science:webinar_detail", kwargs={"slug": webinar.slug}))
    return render(request, "science/support/webinar_cancel.html", {
        "webinar": webinar, "seats": services.seats(webinar), "errors": errors,
        "reason": request.POST.get("reason", "")}, status=400 if errors else 200)


def _registrants_context(request, webinar, **extra) -> dict:
    rows = list(services.registrants(actor=request.user, webinar=webinar))
    position = 0
    for r in rows:
        if r.status == "waiting":
            position += 1
            r.position = position
    return {"webinar": webinar, "rows": rows, "seats": services.seats(webinar),
            "counts": services.attendance_counts(webinar), "started": webinar.starts_at <= timezone.now(),
            "when": services.webinar_when(webinar), **extra}


@require_safe
def webinar_registrants(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    webinar = _manager_webinar(request, slug)
    return render(request, "science/support/webinar_registrants.html", _registrants_context(request, webinar))


@require_safe
def webinar_registrants_csv(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    webinar = _manager_webinar(request, slug)
    response = HttpResponse(services.registrants_csv(actor=request.user, webinar=webinar),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inscriptions-{webinar.slug}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def registrant_cancel(request, slug, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("science:webinar_registrants", kwargs={"slug": slug}))
    webinar = _manager_webinar(request, slug)
    try:
        registration = services.registration_for(user=request.user, pk=pk)
        if registration.webinar_id != webinar.pk:
            raise core_services.NotFound(_("Inscription n° %(id)s introuvable.") % {"id": pk})
        services.registration_cancel(actor=request.user, registration=registration)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    except ValidationError as exc:
        return render(request, "science/support/webinar_registrants.html",
                      _registrants_context(request, webinar, errors=forms.error_lines(exc)), status=400)
    messages.success(request, _("Inscription annulée ; la personne en est avisée par courriel."))
    return HttpResponseRedirect(reverse("science:webinar_registrants", kwargs={"slug": webinar.slug}))


@require_POST
def webinar_attendance(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("science:webinar_registrants", kwargs={"slug": slug}))
    webinar = _manager_webinar(request, slug)
    ids = [r.pk for r in services.registrants(actor=request.user, webinar=webinar) if r.status == "confirmed"]
    try:
        counts = services.attendance_set(actor=request.user, webinar=webinar,
                                         marks=forms.attendance_marks(request.POST, ids))
    except ValidationError as exc:
        return render(request, "science/support/webinar_registrants.html",
                      _registrants_context(request, webinar, errors=forms.error_lines(exc)), status=400)
    messages.success(request, _("Présences enregistrées : %(present)s présentes, %(absent)s absentes.") % counts)
    return HttpResponseRedirect(reverse("science:webinar_registrants", kwargs={"slug": webinar.slug}) + "#presences")


@require_http_methods(["GET", "POST"])
def webinar_recording(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    webinar = _manager_webinar(request, slug)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            services.recording_set(actor=request.user, webinar=webinar,
                                   recording_url=request.POST.get("recording_url", ""),
                                   slides_url=request.POST.get("slides_url", ""), slides=request.FILES.get("slides"),
                                   remove_slides=request.POST.get("remove_slides") == "on")
        except ValidationError as exc:
            errors = forms.error_lines(exc)
            status = 413 if isinstance(exc, services.SlidesTooLarge) else 400
        else:
            messages.success(request, _("Enregistrement et présentation enregistrés."))
            return HttpResponseRedirect(reverse("science:webinar_detail", kwargs={"slug": webinar.slug}) + "#apres")
    values = request.POST if request.method == "POST" else {"recording_url": webinar.recording_url,
                                                              "slides_url": webinar.slides_url}
    return render(request, "science/support/webinar_recording.html", {
        "webinar": webinar, "values": values, "errors": errors,
        "max_mb": services.slides_max_bytes() // (1024 * 1024)}, status=status)
