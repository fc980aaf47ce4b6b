"""The comments part of the consult module (see ``services``): threaded comments on anything in a
process, votes on comments, reports of any content, the moderators' queue and blocks.

- ``comment_post`` / ``comment_edit`` / ``comment_delete`` / ``comment_vote``: what participants do;
- ``comment_thread``: everything the include ``consult/comments/_thread.html`` shows for one target, in
  a constant number of queries whatever the size of the thread;
- ``comment_count_by_target``: visible comments per target, for lists;
- ``flag_create``: a report (one per person and content), auto-hiding at the process's threshold;
- ``moderation_queue`` / ``moderation_hide`` / ``moderation_unhide`` / ``moderation_review``: the
  moderators' work (managers of the process and superusers), audited;
- ``block_create`` / ``block_lift``: superusers block a person from every consultation.

Targets are ``models.TargetKind`` + id; ``TARGETS`` maps each kind to its model, how to reach its
process, and the component that must be open to comment on it.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import rows
from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import access, outreach
from .models import (
    Amendment,
    Block,
    Comment,
    CommentVote,
    Debate,
    Flag,
    Meeting,
    Moderation,
    Paragraph,
    Phase,
    Process,
    Proposal,
    Statement,
    TargetKind,
)

__all__ = [
    "COMMENT_BODY_MAX", "COMMENT_EDIT_MINUTES", "COMMENT_MAX_DEPTH", "COMMENT_PAGE_SIZE", "block_create",
    "block_lift", "block_list", "comment_count_by_target", "comment_delete", "comment_edit", "comment_get",
    "comment_list", "comment_post", "comment_render", "comment_target_url", "comment_thread", "comment_vote",
    "flag_create", "moderation_get", "moderation_hide", "moderation_processes", "moderation_queue",
    "moderation_review", "moderation_unhide",
]

COMMENT_BODY_MAX = 5000
#: Top-level comments have depth 0; a reply to a comment at this depth attaches to that comment's parent.
COMMENT_MAX_DEPTH = 5
COMMENT_EDIT_MINUTES = 15
COMMENT_PAGE_SIZE = 50
MODERATION_PAGE_SIZE = 50

HIDDEN_TEXT = gettext_lazy("Contenu masqué par la modération")
DELETED_TEXT = gettext_lazy("Commentaire supprimé")

SORTS = {
    "newest": gettext_lazy("Les plus récents"),
    "oldest": gettext_lazy("Les plus anciens"),
    "supported": gettext_lazy("Les plus appuyés"),
}


# --- Targets ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    model: type
    process_path: str  # lookup from the model to the process id
    component: str  # the phase component that must be open to comment on it
    counted: bool = False  # keeps a ``comments_count``
    hideable: bool = False  # has ``is_hidden``
    related: tuple = ()


TARGETS: dict[str, Target] = {
    TargetKind.PROCESS: Target(Process, "pk", Phase.Component.COMMENTS),
    TargetKind.PROPOSAL: Target(Proposal, "process_id", Phase.Component.COMMENTS, counted=True, hideable=True),
    TargetKind.AMENDMENT: Target(Amendment, "proposal__process_id", Phase.Component.COMMENTS, hideable=True,
                                 related=("proposal",)),
    TargetKind.DEBATE: Target(Debate, "process_id", Phase.Component.DEBATES, counted=True, hideable=True),
    TargetKind.PARAGRAPH: Target(Paragraph, "draft__process_id", Phase.Component.DRAFTS, counted=True,
                                 related=("draft",)),
    TargetKind.MEETING: Target(Meeting, "process_id", Phase.Component.COMMENTS),
    TargetKind.STATEMENT: Target(Statement, "conversation__process_id", Phase.Component.COMMENTS, hideable=True,
                                 related=("conversation",)),
    TargetKind.COMMENT: Target(Comment, "process_id", Phase.Component.COMMENTS, hideable=True),
}

#: What may be commented (a comment is answered by a reply, not commented).
COMMENTABLE = tuple(k for k in TARGETS if k != TargetKind.COMMENT)
#: What may be reported and hidden.
FLAGGABLE = tuple(k for k, t in TARGETS.items() if t.hideable)


def _kind(target_kind) -> str:
    kind = str(target_kind or "")
    if kind not in TARGETS:
        raise ValidationError({"target_kind": [_("Type de contenu inconnu : « %(kind)s ».") % {"kind": kind[:40]}]})
    return kind


def _target_id(target_id) -> int:
    try:
        value = int(str(target_id).strip())
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise ValidationError({"target_id": [_("Numéro de contenu invalide.")]})
    return value


def _target_row(spec: Target, target_id: int, process_id: int):
    """The target by its key within the process: one statement written out for the items that hold their
    process (proposals, debates, meetings: the ones commented most), the ORM for the others."""
    if spec.process_path == "process_id" and not spec.related:
        row = rows.one(f"SELECT {rows.columns(spec.model)} FROM {rows.table(spec.model)} "  # noqa: S608 — names from the model, values as parameters
                       "WHERE id = %s AND process_id = %s", [target_id, process_id])
        return rows.instance(spec.model, row)[0] if row is not None else None
    found = (spec.model.objects.select_related(*spec.related)  # one row by key: no ordering (no join)
             .filter(pk=target_id, **{spec.process_path: process_id}).order_by()[:1])
    return found[0] if found else None


def _target_get(process: Process, kind: str, target_id: int, *, user=None, allow_hidden: bool = False):
    """The target object in ``process``, or ``NotFound`` (also when hidden and ``user`` does not manage it)."""
    spec = TARGETS[kind]
    if kind == TargetKind.PROCESS:
        obj = process if target_id == process.pk else None
    else:
        obj = _target_row(spec, target_id, process.pk)
    if obj is None:
        raise core_services.NotFound(_("Ce contenu n’existe pas dans cette consultation."))
    if getattr(obj, "is_hidden", False) and not allow_hidden and not access.can_manage(user, process):
        raise core_services.NotFound(_("Ce contenu a été masqué par la modération."))
    return obj


def _component(kind: str) -> str:
    return TARGETS[kind].component


def comment_target_url(*, process: Process, target_kind: str, target_id: int, obj=None) -> str:
    """The page that shows the target (where its comments are), or the process's page."""
    kind = str(target_kind)
    try:
        if obj is None and kind in TARGETS and kind != TargetKind.PROCESS:
            obj = TARGETS[kind].model.objects.select_related(*TARGETS[kind].related).filter(pk=target_id).first()
        if kind == TargetKind.PROPOSAL and obj is not None:
            return reverse("consult:proposal", kwargs={"slug": process.slug, "number": obj.number})
        if kind == TargetKind.AMENDMENT and obj is not None:
            return reverse("consult:proposal", kwargs={"slug": process.slug, "number": obj.proposal.number})
        if kind == TargetKind.DEBATE:
            return reverse("consult:debate", kwargs={"slug": process.slug, "pk": target_id})
        if kind == TargetKind.MEETING:
            return reverse("consult:meeting", kwargs={"slug": process.slug, "pk": target_id})
        if kind == TargetKind.PARAGRAPH and obj is not None:
            return (reverse("consult:draft", kwargs={"slug": process.slug, "draft": obj.draft.slug})
                    + f"?paragraphe={obj.position}#p-{obj.position}")
        if kind == TargetKind.STATEMENT and obj is not None:
            return reverse("consult:conversation", kwargs={"slug": process.slug,
                                                          "conversation": obj.conversation.slug})
        if kind == TargetKind.COMMENT and obj is not None:
            return comment_target_url(process=process, target_kind=obj.target_kind,
                                      target_id=obj.target_id) + f"#commentaire-{obj.pk}"
    except NoReverseMatch:  # a target whose page needs what it no longer has (e.g. a deleted draft)
        pass
    return reverse("consult:process", kwargs={"slug": process.slug})


