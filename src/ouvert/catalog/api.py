"""``/api/v1/catalog/…`` (the catalogue's own API beside the CKAN Action API).

Reuses (réutilisations):

- ``GET /reuses``: published reuses, newest first; filters ``kind``, ``dataset`` (name),
  ``organisation`` (slug), ``theme`` (name), ``q``; ``limit`` (≤ 100), ``offset``.
- ``GET /reuses/moderation``: the pending reuses (moderators only).
- ``GET /reuses/{name}``: one reuse (published; the submitter and moderators see the others too).
- ``POST /reuses``: propose one (token or session): JSON, or multipart with an ``image`` file and
  ``datasets`` given once per dataset or comma-separated. 201 with the reuse, pending moderation.
- ``POST /reuses/{name}/moderate``: ``{"decision": "publish"|"reject", "note": "…"}`` (moderators).

Errors: 400 with ``{"detail", "errors"}``, 401 without credentials, 403, 404.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja import Status as HttpStatus

from ouvert.api import AUTH, reader

from . import services

router = Router(tags=["catalog"])

MAX_LIMIT = 100


@router.get("/reuses", summary="Réutilisations publiées / Published reuses")
def reuse_list(request: HttpRequest, kind: str = "", dataset: str = "", organisation: str = "", theme: str = "",
               q: str = "", limit: int = 20, offset: int = 0):
    if limit < 0 or offset < 0:
        raise ValidationError({"limit": [_("limit et offset sont des nombres entiers positifs.")]})
    limit = min(limit, MAX_LIMIT)
    queryset = services.reuse_list(kind=kind, dataset=dataset, organisation=organisation, theme=theme, q=q)
    return {"count": queryset.count(), "limit": limit, "offset": offset,
            "results": [services.reuse_to_dict(r) for r in queryset[offset:offset + limit]]}


@router.get("/reuses/moderation", auth=AUTH, summary="Réutilisations à modérer / Reuses awaiting moderation")
def reuse_moderation_queue(request: HttpRequest):
    queue = services.reuse_moderation_queue(user=request.user)
    return {"count": len(queue), "results": [services.reuse_to_dict(r, moderation=True) for r in queue]}


@router.get("/reuses/{name}", summary="Une réutilisation / One reuse")
def reuse_show(request: HttpRequest, name: str):
    user = reader(request)
    reuse = services.reuse_get(name=name, user=user)
    moderation = services.reuse_is_moderator(user) or (user.is_authenticated and reuse.submitted_by_id == user.pk)
    return services.reuse_to_dict(reuse, moderation=moderation)


def _payload(request) -> tuple[dict, object]:
    content_type = (request.content_type or "").lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = {key: request.POST.get(key) for key in request.POST if key != "datasets"}
        names = []
        for value in request.POST.getlist("datasets"):
            names.extend(v.strip() for v in value.split(",") if v.strip())
        data["datasets"] = names
        return data, request.FILES.get("image")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"__all__": [_("Corps JSON invalide.")]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("Un objet JSON est attendu.")]})
    return data, None


@router.post("/reuses", auth=AUTH, response={201: dict}, summary="Proposer une réutilisation / Submit a reuse")
def reuse_submit(request: HttpRequest):
    data, image = _payload(request)
    reuse = services.reuse_submit(actor=request.user, data=data, image=image)
    reuse = services.reuse_get(name=reuse.name, user=request.user)
    return HttpStatus(201, services.reuse_to_dict(reuse, moderation=True))


@router.post("/reuses/{name}/moderate", auth=AUTH, summary="Publier ou refuser / Publish or reject")
def reuse_moderate(request: HttpRequest, name: str):
    if not services.reuse_is_moderator(request.user):
        raise PermissionDenied(_("Seuls les modérateurs peuvent publier ou refuser une réutilisation."))
    data, _image = _payload(request)
    reuse = services.reuse_get(name=name, user=request.user)
    reuse = services.reuse_moderate(actor=request.user, reuse=reuse, decision=str(data.get("decision") or ""),
                                    note=data.get("note") or "")
    return services.reuse_to_dict(services.reuse_get(name=reuse.name, user=request.user), moderation=True)
