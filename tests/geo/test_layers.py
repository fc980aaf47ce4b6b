"""Geo layers through the platform: the resource listener, the conversion job (claim, heartbeat, stale
requeue, attempts, atomic swap), bulk reads, converted downloads and the report API, with real layers."""

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.core import registry
from ouvert.datastore import duck
from ouvert.geo import layers, services
from ouvert.geo.models import GeoLayer, GeoResource

from .conftest import GEO_DATA

pytestmark = pytest.mark.django_db

REGIONS = GEO_DATA / "quebec_regions_administratives.geojson"
MTM = GEO_DATA / "montreal_limites_administratives_agglomeration_EPSG32188.geojson"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def upload(editor, django_capture_on_commit_callbacks):
    def make(dataset, filename, content: bytes, *, run=True, **data):
        data.setdefault("name_fr", filename)
        with django_capture_on_commit_callbacks(execute=run):
            return catalog_services.resource_create(actor=editor, dataset=dataset, data=data,
                                                    upload=ContentFile(content, name=filename))
    return make


@pytest.fixture
def new_version(editor, django_capture_on_commit_callbacks):
    def make(resource, filename, content: bytes, *, run=True):
        with django_capture_on_commit_callbacks(execute=run):
            return catalog_services.resource_update(actor=editor, resource=resource, data={},
                                                    upload=ContentFile(content, name=filename), partial=True)
    return make


def test_registered_listener_and_periodic_job():
    assert layers.on_resource_changed in registry.resource_listeners()
    job = next(job for job in registry.periodic_jobs() if job.name == "geo.stale_layers")
    assert job.func == layers.stale_layers_requeue and job.every_seconds == 60
    assert services.layer_current is layers.layer_current


def test_uploaded_geojson_is_converted_and_served(dataset_factory, upload):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes())
    layer = services.layer_current(resource.pk)
    assert layer is not None and layer.status == "done"
    assert (layer.feature_count, layer.geometry_types, layer.source_crs) == (17, ["MultiPolygon"], "EPSG:4326")
    assert layer.source_format == "geojson" and layer.version_id == resource.current_version_id
    assert layer.parquet_name == f"geo/{resource.pk}/{layer.pk}.parquet"
    assert default_storage.exists(layer.parquet_name)
    with services.layer_parquet_path(layer) as path:
        con = duck.connect(spatial=True)
        assert con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0] == 17
        con.close()
    assert {column["name"] for column in layer.attributes} >= {"name"}
    assert layer.bbox[0] < -79 and layer.bbox[3] > 62


def test_projected_layer_reported_and_new_version_swapped(dataset_factory, upload, new_version):
    resource = upload(dataset_factory(), "limites.geojson", MTM.read_bytes())
    first = services.layer_current(resource.pk)
    assert first.source_crs == "EPSG:32188" and not first.crs_assumed and first.feature_count == 34
    raw = json.loads(MTM.read_text())
    raw.pop("crs")
    new_version(resource, "limites_sans_crs.geojson", json.dumps(raw).encode())
    second = services.layer_current(resource.pk)
    assert second.pk > first.pk
    assert second.crs_assumed and second.source_crs == "EPSG:32188" and "MTM" in second.crs_note
    assert GeoResource.objects.get(pk=resource.pk).current_layer_id == second.pk


def test_bad_upload_fails_with_a_message_and_keeps_the_served_layer(dataset_factory, upload, new_version):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes())
    served = services.layer_current(resource.pk)
    new_version(resource, "regions.geojson", bytes(range(256)) * 10)
    latest = GeoLayer.objects.filter(geo_id=resource.pk).order_by("-id").first()
    assert latest.status == "failed" and latest.error_code == "unrecognised" and "GeoJSON" in latest.error_message
    assert services.layer_current(resource.pk).pk == served.pk


