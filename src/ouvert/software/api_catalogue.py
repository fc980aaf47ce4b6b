"""``/api/v1/software/…``: the catalogue part.

- ``GET /catalogue`` (anyone): full text ``q``, filters ``category``, ``licence`` (an SPDX identifier),
  ``type``, ``status``, ``quebec`` (1 or 0), ``publisher`` (organisation slug); ``sort`` (relevance, name,
  updated); ``page`` and ``per_page`` (1 to 100); ``facets`` gives each filter's values with their counts;
- ``GET /catalogue/{slug}`` (anyone): an entry with its status history, similar software, what it can replace
  and what can replace it, and the number of public bodies using it;
- ``POST /catalogue`` and ``PATCH /catalogue/{slug}`` (the free-software team, token or session): the body's
  keys are ``software_save``'s (absent keys unchanged on ``PATCH``); 201 / 200 with the entry;
- ``POST /catalogue/{slug}/status`` (platform admins): ``{"status", "reason", "last_recommended_version"}``.

Errors: 400 bad input (``errors`` per field), 401 without a token, 403 not allowed, 404 unknown.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema, Status

from ouvert.api import AUTH
from ouvert.core import services as core_services
from ouvert.software import services

from .api_inventory import repository_row
from .catalogue import FIELDS
from .models import Software

router = Router(tags=["software"])

MAX_PER_PAGE = 100


def _iso(value):
    return value.isoformat() if value else None


def _row(s: Software) -> dict:
    return {
        "slug": s.slug, "name": s.name, "short_description_fr": s.short_description_fr,
        "short_description_en": s.short_description_en, "function_fr": s.function_fr, "function_en": s.function_en,
        "categories": list(s.categories or []), "licence": s.licence, "is_proprietary": s.is_proprietary,
        "status": s.status, "last_recommended_version": s.last_recommended_version,
        "latest_version": s.latest_version, "software_type": s.software_type,
        "from_quebec_public_body": s.from_quebec_public_body,
        "publisher": s.publisher.slug if s.publisher_id else None,
        "logo_url": s.logo.url if s.logo else None, "usage_count": getattr(s, "usage_count", None),
        "url": services.software_url(s), "updated_at": _iso(s.updated_at),
    }


def detail_data(slug: str) -> dict:
    detail = services.software_detail(slug)
    s = detail["software"]
    data = _row(s)
    data.update({
        "long_description_fr": s.long_description_fr, "long_description_en": s.long_description_en,
        "features_fr": list(s.features_fr or []), "features_en": list(s.features_en or []),
        "release_date": _iso(s.release_date), "website_url": s.website_url, "repository_url": s.repository_url,
        "wikidata_id": s.wikidata_id, "development_status": s.development_status, "platforms": list(s.platforms or []),
        "available_languages": list(s.available_languages or []), "accessibility_url": s.accessibility_url,
        "accessibility_fr": s.accessibility_fr, "accessibility_en": s.accessibility_en,
        "maintainer_name": s.maintainer_name, "status_reason": s.status_reason, "created_at": _iso(s.created_at),
        "usage_count": detail["usage_count"],
        "similar": [x.slug for x in detail["similar"]], "replaces": [x.slug for x in detail["replaces"]],
        "replaced_by": [x.slug for x in detail["replaced_by"]],
        "status_history": [{"date": _iso(c.created_at), "before": c.status_before, "after": c.status_after,
                            "reason": c.reason, "last_recommended_version": c.last_recommended_version}
                           for c in detail["status_changes"]],
    })
    return data


@router.get("/catalogue", url_name="software_catalogue", summary="Catalogue des logiciels / Software catalogue")
def catalogue(request: HttpRequest, q: str = "", category: str = "", licence: str = "", type: str = "",
              status: str = "", quebec: str = "", publisher: str = "", used_by: str = "", sort: str = "",
              page: str = "1", per_page: str = "20"):
    """Full text ``q``; filters ``category``, ``licence`` (an SPDX identifier), ``type``, ``status``, ``quebec``
    (1/0), ``publisher`` and ``used_by`` (a body's slug); ``sort`` (relevance, name, updated); ``page`` and
    ``per_page`` (1 to 100). ``facets`` gives each filter's values with their counts; with ``q``,
    ``repositories`` gives the inventory's matching code repositories (the count and the five best)."""
    result = services.catalogue_search(q=q[:500], filters={
        "category": category, "licence": licence, "type": type, "status": status, "quebec": quebec,
        "publisher": publisher, "used_by": used_by}, sort=sort)
    meta, rows = core_services.api_page(result["queryset"], page=page, per_page=per_page, maximum=MAX_PER_PAGE,
                                        count=result["count"])
    repositories = services.repositories_matching(q)
    return {**meta, "sort": result["sort"], "facets": result["facets"], "results": [_row(s) for s in rows],
            "repositories": {"count": repositories["count"],
                             "results": [repository_row(r) for r in repositories["items"]]}}


@router.get("/catalogue/{slug}", url_name="software_detail", summary="Un logiciel / One software")
def detail(request: HttpRequest, slug: str):
    return detail_data(slug)


def _payload(payload) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError({"__all__": [_("Un objet JSON est attendu.")]})
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise ValidationError({"__all__": [_("Champs inconnus : %(names)s.") % {"names": ", ".join(unknown)[:300]}]})
    return payload


@router.post("/catalogue", auth=AUTH, response={201: dict}, url_name="software_create",
             summary="Ajouter un logiciel / Add a software")
def create(request: HttpRequest, payload: dict = Body(...)):  # noqa: B008
    software = services.software_save(actor=request.auth, data=_payload(payload))
    return Status(201, detail_data(software.slug))


@router.patch("/catalogue/{slug}", auth=AUTH, url_name="software_update",
              summary="Modifier un logiciel / Change a software")
def update(request: HttpRequest, slug: str, payload: dict = Body(...)):  # noqa: B008
    software = services.software_get(slug)
    services.software_save(actor=request.auth, software=software, data=_payload(payload))
    return detail_data(slug)


class StatusIn(Schema):
    status: str
    reason: str = ""
    last_recommended_version: str = ""


@router.post("/catalogue/{slug}/status", auth=AUTH, url_name="software_status",
             summary="Changer l'état au catalogue / Change the catalogue status")
def status_set(request: HttpRequest, slug: str, payload: StatusIn):
    software = services.software_get(slug)
    services.status_set(actor=request.auth, software=software, status=payload.status, reason=payload.reason,
                        last_recommended_version=payload.last_recommended_version)
    return detail_data(slug)
