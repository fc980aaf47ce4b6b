"""The proof: the whole registry harvested through a live server by a real, independent OAI-PMH client
(Sickle), every record exactly once — ListRecords in both formats (deleted records included), ListIdentifiers,
a set, from/until, GetRecord, ListSets, Identify — with a page size of 4, so that every list is paged by
resumption tokens."""

import datetime

import pytest
from sickle import Sickle
from sickle.oaiexceptions import BadArgument, CannotDisseminateFormat, IdDoesNotExist, NoRecordsMatch

from ouvert.science.models import Funding, Publication

UTC = datetime.UTC
FUNDS = ["frqnt", "frqs", "frqsc"]


@pytest.fixture
def registry(transactional_db, settings, publication_factory, funds):
    settings.OUVERT_SCIENCE_OAI_REPOSITORY_ID = "ouvert.example.org"
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 4
    items = []
    for n in range(25):
        publication = publication_factory(
            fund=FUNDS[n % 3], grant=f"2022-{n:03d}", published_on=datetime.date(2021 + n % 4, 1 + n % 12, 10),
            withdrawn_at=(datetime.datetime(2024, 3, 1, tzinfo=UTC) if n % 6 == 5 else None),
            licence="CC-BY-4.0", repository_url=f"https://papyrus.example.org/handle/1866/{n}",
            version_deposited="accepted",
            authors=[{"name": f"Autrice {n}", "orcid": "0000-0002-1825-0097"}, {"name": f"Auteur {n}"}])
        if n % 5 == 0:  # co-funded: in two fund sets
            Funding.objects.create(publication=publication, fund=funds[FUNDS[(n + 1) % 3]], grant_number=f"co-{n}")
        # Datestamps over three days, two publications at the very same instant each time (keyset ties).
        moment = datetime.datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC) + datetime.timedelta(hours=3 * (n // 2))
        Publication.objects.filter(pk=publication.pk).update(updated_at=moment)
        items.append(publication)
    return items


def ident(publication) -> str:
    return f"oai:ouvert.example.org:publication/{publication.pk}"


def assert_exactly_once(got: list[str], expected: list[str]) -> None:
    assert len(got) == len(set(got)), "a record came twice"
    assert set(got) == set(expected)


def test_sickle_harvests_the_whole_registry(live_server, registry):
    sickle = Sickle(live_server.url + "/oai", timeout=30)
    everything = [ident(p) for p in registry]
    deleted = {ident(p) for p in registry if p.withdrawn_at}
    assert len(deleted) == 4

    identify = sickle.Identify()
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.deletedRecord == "persistent"
    assert identify.protocolVersion == "2.0"
    assert identify.baseURL == live_server.url + "/oai"

    formats = {f.metadataPrefix for f in sickle.ListMetadataFormats()}
    assert formats == {"oai_dc", "oai_openaire"}

    sets = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert {"fund", "fund:frqnt", "fund:frqs", "fund:frqsc", "year", "year:2021", "year:2022", "year:2023",
            "year:2024"} == set(sets)

    # ListRecords, oai_dc, deleted records included: 25 records on 7 pages.
    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    assert_exactly_once([r.header.identifier for r in records], everything)
    assert {r.header.identifier for r in records if r.header.deleted} == deleted
    live = {r.header.identifier: r for r in records if not r.header.deleted}
    first = registry[0]
    assert live[ident(first)].metadata["title"] == [first.title]
    assert live[ident(first)].metadata["creator"] == ["Autrice 0", "Auteur 0"]
    # Sickle skips the deleted ones when asked to.
    assert_exactly_once([r.header.identifier for r in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=True)],
                        sorted(set(everything) - deleted))

    # The richer format.
    openaire = list(sickle.ListRecords(metadataPrefix="oai_openaire", ignore_deleted=False))
    assert_exactly_once([r.header.identifier for r in openaire], everything)
    sample = next(r for r in openaire if r.header.identifier == ident(first))
    assert "10.5555/ouvert" in sample.raw and "awardNumber" in sample.raw

    # ListIdentifiers.
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False))
    assert_exactly_once([h.identifier for h in headers], everything)

    # A set (with co-funded publications), and the set's parent.
    in_frqs = [ident(p) for p in registry if p.fundings.filter(fund__slug="frqs").exists()]
    got = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="fund:frqs", ignore_deleted=False)]
    assert_exactly_once(got, in_frqs)
    assert all("fund:frqs" in h.setSpecs for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="fund:frqs"))
    in_2023 = [ident(p) for p in registry if p.published_on.year == 2023]
    got = [r.header.identifier for r in sickle.ListRecords(metadataPrefix="oai_openaire", set="year:2023",
                                                           ignore_deleted=False)]
    assert_exactly_once(got, in_2023)

    # from/until, by day and by second (inclusive bounds).
    stamps = {ident(p): Publication.objects.get(pk=p.pk).updated_at for p in registry}
    day = [i for i, moment in stamps.items() if moment.date() == datetime.date(2024, 5, 2)]
    got = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False,
                                                       **{"from": "2024-05-02", "until": "2024-05-02"})]
    assert_exactly_once(got, day)
    low, high = sorted(stamps.values())[3], sorted(stamps.values())[15]
    window = [i for i, moment in stamps.items() if low <= moment <= high]
    got = [h.identifier for h in sickle.ListIdentifiers(
        metadataPrefix="oai_dc", ignore_deleted=False,
        **{"from": low.strftime("%Y-%m-%dT%H:%M:%SZ"), "until": high.strftime("%Y-%m-%dT%H:%M:%SZ")})]
    assert 8 < len(window) < 20
    assert_exactly_once(got, window)

    # GetRecord, both formats, a deleted one too.
    record = sickle.GetRecord(identifier=ident(first), metadataPrefix="oai_dc")
    assert record.header.identifier == ident(first) and record.metadata["title"] == [first.title]
    gone = next(p for p in registry if p.withdrawn_at)
    assert sickle.GetRecord(identifier=ident(gone), metadataPrefix="oai_openaire").header.deleted

    # The errors, as the client understands them.
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:ouvert.example.org:publication/0", metadataPrefix="oai_dc")
    with pytest.raises(CannotDisseminateFormat):
        sickle.ListRecords(metadataPrefix="marc21")
    with pytest.raises(NoRecordsMatch):
        sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2030-01-01"})
    with pytest.raises(BadArgument):
        sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2024-05-02", "until": "2024-05-01"})


def test_sickle_over_post(live_server, registry):
    sickle = Sickle(live_server.url + "/oai", http_method="POST", timeout=30)
    got = [r.header.identifier for r in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)]
    assert_exactly_once(got, [ident(p) for p in registry])
