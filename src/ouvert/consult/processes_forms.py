"""Reading the wizard's forms (POST data) into what the ``processes`` services take."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Phase
from .processes import PHASE_ORDER, PRINCIPLE_KEYS

#: The wizard's steps: (slug, title, guide slug).
STEPS = [
    ("objet", _("Objet et décision"), "niveau-influence"),
    ("calendrier", _("Calendrier et phases"), "planifier-une-consultation"),
    ("participation", _("Participation"), "rencontres-inclusives"),
    ("composantes", _("Composantes"), "choisir-les-methodes"),
    ("information", _("Information"), "planifier-une-consultation"),
    ("principes", _("Principes"), "sept-principes"),
]
STEP_SLUGS = [s[0] for s in STEPS]

OBJECT_FIELDS = ("title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en",
                 "decision_fr", "decision_en", "influence")
PARTICIPATION_FIELDS = ("mode", "visibility", "verification", "support_limit", "support_threshold",
                        "proposal_limit", "auto_hide_threshold")
PARTICIPATION_FLAGS = ("amendments_enabled", "demographics_enabled")
INFORMATION_FIELDS = ("theme", "territory", "contact_name", "contact_email", "contact_phone")


def fields_from_post(post, fields, flags=()) -> dict:
    data = {f: post.get(f, "") for f in fields}
    data.update({f: post.get(f) == "on" for f in flags})
    return data


def phases_from_post(post, existing: dict) -> list[dict]:
    """The calendar step: one row per kind, used when its box is ticked; components kept from ``existing``."""
    rows = []
    for kind in PHASE_ORDER:
        if post.get(f"{kind}-enabled") != "on":
            continue
        old = existing.get(kind)
        rows.append({"kind": kind, "starts_on": post.get(f"{kind}-starts_on", ""),
                     "ends_on": post.get(f"{kind}-ends_on", ""),
                     "components": list(old.components or []) if old else [],
                     "title_fr": old.title_fr if old else "", "title_en": old.title_en if old else "",
                     "description_fr": post.get(f"{kind}-description_fr", ""),
                     "description_en": old.description_en if old else ""})
    return rows


def components_from_post(post, phases: list[Phase]) -> list[dict]:
    """The components step: the ticked components of each existing phase."""
    return [{"kind": p.kind, "starts_on": p.starts_on, "ends_on": p.ends_on, "title_fr": p.title_fr,
             "title_en": p.title_en, "description_fr": p.description_fr, "description_en": p.description_en,
             "components": post.getlist(f"components-{p.kind}")}
            for p in phases]


def categories_from_text(text: str) -> list[tuple[str, str]]:
    """One category a line, ``nom | name`` (the English name optional)."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        fr, _sep, en = line.partition("|")
        rows.append((fr.strip(), en.strip()))
    return rows


def categories_to_text(categories) -> str:
    return "\n".join(f"{c.name_fr} | {c.name_en}" if c.name_en else c.name_fr for c in categories)


def emails_from_text(text: str) -> list[str]:
    return [e.strip() for chunk in (text or "").splitlines() for e in chunk.replace(";", ",").split(",")
            if e.strip()]


def notes_from_post(post) -> dict:
    return {key: post.get(f"principle-{key}", "") for key in PRINCIPLE_KEYS}


def error_lines(exc) -> list[str]:
    """The messages of a ``ValidationError`` as lines to show (the field's name is in the message)."""
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)
