"""``/api/v1/consult/…``: the proposals part.

- ``GET /processes/{slug}/proposals`` (``category``, ``status``, ``q``, ``sort``, ``limit``, ``offset``);
- ``GET /processes/{slug}/proposals/{number}``; ``POST /processes/{slug}/proposals``;
- ``POST`` / ``DELETE /processes/{slug}/proposals/{number}/support`` (answers the new count);
- ``POST /processes/{slug}/proposals/{number}/answer`` (managers);
- ``GET`` / ``POST /processes/{slug}/proposals/{number}/amendments``,
  ``POST …/amendments/{pk}/accept`` and ``…/reject`` (the proposal's author).

Reads are open to everyone who may see the process; writes need a token or a session. Errors: 400 bad
input, 403 not allowed now, 404 unknown process or proposal, 429 too fast.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ouvert.api import AUTH, reader

from . import access
from . import proposals as services
from .api_common import iso as _iso
from .models import Amendment, Proposal

router = Router(tags=["consult"])

MAX_LIMIT = 200




def _row(p: Proposal) -> dict:
    return {"number": p.number, "title": p.title, "status": p.status, "status_label": str(p.get_status_display()),
            "category": p.category.name_fr if p.category_id else None, "category_id": p.category_id,
            "author": (p.author.full_name or None) if p.author_id else None,
            "address": p.address, "latitude": p.latitude, "longitude": p.longitude,
            "supports_count": p.supports_count, "comments_count": p.comments_count, "is_hidden": p.is_hidden,
            "answered": p.answered_at is not None, "created_at": _iso(p.created_at)}


def _detail(p: Proposal, user) -> dict:
    return {**_row(p), "body": p.body, "answer_fr": p.answer_fr, "answer_en": p.answer_en,
            "answered_at": _iso(p.answered_at), "modified_at": _iso(p.modified_at),
            "attachment": p.attachment.url if p.attachment else None,
            "supported": bool(services.proposal_supported_ids(user=user, proposals=[p])),
            "support_threshold": p.process.support_threshold or None,
            "supports_remaining": services.proposal_supports_remaining(process=p.process, user=user)}


def _amendment(a: Amendment) -> dict:
    return {"id": a.pk, "title": a.title, "body": a.body, "status": a.status,
            "author": (a.author.full_name or None) if a.author_id else None, "created_at": _iso(a.created_at),
            "decided_at": _iso(a.decided_at)}


def _get(request, slug: str, number: int, user=None):
    user = user if user is not None else reader(request)
    process = access.process_get(slug=slug, user=user)
    return process, services.proposal_get(process=process, number=number, user=user)


@router.get("/processes/{slug}/proposals", summary="Propositions d'une consultation / A process's proposals")
def proposal_list(request: HttpRequest, slug: str, category: str = "", status: str = "", q: str = "",
                  sort: str = "supports", limit: int = 20, offset: int = 0, seed: int = 0):
    if limit < 1 or offset < 0:
        raise ValidationError({"limit": [_("limit (≥ 1) et offset (≥ 0) sont des nombres entiers.")]})
    limit = min(limit, MAX_LIMIT)
    user = reader(request)
    process = access.process_get(slug=slug, user=user)
    qs = services.proposal_queryset(process=process, user=user, category=category, status=status, q=q, sort=sort,
                                    seed=seed)
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "results": [_row(p) for p in qs[offset:offset + limit]]}


@router.get("/processes/{slug}/proposals/{number}", summary="Une proposition / One proposal")
def proposal_detail(request: HttpRequest, slug: str, number: int):
    user = reader(request)
    _process, proposal = _get(request, slug, number, user)
    data = _detail(proposal, user)
    if proposal.process.amendments_enabled:
        data["amendments"] = [_amendment(a) for a in services.amendment_list(proposal=proposal, user=user)]
    return data


class ProposalIn(Schema):
    title: str
    body: str
    category: int | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


@router.post("/processes/{slug}/proposals", auth=AUTH, response={201: dict},
             summary="Faire une proposition / Make a proposal")
def proposal_create(request: HttpRequest, slug: str, payload: ProposalIn):
    process = access.process_get(slug=slug, user=request.auth)
    proposal = services.proposal_create(process=process, user=request.auth, **payload.dict())
    return Status(201, _detail(proposal, request.auth))


@router.post("/processes/{slug}/proposals/{number}/support", auth=AUTH,
             summary="Appuyer une proposition / Support a proposal")
def proposal_support(request: HttpRequest, slug: str, number: int):
    proposal = services.proposal_to_support(slug=slug, number=number, user=request.auth)
    result = services.proposal_support(proposal=proposal, user=request.auth)
    return {"number": number, "supported": True, "created": result.created, "supports_count": result.supports_count}


@router.delete("/processes/{slug}/proposals/{number}/support", auth=AUTH,
               summary="Retirer son appui / Take back one's support")
def proposal_unsupport(request: HttpRequest, slug: str, number: int):
    proposal = services.proposal_to_support(slug=slug, number=number, user=request.auth)
    result = services.proposal_unsupport(proposal=proposal, user=request.auth)
    return {"number": number, "supported": False, "supports_count": result.supports_count}


class AnswerIn(Schema):
    status: str
    answer_fr: str = ""
    answer_en: str = ""


@router.post("/processes/{slug}/proposals/{number}/answer", auth=AUTH,
             summary="Réponse officielle / Official answer")
def proposal_answer(request: HttpRequest, slug: str, number: int, payload: AnswerIn):
    _process, proposal = _get(request, slug, number, request.auth)
    proposal = services.proposal_answer(proposal=proposal, user=request.auth, **payload.dict())
    return _detail(proposal, request.auth)


@router.get("/processes/{slug}/proposals/{number}/amendments", summary="Amendements / Amendments")
def amendment_list(request: HttpRequest, slug: str, number: int):
    user = reader(request)
    _process, proposal = _get(request, slug, number, user)
    return {"results": [_amendment(a) for a in services.amendment_list(proposal=proposal, user=user)]}


class AmendmentIn(Schema):
    title: str
    body: str


@router.post("/processes/{slug}/proposals/{number}/amendments", auth=AUTH, response={201: dict},
             summary="Proposer un amendement / Suggest an amendment")
def amendment_create(request: HttpRequest, slug: str, number: int, payload: AmendmentIn):
    _process, proposal = _get(request, slug, number, request.auth)
    amendment = services.amendment_create(proposal=proposal, user=request.auth, **payload.dict())
    return Status(201, _amendment(amendment))


@router.post("/processes/{slug}/proposals/{number}/amendments/{pk}/{decision}", auth=AUTH,
             summary="Accepter ou refuser un amendement / Accept or reject an amendment")
def amendment_decide(request: HttpRequest, slug: str, number: int, pk: int, decision: str):
    _process, proposal = _get(request, slug, number, request.auth)
    amendment = services.amendment_get(proposal=proposal, pk=pk)
    actions = {"accept": services.amendment_accept, "reject": services.amendment_reject,
               "withdraw": services.amendment_withdraw}
    if decision not in actions:
        raise ValidationError({"decision": [_("Décision inconnue : accept, reject ou withdraw.")]})
    return _amendment(actions[decision](amendment=amendment, user=request.auth))