# --- Rendering -------------------------------------------------------------------------------------

#: One line that starts with a letter and holds only letters, digits, spaces and plain punctuation (no
#: Markdown, no HTML, no link): Markdown renders it as ``<p>text</p>`` (checked in the tests).
_PLAIN_TEXT = re.compile(r"[^\W\d_](?:[^\W_]|[ .,;:!?’'«»…—–-])*\Z")


def comment_render(body: str | None) -> SafeString:
    """A participant's Markdown → sanitised HTML (``ouvert.core.markdown``'s participant subset: no images,
    headings or tables; links ``rel="nofollow ugc …"``; only http(s) and mailto links)."""
    text = body or ""
    if _PLAIN_TEXT.match(text):  # one line of words: what Markdown would make, without building it
        return mark_safe(f"<p>{text}</p>")  # noqa: S308 — only letters, digits, spaces and . , ; : ! ? ’ ' « » … — – -
    if len(text) > COMMENT_BODY_MAX * 2:
        return mark_safe(linebreaks(escape(text)))  # noqa: S308 — escaped
    return render_markdown(text, participant=True)


#: Rendered bodies kept in each process (``body → html``), most recent last; bounded.
_HTML_MEMO: OrderedDict[str, str] = OrderedDict()
_HTML_MEMO_MAX = 10_000
_HTML_MEMO_LOCK = threading.Lock()


def _render_many(bodies) -> dict[str, SafeString]:
    """``{body: html}`` for many comments, fast: first from this process's memory (bounded LRU), then
    from the shared cache as **one** entry for the whole set (one read and at most one write per page —
    a file cache pays a directory scan per write), rendering only what neither holds."""
    import hashlib

    from django.core.cache import cache

    bodies = set(bodies)
    out: dict[str, SafeString] = {}
    with _HTML_MEMO_LOCK:
        for body in bodies:
            html = _HTML_MEMO.get(body)
            if html is not None:
                _HTML_MEMO.move_to_end(body)
                out[body] = mark_safe(html)  # noqa: S308 — stored after sanitising
    missing = bodies - out.keys()
    if not missing:
        return out
    digest = hashlib.sha256()
    for body in sorted(bodies):
        digest.update(hashlib.sha256(body.encode()).digest())
    key = f"consult:comment-html-set:{digest.hexdigest()}"
    shared = cache.get(key)
    if not isinstance(shared, dict) or not missing <= shared.keys():
        shared = {b: str(comment_render(b)) for b in missing}
        cache.set(key, {**{b: str(h) for b, h in out.items()}, **shared}, timeout=7 * 24 * 3600)
    with _HTML_MEMO_LOCK:
        for body in missing:
            _HTML_MEMO[body] = shared[body]
            out[body] = mark_safe(shared[body])  # noqa: S308 — sanitised before it was stored
        while len(_HTML_MEMO) > _HTML_MEMO_MAX:
            _HTML_MEMO.popitem(last=False)
    return out


