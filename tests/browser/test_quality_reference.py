"""« Données de référence » in headless Chromium: a platform admin certifies a candidate from the list,
visitors see the badge on the list and on the dataset page, the admin withdraws with a reason; axe
finds no serious or critical violation on the list, a dataset's criteria page and the dataset page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.catalog.conftest import *  # noqa: F403  (fixtures: publisher, editor, admin, factories)
from tests.quality.reference_kit import *  # noqa: F403  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_certify_from_the_list_then_withdraw(live_server, page, browser, assert_accessible, reference_factory,
                                            admin_user):
    dataset = reference_factory(name="territoires", title_fr="Territoires de Montréal")
    failing = reference_factory(name="regions", title_fr="Régions sans licence", licence="notspecified")

    # A visitor: nothing certified yet; the criteria of a dataset with their reasons.
    page.goto(f"{live_server.url}/fr/catalogue/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Données de référence").click()
    expect(page.locator("h1")).to_have_text("Données de référence")
    expect(page.get_by_text("Aucun jeu de données n’est encore certifié.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/catalogue/donnees-de-reference/{failing.name}/")
    row = page.locator("#critere-open_licence")
    expect(row).to_contain_text("Non rempli")
    expect(row).to_contain_text("Choisissez une licence ouverte")
    assert_accessible(page)

    # The admin certifies the candidate from the list.
    admin = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 900})
    tab = admin.new_page()
    login(tab, live_server, admin_user)
    tab.goto(f"{live_server.url}/fr/catalogue/donnees-de-reference/")
    candidates = tab.locator("#candidats-legende").locator("xpath=..")
    expect(candidates).to_contain_text("Territoires de Montréal")
    expect(candidates).not_to_contain_text("Régions sans licence")
    assert_accessible(tab)
    tab.get_by_role("button", name="Certifier : Territoires de Montréal").click()
    tab.wait_for_url(re.compile(rf"/donnees-de-reference/{dataset.name}/$"))
    expect(tab.get_by_role("status")).to_contain_text("« Territoires de Montréal » est certifié")
    expect(tab.locator("#historique ~ ol")).to_contain_text("Certification accordée")
    assert_accessible(tab)

    # Visitors see it listed with its badge, and the badge on the dataset page.
    page.goto(f"{live_server.url}/fr/catalogue/donnees-de-reference/")
    table = page.locator("#certifies-legende").locator("xpath=..")
    expect(table).to_contain_text("Territoires de Montréal")
    expect(table).to_contain_text("Donnée de référence")
    expect(table).to_contain_text("8 sur 8 remplis")
    table.get_by_role("link", name="Territoires de Montréal", exact=True).click()
    expect(page.locator("#donnees-de-reference")).to_contain_text("Certifié comme donnée de référence depuis le")
    assert_accessible(page)

    # The admin withdraws it: the reason is required by the form.
    tab.get_by_role("button", name="Retirer la certification").click()
    expect(tab).to_have_url(re.compile(rf"/donnees-de-reference/{dataset.name}/$"))  # the browser asks for the reason
    tab.get_by_label("Motif du retrait").fill("Le service ne tient plus ces données à jour.")
    tab.get_by_role("button", name="Retirer la certification").click()
    expect(tab.get_by_role("status")).to_contain_text("La certification de « Territoires de Montréal » est retirée.")
    expect(tab.locator("#historique ~ ol li").first).to_contain_text("Le service ne tient plus ces données à jour.")
    admin.close()
