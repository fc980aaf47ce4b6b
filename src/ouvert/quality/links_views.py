"""Pages of the link checker: the broken-link report (catalogue, publisher) and a resource's history.
Thin: parse, call ``availability``, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ouvert.core import services as core_services

from . import availability


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def _page_url(request, page: int) -> str:
    params = {key: value for key, value in request.GET.items() if key != "page"}
    if page > 1:
        params["page"] = page
    return "?" + urlencode(params) if params else request.path


def _report(request, *, organisation=None):
    state = request.GET.get("etat", "")
    context = {"organisation": organisation, "state": state,
               "states": [("", _("Tous les liens")), *availability.report_state_labels()]}
    try:
        report = availability.links_report(user=request.user, organisation=organisation, state=state,
                                           page=request.GET.get("page"))
    except ValidationError as exc:
        context["errors"] = _errors(exc)
        return render(request, "quality/links_report.html", context, status=400)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    report["previous_url"] = _page_url(request, report["page"] - 1) if report["page"] > 1 else ""
    report["next_url"] = _page_url(request, report["page"] + 1) if report["page"] < report["pages"] else ""
    context["report"] = report
    return render(request, "quality/links_report.html", context)


@require_GET
def links(request):
    return _report(request)


@require_GET
def links_organisation(request, slug):
    try:
        organisation = core_services.organisation_get(slug=slug)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    return _report(request, organisation=organisation)


@require_GET
def resource_links(request, resource_id):
    try:
        history = availability.resource_link_history(user=request.user, resource_id=resource_id,
                                                     page=request.GET.get("page"))
    except ValidationError as exc:
        return render(request, "quality/links_resource.html", {"errors": _errors(exc)}, status=400)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    history["previous_url"] = _page_url(request, history["page"] - 1) if history["page"] > 1 else ""
    history["next_url"] = _page_url(request, history["page"] + 1) if history["page"] < history["pages"] else ""
    return render(request, "quality/links_resource.html", {"history": history})