# --- Counters --------------------------------------------------------------------------------------

def _count_change(kind: str, target_id: int, delta: int) -> None:
    """Keep ``comments_count`` of the target (visible comments) in the caller's transaction."""
    spec = TARGETS.get(kind)
    if spec is None or not spec.counted or delta == 0:
        return
    rows = spec.model.objects.filter(pk=target_id)
    if delta > 0:
        rows.update(comments_count=F("comments_count") + delta)
    else:
        rows.filter(comments_count__gte=-delta).update(comments_count=F("comments_count") + delta)


def _visible(comment: Comment) -> bool:
    return comment.deleted_at is None and not comment.is_hidden


def comment_count_by_target(process: Process, target_kind: str, ids) -> dict[int, int]:
    """``{target_id: number of visible comments}`` for the ``ids`` of one kind (0 for none), one query."""
    ids = [int(i) for i in ids]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = (Comment.objects.filter(process=process, target_kind=str(target_kind), target_id__in=ids,
                                   is_hidden=False, deleted_at__isnull=True)
            .values("target_id").annotate(n=Count("pk")).values_list("target_id", "n"))
    counts.update({target_id: n for target_id, n in rows})
    return counts


# --- Comments --------------------------------------------------------------------------------------

def _body_clean(body) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": [_("Écrivez votre commentaire.")]})
    if len(body) > COMMENT_BODY_MAX:
        raise ValidationError({"body": [_("Votre commentaire fait %(n)s caractères : la limite est de %(max)s.")
                                        % {"n": len(body), "max": COMMENT_BODY_MAX}]})
    return body


