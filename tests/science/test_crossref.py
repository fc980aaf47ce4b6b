"""The DOI look-up replays real recorded Crossref answers (``data/crossref/``, see ``data/SOURCES.md``) served by
a local HTTP server: the form data they give (title, journal, ISSN, partial dates, authors with ORCID, licences
of the version of record and of the accepted manuscript, funders matched to the funds), and the failures: an
unknown DOI (404), an answer that is not JSON or not a work, a server that does not answer in time, one that
cannot be reached."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ouvert.science import services
from ouvert.science.models import Fund, Publication

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "crossref"
RECORDED = {
    "10.1016/j.aim.2017.04.017": "elsevier_10.1016_j.aim.2017.04.017.json",
    "10.1037/0003-066x.59.1.29": "apa_10.1037_0003-066x.59.1.29.json",
    "10.1038/d41586-020-02761-z": "nature_10.1038_d41586-020-02761-z.json",
}


class CrossrefServer:
    """Crossref's ``/works/{doi}`` from the recorded answers; ``10.5555/not-json`` answers HTML,
    ``10.5555/not-a-work`` a work list, ``10.5555/slow`` answers after ``slow_seconds``; anything else is 404
    (« Resource not found. », as Crossref says it)."""

    def __init__(self):
        self.requests: list[str] = []
        self.slow_seconds = 3.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                doi = unquote(self.path.split("/works/", 1)[-1].split("?")[0]).lower()
                if doi in RECORDED:
                    return self._send(200, "application/json", (DATA / RECORDED[doi]).read_bytes())
                if doi == "10.5555/not-json":
                    return self._send(200, "text/html", b"<html><body>Service unavailable</body></html>")
                if doi == "10.5555/not-a-work":
                    return self._send(200, "application/json", json.dumps(
                        {"status": "ok", "message-type": "work-list", "message": {"items": []}}).encode())
                if doi == "10.5555/slow":
                    time.sleep(server.slow_seconds)
                    return self._send(200, "application/json", (DATA / RECORDED["10.1038/d41586-020-02761-z"]).read_bytes())
                return self._send(404, "text/plain", b"Resource not found.")

            def _send(self, status, content_type, body):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/works/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def crossref(allow_local_outbound, settings):
    server = CrossrefServer()
    settings.OUVERT_SCIENCE_CROSSREF_URL = server.url
    yield server
    server.close()


@pytest.fixture
def snsf(db):
    """A fund named as the recorded Elsevier answer's funder is (to see a funder matched by its name)."""
    return Fund.objects.create(slug="fns", acronym="FNS",
                               name_fr="Schweizerischer Nationalfonds zur Förderung der Wissenschaftlichen Forschung")


def test_a_full_answer_fills_the_form(crossref, funds, snsf):
    data = services.crossref_lookup("https://doi.org/10.1016/J.AIM.2017.04.017")
    assert crossref.requests == ["/works/10.1016/j.aim.2017.04.017"]
    assert data["doi"] == "10.1016/j.aim.2017.04.017" and data["source"] == "crossref"
    assert data["title"] == "The integer cohomology algebra of toric arrangements"
    assert data["journal_title"] == "Advances in Mathematics" and data["issn"] == "0001-8708"
    assert data["publisher"] == "Elsevier BV"
    assert data["published_on"] == "2017-06-01"  # [[2017, 6]]: the first of the month, said in the notes
    assert any("le mois" in note and "2017-06-01" in note for note in data["notes"])
    assert data["authors"] == [
        {"name": "Filippo Callegaro", "orcid": "0000-0002-2658-3721", "affiliation": "", "is_corresponding": True,
         "email": ""},
        {"name": "Emanuele Delucchi", "orcid": "", "affiliation": "", "is_corresponding": False, "email": ""}]
    assert data["fundings"] == [{"fund": "fns", "grant_number": "PP00P2_150552/1"}]
    assert any("CIRM-FBK" in note for note in data["notes"])  # a funder that is none of the funds
    # the text-mining licence is ignored; the accepted manuscript's Elsevier licence is not Creative Commons
    assert data["licence"] == "" and data["deposit_licence"] == ""
    assert any("elsevier.com/open-access/userlicense" in note for note in data["notes"])
    assert [(link["version"], link["content_type"]) for link in data["links"]] == [("vor", "text/xml"), ("vor", "text/plain")]
    assert data["links"][0]["url"].startswith("https://api.elsevier.com/content/article/PII:S0001870815301614")


def test_year_only_dates_two_issns_and_no_funder(crossref, funds):
    data = services.crossref_lookup("10.1037/0003-066X.59.1.29")
    assert data["published_on"] == "2004-01-01" and any("l'année" in note for note in data["notes"])
    assert data["issn"] == "1935-990X" and data["issns"] == ["1935-990X", "0003-066X"]  # electronic first
    assert data["authors"][0]["name"] == "Oakley Ray" and data["authors"][0]["is_corresponding"]
    assert data["fundings"] == [] and any("Aucun des fonds" in note for note in data["notes"])


def test_authors_with_one_name_and_a_full_date(crossref, funds):
    data = services.crossref_lookup("doi:10.1038/d41586-020-02761-z")
    assert [a["name"] for a in data["authors"]] == ["Sheherazade", "Ardiantiono"]
    assert data["published_on"] == "2020-09-29" and not any("connaissez le jour" in n for n in data["notes"])
    assert data["journal_title"] == "Nature" and data["issn"] == "1476-4687"


