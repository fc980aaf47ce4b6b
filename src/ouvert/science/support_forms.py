"""Reading the support pages' forms (FAQ entries, webinars and their speakers, attendance) into what the
``faq`` and ``webinars`` services take, and stored values back into what the forms show."""

from __future__ import annotations

from .faq import FAQ_FIELDS
from .webinars import MAX_SPEAKERS, WEBINAR_FIELDS, montreal_input

#: Empty speaker rows offered below the existing ones.
BLANK_SPEAKERS = 2
SPEAKER_FIELDS = ("name", "affiliation", "bio_fr", "bio_en")


def error_lines(exc) -> list[str]:
    """The messages of a ``ValidationError`` as lines to show (each names its field)."""
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def error_fields(exc) -> set[str]:
    """The fields a ``ValidationError`` names (to mark them ``aria-invalid``)."""
    return set(exc.message_dict) if hasattr(exc, "message_dict") else set()


# --- FAQ -----------------------------------------------------------------------------------------

def faq_data(post) -> dict:
    data = {f: post.get(f, "") for f in FAQ_FIELDS if f != "is_published"}
    data["is_published"] = post.get("is_published") == "on"
    return data


def faq_values(entry) -> dict:
    return {f: getattr(entry, f) for f in FAQ_FIELDS}


# --- Webinars ------------------------------------------------------------------------------------

def webinar_data(post) -> tuple[dict, list[dict]]:
    """The webinar form: its fields (times as typed, in Montreal) and the speaker rows
    (``speaker-<n>-<field>``)."""
    data = {f: post.get(f, "") for f in WEBINAR_FIELDS if f not in ("registration_open", "is_published")}
    data["registration_open"] = post.get("registration_open") == "on"
    data["is_published"] = post.get("is_published") == "on"
    return data, speakers_from_post(post)


def speakers_from_post(post) -> list[dict]:
    rows = []
    for n in range(MAX_SPEAKERS + BLANK_SPEAKERS):
        prefix = f"speaker-{n}-"
        if not any(key.startswith(prefix) for key in post):
            continue
        rows.append({f: post.get(prefix + f, "") for f in SPEAKER_FIELDS})
    return rows


def webinar_values(webinar) -> dict:
    values = {f: getattr(webinar, f) for f in WEBINAR_FIELDS}
    values["starts_at"] = montreal_input(webinar.starts_at)
    values["ends_at"] = montreal_input(webinar.ends_at)
    values["speakers"] = [{f: getattr(s, f) for f in SPEAKER_FIELDS} for s in webinar.speakers.all()]
    return values


def webinar_values_from_post(post) -> dict:
    data, speakers = webinar_data(post)
    data["speakers"] = speakers
    return data


def speaker_rows(values: dict) -> list[dict]:
    rows = [dict(row, index=n) for n, row in enumerate(s for s in values.get("speakers") or [] if any(s.values()))]
    for _n in range(BLANK_SPEAKERS):
        rows.append({"index": len(rows), **{f: "" for f in SPEAKER_FIELDS}})
    return rows


def attendance_marks(post, registration_ids) -> dict:
    """``{id: True | False | None}`` from the radio buttons ``attended-<id>`` (present / absent / unknown)."""
    marks = {}
    for pk in registration_ids:
        value = post.get(f"attended-{pk}")
        if value is None:
            continue
        marks[pk] = {"present": True, "absent": False, "unknown": None}.get(value, value)
    return marks
