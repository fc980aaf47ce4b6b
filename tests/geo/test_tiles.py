"""Vector tiles and TileJSON of the stored layers: content (decoded), cache, errors, visibility."""

import math

import pytest
from django.core.files.storage import default_storage

from ouvert.catalog import services as catalog_services
from ouvert.geo import services as geo_services
from ouvert.geo import tiles

from .maps_kit import decode_tile, write_layer

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def geo_resource(dataset_factory, editor):
    dataset = dataset_factory(title_fr="Arrondissements de Québec")
    return catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Arrondissements", "url": "https://donnees.example.org/arrondissements.geojson",
        "format": "GeoJSON"})


def tile_url(resource, z, x, y):
    return f"/tiles/{resource.pk}/{z}/{x}/{y}.pbf"


def test_tile_holds_the_features_with_their_attributes_and_fid(client, geo_resource):
    layer = write_layer(geo_resource)
    x, y = tile_of(-71.25, 46.82, 10)
    response = client.get(tile_url(geo_resource, 10, x, y))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["ETag"] == f'"{layer.pk}-10-{x}-{y}"'
    assert "max-age" in response["Cache-Control"] and response["Cache-Control"].startswith("public")
    assert response["Access-Control-Allow-Origin"] == "*"
    decoded = decode_tile(response.content)
    assert list(decoded) == ["features"]
    features = decoded["features"]["features"]
    assert features and all(f["type"] == "Polygon" for f in features)
    names = {f["properties"]["NOM"] for f in features}
    assert "La Cité-Limoilou" in names
    for feature in features:
        assert feature["id"] == feature["properties"]["_fid"]
        assert isinstance(feature["properties"]["SUPERFICIE"], float)
        assert feature["commands"] > 3
    assert "geometry" not in features[0]["properties"] and "minx" not in features[0]["properties"]


def test_whole_world_tile_and_points(client, dataset_factory, editor):
    dataset = dataset_factory(title_fr="Lieux publics")
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Lieux", "url": "https://donnees.example.org/lieux.geojson", "format": "GeoJSON"})
    layer = write_layer(resource, "quebec_city_lieux_publics_points.geojson")
    decoded = decode_tile(client.get(tile_url(resource, 0, 0, 0)).content)
    features = decoded["features"]["features"]
    assert {f["type"] for f in features} == {"Point"}
    assert len(features) == layer.feature_count


def test_empty_tile_is_204_and_cached(client, geo_resource):
    layer = write_layer(geo_resource)
    x, y = tile_of(2.35, 48.85, 8)  # Paris: nothing of Québec there
    response = client.get(tile_url(geo_resource, 8, x, y))
    assert response.status_code == 204 and response.content == b""
    assert default_storage.exists(tiles.cache_name(layer.pk, 8, x, y))
    assert client.get(tile_url(geo_resource, 8, x, y))["X-Tile-Cache"] == "hit"


def test_second_request_comes_from_the_cache_and_a_new_layer_never_serves_old_tiles(client, geo_resource):
    first = write_layer(geo_resource)
    x, y = tile_of(-71.25, 46.82, 9)
    one = client.get(tile_url(geo_resource, 9, x, y))
    assert one["X-Tile-Cache"] == "miss"
    assert default_storage.exists(tiles.cache_name(first.pk, 9, x, y))
    two = client.get(tile_url(geo_resource, 9, x, y))
    assert two["X-Tile-Cache"] == "hit" and two.content == one.content
    # the cached file is what is served: change it and the answer changes
    with default_storage.open(tiles.cache_name(first.pk, 9, x, y), "wb") as handle:
        handle.write(b"")
    assert client.get(tile_url(geo_resource, 9, x, y)).status_code == 204
    # the browser's copy is still good: 304
    assert client.get(tile_url(geo_resource, 9, x, y), HTTP_IF_NONE_MATCH=one["ETag"]).status_code == 304

    second = write_layer(geo_resource, "montreal_arrondissements.geojson")
    three = client.get(tile_url(geo_resource, 9, x, y))
    assert three["X-Tile-Cache"] == "miss" and three["ETag"] != one["ETag"]
    assert three.status_code == 204  # Montréal's districts are not in Québec City's tile
    mx, my = tile_of(-73.6, 45.5, 9)
    names = {f["properties"].get("name") for f in decode_tile(client.get(tile_url(geo_resource, 9, mx, my)).content)
             ["features"]["features"]}
    assert "LaSalle" in names
    tiles.forget(first.pk)
    assert not default_storage.exists(tiles.cache_name(first.pk, 9, x, y))
    assert default_storage.exists(tiles.cache_name(second.pk, 9, mx, my))


@pytest.mark.parametrize("z,x,y", [(17, 0, 0), (3, 8, 0), (3, 0, 8), (0, 1, 0)])
def test_bad_addresses_are_400(client, geo_resource, z, x, y):
    write_layer(geo_resource)
    response = client.get(tile_url(geo_resource, z, x, y))
    assert response.status_code == 400
    assert response.content


