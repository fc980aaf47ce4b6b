"""The support part in headless Chromium: a signed-in person registers for a webinar from its page, sees
« inscrite » and her .ics link, cancels; when the webinar is full, the next person lands on the waiting list
with her position; axe finds no serious or critical violation on the webinar list, a webinar's page (before
and after registering), the FAQ (with a search), the support page, and the English FAQ. (The refusals, answered
with a 4xx status that the browser fixture counts as an error, are tested with Django's client in
tests/science/test_webinars_pages.py and test_faq_pages.py.)"""

import pytest
from playwright.sync_api import expect

from ouvert.science import services
from ouvert.science.models import Registration
from tests.browser.session import login
from tests.science.conftest import *  # noqa: F403  (fixtures: funds, policies, fund_staff…)
from tests.science.webinars_kit import *  # noqa: F403  (fixtures: webinar_factory, people, faq_entries…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_registers_sees_inscrite_and_the_ics_then_cancels(live_server, page, assert_accessible,
                                                                   webinar_factory, people):
    webinar = webinar_factory(capacity=1, title_fr="Déposer son manuscrit accepté sans embargo")
    webinar_factory(capacity=5, title_fr="Atelier à venir")
    login(page, live_server, people[0])

    page.goto(f"{live_server.url}/fr/science-ouverte/webinaires/")
    expect(page.locator("h1")).to_have_text("Webinaires de formation")
    assert_accessible(page)
    page.get_by_role("link", name="Déposer son manuscrit accepté sans embargo").click()
    expect(page.locator("h1")).to_have_text("Déposer son manuscrit accepté sans embargo")
    expect(page.get_by_text("(heure de Montréal, UTC").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="M’inscrire").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes inscrite.")
    expect(page.locator("[data-registration-status=confirmed]")).to_contain_text("Vous êtes inscrite.")
    registration = Registration.objects.get(user=people[0])
    ics = page.get_by_role("link", name="Mon fichier d’agenda (iCalendar)")
    expect(ics).to_have_attribute("href", f"/fr/science-ouverte/webinaires/inscription/{registration.token}.ics")
    assert_accessible(page)
    answer = page.request.get(f"{live_server.url}/fr/science-ouverte/webinaires/inscription/{registration.token}.ics")
    assert answer.ok and f"UID:science-webinar-{webinar.pk}@" in answer.text()

    # the webinar is full: the next person lands on the waiting list
    other = page.context.browser.new_context(locale="fr-CA")
    try:
        tab = other.new_page()
        login(tab, live_server, people[1])
        tab.goto(f"{live_server.url}/fr/science-ouverte/webinaires/{webinar.slug}/")
        tab.get_by_role("button", name="M’inscrire en liste d’attente").click()
        expect(tab.locator("[data-registration-status=waiting]")).to_contain_text(
            "Vous êtes en liste d’attente, en position 1.")
        assert_accessible(tab)
    finally:
        other.close()

    page.get_by_role("button", name="Annuler mon inscription").click()
    expect(page.get_by_role("status")).to_contain_text("Votre inscription est annulée.")
    expect(page.get_by_role("button", name="M’inscrire en liste d’attente")).to_be_visible()
    assert Registration.objects.get(pk=registration.pk).status == "cancelled"
    assert Registration.objects.get(user=people[1]).status == "confirmed"  # promoted


def test_the_faq_and_the_support_page_are_accessible_in_french_and_english(live_server, page, assert_accessible,
                                                                           faq_entries, policies, webinar_factory):
    webinar_factory(title_fr="Comprendre la politique")
    page.goto(f"{live_server.url}/fr/science-ouverte/")
    expect(page.locator("h1")).to_have_text("Libre accès immédiat : ce qu’il faut savoir")
    assert_accessible(page)
    page.get_by_role("link", name="Toutes les questions").click()
    expect(page.locator("h1")).to_have_text("Foire aux questions sur le libre accès")
    assert_accessible(page)
    page.get_by_label("Chercher une question").fill("embargos")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#resultats-titre")).to_have_text("2 réponses pour « embargos »")
    assert_accessible(page)
    page.get_by_label("Chercher une question").fill("brevet")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_text("Aucune question de la FAQ ne correspond à votre recherche.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/en/science-ouverte/faq/")
    expect(page.get_by_role("heading", name="What does immediate open access mean?")).to_be_visible()
    assert_accessible(page)
    assert services.faq_search("embargo") is not None


def test_a_manager_creates_a_webinar_in_montreal_time_and_sees_its_registrants(live_server, page, assert_accessible,
                                                                               fund_staff, with_funds, people):
    import datetime

    from ouvert.science.models import Webinar

    registrant = people[0]
    login(page, live_server, fund_staff)
    page.goto(f"{live_server.url}/fr/science-ouverte/webinaires/nouveau/")
    expect(page.locator("h1")).to_have_text("Nouveau webinaire")
    assert_accessible(page)
    page.get_by_label("Titre (obligatoire)").fill("Retenir ses droits d’auteur")
    page.get_by_label("Début (obligatoire)").fill("2031-03-10T13:00")
    page.get_by_label("Fin (obligatoire)").fill("2031-03-10T14:30")
    page.get_by_label("Places (0 : sans limite)").fill("1")
    page.get_by_label("Lien de connexion (envoyé aux seules personnes inscrites)").fill("https://visio.example.org/droits")
    page.get_by_label("Publié (visible de tous)").check()
    page.locator("#s-0-name").fill("Alex Roy")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("Retenir ses droits d’auteur")
    webinar = Webinar.objects.get()
    assert webinar.starts_at == datetime.datetime(2031, 3, 10, 17, 0, tzinfo=datetime.UTC)  # EDT since 9 March
    expect(page.get_by_text("de 13 h 00 à 14 h 30 (heure de Montréal, UTC−4)").first).to_be_visible()
    assert_accessible(page)
    services.registration_create(actor=registrant, webinar=webinar)
    page.reload()
    expect(page.get_by_text("(confirmées : 1 ; en attente : 0)")).to_be_visible()
    page.get_by_role("link", name="Personnes inscrites et présences").click()
    expect(page.locator("h1")).to_contain_text("Personnes inscrites")
    expect(page.get_by_role("rowheader", name=registrant.full_name + " " + registrant.email)).to_be_visible()
    assert_accessible(page)
