"""OCDS 1.1: a release for each event of an opportunity, compiled records, packages and open data.

``release_add(opportunity, tags)`` is what the other parts call, at the end of the transaction of each
public event, after the change: the release is a snapshot of the opportunity as it now is (``Release``
rows are never changed). What a release tells follows the sealing rule: before the deadline it names
no tenderer and gives no count of proposals (``numberOfTenderers`` and ``tenderers`` appear only in the
releases written at or after the deadline).

Records compile an opportunity's releases with ``ocdsmerge`` and the release schema shipped in
``data/release-schema.json`` (never fetched). Packages (release and record packages, per opportunity and
for the whole platform) are built here too; the platform ones are streamed page by page
(``platform_release_package``, ``platform_record_package``).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery, TextField
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from .formats import MONTREAL, money
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
    Submission,
)

__all__ = ["release_add", "ocid", "release_schema", "record_build", "release_package", "record_package",
           "opportunity_public_get", "opportunity_stamp", "platform_stamp", "platform_release_package",
           "platform_record_package", "public_releases", "cursor_parse", "dumps_bytes",
           "open_data_overview", "contract_rows", "contracts_csv", "open_data_export", "OPEN_DATA_KEY"]

#: The events and their OCDS tags.
TAGS = {"tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "contract",
        "implementation", "contractAmendment"}

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Statuses whose opportunities are public (and so have releases and appear in packages).
PUBLIC_STATUSES = (Opportunity.Status.PUBLISHED, Opportunity.Status.SUSPENDED, Opportunity.Status.EVALUATION,
                   Opportunity.Status.AWARDED, Opportunity.Status.CANCELLED)

#: The licence of the platform's open data (the catalogue's other publishers use CC-BY 4.0).
LICENCE_ID = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

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
    party = {"id": buyer.slug, "name": buyer.name_fr, "roles": ["buyer", "procuringEntity"]}
    if contact or buyer.website:
        party["contactPoint"] = {"name": buyer.name_fr, "email": contact or None, "url": buyer.website or None}
    return party


def _supplier_party(supplier, roles: list[str]) -> dict:
    return {"id": supplier_party_id(supplier), "name": supplier.legal_name,
            "identifier": {"scheme": "CA-NEQ", "id": supplier.neq, "legalName": supplier.legal_name},
            "roles": roles}


def _tenderers(opportunity: Opportunity, now) -> list[Proposal] | None:
    """The proposals with a current submission (submitted, neither superseded nor withdrawn) — only once the
    deadline has come (``None`` before: a release written before the deadline tells nothing of them)."""
    if not opportunity.is_past_deadline(now):
        return None
    current = Submission.objects.filter(proposal=OuterRef("pk"), superseded_at__isnull=True,
                                        withdrawn_at__isnull=True)
    return list(Proposal.objects.filter(opportunity=opportunity).filter(Exists(current))
                .select_related("supplier").order_by("supplier__neq"))


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
    listed = " ; ".join(f"{c.name_fr} ({c.weight} %)" for c in criteria)
    return ("Prix fixe ; adjudication à la proposition de la meilleure note consensuelle du comité "
            f"d'évaluation selon les critères pondérés : {listed}.") if listed else \
        "Prix fixe ; adjudication à la proposition de la meilleure note consensuelle du comité d'évaluation."


def _eligibility(opportunity: Opportunity) -> str:
    return (f"Prix fixe de {money(opportunity.price)} (taxes en sus), sous le plafond de "
            f"{money(settings.OUVERT_MARKET_CEILING)} des micro-acquisitions. Entreprise inscrite "
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
            "title": f"Addenda n° {addendum.number} — {ADDENDUM_RATIONALE.get(addendum.kind, addendum.kind)}",
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
        "procurementMethodDetails": (f"Micro-acquisition (moins de {money(settings.OUVERT_MARKET_CEILING)}) — "
                                     "Développe avec nous"),
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
    is locked while it is numbered, so two events at once get two numbers. The row also keeps the compiled
    release as of this release (``ocdsmerge`` of the opportunity's releases so far): the records read it.
    """
    unknown = set(tags) - TAGS
    if unknown:
        raise ValueError(f"unknown OCDS tags: {sorted(unknown)}")
    if not tags:
        raise ValueError("an OCDS release needs at least one tag")
    with transaction.atomic():
        opportunity = Opportunity.objects.select_for_update().select_related("buyer").get(pk=opportunity.pk)
        if opportunity.status not in PUBLIC_STATUSES or opportunity.published_at is None:
            raise ValueError(f"no OCDS release for an opportunity never published (status {opportunity.status!r})")
        now = timezone.now()
        count = Release.objects.filter(opportunity=opportunity).count()
        release_id = f"{ocid(opportunity)}-{count + 1:04d}"
        data = release_build(opportunity, list(tags), release_id=release_id, now=now)
        previous = list(Release.objects.filter(opportunity=opportunity).order_by("date", "id")
                        .values_list("data", flat=True))
        compiled = merger().create_compiled_release([*previous, data])
        return Release.objects.create(opportunity=opportunity, release_id=release_id, date=now, tags=list(tags),
                                      data=data, compiled=compiled)