def test_zip_with_traversal_fails_and_writes_nothing_outside(dataset_factory, upload, settings, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("couche.shp", b"x")
        archive.writestr("../../evil.txt", b"pwned")
    resource = upload(dataset_factory(), "couche.zip", buffer.getvalue(), format="SHP")
    layer = GeoLayer.objects.get(geo_id=resource.pk)
    assert layer.status == "failed" and layer.error_code == "zip-unsafe-name"
    assert not any(path.name == "evil.txt" for path in tmp_path.rglob("*"))
    assert not (settings.DATA_DIR / "tmp" / "geo" / str(layer.pk)).exists()


def test_zip_limits_from_the_settings(dataset_factory, upload, settings):
    settings.OUVERT_GEO_ZIP_MAX_MEMBERS = 3
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(5):
            archive.writestr(f"couche{number}.geojson", REGIONS.read_bytes()[:100])
    resource = upload(dataset_factory(), "couches.zip", buffer.getvalue(), format="GeoJSON")
    layer = GeoLayer.objects.get(geo_id=resource.pk)
    assert layer.status == "failed" and layer.error_code == "zip-too-many-members" and "au plus 3" in layer.error_message


def test_non_geographic_resources_are_left_alone(dataset_factory, upload):
    resource = upload(dataset_factory(), "table.csv", b"a;b\n1;2\n")
    assert not GeoResource.objects.filter(pk=resource.pk).exists()
    plain = upload(dataset_factory(), "data.json", b'{"rows": [1, 2]}')
    assert not GeoResource.objects.filter(pk=plain.pk).exists()
    points = upload(dataset_factory(), "lieux.csv", b"nom,latitude,longitude\nA,45.5,-73.6\nB,45.6,-73.5\n")
    assert services.layer_current(points.pk).feature_count == 2
    geojson_as_json = upload(dataset_factory(), "regions.json", REGIONS.read_bytes())
    assert services.layer_current(geojson_as_json.pk).feature_count == 17


def test_stale_requeue_attempts_and_claim(dataset_factory, upload, django_capture_on_commit_callbacks, settings):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes(), run=False)
    layer = layers.layer_request(resource=catalog_services.resource_get(id=resource.pk))  # the task never ran
    assert layer.status == "pending"
    # Another live worker holds it: left alone.
    GeoLayer.objects.filter(pk=layer.pk).update(status="running", heartbeat_at=timezone.now(), attempts=1)
    assert layers.layer_run(layer_id=layer.pk).status == "running"
    # Its worker died: the periodic job enqueues it again and the task finishes it (second attempt).
    GeoLayer.objects.filter(pk=layer.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert layers.stale_layers_requeue() == [layer.pk]
    layer.refresh_from_db()
    assert (layer.status, layer.attempts, layer.feature_count) == ("done", 2, 17)
    assert services.layer_current(resource.pk).pk == layer.pk
    # Past the attempt limit: failed with a message.
    other = upload(dataset_factory(), "limites.geojson", MTM.read_bytes(), run=False)
    stuck = layers.layer_request(resource=catalog_services.resource_get(id=other.pk))
    GeoLayer.objects.filter(pk=stuck.pk).update(status="running", heartbeat_at=None,
                                                attempts=layers.max_attempts())
    stuck = layers.layer_run(layer_id=stuck.pk)
    assert stuck.status == "failed" and stuck.error_code == "too-many-attempts"
    assert services.layer_current(other.pk) is None
    # Asked again (the admin's « Convertir de nouveau », the CLI): the same version's layer starts afresh.
    again = services.layer_convert_now(catalog_services.resource_get(id=other.pk))
    assert again.pk == stuck.pk and (again.status, again.attempts, again.feature_count) == ("done", 1, 34)
    assert services.layer_current(other.pk).pk == stuck.pk


def test_a_newer_version_supersedes_a_pending_layer(dataset_factory, upload, new_version,
                                                    django_capture_on_commit_callbacks):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes(), run=False)
    first = layers.layer_request(resource=catalog_services.resource_get(id=resource.pk))
    new_version(resource, "limites.geojson", MTM.read_bytes())
    first.refresh_from_db()
    assert first.status == "failed" and first.error_code == "superseded"
    assert services.layer_current(resource.pk).feature_count == 34


def test_admin_pages(client, admin_user, dataset_factory, upload):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes())
    client.force_login(admin_user)
    layer = services.layer_current(resource.pk)
    for url in ("/fr/admin/geo/georesource/", f"/fr/admin/geo/georesource/{resource.pk}/change/", "/fr/admin/geo/geolayer/",
                f"/fr/admin/geo/geolayer/{layer.pk}/change/"):
        assert client.get(url).status_code == 200, url
    response = client.post("/fr/admin/geo/georesource/", {"action": "convert_again", "_selected_action": [resource.pk]},
                           follow=True)
    assert response.status_code == 200 and "1 conversion(s) demandée(s)" in response.content.decode()
    layer.refresh_from_db()
    assert layer.status == "done" and services.layer_current(resource.pk).pk == layer.pk  # served until swapped
    newer = GeoLayer.objects.filter(geo_id=resource.pk).order_by("-id").first()
    assert newer.pk > layer.pk and newer.status == "pending" and newer.version_id == resource.current_version_id
    layers.layer_run(layer_id=newer.pk)
    assert services.layer_current(resource.pk).pk == newer.pk


