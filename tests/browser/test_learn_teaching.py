"""The teaching section in headless Chromium: a signed-in person opens a tutorial, copies a code example with
the keyboard (the clipboard holds the example with this instance's address and real dataset), marks the page
read and sees the path's progress go up; axe finds no serious or critical violation on the section's home, a
tutorial and the glossary."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.learn.conftest import teaching_fresh, teaching_instance  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tutorial_copy_by_keyboard_and_progress(live_server, page, assert_accessible, teaching_instance,  # noqa: F811
                                                make_user):
    user = make_user(email="apprenante@example.org", full_name="Apprenante")
    login(page, live_server, user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    page.goto(f"{live_server.url}/fr/apprendre/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apprendre à utiliser les données ouvertes")
    api_card = page.locator(".card", has=page.get_by_role("link", name="Utiliser les API"))
    expect(api_card.locator("progress")).to_have_attribute("value", "0")
    assert_accessible(page)

    page.get_by_role("link", name="Utiliser les API").click()
    page.get_by_role("link", name=re.compile("L’API Action de CKAN")).first.click()
    page.wait_for_url(re.compile(r"/fr/apprendre/api/api-ckan/$"))
    expect(page.locator(".teaching-toc")).to_contain_text("Décrire un jeu : package_show")
    assert_accessible(page)

    # Copy the first example with the keyboard (Enter on the focused button).
    button = page.get_by_role("button", name="Copier le code").first
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#copie-annonce")).to_have_text("Code copié")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f'curl -s "{live_server.url}/api/3/action/package_show?id=comptage-velos-2012"')
    # The second button with the space bar.
    second = page.locator("button[data-copy-target=code-2]")
    second.focus()
    page.keyboard.press("Space")
    expect(second).to_have_text("Code copié")
    assert "import json" in page.evaluate("navigator.clipboard.readText()")

    # Mark the page read: the path's progress goes up.
    expect(page.locator("#progression-api")).to_have_attribute("value", "0")
    page.get_by_role("button", name="Marquer comme lue").click()
    expect(page.get_by_text("Vous avez lu cette page.")).to_be_visible()
    expect(page.locator("#progression-api")).to_have_attribute("value", "1")
    expect(page.locator(".teaching-progress label")).to_have_text("1 page(s) lue(s) sur 5")
    page.get_by_role("link", name=re.compile("^Suivante :")).click()
    page.wait_for_url(re.compile(r"/fr/apprendre/api/magasin-de-donnees/$"))

    page.goto(f"{live_server.url}/fr/apprendre/")
    expect(api_card.locator("progress")).to_have_attribute("value", "1")
    expect(api_card.get_by_role("link", name=re.compile("^Continuer :"))).to_have_attribute(
        "href", "/fr/apprendre/api/magasin-de-donnees/")


def test_glossary_and_search_are_accessible(live_server, page, assert_accessible):
    page.goto(f"{live_server.url}/fr/apprendre/glossaire/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaire")
    assert_accessible(page)
    page.get_by_label("Rechercher dans la section").fill("encodage")
    page.get_by_label("Rechercher dans la section").press("Enter")
    page.wait_for_url(re.compile(r"/fr/apprendre/recherche/\?q=encodage"))
    expect(page.locator(".teaching-results mark").first).to_have_text(re.compile("encodage", re.IGNORECASE))
    assert_accessible(page)


def test_tutorial_fits_a_360_pixel_screen(live_server, page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/fr/apprendre/api/magasin-de-donnees/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    expect(page.get_by_role("button", name="Copier le code").first).to_be_visible()
