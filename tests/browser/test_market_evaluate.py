"""The evaluation and what follows in headless Chromium: after the deadline, the chair of the panel declares no
conflict of interest, scores a proposal (the other member's scores come through the services), records the
consensus; an admin of the buying body awards to the first-ranked proposal. Then the other bidder reads its debrief,
the winner delivers, the buyer accepts and records the payment, the deliverable joins the reusable components. axe
finds no serious or critical violation on any of these pages."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.market.conftest import *  # noqa: F403  (fixtures: mcn, buyer, buyer_admin, evaluators, suppliers…)
from tests.market.evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from tests.market.evaluation_kit import past_deadline, score, sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_declare_score_agree_and_award(live_server, page, assert_accessible, market):
    from ouvert.market import evaluation
    from ouvert.market.models import Contract, Evaluator, Opportunity, Score

    opportunity = past_deadline(market)
    ref = opportunity.reference
    login(page, live_server, market.chair, fresh=True)

    page.goto(f"{live_server.url}/fr/marches/evaluation/")
    expect(page.locator("h1")).to_have_text("Espace évaluation")
    assert_accessible(page)
    page.get_by_role("link", name=f"{ref} — {opportunity.title_fr}").click()
    expect(page.get_by_role("heading", name="Ma déclaration de conflit d’intérêts")).to_be_visible()
    expect(page.get_by_text("Pousse numérique inc.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Non, aucun conflit d’intérêts").check()
    page.get_by_label("Je signe cette déclaration").check()
    page.get_by_role("button", name="Signer ma déclaration").click()
    expect(page.get_by_text("Votre déclaration est signée.")).to_be_visible()
    assert Evaluator.objects.get(user=market.chair).may_read

    page.get_by_role("link", name="Logilibre coop", exact=True).click()
    expect(page.locator("h1")).to_have_text("Proposition de Logilibre coop")
    expect(page.get_by_text("Itérations de deux semaines.")).to_be_visible()
    assert_accessible(page)
    for criterion, value in zip(market.criteria, ("8", "7,5", "9"), strict=True):
        page.locator(f"#score-{criterion.pk}").fill(value)
        page.locator(f"#comment-{criterion.pk}").fill(f"Commentaire sur « {criterion.name_fr} ».")
    page.get_by_role("button", name="Soumettre mon évaluation").click()
    expect(page.get_by_text("Votre évaluation est soumise ; vous voyez maintenant")).to_be_visible()
    assert Score.objects.filter(evaluator__user=market.chair, submitted_at__isnull=False).count() == 3

    evaluation.coi_declare(user=market.second, opportunity=opportunity, has_conflict=False, confirm=True)
    score(market, market.second, market.a, (8, 7, 8))
    score(market, market.chair, market.b, (5, 5, 5))
    score(market, market.second, market.b, (5, 6, 5))
    evaluation.consensus_record(actor=market.chair, proposal=market.b, scores=sheet(market, (5, 5.5, 5)))

    page.goto(f"{live_server.url}/fr/marches/evaluation/{ref}/propositions/{market.a.pk}/consensus/")
    expect(page.locator("h1")).to_have_text("Consensus — Logilibre coop")
    assert_accessible(page)
    for criterion, value in zip(market.criteria, ("8", "7,25", "8,5"), strict=True):
        page.locator(f"#score-{criterion.pk}").fill(value)
        page.locator(f"#comment-{criterion.pk}").fill("Le comité retient cette note.")
    page.get_by_role("button", name="Consigner le consensus").click()
    expect(page.get_by_text("Le consensus est consigné.")).to_be_visible()

    login(page, live_server, market.buyer_admin, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/evaluation/{ref}/classement/")
    expect(page.get_by_text("À égalité, l'emporte la proposition la mieux notée", exact=False)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Adjuger à Logilibre coop").click()
    expect(page.get_by_text("L'opportunité est adjugée", exact=False)).to_be_visible()
    assert Opportunity.objects.get(pk=opportunity.pk).status == Opportunity.Status.AWARDED
    assert Contract.objects.get().proposal == market.a
    assert_accessible(page)


def test_debrief_delivery_payment_and_components(live_server, page, assert_accessible, market):
    """After the award: the unsuccessful bidder reads its debrief, the winner delivers, the buyer accepts against the
    acceptance criteria and records the payment; the deliverable shows among the reusable components."""
    from ouvert.market.models import Contract
    from tests.market.evaluation_kit import evaluate_and_award

    evaluate_and_award(market)
    ref = market.opportunity.reference

    login(page, live_server, market.supplier_b.owner, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/evaluation/{ref}/bilan/")
    expect(page.get_by_text("Rang 2 sur 2", exact=False)).to_be_visible()
    assert_accessible(page)

    login(page, live_server, market.supplier_a.owner, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/contrats/{ref}/")
    assert_accessible(page)
    page.get_by_label("Adresse du dépôt").fill("https://git.example.org/logilibre/reservation")
    page.get_by_label("Note pour l’acheteur").fill("Version 1.0, documentation comprise.")
    page.get_by_role("button", name="Transmettre la livraison").click()
    expect(page.get_by_text("La livraison est transmise à l'acheteur.")).to_be_visible()

    login(page, live_server, market.buyer, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/contrats/{ref}/")
    assert_accessible(page)
    page.get_by_label("Tests automatisés").check()
    page.get_by_label("Documentation en français").check()
    page.get_by_role("button", name="Accepter la livraison").click()
    expect(page.get_by_text("La livraison est acceptée.")).to_be_visible()
    page.get_by_role("button", name="Consigner : Approuvé").click()
    page.get_by_role("button", name="Consigner : Payé").click()
    expect(page.locator("[data-payment-status]")).to_contain_text("Payé")
    assert_accessible(page)
    contract = Contract.objects.get()
    assert (contract.status, contract.payment_status) == ("accepted", "paid")

    page.goto(f"{live_server.url}/fr/marches/composants/")
    expect(page.get_by_role("link", name="https://git.example.org/logilibre/reservation")).to_be_visible()
    assert_accessible(page)
