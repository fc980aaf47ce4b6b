"""The proposals API (``/api/v1/market/proposals/…``, ``/receipts/…``): draft saves in JSON and multipart,
submit (201, then 200 with the same receipt), 409 on a stale revision, 403 after the deadline with the
deadline stated, 413 above the size limit, withdraw, receipts in JSON and text, the opened document after the
deadline, the public check; lists without N+1."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from proposals_kit import api, content_for, save, save_and_submit

from ouvert.market.models import Proposal, Submission

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2026, 12, 15, 19, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def opportunity(opportunity_factory, time_machine):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=3), tick=False)
    return opportunity_factory(deadline=DEADLINE)


def _base(opportunity, supplier="logilibre"):
    return f"/api/v1/market/proposals/{opportunity.reference}/{supplier}"


def test_the_whole_life_through_the_api(opportunity, supplier_a, time_machine):
    client = api(supplier_a.owner)
    base = _base(opportunity)
    empty = client.get(base)
    assert empty.status_code == 200 and empty.json()["status"] is None and empty.json()["draft_revision"] == 0
    saved = client.post(f"{base}/draft", {"content": content_for(opportunity)}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["draft_revision"] == 1
    assert saved.json()["draft"]["content"]["summary"] == "Un module libre, testé et documenté."
    partial = client.post(f"{base}/draft", {"team": "Trois personnes."}, content_type="application/json")
    assert partial.json()["draft"]["content"]["team"] == "Trois personnes."
    assert partial.json()["draft"]["content"]["approach"] == "Itérations de deux semaines."
    missing = client.post(f"{base}/submit", {"draft_revision": 2}, content_type="application/json")
    assert missing.status_code == 400 and set(missing.json()["errors"]) == {"no_conflict_of_interest",
                                                                             "terms_accepted"}
    body = {"draft_revision": 2, "no_conflict_of_interest": True, "terms_accepted": True}
    first = client.post(f"{base}/submit", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["created"] is True and first.json()["version"] == 1
    again = client.post(f"{base}/submit", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["receipt"] == first.json()["receipt"]
    stale = client.post(f"{base}/submit", {**body, "draft_revision": 1}, content_type="application/json")
    assert stale.status_code == 409 and "brouillon a changé" in stale.json()["detail"]
    receipt = client.get(f"{base}/receipt")
    assert receipt.json()["receipt"] == first.json()["receipt"] and receipt.json()["opportunity"] == opportunity.reference
    text = client.get(f"{base}/receipt?format=text")
    assert text["Content-Type"].startswith("text/plain") and first.json()["receipt"] in text.content.decode()
    withdrawn = client.post(f"{base}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert client.post(f"{base}/withdraw").status_code == 400
    second = client.post(f"{base}/submit", body, content_type="application/json")
    assert second.status_code == 201 and second.json()["version"] == 2
    assert client.get(f"{base}/opened-document").status_code == 403  # sealed until the deadline
    verify = api().post("/api/v1/market/receipts/verify", {"receipt": second.json()["receipt"]},
                        content_type="application/json")
    assert verify.json()["status"] == "unknown"
    time_machine.move_to(DEADLINE, tick=False)
    late = client.post(f"{base}/submit", body, content_type="application/json")
    assert late.status_code == 403 and late.json()["detail"] == (
        "La date limite était le 15 décembre 2026 à 14 h 00 (heure de Montréal) ; aucune proposition n'est "
        "acceptée après.")
    assert client.post(f"{base}/draft", {"team": "x"}, content_type="application/json").status_code == 403
    assert client.post(f"{base}/withdraw").status_code == 403
    opened = client.get(f"{base}/opened-document")
    assert hashlib.sha256(opened.content).hexdigest() == second.json()["receipt"]
    verify = api().post("/api/v1/market/receipts/verify", {"receipt": second.json()["receipt"]},
                        content_type="application/json")
    assert verify.status_code == 200 and verify.json()["status"] == "conforming"
    listed = api().get(f"/api/v1/market/receipts/opened/{opportunity.reference}").json()
    assert [r["receipt"] for r in listed] == [second.json()["receipt"]]


def test_multipart_draft_with_attachments_and_the_413(opportunity, supplier_a, settings):
    settings.OUVERT_MARKET_MAX_PROPOSAL_BYTES = 10_000
    client = api(supplier_a.owner)
    base = _base(opportunity)
    criterion = opportunity.criteria.first()
    saved = client.post(f"{base}/draft", {"summary": "Avec pièce", f"criterion_{criterion.pk}": "Réponse",
                                          "attachments": [SimpleUploadedFile("offre.pdf", PDF)]})
    assert saved.status_code == 200
    assert [a["name"] for a in saved.json()["draft"]["attachments"]] == ["offre.pdf"]
    assert saved.json()["draft"]["content"]["criteria"] == {str(criterion.pk): "Réponse"}
    big = client.post(f"{base}/draft", {"attachments": [SimpleUploadedFile("gros.pdf", PDF + b"0" * 20_000)]})
    assert big.status_code == 413 and "taille maximale" in big.json()["detail"]
    removed = client.post(f"{base}/draft", {"remove": ["offre.pdf"]}, content_type="application/json")
    assert removed.json()["draft"]["attachments"] == [] and removed.json()["draft_revision"] == 2


@pytest.mark.parametrize("payload,field", [
    ({"summary": "x" * 5001}, "summary"),
    ({"content": {"criteria": {"999999": "?"}}}, "criterion_999999"),
    ({"content": {"criteria": ["pas", "un", "objet"]}}, "criteria"),
    ({"inconnu": "?"}, "inconnu"),
    ({"remove": ["absente.pdf"]}, "remove"),
])
def test_bad_draft_input_is_a_400_naming_the_field(opportunity, supplier_a, payload, field):
    client = api(supplier_a.owner)
    response = client.post(f"{_base(opportunity)}/draft", payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    assert not Proposal.objects.exists()


def test_unparsable_json_is_a_400(opportunity, supplier_a):
    response = api(supplier_a.owner).post(f"{_base(opportunity)}/draft", "{pas du json",
                                          content_type="application/json")
    assert response.status_code == 400


def test_who_may_call_what(opportunity, supplier_a, supplier_b, buyer, platform_admin):
    save(opportunity, supplier_a)
    base = _base(opportunity)
    assert api().get(base).status_code == 401
    assert api().post(f"{base}/draft", {}, content_type="application/json").status_code == 401
    for outsider in (supplier_b.owner, buyer, platform_admin):
        client = api(outsider)
        assert client.get(base).status_code == 404
        assert client.post(f"{base}/draft", {"team": "x"}, content_type="application/json").status_code == 404
        assert client.post(f"{base}/submit", {"no_conflict_of_interest": True, "terms_accepted": True},
                           content_type="application/json").status_code == 404
        assert client.post(f"{base}/withdraw").status_code == 404
        assert client.get(f"{base}/receipt").status_code == 404
    assert Proposal.objects.get().draft_revision == 1 and not Submission.objects.exists()


def test_my_proposals_list_in_a_bounded_number_of_queries(opportunity_factory, supplier_a, time_machine,
                                                          django_assert_max_num_queries):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=3), tick=False)
    for _ in range(5):
        save_and_submit(opportunity_factory(deadline=DEADLINE), supplier_a)
    client = api(supplier_a.owner)
    client.get("/api/v1/market/proposals/mine")  # the token's first use is noted once
    with django_assert_max_num_queries(8):
        rows = client.get("/api/v1/market/proposals/mine").json()
    assert len(rows) == 5 and all(r["current"]["version"] == 1 for r in rows)
