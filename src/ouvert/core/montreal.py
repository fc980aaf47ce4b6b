"""Times as people in Quebec enter and read them: America/Montreal, whatever the server's zone.

Instants are stored in UTC. A person types a wall time in Montreal (what a ``datetime-local`` field sends,
``2026-03-15T13:00``) or an ISO 8601 text with its offset; ``parse`` turns either into an aware UTC
datetime and refuses a wall time that does not exist (skipped by the change to daylight saving time).
``input_value`` gives a stored instant back to such a field, ``text`` writes it for reading, and ``today``
is the date in Montreal.
"""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

__all__ = ["MONTREAL", "input_value", "parse", "text", "today", "utc_offset"]

MONTREAL = ZoneInfo("America/Montreal")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def today() -> datetime.date:
    return timezone.now().astimezone(MONTREAL).date()


def parse(value, field: str) -> datetime.datetime | None:
    """``value`` (an aware or naive datetime, or a text) as an aware UTC datetime; ``None`` when empty. A naive
    time is read in Montreal. ``ValidationError`` naming ``field`` for a malformed, non-existent or
    out-of-range time."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        written = str(value).strip()
        parsed = None
        if len(written) <= 40 and not _CONTROL.search(written):
            try:
                parsed = datetime.datetime.fromisoformat(written.replace(" ", "T", 1))
            except ValueError:
                parsed = None
        if parsed is None:
            raise ValidationError({field: [_("Date et heure invalides : écrivez AAAA-MM-JJTHH:MM (heure de "
                                             "Montréal).")]})
    try:
        if timezone.is_naive(parsed):
            local = parsed.replace(tzinfo=MONTREAL, fold=0)
            # A wall time skipped by the change to daylight saving time does not round-trip.
            back = local.astimezone(datetime.UTC).astimezone(MONTREAL)
            if back.replace(tzinfo=None) != parsed.replace(fold=0):
                message = _("%(time)s n'existe pas à Montréal (passage à l'heure avancée) : choisissez une autre "
                            "heure.") % {"time": parsed.strftime("%Y-%m-%d %H:%M")}
                raise ValidationError({field: [message]})
            parsed = local
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError({field: [_("Date hors des limites du calendrier.")]}) from None


def input_value(value: datetime.datetime | None) -> str:
    """A stored instant as a ``datetime-local`` field shows it (Montreal time); empty for none."""
    return value.astimezone(MONTREAL).strftime("%Y-%m-%dT%H:%M") if value else ""


def utc_offset(local: datetime.datetime) -> str:
    """« UTC−4 », « UTC+5:30 »: the offset of an aware time."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def text(value: datetime.datetime | None, *, offset: bool = False) -> str:
    """« 15 mars 2026 à 13 h 00 (heure de Montréal) », with ``offset`` « … (heure de Montréal, UTC−4) »;
    empty for none."""
    if value is None:
        return ""
    local = value.astimezone(MONTREAL)
    params = {"day": local.day, "month": str(MONTHS[local.month]), "year": local.year, "hour": local.hour,
              "minute": local.minute}
    if offset:
        return _("%(day)s %(month)s %(year)s à %(hour)s h %(minute)02d (heure de Montréal, %(offset)s)") % {
            **params, "offset": utc_offset(local)}
    return _("%(day)s %(month)s %(year)s à %(hour)s h %(minute)02d (heure de Montréal)") % params