def test_negative_or_non_numeric_addresses_are_not_found(client, geo_resource):
    write_layer(geo_resource)
    assert client.get(f"/tiles/{geo_resource.pk}/-1/0/0.pbf").status_code == 404
    assert client.get(f"/tiles/{geo_resource.pk}/a/0/0.pbf").status_code == 404


def test_unknown_resource_or_no_layer_is_404(client, geo_resource):
    assert client.get(tile_url(geo_resource, 0, 0, 0)).status_code == 404
    assert client.get(f"/tiles/{geo_resource.pk}.json").status_code == 404
    assert client.get("/tiles/00000000-0000-0000-0000-000000000000/0/0/0.pbf").status_code == 404


def test_private_dataset_tiles_are_hidden_from_others(client, dataset_factory, editor):
    dataset = dataset_factory(title_fr="Privé", private=True)
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Arrondissements", "url": "https://donnees.example.org/a.geojson", "format": "GeoJSON"})
    write_layer(resource)
    assert client.get(tile_url(resource, 0, 0, 0)).status_code == 404
    assert client.get(f"/tiles/{resource.pk}.json").status_code == 404
    client.force_login(editor)
    response = client.get(tile_url(resource, 0, 0, 0))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert "Access-Control-Allow-Origin" not in response


def test_tilejson(client, geo_resource):
    layer = write_layer(geo_resource)
    response = client.get(f"/tiles/{geo_resource.pk}.json")
    assert response.status_code == 200
    data = response.json()
    assert data["tilejson"] == "3.0.0"
    assert data["tiles"] == [f"http://testserver/tiles/{geo_resource.pk}/{{z}}/{{x}}/{{y}}.pbf"]
    assert data["minzoom"] == 0 and data["maxzoom"] == 16
    assert data["bounds"] == pytest.approx([layer.bbox_west, layer.bbox_south, layer.bbox_east, layer.bbox_north])
    assert -71.6 < data["bounds"][0] < data["bounds"][2] < -71.0
    fields = data["vector_layers"][0]["fields"]
    assert data["vector_layers"][0]["id"] == "features"
    assert fields["NOM"] == "String" and fields["SUPERFICIE"] == "Number" and fields["_fid"] == "Number"
    assert "geom_3857" not in fields and "minx" not in fields


def test_map_tile_service(geo_resource, editor):
    write_layer(geo_resource)
    data, layer, from_cache = geo_services.map_tile(resource_id=geo_resource.pk, user=None, z=0, x=0, y=0)
    assert data and not from_cache
    with pytest.raises(geo_services.TileError):
        geo_services.map_tile(resource_id=geo_resource.pk, user=None, z=20, x=0, y=0)


def test_tiles_from_the_real_conversion_of_a_projected_upload(client, dataset_factory, editor):
    """The layers part's conversion (MTM zone 8 → WGS84 / Web Mercator) feeds the tiles."""
    from django.core.files.base import ContentFile

    from .conftest import GEO_DATA

    dataset = dataset_factory(title_fr="Limites administratives de l'agglomération")
    source = GEO_DATA / "montreal_limites_administratives_agglomeration_EPSG32188.geojson"
    resource = catalog_services.resource_create(
        actor=editor, dataset=dataset, data={"name_fr": "Limites", "format": "GeoJSON"},
        upload=ContentFile(source.read_bytes(), name="limites.geojson"))
    layer = geo_services.layer_convert_now(resource)
    assert layer.status == "done", (layer.error_code, layer.error_message)
    x, y = tile_of(-73.57, 45.50, 10)
    response = client.get(tile_url(resource, 10, x, y))
    assert response.status_code == 200
    features = decode_tile(response.content)["features"]["features"]
    names = {f["properties"].get("NOM") for f in features}
    assert "Ville-Marie" in names or "Le Plateau-Mont-Royal" in names
    tilejson = client.get(f"/tiles/{resource.pk}.json").json()
    assert -74.1 < tilejson["bounds"][0] < -73.9 and 45.3 < tilejson["bounds"][1] < 45.5


def test_prune_deletes_only_tiles_of_layers_no_longer_served(client, geo_resource, settings):
    from ouvert.core import registry

    first = write_layer(geo_resource)
    client.get(tile_url(geo_resource, 0, 0, 0))
    assert geo_services.map_tiles_prune() == 0
    assert default_storage.exists(tiles.cache_name(first.pk, 0, 0, 0))
    second = write_layer(geo_resource)
    client.get(tile_url(geo_resource, 0, 0, 0))
    assert geo_services.map_tiles_prune() == 1
    assert not default_storage.exists(tiles.cache_name(first.pk, 0, 0, 0))
    assert default_storage.exists(tiles.cache_name(second.pk, 0, 0, 0))
    assert "geo.maps.tiles_prune" in {job.name for job in registry.periodic_jobs()}
    # local copies of layers' files (storage that is not a folder) go the same way
    copies = settings.DATA_DIR / "cache" / "geo" / str(geo_resource.pk)
    copies.mkdir(parents=True)
    (copies / f"{first.pk}.parquet").write_bytes(b"old")
    (copies / f"{second.pk}.parquet").write_bytes(b"current")
    geo_services.map_tiles_prune()
    assert not (copies / f"{first.pk}.parquet").exists() and (copies / f"{second.pk}.parquet").exists()


