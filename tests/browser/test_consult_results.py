"""Results in headless Chromium: the dashboard's charts render (with their tables), a participant answers
the satisfaction survey, the organiser generates, edits, previews and publishes the report that the
public then reads and downloads; the suggestion box and the satisfaction dashboard. axe finds no serious
or critical violation on any of these pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process_factory…)
from tests.consult.test_results_dashboard import build_results_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_charts_and_satisfaction(live_server, page, assert_accessible, process, citizen):
    data = build_results_data(process, citizen)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/resultats/")
    expect(page.locator("h1")).to_have_text("Résultats de la consultation")
    chart = page.locator('[data-vega-spec="#results-chart-timeline"]')
    expect(chart).to_have_attribute("data-vega-rendered", "ok")
    expect(chart.locator("svg")).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(page.get_by_role("table", name="Contributions par type")).to_contain_text("Réponses aux questionnaires")
    expect(page.get_by_role("table", name="Contributions par jour")).to_be_visible()
    expect(page.get_by_text("Publicité cachée")).to_have_count(0)
    survey_chart = page.locator(f'[data-vega-spec="#results-survey-{data["survey"].pk}-1"]')
    expect(survey_chart).to_have_attribute("data-vega-rendered", "ok")
    expect(page.get_by_role("table", name="Mode principal")).to_contain_text("Vélo")
    assert_accessible(page)

    login(page, live_server, data["people"][0])
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/resultats/")
    expect(page.get_by_role("heading", name="Comment s’est passée votre participation ?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Qu’est-ce qui aurait pu être mieux ? (facultatif)").fill("Un rappel avant la fermeture.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("status")).to_contain_text("Merci ! Votre avis nous aide")
    expect(page.get_by_role("heading", name="Comment s’est passée votre participation ?")).to_have_count(0)
    expect(page.get_by_role("table", name="1 réponse, note moyenne 4,00 sur 5")).to_be_visible()


def test_organiser_edits_and_publishes_the_report(live_server, page, assert_accessible, process, citizen,
                                                   organiser):
    build_results_data(process, citizen)
    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/resultats/")
    page.get_by_role("link", name="Préparer le rapport « Ce que nous avons entendu »").click()
    expect(page.locator("h1")).to_have_text("Préparer le rapport « Ce que nous avons entendu »")
    assert_accessible(page)
    page.get_by_role("button", name="Générer le rapport").click()
    expect(page.get_by_role("status")).to_contain_text("Le rapport a été généré à partir des données.")
    body = page.get_by_label("Rapport en français (Markdown)")
    expect(body).to_have_value(re.compile(r"^# Ce que nous avons entendu"))
    text = body.input_value().replace("## Participation", "## Participation\n\nMerci à toutes et à tous !", 1)
    body.fill(text)
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_role("heading", name="Aperçu")).to_be_visible()
    expect(page.get_by_role("region", name="En français")).to_contain_text("Merci à toutes et à tous !")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer et publier").click()
    expect(page.get_by_role("status")).to_contain_text("Le rapport est publié.")
    expect(page.locator(".results-report")).to_contain_text("Nous construirons vingt kilomètres de pistes.")

    visitor = page.context.browser.new_context(locale="fr-CA")
    public = visitor.new_page()
    public.goto(f"{live_server.url}/fr/consultations/{process.slug}/rapport/")
    expect(public.locator("h1")).to_contain_text("Ce que nous avons entendu")
    expect(public.locator(".results-report")).to_contain_text("Merci à toutes et à tous !")
    assert_accessible(public)
    with public.expect_download() as download:
        public.get_by_role("link", name="PDF (rapport en français)").click()
    assert download.value.suggested_filename == f"{process.slug}-rapport-fr.pdf"
    visitor.close()


def test_suggestions_and_satisfaction_pages(live_server, page, assert_accessible, process, organiser):
    page.goto(f"{live_server.url}/fr/consultations/suggestions/")
    expect(page.locator("h1")).to_have_text("Boîte à suggestions")
    assert_accessible(page)
    page.get_by_label("Votre suggestion").fill("Ajouter une version audio des documents.")
    page.get_by_label("Votre courriel, pour recevoir la réponse").fill("lecteur@example.org")
    page.get_by_label("À propos de la consultation (facultatif)").select_option(process.slug)
    page.get_by_role("button", name="Envoyer la suggestion").click()
    expect(page.get_by_role("status")).to_contain_text("Votre suggestion a été reçue")

    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/fr/consultations/suggestions/")
    expect(page.get_by_role("heading", name="Suggestions reçues (à traiter par vous)")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Répondre").fill("Bonne idée : ce sera fait pour la prochaine consultation.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_role("status")).to_contain_text("La réponse est envoyée")
    expect(page.locator("#s-public-list + ol")).to_contain_text("Bonne idée : ce sera fait")

    page.goto(f"{live_server.url}/fr/consultations/satisfaction/")
    expect(page.locator("h1")).to_have_text("Satisfaction des participants")
    assert_accessible(page)
