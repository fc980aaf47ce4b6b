"""``package_search``'s ``ext_bbox`` (as ckanext-spatial): declared and computed coverages, edges,
bad values, combined with ``q``/``fq``/facets/sort/paging, through the CKAN API, in a constant number of queries."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.catalog.package_search import package_search
from ouvert.geo import services as geo
from ouvert.geo.models import GeoLayer, GeoResource

pytestmark = pytest.mark.django_db

FACETS = '["organization", "groups", "tags", "res_format", "license_id"]'
MONTREAL_BOX = "-73.98,45.41,-73.47,45.70"


def with_layer(dataset, bbox):
    """Give ``dataset`` a geographic resource whose current layer has box ``bbox``, and refresh its coverage."""
    from ouvert.catalog import services as catalog

    resource = catalog.resource_create(actor=None, dataset=dataset, data={
        "name_fr": "Couche", "url": "https://donnees.example.org/couche.geojson", "format": "GeoJSON"})
    geo_resource, _created = GeoResource.objects.get_or_create(resource=resource)  # the layers part may have made it
    layer = GeoLayer.objects.create(geo=geo_resource, status=GeoLayer.Status.DONE, bbox_west=bbox[0],
                                    bbox_south=bbox[1], bbox_east=bbox[2], bbox_north=bbox[3])
    geo_resource.current_layer = layer
    geo_resource.save(update_fields=["current_layer"])
    geo.coverage_refresh([dataset.pk])
    return dataset


@pytest.fixture
def places(dataset_factory):
    """Declared boxes in Montréal and Québec City, computed ones (from layers) in Gatineau and Montréal,
    one declared box touching Montréal's east edge, one dataset without coverage."""
    return {
        "mtl-declare": dataset_factory(name="mtl-declare", title_fr="Arrondissements de Montréal", tags=["limites"],
                                       bbox_west=-73.98, bbox_south=45.41, bbox_east=-73.47, bbox_north=45.70),
        "qc-declare": dataset_factory(name="qc-declare", title_fr="Pistes cyclables de Québec", tags=["vélo"],
                                      bbox_west=-71.55, bbox_south=46.73, bbox_east=-71.13, bbox_north=46.99),
        "touche-est": dataset_factory(name="touche-est", title_fr="Rive-Sud", tags=["limites"],
                                      bbox_west=-73.47, bbox_south=45.30, bbox_east=-73.20, bbox_north=45.60),
        "gat-calcule": with_layer(dataset_factory(name="gat-calcule", title_fr="Parcs de Gatineau", tags=["parcs"]),
                                  (-75.90, 45.40, -75.60, 45.55)),
        "mtl-calcule": with_layer(dataset_factory(name="mtl-calcule", title_fr="Stations de vélos de Montréal",
                                                  tags=["vélo"]), (-73.70, 45.45, -73.50, 45.60)),
        "sans-zone": dataset_factory(name="sans-zone", title_fr="Budget de l'État", tags=["vélo"]),
    }


def names(result):
    return sorted(r["name"] for r in result["results"])


def search(**params):
    return package_search(user=None, params={"rows": 100, **params})


def test_intersecting_declared_and_computed(places):
    assert names(search(ext_bbox="-73.9,45.5,-73.6,45.6")) == ["mtl-calcule", "mtl-declare"]
    assert names(search(ext_bbox="-76,45,-71,47")) == ["gat-calcule", "mtl-calcule", "mtl-declare",
                                                       "qc-declare", "touche-est"]


def test_box_inside_a_coverage_and_coverage_inside_the_box(places):
    assert names(search(ext_bbox="-71.3,46.8,-71.2,46.9")) == ["qc-declare"]  # the box inside the coverage
    assert names(search(ext_bbox="-80,44,-60,63")) == ["gat-calcule", "mtl-calcule", "mtl-declare", "qc-declare",
                                                       "touche-est"]


def test_disjoint_and_touching(places):
    assert search(ext_bbox="-70,47,-69,48")["count"] == 0  # disjoint
    # Touching Montréal's east edge (-73.47) counts, as ST_Intersects does.
    assert names(search(ext_bbox="-73.3,45.0,-73.0,45.2")) == []
    assert names(search(ext_bbox="-73.47,45.65,-73.40,45.80")) == ["mtl-declare"]  # its east edge
    assert names(search(ext_bbox="-73.40,45.0,-73.30,45.30")) == ["touche-est"]  # its south edge
    assert names(search(ext_bbox="-73.40,45.0,-73.30,45.2999")) == []
    assert names(search(ext_bbox="-74.5,45.70,-74.0,45.9")) == []  # corner-adjacent, west of -73.98
    assert names(search(ext_bbox="-74.5,45.70,-73.98,45.9")) == ["mtl-declare"]  # touches the corner


def test_declared_box_wins_over_computed(places, dataset_factory):
    dataset = with_layer(dataset_factory(name="declare-ailleurs", title_fr="Déclaré à Québec",
                                         bbox_west=-71.5, bbox_south=46.7, bbox_east=-71.1, bbox_north=46.9),
                         (-73.9, 45.5, -73.6, 45.6))
    dataset.refresh_from_db()
    assert dataset.coverage_west == -73.9  # stored, but the declared box is what is searched
    assert "declare-ailleurs" not in names(search(ext_bbox="-73.9,45.5,-73.6,45.6"))
    assert "declare-ailleurs" in names(search(ext_bbox="-71.3,46.8,-71.2,46.9"))


