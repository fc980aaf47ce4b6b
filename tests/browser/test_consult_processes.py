"""The processes part in headless Chromium: an organiser creates a consultation with the wizard, watches
the principles panel change as she configures it, publishes it after confirming; axe finds no serious or
critical violation on the wizard, the process page and the guides."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _todo(page) -> int:
    return page.locator(".consult-principle--todo").count()


def test_organiser_goes_through_the_wizard_and_publishes(live_server, page, assert_accessible, organiser, citizen):
    from ouvert.consult.models import Process

    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/fr/consultations/gestion/")
    expect(page.locator("h1")).to_have_text("Mes consultations")
    assert_accessible(page)
    page.get_by_role("link", name="Créer une consultation").click()
    expect(page.locator("h1")).to_have_text("Nouvelle consultation")
    expect(page.get_by_role("heading", name="Les sept principes directeurs")).to_be_visible()
    expect(page.locator(".consult-principle").first).to_contain_text("L'engagement des autorités compétentes")
    assert_accessible(page)
    start = _todo(page)

    page.get_by_label("Titre (obligatoire)").fill("Plan d'action sur le logement étudiant")
    page.locator("#w-summary").fill("Comment loger les étudiantes et étudiants à un prix abordable ?")
    page.locator("#w-description").fill("Le contexte, les enjeux et le déroulement. " * 6)
    page.get_by_label("Quelle décision la consultation éclaire-t-elle").fill(
        "La ministre adoptera un plan d'action sur le logement étudiant à l'automne.")
    page.get_by_label("Discussion : échanger").check()
    page.get_by_role("button", name="Créer le brouillon et continuer").click()

    expect(page.locator("h1")).to_contain_text("Configurer")
    expect(page.locator('.consult-steps [aria-current="step"]')).to_have_text("Calendrier et phases")
    assert_accessible(page)
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    page.locator("#w-starts").fill(today.isoformat())
    page.locator("#w-ends").fill((today + 150 * day).isoformat())
    for kind, first, last in [("information", 0, 13), ("contribution", 14, 60), ("analysis", 61, 90),
                              ("report", 91, 150)]:
        page.locator(f"#w-{kind}-enabled").check()
        page.locator(f"#w-{kind}-starts").fill((today + first * day).isoformat())
        page.locator(f"#w-{kind}-ends").fill((today + last * day).isoformat())
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator('.consult-steps [aria-current="step"]')).to_have_text("Participation")
    assert _todo(page) < start
    page.get_by_label("Hybride (en ligne et en personne)").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.locator('.consult-steps [aria-current="step"]')).to_have_text("Composantes")
    page.locator("#w-contribution-proposals").check()
    page.locator("#w-contribution-surveys").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.locator('.consult-steps [aria-current="step"]')).to_have_text("Information")
    page.locator("#w-theme").fill("Habitation")
    page.locator("#w-territory").fill("Ensemble du Québec")
    page.locator("#w-contact-email").fill("logement@mamh.example.org")
    page.get_by_label("Catégories des propositions").fill("Prix des loyers\nRésidences")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator('.consult-steps [aria-current="step"]')).to_have_text("Principes")
    page.goto(f"{live_server.url}/fr/consultations/{Process.objects.get().slug}/configurer/information/")
    page.get_by_label("Titre du document").fill("Portrait du logement étudiant")
    page.get_by_label("ou lien").fill("https://example.org/portrait")
    page.get_by_role("button", name="Ajouter le document").click()
    expect(page.get_by_role("status")).to_contain_text("Le document est ajouté.")
    assert_accessible(page)
    page.get_by_role("link", name="Principes", exact=True).click()

    # Publishing with principles unmet asks for confirmation (the box is required).
    assert _todo(page) > 0
    expect(page.locator(".consult-publish")).to_contain_text("L'engagement des autorités compétentes")
    page.get_by_role("button", name="Publier la consultation").click()
    assert page.locator("#w-confirm").evaluate("el => !el.validity.valid")
    assert Process.objects.get().published_at is None
    assert_accessible(page)
    page.get_by_label("4. L'information").fill("Résumé, description et portrait publiés.")
    page.get_by_label("1. L'engagement des autorités compétentes").fill("Réponse publique à chaque proposition.")
    page.get_by_label("2. L'engagement des participantes et des participants").fill(
        "Règles de participation publiées, modération chaque jour ouvrable.")
    page.get_by_label("7. L'évaluation").fill("Questionnaire de satisfaction et bilan publié.")
    page.get_by_role("button", name="Enregistrer les notes").click()
    expect(page.get_by_role("status")).to_contain_text("Notes enregistrées.")
    assert _todo(page) == 0
    expect(page.locator(".consult-publish")).to_contain_text("Les sept principes sont respectés.")
    page.get_by_role("button", name="Publier la consultation").click()
    expect(page.get_by_role("status")).to_contain_text("La consultation est publiée.")
    expect(page.locator("h1")).to_have_text("Plan d'action sur le logement étudiant")
    assert Process.objects.get().published_at is not None
    assert_accessible(page)

    # A participant sees it and follows it.
    page.context.clear_cookies()
    login(page, live_server, citizen(1))
    page.reload()
    expect(page.get_by_role("heading", name="Déroulement")).to_be_visible()
    page.get_by_role("button", name="Suivre cette consultation").click()
    expect(page.get_by_role("button", name="Ne plus suivre cette consultation")).to_be_visible()
    assert_accessible(page)


def test_guides_and_process_page_are_accessible(live_server, page, assert_accessible, process):
    page.goto(f"{live_server.url}/fr/consultations/guides/")
    expect(page.locator("h1")).to_have_text("Guides pour organiser une consultation")
    assert_accessible(page)
    page.get_by_role("link", name="Les sept principes directeurs de la participation publique").click()
    expect(page.get_by_role("heading", name="1. L'engagement des autorités compétentes")).to_be_visible()
    expect(page.get_by_role("heading", name="2. L'engagement des participantes et des participants")
           ).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/en/consultations/guides/choisir-les-methodes/")
    expect(page.locator("h1")).to_have_text("Which component for what?")
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/")
    expect(page.locator("h1")).to_have_text(process.title_fr)
    expect(page.locator('.consult-timeline [aria-current="step"]')).to_contain_text("Contribution")
    assert_accessible(page)
