"""Reading the registry's forms (POST data) into what the ``registry`` services take, and the values back into
what the forms show: plain server-rendered rows of authors (``author-<n>-<field>``) and fundings
(``funding-<n>-<field>``) that work without JavaScript (a button adds empty rows)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .registry import FIELDS

#: Empty rows offered below the filled ones.
BLANK_AUTHORS = 2
BLANK_FUNDINGS = 1
#: Rows read at most from a posted form.
MAX_ROWS = 200
AUTHOR_FIELDS = ("name", "orcid", "affiliation", "email")
FUNDING_FIELDS = ("fund", "grant_number", "competition_date")

#: The form field (``id``) where each service field's error is shown.
FIELD_IDS = {"doi": "p-doi", "title": "p-title", "journal_title": "p-journal", "issn": "p-issn", "publisher": "p-publisher",
             "published_on": "p-published", "licence": "p-licence", "version_deposited": "p-version",
             "repository_url": "p-repository", "deposited_on": "p-deposited", "deposit_open_on": "p-open",
             "deposit_licence": "p-deposit-licence", "oa_status": "p-oa", "institution": "p-institution",
             "authors": "a-0-name", "fundings": "f-0-fund", "reason": "w-reason", "file": "i-file"}


def error_items(exc) -> list[dict]:
    """The messages of a ``ValidationError`` as ``{"text", "target"}`` (the id of the field to link to)."""
    if hasattr(exc, "error_dict"):
        return [{"text": message, "target": FIELD_IDS.get(field, "")}
                for field, messages in exc.message_dict.items() for message in messages]
    return [{"text": message, "target": ""} for message in exc.messages]


def _rows(post, prefix: str, fields: tuple) -> list[dict]:
    rows = []
    for n in range(MAX_ROWS):
        keys = [f"{prefix}-{n}-{field}" for field in fields]
        if not any(key in post for key in keys):
            continue
        rows.append({field: post.get(f"{prefix}-{n}-{field}", "") for field in fields})
    return rows


def data_from_post(post) -> dict:
    """The declaration form's data: the publication's fields, its authors (the corresponding one ticked) and
    its fundings."""
    data = {field: post.get(field, "") for field in FIELDS}
    authors = []
    for n in range(MAX_ROWS):
        keys = [f"author-{n}-{field}" for field in AUTHOR_FIELDS]
        if not any(key in post for key in keys):
            continue
        row = {field: post.get(f"author-{n}-{field}", "") for field in AUTHOR_FIELDS}
        row["is_corresponding"] = post.get(f"author-{n}-is_corresponding") == "on"
        authors.append(row)
    data["authors"] = authors
    data["fundings"] = _rows(post, "funding", FUNDING_FIELDS)
    data["source"] = post.get("source", "")
    return data


def author_rows(values: dict, extra: int = 0) -> list[dict]:
    rows = [dict(row, index=n) for n, row in enumerate(values.get("authors") or [])]
    for _n in range((BLANK_AUTHORS if not rows else 1) + extra):
        rows.append({"index": len(rows), "name": "", "orcid": "", "affiliation": "", "email": "", "is_corresponding": False})
    return rows


def funding_rows(values: dict, extra: int = 0) -> list[dict]:
    rows = [dict(row, index=n) for n, row in enumerate(values.get("fundings") or [])]
    for _n in range((BLANK_FUNDINGS if not rows else 0) + extra):
        rows.append({"index": len(rows), "fund": "", "grant_number": "", "competition_date": ""})
    return rows


def fund_value(value) -> str:
    """A funding row's fund as the select's value (a slug), from a slug or a ``Fund``."""
    return getattr(value, "slug", value) or ""


def import_help() -> str:
    return _("Une ligne par publication ; séparateur virgule, point-virgule ou tabulation ; UTF-8 ou Windows-1252.")
