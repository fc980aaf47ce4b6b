"""Receipts and tamper evidence: the check of a receipt (nothing before the deadline, conforming after), the
opened document whose SHA-256 is the receipt, and an altered ciphertext or receipt caught by the receipt check,
by the integrity check and by ``ouvert audit verify``."""

import datetime
import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from proposals_kit import save, save_and_submit

from ouvert.core import services as core_services
from ouvert.market import proposals
from ouvert.market.models import Submission

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2026, 12, 15, 19, 0, tzinfo=datetime.UTC)


@pytest.fixture
def opportunity(opportunity_factory, time_machine):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=10), tick=False)
    return opportunity_factory(deadline=DEADLINE)


@pytest.fixture
def submitted(opportunity, supplier_a):
    return save_and_submit(opportunity, supplier_a)


def test_before_the_deadline_a_receipt_says_only_when_it_becomes_checkable(opportunity, submitted):
    _proposal, submission = submitted
    known = proposals.receipt_verify(submission.receipt, opportunity.reference)
    unknown = proposals.receipt_verify("ab" * 32, opportunity.reference)
    assert known["status"] == unknown["status"] == "pending"
    assert known["message"] == unknown["message"] == (
        f"Ce reçu sera vérifiable après la date limite du 15 décembre 2026 à 14 h 00 (heure de Montréal) "
        f"(opportunité {opportunity.reference}).")
    assert {k: v for k, v in known.items() if k != "receipt"} == {k: v for k, v in unknown.items() if k != "receipt"}
    # without the opportunity: one answer for an unknown receipt and a sealed one
    alone_known = proposals.receipt_verify(submission.receipt)
    alone_unknown = proposals.receipt_verify("cd" * 32)
    assert alone_known["status"] == alone_unknown["status"] == "unknown"
    assert alone_known["message"] == alone_unknown["message"]


def test_the_pasted_receipt_json_or_text_gives_the_opportunity(opportunity, submitted):
    _proposal, submission = submitted
    as_json = json.dumps(proposals.receipt_data(submission))
    as_text = proposals.receipt_text(submission)
    for pasted in (as_json, as_text):
        assert proposals.receipt_verify(pasted)["status"] == "pending"
        assert proposals.receipt_verify(pasted)["opportunity"] == opportunity.reference
    with pytest.raises(ValidationError) as refused:
        proposals.receipt_verify("pas un reçu")
    assert "receipt" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        proposals.receipt_verify(submission.receipt, "DAN-INCONNUE")
    assert "opportunity" in refused.value.message_dict


def test_after_the_deadline_the_receipt_is_conforming_and_the_opened_document_hashes_to_it(
        opportunity, submitted, supplier_a, supplier_b, time_machine):
    proposal, submission = submitted
    with pytest.raises(PermissionDenied, match="scellées"):
        proposals.proposal_opened_document(proposal, supplier_a.owner)
    assert proposals.opened_receipts(opportunity) == []
    time_machine.move_to(DEADLINE, tick=False)
    result = proposals.receipt_verify(submission.receipt)
    assert result["status"] == "conforming" and result["version"] == 1 and result["current"]
    assert result["message"].startswith("Conforme")
    body = proposals.proposal_opened_document(proposal, supplier_a.owner)
    assert hashlib.sha256(body).hexdigest() == submission.receipt
    with pytest.raises(core_services.NotFound):
        proposals.proposal_opened_document(proposal, supplier_b.owner)
    rows = proposals.opened_receipts(opportunity)
    assert [(r["receipt"], r["status"]) for r in rows] == [(submission.receipt, "conforming")]
    assert proposals.receipt_verify("ef" * 32, opportunity.reference)["status"] == "unknown"


def test_a_withdrawn_or_superseded_receipt_is_checked_but_not_listed(opportunity, supplier_a, time_machine):
    proposal, first = save_and_submit(opportunity, supplier_a)
    save(opportunity, supplier_a, summary="Deuxième version.")
    from proposals_kit import submit

    second = submit(proposal).submission
    time_machine.move_to(DEADLINE, tick=False)
    old = proposals.receipt_verify(first.receipt, opportunity.reference)
    assert old["status"] == "conforming" and old["current"] is False and "remplacée" in old["message"]
    assert [r["receipt"] for r in proposals.opened_receipts(opportunity)] == [second.receipt]


def _alter_ciphertext(submission):
    altered = bytearray(bytes(submission.sealed))
    altered[20] ^= 0xFF
    Submission.objects.filter(pk=submission.pk).update(sealed=bytes(altered))


def test_an_altered_ciphertext_is_caught_before_and_after_the_deadline(opportunity, submitted, time_machine, capsys):
    from ouvert.cli import main

    proposal, submission = submitted
    assert core_services.audit_verify().ok
    _alter_ciphertext(submission)
    report = core_services.audit_verify()  # before the deadline: the fingerprint of the ciphertext
    assert not report.ok and report.first_bad_seq is None
    assert any(f"proposition n° {proposal.pk}" in p and "empreinte" in p for p in report.problems)
    time_machine.move_to(DEADLINE, tick=False)
    assert proposals.receipt_verify(submission.receipt)["status"] == "broken"
    assert "scellé altéré" in proposals.receipt_verify(submission.receipt)["message"]
    assert proposals.opened_receipts(opportunity)[0]["status"] == "broken"
    report = core_services.audit_verify()
    assert any("scellé altéré" in p for p in report.problems)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"proposition n° {proposal.pk}" in err and opportunity.reference in err


def test_an_altered_receipt_column_is_caught(opportunity, submitted, time_machine, capsys):
    from ouvert.cli import main

    proposal, submission = submitted
    forged = "0" * 64
    Submission.objects.filter(pk=submission.pk).update(receipt=forged)
    report = core_services.audit_verify()
    assert not report.ok and any("reçu enregistré diffère" in p for p in report.problems)
    time_machine.move_to(DEADLINE, tick=False)
    assert proposals.receipt_verify(forged)["status"] == "not_conforming"
    assert proposals.receipt_verify(submission.receipt, opportunity.reference)["status"] == "unknown"
    report = core_services.audit_verify()
    assert any("ne correspond pas à son reçu" in p for p in report.problems)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"proposition n° {proposal.pk}" in capsys.readouterr().err


def test_an_intact_log_passes_the_cli(opportunity, submitted, time_machine, capsys):
    from ouvert.cli import main

    time_machine.move_to(DEADLINE, tick=False)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "OK" in capsys.readouterr().out


def test_the_audit_log_hides_submission_entries_until_the_deadline(opportunity, submitted, supplier_a,
                                                                    time_machine):
    proposal, submission = submitted
    visible = [e.action for e in core_services.audit_list(limit=None)]
    assert not any(a.startswith("market.proposals.") for a in visible)
    assert core_services.audit_list(target=submission, limit=None).count() == 0
    assert core_services.audit_list(target=submission, include_hidden=True, limit=None).count() == 1
    time_machine.move_to(DEADLINE, tick=False)
    visible = [e.action for e in core_services.audit_list(limit=None)]
    assert "market.proposals.submit" in visible and "market.proposals.draft_save" in visible


def test_a_modules_check_that_fails_is_reported_not_raised(monkeypatch):
    from ouvert.core import registry

    def broken():
        raise RuntimeError("base indisponible")

    monkeypatch.setitem(registry._audit_checks, "essai", broken)
    report = core_services.audit_verify()
    assert not report.ok and report.first_bad_seq is None
    assert "essai : la vérification a échoué : base indisponible" in report.problems
