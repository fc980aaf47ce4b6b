"""A small client of a remote CKAN Action API v3 (``<site>/api/3/action/<name>``), for harvesting."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import http


def api_base(url: str) -> str:
    """``https://site/data/en`` or ``https://site/data/en/api/3/action`` → the action API base."""
    url = url.strip().rstrip("/")
    for suffix in ("/api/3/action", "/api/action", "/api/3", "/api"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
            break
    return f"{url}/api/3/action"


def action(base: str, name: str, params: dict | None = None):
    """The ``result`` of a CKAN action called with GET, or ``HarvestHTTPError`` with CKAN's message."""
    url = f"{base}/{name}"
    answer = http.get(url, params=params, accept="application/json", ok_statuses=(200, 400, 403, 404, 409))
    body = answer.json()
    if not isinstance(body, dict) or "success" not in body:
        raise http.HarvestHTTPError(_("%(url)s : ce n'est pas une réponse de l'API CKAN.") % {"url": answer.url[:300]},
                                    url=answer.url, status=answer.status)
    if not body.get("success"):
        error = body.get("error") or {}
        message = error.get("message") if isinstance(error, dict) else None
        if not message and isinstance(error, dict):
            message = "; ".join(f"{k}: {v}" for k, v in error.items() if k != "__type")
        kind = error.get("__type", "") if isinstance(error, dict) else ""
        raise http.HarvestHTTPError(_("%(url)s : %(type)s %(message)s")
                                    % {"url": answer.url[:300], "type": kind, "message": str(message)[:500]},
                                    url=answer.url, status=answer.status)
    if answer.status != 200:
        raise http.HarvestHTTPError(_("%(url)s : le serveur a répondu %(status)s.")
                                    % {"url": answer.url[:300], "status": answer.status}, url=answer.url,
                                    status=answer.status)
    return body.get("result")
