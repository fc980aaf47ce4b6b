"""DCAT-AP import (``catalog.dcat.dcat_import``) with the real samples of the corpus, and re-export.

Samples (``data/dcat/``, sources in ``/work/shared/corpus/SOURCES.md``): datos.gob.es (Madrid, Turtle),
data.nobelprize.org (RDF/XML catalogue), opendata-hro.de (DCAT-AP.de, RDF/XML), and the DCAT-AP
2.2.0-HVD specification's example catalogue (Turtle and JSON-LD).
"""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pyshacl import validate
from rdflib import Graph, Literal, URIRef

from ouvert.catalog import dcat
from ouvert.catalog.dcat import DCAT, DCT, RDF
from ouvert.catalog.models import Dataset, Resource

DATA = Path(__file__).parent / "data" / "dcat"
MADRID = ("datos_gob_es_madrid_dataset.ttl", "turtle")
NOBEL = ("nobelprize_dcat_catalog.rdf", "xml")
ROSTOCK = ("opendata-hro_de_dataset_dcat-ap-de.rdf", "xml")
SEMIC_TTL = ("semic_example_ms_catalogue_2.2.0-hvd.ttl", "turtle")
SEMIC_JSONLD = ("semic_example_ms_catalogue_2.2.0-hvd.jsonld", "json-ld")


@pytest.fixture(scope="module")
def shapes():
    return Graph().parse(DATA / "dcat-ap_3.0.1_SHACL.ttl", format="turtle")


@pytest.fixture
def import_sample(publisher_org, editor):
    def run(sample, *, organisation=publisher_org, actor=editor, data=None):
        filename, fmt = sample
        return dcat.dcat_import(actor=actor, organisation=organisation,
                                data=data if data is not None else (DATA / filename).read_bytes(), format=fmt)

    return run


def test_madrid_turtle(import_sample):
    report = import_sample(MADRID)
    assert report.as_dict()["count_created"] == 1 and not report.errors
    dataset = Dataset.objects.get(name=report.created[0])
    assert dataset.title_fr == ("Estudio de Satisfacción con el Programa de Escuelas Municipales de Promoción "
                                "Deportiva en centros escolares")
    assert dataset.extra_fields["title_translated"] == {"es": dataset.title_fr}
    assert dataset.notes_fr.startswith("Estudio de satisfacción de las personas directivas")
    assert dataset.languages == ["es"]
    assert dataset.frequency == "ANNUAL"  # a time:DurationDescription of one year
    assert dataset.keywords == {"es": ["deporte escolar", "escuelas", "promoción"]}
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["deporte escolar", "escuelas", "promoción"]
    assert dataset.extras["identifier"] == "https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas"
    assert dataset.extras["publisher_name"] == "Ayuntamiento de Madrid"
    # a licence outside the registry: "not specified", with the source's address kept
    assert dataset.licence_id == "notspecified"
    assert dataset.extras["license_uri"] == "https://datos.madrid.es/egob/catalogo/aviso-legal"
    resource = dataset.resources.get()
    assert resource.url == "https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas.xlsx"
    assert (resource.format, resource.media_type, resource.size) == ("XLS", "application/vnd.ms-excel", 43008)
    assert resource.name_fr == "Estudio de satisfacción temporada 2023-2024"


def test_nobel_prize_rdf_xml(import_sample):
    report = import_sample(NOBEL)
    assert len(report.created) == 1 and not report.errors
    dataset = Dataset.objects.get(name="linked-nobel-prizes")
    assert (dataset.title_fr, dataset.title_en) == ("Linked Nobel prizes", "Linked Nobel prizes")
    assert (dataset.temporal_start, dataset.temporal_end) == (datetime.date(1905, 3, 1), datetime.date(2013, 1, 5))
    assert dataset.spatial_name == "Stockholm"
    assert dataset.extras["spatial_uri"] == "http://sws.geonames.org/2673730"
    assert dataset.frequency == "DAILY"  # http://purl.org/cld/freq/daily
    assert (dataset.maintainer, dataset.maintainer_email) == ("Nobel Media AB", "info@nobelmedia.org")
    assert dataset.languages == ["en"]
    assert dataset.url == "http://data.nobelprize.org/"
    assert dataset.licence_id == "notspecified"  # CC BY-NC 3.0 is not in the registry
    assert dataset.extras["license_uri"] == "http://creativecommons.org/licenses/by-nc/3.0/"
    resource = dataset.resources.get()
    assert resource.url == "http://data.nobelprize.org/"
    assert (resource.format, resource.media_type) == ("RDF", "application/rdf+xml")
    assert resource.description_en == "Provides browsable linked data and a SPARQL endpoint."


