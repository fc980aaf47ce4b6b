"""What the plan module reads: lists, details, the overview, the dashboard and its chart.

Pages, the API and the exports all call these functions, so each page's data is built once.
Every selector runs a constant number of queries (select_related / prefetch_related).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from .models import (
    ActionPlan,
    Commitment,
    CommitmentStrand,
    Committee,
    CommitteeMembership,
    EvidenceLink,
    Milestone,
    ProgressUpdate,
    Status,
    Strand,
)

# --- Plans ----------------------------------------------------------------------------

def plan_list():
    return ActionPlan.objects.all()


def plan_get(*, slug: str) -> ActionPlan:
    plan = ActionPlan.objects.filter(slug=slug).first()
    if plan is None:
        raise core_services.NotFound(_("Plan d'action « %(slug)s » introuvable.") % {"slug": slug})
    return plan


def plan_current() -> ActionPlan:
    """The plan shown by default: the one flagged current, else the most recent."""
    plan = ActionPlan.objects.order_by("-is_current", "-period_start").first()
    if plan is None:
        raise core_services.NotFound(_("Aucun plan d'action n'est encore publié."))
    return plan


# --- Commitments ----------------------------------------------------------------------

def _strand_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(f"{prefix}strand_links", queryset=CommitmentStrand.objects.order_by("strand"))


def commitment_list(*, plan: ActionPlan | None = None):
    qs = Commitment.objects.select_related("plan", "challenge").prefetch_related(_strand_prefetch())
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.order_by("plan__period_start", "number")


def commitment_get(*, plan_slug: str, number: int | str):
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise core_services.NotFound(_("Engagement « %(number)s » introuvable.") % {"number": number}) from None
    commitment = (commitment_list().filter(plan__slug=plan_slug, number=number)
                  .prefetch_related(Prefetch("milestones", queryset=_milestone_base())).first())
    if commitment is None:
        raise core_services.NotFound(_("Engagement « %(number)s » introuvable.") % {"number": number})
    return commitment


# --- Milestones -----------------------------------------------------------------------

def _milestone_base(today: datetime.date | None = None):
    """Milestones with everything a row shows, in a constant number of queries."""
    last_update = (ProgressUpdate.objects.filter(milestone=OuterRef("pk"))
                   .order_by("-created_at", "-id").values("created_at")[:1])
    return (Milestone.objects.with_late(today)
            .select_related("plan", "commitment", "commitment__challenge", "lead")
            .prefetch_related("collaborators", _strand_prefetch("commitment__"))
            .annotate(last_update_at=Subquery(last_update))
            .order_by("plan__period_start", "commitment__number", "position", "number"))


@dataclass
class MilestoneFilters:
    """Validated filters for milestone lists (pages, API, exports)."""

    plan: str = ""
    strand: str = ""
    lead: str = ""
    status: str = ""
    late: bool | None = None
    q: str = ""

    @classmethod
    def parse(cls, *, plan=None, strand=None, lead=None, status=None, late=None, q=None) -> MilestoneFilters:
        """Check raw values (query string or API); raise ValidationError keyed by filter."""
        errors: dict[str, list[str]] = {}
        strand = (strand or "").strip()
        status = (status or "").strip()
        if strand and strand not in Strand.values:
            errors["strand"] = [_("Volet inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                                % {"value": strand, "choices": ", ".join(Strand.values)}]
        if status and status not in Status.values:
            errors["status"] = [_("État inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                                % {"value": status, "choices": ", ".join(Status.values)}]
        if isinstance(late, str):
            value = late.strip().lower()
            if value in {"", "all"}:
                late = None
            elif value in {"1", "true", "yes", "oui", "on"}:
                late = True
            elif value in {"0", "false", "no", "non", "off"}:
                late = False
            else:
                errors["late"] = [_("Le filtre « en retard » accepte true ou false.")]
        q = (q or "").strip()
        if len(q) > 200:
            errors["q"] = [_("La recherche est limitée à 200 caractères.")]
        if errors:
            raise ValidationError(errors)
        return cls(plan=(plan or "").strip(), strand=strand, lead=(lead or "").strip(), status=status,
                   late=late if isinstance(late, bool) else None, q=q)

    @property
    def active(self) -> bool:
        return bool(self.strand or self.lead or self.status or self.late is not None or self.q)


def milestone_list(*, filters: MilestoneFilters | None = None, plan: ActionPlan | None = None,
                   today: datetime.date | None = None):
    """Milestones matching ``filters`` (strand, lead body by slug or acronym, status, late, text)."""
    filters = filters or MilestoneFilters()
    qs = _milestone_base(today)
    if plan is not None:
        qs = qs.filter(plan=plan)
    elif filters.plan:
        qs = qs.filter(plan__slug=filters.plan)
    if filters.strand:
        qs = qs.filter(commitment__strand_links__strand=filters.strand)
    if filters.lead:
        qs = qs.filter(Q(lead__slug=filters.lead) | Q(lead__acronym__iexact=filters.lead))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.late is not None:
        qs = qs.filter(is_late=filters.late)
    if filters.q:
        q = filters.q
        qs = qs.filter(Q(number=q) | Q(title_fr__icontains=q) | Q(title_en__icontains=q)
                       | Q(description_fr__icontains=q) | Q(description_en__icontains=q))
    return qs


def _updates_queryset():
    return (ProgressUpdate.objects.select_related("author", "organisation")
            .prefetch_related(Prefetch("evidence", queryset=EvidenceLink.objects.order_by("id")))
            .order_by("-created_at", "-id"))


def milestone_get(*, plan_slug: str, number: str, with_updates: bool = True) -> Milestone:
    qs = _milestone_base().filter(plan__slug=plan_slug, number=number)
    if with_updates:
        qs = qs.prefetch_related(Prefetch("updates", queryset=_updates_queryset()), "measures")
    milestone = qs.first()
    if milestone is None:
        raise core_services.NotFound(_("Jalon « %(number)s » introuvable dans le plan « %(plan)s ».")
                                     % {"number": number, "plan": plan_slug})
    return milestone


def milestone_lead_options(*, plan: ActionPlan):
    """Organisations that lead at least one milestone of ``plan`` (for filter forms)."""
    return core_services.organisation_list().filter(led_milestones__plan=plan).distinct().order_by("acronym", "name_fr")


# --- Overview -------------------------------------------------------------------------

@dataclass
class PlanOverview:
    plan: ActionPlan
    filters: MilestoneFilters
    milestones: list[Milestone]
    lead_options: list = field(default_factory=list)
    total_in_plan: int = 0
    has_demo_status: bool = False


def plan_overview(*, plan: ActionPlan, filters: MilestoneFilters | None = None) -> PlanOverview:
    """Everything the overview table needs, in a constant number of queries (no N+1)."""
    filters = filters or MilestoneFilters()
    milestones = list(milestone_list(filters=filters, plan=plan))
    totals = Milestone.objects.filter(plan=plan).aggregate(
        total=Count("id"), demo=Count("id", filter=Q(is_demo_status=True)))
    return PlanOverview(plan=plan, filters=filters, milestones=milestones,
                        lead_options=list(milestone_lead_options(plan=plan)),
                        total_in_plan=totals["total"], has_demo_status=bool(totals["demo"]))


# --- Dashboard ------------------------------------------------------------------------

def _empty_counts() -> dict:
    return {"by_status": {code: 0 for code in Status.values}, "total": 0, "late": 0, "demo": 0}


def _finish(counts: dict) -> dict:
    total = counts["total"]
    done = counts["by_status"][Status.COMPLETED]
    counts["percent_completed"] = round(100 * done / total, 1) if total else 0.0
    return counts


def dashboard_stats(*, plan: ActionPlan, today: datetime.date | None = None) -> dict:
    """Milestones by status per commitment and overall, late counts, % completed (two queries)."""
    today = today or timezone.localdate()
    commitments = list(Commitment.objects.filter(plan=plan).order_by("number"))
    rows = (Milestone.objects.filter(plan=plan).with_late(today)
            .values("commitment_id", "status")
            .annotate(n=Count("id"), late=Count("id", filter=Q(is_late=True)),
                      demo=Count("id", filter=Q(is_demo_status=True))))
    per = {c.pk: _empty_counts() for c in commitments}
    overall = _empty_counts()
    for row in rows:
        for bucket in (per.setdefault(row["commitment_id"], _empty_counts()), overall):
            bucket["by_status"][row["status"]] += row["n"]
            bucket["total"] += row["n"]
            bucket["late"] += row["late"]
            bucket["demo"] += row["demo"]
    return {
        "plan": plan,
        "today": today,
        "statuses": [{"code": code, "label": str(label)} for code, label in Status.choices],
        "commitments": [{"commitment": c, "number": c.number, "title_fr": c.title_fr, "title_en": c.title_en,
                         **_finish(per[c.pk])} for c in commitments],
        "overall": _finish(overall),
    }


def dashboard_late_milestones(*, plan: ActionPlan, today: datetime.date | None = None):
    return milestone_list(filters=MilestoneFilters(late=True), plan=plan, today=today)


#: Colours of the OGP scale in the chart (contrast-checked against white).
STATUS_COLOURS = {
    Status.NOT_STARTED: "#6b778a",
    Status.LIMITED: "#c26b00",
    Status.SUBSTANTIAL: "#095797",
    Status.COMPLETED: "#1f7a3d",
}


def dashboard_chart_spec(stats: dict) -> dict:
    """A Vega-Lite spec: a stacked bar per commitment, milestones by status (labels in the active language)."""
    commitment_label = _("Engagement")
    status_label = _("État")
    count_label = _("Jalons")
    labels = {s["code"]: s["label"] for s in stats["statuses"]}
    values = []
    for row in stats["commitments"]:
        for code in Status.values:
            if row["by_status"][code]:
                values.append({commitment_label: f"{row['number']}", status_label: labels[code],
                               count_label: row["by_status"][code]})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Jalons par état d'avancement, pour chaque engagement"),
        "width": "container",
        "height": 240,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": commitment_label, "type": "nominal", "title": commitment_label},
            "x": {"field": count_label, "type": "quantitative", "title": count_label,
                  "axis": {"tickMinStep": 1}},
            "color": {"field": status_label, "type": "nominal", "title": status_label,
                      "scale": {"domain": [labels[c] for c in Status.values],
                                "range": [STATUS_COLOURS[c] for c in Status.values]}},
            "order": {"field": status_label},
        },
    }


# --- Progress updates, committee, respondents -----------------------------------------

def progress_update_list(*, plan: ActionPlan | None = None, limit: int = 50):
    qs = _updates_queryset().select_related("milestone", "milestone__plan")
    if plan is not None:
        qs = qs.filter(milestone__plan=plan)
    return qs[:limit]


def progress_update_export():
    """Every progress update of every plan, oldest first (the open-data export)."""
    return (_updates_queryset().select_related("milestone", "milestone__plan")
            .order_by("milestone__plan__period_start", "created_at", "id"))


def committee_get(*, plan: ActionPlan | None = None) -> Committee:
    qs = Committee.objects.prefetch_related(
        Prefetch("memberships", queryset=CommitteeMembership.objects.select_related("organisation", "organisation__parent")))
    committee = (qs.filter(plan=plan).first() if plan is not None else None) or qs.order_by("-established_on").first()
    if committee is None:
        raise core_services.NotFound(_("Aucun comité n'est encore publié."))
    return committee


def respondent_directory():
    """Respondents grouped by organisation: ``[(organisation, [membership, ...]), ...]``."""
    groups: dict[int, tuple] = {}
    for membership in core_services.respondent_list():
        groups.setdefault(membership.organisation_id, (membership.organisation, []))[1].append(membership)
    return list(groups.values())
