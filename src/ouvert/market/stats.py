"""Public statistics of the micro-acquisitions: opportunities published (per year), total and average value
(published and awarded), the share of contracts awarded to SMEs and to start-ups, proposals per
opportunity, time from publication to award, delivery acceptance, and a table per buyer.

Sealed: the proposals are counted only for opportunities whose deadline has come (and not cancelled
before it); nothing here tells whether an open opportunity has received any proposal. Figures are
aggregated in SQL (a handful of queries whatever the number of opportunities); the medians are taken over
one number per opportunity or contract.
"""

from __future__ import annotations

import statistics as pystats
from decimal import Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from .formats import MONTREAL
from .models import Contract, Delivery, Opportunity, Proposal, Submission

__all__ = ["statistics", "chart_specs", "proposal_counts"]


#: Public opportunities (a draft or one under review is never counted).
PUBLIC_STATUSES = (Opportunity.Status.PUBLISHED, Opportunity.Status.SUSPENDED, Opportunity.Status.EVALUATION,
                   Opportunity.Status.AWARDED, Opportunity.Status.CANCELLED)


def _money(value) -> float:
    return float(round(Decimal(value or 0), 2))


def _share(part, whole) -> float | None:
    return round(100 * float(part) / float(whole), 1) if whole else None


def _public():
    return Opportunity.objects.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)


def _public_contracts():
    return Contract.objects.filter(opportunity__status__in=PUBLIC_STATUSES)


def proposal_counts(now=None) -> list[int]:
    """The number of proposals with a current submission (submitted, neither superseded nor withdrawn) of
    each opportunity whose deadline has come — never of one still open, nor of one cancelled before its
    deadline. One query (a correlated count per opportunity)."""
    now = now or timezone.now()
    current = Submission.objects.filter(proposal=OuterRef("pk"), superseded_at__isnull=True,
                                        withdrawn_at__isnull=True)
    submitted = (Proposal.objects.filter(opportunity=OuterRef("pk")).filter(Exists(current)).order_by()
                 .values("opportunity").annotate(n=Count("pk")).values("n"))
    past = _public().filter(Opportunity.opened_q(now))
    return list(past.annotate(n=Coalesce(Subquery(submitted), 0)).order_by().values_list("n", flat=True))


