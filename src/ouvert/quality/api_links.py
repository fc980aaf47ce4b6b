"""``/api/v1/quality/links`` and ``/api/v1/quality/resources/{id}/checks``: the link checker's results.

Reads are open to everyone; a token (``Authorization: <token>``) or a signed-in session lets members see
the links of their private datasets and drafts. Errors have the REST API's shape (``{"detail",
"errors"}``): 400 for a bad parameter, 404 for an unknown publisher or a resource the caller may not see.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from ouvert.api import reader
from ouvert.core import services as core_services

from . import availability

router = Router(tags=["quality"])

MAX_LIMIT = 100




def _bool(name: str, value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    text = value.strip().lower()
    if text in ("true", "1", "oui", "yes"):
        return True
    if text in ("false", "0", "non", "no"):
        return False
    raise ValidationError({name: [_("« %(value)s » n'est pas un booléen : utilisez true ou false.")
                                  % {"value": value[:50]}]})


def _int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise ValidationError({name: [_("« %(name)s » doit être un entier entre %(low)s et %(high)s.")
                                      % {"name": name, "low": low, "high": high}]})
    return number


def _time(value):
    return value.isoformat() if value is not None else None


def check_dict(check) -> dict | None:
    if check is None:
        return None
    return {
        "checked_at": _time(check.checked_at), "url": check.url, "outcome": check.outcome,
        "outcome_label": str(check.get_outcome_display()), "available": check.available, "status": check.status,
        "final_url": check.final_url or None, "redirects": check.redirects, "content_type": check.content_type or None,
        "content_length": check.content_length, "type_matches": check.type_matches,
        "length_matches": check.length_matches, "response_ms": check.response_ms, "message": check.message or None,
    }


def _state_dict(state) -> dict | None:
    if state is None:
        return None
    return {"available": state.available, "broken_since": _time(state.broken_since),
            "consecutive_failures": state.consecutive_failures, "notified_at": _time(state.notified_at),
            "next_check_at": _time(state.next_check_at)}


@router.get("/links", summary="Liens des ressources et leur disponibilité",
            description="Les liens des jeux de données visibles, brisés en premier. Paramètres : `organisation` "
                        "(identifiant d'un éditeur), `broken` (true : seulement les liens brisés ; false : les "
                        "autres), `page` (1 par défaut), `limit` (50 par défaut, au plus 100).")
def links(request: HttpRequest, organisation: str | None = None, broken: str | None = None,
          page: str | None = None, limit: str | None = None):
    user = reader(request)
    org = core_services.organisation_get(slug=organisation) if organisation else None
    wanted = _bool("broken", broken)
    state = "" if wanted is None else ("brises" if wanted else "non-brises")
    per_page = _int("limit", limit, availability.REPORT_PAGE_SIZE, 1, MAX_LIMIT)
    number = _int("page", page, 1, 1, 10_000_000)
    report = availability.links_report(user=user, organisation=org, state=state, page=number, per_page=per_page)
    return {
        "count": report["count"], "page": report["page"], "pages": report["pages"], "summary": report["summary"],
        "results": [{
            "resource_id": str(row["resource_id"]), "resource_name": row["resource_name"],
            "format": row["resource_format"], "url": row["url"],
            "dataset": {"name": row["dataset_name"], "title": row["dataset_title"]},
            "organisation": row["organisation_slug"], "available": row["available"],
            "broken_since": _time(row["broken_since"]), "consecutive_failures": row["consecutive_failures"],
            "uptime_30_days": row["uptime"], "type_matches": row["type_matches"],
            "length_matches": row["length_matches"], "warnings": row["warnings"],
            "last_check": check_dict(row["last_check"]), "next_check_at": _time(row["next_check_at"]),
        } for row in report["rows"]],
    }


@router.get("/resources/{resource_id}/checks", summary="Historique des vérifications du lien d'une ressource",
            description="L'état du lien, sa disponibilité sur 30 jours et ses vérifications, de la plus récente à "
                        "la plus ancienne. Paramètres : `page`, `limit` (50 par défaut, au plus 100).")
def resource_checks(request: HttpRequest, resource_id: str, page: str | None = None, limit: str | None = None):
    user = reader(request)
    per_page = _int("limit", limit, availability.HISTORY_PAGE_SIZE, 1, MAX_LIMIT)
    number = _int("page", page, 1, 1, 10_000_000)
    history = availability.resource_link_history(user=user, resource_id=resource_id, page=number,
                                                 per_page=per_page)
    return {
        "resource_id": str(history["resource"].pk), "uploaded": history["uploaded"],
        "uptime_30_days": history["uptime"], "state": _state_dict(history["state"]),
        "count": history["count"], "page": history["page"], "pages": history["pages"],
        "results": [check_dict(check) for check in history["checks"]],
    }
