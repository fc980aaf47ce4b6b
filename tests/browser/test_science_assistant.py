"""The « how do I comply? » assistant in headless Chromium: a researcher types an ISSN, picks a fund and sees
each route with « fonctionne / ne fonctionne pas / dépend », its reasons and the rights-retention wording to
copy; a title shared by several journals lets her choose; axe finds no serious or critical violation, in
French then on the English page."""

import pathlib
import re

import pytest
from playwright.sync_api import expect

from tests.science.conftest import *  # noqa: F403  (fixtures: funds, policies, fund_staff…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = pathlib.Path(__file__).resolve().parents[1] / "science" / "data"


@pytest.fixture
def registry(funds, policies, fund_staff):
    from ouvert.science import services

    services.journals_import(actor=fund_staff, data=(DATA / "doaj_journals_sample.csv").read_bytes())
    services.journals_import(actor=fund_staff, data=(DATA / "journals_template_cp1252.csv").read_bytes())
    services.archiving_policies_import(actor=fund_staff, data=(DATA / "archiving_policies.csv").read_bytes())


def test_assistant_in_french_then_english(live_server, page, assert_accessible, registry):
    page.goto(f"{live_server.url}/fr/science-ouverte/comment-me-conformer/")
    expect(page.locator("h1")).to_have_text("Comment me conformer ?")
    assert_accessible(page)

    page.get_by_label("Revue (ISSN ou titre)").fill("0028-0836")
    page.get_by_label("Fonds de recherche").select_option("frqs")
    page.get_by_role("button", name="Voir les voies possibles").click()
    expect(page.locator("h2#resultat")).to_have_text("Nature et le FRQS")
    routes = page.locator(".assistant-route")
    expect(routes).to_have_count(3)
    expect(page.locator("[data-route=journal] .assistant-status")).to_have_text("ne fonctionne pas")
    expect(page.locator("[data-route=repository] .assistant-status")).to_have_text("ne fonctionne pas")
    expect(page.locator("[data-route=rights_retention] .assistant-status")).to_have_text("fonctionne")
    expect(page.locator("[data-code='rights_retention.publisher_overridden']")).to_contain_text(
        "la déclaration de rétention des droits faite à la soumission prévaut")
    expect(page.locator("[data-code='repository.advice_disallows']")).to_contain_text("6 mois")
    wording = page.get_by_label("En français")
    expect(wording).to_have_value(re.compile("^Ce travail a été financé par les Fonds de recherche du Québec"))
    expect(page.get_by_label("En anglais")).to_have_value(re.compile("^This research was funded"))
    page.get_by_role("button", name="Copier la formule en français").click()
    expect(page.locator(".assistant-copied")).to_have_text("Formule copiée.")
    assert_accessible(page)

    # A title shared by several journals: she chooses hers.
    page.get_by_label("Revue (ISSN ou titre)").fill("PLOS")
    page.get_by_role("button", name="Voir les voies possibles").click()
    expect(page.get_by_text("Plusieurs revues correspondent à « PLOS »")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="PLOS ONE").click()
    expect(page.locator("h2#resultat")).to_have_text("PLOS ONE et le FRQS")
    expect(page.locator("[data-route=journal] .assistant-status")).to_have_text("fonctionne")
    expect(page.locator("[data-route=journal] .assistant-todo")).to_contain_text("CC-BY-4.0")

    # The English page (its strings come from the locale catalogue; the page itself is in English).
    page.goto(f"{live_server.url}/en/science-ouverte/comment-me-conformer/?journal=1932-6203&fund=frqnt")
    expect(page.locator("html")).to_have_attribute("lang", "en-CA")
    expect(page.locator("[data-route=journal]")).to_be_visible()
    expect(page.locator("textarea#formule-en")).to_have_value(re.compile("^This research was funded"))
    assert_accessible(page)


def test_policy_pages_are_accessible(live_server, page, assert_accessible, registry, fund_staff):
    from django.test import Client

    page.goto(f"{live_server.url}/fr/science-ouverte/politique/")
    expect(page.locator("h1")).to_have_text("Politique de libre accès des Fonds de recherche du Québec")
    expect(page.locator(".policy-timeline__item--current")).to_have_count(3)
    assert_accessible(page)
    page.locator("#fonds-frqs").locator("..").get_by_role("link", name="Politique de diffusion en libre accès (2019)").click()
    expect(page.locator("h1")).to_have_text("Politique de diffusion en libre accès (2019)")
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/science-ouverte/revues/?q=PLOS")
    expect(page.locator("table.science-table tbody tr")).to_have_count(2)
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/science-ouverte/autoarchivage/")
    assert_accessible(page)
    client = Client()
    client.force_login(fund_staff)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/fr/science-ouverte/politique/frqnt/nouvelle-version/")
    assert_accessible(page)
    page.get_by_label("Code (ex. 2022)").fill("2030")
    page.get_by_label("Titre (français)").fill("Politique future")
    page.get_by_label("En vigueur à partir du (AAAA-MM-JJ)").fill("2030-01-01")
    page.get_by_role("checkbox", name="Rétention des droits").check()
    page.get_by_label("Formule de rétention des droits (français)").fill("Formule de rétention, version 2030.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("Politique future")
    expect(page.get_by_role("status")).to_contain_text("Version enregistrée")
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/science-ouverte/revues/importer/")
    assert_accessible(page)
