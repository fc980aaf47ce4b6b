"""Ecosystems in headless Chromium: the conformity matrix of an ecosystem, whose non-conforming cell's
« why not » opens and reads by keyboard; axe finds no serious or critical violation on the ecosystem page,
the standard page and the matrix."""

import pytest
from playwright.sync_api import expect

from tests.learn.conftest import *  # noqa: F403  (fixtures: eco_world, eco_declared, the catalogue's)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_matrix_why_not_by_keyboard_and_pages_accessible(live_server, page, assert_accessible, eco_declared):
    page.goto(f"{live_server.url}/fr/apprendre/ecosystemes/")
    page.get_by_role("link", name="Urbanisme").click()
    expect(page.locator("h1")).to_have_text("Urbanisme")
    expect(page.get_by_role("table")).to_contain_text("Comptages quotidiens de vélos 2.0.0")
    assert_accessible(page)

    page.get_by_role("link", name="Matrice de conformité").click()
    expect(page.locator("h1")).to_contain_text("Matrice de conformité")
    table = page.get_by_role("table")
    expect(table).to_contain_text("non conforme")
    assert_accessible(page)

    # Keyboard only: Tab until the « Pourquoi ? » of the non-conforming cell has the focus, open it.
    why = page.locator("details.eco-why summary").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if why.evaluate("node => node === document.activeElement"):
            break
    else:
        pytest.fail("« Pourquoi ? » never received the keyboard focus")
    details = page.locator("details.eco-why").first
    expect(details.locator("ul")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(details.locator("ul")).to_be_visible()
    expect(details).to_contain_text("620 erreurs")
    expect(details).to_contain_text("« Brébeuf (données non disponibles) », ligne 2")
    assert_accessible(page)
    # The full report, still by keyboard.
    page.keyboard.press("Tab")  # the next focusable element is the report's link, inside the opened cell
    assert "Rapport complet" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Conformité de")
    expect(page.get_by_role("table")).to_contain_text("Brébeuf (données non disponibles)")

    page.goto(f"{live_server.url}/fr/apprendre/standards/comptages-velos-quotidiens/")
    expect(page.locator("h1")).to_have_text("Comptages quotidiens de vélos")
    expect(page.get_by_role("table")).to_contain_text("Brébeuf (données non disponibles)")
    assert_accessible(page)


def test_coordinator_forms_and_publication_accessible(live_server, page, assert_accessible, eco_world, admin_user):
    from django.test import Client

    from ouvert.learn.models import Publication

    Publication.objects.create(slug="certia", title_fr="Projet de recherche du CeRTIA", institution="Université Laval")
    client = Client()
    client.force_login(admin_user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/fr/apprendre/ecosystemes/urbanisme/")
    expect(page.get_by_role("heading", name="Gérer l’écosystème")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nom", exact=True).fill("Alice Tremblay")
    page.get_by_label("Rôle", exact=True).fill("Analyste de données")
    page.get_by_label("La personne a accepté d’être affichée avec ces renseignements.").check()
    page.get_by_role("button", name="Ajouter la personne").click()
    expect(page.get_by_role("status")).to_contain_text("L’écosystème est mis à jour.")
    expect(page.locator("#personnes + ul")).to_contain_text("Alice Tremblay, Analyste de données")
    page.goto(f"{live_server.url}/fr/apprendre/publications/certia/")
    expect(page.get_by_text("Étude en cours — document à venir.")).to_be_visible()
    assert_accessible(page)
