"""The delivery part of the market module (see ``services``): what follows the award — the awarded supplier's
deliveries (repository, merge request, note), the buyer's decision on each against the opportunity's acceptance
criteria (accepted, or corrections asked with a reason; several rounds), the payment (pending → approved → paid,
in order, once accepted), and the reusable components that accepted free-licence deliverables become.

The contract's status follows: active → delivered → corrections → delivered → … → accepted. Each step is checked
(``access``), written in one transaction, audited, told to the other side, and published (OCDS ``implementation``
release, open data).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from . import access
from .models import LICENCES, Contract, Delivery, Opportunity

__all__ = [
    "FREE_LICENCES", "acceptance_items", "components_list", "contract_for", "contract_get", "deliveries_of",
    "delivery_decide", "delivery_submit", "payment_set",
]

#: The free licences whose accepted deliverables are listed as reusable components (every licence an opportunity
#: may carry is free: see ``models.LICENCES``).
FREE_LICENCES = frozenset(code for code, _label in LICENCES)

#: The order of payment.
PAYMENT_ORDER = [Contract.Payment.PENDING, Contract.Payment.APPROVED, Contract.Payment.PAID]

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.+?)\s*$")


def register() -> None:
    """Menu links, periodic jobs, open data and demo content of this part (none of its own)."""


def _audit(actor, verb: str, target, data: dict | None = None) -> None:
    core_services.audit_append(actor=actor, action=f"market.delivery.{verb}", target=target, data=data or {})


def _publish(opportunity: Opportunity) -> None:
    from . import ocds

    ocds.release_add(opportunity, ["implementation"])
    core_services.open_data_changed("market")


def _users(org_id, roles=None) -> list:
    User = get_user_model()
    qs = User.objects.filter(memberships__organisation_id=org_id, is_active=True)
    if roles is not None:
        qs = qs.filter(memberships__role__in=list(roles))
    return list(qs.distinct().order_by("pk"))


def acceptance_items(opportunity: Opportunity) -> list[str]:
    """The opportunity's acceptance criteria as checklist lines: the items of its (French) Markdown list, or its
    non-empty lines when it has no list."""
    text = opportunity.acceptance_fr or ""
    items = [m.group(1) for m in (_LIST_ITEM.match(line) for line in text.splitlines()) if m]
    if not items:
        items = [line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()]
    return items


# --- Reading ---------------------------------------------------------------------------------------------

def contract_for(*, reference: str) -> Contract:
    """The contract of the opportunity ``reference`` (``NotFound`` if not awarded)."""
    contract = (Contract.objects.select_related("opportunity__buyer", "proposal__supplier__organisation")
                .filter(opportunity__reference=reference).first())
    if contract is None:
        raise core_services.NotFound(_("Aucun contrat pour l'opportunité « %(ref)s » (elle n'est pas adjugée).")
                                     % {"ref": reference})
    return contract


def _is_supplier(user, contract: Contract) -> bool:
    return access.is_supplier_member(user, contract.proposal.supplier)


def contract_get(*, reference: str, user) -> Contract:
    """The contract, for the awarded supplier's members and the buyer's members (the public sees it in the
    opportunity's page and the open data)."""
    if not access.is_signed_in(user):
        raise PermissionDenied(_("Connectez-vous pour suivre la livraison."))
    contract = contract_for(reference=reference)
    if not (_is_supplier(user, contract) or core_services.user_has_role(user, contract.opportunity.buyer_id)):
        raise PermissionDenied(_("Seuls le fournisseur retenu et l'organisme acheteur suivent la livraison."))
    return contract


def deliveries_of(contract: Contract) -> list[Delivery]:
    return list(Delivery.objects.filter(contract=contract).select_related("delivered_by", "decided_by")
                .order_by("delivered_at", "pk"))


# --- Delivering --------------------------------------------------------------------------------------

def _clean_url(value: str, name: str, errors: dict, *, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            errors.setdefault(name, []).append(_("Entrez l'adresse (https://…)."))
        return ""
    if len(value) > 500:
        errors.setdefault(name, []).append(_("500 caractères au plus."))
        return value
    try:
        URLValidator(schemes=["https", "http"])(value)
    except ValidationError:
        errors.setdefault(name, []).append(_("Adresse invalide : une adresse web complète est attendue (https://…)."))
    return value


def delivery_submit(*, actor, contract: Contract, repository_url: str, merge_request_url: str = "",
                    note: str = "") -> Delivery:
    """A delivery by a member of the awarded supplier, while the contract is active or corrections are asked."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour livrer."))
    if not _is_supplier(actor, contract):
        raise PermissionDenied(_("Seuls les membres du fournisseur retenu livrent le travail."))
    errors: dict = {}
    repository_url = _clean_url(repository_url, "repository_url", errors, required=True)
    merge_request_url = _clean_url(merge_request_url, "merge_request_url", errors, required=False)
    note = (note or "").strip()
    if len(note) > 10000:
        errors.setdefault("note", []).append(_("10 000 caractères au plus."))
    if errors:
        raise ValidationError(errors)
    opportunity = contract.opportunity
    with transaction.atomic():
        contract = Contract.objects.select_for_update().select_related("opportunity", "proposal__supplier").get(
            pk=contract.pk)
        if contract.status not in (Contract.Status.ACTIVE, Contract.Status.CORRECTIONS):
            raise ValidationError(_("Une livraison attend déjà la décision de l'acheteur, ou le travail est accepté "
                                    "(contrat « %(status)s »).") % {"status": contract.get_status_display()})
        delivery = Delivery.objects.create(contract=contract, repository_url=repository_url,
                                           merge_request_url=merge_request_url, note=note,
                                           delivered_at=timezone.now(), delivered_by=actor)
        contract.status = Contract.Status.DELIVERED
        contract.save(update_fields=["status"])
        number = Delivery.objects.filter(contract=contract).count()
        _audit(actor, "submit", delivery, {"opportunity": opportunity.reference, "number": number,
                                           "repository_url": repository_url, "merge_request_url": merge_request_url})
        core_services.notify(
            recipients=_users(opportunity.buyer_id, access.MANAGE_ROLES),
            subject=_("Livraison n° %(n)s reçue : « %(title)s »") % {"n": number, "title": opportunity.title_fr},
            body=_("%(supplier)s a livré le travail. Vérifiez-le selon les critères d'acceptation.")
            % {"supplier": contract.proposal.supplier.legal_name},
            url=reverse("market:contract", kwargs={"reference": opportunity.reference}))
        _publish(opportunity)
    return delivery


def delivery_decide(*, actor, delivery: Delivery, decision: str, checklist=None, note: str = "") -> Delivery:
    """The buyer's decision on the latest delivery: ``accepted`` (every acceptance criterion ticked: ``checklist``
    is the list of the ticked items' indexes, or of booleans) or ``corrections`` (``note`` gives the reason)."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour décider."))
    contract = delivery.contract
    opportunity = contract.opportunity
    if not access.is_buyer(actor, opportunity):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme acheteur acceptent une "
                                 "livraison."))
    if decision not in (Delivery.Decision.ACCEPTED, Delivery.Decision.CORRECTIONS):
        raise ValidationError({"decision": [_("Décision inconnue : « accepted » ou « corrections » attendu.")]})
    note = (note or "").strip()
    if len(note) > 10000:
        raise ValidationError({"note": [_("10 000 caractères au plus.")]})
    items = acceptance_items(opportunity)
    ticked = _ticked(checklist, len(items))
    sheet = [{"item": item, "met": index in ticked} for index, item in enumerate(items)]
    if decision == Delivery.Decision.ACCEPTED:
        unmet = [row["item"] for row in sheet if not row["met"]]
        if unmet:
            raise ValidationError({"checklist": [_("Pour accepter, chaque critère d'acceptation doit être rempli ; "
                                                   "non coché : %(items)s.") % {"items": " ; ".join(unmet)}]})
    elif not note:
        raise ValidationError({"note": [_("Dites ce qu'il faut corriger (le fournisseur le lira).")]})
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        latest = Delivery.objects.filter(contract=contract).order_by("-delivered_at", "-pk").first()
        if delivery.pk != latest.pk or delivery.decision != Delivery.Decision.PENDING:
            raise ValidationError(_("Cette livraison est déjà traitée ; seule la dernière livraison en vérification "
                                    "attend une décision."))
        now = timezone.now()
        delivery.decision, delivery.decision_note, delivery.checklist = decision, note, sheet
        delivery.decided_at, delivery.decided_by = now, actor
        delivery.save(update_fields=["decision", "decision_note", "checklist", "decided_at", "decided_by"])
        if decision == Delivery.Decision.ACCEPTED:
            contract.status, contract.accepted_at = Contract.Status.ACCEPTED, now
        else:
            contract.status = Contract.Status.CORRECTIONS
        contract.save(update_fields=["status", "accepted_at"])
        _audit(actor, f"decide.{decision}", delivery, {"opportunity": opportunity.reference, "note": note,
                                                        "checklist": sheet})
        if decision == Delivery.Decision.ACCEPTED:
            subject = _("Livraison acceptée : « %(title)s »") % {"title": opportunity.title_fr}
            body = note or _("Le travail est accepté selon les critères d'acceptation.")
        else:
            subject = _("Corrections demandées : « %(title)s »") % {"title": opportunity.title_fr}
            body = note
        core_services.notify(recipients=_users(contract.proposal.supplier.organisation_id), subject=subject,
                             body=body, url=reverse("market:contract", kwargs={"reference": opportunity.reference}))
        _publish(opportunity)
    return delivery


