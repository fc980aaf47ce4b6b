"""The campaign form: what organisers type (one line per criterion, candidate or invitation, fields separated
by « | ») parsed into the ``data`` of ``campaigns.campaign_create``. The rules are the service's."""

from __future__ import annotations

from django.utils.translation import gettext as _

FIELD_LABELS = {"criteria": "Critères", "candidates": "Candidats", "invitations": "Invitations"}


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in (text or "").replace("\r", "").split("\n")
            if line.strip()]


def campaign_data_from_post(post) -> dict:
    criteria = [{"name_fr": parts[0], "weight": parts[1] if len(parts) > 1 and parts[1] else "1",
                 "description_fr": " | ".join(parts[2:])} for parts in _lines(post.get("criteria", ""))]
    candidates = [{"title_fr": parts[0], "holder": parts[1] if len(parts) > 1 else "",
                   "description_fr": " | ".join(parts[2:])} for parts in _lines(post.get("candidates", ""))]
    invitations = []
    for parts in _lines(post.get("invitations", "")):
        target, group = parts[0], (parts[1] if len(parts) > 1 else "")
        if target.lower().startswith("organisme:"):
            invitations.append({"organisation": target.split(":", 1)[1].strip(), "group": group})
        else:
            invitations.append({"email": target, "group": group})
    return {
        "title_fr": post.get("title_fr", ""), "title_en": post.get("title_en", ""),
        "description_fr": post.get("description_fr", ""), "description_en": post.get("description_en", ""),
        "theme": post.get("theme", ""),
        "method": post.get("method", ""), "audience": post.get("audience", ""),
        "scale_max": post.get("scale_max", ""), "selected_count": post.get("selected_count", ""),
        "opens_at": post.get("opens_at", ""), "closes_at": post.get("closes_at", ""),
        "criteria": criteria, "candidates": candidates, "invitations": invitations,
    }


def error_lines(message_dict: dict) -> list[str]:
    """« criteria.1.weight » → « Critères, ligne 2 : … »."""
    lines = []
    for key, messages in message_dict.items():
        parts = key.split(".")
        prefix = ""
        if parts[0] in FIELD_LABELS:
            prefix = FIELD_LABELS[parts[0]]
            if len(parts) > 1 and parts[1].isdigit():
                prefix = _("%(field)s, ligne %(line)s") % {"field": prefix, "line": int(parts[1]) + 1}
        for message in messages:
            lines.append(f"{prefix} : {message}" if prefix else str(message))
    return lines
