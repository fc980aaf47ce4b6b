"""OCDS 1.1: a release for each event of an opportunity, compiled records, packages and open data.

(being written: ``release_add`` is the interface the other parts call, at the end of the transaction
of each event, after the change: the release is a snapshot of the opportunity as it now is.)
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from .models import Opportunity, Release

__all__ = ["release_add", "ocid"]

#: The events and their OCDS tags.
TAGS = {"tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "contract",
        "implementation", "contractAmendment"}


def ocid(opportunity: Opportunity) -> str:
    return f"{settings.OUVERT_MARKET_OCID_PREFIX}-{opportunity.reference}"


def release_add(opportunity: Opportunity, tags: list[str]) -> Release:
    """Record the release of an event (``tags`` from ``TAGS``) as a snapshot of ``opportunity`` now."""
    unknown = set(tags) - TAGS
    if unknown:
        raise ValueError(f"unknown OCDS tags: {sorted(unknown)}")
    now = timezone.now()
    count = Release.objects.filter(opportunity=opportunity).count()
    release_id = f"{ocid(opportunity)}-{count + 1:04d}"
    data = {"ocid": ocid(opportunity), "id": release_id, "date": now.isoformat(), "tag": list(tags),
            "initiationType": "tender"}
    return Release.objects.create(opportunity=opportunity, release_id=release_id, date=now, tags=list(tags),
                                  data=data)


def register() -> None:
    """Open data (the catalogue dataset) and demo content of this part."""