def comment_get(*, pk, user=None, process: Process | None = None) -> Comment:
    """The comment ``pk`` (in ``process`` when given) if ``user`` may see its process, else ``NotFound``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise core_services.NotFound(_("Commentaire introuvable.")) from None
    comment = Comment.objects.select_related("process", "process__organisation", "author").filter(pk=pk).first()
    if comment is None or (process is not None and comment.process_id != process.pk) \
            or not access.can_view(user, comment.process):
        raise core_services.NotFound(_("Commentaire introuvable."))
    return comment


def comment_post(*, user, process: Process, target_kind, target_id, body, parent=None, stance: str = "") -> Comment:
    """``user`` comments on the target (or replies to ``parent``, a comment or its id, on the same target)."""
    kind = _kind(target_kind)
    if kind == TargetKind.COMMENT:
        raise ValidationError({"target_kind": [_("Pour répondre à un commentaire, utilisez « Répondre ».")]})
    target_id = _target_id(target_id)
    access.participation_check(user=user, process=process, component=_component(kind))
    obj = _target_get(process, kind, target_id, user=user)
    if kind == TargetKind.DEBATE and obj.closed_at is not None:
        raise PermissionDenied(_("Ce débat est fermé : il ne reçoit plus d'arguments."))
    body = _body_clean(body)
    stance = (stance or "").strip()
    if stance and stance not in Comment.Stance.values:
        raise ValidationError({"stance": [_("Position inconnue : choisissez pour, contre ou neutre.")]})
    if parent not in (None, ""):
        parent_id = parent.pk if isinstance(parent, Comment) else parent
        try:
            parent = Comment.objects.select_related("author").get(pk=int(parent_id), process=process,
                                                                  target_kind=kind, target_id=target_id)
        except (Comment.DoesNotExist, TypeError, ValueError):
            raise ValidationError({"parent": [_("Le commentaire auquel vous répondez n’existe pas ici.")]}) from None
        if not _visible(parent):
            raise ValidationError({"parent": [_("On ne peut pas répondre à un commentaire supprimé ou masqué.")]})
        if parent.depth >= COMMENT_MAX_DEPTH:
            parent = Comment.objects.select_related("author").get(pk=parent.parent_id)
        stance = ""  # replies take no side: arguments are top-level
    else:
        parent = None
    access.posting_rate_check(user, "comment")
    with transaction.atomic():
        comment = Comment.objects.create(
            process=process, target_kind=kind, target_id=target_id, parent=parent,
            depth=(parent.depth + 1) if parent else 0, author=user, body=body, stance=stance)
        _count_change(kind, target_id, +1)
        access.participation_record(process=process, user=user)
        url = comment_target_url(process=process, target_kind=kind, target_id=target_id, obj=obj)
        anchor = f"{url}#commentaire-{comment.pk}" if url and "#" not in url else url
        name = user.display_name
        # The followers of the target and of the process, the target's author and, on a reply, the
        # parent's author: each told once, with their e-mail preference.
        subject = (_("%(name)s a répondu à un commentaire") if parent is not None
                   else _("Nouveau commentaire de %(name)s")) % {"name": name}
        outreach.followers_notify(process=process, target_kind=kind, target_id=target_id, subject=subject,
                                  body=body[:500], url=anchor, exclude=user,
                                  also=[getattr(obj, "author_id", None), parent.author_id if parent is not None else None])
    return comment


def _own_comment(user, comment_id) -> Comment:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour modifier vos commentaires."))
    comment = comment_get(pk=comment_id, user=user)
    if comment.author_id != user.pk:
        raise PermissionDenied(_("Seule la personne qui a écrit ce commentaire peut le modifier ou le supprimer."))
    if comment.deleted_at is not None:
        raise ValidationError({"body": [_("Ce commentaire a été supprimé.")]})
    return comment


def _editable(comment: Comment, now=None) -> bool:
    now = now or timezone.now()
    return (comment.deleted_at is None and not comment.is_hidden
            and now - comment.created_at <= datetime.timedelta(minutes=COMMENT_EDIT_MINUTES))


def comment_edit(*, user, comment, body) -> Comment:
    """The author changes the text within ``COMMENT_EDIT_MINUTES`` minutes of posting (``edited_at`` kept)."""
    comment = _own_comment(user, comment.pk if isinstance(comment, Comment) else comment)
    if comment.is_hidden:
        raise PermissionDenied(_("Ce commentaire a été masqué par la modération : il ne peut plus être modifié."))
    if not _editable(comment):
        raise PermissionDenied(_("Un commentaire se modifie dans les %(n)s minutes qui suivent sa publication.")
                               % {"n": COMMENT_EDIT_MINUTES})
    access.participation_check(user=user, process=comment.process, component=_component(comment.target_kind))
    body = _body_clean(body)
    if body != comment.body:
        with transaction.atomic():
            comment.body = body
            comment.edited_at = timezone.now()
            comment.save(update_fields=["body", "edited_at"])
            access.participation_record(process=comment.process, user=user)
    return comment


def comment_delete(*, user, comment) -> Comment:
    """The author removes the text (soft delete: the thread keeps « Commentaire supprimé » and replies)."""
    comment = _own_comment(user, comment.pk if isinstance(comment, Comment) else comment)
    with transaction.atomic():
        updated = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
        if updated and not comment.is_hidden:
            _count_change(comment.target_kind, comment.target_id, -1)
        access.participation_record(process=comment.process, user=user)
    comment.refresh_from_db()
    return comment


def comment_vote(*, user, comment, value) -> Comment:
    """``user`` votes for (1) or against (-1) a comment, or cancels their vote (0). One vote per person
    (a constraint); the counters are changed under a lock of the comment, so they stay exact."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value not in (1, -1, 0):
        raise ValidationError({"value": [_("Le vote vaut 1 (pour), -1 (contre) ou 0 (annuler).")]})
    comment = comment_get(pk=comment.pk if isinstance(comment, Comment) else comment, user=user)
    access.participation_check(user=user, process=comment.process, component=_component(comment.target_kind))
    if comment.author_id == user.pk:
        raise PermissionDenied(_("Vous ne pouvez pas voter sur votre propre commentaire."))
    if not _visible(comment):
        raise ValidationError({"value": [_("On ne vote pas sur un commentaire supprimé ou masqué.")]})
    with transaction.atomic():
        Comment.objects.select_for_update().filter(pk=comment.pk).values_list("pk", flat=True).first()
        existing = CommentVote.objects.filter(comment=comment, user=user).first()
        old = existing.value if existing else 0
        if old != value:
            if existing is None:
                try:
                    with transaction.atomic():
                        CommentVote.objects.create(comment=comment, user=user, value=value)
                except IntegrityError:  # a concurrent first vote of the same person won: count nothing more
                    comment.refresh_from_db()
                    return comment
            elif value == 0:
                existing.delete()
            else:
                CommentVote.objects.filter(pk=existing.pk).update(value=value)
            changes = {}
            if old == 1 or value == 1:
                changes["upvotes"] = F("upvotes") + (1 if value == 1 else -1)
            if old == -1 or value == -1:
                changes["downvotes"] = F("downvotes") + (1 if value == -1 else -1)
            Comment.objects.filter(pk=comment.pk).update(**changes)
            access.participation_record(process=comment.process, user=user)
    comment.refresh_from_db()
    return comment


def comment_list(*, process: Process, target_kind, target_id, user=None, sort: str = "newest", stance=None):
    """The visible top-level comments of a target, as a queryset (the API pages it)."""
    kind = _kind(target_kind)
    target_id = _target_id(target_id)
    _target_get(process, kind, target_id, user=user)
    return _top_level(process, kind, target_id, sort, stance)


