"""REST API of the plan tracker, mounted at ``/api/v1/plan/``. Reads are public; writes need a token or session."""

from __future__ import annotations

from ninja import Query, Router, Schema
from ninja import Status as HttpStatus

from ouvert.api import AUTH

from . import selectors, services
from .schemas import (
    CommitmentOut,
    CommitteeOut,
    MilestoneDetailOut,
    MilestoneOut,
    MilestonePatchIn,
    PlanOut,
    ProgressUpdateIn,
    ProgressUpdateOut,
)

router = Router(tags=["plan"])


class MilestoneQuery(Schema):
    plan: str | None = None
    strand: str | None = None
    lead: str | None = None
    status: str | None = None
    late: str | None = None
    q: str | None = None


@router.get("/plans", response=list[PlanOut], summary="Plans d'action / Action plans")
def plans(request):
    return list(selectors.plan_list())


@router.get("/plans/{slug}", response=PlanOut, summary="Un plan d'action / One action plan")
def plan_detail(request, slug: str):
    return selectors.plan_get(slug=slug)


@router.get("/commitments", response=list[CommitmentOut], summary="Engagements / Commitments")
def commitments(request, plan: str | None = None):
    return list(selectors.commitment_list(plan=selectors.plan_get(slug=plan) if plan else None))


@router.get("/milestones", response=list[MilestoneOut], summary="Jalons filtrés / Filtered milestones")
def milestones(request, filters: Query[MilestoneQuery]):
    parsed = selectors.MilestoneFilters.parse(**filters.dict())
    return list(selectors.milestone_list(filters=parsed))


@router.get("/milestones/{plan_slug}/{number}", response=MilestoneDetailOut,
            summary="Un jalon et son historique / One milestone and its history")
def milestone_detail(request, plan_slug: str, number: str):
    return selectors.milestone_get(plan_slug=plan_slug, number=number)


@router.post("/milestones/{plan_slug}/{number}/updates", response={201: ProgressUpdateOut}, auth=AUTH,
             summary="Rendre compte de l'avancement / Report progress")
def milestone_update_create(request, plan_slug: str, number: str, payload: ProgressUpdateIn):
    milestone = selectors.milestone_get(plan_slug=plan_slug, number=number, with_updates=False)
    update = services.progress_update_create(
        actor=request.user, milestone=milestone, text_fr=payload.text_fr, text_en=payload.text_en,
        status=payload.status, evidence=[e.dict() for e in payload.evidence])
    return HttpStatus(201, update)


@router.patch("/milestones/{plan_slug}/{number}", response=MilestoneOut, auth=AUTH,
              summary="Modifier un jalon / Update a milestone")
def milestone_patch(request, plan_slug: str, number: str, payload: MilestonePatchIn):
    milestone = selectors.milestone_get(plan_slug=plan_slug, number=number, with_updates=False)
    services.milestone_update(actor=request.user, milestone=milestone,
                              **payload.dict(exclude_unset=True, exclude_none=True))
    return selectors.milestone_get(plan_slug=plan_slug, number=number, with_updates=False)


@router.get("/committee", response=CommitteeOut, summary="Comité en gouvernement ouvert / Committee")
def committee(request, plan: str | None = None):
    return selectors.committee_get(plan=selectors.plan_get(slug=plan) if plan else None)
