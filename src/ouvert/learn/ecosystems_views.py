"""Pages of the ecosystems part: ecosystems, the standards registry, conformity matrices, publications.
Thin: the rules are in ``ecosystems``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from . import ecosystems as eco
from .models import StandardVersion


def _get(func, **kwargs):
    try:
        return func(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
def ecosystem_list(request):
    return render(request, "learn/ecosystems/list.html", {
        "ecosystems": list(eco.ecosystem_list()), "publications": list(eco.publication_list()),
        "standards": list(eco.standard_list()[:50])})


def _detail_context(request, ecosystem) -> dict:
    context = eco.ecosystem_detail(ecosystem)
    context["can_manage"] = eco.ecosystem_can_manage(request.user, ecosystem)
    versions = [v for s in context["standards"] for v in s.versions.all() if v.status != StandardVersion.Status.DRAFT]
    context["declarable"] = versions
    if context["can_manage"]:
        context["manage_forms"] = [
            ("dataset", _("Jeu de données (identifiant)"), _("L’identifiant du jeu dans le catalogue, par exemple « comptage-velos-pistes-cyclables-2012 »."),),
            ("standard", _("Standard (identifiant)"), _("L’identifiant d’un standard du registre.")),
            ("reuse", _("Réutilisation (identifiant)"), _("Seules les réutilisations publiées sont affichées.")),
        ]
    return context


@require_GET
def ecosystem_detail(request, name):
    ecosystem = _get(eco.ecosystem_get, name=name)
    return render(request, "learn/ecosystems/detail.html", _detail_context(request, ecosystem))


@require_POST
def ecosystem_declare(request, name):
    ecosystem = _get(eco.ecosystem_get, name=name)
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour déclarer un standard."))
    try:
        dataset = catalog_services.dataset_get(name_or_id=str(request.POST.get("dataset", ""))[:100],
                                               user=request.user)
    except NotFound:
        dataset = None
    version_id = request.POST.get("version", "")
    version = None
    errors = []
    if dataset is None:
        errors.append(_("Jeu de données introuvable."))
    if version_id:
        version = eco.version_find(version_id)
        if version is None:
            errors.append(_("Version de standard introuvable."))
    if not errors:
        try:
            eco.dataset_declare(actor=request.user, ecosystem=ecosystem, dataset=dataset, version=version)
        except ValidationError as exc:
            errors = [m for items in exc.message_dict.values() for m in items]
    if errors:
        context = _detail_context(request, ecosystem)
        context["errors"] = errors
        return render(request, "learn/ecosystems/detail.html", context, status=400)
    messages.success(request, _("Déclaration enregistrée; la conformité est en cours de vérification."))
    return HttpResponseRedirect(reverse("learn:ecosystem_matrix", kwargs={"name": ecosystem.name}), status=303)


@require_POST
def ecosystem_manage(request, name):
    """Coordinators and platform admins: add a dataset, a standard, a reuse or a person to the ecosystem."""
    ecosystem = _get(eco.ecosystem_get, name=name)
    if not eco.ecosystem_can_manage(request.user, ecosystem):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme et les coordonnateurs de cet "
                                 "écosystème le gèrent."))
    action = request.POST.get("action", "")
    value = str(request.POST.get("name", "")).strip()[:200]
    errors = []
    try:
        if action == "dataset":
            dataset = catalog_services.dataset_get(name_or_id=value, user=request.user)
            if dataset.state != "active":
                raise NotFound(_("Jeu de données « %(name)s » introuvable.") % {"name": value})
            eco.ecosystem_dataset_add(actor=request.user, ecosystem=ecosystem, dataset=dataset)
        elif action == "standard":
            eco.ecosystem_standard_add(actor=request.user, ecosystem=ecosystem, standard=eco.standard_get(name=value))
        elif action == "reuse":
            eco.ecosystem_reuse_add(actor=request.user, ecosystem=ecosystem,
                                    reuse=catalog_services.reuse_get(name=value, user=request.user))
        elif action == "contact":
            slug = str(request.POST.get("organisation", "")).strip()[:100]
            organisation = core_services.organisation_get(slug=slug) if slug else None
            if request.POST.get("consented") != "on":
                errors.append(_("Une personne n’est affichée que si elle l’a accepté : cochez la case."))
            else:
                eco.ecosystem_contact_add(actor=request.user, ecosystem=ecosystem, name=value,
                                          role_fr=request.POST.get("role_fr", ""), organisation=organisation,
                                          email=request.POST.get("email", ""), consented=True)
        else:
            errors.append(_("Action inconnue."))
    except NotFound as exc:
        errors.append(exc.message)
    except ValidationError as exc:
        errors.extend(m for items in exc.message_dict.values() for m in items)
    if errors:
        context = _detail_context(request, ecosystem)
        context["errors"] = errors
        return render(request, "learn/ecosystems/detail.html", context, status=400)
    messages.success(request, _("L’écosystème est mis à jour."))
    return HttpResponseRedirect(reverse("learn:ecosystem", kwargs={"name": ecosystem.name}), status=303)


def _matrix_response(request, matrix, *, title, filename, context):
    state = request.GET.get("etat", "")
    if request.GET.get("format") == "csv":
        response = HttpResponse(eco.conformity_matrix_csv(matrix), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    labels = {"conforms": _("conforme"), "fails": _("non conforme"), "not_checked": _("non vérifié"),
              "not_declared": _("non déclaré")}
    context.update({"matrix": matrix, "title": title, "state": state,
                    "state_choices": [(key, labels[key]) for key in matrix["states"]],
                    "organisation": request.GET.get("organisation", "")})
    return render(request, "learn/ecosystems/matrix.html", context)


def _filters(request) -> dict:
    state = request.GET.get("etat", "")
    if state and state not in eco.MATRIX_STATES:
        raise Http404(_("Filtre d'état inconnu."))
    return {"state": state, "organisation": str(request.GET.get("organisation", ""))[:100]}


@require_GET
def ecosystem_matrix(request, name):
    ecosystem = _get(eco.ecosystem_get, name=name)
    matrix = eco.conformity_matrix(ecosystem=ecosystem, **_filters(request))
    return _matrix_response(request, matrix, title=ecosystem.title, filename=f"conformite-{ecosystem.name}",
                            context={"ecosystem": ecosystem})


@require_GET
def standard_list(request):
    return render(request, "learn/ecosystems/standards.html", {"standards": list(eco.standard_list())})


@require_GET
def standard_detail(request, name):
    standard = _get(eco.standard_get, name=name)
    versions = eco.versions_of(standard)
    latest = next((v for v in versions if v.status == StandardVersion.Status.PUBLISHED), versions[0] if versions else None)
    return render(request, "learn/ecosystems/standard.html", {
        "standard": standard, "versions": versions, "version": latest,
        "fields": eco.schema_documentation(latest.schema) if latest else [],
        "ecosystems": list(standard.ecosystems.all())})


@require_GET
def standard_matrix(request, name):
    standard = _get(eco.standard_get, name=name)
    matrix = eco.conformity_matrix(standard=standard, **_filters(request))
    return _matrix_response(request, matrix, title=standard.title, filename=f"conformite-{standard.name}",
                            context={"standard": standard})


@require_GET
def version_detail(request, name, version):
    standard = _get(eco.standard_get, name=name)
    found = _get(eco.version_get, standard=standard, version=version)
    return render(request, "learn/ecosystems/standard.html", {
        "standard": standard, "versions": eco.versions_of(standard), "version": found,
        "fields": eco.schema_documentation(found.schema), "ecosystems": list(standard.ecosystems.all())})


@require_GET
def version_schema(request, name, version):
    standard = _get(eco.standard_get, name=name)
    found = _get(eco.version_get, standard=standard, version=version)
    response = JsonResponse(found.schema, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="{standard.name}-{found.version}.schema.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def conformity_report(request, pk):
    conformity = _get(eco.conformity_public, pk=pk)
    errors = []
    for task in (conformity.report or {}).get("tasks") or []:
        errors.extend(task.get("errors") or [])
    return render(request, "learn/ecosystems/report.html", {
        "conformity": conformity, "errors": errors, "counts": (conformity.report or {}).get("counts") or {},
        "report_json": json.dumps(conformity.report or {}, ensure_ascii=False)[:200000]})


@require_GET
def publication_detail(request, slug):
    publication = _get(eco.publication_get, slug=slug)
    return render(request, "learn/ecosystems/publication.html", {
        "publication": publication, "ecosystems": list(publication.ecosystems.all())})


@require_GET
def publication_document(request, slug):
    publication = _get(eco.publication_get, slug=slug)
    if not publication.document:
        raise Http404(_("Le document de cette publication n'est pas encore disponible."))
    response = FileResponse(publication.document.open("rb"), content_type="application/pdf",
                            filename=f"{publication.slug}.pdf")
    return response
