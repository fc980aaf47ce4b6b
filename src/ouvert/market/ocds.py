"""OCDS 1.1: a release for each event of an opportunity, compiled records, packages and open data.

``release_add(opportunity, tags)`` is what the other parts call, at the end of the transaction of each
public event, after the change: the release is a snapshot of the opportunity as it now is (``Release``
rows are never changed). What a release tells follows the sealing rule: before the deadline it names
no tenderer and gives no count of proposals (``numberOfTenderers`` and ``tenderers`` appear only in the
releases written at or after the deadline).

Records compile an opportunity's releases with ``ocdsmerge`` and the release schema shipped in
``data/release-schema.json`` (never fetched). Packages (release and record packages, per opportunity and
for the whole platform) are built here too; the platform ones are streamed (see ``package_stream``).
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from .models import (
    Addendum,
    Attachment,
    BuyerSettings,
    Contract,
    Criterion,
    Delivery,
    Opportunity,
    Proposal,
    Release,
)

__all__ = ["release_add", "ocid", "release_schema"]

#: The events and their OCDS tags.
TAGS = {"tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "contract",
        "implementation", "contractAmendment"}

MONTREAL = zoneinfo.ZoneInfo("America/Montreal")
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Statuses whose opportunities are public (and so have releases and appear in packages).
PUBLIC_STATUSES = (Opportunity.Status.PUBLISHED, Opportunity.Status.SUSPENDED, Opportunity.Status.EVALUATION,
                   Opportunity.Status.AWARDED, Opportunity.Status.CANCELLED)

#: The licence of the platform's open data (the catalogue's other publishers use CC-BY 4.0).
LICENCE_ID = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

PROCUREMENT_METHOD_DETAILS = "Micro-acquisition (moins de 90 000 $) — Développe avec nous"
#: The work, in the UNSPSC (United Nations Standard Products and Services Code) classification.
CLASSIFICATION = {"scheme": "UNSPSC", "id": "81111500", "description": "Génie logiciel ou matériel"}

ADDENDUM_RATIONALE = {
    Addendum.Kind.NOTICE: "Avis",
    Addendum.Kind.DEADLINE: "Report de la date limite",
    Addendum.Kind.ANSWER: "Réponse à une question",
    Addendum.Kind.STATUS: "Suspension, reprise ou annulation",
}


@cache
def release_schema() -> dict:
    """The OCDS 1.1.5 release schema (merge rules for ``ocdsmerge``), from the package's data folder."""
    with open(DATA_DIR / "release-schema.json", encoding="utf-8") as fh:
        return json.load(fh)


def ocid(opportunity: Opportunity) -> str:
    return f"{settings.OUVERT_MARKET_OCID_PREFIX}-{opportunity.reference}"


# --- Formatting ---------------------------------------------------------------------------------

