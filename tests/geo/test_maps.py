"""Map pages (HTTP): the preview, styles by attribute (classes computed in DuckDB), the saved default,
the embed, the attribute table, the offline base map and the dataset page's panel."""

import json

import pytest
from django.urls import reverse

from ouvert.catalog import services as catalog_services
from ouvert.geo import maps
from ouvert.geo import services as geo_services
from ouvert.geo.models import GeoResource

from .maps_kit import write_layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(dataset_factory):
    return dataset_factory(title_fr="Lieux publics de Québec", name="lieux-publics")


def make_resource(dataset, editor, name="Lieux publics", source="quebec_city_lieux_publics_points.geojson"):
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": name, "url": f"https://donnees.example.org/{source}", "format": "GeoJSON"})
    write_layer(resource, source)
    return resource


def map_url(resource, suffix=""):
    return reverse("geo:map", kwargs={"name": resource.dataset.name, "resource_id": resource.pk}) + suffix


def config_of(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="carte-config" type="application/json">') + len(
        '<script id="carte-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_map_page_shows_the_map_its_description_and_links(client, dataset, editor):
    resource = make_resource(dataset, editor)
    response = client.get(map_url(resource))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Carte : Lieux publics" in html
    assert "1\xa0345 entités (points)" in html  # grouped digits, French style
    assert "sous le zoom" not in html  # a small layer: every feature at every zoom
    assert "vendor/maplibre-gl.js" in html and "geo/map.js" in html
    assert "cdn" not in html.lower()
    config = config_of(response)
    assert config["tiles"] == f"http://testserver/tiles/{resource.pk}/{{z}}/{{x}}/{{y}}.pbf"
    assert config["layer"] == "features" and config["base"] == {"geojson": "/tiles/fond/quebec.geojson"}
    assert config["bounds"][0] < -71.2 < config["bounds"][2]
    assert config["locale"]["FullscreenControl.Enter"] == "Afficher en plein écran"
    assert reverse("geo:map_features", kwargs={"name": dataset.name, "resource_id": resource.pk}) in html
    assert "carte/integrer/" in html and "<iframe" in html.replace("&lt;iframe", "<iframe")
    assert response["X-Frame-Options"] == "DENY"


def test_graduated_style_quantiles_and_equal_intervals(client, dataset, editor):
    resource = make_resource(dataset, editor, name="Stations", source="montreal_bixi_stations_usage_points.geojson")
    layer = GeoResource.objects.get(pk=resource.pk).current_layer
    assert layer.feature_count == 734
    style = geo_services.map_style_parse(layer=layer, data={"attribut": "start_total_count", "classes": "4"})
    assert style == {"attribute": "start_total_count", "method": "graduated", "classes": 4, "breaks": "quantiles",
                     "palette": "bleus"}
    quantiles = geo_services.map_style_classes(layer=layer, style=style)
    counts = [item["count"] for item in quantiles["legend"] if item["label"] != "Sans valeur"]
    assert sum(counts) == 734 - sum(i["count"] for i in quantiles["legend"] if i["label"] == "Sans valeur")
    expression = quantiles["color"]
    assert expression[0] == "case" and expression[2][0] == "step"
    equal = geo_services.map_style_classes(layer=layer, style={**style, "breaks": "equal"})
    bounds = [(item["low"], item["high"]) for item in equal["legend"] if "low" in item]
    widths = {round(high - low, 6) for low, high in bounds}
    assert len(widths) == 1  # equal intervals
    # quantiles put about as many features in each class, equal intervals do not (skewed perimeters)
    assert max(counts) - min(counts) < max(i["count"] for i in equal["legend"]) - min(
        i["count"] for i in equal["legend"] if "low" in i)

    response = client.get(map_url(resource, "?attribut=start_total_count&classes=4&decoupage=equal&palette=verts"))
    assert response.status_code == 200
    config = config_of(response)
    assert config["color"] == equal["color"] or config["color"][2][2] == "#edf8e9"
    html = response.content.decode()
    assert "Légende" in html and "intervalles égaux" in html
    assert "attribut=start_total_count" in html  # the link to the same view carries the style


def test_categories_top_n_and_others(dataset, editor):
    resource = make_resource(dataset, editor)
    layer = GeoResource.objects.get(pk=resource.pk).current_layer
    style = geo_services.map_style_parse(layer=layer, data={"attribut": "DESCRIPTION", "classes": "5"})
    assert style["method"] == "categories"
    classes = geo_services.map_style_classes(layer=layer, style=style)
    labels = [item["label"] for item in classes["legend"]]
    assert len(labels) == 5 and labels[-1] == "Autres valeurs"
    assert sum(item["count"] for item in classes["legend"]) == 1345
    assert classes["color"][2][0] == "match"


@pytest.mark.parametrize("query,field", [
    ("?attribut=inexistant", "attribut"), ("?attribut=DESCRIPTION&methode=graduated", "methode"),
    ("?attribut=PERIMETRE&classes=99", "classes"), ("?attribut=PERIMETRE&classes=abc", "classes"),
    ("?attribut=PERIMETRE&decoupage=x", "decoupage"), ("?attribut=PERIMETRE&palette=rose", "palette")])
def test_bad_style_is_400_with_a_message_and_the_plain_map(client, dataset, editor, query, field):
    resource = make_resource(dataset, editor)
    response = client.get(map_url(resource, query))
    assert response.status_code == 400
    assert "Le style demandé n’a pas pu être appliqué" in response.content.decode()
    assert config_of(response)["color"] == maps.DEFAULT_COLOR


def test_publisher_saves_the_default_style_others_cannot(client, dataset, editor, member, make_user):
    resource = make_resource(dataset, editor)
    save = reverse("geo:map_style", kwargs={"name": dataset.name, "resource_id": resource.pk})
    data = {"attribut": "DESCRIPTION", "methode": "categories", "classes": "3"}
    assert client.post(save, data).status_code == 302  # to the login page
    stranger = make_user(email="autre@example.org")
    client.force_login(stranger)
    assert client.post(save, data).status_code == 403
    assert GeoResource.objects.get(pk=resource.pk).style == {}
    client.force_login(editor)
    response = client.post(save, data)
    assert response.status_code == 302 and response["Location"] == map_url(resource)
    assert GeoResource.objects.get(pk=resource.pk).style == {"attribute": "DESCRIPTION", "method": "categories",
                                                             "classes": 3}
    client.logout()
    page = client.get(map_url(resource))
    assert config_of(page)["color"][2][0] == "match"  # the saved style is the default for everybody
    client.force_login(editor)
    bad = client.post(save, {"attribut": "nope"})
    assert bad.status_code == 302 and "attribut=nope" in bad["Location"]
    assert GeoResource.objects.get(pk=resource.pk).style["attribute"] == "DESCRIPTION"


def test_embed_allows_framing_only_there(client, dataset, editor):
    resource = make_resource(dataset, editor)
    embed = client.get(map_url(resource, "integrer/?attribut=PERIMETRE"))
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed and embed["Content-Security-Policy"] == "frame-ancestors *"
    html = embed.content.decode()
    assert "site-header" not in html and "data-geo-embed-map" in html and "Légende" in html
    assert client.get(map_url(resource))["X-Frame-Options"] == "DENY"


def test_features_table_pages_and_nearest_first(client, dataset, editor):
    resource = make_resource(dataset, editor)
    url = reverse("geo:map_features", kwargs={"name": dataset.name, "resource_id": resource.pk})
    first = client.get(url)
    assert first.status_code == 200
    html = first.content.decode()
    assert "<caption" in html and 'scope="col"' in html and "page 1 sur 68" in html
    assert "Aéroport international Jean-Lesage" in html  # feature 1
    last = client.get(url + "?page=68")
    assert last.status_code == 200 and last.content.decode().count('<th scope="row">') == 5
    near = geo_services.map_features(layer=GeoResource.objects.get(pk=resource.pk).current_layer,
                                     near=(-71.2080, 46.8139))
    assert near["rows"][0][0] != 1
    response = client.get(url + "?pres=-71.2080,46.8139")
    assert response.status_code == 200 and "les plus proches" in response.content.decode()
    assert client.get(url + "?pres=abc").status_code == 400
    assert client.get(url + "?pres=500,100").status_code == 400
    assert client.get(url + "?page=0").status_code == 400


def test_not_geographic_private_and_pending(client, dataset_factory, dataset, editor):
    plain = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Tableau", "url": "https://donnees.example.org/t.csv", "format": "CSV"})
    GeoResource.objects.filter(pk=plain.pk).delete()
    assert client.get(map_url(plain)).status_code == 404
    pending = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "En attente", "url": "https://donnees.example.org/p.geojson", "format": "GeoJSON"})
    GeoResource.objects.get_or_create(resource=pending)
    GeoResource.objects.filter(pk=pending.pk).update(current_layer=None)
    response = client.get(map_url(pending))
    assert response.status_code == 200 and "pas encore prête" in response.content.decode()
    from ouvert.geo.models import GeoLayer

    GeoLayer.objects.create(geo_id=pending.pk, status=GeoLayer.Status.FAILED, error_code="bad",
                            error_message="Le fichier n’est pas du GeoJSON.")
    failed = client.get(map_url(pending)).content.decode()
    assert "n’a pas pu être produite" in failed and "pas du GeoJSON" not in failed
    client.force_login(editor)
    assert "pas du GeoJSON" in client.get(map_url(pending)).content.decode()
    client.logout()
    secret = dataset_factory(title_fr="Secret", private=True)
    hidden = make_resource(secret, editor)
    assert client.get(map_url(hidden)).status_code == 404
    assert client.get(map_url(hidden, "integrer/")).status_code == 404
    client.force_login(editor)
    assert client.get(map_url(hidden)).status_code == 200


