"""DCAT-AP 3 export: ``catalog.dcat`` graphs and the ``/catalog.*`` and ``/dataset/<name>.*`` endpoints."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyshacl import validate
from rdflib import Graph, Literal, URIRef

from ouvert.catalog import dcat, services
from ouvert.catalog.dcat import DCAT, DCT, FOAF, HYDRA, RDF, SPDX, VCARD
from ouvert.catalog.models import Dataset

DATA = Path(__file__).parent / "data" / "dcat"
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


@pytest.fixture(scope="module")
def shapes():
    """The official DCAT-AP 3.0.1 SHACL shapes (SEMICeu/DCAT-AP, releases/3.0.1/shacl)."""
    return Graph().parse(DATA / "dcat-ap_3.0.1_SHACL.ttl", format="turtle")


def assert_conforms(graph, shapes):
    conforms, _results, report = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, "DCAT-AP 3.0.1 SHACL violations:\n" + report


@pytest.fixture
def complete_dataset(dataset_factory, theme_factory, editor):
    """A dataset with every field the DCAT-AP mapping writes, a link and an uploaded file."""
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    dataset = dataset_factory(
        name="comptages-velo-montreal",
        title_fr="Comptages de vélos à Montréal", title_en="Bicycle counts in Montréal",
        notes_fr="Passages de vélos comptés chaque jour par les compteurs de la ville.",
        notes_en="Bicycles counted every day by the city's counters.",
        tags=["mobilité"], keywords={"fr": ["vélo", "piste cyclable"], "en": ["bicycle", "bike lane"]},
        themes=["transport"], licence="CC-BY-4.0",
        maintainer="Direction de la mobilité", maintainer_email="mobilite@example.org",
        frequency="DAILY", temporal_start="2012-01-01", temporal_end="2012-12-31",
        spatial_name="Montréal (06)", bbox_west=-73.98, bbox_south=45.41, bbox_east=-73.47, bbox_north=45.70,
        languages=["fr", "en"], version="2.1", url="https://donnees.montreal.ca/dataset/velos-comptage",
        resources=[{"name_fr": "Comptages 2012 (CSV)", "name_en": "2012 counts (CSV)",
                    "description_fr": "Un fichier par année.", "description_en": "One file per year.",
                    "url": "https://donnees.montreal.ca/velos/comptage_2012.csv", "format": "CSV",
                    "size": 13807}],
    )
    services.resource_create(
        actor=editor, dataset=dataset, data={"name_fr": "Données JSON", "name_en": "JSON data", "format": "JSON"},
        upload=SimpleUploadedFile("comptages.json", b'{"compteurs": [1, 2, 3]}', content_type="application/json"))
    return dataset


def _graph_of(dataset):
    return dcat.dataset_graph(dcat.dcat_dataset_get(name_or_id=dataset.name))


def test_complete_dataset_conforms_to_dcat_ap_3(complete_dataset, shapes):
    graph = _graph_of(complete_dataset)
    assert_conforms(graph, shapes)
    # and the catalogue that holds it
    assert_conforms(dcat.catalog_graph(dcat.dcat_catalog_page().datasets), shapes)


def test_minimal_dataset_conforms_too(dataset_factory, shapes):
    """No description, no resource, no contact: the title stands in for the mandatory description."""
    dataset = dataset_factory(title_fr="Liste des ponts")
    graph = _graph_of(dataset)
    assert_conforms(graph, shapes)
    assert (dcat.dataset_uri(dataset), DCT.description, Literal("Liste des ponts", lang="fr")) in graph


def test_mapping_of_a_complete_dataset(complete_dataset):
    graph = _graph_of(complete_dataset)
    node = URIRef(f"{dcat.base_url()}/dataset/{complete_dataset.id}")
    assert (node, RDF.type, DCAT.Dataset) in graph
    assert (node, DCT.identifier, Literal(str(complete_dataset.id))) in graph
    assert (node, DCT.title, Literal("Comptages de vélos à Montréal", lang="fr")) in graph
    assert (node, DCT.title, Literal("Bicycle counts in Montréal", lang="en")) in graph
    assert (node, DCAT.keyword, Literal("vélo", lang="fr")) in graph
    assert (node, DCAT.keyword, Literal("bicycle", lang="en")) in graph
    assert (node, DCAT.keyword, Literal("mobilité")) in graph
    assert (node, DCT.accrualPeriodicity,
            URIRef("http://publications.europa.eu/resource/authority/frequency/DAILY")) in graph
    assert set(graph.objects(node, DCT.language)) == {
        URIRef("http://publications.europa.eu/resource/authority/language/FRA"),
        URIRef("http://publications.europa.eu/resource/authority/language/ENG")}
    period = graph.value(node, DCT.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2012-01-01", datatype=dcat.XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2012-12-31", datatype=dcat.XSD.date)
    location = graph.value(node, DCT.spatial)
    assert str(graph.value(location, DCAT.bbox)).startswith("POLYGON((-73.98 45.41")
    assert graph.value(location, DCAT.bbox).datatype == URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
    publisher = graph.value(node, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert (publisher, FOAF.name, Literal("Ministère des Transports et de la Mobilité durable", lang="fr")) in graph
    contact = graph.value(node, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:mobilite@example.org")
    assert graph.value(node, DCAT.landingPage) == URIRef("https://donnees.montreal.ca/dataset/velos-comptage")
    assert str(graph.value(node, DCAT.version)) == "2.1"
    assert graph.value(node, DCT.issued).datatype == dcat.XSD.dateTime
    assert graph.value(node, DCT.modified).datatype == dcat.XSD.dateTime
    theme = graph.value(node, DCAT.theme)
    assert str(theme).endswith("/theme/transport")

    distributions = {str(graph.value(d, DCAT.accessURL)): d for d in graph.objects(node, DCAT.distribution)}
    assert len(distributions) == 2
    csv = distributions["https://donnees.montreal.ca/velos/comptage_2012.csv"]
    assert graph.value(csv, DCT.format) == URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")
    assert graph.value(csv, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(csv, DCAT.byteSize) == Literal("13807", datatype=dcat.XSD.nonNegativeInteger)
    assert graph.value(csv, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (csv, DCT.title, Literal("2012 counts (CSV)", lang="en")) in graph
    uploaded = next(d for url, d in distributions.items() if url != "https://donnees.montreal.ca/velos/comptage_2012.csv")
    assert str(graph.value(uploaded, DCAT.downloadURL)).startswith(dcat.base_url())
    checksum = graph.value(uploaded, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    resource = complete_dataset.resources.get(kind="upload")
    assert str(graph.value(checksum, SPDX.checksumValue)) == resource.sha256
    assert graph.value(uploaded, DCAT.byteSize) == Literal("24", datatype=dcat.XSD.nonNegativeInteger)


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_each_format_parses_back_with_bilingual_titles(client, complete_dataset, fmt):
    response = client.get(f"/dataset/{complete_dataset.name}.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == dcat.FORMATS[fmt][1]
    graph = Graph().parse(data=response.content, format=RDFLIB_FORMATS[fmt])
    node = dcat.dataset_uri(complete_dataset)
    assert set(graph.objects(node, DCT.title)) == {Literal("Comptages de vélos à Montréal", lang="fr"),
                                                  Literal("Bicycle counts in Montréal", lang="en")}
    assert len(set(graph.objects(node, DCAT.distribution))) == 2

    response = client.get(f"/catalog.{fmt}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=RDFLIB_FORMATS[fmt])
    assert (dcat.catalog_uri(), DCAT.dataset, node) in graph
    assert (node, DCT.title, Literal("Bicycle counts in Montréal", lang="en")) in graph


def test_catalogue_endpoint_output_conforms(client, complete_dataset, dataset_factory, shapes):
    dataset_factory(title_fr="Deuxième jeu", notes_fr="Sans ressource.")
    response = client.get("/catalog.ttl")
    graph = Graph().parse(data=response.content, format="turtle")
    assert_conforms(graph, shapes)
    assert (dcat.catalog_uri(), RDF.type, DCAT.Catalog) in graph
    assert graph.value(dcat.catalog_uri(), FOAF.homepage) == URIRef(dcat.base_url() + "/")


def _paging(graph):
    pages = list(graph.subjects(RDF.type, HYDRA.PagedCollection))
    assert len(pages) == 1
    node = pages[0]
    return {str(p).rsplit("#", 1)[-1]: str(o) for p, o in graph.predicate_objects(node) if p != RDF.type}


def test_paging(client, dataset_factory, monkeypatch):
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    created = [dataset_factory(title_fr=f"Jeu {n}") for n in range(5)]
    seen = []
    for number in (1, 2, 3):
        response = client.get(f"/catalog.ttl?page={number}")
        assert response.status_code == 200
        graph = Graph().parse(data=response.content, format="turtle")
        seen.extend(graph.subjects(RDF.type, DCAT.Dataset))
        paging = _paging(graph)
        assert paging["totalItems"] == "5" and paging["itemsPerPage"] == "2"
        assert paging["firstPage"] == paging["first"] == f"{dcat.base_url()}/catalog.ttl?page=1"
        assert paging["last"] == f"{dcat.base_url()}/catalog.ttl?page=3"
        if number < 3:
            assert paging["next"] == paging["nextPage"] == f"{dcat.base_url()}/catalog.ttl?page={number + 1}"
        else:
            assert "next" not in paging and "nextPage" not in paging
        if number > 1:
            assert paging["previous"] == f"{dcat.base_url()}/catalog.ttl?page={number - 1}"
    assert sorted(seen) == sorted(dcat.dataset_uri(d) for d in created)  # each once, none missing
    response = client.get("/catalog.ttl?page=4")
    assert response.status_code == 400
    assert "page" in response.content.decode()
    for bad in ("0", "-1", "deux"):
        assert client.get(f"/catalog.ttl?page={bad}").status_code == 400


def test_paging_links_keep_the_filters(client, dataset_factory, monkeypatch):
    monkeypatch.setattr(dcat, "PAGE_SIZE", 1)
    for n in range(2):
        dataset_factory(title_fr=f"Jeu {n}")
    response = client.get("/catalog.jsonld?modified_since=2000-01-01")
    graph = Graph().parse(data=response.content, format="json-ld")
    assert _paging(graph)["next"] == f"{dcat.base_url()}/catalog.jsonld?modified_since=2000-01-01&page=2"


def test_modified_since(client, dataset_factory):
    old = dataset_factory(title_fr="Ancien jeu")
    new = dataset_factory(title_fr="Nouveau jeu")
    utc = datetime.UTC
    Dataset.objects.filter(pk=old.pk).update(modified_at=datetime.datetime(2020, 5, 1, 12, tzinfo=utc))
    Dataset.objects.filter(pk=new.pk).update(modified_at=datetime.datetime(2024, 3, 1, 12, tzinfo=utc))
    # A date alone, or naive, is in the platform's time zone (America/Toronto).
    for value, expected in (("2021-01-01", {new}), ("2019-12-31", {old, new}), ("2024-03-01T13:00:00Z", set()),
                            ("2024-03-01T06:59:00-05:00", {new}), ("2024-03-01T07:01:00-05:00", set()),
                            ("2024-03-01T11:00:00+00:00", {new}), ("2024-03-01T06:00:00", {new}),
                            ("2024-03-01T07:00:01", set())):
        response = client.get("/catalog.ttl", {"modified_since": value})
        assert response.status_code == 200, value
        graph = Graph().parse(data=response.content, format="turtle")
        assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dcat.dataset_uri(d) for d in expected}, value
    # "+" left unencoded in a query string arrives as a space
    graph = Graph().parse(data=client.get("/catalog.ttl?modified_since=2024-03-01T11:00:00+00:00").content,
                          format="turtle")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dcat.dataset_uri(new)}
    response = client.get("/catalog.ttl", {"modified_since": "hier"})
    assert response.status_code == 400
    assert "modified_since" in response.content.decode()


def test_fq_and_q(client, dataset_factory, make_org, editor):
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership

    city = make_org(slug="ville-de-laval", name_fr="Ville de Laval", kind="municipality")
    core_services.membership_set(user=editor, organisation=city, role=Membership.Role.EDITOR)
    bikes = dataset_factory(title_fr="Pistes cyclables", tags=["vélo"])
    dataset_factory(title_fr="Ponts et viaducs", tags=["infrastructure"])
    in_city = dataset_factory(title_fr="Arbres publics", organisation=city)
    graph = Graph().parse(data=client.get("/catalog.ttl", {"fq": "tags:vélo"}).content, format="turtle")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dcat.dataset_uri(bikes)}
    graph = Graph().parse(data=client.get("/catalog.ttl", {"fq": "organization:ville-de-laval"}).content,
                          format="turtle")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dcat.dataset_uri(in_city)}
    response = client.get("/catalog.ttl", {"fq": "tags:(vélo"})
    assert response.status_code == 400
    assert "fq" in response.content.decode()


def test_q_full_text(client, dataset_factory):
    pytest.importorskip("ouvert.catalog.indexing", reason="full-text index of the catalogue (search helper)")
    bikes = dataset_factory(title_fr="Comptages de vélos", notes_fr="Passages aux compteurs.")
    dataset_factory(title_fr="Ponts et viaducs", notes_fr="Inspection des structures.")
    graph = Graph().parse(data=client.get("/catalog.ttl", {"q": "velos"}).content, format="turtle")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dcat.dataset_uri(bikes)}


def test_private_draft_and_deleted_datasets_never_appear(client, dataset_factory, editor, monkeypatch):
    public = dataset_factory(title_fr="Public")
    private = dataset_factory(title_fr="Privé", private=True)
    draft = dataset_factory(title_fr="Brouillon", state="draft")
    deleted = dataset_factory(title_fr="Supprimé")
    services.dataset_delete(actor=editor, dataset=deleted)
    client.force_login(editor)  # even for a member of the publisher: DCAT is the public catalogue
    for fmt in ("ttl", "jsonld", "rdf"):
        graph = Graph().parse(data=client.get(f"/catalog.{fmt}").content, format=RDFLIB_FORMATS[fmt])
        assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dcat.dataset_uri(public)}
        assert _paging(graph)["totalItems"] == "1"
    for hidden in (private, draft, deleted):
        assert client.get(f"/dataset/{hidden.name}.ttl").status_code == 404
        assert client.get(f"/dataset/{hidden.id}").status_code == 404
    assert client.get("/dataset/inexistant.ttl").status_code == 404


def test_renamed_dataset_and_uri_redirects(client, dataset_factory, editor):
    dataset = dataset_factory(name="ancien-nom", title_fr="Renommé")
    services.dataset_update(actor=editor, dataset=dataset, data={"name": "nouveau-nom"}, partial=True)
    response = client.get("/dataset/ancien-nom.jsonld")
    assert response.status_code == 301
    assert response["Location"] == "/dataset/nouveau-nom.jsonld"
    response = client.get(f"/dataset/{dataset.id}", HTTP_ACCEPT="application/rdf+xml")
    assert response.status_code == 303
    assert response["Location"] == "/dataset/nouveau-nom.rdf"
    assert client.get(f"/dataset/{dataset.id}")["Location"] == "/dataset/nouveau-nom.ttl"
    assert client.post("/dataset/nouveau-nom.ttl").status_code == 405


def test_constant_number_of_queries(client, dataset_factory, complete_dataset):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/catalog.ttl").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(6):
        dataset_factory(title_fr=f"Jeu {n}", tags=[f"mot-{n}"],
                        resources=[{"url": f"https://example.org/{n}.csv", "format": "CSV"}])
    assert count() == few


def test_next_page_url_follows_the_paging(client, dataset_factory, monkeypatch):
    """What a DCAT harvester reads to walk the catalogue: every dataset once, then no next page."""
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    created = {dcat.dataset_uri(dataset_factory(title_fr=f"Jeu {n}")) for n in range(3)}
    seen, url, pages = set(), f"{dcat.base_url()}/catalog.rdf", 0
    while url:
        response = client.get(url.removeprefix(dcat.base_url()))
        graph = Graph().parse(data=response.content, format="xml")
        seen |= set(graph.subjects(RDF.type, DCAT.Dataset))
        url, pages = dcat.next_page_url(graph), pages + 1
    assert seen == created and pages == 2


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_addresses_with_spaces_are_encoded_not_refused(client, dataset_factory, fmt):
    """Real catalogues hold addresses with spaces (this one is from open.canada.ca's CSA records): the
    catalogue must still serialise, with the address percent-encoded."""
    address = ("ftp://ftp.asc-csa.gc.ca/users/OpenData_DonneesOuvertes/pub/LIBS/"
               'LIBS data set description 2017-01-19.docx')
    dataset_factory(name="libs", title_fr="LIBS",
                    resources=[{"name_fr": "Description", "url": address, "format": "DOCX"}])
    answer = client.get(f"/catalog.{fmt}")
    assert answer.status_code == 200
    graph = Graph().parse(data=answer.content, format=RDFLIB_FORMATS[fmt])
    encoded = URIRef(address.replace(" ", "%20"))
    assert (None, DCAT.accessURL, encoded) in graph
