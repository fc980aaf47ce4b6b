"""Pages of the reference datasets (« Données de référence »): the list of certified datasets (and, for
platform admins, the candidates), one dataset's criteria and history with the admins' certify and
withdraw forms, and the panel on the catalogue's dataset page. Thin: the rules are in ``certification``."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ouvert.catalog import services as catalog_services
from ouvert.core.i18n import pick
from ouvert.core.services import NotFound

from . import certification as cert
from .models import Certification, CertificationEvent

PAGE_SIZE = 50



def _is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _summary(criteria: list[dict]) -> dict:
    passed = sum(1 for item in criteria if item.get("passed"))
    return {"passed": passed, "total": len(criteria),
            "failing": [cert.criterion_label(item["id"]) for item in criteria if not item.get("passed")]}


def _grace_end(certification: Certification | None):
    if certification is None or certification.failing_since is None:
        return None
    return certification.failing_since + datetime.timedelta(days=cert.certification_grace_days())


@require_GET
def reference(request):
    """« Données de référence »: the certified datasets the visitor may see; candidates for admins."""
    paginator = Paginator(cert.reference_list(user=request.user), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404(_("Cette page de résultats n’existe pas.")) from None
    rows = []
    for item in page.object_list:
        dataset = item.dataset
        rows.append({
            "name": dataset.name, "title": pick(dataset.title_fr, dataset.title_en),
            "url": reverse("catalog:dataset", kwargs={"name": dataset.name}),
            "detail_url": reverse("quality:reference_dataset", kwargs={"name": dataset.name}),
            "organisation": pick(dataset.organisation.name_fr, dataset.organisation.name_en),
            "organisation_url": reverse("catalog:organisation", kwargs={"slug": dataset.organisation.slug}),
            "certified_at": item.certified_at, "failing_since": item.failing_since,
            "grace_end": _grace_end(item), "summary": _summary(item.criteria or []),
        })
    candidates = []
    if _is_admin(request.user):
        for dataset, criteria in cert.reference_candidates():
            candidates.append({
                "name": dataset.name, "title": pick(dataset.title_fr, dataset.title_en),
                "detail_url": reverse("quality:reference_dataset", kwargs={"name": dataset.name}),
                "certify_url": reverse("quality:reference_certify", kwargs={"name": dataset.name}),
                "organisation": pick(dataset.organisation.name_fr, dataset.organisation.name_en),
                "summary": _summary(criteria),
            })
    ended = []
    for item in cert.reference_ended(user=request.user):
        dataset = item.dataset
        lapsed = item.status == Certification.Status.LAPSED
        criteria = item.criteria or []
        ended.append({
            "title": pick(dataset.title_fr, dataset.title_en),
            "detail_url": reverse("quality:reference_dataset", kwargs={"name": dataset.name}),
            "organisation": pick(dataset.organisation.name_fr, dataset.organisation.name_en),
            "status": item.get_status_display(), "ended_at": item.ended_at, "lapsed": lapsed,
            "reason": "" if lapsed else (item.end_reason or ""),
            "failing": [cert.criterion_label(c["id"]) for c in criteria if not c.get("passed")] if lapsed else [],
        })
    return render(request, "quality/reference_list.html", {
        "rows": rows, "page": page, "paginator": paginator, "candidates": candidates, "ended": ended,
        "api_example": f"curl '{settings.OUVERT_BASE_URL}/api/3/action/package_search?fq=reference:true'",
        "is_admin": _is_admin(request.user),
        "criteria": [{"label": cert.criterion_label(c), "requirement": cert.criterion_requirement(c)}
                     for c in cert.CRITERIA],
        "grace_days": cert.certification_grace_days(),
    })


def _dataset_or_404(request, name):
    try:
        return catalog_services.dataset_get(name_or_id=name, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _detail_context(request, dataset, *, criteria=None) -> dict:
    certification = cert.certification_get(dataset)
    criteria = criteria if criteria is not None else (cert.criteria_evaluate([dataset.pk]).get(dataset.pk) or [])
    names = cert.criteria_resource_names(dataset)
    events = []
    for event in cert.certification_events(dataset):
        events.append({
            "kind": event.get_kind_display(), "code": event.kind, "at": event.at,
            "actor": (event.actor.full_name or _("un administrateur")) if event.actor is not None
            else _("la plateforme"),
            "reason": event.reason,
            "failing": [cert.criterion_label(item["id"]) for item in event.criteria or [] if not item.get("passed")]
            if event.kind in (CertificationEvent.Kind.CRITERION_FAILED, CertificationEvent.Kind.LAPSED) else [],
        })
    rows = [{"id": item["id"], "label": cert.criterion_label(item["id"]), "passed": item["passed"],
             "requirement": cert.criterion_requirement(item["id"]), "text": cert.criterion_text(item, names=names),
             "fix": "" if item["passed"] else cert.criterion_fix(item["id"])} for item in criteria]
    return {
        "dataset": dataset, "title": pick(dataset.title_fr, dataset.title_en),
        "organisation": pick(dataset.organisation.name_fr, dataset.organisation.name_en),
        "certification": certification,
        "certified": certification is not None and certification.status == Certification.Status.CERTIFIED,
        "grace_end": _grace_end(certification), "grace_days": cert.certification_grace_days(),
        "criteria": rows, "all_passed": cert.criteria_passed(criteria), "summary": _summary(criteria),
        "events": events, "is_admin": _is_admin(request.user),
    }


@require_GET
def reference_dataset(request, name):
    """One dataset: every criterion with its reason and how to fix it, the certification's history,
    and the admins' forms."""
    dataset = _dataset_or_404(request, name)
    if dataset.name != name:
        return HttpResponseRedirect(reverse("quality:reference_dataset", kwargs={"name": dataset.name}), status=301)
    return render(request, "quality/reference_dataset.html", _detail_context(request, dataset))


