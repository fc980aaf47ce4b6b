"""Linked geographic files are copied through the harvester's client (vetted addresses): a link to the
loopback fails with « adresse interdite » and nothing is asked; allowed, the same link is copied,
converted and served."""

import pytest

from ouvert.catalog import services as catalog_services
from ouvert.geo import layers, services
from ouvert.geo.models import GeoLayer
from tests.harvest.conftest import static_server  # noqa: F401

from .conftest import GEO_DATA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def test_linked_layer_refused_on_the_loopback_then_copied(dataset_factory, editor, static_server,  # noqa: F811
                                                          settings, django_capture_on_commit_callbacks):
    url = static_server.put("/limites.geojson",
                            (GEO_DATA / "montreal_limites_administratives_agglomeration_EPSG32188.geojson").read_bytes(),
                            "application/geo+json")
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = []
    with django_capture_on_commit_callbacks(execute=True):
        resource = catalog_services.resource_create(actor=editor, dataset=dataset_factory(),
                                                    data={"name_fr": "Limites", "url": url})
    failed = GeoLayer.objects.get(geo_id=resource.pk)
    assert failed.status == "failed" and failed.error_code == "fetch-error"
    assert "adresse interdite" in failed.error_message
    assert static_server.requests == [] and services.layer_current(resource.pk) is None

    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "127.0.0.1"
    layer = layers.layer_request(resource=catalog_services.resource_get(id=resource.pk))
    layers.layer_run(layer_id=layer.pk)
    served = services.layer_current(resource.pk)
    assert served.pk == layer.pk and served.feature_count == 34 and served.source_crs == "EPSG:32188"
    assert served.source_size > 1_000_000 and static_server.requests == ["/limites.geojson"]


def test_link_formats_by_declared_format_or_extension(dataset_factory, editor, django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    with django_capture_on_commit_callbacks(execute=False):
        kml = catalog_services.resource_create(actor=editor, dataset=dataset, data={
            "name_fr": "K", "url": "https://example.org/donnees/couche.kml?x=1"})
        declared = catalog_services.resource_create(actor=editor, dataset=dataset, data={
            "name_fr": "S", "url": "https://example.org/telecharger/123", "format": "SHP"})
        page = catalog_services.resource_create(actor=editor, dataset=dataset, data={
            "name_fr": "P", "url": "https://example.org/page.html"})
    assert layers.geo_format(kml) == "kml"
    assert layers.geo_format(declared) == "shapefile"
    assert layers.geo_format(page) is None