def statistics(now=None) -> dict:
    """Every public figure of the market (see the module's docstring), as plain JSON values."""
    now = now or timezone.now()
    public = _public()
    contracts = _public_contracts()

    published = public.order_by().aggregate(count=Count("pk"), total=Sum("price"), average=Avg("price"))
    by_year = list(public.annotate(year=ExtractYear("published_at", tzinfo=MONTREAL)).order_by("year")
                   .values("year").annotate(count=Count("pk"), value=Sum("price")))
    awarded = contracts.order_by().aggregate(
        count=Count("pk"), total=Sum("value"), average=Avg("value"),
        sme=Count("pk", filter=Q(proposal__supplier__is_sme=True)),
        sme_value=Sum("value", filter=Q(proposal__supplier__is_sme=True)),
        startup=Count("pk", filter=Q(proposal__supplier__is_startup=True)),
        startup_value=Sum("value", filter=Q(proposal__supplier__is_startup=True)),
        accepted=Count("pk", filter=Q(status=Contract.Status.ACCEPTED) | Q(accepted_at__isnull=False)))
    deliveries = Delivery.objects.filter(contract__opportunity__status__in=PUBLIC_STATUSES).order_by().aggregate(
        decided=Count("pk", filter=~Q(decision=Delivery.Decision.PENDING)),
        accepted=Count("pk", filter=Q(decision=Delivery.Decision.ACCEPTED)))

    counts = proposal_counts(now)
    delays = [(awarded_at - published_at).total_seconds() / 86400 for awarded_at, published_at in
              contracts.filter(opportunity__published_at__isnull=False).order_by()
              .values_list("awarded_at", "opportunity__published_at")]

    buyers = {}
    for row in (public.order_by().values("buyer_id", "buyer__slug", "buyer__name_fr", "buyer__acronym")
                .annotate(count=Count("pk"), value=Sum("price"))):
        buyers[row["buyer_id"]] = {
            "slug": row["buyer__slug"], "name": row["buyer__name_fr"], "acronym": row["buyer__acronym"],
            "published": row["count"], "published_value": _money(row["value"]),
            "awarded": 0, "awarded_value": 0.0, "sme_contracts": 0, "startup_contracts": 0}
    for row in (contracts.order_by().values("opportunity__buyer_id")
                .annotate(count=Count("pk"), value=Sum("value"),
                          sme=Count("pk", filter=Q(proposal__supplier__is_sme=True)),
                          startup=Count("pk", filter=Q(proposal__supplier__is_startup=True)))):
        entry = buyers.get(row["opportunity__buyer_id"])
        if entry is not None:
            entry.update(awarded=row["count"], awarded_value=_money(row["value"]), sme_contracts=row["sme"],
                         startup_contracts=row["startup"])
    for entry in buyers.values():
        entry["sme_share"] = _share(entry["sme_contracts"], entry["awarded"])

    return {
        "generated_at": now.isoformat(),
        "published": {
            "count": published["count"], "total_value": _money(published["total"]),
            "average_value": _money(published["average"]) if published["count"] else None,
            "by_year": [{"year": row["year"], "count": row["count"], "value": _money(row["value"])}
                        for row in by_year],
        },
        "awarded": {
            "count": awarded["count"], "total_value": _money(awarded["total"]),
            "average_value": _money(awarded["average"]) if awarded["count"] else None,
        },
        "sme": {"contracts": awarded["sme"], "contract_share": _share(awarded["sme"], awarded["count"]),
                "value": _money(awarded["sme_value"]),
                "value_share": _share(awarded["sme_value"] or 0, awarded["total"] or 0)},
        "startup": {"contracts": awarded["startup"], "contract_share": _share(awarded["startup"], awarded["count"]),
                    "value": _money(awarded["startup_value"]),
                    "value_share": _share(awarded["startup_value"] or 0, awarded["total"] or 0)},
        "proposals": {"opportunities": len(counts),
                      "mean": round(pystats.fmean(counts), 2) if counts else None,
                      "median": pystats.median(counts) if counts else None},
        "award_delay_days": {"contracts": len(delays),
                             "median": round(pystats.median(delays), 1) if delays else None},
        "deliveries": {
            "decided": deliveries["decided"], "accepted": deliveries["accepted"],
            "acceptance_rate": _share(deliveries["accepted"], deliveries["decided"]),
            "contracts_awarded": awarded["count"], "contracts_accepted": awarded["accepted"],
            "contract_acceptance_rate": _share(awarded["accepted"], awarded["count"]),
        },
        "buyers": sorted(buyers.values(), key=lambda b: (-b["published"], b["name"])),
    }


def chart_specs(figures: dict) -> dict:
    """Vega-Lite specifications of the statistics page (their figures are also in its tables)."""
    year, count = _("Année"), _("Opportunités")
    kind, share = _("Fournisseur"), _("Part des contrats (%)")
    shares = [{kind: _("PME"), share: figures["sme"]["contract_share"] or 0},
              {kind: _("Jeune pousse"), share: figures["startup"]["contract_share"] or 0}]
    return {
        "per_year": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": _("Opportunités publiées par année"),
            "width": "container", "height": 200,
            "data": {"values": [{year: str(r["year"]), count: r["count"]} for r in figures["published"]["by_year"]]},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {"x": {"field": year, "type": "ordinal", "title": year, "axis": {"labelAngle": 0}},
                         "y": {"field": count, "type": "quantitative", "title": count, "axis": {"tickMinStep": 1}}},
        },
        "shares": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": _("Part des contrats adjugés aux PME et aux jeunes pousses"),
            "width": "container", "height": 120,
            "data": {"values": shares},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {"y": {"field": kind, "type": "nominal", "title": kind},
                         "x": {"field": share, "type": "quantitative", "title": share,
                               "scale": {"domain": [0, 100]}}},
        },
    }


def register() -> None:
    """Nothing to plug in: the statistics are computed when asked."""