# --- Records and packages --------------------------------------------------------------------

#: Releases per page of the platform's release package, records per page of its record package.
RELEASES_PER_PAGE = 1000
RECORDS_PER_PAGE = 250


def _page_size(name: str, default: int) -> int:
    return max(1, int(getattr(settings, name, default)))


@dataclass(frozen=True)
class Stamp:
    """What changes whenever a package's content changes: the releases are append-only, so their number,
    the last row's key and the latest date tell a package's version (``ETag``, ``Last-Modified``)."""

    count: int
    last_pk: int
    last_date: datetime.datetime | None

    def etag(self, *parts) -> str:
        seed = ":".join(str(p) for p in (*parts, self.count, self.last_pk, _dt(self.last_date)))
        return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def _stamp(releases) -> Stamp:
    figures = releases.order_by().aggregate(count=Count("pk"), last_pk=Max("pk"), last_date=Max("date"))
    return Stamp(figures["count"] or 0, figures["last_pk"] or 0, figures["last_date"])


def public_releases():
    """The releases of public opportunities (never a draft's or one under review)."""
    return Release.objects.filter(opportunity__status__in=PUBLIC_STATUSES)


def opportunity_public_get(reference: str) -> Opportunity:
    """A public opportunity that has releases (``NotFound`` otherwise: unknown, draft or under review)."""
    reference = str(reference)[:30]
    opportunity = None if "\x00" in reference else (
        Opportunity.objects.filter(reference=reference, status__in=PUBLIC_STATUSES).select_related("buyer").first())
    if opportunity is None or not Release.objects.filter(opportunity=opportunity).exists():
        raise NotFound(_("Aucune donnée ouverte pour l'opportunité « %(reference)s ».")
                       % {"reference": reference.replace("\x00", "")})
    return opportunity


def publisher() -> dict:
    """The platform, as the publisher of its packages (the site's name, its address)."""
    from django.contrib.sites.models import Site

    name = Site.objects.filter(pk=settings.SITE_ID).values_list("name", flat=True).first()
    if not name or name == "example.com":
        name = "Ouvert"
    return {"name": name, "uri": settings.OUVERT_BASE_URL + "/"}


def api_url(kind: str, reference: str | None = None) -> str:
    """The stable address of a package: ``kind`` is ``releases`` or ``record`` (one opportunity) or
    ``releases`` or ``records`` (the platform)."""
    base = f"{settings.OUVERT_BASE_URL}/api/v1/market/ocds"
    return f"{base}/{reference}/{kind}.json" if reference else f"{base}/{kind}.json"


def policy_url() -> str:
    return _url("market:publication_policy") or settings.OUVERT_BASE_URL + "/"


