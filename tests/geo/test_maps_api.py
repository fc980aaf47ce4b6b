"""``/api/v1/geo/resources/{id}/map``: tiles, style and legend; saving the default style with a token."""

import json

import pytest

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.geo.models import GeoResource

from .maps_kit import write_layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource(dataset_factory, editor):
    dataset = dataset_factory(title_fr="Arrondissements de Québec")
    found = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Arrondissements", "url": "https://donnees.example.org/a.geojson", "format": "GeoJSON"})
    write_layer(found)
    return found


def url(resource, suffix=""):
    return f"/api/v1/geo/resources/{resource.pk}/map{suffix}"


def test_map_answer(client, resource):
    response = client.get(url(resource))
    assert response.status_code == 200
    data = response.json()
    assert data["tiles"] == f"http://testserver/tiles/{resource.pk}/{{z}}/{{x}}/{{y}}.pbf"
    assert data["tilejson"] == f"http://testserver/tiles/{resource.pk}.json"
    assert data["source_layer"] == "features" and data["style"] == {} and data["legend"] == []
    assert data["map"].endswith(f"/ressources/{resource.pk}/carte/")
    styled = client.get(url(resource), {"attribut": "SUPERFICIE", "classes": "3", "decoupage": "equal"}).json()
    assert styled["style"]["method"] == "graduated" and len(styled["legend"]) == 3
    assert sum(item["count"] for item in styled["legend"]) == 6


def test_map_errors(client, resource):
    bad = client.get(url(resource), {"attribut": "nope"})
    assert bad.status_code == 400 and "nope" in bad.json()["detail"]
    assert client.get("/api/v1/geo/resources/00000000-0000-0000-0000-000000000000/map").status_code == 404


def test_save_style_with_a_token(client, resource, editor, make_user):
    body = json.dumps({"attribute": "NOM", "method": "categories", "classes": 4})
    assert client.put(url(resource, "/style"), body, content_type="application/json").status_code == 401
    stranger = core_services.token_create(user=make_user(email="x@example.org"))
    refused = client.put(url(resource, "/style"), body, content_type="application/json",
                         HTTP_AUTHORIZATION=stranger)
    assert refused.status_code == 403
    token = core_services.token_create(user=editor)
    saved = client.put(url(resource, "/style"), body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert saved.status_code == 200
    assert saved.json()["saved_style"] == {"attribute": "NOM", "method": "categories", "classes": 4}
    assert GeoResource.objects.get(pk=resource.pk).style["attribute"] == "NOM"
    assert client.get(url(resource)).json()["style"]["attribute"] == "NOM"
    bad = client.put(url(resource, "/style"), json.dumps({"attribute": "NOM", "method": "graduated"}),
                     content_type="application/json", HTTP_AUTHORIZATION=token)
    assert bad.status_code == 400
