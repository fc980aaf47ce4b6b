"""The datastore's pages in headless Chromium: the preview of Montréal's real bike counts — paging,
sorting and filtering swapped in place by htmx with shareable addresses —, the chart builder
rendered by vega-embed, an editor saving the chart, the visualisation on the dataset page, its page
and its embeddable version inside an iframe of another page. axe finds no serious or critical
violation on the preview and the visualisation pages."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.session import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BIKES = Path(__file__).resolve().parents[1] / "datastore" / "data" / "montreal_velos_comptage_2012_latin1_semicolon.csv"


@pytest.fixture
def bikes(transactional_db, settings, tmp_path):
    """A public dataset with the bike counts uploaded (ingested at once: tests run tasks immediately)."""
    from django.core.files.base import ContentFile

    from ouvert.catalog import services
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership
    from ouvert.datastore import query, selectors

    settings.DATA_DIR = tmp_path / "data"
    query.clear()
    mtl = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            name_en="City of Montréal", kind="municipality")
    editor = core_services.user_upsert(email="editrice@montreal.example.org", password="motdepasse-Tres-Solide-42",
                                       full_name="Éditrice Montréal")
    core_services.membership_set(user=editor, organisation=mtl, role=Membership.Role.EDITOR)
    dataset = services.dataset_create(actor=editor, organisation=mtl, data={
        "name": "velos-comptage", "title_fr": "Comptage des vélos", "title_en": "Bicycle counts"})
    resource = services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Comptages 2012", "name_en": "Counts 2012", "format": "CSV"},
        upload=ContentFile(BIKES.read_bytes(), name="comptages-2012.csv"))
    assert selectors.table_for_resource(resource) is not None, "the upload was not ingested"
    yield {"editor": editor, "resource": resource}
    query.clear()


def test_preview_pages_sorts_and_filters_in_place(live_server, page, assert_accessible, bikes):
    resource = bikes["resource"]
    page.goto(f"{live_server.url}/fr/catalogue/jeux/velos-comptage/")
    page.get_by_role("link", name="Aperçu et graphiques : Comptages 2012").click()
    page.wait_for_url(re.compile(rf"/ressources/{resource.pk}/apercu/$"))
    expect(page.locator("h1")).to_have_text("Aperçu : Comptages 2012")
    expect(page.locator("#tableau-resume")).to_contain_text("Lignes 1 à 25 sur 310")
    assert_accessible(page)

    # Next page: only the table is replaced (htmx), the address can be shared.
    page.locator("#tableau-zone").get_by_role("link", name="Suivante").click()
    expect(page.locator("#tableau-resume")).to_contain_text("Lignes 26 à 50 sur 310")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#tableau-resume")).to_be_focused()
    expect(page.locator("h1")).to_have_text("Aperçu : Comptages 2012")

    # Sort by a column, descending on the second click.
    page.locator("#tableau-zone thead").get_by_role("link", name=re.compile(r"^Berri 1")).click()
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Berri 1")
    page.locator("#tableau-zone thead").get_by_role("link", name=re.compile(r"^Berri 1")).click()
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Berri 1")
    expect(page.locator("#tableau-zone tbody tr").first).to_contain_text("7077")
    expect(page).to_have_url(re.compile(r"tri=-Berri"))

    # A range filter on a number column and one on the dates.
    page.get_by_text("Filtres par colonne").click()
    page.locator("#min-2").fill("6000")  # « Berri 1 » (the row number is column 0)
    page.locator("#max-1").fill("2012-06-30")  # « Date »
    page.locator("#filtres").get_by_role("button", name="Appliquer", exact=True).click()
    expect(page.locator("#tableau-resume")).to_contain_text("(filtrées)")
    expect(page).to_have_url(re.compile(r"min.Berri"))
    shown = page.locator("#tableau-zone tbody tr")
    count = shown.count()
    assert 0 < count < 25
    for i in range(count):
        assert int(shown.nth(i).locator("td").nth(1).inner_text().replace("\u202f", "").replace(" ", "")) >= 6000
    # The download links carry the filters.
    assert "min.Berri+1=6000" in page.get_by_role("link", name="CSV — lignes filtrées").get_attribute("href")
    assert_accessible(page)

    # The same address opened afresh gives the same view.
    page.goto(page.url)
    expect(page.locator("#tableau-resume")).to_contain_text("(filtrées)")


def test_editor_builds_saves_and_embeds_a_chart(live_server, page, assert_accessible, bikes):
    resource = bikes["resource"]
    login(page, live_server, bikes["editor"])
    page.goto(f"{live_server.url}/fr/catalogue/jeux/velos-comptage/ressources/{resource.pk}/apercu/")
    expect(page.get_by_role("heading", name="Traitement des données (visible par les éditeurs)")).to_be_visible()
    builder = page.locator("#graphique-form")
    builder.get_by_label("Type de graphique").select_option("line")
    builder.get_by_label("Axe horizontal (x)").select_option("Date")
    builder.get_by_label("Mesure").select_option("sum")
    builder.get_by_label("Axe vertical (y)").select_option("Berri 1")
    builder.get_by_label("Regrouper les dates par").select_option("month")
    expect(builder.get_by_label("Classes de l’histogramme")).to_be_hidden()
    builder.get_by_role("button", name="Afficher le graphique").click()
    chart = page.locator("#graphique-zone [data-vega-spec]")
    expect(chart).to_have_attribute("data-vega-rendered", "ok")
    expect(chart.locator("svg")).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(page).to_have_url(re.compile(r"g-type=line"))
    page.get_by_text("Les données du graphique (tableau)").click()
    expect(page.locator("#graphique-zone table tbody tr")).to_have_count(11)
    assert_accessible(page)

    page.get_by_label("Titre (français)").fill("Passages mensuels, rue Berri")
    page.get_by_label("Titre (anglais)").fill("Monthly counts, Berri Street")
    page.get_by_label("Description (français)").fill("Somme des passages de vélos par mois au compteur Berri.")
    page.locator(".datastore-save").get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/jeux/velos-comptage/visualisations/[0-9a-f-]+/$"))
    expect(page.locator("h1")).to_have_text("Passages mensuels, rue Berri")
    expect(page.locator("[data-vega-spec]")).to_have_attribute("data-vega-rendered", "ok")
    snippet = page.get_by_label("Code à coller dans une page web (iframe)").input_value()
    assert snippet.startswith(f'<iframe src="{live_server.url}/fr/catalogue/jeux/velos-comptage/visualisations/')
    assert_accessible(page)
    visualisation_url = page.url

    # On the dataset page.
    page.goto(f"{live_server.url}/fr/catalogue/jeux/velos-comptage/")
    page.locator("#visualisations").get_by_role("link", name="Passages mensuels, rue Berri").click()
    page.wait_for_url(visualisation_url)

    # The embed, inside an iframe of another page (X-Frame-Options lifted for that view only).
    embed = visualisation_url + "integrer/"
    page.set_content(f'<!DOCTYPE html><html lang="fr"><head><title>Hôte</title></head><body>'
                     f'<iframe src="{embed}" title="Graphique" width="800" height="520"></iframe></body></html>')
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1")).to_have_text("Passages mensuels, rue Berri")
    expect(frame.locator("[data-vega-spec]")).to_have_attribute("data-vega-rendered", "ok")
    expect(frame.locator(".site-header")).to_have_count(0)
    page.goto(embed)
    assert_accessible(page)
