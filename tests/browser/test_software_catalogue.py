"""The catalogue in headless Chromium: a visitor types a word, filters by category, opens an entry and sees its
status history and what it can replace; the team's form shows its errors next to the fields. axe finds no
serious or critical violation on these pages."""

import pytest
from playwright.sync_api import expect

from ouvert.software import services
from tests.browser.session import login
from tests.software.conftest import *  # noqa: F403  (fixtures: team, platform_admin, sct…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def entries(team, platform_admin):
    office = services.software_save(actor=team, data={"name": "Microsoft Office", "is_proprietary": True,
                                                      "categories": ["office"]})
    libre = services.software_save(actor=team, data={
        "name": "LibreOffice", "licence": "MPL-2.0", "categories": ["office"], "latest_version": "24.8",
        "short_description_fr": "Suite bureautique libre : traitement de texte, tableur, présentations.",
        "replaces": [office.slug]})
    services.software_save(actor=team, data={
        "name": "Calligra", "licence": "GPL-2.0-or-later", "categories": ["graphic-design"],
        "short_description_fr": "Une autre suite bureautique libre."})
    services.status_set(actor=platform_admin, software=libre, status="recommended")
    return libre


def test_search_filter_and_open_an_entry(live_server, page, assert_accessible, entries):
    page.goto(f"{live_server.url}/fr/logiciel-libre/")
    expect(page.locator("h1")).to_have_text("Logiciel libre dans l’administration publique")
    assert_accessible(page)
    page.get_by_role("link", name="Le catalogue").click()
    expect(page.locator("h1")).to_have_text("Catalogue des logiciels libres")
    assert_accessible(page)

    page.get_by_label("Nom, fonction, description").fill("suite bureautique")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("heading", name="2 logiciels")).to_be_visible()
    page.get_by_label("Catégorie").select_option("office")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("heading", name="1 logiciel", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="LibreOffice").click()
    expect(page.locator("h1")).to_have_text("LibreOffice")
    expect(page.get_by_role("heading", name="Peut remplacer")).to_be_visible()
    expect(page.get_by_role("link", name="Microsoft Office")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Recommandé")
    assert_accessible(page)


def test_team_form_errors_are_accessible(live_server, page_with_400, assert_accessible, team):
    page = page_with_400
    login(page, live_server, team, fresh=True)
    page.goto(f"{live_server.url}/fr/logiciel-libre/ajouter-un-logiciel/")
    assert_accessible(page)
    page.get_by_label("Nom", exact=False).first.fill("Outil")
    page.locator("#s-licence").fill("licence inventée")
    page.get_by_role("button", name="Ajouter au catalogue").click()
    expect(page.get_by_role("alert")).to_contain_text("SPDX")
    expect(page.locator("#s-licence")).to_have_attribute("aria-describedby", "s-licence-err")
    assert_accessible(page)


def test_the_search_shows_who_uses_an_entry_and_the_inventory(live_server, page, assert_accessible, entries, team,
                                                             mcn, body_member):
    from ouvert.software.models import Usage

    Usage.objects.create(software=entries, organisation=mcn, purpose_fr="Bureautique.", declared_by=body_member)
    services.repositories_import(actor=team, filename="depots.csv", data=(
        "url;nom;description;organisme\n"
        "https://github.com/mcn/gabarits-bureautiques;Gabarits;Gabarits de suite bureautique du ministère;mcn\n"
    ).encode())
    page.goto(f"{live_server.url}/fr/logiciel-libre/catalogue/")
    page.get_by_label("Utilisé par").select_option("mcn")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("heading", name="1 logiciel", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="LibreOffice")).to_be_visible()
    page.get_by_label("Utilisé par").select_option("")
    page.get_by_label("Nom, fonction, description").fill("bureautique")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("heading", name="Dans l’inventaire des dépôts de code : 1 dépôt")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Voir le dépôt dans l’inventaire").click()
    expect(page.get_by_role("link", name="Gabarits")).to_be_visible()
    assert_accessible(page)
