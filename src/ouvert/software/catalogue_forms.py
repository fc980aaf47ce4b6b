"""Reading the catalogue's forms (POST data) into what ``software_save`` takes, and an entry back into what the
form shows (lists as one item per line)."""

from __future__ import annotations

from .catalogue import FIELDS

#: The form field (``id``) where each service field's error is shown.
FIELD_IDS = {field: "s-" + field.replace("_", "-") for field in FIELDS}
FIELD_IDS.update({"status": "st-status", "reason": "st-reason", "last_recommended_version": "st-version",
                  "logo": "l-logo"})
LIST_FIELDS = ("features_fr", "features_en", "available_languages", "similar", "replaces")
MULTI_FIELDS = ("categories", "platforms")
BOOL_FIELDS = ("is_proprietary", "from_quebec_public_body")


def error_items(exc) -> list[dict]:
    """The messages of a ``ValidationError`` as ``{"text", "target", "field"}``."""
    if hasattr(exc, "error_dict"):
        return [{"text": message, "target": FIELD_IDS.get(field, ""), "field": field}
                for field, messages in exc.message_dict.items() for message in messages]
    return [{"text": message, "target": "", "field": ""} for message in exc.messages]


def field_errors(items: list[dict]) -> dict:
    """``{field: [messages]}`` to show each message under its field."""
    result: dict = {}
    for item in items:
        result.setdefault(item["field"], []).append(item["text"])
    return result


def data_from_post(post) -> dict:
    """What ``software_save`` takes from a posted form (every field: the form shows them all)."""
    data: dict = {}
    for field in FIELDS:
        if field in ("slug", "publiccode"):
            continue
        if field in MULTI_FIELDS:
            data[field] = [v for v in post.getlist(field)[:200] if v]
        elif field in BOOL_FIELDS:
            data[field] = field in post
        elif field in LIST_FIELDS:
            data[field] = post.get(field, "").replace(",", "\n") if field in ("similar", "replaces",
                                                                          "available_languages") \
                else post.get(field, "")
            if isinstance(data[field], str):
                data[field] = [line.strip() for line in data[field].splitlines() if line.strip()]
        else:
            data[field] = post.get(field, "")
    if post.get("slug", "").strip():
        data["slug"] = post.get("slug", "").strip()
    return data


def values_for_form(data: dict) -> dict:
    """Posted data shown again in the form."""
    values = dict(data)
    for field in LIST_FIELDS:
        if isinstance(values.get(field), list):
            values[field] = "\n".join(str(v) for v in values[field])
    return values


def values_of(software) -> dict:
    """An entry's values as the form shows them."""
    values = {field: getattr(software, field) for field in FIELDS if field not in ("similar", "replaces", "publisher")}
    values["publisher"] = software.publisher.slug if software.publisher_id else ""
    values["release_date"] = software.release_date.isoformat() if software.release_date else ""
    values["similar"] = "\n".join(software.similar.order_by("slug").values_list("slug", flat=True))
    values["replaces"] = "\n".join(software.replaces.order_by("slug").values_list("slug", flat=True))
    for field in ("features_fr", "features_en", "available_languages"):
        values[field] = "\n".join(str(v) for v in values[field] or [])
    return values
