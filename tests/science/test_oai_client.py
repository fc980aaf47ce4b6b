"""The OAI-PMH harvester: real recorded OAI-PMH responses (``data/oai/``, see ``data/SOURCES.md``) replayed by a
local repository that answers by verb and resumption token (Sickle's chain ListRecords → 2 → 3 → 4: the token
is the next file's name), checks the ``from``/``until`` it receives against its granularity, and can answer
errors, HTTP 503, truncated XML, a billion-laughs document or slowly."""

import datetime
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from ouvert.core.models import AuditEntry
from ouvert.science import oai_client, services
from ouvert.science.models import Deposit, HarvestRun, RepositorySource

DATA = Path(__file__).parent / "data" / "oai"
UTC = datetime.UTC

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01T00:00:00Z</responseDate>
<request verb="ListRecords">x</request><ListRecords><record><header><identifier>&lol9;</identifier>
<datestamp>2024-01-01</datestamp></header></record></ListRecords></OAI-PMH>"""

_GRANULARITY = {"YYYY-MM-DD": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
                "YYYY-MM-DDThh:mm:ssZ": re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")}


def _error_document(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f'<responseDate>2024-01-01T00:00:00Z</responseDate><request>http://x/oai</request>'
            f'<error code="{code}">{message}</error></OAI-PMH>').encode()


class FakeRepository:
    """An OAI-PMH repository replaying recorded files.

    - ``identify``: the file answering Identify; its granularity is the one checked on from/until;
    - ``first``: the file answering ListRecords without token; a token answers the file ``sickle_<token>``
      (the chain), an unknown token ``sickle_badResumptionToken.xml``;
    - ``answers[key]``: ``(status, body)`` instead, for ``key`` « Identify », « first » or a token;
    - ``delays[key]``: seconds to wait before answering;
    - ``calls``: the arguments of every request, in order."""

    def __init__(self):
        self.identify = "sickle_Identify.xml"
        self.first = "sickle_ListRecords.xml"
        self.answers: dict[str, tuple[int, bytes]] = {}
        self.delays: dict[str, float] = {}
        self.calls: list[dict] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oai"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def granularity(self) -> str:
        body = (DATA / self.identify).read_text(encoding="utf-8")
        return re.search(r"<granularity>([^<]+)</granularity>", body).group(1)

    def answer(self, params: dict) -> tuple[str, int, bytes]:
        verb = params.get("verb", "")
        if verb == "Identify":
            key, default = "Identify", self.identify
        elif verb == "ListRecords" and "resumptionToken" in params:
            key = params["resumptionToken"]
            default = f"sickle_{key}" if (DATA / f"sickle_{key}").is_file() else "sickle_badResumptionToken.xml"
        elif verb == "ListRecords":
            key, default = "first", self.first
            pattern = _GRANULARITY[self.granularity()]
            for name in ("from", "until"):
                if name in params and not pattern.match(params[name]):
                    return key, 200, _error_document("badArgument", f"{name} finer than the granularity")
            if "metadataPrefix" not in params:
                return key, 200, _error_document("badArgument", "metadataPrefix missing")
        else:
            return "", 200, _error_document("badVerb", "no")
        if key in self.answers:
            status, body = self.answers[key]
            return key, status, body
        return key, 200, (DATA / default).read_bytes()

    def calls_of(self, verb: str) -> list[dict]:
        return [call for call in self.calls if call.get("verb") == verb]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: FakeRepository):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            params = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
            server.calls.append(params)
            key, status, body = server.answer(params)
            time.sleep(server.delays.get(key, 0))
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def repository(allow_local_outbound):
    server = FakeRepository()
    yield server
    server.close()


@pytest.fixture
def source(repository, udem, funds):
    return RepositorySource.objects.create(slug="papyrus", name="Papyrus (Université de Montréal)",
                                           base_url=repository.url, organisation=udem)


def deposits(source) -> dict[str, Deposit]:
    return {deposit.identifier: deposit for deposit in Deposit.objects.filter(source=source)}


# --- A full run, an incremental run ----------------------------------------------------------------

def test_full_run_over_the_token_chain(repository, source, fund_staff, publication_factory):
    sample = publication_factory(title="Sample Title", doi=None)
    other = publication_factory(title="Autre article")
    run = services.harvest(actor=fund_staff, source=source)
    assert (run.status, run.error) == ("done", "")
    assert [call.get("resumptionToken") for call in repository.calls_of("ListRecords")] == [
        None, "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    assert repository.calls[0] == {"verb": "Identify"}
    first = repository.calls_of("ListRecords")[0]
    assert set(first) == {"verb", "metadataPrefix", "until"}  # first run: no « from »
    assert first["metadataPrefix"] == "oai_dc"
    assert first["until"] == timezone.now().astimezone(UTC).strftime("%Y-%m-%d")  # the repository's granularity
    # 8 records on 4 pages; the last page's deleted header has neither identifier nor datestamp: skipped.
    assert (run.pages, run.records, run.deleted, run.skipped) == (4, 7, 3, 1)
    assert len(run.warnings) == 1 and "ignorée" in run.warnings[0]
    assert run.resumption_token == "" and run.finished_at is not None
    stored = deposits(source)
    assert set(stored) == {"oai:test.example.com:1585310", "oai:test.example.com:1585322"}
    gone, alive = stored["oai:test.example.com:1585310"], stored["oai:test.example.com:1585322"]
    assert gone.deleted and gone.publication is None
    assert gone.datestamp == datetime.datetime(2011, 7, 18, 16, 31, tzinfo=UTC)
    assert not alive.deleted
    assert (alive.title, alive.url, alive.date) == ("Sample Title", "http://test.example.com/publication/1585322",
                                                    "2010")
    assert alive.metadata["creator"] == ["John Doe"] * 4
    assert alive.metadata["publisher"] == ["Sample Publisher"]
    # Matched by normalised title (no DOI in this feed); its verdict recomputed, not the others'.
    assert (alive.publication, alive.matched_by) == (sample, "title")
    assert run.matched == 4
    before = sample.updated_at
    sample.refresh_from_db()
    other.refresh_from_db()
    assert sample.checked_at is not None and other.checked_at is None
    assert sample.oa_status == "green"  # an open copy was found
    assert sample.updated_at > before  # its OAI-PMH record shows it: the datestamp moves
    # harvested_until: the first page's responseDate (the repository's clock is far behind ours).
    source.refresh_from_db()
    assert source.harvested_until == datetime.datetime(2013, 2, 27, 9, 10, 56, tzinfo=UTC)
    assert source.granularity == "YYYY-MM-DD"
    entry = AuditEntry.objects.filter(action="science.harvest.run").latest("seq")
    assert entry.data["status"] == "done" and entry.data["records"] == 7


def test_incremental_run_sends_from_at_the_repository_granularity(repository, source, fund_staff):
    services.harvest(actor=fund_staff, source=source)
    repository.calls.clear()
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done"
    first = repository.calls_of("ListRecords")[0]
    assert first["from"] == "2013-02-27" == run.from_param
    assert first["until"] == run.until_param
    # A full run sends no « from ».
    repository.calls.clear()
    services.harvest(actor=fund_staff, source=source, full=True)
    assert "from" not in repository.calls_of("ListRecords")[0]


def test_seconds_granularity_and_the_dspace_file_with_mixed_line_ends(repository, source, fund_staff,
                                                                      publication_factory):
    repository.identify = "pyoai_eur_dspace_Identify.xml"
    repository.first = "pyoai_eur_dspace_ListRecords_from2003-04-10.xml"
    assert b"\r\n" in (DATA / repository.first).read_bytes() and b">\n<" in (DATA / repository.first).read_bytes()
    railway = publication_factory(title="Railway Stations and a Geography of Networks", doi=None)
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done", run.error
    assert (run.pages, run.records, run.deleted, run.skipped) == (1, 16, 0, 0)
    source.refresh_from_db()
    assert source.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert source.harvested_until == datetime.datetime(2003, 4, 30, 16, 8, 2, tzinfo=UTC)
    stored = deposits(source)
    assert len(stored) == 16
    deposit = stored["hdl:1765/308"]
    assert deposit.title == "Kijken in het brein: Over de mogelijkheden van neuromarketing"
    assert deposit.url == "http://hdl.handle.net/1765/308"
    assert deposit.set_specs == ["1:2"]
    assert deposit.datestamp == datetime.datetime(2003, 4, 15, 10, 18, 51, tzinfo=UTC)
    assert "\r" not in " ".join(deposit.metadata["description"])
    assert (stored["hdl:1765/309"].publication_id, stored["hdl:1765/309"].matched_by) == (None, "")
    matched = [d for d in stored.values() if d.publication_id]
    assert [(d.publication, d.matched_by) for d in matched] == [(railway, "title")]
    # The next run sends « from » to the second.
    repository.calls.clear()
    services.harvest(actor=fund_staff, source=source)
    first = repository.calls_of("ListRecords")[0]
    assert first["from"] == "2003-04-30T16:08:02Z"
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", first["until"])


def test_matching_by_doi_in_the_arxiv_feed(repository, source, fund_staff, publication_factory):
    source.metadata_prefix = "arXiv"
    source.save()
    repository.first = "invenio_sample_arxiv_response_listrecords_cs.xml"
    by_doi = publication_factory(doi="10.1016/j.acha.2012.03.009", title="Un autre titre déclaré")
    upper = publication_factory(doi="10.1109/tit.2014.2360692", title="Titre quelconque")
    # Same title as an arXiv record, but two publications have it: no match by title.
    publication_factory(title="Reproducing Kernel Banach Spaces with the l1 Norm", doi="10.5555/x.1")
    withdrawn = publication_factory(doi="10.1016/j.physa.2014.02.041", withdrawn_at=timezone.now())
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done", run.error
    assert run.records == 46
    stored = deposits(source)
    deposit = stored["oai:arXiv.org:1101.4388"]
    assert (deposit.doi, deposit.publication, deposit.matched_by) == ("10.1016/j.acha.2012.03.009", by_doi, "doi")
    assert deposit.url == "https://arxiv.org/abs/1101.4388"
    assert deposit.licence == "" and deposit.rights == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert deposit.metadata["creator"][:2] == ["Song Guohui", "Zhang Haizhang"]
    # DOIs are compared normalised (lower case).
    assert stored_by_doi(stored, "10.1109/tit.2014.2360692").publication == upper
    # A withdrawn publication is not matched.
    assert stored_by_doi(stored, "10.1016/j.physa.2014.02.041").publication is None
    assert withdrawn.deposits.count() == 0
    assert {d.matched_by for d in stored.values() if d.publication_id} == {"doi"}


def stored_by_doi(stored, doi):
    return next(d for d in stored.values() if d.doi == doi)


def test_parsing_the_cjk_creator_and_eu_repo_vocabulary():
    root = oai_client._parse((DATA / "sickle_GetRecord_utf8test.xml").read_bytes(), "http://x")
    record = root.find(f"{oai_client.NS_OAI}GetRecord/{oai_client.NS_OAI}record")
    fields = oai_client.oai_parse_record(record, "oai_dc")
    assert fields["identifier"] == "oai:test.example.com:1996652"
    assert fields["metadata"]["creator"] == ["某人"]
    assert fields["datestamp"] == datetime.datetime(2011, 9, 5, 12, 51, 52, tzinfo=UTC)
    # The info:eu-repo vocabulary (version, embargo), a DOI in a relation, a licence by URL.
    body = ("""<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
    <responseDate>2024-01-01T00:00:00Z</responseDate><request>x</request><ListRecords><record><header>
    <identifier>oai:papyrus:1866/2</identifier><datestamp>2024-01-01T10:00:00Z</datestamp></header><metadata>
    <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>  L’accès   libre : un bilan </dc:title><dc:identifier>https://doi.org/10.1000/AbC</dc:identifier>
    <dc:identifier>https://papyrus.example.org/bitstream/1866/2/article.pdf</dc:identifier>
    <dc:relation>https://doi.org/10.9999/other</dc:relation>
    <dc:type>info:eu-repo/semantics/article</dc:type><dc:type>info:eu-repo/semantics/acceptedVersion</dc:type>
    <dc:date>2023-05-01</dc:date><dc:date>info:eu-repo/date/embargoEnd/2024-05-01</dc:date>
    <dc:rights>info:eu-repo/semantics/embargoedAccess</dc:rights>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights></oai_dc:dc></metadata></record>
    </ListRecords></OAI-PMH>""").encode()
    record = oai_client._parse(body, "http://x").find(f"{oai_client.NS_OAI}ListRecords/{oai_client.NS_OAI}record")
    fields = oai_client.oai_parse_record(record, "oai_dc")
    assert fields["title"] == "L’accès libre : un bilan"
    assert fields["doi"] == "10.1000/abc"
    assert fields["url"] == "https://papyrus.example.org/bitstream/1866/2/article.pdf"
    assert fields["version"] == "accepted"
    assert fields["embargo_until"] == datetime.date(2024, 5, 1)
    assert fields["date"] == "2023-05-01"
    assert fields["licence"] == "CC-BY-4.0"
    assert fields["rights"] == "info:eu-repo/semantics/embargoedAccess; http://creativecommons.org/licenses/by/4.0/"


# --- Failures: what is stored stays, harvested_until does not move -----------------------------------

def _two_runs(repository, source, fund_staff, key, status, body):
    services.harvest(actor=fund_staff, source=source)
    source.refresh_from_db()
    mark = source.harvested_until
    repository.answers[key] = (status, body)
    return mark


@pytest.mark.parametrize("key,status,body,message", [
    ("ListRecords2.xml", 503, b"Service Unavailable", "503"),
    ("ListRecords3.xml", 200, (DATA / "sickle_ListRecords3.xml").read_bytes()[:1500], "XML mal formé"),
    ("ListRecords2.xml", 200, BILLION_LAUGHS, "DTD"),
    ("ListRecords3.xml", 200, (DATA / "sickle_badResumptionToken.xml").read_bytes(), "badResumptionToken"),
    ("ListRecords2.xml", 200, b"<html><body>Maintenance</body></html>", "pas un document OAI-PMH"),
    ("ListRecords2.xml", 200, _error_document("badArgument", "Illegal argument"), "badArgument"),
    ("ListRecords2.xml", 200, (DATA / "sickle_ListRecords2.xml").read_bytes().replace(
        b"ListRecords3.xml", b"ListRecords2.xml"), "même jeton"),
])
def test_a_failure_keeps_what_was_stored_and_harvested_until(repository, source, fund_staff, publication_factory,
                                                             key, status, body, message):
    publication_factory(title="Sample Title", doi=None)
    mark = _two_runs(repository, source, fund_staff, key, status, body)
    before = {d.identifier: (d.pk, d.harvested_at) for d in Deposit.objects.filter(source=source)}
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed"
    assert message in run.error
    assert run.finished_at is not None
    assert run.pages >= 1 and run.resumption_token  # the pages before the failure were stored
    source.refresh_from_db()
    assert source.harvested_until == mark
    after = {d.identifier: d.pk for d in Deposit.objects.filter(source=source)}
    assert after == {identifier: pk for identifier, (pk, _at) in before.items()}
    assert not HarvestRun.objects.filter(status="running").exists()


def test_an_interrupted_run_resumes_from_its_last_token(repository, source, fund_staff):
    repository.answers["ListRecords3.xml"] = (503, b"busy")
    failed = services.harvest(actor=fund_staff, source=source)
    assert failed.status == "failed" and failed.pages == 2 and failed.resumption_token == "ListRecords3.xml"
    source.refresh_from_db()
    assert source.harvested_until is None
    # A resumed run that fails before storing a page keeps the token for the next one.
    repository.answers["Identify"] = (503, b"busy")
    again = services.harvest(actor=fund_staff, source=source)
    assert again.status == "failed" and again.resumption_token == "ListRecords3.xml"
    del repository.answers["Identify"]
    del repository.answers["ListRecords3.xml"]
    repository.calls.clear()
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done", run.error
    assert [call.get("resumptionToken") for call in repository.calls_of("ListRecords")] == [
        "ListRecords3.xml", "ListRecords4.xml"]
    assert (run.from_param, run.until_param) == (failed.from_param, failed.until_param)
    assert "Reprise" in run.warnings[0]
    source.refresh_from_db()
    assert source.harvested_until is not None
    # An expired token: the list starts again from the beginning within the same run.
    repository.answers["ListRecords2.xml"] = (503, b"busy")
    services.harvest(actor=fund_staff, source=source, full=True)
    del repository.answers["ListRecords2.xml"]
    repository.answers["ListRecords2.xml"] = (200, (DATA / "sickle_badResumptionToken.xml").read_bytes())
    repository.calls.clear()
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed"  # the chain itself is broken at the same token
    del repository.answers["ListRecords2.xml"]
    repository.answers["gone"] = (200, (DATA / "sickle_badResumptionToken.xml").read_bytes())
    HarvestRun.objects.filter(pk=run.pk).update(resumption_token="gone")
    repository.calls.clear()
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done", run.error
    assert [call.get("resumptionToken") for call in repository.calls_of("ListRecords")] == [
        "gone", None, "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    assert any("expiré" in warning for warning in run.warnings)


@pytest.mark.parametrize("name", ["sickle_noRecordsMatch.xml", "invenio_sample_empty_response.xml"])
def test_no_records_match_is_a_success_with_nothing_new(repository, source, fund_staff, name):
    assert (DATA / name).read_bytes().startswith(b"<?xml") == (name == "sickle_noRecordsMatch.xml")
    repository.answers["first"] = (200, (DATA / name).read_bytes())
    run = services.harvest(actor=fund_staff, source=source)
    assert (run.status, run.records, run.pages, run.error) == ("done", 0, 0, "")
    source.refresh_from_db()
    assert source.harvested_until is not None
    assert not Deposit.objects.exists()


def test_identify_must_answer_oai_pmh(repository, source, fund_staff):
    repository.answers["Identify"] = (200, b"<html>Hello</html>")
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed" and "pas un document OAI-PMH" in run.error
    repository.answers["Identify"] = (200, _error_document("badVerb", "Illegal verb"))
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed" and "Identify" in run.error and "badVerb" in run.error
    assert repository.calls_of("ListRecords") == []


def test_timeout_and_unreachable(repository, source, fund_staff, settings):
    settings.OUVERT_HARVEST_TIMEOUT = 0.5
    repository.delays["ListRecords2.xml"] = 2
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed" and "pas de réponse" in run.error
    assert run.pages == 1
    source.base_url = "http://127.0.0.1:9/oai"
    source.save()
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed" and "connexion impossible" in run.error


def test_private_addresses_are_refused_without_the_allowance(source, fund_staff, settings):
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = []
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "failed" and "127.0.0.1" in run.error


# --- Matching, links by hand ------------------------------------------------------------------------

def test_deleted_record_unlinks_and_manual_links_are_kept(repository, source, fund_staff, publication_factory):
    sample = publication_factory(title="Sample Title", doi=None)
    target = publication_factory(title="Déclarée autrement")
    services.harvest(actor=fund_staff, source=source)
    deleted = Deposit.objects.get(identifier="oai:test.example.com:1585310")
    # A deleted record cannot be linked.
    with pytest.raises(ValidationError):
        services.deposit_link(actor=fund_staff, deposit=deleted, publication=target)
    alive = Deposit.objects.get(identifier="oai:test.example.com:1585322")
    services.deposit_link(actor=fund_staff, deposit=alive, publication=target.doi)
    alive.refresh_from_db()
    assert (alive.publication, alive.matched_by) == (target, "manual")
    assert AuditEntry.objects.filter(action="science.deposit.link").count() == 1
    target.refresh_from_db()
    assert target.checked_at is not None
    services.harvest(actor=fund_staff, source=source, full=True)
    alive.refresh_from_db()
    assert (alive.publication, alive.matched_by) == (target, "manual")  # kept by the harvest
    services.deposit_unlink(actor=fund_staff, deposit=alive)
    services.harvest(actor=fund_staff, source=source, full=True)
    alive.refresh_from_db()
    assert alive.publication is None  # unlinked by hand: not matched again
    assert list(services.deposit_list(actor=fund_staff, unmatched=True)) == [alive]
    assert sample.deposits.count() == 0
    # The record disappears at the source: the deposit is marked deleted and unlinked.
    services.deposit_link(actor=fund_staff, deposit=alive, publication=str(target.pk))
    body = (DATA / "sickle_ListRecords.xml").read_bytes().replace(
        b"<header>\n                <identifier>oai:test.example.com:1585322",
        b'<header status="deleted">\n                <identifier>oai:test.example.com:1585322')
    assert body != (DATA / "sickle_ListRecords.xml").read_bytes()
    repository.answers["first"] = (200, body.replace(b"ListRecords2.xml", b""))
    services.harvest(actor=fund_staff, source=source, full=True)
    alive.refresh_from_db()
    assert alive.deleted and alive.publication is None


def test_link_errors(repository, source, fund_staff, publication_factory):
    services.harvest(actor=fund_staff, source=source)
    alive = Deposit.objects.get(identifier="oai:test.example.com:1585322")
    for value in ("999999", "10.9999/none", "<script>", ""):
        with pytest.raises(ValidationError):
            services.deposit_link(actor=fund_staff, deposit=alive, publication=value)
    withdrawn = publication_factory(withdrawn_at=timezone.now())
    with pytest.raises(ValidationError):
        services.deposit_link(actor=fund_staff, deposit=alive, publication=withdrawn)
    alive.refresh_from_db()
    assert alive.publication is None


# --- Who may, one run at a time, the periodic job ------------------------------------------------------

def test_only_science_managers_harvest_and_manage(source, researcher, institution_staff, stranger, platform_admin):
    for person in (researcher, institution_staff, stranger):
        with pytest.raises(PermissionDenied):
            services.harvest(actor=person, source=source)
        with pytest.raises(PermissionDenied):
            services.repository_list(actor=person)
        with pytest.raises(PermissionDenied):
            services.repository_create(actor=person, data={"slug": "x", "name": "x", "base_url": "https://x.org/oai"})
    from django.contrib.auth.models import AnonymousUser
    with pytest.raises(PermissionDenied):
        services.repository_list(actor=AnonymousUser())
    assert not HarvestRun.objects.exists()
    assert list(services.repository_list(actor=platform_admin)) == [source]


def test_a_running_run_is_not_started_twice(repository, source, fund_staff):
    running = HarvestRun.objects.create(source=source, status="running")
    with pytest.raises(ValidationError):
        services.harvest(actor=fund_staff, source=source)
    assert HarvestRun.objects.count() == 1 and repository.calls == []
    # Abandoned for longer than STALE_AFTER (its worker died): failed by the next claim, which goes on.
    HarvestRun.objects.filter(pk=running.pk).update(started_at=timezone.now() - datetime.timedelta(hours=7))
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done"
    running.refresh_from_db()
    assert running.status == "failed" and "interrompu" in running.error


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_workers_at_once_make_one_run(repository, source, fund_staff):
    from tests.concurrency import race

    repository.delays["Identify"] = 1
    results = race([lambda: services.harvest(actor=None, source=source) for _n in range(2)])
    runs = [r for r in results if isinstance(r, HarvestRun)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(runs) == 1 and len(refused) == 1, results
    assert runs[0].status == "done"
    assert HarvestRun.objects.count() == 1
    assert len(repository.calls_of("Identify")) == 1


def test_periodic_job_harvests_the_due_sources(repository, source, udem, fund_staff):
    other = RepositorySource.objects.create(slug="spectrum", name="Spectrum", base_url=repository.url, every_hours=24)
    RepositorySource.objects.create(slug="inactif", name="Inactif", base_url=repository.url, is_active=False)
    HarvestRun.objects.create(source=other, status="done", started_at=timezone.now() - datetime.timedelta(hours=2))
    runs = oai_client.harvest_due()
    assert [run.source for run in runs] == [source]
    assert runs[0].status == "done"
    assert oai_client.harvest_due() == []  # not due again before every_hours
    HarvestRun.objects.filter(source=other).update(started_at=timezone.now() - datetime.timedelta(hours=25))
    assert [run.source for run in oai_client.harvest_due()] == [other]
    from ouvert.core import registry
    assert any(job.name == "science.oai_harvest" and job.every_seconds == 3600 for job in registry.periodic_jobs())


# --- Repositories --------------------------------------------------------------------------------------

def test_repository_create_and_update_validate_and_audit(fund_staff, udem, funds):
    with pytest.raises(ValidationError) as caught:
        services.repository_create(actor=fund_staff, data={
            "slug": "mauvais slug!", "name": "", "base_url": "ftp://x.org/oai", "metadata_prefix": "marc21",
            "set_spec": "a::b", "every_hours": "0", "organisation": "inconnu"})
    assert set(caught.value.message_dict) == {"slug", "name", "base_url", "metadata_prefix", "set_spec",
                                               "every_hours", "organisation"}
    assert not RepositorySource.objects.exists()
    source = services.repository_create(actor=fund_staff, data={
        "slug": "papyrus", "name": "Papyrus <b>", "base_url": "https://papyrus.example.org/oai/request",
        "set_spec": "com_1866_1", "organisation": "udem", "every_hours": "12"})
    assert (source.organisation, source.every_hours, source.is_active) == (udem, 12, True)
    with pytest.raises(ValidationError):
        services.repository_create(actor=fund_staff, data={"slug": "papyrus", "name": "Autre",
                                                            "base_url": "https://autre.example.org/oai"})
    source.harvested_until = timezone.now()
    source.save()
    services.repository_update(actor=fund_staff, source=source, data={"name": "Papyrus", "every_hours": 6})
    source.refresh_from_db()
    assert source.harvested_until is not None and source.name == "Papyrus"
    services.repository_update(actor=fund_staff, source=source, data={"set_spec": ""})
    source.refresh_from_db()
    assert source.harvested_until is None  # another feed: harvested whole next time
    assert AuditEntry.objects.filter(action__startswith="science.repository.").count() == 3


def test_a_record_twice_on_a_page_is_stored_once_the_last_way(repository, source, fund_staff):
    """A repository that repeats a record on one page: one deposit (the last occurrence wins), the run goes on."""
    body = (DATA / "sickle_ListRecords.xml").read_text(encoding="utf-8")
    start = body.index("<record>", body.index("</record>"))  # the second record (the first is deleted)
    end = body.index("</record>", start) + len("</record>")
    first = body[start:end]
    repeated = first.replace("</dc:title>", " (corrigé)</dc:title>", 1)
    assert repeated != first
    body = body.replace(first, first + repeated, 1).replace(">ListRecords2.xml<", "><")  # one page only
    repository.answers["first"] = (200, body.encode("utf-8"))
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done", run.error
    identifiers = list(Deposit.objects.filter(source=source).values_list("identifier", flat=True))
    assert len(identifiers) == len(set(identifiers))
    assert Deposit.objects.filter(source=source, title__endswith="(corrigé)").count() == 1
