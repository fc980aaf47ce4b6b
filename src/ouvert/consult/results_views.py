"""Pages of the results part: a process's dashboard, its report (read, edit, download), exports, the
satisfaction survey, the satisfaction dashboard and the suggestion box. Thin: the rules are in
``results``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core.markdown import render_markdown
from ouvert.core.services import NotFound, RateLimited

from . import access
from . import results as services
from .views_common import process_or_404 as _process


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for ms in exc.message_dict.values() for m in ms]
    return [str(m) for m in exc.messages]




def _lang(request) -> str:
    lang = request.GET.get("langue") or (get_language() or "fr")[:2]
    return "en" if lang.startswith("en") else "fr"


# --- Dashboard -------------------------------------------------------------------------------------

@require_GET
def dashboard(request, slug):
    process = _process(request, slug)
    data = services.process_dashboard(process=process, user=request.user)
    report = services.report_get(process=process, user=request.user)
    return render(request, "consult/results/dashboard.html", {
        "process": process, "tab": "results", "d": data, "report": report, "has_charts": True,
        "exports": services.export_components(process, user=request.user),
        "satisfaction_prompt": services.satisfaction_prompt(process=process, user=request.user),
    })


# --- Exports ---------------------------------------------------------------------------------------

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_response(table, fmt: str):
    """A table as a download: CSV and JSON streamed, XLSX built in one go (write-only workbook)."""
    filename = f"{table.filename}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(services.export_csv_chunks(table), content_type=CONTENT_TYPES[fmt])
    elif fmt == "json":
        response = StreamingHttpResponse(services.export_json_chunks(table), content_type=CONTENT_TYPES[fmt])
    else:
        response = HttpResponse(services.export_xlsx_bytes(table), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def export(request, slug, component, fmt):
    process = _process(request, slug)
    public = True if request.GET.get("anonyme") == "1" else None
    try:
        table = services.export_table(process=process, user=request.user, component=component, public=public)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return export_response(table, fmt)


# --- Report ----------------------------------------------------------------------------------------

@require_GET
def report(request, slug):
    process = _process(request, slug)
    obj = services.report_get(process=process, user=request.user)
    manager = access.can_manage(request.user, process)
    if obj is None and not manager:
        return render(request, "consult/results/report.html", {"process": process, "tab": "results", "report": None},
                      status=404)
    return render(request, "consult/results/report.html", {
        "process": process, "tab": "results", "report": obj, "can_manage": manager,
        "body_html": render_markdown(obj.body) if obj else "",
    })


@require_http_methods(["GET", "POST"])
def report_edit(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    process = _process(request, slug)
    if not access.can_manage(request.user, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation préparent son rapport."))
    obj = services.report_get(process=process, user=request.user)
    values = {"body_fr": obj.body_fr if obj else "", "body_en": obj.body_en if obj else ""}
    errors: list[str] = []
    preview = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        values = {"body_fr": request.POST.get("body_fr", ""), "body_en": request.POST.get("body_en", "")}
        try:
            if action == "generate":
                obj = services.report_generate(process=process, user=request.user,
                                               replace_edits=request.POST.get("replace_edits") == "1")
                if obj.kept_edits:
                    messages.warning(request, _("Les chiffres sont à jour; vos modifications du texte sont "
                                                "conservées. Cochez « Remplacer mes modifications » pour "
                                                "regénérer tout le texte."))
                else:
                    messages.success(request, _("Le rapport a été généré à partir des données."))
                return HttpResponseRedirect(reverse("consult:report_edit", kwargs={"slug": process.slug}))
            if action == "preview":
                preview = {"fr": render_markdown(values["body_fr"]), "en": render_markdown(values["body_en"])}
            elif action == "save":
                services.report_update(process=process, user=request.user, **values)
                messages.success(request, _("Le rapport est enregistré."))
                return HttpResponseRedirect(reverse("consult:report_edit", kwargs={"slug": process.slug}))
            elif action == "publish":
                services.report_update(process=process, user=request.user, **values)
                services.report_publish(process=process, user=request.user)
                messages.success(request, _("Le rapport est publié."))
                return HttpResponseRedirect(reverse("consult:report", kwargs={"slug": process.slug}))
            elif action == "unpublish":
                services.report_unpublish(process=process, user=request.user)
                messages.success(request, _("Le rapport n'est plus publié."))
                return HttpResponseRedirect(reverse("consult:report_edit", kwargs={"slug": process.slug}))
            else:
                errors = [_("Action inconnue.")]
                status = 400
        except ValidationError as exc:
            errors, status = error_messages(exc), 400
    return render(request, "consult/results/report_form.html", {
        "process": process, "tab": "results", "report": obj, "values": values, "errors": errors,
        "preview": preview}, status=status)


@require_GET
def report_download(request, slug, fmt):
    process = _process(request, slug)
    obj = services.report_get(process=process, user=request.user)
    if obj is None or not obj.body_fr.strip():
        raise Http404(_("Le rapport de cette consultation n'est pas encore publié."))
    lang = _lang(request)
    name = f"{process.slug}-rapport-{lang}"
    if fmt == "html":
        response = HttpResponse(services.report_html(obj, lang=lang), content_type="text/html; charset=utf-8")
    else:
        response = HttpResponse(services.report_pdf(obj, lang=lang), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- Satisfaction ----------------------------------------------------------------------------------

@require_POST
def satisfaction_submit(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    process = _process(request, slug)
    back = request.POST.get("next") or reverse("consult:results", kwargs={"slug": process.slug})
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("consult:results", kwargs={"slug": process.slug})
    try:
        services.satisfaction_submit(process=process, user=request.user, score=request.POST.get("score"),
                                     comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        return render(request, "consult/results/satisfaction_thanks.html", {
            "process": process, "tab": "results", "errors": error_messages(exc), "back": back}, status=400)
    messages.success(request, _("Merci ! Votre avis nous aide à améliorer les consultations."))
    return HttpResponseRedirect(back)


@require_GET
def satisfaction_dashboard(request):
    data = services.satisfaction_dashboard(user=request.user)
    return render(request, "consult/results/satisfaction.html", {"d": data, "has_charts": bool(data["spec"])})


# --- Suggestions -----------------------------------------------------------------------------------

def _client_key(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@require_http_methods(["GET", "POST"])
def suggestions(request):
    errors: list[str] = []
    values = {"body": "", "email": "", "process": request.GET.get("consultation", ""), "is_public": "1"}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("body", "email", "process", "is_public")}
        process = None
        if values["process"]:
            try:
                process = access.process_get(slug=values["process"], user=request.user)
            except NotFound:
                errors = [_("La consultation visée est introuvable.")]
        if not errors:
            try:
                services.suggestion_create(user=request.user, email=values["email"], body=values["body"],
                                           process=process, is_public=values["is_public"] == "1",
                                           honeypot=request.POST.get("website", ""), client_key=_client_key(request))
            except ValidationError as exc:
                errors, status = error_messages(exc), 400
            except RateLimited as exc:
                errors, status = [exc.message], 429
            else:
                messages.success(request, _("Merci ! Votre suggestion a été reçue; vous serez avisé de la réponse."))
                return HttpResponseRedirect(reverse("consult:suggestions"))
        else:
            status = 400
    inbox = list(services.suggestion_inbox(user=request.user)[:100]) if request.user.is_authenticated else []
    processes = services.suggestion_process_choices()
    return render(request, "consult/results/suggestions.html", {
        "values": values, "errors": errors, "inbox": inbox, "processes": processes,
        "public": list(services.suggestion_list_public()[:50])}, status=status)


@require_POST
def suggestion_answer(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:suggestions"))
    try:
        suggestion = services.suggestion_get(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    try:
        services.suggestion_answer(user=request.user, suggestion=suggestion, answer=request.POST.get("answer", ""),
                                   close=request.POST.get("close") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return HttpResponseRedirect(reverse("consult:suggestions") + f"#suggestion-{pk}")
    messages.success(request, _("La réponse est envoyée à la personne qui a fait la suggestion."))
    return HttpResponseRedirect(reverse("consult:suggestions"))
