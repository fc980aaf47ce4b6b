"""Pages of the registry part: the public search (with facets, pages and exports), a publication's page, the
declaration form (pre-filled by a DOI look-up), changing and withdrawing a publication, « my
publications », the CSV import, the compliance dashboard and the reminders. Thin: the rules are in
``registry``, ``crossref`` and ``dashboard`` (reached through ``services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import services as core_services
from ouvert.science import services

from . import registry_forms as forms
from .models import Compliance, OAStatus, Publication, Version

PER_PAGE = 20
FILTERS = ("fund", "year", "verdict", "oa_status", "institution")


def _get(pk) -> Publication:
    try:
        return services.publication_get(pk=pk)
    except core_services.NotFound as exc:
        raise Http404(str(exc)) from None


def _detail_url(publication) -> str:
    return reverse("science:publication_detail", kwargs={"pk": publication.pk})


# --- Public search ----------------------------------------------------------------------------------

def _search_args(request) -> tuple[str, dict, str]:
    return (request.GET.get("q", "")[:500], {name: request.GET.get(name, "") for name in FILTERS},
            request.GET.get("sort", ""))


@require_safe
def publication_list(request):
    found = core_services.search_page(request.GET, services.publication_search, filters=FILTERS, per_page=PER_PAGE)
    result, page = found["result"], found["page"]
    rows = [{"publication": p, "copies": services.open_copies(p)} for p in page.object_list]
    return render(request, "science/registry/list.html", {
        "page": page, "rows": rows, "q": found["q"], "filters": found["filters"], "sort": result["sort"],
        "facets": result["facets"], "query": found["query"], "export_query": found["query"],
        "form_errors": forms.error_items(found["error"]) if found["error"] else [],
        "sorts": [("relevance", _("Pertinence")), ("date", _("Plus récentes")), ("-date", _("Plus anciennes")),
                  ("title", _("Titre"))],
    }, status=400 if found["error"] else 200)


@require_safe
def publication_export(request):
    q, filters, sort = _search_args(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "json"):
        return HttpResponse(_("Format inconnu : csv ou json."), status=400, content_type="text/plain; charset=utf-8")
    try:
        qs, _clean, _match = services.publication_list_queryset(q=q, filters=filters, sort=sort)
    except ValidationError as exc:
        return HttpResponse("\n".join(i["text"] for i in forms.error_items(exc)), status=400,
                            content_type="text/plain; charset=utf-8")
    if fmt == "csv":
        response = HttpResponse(services.export_csv(qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(services.export_json(qs), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="publications.{fmt}"'
    return response


# --- A publication ----------------------------------------------------------------------------------

@require_safe
def publication_detail(request, pk):
    publication = _get(pk)
    fundings = [{"funding": f, "steps": services.reasons_text(f),
                 "missing": [services.missing_text(code) for code in f.missing or []]}
                for f in publication.fundings.all()]
    return render(request, "science/registry/detail.html", {
        "publication": publication, "fundings": fundings, "copies": services.open_copies(publication),
        "authors": list(publication.authors.all()), "can_edit": services.can_edit(request.user, publication),
    })


def _form_context(values: dict, *, extra_authors: int = 0, extra_fundings: int = 0, **extra) -> dict:
    fundings = [dict(row, fund=forms.fund_value(row.get("fund"))) for row in values.get("fundings") or []]
    return {
        "values": values, "author_rows": forms.author_rows(values, extra_authors),
        "funding_rows": forms.funding_rows(dict(values, fundings=fundings), extra_fundings),
        "funds": list(services.fund_list()), "institutions": list(services.institution_choices()),
        "versions": Version.choices, "oa_statuses": OAStatus.choices, **extra,
    }


def _row_buttons(request) -> tuple[int, int]:
    return (1 if "add_author" in request.POST else 0, 1 if "add_funding" in request.POST else 0)


@require_http_methods(["GET", "POST"])
def publication_create(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        values: dict = {}
        notes, errors, looked_up = [], [], False
        doi = request.GET.get("doi", "").strip()
        if doi:
            try:
                values = services.crossref_lookup(doi)
                notes, looked_up = values.pop("notes", []), True
            except ValidationError as exc:
                errors = forms.error_items(exc)
                values = {"doi": doi}
        return render(request, "science/registry/form.html",
                      _form_context(values, new=True, notes=notes, form_errors=errors, looked_up=looked_up,
                                    lookup_doi=doi), status=400 if errors else 200)
    data = forms.data_from_post(request.POST)
    extra_authors, extra_fundings = _row_buttons(request)
    if extra_authors or extra_fundings:
        return render(request, "science/registry/form.html",
                      _form_context(data, new=True, extra_authors=extra_authors, extra_fundings=extra_fundings))
    try:
        publication = services.publication_create(actor=request.user, data=data)
    except ValidationError as exc:
        return render(request, "science/registry/form.html",
                      _form_context(data, new=True, form_errors=forms.error_items(exc)), status=400)
    messages.success(request, _("Publication déclarée. Son verdict de conformité est calculé ci-dessous."))
    return HttpResponseRedirect(_detail_url(publication))


@require_http_methods(["GET", "POST"])
def publication_edit(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    publication = _get(pk)
    if not services.can_edit(request.user, publication):
        raise PermissionDenied(_("Seuls la personne qui l'a déclarée, le personnel de son établissement et les "
                                 "gestionnaires des fonds modifient cette publication."))
    if request.method == "GET":
        return render(request, "science/registry/form.html",
                      _form_context(services.publication_values(publication), publication=publication))
    data = forms.data_from_post(request.POST)
    extra_authors, extra_fundings = _row_buttons(request)
    if extra_authors or extra_fundings:
        return render(request, "science/registry/form.html",
                      _form_context(data, publication=publication, extra_authors=extra_authors,
                                    extra_fundings=extra_fundings))
    try:
        services.publication_update(actor=request.user, publication=publication, data=data)
    except ValidationError as exc:
        return render(request, "science/registry/form.html",
                      _form_context(data, publication=publication, form_errors=forms.error_items(exc)), status=400)
    messages.success(request, _("Publication modifiée ; son verdict a été recalculé."))
    return HttpResponseRedirect(_detail_url(publication))


@require_http_methods(["GET", "POST"])
def publication_withdraw(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    publication = _get(pk)
    if request.method == "GET":
        return render(request, "science/registry/withdraw.html", {"publication": publication})
    try:
        services.publication_withdraw(actor=request.user, publication=publication, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return render(request, "science/registry/withdraw.html",
                      {"publication": publication, "form_errors": forms.error_items(exc),
                       "reason": request.POST.get("reason", "")}, status=400)
    messages.success(request, _("Publication retirée du registre."))
    return HttpResponseRedirect(_detail_url(publication))


@require_safe
def my_publications(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        number = core_services.page_number(request.GET.get("page"))
    except ValidationError:
        number = 1
    page = core_services.page_get(services.my_publications(user=request.user), number, PER_PAGE)
    return render(request, "science/registry/mine.html", {"page": page})


# --- Import -----------------------------------------------------------------------------------------

def _import_context(**extra) -> dict:
    return {"columns": services.CSV_COLUMNS.items(), "institutions": list(services.institution_choices()), **extra}


@require_http_methods(["GET", "POST"])
def publication_import(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        return render(request, "science/registry/import.html", _import_context())
    upload = request.FILES.get("file")
    institution = request.POST.get("institution", "")
    if upload is None:
        return render(request, "science/registry/import.html",
                      _import_context(form_errors=[{"text": _("Choisissez un fichier CSV."), "target": "i-file"}],
                                      institution=institution), status=400)
    try:
        services.import_check_size(upload.size)
        report = services.publication_import(actor=request.user, data=upload.read(), institution=institution)
    except services.ImportTooLarge as exc:
        return render(request, "science/registry/import.html",
                      _import_context(form_errors=[{"text": str(exc), "target": "i-file"}], institution=institution),
                      status=413)
    except ValidationError as exc:
        return render(request, "science/registry/import.html",
                      _import_context(form_errors=forms.error_items(exc), institution=institution), status=400)
    return render(request, "science/registry/import.html", _import_context(report=report, institution=institution))


# --- Dashboard and reminders ------------------------------------------------------------------------

DASHBOARD_FILTERS = ("fund", "institution", "year")


def _dashboard_context(request, filters: dict) -> tuple[dict, list]:
    errors = []
    try:
        figures = services.dashboard_figures(filters=filters, user=request.user)
    except ValidationError as exc:
        errors = forms.error_items(exc)
        filters = {}
        figures = services.dashboard_figures(filters={}, user=request.user)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return {"f": figures, "filters": filters, "charts": services.chart_specs(figures), "has_charts": True,
            "funds": list(services.fund_list()), "institutions": list(services.institution_choices()),
            "years": services.dashboard_years(), "form_errors": errors, "query": query,
            "verdicts": Compliance.choices}, errors


@require_safe
def dashboard(request):
    filters = {name: request.GET.get(name, "") for name in DASHBOARD_FILTERS}
    context, errors = _dashboard_context(request, filters)
    return render(request, "science/registry/dashboard.html", context, status=400 if errors else 200)


@require_POST
def reminders_send(request):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("science:dashboard"))
    filters = {name: request.POST.get(name, "") for name in DASHBOARD_FILTERS}
    ids = request.POST.getlist("publication")
    everything = request.POST.get("scope") == "all"
    back = reverse("science:dashboard") + ("?" + "&".join(f"{k}={v}" for k, v in filters.items() if v)
                                           if any(filters.values()) else "")
    try:
        if not ids and not everything:
            raise ValidationError({"publications": [_("Cochez au moins une publication, ou choisissez « toutes ».")]})
        report = services.reminders_send(actor=request.user, publication_ids=None if everything else ids,
                                         filters=filters)
    except ValidationError as exc:
        context, _errors = _dashboard_context(request, filters)
        context["form_errors"] = forms.error_items(exc)
        return render(request, "science/registry/dashboard.html", context, status=400)
    messages.success(request, _("%(sent)s courriel(s) envoyé(s) pour %(publications)s publication(s) ; %(skipped)s "
                                "rappel(s) non renvoyé(s) car déjà envoyé(s) depuis moins de %(days)s jours ; "
                                "%(without)s publication(s) sans courriel de correspondance.")
                     % dict(report, days=services.reminder_days(), without=report["without_address"]))
    return HttpResponseRedirect(back)