def _refused(request, dataset, errors: list[str], status: int, reason: str = ""):
    context = _detail_context(request, dataset)
    context.update({"errors": errors, "reason": reason})
    return render(request, "quality/reference_dataset.html", context, status=status)


@require_POST
def reference_certify(request, name):
    dataset = _dataset_or_404(request, name)
    if not _is_admin(request.user):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme certifient les données de référence."))
    try:
        cert.certify(actor=request.user, dataset=dataset)
    except ValidationError as exc:
        return _refused(request, dataset, [m for items in exc.message_dict.values() for m in items], 400)
    except cert.CertificationConflict as exc:
        return _refused(request, dataset, [exc.message], 409)
    messages.success(request, _("« %(title)s » est certifié comme donnée de référence.")
                     % {"title": pick(dataset.title_fr, dataset.title_en)})
    return HttpResponseRedirect(reverse("quality:reference_dataset", kwargs={"name": dataset.name}), status=303)


@require_POST
def reference_withdraw(request, name):
    dataset = _dataset_or_404(request, name)
    if not _is_admin(request.user):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme certifient les données de référence."))
    reason = request.POST.get("reason", "")
    try:
        cert.withdraw(actor=request.user, dataset=dataset, reason=reason)
    except ValidationError as exc:
        return _refused(request, dataset, [m for items in exc.message_dict.values() for m in items], 400,
                        reason=reason[:2000])
    except cert.CertificationConflict as exc:
        return _refused(request, dataset, [exc.message], 409)
    messages.success(request, _("La certification de « %(title)s » est retirée.")
                     % {"title": pick(dataset.title_fr, dataset.title_en)})
    return HttpResponseRedirect(reverse("quality:reference_dataset", kwargs={"name": dataset.name}), status=303)


def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """The catalogue's dataset page: the reference-data badge for everybody when certified; for the
    publisher's editors and platform admins, the state of the criteria too. One query for visitors."""
    certification = cert.certification_get(dataset)
    certified = certification is not None and certification.status == Certification.Status.CERTIFIED
    insider = can_edit or _is_admin(request.user)
    if not certified and not insider:
        return None
    context = {"certified": certified, "certification": certification, "insider": insider,
               "url": reverse("quality:reference_dataset", kwargs={"name": dataset.name}),
               "grace_end": _grace_end(certification) if certified else None}
    if insider:
        criteria = cert.criteria_evaluate([dataset.pk]).get(dataset.pk) or []
        context["summary"] = _summary(criteria)
    return {"template": "quality/reference_panel.html", "context": context}
