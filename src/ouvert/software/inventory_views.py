"""Pages of the inventory of public bodies' code repositories: the public search (full text, filters, facets,
pages), the import of a list (the free-software team) and linking the inventory to the catalogue. Thin: the
rules are in ``inventory`` (through ``services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import services as core_services
from ouvert.software import services

from .usage_views import error_items

PER_PAGE = 20
FILTERS = ("organisation", "language", "licence", "forge", "archived")


@require_safe
def inventory(request):
    found = core_services.search_page(request.GET, services.repository_search, filters=FILTERS, per_page=PER_PAGE)
    result = found["result"]
    errors = error_items(found["error"]) if found["error"] else []
    return render(request, "software/inventory/list.html", {
        "page": found["page"], "q": found["q"], "filters": found["filters"], "facets": result["facets"],
        "sort": result["sort"], "form_errors": errors, "query": found["query"],
        "is_team": services.is_software_team(request.user),
        "sorts": [("relevance", _("Pertinence")), ("name", _("Nom")), ("activity", _("Activité récente"))],
        "facet_labels": {"organisation": _("Organisme"), "language": _("Langage"), "licence": _("Licence"),
                         "forge": _("Forge"), "archived": _("État")},
    }, status=400 if errors else 200)


def _import_context(**extra) -> dict:
    return {"columns": [(fr, en, help_text) for fr, (en, help_text) in services.INVENTORY_CSV_COLUMNS.items()],
            "bodies": services.inventory_filter_choices()["bodies"],
            "max_mib": round(services.import_max_bytes() / 1024 / 1024, 1), **extra}


@require_http_methods(["GET", "POST"])
def inventory_import(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.is_software_team(request.user):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme importe l'inventaire des dépôts "
                                 "de code."))
    if request.method == "GET":
        return render(request, "software/inventory/import.html", _import_context())
    upload = request.FILES.get("file")
    organisation = request.POST.get("organisation", "")[:100]
    if upload is None:
        return render(request, "software/inventory/import.html",
                      _import_context(form_errors=[{"text": _("Choisissez un fichier (CSV, JSON ou YAML)."),
                                                    "target": "i-file"}], organisation=organisation), status=400)
    try:
        services.inventory_check_size(upload.size)
        report = services.repositories_import(actor=request.user, data=upload.read(), filename=upload.name,
                                              organisation=organisation)
    except services.ImportTooLarge as exc:
        return render(request, "software/inventory/import.html",
                      _import_context(form_errors=[{"text": str(exc), "target": "i-file"}], organisation=organisation),
                      status=413)
    except ValidationError as exc:
        items = [dict(item, target=item["target"] or ("i-organisation" if item["field"] == "organisation" else "i-file"))
                 for item in error_items(exc)]
        return render(request, "software/inventory/import.html",
                      _import_context(form_errors=items, organisation=organisation), status=400)
    return render(request, "software/inventory/import.html", _import_context(report=report, organisation=organisation))


@require_POST
def inventory_link(request):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("software:inventory_import"))
    report = services.repositories_link(actor=request.user)
    messages.success(request, _("Inventaire relié au catalogue : %(linked)s dépôt(s) relié(s), %(unlinked)s "
                                "détaché(s).") % report)
    return HttpResponseRedirect(reverse("software:inventory_import"))
