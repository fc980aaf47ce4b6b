"""What the evaluation and delivery pages read from their forms, and how they show a service's refusal."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def scores_from_post(post, criteria) -> dict:
    """``{criterion id: {"score", "comment"}}`` from the fields ``score-<id>`` and ``comment-<id>``."""
    return {str(c.pk): {"score": post.get(f"score-{c.pk}", ""), "comment": post.get(f"comment-{c.pk}", "")}
            for c in criteria}


def error_lines(exc: ValidationError) -> list[str]:
    """The messages of a ``ValidationError`` as lines to show (each message names its field)."""
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """The messages per field (to show beside each field and link ``aria-describedby``)."""
    return exc.message_dict if hasattr(exc, "error_dict") else {}


def checked_indexes(post, name: str = "checklist") -> list[int]:
    """The ticked boxes of a checklist (``name`` = index), ignoring anything that is not a number."""
    out = []
    for value in post.getlist(name):
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            out.append(value)  # the service says which one is unknown
    return out
