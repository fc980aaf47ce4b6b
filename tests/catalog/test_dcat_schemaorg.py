"""schema.org ``Dataset`` JSON-LD of dataset pages (``catalog.schemaorg``)."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rdflib import Graph, Literal, URIRef

from ouvert.catalog import dcat, schemaorg, services

SDO = "https://schema.org/"


def _dataset(dataset_factory, theme_factory, editor):
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    dataset = dataset_factory(
        name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
        notes_fr="Passages de vélos comptés chaque jour.", notes_en="Bicycles counted every day.",
        tags=["mobilité"], keywords={"fr": ["vélo"], "en": ["bicycle"]}, themes=["transport"],
        licence="CC-BY-4.0", maintainer="Direction de la mobilité", maintainer_email="mobilite@example.org",
        temporal_start="2012-01-01", temporal_end="2012-12-31", spatial_name="Montréal (06)",
        bbox_west=-73.98, bbox_south=45.41, bbox_east=-73.47, bbox_north=45.70, languages=["fr"], version="2",
        resources=[{"name_fr": "Comptages 2012", "name_en": "2012 counts",
                    "url": "https://donnees.montreal.ca/velos/2012.csv", "format": "CSV", "size": 13807}])
    services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Fichier JSON"},
                             upload=SimpleUploadedFile("c.json", b"[1, 2]", content_type="application/json"))
    return dcat.dcat_dataset_get(name_or_id=dataset.name)


def test_schemaorg_dataset_in_french_and_english(dataset_factory, theme_factory, editor):
    dataset = _dataset(dataset_factory, theme_factory, editor)
    with translation.override("fr"):
        data = schemaorg.dataset_schemaorg(dataset, url="https://ouvert.example/fr/catalogue/jeux/comptages-velo/")
    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["name"] == "Comptages de vélos" and data["alternateName"] == "Bicycle counts"
    assert data["description"] == "Passages de vélos comptés chaque jour."
    assert data["url"] == "https://ouvert.example/fr/catalogue/jeux/comptages-velo/"
    assert data["@id"] == str(dcat.dataset_uri(dataset))
    assert data["identifier"] == str(dataset.id)
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["isAccessibleForFree"] is True
    assert data["keywords"] == ["vélo", "mobilité"]
    assert data["about"] == [{"@type": "Thing", "name": "Transport"}]
    assert data["publisher"]["name"] == "Ministère des Transports et de la Mobilité durable"
    assert data["creator"]["contactPoint"]["email"] == "mobilite@example.org"
    assert data["temporalCoverage"] == "2012-01-01/2012-12-31"
    assert data["spatialCoverage"] == {"@type": "Place", "name": "Montréal (06)",
                                       "geo": {"@type": "GeoShape", "box": "45.41 -73.98 45.7 -73.47"}}
    assert data["inLanguage"] == ["fr"] and data["version"] == "2"
    link, upload = data["distribution"]
    assert link == {"@type": "DataDownload", "contentUrl": "https://donnees.montreal.ca/velos/2012.csv",
                    "name": "Comptages 2012", "encodingFormat": "text/csv", "contentSize": "13807 B",
                    "dateModified": link["dateModified"]}
    assert upload["contentUrl"].startswith(dcat.base_url()) and upload["contentSize"] == "6 B"
    assert len(upload["sha256"]) == 64
    with translation.override("en"):
        data = schemaorg.dataset_schemaorg(dataset)
    assert (data["name"], data["alternateName"]) == ("Bicycle counts", "Comptages de vélos")
    assert data["description"] == "Bicycles counted every day."
    assert data["keywords"] == ["bicycle", "mobilité"]
    assert data["url"] == str(dcat.dataset_uri(dataset))


def test_schemaorg_script_is_valid_json_ld_and_cannot_break_out(dataset_factory):
    dataset = dataset_factory(title_fr="Jeu </script><script>alert(1)</script> & cie")
    html = str(schemaorg.schemaorg_script(dataset))
    assert html.startswith('<script type="application/ld+json">') and html.endswith("</script>")
    body = html[len('<script type="application/ld+json">'):-len("</script>")]
    assert "</script" not in body and "<" not in body and "&" not in body
    data = json.loads(body)
    assert data["name"] == "Jeu </script><script>alert(1)</script> & cie"
    assert data["description"] == data["name"]  # no description: the title stands in
    # it is JSON-LD: with schema.org as vocabulary, rdflib reads a schema:Dataset named so
    data["@context"] = {"@vocab": SDO}
    graph = Graph().parse(data=json.dumps(data), format="json-ld")
    node = URIRef(data["@id"])
    assert (node, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(SDO + "Dataset")) in graph
    assert (node, URIRef(SDO + "name"), Literal(data["name"])) in graph


def test_schemaorg_with_few_queries(dataset_factory, theme_factory, editor, django_assert_num_queries):
    dataset = _dataset(dataset_factory, theme_factory, editor)
    with django_assert_num_queries(1):  # the site's name; the rest was prefetched by dcat_dataset_get
        schemaorg.dataset_schemaorg(dataset)