def test_a_missing_layer_file_is_503_not_500(client, geo_resource):
    layer = write_layer(geo_resource)
    default_storage.delete(layer.parquet_name)
    response = client.get(tile_url(geo_resource, 0, 0, 0))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "indisponibles" in response.content.decode()
    assert client.get(f"/tiles/{geo_resource.pk}.json").status_code == 503
    page = client.get(f"/fr/catalogue/jeux/{geo_resource.dataset.name}/ressources/{geo_resource.pk}/carte/")
    assert page.status_code == 503 and "indisponibles" in page.content.decode()
    assert client.get(f"/api/v1/geo/resources/{geo_resource.pk}/map?attribut=NOM").status_code == 503


def test_many_tiles_in_one_process_and_envelopes_as_st_tile_envelope(client, geo_resource):
    """A regression: ST_TileEnvelope's box passed through a CTE made ST_AsMVTGeom fail, then crash
    DuckDB, after a few tiles around Québec City; the envelope is now computed here, equal to
    ST_TileEnvelope's."""
    from ouvert.datastore import duck

    con = duck.connect(spatial=True)
    for z, x, y in ((0, 0, 0), (3, 2, 5), (9, 154, 180), (15, 9893, 11547)):
        expected = con.execute(f"SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) "
                               f"FROM (SELECT ST_TileEnvelope({z}, {x}, {y}) AS g)").fetchone()
        assert tiles.envelope(z, x, y) == pytest.approx(expected, abs=1e-6)
    con.close()
    write_layer(geo_resource)
    statuses = set()
    for z in range(8, 15):
        cx, cy = tile_of(-71.25, 46.82, z)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                statuses.add(client.get(tile_url(geo_resource, z, cx + dx, cy + dy)).status_code)
    assert statuses <= {200, 204} and 200 in statuses


def test_big_polygon_layers_keep_the_big_shapes_and_thin_the_small_ones_at_low_zoom(client, dataset_factory, editor,
                                                                                    settings):
    dataset = dataset_factory(title_fr="Régions")
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Régions", "url": "https://donnees.example.org/regions.geojson", "format": "GeoJSON"})
    layer = write_layer(resource, "quebec_regions_administratives.geojson")
    path = tiles.local_path(layer.parquet_name)
    whole = decode_tile(tiles.render(path, 0, 0, 0))["features"]["features"]
    assert len(whole) == layer.feature_count == 17
    settings.OUVERT_MAP_THIN_ABOVE = 10  # the 17 regions are a "big" layer here
    world = decode_tile(client.get(tile_url(resource, 0, 0, 0)).content)["features"]["features"]
    names = {feature["properties"]["name"] for feature in world}
    # Regions wider than 8 pixels of the world tile (about 1,250 km) are all there; the small ones
    # of the south share their cells: one each.
    assert "Nord-du-Québec" in names and 2 <= len(world) < 17
    assert "Laval" not in names or "Montréal" not in names
    x, y = tile_of(-73.7, 45.55, 8)  # around Montréal, every region is drawn
    near = decode_tile(tiles.render(path, 8, x, y, thin=True))["features"]["features"]
    assert {"Laval", "Montréal"} <= {feature["properties"]["name"] for feature in near}


def test_big_point_layers_are_thinned_at_low_zoom_only(client, dataset_factory, editor, settings):
    dataset = dataset_factory(title_fr="Lieux publics")
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Lieux", "url": "https://donnees.example.org/lieux.geojson", "format": "GeoJSON"})
    layer = write_layer(resource, "quebec_city_lieux_publics_points.geojson")
    settings.OUVERT_MAP_THIN_ABOVE = 100  # the 1,345 places are a "big" layer here
    world = decode_tile(client.get(tile_url(resource, 0, 0, 0)).content)["features"]["features"]
    assert 0 < len(world) < 10  # one point per 2-pixel cell of the whole world: a handful
    x, y = tile_of(-71.21, 46.81, 10)
    city = decode_tile(client.get(tile_url(resource, 10, x, y)).content)["features"]["features"]
    assert len(world) < len(city) < layer.feature_count
    path = tiles.local_path(layer.parquet_name)
    zx, zy = tile_of(-71.2080, 46.8139, 14)  # from zoom 14 on every point is kept
    assert tiles.render(path, 14, zx, zy, thin=True) == tiles.render(path, 14, zx, zy)
    assert len(decode_tile(tiles.render(path, 14, zx, zy))["features"]["features"]) > 1
    settings.OUVERT_MAP_THIN_ABOVE = 20_000
    other = dataset_factory(title_fr="Autres lieux")
    exact = catalog_services.resource_create(actor=editor, dataset=other, data={
        "name_fr": "Lieux", "url": "https://donnees.example.org/lieux2.geojson", "format": "GeoJSON"})
    write_layer(exact, "quebec_city_lieux_publics_points.geojson")
    assert len(decode_tile(client.get(tile_url(exact, 0, 0, 0)).content)["features"]["features"]) == 1345
