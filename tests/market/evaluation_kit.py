"""What the evaluation and delivery tests share: a fixed clock, an opportunity with a named panel (a chair and a
second member) and two sealed proposals, and helpers that move past the deadline, declare, score, agree and
award through the services."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest

from ouvert.core import services as core_services
from ouvert.market import delivery, evaluation
from ouvert.market.models import Opportunity

MONTREAL = datetime.timezone(datetime.timedelta(hours=-5))
#: Monday 2 March 2026, noon in Montreal: the opportunity is published the day before, its deadline 20 days on.
START = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=MONTREAL)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def market(clock, opportunity_factory, sealed_submission, supplier_a, supplier_b, evaluators, buyer, buyer_admin):
    """A published opportunity (deadline START + 20 days) with a chair and a second member named, and one sealed
    proposal from each supplier (A submitted first)."""
    opportunity = opportunity_factory()
    chair, second = evaluators
    evaluation.evaluator_name(actor=buyer, opportunity=opportunity, email=chair.email, is_chair=True)
    evaluation.evaluator_name(actor=buyer, opportunity=opportunity, email=second.email)
    a, _ = sealed_submission(opportunity, supplier_a, submitted_at=START + DAY,
                             attachments=[("plan.pdf", b"%PDF-1.4 plan de travail")])
    b, _ = sealed_submission(opportunity, supplier_b, submitted_at=START + 2 * DAY)
    return SimpleNamespace(opportunity=opportunity, a=a, b=b, chair=chair, second=second, buyer=buyer,
                           buyer_admin=buyer_admin, supplier_a=supplier_a, supplier_b=supplier_b, clock=clock,
                           criteria=list(opportunity.criteria.all()))


def past_deadline(m, minutes: int = 1) -> Opportunity:
    m.clock.move_to(m.opportunity.deadline + datetime.timedelta(minutes=minutes), tick=False)
    m.opportunity.refresh_from_db()
    return m.opportunity


def declare_all(m) -> None:
    for person in (m.chair, m.second):
        evaluation.coi_declare(user=person, opportunity=m.opportunity, has_conflict=False, confirm=True)


def sheet(m, values, comment="Bien argumenté.") -> dict:
    """``{criterion id: {"score", "comment"}}`` from one value per criterion (in the criteria's order)."""
    return {str(c.pk): {"score": str(v), "comment": comment} for c, v in zip(m.criteria, values, strict=True)}


def score(m, person, proposal, values) -> None:
    evaluation.scores_submit(user=person, proposal=proposal, scores=sheet(m, values))


def agree(m, proposal, values, actor=None) -> None:
    """Both members submit ``values``, then the chair (or ``actor``) records them as the consensus."""
    score(m, m.chair, proposal, values)
    score(m, m.second, proposal, values)
    evaluation.consensus_record(actor=actor or m.chair, proposal=proposal, scores=sheet(m, values, "Consensus."))


def evaluate_and_award(m, values_a=(8, 7, 9), values_b=(6, 6, 6)):
    """Past the deadline, both declare, both proposals agreed on, awarded to the first: returns the contract."""
    past_deadline(m)
    declare_all(m)
    agree(m, m.a, values_a)
    agree(m, m.b, values_b)
    ranking = evaluation.ranking(opportunity=m.opportunity, user=m.buyer_admin)
    return evaluation.award(actor=m.buyer_admin, opportunity=m.opportunity, proposal_id=ranking["rows"][0]["proposal"].pk)


def accepted_contract(m):
    """Awarded, delivered by A and accepted (every acceptance item ticked)."""
    contract = evaluate_and_award(m)
    d = delivery.delivery_submit(actor=m.supplier_a.owner, contract=contract,
                                 repository_url="https://git.example.org/logilibre/reservation",
                                 merge_request_url="https://git.example.org/mcn/reservation/-/merge_requests/1")
    items = delivery.acceptance_items(m.opportunity)
    delivery.delivery_decide(actor=m.buyer, delivery=d, decision="accepted", checklist=list(range(len(items))))
    contract.refresh_from_db()
    return contract


def api_headers(user) -> dict:
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user, name="tests")}


def total(values, weights=(40, 35, 25)) -> Decimal:
    return (sum(Decimal(w) * Decimal(str(v)) for w, v in zip(weights, values, strict=True)) / 10).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
