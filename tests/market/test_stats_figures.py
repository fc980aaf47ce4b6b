"""Public statistics on a known set of opportunities: counts and values, SME and start-up shares, proposals
per opportunity (never an opportunity before its deadline), time to award, delivery acceptance, per buyer."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ouvert.market import stats
from ouvert.market.models import Contract, Delivery, Opportunity, Proposal

NOW = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)


def at(year, month, day):
    return datetime.datetime(year, month, day, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def known(clock, make_org, opportunity_factory, supplier_factory, supplier_a, supplier_b, sealed_submission):
    """Six public opportunities (one open), a draft, three contracts (SME, SME start-up, large firm)."""
    supplier_c = supplier_factory("grande", "5512345678", legal_name="Grande firme ltée", is_sme=False)
    mtq = make_org(slug="mtq", name_fr="Ministère des Transports", acronym="MTQ")

    def contract(opportunity, proposal, value, awarded_at, **fields):
        opportunity.status = Opportunity.Status.AWARDED
        opportunity.awarded_at = awarded_at
        opportunity.save()
        return Contract.objects.create(opportunity=opportunity, proposal=proposal, value=Decimal(value),
                                       awarded_at=awarded_at, **fields)

    a = opportunity_factory(published_at=at(2025, 5, 1), deadline=at(2025, 5, 20), price=Decimal("40000"))
    win_a, _ = sealed_submission(a, supplier_a)
    sealed_submission(a, supplier_b)
    sealed_submission(a, supplier_c)
    contract_a = contract(a, win_a, "40000", at(2025, 5, 30), status=Contract.Status.ACCEPTED,
                          accepted_at=at(2025, 7, 1))
    Delivery.objects.create(contract=contract_a, repository_url="https://git.example.org/a",
                            decision=Delivery.Decision.CORRECTIONS, decided_at=at(2025, 6, 20))
    Delivery.objects.create(contract=contract_a, repository_url="https://git.example.org/a",
                            decision=Delivery.Decision.ACCEPTED, decided_at=at(2025, 7, 1))

    b = opportunity_factory(published_at=at(2026, 1, 10), deadline=at(2026, 2, 1), price=Decimal("20000"))
    win_b, _ = sealed_submission(b, supplier_b)
    contract_b = contract(b, win_b, "20000", at(2026, 2, 11))
    Delivery.objects.create(contract=contract_b, repository_url="https://git.example.org/b")  # pending

    c = opportunity_factory(published_at=at(2026, 1, 20), deadline=at(2026, 2, 15), price=Decimal("30000"),
                            status=Opportunity.Status.EVALUATION)
    sealed_submission(c, supplier_a)
    sealed_submission(c, supplier_b)
    withdrawn, submission = sealed_submission(c, supplier_c)
    withdrawn.status = Proposal.Status.WITHDRAWN  # as proposal_withdraw leaves it
    withdrawn.save()
    submission.withdrawn_at = at(2026, 2, 10)
    submission.save()

    d = opportunity_factory(published_at=at(2026, 3, 1), deadline=at(2026, 3, 25), price=Decimal("50000"))
    sealed_submission(d, supplier_a)
    sealed_submission(d, supplier_b)

    opportunity_factory(status=Opportunity.Status.DRAFT, price=Decimal("80000"))
    opportunity_factory(status=Opportunity.Status.REVIEW, price=Decimal("70000"))

    f = opportunity_factory(published_at=at(2026, 1, 5), deadline=at(2026, 2, 1), price=Decimal("10000"),
                            status=Opportunity.Status.CANCELLED, cancelled_at=at(2026, 1, 15))
    sealed_submission(f, supplier_a)

    g = opportunity_factory(buyer=mtq, published_at=at(2026, 2, 1), deadline=at(2026, 2, 20), price=Decimal("60000"))
    win_g, _ = sealed_submission(g, supplier_c)
    contract(g, win_g, "60000", at(2026, 2, 25))
    return {"a": a, "b": b, "c": c, "d": d, "f": f, "g": g, "supplier_c": supplier_c}


def test_known_figures(known):
    s = stats.statistics()
    assert s["published"] == {"count": 6, "total_value": 210000.0, "average_value": 35000.0,
                              "by_year": [{"year": 2025, "count": 1, "value": 40000.0},
                                          {"year": 2026, "count": 5, "value": 170000.0}]}
    assert s["awarded"] == {"count": 3, "total_value": 120000.0, "average_value": 40000.0}
    assert s["sme"] == {"contracts": 2, "contract_share": 66.7, "value": 60000.0, "value_share": 50.0}
    assert s["startup"] == {"contracts": 1, "contract_share": 33.3, "value": 20000.0, "value_share": 16.7}
    # A: 3, B: 1, C: 2 (the withdrawn one is not counted), G: 1; D is open, F was cancelled before its deadline.
    assert s["proposals"] == {"opportunities": 4, "mean": 1.75, "median": 1.5}
    # Publication to award: A 29 days, B 32, G 24.
    assert s["award_delay_days"] == {"contracts": 3, "median": 29.0}
    assert s["deliveries"] == {"decided": 2, "accepted": 1, "acceptance_rate": 50.0, "contracts_awarded": 3,
                               "contracts_accepted": 1, "contract_acceptance_rate": 33.3}
    assert s["buyers"] == [
        {"slug": "mcn", "name": "Ministère de la Cybersécurité et du Numérique", "acronym": "MCN", "published": 5,
         "published_value": 150000.0, "awarded": 2, "awarded_value": 60000.0, "sme_contracts": 2,
         "startup_contracts": 1, "sme_share": 100.0},
        {"slug": "mtq", "name": "Ministère des Transports", "acronym": "MTQ", "published": 1,
         "published_value": 60000.0, "awarded": 1, "awarded_value": 60000.0, "sme_contracts": 0,
         "startup_contracts": 0, "sme_share": 0.0},
    ]


def test_proposals_of_an_open_opportunity_are_never_counted(known, clock, supplier_factory, sealed_submission):
    d = known["d"]
    before = stats.statistics()
    sealed_submission(d, supplier_factory("tardive", "6612345678"))
    after = stats.statistics()
    before.pop("generated_at"), after.pop("generated_at")
    assert after == before  # three proposals to D now: nothing shows

    clock.move_to(d.deadline - datetime.timedelta(seconds=1), tick=False)
    assert stats.statistics()["proposals"]["opportunities"] == 4
    assert sorted(stats.proposal_counts()) == [1, 1, 2, 3]  # not D's three
    clock.move_to(d.deadline, tick=False)  # the deadline itself: now counted
    assert stats.statistics()["proposals"] == {"opportunities": 5, "mean": 2.0, "median": 2}
    assert sorted(stats.proposal_counts()) == [1, 1, 2, 3, 3]


def test_no_data(db):
    s = stats.statistics()
    assert s["published"] == {"count": 0, "total_value": 0.0, "average_value": None, "by_year": []}
    assert s["proposals"] == {"opportunities": 0, "mean": None, "median": None}
    assert s["sme"]["contract_share"] is None and s["deliveries"]["acceptance_rate"] is None
    assert s["buyers"] == []


def test_statistics_api(client, known, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/market/statistics")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["sme"]["contract_share"] == 66.7 and body["proposals"]["median"] == 1.5
    assert body["published"]["by_year"][0] == {"year": 2025, "count": 1, "value": 40000.0}


def test_statistics_page(client, known, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        response = client.get("/fr/marches/statistiques/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="market-chart-per-year"' in text and 'id="market-chart-shares"' in text
    assert 'data-vega-spec="#market-chart-per-year"' in text
    assert "vega-lite.min.js" in text
    assert "Ministère des Transports" in text and "66,7 %" in text
    assert "1,75 / 1,5" in text
    assert client.get("/en/marches/statistiques/").status_code == 200
    assert client.post("/fr/marches/statistiques/").status_code == 405


def test_statistics_queries_do_not_grow(client, clock, opportunity_factory, supplier_a, sealed_submission,
                                        django_assert_max_num_queries):
    for n in range(15):
        opportunity = opportunity_factory(published_at=at(2025, 1 + n % 12, 1), deadline=at(2025, 12, 20))
        sealed_submission(opportunity, supplier_a)
    with django_assert_max_num_queries(9):
        assert client.get("/fr/marches/statistiques/").status_code == 200
    assert stats.statistics()["proposals"]["opportunities"] == 15
    assert timezone.now() == NOW
