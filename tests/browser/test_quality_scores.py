"""The metadata quality scores in headless Chromium: the catalogue's dashboard (its trend drawn by
vega-embed beside its data table, the list sorted by a column with a shareable address), a
publisher's dashboard, and a dataset's panel with its fixes. axe finds no serious or critical
violation on any of them."""

import datetime
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scored(transactional_db):
    """Three public datasets of two publishers (scored on commit by the listener) and two days of trend."""
    from ouvert.catalog import services
    from ouvert.core import services as core_services
    from ouvert.quality import services as quality

    mtl = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            name_en="City of Montréal", kind="municipality")
    qc = core_services.organisation_upsert(slug="ville-de-quebec", name_fr="Ville de Québec", name_en="Québec City",
                                           kind="municipality")
    services.theme_upsert(actor=None, name="transport", title_fr="Transport", title_en="Transportation")
    services.dataset_create(actor=None, organisation=mtl, data={
        "name": "velos-comptage", "title_fr": "Comptage des vélos", "title_en": "Bicycle counts",
        "notes_fr": "Passages quotidiens de vélos aux compteurs de la ville, depuis 2012, un fichier par année.",
        "tags": ["vélo"], "themes": ["transport"], "frequency": "DAILY", "maintainer": "Service de la mobilité",
        "spatial_name": "Montréal", "temporal_start": "2012-01-01",
        "resources": [{"name_fr": "Comptages 2012", "url": "https://example.org/comptages.csv", "format": "CSV"}]})
    services.dataset_create(actor=None, organisation=qc, data={
        "name": "rapport-annuel", "title_fr": "Rapport annuel",
        "resources": [{"name_fr": "Rapport", "url": "https://example.org/rapport.pdf", "format": "PDF"}]})
    services.dataset_create(actor=None, organisation=qc, data={"name": "arrondissements", "title_fr": "Arrondissements"})
    quality.snapshot_take(datetime.date.today() - datetime.timedelta(days=1))
    quality.snapshot_take()


def test_dashboard_then_a_dataset_panel(live_server, page, assert_accessible, scored):
    page.goto(f"{live_server.url}/fr/catalogue/")
    page.locator("nav.site-nav").get_by_role("link", name="Qualité des données").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/qualite/$"))
    expect(page.locator("h1")).to_have_text("Qualité des métadonnées du catalogue")
    expect(page.locator("[data-vega-spec]")).to_have_attribute("data-vega-rendered", "ok")
    expect(page.locator("#evolution-tableau")).to_have_text("Relevés quotidiens")
    expect(page.locator("#liste-resume")).to_contain_text("3 jeux de données, page 1 sur 1.")
    assert_accessible(page)

    # Sort by name: a plain link, so the address can be shared.
    page.locator("#liste-tableau").locator("..").get_by_role("link", name="Jeu de données").click()
    expect(page).to_have_url(re.compile(r"\?tri=nom#a-ameliorer$"))
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Jeu de données")
    rows = page.locator("#liste-tableau").locator("..").locator("tbody th")
    expect(rows.first).to_contain_text("Arrondissements")
    expect(rows.last).to_contain_text("Rapport annuel")

    # A publisher's dashboard.
    page.get_by_role("link", name="Ville de Québec").first.click()
    page.wait_for_url(re.compile(r"/qualite/organisations/ville-de-quebec/$"))
    expect(page.locator("h1")).to_have_text("Qualité des métadonnées : Ville de Québec")
    expect(page.locator("#liste-resume")).to_contain_text("2 jeux de données")
    assert_accessible(page)

    # The dataset's panel: its points, rating, dimensions and the fixes.
    page.get_by_role("link", name="Rapport annuel").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/jeux/rapport-annuel/$"))
    panel = page.locator("#qualite")
    expect(panel.locator("h2")).to_have_text("Qualité des métadonnées")
    expect(panel).to_contain_text("points sur 405")
    expect(panel).to_contain_text("Ajoutez un point de contact.")
    expect(panel).to_contain_text("La ressource 1 est un PDF : publiez un CSV.")
    expect(panel.get_by_role("table", name="Points par dimension").locator("tbody tr")).to_have_count(5)
    assert_accessible(page)
