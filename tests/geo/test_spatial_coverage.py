"""Datasets' spatial coverage: declared box, or the union of the current layers' boxes (``geo.spatial``).

Layers are made here as the layers part leaves them (a ``GeoLayer`` done, with its box, made current);
the footprint test writes the layer's Parquet file from a real GeoJSON of the corpus with DuckDB, as
the stored layer's contract says (``geo/models.py``)."""

import json

import pytest
from django.core.files.storage import default_storage

from ouvert.catalog import services as catalog
from ouvert.catalog.models import Dataset
from ouvert.core import services as core_services
from ouvert.geo import services as geo
from ouvert.geo.models import GeoLayer, GeoResource, layer_parquet_name

from .conftest import GEO_DATA

pytestmark = pytest.mark.django_db

MONTREAL = (-73.98, 45.41, -73.47, 45.70)
QUEBEC_CITY = (-71.55, 46.73, -71.13, 46.99)


def add_layer(dataset, bbox, *, resource=None, parquet_from=None, status=GeoLayer.Status.DONE, current=True):
    """A geographic resource of ``dataset`` (a new link unless given) with a layer of box ``bbox``."""
    if resource is None:
        resource = catalog.resource_create(actor=None, dataset=dataset, data={
            "name_fr": f"Couche {dataset.resources.count() + 1}", "url": "https://donnees.example.org/c.geojson",
            "format": "GeoJSON"})
    geo_resource, _created = GeoResource.objects.get_or_create(resource=resource)
    layer = GeoLayer.objects.create(geo=geo_resource, status=status, source_format="GeoJSON",
                                    bbox_west=bbox[0], bbox_south=bbox[1], bbox_east=bbox[2], bbox_north=bbox[3])
    if parquet_from is not None:
        from ouvert.datastore import duck

        name = layer_parquet_name(resource.pk, layer.pk)
        path = default_storage.path(name)
        import os

        os.makedirs(os.path.dirname(path), exist_ok=True)
        con = duck.connect(spatial=True, threads=1)
        con.execute(f"COPY (SELECT row_number() OVER () AS _fid, geom AS geometry FROM ST_Read('{parquet_from}')) "
                    f"TO '{path}' (FORMAT parquet)")
        con.close()
        layer.parquet_name = name
        layer.save(update_fields=["parquet_name"])
    if current:
        geo_resource.current_layer = layer
        geo_resource.save(update_fields=["current_layer"])
    return resource, layer


def test_declared_box_wins_and_is_never_overwritten(dataset_factory):
    dataset = dataset_factory(bbox_west=-74.0, bbox_south=45.38, bbox_east=-73.47, bbox_north=45.71)
    add_layer(dataset, QUEBEC_CITY)
    assert geo.coverage_refresh([dataset.pk]) == 1
    dataset.refresh_from_db()
    assert (dataset.bbox_west, dataset.bbox_north) == (-74.0, 45.71)  # declared: untouched
    assert (dataset.coverage_west, dataset.coverage_north) == QUEBEC_CITY[::3]
    coverage = geo.dataset_coverage(dataset)
    assert coverage["source"] == "declared"
    assert coverage["bbox"] == (-74.0, 45.38, -73.47, 45.71)


def test_computed_box_is_the_union_of_current_layers(dataset_factory):
    dataset = dataset_factory()
    add_layer(dataset, MONTREAL)
    add_layer(dataset, QUEBEC_CITY)
    add_layer(dataset, (-80, 40, -60, 50), status=GeoLayer.Status.FAILED)  # not done: left out
    add_layer(dataset, (10, 10, 20, 20), current=False)  # not current: left out
    dataset.refresh_from_db()
    modified, activities = dataset.modified_at, dataset.activities.count()
    assert geo.coverage_refresh([dataset.pk]) == 1
    dataset.refresh_from_db()
    coverage = geo.dataset_coverage(dataset)
    assert coverage["source"] == "computed"
    assert coverage["bbox"] == (-73.98, 45.41, -71.13, 46.99)
    assert coverage["footprint"]["type"] == "GeometryCollection"
    assert len(coverage["footprint"]["geometries"]) == 2
    # No activity, no new modification date: the coverage follows the data.
    assert dataset.modified_at == modified
    assert dataset.activities.count() == activities
    assert geo.coverage_refresh([dataset.pk]) == 0  # nothing changed: nothing written


