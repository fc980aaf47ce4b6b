"""Reuses in headless Chromium: a signed-in person proposes a reuse (finding the dataset with the form's
search), a moderator publishes it from the queue, and it shows on the dataset page and in the gallery;
axe finds no serious or critical violation on the form, the gallery, the queue and the reuse page."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from PIL import Image
from playwright.sync_api import expect

from tests.browser.session import login
from tests.catalog.conftest import *  # noqa: F403  (fixtures: publisher, editor, admin, factories)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_moderate_and_show(live_server, page, browser, assert_accessible, dataset_factory, make_user,
                                   tmp_path):
    dataset_factory(name="comptage-velos", title_fr="Comptage des vélos sur les pistes cyclables")
    citizen = make_user(email="citoyenne@example.org", full_name="Citoyenne")
    moderator = make_user(email="moderatrice@example.org", full_name="Modératrice")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_reuse", content_type__app_label="catalog"))
    image = tmp_path / "apercu.png"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (30, 90, 160)).save(buffer, "PNG")
    image.write_bytes(buffer.getvalue())

    # The citizen proposes a reuse, finding the dataset through the form's search.
    login(page, live_server, citizen)
    page.goto(f"{live_server.url}/fr/catalogue/reutilisations/proposer/")
    expect(page.locator("h1")).to_have_text("Proposer une réutilisation")
    assert_accessible(page)
    page.get_by_label("Type de réutilisation").select_option("visualisation")
    page.get_by_label("Titre (français)").fill("Vélos et météo à Montréal")
    page.get_by_label("Adresse de la réutilisation").fill("https://exemple.org/velos-meteo")
    page.get_by_label("Description (français)").fill("Les comptages de vélos croisés avec la pluie.")
    page.get_by_label("Chercher un jeu de données public").fill("vélos")
    choice = page.get_by_label(re.compile("Comptage des vélos sur les pistes cyclables"))
    expect(choice).to_be_visible()
    assert_accessible(page)
    choice.check()
    page.get_by_label("Image (facultative)").set_input_files(str(image))
    page.get_by_role("button", name="Proposer la réutilisation").click()
    page.wait_for_url(re.compile(r"/reutilisations/velos-et-meteo-a-montreal/$"))
    expect(page.get_by_role("status")).to_contain_text("sera publiée après modération")
    expect(page.locator(".message--warning")).to_contain_text("En attente de modération")
    assert_accessible(page)

    # Not public yet.
    visitor = browser.new_context(locale="fr-CA").new_page()
    visitor.goto(f"{live_server.url}/fr/catalogue/reutilisations/")
    expect(visitor.get_by_text("Aucune réutilisation ne correspond à ces critères.")).to_be_visible()

    # The moderator publishes it from the queue.
    tab = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 900}).new_page()
    login(tab, live_server, moderator)
    tab.goto(f"{live_server.url}/fr/catalogue/reutilisations/moderation/")
    expect(tab.locator("h2")).to_contain_text(["Vélos et météo à Montréal"])
    assert_accessible(tab)
    tab.get_by_label("Décision").select_option("publish")
    tab.get_by_role("button", name="Enregistrer la décision : Vélos et météo à Montréal").click()
    tab.wait_for_url(re.compile(r"/reutilisations/moderation/$"))
    expect(tab.get_by_role("status")).to_contain_text("Réutilisation publiée.")

    # Everyone sees it in the gallery (with its thumbnail) and on the dataset page.
    visitor.goto(f"{live_server.url}/fr/catalogue/reutilisations/")
    expect(visitor.locator("#resultats-titre")).to_have_text("1 réutilisation")
    card = visitor.locator(".reuse-card")
    expect(card).to_contain_text("Vélos et météo à Montréal")
    expect(card.locator("img")).to_have_count(1)
    assert_accessible(visitor)
    visitor.get_by_label("Type").select_option("article")
    visitor.get_by_role("button", name="Appliquer").click()
    expect(visitor.locator("#resultats-titre")).to_have_text("Aucune réutilisation")
    visitor.goto(f"{live_server.url}/fr/catalogue/jeux/comptage-velos/")
    panel = visitor.locator("#reutilisations")
    expect(panel.locator("h2")).to_have_text("Utilisé par 1 réutilisation")
    panel.get_by_role("link", name="Vélos et météo à Montréal").click()
    expect(visitor.locator("h1")).to_have_text("Vélos et météo à Montréal")
    expect(visitor.get_by_role("link", name=re.compile("Comptage des vélos"))).to_be_visible()
    assert_accessible(visitor)

    # Usable at 360 px: nothing wider than the screen.
    visitor.set_viewport_size({"width": 360, "height": 740})
    for path in ("/fr/catalogue/reutilisations/", "/fr/catalogue/reutilisations/velos-et-meteo-a-montreal/"):
        visitor.goto(f"{live_server.url}{path}")
        assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path

    # The citizen was told.
    page.goto(f"{live_server.url}/fr/catalogue/reutilisations/mes-propositions/")
    expect(page.locator("tbody")).to_contain_text("Publiée")
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/fr/catalogue/reutilisations/proposer/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