def _ticked(checklist, count: int) -> set[int]:
    """The ticked items' indexes from a list of indexes, of booleans, or of ``"on"`` strings."""
    if checklist is None:
        return set()
    if not isinstance(checklist, (list, tuple)):
        raise ValidationError({"checklist": [_("Une liste des critères cochés est attendue.")]})
    if checklist and all(isinstance(v, bool) for v in checklist):
        if len(checklist) != count:
            raise ValidationError({"checklist": [_("La liste compte %(n)s critères.") % {"n": count}]})
        return {i for i, v in enumerate(checklist) if v}
    ticked = set()
    for value in checklist:
        try:
            index = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"checklist": [_("Critère inconnu : %(v)s.") % {"v": value}]}) from None
        if not 0 <= index < count:
            raise ValidationError({"checklist": [_("Critère inconnu : %(v)s.") % {"v": value}]})
        ticked.add(index)
    return ticked


# --- Payment -------------------------------------------------------------------------------------------

def payment_set(*, actor, contract: Contract, status: str) -> Contract:
    """Move the payment one step on: pending → approved → paid, once the work is accepted (editor or admin of the
    buying body)."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour consigner le paiement."))
    opportunity = contract.opportunity
    if not access.is_buyer(actor, opportunity):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme acheteur consignent le "
                                 "paiement."))
    if status not in PAYMENT_ORDER:
        raise ValidationError({"status": [_("Statut de paiement inconnu : « pending », « approved » ou « paid ».")]})
    with transaction.atomic():
        contract = Contract.objects.select_for_update().select_related("opportunity", "proposal__supplier").get(
            pk=contract.pk)
        if contract.status != Contract.Status.ACCEPTED:
            raise ValidationError({"status": [_("Le paiement suit l'acceptation de la livraison, qui n'a pas eu lieu.")]})
        current = PAYMENT_ORDER.index(contract.payment_status)
        wanted = PAYMENT_ORDER.index(status)
        if wanted != current + 1:
            raise ValidationError({"status": [_("Le paiement avance dans l'ordre : en attente → approuvé → payé (il "
                                                "est « %(status)s »).") % {"status": contract.get_payment_status_display()}]})
        before = contract.payment_status
        contract.payment_status = status
        fields = ["payment_status"]
        if status == Contract.Payment.PAID:
            contract.paid_at = timezone.now()
            fields.append("paid_at")
        contract.save(update_fields=fields)
        _audit(actor, "payment", contract, {"opportunity": opportunity.reference, "before": before, "after": status})
        core_services.notify(
            recipients=_users(contract.proposal.supplier.organisation_id),
            subject=_("Paiement « %(status)s » : « %(title)s »") % {"status": contract.get_payment_status_display(),
                                                                     "title": opportunity.title_fr},
            url=reverse("market:contract", kwargs={"reference": opportunity.reference}))
        _publish(opportunity)
    return contract


# --- Reusable components --------------------------------------------------------------------------------

def components_list() -> list[dict]:
    """Every accepted deliverable under a free licence, newest first: what the software catalogue reads.

    Each: ``reference``, ``name`` (the opportunity's title, ``name_en`` too), ``buyer`` and ``buyer_slug``,
    ``supplier``, ``licence`` (SPDX), ``repository_url`` (of the accepted delivery), ``merge_request_url``,
    ``accepted_at``."""
    contracts = (Contract.objects.filter(status=Contract.Status.ACCEPTED, opportunity__licence__in=FREE_LICENCES)
                 .select_related("opportunity__buyer", "proposal__supplier").order_by("-accepted_at", "-pk"))
    accepted = {d.contract_id: d for d in Delivery.objects.filter(
        contract__in=contracts, decision=Delivery.Decision.ACCEPTED).order_by("decided_at", "pk")}
    rows = []
    for contract in contracts:
        opportunity = contract.opportunity
        delivery = accepted.get(contract.pk)
        rows.append({
            "reference": opportunity.reference, "name": opportunity.title_fr, "name_en": opportunity.title_en,
            "title": opportunity.title, "buyer": opportunity.buyer.name_fr, "buyer_slug": opportunity.buyer.slug,
            "supplier": contract.proposal.supplier.legal_name, "licence": opportunity.licence,
            "repository_url": delivery.repository_url if delivery else opportunity.repository_url,
            "merge_request_url": delivery.merge_request_url if delivery else "",
            "accepted_at": contract.accepted_at})
    return rows
