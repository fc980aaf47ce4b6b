"""Reading the policy pages' forms (POST data) into what the ``policy`` services take, and the stored
values back into what the forms show."""

from __future__ import annotations

from . import compliance
from .models import Version

__all__ = ["archiving_data_from_post", "archiving_initial", "error_lines", "field_errors", "journal_data_from_post",
           "journal_initial", "version_data_from_post", "version_initial"]

VERSION_FIELDS = ("code", "title_fr", "title_en", "summary_fr", "summary_en", "url", "effective_from",
                  "max_embargo_months", "rights_retention_fr", "rights_retention_en")
JOURNAL_FIELDS = ("title", "issn_print", "issn_electronic", "publisher", "registry", "url")
ARCHIVING_FIELDS = ("issn", "publisher", "version", "embargo_months", "licence", "conditions", "url")


def error_lines(exc) -> list[str]:
    """The messages of a ``ValidationError`` as lines to show (the field is named in each message)."""
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def field_errors(exc) -> dict:
    return dict(exc.message_dict) if hasattr(exc, "error_dict") else {}


def version_data_from_post(post) -> dict:
    data = {name: post.get(name, "") for name in VERSION_FIELDS}
    data["licences"] = post.get("licences", "")
    routes = {}
    for code in compliance.ROUTES:
        if post.get(f"route_{code}") != "on":
            continue
        params = {}
        if code == "repository":
            params["versions"] = [v for v in post.getlist("repository_versions") if v] or ["__none__"]
        if code == "hybrid":
            params["transformative_only"] = post.get("hybrid_transformative_only") == "on"
        routes[code] = params
    data["routes"] = routes
    return data


def version_initial(version=None) -> dict:
    if version is None:
        return {"max_embargo_months": 0, "licences": "CC-BY-4.0",
                "routes": {"journal": {}, "repository": {"versions": ["accepted", "published"]}}}
    data = {name: getattr(version, name) for name in VERSION_FIELDS}
    data["effective_from"] = version.effective_from.isoformat() if version.effective_from else ""
    data["licences"] = "; ".join(version.licences or [])
    data["routes"] = version.routes or {}
    return data


def route_choices(routes: dict) -> list[dict]:
    """The routes for the form's checkboxes, with their current parameters."""
    rows = []
    for code, route in compliance.ROUTES.items():
        params = routes.get(code) or {}
        rows.append({"code": code, "label": route.label, "explanation": route.explanation, "enabled": code in routes,
                     "versions": [(value, label, value in (params.get("versions") or []))
                                  for value, label in Version.choices],
                     "transformative_only": bool(params.get("transformative_only"))})
    return rows


__all__ += ["route_choices"]


def journal_data_from_post(post) -> dict:
    data = {name: post.get(name, "") for name in JOURNAL_FIELDS}
    data["licences"] = post.get("licences", "")
    data["is_open_access"] = post.get("is_open_access") == "on"
    data["transformative"] = post.get("transformative") == "on"
    data["apc"] = {"yes": True, "no": False}.get(post.get("apc", ""), None)
    return data


def journal_initial(journal=None) -> dict:
    if journal is None:
        return {"is_open_access": True, "registry": "DOAJ", "licences": "CC-BY-4.0", "apc": None}
    data = {name: getattr(journal, name) for name in JOURNAL_FIELDS}
    data.update(licences="; ".join(journal.licences or []), is_open_access=journal.is_open_access,
                transformative=journal.transformative, apc=journal.apc)
    return data


def archiving_data_from_post(post) -> dict:
    data = {name: post.get(name, "") for name in ARCHIVING_FIELDS}
    data["locations"] = post.get("locations", "")
    data["journal"] = None
    return data


def archiving_initial(policy=None) -> dict:
    if policy is None:
        return {"version": "accepted", "embargo_months": 0}
    return {"issn": policy.journal.issns[0] if policy.journal is not None and policy.journal.issns else "",
            "publisher": policy.publisher, "version": policy.version, "embargo_months": policy.embargo_months,
            "licence": policy.licence, "conditions": policy.conditions, "url": policy.url,
            "locations": "; ".join(policy.locations or [])}
