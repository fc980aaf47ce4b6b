"""Reading the proposals part's forms (POST data) into what the ``suppliers`` and ``proposals`` services take."""

from __future__ import annotations

from .proposals import TEXT_LIMITS
from .suppliers import PROFILE_FIELDS

SUPPLIER_FLAGS = ("is_sme", "is_startup")


def flag(post, name: str) -> bool:
    return post.get(name) in ("on", "true", "1", "yes")


def supplier_from_post(post, *, with_neq: bool) -> dict:
    data = {f: post.get(f, "") for f in PROFILE_FIELDS if f not in SUPPLIER_FLAGS}
    data.update({f: flag(post, f) for f in SUPPLIER_FLAGS})
    if with_neq:
        data["neq"] = post.get("neq", "")
    return data


def content_from_post(post, criteria) -> dict:
    """The draft's text fields and one answer per criterion (``criterion_<id>``)."""
    content = {f: post.get(f, "") for f in TEXT_LIMITS}
    content["criteria"] = {str(c.pk): post.get(f"criterion_{c.pk}", "") for c in criteria}
    return content


def error_lines(exc) -> list[str]:
    """The messages of a ``ValidationError`` as lines to show (the field's name is in the message)."""
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(getattr(exc, "messages", [str(exc)]))


def field_errors(exc) -> dict[str, list[str]]:
    return dict(exc.message_dict) if hasattr(exc, "message_dict") else {}
