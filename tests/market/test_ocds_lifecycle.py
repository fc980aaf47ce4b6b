"""The whole life of an opportunity through the services of every part (publication, attachment, answer,
extension, suspension, resumption, proposals, closing, panel, award, deliveries, payment): each event writes
its release, every release and package is valid, none written before the deadline tells anything of the
proposals, and the compiled record is the latest state."""

import datetime
import json
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.market import delivery, evaluation, opportunities, proposals
from ouvert.market.models import Release

try:
    from .evaluation_kit import agree, declare_all
    from .ocds_validate import assert_valid
    from .opportunities_kit import DAY, START, complete_data
except ImportError:  # tests/market is not a package
    from evaluation_kit import agree, declare_all
    from ocds_validate import assert_valid
    from opportunities_kit import DAY, START, complete_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def _submit(opportunity, supplier):
    content = {"summary": f"Proposition de {supplier.legal_name}.", "approach": "Itérations courtes.",
               "team": "Deux personnes.", "schedule": "Huit semaines.",
               "criteria": {str(c.pk): "Réponse." for c in opportunity.criteria.all()}}
    proposal = proposals.proposal_draft_save(opportunity=opportunity, supplier=supplier, user=supplier.owner,
                                             content=content)
    proposals.proposal_submit(proposal=proposal, user=supplier.owner, no_conflict_of_interest=True,
                              terms_accepted=True)
    return proposal


def _tags(opportunity):
    return [r.tags for r in Release.objects.filter(opportunity=opportunity).order_by("date", "id")]


