"""The registry in headless Chromium: a researcher declares a publication by its DOI (the form comes pre-filled
from a recorded Crossref answer served locally), completes the fund, declares it, finds it in the public search
with its open copy, and the compliance dashboard shows it. axe finds no serious or critical violation on any of
these pages."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.science.conftest import *  # noqa: F403  (fixtures: funds, policies, researcher…)
from tests.science.test_crossref import CrossrefServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crossref_answers(allow_local_outbound, settings):
    server = CrossrefServer()
    settings.OUVERT_SCIENCE_CROSSREF_URL = server.url
    yield server
    server.close()


def test_declare_by_doi_then_find_it(live_server, page, assert_accessible, researcher, policies, crossref_answers):
    login(page, live_server, researcher, fresh=True)
    page.goto(f"{live_server.url}/fr/science-ouverte/publications/declarer/")
    expect(page.locator("h1")).to_have_text("Déclarer une publication")
    assert_accessible(page)

    page.get_by_label("DOI de la publication").fill("https://doi.org/10.1038/d41586-020-02761-z")
    page.get_by_role("button", name="Chercher ce DOI").click()
    expect(page.get_by_label("Titre (obligatoire)")).to_have_value("Attention science: some people have only one name")
    expect(page.get_by_label("Revue", exact=True)).to_have_value("Nature")
    expect(page.locator("#a-0-name")).to_have_value("Sheherazade")
    expect(page.get_by_role("status").filter(has_text="Formulaire rempli à partir de Crossref")).to_be_visible()
    assert_accessible(page)

    page.locator("#a-0-email").fill("sheherazade@example.org")
    page.locator("#f-0-fund").select_option("frqs")
    page.locator("#f-0-grant").fill("2020-S-4242")
    page.get_by_label("Licence de l’article").fill("CC BY 4.0")
    page.get_by_role("button", name="Déclarer la publication").click()

    expect(page.locator("h1")).to_have_text("Attention science: some people have only one name")
    expect(page.get_by_role("link", name="10.1038/d41586-020-02761-z")).to_have_attribute(
        "href", "https://doi.org/10.1038/d41586-020-02761-z")
    expect(page.get_by_role("heading", name="FRQS — 2020-S-4242", exact=False)).to_be_visible()
    assert "sheherazade@example.org" not in page.content()
    assert_accessible(page)

    page.goto(f"{live_server.url}/fr/science-ouverte/publications/")
    page.get_by_label("Titre, auteurs, revue ou DOI").fill("attention sciénce")
    page.get_by_role("button", name="Chercher").click()
    result = page.locator(".science-result")
    expect(result).to_have_count(1)
    expect(result.get_by_role("link", name="Attention science: some people have only one name")).to_be_visible()
    expect(result.get_by_role("link", name="Version de l'éditeur (DOI)")).to_have_attribute(
        "href", "https://doi.org/10.1038/d41586-020-02761-z")
    assert_accessible(page)

    page.goto(f"{live_server.url}/fr/science-ouverte/conformite/")
    expect(page.locator("h1")).to_have_text("Conformité au libre accès des publications financées")
    expect(page.get_by_role("table", name="Publications par fonds")).to_contain_text("FRQS")
    assert_accessible(page)


def test_a_refused_declaration_shows_linked_errors(live_server, browser, assert_accessible, researcher, policies):
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, researcher, fresh=True)
    page.goto(f"{live_server.url}/fr/science-ouverte/publications/declarer/")
    page.get_by_label("Titre (obligatoire)").fill("Un titre")
    page.get_by_label("ISSN de la revue").fill("1234-5678")
    page.locator("#a-0-name").fill("Autrice")
    page.get_by_role("button", name="Déclarer la publication").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("ISSN invalide")
    expect(alert.get_by_role("link", name="ISSN invalide", exact=False)).to_have_attribute("href", "#p-issn")
    assert_accessible(page)
    context.close()
    assert not errors
