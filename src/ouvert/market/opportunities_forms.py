"""Reading the opportunity pages' forms (POST data) into what the ``opportunities`` services take, and
the stored values back into what the forms show."""

from __future__ import annotations

from ouvert.core import montreal

from .models import Opportunity
from .opportunities import EDITABLE_FIELDS

#: Empty criterion rows offered below the existing ones.
BLANK_CRITERIA = 2
#: Rows read at most from a posted form.
MAX_CRITERIA = 30


def error_lines(exc) -> list[str]:
    """The messages of a ``ValidationError`` as lines to show (the field is named in each message)."""
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def data_from_post(post) -> dict:
    """The opportunity form: its fields, the ticked skills plus the new ones typed (one a line or separated
    by commas), and the criteria rows (``criterion-<n>-<field>``)."""
    data = {f: post.get(f, "") for f in EDITABLE_FIELDS if f != "remote_ok"}
    data["remote_ok"] = post.get("remote_ok") == "on"
    skills = list(post.getlist("skills"))
    skills += [s for s in post.get("new_skills", "").replace("\n", ",").split(",") if s.strip()]
    data["skills"] = skills
    data["criteria"] = criteria_from_post(post)
    return data


def criteria_from_post(post) -> list[dict]:
    rows = []
    for n in range(MAX_CRITERIA):
        prefix = f"criterion-{n}-"
        if not any(key.startswith(prefix) for key in post):
            continue
        rows.append({field: post.get(prefix + field, "") for field in
                     ("name_fr", "name_en", "description_fr", "description_en", "weight")})
    return rows


def deadline_input(value) -> str:
    """A stored deadline as a ``datetime-local`` input shows it (Montreal time)."""
    return montreal.input_value(value)


def values_of(opportunity: Opportunity) -> dict:
    """What the form shows for a stored opportunity."""
    values = {f: getattr(opportunity, f) for f in EDITABLE_FIELDS}
    values["deadline"] = deadline_input(opportunity.deadline)
    for field in ("assignment_date", "start_date", "completion_date"):
        values[field] = values[field].isoformat() if values[field] else ""
    values["price"] = f"{opportunity.price:.2f}" if opportunity.price is not None else ""
    values["skills"] = [s.slug for s in opportunity.skills.all()] if opportunity.pk else []
    values["criteria"] = [{"name_fr": c.name_fr, "name_en": c.name_en, "description_fr": c.description_fr,
                           "description_en": c.description_en, "weight": c.weight}
                          for c in opportunity.criteria.all()] if opportunity.pk else []
    return values


def values_from_post(post) -> dict:
    """What the form shows again after a refusal: what was typed."""
    values = data_from_post(post)
    values["skills"] = list(post.getlist("skills"))
    values["new_skills"] = post.get("new_skills", "")
    return values


def criteria_rows(values: dict) -> list[dict]:
    rows = [dict(row, index=n) for n, row in enumerate(values.get("criteria") or [])]
    for _n in range(BLANK_CRITERIA):
        rows.append({"index": len(rows), "name_fr": "", "name_en": "", "description_fr": "", "description_en": "",
                     "weight": ""})
    return rows


def weights_total(values: dict) -> int:
    total = 0
    for row in values.get("criteria") or []:
        try:
            total += int(str(row.get("weight") or 0))
        except ValueError:
            continue
    return total
