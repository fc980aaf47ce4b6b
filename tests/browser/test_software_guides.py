"""The practice guides in headless Chromium: the list by topic, a search, a guide with its table of contents
(following an anchor), the next guide, the English version, and the team's edit page with its preview; axe finds
no serious or critical violation on each."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.software.conftest import *  # noqa: F403  (fixtures: team, sct…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guides_in_french_then_english(live_server, page, assert_accessible):
    page.goto(f"{live_server.url}/fr/logiciel-libre/guides/")
    expect(page.locator("h1")).to_have_text("Guides de pratiques du logiciel libre")
    expect(page.locator(".guides-topic")).to_have_count(4)
    assert_accessible(page)

    page.get_by_label("Chercher dans les guides").fill("réciprocité forte")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#resultats-titre")).to_have_text("1 guide pour « réciprocité forte »")
    assert_accessible(page)
    page.locator("section[aria-labelledby=resultats-titre]").get_by_role(
        "link", name="Publier le code source d'un organisme public").click()
    expect(page.locator("h1")).to_have_text("Publier le code source d'un organisme public")
    assert_accessible(page)
    page.locator(".guide-toc").get_by_role("link", name="La famille LiLiQ").click()
    assert page.url.endswith("#section-la-famille-liliq")
    expect(page.locator("#section-la-famille-liliq")).to_be_in_viewport()
    page.get_by_role("link", name="Guide suivant : Interopérabilité et normes ouvertes →").click()
    expect(page.locator("h1")).to_have_text("Interopérabilité et normes ouvertes")

    page.goto(f"{live_server.url}/en/logiciel-libre/guides/experimenter-une-solution-libre/")
    expect(page.locator("h1")).to_have_text("Experimenting with a free solution")
    expect(page.locator(".guide-toc li").first).to_have_text("1. Define the needs")
    assert_accessible(page)
    page.goto(f"{live_server.url}/en/logiciel-libre/guides/")
    assert_accessible(page)


def test_the_team_previews_and_saves_a_guide(live_server, page, assert_accessible, team):
    login(page, live_server, team)
    page.goto(f"{live_server.url}/fr/logiciel-libre/guides/interoperabilite-normes-ouvertes/")
    page.get_by_role("link", name="Modifier ce guide").click()
    assert_accessible(page)
    body = page.get_by_label("Texte (Markdown) (obligatoire)")
    body.fill("## Formats recommandés\n\nODF et PDF/A.\n\n<script>window.pwned = 1</script>")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator(".guide-preview h2#section-formats-recommandes")).to_have_text("Formats recommandés")
    assert page.evaluate("window.pwned") is None
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messages")).to_contain_text("Guide enregistré.")
    expect(page.locator(".guide-toc")).to_contain_text("Formats recommandés")
    assert_accessible(page)
