"""The quality scores in the catalogue's exports: W3C DQV measurements in DCAT (through ``dcat``'s
contributor hook, one query per graph), the DCAT-AP shapes still satisfied, and CKAN's ``quality`` key
(``package_show`` only, through ``ckan_dict``'s hook)."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyshacl import validate
from rdflib import Graph, Literal, URIRef, namespace

from ouvert.catalog import ckan_dict, dcat
from ouvert.catalog.models import Dataset
from ouvert.quality import services as quality
from ouvert.quality.models import DatasetScore
from ouvert.quality.scores_dcat import DQV

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "dcat"
METRICS = ("findability", "accessibility", "interoperability", "reusability", "contextuality", "total")


def _measurements(graph: Graph, node) -> dict:
    found = {}
    for measurement in graph.objects(node, DQV.hasQualityMeasurement):
        assert (measurement, namespace.RDF.type, DQV.QualityMeasurement) in graph
        assert (measurement, DQV.computedOn, node) in graph
        metric = graph.value(measurement, DQV.isMeasurementOf)
        value = graph.value(measurement, DQV.value)
        assert value.datatype == namespace.XSD.integer
        found[str(metric).rsplit("/", 1)[-1]] = int(value)
    return found


@pytest.fixture
def described(dataset_factory, theme_factory):
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    return dataset_factory(
        name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
        notes_fr="Passages de vélos comptés chaque jour par les compteurs de la ville.", tags=["vélo"],
        themes=["transport"], maintainer="Direction de la mobilité", maintainer_email="mobilite@example.org",
        frequency="DAILY", temporal_start="2012-01-01", spatial_name="Montréal",
        resources=[{"name_fr": "Comptages", "url": "https://donnees.example.org/velos.csv", "format": "CSV",
                    "size": 13807}])


def test_a_dataset_graph_carries_its_dqv_measurements(described, settings):
    quality.scores_recompute()
    score = DatasetScore.objects.get(dataset=described)
    graph = dcat.dataset_graph(dcat.dcat_dataset_get(name_or_id=described.name))
    node = dcat.dataset_uri(described)
    values = _measurements(graph, node)
    assert values == {"findability": score.findability, "accessibility": score.accessibility,
                      "interoperability": score.interoperability, "reusability": score.reusability,
                      "contextuality": score.contextuality, "total": score.points}
    base = settings.OUVERT_BASE_URL.rstrip("/")
    total = URIRef(f"{base}/quality/metric/total")
    assert (total, namespace.RDF.type, DQV.Metric) in graph
    assert (total, namespace.SKOS.prefLabel, Literal("Metadata quality (MQA points)", lang="en")) in graph
    assert (total, DQV.inDimension, URIRef(f"{base}/quality/dimension/total")) in graph
    assert (URIRef(f"{base}/quality/dimension/findability"), DQV.inCategory, URIRef(f"{base}/quality/mqa")) in graph
    assert (URIRef(f"{base}/quality/mqa"), namespace.RDF.type, DQV.Category) in graph
    turtle = dcat.serialize(graph, "ttl").decode()
    assert "@prefix dqv: <http://www.w3.org/ns/dqv#>" in turtle


def test_the_dataset_endpoint_computes_a_missing_score(client, described):
    DatasetScore.objects.all().delete()
    response = client.get(f"/dataset/{described.name}.ttl")
    graph = Graph().parse(data=response.content, format="turtle")
    assert set(_measurements(graph, dcat.dataset_uri(described))) == set(METRICS)
    assert DatasetScore.objects.filter(dataset=described).exists()


def test_dqv_keeps_the_dcat_ap_shapes_satisfied(described):
    quality.scores_recompute()
    shapes = Graph().parse(DATA / "dcat-ap_3.0.1_SHACL.ttl", format="turtle")
    for graph in (dcat.dataset_graph(dcat.dcat_dataset_get(name_or_id=described.name)),
                  dcat.catalog_graph(dcat.dcat_catalog_page().datasets)):
        assert any(graph.triples((None, DQV.hasQualityMeasurement, None)))
        conforms, _results, report = validate(graph, shacl_graph=shapes, inference="none")
        assert conforms, report


def test_the_catalogue_reads_scores_once_per_page(client, dataset_factory):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/catalog.ttl")
        assert response.status_code == 200
        graph = Graph().parse(data=response.content, format="turtle")
        for dataset in Dataset.objects.all():
            assert set(_measurements(graph, dcat.dataset_uri(dataset))) == set(METRICS)
        return len(ctx.captured_queries)

    for n in range(2):
        dataset_factory(title_fr=f"Jeu {n}", resources=[{"url": f"https://example.org/{n}.csv", "format": "CSV"}])
    quality.scores_recompute()
    few = count()
    for n in range(2, 9):
        dataset_factory(title_fr=f"Jeu {n}", tags=[f"mot-{n}"],
                        resources=[{"url": f"https://example.org/{n}.csv", "format": "CSV"}])
    quality.scores_recompute()
    assert count() == few


def test_a_failing_contributor_is_left_out(client, described):
    def broken(graph, pairs):
        raise RuntimeError("boom")

    dcat.dcat_contributor_register(broken)
    try:
        response = client.get(f"/dataset/{described.name}.ttl")
    finally:
        dcat.DCAT_CONTRIBUTORS.remove(broken)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    assert set(_measurements(graph, dcat.dataset_uri(described))) == set(METRICS)


def test_package_show_dictionary_has_the_quality_key(described):
    quality.scores_recompute()
    score = DatasetScore.objects.get(dataset=described)
    shown = ckan_dict.dataset_to_ckan_show(ckan_dict.dataset_prefetch(Dataset.objects.filter(pk=described.pk)).get())
    assert shown["quality"] == {"points": score.points, "max_points": 405, "rating": score.rating,
                                "dimensions": {"findability": score.findability, "accessibility": score.accessibility,
                                               "interoperability": score.interoperability,
                                               "reusability": score.reusability,
                                               "contextuality": score.contextuality}}
    assert "quality" not in ckan_dict.dataset_to_ckan(described)


def test_package_search_stays_lean(client, described):
    quality.scores_recompute()
    results = client.get("/api/3/action/package_search?q=vélos").json()["result"]["results"]
    assert results and all("quality" not in result for result in results)


def test_package_show_answers_with_the_quality_key(client, described):
    quality.scores_recompute()
    result = client.get(f"/api/3/action/package_show?id={described.name}").json()["result"]
    assert result["quality"]["max_points"] == 405