def test_rostock_dcat_ap_de(import_sample):
    report = import_sample(ROSTOCK)
    assert len(report.created) == 1 and not report.errors
    dataset = Dataset.objects.get(name="liefer-und-abholservices-gastronomie")
    assert dataset.title_fr == "Liefer- und Abholservices (Gastronomie)"
    assert dataset.licence_id == "CC0-1.0"  # http://dcat-ap.de/def/licenses/cc-zero
    assert (dataset.bbox_west, dataset.bbox_south, dataset.bbox_east, dataset.bbox_north) == \
        (11.9936, 54.0486, 12.3045, 54.2466)
    assert dataset.languages == ["de"]
    assert dataset.maintainer_email == "geodienste@rostock.de"
    assert "ökonomie" in dataset.tags.values_list("name", flat=True)
    resources = {r.url: r for r in dataset.resources.filter(state="active")}
    assert len(resources) == 9  # every dcat:Distribution of the file
    geojson = resources["https://geo.sv.rostock.de/download/opendata/lieferservices/lieferservices.json"]
    assert (geojson.format, geojson.media_type, geojson.size) == ("GEOJSON", "application/geo+json", 147253)
    assert geojson.sha256 == "1d5a3926327046c8fcd75652c6e44d3c74004c6727939f33fb05e16e324df241"
    assert "hash" not in geojson.extra_fields  # a link's SHA-256 lands in ``sha256``
    assert resources["https://geo.sv.rostock.de/geodienste/lieferservices/wms"].format == "WMS"


@pytest.mark.parametrize("sample", [SEMIC_TTL, SEMIC_JSONLD], ids=["turtle", "json-ld"])
def test_specification_example_in_turtle_and_json_ld(import_sample, sample):
    report = import_sample(sample)
    assert report.created == ["the-population-of-bees"] and not report.errors
    dataset = Dataset.objects.get(name="the-population-of-bees")
    assert dataset.title_en == "The population of bees"
    assert dataset.extras["publisher_name"] == "MS Environmental Agency"
    resource = dataset.resources.get()
    assert (resource.url, resource.format) == ("https://orgea.exampleMS.gov/files/1T2p3o4B.shp", "SHP")
    # the second distribution is only referred to, with no address: left out, and said so
    assert len(report.warnings) == 1 and "1T2p3o4B-dist-RDF" in report.warnings[0]["messages"][0]


def test_import_again_updates_instead_of_duplicating(import_sample, editor):
    first = import_sample(ROSTOCK)
    dataset = Dataset.objects.get(name=first.created[0])
    resource_ids = set(dataset.resources.filter(state="active").values_list("pk", flat=True))
    changed = (DATA / ROSTOCK[0]).read_bytes().replace(
        b"<dct:title>Liefer- und Abholservices (Gastronomie)</dct:title>\n    <dct:description>",
        b"<dct:title>Lieferservices</dct:title>\n    <dct:description>", 1)
    assert changed != (DATA / ROSTOCK[0]).read_bytes()
    second = import_sample(ROSTOCK, data=changed)
    assert second.updated == [dataset.name] and not second.created and not second.errors
    assert Dataset.objects.count() == 1
    dataset.refresh_from_db()
    assert dataset.title_fr == "Lieferservices"
    # resources matched on their source URI: the same rows, updated in place
    assert set(dataset.resources.filter(state="active").values_list("pk", flat=True)) == resource_ids
    assert dataset.activities.count() == 2


def test_matching_stays_within_the_organisation(import_sample, other_org, other_org_editor):
    import_sample(NOBEL)
    report = import_sample(NOBEL, organisation=other_org, actor=other_org_editor)
    assert report.created == ["linked-nobel-prizes-2"]
    assert Dataset.objects.count() == 2


@pytest.mark.parametrize("sample", [MADRID, NOBEL, ROSTOCK, SEMIC_TTL], ids=["madrid", "nobel", "rostock", "semic"])
def test_imported_datasets_export_again(import_sample, client, shapes, sample):
    report = import_sample(sample)
    name = report.created[0]
    dataset = Dataset.objects.get(name=name)
    source = Graph().parse(DATA / sample[0], format=sample[1])
    source_node = next(iter(source.subjects(RDF.type, DCAT.Dataset)))
    response = client.get(f"/dataset/{name}.ttl")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    node = dcat.dataset_uri(dataset)
    assert node == source_node  # the source's URI is kept
    # the titles come back with the language tags they had at the source
    assert set(graph.objects(node, DCT.title)) == set(source.objects(source_node, DCT.title))
    assert len(set(graph.objects(node, DCAT.distribution))) == dataset.resources.filter(state="active").count()
    conforms, _g, text = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, text


