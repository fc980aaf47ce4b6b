"""A supplier in headless Chromium: a signed-in person registers her enterprise, writes a draft proposal for an
open opportunity, submits it through the confirmation step and sees its receipt; axe finds no serious or
critical violation on the registration form, the editor, the confirmation step, the receipt and the dashboard.
(The refusals, answered with a 4xx status that the browser fixture counts as an error, are tested with
Django's client in tests/market/test_proposals_pages.py.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.market.conftest import *  # noqa: F403  (fixtures: mcn, buyer, opportunity_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supplier_registers_writes_submits_and_gets_its_receipt(live_server, page, assert_accessible,
                                                                    opportunity_factory, make_user):
    from ouvert.market.models import Proposal, Submission, Supplier

    opportunity = opportunity_factory()
    person = make_user(email="fondatrice@boreal.example.com", full_name="Fondatrice Boréal")
    login(page, live_server, person)

    page.goto(f"{live_server.url}/fr/marches/propositions/{opportunity.reference}/")
    expect(page.locator("h1")).to_have_text("Préparer une proposition")
    page.get_by_role("link", name="Inscrire une entreprise").click()
    expect(page.locator("h1")).to_have_text("Inscrire une entreprise")
    assert_accessible(page)
    page.get_by_label("Nom légal").fill("Code Boréal inc.")
    page.get_by_label("Numéro d'entreprise du Québec (NEQ)").fill("1172-345-678")
    page.get_by_label("PME (moins de 250 employés)").check()
    page.get_by_role("button", name="Inscrire l'entreprise").click()
    # back to the opportunity's proposal, now for her enterprise
    expect(page.locator("h1")).to_have_text("Ma proposition")
    supplier = Supplier.objects.get()
    assert supplier.neq == "1172345678" and supplier.is_sme
    expect(page.get_by_text("(heure de Montréal)")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Résumé", exact=True).fill("Un module de réservation libre, sous LiLiQ-R.")
    page.get_by_label("Démarche", exact=True).fill("Itérations de deux semaines, démonstration à chaque fin d'itération.")
    page.get_by_label("Équipe", exact=True).fill("Deux développeuses et un designer.")
    page.get_by_label("Calendrier", exact=True).fill("Huit semaines.")
    for criterion in opportunity.criteria.all():
        page.get_by_label(re.compile(re.escape(criterion.name_fr))).fill(f"Notre réponse : {criterion.name_fr}.")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status")).to_contain_text("Brouillon enregistré (révision 1)")
    assert Proposal.objects.get().draft_revision == 1

    page.get_by_role("link", name="Soumettre…").click()
    expect(page.locator("h1")).to_have_text("Soumettre ma proposition")
    assert_accessible(page)
    page.get_by_label(re.compile("aucun conflit d'intérêts")).check()
    page.get_by_label(re.compile("J'accepte les conditions")).check()
    page.get_by_role("button", name="Confirmer la soumission").click()

    expect(page.locator("h1")).to_have_text("Reçu de proposition")
    submission = Submission.objects.get()
    expect(page.locator("[data-receipt]")).to_have_text(submission.receipt)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le reçu (texte)").click()
    assert submission.receipt in open(download.value.path(), encoding="utf-8").read()

    page.goto(f"{live_server.url}/fr/marches/espace-fournisseur/")
    expect(page.locator("h1")).to_have_text("Espace fournisseur")
    expect(page.get_by_role("link", name=re.compile(re.escape(opportunity.reference)))).to_be_visible()
    assert_accessible(page)
