"""``oai_client.harvest_document``: a ListRecords response given as bytes goes through the harvester's own
parsing, storing and matching (the demo's path, without network)."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Deposit, HarvestRun, RepositorySource

DATA = Path(__file__).parent / "data" / "oai"

DOCUMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
 <responseDate>2025-03-01T12:00:00Z</responseDate>
 <request verb="ListRecords" metadataPrefix="oai_dc">https://depot.example.org/oai</request>
 <ListRecords>
  <record>
   <header><identifier>oai:depot.example.org:1866/1</identifier><datestamp>2024-02-10</datestamp></header>
   <metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>Un article d\xc3\xa9pos\xc3\xa9</dc:title>
    <dc:identifier>https://depot.example.org/handle/1866/1</dc:identifier>
    <dc:identifier>https://doi.org/10.5555/ouvert.1</dc:identifier>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <dc:type>info:eu-repo/semantics/acceptedVersion</dc:type>
    <dc:date>2023-06-15</dc:date>
   </oai_dc:dc></metadata>
  </record>
  <record>
   <header><identifier>oai:depot.example.org:1866/2</identifier><datestamp>2024-02-11</datestamp></header>
   <metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>Une notice sans publication du registre</dc:title>
    <dc:identifier>https://depot.example.org/handle/1866/2</dc:identifier>
   </oai_dc:dc></metadata>
  </record>
  <record><header status="deleted"><identifier>oai:depot.example.org:1866/3</identifier>
   <datestamp>2024-02-12</datestamp></header></record>
 </ListRecords>
</OAI-PMH>"""


@pytest.fixture
def source(udem, funds):
    return RepositorySource.objects.create(slug="depot", name="Dépôt (document)", is_active=False,
                                           base_url="https://depot.example.org/oai", organisation=udem)


def test_a_document_is_harvested_like_a_page(source, fund_staff, policies, publication_factory):
    publication = publication_factory(fund="frqs")  # 10.5555/ouvert.1, published 2023-06-15
    assert publication.doi == "10.5555/ouvert.1"
    run = services.harvest_document(actor=fund_staff, source=source, body=DOCUMENT)
    assert (run.status, run.pages, run.records, run.deleted, run.matched) == ("done", 1, 3, 1, 1)
    deposits = {d.identifier: d for d in Deposit.objects.filter(source=source)}
    assert deposits["oai:depot.example.org:1866/1"].publication == publication
    assert deposits["oai:depot.example.org:1866/1"].matched_by == "doi"
    assert deposits["oai:depot.example.org:1866/1"].licence == "CC-BY-4.0"
    assert deposits["oai:depot.example.org:1866/2"].publication is None
    assert deposits["oai:depot.example.org:1866/3"].deleted
    # The verdict was recomputed with the harvested copy: opened 2024-02-10, eight months after publication,
    # too late for the 2022 policy (immediate open access).
    codes = [step["code"] for step in publication.fundings.get().reasons]
    assert "repository.copy" in codes and "repository.embargo_too_long" in codes
    source.refresh_from_db()
    assert source.harvested_until is None
    entry = AuditEntry.objects.filter(action="science.harvest.run").latest("seq")
    assert entry.data["document"] is True and entry.data["records"] == 3
    # Again: the same deposits, nothing doubled.
    again = services.harvest_document(actor=fund_staff, source=source, body=DOCUMENT)
    assert again.status == "done" and Deposit.objects.filter(source=source).count() == 3


@pytest.mark.parametrize("body,message", [
    ((DATA / "sickle_ListRecords.xml").read_bytes(), "jeton de reprise"),
    ((DATA / "sickle_noRecordsMatch.xml").read_bytes(), "noRecordsMatch"),
    (b"<html><body>Not OAI</body></html>", "OAI-PMH 2.0"),
    (b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><ListRecords>", "XML mal form"),
    ((DATA / "sickle_Identify.xml").read_bytes(), "ListRecords"),
])
def test_a_bad_document_fails_the_run_and_stores_nothing(source, fund_staff, body, message):
    run = services.harvest_document(actor=fund_staff, source=source, body=body)
    assert run.status == HarvestRun.Status.FAILED and message in run.error
    assert not Deposit.objects.filter(source=source).exists()
    assert not HarvestRun.objects.filter(status="running").exists()


def test_only_science_managers(source, researcher, institution_staff):
    for person in (researcher, institution_staff):
        with pytest.raises(PermissionDenied):
            services.harvest_document(actor=person, source=source, body=DOCUMENT)
    assert not HarvestRun.objects.exists()
