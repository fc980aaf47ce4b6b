"""How the module writes amounts and times for people (French first): amounts in Canadian dollars, instants
in Montreal time (deadlines are entered and shown there, stored in UTC), the time left before a deadline."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ouvert.core import montreal
from ouvert.core.montreal import MONTREAL

__all__ = ["MONTREAL", "money", "montreal_text", "time_left"]


def money(value) -> str:
    """« 45 000 $ », « 90 000,01 $ » in French; « $45,000 », « $90,000.01 » in English (cents only when there
    are some)."""
    value = Decimal(value)
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    if (get_language() or "fr").startswith("en"):
        return f"${text}"
    return text.replace(",", " ").replace(".", ",") + " $"


def montreal_text(value: datetime.datetime | None) -> str:
    """« 15 décembre 2026 à 14 h 00 (heure de Montréal) »."""
    return montreal.text(value)


def time_left(deadline: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """« 12 jours et 3 heures » before ``deadline`` (empty once it has come)."""
    now = now or timezone.now()
    if deadline is None or now >= deadline:
        return ""
    delta = deadline - now
    days, hours, minutes = delta.days, delta.seconds // 3600, (delta.seconds % 3600) // 60
    minutes = max(minutes, 1) if not (days or hours) else minutes

    parts = []
    if days:
        parts.append(ngettext("%(n)s jour", "%(n)s jours", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)s heure", "%(n)s heures", hours) % {"n": hours})
    if not days and minutes:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if len(parts) == 2:
        return _("%(first)s et %(second)s") % {"first": parts[0], "second": parts[1]}
    return parts[0]
