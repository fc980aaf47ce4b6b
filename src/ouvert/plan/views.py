"""Public pages of the plan tracker. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ouvert.core.services import NotFound

from . import policy, selectors, services
from .forms import OverviewFilterForm, ProgressUpdateForm
from .schemas import MILESTONE_EXPORT_COLUMNS, milestone_flat_row, milestone_rows


def _or_404(func, **kwargs):
    try:
        return func(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


def overview(request):
    plan = _or_404(selectors.plan_current)
    if request.GET.get("plan"):
        plan = _or_404(selectors.plan_get, slug=request.GET["plan"])
    status_code = 200
    errors = {}
    try:
        filters = selectors.MilestoneFilters.parse(
            strand=request.GET.get("strand"), lead=request.GET.get("lead"),
            status=request.GET.get("status"), late=request.GET.get("late"), q=request.GET.get("q"))
    except ValidationError as exc:
        filters, errors, status_code = selectors.MilestoneFilters(), exc.message_dict, 400
    data = selectors.plan_overview(plan=plan, filters=filters)
    form = OverviewFilterForm(request.GET or None, lead_options=data.lead_options)
    return render(request, "plan/overview.html", {"data": data, "plan": plan, "form": form,
                                                  "filter_errors": errors}, status=status_code)


def commitment(request, plan_slug: str, number: int):
    obj = _or_404(selectors.commitment_get, plan_slug=plan_slug, number=number)
    return render(request, "plan/commitment.html", {"commitment": obj, "plan": obj.plan,
                                                    "milestones": list(obj.milestones.all())})


def milestone(request, plan_slug: str, number: str):
    obj = _or_404(selectors.milestone_get, plan_slug=plan_slug, number=number)
    can_report = policy.can_report_progress(request.user, obj)
    form = ProgressUpdateForm(initial={"status": obj.status}) if can_report else None
    status_code = 200
    if request.method == "POST":
        form = ProgressUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.progress_update_create(
                    actor=request.user, milestone=obj, text_fr=form.cleaned_data["text_fr"],
                    text_en=form.cleaned_data["text_en"], status=form.cleaned_data["status"],
                    evidence=form.evidence_list())
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    for err in errs:
                        form.add_error(field if field in form.fields else None, err)
            else:
                messages.success(request, _("Compte rendu enregistré."))
                return redirect("plan:milestone", plan_slug=plan_slug, number=number)
        if not can_report:
            raise PermissionDenied(_("Seuls les répondants de l'organisme responsable du jalon et les "
                                     "administrateurs de la plateforme peuvent en rendre compte."))
        status_code = 400
    return render(request, "plan/milestone.html", {
        "milestone": obj, "plan": obj.plan, "updates": list(obj.updates.all()),
        "form": form, "can_report": can_report,
    }, status=status_code)


def dashboard(request):
    plan = _or_404(selectors.plan_current)
    stats = selectors.dashboard_stats(plan=plan)
    spec = selectors.dashboard_chart_spec(stats)
    return render(request, "plan/dashboard.html", {
        "plan": plan, "stats": stats, "chart_spec": spec, "has_charts": True,
        "late_milestones": list(selectors.dashboard_late_milestones(plan=plan)),
    })


def committee(request):
    obj = _or_404(selectors.committee_get)
    members = list(obj.memberships.all())
    return render(request, "plan/committee.html", {
        "committee": obj,
        "civil_society": [m for m in members if m.seat == "civil_society"],
        "public_bodies": [m for m in members if m.seat == "public_body"],
    })


def respondents(request):
    return render(request, "plan/respondents.html", {"groups": selectors.respondent_directory()})


def export(request, plan_slug: str, fmt: str):
    plan = _or_404(selectors.plan_get, slug=plan_slug)
    rows = milestone_rows(selectors.milestone_list(plan=plan))
    filename = f"plan-{plan.slug}-jalons.{fmt}"
    if fmt == "json":
        response = JsonResponse({"plan": plan.slug, "title_fr": plan.title_fr, "title_en": plan.title_en,
                                 "milestones": rows}, json_dumps_params={"ensure_ascii": False, "indent": 2})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # so spreadsheet software reads UTF-8
        writer = csv.DictWriter(response, fieldnames=MILESTONE_EXPORT_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(milestone_flat_row(row, MILESTONE_EXPORT_COLUMNS))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
