"""The geo module's map in headless Chromium, with every non-local request blocked (the map must work
offline): MapLibre draws Québec City's real public places from the platform's vector tiles on the
bundled base map, a click and the keyboard open a pop-up with the feature's attributes, the legend
follows the style chosen in the form, and axe finds no serious or critical violation."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.session import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def places(transactional_db, settings, tmp_path):
    from ouvert.catalog import services
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership
    from tests.geo.maps_kit import write_layer

    settings.DATA_DIR = tmp_path / "data"
    org = core_services.organisation_upsert(slug="ville-de-quebec", name_fr="Ville de Québec",
                                            name_en="Québec City", kind="municipality")
    editor = core_services.user_upsert(email="editrice@quebec.example.org", password="motdepasse-Tres-Solide-42",
                                       full_name="Éditrice Québec")
    core_services.membership_set(user=editor, organisation=org, role=Membership.Role.EDITOR)
    dataset = services.dataset_create(actor=editor, organisation=org, data={
        "name": "arrondissements", "title_fr": "Arrondissements de Québec"})
    resource = services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Arrondissements", "url": "https://donnees.example.org/arrondissements.geojson",
        "format": "GeoJSON"})
    write_layer(resource, "quebec_city_arrondissements.geojson")
    return {"dataset": dataset, "resource": resource}


def _offline(page, live_server) -> list[str]:
    """Abort every request that does not go to the live server; return the blocked addresses."""
    blocked: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def _wait_loaded(page):
    page.wait_for_function("window.ouvertMaps && window.ouvertMaps.length && window.ouvertMaps[0].loaded()"
                           " && window.ouvertMaps[0].areTilesLoaded()", timeout=20_000)


def test_map_renders_offline_with_popups_legend_and_no_serious_axe_violation(
        live_server, page, assert_accessible, places):
    blocked = _offline(page, live_server)
    resource = places["resource"]
    page.goto(f"{live_server.url}/fr/catalogue/jeux/arrondissements/")
    page.get_by_role("link", name="Carte : Arrondissements").first.click()
    page.wait_for_url(re.compile(rf"/ressources/{resource.pk}/carte/"))
    expect(page.locator("h1")).to_have_text("Carte : Arrondissements")
    _wait_loaded(page)
    assert page.locator(".geo-map canvas").count() == 1
    rendered = page.evaluate("""() => {
        const map = window.ouvertMaps[0];
        return map.queryRenderedFeatures({layers: ['donnees0-surfaces']}).map(f => f.properties.NOM);
    }""")
    assert "La Cité-Limoilou" in rendered
    base = page.evaluate("() => window.ouvertMaps[0].queryRenderedFeatures({layers: ['fond-provinces']}).length")
    assert base > 0, "the bundled base map is drawn"

    # A click on a district opens a pop-up with its attributes.
    point = page.evaluate("""() => {
        const map = window.ouvertMaps[0];
        const f = map.queryRenderedFeatures({layers: ['donnees0-surfaces']})
            .find(f => f.properties.NOM === 'La Cité-Limoilou');
        const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
        const lng = ring.reduce((s, c) => s + c[0], 0) / ring.length;
        const lat = ring.reduce((s, c) => s + c[1], 0) / ring.length;
        const p = map.project([lng, lat]);
        return [p.x, p.y, lng, lat];
    }""")
    page.locator(".geo-map canvas").click(position={"x": point[0], "y": point[1]})
    popup = page.locator(".maplibregl-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("NOM")
    expect(popup.locator("table")).to_contain_text("Cité-Limoilou")

    # The keyboard: centre the map on a district, focus the map, Enter.
    page.evaluate("([lng, lat]) => window.ouvertMaps[0].jumpTo({center: [lng, lat], zoom: 12})", point[2:])
    _wait_loaded(page)
    page.locator(".maplibregl-popup-close-button").click()
    page.locator(".geo-map canvas").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".maplibregl-popup")).to_be_visible()
    expect(page.locator("[data-geo-status]")).to_contain_text("Entité n°")
    # The link to the same view follows the map's position.
    expect(page.locator("#carte-lien")).to_have_value(re.compile(r"#carte=12(\.\d+)?/46\.\d+/-71\.\d+"))
    assert_accessible(page)

    # A style by attribute: graduated classes of the area, with their legend.
    page.get_by_label("Colorer selon l’attribut").select_option("SUPERFICIE")
    page.get_by_label("Nombre de classes").fill("3")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r"attribut=SUPERFICIE"))
    expect(page.locator(".geo-legend")).to_contain_text("classes graduées")
    expect(page.locator(".geo-legend__list li")).to_have_count(3)
    _wait_loaded(page)
    colours = page.evaluate("""() => {
        const map = window.ouvertMaps[0];
        return [...new Set(map.queryRenderedFeatures({layers: ['donnees0-surfaces']})
            .map(f => JSON.stringify(f.layer.paint['fill-color'])))].length;
    }""")
    assert colours >= 2, "the districts are coloured by class"
    assert_accessible(page)
    assert all(not url.startswith(live_server.url) for url in blocked)


def test_embed_renders_in_an_iframe_offline(live_server, page, places):
    _offline(page, live_server)
    resource = places["resource"]
    page.goto(f"{live_server.url}/fr/catalogue/jeux/arrondissements/ressources/{resource.pk}/carte/integrer/")
    _wait_loaded(page)
    count = page.evaluate(
        "() => window.ouvertMaps[0].queryRenderedFeatures({layers: ['donnees0-surfaces']}).length")
    assert count > 0
    expect(page.locator(".geo-legend")).to_be_visible()


@pytest.fixture
def stations(transactional_db, settings, tmp_path):
    """A CSV of Montréal's real BIXI stations (name, usage, latitude, longitude), uploaded and ingested."""
    from django.core.files.base import ContentFile

    from ouvert.catalog import services
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership
    from ouvert.datastore import duck, query
    from tests.geo.conftest import GEO_DATA

    settings.DATA_DIR = tmp_path / "data"
    query.clear()
    csv = tmp_path / "stations.csv"
    con = duck.connect(spatial=True)
    con.execute(f"""COPY (SELECT name AS nom, start_total_count AS departs,
                       CASE WHEN start_total_count > 5000 THEN 'forte' ELSE 'faible' END AS affluence,
                       ST_Y(geom) AS latitude, ST_X(geom) AS longitude
                       FROM ST_Read('{GEO_DATA / "montreal_bixi_stations_usage_points.geojson"}')
                       WHERE geom IS NOT NULL ORDER BY pk) TO '{csv}' (HEADER)""")
    con.close()
    org = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            kind="municipality")
    editor = core_services.user_upsert(email="editrice@montreal.example.org", password="motdepasse-Tres-Solide-42")
    core_services.membership_set(user=editor, organisation=org, role=Membership.Role.EDITOR)
    dataset = services.dataset_create(actor=editor, organisation=org, data={
        "name": "stations-bixi", "title_fr": "Stations BIXI"})
    resource = services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Stations", "format": "CSV"}, upload=ContentFile(csv.read_bytes(), name="stations.csv"))
    resource.editor = editor
    yield resource
    query.clear()