def package_meta(uri: str, published: datetime.datetime | None) -> dict:
    """The package's metadata (``publishedDate`` is the latest release's date, so an unchanged package
    gives the same bytes)."""
    return {"uri": uri, "version": "1.1", "publishedDate": _dt(published or timezone.now()),
            "publisher": publisher(), "license": LICENCE_URL, "publicationPolicy": policy_url()}


def _release_rows(releases) -> list[dict]:
    return list(releases.order_by("date", "id").values_list("data", flat=True))


@cache
def merger():
    import ocdsmerge

    return ocdsmerge.Merger(schema=release_schema())


def record_build(reference: str, releases: list[dict], *, versioned: bool = True, compiled: dict | None = None) -> dict:
    """The record of one opportunity: its releases (linked: the package's address and the release's id),
    the compiled release (its state now: ``compiled``, as stored with the latest release, or merged here)
    and, when ``versioned``, the history of each field."""
    package = api_url("releases", reference)
    record = {
        "ocid": releases[0]["ocid"],
        "releases": [{"url": f"{package}#{r['id']}", "date": r["date"], "tag": r["tag"]} for r in releases],
        "compiledRelease": compiled if compiled is not None else merger().create_compiled_release(releases),
    }
    if versioned:
        record["versionedRelease"] = merger().create_versioned_release(releases)
    return record


def opportunity_stamp(opportunity: Opportunity) -> Stamp:
    return _stamp(Release.objects.filter(opportunity=opportunity))


def release_package(opportunity: Opportunity) -> dict:
    """The release package of one opportunity (all its releases, oldest first)."""
    releases = _release_rows(Release.objects.filter(opportunity=opportunity))
    package = package_meta(api_url("releases", opportunity.reference), max(
        (parse_datetime(r["date"]) for r in releases), default=None))
    package["releases"] = releases
    return package


def record_package(opportunity: Opportunity) -> dict:
    """The record package of one opportunity (one record, with its versioned release)."""
    releases = _release_rows(Release.objects.filter(opportunity=opportunity))
    # The last written release's compiled release merged them all.
    compiled = Release.objects.filter(opportunity=opportunity).order_by("-pk").values_list("compiled", flat=True)[0]
    package = package_meta(api_url("record", opportunity.reference), max(
        (parse_datetime(r["date"]) for r in releases), default=None))
    package["packages"] = [api_url("releases", opportunity.reference)]
    package["records"] = [record_build(opportunity.reference, releases, compiled=compiled)]
    return package


def platform_stamp() -> Stamp:
    return _stamp(public_releases())


def cursor_parse(value) -> int:
    """The ``after`` parameter of a page (the key of the last release or opportunity of the previous one)."""
    message = _("Le paramètre « after » doit être un nombre entier positif (la clé donnée par links.next).")
    try:
        cursor = int(str(value or 0).strip())
    except (TypeError, ValueError):
        raise ValidationError({"after": [message]}) from None
    if not 0 <= cursor < 2 ** 63:
        raise ValidationError({"after": [message]})
    return cursor


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps_bytes(value) -> bytes:
    """A package as the API sends it (UTF-8, compact)."""
    return _dumps(value).encode("utf-8")


def _meta_prefix(meta: dict, key: str) -> str:
    return _dumps(meta)[:-1] + f',"{key}":['


