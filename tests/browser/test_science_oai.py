"""The harvesting of institutional repositories in headless Chromium: a fund's staff adds a repository (a local
server replaying recorded OAI-PMH answers), harvests it, reads the run and the deposits, then links an unmatched
deposit to a publication by hand. axe finds no serious or critical violation on any of these pages, the form
with its errors included."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.science.conftest import *  # noqa: F403  (fixtures: funds, fund_staff, publication_factory…)
from tests.science.test_oai_client import FakeRepository

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def repository(allow_local_outbound):
    server = FakeRepository()
    yield server
    server.close()


def test_add_harvest_and_link_by_hand(live_server, page_with_400, assert_accessible, fund_staff, repository,
                                      publication_factory):
    page = page_with_400
    target = publication_factory(title="Un article déclaré autrement", doi="10.5555/ouvert.main")
    login(page, live_server, fund_staff, fresh=True)
    page.goto(f"{live_server.url}/fr/science-ouverte/depots/")
    expect(page.locator("h1")).to_have_text("Moissonnage des dépôts institutionnels")
    assert_accessible(page)

    page.get_by_role("link", name="Ajouter un dépôt").click()
    page.get_by_label("Nom du dépôt (obligatoire)").fill("Papyrus")
    page.get_by_label("Identifiant (obligatoire)").fill("mauvais identifiant !")
    page.get_by_label("Adresse OAI-PMH (obligatoire)").fill(repository.url)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("Un identifiant s'écrit")
    assert_accessible(page)
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(page.get_by_label("Identifiant (obligatoire)")).to_be_focused()
    page.get_by_label("Identifiant (obligatoire)").fill("papyrus")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.locator("h1")).to_have_text("Papyrus")
    assert_accessible(page)
    page.get_by_role("button", name="Lancer le moissonnage").click()
    expect(page.get_by_role("table", name="Les derniers moissonnages")).to_contain_text("Terminé")
    expect(page.get_by_role("table", name="2 notices")).to_contain_text("oai:test.example.com:1585322")
    assert_accessible(page)

    page.goto(f"{live_server.url}/fr/science-ouverte/depots/notices-a-rattacher/")
    expect(page.locator("h1")).to_have_text("Notices à rattacher")
    assert_accessible(page)
    page.get_by_label("Numéro ou DOI de la publication").fill("10.5555/inconnu")
    page.get_by_role("button", name="Rattacher").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucune publication du registre")
    assert_accessible(page)
    page.get_by_label("Numéro ou DOI de la publication").fill("https://doi.org/10.5555/ouvert.main")
    page.get_by_role("button", name="Rattacher").click()
    expect(page.get_by_text("Aucune notice.")).to_be_visible()
    assert target.deposits.get().matched_by == "manual"
