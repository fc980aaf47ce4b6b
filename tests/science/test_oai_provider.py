"""The OAI-PMH 2.0 provider (``/oai``): the six verbs, both formats, sets, from/until and their granularity,
paging with signed resumption tokens, deleted records, and every protocol error."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.utils import timezone

from ouvert.science import services
from ouvert.science.models import Publication

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
OAIRE = "{http://namespace.openaire.eu/schema/oaire/}"
DATACITE = "{http://datacite.org/schema/kernel-4}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _oai_settings(settings):
    settings.OUVERT_SCIENCE_OAI_REPOSITORY_ID = "ouvert.example.org"
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 100


def oai(client, method="get", **params):
    response = getattr(client, method)("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def errors(root) -> list[str]:
    return [error.get("code") for error in root.findall(f"{OAI}error")]


def request_attributes(root) -> dict:
    return dict(root.find(f"{OAI}request").attrib)


def identifiers(root, verb="ListRecords") -> list[str]:
    return [header.findtext(f"{OAI}identifier") for header in root.iter(f"{OAI}header")]


def ident(publication) -> str:
    return f"oai:ouvert.example.org:publication/{publication.pk}"


def stamp(publication, moment: datetime.datetime) -> None:
    Publication.objects.filter(pk=publication.pk).update(updated_at=moment)
    publication.refresh_from_db()


@pytest.fixture
def article(publication_factory, funds, journal_factory):
    journal = journal_factory(title="Revue ouverte de sciences", issn_electronic="1932-6203")
    publication = publication_factory(
        fund="frqnt", grant="2023-NC-123456", doi="10.5555/ouvert.oai", title="L'accès libre au Québec",
        journal=journal, journal_title="Revue ouverte de sciences", issn="1932-6203", publisher="Éditions Libres",
        published_on=datetime.date(2023, 6, 15), licence="CC-BY-4.0", version_deposited="accepted",
        repository_url="https://papyrus.example.org/handle/1866/1", deposited_on=datetime.date(2023, 6, 15),
        deposit_open_on=datetime.date(2023, 6, 15), deposit_licence="CC-BY-4.0", oa_status="green",
        authors=[{"name": "Tremblay, Chercheuse", "orcid": "0000-0002-1825-0097", "affiliation": "Université de Montréal",
                  "is_corresponding": True, "email": "chercheuse@umontreal.example.org"},
                 {"name": "Gagnon, Luc"}])
    return publication


# --- Identify ----------------------------------------------------------------------------------------

def test_identify(client, publication_factory):
    first = publication_factory()
    stamp(first, datetime.datetime(2021, 3, 4, 5, 6, 7, 890000, tzinfo=UTC))
    publication_factory()
    root = oai(client, verb="Identify")
    assert errors(root) == []
    assert request_attributes(root) == {"verb": "Identify"}
    assert root.find(f"{OAI}request").text == "http://testserver/oai"
    identify = root.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}baseURL") == "http://testserver/oai"
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert identify.findtext(f"{OAI}earliestDatestamp") == "2021-03-04T05:06:07Z"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert "@" in identify.findtext(f"{OAI}adminEmail")
    # Schema order: repositoryName, baseURL, protocolVersion, adminEmail, earliestDatestamp, deletedRecord,
    # granularity, description.
    assert [child.tag.removeprefix(OAI) for child in identify] == [
        "repositoryName", "baseURL", "protocolVersion", "adminEmail", "earliestDatestamp", "deletedRecord",
        "granularity", "description"]
    ns = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    description = identify.find(f"{OAI}description/{ns}oai-identifier")
    assert description.findtext(f"{ns}scheme") == "oai"
    assert description.findtext(f"{ns}repositoryIdentifier") == "ouvert.example.org"
    assert description.findtext(f"{ns}delimiter") == ":"
    assert description.findtext(f"{ns}sampleIdentifier") == "oai:ouvert.example.org:publication/1"
    assert root.find(f"{OAI}responseDate").text.endswith("Z")


def test_admin_email_is_the_support_contact(client, settings, db):
    settings.OUVERT_SCIENCE_CONTACT_EMAIL = "libre-acces@frq.example.org"
    assert oai(client, verb="Identify").findtext(f"{OAI}Identify/{OAI}adminEmail") == "libre-acces@frq.example.org"
    settings.OUVERT_SCIENCE_CONTACT_EMAIL = ""
    settings.DEFAULT_FROM_EMAIL = "Ouvert <ne-pas-repondre@ouvert.example.org>"
    assert oai(client, verb="Identify").findtext(f"{OAI}Identify/{OAI}adminEmail") == "ne-pas-repondre@ouvert.example.org"


def test_repository_id_defaults_to_the_host_of_the_base_url(client, settings, publication_factory):
    settings.OUVERT_SCIENCE_OAI_REPOSITORY_ID = ""
    settings.OUVERT_BASE_URL = "https://donnees.quebec.example"
    publication = publication_factory()
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc",
               identifier=f"oai:donnees.quebec.example:publication/{publication.pk}")
    assert errors(root) == []
    assert identifiers(root) == [f"oai:donnees.quebec.example:publication/{publication.pk}"]


def test_identify_with_an_argument_is_a_bad_argument(client, db):
    root = oai(client, verb="Identify", metadataPrefix="oai_dc")
    assert errors(root) == ["badArgument"]
    assert request_attributes(root) == {}


# --- badVerb / badArgument ---------------------------------------------------------------------------

def test_bad_verbs(client, db):
    for params in ({}, {"verb": "ListThings"}, {"verb": ["Identify", "Identify"]}, {"verb": "identify"}):
        root = oai(client, **params)
        assert errors(root) == ["badVerb"], params
        assert request_attributes(root) == {}, params
        assert root.find(f"{OAI}request").text == "http://testserver/oai"


@pytest.mark.parametrize("params", [
    {"verb": "ListRecords"},  # metadataPrefix missing
    {"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]},  # repeated
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "identifier": "x"},  # illegal for this verb
    {"verb": "ListRecords", "metadataPrefix": ""},  # empty
    {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "resumptionToken": "abc"},  # token is exclusive
    {"verb": "GetRecord", "metadataPrefix": "oai_dc"},  # identifier missing
    {"verb": "GetRecord", "identifier": "oai:ouvert.example.org:publication/1"},  # prefix missing
    {"verb": "ListSets", "set": "fund"},
    {"verb": "ListMetadataFormats", "metadataPrefix": "oai_dc"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2023-02-30"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2023-1-1"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2023-01-01T00:00:00"},  # no Z
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2023-01-01T00:00Z"},  # minutes
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2023-01-01T00:00:00.5Z"},  # finer than declared
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2023-01-01", "until": "2023-06-01T00:00:00Z"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2023-06-02", "until": "2023-06-01"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "fund::frqnt"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "<script>"},
])
def test_bad_arguments(client, publication_factory, params):
    publication_factory()
    root = oai(client, **params)
    assert errors(root) == ["badArgument"]
    assert request_attributes(root) == {}
    assert root.find(f"{OAI}ListRecords") is None


def test_post_form_encoded_answers_like_get(client, publication_factory):
    publication = publication_factory()
    got = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ident(publication))
    posted = oai(client, method="post", verb="GetRecord", metadataPrefix="oai_dc", identifier=ident(publication))
    assert identifiers(posted) == identifiers(got) == [ident(publication)]
    assert request_attributes(posted) == {"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                          "identifier": ident(publication)}
    assert errors(oai(client, method="post", verb="Nope")) == ["badVerb"]


def test_other_methods_are_refused(client, db):
    assert client.put("/oai?verb=Identify").status_code == 405
    assert client.delete("/oai?verb=Identify").status_code == 405


# --- ListMetadataFormats, ListSets ------------------------------------------------------------------

def test_list_metadata_formats(client, publication_factory):
    publication = publication_factory()
    for params in ({}, {"identifier": ident(publication)}):
        root = oai(client, verb="ListMetadataFormats", **params)
        formats = {item.findtext(f"{OAI}metadataPrefix"): (item.findtext(f"{OAI}schema"),
                                                         item.findtext(f"{OAI}metadataNamespace"))
                   for item in root.iter(f"{OAI}metadataFormat")}
        assert formats == {
            "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
            "oai_openaire": ("https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd",
                             "http://namespace.openaire.eu/schema/oaire/"),
        }
    for unknown in ("oai:ouvert.example.org:publication/999999", "oai:autre.example.org:publication/1",
                    "oai:ouvert.example.org:publication/x1", "n'importe quoi"):
        root = oai(client, verb="ListMetadataFormats", identifier=unknown)
        assert errors(root) == ["idDoesNotExist"]
        assert request_attributes(root) == {"verb": "ListMetadataFormats", "identifier": unknown}


def test_list_sets(client, publication_factory):
    publication_factory(fund="frqnt", published_on=datetime.date(2022, 5, 1))
    publication_factory(fund="frqs", published_on=datetime.date(2023, 1, 9))
    root = oai(client, verb="ListSets")
    sets = {item.findtext(f"{OAI}setSpec"): item.findtext(f"{OAI}setName") for item in root.iter(f"{OAI}set")}
    assert sets == {
        "fund": "Par fonds de recherche",
        "fund:frqnt": "Fonds de recherche du Québec — Nature et technologies",
        "fund:frqs": "Fonds de recherche du Québec — Santé",
        "fund:frqsc": "Fonds de recherche du Québec — Société et culture",
        "year": "Par année de publication",
        "year:2022": "Publiées en 2022",
        "year:2023": "Publiées en 2023",
    }
    root = oai(client, verb="ListSets", resumptionToken="n'importe quoi")
    assert errors(root) == ["badResumptionToken"]
    assert request_attributes(root) == {"verb": "ListSets", "resumptionToken": "n'importe quoi"}


# --- GetRecord ---------------------------------------------------------------------------------------

def test_get_record_oai_dc(client, article):
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ident(article))
    assert errors(root) == []
    record = root.find(f"{OAI}GetRecord/{OAI}record")
    header = record.find(f"{OAI}header")
    assert header.get("status") is None
    assert header.findtext(f"{OAI}identifier") == ident(article)
    assert header.findtext(f"{OAI}datestamp") == article.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [spec.text for spec in header.findall(f"{OAI}setSpec")] == ["fund:frqnt", "year:2023"]
    dc = record.find(f"{OAI}metadata/{OAI_DC}dc")
    assert dc.get(f"{XSI}schemaLocation") == ("http://www.openarchives.org/OAI/2.0/oai_dc/ "
                                              "http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def values(name):
        return [element.text for element in dc.findall(f"{DC}{name}")]

    assert values("title") == ["L'accès libre au Québec"]
    assert values("creator") == ["Tremblay, Chercheuse", "Gagnon, Luc"]
    assert values("identifier")[:2] == ["https://doi.org/10.5555/ouvert.oai", "https://papyrus.example.org/handle/1866/1"]
    assert values("date") == ["2023-06-15"]
    assert values("publisher") == ["Éditions Libres"]
    assert values("source") == ["Revue ouverte de sciences, ISSN 1932-6203"]
    assert values("rights") == ["https://creativecommons.org/licenses/by/4.0/", "info:eu-repo/semantics/openAccess"]
    assert values("type") == ["info:eu-repo/semantics/article", "info:eu-repo/semantics/acceptedVersion"]
    assert values("relation") == ["info:eu-repo/grantAgreement/FRQ/FRQNT/2023-NC-123456"]
    # Dublin Core stays clean: only dc elements, no verdict, no e-mail.
    assert {child.tag for child in dc} <= {f"{DC}{name}" for name in (
        "title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
        "identifier", "source", "language", "relation", "coverage", "rights")}
    text = ET.tostring(dc, encoding="unicode")
    assert "umontreal.example.org" not in text and "conform" not in text.lower()


OPENAIRE_ELEMENTS = {  # the children openaire.xsd (v4.0) allows under <resource>
    f"{{http://purl.org/dc/elements/1.1/}}{name}" for name in (
        "coverage", "language", "publisher", "description", "format", "source")} | {
    f"{DATACITE}{name}" for name in (
        "creators", "contributors", "alternateIdentifiers", "relatedIdentifiers", "dates", "titles", "identifier",
        "rights", "subjects", "geoLocations", "sizes")} | {
    f"{OAIRE}{name}" for name in (
        "fundingReferences", "resourceType", "citationTitle", "citationVolume", "citationIssue",
        "citationStartPage", "citationEndPage", "citationEdition", "citationConferencePlace",
        "citationConferenceDate", "version", "file", "licenseCondition")} | {
    "{http://purl.org/dc/terms/}audience"}


def test_get_record_oai_openaire(client, article):
    root = oai(client, verb="GetRecord", metadataPrefix="oai_openaire", identifier=ident(article))
    assert errors(root) == []
    resource = root.find(f"{OAI}GetRecord/{OAI}record/{OAI}metadata/{OAIRE}resource")
    assert resource is not None
    assert resource.get(f"{XSI}schemaLocation") == ("http://namespace.openaire.eu/schema/oaire/ "
                                                    "https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd")
    tags = [child.tag for child in resource]
    assert set(tags) <= OPENAIRE_ELEMENTS
    # Mandatory ones.
    for mandatory in (f"{DATACITE}titles", f"{OAIRE}resourceType", f"{DATACITE}identifier", f"{DATACITE}rights"):
        assert tags.count(mandatory) == 1, mandatory
    assert resource.findtext(f"{DATACITE}titles/{DATACITE}title") == "L'accès libre au Québec"
    creators = resource.findall(f"{DATACITE}creators/{DATACITE}creator")
    assert [c.findtext(f"{DATACITE}creatorName") for c in creators] == ["Tremblay, Chercheuse", "Gagnon, Luc"]
    orcid = creators[0].find(f"{DATACITE}nameIdentifier")
    assert (orcid.text, orcid.get("nameIdentifierScheme"), orcid.get("schemeURI")) == (
        "0000-0002-1825-0097", "ORCID", "https://orcid.org")
    assert creators[0].findtext(f"{DATACITE}affiliation") == "Université de Montréal"
    assert creators[1].find(f"{DATACITE}nameIdentifier") is None
    funding = resource.find(f"{OAIRE}fundingReferences/{OAIRE}fundingReference")
    assert funding.findtext(f"{OAIRE}funderName") == "Fonds de recherche du Québec — Nature et technologies"
    assert funding.findtext(f"{OAIRE}fundingStream") == "FRQNT"
    assert funding.findtext(f"{OAIRE}awardNumber") == "2023-NC-123456"
    identifier = resource.find(f"{DATACITE}identifier")
    assert (identifier.text, identifier.get("identifierType")) == ("10.5555/ouvert.oai", "DOI")
    rights = resource.find(f"{DATACITE}rights")
    assert (rights.text, rights.get("rightsURI")) == ("open access", "http://purl.org/coar/access_right/c_abf2")
    licence = resource.find(f"{OAIRE}licenseCondition")
    assert (licence.text, licence.get("uri"), licence.get("startDate")) == (
        "CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "2023-06-15")
    version = resource.find(f"{OAIRE}version")
    assert (version.text, version.get("uri")) == ("AM", "http://purl.org/coar/version/c_ab4af688f83e57aa")
    file = resource.find(f"{OAIRE}file")
    assert (file.text, file.get("objectType"), file.get("accessRightsURI")) == (
        "https://papyrus.example.org/handle/1866/1", "fulltext", "http://purl.org/coar/access_right/c_abf2")
    alternate = resource.find(f"{DATACITE}alternateIdentifiers/{DATACITE}alternateIdentifier")
    assert (alternate.text, alternate.get("alternateIdentifierType")) == (
        "https://papyrus.example.org/handle/1866/1", "URL")
    dates = {d.get("dateType"): d.text for d in resource.findall(f"{DATACITE}dates/{DATACITE}date")}
    assert dates == {"Issued": "2023-06-15", "Available": "2023-06-15"}
    resource_type = resource.find(f"{OAIRE}resourceType")
    assert (resource_type.get("resourceTypeGeneral"), resource_type.get("uri")) == (
        "literature", "http://purl.org/coar/resource_type/c_6501")
    related = resource.find(f"{DATACITE}relatedIdentifiers/{DATACITE}relatedIdentifier")
    assert (related.text, related.get("relatedIdentifierType"), related.get("relationType")) == (
        "1932-6203", "ISSN", "IsPartOf")


def test_embargoed_and_closed_access(client, publication_factory):
    future = timezone.localdate() + datetime.timedelta(days=100)
    embargoed = publication_factory(repository_url="https://papyrus.example.org/handle/1866/2",
                                    deposit_open_on=future, version_deposited="published")
    closed = publication_factory(oa_status="closed", doi=None)
    root = oai(client, verb="GetRecord", metadataPrefix="oai_openaire", identifier=ident(embargoed))
    resource = root.find(f".//{OAIRE}resource")
    assert resource.find(f"{DATACITE}rights").get("rightsURI") == "http://purl.org/coar/access_right/c_f1cf"
    assert resource.find(f"{OAIRE}version").text == "VoR"
    assert {d.get("dateType"): d.text for d in resource.iter(f"{DATACITE}date")}["Available"] == future.isoformat()
    root = oai(client, verb="GetRecord", metadataPrefix="oai_openaire", identifier=ident(closed))
    resource = root.find(f".//{OAIRE}resource")
    assert resource.find(f"{DATACITE}rights").get("rightsURI") == "http://purl.org/coar/access_right/c_14cb"
    identifier = resource.find(f"{DATACITE}identifier")
    assert identifier.get("identifierType") == "URL"
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ident(closed))
    assert "info:eu-repo/semantics/closedAccess" in [e.text for e in root.iter(f"{DC}rights")]


def test_a_harvested_deposit_is_the_open_copy_when_none_is_declared(client, publication_factory):
    from ouvert.science.models import Deposit, RepositorySource

    publication = publication_factory(oa_status="green")
    source = RepositorySource.objects.create(slug="papyrus", name="Papyrus", base_url="https://papyrus.example.org/oai")
    Deposit.objects.create(source=source, identifier="oai:papyrus:gone", url="https://papyrus.example.org/gone",
                           deleted=True, publication=publication)
    later = timezone.localdate() + datetime.timedelta(days=30)
    Deposit.objects.create(source=source, identifier="oai:papyrus:later", url="https://papyrus.example.org/later",
                           embargo_until=later, version="published", publication=publication)
    Deposit.objects.create(source=source, identifier="oai:papyrus:1", url="https://papyrus.example.org/1",
                           version="accepted", licence="CC-BY-4.0", publication=publication)
    root = oai(client, verb="GetRecord", metadataPrefix="oai_openaire", identifier=ident(publication))
    resource = root.find(f".//{OAIRE}resource")
    assert resource.find(f"{OAIRE}file").text == "https://papyrus.example.org/1"  # open today, not deleted
    assert resource.find(f"{OAIRE}version").text == "AM"
    assert resource.find(f"{OAIRE}licenseCondition").text == "CC-BY-4.0"
    assert resource.find(f"{DATACITE}rights").get("rightsURI") == "http://purl.org/coar/access_right/c_abf2"
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ident(publication))
    assert "https://papyrus.example.org/1" in [e.text for e in root.iter(f"{DC}identifier")]
    # Only the embargoed one left: embargoed access until its date.
    Deposit.objects.filter(identifier="oai:papyrus:1").update(deleted=True)
    resource = oai(client, verb="GetRecord", metadataPrefix="oai_openaire",
                   identifier=ident(publication)).find(f".//{OAIRE}resource")
    assert resource.find(f"{OAIRE}file").text == "https://papyrus.example.org/later"
    assert resource.find(f"{DATACITE}rights").get("rightsURI") == "http://purl.org/coar/access_right/c_f1cf"
    assert {d.get("dateType"): d.text for d in resource.iter(f"{DATACITE}date")}["Available"] == later.isoformat()


def test_get_record_of_a_withdrawn_publication_is_a_deleted_record(client, publication_factory):
    publication = publication_factory(withdrawn_at=timezone.now(), withdrawn_reason="Doublon")
    for prefix in ("oai_dc", "oai_openaire"):
        root = oai(client, verb="GetRecord", metadataPrefix=prefix, identifier=ident(publication))
        record = root.find(f"{OAI}GetRecord/{OAI}record")
        assert record.find(f"{OAI}header").get("status") == "deleted"
        assert record.find(f"{OAI}metadata") is None
    # Still known: its formats are listed.
    assert errors(oai(client, verb="ListMetadataFormats", identifier=ident(publication))) == []


def test_get_record_errors(client, publication_factory):
    publication = publication_factory()
    root = oai(client, verb="GetRecord", metadataPrefix="marc21", identifier=ident(publication))
    assert errors(root) == ["cannotDisseminateFormat"]
    assert request_attributes(root) == {"verb": "GetRecord", "metadataPrefix": "marc21", "identifier": ident(publication)}
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier="oai:ouvert.example.org:publication/0")
    assert errors(root) == ["idDoesNotExist"]
    assert request_attributes(root)["identifier"] == "oai:ouvert.example.org:publication/0"
    assert root.find(f"{OAI}GetRecord") is None


def test_hostile_text_is_escaped_and_forbidden_characters_dropped(client, publication_factory):
    title = "<script>alert('x')</script> & \"Robert'); DROP TABLE science_publication;--\x01\x07\x1b ok\ufffe"
    publication = publication_factory(title=title, publisher="A & B <C>",
                                      authors=[{"name": "O'Brien <b>\x0b</b>", "orcid": ""}])
    for prefix in ("oai_dc", "oai_openaire"):
        response = client.get("/oai", {"verb": "GetRecord", "metadataPrefix": prefix, "identifier": ident(publication)})
        assert b"<script>" not in response.content
        root = ET.fromstring(response.content)  # well-formed XML 1.0
        texts = [element.text for element in root.iter() if element.text and "alert" in element.text]
        assert texts == ["<script>alert('x')</script> & \"Robert'); DROP TABLE science_publication;-- ok"]
    assert Publication.objects.get(pk=publication.pk).title == title


# --- ListIdentifiers / ListRecords: selection ---------------------------------------------------------

@pytest.fixture
def dated(publication_factory):
    """Five publications with known datestamps."""
    moments = [datetime.datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC),
               datetime.datetime(2024, 1, 1, 23, 59, 59, 400000, tzinfo=UTC),
               datetime.datetime(2024, 1, 2, 12, 0, 0, tzinfo=UTC),
               datetime.datetime(2024, 1, 3, 8, 30, 15, 999999, tzinfo=UTC),
               datetime.datetime(2024, 1, 5, 0, 0, 0, tzinfo=UTC)]
    items = []
    for moment in moments:
        publication = publication_factory()
        stamp(publication, moment)
        items.append(publication)
    return items


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_from_until_bounds_are_inclusive(client, dated, verb):
    def listed(**params):
        root = oai(client, verb=verb, metadataPrefix="oai_dc", **params)
        return [i for i in identifiers(root)], errors(root)

    everything = [ident(p) for p in dated]
    assert listed() == (everything, [])
    assert listed(**{"from": "2024-01-01", "until": "2024-01-01"}) == (everything[:2], [])
    assert listed(**{"from": "2024-01-02"}) == (everything[2:], [])
    assert listed(until="2024-01-02") == (everything[:3], [])
    assert listed(**{"from": "2024-01-01T23:59:59Z", "until": "2024-01-03T08:30:15Z"}) == (everything[1:4], [])
    assert listed(**{"from": "2024-01-01T00:00:01Z", "until": "2024-01-03T08:30:14Z"}) == (everything[1:3], [])
    assert listed(**{"from": "2024-01-05T00:00:00Z", "until": "2024-01-05T00:00:00Z"}) == (everything[4:], [])
    assert listed(**{"from": "2024-01-04", "until": "2024-01-04"}) == ([], ["noRecordsMatch"])
    assert listed(until="1999-12-31") == ([], ["noRecordsMatch"])
    root = oai(client, verb=verb, metadataPrefix="oai_dc", **{"from": "2030-01-01"})
    assert errors(root) == ["noRecordsMatch"]
    assert request_attributes(root) == {"verb": verb, "metadataPrefix": "oai_dc", "from": "2030-01-01"}


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_sets(client, publication_factory, verb):
    a = publication_factory(fund="frqnt", published_on=datetime.date(2022, 5, 1))
    b = publication_factory(fund="frqs", published_on=datetime.date(2023, 1, 9))
    c = publication_factory(fund="frqs", grant="autre", published_on=datetime.date(2022, 12, 31))
    from ouvert.science.models import Funding
    Funding.objects.create(publication=c, fund=a.fundings.get().fund, grant_number="x")
    Funding.objects.create(publication=c, fund=b.fundings.get().fund, grant_number="y")  # twice in frqs
    d = publication_factory(fund=None, published_on=None)

    def listed(spec):
        root = oai(client, verb=verb, metadataPrefix="oai_dc", set=spec)
        return sorted(identifiers(root)), errors(root)

    assert listed("fund:frqnt") == (sorted([ident(a), ident(c)]), [])
    assert listed("fund:frqs") == (sorted([ident(b), ident(c)]), [])  # once, though funded twice
    assert listed("fund") == (sorted([ident(a), ident(b), ident(c)]), [])
    assert listed("year:2022") == (sorted([ident(a), ident(c)]), [])
    assert listed("year") == (sorted([ident(a), ident(b), ident(c)]), [])
    assert listed("fund:frqsc") == ([], ["noRecordsMatch"])
    assert listed("fund:inconnu") == ([], ["noRecordsMatch"])
    assert listed("year:1999") == ([], ["noRecordsMatch"])
    assert listed("autre") == ([], ["noRecordsMatch"])
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert ident(d) in identifiers(root)
    headers = {h.findtext(f"{OAI}identifier"): [s.text for s in h.findall(f"{OAI}setSpec")]
               for h in root.iter(f"{OAI}header")}
    assert headers[ident(c)] == ["fund:frqnt", "fund:frqs", "year:2022"]
    assert headers[ident(d)] == []


def test_list_records_with_deleted_records(client, publication_factory):
    kept = publication_factory()
    withdrawn = publication_factory(withdrawn_at=timezone.now())
    for verb in ("ListIdentifiers", "ListRecords"):
        root = oai(client, verb=verb, metadataPrefix="oai_openaire")
        headers = {h.findtext(f"{OAI}identifier"): h.get("status") for h in root.iter(f"{OAI}header")}
        assert headers == {ident(kept): None, ident(withdrawn): "deleted"}
    records = oai(client, verb="ListRecords", metadataPrefix="oai_dc").findall(f"{OAI}ListRecords/{OAI}record")
    assert [r.find(f"{OAI}metadata") is not None for r in records] == [True, False]


def test_unknown_prefix_and_empty_registry(client, db):
    root = oai(client, verb="ListRecords", metadataPrefix="marc21")
    assert errors(root) == ["cannotDisseminateFormat"]
    assert request_attributes(root) == {"verb": "ListRecords", "metadataPrefix": "marc21"}
    assert errors(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")) == ["noRecordsMatch"]


# --- Paging and resumption tokens -------------------------------------------------------------------

def harvest(client, verb="ListRecords", **params):
    """Every page of a list: ``[(identifiers, token element or None), …]``."""
    pages = []
    root = oai(client, verb=verb, metadataPrefix="oai_dc", **params)
    while True:
        assert errors(root) == [], errors(root)
        token = root.find(f"{OAI}{verb}/{OAI}resumptionToken")
        pages.append((identifiers(root), token))
        if token is None or not token.text:
            return pages
        root = oai(client, verb=verb, resumptionToken=token.text)


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_paging_with_a_page_size_of_three(client, settings, publication_factory, verb):
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 3
    items = [publication_factory(withdrawn_at=timezone.now() if n % 4 == 0 else None) for n in range(10)]
    pages = harvest(client, verb)
    assert [len(ids) for ids, _token in pages] == [3, 3, 3, 1]
    listed = [i for ids, _token in pages for i in ids]
    assert listed == [ident(p) for p in items]
    tokens = [token for _ids, token in pages]
    assert [t.get("cursor") for t in tokens] == ["0", "3", "6", "9"]
    assert {t.get("completeListSize") for t in tokens} == {"10"}
    assert tokens[-1].text is None  # the last page: an empty token
    assert tokens[-1].get("expirationDate") is None
    expires = datetime.datetime.strptime(tokens[0].get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert datetime.timedelta(hours=23) < expires - timezone.now() <= datetime.timedelta(hours=24)


def test_a_list_on_one_page_has_no_token(client, settings, publication_factory):
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 3
    for _n in range(3):
        publication_factory()
    pages = harvest(client)
    assert len(pages) == 1 and pages[0][1] is None


def test_paging_keeps_the_query_and_ignores_changes_made_during_the_harvest(client, settings, publication_factory):
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 2
    items = [publication_factory(fund="frqs" if n % 2 else "frqnt") for n in range(8)]
    in_set = [p for p in items if p.fundings.get().fund.slug == "frqs"]
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="fund:frqs")
    first = identifiers(root)
    assert first == [ident(p) for p in in_set[:2]]
    # During the harvest: one already listed and one not yet listed change; a new one arrives.
    for publication in (in_set[0], in_set[3]):
        Publication.objects.filter(pk=publication.pk).update(updated_at=timezone.now())
    publication_factory(fund="frqs")
    token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    rest = []
    while token:
        root = oai(client, verb="ListIdentifiers", resumptionToken=token)
        assert request_attributes(root) == {"verb": "ListIdentifiers", "resumptionToken": token}
        rest += identifiers(root)
        token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    # Nothing listed twice, nothing out of the set; the record changed later waits for the next harvest.
    assert first + rest == [ident(p) for p in in_set[:3]]


def test_tampered_foreign_and_expired_tokens(client, settings, publication_factory):
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 2
    for _n in range(5):
        publication_factory()
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    assert token and "oai_dc" not in token  # opaque
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (tampered, "garbage", token + "x", "x" * 5000, token.replace(":", ";")):
        root = oai(client, verb="ListIdentifiers", resumptionToken=bad)
        assert errors(root) == ["badResumptionToken"], bad[:40]
        assert request_attributes(root) == {"verb": "ListIdentifiers", "resumptionToken": bad}
    # A token of ListIdentifiers is not one of ListRecords.
    assert errors(oai(client, verb="ListRecords", resumptionToken=token)) == ["badResumptionToken"]
    # A token signed for something else (same key, another purpose).
    from django.core import signing
    foreign = signing.dumps({"verb": "ListIdentifiers"}, compress=True)
    assert errors(oai(client, verb="ListIdentifiers", resumptionToken=foreign)) == ["badResumptionToken"]
    # Valid now, refused after its expiration date.
    assert errors(oai(client, verb="ListIdentifiers", resumptionToken=token)) == []
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24, minutes=1)):
        assert errors(oai(client, verb="ListIdentifiers", resumptionToken=token)) == ["badResumptionToken"]


def test_queries_do_not_grow_with_the_page_size(client, settings, publication_factory,
                                                django_assert_max_num_queries):
    for n in range(30):
        publication_factory(fund="frqs" if n % 2 else "frqnt",
                            authors=[{"name": f"Auteur {n} {k}"} for k in range(3)])
    for size in (3, 30):
        settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = size
        for prefix in ("oai_dc", "oai_openaire"):
            # count + page + authors + fundings (with their funds) + deposits
            with django_assert_max_num_queries(5):
                root = oai(client, verb="ListRecords", metadataPrefix=prefix)
            assert len(identifiers(root)) == size
            token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
            if token is not None and token.text:
                with django_assert_max_num_queries(4):
                    oai(client, verb="ListRecords", resumptionToken=token.text)


def test_services_are_exported(db):
    assert services.oai_identifier(7).endswith(":publication/7")
    assert set(services.OAI_FORMATS) == {"oai_dc", "oai_openaire"}
