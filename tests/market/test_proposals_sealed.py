"""Sealed until the deadline — the permission matrix: every role (anonymous, stranger, the other supplier,
buyer editor and admin, evaluator, platform admin, and the supplier itself) against every proposal page, API
endpoint and the Django admin, before and after the deadline. Before it, nobody but the supplier's own
members sees a proposal's content, its receipt, or anything that tells whether (or how many) proposals exist."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from proposals_kit import save, save_and_submit

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.market.models import Evaluator

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2026, 12, 15, 19, 0, tzinfo=datetime.UTC)
SECRET_A = "CONTENU-SECRET-ALPHA"
SECRET_B = "BROUILLON-SECRET-BRAVO"
COUNT = re.compile(r"\b[1-9]\d*\s+(?:propositions?|soumissions?|proposals?)\b", re.IGNORECASE)


@pytest.fixture
def world(opportunity_factory, supplier_a, supplier_b, buyer, buyer_admin, evaluators, platform_admin, stranger,
          time_machine):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=10), tick=False)
    opportunity = opportunity_factory(deadline=DEADLINE)
    proposal, submission = save_and_submit(opportunity, supplier_a, summary=SECRET_A)
    save(opportunity, supplier_b, summary=SECRET_B)
    Evaluator.objects.create(opportunity=opportunity, user=evaluators[0], coi_declared_at=timezone.now())
    core_services.membership_set(user=buyer_admin, organisation=opportunity.buyer, role=Membership.Role.ADMIN)
    return {"opportunity": opportunity, "proposal": proposal, "submission": submission,
            "roles": {"anonymous": None, "stranger": stranger, "other_supplier": supplier_b.owner, "buyer": buyer,
                      "buyer_admin": buyer_admin, "evaluator": evaluators[0], "platform_admin": platform_admin,
                      "supplier": supplier_a.owner}}


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _pages(ref, receipt):
    base = f"/fr/marches/propositions/{ref}/logilibre/"
    return {
        "edit": base, "submit": f"{base}soumettre/", "withdraw": f"{base}retirer/", "receipt": f"{base}recu/",
        "receipt_json": f"{base}recu/1.json", "receipt_txt": f"{base}recu/1.txt",
        "opened_document": f"{base}document-ouvert.json", "attachment": f"{base}pieces/0/",
        "edit_b": f"/fr/marches/propositions/{ref}/pousse/",
    }


def _public(ref, receipt):
    return {"start": f"/fr/marches/propositions/{ref}/", "dashboard": "/fr/marches/espace-fournisseur/",
            "opened_receipts": f"/fr/marches/propositions/{ref}/recus-ouverts/",
            "verify": f"/fr/marches/recus/verifier/?receipt={receipt}&opportunity={ref}",
            "verify_alone": f"/fr/marches/recus/verifier/?receipt={receipt}",
            "opportunity": f"/fr/marches/{ref}/", "list": "/fr/marches/"}


def _api(ref):
    base = f"/api/v1/market/proposals/{ref}/logilibre"
    return {"detail": base, "receipt": f"{base}/receipt", "opened": f"{base}/opened-document",
            "detail_b": f"/api/v1/market/proposals/{ref}/pousse", "mine": "/api/v1/market/proposals/mine",
            "supplier": "/api/v1/market/suppliers/logilibre", "receipts_opened": f"/api/v1/market/receipts/opened/{ref}"}


ADMIN = ["/fr/admin/market/proposal/", "/fr/admin/market/submission/", "/fr/admin/core/auditentry/",
         "/fr/admin/core/notification/"]


def _leaks(body: str, world, *, own: bool) -> list[str]:
    submission = world["submission"]
    found = []
    tokens = [SECRET_B, submission.sealed_sha256]
    if not own:
        tokens += [SECRET_A, submission.receipt, "market.proposals."]
    for token in tokens:
        if token in body:
            found.append(token)
    if COUNT.search(body):
        found.append(COUNT.search(body).group(0))
    return found


def _get(client, url):
    response = client.get(url)
    body = response.content.decode("utf-8", "replace")
    return response.status_code, body


@pytest.mark.parametrize("role", ["anonymous", "stranger", "other_supplier", "buyer", "buyer_admin", "evaluator",
                                  "platform_admin"])
def test_before_the_deadline_no_role_learns_anything_of_the_proposals(world, role):
    opportunity, submission = world["opportunity"], world["submission"]
    user = world["roles"][role]
    client = _client(user)
    ref = opportunity.reference
    for name, url in _pages(ref, submission.receipt).items():
        status, body = _get(client, url)
        if user is None:
            assert status == 302 and "next=" in client.get(url)["Location"], (name, status)
        elif role == "other_supplier" and name == "edit_b":
            assert status == 200 and SECRET_A not in body and submission.receipt not in body
            continue
        else:
            assert status == 404, (role, name, status)
        assert not _leaks(body, world, own=False), (role, name, _leaks(body, world, own=False))
    for name, url in _public(ref, submission.receipt).items():
        status, body = _get(client, url)
        if user is None and name in ("start", "dashboard"):
            assert status == 302
        elif role == "other_supplier" and name == "start":  # to its own editor
            assert status == 302 and client.get(url)["Location"].endswith("/pousse/")
        else:
            assert status == 200, (role, name, status)
        # the verify pages echo the pasted receipt: what matters is that they answer the same as for an unknown one
        leaks = [t for t in _leaks(body, world, own=False) if t != submission.receipt or not name.startswith("verify")]
        assert not leaks, (role, name, leaks)
        assert "Logilibre" not in body or name == "start" and role == "platform_admin", (role, name)
    unknown = "9" * 64
    for with_opp in (True, False):
        suffix = f"&opportunity={ref}" if with_opp else ""
        _status, known_body = _get(client, f"/fr/marches/recus/verifier/?receipt={submission.receipt}{suffix}")
        _status, unknown_body = _get(client, f"/fr/marches/recus/verifier/?receipt={unknown}{suffix}")
        strip = re.compile(r"csrfmiddlewaretoken\" value=\"[^\"]+\"|[0-9a-f]{64}|nonce=\"[^\"]+\"")
        assert strip.sub("", known_body) == strip.sub("", unknown_body)
    for name, url in _api(ref).items():
        status, body = _get(client, url)
        if user is None and name != "receipts_opened":
            assert status == 401, (name, status)
        elif name == "mine" and role == "other_supplier":  # its own draft only
            assert status == 200 and '"supplier": "pousse"' in body and "logilibre" not in body
        elif name in ("mine", "receipts_opened"):
            assert status == 200 and body.strip() == "[]", (role, name, body)
        elif role == "other_supplier" and name == "detail_b":
            assert status == 200 and SECRET_A not in body
            continue
        elif name == "supplier" and role == "platform_admin":
            assert status == 200
        else:
            assert status == 404, (role, name, status)
        assert not _leaks(body, world, own=False), (role, name)
    response = client.post("/api/v1/market/receipts/verify", {"receipt": submission.receipt, "opportunity": ref},
                           content_type="application/json")
    other = client.post("/api/v1/market/receipts/verify", {"receipt": unknown, "opportunity": ref},
                        content_type="application/json")
    assert response.status_code == other.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "receipt"} == \
        {k: v for k, v in other.json().items() if k != "receipt"}
    assert response.json()["status"] == "pending"
    # writing: every page and API action on the supplier's proposal is refused, and nothing changes
    pages = _pages(ref, submission.receipt)
    form = {"summary": "Piraté", "no_conflict_of_interest": "on", "terms_accepted": "on", "draft_revision": "1"}
    for name in ("edit", "submit", "withdraw"):
        status = client.post(pages[name], form).status_code
        assert status == (302 if user is None else 404), (role, name, status)
    base = _api(ref)["detail"]
    for tail, body in (("/draft", {"summary": "Piraté"}), ("/submit", {"no_conflict_of_interest": True,
                                                                        "terms_accepted": True}), ("/withdraw", {})):
        status = client.post(base + tail, body, content_type="application/json").status_code
        assert status in ((401, 403) if user is None else (404,)), (role, tail, status)
    proposal = world["proposal"]
    proposal.refresh_from_db()
    assert proposal.draft_revision == 1 and proposal.submissions.count() == 1
    assert proposal.submissions.get().withdrawn_at is None
    for url in ADMIN:
        status, body = _get(client, url)
        if role == "platform_admin":
            assert status == 200, (url, status)
            assert not _leaks(body, world, own=False), (url, _leaks(body, world, own=False))
            assert ref not in body and "roposition soumise" not in body
            assert "Logilibre" not in body and "Pousse" not in body
        else:
            assert status == 302, (role, url, status)


def test_before_the_deadline_the_supplier_reads_its_own_and_nothing_of_the_other(world):
    opportunity, submission = world["opportunity"], world["submission"]
    client = _client(world["roles"]["supplier"])
    ref = opportunity.reference
    for name, url in _pages(ref, submission.receipt).items():
        status, body = _get(client, url)
        expected = {"opened_document": 403, "attachment": 404, "edit_b": 404}.get(name, 200)
        assert status == expected, (name, status)
        assert SECRET_B not in body
    assert SECRET_A in _get(client, _pages(ref, "")["edit"])[1]
    assert submission.receipt in _get(client, _pages(ref, "")["receipt"])[1]
    status, body = _get(client, _api(ref)["detail"])
    assert status == 200 and SECRET_A in body and submission.receipt in body
    assert _get(client, _api(ref)["detail_b"])[0] == 404
    assert _get(client, _api(ref)["opened"])[0] == 403


@pytest.mark.parametrize("role", ["anonymous", "stranger", "other_supplier", "buyer", "buyer_admin", "evaluator",
                                  "platform_admin"])
def test_after_the_deadline_receipts_are_public_content_only_for_the_supplier_and_admin_shows_no_content(
        world, role, time_machine):
    time_machine.move_to(DEADLINE, tick=False)
    opportunity, submission = world["opportunity"], world["submission"]
    user = world["roles"][role]
    client = _client(user)
    ref = opportunity.reference
    for name, url in _pages(ref, submission.receipt).items():
        status, body = _get(client, url)
        if role == "other_supplier" and name == "edit_b":
            assert status == 200 and SECRET_A not in body
            continue
        assert status in (302, 404), (role, name, status)
        assert SECRET_A not in body and SECRET_B not in body
    status, body = _get(client, _public(ref, submission.receipt)["opened_receipts"])
    assert status == 200 and submission.receipt in body and "Conforme" in body
    assert SECRET_A not in body and "Logilibre" not in body
    status, body = _get(client, _public(ref, submission.receipt)["verify_alone"])
    assert status == 200 and "Conforme" in body
    status, body = _get(client, _public(ref, submission.receipt)["opportunity"])  # the opportunity's page lists them
    assert status == 200 and submission.receipt in body and SECRET_A not in body and SECRET_B not in body
    status, body = _get(client, _api(ref)["receipts_opened"])
    assert status == 200 and submission.receipt in body
    for url in ADMIN[:2]:
        status, body = _get(client, url)
        if role != "platform_admin":
            assert status == 302
            continue
        assert status == 200 and SECRET_A not in body and SECRET_B not in body
        assert "Logilibre" in body
    if role == "platform_admin":
        status, body = _get(client, ADMIN[1])
        assert submission.receipt in body
        change = f"/fr/admin/market/submission/{submission.pk}/change/"
        status, body = _get(client, change)
        assert status == 200 and submission.receipt in body and submission.sealed_sha256 in body
        assert "wrapped_key" not in body and 'name="sealed"' not in body and SECRET_A not in body
        assert client.get("/fr/admin/market/submission/add/").status_code == 403
        assert client.post(f"/fr/admin/market/submission/{submission.pk}/delete/").status_code == 403
        status, body = _get(client, ADMIN[2])
        assert "market.proposals.submit" in body


def test_after_the_deadline_the_supplier_downloads_the_document_that_hashes_to_its_receipt(world, time_machine):
    import hashlib

    time_machine.move_to(DEADLINE + datetime.timedelta(seconds=1), tick=False)
    client = _client(world["roles"]["supplier"])
    ref = world["opportunity"].reference
    response = client.get(_pages(ref, "")["opened_document"])
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == world["submission"].receipt
    api = client.get(_api(ref)["opened"])
    assert hashlib.sha256(api.content).hexdigest() == world["submission"].receipt


def test_a_buyer_editor_on_the_panel_reads_only_after_declaring_no_conflict(
        db, time_machine, opportunity_factory, supplier_a, sealed_submission, buyer):
    from ouvert.market import proposals

    opportunity = opportunity_factory()
    proposal, _submission = sealed_submission(opportunity, supplier_a)
    time_machine.move_to(opportunity.deadline, tick=False)
    assert proposals.proposal_open(proposal, buyer)["content"]["summary"]
    seat = Evaluator.objects.create(opportunity=opportunity, user=buyer)
    with pytest.raises(PermissionDenied):
        proposals.proposal_open(proposal, buyer)
    seat.coi_declared_at, seat.has_conflict = opportunity.deadline, True
    seat.save()
    with pytest.raises(PermissionDenied):
        proposals.proposal_open(proposal, buyer)
    seat.has_conflict = False
    seat.save()
    assert proposals.proposal_open(proposal, buyer)["content"]["summary"]


def test_a_deadline_passed_while_suspended_opens_nothing_and_resuming_reopens_bidding(
        db, time_machine, opportunity_factory, supplier_a, sealed_submission, buyer, buyer_admin, platform_admin):
    from ouvert.market import opportunities, proposals
    from ouvert.market.models import Opportunity

    opportunity = opportunity_factory()
    proposal, submission = sealed_submission(opportunity, supplier_a)
    opportunities.opportunity_suspend(actor=buyer_admin, opportunity=opportunity, reason="Annexe à corriger")
    time_machine.move_to(opportunity.deadline + datetime.timedelta(days=1), tick=False)
    opportunity.refresh_from_db()
    proposal.refresh_from_db()
    assert opportunity.status == Opportunity.Status.SUSPENDED and not opportunity.is_past_deadline()
    with pytest.raises(PermissionDenied, match="suspendue"):
        proposals.proposal_open(proposal, buyer)
    assert proposals.opened_receipts(opportunity) == []
    assert proposals.receipt_verify(submission.receipt)["status"] == "unknown"
    client = Client()
    client.force_login(platform_admin)
    assert submission.receipt not in client.get("/fr/admin/market/submission/").content.decode()
    new_deadline = timezone.now() + datetime.timedelta(days=10)
    opportunities.opportunity_resume(actor=buyer_admin, opportunity=opportunity, new_deadline=new_deadline,
                                     reason="Annexe corrigée")
    opportunity.refresh_from_db()
    assert opportunity.is_open() and not opportunity.is_past_deadline()
    time_machine.move_to(new_deadline, tick=False)
    proposal = type(proposal).objects.select_related("opportunity").get(pk=proposal.pk)
    assert proposals.proposal_open(proposal, buyer)["content"]["summary"]


def test_proposals_of_an_opportunity_cancelled_before_its_deadline_stay_sealed_for_good(
        db, time_machine, opportunity_factory, supplier_a, sealed_submission, buyer, buyer_admin):
    from ouvert.market import opportunities, proposals

    opportunity = opportunity_factory()
    proposal, _submission = sealed_submission(opportunity, supplier_a)
    opportunities.opportunity_cancel(actor=buyer_admin, opportunity=opportunity, reason="Besoin abandonné")
    time_machine.move_to(opportunity.deadline + datetime.timedelta(days=30), tick=False)
    proposal.refresh_from_db()
    with pytest.raises(PermissionDenied, match="annulée avant sa date limite"):
        proposals.proposal_open(proposal, buyer)