def platform_release_package(after=None, stamp: Stamp | None = None, *, paged: bool = True) -> Iterator[str]:
    """The platform's release package, streamed: the releases of every public opportunity in the order
    they were written, ``RELEASES_PER_PAGE`` at a time; ``links.next`` names the next page (``?after=``
    the last release's key). Each stored release goes out as stored (no decoding), one page held at most
    in the database cursor."""
    cursor = cursor_parse(after)
    size = _page_size("OUVERT_MARKET_OCDS_RELEASES_PER_PAGE", RELEASES_PER_PAGE) if paged else None
    stamp = stamp or platform_stamp()
    uri = api_url("releases") + (f"?after={cursor}" if cursor else "")
    rows = (public_releases().filter(pk__gt=cursor).order_by("pk")
            .values_list("pk", Cast("data", TextField())))
    if size is not None:
        rows = rows[:size + 1]
    if not stamp.count or (cursor and not public_releases().filter(pk__gt=cursor).exists()):
        raise NotFound(_("Aucune publication OCDS sur cette page.") if cursor else
                       _("Aucune publication OCDS pour l'instant : aucune opportunité n'a été publiée."))

    def chunks():
        yield _meta_prefix(package_meta(uri, stamp.last_date), "releases")
        last, batch = None, []
        for n, (pk, text) in enumerate(rows.iterator(chunk_size=500)):
            if n == size:
                yield "".join(batch) + "]," + _dumps({"links": {"next": f"{api_url('releases')}?after={last}"}})[1:]
                return
            batch.append(text if n == 0 else "," + text)
            last = pk
            if len(batch) >= 100:
                yield "".join(batch)
                batch = []
        yield "".join(batch) + "]}"

    return chunks()


def _records_text(opportunity_ids: list[int]) -> list[str]:
    """The records of ``opportunity_ids`` as JSON text, in that order: the linked releases from the release
    rows' columns, the compiled release as stored with each opportunity's last written release (no decoding,
    no merging; merged here only for a release written before releases kept it). Two queries."""
    linked: dict[int, list] = {}
    last: dict[int, tuple[int, str]] = {}
    for pk, opportunity_id, reference, release_id, date, tags in (
            Release.objects.filter(opportunity_id__in=opportunity_ids).order_by("opportunity_id", "date", "id")
            .values_list("pk", "opportunity_id", "opportunity__reference", "release_id", "date", "tags")):
        package = api_url("releases", reference)
        linked.setdefault(opportunity_id, []).append({"url": f"{package}#{release_id}", "date": _dt(date),
                                                       "tag": tags})
        if opportunity_id not in last or pk > last[opportunity_id][0]:
            last[opportunity_id] = (pk, release_id)
    compiled = dict(Release.objects.filter(pk__in=[pk for pk, _release_id in last.values()])
                    .values_list("opportunity_id", Cast("compiled", TextField())))
    texts = []
    for opportunity_id in opportunity_ids:
        text = compiled.get(opportunity_id)
        if text is None:  # written before releases kept their compiled release
            text = _dumps(merger().create_compiled_release(
                _release_rows(Release.objects.filter(opportunity_id=opportunity_id))))
        texts.append('{"ocid":' + _dumps(last[opportunity_id][1].rsplit("-", 1)[0]) + ',"releases":'
                     + _dumps(linked[opportunity_id]) + ',"compiledRelease":' + text + "}")
    return texts


def platform_record_package(after=None, stamp: Stamp | None = None, *, paged: bool = True) -> Iterator[str]:
    """The platform's record package, streamed: one record per public opportunity (linked releases and
    compiled release), ``RECORDS_PER_PAGE`` opportunities at a time, ``links.next`` to the next page."""
    cursor = cursor_parse(after)
    size = _page_size("OUVERT_MARKET_OCDS_RECORDS_PER_PAGE", RECORDS_PER_PAGE) if paged else None
    stamp = stamp or platform_stamp()
    uri = api_url("records") + (f"?after={cursor}" if cursor else "")
    ids = (Opportunity.objects.filter(pk__gt=cursor, status__in=PUBLIC_STATUSES, releases__isnull=False)
           .order_by("pk").values_list("pk", flat=True).distinct())
    ids = list(ids if size is None else ids[:size + 1])
    more = size is not None and len(ids) > size
    ids = ids if size is None else ids[:size]
    if not ids:
        raise NotFound(_("Aucun enregistrement OCDS sur cette page.") if cursor else
                       _("Aucun enregistrement OCDS pour l'instant : aucune opportunité n'a été publiée."))

    def chunks():
        meta = package_meta(uri, stamp.last_date)
        meta["packages"] = [api_url("releases")]
        yield _meta_prefix(meta, "records")
        first = True
        for start in range(0, len(ids), 100):
            batch = ids[start:start + 100]
            parts = []
            for record in _records_text(batch):
                parts.append(record if first else "," + record)
                first = False
            yield "".join(parts)
        tail = "]"
        if more:
            tail += "," + _dumps({"links": {"next": f"{api_url('records')}?after={ids[-1]}"}})[1:-1]
        yield tail + "}"

    return chunks()