def _sort_clean(sort) -> str:
    sort = sort or "newest"
    if sort not in SORTS:
        raise ValidationError({"sort": [_("Tri inconnu : « newest », « oldest » ou « supported ».")]})
    return sort


def _top_level(process, kind, target_id, sort, stance):
    sort = _sort_clean(sort)
    rows = Comment.objects.select_related("author").filter(process=process, target_kind=kind, target_id=target_id,
                                                           parent__isnull=True)
    if stance:
        if stance not in Comment.Stance.values:
            raise ValidationError({"stance": [_("Position inconnue : choisissez pour, contre ou neutre.")]})
        rows = rows.filter(stance=stance)
    if sort == "oldest":
        return rows.order_by("created_at", "pk")
    if sort == "supported":
        return rows.annotate(score=F("upvotes") - F("downvotes")).order_by("-score", "-created_at", "-pk")
    return rows.order_by("-created_at", "-pk")


def _denied_reason(user, process, component) -> str:
    try:
        access.participation_check(user=user, process=process, component=component)
    except (PermissionDenied, core_services.NotFound) as exc:
        return str(getattr(exc, "message", "") or exc)
    return ""


def comment_thread(*, process: Process, target_kind, target_id, user=None, sort: str = "newest", stance=None,
                   page=1, target=None) -> dict:
    """All the include ``consult/comments/_thread.html`` needs for one target: the page of top-level
    comments (``COMMENT_PAGE_SIZE``), each with its tree of replies, the person's votes and what they
    may do. A constant number of queries whatever the thread's size; ``target``, the target object the
    caller already read (same process), saves reading it again."""
    kind = _kind(target_kind)
    target_id = _target_id(target_id)
    sort = _sort_clean(sort)
    stance = stance or None
    page = core_services.page_number(page)
    manager = access.can_manage(user, process)
    if kind != TargetKind.PROCESS:
        spec = TARGETS[kind]
        if (isinstance(target, spec.model) and target.pk == target_id
                and getattr(target, "process_id", None) == process.pk):  # the caller already read it
            if getattr(target, "is_hidden", False) and not manager:
                raise core_services.NotFound(_("Ce contenu a été masqué par la modération."))
        else:
            _target_get(process, kind, target_id, user=user)
    elif target_id != process.pk:
        raise core_services.NotFound(_("Ce contenu n’existe pas dans cette consultation."))
    signed_in = bool(user is not None and user.is_authenticated)
    denied = _denied_reason(user, process, _component(kind))
    can_take_part = not denied

    top = _top_level(process, kind, target_id, sort, stance)
    counts = Comment.objects.filter(process=process, target_kind=kind, target_id=target_id).aggregate(
        total=Count("pk", filter=Q(parent__isnull=True, **({"stance": stance} if stance else {}))),
        visible=Count("pk", filter=Q(deleted_at__isnull=True, is_hidden=False)))
    total, visible_count = counts["total"] or 0, counts["visible"] or 0
    num_pages = max(1, -(-total // COMMENT_PAGE_SIZE))
    page = min(page, num_pages)
    roots = list(top[(page - 1) * COMMENT_PAGE_SIZE: page * COMMENT_PAGE_SIZE])
    replies = list(Comment.objects.select_related("author").filter(
        process=process, target_kind=kind, target_id=target_id, parent__isnull=False).order_by("created_at", "pk"))
    everything = roots + replies
    my_votes: dict[int, int] = {}
    my_flags: set[int] = set()
    if signed_in and everything:
        my_votes = dict(CommentVote.objects.filter(
            user=user, comment__target_kind=kind, comment__target_id=target_id, comment__process=process)
            .values_list("comment_id", "value"))
        my_flags = set(Flag.objects.filter(reporter=user, target_kind=TargetKind.COMMENT,
                                           target_id__in=[c.pk for c in everything])
                       .values_list("target_id", flat=True))

    now = timezone.now()
    html = _render_many(c.body for c in everything if c.deleted_at is None and (not c.is_hidden or manager))
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        children.setdefault(reply.parent_id, []).append(reply)

    def node(comment: Comment) -> dict:
        deleted = comment.deleted_at is not None
        hidden = comment.is_hidden
        mine = signed_in and comment.author_id == user.pk
        shown = not deleted and (not hidden or manager)
        visible = not deleted and not hidden
        return {
            "comment": comment,
            "id": comment.pk,
            "state": "deleted" if deleted else ("hidden" if hidden else "visible"),
            "placeholder": DELETED_TEXT if deleted else (HIDDEN_TEXT if hidden else ""),
            "show_body": shown,
            "body_html": html.get(comment.body, "") if shown else "",
            "author_name": (comment.author.display_name if comment.author else _("Compte supprimé"))
            if shown else "",
            "score": comment.upvotes - comment.downvotes,
            "my_vote": my_votes.get(comment.pk, 0),
            "mine": mine,
            "edited": comment.edited_at is not None,
            "can_vote": can_take_part and visible and not mine,
            "can_reply": can_take_part and visible,
            "can_edit": mine and _editable(comment, now),
            "can_delete": mine and not deleted,
            "can_report": signed_in and visible and not mine and comment.pk not in my_flags,
            "reported": comment.pk in my_flags,
            "can_moderate": manager and not deleted,
            "replies": [node(child) for child in children.get(comment.pk, [])],
        }

    stances = Comment.Stance.choices if kind == TargetKind.DEBATE else []
    return {
        "process": process, "target_kind": kind, "target_id": target_id, "sort": sort, "stance": stance or "",
        "sorts": [{"value": value, "label": label, "current": value == sort} for value, label in SORTS.items()],
        "stances": stances, "comments": [node(c) for c in roots], "total": total, "count": visible_count, "page": page,
        "num_pages": num_pages, "has_previous": page > 1, "has_next": page < num_pages,
        "previous_page": page - 1, "next_page": page + 1,
        "signed_in": signed_in, "can_post": can_take_part, "denied": denied, "is_manager": manager,
        "max_length": COMMENT_BODY_MAX, "edit_minutes": COMMENT_EDIT_MINUTES,
        "reasons": Flag.Reason.choices, "dom_id": f"commentaires-{kind}-{target_id}",
    }


# --- Reports and moderation ------------------------------------------------------------------------

def _set_hidden(kind: str, target_id: int, hidden: bool) -> bool:
    """Set ``is_hidden`` on the target; keeps the comment counters. Whether it changed."""
    spec = TARGETS[kind]
    changed = spec.model.objects.filter(pk=target_id, is_hidden=not hidden).update(is_hidden=hidden) > 0
    if changed and kind == TargetKind.COMMENT:
        comment = Comment.objects.filter(pk=target_id).values("target_kind", "target_id", "deleted_at").first()
        if comment and comment["deleted_at"] is None:
            _count_change(comment["target_kind"], comment["target_id"], -1 if hidden else +1)
    return changed


def _moderation_row(process: Process, kind: str, target_id: int) -> Moderation:
    """The moderation row of a target, created if need be, locked for the caller's transaction."""
    try:
        with transaction.atomic():
            Moderation.objects.get_or_create(target_kind=kind, target_id=target_id, defaults={"process": process})
    except IntegrityError:
        pass
    return Moderation.objects.select_for_update().get(target_kind=kind, target_id=target_id)


def flag_create(*, user, process: Process, target_kind, target_id, reason, details: str = "") -> Flag:
    """``user`` reports content (once per content: a constraint). At ``process.auto_hide_threshold``
    reports the content is hidden until a moderator looks at it (unless a moderator already reviewed it)."""
    kind = _kind(target_kind)
    if kind not in FLAGGABLE:
        raise ValidationError({"target_kind": [_("Ce type de contenu ne peut pas être signalé.")]})
    target_id = _target_id(target_id)
    access.participation_check(user=user, process=process)
    errors = {}
    if reason not in Flag.Reason.values:
        errors["reason"] = [_("Choisissez la raison du signalement.")]
    details = (details or "").strip()
    if len(details) > 1000:
        errors["details"] = [_("Les précisions sont limitées à 1 000 caractères.")]
    if errors:
        raise ValidationError(errors)
    obj = _target_get(process, kind, target_id, user=user)
    if kind == TargetKind.COMMENT and obj.deleted_at is not None:
        raise ValidationError({"target_id": [_("Ce commentaire a été supprimé.")]})
    if getattr(obj, "author_id", None) == user.pk:
        raise ValidationError({"target_id": [_("Vous ne pouvez pas signaler votre propre contenu.")]})
    access.posting_rate_check(user, "flag")
    return _flag_record(process=process, kind=kind, target_id=target_id, user=user, reason=reason, details=details)


def _flag_record(*, process: Process, kind: str, target_id: int, user, reason: str, details: str) -> Flag:
    """Store a checked report, count it and hide the content at the threshold (also used by the demo)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                flag = Flag.objects.create(process=process, target_kind=kind, target_id=target_id, reporter=user,
                                           reason=reason, details=details)
        except IntegrityError:
            raise ValidationError({"target_id": [_("Vous avez déjà signalé ce contenu : merci, la modération "
                                                   "va l’examiner.")]}) from None
        row = _moderation_row(process, kind, target_id)
        Moderation.objects.filter(pk=row.pk).update(reports_count=F("reports_count") + 1)
        row.refresh_from_db()
        threshold = process.auto_hide_threshold
        if (threshold and row.reports_count >= threshold and row.hidden_at is None and row.reviewed_at is None):
            _set_hidden(kind, target_id, True)
            row.hidden_at = timezone.now()
            row.hidden_automatically = True
            row.save(update_fields=["hidden_at", "hidden_automatically"])
            core_services.audit_append(actor=None, action="consult.comments.auto_hide", target=row,
                                       data={"target_kind": kind, "target_id": target_id,
                                             "reports": row.reports_count, "process": process.slug})
    return flag


def _moderator_check(user, process: Process) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour modérer."))
    if not access.can_manage(user, process):
        raise PermissionDenied(_("Seules les personnes qui gèrent cette consultation peuvent la modérer."))


def moderation_processes(user):
    """The processes ``user`` moderates (every one for superusers)."""
    if user is None or not user.is_authenticated:
        return Process.objects.none()
    if user.is_superuser:
        return Process.objects.all()
    organisation_ids = [m.organisation_id for m in core_services.membership_list(user=user)
                        if m.role in access.MANAGER_ROLES]
    return Process.objects.filter(organisation_id__in=organisation_ids)


def moderation_get(*, pk, user) -> Moderation:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise core_services.NotFound(_("Élément de modération introuvable.")) from None
    row = Moderation.objects.select_related("process", "process__organisation").filter(pk=pk).first()
    if row is None:
        raise core_services.NotFound(_("Élément de modération introuvable."))
    _moderator_check(user, row.process)
    return row


STATUSES = ("open", "hidden", "reviewed", "all")


def moderation_queue(*, user, status: str = "open", process=None, page=1) -> dict:
    """Reported or hidden content of the processes ``user`` moderates, newest first, with the content,
    its author, the reasons and counts. ``status``: ``open`` (not reviewed), ``hidden``, ``reviewed``,
    ``all``. A constant number of queries per page (one per kind of content on it)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour modérer."))
    status = status or "open"
    if status not in STATUSES:
        raise ValidationError({"status": [_("État inconnu : open, hidden, reviewed ou all.")]})
    page = core_services.page_number(page)
    rows = Moderation.objects.select_related("process", "process__organisation", "reviewed_by").filter(
        process__in=moderation_processes(user))
    if process is not None:
        rows = rows.filter(process=process)
    if status == "open":
        rows = rows.filter(reviewed_at__isnull=True)
    elif status == "hidden":
        rows = rows.filter(hidden_at__isnull=False)
    elif status == "reviewed":
        rows = rows.filter(reviewed_at__isnull=False)
    rows = rows.order_by("-created_at", "-pk")
    total = rows.count()
    num_pages = max(1, -(-total // MODERATION_PAGE_SIZE))
    page = min(page, num_pages)
    items = list(rows[(page - 1) * MODERATION_PAGE_SIZE: page * MODERATION_PAGE_SIZE])
    by_kind: dict[str, list[int]] = {}
    for item in items:
        by_kind.setdefault(item.target_kind, []).append(item.target_id)
    objects = {}
    for kind, ids in by_kind.items():
        spec = TARGETS.get(kind)
        if spec is None:
            continue
        related = [r for r in ("author",) if hasattr(spec.model, "author")] + list(spec.related)
        for obj in spec.model.objects.select_related(*related).filter(pk__in=ids):
            objects[(kind, obj.pk)] = obj
    reasons: dict[tuple, dict] = {}
    details: dict[tuple, list] = {}
    if items:
        query = Q()
        for kind, ids in by_kind.items():
            query |= Q(target_kind=kind, target_id__in=ids)
        for flag in Flag.objects.filter(query).order_by("-created_at"):
            key = (flag.target_kind, flag.target_id)
            reasons.setdefault(key, {})
            reasons[key][flag.reason] = reasons[key].get(flag.reason, 0) + 1
            if flag.details and len(details.setdefault(key, [])) < 5:
                details[key].append(flag.details)
    labels = dict(Flag.Reason.choices)
    blocked = set(Block.objects.filter(lifted_at__isnull=True).values_list("user_id", flat=True)) \
        if user.is_superuser else set()
    out = []
    for item in items:
        key = (item.target_kind, item.target_id)
        obj = objects.get(key)
        author = getattr(obj, "author", None)
        out.append({
            "moderation": item, "id": item.pk, "process": item.process, "kind": item.target_kind,
            "kind_label": TargetKind(item.target_kind).label if item.target_kind in TargetKind.values else "",
            "object": obj, "text": _content_text(item.target_kind, obj), "author": author,
            "author_blocked": bool(author and author.pk in blocked),
            "url": comment_target_url(process=item.process, target_kind=item.target_kind, target_id=item.target_id,
                                      obj=obj) if obj is not None else "",
            "is_hidden": bool(getattr(obj, "is_hidden", False)),
            "reasons": [{"reason": r, "label": labels.get(r, r), "count": n}
                        for r, n in sorted(reasons.get(key, {}).items(), key=lambda kv: -kv[1])],
            "details": details.get(key, []),
        })
    return {"items": out, "total": total, "page": page, "num_pages": num_pages, "status": status,
            "has_previous": page > 1, "has_next": page < num_pages}


def _content_text(kind: str, obj) -> str:
    if obj is None:
        return _("(contenu supprimé)")
    if kind == TargetKind.COMMENT:
        return obj.body if obj.deleted_at is None else str(DELETED_TEXT)
    if kind in (TargetKind.PROPOSAL, TargetKind.AMENDMENT):
        return f"{obj.title}\n\n{obj.body}"
    if kind == TargetKind.STATEMENT:
        return obj.text
    if kind == TargetKind.DEBATE:
        return f"{obj.title_fr}\n\n{obj.description_fr}"
    return str(obj)


def _target_for(user, process, target_kind, target_id):
    kind = _kind(target_kind)
    if kind not in FLAGGABLE:
        raise ValidationError({"target_kind": [_("Ce type de contenu ne peut pas être masqué.")]})
    target_id = _target_id(target_id)
    _moderator_check(user, process)
    _target_get(process, kind, target_id, user=user, allow_hidden=True)
    return kind, target_id


def _hide(user, process, kind, target_id, hidden: bool) -> Moderation:
    with transaction.atomic():
        row = _moderation_row(process, kind, target_id)
        changed = _set_hidden(kind, target_id, hidden)
        now = timezone.now()
        row.hidden_at = now if hidden else None
        row.hidden_automatically = False
        row.reviewed_at, row.reviewed_by = now, user
        row.save(update_fields=["hidden_at", "hidden_automatically", "reviewed_at", "reviewed_by"])
        core_services.audit_append(actor=user, action="consult.comments.hide" if hidden else "consult.comments.unhide",
                                   target=row, data={"target_kind": kind, "target_id": target_id,
                                                     "process": process.slug, "changed": changed})
    return row


def moderation_hide(*, user, moderation=None, process: Process | None = None, target_kind=None,
                    target_id=None) -> Moderation:
    """Hide content (a queue item, or any target of a process the person moderates); audited."""
    if moderation is not None:
        row = moderation if isinstance(moderation, Moderation) else moderation_get(pk=moderation, user=user)
        process, target_kind, target_id = row.process, row.target_kind, row.target_id
    kind, target_id = _target_for(user, process, target_kind, target_id)
    return _hide(user, process, kind, target_id, True)


def moderation_unhide(*, user, moderation=None, process: Process | None = None, target_kind=None,
                      target_id=None) -> Moderation:
    """Show hidden content again (reviewed: further reports do not hide it automatically); audited."""
    if moderation is not None:
        row = moderation if isinstance(moderation, Moderation) else moderation_get(pk=moderation, user=user)
        process, target_kind, target_id = row.process, row.target_kind, row.target_id
    kind, target_id = _target_for(user, process, target_kind, target_id)
    return _hide(user, process, kind, target_id, False)


def moderation_review(*, user, moderation) -> Moderation:
    """Mark a queue item as looked at without changing it; audited."""
    row = moderation if isinstance(moderation, Moderation) else moderation_get(pk=moderation, user=user)
    _moderator_check(user, row.process)
    with transaction.atomic():
        row.reviewed_at, row.reviewed_by = timezone.now(), user
        row.save(update_fields=["reviewed_at", "reviewed_by"])
        core_services.audit_append(actor=user, action="consult.comments.review", target=row,
                                   data={"target_kind": row.target_kind, "target_id": row.target_id})
    return row


# --- Blocks ----------------------------------------------------------------------------------------

def _superuser_check(user) -> None:
    if user is None or not user.is_authenticated or not user.is_superuser:
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme peuvent bloquer une personne."))


def block_create(*, actor, user, reason: str) -> Block:
    """Block ``user`` (an id or a user) from taking part in every consultation; audited."""
    _superuser_check(actor)
    User = get_user_model()
    target = user if isinstance(user, User) else User.objects.filter(pk=_target_id(user)).first()
    if target is None:
        raise core_services.NotFound(_("Personne introuvable."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Indiquez la raison du blocage.")]
    elif len(reason) > 1000:
        errors["reason"] = [_("La raison est limitée à 1 000 caractères.")]
    if target.pk == actor.pk:
        errors["user"] = [_("Vous ne pouvez pas vous bloquer vous-même.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                block = Block.objects.create(user=target, reason=reason, blocked_by=actor)
        except IntegrityError:
            raise ValidationError({"user": [_("Cette personne est déjà bloquée.")]}) from None
        core_services.audit_append(actor=actor, action="consult.comments.block", target=block,
                                   data={"user": target.pk, "reason": reason})
    return block


def block_lift(*, actor, user) -> int:
    """Lift the active block of ``user`` (an id or a user); audited. How many blocks were lifted."""
    _superuser_check(actor)
    user_id = user.pk if hasattr(user, "pk") else _target_id(user)
    with transaction.atomic():
        blocks = list(Block.objects.select_for_update().filter(user_id=user_id, lifted_at__isnull=True))
        if not blocks:
            raise core_services.NotFound(_("Cette personne n’est pas bloquée."))
        now = timezone.now()
        for block in blocks:
            block.lifted_at = now
            block.save(update_fields=["lifted_at"])
            core_services.audit_append(actor=actor, action="consult.comments.unblock", target=block,
                                       data={"user": user_id})
    return len(blocks)


def block_list(*, actor):
    _superuser_check(actor)
    return Block.objects.select_related("user", "blocked_by").filter(lifted_at__isnull=True).order_by("-created_at")


# --- Registration ----------------------------------------------------------------------------------

def register() -> None:
    """What this part plugs into the platform: the demo comments (after the proposals, order 270)."""
    from ouvert.core import registry

    from . import comments_demo

    registry.register_demo_loader("consult_comments", comments_demo.load, order=270)
