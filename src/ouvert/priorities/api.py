"""``/api/v1/priorities/…``: data requests (list, show, create, support, follow, comment, answer, status) and
prioritisation campaigns (list, show, create, the signed-in person's ballot, results after the close).

Reads are open to everyone; writes need a token or a session (401 without). Errors have the REST API's
shape (``{"detail", "errors"}``): 400 for bad input, 403 when the person may not do it (not a member of
the holding body, not invited, campaign not open), 404 for an unknown request or campaign, 409 for
results asked before they exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ouvert.api import AUTH, api, reader
from ouvert.core import services as core_services

from . import services
from .models import Campaign, DataRequest

router = Router(tags=["priorities"])

MAX_LIMIT = 500


def _iso(value):
    return value.isoformat() if value is not None else None


def _request_row(r: DataRequest) -> dict:
    return {"id": r.pk, "title_fr": r.title_fr, "title_en": r.title_en, "status": r.status,
            "status_label": str(r.get_status_display()),
            "organisation": r.organisation.slug if r.organisation_id else None, "holder_text": r.holder_text,
            "theme": r.theme, "support_count": r.support_count, "comment_count": r.comment_count,
            "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at), "is_demo": r.is_demo}


def _request_detail(r: DataRequest, user) -> dict:
    return {**_request_row(r),
            "description_fr": r.description_fr, "description_en": r.description_en,
            "purpose_fr": r.purpose_fr, "purpose_en": r.purpose_en, "decline_reason": r.decline_reason,
            "dataset": r.dataset.name if r.dataset_id else None,
            "campaign": r.campaign.slug if r.campaign_id else None,
            "history": [{"kind": e.kind, "from_status": e.from_status or None, "to_status": e.to_status or None,
                         "text": e.text, "at": _iso(e.at)} for e in services.request_events(r)],
            "comments": [{"id": c.pk, "author": (c.author.full_name or None) if c.author_id else None,
                          "body": c.body, "created_at": _iso(c.created_at), "hidden": c.hidden_at is not None,
                          "hidden_reason": c.hidden_reason or None}
                         for c in services.request_comments(r, user=user)],
            "you": services.user_state(user, r), "can_answer": services.can_answer(user, r)}


def _request(pk: int) -> DataRequest:
    return services.request_get(pk=pk)


def _limits(limit: int, offset: int) -> int:
    if limit < 0 or offset < 0:
        raise ValidationError({"limit": [_("limit et offset sont des nombres entiers positifs.")]})
    return min(limit, MAX_LIMIT)


@router.get("/requests", summary="Demandes de données / Data requests")
def request_list(request: HttpRequest, status: str = "", organisation: str = "", theme: str = "", q: str = "",
                 sort: str = "", limit: int = 50, offset: int = 0):
    limit = _limits(limit, offset)
    queryset = services.request_list(status=status, organisation=organisation, theme=theme, q=q, sort=sort)
    return {"count": queryset.count(),
            "counts": services.request_counts(organisation=organisation, theme=theme, q=q),
            "limit": limit, "offset": offset,
            "results": [_request_row(r) for r in queryset[offset:offset + limit]]}


@router.get("/requests/{pk}", summary="Une demande, son historique et ses commentaires / One request")
def request_detail(request: HttpRequest, pk: int):
    return _request_detail(_request(pk), reader(request))


class RequestIn(Schema):
    title_fr: Any = ""
    title_en: Any = ""
    description_fr: Any = ""
    description_en: Any = ""
    purpose_fr: Any = ""
    purpose_en: Any = ""
    organisation: Any = ""
    holder_text: Any = ""
    theme: Any = ""


@router.post("/requests", auth=AUTH, summary="Faire une demande / Ask for data")
def request_create(request: HttpRequest, payload: RequestIn):
    created = services.request_create(actor=request.user, data=payload.dict())
    return api.create_response(request, _request_detail(created, request.user), status=201)


@router.post("/requests/{pk}/support", auth=AUTH, summary="Appuyer / Support")
def request_support(request: HttpRequest, pk: int):
    r = _request(pk)
    services.request_support(actor=request.user, data_request=r, on=True)
    return {"supports": True, "support_count": r.support_count}


@router.delete("/requests/{pk}/support", auth=AUTH, summary="Retirer son appui / Withdraw support")
def request_unsupport(request: HttpRequest, pk: int):
    r = _request(pk)
    services.request_support(actor=request.user, data_request=r, on=False)
    return {"supports": False, "support_count": r.support_count}


@router.post("/requests/{pk}/follow", auth=AUTH, summary="Suivre / Follow")
def request_follow(request: HttpRequest, pk: int):
    services.request_follow(actor=request.user, data_request=_request(pk), on=True)
    return {"follows": True}


@router.delete("/requests/{pk}/follow", auth=AUTH, summary="Ne plus suivre / Unfollow")
def request_unfollow(request: HttpRequest, pk: int):
    services.request_follow(actor=request.user, data_request=_request(pk), on=False)
    return {"follows": False}


class CommentIn(Schema):
    body: Any = ""


@router.post("/requests/{pk}/comments", auth=AUTH, summary="Commenter / Comment")
def request_comment(request: HttpRequest, pk: int, payload: CommentIn):
    comment = services.comment_add(actor=request.user, data_request=_request(pk), body=payload.body)
    return api.create_response(request, {"id": comment.pk, "body": comment.body,
                                         "created_at": _iso(comment.created_at)}, status=201)


class HideIn(Schema):
    reason: Any = ""


@router.post("/requests/{pk}/comments/{comment_pk}/hide", auth=AUTH,
             summary="Masquer un commentaire (administrateurs) / Hide a comment (platform admins)")
def comment_hide(request: HttpRequest, pk: int, comment_pk: int, payload: HideIn):
    comment = services.comment_get(data_request=_request(pk), pk=comment_pk)
    services.comment_hide(actor=request.user, comment=comment, reason=payload.reason)
    return {"id": comment.pk, "hidden": True}


class StatusIn(Schema):
    status: Any = ""
    reason: Any = ""
    dataset: Any = ""
    message: Any = ""


@router.post("/requests/{pk}/status", auth=AUTH,
             summary="Changer l'état (organisme détenteur, administrateurs) / Change the status")
def request_status(request: HttpRequest, pk: int, payload: StatusIn):
    r = services.request_set_status(actor=request.user, data_request=_request(pk), status=payload.status,
                                    reason=payload.reason, dataset=payload.dataset, message=payload.message)
    return _request_detail(services.request_get(pk=r.pk), request.user)


class AnswerIn(Schema):
    text: Any = ""


@router.post("/requests/{pk}/answer", auth=AUTH, summary="Répondre (organisme détenteur) / Answer")
def request_answer(request: HttpRequest, pk: int, payload: AnswerIn):
    r = _request(pk)
    services.request_answer(actor=request.user, data_request=r, text=payload.text)
    return _request_detail(r, request.user)


# --- Campaigns ------------------------------------------------------------------------------

def _campaign_row(c: Campaign) -> dict:
    return {"slug": c.slug, "title_fr": c.title_fr, "title_en": c.title_en, "organisation": c.organisation.slug,
            "theme": c.theme, "method": c.method, "audience": c.audience, "opens_at": _iso(c.opens_at),
            "closes_at": _iso(c.closes_at), "state": services.campaign_state(c),
            "results_available": c.results is not None, "is_demo": c.is_demo}


def _campaign_detail(c: Campaign, user) -> dict:
    organiser = services.can_organise(user, c)
    return {**_campaign_row(c), "description_fr": c.description_fr, "description_en": c.description_en,
            "scale_max": c.scale_max, "selected_count": c.selected_count,
            "criteria": [{"id": k.pk, "name_fr": k.name_fr, "name_en": k.name_en, "weight": float(k.weight),
                          "description_fr": k.description_fr} for k in c.criteria.order_by("position", "pk")],
            "candidates": [{"id": d.pk, "title_fr": d.title_fr, "title_en": d.title_en,
                            "description_fr": d.description_fr, "holder": d.holder,
                            "dataset": d.dataset.name if d.dataset_id else None,
                            "data_request": d.data_request_id}
                           for d in c.candidates.select_related("dataset").order_by("position", "pk")],
            "you": {"invited": services.is_invited(user, c), "organiser": organiser},
            "participants": services.participation_count(c) if organiser else None}


@router.get("/campaigns", summary="Campagnes de priorisation / Prioritisation campaigns")
def campaign_list(request: HttpRequest):
    campaigns = list(services.campaign_list())
    return {"count": len(campaigns), "results": [_campaign_row(c) for c in campaigns]}


@router.get("/campaigns/{slug}", summary="Une campagne / One campaign")
def campaign_detail(request: HttpRequest, slug: str):
    return _campaign_detail(services.campaign_get(slug=slug), reader(request))


class CampaignIn(Schema):
    organisation: str
    slug: Any = ""
    title_fr: Any = ""
    title_en: Any = ""
    description_fr: Any = ""
    description_en: Any = ""
    theme: Any = ""
    method: Any = "rating"
    audience: Any = "invited"
    scale_max: Any = None
    selected_count: Any = None
    opens_at: Any = None
    closes_at: Any = None
    criteria: Any = None
    candidates: Any = None
    invitations: Any = None


@router.post("/campaigns", auth=AUTH, summary="Créer une campagne (organisme) / Create a campaign")
def campaign_create(request: HttpRequest, payload: CampaignIn):
    data = payload.dict()
    organisation = core_services.organisation_get(slug=data.pop("organisation"))
    campaign = services.campaign_create(actor=request.user, organisation=organisation, data=data)
    return api.create_response(request, _campaign_detail(campaign, request.user), status=201)


def _ballot_out(campaign: Campaign, ballot: dict | None) -> dict:
    if ballot is None:
        return {"campaign": campaign.slug, "ballot": None}
    return {"campaign": campaign.slug, "ballot": {
        "ratings": {str(c): {str(k): s for k, s in per.items()} for c, per in ballot["ratings"].items()},
        "ranking": ballot["ranking"], "updated_at": _iso(ballot["updated_at"])}}


@router.get("/campaigns/{slug}/ballot", auth=AUTH, summary="Mon bulletin / My ballot")
def ballot_get(request: HttpRequest, slug: str):
    campaign = services.campaign_get(slug=slug)
    return _ballot_out(campaign, services.ballot_get(actor=request.user, campaign=campaign))


class BallotIn(Schema):
    ratings: Any = None
    ranking: Any = None


@router.put("/campaigns/{slug}/ballot", auth=AUTH, summary="Déposer ou modifier mon bulletin / Cast my ballot")
def ballot_put(request: HttpRequest, slug: str, payload: BallotIn):
    campaign = services.campaign_get(slug=slug)
    services.ballot_submit(actor=request.user, campaign=campaign, ratings=payload.ratings, ranking=payload.ranking)
    return _ballot_out(campaign, services.ballot_get(actor=request.user, campaign=campaign))


@router.get("/campaigns/{slug}/results", summary="Résultats après la clôture / Results after the close")
def campaign_results(request: HttpRequest, slug: str):
    campaign = services.campaign_get(slug=slug)
    if campaign.results is None:
        message = (_("Les résultats seront publiés après la clôture de la campagne.") if not campaign.is_closed()
                   else _("La campagne est close ; ses résultats sont en cours de calcul."))
        return api.create_response(request, {"detail": message}, status=409)
    return {"campaign": campaign.slug, "results_at": _iso(campaign.results_at), **campaign.results}


@router.post("/campaigns/{slug}/finalise", auth=AUTH,
             summary="Calculer et publier les résultats (organisateurs) / Compute and publish the results")
def campaign_finalise(request: HttpRequest, slug: str):
    campaign = services.campaign_get(slug=slug)
    results = services.campaign_finalise(actor=request.user, campaign=campaign)
    return {"campaign": campaign.slug, "results_at": _iso(campaign.results_at), **results}
