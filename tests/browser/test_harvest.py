"""Harvesting pages in headless Chromium: an editor goes from the catalogue's publishing area to
harvesting, creates a DCAT source (an error first, shown next to its field), sees it listed, runs
it and reads the job's report. axe finds no serious or critical violation on any of these pages.

The remote catalogue is a real DCAT sample (Nobel Prize RDF/XML) served by a local server; tests
run background tasks immediately, so « Lancer maintenant » harvests within the request.
"""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.harvest.conftest import DCAT_DATA, StaticServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def publisher(transactional_db):
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership

    org = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            name_en="City of Montréal", kind="municipality")
    editor = core_services.user_upsert(email="editrice@montreal.example.org", password="motdepasse-Tres-Solide-42",
                                       full_name="Éditrice Montréal")
    core_services.membership_set(user=editor, organisation=org, role=Membership.Role.EDITOR)
    return editor


@pytest.fixture
def remote_catalogue(allow_local_outbound):
    server = StaticServer()
    url = server.put("/nobel.rdf", (DCAT_DATA / "nobelprize_dcat_catalog.rdf").read_bytes(), "application/rdf+xml")
    yield url
    server.close()


def test_create_a_source_see_it_listed_and_read_a_job_report(live_server, page_with_400, assert_accessible, publisher,
                                                            remote_catalogue):
    page = page_with_400
    client = Client()
    client.force_login(publisher)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/fr/catalogue/")
    page.get_by_role("link", name="Moissonner un catalogue").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/moissonnage/$"))
    expect(page.locator("h1")).to_have_text("Moissonnage")
    expect(page.locator("main")).to_contain_text("Aucune source de moissonnage")
    assert_accessible(page)

    page.get_by_role("link", name="Ajouter une source").click()
    expect(page.locator("h1")).to_have_text("Ajouter une source de moissonnage")
    assert_accessible(page)
    page.get_by_label("Identifiant").fill("nobel")
    page.get_by_label("Titre").fill("Prix Nobel")
    page.get_by_label("Type de catalogue").select_option("dcat")
    page.get_by_label("Adresse").fill(remote_catalogue)
    page.get_by_role("combobox", name=re.compile("^Fréquence")).select_option("daily")
    page.get_by_label("Configuration (JSON)").fill('{"modified_since": "pas un nom !"}')
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#erreurs-formulaire")).to_be_visible()
    expect(page.locator("#id_config")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_config_erreurs")).to_contain_text("modified_since")
    assert_accessible(page)

    page.get_by_label("Configuration (JSON)").fill('{"modified_since": "modified_since"}')
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/moissonnage/sources/nobel/$"))
    expect(page.locator("h1")).to_have_text("Prix Nobel")
    expect(page.locator("main")).to_contain_text("Cette source n’a jamais été moissonnée.")
    assert_accessible(page)

    page.get_by_role("link", name="Moissonnage", exact=True).click()
    row = page.locator("tbody tr", has_text="Prix Nobel")
    expect(row).to_contain_text("DCAT")
    expect(row).to_contain_text("Ville de Montréal")
    expect(row).to_contain_text("Jamais moissonnée")
    expect(row).to_contain_text("Au prochain passage du planificateur")
    assert_accessible(page)

    row.get_by_role("link", name="Prix Nobel").click()
    page.get_by_role("button", name="Lancer maintenant").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/moissonnage/sources/nobel/moissons/\d+/$"))
    expect(page.locator("#etat")).to_contain_text("Terminée")
    expect(page.locator(".catalog-counts")).to_contain_text("1 Créés")
    expect(page.locator("main")).to_contain_text("lancée")
    assert_accessible(page)

    page.get_by_label("État").select_option("created")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"\?etat=created$"))
    link = page.locator("tbody").get_by_role("link")
    expect(link).to_have_count(1)
    assert_accessible(page)
    link.click()
    page.wait_for_url(re.compile(r"/fr/catalogue/jeux/[\w-]+/$"))

    page.goto(f"{live_server.url}/fr/catalogue/moissonnage/")
    expect(page.locator("tbody tr", has_text="Prix Nobel")).to_contain_text("Terminée")
    expect(page.locator("tbody tr", has_text="Prix Nobel")).to_contain_text("créés : 1")
