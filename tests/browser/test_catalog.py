"""The catalogue in headless Chromium: home, search with a facet (htmx and shareable URL), a
dataset page; an editor uploads a file with the progress bar (XMLHttpRequest). axe finds no
serious or critical violation on any of these pages."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(transactional_db):
    from ouvert.catalog import services
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership

    mtl = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            name_en="City of Montréal", kind="municipality")
    qc = core_services.organisation_upsert(slug="ville-de-quebec", name_fr="Ville de Québec", name_en="Québec City",
                                           kind="municipality")
    editor = core_services.user_upsert(email="editrice@montreal.example.org", password="motdepasse-Tres-Solide-42",
                                       full_name="Éditrice Montréal")
    core_services.membership_set(user=editor, organisation=mtl, role=Membership.Role.EDITOR)
    services.theme_upsert(actor=None, name="transport", title_fr="Transport", title_en="Transportation")
    services.dataset_create(actor=None, organisation=mtl, data={
        "name": "velos-comptage", "title_fr": "Comptage des vélos", "title_en": "Bicycle counts",
        "notes_fr": "Passages quotidiens de **vélos** aux compteurs de la ville, 2012.",
        "tags": ["vélo", "mobilité"], "themes": ["transport"], "frequency": "DAILY",
        "resources": [{"name_fr": "Comptages 2012", "url": "https://example.org/comptages.csv", "format": "CSV"}]})
    services.dataset_create(actor=None, organisation=qc, data={
        "name": "reseau-cyclable", "title_fr": "Réseau cyclable", "tags": ["vélo"], "themes": ["transport"],
        "resources": [{"name_fr": "Réseau", "url": "https://example.org/reseau.geojson", "format": "GeoJSON"}]})
    services.dataset_create(actor=None, organisation=qc, data={
        "name": "arrondissements", "title_fr": "Arrondissements", "tags": ["limites"]})
    return editor


def test_search_filter_and_open_a_dataset(live_server, page, assert_accessible, catalogue):
    page.goto(f"{live_server.url}/fr/catalogue/")
    expect(page.locator("h1")).to_have_text("Catalogue de données ouvertes")
    expect(page.locator('nav.site-nav a[href="/fr/catalogue/"]')).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    page.get_by_label("Rechercher des jeux de données").fill("velos")
    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/recherche/\?q=velos"))
    expect(page.locator("#resultats-titre")).to_contain_text("2 jeux de données")
    assert_accessible(page)

    # A facet checkbox narrows the results in place (htmx) and the URL can be shared.
    page.locator("label", has_text="Ville de Montréal").click()
    expect(page.locator("#resultats-titre")).to_contain_text("1 jeu de données")
    expect(page).to_have_url(re.compile(r"organisation=ville-de-montreal"))
    expect(page.locator('input[name="organisation"][value="ville-de-montreal"]')).to_be_checked()
    assert_accessible(page)
    shared = page.url
    page.goto(shared)
    expect(page.locator("#resultats-titre")).to_contain_text("1 jeu de données")

    page.get_by_role("link", name="Comptage des vélos").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/jeux/velos-comptage/$"))
    expect(page.locator("h1")).to_have_text("Comptage des vélos")
    expect(page.locator("main")).to_contain_text("package_show?id=velos-comptage")
    assert_accessible(page)


def test_editor_uploads_a_file_with_the_progress_bar(live_server, page, assert_accessible, catalogue):
    from ouvert.catalog.models import Resource

    client = Client()
    client.force_login(catalogue)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/fr/catalogue/jeux/velos-comptage/ressources/nouvelle/")
    expect(page.locator("h1")).to_have_text("Ajouter une ressource")
    assert_accessible(page)
    page.get_by_label("Nom (français)").fill("Comptages 2013")
    page.get_by_label("Fichier").set_input_files(
        {"name": "comptages-2013.csv", "mimeType": "text/csv", "buffer": b"Date;Berri1\n01/01/2013;0\n" * 40_000})
    with page.expect_response(re.compile(r"/ressources/nouvelle/$")) as answer:
        page.get_by_role("button", name="Enregistrer").click()
    # Sent by upload.js (XMLHttpRequest, so that upload progress events drive the <progress>), answered in JSON.
    assert answer.value.request.headers.get("x-requested-with") == "XMLHttpRequest"
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "application/json"
    page.wait_for_url(re.compile(r"/fr/catalogue/jeux/velos-comptage/#ressources$"))
    expect(page.locator("main")).to_contain_text("Comptages 2013")
    resource = Resource.objects.get(name_fr="Comptages 2013")
    assert resource.kind == "upload" and resource.size == 25 * 40_000



def test_upload_errors_show_next_to_their_fields(live_server, browser, assert_accessible, catalogue):
    """The XMLHttpRequest gets a 400 in JSON; the page shows the message and marks the field.

    Chromium logs the 400 as a console error, so this test uses its own tab (the ``page``
    fixture fails on any console error) and checks that nothing else was logged.
    """
    client = Client()
    client.force_login(catalogue)
    context = browser.new_context(locale="fr-CA")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 400" not in m.text
           else None)
    try:
        tab.goto(f"{live_server.url}/fr/catalogue/jeux/velos-comptage/ressources/nouvelle/")
        tab.get_by_label("Nom (français)").fill("Lien")
        tab.get_by_label("Lien (adresse)").fill("ftp:/pas-une-adresse")
        with tab.expect_response(re.compile(r"/ressources/nouvelle/$")) as answer:
            tab.get_by_role("button", name="Enregistrer").click()
        assert answer.value.status == 400
        expect(tab.locator("#erreurs-formulaire")).to_be_visible()
        expect(tab.locator("#id_url")).to_have_attribute("aria-invalid", "true")
        expect(tab.locator("#id_url_erreurs_client")).to_contain_text("adresse valide")
        assert "id_url_erreurs_client" in tab.locator("#id_url").get_attribute("aria-describedby")
        assert tab.url.endswith("/ressources/nouvelle/")
        assert_accessible(tab)
    finally:
        context.close()
    assert not errors, errors
