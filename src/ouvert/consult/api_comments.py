"""``/api/v1/consult/…``: the comments part.

- ``GET /processes/{slug}/comments?target_kind=&target_id=&sort=&stance=&page=``: a page of top-level
  comments (50), each with its replies; ``POST /processes/{slug}/comments`` (``target_kind``,
  ``target_id``, ``body``, ``parent``, ``stance``);
- ``PATCH`` / ``DELETE /comments/{id}`` (the author: edit within 15 minutes, soft delete);
  ``POST /comments/{id}/vote`` (``value``: 1, -1, or 0 to cancel);
- ``POST /processes/{slug}/flags`` (``target_kind``, ``target_id``, ``reason``, ``details``);
- moderators: ``GET /moderation?status=open|hidden|reviewed|all&process=&page=``,
  ``POST /moderation/{id}/hide``, ``/unhide``, ``/review``;
- superusers: ``POST /blocks`` (``user_id``, ``reason``), ``DELETE /blocks/{user_id}``.

Reads are open to everyone who may see the process; writes need a token or a session. Errors: 400 bad
input, 403 not allowed, 404 unknown, 429 too fast (with ``Retry-After``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services

from . import access, comments
from .api_common import iso as _iso
from .models import Comment

router = Router(tags=["consult"])




def _node(node: dict) -> dict:
    c: Comment = node["comment"]
    shown = node["show_body"]
    return {
        "id": c.pk, "parent_id": c.parent_id, "depth": c.depth, "state": node["state"],
        "author": node["author_name"] or None if shown else None,
        "body": c.body if shown else None, "body_html": str(node["body_html"]) if shown else None,
        "stance": c.stance or None, "upvotes": c.upvotes, "downvotes": c.downvotes, "score": node["score"],
        "my_vote": node["my_vote"], "created_at": _iso(c.created_at), "edited_at": _iso(c.edited_at),
        "can_edit": node["can_edit"], "can_delete": node["can_delete"], "can_vote": node["can_vote"],
        "replies": [_node(child) for child in node["replies"]],
    }


def _comment(c: Comment) -> dict:
    visible = c.deleted_at is None and not c.is_hidden
    return {"id": c.pk, "target_kind": c.target_kind, "target_id": c.target_id, "parent_id": c.parent_id,
            "depth": c.depth, "state": "deleted" if c.deleted_at else ("hidden" if c.is_hidden else "visible"),
            "body": c.body if visible else None, "body_html": str(comments.comment_render(c.body)) if visible else None,
            "stance": c.stance or None, "upvotes": c.upvotes, "downvotes": c.downvotes,
            "created_at": _iso(c.created_at), "edited_at": _iso(c.edited_at)}


@router.get("/processes/{slug}/comments", summary="Commentaires d'un contenu / Comments on an item")
def comment_list(request: HttpRequest, slug: str, target_kind: str = "", target_id: str = "", sort: str = "newest",
                 stance: str = "", page: str = ""):
    user = reader(request)
    process = access.process_get(slug=slug, user=user)
    thread = comments.comment_thread(process=process, target_kind=target_kind, target_id=target_id, user=user,
                                     sort=sort, stance=stance or None, page=page)
    return {"count": thread["total"], "visible_comments": thread["count"], "page": thread["page"],
            "pages": thread["num_pages"],
            "page_size": comments.COMMENT_PAGE_SIZE, "sort": thread["sort"], "can_post": thread["can_post"],
            "results": [_node(n) for n in thread["comments"]]}


class CommentIn(Schema):
    target_kind: str
    target_id: int
    body: str
    parent: int | None = None
    stance: str = ""


@router.post("/processes/{slug}/comments", auth=AUTH, response={201: dict},
             summary="Commenter / Post a comment")
def comment_create(request: HttpRequest, slug: str, payload: CommentIn):
    process = access.process_get(slug=slug, user=request.auth)
    comment = comments.comment_post(user=request.auth, process=process, **payload.dict())
    return Status(201, _comment(comment))


class CommentEditIn(Schema):
    body: str


@router.patch("/comments/{comment_id}", auth=AUTH, summary="Modifier son commentaire / Edit one's comment")
def comment_update(request: HttpRequest, comment_id: int, payload: CommentEditIn):
    return _comment(comments.comment_edit(user=request.auth, comment=comment_id, body=payload.body))


@router.delete("/comments/{comment_id}", auth=AUTH, summary="Supprimer son commentaire / Delete one's comment")
def comment_remove(request: HttpRequest, comment_id: int):
    return _comment(comments.comment_delete(user=request.auth, comment=comment_id))


class VoteIn(Schema):
    value: int


@router.post("/comments/{comment_id}/vote", auth=AUTH, summary="Voter sur un commentaire / Vote on a comment")
def comment_vote(request: HttpRequest, comment_id: int, payload: VoteIn):
    comment = comments.comment_vote(user=request.auth, comment=comment_id, value=payload.value)
    return {**_comment(comment), "my_vote": payload.value}


class FlagIn(Schema):
    target_kind: str
    target_id: int
    reason: str
    details: str = ""


@router.post("/processes/{slug}/flags", auth=AUTH, response={201: dict},
             summary="Signaler un contenu / Report content")
def flag_create(request: HttpRequest, slug: str, payload: FlagIn):
    process = access.process_get(slug=slug, user=request.auth)
    flag = comments.flag_create(user=request.auth, process=process, **payload.dict())
    return Status(201, {"id": flag.pk, "target_kind": flag.target_kind, "target_id": flag.target_id,
                        "reason": flag.reason, "created_at": _iso(flag.created_at)})


def _item(item: dict) -> dict:
    m = item["moderation"]
    author = item["author"]
    return {"id": m.pk, "process": item["process"].slug, "target_kind": m.target_kind, "target_id": m.target_id,
            "text": item["text"], "url": item["url"], "is_hidden": item["is_hidden"],
            "reports_count": m.reports_count, "hidden_at": _iso(m.hidden_at),
            "hidden_automatically": m.hidden_automatically, "reviewed_at": _iso(m.reviewed_at),
            "author": {"id": author.pk, "name": author.display_name, "blocked": item["author_blocked"]}
            if author else None,
            "reasons": [{"reason": r["reason"], "count": r["count"]} for r in item["reasons"]],
            "details": item["details"], "created_at": _iso(m.created_at)}


@router.get("/moderation", auth=AUTH, summary="File de modération / Moderation queue")
def moderation_list(request: HttpRequest, status: str = "open", process: str = "", page: str = ""):
    chosen = None
    if process:
        chosen = access.process_get(slug=process, user=request.auth)
        if not access.can_manage(request.auth, chosen):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("Seules les personnes qui gèrent cette consultation peuvent la modérer."))
    queue = comments.moderation_queue(user=request.auth, status=status, process=chosen, page=page)
    return {"count": queue["total"], "page": queue["page"], "pages": queue["num_pages"], "status": queue["status"],
            "results": [_item(i) for i in queue["items"]]}


@router.post("/moderation/{moderation_id}/{action}", auth=AUTH,
             summary="Masquer, afficher ou marquer examiné / Hide, unhide or mark reviewed")
def moderation_act(request: HttpRequest, moderation_id: int, action: str):
    functions = {"hide": comments.moderation_hide, "unhide": comments.moderation_unhide}
    if action not in (*functions, "review"):
        raise core_services.NotFound(_("Action inconnue : hide, unhide ou review."))
    row = comments.moderation_get(pk=moderation_id, user=request.auth)
    if action == "review":
        row = comments.moderation_review(user=request.auth, moderation=row)
    else:
        row = functions[action](user=request.auth, moderation=row)
    return {"id": row.pk, "target_kind": row.target_kind, "target_id": row.target_id,
            "hidden": row.hidden_at is not None, "reviewed_at": _iso(row.reviewed_at)}


class BlockIn(Schema):
    user_id: int
    reason: str


@router.post("/blocks", auth=AUTH, response={201: dict}, summary="Bloquer une personne / Block a person")
def block_create(request: HttpRequest, payload: BlockIn):
    block = comments.block_create(actor=request.auth, user=payload.user_id, reason=payload.reason)
    return Status(201, {"id": block.pk, "user_id": block.user_id, "reason": block.reason,
                        "created_at": _iso(block.created_at)})


@router.delete("/blocks/{user_id}", auth=AUTH, summary="Lever un blocage / Lift a block")
def block_delete(request: HttpRequest, user_id: int):
    if user_id < 1:
        raise ValidationError({"user_id": [_("Numéro de personne invalide.")]})
    return {"user_id": user_id, "lifted": comments.block_lift(actor=request.auth, user=user_id)}