def test_convert_now_and_bulk_reads_in_constant_queries(dataset_factory, upload, django_assert_max_num_queries):
    datasets = []
    for size in (1, 4):
        dataset = dataset_factory()
        for number in range(size):
            upload(dataset, f"r{number}.geojson", (GEO_DATA / "montreal_arrondissements.geojson").read_bytes(),
                   run=False)
        datasets.append(dataset)
    resources = [resource for dataset in datasets for resource in dataset.resources.all()]
    for resource in resources:
        layer = services.layer_convert_now(resource)
        assert layer.status == "done" and layer.feature_count == 19
    with django_assert_max_num_queries(2):
        by_dataset = services.layers_for_datasets([dataset.pk for dataset in datasets])
    assert sorted(len(found) for found in by_dataset.values()) == [1, 4]
    with django_assert_max_num_queries(1):
        by_resource = services.layers_for_resources([resource.pk for resource in resources])
    assert len(by_resource) == 5


@pytest.mark.parametrize("fmt,media,check", [
    ("geojson", "application/geo+json", lambda body: json.loads(body)["type"] == "FeatureCollection"),
    ("shapefile", "application/zip", lambda body: {name[-4:] for name in zipfile.ZipFile(io.BytesIO(body)).namelist()}
     >= {".shp", ".shx", ".dbf", ".prj"}),
    ("gpkg", "application/geopackage+sqlite3", lambda body: body.startswith(b"SQLite format 3")),
    ("kml", "application/vnd.google-earth.kml+xml", lambda body: b"<kml" in body[:500]),
    ("csv", "text/csv", lambda body: b"wkt" in body.splitlines()[0] and b"MULTIPOLYGON" in body),
])
def test_downloads_converted_on_demand(client, dataset_factory, upload, fmt, media, check):
    dataset = dataset_factory()
    resource = upload(dataset, "arrondissements.geojson", (GEO_DATA / "montreal_arrondissements.geojson").read_bytes())
    url = reverse("geo:download", kwargs={"name": dataset.name, "resource_id": resource.pk, "fmt": fmt})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(media)
    assert "attachment" in response["Content-Disposition"] and "arrondissements" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert check(body)


def test_download_errors_and_visibility(client, dataset_factory, upload, editor):
    dataset = dataset_factory()
    resource = upload(dataset, "arrondissements.geojson", (GEO_DATA / "montreal_arrondissements.geojson").read_bytes())
    kwargs = {"name": dataset.name, "resource_id": resource.pk}
    assert client.get(reverse("geo:download", kwargs={**kwargs, "fmt": "dwg"})).status_code == 404
    mixed = upload(dataset, "mixte.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-73.5, 45.5]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
                                                           "coordinates": [[-73.5, 45.5], [-73.4, 45.6]]}}]}).encode())
    response = client.get(reverse("geo:download", kwargs={"name": dataset.name, "resource_id": mixed.pk,
                                                          "fmt": "shapefile"}))
    assert response.status_code == 409 and "GeoJSON" in response.content.decode()
    private = dataset_factory(private=True)
    hidden = upload(private, "arrondissements.geojson", (GEO_DATA / "montreal_arrondissements.geojson").read_bytes())
    url = reverse("geo:download", kwargs={"name": private.name, "resource_id": hidden.pk, "fmt": "geojson"})
    assert client.get(url).status_code == 404
    client.force_login(editor)
    assert client.get(url).status_code == 200
    # A resource of another dataset is not found under this one's name.
    wrong = reverse("geo:download", kwargs={"name": dataset.name, "resource_id": hidden.pk, "fmt": "geojson"})
    assert client.get(wrong).status_code == 404


def test_report_api_and_template(client, dataset_factory, upload):
    dataset = dataset_factory()
    content = json.loads((GEO_DATA / "montreal_bixi_stations_usage_points.geojson").read_text())
    resource = upload(dataset, "bixi.geojson", json.dumps(content).encode())
    answer = client.get(f"/api/v1/geo/resources/{resource.pk}").json()
    layer = answer["layer"]
    assert layer["status"] == "done" and layer["feature_count"] == 734
    assert layer["invalid"]["count"] == 1 and layer["invalid"]["examples"][0]["fid"] == 735
    assert {item["format"] for item in answer["downloads"]} == {"geojson", "shapefile", "gpkg", "kml", "csv"}
    assert client.get(answer["downloads"][0]["url"]).status_code == 200
    assert client.get("/api/v1/geo/resources/00000000-0000-0000-0000-000000000000").status_code == 404
    private = dataset_factory(private=True)
    hidden = upload(private, "bixi.geojson", json.dumps(content).encode())
    assert client.get(f"/api/v1/geo/resources/{hidden.pk}").status_code == 404

    from django.template.loader import render_to_string

    html = render_to_string("geo/layer_report.html", {"report": services.layer_report(services.layer_current(
        resource.pk)), "downloads": answer["downloads"]})
    assert "734" in html and "<caption>" in html and "EPSG:4326" in html

    broken = upload(dataset, "vide.geojson", b"")
    answer = client.get(f"/api/v1/geo/resources/{broken.pk}").json()
    assert answer["layer"] is None and answer["downloads"] == []
    assert answer["history"][0]["status"] == "failed" and answer["history"][0]["error_code"] == "empty"
    html = render_to_string("geo/layer_report.html", {"report": answer["history"][0]})
    assert 'role="alert"' in html and "est vide" in html


