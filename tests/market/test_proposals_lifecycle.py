"""A proposal's life through the services: draft (sealed), submit (sealed, receipt), withdraw, resubmit, the
deadline to the second, the two tabs, and what is audited and notified."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from proposals_kit import content_for, save, save_and_submit, submit

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Membership, Notification
from ouvert.market import proposals, seal
from ouvert.market.models import Proposal, Submission

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2026, 12, 15, 19, 0, tzinfo=datetime.UTC)  # 14 h 00 in Montreal (EST)


@pytest.fixture
def opportunity(opportunity_factory, time_machine):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=10), tick=False)
    return opportunity_factory(deadline=DEADLINE)


def test_the_draft_is_stored_only_sealed_and_its_members_read_it(opportunity, supplier_a, make_user):
    proposal = save(opportunity, supplier_a, summary="Résumé très secret « Zèbre ».")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT and proposal.draft_revision == 1
    assert b"Z\xc3\xa8bre" not in bytes(proposal.draft_sealed) and proposal.draft_key_id
    plain = seal.unseal(proposal.draft_sealed, proposal.draft_key, proposal.draft_key_id,
                        aad=seal.draft_aad(proposal.pk))
    assert json.loads(plain)["content"]["summary"] == "Résumé très secret « Zèbre »."
    reader = make_user(email="lectrice@logilibre.example.com")
    core_services.membership_set(user=reader, organisation=supplier_a.organisation, role=Membership.Role.MEMBER)
    assert proposals.proposal_draft(proposal, reader)["content"]["summary"] == "Résumé très secret « Zèbre »."
    with pytest.raises(PermissionDenied):  # a plain member reads but does not write
        save(opportunity, supplier_a, reader)
    save(opportunity, supplier_a, approach="Autre démarche.")
    proposal.refresh_from_db()
    assert proposal.draft_revision == 2
    draft = proposals.proposal_draft(proposal, reader)["content"]
    assert draft["approach"] == "Autre démarche." and draft["summary"] == "Un module libre, testé et documenté."


def test_submit_seals_a_new_version_and_gives_a_receipt(opportunity, supplier_a, mailoutbox):
    proposal, submission = save_and_submit(opportunity, supplier_a)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED
    assert submission.version == 1 and submission.draft_revision == 1 and submission.is_current
    assert submission.coi_attested and submission.terms_accepted
    plain = seal.unseal(submission.sealed, submission.wrapped_key, submission.key_id,
                        aad=seal.submission_aad(proposal.pk, 1))
    document = json.loads(plain)
    assert seal.sha256(plain) == submission.receipt
    assert seal.sha256(bytes(submission.sealed)) == submission.sealed_sha256
    assert document["format"] == seal.DOCUMENT_FORMAT and document["version"] == 1
    assert document["opportunity"] == opportunity.reference and len(document["salt"]) == 32
    assert document["supplier"] == {"neq": supplier_a.neq, "legal_name": supplier_a.legal_name}
    assert document["attestations"] == {"no_conflict_of_interest": True, "terms_accepted": True}
    assert document["content"] == content_for(opportunity)
    receipt = proposals.receipt_data(submission)
    assert receipt["receipt"] == submission.receipt and receipt["version"] == 1
    assert receipt["submitted_at_montreal"] == "5 décembre 2026 à 14 h 00 (heure de Montréal)"
    text = proposals.receipt_text(submission)
    assert submission.receipt in text and opportunity.reference in text
    entry = AuditEntry.objects.get(action="market.proposals.submit")
    assert entry.data["receipt"] == submission.receipt and entry.data["sealed_sha256"] == submission.sealed_sha256
    assert entry.data["version"] == 1 and entry.data["opportunity"] == opportunity.reference
    assert "Itérations" not in json.dumps(entry.data) and "summary" not in json.dumps(entry.data)
    # the supplier's members are told (never the buyer), with the receipt but no content; the notice stays out
    # of the admin until the deadline
    notes = Notification.objects.all()
    assert [n.recipient for n in notes] == [supplier_a.owner]
    assert opportunity.reference in notes[0].subject and submission.receipt in notes[0].body
    assert "Itérations" not in notes[0].body and notes[0].url.endswith("/espace-fournisseur/")
    assert notes[0].sealed_until == opportunity.deadline
    assert [m.to for m in mailoutbox] == [[supplier_a.owner.email]]


def test_withdraw_then_resubmit_until_the_deadline(opportunity, supplier_a):
    proposal, first = save_and_submit(opportunity, supplier_a)
    withdrawn = proposals.proposal_withdraw(proposal=proposal, user=supplier_a.owner)
    proposal.refresh_from_db()
    assert withdrawn.pk == first.pk and withdrawn.withdrawn_at is not None
    assert proposal.status == Proposal.Status.WITHDRAWN
    with pytest.raises(ValidationError):  # nothing left to withdraw
        proposals.proposal_withdraw(proposal=proposal, user=supplier_a.owner)
    second = submit(proposal).submission
    assert second.version == 2 and second.receipt != first.receipt  # a fresh salt: a new receipt
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED
    save(opportunity, supplier_a, summary="Version améliorée.")
    third = submit(proposal).submission
    assert third.version == 3
    assert Submission.objects.get(pk=second.pk).superseded_at is not None
    assert [s.version for s in Submission.objects.filter(proposal=proposal, superseded_at__isnull=True,
                                                         withdrawn_at__isnull=True)] == [3]
    actions = list(AuditEntry.objects.filter(action__startswith="market.proposals.").values_list("action", flat=True))
    assert actions.count("market.proposals.submit") == 3 and actions.count("market.proposals.withdraw") == 1


def test_submitting_in_the_last_second_is_accepted_and_at_the_deadline_refused(opportunity, supplier_a,
                                                                               supplier_b, time_machine):
    proposal_a = save(opportunity, supplier_a)
    proposal_b = save(opportunity, supplier_b)
    time_machine.move_to(DEADLINE - datetime.timedelta(seconds=1), tick=False)
    assert submit(proposal_a).created
    time_machine.move_to(DEADLINE, tick=False)
    with pytest.raises(proposals.DeadlinePassed) as refused:
        submit(proposal_b)
    assert str(refused.value) == ("La date limite était le 15 décembre 2026 à 14 h 00 (heure de Montréal) ; "
                                  "aucune proposition n'est acceptée après.")
    time_machine.move_to(DEADLINE + datetime.timedelta(seconds=1), tick=False)
    with pytest.raises(proposals.DeadlinePassed):
        submit(proposal_b)
    # frozen: no draft save, no withdrawal, no resubmission either
    with pytest.raises(proposals.DeadlinePassed):
        save(opportunity, supplier_a, summary="Trop tard.")
    with pytest.raises(proposals.DeadlinePassed):
        proposals.proposal_withdraw(proposal=proposal_a, user=supplier_a.owner)
    assert Submission.objects.filter(proposal=proposal_b).count() == 0
    assert Submission.objects.filter(proposal=proposal_a).count() == 1


def test_two_tabs_submitting_one_revision_get_one_submission_and_a_stale_one_gets_409(opportunity, supplier_a):
    proposal = save(opportunity, supplier_a)
    first = submit(proposal, revision=1)
    again = submit(proposal, revision=1)
    assert first.created and not again.created
    assert again.submission.pk == first.submission.pk and again.submission.receipt == first.submission.receipt
    assert Submission.objects.filter(proposal=proposal).count() == 1
    save(opportunity, supplier_a, summary="Changé dans un autre onglet.")  # revision 2
    with pytest.raises(proposals.DraftChanged, match="brouillon a changé"):
        submit(proposal, revision=1)
    assert Submission.objects.filter(proposal=proposal).count() == 1
    assert submit(proposal, revision=2).submission.version == 2


def test_submission_needs_the_attestations_and_complete_content(opportunity, supplier_a):
    proposal = save(opportunity, supplier_a, team="", criteria={})
    with pytest.raises(ValidationError) as refused:
        proposals.proposal_submit(proposal=proposal, user=supplier_a.owner)
    assert set(refused.value.message_dict) == {"no_conflict_of_interest", "terms_accepted"}
    with pytest.raises(ValidationError) as refused:
        submit(proposal)
    criteria = {f"criterion_{c.pk}" for c in opportunity.criteria.all()}
    assert set(refused.value.message_dict) == {"team"} | criteria
    assert "Équipe" in refused.value.message_dict["team"][0]
    assert not Submission.objects.exists()


def test_only_the_suppliers_editors_write_and_nobody_else_finds_the_proposal(opportunity, supplier_a, supplier_b,
                                                                               buyer, platform_admin, stranger):
    proposal = save(opportunity, supplier_a)
    for outsider in (supplier_b.owner, buyer, platform_admin, stranger):
        with pytest.raises(core_services.NotFound):
            proposals.proposal_draft(proposal, outsider)
        with pytest.raises(core_services.NotFound):
            proposals.proposal_context(reference=opportunity.reference, supplier="logilibre", user=outsider)
        with pytest.raises(core_services.NotFound):
            proposals.proposal_submit(proposal=proposal, user=outsider, no_conflict_of_interest=True,
                                      terms_accepted=True)
        with pytest.raises(core_services.NotFound):
            proposals.proposal_submissions(proposal, outsider)


def test_an_opportunity_not_accepting_proposals_refuses_drafts(opportunity_factory, supplier_a):
    from ouvert.market.models import Opportunity

    suspended = opportunity_factory(status=Opportunity.Status.SUSPENDED)
    with pytest.raises(PermissionDenied, match="n'accepte pas"):
        save(suspended, supplier_a)
    draft = opportunity_factory(status=Opportunity.Status.DRAFT)
    with pytest.raises(core_services.NotFound):
        proposals.proposal_context(reference=draft.reference, supplier="logilibre", user=supplier_a.owner)
    assert not Proposal.objects.exists()


def test_supplier_users_with_proposal_are_its_members_only(opportunity, supplier_a, supplier_b, make_user):
    save(opportunity, supplier_a)
    colleague = make_user(email="collegue@logilibre.example.com")
    core_services.membership_set(user=colleague, organisation=supplier_a.organisation, role=Membership.Role.MEMBER)
    assert proposals.supplier_users_with_proposal(opportunity) == {supplier_a.owner, colleague}


def test_after_the_deadline_the_buyer_and_a_cleared_evaluator_open_it_never_the_platform_admin(
        opportunity, supplier_a, supplier_b, buyer, buyer_member, platform_admin, evaluators, time_machine):
    from ouvert.market.models import Evaluator

    proposal, submission = save_and_submit(opportunity, supplier_a)
    save(opportunity, supplier_b)  # a draft never submitted: not opened
    cleared = Evaluator.objects.create(opportunity=opportunity, user=evaluators[0],
                                       coi_declared_at=timezone.now())
    Evaluator.objects.create(opportunity=opportunity, user=evaluators[1])  # not declared yet
    for reader in (buyer, evaluators[0], evaluators[1], platform_admin, buyer_member):
        with pytest.raises(PermissionDenied, match="scellées"):
            proposals.proposal_open(proposal, reader)
    assert proposals.proposals_opened(opportunity, buyer) == []
    assert cleared.may_read
    time_machine.move_to(DEADLINE, tick=False)
    assert proposals.proposal_open(proposal, buyer)["content"]["summary"] == "Un module libre, testé et documenté."
    assert proposals.proposal_open(proposal, evaluators[0])["version"] == 1
    for refused in (evaluators[1], platform_admin, buyer_member):
        with pytest.raises(PermissionDenied):
            proposals.proposal_open(proposal, refused)
    opened = proposals.proposals_opened(opportunity, buyer)
    assert [p.pk for p in opened] == [proposal.pk] and opened[0].submission.receipt == submission.receipt
    assert [p.pk for p in proposals.proposals_opened(opportunity, platform_admin)] == [proposal.pk]
    with pytest.raises(PermissionDenied):
        proposals.proposals_opened(opportunity, evaluators[1])
    opens = AuditEntry.objects.filter(action="market.proposals.open")
    assert sorted(e.actor_label for e in opens) == sorted([buyer.email, evaluators[0].email])
    proposals.proposal_open(proposal, buyer)  # a second reading is not audited again
    assert AuditEntry.objects.filter(action="market.proposals.open").count() == 2


def test_the_opened_proposals_come_in_a_fixed_number_of_queries(opportunity_factory, supplier_factory, buyer,
                                                                 time_machine, django_assert_max_num_queries):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=10), tick=False)
    opportunity = opportunity_factory(deadline=DEADLINE)
    for n in range(5):
        save_and_submit(opportunity, supplier_factory(f"fournisseur-{n}", f"11700000{n:02d}"))
    time_machine.move_to(DEADLINE, tick=False)
    with django_assert_max_num_queries(6):
        opened = proposals.proposals_opened(opportunity, buyer)
        receipts = [(p.supplier.legal_name, p.submission.receipt) for p in opened]
    assert len(receipts) == 5 and len({r for _name, r in receipts}) == 5
    with django_assert_max_num_queries(2):
        assert len(proposals.opened_receipts(opportunity)) == 5
