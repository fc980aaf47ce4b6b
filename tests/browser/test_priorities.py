"""Prioritisation in headless Chromium: an invited participant fills a campaign ballot with the keyboard only,
changes it, and after the close the results page shows the weighted scores and the Borda count side by side;
axe finds no serious or critical violation on the ballot page, the requests list and the results page."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.priorities.conftest import *  # noqa: F403  (fixtures: banq, banq_editor, citizen, campaign_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ballot_by_keyboard_then_results(live_server, page, assert_accessible, campaign_factory, citizen,
                                         banq_editor, make_request, close):
    from ouvert.priorities import services

    make_request(title_fr="Horaires des bibliothèques", theme="culture")
    page.goto(f"{live_server.url}/fr/priorites/demandes/")
    expect(page.locator("h1")).to_have_text("Demandes de données")
    expect(page.get_by_text("Horaires des bibliothèques")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Horaires des bibliothèques").click()
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    assert_accessible(page)

    campaign = campaign_factory()
    voter = citizen(1)
    login(page, live_server, voter)
    page.goto(f"{live_server.url}/fr/priorites/campagnes/")
    page.get_by_role("link", name=campaign.title_fr).click()
    expect(page.locator("h1")).to_have_text(campaign.title_fr)
    assert_accessible(page)

    # Keyboard only: focus the first score, type the values, Tab from one score to the next, Enter on the button.
    first = page.locator("fieldset", has_text="Notices du dépôt légal").get_by_label("Demande")
    first.focus()
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    expect(page.locator("fieldset", has_text="Statistiques des bibliothèques").get_by_label("Demande")).to_be_focused()
    page.get_by_role("button", name="Enregistrer mon bulletin").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Votre bulletin est enregistré.")
    expect(first).to_have_value("5")
    assert services.ballot_get(actor=voter, campaign=campaign)["ratings"]

    # Change it: the stored values are shown, one is changed, the ballot replaced.
    stats = page.locator("fieldset", has_text="Statistiques des bibliothèques").get_by_label("Demande")
    expect(stats).to_have_value("2")
    stats.focus()
    page.keyboard.type("0")
    page.get_by_role("button", name="Modifier mon bulletin").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Votre bulletin est enregistré.")
    expect(stats).to_have_value("0")
    assert_accessible(page)

    # No tally before the close.
    page.goto(f"{live_server.url}/fr/priorites/campagnes/{campaign.slug}/resultats/")
    expect(page.get_by_text("Aucun décompte n’est montré avant.")).to_be_visible()

    close(campaign)
    services.campaign_finalise(actor=banq_editor, campaign=campaign)
    page.goto(f"{live_server.url}/fr/priorites/campagnes/{campaign.slug}/")
    page.get_by_role("link", name="Voir les résultats").click()
    expect(page.locator("h1")).to_contain_text("Résultats")
    expect(page.get_by_role("table", name="Classement par score pondéré (sur 100)")).to_contain_text(
        "Notices du dépôt légal")
    expect(page.get_by_role("table", name="Agrégation des rangs : méthode de Borda")).to_be_visible()
    expect(page.get_by_role("heading", name="Méthode de calcul")).to_be_visible()
    page.get_by_role("link", name="Demande de données planifiée : Notices du dépôt légal").click()
    expect(page.locator("h1")).to_have_text("Notices du dépôt légal")
    expect(page.get_by_text("Planifiée").first).to_be_visible()
    page.go_back()
    assert_accessible(page)

    # Usable at 360 px: nothing wider than the screen (tables scroll inside their region).
    page.set_viewport_size({"width": 360, "height": 800})
    for path in (f"/fr/priorites/campagnes/{campaign.slug}/resultats/", f"/fr/priorites/campagnes/{campaign.slug}/",
                 "/fr/priorites/demandes/"):
        page.goto(live_server.url + path)
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-scroll'))
            .map(e => e.tagName + '#' + e.id).slice(0, 10)""")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, (path, wide)
