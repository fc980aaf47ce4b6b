"""iCalendar (RFC 5545) for every module that publishes events (consultation meetings and phases,
training webinars): escaping, folding, UTC instants, unique identifiers and the calendar around the
events. A module builds each event's lines (``BEGIN:VEVENT`` … ``END:VEVENT``) and calls ``calendar``;
``response`` serves the text. No database here."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse


def escape(text) -> str:
    """A TEXT value (3.3.11): backslash, semicolon, comma escaped, line breaks as ``\\n``."""
    return (str(text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def utc(value: datetime.datetime) -> str:
    """A DATE-TIME in UTC form (``20260315T170000Z``)."""
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def host() -> str:
    """The right-hand side of the platform's UIDs (``<kind>-<id>@<host>``): the host of ``OUVERT_BASE_URL``."""
    return urlsplit(settings.OUVERT_BASE_URL).hostname or "ouvert.local"


def calendar(events: list[list[str]], name: str, *, product: str = "Ouvert") -> str:
    """The VCALENDAR holding ``events`` (each a list of unfolded lines), CRLF line ends, folded."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//Ouvert//{product}//FR", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}"]
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def response(content: str, filename: str) -> HttpResponse:
    """``content`` served as ``text/calendar`` under ``filename``."""
    answer = HttpResponse(content.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    answer["Content-Disposition"] = f'inline; filename="{filename}"'
    return answer
