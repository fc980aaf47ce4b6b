"""Two at once, on PostgreSQL (threads, each with its own connection; SQLite serialises writers, so these tests
are skipped there): two admins awarding, two tabs submitting one member's scores, two deliveries — each time one
wins and the other is refused cleanly, never a second contract, score row or delivery."""


import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import agree, declare_all, evaluate_and_award, past_deadline, sheet
from tests.concurrency import race

from ouvert.market import delivery, evaluation
from ouvert.market.models import Contract, Delivery, Opportunity, Proposal, Score

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_two_awards_at_once_make_one_contract(market, make_user):
    past_deadline(market)
    declare_all(market)
    agree(market, market.a, (8, 8, 8))
    agree(market, market.b, (6, 6, 6))
    from ouvert.core import services as core_services

    other_admin = make_user(email="autre.direction@mcn.example.org")
    core_services.membership_set(user=other_admin, organisation=market.opportunity.buyer, role="admin")
    calls = [lambda person=person: evaluation.award(actor=person, opportunity=Opportunity.objects.get(
        pk=market.opportunity.pk), proposal_id=market.a.pk) for person in (market.buyer_admin, other_admin)]
    results = race(calls)
    assert sum(isinstance(r, Contract) for r in results) == 1
    [refusal] = [r for r in results if not isinstance(r, Contract)]
    assert isinstance(refusal, ValidationError) and "déjà adjugée" in str(refusal)
    assert Contract.objects.count() == 1


def test_two_tabs_submitting_scores(market):
    past_deadline(market)
    declare_all(market)
    calls = [lambda: evaluation.scores_submit(user=market.chair, proposal=Proposal.objects.get(pk=market.a.pk),
                                              scores=sheet(market, (7, 7, 7)))] * 2
    results = race(calls)
    assert sum(isinstance(r, list) for r in results) == 1
    [refusal] = [r for r in results if not isinstance(r, list)]
    assert isinstance(refusal, ValidationError)
    assert Score.objects.filter(evaluator__user=market.chair).count() == 3


def test_two_deliveries_at_once(market):
    contract = evaluate_and_award(market)
    calls = [lambda n=n: delivery.delivery_submit(actor=market.supplier_a.owner, contract=contract,
                                                  repository_url=f"https://git.example.org/logilibre/r{n}")
             for n in range(2)]
    results = race(calls)
    assert sum(isinstance(r, Delivery) for r in results) == 1
    assert Delivery.objects.count() == 1
