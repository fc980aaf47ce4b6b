"""Reading the grids' and the accompaniment's forms into what the services take, and the services' errors
into what the pages show (a list of messages linked to their fields, and the messages per field)."""

from __future__ import annotations

import re

#: Field ids of the forms: ``<prefix>-<field>`` (underscores as dashes).
_FIELD = re.compile(r"[^a-z0-9-]")


def field_id(prefix: str, field: str) -> str:
    return _FIELD.sub("-", f"{prefix}-{field}".lower().replace("_", "-"))


def error_items(exc, prefix: str = "f") -> list[dict]:
    """``[{"text", "target"}]`` of a ``ValidationError`` (``target``: the id of the field named, if any)."""
    if hasattr(exc, "message_dict"):
        return [{"text": m, "target": field_id(prefix, f) if f != "__all__" else ""}
                for f, messages in exc.message_dict.items() for m in messages]
    return [{"text": m, "target": ""} for m in exc.messages]


def field_errors(exc) -> dict:
    return dict(exc.message_dict) if hasattr(exc, "message_dict") else {}


def score_rows(post, candidates, criteria) -> dict:
    """``{(candidate id, criterion id): {"value", "note", "evidence_url"}}`` from the scores form
    (``score-<candidate>-<criterion>-<field>``), for the cells the form holds."""
    rows = {}
    for candidate in candidates:
        for criterion in criteria:
            prefix = f"score-{candidate['id']}-{criterion['id']}-"
            if prefix + "value" not in post:
                continue
            rows[(candidate["id"], criterion["id"])] = {
                "value": post.get(prefix + "value", ""), "note": post.get(prefix + "note", ""),
                "evidence_url": post.get(prefix + "evidence_url", "")}
    return rows
