"""Pages of the catalogue part: the module's home, the catalogue's search (filters, facets, pages, exports), an
entry's page, the forms to add and edit an entry (team), to change its status (admins) and to upload its logo
(team), and the team's page (sync of the market's components). Thin: the rules are in ``catalogue``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown
from ouvert.software import services

from . import catalogue_forms as forms
from .models import CatalogueStatus, DevelopmentStatus, SoftwareType

PER_PAGE = 20


def _get(slug):
    try:
        return services.software_get(slug)
    except core_services.NotFound as exc:
        raise Http404(str(exc)) from None


def _detail_url(software) -> str:
    return reverse("software:detail", kwargs={"slug": software.slug})


@require_safe
def home(request):
    figures = services.catalogue_figures()
    return render(request, "software/home.html", {"figures": figures,
                                                  "can_edit": services.can_edit_catalogue(request.user)})


def _search_args(request):
    return (request.GET.get("q", "")[:500], {name: request.GET.get(name, "") for name in services.FILTERS},
            request.GET.get("sort", ""))


@require_safe
def catalogue(request):
    found = core_services.search_page(request.GET, services.catalogue_search, filters=services.FILTERS,
                                      per_page=PER_PAGE)
    result, errors = found["result"], forms.error_items(found["error"]) if found["error"] else []
    return render(request, "software/catalogue/list.html", {
        "page": found["page"], "q": found["q"], "filters": found["filters"], "sort": result["sort"],
        "facets": result["facets"], "repositories": services.repositories_matching(found["q"]) if not errors else None,
        "form_errors": errors, "query": found["query"], "can_edit": services.can_edit_catalogue(request.user),
        "sorts": [("relevance", _("Pertinence")), ("name", _("Nom")), ("updated", _("Dernière mise à jour"))],
    }, status=400 if errors else 200)


@require_safe
def catalogue_export(request):
    q, filters, sort = _search_args(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "json"):
        return HttpResponse(_("Format inconnu : csv ou json."), status=400, content_type="text/plain; charset=utf-8")
    try:
        qs = services.software_list_queryset(q=q, filters=filters, sort=sort)[0]
    except ValidationError as exc:
        return HttpResponse("\n".join(i["text"] for i in forms.error_items(exc)), status=400,
                            content_type="text/plain; charset=utf-8")
    if fmt == "csv":
        response = HttpResponse(services.catalogue_export_csv(qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(services.catalogue_export_json(qs), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="logiciels.{fmt}"'
    return response


@require_safe
def detail(request, slug):
    try:
        context = services.software_detail(slug)
    except core_services.NotFound as exc:
        raise Http404(str(exc)) from None
    software = context["software"]
    context.update({
        "can_edit": services.can_edit_catalogue(request.user), "can_set_status": services.can_set_status(request.user),
        "long_description_html": render_markdown(software.long_description),
        "accessibility_html": render_markdown(software.accessibility),
        "category_labels": [(code, services.category_label(code)) for code in software.categories or []],
        "platform_labels": [services.platform_label(code) for code in software.platforms or []],
        "features": (software.features_en if translation.get_language() == "en" and software.features_en
                     else software.features_fr) or software.features_en or [],
    })
    return render(request, "software/catalogue/detail.html", context)


def _require(request, allowed: bool):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not allowed:
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme ajoute et modifie les logiciels "
                                 "du catalogue."))
    return None


def _form(request, software, values, errors, status=200):
    return render(request, "software/catalogue/form.html", {
        "software": software, "values": values, "form_errors": errors, "field_errors": forms.field_errors(errors),
        "categories": services.category_choices(), "types": SoftwareType.choices,
        "development_statuses": DevelopmentStatus.choices, "platforms": services.PLATFORMS,
        "publishers": services.publisher_choices(),
    }, status=status)


@require_http_methods(["GET", "POST"])
def software_create(request):
    refused = _require(request, services.can_edit_catalogue(request.user))
    if refused:
        return refused
    if request.method == "GET":
        return _form(request, None, {}, [])
    data = forms.data_from_post(request.POST)
    try:
        software = services.software_save(actor=request.user, data=data)
    except ValidationError as exc:
        return _form(request, None, forms.values_for_form(data), forms.error_items(exc), status=400)
    messages.success(request, _("« %(name)s » est ajouté au catalogue.") % {"name": software.name})
    return HttpResponseRedirect(_detail_url(software))


@require_http_methods(["GET", "POST"])
def software_edit(request, slug):
    software = _get(slug)
    refused = _require(request, services.can_edit_catalogue(request.user))
    if refused:
        return refused
    if request.method == "GET":
        return _form(request, software, forms.values_of(software), [])
    data = forms.data_from_post(request.POST)
    try:
        services.software_save(actor=request.user, software=software, data=data)
    except ValidationError as exc:
        return _form(request, software, forms.values_for_form(data), forms.error_items(exc), status=400)
    messages.success(request, _("Les changements sont enregistrés."))
    return HttpResponseRedirect(_detail_url(software))


@require_http_methods(["GET", "POST"])
def status_edit(request, slug):
    software = _get(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.can_set_status(request.user):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme décident de l'état d'un logiciel au "
                                 "catalogue."))
    values = {"status": software.status, "reason": "", "last_recommended_version": ""}
    errors = []
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        try:
            services.status_set(actor=request.user, software=software, **values)
        except ValidationError as exc:
            errors = forms.error_items(exc)
        else:
            messages.success(request, _("L'état au catalogue est changé."))
            return HttpResponseRedirect(_detail_url(software))
    return render(request, "software/catalogue/status.html", {
        "software": software, "values": values, "statuses": CatalogueStatus.choices, "form_errors": errors,
        "field_errors": forms.field_errors(errors)}, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def logo_edit(request, slug):
    software = _get(slug)
    refused = _require(request, services.can_edit_catalogue(request.user))
    if refused:
        return refused
    errors, status = [], 200
    if request.method == "POST":
        try:
            try:
                upload = request.FILES.get("logo")
            except RequestDataTooBig:
                raise services.LogoTooLarge({"logo": [_("Logo trop lourd : %(max)s Kio au plus.")
                                                      % {"max": services.logo_max_bytes() // 1024}]}) from None
            if "remove" in request.POST:
                services.logo_set(actor=request.user, software=software, content=None)
            elif upload is None:
                raise ValidationError({"logo": [_("Choisissez une image.")]})
            else:
                services.logo_check_size(upload.size)
                services.logo_set(actor=request.user, software=software, content=upload.read(), size=upload.size)
        except services.LogoTooLarge as exc:
            errors, status = forms.error_items(exc), 413
        except ValidationError as exc:
            errors, status = forms.error_items(exc), 400
        else:
            messages.success(request, _("Le logo est enregistré."))
            return HttpResponseRedirect(_detail_url(software))
    return render(request, "software/catalogue/logo.html", {
        "software": software, "form_errors": errors, "field_errors": forms.field_errors(errors),
        "max_kib": services.logo_max_bytes() // 1024}, status=status)


@require_http_methods(["GET", "POST"])
def team(request):
    refused = _require(request, services.can_edit_catalogue(request.user))
    if refused:
        return refused
    result = None
    if request.method == "POST":
        result = services.components_sync(actor=request.user)
        messages.success(request, _("Composants du marché : %(created)s ajoutés, %(updated)s mis à jour, "
                                    "%(unchanged)s inchangés, %(skipped)s ignorés.") % result)
        return HttpResponseRedirect(reverse("software:team"))
    return render(request, "software/catalogue/team.html", {"result": result,
                                                            "components": services.market_components()})
