"""The evaluation through its services: panel, declarations, scores (frozen once submitted, hidden from the other
members until then), consensus and total, disqualification, ranking with the stated tie rule, award (rank 1 only,
consensus complete), notices, OCDS release, audit, debrief."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import (
    DAY,
    START,
    agree,
    declare_all,
    evaluate_and_award,
    past_deadline,
    score,
    sheet,
    total,
)

from ouvert.core.models import AuditEntry, Notification
from ouvert.market import evaluation
from ouvert.market.models import Contract, Evaluator, Opportunity, Proposal, Release, Score

pytestmark = pytest.mark.django_db


# --- Panel ---------------------------------------------------------------------------------------------

def test_panel_named_before_the_deadline_with_one_chair(market, make_user):
    state = evaluation.panel_state(market.opportunity)
    assert [e.user for e in state.members] == [market.chair, market.second]
    assert state.chair.user == market.chair and state.can_start
    third = make_user(email="trois@example.org")
    evaluation.evaluator_name(actor=market.buyer, opportunity=market.opportunity, email="TROIS@example.org",
                              is_chair=True)
    chairs = Evaluator.objects.filter(opportunity=market.opportunity, is_chair=True)
    assert [e.user for e in chairs] == [third]  # one chair: the previous one stepped down
    assert Notification.objects.filter(recipient=third, subject__contains="comité d'évaluation").exists()
    entry = AuditEntry.objects.filter(action="market.evaluation.panel.name").last()
    assert entry.data["evaluator"] == "trois@example.org" and entry.data["chair"] is True


def test_panel_naming_refusals(market, supplier_a):
    opp = market.opportunity
    with pytest.raises(ValidationError) as exc:
        evaluation.evaluator_name(actor=market.buyer, opportunity=opp, email="personne@nulle-part.example")
    assert "Aucun compte" in str(exc.value.message_dict["email"])
    with pytest.raises(ValidationError) as exc:
        evaluation.evaluator_name(actor=market.buyer, opportunity=opp, email=market.chair.email)
    assert "déjà partie du comité" in str(exc.value)
    with pytest.raises(ValidationError):
        evaluation.evaluator_name(actor=market.buyer, opportunity=opp, email="  ")
    # after the deadline, a member of a bidding supplier cannot be named
    past_deadline(market)
    with pytest.raises(ValidationError) as exc:
        evaluation.evaluator_name(actor=market.buyer, opportunity=opp, email=supplier_a.owner.email)
    assert "Logilibre coop" in str(exc.value)
    assert Evaluator.objects.filter(opportunity=opp).count() == 2


def test_panel_only_while_published_or_in_evaluation(market, opportunity_factory, make_user):
    draft = opportunity_factory(status=Opportunity.Status.CANCELLED)
    make_user(email="x@example.org")
    with pytest.raises(ValidationError) as exc:
        evaluation.evaluator_name(actor=market.buyer, opportunity=draft, email="x@example.org")
    assert "publiée ou en évaluation" in str(exc.value)


def test_a_member_is_removed_only_before_scoring(market):
    past_deadline(market)
    declare_all(market)
    evaluation.scores_save(user=market.second, proposal=market.a, scores=sheet(market, (5, 5, 5)))
    seat = Evaluator.objects.get(user=market.second)
    with pytest.raises(ValidationError) as exc:
        evaluation.evaluator_remove(actor=market.buyer, opportunity=market.opportunity, evaluator_id=seat.pk)
    assert "reste au comité" in str(exc.value)
    chair = Evaluator.objects.get(user=market.chair)
    evaluation.evaluator_remove(actor=market.buyer, opportunity=market.opportunity, evaluator_id=chair.pk)
    assert list(Evaluator.objects.filter(opportunity=market.opportunity)) == [seat]
    assert AuditEntry.objects.filter(action="market.evaluation.panel.remove").exists()


# --- Declarations -------------------------------------------------------------------------------------

def test_declaration_only_after_the_deadline_then_signed_and_final(market):
    with pytest.raises(PermissionDenied) as exc:
        evaluation.coi_declare(user=market.chair, opportunity=market.opportunity, has_conflict=False, confirm=True)
    assert "scellées jusqu'à la date limite" in str(exc.value)
    with pytest.raises(PermissionDenied):
        evaluation.coi_bidders(opportunity=market.opportunity, user=market.chair)
    past_deadline(market)
    assert evaluation.coi_bidders(opportunity=market.opportunity, user=market.chair) == [
        "Logilibre coop", "Pousse numérique inc."]
    with pytest.raises(ValidationError) as exc:
        evaluation.coi_declare(user=market.chair, opportunity=market.opportunity, has_conflict=False, confirm=False)
    assert "confirm" in exc.value.message_dict
    seat = evaluation.coi_declare(user=market.chair, opportunity=market.opportunity, has_conflict=False, confirm=True)
    assert seat.may_read and "Logilibre coop, Pousse numérique inc." in seat.coi_statement
    entry = AuditEntry.objects.get(action="market.evaluation.coi.declare")
    assert entry.data["statement"] == seat.coi_statement and len(entry.data["statement_sha256"]) == 64
    with pytest.raises(ValidationError) as exc:
        evaluation.coi_declare(user=market.chair, opportunity=market.opportunity, has_conflict=True, confirm=True,
                               details="Ancienne associée.")
    assert "ne change plus" in str(exc.value)
    assert Evaluator.objects.get(pk=seat.pk).has_conflict is False


def test_a_conflict_recuses_and_the_buyer_is_told(market):
    past_deadline(market)
    with pytest.raises(ValidationError) as exc:
        evaluation.coi_declare(user=market.second, opportunity=market.opportunity, has_conflict=True, confirm=True)
    assert "details" in exc.value.message_dict
    evaluation.coi_declare(user=market.second, opportunity=market.opportunity, has_conflict=True, confirm=True,
                           details="J'ai travaillé chez Pousse numérique l'an dernier.")
    with pytest.raises(PermissionDenied) as exc:
        evaluation.evaluation_proposals(opportunity=market.opportunity, user=market.second)
    assert "conflit" in str(exc.value)
    with pytest.raises(PermissionDenied):
        evaluation.scores_save(user=market.second, proposal=market.a, scores=sheet(market, (5, 5, 5)))
    assert Notification.objects.filter(recipient=market.buyer, subject__contains="Conflit d'intérêts").exists()
    state = evaluation.panel_state(market.opportunity)
    assert not state.scores_count and any("nommez une autre personne" in n for n in state.messages())


def test_a_member_of_a_bidder_cannot_declare_no_conflict(market, make_user, supplier_b):
    from ouvert.core import services as core_services

    core_services.membership_set(user=market.second, organisation=supplier_b.organisation, role="member")
    past_deadline(market)
    with pytest.raises(ValidationError) as exc:
        evaluation.coi_declare(user=market.second, opportunity=market.opportunity, has_conflict=False, confirm=True)
    assert "Pousse numérique inc." in str(exc.value)
    assert Evaluator.objects.get(user=market.second).coi_declared_at is None


# --- Scores ----------------------------------------------------------------------------------------------

def test_nothing_before_the_deadline(market):
    for call in (
        lambda: evaluation.evaluation_proposals(opportunity=market.opportunity, user=market.chair),
        lambda: evaluation.evaluation_proposals(opportunity=market.opportunity, user=market.buyer),
        lambda: evaluation.scores_save(user=market.chair, proposal=market.a, scores=sheet(market, (5, 5, 5))),
        lambda: evaluation.consensus_get(proposal=market.a, user=market.buyer),
        lambda: evaluation.proposal_disqualify(actor=market.buyer, proposal=market.a, reason="Hors sujet."),
        lambda: evaluation.ranking(opportunity=market.opportunity, user=market.buyer),
        lambda: evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id=market.a.pk),
    ):
        with pytest.raises(PermissionDenied) as exc:
            call()
        assert "scellées jusqu'à la date limite" in str(exc.value)
    assert not Score.objects.exists() and not Contract.objects.exists()


def test_reading_needs_a_declaration(market):
    past_deadline(market)
    with pytest.raises(PermissionDenied) as exc:
        evaluation.score_sheet(proposal=market.a, user=market.chair)
    assert "Déclarez d'abord" in str(exc.value)


def test_scores_validated_saved_then_frozen_when_submitted(market):
    past_deadline(market)
    declare_all(market)
    c1, c2, c3 = market.criteria
    for bad, message in (("11", "de 0 à 10"), ("-1", "de 0 à 10"), ("7.555", "deux décimales"), ("sept", "Entrez")):
        with pytest.raises(ValidationError) as exc:
            evaluation.scores_save(user=market.chair, proposal=market.a, scores={str(c1.pk): {"score": bad}})
        assert message in str(exc.value.message_dict[f"score-{c1.pk}"])
    with pytest.raises(ValidationError):
        evaluation.scores_save(user=market.chair, proposal=market.a, scores={"999999": {"score": "5"}})
    assert not Score.objects.exists()
    evaluation.scores_save(user=market.chair, proposal=market.a, scores={str(c1.pk): {"score": "7,25", "comment": ""}})
    assert Score.objects.get().score == Decimal("7.25")
    with pytest.raises(ValidationError) as exc:  # incomplete: nothing submitted
        evaluation.scores_submit(user=market.chair, proposal=market.a)
    assert f"score-{c2.pk}" in exc.value.message_dict and f"comment-{c1.pk}" in exc.value.message_dict
    assert not Score.objects.filter(submitted_at__isnull=False).exists()
    with pytest.raises(ValidationError):  # submitting with a bad sheet saves nothing either
        evaluation.scores_submit(user=market.chair, proposal=market.a,
                                 scores={str(c1.pk): {"score": "9", "comment": "x"}})
    assert Score.objects.get().score == Decimal("7.25")
    score(market, market.chair, market.a, (7.25, 8, 6.5))
    assert Score.objects.filter(evaluator__user=market.chair, submitted_at__isnull=False).count() == 3
    with pytest.raises(ValidationError) as exc:
        evaluation.scores_save(user=market.chair, proposal=market.a, scores=sheet(market, (1, 1, 1)))
    assert "ne change plus" in str(exc.value)
    assert Score.objects.get(evaluator__user=market.chair, criterion=c3).score == Decimal("6.50")
    entry = AuditEntry.objects.get(action="market.evaluation.scores.submit")
    assert entry.data["scores"] == {str(c1.pk): "7.25", str(c2.pk): "8.00", str(c3.pk): "6.50"}


def test_members_do_not_see_each_other_before_submitting(market):
    past_deadline(market)
    declare_all(market)
    score(market, market.chair, market.a, (9, 9, 9))
    evaluation.scores_save(user=market.second, proposal=market.a, scores=sheet(market, (3, 3, 3)))
    seen = evaluation.score_sheet(proposal=market.a, user=market.second)
    assert not seen["may_see_others"] and seen["others"] == []
    assert seen["document"]["content"]["summary"] == "Proposition de Logilibre coop."
    # the chair has submitted: sees the second member's submitted scores only (not her draft)
    chair_view = evaluation.score_sheet(proposal=market.a, user=market.chair)
    assert chair_view["may_see_others"] and chair_view["others"] == []
    evaluation.scores_submit(user=market.second, proposal=market.a)
    seen = evaluation.score_sheet(proposal=market.a, user=market.second)
    assert [o["evaluator"].user for o in seen["others"]] == [market.chair]
    assert {s.score for s in seen["others"][0]["scores"].values()} == {Decimal("9.00")}


def test_less_than_two_members_cannot_start(market):
    evaluation.evaluator_remove(actor=market.buyer, opportunity=market.opportunity,
                                evaluator_id=Evaluator.objects.get(user=market.second).pk)
    past_deadline(market)
    evaluation.coi_declare(user=market.chair, opportunity=market.opportunity, has_conflict=False, confirm=True)
    with pytest.raises(ValidationError) as exc:
        evaluation.scores_save(user=market.chair, proposal=market.a, scores=sheet(market, (5, 5, 5)))
    assert "moins de deux membres" in str(exc.value)


# --- Consensus -----------------------------------------------------------------------------------------

def test_consensus_waits_for_every_member_then_sets_the_total(market):
    past_deadline(market)
    declare_all(market)
    score(market, market.chair, market.a, (8, 7, 9))
    with pytest.raises(ValidationError) as exc:
        evaluation.consensus_record(actor=market.chair, proposal=market.a, scores=sheet(market, (8, 7, 9)))
    assert "Évaluatrice 2" in str(exc.value)
    score(market, market.second, market.a, (7, 7, 8))
    with pytest.raises(ValidationError) as exc:  # every consensus score is commented
        evaluation.consensus_record(actor=market.chair, proposal=market.a, scores=sheet(market, (8, 7, 9), ""))
    assert len(exc.value.message_dict) == 3
    proposal = evaluation.consensus_record(actor=market.chair, proposal=market.a, scores=sheet(market, (7.5, 7, 8.25)))
    assert proposal.total_score == total((7.5, 7, 8.25)) == Decimal("75.13")  # (300 + 245 + 206.25) / 10
    assert proposal.rank == 1
    assert Score.objects.filter(proposal=market.a, evaluator__isnull=True).count() == 3
    # the buyer may correct it (before the award); the audit keeps the previous values
    proposal = evaluation.consensus_record(actor=market.buyer, proposal=market.a, scores=sheet(market, (10, 10, 10)))
    assert proposal.total_score == Decimal("100.00")
    last = AuditEntry.objects.filter(action="market.evaluation.consensus.record").last()
    assert last.data["before"] and last.data["total"] == "100.00"


def test_only_the_chair_or_the_buyer_records_the_consensus(market):
    past_deadline(market)
    declare_all(market)
    score(market, market.chair, market.a, (8, 7, 9))
    score(market, market.second, market.a, (8, 7, 9))
    with pytest.raises(PermissionDenied):
        evaluation.consensus_record(actor=market.second, proposal=market.a, scores=sheet(market, (8, 7, 9)))
    assert Proposal.objects.get(pk=market.a.pk).total_score is None


def test_a_pending_declaration_blocks_the_consensus(market, make_user):
    third = make_user(email="trois@example.org")
    evaluation.evaluator_name(actor=market.buyer, opportunity=market.opportunity, email=third.email)
    past_deadline(market)
    declare_all(market)
    score(market, market.chair, market.a, (8, 7, 9))
    score(market, market.second, market.a, (8, 7, 9))
    with pytest.raises(ValidationError) as exc:
        evaluation.consensus_record(actor=market.chair, proposal=market.a, scores=sheet(market, (8, 7, 9)))
    assert "Déclaration d'intérêts attendue" in str(exc.value)
    evaluation.coi_declare(user=third, opportunity=market.opportunity, has_conflict=True, confirm=True,
                           details="Parente chez Logilibre.")
    evaluation.consensus_record(actor=market.chair, proposal=market.a, scores=sheet(market, (8, 7, 9)))


# --- Disqualification, ranking, ties -------------------------------------------------------------------

def test_disqualified_proposal_is_not_scored_nor_ranked(market):
    past_deadline(market)
    declare_all(market)
    with pytest.raises(ValidationError) as exc:
        evaluation.proposal_disqualify(actor=market.chair, proposal=market.b, reason="  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        evaluation.proposal_disqualify(actor=market.second, proposal=market.b, reason="Hors sujet.")
    evaluation.proposal_disqualify(actor=market.chair, proposal=market.b, reason="Prix non respecté.")
    with pytest.raises(ValidationError):
        evaluation.scores_save(user=market.second, proposal=market.b, scores=sheet(market, (5, 5, 5)))
    agree(market, market.a, (6, 6, 6))
    data = evaluation.ranking(opportunity=market.opportunity, user=market.buyer_admin)
    assert [r["proposal"] for r in data["rows"]] == [market.a]
    assert data["disqualified"] == [market.b] and data["can_award"]
    assert Proposal.objects.get(pk=market.b.pk).rank is None
    entry = AuditEntry.objects.get(action="market.evaluation.disqualify")
    assert entry.data["reason"] == "Prix non respecté."


def test_equal_totals_go_to_the_most_heavily_weighted_criterion(market):
    past_deadline(market)
    declare_all(market)
    # A (7, 10, 7.6) = 28 + 35 + 19 = 82.00 ; B (8, 8, 8.8) = 32 + 28 + 22 = 82.00: B wins on criterion 1 (40 %),
    # although A was submitted first.
    agree(market, market.a, (7, 10, 7.6))
    agree(market, market.b, (8, 8, 8.8))
    a, b = Proposal.objects.get(pk=market.a.pk), Proposal.objects.get(pk=market.b.pk)
    assert a.total_score == b.total_score == Decimal("82.00")
    assert (b.rank, a.rank) == (1, 2)
    data = evaluation.ranking(opportunity=market.opportunity, user=market.buyer)
    assert data["rows"][0]["proposal"] == market.b
    assert "Compréhension du besoin" in data["rows"][1]["tie"]
    with pytest.raises(ValidationError) as exc:  # the award goes to rank 1 only
        evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id=market.a.pk)
    assert "classée première (Pousse numérique inc.)" in str(exc.value)
    contract = evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id=market.b.pk)
    assert "à égalité, l'emporte la proposition la mieux notée au critère le plus pondéré" in contract.award_note.lower()
    assert "Compréhension du besoin" in contract.award_note


def test_equal_on_the_first_criterion_goes_to_the_next(market):
    past_deadline(market)
    declare_all(market)
    # same first criterion; A better on the second (35 %): A (8, 9, 6) = 32 + 31.5 + 15 = 78.50;
    # B (8, 8, 7.4) = 32 + 28 + 18.5 = 78.50
    agree(market, market.b, (8, 8, 7.4))
    agree(market, market.a, (8, 9, 6))
    data = evaluation.ranking(opportunity=market.opportunity, user=market.buyer)
    assert [r["proposal"] for r in data["rows"]] == [market.a, market.b]
    assert "Démarche proposée" in data["rows"][0]["tie"]


def test_a_perfect_tie_goes_to_the_first_submitted(market):
    past_deadline(market)
    declare_all(market)
    agree(market, market.b, (7, 7, 7))
    agree(market, market.a, (7, 7, 7))
    data = evaluation.ranking(opportunity=market.opportunity, user=market.buyer)
    assert [r["proposal"] for r in data["rows"]] == [market.a, market.b]  # A submitted a day earlier
    assert "première soumise" in data["rows"][1]["tie"]
    assert data["tie_rule"].startswith("À égalité, l'emporte")


# --- Award ------------------------------------------------------------------------------------------------

def test_award_refused_while_a_consensus_is_missing_and_to_non_admins(market):
    past_deadline(market)
    declare_all(market)
    agree(market, market.a, (9, 9, 9))
    with pytest.raises(ValidationError) as exc:
        evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id=market.a.pk)
    assert "Pousse numérique inc." in str(exc.value) and "consensus manque" in str(exc.value)
    agree(market, market.b, (5, 5, 5))
    with pytest.raises(PermissionDenied):
        evaluation.award(actor=market.buyer, opportunity=market.opportunity, proposal_id=market.a.pk)
    with pytest.raises(PermissionDenied):
        evaluation.award(actor=market.chair, opportunity=market.opportunity, proposal_id=market.a.pk)
    with pytest.raises(ValidationError):
        evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id="abc")
    assert not Contract.objects.exists()
    assert Opportunity.objects.get(pk=market.opportunity.pk).status == Opportunity.Status.EVALUATION


def test_award_creates_the_contract_tells_everyone_and_publishes(market):
    releases_before = Release.objects.filter(opportunity=market.opportunity).count()
    contract = evaluate_and_award(market)
    opportunity = Opportunity.objects.get(pk=market.opportunity.pk)
    assert opportunity.status == Opportunity.Status.AWARDED and opportunity.awarded_at is not None
    assert contract.proposal == market.a and contract.value == opportunity.price == Decimal("45000.00")
    assert contract.awarded_by == market.buyer_admin
    assert Notification.objects.filter(recipient=market.supplier_a.owner, subject__contains="retenue").exists()
    assert Notification.objects.filter(recipient=market.supplier_b.owner, subject__contains="Résultat").exists()
    release = Release.objects.filter(opportunity=opportunity).order_by("-date", "-id").first()
    assert release.tags == ["award", "contract"]
    assert Release.objects.filter(opportunity=opportunity).count() > releases_before
    entry = AuditEntry.objects.get(action="market.evaluation.award")
    assert [r["supplier"] for r in entry.data["ranking"]] == ["Logilibre coop", "Pousse numérique inc."]
    # the award note names the winner but no other bidder, nor its score
    assert "Logilibre coop" in contract.award_note and "Pousse" not in contract.award_note
    with pytest.raises(ValidationError):
        evaluation.award(actor=market.buyer_admin, opportunity=opportunity, proposal_id=market.a.pk)
    with pytest.raises(ValidationError):  # evaluation closed
        evaluation.scores_save(user=market.chair, proposal=market.a, scores=sheet(market, (1, 1, 1)))


def test_no_audit_entry_holds_proposal_content(market):
    evaluate_and_award(market)
    for entry in AuditEntry.objects.filter(action__startswith="market.evaluation"):
        text = str(entry.data)
        assert "Itérations de deux semaines" not in text and "Deux développeuses" not in text


def test_no_valid_proposal_cannot_be_awarded(market):
    past_deadline(market)
    declare_all(market)
    evaluation.proposal_disqualify(actor=market.buyer, proposal=market.a, reason="Incomplète.")
    evaluation.proposal_disqualify(actor=market.buyer, proposal=market.b, reason="Hors délai de réalisation.")
    data = evaluation.ranking(opportunity=market.opportunity, user=market.buyer_admin)
    assert data["no_valid"] and not data["can_award"]
    assert any("annuler" in b for b in data["blockers"])
    with pytest.raises(ValidationError) as exc:
        evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id=market.a.pk)
    assert "annulez-la" in str(exc.value)


# --- Debrief ------------------------------------------------------------------------------------------------

def test_debrief_shows_ones_own_results_only(market, supplier_factory):
    with pytest.raises(PermissionDenied):  # not before the award
        evaluation.debrief(opportunity=market.opportunity, user=market.supplier_b.owner)
    evaluate_and_award(market, values_a=(8, 7, 9), values_b=(6, 5, 4))
    opp = Opportunity.objects.get(pk=market.opportunity.pk)
    [mine] = evaluation.debrief(opportunity=opp, user=market.supplier_b.owner)
    assert mine["supplier"] == market.supplier_b and not mine["won"]
    assert (mine["rank"], mine["out_of"]) == (2, 2)
    assert mine["total"] == total((6, 5, 4)) and mine["winning_total"] == total((8, 7, 9))
    assert [s["score"] for s in mine["scores"]] == [Decimal("6.00"), Decimal("5.00"), Decimal("4.00")]
    assert {s["comment"] for s in mine["scores"]} == {"Consensus."}
    [winner] = evaluation.debrief(opportunity=opp, user=market.supplier_a.owner)
    assert winner["won"] and winner["rank"] == 1
    other = supplier_factory("autre", "2234567890")
    for person in (other.owner, market.chair, market.buyer):
        with pytest.raises(PermissionDenied):
            evaluation.debrief(opportunity=opp, user=person)


def test_debrief_gives_the_disqualification_reason(market):
    past_deadline(market)
    declare_all(market)
    evaluation.proposal_disqualify(actor=market.chair, proposal=market.b, reason="Équipe sans la compétence exigée.")
    agree(market, market.a, (6, 6, 6))
    evaluation.award(actor=market.buyer_admin, opportunity=market.opportunity, proposal_id=market.a.pk)
    opp = Opportunity.objects.get(pk=market.opportunity.pk)
    [mine] = evaluation.debrief(opportunity=opp, user=market.supplier_b.owner)
    assert mine["disqualified"] and mine["reason"] == "Équipe sans la compétence exigée." and mine["rank"] is None
    assert mine["out_of"] == 1


def test_withdrawn_proposal_is_not_evaluated(market, clock, sealed_submission, supplier_factory):
    late = supplier_factory("tardif", "4456789012")
    proposal, submission = sealed_submission(market.opportunity, late, submitted_at=START + 3 * DAY)
    submission.withdrawn_at = START + 4 * DAY
    submission.save()
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.WITHDRAWN)
    past_deadline(market)
    assert evaluation.coi_bidders(opportunity=market.opportunity, user=market.chair) == [
        "Logilibre coop", "Pousse numérique inc."]
    declare_all(market)
    rows = evaluation.evaluation_proposals(opportunity=market.opportunity, user=market.chair)
    assert [r["proposal"] for r in rows] == [market.a, market.b]


def test_the_deadline_second(market):
    market.clock.move_to(market.opportunity.deadline - datetime.timedelta(seconds=1), tick=False)
    with pytest.raises(PermissionDenied):
        evaluation.coi_bidders(opportunity=market.opportunity, user=market.chair)
    market.clock.move_to(market.opportunity.deadline, tick=False)
    assert len(evaluation.coi_bidders(opportunity=market.opportunity, user=market.chair)) == 2


def test_a_recused_member_of_the_buying_body_sees_nothing(market):
    """An editor of the body named on the panel follows the panel's rule once seated: recused, she reads nothing."""
    evaluation.evaluator_name(actor=market.buyer_admin, opportunity=market.opportunity, email=market.buyer.email)
    past_deadline(market)
    with pytest.raises(PermissionDenied):  # not declared yet: not even as the buyer
        evaluation.evaluation_proposals(opportunity=market.opportunity, user=market.buyer)
    evaluation.coi_declare(user=market.buyer, opportunity=market.opportunity, has_conflict=True, confirm=True,
                           details="Mon conjoint travaille chez Logilibre.")
    for call in (
        lambda: evaluation.evaluation_proposals(opportunity=market.opportunity, user=market.buyer),
        lambda: evaluation.score_sheet(proposal=market.a, user=market.buyer),
        lambda: evaluation.proposal_attachment(proposal=market.a, user=market.buyer, index=0),
        lambda: evaluation.consensus_get(proposal=market.a, user=market.buyer),
        lambda: evaluation.ranking(opportunity=market.opportunity, user=market.buyer),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_one_reader_left_then_another_named(market, make_user):
    past_deadline(market)
    evaluation.coi_declare(user=market.chair, opportunity=market.opportunity, has_conflict=True, confirm=True,
                           details="Ancienne associée de Pousse numérique.")
    assert not Evaluator.objects.get(user=market.chair).is_chair  # a recused chair steps down
    evaluation.coi_declare(user=market.second, opportunity=market.opportunity, has_conflict=False, confirm=True)
    score(market, market.second, market.a, (7, 7, 7))
    with pytest.raises(ValidationError) as exc:
        evaluation.consensus_record(actor=market.buyer, proposal=market.a, scores=sheet(market, (7, 7, 7)))
    assert "Moins de deux membres sans conflit" in str(exc.value)
    third = make_user(email="trois@example.org", full_name="Troisième")
    evaluation.evaluator_name(actor=market.buyer, opportunity=market.opportunity, email=third.email)
    evaluation.coi_declare(user=third, opportunity=market.opportunity, has_conflict=False, confirm=True)
    score(market, third, market.a, (8, 8, 8))
    proposal = evaluation.consensus_record(actor=market.buyer, proposal=market.a, scores=sheet(market, (7.5, 7.5, 7.5)))
    assert proposal.total_score == Decimal("75.00")


def test_the_panel_is_told_once_when_the_proposals_open(market):
    assert evaluation.panels_open_notify() == 0  # before the deadline: nothing
    past_deadline(market)
    from ouvert.market.opportunities import opportunity_close_due

    opportunity_close_due()
    assert evaluation.panels_open_notify() == 2
    assert evaluation.panels_open_notify() == 0
    for person in (market.chair, market.second):
        assert Notification.objects.filter(recipient=person, subject__contains="sont ouvertes").count() == 1
    assert not Notification.objects.filter(recipient=market.supplier_a.owner, subject__contains="sont ouvertes").exists()
    from ouvert.core import registry

    assert "market.evaluation_panels_open" in {job.name for job in registry.periodic_jobs()}


def test_the_chair_sees_the_others_scores_on_the_consensus_sheet_only_after_submitting_her_own(market):
    past_deadline(market)
    declare_all(market)
    score(market, market.second, market.a, (3, 4, 5))
    before = evaluation.consensus_get(proposal=market.a, user=market.chair)
    assert all(not row["scores"] for row in before["rows"]) and not before["ready"]
    assert any("Soumettez d'abord votre propre évaluation" in b for b in before["blockers"])
    score(market, market.chair, market.a, (8, 8, 8))
    after = evaluation.consensus_get(proposal=market.a, user=market.chair)
    shown = {row["evaluator"].user_id: {s.score for s in row["scores"].values()} for row in after["rows"]}
    assert shown[market.second.pk] == {3, 4, 5} and shown[market.chair.pk] == {8}
    # the buyer, who sits on no panel seat, sees every submitted score at once
    assert evaluation.consensus_get(proposal=market.b, user=market.buyer)["blockers"]
