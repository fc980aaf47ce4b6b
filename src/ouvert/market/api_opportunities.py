"""``/api/v1/market/…``: the opportunities part — the public list (filters and pages), an opportunity's
detail (criteria, attachments, addenda, answered questions, history), creating and changing a draft, the
status transitions, addenda, questions (ask, list one's own or the body's, answer, decline), follows,
attachments and the buyers' settings.

Reads are open to everyone who may see the opportunity; writes need a token or a session (401 without).
Errors: 400 bad input (``errors`` per field), 403 not allowed (with the reason), 404 unknown or not visible,
413 attachment too large, 429 too many questions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services

from . import formats, ocds
from . import opportunities as services
from .models import Addendum, Opportunity, Question

router = Router(tags=["market"])

PER_PAGE = 20
MAX_PER_PAGE = 100


def _iso(value):
    return value.isoformat() if value is not None else None


def _row(o: Opportunity, now) -> dict:
    return {
        "reference": o.reference, "ocid": ocds.ocid(o), "status": o.status, "title_fr": o.title_fr,
        "title_en": o.title_en, "teaser_fr": o.teaser_fr, "teaser_en": o.teaser_en,
        "buyer": o.buyer.slug, "buyer_name": o.buyer.name_fr, "price": f"{o.price:.2f}", "currency": "CAD",
        "remote_ok": o.remote_ok, "location": o.location, "deadline": _iso(o.deadline),
        "deadline_montreal": formats.montreal_text(o.deadline), "is_open": o.is_open(now),
        "published_at": _iso(o.published_at), "skills": [s.slug for s in o.skills.all()],
        "url": ocds.opportunity_url(o), "is_demo": o.is_demo,
    }


def _addendum(a: Addendum) -> dict:
    return {"number": a.number, "kind": a.kind, "body_fr": a.body_fr, "body_en": a.body_en,
            "previous_deadline": _iso(a.previous_deadline), "new_deadline": _iso(a.new_deadline),
            "published_at": _iso(a.published_at)}


def _question(q: Question) -> dict:
    return {"id": q.pk, "body": q.body, "status": q.status, "asked_at": _iso(q.asked_at),
            "answered_at": _iso(q.answered_at), "addendum": q.addendum.number if q.addendum else None,
            "decline_reason": q.decline_reason}


def detail_data(opportunity: Opportunity, user) -> dict:
    now = timezone.now()
    addenda = list(opportunity.addenda.all())
    data = _row(opportunity, now)
    data.update({
        "description_fr": opportunity.description_fr, "description_en": opportunity.description_en,
        "acceptance_fr": opportunity.acceptance_fr, "acceptance_en": opportunity.acceptance_en,
        "assignment_date": _iso(opportunity.assignment_date), "start_date": _iso(opportunity.start_date),
        "completion_date": _iso(opportunity.completion_date), "licence": opportunity.licence,
        "repository_url": opportunity.repository_url, "status_reason": opportunity.status_reason
        if opportunity.status in (Opportunity.Status.SUSPENDED, Opportunity.Status.CANCELLED) else "",
        "closed_at": _iso(opportunity.closed_at), "awarded_at": _iso(opportunity.awarded_at),
        "cancelled_at": _iso(opportunity.cancelled_at), "time_left": formats.time_left(opportunity.deadline, now),
        "criteria": [{"id": c.pk, "name_fr": c.name_fr, "name_en": c.name_en, "description_fr": c.description_fr,
                      "description_en": c.description_en, "weight": c.weight} for c in opportunity.criteria.all()],
        "attachments": [{"id": a.pk, "title": a.title, "size": a.size, "sha256": a.sha256,
                         "url": ocds.attachment_url(a)} for a in opportunity.attachments.all()],
        "addenda": [_addendum(a) for a in addenda],
        "answered_questions": [_addendum(a) for a in addenda if a.kind == Addendum.Kind.ANSWER],
        "history": [{"at": _iso(e["at"]), "action": e["action"], "label": e["label"], "detail": e["detail"]}
                    for e in services.opportunity_history(opportunity)],
    })
    if services.can_manage(user, opportunity) or services.opportunity_allowed_actions(user, opportunity, now):
        data["allowed_actions"] = services.opportunity_allowed_actions(user, opportunity, now)
        data["created_at"] = _iso(opportunity.created_at)
        data["submitted_for_review_at"] = _iso(opportunity.submitted_for_review_at)
        data["status_reason"] = opportunity.status_reason
        if opportunity.status in (Opportunity.Status.DRAFT, Opportunity.Status.REVIEW):
            data["problems"] = services.opportunity_problems(opportunity, now)
    return data


def _get(request, reference: str, user=None) -> Opportunity:
    return services.opportunity_get(reference=reference, user=user if user is not None else reader(request))


@router.get("/opportunities", summary="Opportunités publiques / Public opportunities")
def opportunity_list(request: HttpRequest, status: str = "", skill: str = "", value_min: str = "", value_max: str = "",
                     buyer: str = "", remote: str = "", q: str = "", page: str = "1", per_page: str = "20"):
    """Filters: ``status`` and ``skill`` (repeat them for several), ``value_min`` / ``value_max`` (CAD),
    ``buyer`` (slug), ``remote`` (true/false), ``q``; ``page`` (from 1) and ``per_page`` (1 to 100)."""
    filters = {"status": request.GET.getlist("status"), "skills": request.GET.getlist("skill"),
               "value_min": value_min, "value_max": value_max, "buyer": buyer, "remote": remote, "q": q}
    services.opportunity_close_due()  # the periodic job may be a minute away: the statuses are current
    qs = services.opportunity_list(filters=filters, user=reader(request))
    meta, rows = core_services.api_page(qs, page=page, per_page=per_page, maximum=MAX_PER_PAGE)
    now = timezone.now()
    return {**meta, "results": [_row(o, now) for o in rows]}


class OpportunityIn(Schema):
    buyer: str
    title_fr: str
    title_en: str = ""
    teaser_fr: str = ""
    teaser_en: str = ""
    description_fr: str = ""
    description_en: str = ""
    acceptance_fr: str = ""
    acceptance_en: str = ""
    price: str | float | int
    remote_ok: bool = True
    location: str = ""
    deadline: str | None = None
    assignment_date: str | None = None
    start_date: str | None = None
    completion_date: str | None = None
    licence: str = ""
    repository_url: str = ""
    skills: list[str] = []
    criteria: list[dict[str, Any]] = []


class TransitionIn(Schema):
    action: str
    reason: str = ""
    new_deadline: str | None = None


class AddendumIn(Schema):
    kind: str = "notice"
    body_fr: str
    body_en: str = ""
    new_deadline: str | None = None


class QuestionIn(Schema):
    body: str


class AnswerIn(Schema):
    question_fr: str
    answer_fr: str
    question_en: str = ""
    answer_en: str = ""


class DeclineIn(Schema):
    reason: str


class FollowIn(Schema):
    follow: bool = True


class SettingsIn(Schema):
    default_licence: str
    contact_email: str | None = None


@router.post("/opportunities", auth=AUTH, response={201: dict},
             summary="Créer une opportunité (brouillon) / Create an opportunity (draft)")
def opportunity_create(request: HttpRequest, payload: OpportunityIn):
    try:
        organisation = core_services.organisation_get(slug=payload.buyer)
    except core_services.NotFound:
        raise ValidationError({"buyer": [_("Organisme inconnu : %(slug)s.") % {"slug": payload.buyer}]}) from None
    data = payload.dict(exclude={"buyer"})
    if not data.get("licence"):
        data.pop("licence")
    data["price"] = str(data["price"])
    opportunity = services.opportunity_create(actor=request.auth, buyer=organisation, data=data)
    return Status(201, detail_data(opportunity, request.auth))


@router.get("/opportunities/{reference}", summary="Une opportunité / One opportunity")
def opportunity_detail(request: HttpRequest, reference: str):
    user = reader(request)
    return detail_data(_get(request, reference, user), user)


@router.patch("/opportunities/{reference}", auth=AUTH, summary="Modifier un brouillon / Change a draft")
def opportunity_update(request: HttpRequest, reference: str, payload: dict[str, Any] = Body(...)):  # noqa: B008
    opportunity = _get(request, reference, request.auth)
    allowed = set(services.EDITABLE_FIELDS) | {"skills", "criteria"}
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise ValidationError({unknown[0]: [_("Champ inconnu ou non modifiable : %(f)s.") % {"f": ", ".join(unknown)}]})
    opportunity = services.opportunity_update(actor=request.auth, opportunity=opportunity, data=payload)
    return detail_data(opportunity, request.auth)


@router.post("/opportunities/{reference}/transitions", auth=AUTH,
             summary="Changer le statut / Change the status (submit, send_back, publish, suspend, resume, cancel)")
def opportunity_transition(request: HttpRequest, reference: str, payload: TransitionIn):
    user = request.auth
    opportunity = _get(request, reference, user)
    actions = {
        "submit": lambda: services.opportunity_submit_for_review(actor=user, opportunity=opportunity),
        "send_back": lambda: services.opportunity_send_back(actor=user, opportunity=opportunity, reason=payload.reason),
        "publish": lambda: services.opportunity_publish(actor=user, opportunity=opportunity),
        "suspend": lambda: services.opportunity_suspend(actor=user, opportunity=opportunity, reason=payload.reason),
        "resume": lambda: services.opportunity_resume(actor=user, opportunity=opportunity,
                                                      new_deadline=payload.new_deadline, reason=payload.reason),
        "cancel": lambda: services.opportunity_cancel(actor=user, opportunity=opportunity, reason=payload.reason),
    }
    if payload.action not in actions:
        raise ValidationError({"action": [_("Action inconnue : %(a)s (submit, send_back, publish, suspend, resume "
                                            "ou cancel).") % {"a": payload.action}]})
    opportunity = actions[payload.action]()
    return detail_data(opportunity, user)


@router.post("/opportunities/{reference}/addenda", auth=AUTH, response={201: dict},
             summary="Publier un addenda / Publish an addendum")
def addendum_create(request: HttpRequest, reference: str, payload: AddendumIn):
    opportunity = _get(request, reference, request.auth)
    addendum = services.addendum_publish(actor=request.auth, opportunity=opportunity, kind=payload.kind,
                                         body_fr=payload.body_fr, body_en=payload.body_en,
                                         new_deadline=payload.new_deadline)
    return Status(201, _addendum(addendum))


@router.get("/opportunities/{reference}/questions", auth=AUTH,
            summary="Questions visibles (les siennes, ou toutes pour l'acheteur) / Visible questions")
def question_list(request: HttpRequest, reference: str):
    opportunity = _get(request, reference, request.auth)
    questions = services.questions_for(user=request.auth, opportunity=opportunity)
    return {"count": len(questions), "results": [_question(q) for q in questions]}


@router.post("/opportunities/{reference}/questions", auth=AUTH, response={201: dict},
             summary="Poser une question (fournisseurs) / Ask a question (suppliers)")
def question_ask(request: HttpRequest, reference: str, payload: QuestionIn):
    opportunity = _get(request, reference, request.auth)
    question = services.question_ask(actor=request.auth, opportunity=opportunity, body=payload.body)
    return Status(201, _question(question))


@router.post("/opportunities/{reference}/questions/{question_id}/answer", auth=AUTH, response={201: dict},
             summary="Répondre par un addenda / Answer with an addendum")
def question_answer(request: HttpRequest, reference: str, question_id: int, payload: AnswerIn):
    opportunity = _get(request, reference, request.auth)
    question = services.question_get(user=request.auth, opportunity=opportunity, question_id=question_id)
    addendum = services.question_answer(actor=request.auth, question=question, question_fr=payload.question_fr,
                                        answer_fr=payload.answer_fr, question_en=payload.question_en,
                                        answer_en=payload.answer_en)
    return Status(201, _addendum(addendum))


@router.post("/opportunities/{reference}/questions/{question_id}/decline", auth=AUTH,
             summary="Classer une question sans suite / Decline a question")
def question_decline(request: HttpRequest, reference: str, question_id: int, payload: DeclineIn):
    opportunity = _get(request, reference, request.auth)
    question = services.question_get(user=request.auth, opportunity=opportunity, question_id=question_id)
    return _question(services.question_decline(actor=request.auth, question=question, reason=payload.reason))


@router.put("/opportunities/{reference}/follow", auth=AUTH, summary="Suivre ou non / Follow or not")
def follow(request: HttpRequest, reference: str, payload: FollowIn):
    opportunity = _get(request, reference, request.auth)
    return {"following": services.follow_set(actor=request.auth, opportunity=opportunity, follow=payload.follow)}


@router.get("/opportunities/{reference}/history", summary="Historique public / Public history")
def history(request: HttpRequest, reference: str):
    opportunity = _get(request, reference)
    return {"results": [{"at": _iso(e["at"]), "action": e["action"], "label": e["label"], "detail": e["detail"]}
                        for e in services.opportunity_history(opportunity)]}


@router.post("/opportunities/{reference}/attachments", auth=AUTH, response={201: dict, 413: dict},
             summary="Joindre un fichier au brouillon / Attach a file to a draft")
def attachment_add(request: HttpRequest, reference: str, file: UploadedFile = File(...),  # noqa: B008
                   title: str = Form("")):  # noqa: B008
    opportunity = _get(request, reference, request.auth)
    try:
        attachment = services.attachment_add(actor=request.auth, opportunity=opportunity, title=title, file=file)
    except services.FileTooLarge as exc:
        errors = exc.message_dict
        return Status(413, {"detail": errors["file"][0], "errors": errors})
    return Status(201, {"id": attachment.pk, "title": attachment.title, "size": attachment.size,
                        "sha256": attachment.sha256, "url": ocds.attachment_url(attachment)})


@router.delete("/opportunities/{reference}/attachments/{attachment_id}", auth=AUTH, response={204: None},
               summary="Retirer une pièce jointe du brouillon / Remove an attachment from a draft")
def attachment_remove(request: HttpRequest, reference: str, attachment_id: int):
    opportunity = _get(request, reference, request.auth)
    with transaction.atomic():
        services.attachment_remove(actor=request.auth, opportunity=opportunity, attachment_id=attachment_id)
    return Status(204, None)


@router.put("/buyers/{slug}/settings", auth=AUTH, summary="Paramètres d'un acheteur / A buyer's settings")
def buyer_settings(request: HttpRequest, slug: str, payload: SettingsIn):
    organisation = core_services.organisation_get(slug=slug)
    current = services.buyer_settings_set(actor=request.auth, organisation=organisation,
                                          default_licence=payload.default_licence, contact_email=payload.contact_email)
    return {"organisation": organisation.slug, "default_licence": current.default_licence,
            "contact_email": current.contact_email}
