"""``/api/v1/consult/…``: the opinions part.

- ``GET /processes/{slug}/conversations``; ``GET /processes/{slug}/conversations/{conversation}`` (with its
  visible statements and their counts, and the reader's own votes);
- ``GET …/{conversation}/next``: the next statement the reader has not voted on (``null`` when done);
- ``POST …/{conversation}/statements/{id}/vote`` ``{"value": 1|-1|0}``;
- ``POST …/{conversation}/statements`` ``{"text"}`` (pending when the conversation is premoderated);
- ``GET …/{conversation}/groups``: the opinion groups (no participant's identity; ``me`` is the reader's
  own place).

Reads are open to everyone who may see the process; writes need a token or a session. Errors: 400 bad
input, 403 not allowed now, 404 unknown process, conversation or statement, 429 too fast.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services

from . import access
from . import opinions as services
from .api_common import iso as _iso
from .models import Conversation, Statement

router = Router(tags=["consult"])




def _conversation_row(c: Conversation) -> dict:
    return {"slug": c.slug, "title": c.title, "title_fr": c.title_fr, "title_en": c.title_en,
            "participants_can_add": c.participants_can_add, "premoderated": c.premoderated,
            "votes_count": c.votes_count, "statements_count": getattr(c, "statements_total", None),
            "participants_count": getattr(c, "participants_total", None), "is_demo": c.is_demo,
            "created_at": _iso(c.created_at)}


def _statement(s: Statement) -> dict:
    return {"id": s.pk, "text": s.text, "is_seed": s.is_seed, "status": s.status, "agree_count": s.agree_count,
            "disagree_count": s.disagree_count, "pass_count": s.pass_count, "created_at": _iso(s.created_at)}


def _get(request, slug: str, conversation: str, user):
    process = access.process_get(slug=slug, user=user)
    return process, services.conversation_get(process=process, slug=conversation, user=user)


def _statement_get(conversation: Conversation, pk: int) -> Statement:
    statement = services.statements_visible(conversation).filter(pk=pk).first()
    if statement is None:
        raise core_services.NotFound(_("Énoncé n° %(id)s introuvable dans cette conversation.") % {"id": pk})
    statement.conversation = conversation
    return statement


@router.get("/processes/{slug}/conversations", summary="Conversations d'opinions / Opinion conversations")
def conversation_list(request: HttpRequest, slug: str):
    user = reader(request)
    process = access.process_get(slug=slug, user=user)
    return {"results": [_conversation_row(c) for c in services.conversation_list(process=process, user=user)]}


@router.get("/processes/{slug}/conversations/{conversation}", summary="Une conversation / One conversation")
def conversation_detail(request: HttpRequest, slug: str, conversation: str):
    user = reader(request)
    _process, conv = _get(request, slug, conversation, user)
    statements = list(services.statements_visible(conv).order_by("pk"))
    return {**_conversation_row(conv), "description": conv.description,
            "statements_count": len(statements), "statements": [_statement(s) for s in statements],
            "my_votes": {str(k): v for k, v in services.conversation_votes_of(conversation=conv, user=user).items()},
            "progress": services.conversation_progress(conversation=conv, user=user)}


@router.get("/processes/{slug}/conversations/{conversation}/next",
            summary="Prochain énoncé à voter / Next statement to vote on")
def conversation_next(request: HttpRequest, slug: str, conversation: str):
    user = reader(request)
    _process, conv = _get(request, slug, conversation, user)
    statement = services.statement_next(conversation=conv, user=user)
    return {"statement": _statement(statement) if statement else None,
            "progress": services.conversation_progress(conversation=conv, user=user)}


class VoteIn(Schema):
    value: int


@router.post("/processes/{slug}/conversations/{conversation}/statements/{statement_id}/vote", auth=AUTH,
             summary="Voter sur un énoncé / Vote on a statement")
def statement_vote(request: HttpRequest, slug: str, conversation: str, statement_id: int, payload: VoteIn):
    _process, conv = _get(request, slug, conversation, request.auth)
    statement = _statement_get(conv, statement_id)
    result = services.statement_vote(user=request.auth, statement=statement, value=payload.value)
    statement.refresh_from_db()
    return {**result, "statement": _statement(statement),
            "progress": services.conversation_progress(conversation=conv, user=request.auth)}


class StatementIn(Schema):
    text: str


@router.post("/processes/{slug}/conversations/{conversation}/statements", auth=AUTH, response={201: dict},
             summary="Ajouter un énoncé / Add a statement")
def statement_add(request: HttpRequest, slug: str, conversation: str, payload: StatementIn):
    _process, conv = _get(request, slug, conversation, request.auth)
    statement = services.statement_add(user=request.auth, conversation=conv, text=payload.text)
    return 201, _statement(statement)


@router.get("/processes/{slug}/conversations/{conversation}/groups",
            summary="Groupes d'opinion / Opinion groups")
def conversation_groups(request: HttpRequest, slug: str, conversation: str):
    user = reader(request)
    _process, conv = _get(request, slug, conversation, user)
    groups = services.opinion_groups(conversation=conv, user=user)
    return {**groups, "computed_at": _iso(groups["computed_at"])}
