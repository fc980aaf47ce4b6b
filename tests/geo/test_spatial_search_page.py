"""The search page's zone (HTTP, without JavaScript: the four inputs and ``?bbox=``) and the footprints
endpoint its map reads (``/api/v1/geo/footprints``)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.geo.models import GeoLayer, GeoResource

pytestmark = pytest.mark.django_db

SEARCH = "/fr/catalogue/recherche/"
FOOTPRINTS = "/api/v1/geo/footprints"


def with_layer(dataset, bbox):
    from ouvert.catalog import services as catalog
    from ouvert.geo import services as geo

    resource = catalog.resource_create(actor=None, dataset=dataset, data={
        "name_fr": "Couche", "url": "https://donnees.example.org/couche.geojson", "format": "GeoJSON"})
    geo_resource, _created = GeoResource.objects.get_or_create(resource=resource)  # the layers part may have made it
    layer = GeoLayer.objects.create(geo=geo_resource, status=GeoLayer.Status.DONE, bbox_west=bbox[0],
                                    bbox_south=bbox[1], bbox_east=bbox[2], bbox_north=bbox[3])
    geo_resource.current_layer = layer
    geo_resource.save(update_fields=["current_layer"])
    geo.coverage_refresh([dataset.pk])
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def places(dataset_factory):
    return {
        "mtl": dataset_factory(name="arrondissements-mtl", title_fr="Arrondissements de Montréal",
                               bbox_west=-73.98, bbox_south=45.41, bbox_east=-73.47, bbox_north=45.70),
        "qc": with_layer(dataset_factory(name="lieux-publics-qc", title_fr="Lieux publics de Québec"),
                         (-71.5, 46.7, -71.1, 46.9)),
        "none": dataset_factory(name="budget", title_fr="Budget"),
        "private": dataset_factory(name="prive-mtl", title_fr="Privé de Montréal", private=True,
                                   bbox_west=-73.9, bbox_south=45.5, bbox_east=-73.6, bbox_north=45.6),
    }


def result_names(html):
    return re.findall(r'href="/fr/catalogue/jeux/([^/"]+)/"', html)


def test_page_offers_the_zone_accessibly(client, places):
    html = client.get(SEARCH).content.decode()
    assert '<fieldset class="spatial-search" aria-describedby="zone-aide">' in html
    assert "<legend>Zone géographique</legend>" in html
    for name, label in [("ouest", "Ouest (longitude)"), ("sud", "Sud (latitude)"), ("est", "Est (longitude)"),
                        ("nord", "Nord (latitude)")]:
        assert f'<label for="zone-{name}">{label}</label>' in html
        assert f'id="zone-{name}" name="{name}" value=""' in html
    assert 'id="zone-carte"' in html and "hidden" in html.split('id="zone-carte"')[1][:400]
    assert "vendor/maplibre-gl.js" in html and "catalog/spatial_search.js" in html
    assert set(result_names(html)) == {"arrondissements-mtl", "lieux-publics-qc", "budget"}


def test_bbox_in_the_address(client, places):
    response = client.get(SEARCH, {"bbox": "-74,45,-73,46"})
    html = response.content.decode()
    assert response.status_code == 200
    assert set(result_names(html)) == {"arrondissements-mtl"}
    assert 'name="ouest" value="-74"' in html and 'name="nord" value="46"' in html
    assert 'data-zone-bbox="-74,45,-73,46"' in html
    assert f'data-zone-ids="{places["mtl"].pk}"' in html
    assert "Retirer la zone" in html
    # The computed coverage is searched too.
    html = client.get(SEARCH, {"bbox": "-72,46.5,-71,47"}).content.decode()
    assert set(result_names(html)) == {"lieux-publics-qc"}


def test_four_inputs_without_javascript_and_links_keep_bbox(client, dataset_factory, places):
    for n in range(25):
        dataset_factory(name=f"mtl-{n:02d}", title_fr=f"Montréal {n}",
                        bbox_west=-73.7, bbox_south=45.5, bbox_east=-73.6, bbox_north=45.6)
    response = client.get(SEARCH, {"q": "", "ouest": "-74", "sud": "45,0", "est": "-73", "nord": "46"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "26 jeux de données" in html
    assert 'name="sud" value="45"' in html
    assert "?q=&amp;bbox=-74%2C45%2C-73%2C46&amp;page=2" in html
    assert "ouest=" not in html.split('class="pagination"')[1]
    # All four empty: no zone.
    html = client.get(SEARCH, {"ouest": "", "sud": "", "est": "", "nord": "", "bbox": "-74,45,-73,46"}).content.decode()
    assert "28 jeux de données" in html


@pytest.mark.parametrize("params, message", [
    ({"ouest": "-74", "sud": "45", "est": "", "nord": "46"}, "Donnez les quatre limites"),
    ({"bbox": "-73,45,-74,46"}, "antiméridien"),
    ({"bbox": "nord"}, "quatre nombres"),
    ({"ouest": "-74", "sud": "95", "est": "-73", "nord": "96"}, "latitudes"),
])
def test_bad_zone_is_a_400_with_the_inputs_kept(client, places, params, message):
    response = client.get(SEARCH, params)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'role="alert"' in html
    assert '<label for="zone-ouest">' in html  # the inputs are shown again, as typed
    if "ouest" in params:
        assert f'name="ouest" value="{params["ouest"]}"' in html


def test_other_listing_pages_have_no_zone(client, places, publisher_org):
    html = client.get(f"/fr/catalogue/organisations/{publisher_org.slug}/").content.decode()
    assert "spatial-search" not in html


def test_footprints_endpoint(client, places, member):
    ids = ",".join(str(places[key].pk) for key in ("qc", "none", "private", "mtl"))
    answer = client.get(FOOTPRINTS, {"ids": ids})
    assert answer.status_code == 200
    collection = answer.json()
    assert collection["type"] == "FeatureCollection"
    # In the order asked; no coverage and invisible (private for anonymous) left out.
    assert [f["properties"]["name"] for f in collection["features"]] == ["lieux-publics-qc", "arrondissements-mtl"]
    qc, mtl = collection["features"]
    assert qc["properties"]["source"] == "computed" and qc["bbox"] == [-71.5, 46.7, -71.1, 46.9]
    assert mtl["properties"]["source"] == "declared"
    assert mtl["geometry"]["coordinates"][0][0] == [-73.98, 45.41]
    assert "layers" not in qc["geometry"]
    client.force_login(member)
    names = [f["properties"]["name"] for f in client.get(FOOTPRINTS, {"ids": ids}).json()["features"]]
    assert names == ["lieux-publics-qc", "prive-mtl", "arrondissements-mtl"]


def test_footprints_bad_input(client, places):
    assert client.get(FOOTPRINTS).json() == {"type": "FeatureCollection", "features": []}
    bad = client.get(FOOTPRINTS, {"ids": "pas-un-id"})
    assert bad.status_code == 400 and "pas-un-id" in bad.content.decode()
    many = ",".join([str(places["mtl"].pk)] * 101)
    assert client.get(FOOTPRINTS, {"ids": many}).status_code == 400


def test_footprints_and_page_in_a_constant_number_of_queries(client, dataset_factory):
    made = []

    def grow(upto):
        while len(made) < upto:
            n = len(made)
            if n % 2:
                made.append(dataset_factory(title_fr=f"Jeu {n}", bbox_west=-74, bbox_south=45, bbox_east=-73,
                                            bbox_north=46))
            else:
                made.append(with_layer(dataset_factory(title_fr=f"Jeu {n}"), (-73.9, 45.5, -73.6, 45.6)))

    def count(url, params):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    grow(3)
    small = (count(FOOTPRINTS, {"ids": ",".join(str(d.pk) for d in made)}), count(SEARCH, {"bbox": "-74,45,-73,46"}))
    grow(20)
    large = (count(FOOTPRINTS, {"ids": ",".join(str(d.pk) for d in made)}), count(SEARCH, {"bbox": "-74,45,-73,46"}))
    assert small == large


def test_dataset_page_notes_the_computed_coverage(client, places):
    html = client.get("/fr/catalogue/jeux/lieux-publics-qc/").content.decode()
    assert "Couverture géographique calculée" in html
    assert "longitude -71,5 à -71,1, latitude 46,7 à 46,9" in html  # French decimals
    link = re.search(r'href="(/fr/catalogue/recherche/\?bbox=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "lieux-publics-qc" in result_names(client.get(link).content.decode())
    # A declared box is in the page's metadata already: no note.
    assert "Couverture géographique calculée" not in client.get("/fr/catalogue/jeux/arrondissements-mtl/").content.decode()