# --- Open data: the page, the CSV of contracts, the catalogue dataset ---------------------------------

OPEN_DATA_KEY = "market"

CONTRACT_COLUMNS = [
    "reference", "ocid", "title_fr", "title_en", "buyer", "buyer_name", "supplier", "supplier_neq", "supplier_sme",
    "supplier_startup", "value_cad", "published_at", "deadline", "awarded_at", "start_date", "completion_date",
    "contract_status", "accepted_at", "payment_status", "paid_at", "licence", "repository", "url",
]


def open_data_overview(latest: int = 20) -> dict:
    """What the open-data page shows: the packages' addresses, how many public opportunities and releases
    there are, the latest releases, the catalogue dataset (if already published)."""
    from ouvert.catalog import services as catalog_services

    stamp = platform_stamp()
    recent = list(public_releases().select_related("opportunity").defer("data", "compiled")
                  .order_by("-date", "-id")[:latest]) if latest else []
    return {
        "releases_url": api_url("releases"), "records_url": api_url("records"),
        "example_releases_url": api_url("releases", "DAN-AAAA-NNNN"), "example_record_url": api_url("record", "DAN-AAAA-NNNN"),
        "release_count": stamp.count, "last_date": stamp.last_date,
        "opportunity_count": (Opportunity.objects.filter(status__in=PUBLIC_STATUSES, releases__isnull=False)
                              .distinct().count()),
        "recent": recent, "licence_url": LICENCE_URL, "ocid_prefix": settings.OUVERT_MARKET_OCID_PREFIX,
        "releases_per_page": _page_size("OUVERT_MARKET_OCDS_RELEASES_PER_PAGE", RELEASES_PER_PAGE),
        "records_per_page": _page_size("OUVERT_MARKET_OCDS_RECORDS_PER_PAGE", RECORDS_PER_PAGE),
        "dataset": catalog_services.open_data_dataset(OPEN_DATA_KEY),
    }


def contract_rows() -> list[dict]:
    """One row per awarded public opportunity (its contract), oldest award first: the CSV summary."""
    accepted_repo = (Delivery.objects.filter(contract=OuterRef("pk"), decision=Delivery.Decision.ACCEPTED)
                     .order_by("-decided_at", "-id").values("repository_url")[:1])
    contracts = (Contract.objects.filter(opportunity__status__in=PUBLIC_STATUSES)
                 .select_related("opportunity__buyer", "proposal__supplier")
                 .annotate(accepted_repository=Subquery(accepted_repo))
                 .order_by("awarded_at", "id"))
    rows = []
    for contract in contracts:
        opportunity, supplier = contract.opportunity, contract.proposal.supplier
        rows.append({
            "reference": opportunity.reference, "ocid": ocid(opportunity),
            "title_fr": opportunity.title_fr, "title_en": opportunity.title_en,
            "buyer": opportunity.buyer.slug, "buyer_name": opportunity.buyer.name_fr,
            "supplier": supplier.legal_name, "supplier_neq": supplier.neq,
            "supplier_sme": "oui" if supplier.is_sme else "non",
            "supplier_startup": "oui" if supplier.is_startup else "non",
            "value_cad": f"{contract.value:.2f}",
            "published_at": _dt(opportunity.published_at) or "", "deadline": _dt(opportunity.deadline) or "",
            "awarded_at": _dt(contract.awarded_at) or "",
            "start_date": opportunity.start_date.isoformat() if opportunity.start_date else "",
            "completion_date": opportunity.completion_date.isoformat() if opportunity.completion_date else "",
            "contract_status": contract.status, "accepted_at": _dt(contract.accepted_at) or "",
            "payment_status": contract.payment_status, "paid_at": _dt(contract.paid_at) or "",
            "licence": opportunity.licence,
            "repository": contract.accepted_repository or opportunity.repository_url,
            "url": opportunity_url(opportunity) or "",
        })
    return rows


