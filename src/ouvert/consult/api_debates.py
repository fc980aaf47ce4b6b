"""``/api/v1/consult/…``: the debates part — debates (with their counts of arguments per stance) and draft
texts (with their paragraphs and comment counts); organisers create and close debates, publish drafts and
their new versions. Posting arguments and comments is the comments part's API (``target_kind`` ``debate``
with a ``stance``, or ``paragraph``).

Reads are open to whoever may see the process; writes need a token or a session. Errors: 400 for bad
input (``{"detail", "errors"}``), 403 for people who do not organise the process, 404 for an unknown
process, debate or draft.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from ouvert.api import AUTH, api, reader

from . import debates
from .api_common import iso as _iso
from .api_common import process_for as _process
from .models import Debate, DraftText, Paragraph

router = Router(tags=["consult"])






def _debate_row(debate: Debate, counts: dict) -> dict:
    return {"id": debate.pk, "title_fr": debate.title_fr, "title_en": debate.title_en,
            "state": "closed" if debate.closed_at else "open", "closed_at": _iso(debate.closed_at),
            "arguments_for": counts["for"], "arguments_against": counts["against"], "replies": counts["replies"],
            "created_at": _iso(debate.created_at), "is_hidden": debate.is_hidden, "is_demo": debate.is_demo}


def _debate_detail(debate: Debate) -> dict:
    return {**_debate_row(debate, debates.debate_summary(debate)),
            "description_fr": debate.description_fr, "description_en": debate.description_en,
            "conclusions_fr": debate.conclusions_fr, "conclusions_en": debate.conclusions_en}


def _draft_row(draft: DraftText, paragraphs: int, comments: int) -> dict:
    return {"slug": draft.slug, "title_fr": draft.title_fr, "title_en": draft.title_en, "version": draft.version,
            "paragraphs": paragraphs, "comments": comments, "created_at": _iso(draft.created_at),
            "is_demo": draft.is_demo}


def _paragraph(p: Paragraph) -> dict:
    return {"id": p.pk, "position": p.position, "is_heading": p.is_heading, "text_fr": p.text_fr,
            "text_en": p.text_en, "comments": p.comments_count}


def _draft_detail(draft: DraftText) -> dict:
    paragraphs = debates.draft_paragraphs(draft)
    commentable = [p for p in paragraphs if not p.is_heading]
    return {**_draft_row(draft, len(commentable), sum(p.comments_count for p in commentable)),
            "introduction_fr": draft.introduction_fr, "introduction_en": draft.introduction_en,
            "paragraph_list": [_paragraph(p) for p in paragraphs]}


# --- Debates ---------------------------------------------------------------------------------------

@router.get("/processes/{slug}/debates", summary="Débats d'une consultation / Debates of a process")
def debate_list(request: HttpRequest, slug: str):
    user = reader(request)
    process = _process(request, slug, user)
    rows = debates.debate_list(process=process, user=user)
    return {"count": len(rows), "results": [_debate_row(r["debate"], r["counts"]) for r in rows]}


@router.get("/processes/{slug}/debates/{pk}", summary="Un débat et ses arguments par position / One debate")
def debate_detail(request: HttpRequest, slug: str, pk: int):
    user = reader(request)
    process = _process(request, slug, user)
    return _debate_detail(debates.debate_get(process=process, pk=pk, user=user))


class DebateIn(Schema):
    title_fr: Any = ""
    title_en: Any = ""
    description_fr: Any = ""
    description_en: Any = ""


class DebateChangeIn(Schema):
    title_fr: Any = None
    title_en: Any = None
    description_fr: Any = None
    description_en: Any = None
    conclusions_fr: Any = None
    conclusions_en: Any = None


class CloseIn(Schema):
    conclusions_fr: Any = None
    conclusions_en: Any = None


@router.post("/processes/{slug}/debates", auth=AUTH, summary="Créer un débat (organisateurs) / Create a debate")
def debate_create(request: HttpRequest, slug: str, payload: DebateIn):
    process = _process(request, slug, request.user)
    debate = debates.debate_create(actor=request.user, process=process, data=payload.dict())
    return api.create_response(request, _debate_detail(debate), status=201)


@router.patch("/processes/{slug}/debates/{pk}", auth=AUTH, summary="Modifier un débat / Change a debate")
def debate_update(request: HttpRequest, slug: str, pk: int, payload: DebateChangeIn):
    process = _process(request, slug, request.user)
    debate = debates.debate_get(process=process, pk=pk, user=request.user)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    return _debate_detail(debates.debate_update(actor=request.user, debate=debate, data=data))


@router.post("/processes/{slug}/debates/{pk}/close", auth=AUTH,
             summary="Fermer un débat, avec ses conclusions / Close a debate")
def debate_close(request: HttpRequest, slug: str, pk: int, payload: CloseIn):
    process = _process(request, slug, request.user)
    debate = debates.debate_get(process=process, pk=pk, user=request.user)
    return _debate_detail(debates.debate_close(actor=request.user, debate=debate,
                                               conclusions_fr=payload.conclusions_fr,
                                               conclusions_en=payload.conclusions_en))


# --- Drafts ----------------------------------------------------------------------------------------

@router.get("/processes/{slug}/drafts", summary="Textes à commenter / Draft texts of a process")
def draft_list(request: HttpRequest, slug: str):
    process = _process(request, slug)
    rows = debates.draft_list(process=process)
    return {"count": len(rows), "results": [_draft_row(r["draft"], r["paragraphs"], r["comments"]) for r in rows]}


@router.get("/processes/{slug}/drafts/{draft}",
            summary="Un texte, ses paragraphes et leurs commentaires / One draft with its paragraphs")
def draft_detail(request: HttpRequest, slug: str, draft: str):
    process = _process(request, slug)
    return _draft_detail(debates.draft_get(process=process, slug=draft))


class DraftIn(Schema):
    title_fr: Any = ""
    title_en: Any = ""
    slug: Any = ""
    introduction_fr: Any = ""
    introduction_en: Any = ""
    source_fr: Any = ""
    source_en: Any = ""
    format: Any = "markdown"


class VersionIn(Schema):
    source_fr: Any = ""
    source_en: Any = ""
    format: Any = "markdown"


@router.post("/processes/{slug}/drafts", auth=AUTH,
             summary="Publier un texte à commenter (organisateurs) / Publish a draft")
def draft_create(request: HttpRequest, slug: str, payload: DraftIn):
    process = _process(request, slug, request.user)
    draft = debates.draft_create(actor=request.user, process=process, data=payload.dict())
    return api.create_response(request, _draft_detail(draft), status=201)


@router.post("/processes/{slug}/drafts/{draft}/versions", auth=AUTH,
             summary="Nouvelle version d'un texte sans commentaires / New version of an uncommented draft")
def draft_new_version(request: HttpRequest, slug: str, draft: str, payload: VersionIn):
    process = _process(request, slug, request.user)
    found = debates.draft_get(process=process, slug=draft)
    data = payload.dict()
    debates.draft_new_version(actor=request.user, draft=found, source_fr=data["source_fr"],
                              source_en=data["source_en"], format=data["format"] or "markdown")
    return _draft_detail(found)