def _dt(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(value: datetime.date | None, *, end: bool = False) -> str | None:
    """A date as the start (or end) of that day in Montreal."""
    if value is None:
        return None
    moment = datetime.datetime.combine(value, datetime.time(23, 59, 59) if end else datetime.time.min,
                                       tzinfo=MONTREAL)
    return moment.isoformat()


def _amount(value: Decimal | None) -> dict | None:
    if value is None:
        return None
    number = int(value) if value == value.to_integral_value() else float(value)
    return {"amount": number, "currency": "CAD"}


def _money(value: Decimal) -> str:
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return text[:-3] if text.endswith(",00") else text


def _prune(value):
    """Drop empty values (``None``, ``""``, ``[]``, ``{}``) recursively: OCDS leaves out what is unknown."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [item for item in (_prune(v) for v in value) if item not in (None, "", [], {})]
    return value


def _absolute(path: str) -> str:
    return settings.OUVERT_BASE_URL + path


def _url(name: str, **kwargs) -> str | None:
    """The absolute address of a page (French), or ``None`` if the page does not exist."""
    try:
        with translation.override("fr"):
            return _absolute(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return None


def opportunity_url(opportunity: Opportunity) -> str | None:
    return _url("market:opportunity_detail", reference=opportunity.reference)


def attachment_url(attachment: Attachment) -> str | None:
    url = _url("market:attachment_download", reference=attachment.opportunity.reference, pk=attachment.pk)
    if url is None and attachment.file:
        try:
            url = attachment.file.url
        except ValueError:
            return None
        if url.startswith("/"):
            url = _absolute(url)
    return url


def supplier_party_id(supplier) -> str:
    return f"CA-NEQ-{supplier.neq}"


def _org_ref(party: dict) -> dict:
    return {"id": party["id"], "name": party["name"]}


# --- Releases -----------------------------------------------------------------------------------

def _buyer_party(opportunity: Opportunity) -> dict:
    buyer = opportunity.buyer
    contact = BuyerSettings.objects.filter(organisation_id=buyer.pk).values_list("contact_email", flat=True).first()
    party = {"id": buyer.slug, "name": buyer.name_fr, "name_en": buyer.name_en or None,
             "roles": ["buyer", "procuringEntity"],
             "contactPoint": {"name": buyer.name_fr, "email": contact or None, "url": buyer.website or None}}
    return party


def _supplier_party(supplier, roles: list[str]) -> dict:
    return {"id": supplier_party_id(supplier), "name": supplier.legal_name,
            "identifier": {"scheme": "CA-NEQ", "id": supplier.neq, "legalName": supplier.legal_name},
            "roles": roles}


def _tenderers(opportunity: Opportunity, now) -> list[Proposal] | None:
    """The proposals submitted and not withdrawn — only once the deadline has come (``None`` before:
    a release written before the deadline tells nothing of the proposals)."""
    if not opportunity.is_past_deadline(now):
        return None
    return list(Proposal.objects.filter(opportunity=opportunity, status=Proposal.Status.SUBMITTED,
                                        submissions__superseded_at__isnull=True,
                                        submissions__withdrawn_at__isnull=True)
                .select_related("supplier").distinct().order_by("supplier__neq"))


def _tender_status(opportunity: Opportunity) -> str:
    status = opportunity.status
    if status == Opportunity.Status.CANCELLED:
        return "cancelled"
    if status == Opportunity.Status.AWARDED:
        return "complete"
    return "active"


def _addendum_description(addendum: Addendum) -> str:
    text = addendum.body_fr
    if addendum.previous_deadline or addendum.new_deadline:
        old = addendum.previous_deadline.astimezone(MONTREAL).strftime("%Y-%m-%d %H:%M") \
            if addendum.previous_deadline else "—"
        new = addendum.new_deadline.astimezone(MONTREAL).strftime("%Y-%m-%d %H:%M") if addendum.new_deadline else "—"
        text = f"Date limite reportée du {old} au {new} (heure de Montréal).\n\n{text}"
    return text


def _award_criteria_details(criteria: list[Criterion]) -> str:
    listed = "; ".join(f"{c.name_fr} ({c.weight} %)" for c in criteria)
    return ("Prix fixe ; adjudication à la proposition de la meilleure note consensuelle du comité "
            f"d'évaluation selon les critères pondérés : {listed}.") if listed else \
        "Prix fixe ; adjudication à la proposition de la meilleure note consensuelle du comité d'évaluation."


def _eligibility(opportunity: Opportunity) -> str:
    return (f"Prix fixe de {_money(opportunity.price)} $ (taxes en sus), sous le plafond de "
            f"{_money(Decimal(settings.OUVERT_MARKET_CEILING))} $ des micro-acquisitions. Entreprise inscrite "
            "au Québec (numéro d'entreprise du Québec, NEQ). En soumettant, le fournisseur atteste l'absence "
            "de conflit d'intérêts et accepte les conditions.")


def _contract_part(opportunity: Opportunity, contract: Contract, buyer: dict, winner: dict) -> tuple[dict, dict]:
    award_id = f"{opportunity.reference}-adjudication"
    award = {"id": award_id, "title": opportunity.title_fr, "title_en": opportunity.title_en or None,
             "description": contract.award_note or None, "status": "active", "date": _dt(contract.awarded_at),
             "value": _amount(contract.value), "suppliers": [_org_ref(winner)],
             "contractPeriod": {"startDate": _day(opportunity.start_date),
                                "endDate": _day(opportunity.completion_date, end=True)}}
    deliveries = list(Delivery.objects.filter(contract=contract).order_by("delivered_at", "id"))
    milestones, documents = [], []
    for number, delivery in enumerate(deliveries, start=1):
        status = {Delivery.Decision.ACCEPTED: "met", Delivery.Decision.CORRECTIONS: "notMet"}.get(
            delivery.decision, "scheduled")
        milestones.append({
            "id": f"livraison-{number}", "title": f"Livraison {number}", "type": "delivery", "status": status,
            "description": {"met": "Livraison acceptée selon les critères d'acceptation.",
                            "notMet": "Corrections demandées.",
                            "scheduled": "Livrée, en vérification."}[status],
            "dueDate": _day(opportunity.completion_date, end=True),
            "dateMet": _dt(delivery.decided_at) if status == "met" else None,
            "dateModified": _dt(delivery.decided_at or delivery.delivered_at)})
        if delivery.decision == Delivery.Decision.ACCEPTED:
            documents.append({"id": f"livrable-{number}", "title": f"Dépôt du livrable (licence {opportunity.licence})",
                              "url": delivery.repository_url, "datePublished": _dt(delivery.decided_at),
                              "format": "text/html", "language": "fr"})
    transactions = []
    if contract.payment_status == Contract.Payment.PAID:
        transactions.append({"id": f"{opportunity.reference}-paiement", "date": _dt(contract.paid_at),
                             "value": _amount(contract.value), "payer": _org_ref(buyer), "payee": _org_ref(winner)})
    finished = contract.status == Contract.Status.TERMINATED or (
        contract.status == Contract.Status.ACCEPTED and contract.payment_status == Contract.Payment.PAID)
    contract_data = {
        "id": f"{opportunity.reference}-contrat", "awardID": award_id, "title": opportunity.title_fr,
        "title_en": opportunity.title_en or None, "status": "terminated" if finished else "active",
        "value": _amount(contract.value), "dateSigned": _dt(contract.awarded_at),
        "period": {"startDate": _day(opportunity.start_date) or _dt(contract.awarded_at),
                   "endDate": _day(opportunity.completion_date, end=True)},
        "implementation": {"transactions": transactions, "milestones": milestones, "documents": documents},
    }
    return award, contract_data


def release_build(opportunity: Opportunity, tags: list[str], *, release_id: str, now) -> dict:
    """The OCDS release of ``opportunity`` as it is at ``now`` (see the module's docstring)."""
    buyer = _buyer_party(opportunity)
    parties = [buyer]
    criteria = list(Criterion.objects.filter(opportunity=opportunity).order_by("position", "id"))
    attachments = list(Attachment.objects.filter(opportunity=opportunity).select_related("opportunity")
                       .order_by("id"))
    addenda = list(Addendum.objects.filter(opportunity=opportunity).order_by("number"))
    contract = Contract.objects.filter(opportunity=opportunity).select_related("proposal__supplier").first()
    winner_id = contract.proposal.supplier_id if contract else None

    tenderers = _tenderers(opportunity, now)
    by_supplier = {}
    for proposal in tenderers or []:
        roles = ["tenderer", "supplier"] if proposal.supplier_id == winner_id else ["tenderer"]
        by_supplier[proposal.supplier_id] = _supplier_party(proposal.supplier, roles)
    if contract is not None and winner_id not in by_supplier:
        by_supplier[winner_id] = _supplier_party(contract.proposal.supplier, ["supplier"])
    if contract is not None and contract.payment_status == Contract.Payment.PAID:
        buyer["roles"].append("payer")
        by_supplier[winner_id]["roles"].append("payee")
    parties.extend(by_supplier.values())

    page = opportunity_url(opportunity)
    documents = []
    if page:
        documents.append({"id": "avis", "documentType": "tenderNotice", "title": opportunity.title_fr,
                          "description": opportunity.teaser_fr or None, "url": page,
                          "datePublished": _dt(opportunity.published_at), "format": "text/html", "language": "fr"})
    for attachment in attachments:
        documents.append({"id": f"piece-jointe-{attachment.pk}", "documentType": "biddingDocuments",
                          "title": attachment.title, "url": attachment_url(attachment),
                          "datePublished": _dt(attachment.created_at), "language": "fr"})
    amendments = []
    for addendum in addenda:
        description = _addendum_description(addendum)
        documents.append({
            "id": f"addenda-{addendum.number}",
            "documentType": "clarifications" if addendum.kind == Addendum.Kind.ANSWER else "tenderNotice",
            "title": f"Addenda no {addendum.number} — {ADDENDUM_RATIONALE.get(addendum.kind, addendum.kind)}",
            "description": description, "url": f"{page}#addenda-{addendum.number}" if page else None,
            "datePublished": _dt(addendum.published_at), "format": "text/html" if page else None, "language": "fr"})
        amendments.append({"id": f"addenda-{addendum.number}", "date": _dt(addendum.published_at),
                           "rationale": ADDENDUM_RATIONALE.get(addendum.kind, addendum.kind),
                           "description": description})

    award_end = contract.awarded_at if contract else None
    tender = {
        "id": opportunity.reference,
        "title": opportunity.title_fr, "title_en": opportunity.title_en or None,
        "description": opportunity.description_fr or opportunity.teaser_fr or None,
        "description_en": opportunity.description_en or opportunity.teaser_en or None,
        "status": _tender_status(opportunity),
        "procuringEntity": _org_ref(buyer),
        "items": [{"id": "1", "description": opportunity.title_fr, "classification": dict(CLASSIFICATION),
                   "quantity": 1, "unit": {"name": "forfait", "value": _amount(opportunity.price)}}],
        "value": _amount(opportunity.price),
        "procurementMethod": "open",
        "procurementMethodDetails": PROCUREMENT_METHOD_DETAILS,
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": _award_criteria_details(criteria),
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": (f"Propositions scellées déposées sur la plateforme : {page}" if page else
                                    "Propositions scellées déposées sur la plateforme."),
        "eligibilityCriteria": _eligibility(opportunity),
        "tenderPeriod": {"startDate": _dt(opportunity.published_at), "endDate": _dt(opportunity.deadline)},
        "awardPeriod": {"startDate": _dt(opportunity.deadline),
                        "endDate": _dt(award_end) or _day(opportunity.assignment_date, end=True)},
        "contractPeriod": {"startDate": _day(opportunity.start_date),
                           "endDate": _day(opportunity.completion_date, end=True)},
        "documents": documents,
        "amendments": amendments,
    }
    if tenderers is not None:
        tender["numberOfTenderers"] = len(tenderers)
        tender["tenderers"] = [_org_ref(by_supplier[p.supplier_id]) for p in tenderers]

    release = {
        "ocid": ocid(opportunity), "id": release_id, "date": _dt(now), "tag": list(tags),
        "initiationType": "tender", "language": "fr",
        "parties": parties, "buyer": _org_ref(buyer), "tender": tender,
    }
    if contract is not None:
        award, contract_data = _contract_part(opportunity, contract, buyer, by_supplier[winner_id])
        release["awards"] = [award]
        release["contracts"] = [contract_data]
    return _prune(release)


def release_add(opportunity: Opportunity, tags: list[str]) -> Release:
    """Record the release of an event (``tags`` from ``TAGS``) as a snapshot of ``opportunity`` now.

    Call it inside the transaction of the event, after the change. The release's ``id`` is the ocid
    followed by its rank among the opportunity's releases (``…-0001``, ``…-0002``): the opportunity's row
    is locked while it is numbered, so two events at once get two numbers.
    """
    unknown = set(tags) - TAGS
    if unknown:
        raise ValueError(f"unknown OCDS tags: {sorted(unknown)}")
    if not tags:
        raise ValueError("an OCDS release needs at least one tag")
    with transaction.atomic():
        opportunity = Opportunity.objects.select_for_update().select_related("buyer").get(pk=opportunity.pk)
        if opportunity.status not in PUBLIC_STATUSES:
            raise ValueError(f"no OCDS release for an opportunity in status {opportunity.status!r}")
        now = timezone.now()
        count = Release.objects.filter(opportunity=opportunity).count()
        release_id = f"{ocid(opportunity)}-{count + 1:04d}"
        data = release_build(opportunity, list(tags), release_id=release_id, now=now)
        return Release.objects.create(opportunity=opportunity, release_id=release_id, date=now, tags=list(tags),
                                      data=data)


def register() -> None:
    """Open data (the catalogue dataset) and demo content of this part."""