def contracts_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CONTRACT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(contract_rows())
    return buffer.getvalue().encode("utf-8")


def open_data_export() -> dict | None:
    """What the market publishes in the catalogue (open-data publisher ``market``): the platform's release
    package and record package (JSON, OCDS 1.1) and the CSV summary of contracts. Built from the stored
    releases only: an unchanged market gives the same bytes. ``None`` while nothing is public."""
    stamp = platform_stamp()
    if not stamp.count:
        return None
    first = public_releases().order_by("date").values_list("date", flat=True).first()
    return {
        "organisation": core_services.open_data_organisation(),
        "metadata": {
            "name": "micro-acquisitions-developpe-avec-nous-ocds",
            "title_fr": "Micro-acquisitions « Développe avec nous » (OCDS)",
            "title_en": "“Développe avec nous” micro-procurement (OCDS)",
            "notes_fr": (
                f"Les appels d'offres de moins de {money(settings.OUVERT_MARKET_CEILING)} publiés sur la plateforme, "
                "de la publication au "
                "paiement, selon l'Open Contracting Data Standard (OCDS 1.1) : une publication (release) par "
                "événement (publication, addenda, report de la date limite, suspension, annulation, fermeture, "
                "adjudication, livraison, paiement), les enregistrements (records) qui les compilent, et un "
                "résumé des contrats en CSV (fournisseur, NEQ, PME, jeune pousse, valeur, dates, licence, "
                "dépôt du livrable).\n\n"
                "Les propositions sont scellées jusqu'à la date limite : aucune publication faite avant ne nomme "
                "de soumissionnaire ni n'en donne le nombre. Mis à jour automatiquement à chaque événement."),
            "notes_en": (
                "The calls for tenders under $90,000 published on the platform, from publication to payment, "
                "following the Open Contracting Data Standard (OCDS 1.1): one release per event (publication, "
                "addenda, deadline extension, suspension, cancellation, closing, award, delivery, payment), the "
                "records that compile them, and a CSV summary of contracts (supplier, NEQ, SME, start-up, value, "
                "dates, licence, repository of the deliverable).\n\n"
                "Proposals are sealed until the deadline: no release written before it names a tenderer or "
                "gives their number. Refreshed automatically on every event."),
            "licence": LICENCE_ID,
            "tags": ["OCDS", "contrats", "marchés publics", "open contracting", "PME", "logiciel libre"],
            "themes": ["economie", "gouvernement"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
            "temporal_start": first.astimezone(MONTREAL).date().isoformat() if first else None,
            "spatial_name": "Québec",
            "url": _url("market:open_data") or settings.OUVERT_BASE_URL + "/",
        },
        "resources": [
            {"name_fr": "Paquet de publications OCDS (JSON)", "name_en": "OCDS release package (JSON)",
             "format": "JSON", "filename": "ocds-publications.json",
             "content": "".join(platform_release_package(stamp=stamp, paged=False)).encode("utf-8")},
            {"name_fr": "Paquet d'enregistrements OCDS (JSON)", "name_en": "OCDS record package (JSON)",
             "format": "JSON", "filename": "ocds-enregistrements.json",
             "content": "".join(platform_record_package(stamp=stamp, paged=False)).encode("utf-8")},
            {"name_fr": "Contrats adjugés (CSV)", "name_en": "Awarded contracts (CSV)", "format": "CSV",
             "filename": "contrats.csv", "content": contracts_csv()},
        ],
    }


def register() -> None:
    """Open data: the catalogue dataset of the market (publisher ``market``)."""
    from ouvert.core import registry

    registry.register_open_data_publisher(OPEN_DATA_KEY, open_data_export)