def test_old_dataset_name_redirects(client, dataset, editor):
    resource = make_resource(dataset, editor)
    catalog_services.dataset_update(actor=editor, dataset=dataset, data={"name": "lieux-publics-2025"}, partial=True)
    response = client.get(reverse("geo:map", kwargs={"name": "lieux-publics", "resource_id": resource.pk})
                          + "?attribut=PERIMETRE")
    assert response.status_code == 301
    assert response["Location"].endswith(f"/lieux-publics-2025/ressources/{resource.pk}/carte/?attribut=PERIMETRE")


def test_offline_base_map(client, settings):
    response = client.get("/tiles/fond/quebec.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    kinds = {f["properties"]["kind"] for f in data["features"]}
    names = {f["properties"]["name"] for f in data["features"]}
    assert kinds == {"province", "region"} and "Quebec" in names and "Capitale-Nationale" in names
    assert len(response.content) < 400_000
    assert client.get("/tiles/fond/quebec.geojson", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_base_tiles_setting_replaces_the_bundled_map(client, settings, dataset, editor):
    resource = make_resource(dataset, editor)
    settings.OUVERT_MAP_BASE_TILES = "https://tuiles.example.org/{z}/{x}/{y}.png"
    settings.OUVERT_MAP_BASE_ATTRIBUTION = "© Contributeurs d’OpenStreetMap"
    config = config_of(client.get(map_url(resource)))
    assert config["base"] == {"tiles": "https://tuiles.example.org/{z}/{x}/{y}.png",
                              "attribution": "© Contributeurs d’OpenStreetMap"}


def test_map_page_says_when_small_features_are_thinned(client, dataset, editor, settings):
    from django.utils import translation

    settings.OUVERT_MAP_THIN_ABOVE = 1000
    resource = make_resource(dataset, editor)
    html = client.get(map_url(resource)).content.decode()
    assert "sous le zoom 14, la carte ne montre qu’une partie des petites entités" in html
    with translation.override("en"):
        url = map_url(resource)
    html = client.get(url).content.decode()
    assert "1,345 features (points) · " in html and "below zoom 14 the map shows only part of the small" in html


def test_dataset_page_panel_in_constant_queries(client, dataset, editor, django_assert_max_num_queries):
    first = make_resource(dataset, editor)
    page = reverse("catalog:dataset", kwargs={"name": dataset.name})
    response = client.get(page)
    html = response.content.decode()
    assert 'id="cartes"' in html and "cartes-config" in html
    assert map_url(first) in html
    assert "1\xa0345 entités (points)" in html

    client.get(page)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(page)
    make_resource(dataset, editor, name="Arrondissements", source="quebec_city_arrondissements.geojson")
    make_resource(dataset, editor, name="Pistes", source="quebec_city_reseau_cyclable_lines.geojson")
    with CaptureQueriesContext(connection) as three:
        html = client.get(page).content.decode()
    geo_queries = [q for q in three.captured_queries if "geo_georesource" in q["sql"]]
    assert len(geo_queries) <= len([q for q in one.captured_queries if "geo_georesource" in q["sql"]]) + 0
    assert "Carte : Arrondissements" in html and "Carte : Pistes" in html


def test_chart_builder_map_of_points_uses_maplibre(client, dataset, editor, django_capture_on_commit_callbacks):
    """The datastore's « Carte de points » is drawn by the geo module's MapLibre map (no Vega)."""
    from django.core.files.base import ContentFile

    rows = "nom,latitude,longitude\nHôtel de ville,46.8131,-71.2075\nGare du Palais,46.8173,-71.2137\n"
    with django_capture_on_commit_callbacks(execute=True):  # the ingestion runs at once in tests
        resource = catalog_services.resource_create(
            actor=editor, dataset=dataset, data={"name_fr": "Lieux (CSV)", "format": "CSV"},
            upload=ContentFile(rows.encode(), name="lieux.csv"))
    preview = reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": resource.pk})
    html = client.get(preview + "?g-type=map").content.decode()
    assert 'data-geo-points="#graphique-spec"' in html and 'data-vega-spec="#graphique-spec"' not in html
    assert "vendor/maplibre-gl.js" in html and "/tiles/fond/quebec.geojson" in html
    bar = client.get(preview + "?g-type=bar&g-x=nom").content.decode()
    assert 'data-vega-spec="#graphique-spec"' in bar and "data-geo-points" not in bar


def test_english_page(client, dataset, editor):
    resource = make_resource(dataset, editor, name="Lieux publics",
                             source="quebec_city_arrondissements.geojson")
    from django.utils import translation

    with translation.override("en"):
        url = reverse("geo:map", kwargs={"name": dataset.name, "resource_id": resource.pk})
    assert url.startswith("/en/")
    response = client.get(url + "?attribut=SUPERFICIE&classes=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en' in html and 'value="_fid"' not in html


def test_categories_of_numbers_match_the_map_s_text_of_them(dataset, editor):
    """PERIMETRE is 0 (a double) for every place: the map writes it "0", so must the classes."""
    resource = make_resource(dataset, editor)
    layer = GeoResource.objects.get(pk=resource.pk).current_layer
    style = geo_services.map_style_parse(layer=layer, data={"attribut": "PERIMETRE", "methode": "categories"})
    classes = geo_services.map_style_classes(layer=layer, style=style)
    assert classes["legend"] == [{"label": "0", "color": maps.CATEGORY_COLORS[0], "count": 1345}]
    assert classes["color"][2][2:4] == ["0", maps.CATEGORY_COLORS[0]]


def test_classes_are_computed_once_per_layer_style_and_language(dataset, editor, monkeypatch):
    resource = make_resource(dataset, editor)
    layer = GeoResource.objects.get(pk=resource.pk).current_layer
    style = geo_services.map_style_parse(layer=layer, data={"attribut": "DESCRIPTION", "classes": "3"})
    calls = []
    real = maps._style_classes
    monkeypatch.setattr(maps, "_style_classes", lambda *a: calls.append(a) or real(*a))
    first = geo_services.map_style_classes(layer=layer, style=style)
    assert geo_services.map_style_classes(layer=layer, style=style) == first and len(calls) == 1
    from django.utils import translation

    with translation.override("en"):
        geo_services.map_style_classes(layer=layer, style=style)
    geo_services.map_style_classes(layer=layer, style={**style, "classes": 4})
    assert len(calls) == 3
