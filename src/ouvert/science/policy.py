"""The policy part: funds, their policy versions, the journal registry and the publishers' self-archiving
policies (forms and CSV imports), and the « how do I comply? » assistant."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .identifiers import issn_normalize, title_normalize
from .models import Fund, Journal, PolicyVersion

__all__ = ["fund_list", "journal_lookup", "policy_current"]


def fund_list():
    """Every fund, in their order."""
    return Fund.objects.all().order_by("position", "acronym")


def policy_current(fund, on: datetime.date | None = None) -> PolicyVersion | None:
    """The version of ``fund``'s policy in force on ``on`` (today in Montreal by default)."""
    on = on or timezone.localdate()
    return PolicyVersion.objects.filter(fund=fund, effective_from__lte=on).order_by("-effective_from").first()


def journal_lookup(*, issn: str | None = None, title: str | None = None) -> Journal | None:
    """The registry's journal with this ISSN (print or electronic), else the one whose normalised title is
    exactly ``title``'s (``None`` when none, or when several journals share that title)."""
    normalized = issn_normalize(issn)
    if normalized:
        journal = Journal.objects.filter(issn_electronic=normalized).first() \
            or Journal.objects.filter(issn_print=normalized).first()
        if journal is not None:
            return journal
    key = title_normalize(title)
    if key:
        found = list(Journal.objects.filter(title_normalized=key)[:2])
        if len(found) == 1:
            return found[0]
    return None


def register() -> None:
    pass
