"""``/api/v1/quality/reference…``: the certified datasets, one dataset's criteria and history, and the
platform admins' certify and withdraw (token or session).

Reads are open to everyone (a dataset the caller may not see is not found: 404). Errors have the REST
API's shape (``{"detail", "errors"}``): 400 when a criterion fails or the reason is missing (the failing
criteria listed in ``errors.criteria``), 401 without credentials, 403 for anyone but a platform admin,
409 when the certification is not in a state that allows the change.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ouvert.api import AUTH, api, reader
from ouvert.catalog import services as catalog_services

from . import certification as cert
from .models import Certification

router = Router(tags=["quality"])

MAX_LIMIT = 1000




def _criteria(items: list[dict], names: dict | None = None) -> list[dict]:
    return [{"id": item["id"], "label": cert.criterion_label(item["id"]), "passed": item["passed"],
             "detail": item.get("detail") or {}, "text": cert.criterion_text(item, names=names),
             "fix": "" if item["passed"] else cert.criterion_fix(item["id"])} for item in items]


def _iso(value):
    return value.isoformat() if value is not None else None


def _detail(dataset) -> dict:
    certification = cert.certification_get(dataset)
    criteria = cert.criteria_evaluate([dataset.pk]).get(dataset.pk) or []
    names = cert.criteria_resource_names(dataset)
    return {
        "dataset": {"id": str(dataset.pk), "name": dataset.name, "title_fr": dataset.title_fr,
                    "title_en": dataset.title_en, "organisation": dataset.organisation.slug},
        "status": certification.status if certification is not None else None,
        "certified": certification is not None and certification.status == Certification.Status.CERTIFIED,
        "certified_at": _iso(certification.certified_at) if certification else None,
        "ended_at": _iso(certification.ended_at) if certification else None,
        "failing_since": _iso(certification.failing_since) if certification else None,
        "grace_days": cert.certification_grace_days(),
        "all_passed": cert.criteria_passed(criteria),
        "criteria": _criteria(criteria, names),
        "history": [{"kind": event.kind, "label": str(event.get_kind_display()), "at": _iso(event.at),
                     "actor": (event.actor.full_name or None) if event.actor is not None else None,
                     "reason": event.reason,
                     "failing": [item["id"] for item in event.criteria or [] if not item.get("passed")]}
                    for event in cert.certification_events(dataset)],
    }


def _dataset(request, name_or_id: str, user=None):
    return catalog_services.dataset_get(name_or_id=name_or_id, user=user or reader(request))


@router.get("/reference", summary="Données de référence certifiées / Certified reference datasets")
def reference_list(request: HttpRequest, limit: int = 100, offset: int = 0):
    if limit < 0 or offset < 0:
        raise ValidationError({"limit": [_("limit et offset sont des nombres entiers positifs.")]})
    limit = min(limit, MAX_LIMIT)
    queryset = cert.reference_list(user=reader(request))
    count = queryset.count()
    results = []
    for item in queryset[offset:offset + limit]:
        dataset = item.dataset
        results.append({
            "id": str(dataset.pk), "name": dataset.name, "title_fr": dataset.title_fr, "title_en": dataset.title_en,
            "organisation": {"name": dataset.organisation.slug, "title_fr": dataset.organisation.name_fr,
                             "title_en": dataset.organisation.name_en},
            "certified_at": _iso(item.certified_at), "failing_since": _iso(item.failing_since),
            "criteria": [{"id": c["id"], "passed": c["passed"]} for c in item.criteria or []],
        })
    return {"count": count, "limit": limit, "offset": offset, "results": results}


@router.get("/reference/{name_or_id}", summary="Critères et historique d'un jeu / A dataset's criteria and history")
def reference_detail(request: HttpRequest, name_or_id: str):
    return _detail(_dataset(request, name_or_id))


class WithdrawIn(Schema):
    reason: str = ""


def _conflict(request, exc: cert.CertificationConflict):
    return api.create_response(request, {"detail": exc.message}, status=409)


@router.post("/reference/{name_or_id}/certify", auth=AUTH,
             summary="Certifier (administrateurs) / Certify (platform admins)")
def reference_certify(request: HttpRequest, name_or_id: str):
    dataset = _dataset(request, name_or_id, user=request.user)
    try:
        cert.certify(actor=request.user, dataset=dataset)
    except cert.CertificationConflict as exc:
        return _conflict(request, exc)
    return _detail(dataset)


@router.post("/reference/{name_or_id}/withdraw", auth=AUTH,
             summary="Retirer la certification (administrateurs) / Withdraw (platform admins)")
def reference_withdraw(request: HttpRequest, name_or_id: str, payload: WithdrawIn):
    dataset = _dataset(request, name_or_id, user=request.user)
    try:
        cert.withdraw(actor=request.user, dataset=dataset, reason=payload.reason)
    except cert.CertificationConflict as exc:
        return _conflict(request, exc)
    return _detail(dataset)