@pytest.mark.parametrize("value, message", [
    ("1,2,3", "quatre nombres"),
    ("a,b,c,d", "quatre nombres"),
    ("1,2,3,4,5", "quatre nombres"),
    ("nan,0,1,1", "quatre nombres"),
    ("-200,45,-73,46", "longitudes"),
    ("-74,-95,-73,46", "latitudes"),
    ("-73,45,-74,46", "antiméridien"),
    ("-74,46,-73,45", "sud doit être plus petit"),
    ("-74,45,-74,46", "ouest doit être plus petit"),
])
def test_bad_values_are_clear_validation_errors(places, value, message):
    with pytest.raises(ValidationError) as info:
        search(ext_bbox=value)
    assert "ext_bbox" in info.value.message_dict
    assert message in info.value.message_dict["ext_bbox"][0]


def test_combined_with_q_fq_facets_sort_and_paging(places):
    box = "-76,45,-71,47"
    assert names(search(ext_bbox=box, q="vélo")) == ["mtl-calcule", "qc-declare"]
    assert names(search(ext_bbox=box, fq="tags:limites")) == ["mtl-declare", "touche-est"]
    assert names(search(ext_bbox=MONTREAL_BOX, q="tags:vélo")) == ["mtl-calcule"]
    result = search(ext_bbox=box, **{"facet.field": FACETS})
    assert result["count"] == 5
    assert result["facets"]["tags"] == {"limites": 2, "vélo": 2, "parcs": 1}
    first = package_search(user=None, params={"ext_bbox": box, "sort": "name asc", "rows": 2})
    second = package_search(user=None, params={"ext_bbox": box, "sort": "name asc", "rows": 2, "start": 2})
    assert [r["name"] for r in first["results"]] == ["gat-calcule", "mtl-calcule"]
    assert [r["name"] for r in second["results"]] == ["mtl-declare", "qc-declare"]
    assert first["count"] == second["count"] == 5
    # The facets of a box search are never the cached ones of the same search without the box.
    assert search(**{"facet.field": FACETS})["facets"]["tags"]["vélo"] == 3
    assert search(ext_bbox=MONTREAL_BOX, **{"facet.field": FACETS})["facets"]["tags"] == {"limites": 2, "vélo": 1}


def test_through_the_ckan_api(places, client):
    answer = client.get("/api/3/action/package_search", {"ext_bbox": MONTREAL_BOX, "q": "vélo"})
    assert answer.status_code == 200
    assert [r["name"] for r in answer.json()["result"]["results"]] == ["mtl-calcule"]
    answer = client.post("/api/3/action/package_search", {"ext_bbox": "-76,45,-71,47", "fq": "tags:limites"},
                         content_type="application/json")
    assert sorted(r["name"] for r in answer.json()["result"]["results"]) == ["mtl-declare", "touche-est"]
    bad = client.get("/api/3/action/package_search", {"ext_bbox": "-73,45,-74"})
    assert bad.status_code == 409
    body = bad.json()
    assert body["success"] is False and body["error"]["__type"] == "Validation Error"
    assert "quatre nombres" in body["error"]["ext_bbox"][0]


def _queries(params):
    with CaptureQueriesContext(connection) as ctx:
        result = package_search(user=None, params=params)
    return len(ctx.captured_queries), result


@pytest.mark.parametrize("params", [
    {"ext_bbox": "-80,40,-60,60", "facet.field": FACETS, "rows": 1000},
    {"ext_bbox": "-80,40,-60,60", "q": "jeu", "facet.field": FACETS},
    {"ext_bbox": "-80,40,-60,60", "fq": "tags:vélo", "sort": "metadata_modified desc"},
])
def test_constant_number_of_queries(dataset_factory, params):
    def grow(upto):
        while grow.n < upto:
            grow.n += 1
            declared = {"bbox_west": -74, "bbox_south": 45, "bbox_east": -73, "bbox_north": 46} if grow.n % 2 else {}
            dataset = dataset_factory(title_fr=f"Jeu {grow.n}", tags=["vélo"], **declared)
            if not declared:
                with_layer(dataset, (-71.5, 46.7, -71.1, 46.9))
    grow.n = 0
    grow(4)
    small, result_small = _queries(params)
    grow(30)
    large, result_large = _queries(params)
    assert result_small["count"] == 4 and result_large["count"] == 30
    assert small == large


@pytest.mark.django_db(transaction=True)
def test_the_real_ckanapi_client(live_server, dataset_factory):
    import ckanapi

    dataset_factory(name="mtl-declare", title_fr="Arrondissements de Montréal",
                    bbox_west=-73.98, bbox_south=45.41, bbox_east=-73.47, bbox_north=45.70)
    with_layer(dataset_factory(name="qc-calcule", title_fr="Lieux publics de Québec"), (-71.5, 46.7, -71.1, 46.9))
    with ckanapi.RemoteCKAN(live_server.url, user_agent="ouvert-tests/1.0 (ckanapi)") as remote:
        assert [r["name"] for r in remote.action.package_search(ext_bbox=MONTREAL_BOX)["results"]] == ["mtl-declare"]
        assert [r["name"] for r in remote.action.package_search(ext_bbox="-72,46,-71,47")["results"]] == ["qc-calcule"]
        with pytest.raises(ckanapi.ValidationError) as info:
            remote.action.package_search(ext_bbox="-71,46,-72,47")
    assert "antiméridien" in info.value.error_dict["ext_bbox"][0]