def test_exported_catalogue_imports_into_another_organisation(import_sample, client, other_org, other_org_editor):
    import_sample(ROSTOCK)
    import_sample(NOBEL)
    exported = client.get("/catalog.rdf").content
    report = dcat.dcat_import(actor=other_org_editor, organisation=other_org, data=exported, format="xml")
    assert len(report.created) == 2 and not report.errors
    copies = Dataset.objects.filter(organisation=other_org)
    originals = Dataset.objects.exclude(organisation=other_org)
    assert sorted(copies.values_list("title_fr", flat=True)) == sorted(originals.values_list("title_fr", flat=True))
    assert Resource.objects.filter(dataset__in=copies).count() == Resource.objects.filter(dataset__in=originals).count()


@pytest.mark.parametrize("data, fmt, message", [
    (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> a dcat:Dataset ; dct:title \"x\" .", "turtle", "Turtle"),
    (b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description>", "xml", "RDF/XML"),
    (b'{"@context": {"dcat": "http://www.w3.org/ns/dcat#"}, "@type": "dcat:Dataset",', "json-ld", "JSON-LD"),
    (b'{"@context": "https://www.w3.org/ns/dcat.jsonld", "@type": "Dataset"}', "json-ld", "distant"),
    (b"   ", "turtle", "vide"),
    (b"<x> <y> <z> .", "n3", "Format"),
    (b"@prefix dct: <http://purl.org/dc/terms/> .\n<http://example.org/a> dct:title \"Pas un jeu\" .",
     "turtle", "aucun jeu de données"),
])
def test_malformed_files_are_refused_and_nothing_is_created(import_sample, data, fmt, message):
    with pytest.raises(ValidationError) as caught:
        import_sample(("inline", fmt), data=data)
    errors = caught.value.message_dict
    assert any(message in text for texts in errors.values() for text in texts), errors
    assert Dataset.objects.count() == 0


def test_one_bad_dataset_does_not_stop_the_others(import_sample):
    data = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://donnees.example.org/jeu/1> a dcat:Dataset ; dct:identifier "jeu-1" ;
    dct:title "Arbres publics"@fr, "Public trees"@en ; dct:description "Inventaire des arbres."@fr .
<https://donnees.example.org/jeu/2> a dcat:Dataset ; dct:identifier "jeu-2" ; dct:description "Sans titre."@fr .
<https://donnees.example.org/jeu/3> a dcat:Dataset ; dct:identifier "jeu-3" ; dct:title "Titre {}"@fr .
""".replace("{}", "x" * 600).encode()
    report = import_sample(("inline", "turtle"), data=data)
    assert report.created == ["arbres-publics"]
    assert [e["identifier"] for e in report.errors] == ["jeu-2", "jeu-3"]
    assert "title_fr" in report.errors[0]["errors"] and "title_fr" in report.errors[1]["errors"]
    dataset = Dataset.objects.get()
    assert (dataset.title_fr, dataset.title_en) == ("Arbres publics", "Public trees")


def test_only_editors_of_the_organisation_import(import_sample, member, other_org_editor):
    for actor in (member, other_org_editor):
        with pytest.raises(PermissionDenied):
            import_sample(NOBEL, actor=actor)
    assert Dataset.objects.count() == 0


def test_parse_does_not_fetch_remote_json_ld_contexts():
    nested = b'{"@graph": [{"@context": ["https://example.org/ctx.jsonld"], "@id": "x"}]}'
    with pytest.raises(ValidationError, match="distant"):
        dcat.dcat_parse_graph(nested, "json-ld")


def test_bbox_from_wkt_and_geojson_literals():
    assert dcat._geometry_bbox(Literal("POLYGON((-73.98 45.41, -73.47 45.41, -73.47 45.70, -73.98 45.41))")) == \
        (-73.98, 45.41, -73.47, 45.70)
    assert dcat._geometry_bbox(Literal(
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(-71.2 46.8)")) == (-71.2, 46.8, -71.2, 46.8)
    assert dcat._geometry_bbox(Literal("ENVELOPE(-79.8, -57.1, 62.6, 45.0)")) == (-79.8, 45.0, -57.1, 62.6)
    assert dcat._geometry_bbox(Literal('{"type": "Point", "coordinates": [-73.5, 45.5]}')) == (-73.5, 45.5, -73.5, 45.5)
    # a projected CRS (NAD83 / MTM 8, metres) is not longitude/latitude: no box
    assert dcat._geometry_bbox(Literal(
        "<http://www.opengis.net/def/crs/EPSG/0/32188> POINT(296755 5052363)")) is None
    assert dcat._geometry_bbox(Literal("pas de la géométrie")) is None


def test_uri_helpers_are_absolute(dataset_factory):
    dataset = dataset_factory(title_fr="Jeu")
    assert str(dcat.dataset_uri(dataset)).startswith(dcat.base_url() + "/dataset/")
    assert isinstance(dcat.catalog_uri(), URIRef)
