"""Pages of the accompaniment part: the offer (what it is, the request form for a body's members, « my body's
requests »), the team's queue filtered by status, a request's page (its history, the team's triage, notes and
documents) and the document downloads. Thin: the rules are in ``accompaniment``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import services as core_services
from ouvert.software import services

from . import grids_forms as forms
from .models import AccompanimentStatus

FIELDS = ("title", "need", "software", "software_name", "context", "wished_start", "wished_end")


def _detail_url(request_obj) -> str:
    return reverse("software:accompaniment_detail", kwargs={"reference": request_obj.reference})


@require_http_methods(["GET", "POST"])
def offer(request):
    bodies = list(services.member_bodies(request.user))
    values: dict = {}
    errors: list = []
    invalid: dict = {}
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        values = {f: request.POST.get(f, "") for f in FIELDS}
        values["organisation"] = request.POST.get("organisation", "")
        organisation = next((b for b in bodies if b.slug == values["organisation"]), None)
        try:
            if organisation is None:
                raise ValidationError({"organisation": [_("Choisissez l'organisme public pour lequel vous "
                                                          "demandez un accompagnement.")]})
            created = services.accompaniment_request(actor=request.user, organisation=organisation,
                                                     data={f: values[f] for f in FIELDS})
        except ValidationError as exc:
            errors, invalid, status = forms.error_items(exc, "acc"), forms.field_errors(exc), 400
        else:
            messages.success(request, _("Demande %(reference)s envoyée à l'équipe du logiciel libre.")
                             % {"reference": created.reference})
            return HttpResponseRedirect(_detail_url(created))
    return render(request, "software/accompaniment/offer.html", {
        "bodies": bodies, "values": values, "form_errors": errors, "field_errors": invalid,
        "mine": list(services.accompaniment_mine(user=request.user)),
        "is_team": services.is_software_team(request.user),
        "software_choices": services.software_choices() if bodies else [],
    }, status=status)


@require_safe
def queue(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    status = request.GET.get("status", "")
    errors: list = []
    try:
        rows = list(services.accompaniment_queue(user=request.user, status=status))
    except ValidationError as exc:
        errors, status = forms.error_items(exc, "queue"), ""
        rows = list(services.accompaniment_queue(user=request.user))
    counts = services.accompaniment_status_counts()
    return render(request, "software/accompaniment/queue.html", {
        "rows": rows, "status": status, "form_errors": errors,
        "statuses": [(code, label, counts[code]) for code, label in AccompanimentStatus.choices],
    }, status=400 if errors else 200)


def _get(request, reference):
    try:
        return services.accompaniment_get(user=request.user, reference=reference)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _detail_context(request, obj, **extra) -> dict:
    return {
        "req": obj, "events": services.accompaniment_events(user=request.user, request=obj),
        "moves": [(s, AccompanimentStatus(s).label) for s in services.accompaniment_allowed_moves(request.user, obj)],
        "is_team": services.is_software_team(request.user),
        "max_mb": round(services.document_max_bytes() / 1_048_576, 1),
        "form_errors": [], "field_errors": {}, "values": {}, **extra,
    }


@require_safe
def detail(request, reference):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "software/accompaniment/detail.html", _detail_context(request, _get(request, reference)))


def _post(request, reference, work, done: str, prefix: str):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("software:accompaniment"))
    obj = _get(request, reference)
    try:
        work(obj)
    except ValidationError as exc:
        status = 413 if isinstance(exc, services.DocumentTooLarge) else 400
        return render(request, "software/accompaniment/detail.html", _detail_context(
            request, obj, form_errors=forms.error_items(exc, prefix), field_errors=forms.field_errors(exc),
            values=request.POST, error_form=prefix), status=status)
    messages.success(request, done)
    return HttpResponseRedirect(_detail_url(obj) + "#historique")


@require_POST
def move(request, reference):
    return _post(request, reference, lambda obj: services.accompaniment_move(
        actor=request.user, request=obj, status=request.POST.get("status", ""),
        reason=request.POST.get("reason", ""), text=request.POST.get("text", "")),
        _("État de la demande enregistré."), "move")


@require_POST
def note(request, reference):
    return _post(request, reference, lambda obj: services.accompaniment_note_add(
        actor=request.user, request=obj, text=request.POST.get("text", ""),
        internal=request.POST.get("internal") == "on"), _("Note ajoutée."), "note")


@require_POST
def document_add(request, reference):
    return _post(request, reference, lambda obj: services.accompaniment_document_add(
        actor=request.user, request=obj, upload=request.FILES.get("file"),
        internal=request.POST.get("internal") == "on", text=request.POST.get("text", "")),
        _("Document joint."), "doc")


@require_safe
def document(request, reference, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    obj = _get(request, reference)
    try:
        event = services.accompaniment_document_get(user=request.user, request=obj, pk=pk)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    return FileResponse(event.file.open("rb"), as_attachment=True, filename=event.file_name)
