"""Pages of the delivery part: a contract's deliveries (the supplier delivers, the buyer accepts or asks for
corrections, then records the payment) and the public list of reusable components. Thin: the rules are in
``delivery``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import access, delivery
from . import evaluation_forms as forms
from .evaluation_views import signed_in
from .models import Contract, Delivery


@require_http_methods(["GET", "POST"])
@signed_in
def contract(request, reference):
    item = delivery.contract_get(reference=reference, user=request.user)
    errors: list[str] = []
    field_errors: dict = {}
    if request.method == "POST":
        try:
            message = _post(request, item)
        except ValidationError as exc:
            errors, field_errors = forms.error_lines(exc), forms.field_errors(exc)
        else:
            messages.success(request, message)
            return HttpResponseRedirect(reverse("market:contract", kwargs={"reference": reference}))
        item = delivery.contract_get(reference=reference, user=request.user)
    deliveries = delivery.deliveries_of(item)
    opportunity = item.opportunity
    is_supplier = access.is_supplier_member(request.user, item.proposal.supplier)
    is_buyer = access.is_buyer(request.user, opportunity)
    latest = deliveries[-1] if deliveries else None
    next_payment = None
    if item.status == Contract.Status.ACCEPTED and item.payment_status != Contract.Payment.PAID:
        order = delivery.PAYMENT_ORDER
        next_payment = Contract.Payment(order[order.index(item.payment_status) + 1])
    return render(request, "market/delivery/contract.html", {
        "contract": item, "opportunity": opportunity, "deliveries": deliveries, "is_supplier": is_supplier,
        "is_buyer": is_buyer, "items": delivery.acceptance_items(opportunity),
        "may_deliver": is_supplier and item.status in (Contract.Status.ACTIVE, Contract.Status.CORRECTIONS),
        "may_decide": is_buyer and latest is not None and latest.decision == Delivery.Decision.PENDING,
        "latest": latest, "next_payment": next_payment if is_buyer else None,
        "errors": errors, "field_errors": field_errors, "values": request.POST,
        "ticked": set(forms.checked_indexes(request.POST)) if errors else set(),
    }, status=400 if errors else 200)


def _post(request, item: Contract) -> str:
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "deliver":
        delivery.delivery_submit(actor=user, contract=item, repository_url=post.get("repository_url", ""),
                                 merge_request_url=post.get("merge_request_url", ""), note=post.get("note", ""))
        return _("La livraison est transmise à l'acheteur.")
    if action in ("accept", "corrections"):
        latest = delivery.deliveries_of(item)
        if not latest:
            raise ValidationError(_("Aucune livraison à examiner."))
        decision = Delivery.Decision.ACCEPTED if action == "accept" else Delivery.Decision.CORRECTIONS
        delivery.delivery_decide(actor=user, delivery=latest[-1], decision=decision,
                                 checklist=forms.checked_indexes(post), note=post.get("decision_note", ""))
        return _("La livraison est acceptée.") if action == "accept" else _("Les corrections sont demandées.")
    if action == "payment":
        delivery.payment_set(actor=user, contract=item, status=post.get("status", ""))
        return _("Le paiement est consigné.")
    raise ValidationError(_("Action inconnue."))


@require_GET
def components(request):
    rows = delivery.components_list()
    return render(request, "market/delivery/components.html", {"components": rows})