def test_no_layer_no_coverage_and_cleared_when_resource_deleted(dataset_factory, django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    assert geo.coverage_refresh([dataset.pk]) == 0
    assert geo.dataset_coverage(dataset)["source"] is None
    resource, _layer = add_layer(dataset, MONTREAL)
    geo.coverage_refresh([dataset.pk])
    dataset.refresh_from_db()
    assert geo.dataset_coverage(dataset)["source"] == "computed"
    with django_capture_on_commit_callbacks(execute=True):  # the resource listener runs after the commit
        catalog.resource_delete(actor=None, resource=resource)
    dataset.refresh_from_db()
    assert geo.dataset_coverage(dataset) == {"source": None, "bbox": None, "footprint": None}
    assert dataset.coverage_footprint is None


def test_refresh_follows_a_new_current_layer(dataset_factory):
    dataset = dataset_factory()
    resource, _first = add_layer(dataset, MONTREAL)
    geo.coverage_refresh([dataset.pk])
    add_layer(dataset, QUEBEC_CITY, resource=resource)  # a new version converted: the layer moves forward
    geo.coverage_refresh([dataset.pk])
    dataset.refresh_from_db()
    assert geo.dataset_coverage(dataset)["bbox"] == QUEBEC_CITY


def test_listeners_refresh_after_commit(dataset_factory, django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    add_layer(dataset, MONTREAL)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.dataset_update(actor=None, dataset=dataset, data={"title_en": "Boroughs"}, partial=True)
    dataset.refresh_from_db()
    assert geo.dataset_coverage(dataset)["bbox"] == MONTREAL


def test_footprint_from_the_real_layer_is_small_and_inside_the_box(dataset_factory):
    dataset = dataset_factory()
    path = GEO_DATA / "montreal_arrondissements.geojson"
    add_layer(dataset, (-73.98, 45.41, -73.47, 45.70), parquet_from=path)
    geo.coverage_refresh([dataset.pk])
    dataset.refresh_from_db()
    footprint = geo.dataset_coverage(dataset)["footprint"]
    assert footprint["type"] == "Polygon"
    ring = footprint["coordinates"][0]
    assert 4 <= len(ring) <= 300
    assert all(-74.0 <= x <= -73.4 and 45.38 <= y <= 45.72 for x, y in ring)
    assert len(str(footprint)) < 20_000
    # Same layers next time: the footprint is kept, not read again.
    stored = Dataset.objects.get(pk=dataset.pk).coverage_footprint
    assert stored["layers"] == list(GeoLayer.objects.filter(geo__resource__dataset=dataset).values_list("pk", flat=True))


def test_coverage_set_refuses_bad_boxes(dataset_factory):
    from django.core.exceptions import ValidationError

    dataset = dataset_factory()
    for bad in [(1, 2, 3), (-200, 0, 0, 1), (10, 0, 5, 1), ("a", 0, 1, 1)]:
        with pytest.raises(ValidationError):
            catalog.dataset_coverage_set(dataset, bad)


def test_dcat_exports_the_computed_box(dataset_factory, client):
    dataset = dataset_factory()
    add_layer(dataset, MONTREAL)
    geo.coverage_refresh([dataset.pk])
    from ouvert.catalog import dcat

    dataset.refresh_from_db()
    text = dcat.dataset_graph(dataset).serialize(format="turtle")
    assert "POLYGON((-73.98 45.41, -73.47 45.41, -73.47 45.7, -73.98 45.7, -73.98 45.41))" in text


def _api(client, action, token=None, **params):
    if token is None:
        response = client.get(f"/api/3/action/{action}", params)
    else:
        response = client.post(f"/api/3/action/{action}", json.dumps(params), content_type="application/json",
                               HTTP_AUTHORIZATION=token)
    assert response.status_code == 200, response.content
    return response.json()["result"]


def test_package_show_gives_the_coverage_as_ckanext_spatial_does_and_a_round_trip_declares_nothing(
        dataset_factory, editor, client):
    dataset = dataset_factory()
    add_layer(dataset, MONTREAL)
    geo.coverage_refresh([dataset.pk])
    token = core_services.token_create(user=editor)
    shown = _api(client, "package_show", id=dataset.name)
    assert shown["spatial_source"] == "computed"
    spatial = json.loads(shown["spatial"])
    assert spatial["type"] == "Polygon" and [-73.98, 45.41] in spatial["coordinates"][0]
    # package_show's answer sent back, edited: the computed coverage does not become a declared one.
    edited = {key: value for key, value in shown.items() if key not in ("notes_translated", "notes_fr", "notes_en")}
    _api(client, "package_update", token, **dict(edited, notes="Toutes les stations."))
    dataset.refresh_from_db()
    assert dataset.notes_fr == "Toutes les stations." and dataset.bbox_west is None
    assert "spatial" not in dataset.extra_fields and "spatial_source" not in dataset.extra_fields
    # ckanext-spatial's own key, given by a client, declares the box.
    declared = {"type": "Polygon", "coordinates": [[[-71.5, 46.7], [-71.1, 46.7], [-71.1, 47.0], [-71.5, 46.7]]]}
    edited.pop("spatial_source")
    _api(client, "package_update", token, **dict(edited, spatial=json.dumps(declared)))
    dataset.refresh_from_db()
    assert (dataset.bbox_west, dataset.bbox_south, dataset.bbox_east, dataset.bbox_north) == (-71.5, 46.7, -71.1, 47.0)
    assert _api(client, "package_show", id=dataset.name)["spatial_source"] == "declared"
    other = dataset_factory()
    assert "spatial" not in _api(client, "package_show", id=other.name)  # no coverage, no key


def test_schema_org_gives_the_computed_box(dataset_factory, client):
    dataset = dataset_factory()
    add_layer(dataset, QUEBEC_CITY)
    geo.coverage_refresh([dataset.pk])
    dataset.refresh_from_db()
    from ouvert.catalog import schemaorg

    place = schemaorg.dataset_schemaorg(dataset)["spatialCoverage"]
    assert place["geo"] == {"@type": "GeoShape", "box": "46.73 -71.55 46.99 -71.13"}


def test_real_conversion_sets_the_coverage(dataset_factory, django_capture_on_commit_callbacks):
    """The layers part converts a real GeoJSON (Montréal's boroughs); when its layer becomes current the
    dataset's coverage follows (``post_save`` of ``GeoResource``), with a footprint read from the layer."""
    from django.core.files.base import ContentFile

    dataset = dataset_factory(name="arrondissements-montreal")
    data = (GEO_DATA / "montreal_arrondissements.geojson").read_bytes()
    resource = catalog.resource_create(actor=None, dataset=dataset, data={"name_fr": "Arrondissements"},
                                       upload=ContentFile(data, name="arrondissements.geojson"))
    with django_capture_on_commit_callbacks(execute=True):
        layer = geo.layer_convert_now(resource)
    assert layer is not None and layer.status == GeoLayer.Status.DONE, layer and layer.error_message
    dataset.refresh_from_db()
    coverage = geo.dataset_coverage(dataset)
    assert coverage["source"] == "computed"
    west, south, east, north = coverage["bbox"]
    assert -74.0 < west < -73.9 and 45.39 < south < 45.42 and -73.5 < east < -73.45 and 45.69 < north < 45.71
    assert coverage["footprint"]["type"] == "Polygon"
    assert len(coverage["footprint"]["coordinates"][0]) <= 300
    from ouvert.catalog.package_search import package_search

    found = package_search(user=None, params={"ext_bbox": "-73.6,45.5,-73.5,45.6"})
    assert [r["name"] for r in found["results"]] == ["arrondissements-montreal"]
    assert package_search(user=None, params={"ext_bbox": "-71.5,46.7,-71.1,46.9"})["count"] == 0


def test_refresh_all_catches_up_and_is_a_periodic_job(dataset_factory):
    from ouvert.core import registry

    assert "geo.coverage_refresh" in {job.name for job in registry.periodic_jobs()}
    first, second, plain = dataset_factory(), dataset_factory(), dataset_factory()
    add_layer(first, MONTREAL)
    add_layer(second, QUEBEC_CITY)
    catalog.dataset_coverage_set(plain, (0, 0, 1, 1))  # stale: it has no geographic resource
    assert geo.coverage_refresh_all() == 3
    for dataset in (first, second, plain):
        dataset.refresh_from_db()
    assert geo.dataset_coverage(first)["bbox"] == MONTREAL
    assert geo.dataset_coverage(second)["bbox"] == QUEBEC_CITY
    assert geo.dataset_coverage(plain)["source"] is None
    assert geo.coverage_refresh_all() == 0
