"""Publishing an opportunity in headless Chromium: a buyer creates it with the form (a refused price
first), submits it for review; an admin of the body publishes it from the review queue; it shows in the
public list and on its page. axe finds no serious or critical violation on any of these pages."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.session import login
from tests.market.conftest import *  # noqa: F403  (fixtures: mcn, buyer, buyer_admin…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_creates_an_admin_publishes_everyone_sees(live_server, page_with_400, assert_accessible, buyer,
                                                           buyer_admin):
    page = page_with_400
    from ouvert.market import opportunities
    from ouvert.market.models import Opportunity

    local_now = timezone.now().astimezone(opportunities.MONTREAL)
    deadline = (local_now + datetime.timedelta(days=20)).replace(hour=14, minute=0)
    assignment = deadline.date() + datetime.timedelta(days=5)

    login(page, live_server, buyer, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/acheteur/")
    expect(page.locator("h1")).to_have_text("Espace acheteur")
    assert_accessible(page)
    page.get_by_role("link", name="Créer une opportunité").click()
    expect(page.locator("h1")).to_have_text("Nouvelle opportunité")
    assert_accessible(page)
    page.get_by_label("Titre (obligatoire)").fill("Tableau de bord des délais de traitement")
    page.get_by_label("Accroche (une ou deux phrases)").fill("Un tableau de bord libre des délais, en Django.")
    page.get_by_label("Description du travail (Markdown)").fill("## Contexte\n\nLes citoyens veulent **voir** les délais.")
    page.get_by_label("Critères d’acceptation du livrable (Markdown)").fill("- Tests automatisés\n- Accessible (WCAG 2.1 AA)")
    page.get_by_label("Autres compétences, séparées par des virgules").fill("Python, Django")
    page.get_by_label("Prix fixe en dollars canadiens, taxes en sus").fill("95000")
    page.get_by_label("Date limite des propositions (heure de Montréal, America/Montreal)").fill(
        deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Attribution prévue").fill(assignment.isoformat())
    page.get_by_label("Début prévu").fill((assignment + datetime.timedelta(days=3)).isoformat())
    page.get_by_label("Fin prévue").fill((assignment + datetime.timedelta(days=60)).isoformat())
    for n, (name, weight) in enumerate([("Compréhension du besoin", "60"), ("Démarche", "40")]):
        page.locator(f"#c-{n}-name").fill(name)
        page.locator(f"#c-{n}-weight").fill(weight)
    page.get_by_role("button", name="Créer le brouillon").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Le prix fixe (95 000 $) dépasse le plafond de 90 000 $")
    assert_accessible(page)
    page.get_by_label("Prix fixe en dollars canadiens, taxes en sus").fill("48000")
    page.get_by_role("button", name="Créer le brouillon").click()

    expect(page.locator("h1")).to_contain_text("Gérer DAN-")
    reference = Opportunity.objects.get().reference
    assert_accessible(page)
    page.get_by_role("button", name="Soumettre à la révision").click()
    expect(page.get_by_role("status")).to_contain_text("Opportunité soumise à la révision.")
    assert Opportunity.objects.get().status == "review"
    page.goto(f"{live_server.url}/fr/marches/acheteur/")
    expect(page.locator("table")).to_contain_text(reference)
    assert_accessible(page)

    login(page, live_server, buyer_admin, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/acheteur/revision/")
    expect(page.locator("h1")).to_have_text("Opportunités à réviser")
    expect(page.locator("tbody")).to_contain_text("Rien : publiable")
    assert_accessible(page)
    page.get_by_role("link", name=f"{reference} — Tableau de bord des délais de traitement").click()
    expect(page.locator("h1")).to_have_text(f"Gérer {reference}")
    assert_accessible(page)
    page.get_by_role("button", name="Approuver et publier").click()
    expect(page.get_by_role("status")).to_contain_text("Opportunité publiée.")
    assert Opportunity.objects.get().status == "published"

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/fr/marches/")
    expect(page.locator("h1")).to_have_text("Développe avec nous")
    card = page.locator(".market-card", has_text="Tableau de bord des délais de traitement")
    expect(card).to_contain_text("48 000 $")
    expect(card).to_contain_text("Publiée")
    assert_accessible(page)
    card.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Tableau de bord des délais de traitement")
    expect(page.locator(".market-facts--main")).to_contain_text("(heure de Montréal")
    expect(page.locator(".market-facts--main")).to_contain_text("Il reste")
    expect(page.get_by_role("heading", name="Critères d’évaluation")).to_be_visible()
    expect(page.locator(".market-history")).to_contain_text("Publication")
    assert_accessible(page)


def test_questions_and_addenda_pages_are_accessible(live_server, page, assert_accessible, buyer, buyer_admin, mcn,
                                                    supplier_a):
    """A supplier asks from the opportunity's page; the buyer answers it from the management page, which
    also offers an addendum; the answer shows on the public page. axe on each page."""
    from ouvert.market import opportunities
    from tests.market.opportunities_kit import complete_data

    local_now = timezone.now().astimezone(opportunities.MONTREAL)
    deadline = (local_now + datetime.timedelta(days=20)).replace(hour=14, minute=0)
    assignment = deadline.date() + datetime.timedelta(days=5)
    o = opportunities.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(
        deadline=deadline.strftime("%Y-%m-%dT%H:%M"), assignment_date=assignment.isoformat(),
        start_date=(assignment + datetime.timedelta(days=3)).isoformat(),
        completion_date=(assignment + datetime.timedelta(days=60)).isoformat()))
    opportunities.opportunity_submit_for_review(actor=buyer, opportunity=o)
    opportunities.opportunity_publish(actor=buyer_admin, opportunity=o)

    login(page, live_server, supplier_a.owner, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/{o.reference}/")
    page.get_by_role("button", name="Suivre cette opportunité").click()
    expect(page.get_by_role("button", name="Ne plus suivre")).to_be_visible()
    page.get_by_label("Votre question (l’organisme acheteur seul la lit)").fill("Le code doit-il être en Python ?")
    page.get_by_role("button", name="Envoyer la question").click()
    expect(page.get_by_role("status")).to_contain_text("Votre question est transmise")
    expect(page.locator("#questions")).to_contain_text("En attente")
    assert_accessible(page)

    login(page, live_server, buyer, fresh=True)
    page.goto(f"{live_server.url}/fr/marches/acheteur/")
    expect(page.get_by_role("heading", name="Questions en attente de réponse")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/marches/{o.reference}/gestion/")
    expect(page.get_by_role("heading", name="Publier un addenda")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Réponse (Markdown)").fill("Oui : Python 3.11 ou plus récent.")
    page.get_by_role("button", name="Publier la réponse en addenda").click()
    expect(page.get_by_role("status")).to_contain_text("Réponse publiée en addenda")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/fr/marches/{o.reference}/")
    expect(page.locator("#addenda-1")).to_contain_text("Python 3.11 ou plus récent")
    expect(page.locator("#addenda-1")).not_to_contain_text(supplier_a.legal_name)
    assert_accessible(page)