def test_funders_are_matched_to_the_frq_funds_by_their_names_old_and_new(funds):
    payload = json.loads((DATA / RECORDED["10.1016/j.aim.2017.04.017"]).read_text())
    payload["message"]["funder"] = [
        {"name": "Fonds de Recherche du Québec - Nature et Technologies", "award": ["2019-NC-254321", "2020-NC-1"]},
        {"name": "Fonds de la Recherche en Santé du Québec", "award": []},
        {"name": "FQRSC", "award": ["SC-9"]}]
    data = services.crossref_parse(payload)
    assert data["fundings"] == [{"fund": "frqnt", "grant_number": "2019-NC-254321"},
                                {"fund": "frqnt", "grant_number": "2020-NC-1"},
                                {"fund": "frqs", "grant_number": ""}, {"fund": "frqsc", "grant_number": "SC-9"}]


def test_licences_of_the_version_of_record_and_of_the_accepted_manuscript(funds):
    payload = json.loads((DATA / RECORDED["10.1016/j.aim.2017.04.017"]).read_text())
    payload["message"]["license"] = [
        {"URL": "http://creativecommons.org/licenses/by/4.0/", "content-version": "am", "delay-in-days": 0,
         "start": {"date-parts": [[2017, 6, 1]]}},
        {"URL": "http://creativecommons.org/licenses/by-nc-nd/4.0/", "content-version": "vor", "delay-in-days": 365,
         "start": {"date-parts": [[2018, 6, 1]]}}]
    data = services.crossref_parse(payload)
    assert data["deposit_licence"] == "CC-BY-4.0" and data["deposit_open_on"] == "2017-06-01"
    assert data["licence"] == ""  # not open at publication: said in the notes
    assert any("CC-BY-NC-ND-4.0" in note and "365" in note for note in data["notes"])


def test_an_unknown_doi_is_a_clear_400(crossref, funds):
    with pytest.raises(ValidationError) as caught:
        services.crossref_lookup("10.5555/does-not-exist")
    assert "Crossref ne connaît pas le DOI 10.5555/does-not-exist" in caught.value.message_dict["doi"][0]


@pytest.mark.parametrize(("doi", "words"), [("10.5555/not-json", "pas du JSON valide"),
                                            ("10.5555/not-a-work", "n'est pas la notice d'une publication")])
def test_answers_that_are_not_a_work(crossref, funds, doi, words):
    with pytest.raises(ValidationError) as caught:
        services.crossref_lookup(doi)
    assert words in caught.value.message_dict["doi"][0]


def test_a_slow_crossref_is_a_clear_error(crossref, funds, settings):
    settings.OUVERT_HARVEST_TIMEOUT = 0.5
    crossref.slow_seconds = 2
    with pytest.raises(ValidationError) as caught:
        services.crossref_lookup("10.5555/slow")
    assert "Crossref n'a pas pu répondre" in caught.value.message_dict["doi"][0]


def test_an_unreachable_crossref_is_a_clear_error(allow_local_outbound, settings, funds):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.OUVERT_SCIENCE_CROSSREF_URL = f"http://127.0.0.1:{port}/works/"
    with pytest.raises(ValidationError) as caught:
        services.crossref_lookup("10.1038/d41586-020-02761-z")
    assert "connexion impossible" in caught.value.message_dict["doi"][0]


def test_not_a_doi_is_refused_before_asking(crossref):
    with pytest.raises(ValidationError) as caught:
        services.crossref_lookup("pas-un-doi")
    assert "n'est pas un DOI" in caught.value.message_dict["doi"][0] and crossref.requests == []


def test_the_page_fills_the_form_then_the_declaration_records_the_source(client, crossref, researcher, policies):
    client.force_login(researcher)
    url = reverse("science:publication_create")
    page = client.get(url, {"doi": "10.1038/d41586-020-02761-z"})
    html = page.content.decode()
    assert page.status_code == 200 and "Attention science: some people have only one name" in html
    assert 'name="source" value="crossref"' in html and 'value="Sheherazade"' in html
    unknown = client.get(url, {"doi": "10.5555/nobody"})
    assert unknown.status_code == 400 and "Crossref ne connaît pas le DOI" in unknown.content.decode()
    post = {"source": "crossref", "doi": "10.1038/d41586-020-02761-z",
            "title": "Attention science: some people have only one name", "journal_title": "Nature",
            "issn": "1476-4687", "published_on": "2020-09-29", "author-0-name": "Sheherazade",
            "author-0-is_corresponding": "on", "author-0-email": "s@example.org",
            "funding-0-fund": "frqs", "funding-0-grant_number": "S-2020-1"}
    assert client.post(url, post).status_code == 302
    assert Publication.objects.get().source == Publication.Source.CROSSREF


def test_the_api_looks_a_doi_up_for_signed_in_people(client, crossref, researcher, funds):
    url = "/api/v1/science/doi/10.1037/0003-066x.59.1.29"
    assert client.get(url).status_code == 401
    client.force_login(researcher)
    answer = client.get(url)
    assert answer.status_code == 200 and answer.json()["title"] == "How the Mind Hurts and Heals the Body."
    missing = client.get("/api/v1/science/doi/10.5555/nobody")
    assert missing.status_code == 400 and "Crossref ne connaît pas" in missing.json()["detail"]