def test_deleted_layer_removes_its_file(dataset_factory, upload, django_capture_on_commit_callbacks):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes())
    layer = services.layer_current(resource.pk)
    name = layer.parquet_name
    with django_capture_on_commit_callbacks(execute=True):
        GeoResource.objects.filter(pk=resource.pk).delete()
    assert not default_storage.exists(name)


def test_demo_loader_converts_pending_uploads(dataset_factory, upload):
    loader = next(item for item in registry.demo_loaders() if item.name == "geo-layers")
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes(), run=False)
    layer = layers.layer_request(resource=catalog_services.resource_get(id=resource.pk))
    out = io.StringIO()
    loader.func(stdout=out)
    layer.refresh_from_db()
    assert layer.status == "done" and services.layer_current(resource.pk).pk == layer.pk
    assert "1 converties" in out.getvalue()


def test_with_object_storage_files_go_through_the_storage(client, dataset_factory, upload, settings):
    """Storage without local paths (S3 in production; an in-memory one here): the source is copied into
    the work folder, the Parquet file saved through the storage, read from a temporary copy."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.datastore.kit.NoPathStorage"}}
    with pytest.raises(NotImplementedError):
        default_storage.path("x")
    dataset = dataset_factory()
    resource = upload(dataset, "limites.geojson", MTM.read_bytes())
    layer = services.layer_current(resource.pk)
    assert layer.status == "done" and default_storage.exists(layer.parquet_name)
    with services.layer_parquet_path(layer) as path:
        con = duck.connect(spatial=True)
        assert con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0] == 34
        con.close()
    assert not Path(path).exists()  # the temporary copy is gone
    response = client.get(reverse("geo:download", kwargs={"name": dataset.name, "resource_id": resource.pk,
                                                          "fmt": "gpkg"}))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"SQLite format 3")


def test_dataset_page_links_and_publisher_notes(client, dataset_factory, upload, editor,
                                                django_assert_max_num_queries):
    dataset = dataset_factory()
    served = upload(dataset, "bixi.geojson", (GEO_DATA / "montreal_bixi_stations_usage_points.geojson").read_bytes())
    raw = json.loads(MTM.read_text())
    raw.pop("crs")
    assumed = upload(dataset, "limites.geojson", json.dumps(raw).encode())
    broken = upload(dataset, "vide.geojson", b"")
    url = reverse("catalog:dataset", kwargs={"name": dataset.name})
    page = client.get(url).content.decode()
    for fmt in ("geojson", "shapefile", "gpkg", "kml", "csv"):
        assert reverse("geo:download", kwargs={"name": dataset.name, "resource_id": served.pk, "fmt": fmt}) in page
    assert "Couche en GeoJSON" in page
    assert "laissée(s) de côté" not in page and "échec de la conversion" not in page  # notes: publishers only
    assert f"/ressources/{broken.pk}/geo/" not in page
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "1 entité(s) laissée(s) de côté" in page
    assert "système de coordonnées supposé (EPSG:32188)" in page
    assert "échec de la conversion" in page and "est vide" in page
    from ouvert.geo import layers_views

    resources = list(catalog_services.resource_list(dataset=dataset))
    with django_assert_max_num_queries(2):
        found = layers_views.dataset_panel(request=None, dataset=dataset, resources=resources, can_edit=True)
    assert set(found["resource_notes"]) == {str(served.pk), str(assumed.pk), str(broken.pk)}


def test_a_deleted_resource_cancels_its_pending_conversion(dataset_factory, upload, editor):
    resource = upload(dataset_factory(), "regions.geojson", REGIONS.read_bytes(), run=False)
    layer = layers.layer_request(resource=catalog_services.resource_get(id=resource.pk))
    assert layer.status == "pending"
    catalog_services.resource_delete(actor=editor, resource=catalog_services.resource_get(id=resource.pk))
    layers.on_resource_changed("deleted", resource.pk)
    layer.refresh_from_db()
    assert (layer.status, layer.error_code) == ("failed", "resource-deleted")
    assert layer.error_message == "La ressource a été supprimée." and layer.finished_at is not None