def test_every_event_through_the_services(client, clock, mcn, buyer, buyer_admin, supplier_a, supplier_b,
                                          supplier_factory, evaluators):
    draft = opportunities.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    opportunities.attachment_add(actor=buyer, opportunity=draft, title="Maquettes",
                                 file=SimpleUploadedFile("maquettes.pdf", b"%PDF-1.4 maquettes", "application/pdf"))
    opportunities.opportunity_submit_for_review(actor=buyer, opportunity=draft)
    assert not Release.objects.exists()  # a draft, then one in review: nothing public
    assert client.get(f"/api/v1/market/ocds/{draft.reference}/releases.json").status_code == 404
    opportunity = opportunities.opportunity_publish(actor=buyer_admin, opportunity=draft)
    reference = opportunity.reference

    clock.move_to(START + DAY, tick=False)
    question = opportunities.question_ask(actor=supplier_a.owner, opportunity=opportunity,
                                          body="Le code doit-il être en Python ?")
    opportunities.question_answer(actor=buyer_admin, question=question, question_fr="Le code doit-il être en Python ?",
                                  answer_fr="Oui, Python 3.11 ou plus récent.")
    clock.move_to(START + 2 * DAY, tick=False)
    first_a = _submit(opportunity, supplier_a)
    _submit(opportunity, supplier_b)
    withdrawn = _submit(opportunity, supplier_factory("retrait", "2212345678"))
    proposals.proposal_withdraw(proposal=withdrawn, user=withdrawn.supplier.owner)
    opportunity.refresh_from_db()
    old_deadline = opportunity.deadline
    opportunities.addendum_publish(actor=buyer_admin, opportunity=opportunity, kind="deadline",
                                   body_fr="Report d'une semaine.", new_deadline=old_deadline + 7 * DAY)
    clock.move_to(START + 3 * DAY, tick=False)
    opportunities.opportunity_suspend(actor=buyer_admin, opportunity=opportunity, reason="Vérification du devis.")
    clock.move_to(START + 4 * DAY, tick=False)
    opportunity.refresh_from_db()
    opportunities.opportunity_resume(actor=buyer_admin, opportunity=opportunity, reason="Devis vérifié.")
    opportunity.refresh_from_db()

    before = list(Release.objects.filter(opportunity=opportunity).order_by("date", "id"))
    assert [r.tags for r in before][0] == ["tender"]
    assert all(t == ["tenderAmendment"] for t in [r.tags for r in before][1:])
    for release in before:  # sealed: not one release before the deadline tells anything of the proposals
        text = json.dumps(release.data, ensure_ascii=False)
        assert "numberOfTenderers" not in text and "tenderers" not in text
        assert "CA-NEQ" not in text and "Logilibre" not in text and "1171234567" not in text
    assert any("Date limite reportée" in a["description"] for a in before[-1].data["tender"]["amendments"])
    documents = {d["documentType"] for d in before[-1].data["tender"]["documents"]}
    assert {"tenderNotice", "biddingDocuments", "clarifications"} <= documents
    attachment = next(d for d in before[-1].data["tender"]["documents"] if d["documentType"] == "biddingDocuments")
    assert attachment["url"].startswith(f"http://127.0.0.1:8000/fr/marches/{reference}/pieces/")

    # The deadline comes: the platform closes the opportunity (tenderUpdate, the two tenderers).
    clock.move_to(opportunity.deadline, tick=False)
    assert opportunities.opportunity_close_due() == 1
    closing = Release.objects.filter(opportunity=opportunity).order_by("-date", "-id").first().data
    assert closing["tag"] == ["tenderUpdate"]
    assert closing["tender"]["numberOfTenderers"] == 2
    assert [t["name"] for t in closing["tender"]["tenderers"]] == ["Logilibre coop", "Pousse numérique inc."]

    chair, second = evaluators
    evaluation.evaluator_name(actor=buyer, opportunity=opportunity, email=chair.email, is_chair=True)
    evaluation.evaluator_name(actor=buyer, opportunity=opportunity, email=second.email)
    m = SimpleNamespace(opportunity=opportunity, chair=chair, second=second, criteria=list(opportunity.criteria.all()))
    declare_all(m)
    b = next(p for p in proposals.proposals_opened(opportunity, buyer_admin) if p.supplier_id == supplier_b.pk)
    agree(m, first_a, (8, 7, 9))
    agree(m, b, (6, 6, 6))
    clock.move_to(opportunity.deadline + 5 * DAY, tick=False)
    contract = evaluation.award(actor=buyer_admin, opportunity=opportunity, proposal_id=first_a.pk)
    awarded = Release.objects.filter(opportunity=opportunity).order_by("-date", "-id").first().data
    assert awarded["tag"] == ["award", "contract"]
    assert awarded["awards"][0]["suppliers"] == [{"id": "CA-NEQ-1171234567", "name": "Logilibre coop"}]
    assert awarded["contracts"][0]["value"] == {"amount": 45000, "currency": "CAD"}

    clock.move_to(opportunity.deadline + 30 * DAY, tick=False)
    first = delivery.delivery_submit(actor=supplier_a.owner, contract=contract,
                                     repository_url="https://git.example.org/logilibre/rdv")
    delivery.delivery_decide(actor=buyer, delivery=first, decision="corrections", checklist=[0],
                             note="La documentation manque.")
    clock.move_to(opportunity.deadline + 40 * DAY, tick=False)
    second_delivery = delivery.delivery_submit(actor=supplier_a.owner, contract=contract,
                                               repository_url="https://git.example.org/logilibre/rdv")
    delivery.delivery_decide(actor=buyer, delivery=second_delivery, decision="accepted",
                             checklist=list(range(len(delivery.acceptance_items(opportunity)))))
    contract.refresh_from_db()
    delivery.payment_set(actor=buyer_admin, contract=contract, status="approved")
    clock.move_to(opportunity.deadline + 50 * DAY, tick=False)
    delivery.payment_set(actor=buyer_admin, contract=contract, status="paid")

    tags = _tags(opportunity)
    assert tags[0] == ["tender"] and ["tenderUpdate"] in tags and ["award", "contract"] in tags
    assert tags.count(["implementation"]) >= 3  # two decisions and the payment (at least)
    package = json.loads(client.get(f"/api/v1/market/ocds/{reference}/releases.json").content)
    assert_valid(package)
    record_package = json.loads(client.get(f"/api/v1/market/ocds/{reference}/record.json").content)
    assert_valid(record_package)
    compiled = record_package["records"][0]["compiledRelease"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["contracts"][0]["status"] == "terminated"
    implementation = compiled["contracts"][0]["implementation"]
    assert [m["status"] for m in implementation["milestones"]] == ["notMet", "met"]
    assert implementation["transactions"][0]["payee"] == {"id": "CA-NEQ-1171234567", "name": "Logilibre coop"}
    assert implementation["documents"][0]["url"] == "https://git.example.org/logilibre/rdv"
    assert "La documentation manque" not in json.dumps(package, ensure_ascii=False)


def test_cancellation_through_the_service(client, clock, mcn, buyer, buyer_admin):
    draft = opportunities.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    opportunities.opportunity_submit_for_review(actor=buyer, opportunity=draft)
    opportunity = opportunities.opportunity_publish(actor=buyer_admin, opportunity=draft)
    clock.move_to(START + datetime.timedelta(days=3), tick=False)
    opportunities.opportunity_cancel(actor=buyer_admin, opportunity=opportunity, reason="Besoin comblé autrement.")
    assert _tags(opportunity)[-1] == ["tenderCancellation"]
    package = json.loads(client.get(f"/api/v1/market/ocds/{opportunity.reference}/releases.json").content)
    assert package["releases"][-1]["tender"]["status"] == "cancelled"
    assert_valid(package)
