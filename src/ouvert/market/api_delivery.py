"""``/api/v1/market/…``: the delivery part — a contract and its deliveries (for the awarded supplier and the
buyer), delivering, the buyer's decisions, the payment, and the public list of reusable components.

Writes need a token or a session (401 without); 403 not allowed, 400 bad input (``errors`` per field), 404
unknown or not awarded. ``GET /components`` is open to everyone.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ouvert.api import AUTH

from . import delivery
from .models import Contract, Delivery

router = Router(tags=["market"])


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _delivery(item: Delivery, number: int) -> dict:
    return {"id": item.pk, "number": number, "repository_url": item.repository_url,
            "merge_request_url": item.merge_request_url, "note": item.note, "delivered_at": _iso(item.delivered_at),
            "decision": item.decision, "decision_note": item.decision_note, "checklist": item.checklist,
            "decided_at": _iso(item.decided_at)}


def _contract(item: Contract) -> dict:
    opportunity = item.opportunity
    return {"opportunity": opportunity.reference, "supplier": item.proposal.supplier.legal_name,
            "buyer": opportunity.buyer.slug, "value": str(item.value), "awarded_at": _iso(item.awarded_at),
            "licence": opportunity.licence, "status": item.status, "payment_status": item.payment_status,
            "accepted_at": _iso(item.accepted_at), "paid_at": _iso(item.paid_at),
            "acceptance_criteria": delivery.acceptance_items(opportunity),
            "deliveries": [_delivery(d, n) for n, d in enumerate(delivery.deliveries_of(item), start=1)]}


class DeliveryIn(Schema):
    repository_url: str
    merge_request_url: str = ""
    note: str = ""


class DecisionIn(Schema):
    decision: str
    checklist: list[Any] = []
    note: str = ""


class PaymentIn(Schema):
    status: str


@router.get("/opportunities/{reference}/contract", auth=AUTH, summary="Contrat et livraisons / Contract and deliveries")
def contract(request: HttpRequest, reference: str):
    return _contract(delivery.contract_get(reference=reference, user=request.auth))


@router.post("/opportunities/{reference}/deliveries", auth=AUTH, response={201: dict},
             summary="Livrer / Deliver")
def deliver(request: HttpRequest, reference: str, payload: DeliveryIn):
    item = delivery.contract_get(reference=reference, user=request.auth)
    delivery.delivery_submit(actor=request.auth, contract=item, repository_url=payload.repository_url,
                             merge_request_url=payload.merge_request_url, note=payload.note)
    return Status(201, _contract(delivery.contract_get(reference=reference, user=request.auth)))


@router.post("/opportunities/{reference}/deliveries/{delivery_id}/decision", auth=AUTH,
             summary="Accepter ou demander des corrections / Accept or ask for corrections")
def decide(request: HttpRequest, reference: str, delivery_id: int, payload: DecisionIn):
    from ouvert.core.services import NotFound

    item = delivery.contract_get(reference=reference, user=request.auth)
    target = next((d for d in delivery.deliveries_of(item) if d.pk == delivery_id), None)
    if target is None:
        raise NotFound(_("Aucune livraison de ce numéro pour ce contrat."))
    delivery.delivery_decide(actor=request.auth, delivery=target, decision=payload.decision,
                             checklist=list(payload.checklist), note=payload.note)
    return _contract(delivery.contract_get(reference=reference, user=request.auth))


@router.post("/opportunities/{reference}/payment", auth=AUTH, summary="Consigner le paiement / Record the payment")
def payment(request: HttpRequest, reference: str, payload: PaymentIn):
    item = delivery.contract_get(reference=reference, user=request.auth)
    delivery.payment_set(actor=request.auth, contract=item, status=payload.status)
    return _contract(delivery.contract_get(reference=reference, user=request.auth))


@router.get("/components", summary="Composants réutilisables / Reusable components")
def components(request: HttpRequest):
    return [{**row, "accepted_at": _iso(row["accepted_at"])} for row in delivery.components_list()]
