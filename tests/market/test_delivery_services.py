"""What follows the award, through the delivery services: deliveries and the buyer's decisions over several rounds
(the contract's status following), the payment in order and only once accepted, notices, OCDS implementation
releases, audit, and the reusable components."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import DAY, accepted_contract, evaluate_and_award

from ouvert.core.models import AuditEntry, Notification
from ouvert.market import delivery
from ouvert.market.models import Contract, Delivery, Release

pytestmark = pytest.mark.django_db

REPO = "https://git.example.org/logilibre/reservation"


def test_acceptance_items_come_from_the_list():
    from ouvert.market.models import Opportunity

    assert delivery.acceptance_items(Opportunity(acceptance_fr="Intro\n\n- Tests automatisés\n* Documentation\n"
                                                              "1. Licence LiLiQ-R\n- [x] Déployé")) == [
        "Tests automatisés", "Documentation", "Licence LiLiQ-R", "Déployé"]
    assert delivery.acceptance_items(Opportunity(acceptance_fr="Tout fonctionne.\nCode documenté.")) == [
        "Tout fonctionne.", "Code documenté."]


def test_delivery_rounds_and_the_contract_status(market):
    contract = evaluate_and_award(market)
    assert contract.status == Contract.Status.ACTIVE
    owner = market.supplier_a.owner
    with pytest.raises(ValidationError) as exc:
        delivery.delivery_submit(actor=owner, contract=contract, repository_url="pas une adresse")
    assert "repository_url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        delivery.delivery_submit(actor=owner, contract=contract, repository_url="javascript:alert(1)")
    assert not Delivery.objects.exists()
    first = delivery.delivery_submit(actor=owner, contract=contract, repository_url=REPO, note="Version 1.0.")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DELIVERED
    assert Notification.objects.filter(recipient=market.buyer, subject__contains="Livraison n° 1").exists()
    with pytest.raises(ValidationError) as exc:  # one delivery at a time
        delivery.delivery_submit(actor=owner, contract=contract, repository_url=REPO)
    assert "attend déjà" in str(exc.value)
    with pytest.raises(ValidationError) as exc:  # corrections need a reason
        delivery.delivery_decide(actor=market.buyer, delivery=first, decision="corrections", note=" ")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # acceptance needs every item ticked
        delivery.delivery_decide(actor=market.buyer, delivery=first, decision="accepted", checklist=[0])
    assert "Documentation en français" in str(exc.value)
    with pytest.raises(ValidationError):
        delivery.delivery_decide(actor=market.buyer, delivery=first, decision="peut-être")
    with pytest.raises(ValidationError):
        delivery.delivery_decide(actor=market.buyer, delivery=first, decision="accepted", checklist=[0, 1, 7])
    assert Delivery.objects.get(pk=first.pk).decision == Delivery.Decision.PENDING
    delivery.delivery_decide(actor=market.buyer, delivery=first, decision="corrections", checklist=[0],
                             note="La documentation manque.")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.CORRECTIONS
    first.refresh_from_db()
    assert first.checklist == [{"item": "Tests automatisés", "met": True},
                               {"item": "Documentation en français", "met": False}]
    assert Notification.objects.filter(recipient=owner, subject__contains="Corrections demandées",
                                       body="La documentation manque.").exists()
    market.clock.move_to(market.opportunity.deadline + 10 * DAY, tick=False)
    second = delivery.delivery_submit(actor=owner, contract=contract, repository_url=REPO,
                                      merge_request_url="https://git.example.org/mcn/reservation/-/merge_requests/2")
    with pytest.raises(ValidationError):  # the first one is decided already
        delivery.delivery_decide(actor=market.buyer, delivery=first, decision="accepted", checklist=[0, 1])
    delivery.delivery_decide(actor=market.buyer, delivery=second, decision="accepted", checklist=[True, True])
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACCEPTED and contract.accepted_at is not None
    with pytest.raises(ValidationError):  # nothing more to deliver
        delivery.delivery_submit(actor=owner, contract=contract, repository_url=REPO)
    actions = list(AuditEntry.objects.filter(action__startswith="market.delivery").values_list("action", flat=True))
    assert actions == ["market.delivery.submit", "market.delivery.decide.corrections", "market.delivery.submit",
                       "market.delivery.decide.accepted"]
    tags = list(Release.objects.filter(opportunity=market.opportunity).order_by("date", "id")
                .values_list("tags", flat=True))
    assert tags[-4:] == [["implementation"]] * 4


def test_payment_in_order_and_only_once_accepted(market):
    contract = evaluate_and_award(market)
    with pytest.raises(ValidationError) as exc:
        delivery.payment_set(actor=market.buyer, contract=contract, status="approved")
    assert "acceptation" in str(exc.value)
    contract = accepted_contract_from(market, contract)
    with pytest.raises(ValidationError) as exc:  # not paid before approved
        delivery.payment_set(actor=market.buyer, contract=contract, status="paid")
    assert "dans l'ordre" in str(exc.value)
    with pytest.raises(ValidationError):
        delivery.payment_set(actor=market.buyer, contract=contract, status="versé")
    with pytest.raises(ValidationError):
        delivery.payment_set(actor=market.buyer, contract=contract, status="pending")
    assert Contract.objects.get(pk=contract.pk).payment_status == Contract.Payment.PENDING
    delivery.payment_set(actor=market.buyer, contract=contract, status="approved")
    delivery.payment_set(actor=market.buyer_admin, contract=contract, status="paid")
    contract.refresh_from_db()
    assert contract.payment_status == Contract.Payment.PAID and contract.paid_at is not None
    with pytest.raises(ValidationError):  # no going back
        delivery.payment_set(actor=market.buyer, contract=contract, status="approved")
    assert Notification.objects.filter(recipient=market.supplier_a.owner, subject__contains="Payé").exists()
    entries = AuditEntry.objects.filter(action="market.delivery.payment").order_by("seq")
    assert [(e.data["before"], e.data["after"]) for e in entries] == [("pending", "approved"), ("approved", "paid")]
    release = Release.objects.filter(opportunity=market.opportunity).order_by("-date", "-id").first()
    assert release.tags == ["implementation"]


def accepted_contract_from(market, contract):
    d = delivery.delivery_submit(actor=market.supplier_a.owner, contract=contract, repository_url=REPO)
    delivery.delivery_decide(actor=market.buyer, delivery=d, decision="accepted", checklist=[0, 1])
    contract.refresh_from_db()
    return contract


def test_who_may_deliver_decide_and_record_the_payment(market, buyer_member, platform_admin, stranger):
    contract = evaluate_and_award(market)
    for person in (market.supplier_b.owner, market.buyer, buyer_member, platform_admin, stranger, market.chair):
        with pytest.raises(PermissionDenied):
            delivery.delivery_submit(actor=person, contract=contract, repository_url=REPO)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        delivery.delivery_submit(actor=AnonymousUser(), contract=contract, repository_url=REPO)
    d = delivery.delivery_submit(actor=market.supplier_a.owner, contract=contract, repository_url=REPO)
    for person in (market.supplier_a.owner, market.supplier_b.owner, buyer_member, platform_admin, stranger,
                   market.chair, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            delivery.delivery_decide(actor=person, delivery=d, decision="accepted", checklist=[0, 1])
    delivery.delivery_decide(actor=market.buyer, delivery=d, decision="accepted", checklist=[0, 1])
    for person in (market.supplier_a.owner, buyer_member, platform_admin, stranger, market.chair):
        with pytest.raises(PermissionDenied):
            delivery.payment_set(actor=person, contract=contract, status="approved")
    # who reads the contract's page
    for person in (market.supplier_a.owner, market.buyer, market.buyer_admin, buyer_member):
        assert delivery.contract_get(reference=market.opportunity.reference, user=person) == contract
    for person in (market.supplier_b.owner, platform_admin, stranger, market.chair):
        with pytest.raises(PermissionDenied):
            delivery.contract_get(reference=market.opportunity.reference, user=person)
    from ouvert.core.services import NotFound

    with pytest.raises(NotFound):
        delivery.contract_get(reference="DAN-INCONNUE", user=market.buyer)


def test_components_list_the_accepted_free_deliverables(market, opportunity_factory):
    assert delivery.components_list() == []
    contract = accepted_contract(market)
    [component] = delivery.components_list()
    assert component["reference"] == market.opportunity.reference
    assert component["name"] == market.opportunity.title_fr
    assert component["buyer"] == "Ministère de la Cybersécurité et du Numérique"
    assert component["supplier"] == "Logilibre coop" and component["licence"] == "LiLiQ-R-1.1"
    assert component["repository_url"] == "https://git.example.org/logilibre/reservation"
    assert component["accepted_at"] == contract.accepted_at
    assert contract.value == Decimal("45000.00")
