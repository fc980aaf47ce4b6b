"""Opinion statements (Pol.is style) and opinion groups.

An organiser opens a *conversation* with seed statements; participants (component ``opinions``) vote
agree / disagree / pass on the statements one at a time (``statement_next`` gives the next one: seeds
first, then the statements with the fewest votes) and may add their own (pending approval when the
conversation is premoderated). ``opinion_groups`` builds the participants × statements matrix from the
votes in one query and groups the participants (``opinions_analysis``), cached in ``OpinionAnalysis``
and recomputed when the votes changed (a periodic job refreshes the active conversations).
"""

from __future__ import annotations

import datetime
import time
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from . import access
from .models import Conversation, OpinionAnalysis, Phase, Process, Statement, StatementVote

__all__ = [
    "OPINION_GROUP_NAMES", "STATEMENT_MAX_LENGTH", "conversation_create", "conversation_get", "conversation_list",
    "conversation_progress", "conversation_update", "conversation_votes_of", "opinion_groups",
    "opinion_groups_refresh_active", "statement_add", "statement_moderate", "statement_next",
    "statement_pending_list", "statement_vote", "statements_visible",
]

COMPONENT = Phase.Component.OPINIONS
STATEMENT_MAX_LENGTH = 400
STATEMENT_MIN_LENGTH = 5
#: Letters of the groups, as Pol.is names them.
OPINION_GROUP_NAMES = "ABCDE"
VOTE_VALUES = {1, -1, 0}
#: Addresses under ``opinions/`` that are not conversations.
RESERVED_SLUGS = {"nouvelle"}