def test_chart_builder_map_of_points_is_a_maplibre_map_offline(live_server, page, assert_accessible, stations):
    _offline(page, live_server)
    login(page, live_server, stations.editor)
    page.goto(f"{live_server.url}/fr/catalogue/jeux/stations-bixi/ressources/{stations.pk}/apercu/")
    builder = page.locator("#graphique-form")
    builder.get_by_label("Type de graphique").select_option("map")
    builder.get_by_label("Couleur selon").select_option("affluence")
    builder.get_by_role("button", name="Afficher le graphique").click()
    chart = page.locator("#graphique-zone [data-geo-points]")
    expect(chart).to_have_attribute("data-geo-rendered", "ok")
    page.wait_for_function("window.ouvertMaps && window.ouvertMaps.length && window.ouvertMaps[0].loaded()")
    count = page.evaluate("() => window.ouvertMaps[0].queryRenderedFeatures({layers: ['donnees0-points']}).length")
    assert count > 100
    expect(page.locator("#graphique-zone .geo-legend")).to_contain_text("faible")
    expect(page).to_have_url(re.compile(r"g-type=map"))
    assert_accessible(page)

    # Saved as a visualisation: its page and its embed inside another page draw the same map.
    page.get_by_label("Titre (français)").fill("Stations BIXI selon l’affluence")
    page.locator(".datastore-save").get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/visualisations/[0-9a-f-]+/$"))
    expect(page.locator("[data-geo-points]")).to_have_attribute("data-geo-rendered", "ok")
    embed = page.url + "integrer/"
    page.set_content(f'<!DOCTYPE html><html lang="fr"><head><title>Hôte</title></head><body>'
                     f'<iframe src="{embed}" title="Carte" width="800" height="600"></iframe></body></html>')
    frame = page.frame_locator("iframe")
    expect(frame.locator("[data-geo-points]")).to_have_attribute("data-geo-rendered", "ok")
    expect(frame.locator(".geo-legend")).to_contain_text("forte")
