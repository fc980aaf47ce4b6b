"""OCDS records and packages at their stable addresses: content type, caching headers, 404s, paging,
drafts never listed, every package valid under libcoveocds (the library and its command line)."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.http import http_date

from ouvert.market import ocds
from ouvert.market.models import Addendum, Opportunity, Release

try:
    from .ocds_validate import STANDARD_ZIP, assert_valid, award, close, cove
except ImportError:  # tests/market is not a package
    from ocds_validate import STANDARD_ZIP, assert_valid, award, close, cove

START = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)
API = "/api/v1/market/ocds"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def awarded(clock, opportunity_factory, supplier_a, supplier_b, sealed_submission):
    """An opportunity published, amended, closed and awarded to supplier A (five releases)."""
    opportunity = opportunity_factory(reference="DAN-2026-010", start_date=datetime.date(2026, 4, 15),
                                      completion_date=datetime.date(2026, 6, 30))
    ocds.release_add(opportunity, ["tender"])
    clock.move_to(START + datetime.timedelta(days=1), tick=False)
    Addendum.objects.create(opportunity=opportunity, number=1, body_fr="Précision sur le dépôt.",
                            published_at=timezone.now())
    ocds.release_add(opportunity, ["tenderAmendment"])
    winner, _ = sealed_submission(opportunity, supplier_a)
    sealed_submission(opportunity, supplier_b)
    close(opportunity, clock)
    award(opportunity, winner, clock)
    return opportunity


def _json(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(content)


def test_opportunity_release_package(client, awarded):
    response = client.get(f"{API}/DAN-2026-010/releases.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Last-Modified"] == http_date(datetime.datetime(2026, 3, 27, 14, tzinfo=datetime.UTC).timestamp())
    assert response["ETag"].startswith('"')
    package = _json(response)
    assert package["uri"] == "http://127.0.0.1:8000/api/v1/market/ocds/DAN-2026-010/releases.json"
    assert package["version"] == "1.1"
    assert package["publishedDate"] == "2026-03-27T14:00:00Z"  # the latest release's
    assert package["publisher"] == {"name": "Ouvert", "uri": "http://127.0.0.1:8000/"}
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"] == "http://127.0.0.1:8000/fr/marches/donnees-ouvertes/politique/"
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderAmendment"], ["tenderUpdate"],
                                                       ["award", "contract"]]
    assert_valid(package)
    # The same bytes again (no date of the day in them).
    assert client.get(f"{API}/DAN-2026-010/releases.json").content == response.content


def test_conditional_requests_and_a_new_release(client, awarded, clock):
    first = client.get(f"{API}/DAN-2026-010/releases.json")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(f"{API}/DAN-2026-010/releases.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    since = client.get(f"{API}/DAN-2026-010/releases.json", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    record = client.get(f"{API}/DAN-2026-010/record.json")
    assert record["ETag"] != etag  # each package its own tag

    clock.move_to(START + datetime.timedelta(days=60), tick=False)
    awarded.contract.payment_status = "paid"
    awarded.contract.paid_at = timezone.now()
    awarded.contract.save()
    ocds.release_add(awarded, ["implementation"])
    changed = client.get(f"{API}/DAN-2026-010/releases.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(_json(changed)["releases"]) == 5


def test_record_package_reflects_the_latest_state(client, awarded):
    response = client.get(f"{API}/DAN-2026-010/record.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["ETag"] and response["Last-Modified"]
    package = _json(response)
    assert package["packages"] == ["http://127.0.0.1:8000/api/v1/market/ocds/DAN-2026-010/releases.json"]
    (record,) = package["records"]
    assert record["ocid"] == "ocds-ouvert-DAN-2026-010"
    assert [r["url"] for r in record["releases"]] == [
        f"http://127.0.0.1:8000/api/v1/market/ocds/DAN-2026-010/releases.json#ocds-ouvert-DAN-2026-010-000{n}"
        for n in (1, 2, 3, 4)]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["numberOfTenderers"] == 2
    assert compiled["awards"][0]["suppliers"] == [{"id": "CA-NEQ-1171234567", "name": "Logilibre coop"}]
    assert compiled["tender"]["amendments"][0]["id"] == "addenda-1"
    # The versioned release keeps the history: the status went from active to complete.
    statuses = [v["value"] for v in record["versionedRelease"]["tender"]["status"]]
    assert statuses == ["active", "complete"]
    assert "numberOfTenderers" in record["versionedRelease"]["tender"]
    assert record["versionedRelease"]["tender"]["numberOfTenderers"][0]["releaseTag"] == ["tenderUpdate"]
    assert_valid(package)


def test_unknown_draft_and_review_opportunities_are_not_found(client, clock, opportunity_factory):
    assert client.get(f"{API}/NOPE-1/releases.json").status_code == 404
    assert client.get(f"{API}/NOPE-1/record.json").status_code == 404
    for odd in ("DAN%00-1", "%C3%A9t%C3%A9", "x" * 400, "%27%3B--"):
        assert client.get(f"{API}/{odd}/releases.json").status_code == 404, odd
        assert client.get(f"{API}/{odd}/record.json").status_code == 404, odd
    for status in (Opportunity.Status.DRAFT, Opportunity.Status.REVIEW):
        private = opportunity_factory(status=status)
        # Even a stray release row of a private opportunity is never served nor listed.
        Release.objects.create(opportunity=private, release_id=f"stray-{status}", date=timezone.now(),
                               tags=["tender"], data={"ocid": "x", "id": f"stray-{status}"})
        response = client.get(f"{API}/{private.reference}/releases.json")
        assert response.status_code == 404
        assert response.json()["detail"] == f"Aucune donnée ouverte pour l'opportunité « {private.reference} »."
        assert client.get(f"{API}/{private.reference}/record.json").status_code == 404
    published = opportunity_factory()
    assert client.get(f"{API}/{published.reference}/releases.json").status_code == 404  # no release yet
    ocds.release_add(published, ["tender"])
    assert client.get(f"{API}/{published.reference}/releases.json").status_code == 200
    everything = _json(client.get(f"{API}/releases.json"))
    assert [r["id"] for r in everything["releases"]] == [f"ocds-ouvert-{published.reference}-0001"]
    records = _json(client.get(f"{API}/records.json"))
    assert [r["ocid"] for r in records["records"]] == [f"ocds-ouvert-{published.reference}"]


def _many(opportunity_factory, n):
    made = []
    for _i in range(n):
        opportunity = opportunity_factory()
        ocds.release_add(opportunity, ["tender"])
        Addendum.objects.create(opportunity=opportunity, number=1, body_fr="Précision.", published_at=timezone.now())
        ocds.release_add(opportunity, ["tenderAmendment"])
        made.append(opportunity)
    return made


def test_platform_release_package_is_paged(client, clock, opportunity_factory, settings,
                                           django_assert_max_num_queries):
    settings.OUVERT_MARKET_OCDS_RELEASES_PER_PAGE = 3
    _many(opportunity_factory, 4)  # 8 releases: pages of 3, 3, 2
    seen, url, pages = [], f"{API}/releases.json", 0
    while url:
        with django_assert_max_num_queries(4):
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"] == "application/json"
            assert response.streaming
            package = _json(response)
        pages += 1
        seen += [r["id"] for r in package["releases"]]
        report = cove(package)
        assert report["validation_errors"] == [] and report["additional_closed_codelist_values"] == {}
        # ``links`` (the pagination of OCDS packages) is the only field the 1.1 schema does not know.
        assert {(f["path"], f["field_name"]) for f in report["all_additional_fields"]} <= {("", "links"),
                                                                                       ("/links", "next")}
        nxt = package.get("links", {}).get("next")
        url = nxt.replace("http://127.0.0.1:8000", "") if nxt else None
    assert pages == 3
    assert seen == list(Release.objects.order_by("pk").values_list("release_id", flat=True))
    assert client.get(f"{API}/releases.json?after=-3").status_code == 400
    assert client.get(f"{API}/releases.json?after={10 ** 30}").status_code == 400
    assert client.get(f"{API}/records.json?after=1.5").status_code == 400
    bad = client.get(f"{API}/releases.json?after=abc")
    assert bad.status_code == 400 and "after" in bad.json()["detail"]


def test_platform_packages_queries_do_not_grow(client, clock, opportunity_factory, django_assert_max_num_queries):
    _many(opportunity_factory, 12)
    with django_assert_max_num_queries(4):
        package = _json(client.get(f"{API}/releases.json"))
    assert len(package["releases"]) == 24 and "links" not in package
    assert_valid(package)
    with django_assert_max_num_queries(5):
        records = _json(client.get(f"{API}/records.json"))
    assert len(records["records"]) == 12 and "links" not in records
    assert all(len(r["releases"]) == 2 for r in records["records"])
    assert all(r["compiledRelease"]["tender"]["amendments"][0]["id"] == "addenda-1" for r in records["records"])
    assert_valid(records)


def test_platform_record_package_is_paged(client, clock, opportunity_factory, settings):
    settings.OUVERT_MARKET_OCDS_RECORDS_PER_PAGE = 2
    made = _many(opportunity_factory, 5)
    ocids, url = [], f"{API}/records.json"
    while url:
        package = _json(client.get(url))
        ocids += [r["ocid"] for r in package["records"]]
        nxt = package.get("links", {}).get("next")
        url = nxt.replace("http://127.0.0.1:8000", "") if nxt else None
    assert ocids == [ocds.ocid(o) for o in made]
    first = client.get(f"{API}/records.json")
    assert first["ETag"] != client.get(url or f"{API}/records.json?after={made[1].pk}")["ETag"]


def test_platform_packages_conditional(client, awarded):
    response = client.get(f"{API}/releases.json")
    assert response["Last-Modified"] and response["Cache-Control"] == "public, max-age=300"
    assert client.get(f"{API}/releases.json", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    records = client.get(f"{API}/records.json")
    assert client.get(f"{API}/records.json", HTTP_IF_NONE_MATCH=records["ETag"]).status_code == 304


def test_empty_platform_packages_are_not_found(client, clock, opportunity_factory):
    """A package holds at least one release or record (OCDS): none yet, or a page past the end, is a 404."""
    response = client.get(f"{API}/releases.json")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Aucune publication OCDS pour l'instant")
    assert client.get(f"{API}/records.json").status_code == 404
    opportunity = opportunity_factory()
    last = ocds.release_add(opportunity, ["tender"])
    assert client.get(f"{API}/releases.json").status_code == 200
    assert client.get(f"{API}/releases.json?after={last.pk}").status_code == 404
    assert client.get(f"{API}/records.json?after={opportunity.pk}").status_code == 404


def test_libcoveocds_command_line(awarded, tmp_path):
    """The validator's own command line, offline with the standard's zip, on a written release package
    (its record packages are checked through the library: for them libcoveocds 0.17 fetches the versioned
    release schema over the network, whatever ``--standard-zip`` says)."""
    path = Path(tmp_path) / "releases.json"
    path.write_bytes(ocds.dumps_bytes(ocds.release_package(awarded)))
    result = subprocess.run([str(Path(sys.executable).with_name("libcoveocds")), "--standard-zip",
                             str(STANDARD_ZIP), str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["validation_errors"] == []
    assert report["additional_closed_codelist_values"] == {}
    assert report["all_additional_fields"] == []
    assert report["count"] == 4


def test_every_role_reads_the_same_sealed_data(client, clock, opportunity_factory, supplier_a, sealed_submission,
                                               buyer, buyer_admin, buyer_member, platform_admin, stranger, evaluators):
    """The packages and statistics depend on nobody: before the deadline the buyer, an evaluator or the
    platform admin (session or API token) learn exactly what an anonymous person does — nothing of the
    proposals. Nothing here accepts a write."""
    from ouvert.core import services as core_services
    from ouvert.market.models import Evaluator

    opportunity = opportunity_factory(reference="DAN-2026-030")
    Evaluator.objects.create(opportunity=opportunity, user=evaluators[0], coi_declared_at=timezone.now())
    ocds.release_add(opportunity, ["tender"])
    sealed_submission(opportunity, supplier_a)
    Addendum.objects.create(opportunity=opportunity, number=1, body_fr="Précision.", published_at=timezone.now())
    ocds.release_add(opportunity, ["tenderAmendment"])
    paths = [f"{API}/DAN-2026-030/releases.json", f"{API}/DAN-2026-030/record.json", f"{API}/releases.json",
             f"{API}/records.json", "/api/v1/market/statistics"]

    def read(**headers):
        return [client.get(path, **headers) for path in paths]

    anonymous = read()
    bodies = [(b"".join(r.streaming_content) if r.streaming else r.content) for r in anonymous]
    assert b"numberOfTenderers" not in b"".join(bodies[:4]) and b"1171234567" not in b"".join(bodies)
    stats_body = json.loads(bodies[4])
    assert stats_body["proposals"] == {"opportunities": 0, "mean": None, "median": None}
    for person in (supplier_a.owner, buyer, buyer_admin, buyer_member, platform_admin, stranger, evaluators[0]):
        client.force_login(person)
        session = read()
        client.logout()
        token = read(HTTP_AUTHORIZATION=core_services.token_create(user=person, name="tests"))
        for answers in (session, token):
            got = [(b"".join(r.streaming_content) if r.streaming else r.content) for r in answers]
            assert got[:4] == bodies[:4], person
            assert {k: v for k, v in json.loads(got[4]).items() if k != "generated_at"} == \
                {k: v for k, v in stats_body.items() if k != "generated_at"}
    for path in paths:
        assert client.post(path, {}).status_code == 405
        assert client.delete(path).status_code == 405


def test_records_of_releases_without_a_stored_compiled_release(client, awarded, clock, opportunity_factory):
    """Releases written before they kept their compiled release: the record merges them on the spot, and
    says the same."""
    other = opportunity_factory(reference="DAN-2026-011")
    ocds.release_add(other, ["tender"])
    stored = _json(client.get(f"{API}/records.json"))
    single = _json(client.get(f"{API}/DAN-2026-010/record.json"))
    Release.objects.update(compiled=None)
    merged = _json(client.get(f"{API}/records.json"))
    assert merged == stored
    assert _json(client.get(f"{API}/DAN-2026-010/record.json")) == single
    assert merged["records"][0]["compiledRelease"]["tender"]["status"] == "complete"
    assert_valid(merged)