def _min_votes(statements: int) -> int:
    """Pol.is keeps participants with at least 7 votes; fewer in small conversations."""
    configured = getattr(settings, "OUVERT_CONSULT_OPINION_MIN_VOTES", 7)
    return max(1, min(configured, (statements + 1) // 2))


#: An analysis of fewer votes than this (a fraction of a second) is redone on view as soon as the votes
#: change; a larger one at most every ``OUVERT_CONSULT_OPINION_REFRESH_SECONDS``.
CHEAP_ANALYSIS_VOTES = 20000


def _refresh_seconds() -> int:
    """A stale analysis that was costly to compute is recomputed on view at most once in this many seconds
    (the periodic job does the rest)."""
    return getattr(settings, "OUVERT_CONSULT_OPINION_REFRESH_SECONDS", 30)


# --- Reading ---------------------------------------------------------------------------------------

def statements_visible(conversation: Conversation):
    """The statements everyone sees and votes on: accepted and not hidden by the moderation."""
    return conversation.statements.filter(status=Statement.Status.ACCEPTED, is_hidden=False)


def conversation_list(*, process: Process, user=None) -> list[Conversation]:
    """The process's conversations, each with ``statements_total`` (visible statements) and, for a
    manager, ``pending_total``; in two queries at most."""
    rows = list(process.conversations.annotate(
        statements_total=Count("statements", filter=Q(statements__status=Statement.Status.ACCEPTED,
                                                      statements__is_hidden=False)),
        pending_total=Count("statements", filter=Q(statements__status=Statement.Status.PENDING)),
    ).order_by("pk"))
    voters = dict(StatementVote.objects.filter(conversation__in=[c.pk for c in rows]).values("conversation")
                  .annotate(n=Count("user", distinct=True)).values_list("conversation", "n")) if rows else {}
    for conversation in rows:
        conversation.participants_total = voters.get(conversation.pk, 0)
    return rows


def conversation_get(*, process: Process, slug: str, user=None) -> Conversation:
    conversation = Conversation.objects.filter(process=process, slug=str(slug)[:100]).first()
    if conversation is None:
        raise core_services.NotFound(_("Conversation « %(slug)s » introuvable.") % {"slug": str(slug)[:100]})
    conversation.process = process
    return conversation


def conversation_votes_of(*, conversation: Conversation, user) -> dict[int, int]:
    """``{statement id: value}`` of ``user``'s votes in ``conversation``."""
    if user is None or not user.is_authenticated:
        return {}
    return dict(StatementVote.objects.filter(conversation=conversation, user=user)
                .values_list("statement_id", "value"))


def conversation_progress(*, conversation: Conversation, user) -> dict:
    """``{"voted", "total", "percent"}``: how many visible statements ``user`` voted on."""
    total = statements_visible(conversation).count()
    voted = 0
    if user is not None and user.is_authenticated:
        voted = StatementVote.objects.filter(conversation=conversation, user=user,
                                             statement__status=Statement.Status.ACCEPTED,
                                             statement__is_hidden=False).count()
    return {"voted": voted, "total": total, "percent": round(100 * voted / total) if total else 0}


def statement_next(*, conversation: Conversation, user) -> Statement | None:
    """The next statement ``user`` has not voted on: seeds first, then the fewest votes, then the oldest."""
    qs = statements_visible(conversation)
    if user is not None and user.is_authenticated:
        qs = qs.exclude(pk__in=StatementVote.objects.filter(conversation=conversation, user=user)
                        .values("statement_id"))
    return (qs.annotate(total=F("agree_count") + F("disagree_count") + F("pass_count"))
            .order_by("-is_seed", "total", "pk").first())


def statement_pending_list(*, actor, conversation: Conversation) -> list[Statement]:
    if not access.can_manage(actor, conversation.process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation examinent les énoncés proposés."))
    return list(conversation.statements.filter(status=Statement.Status.PENDING).order_by("created_at", "pk"))


# --- Organisers ------------------------------------------------------------------------------------

def _text(errors: dict, field: str, value, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Un texte est attendu.")]
        return ""
    value = value.replace("\x00", "").strip()
    if required and not value:
        errors[field] = [_("Ce champ est obligatoire.")]
    elif len(value) > max_length:
        errors[field] = [_("Au plus %(max)s caractères (vous en avez écrit %(n)s).") % {"max": max_length,
                                                                                         "n": len(value)}]
    return value


def _normalise(text: str) -> str:
    """The form of a statement used to find duplicates: accents, case, spacing and final punctuation
    ignored."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = " ".join(text.split())
    return text.rstrip(" .!?…;:")


def _statement_text(errors: dict, value, field: str = "text") -> str:
    text = _text(errors, field, value, max_length=STATEMENT_MAX_LENGTH, required=True)
    if field not in errors:
        text = " ".join(text.split())
        if len(text) < STATEMENT_MIN_LENGTH:
            errors[field] = [_("Un énoncé compte au moins %(min)s caractères.") % {"min": STATEMENT_MIN_LENGTH}]
    return text


def _duplicate(conversation: Conversation, text: str, *, pending: list[str] | None = None) -> bool:
    key = _normalise(text)
    existing = conversation.statements.exclude(status=Statement.Status.REJECTED).values_list("text", flat=True)
    return any(_normalise(t) == key for t in existing) or any(_normalise(t) == key for t in (pending or []))


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "oui")
    return bool(value)


def conversation_create(*, actor, process: Process, data: dict, is_demo: bool = False) -> Conversation:
    """A conversation of ``process`` (its managers only). ``data``: ``title_fr`` (required), ``title_en``,
    ``description_fr``, ``description_en``, ``slug`` (from the title by default), ``participants_can_add``,
    ``premoderated``, ``seeds`` (the seed statements: a list of texts, or one per line)."""
    if not access.can_manage(actor, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation créent ses conversations."))
    errors: dict = {}
    title_fr = _text(errors, "title_fr", data.get("title_fr"), max_length=300, required=True)
    values = {
        "title_fr": title_fr,
        "title_en": _text(errors, "title_en", data.get("title_en"), max_length=300),
        "description_fr": _text(errors, "description_fr", data.get("description_fr"), max_length=10000),
        "description_en": _text(errors, "description_en", data.get("description_en"), max_length=10000),
        "participants_can_add": _bool(data.get("participants_can_add", True)),
        "premoderated": _bool(data.get("premoderated", False)),
    }
    raw_slug = data.get("slug") or title_fr
    slug = slugify(raw_slug)[:100].strip("-") if isinstance(raw_slug, str) else ""
    if not slug and "title_fr" not in errors:
        errors["slug"] = [_("Identifiant invalide : des lettres, des chiffres et des traits d'union.")]
    elif slug in RESERVED_SLUGS or (slug and Conversation.objects.filter(process=process, slug=slug).exists()):
        errors["slug"] = [_("L'identifiant « %(slug)s » est déjà pris dans cette consultation.") % {"slug": slug}]
    seeds_raw = data.get("seeds") or []
    if isinstance(seeds_raw, str):
        seeds_raw = [line for line in seeds_raw.splitlines() if line.strip()]
    if not isinstance(seeds_raw, list | tuple):
        errors["seeds"] = [_("Une liste d'énoncés est attendue.")]
        seeds_raw = []
    seeds: list[str] = []
    for number, raw in enumerate(seeds_raw, start=1):
        sub: dict = {}
        text = _statement_text(sub, raw)
        if sub:
            errors.setdefault("seeds", []).append(_("Énoncé %(n)s : %(error)s") % {"n": number,
                                                                                   "error": sub["text"][0]})
        elif any(_normalise(text) == _normalise(s) for s in seeds):
            errors.setdefault("seeds", []).append(_("Énoncé %(n)s : il répète un énoncé précédent.") % {"n": number})
        else:
            seeds.append(text)
    if len(seeds) > 500:
        errors["seeds"] = [_("Au plus 500 énoncés de départ.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        conversation = Conversation.objects.create(process=process, slug=slug, is_demo=is_demo, **values)
        now = timezone.now()
        Statement.objects.bulk_create([
            Statement(conversation=conversation, author=actor, text=text, is_seed=True, is_demo=is_demo,
                      status=Statement.Status.ACCEPTED, created_at=now) for text in seeds])
        core_services.audit_append(actor=actor, action="consult.opinions.create", target=conversation,
                                   data={"process": process.slug, "slug": slug, "seeds": len(seeds)})
    return conversation


def conversation_update(*, actor, conversation: Conversation, data: dict) -> Conversation:
    """Change a conversation's texts and settings (its managers)."""
    if not access.can_manage(actor, conversation.process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation modifient ses conversations."))
    errors: dict = {}
    changes = {}
    for field, max_length, required in (("title_fr", 300, True), ("title_en", 300, False),
                                        ("description_fr", 10000, False), ("description_en", 10000, False)):
        if field in data:
            changes[field] = _text(errors, field, data[field], max_length=max_length, required=required)
    for field in ("participants_can_add", "premoderated"):
        if field in data:
            changes[field] = _bool(data[field])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for field, value in changes.items():
            setattr(conversation, field, value)
        conversation.save(update_fields=list(changes) or None)
        core_services.audit_append(actor=actor, action="consult.opinions.update", target=conversation,
                                   data={k: v for k, v in changes.items() if not k.startswith("description")})
    return conversation


def statement_moderate(*, actor, statement: Statement, accept: bool) -> Statement:
    """Accept or reject a pending (or accepted) participant statement; audited."""
    conversation = statement.conversation
    if not access.can_manage(actor, conversation.process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation examinent les énoncés proposés."))
    status = Statement.Status.ACCEPTED if accept else Statement.Status.REJECTED
    with transaction.atomic():
        changed = Statement.objects.filter(pk=statement.pk).exclude(status=status).update(status=status)
        statement.status = status
        if changed:
            core_services.audit_append(actor=actor, action="consult.opinions.accept" if accept
                                       else "consult.opinions.reject", target=statement,
                                       data={"conversation": conversation.slug, "text": statement.text[:200]})
    return statement


# --- Participants ----------------------------------------------------------------------------------

def statement_add(*, user, conversation: Conversation, text, seed: bool = False) -> Statement:
    """Add a statement. Participants (when the conversation lets them; rate-limited; pending approval when
    premoderated) or its managers (``seed=True``: a seed statement, audited)."""
    process = conversation.process
    manager = access.can_manage(user, process)
    if seed:
        if not manager:
            raise PermissionDenied(_("Seuls les organisateurs ajoutent des énoncés de départ."))
    else:
        access.participation_check(user=user, process=process, component=COMPONENT)
        if not conversation.participants_can_add and not manager:
            raise PermissionDenied(_("Les organisateurs n'ont pas ouvert cette conversation aux énoncés des "
                                     "participants."))
    errors: dict = {}
    text = _statement_text(errors, text)
    if errors:
        raise ValidationError(errors)
    if _duplicate(conversation, text):
        raise ValidationError({"text": [_("Cet énoncé existe déjà dans la conversation : votez plutôt sur "
                                          "celui-ci.")]})
    if not seed:
        access.posting_rate_check(user, "statement")
    status = (Statement.Status.PENDING if conversation.premoderated and not manager
              else Statement.Status.ACCEPTED)
    try:
        with transaction.atomic():
            statement = Statement.objects.create(conversation=conversation, author=user, text=text,
                                                 is_seed=seed, status=status)
            if seed:
                core_services.audit_append(actor=user, action="consult.opinions.seed", target=statement,
                                           data={"conversation": conversation.slug, "text": text[:200]})
            else:
                access.participation_record(process=process, user=user)
    except IntegrityError:
        raise ValidationError({"text": [_("Cet énoncé existe déjà dans la conversation : votez plutôt sur "
                                          "celui-ci.")]}) from None
    return statement


def statement_vote(*, user, statement: Statement, value) -> dict:
    """Vote ``value`` (1 agree, -1 disagree, 0 pass) on ``statement``, or change one's vote. A repeated
    vote changes nothing; the counters move with the row, in the same transaction, so that concurrent
    double submits count once. Returns ``{"value", "created", "changed"}``."""
    conversation = statement.conversation
    access.participation_check(user=user, process=conversation.process, component=COMPONENT)
    if isinstance(value, str) and value.strip() in ("1", "-1", "0", "+1"):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value not in VOTE_VALUES:
        raise ValidationError({"value": [_("Vote inconnu : 1 (d'accord), -1 (en désaccord) ou 0 (passe).")]})
    if statement.status != Statement.Status.ACCEPTED or statement.is_hidden:
        raise ValidationError({"statement": [_("Cet énoncé n'est pas ouvert au vote.")]})
    counter = {1: "agree_count", -1: "disagree_count", 0: "pass_count"}
    now = timezone.now()
    with transaction.atomic():
        created = False
        try:
            with transaction.atomic():
                StatementVote.objects.create(statement=statement, conversation=conversation, user=user,
                                             value=value, created_at=now)
            created = True
        except IntegrityError:
            pass
        if created:
            Statement.objects.filter(pk=statement.pk).update(**{counter[value]: F(counter[value]) + 1})
            Conversation.objects.filter(pk=conversation.pk).update(votes_count=F("votes_count") + 1)
            access.participation_record(process=conversation.process, user=user)
            return {"value": value, "created": True, "changed": True}
        previous = (StatementVote.objects.select_for_update().filter(statement=statement, user=user)
                    .values_list("value", flat=True).first())
        if previous is None or previous == value:
            return {"value": value, "created": False, "changed": False}
        # A conditional update: of two concurrent changes from the same value, one only moves the counters.
        moved = StatementVote.objects.filter(statement=statement, user=user, value=previous).update(
            value=value, created_at=now)
        if moved:
            Statement.objects.filter(pk=statement.pk).update(**{counter[value]: F(counter[value]) + 1,
                                                                counter[previous]: F(counter[previous]) - 1})
            access.participation_record(process=conversation.process, user=user)
        return {"value": value, "created": False, "changed": bool(moved)}


# --- Opinion groups --------------------------------------------------------------------------------

def _fingerprint(conversation: Conversation) -> dict:
    """What the analysis depends on: the votes (count and last change) and the visible statements."""
    votes = StatementVote.objects.filter(conversation=conversation).aggregate(n=Count("pk"), last=Max("created_at"))
    statements = statements_visible(conversation).aggregate(n=Count("pk"), last=Max("pk"))
    return {"votes": votes["n"], "last_vote": votes["last"].isoformat() if votes["last"] else None,
            "statements": statements["n"], "last_statement": statements["last"]}


def _compute(conversation: Conversation, fingerprint: dict) -> OpinionAnalysis:
    import numpy as np
    import sklearn.cluster  # noqa: F401  (imported before the clock starts: the first import is slow)
    import sklearn.decomposition  # noqa: F401
    import sklearn.metrics  # noqa: F401

    from .opinions_analysis import opinion_groups_from_matrix

    started = time.perf_counter()
    statement_ids = list(statements_visible(conversation).order_by("pk").values_list("pk", flat=True))
    rows = list(StatementVote.objects.filter(conversation=conversation, statement_id__in=statement_ids)
                .values_list("user_id", "statement_id", "value"))
    user_ids = sorted({row[0] for row in rows})
    result: dict
    if rows and statement_ids:
        data = np.array(rows, dtype=np.int64)
        user_index = np.searchsorted(np.array(user_ids, dtype=np.int64), data[:, 0])
        column_index = np.searchsorted(np.array(statement_ids, dtype=np.int64), data[:, 1])
        matrix = np.full((len(user_ids), len(statement_ids)), np.nan)
        matrix[user_index, column_index] = data[:, 2]
        result = opinion_groups_from_matrix(matrix, min_votes=_min_votes(len(statement_ids)),
                                            seed=conversation.pk or 0)
    else:
        result = opinion_groups_from_matrix(np.empty((0, len(statement_ids))),
                                            min_votes=_min_votes(len(statement_ids)))
    result["statement_ids"] = statement_ids
    # Who is who, for the person's own dot (never shown: the public result drops it).
    result["participant_ids"] = [user_ids[i] for i in result["kept_participants"]]
    result["voters"] = len(user_ids)
    result["fingerprint"] = fingerprint
    duration = int((time.perf_counter() - started) * 1000)
    values = {"votes_count": fingerprint["votes"], "participants": len(result["participant_ids"]),
              "result": result, "computed_at": timezone.now(), "duration_ms": duration}
    try:
        with transaction.atomic():
            analysis, _created = OpinionAnalysis.objects.update_or_create(conversation=conversation,
                                                                          defaults=values)
    except IntegrityError:  # computed at the same time by another request: keep theirs
        analysis = OpinionAnalysis.objects.get(conversation=conversation)
    return analysis


def _analysis(conversation: Conversation, *, refresh: bool) -> OpinionAnalysis:
    analysis = OpinionAnalysis.objects.filter(conversation=conversation).first()
    if analysis is not None and not refresh:
        # A cheap analysis is redone as soon as the votes change; a costly one at most once in a while.
        recent = timezone.now() - analysis.computed_at < datetime.timedelta(seconds=_refresh_seconds())
        costly = analysis.votes_count >= CHEAP_ANALYSIS_VOTES
        fingerprint = _fingerprint(conversation)
        if analysis.result.get("fingerprint") == fingerprint or (recent and costly):
            return analysis
        return _compute(conversation, fingerprint)
    return _compute(conversation, _fingerprint(conversation))


def opinion_groups(*, conversation: Conversation, refresh: bool = False, user=None) -> dict:
    """The conversation's opinion groups, ready to show: ``{"status", "reason", "k", "participants" (kept),
    "voters", "statements", "min_votes", "silhouette", "computed_at", "groups": [{"name", "size",
    "percent", "representative": [{"statement_id", "text", "direction", "percent", "others_percent",
    "count", "voters"}]}], "consensus": [{"statement_id", "text", "direction", "percent",
    "groups_percent"}], "points": [{"x", "y", "group", "me"}], "me": {"group", "x", "y"} or None}``.

    From the cached analysis, recomputed first when the votes changed since (or with ``refresh``). No
    participant's identity is in it; ``me`` is ``user``'s own place when they are in the groups."""
    analysis = _analysis(conversation, refresh=refresh)
    raw = analysis.result or {}
    statement_ids = raw.get("statement_ids", [])
    texts = dict(conversation.statements.filter(pk__in=statement_ids).values_list("pk", "text"))

    def text_of(index):
        statement_id = statement_ids[index]
        return statement_id, texts.get(statement_id, "")

    kept = len(raw.get("labels", []))
    groups = []
    for number, group in enumerate(raw.get("groups", [])):
        representative = []
        for row in group.get("representative", []):
            statement_id, text = text_of(row["statement"])
            representative.append({"statement_id": statement_id, "text": text, "direction": row["direction"],
                                   "percent": row["percent"], "others_percent": row["others_percent"],
                                   "count": row["count"], "voters": row["voters"]})
        groups.append({"name": OPINION_GROUP_NAMES[number], "number": number, "size": group["size"],
                       "percent": round(100 * group["size"] / kept) if kept else 0,
                       "representative": representative})
    consensus = []
    for row in raw.get("consensus", []):
        statement_id, text = text_of(row["statement"])
        consensus.append({"statement_id": statement_id, "text": text, "direction": row["direction"],
                          "percent": row["percent"],
                          "groups_percent": [{"name": OPINION_GROUP_NAMES[i], "percent": p}
                                             for i, p in enumerate(row["groups_percent"])]})
    me = None
    participant_ids = raw.get("participant_ids", [])
    mine = -1
    if user is not None and user.is_authenticated and user.pk in participant_ids:
        mine = participant_ids.index(user.pk)
    points = []
    for i, ((x, y), label) in enumerate(zip(raw.get("projection", []), raw.get("labels", []), strict=False)):
        points.append({"x": x, "y": y, "group": OPINION_GROUP_NAMES[label] if label < len(OPINION_GROUP_NAMES)
                       else str(label), "me": i == mine})
        if i == mine:
            me = {"group": OPINION_GROUP_NAMES[label], "x": x, "y": y}
    return {
        "status": raw.get("status", "not_enough_votes"), "reason": raw.get("reason", ""), "k": raw.get("k", 0),
        "participants": kept, "voters": raw.get("voters", 0), "statements": len(statement_ids),
        "min_votes": raw.get("min_votes", _min_votes(len(statement_ids))), "silhouette": raw.get("silhouette"),
        "computed_at": analysis.computed_at, "duration_ms": analysis.duration_ms, "groups": groups,
        "consensus": consensus, "points": points, "me": me,
    }


def opinion_groups_refresh_active() -> int:
    """Periodic job: recompute the opinion groups of the conversations whose process takes opinions now
    and whose votes changed since the last analysis. Returns how many were recomputed."""
    today = timezone.localdate()
    process_ids = {phase.process_id for phase in Phase.objects.filter(starts_on__lte=today, ends_on__gte=today)
                   if COMPONENT in (phase.components or [])}
    done = 0
    for conversation in Conversation.objects.filter(process_id__in=process_ids).select_related("process"):
        analysis = OpinionAnalysis.objects.filter(conversation=conversation).first()
        fingerprint = _fingerprint(conversation)
        if analysis is None or analysis.result.get("fingerprint") != fingerprint:
            _compute(conversation, fingerprint)
            done += 1
    return done


def register() -> None:
    """The periodic refresh of the opinion groups, and the demo."""
    from ouvert.core import registry

    from . import opinions_demo

    registry.register_periodic("consult.opinion_groups_refresh", opinion_groups_refresh_active, every_seconds=300)
    registry.register_demo_loader("consult_opinions", opinions_demo.load, order=260)
