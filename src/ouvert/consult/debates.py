"""The debates part of the consult module (see ``services``): debates and draft texts.

- **Debates**: an organiser puts a question to debate (with its context); participants post arguments
  for and against — comments with a ``stance`` (``Comment.stance``), replies are threaded comments
  without one — through the comments part; the organiser closes the debate with its conclusions, and a
  closed debate takes no new arguments.
- **Draft texts**: an organiser publishes a draft (bill, policy, strategy) from Markdown or plain text;
  ``draft_split`` cuts it into paragraphs (``# …`` headings on their own, blank lines between
  paragraphs, a list kept with the paragraph that introduces it); each paragraph is commented on its
  own (comment target ``paragraph``).

Versions of a draft: ``draft_new_version`` replaces the paragraphs **only while no comment exists** on
the text. Comments point at a paragraph row; once people have commented, replacing or renumbering the
paragraphs would silently attach their comments to a text they never read. The organiser then
publishes the new version as a new draft (another identifier), and the commented one stays online with
its comments.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import registry, text_checks
from ouvert.core import services as core_services

from . import access
from .models import Comment, Debate, DraftText, Paragraph, Phase, Process, TargetKind

__all__ = [
    "DRAFT_MAX_BYTES", "DRAFT_MAX_PARAGRAPHS", "debate_argument_post", "debate_close", "debate_create",
    "debate_get", "debate_list", "debate_open_check", "debate_reopen", "debate_summaries", "debate_summary",
    "debate_update", "draft_create", "draft_get", "draft_heat", "draft_list", "draft_new_version",
    "draft_paragraph_get", "draft_paragraphs", "draft_source_decode", "draft_split", "draft_update",
]

#: The largest draft file accepted (``.md`` / ``.txt``), in bytes.
DRAFT_MAX_BYTES = 1_000_000
#: The most paragraphs a draft may have.
DRAFT_MAX_PARAGRAPHS = 2000
#: The most characters of one paragraph (``Paragraph.text_fr``).
PARAGRAPH_MAX_CHARS = 20000
#: Addresses under ``textes/`` that are not drafts.
RESERVED_DRAFT_SLUGS = {"nouveau"}
DRAFT_EXTENSIONS = (".md", ".markdown", ".txt")

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


# --- Permissions ---------------------------------------------------------------------------------

def _manager_check(actor, process: Process) -> None:
    if not access.can_manage(actor, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation (éditeurs et administrateurs de "
                                 "l'organisme responsable) peuvent faire cela."))


# --- Debates ---------------------------------------------------------------------------------------

_DEBATE_FIELDS = {
    "title_fr": ("line", 300), "title_en": ("line", 300),
    "description_fr": ("text", 20000), "description_en": ("text", 20000),
    "conclusions_fr": ("text", 20000), "conclusions_en": ("text", 20000),
}


def _debate_values(data: dict, fields: tuple[str, ...], *, partial: bool) -> dict:
    errors: dict = {}
    values = {}
    for field in fields:
        if partial and field not in data:
            continue
        kind, max_length = _DEBATE_FIELDS[field]
        check = text_checks.line if kind == "line" else text_checks.text
        values[field] = check(errors, field, data.get(field), max_length=max_length,
                              required=(field == "title_fr"))
    if errors:
        raise ValidationError(errors)
    return values


def debate_create(*, actor, process: Process, data: dict, is_demo: bool = False) -> Debate:
    """An organiser puts a question to debate: ``title_fr`` (the question, required), ``title_en``,
    ``description_fr``/``_en`` (the context, Markdown)."""
    _manager_check(actor, process)
    values = _debate_values(data, ("title_fr", "title_en", "description_fr", "description_en"), partial=False)
    with transaction.atomic():
        debate = Debate.objects.create(process=process, is_demo=is_demo, **values)
        core_services.audit_append(actor=actor, action="consult.debates.create", target=debate,
                                   data={"process": process.slug, "title_fr": debate.title_fr})
    return debate


def debate_update(*, actor, debate: Debate, data: dict) -> Debate:
    """An organiser edits the question, its context or (closed or not) the conclusions; only the fields
    given in ``data`` change."""
    _manager_check(actor, debate.process)
    values = _debate_values(data, tuple(_DEBATE_FIELDS), partial=True)
    changed = {k: v for k, v in values.items() if getattr(debate, k) != v}
    if changed:
        with transaction.atomic():
            Debate.objects.filter(pk=debate.pk).update(**changed)
            for key, value in changed.items():
                setattr(debate, key, value)
            core_services.audit_append(actor=actor, action="consult.debates.update", target=debate,
                                       data={"fields": sorted(changed)})
    return debate


def debate_close(*, actor, debate: Debate, conclusions_fr: str | None = None,
                 conclusions_en: str | None = None) -> Debate:
    """An organiser closes the debate (no new arguments), with its conclusions (what was heard and what
    will be done with it). Closing a closed debate only updates the conclusions given."""
    _manager_check(actor, debate.process)
    data = {}
    if conclusions_fr is not None:
        data["conclusions_fr"] = conclusions_fr
    if conclusions_en is not None:
        data["conclusions_en"] = conclusions_en
    values = _debate_values(data, ("conclusions_fr", "conclusions_en"), partial=True)
    with transaction.atomic():
        locked = Debate.objects.select_for_update().get(pk=debate.pk)
        was_closed = locked.closed_at is not None
        values["closed_at"] = locked.closed_at or timezone.now()
        Debate.objects.filter(pk=debate.pk).update(**values)
        for key, value in values.items():
            setattr(debate, key, value)
        core_services.audit_append(actor=actor, action="consult.debates.close", target=debate,
                                   data={"already_closed": was_closed,
                                         "conclusions": bool(debate.conclusions_fr or debate.conclusions_en)})
        if not was_closed:
            _debate_closed_notify(actor, debate)
    return debate


def _debate_closed_notify(actor, debate: Debate) -> None:
    """Tell the people who follow the debate or its process that it is closed, with its conclusions."""
    from django.urls import reverse

    from .outreach import followers_notify

    url = reverse("consult:debate", kwargs={"slug": debate.process.slug, "pk": debate.pk})
    followers_notify(process=debate.process, target_kind=TargetKind.DEBATE, target_id=debate.pk,
                     subject=_("Débat fermé : %(title)s") % {"title": debate.title_fr[:150]},
                     body=(debate.conclusions_fr or _("Les conclusions suivront."))[:500], url=url, exclude=actor)


def debate_reopen(*, actor, debate: Debate) -> Debate:
    """An organiser reopens a closed debate (its conclusions are kept, to edit or empty)."""
    _manager_check(actor, debate.process)
    with transaction.atomic():
        Debate.objects.filter(pk=debate.pk).update(closed_at=None)
        debate.closed_at = None
        core_services.audit_append(actor=actor, action="consult.debates.reopen", target=debate, data={})
    return debate


def debate_get(*, process: Process, pk, user=None) -> Debate:
    """The debate ``pk`` of ``process`` as ``user`` may see it (hidden ones only for managers)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    debate = Debate.objects.filter(process=process, pk=pk).first() if pk > 0 else None
    if debate is None or (debate.is_hidden and not access.can_manage(user, process)):
        raise core_services.NotFound(_("Ce débat n'existe pas dans cette consultation."))
    debate.process = process
    return debate


def _argument_counts(debate_ids) -> dict[int, dict]:
    """Visible top-level arguments per stance and visible replies, for each debate (one query)."""
    counts = {pk: {"for": 0, "against": 0, "replies": 0} for pk in debate_ids}
    if not counts:
        return counts
    rows = (Comment.objects.filter(target_kind=TargetKind.DEBATE, target_id__in=list(counts), is_hidden=False,
                                   deleted_at__isnull=True)
            .values("target_id", "stance", "parent_id").annotate(n=Count("pk")))
    # ``parent_id`` in values() groups by it; summing the groups stays one query.
    for row in rows:
        entry = counts.get(row["target_id"])
        if entry is None:
            continue
        if row["parent_id"] is not None:
            entry["replies"] += row["n"]
        elif row["stance"] == Comment.Stance.FOR:
            entry["for"] += row["n"]
        elif row["stance"] == Comment.Stance.AGAINST:
            entry["against"] += row["n"]
        else:
            entry["replies"] += row["n"]
    for entry in counts.values():
        entry["arguments"] = entry["for"] + entry["against"]
        entry["total"] = entry["arguments"] + entry["replies"]
    return counts


def debate_summaries(debates) -> dict[int, dict]:
    """``{debate.pk: {"for", "against", "arguments", "replies", "total"}}`` for several debates."""
    return _argument_counts([d.pk for d in debates])


def debate_summary(debate: Debate) -> dict:
    """Counts of the visible arguments per stance (``for``, ``against``), of the replies, and their totals."""
    return _argument_counts([debate.pk])[debate.pk]


def debate_list(*, process: Process, user=None) -> list[dict]:
    """The debates of ``process`` (newest first; hidden ones only for managers), each as
    ``{"debate", "counts", "state"}`` with ``state`` ``open`` or ``closed``. Two queries."""
    queryset = Debate.objects.filter(process=process).order_by("-created_at", "-pk")
    if not access.can_manage(user, process):
        queryset = queryset.filter(is_hidden=False)
    debates = list(queryset)
    counts = debate_summaries(debates)
    rows = []
    for debate in debates:
        debate.process = process
        rows.append({"debate": debate, "counts": counts[debate.pk],
                     "state": "closed" if debate.closed_at else "open"})
    return rows


def debate_open_check(*, debate: Debate, user) -> None:
    """``PermissionDenied`` (in French) unless ``user`` may post an argument in ``debate`` now: the debate
    is open and visible, and debates take contributions in the current phase of its process."""
    if debate.closed_at is not None:
        raise PermissionDenied(_("Ce débat est fermé : il ne reçoit plus d'arguments."))
    if debate.is_hidden:
        raise PermissionDenied(_("Ce débat a été masqué par la modération."))
    access.participation_check(user=user, process=debate.process, component=Phase.Component.DEBATES)


def debate_argument_post(*, user, debate: Debate, body: str, stance: str = "", parent=None):
    """Post an argument (``stance`` ``for`` or ``against``) or, with ``parent``, a reply (no stance) in
    ``debate``, through the comments part once the debate is checked open."""
    errors: dict = {}
    if parent is None and stance not in (Comment.Stance.FOR, Comment.Stance.AGAINST):
        errors["stance"] = [_("Choisissez si votre argument est « pour » ou « contre ».")]
    if parent is not None:
        stance = ""
    if errors:
        raise ValidationError(errors)
    debate_open_check(debate=debate, user=user)
    from .comments import comment_post

    kwargs = {"user": user, "process": debate.process, "target_kind": TargetKind.DEBATE, "target_id": debate.pk,
              "body": body}
    if parent is not None:
        kwargs["parent"] = parent
    if stance:
        kwargs["stance"] = stance
    return comment_post(**kwargs)


# --- Draft texts: splitting ------------------------------------------------------------------------

def draft_source_decode(data: bytes, *, filename: str = "", field: str = "file") -> str:
    """The text of an uploaded ``.md``/``.txt`` draft, or ``ValidationError``: wrong extension, too large,
    not UTF-8 (with the position of the first bad byte), binary."""
    name = (filename or "").lower()
    if filename and not name.endswith(DRAFT_EXTENSIONS):
        raise ValidationError({field: [_("« %(name)s » n'est pas accepté : envoyez un fichier texte .md ou "
                                         ".txt.") % {"name": filename[:100]}]})
    if len(data) > DRAFT_MAX_BYTES:
        raise ValidationError({field: [_("Le fichier pèse %(size)s octets; au plus %(max)s sont acceptés.")
                                       % {"size": len(data), "max": DRAFT_MAX_BYTES}]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({field: [_("Le fichier n'est pas encodé en UTF-8 (octet invalide à la position "
                                         "%(position)s). Enregistrez-le en UTF-8 et envoyez-le de nouveau.")
                                       % {"position": exc.start}]}) from None
    if "\x00" in text:
        raise ValidationError({field: [_("Le fichier contient des octets nuls : ce n'est pas un fichier texte.")]})
    return text


def _normalise(source: str) -> str:
    return source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def draft_split(source: str, *, markdown: bool = True) -> list[dict]:
    """Cut ``source`` into paragraphs: ``[{"text", "is_heading"}]``.

    Blank lines separate paragraphs; with ``markdown`` (the default), a ``#`` heading line is a
    paragraph of its own (``is_heading``; its ``#`` marks kept in the text, for its level), a list is
    kept with the paragraph just before it (« Les organismes doivent : » + its items) and its items
    stay together even when blank lines separate them, and a fenced code block is never cut. A byte
    order mark, Windows or old Mac line ends, trailing spaces and empty paragraphs are dropped."""
    lines = _normalise(source or "").split("\n")
    blocks: list[dict] = []
    current: list[str] = []
    fence: str | None = None

    def flush():
        if current:
            text = "\n".join(line.rstrip() for line in current).strip("\n")
            if text.strip():
                blocks.append({"text": text, "is_heading": False,
                               "is_list": markdown and bool(_LIST_ITEM.match(current[0]))})
            current.clear()

    for line in lines:
        if fence is not None:
            current.append(line)
            if line.strip().startswith(fence):
                fence = None
            continue
        if markdown:
            opening = _FENCE.match(line)
            if opening:
                current.append(line)
                fence = opening.group(1)[:3]
                continue
            heading = _HEADING.match(line)
            if heading and heading.group(2):
                flush()
                blocks.append({"text": f"{heading.group(1)} {heading.group(2).strip()}", "is_heading": True,
                               "is_list": False})
                continue
        if not line.strip():
            flush()
            continue
        current.append(line)
    flush()

    paragraphs: list[dict] = []
    for block in blocks:
        previous = paragraphs[-1] if paragraphs else None
        if block["is_list"] and previous is not None and not previous["is_heading"]:
            previous["text"] = f"{previous['text']}\n\n{block['text']}"
            previous["ends_with_list"] = True
            continue
        paragraphs.append({"text": block["text"], "is_heading": block["is_heading"],
                           "ends_with_list": block["is_list"]})
    return [{"text": p["text"], "is_heading": p["is_heading"]} for p in paragraphs]


def heading_text(text: str) -> str:
    """A heading paragraph's words, without its ``#`` marks."""
    return text.lstrip("#").strip()


def heading_level(text: str) -> int:
    """1 for ``#``, 2 for ``##``…"""
    return max(1, min(6, len(text) - len(text.lstrip("#"))))


def _split_sources(errors: dict, source_fr, source_en, *, markdown: bool) -> list[dict]:
    """The FR paragraphs with their EN twin (same count and the same headings), or errors."""
    fr = text_checks.text(errors, "source_fr", source_fr, max_length=DRAFT_MAX_BYTES, required=True)
    en = text_checks.text(errors, "source_en", source_en, max_length=DRAFT_MAX_BYTES)
    if errors:
        return []
    paragraphs_fr = draft_split(fr, markdown=markdown)
    paragraphs_en = draft_split(en, markdown=markdown) if en else []
    if not paragraphs_fr:
        errors["source_fr"] = [_("Le texte ne contient aucun paragraphe.")]
        return []
    if len(paragraphs_fr) > DRAFT_MAX_PARAGRAPHS:
        errors["source_fr"] = [_("Le texte compte %(n)s paragraphes; au plus %(max)s sont acceptés.")
                               % {"n": len(paragraphs_fr), "max": DRAFT_MAX_PARAGRAPHS}]
        return []
    for field, paragraphs in (("source_fr", paragraphs_fr), ("source_en", paragraphs_en)):
        for position, paragraph in enumerate(paragraphs, start=1):
            if len(paragraph["text"]) > PARAGRAPH_MAX_CHARS:
                errors[field] = [_("Le paragraphe %(position)s compte %(length)s caractères; au plus %(max)s par "
                                   "paragraphe (séparez-le par une ligne vide).")
                                 % {"position": position, "length": len(paragraph["text"]),
                                    "max": PARAGRAPH_MAX_CHARS}]
                break
    if errors:
        return []
    if paragraphs_en:
        if len(paragraphs_en) != len(paragraphs_fr):
            errors["source_en"] = [_("La version anglaise compte %(en)s paragraphes et la version française "
                                     "%(fr)s : les deux doivent se découper en autant de paragraphes (séparés "
                                     "par une ligne vide), dans le même ordre.")
                                   % {"en": len(paragraphs_en), "fr": len(paragraphs_fr)}]
            return []
        for position, (one, other) in enumerate(zip(paragraphs_fr, paragraphs_en, strict=True), start=1):
            if one["is_heading"] != other["is_heading"]:
                errors["source_en"] = [_("Le paragraphe %(position)s est un titre dans une version et pas dans "
                                         "l'autre : les titres (#) doivent être aux mêmes places.")
                                       % {"position": position}]
                return []
    return [{"position": position, "is_heading": p["is_heading"], "text_fr": p["text"],
             "text_en": paragraphs_en[position - 1]["text"] if paragraphs_en else ""}
            for position, p in enumerate(paragraphs_fr, start=1)]


# --- Draft texts: services -------------------------------------------------------------------------

def _draft_slug(errors: dict, process: Process, wanted, title_fr: str, *, exclude_pk=None) -> str:
    raw = wanted if isinstance(wanted, str) and wanted.strip() else title_fr
    slug = slugify(raw or "")[:100].strip("-")
    if not slug:
        if "title_fr" not in errors:
            errors["slug"] = [_("Identifiant invalide : des lettres, chiffres et traits d'union.")]
        return ""
    taken = DraftText.objects.filter(process=process, slug=slug).exclude(pk=exclude_pk).exists()
    if slug in RESERVED_DRAFT_SLUGS or taken:
        errors["slug"] = [_("L'identifiant « %(slug)s » est déjà pris dans cette consultation.") % {"slug": slug}]
    return slug


def draft_create(*, actor, process: Process, data: dict, is_demo: bool = False) -> DraftText:
    """An organiser publishes a draft: ``title_fr`` (required), ``title_en``, ``slug`` (from the title
    when absent), ``introduction_fr``/``_en``, ``source_fr`` (required) and ``source_en`` (Markdown or,
    with ``format="text"``, plain text), split into paragraphs by ``draft_split``; both languages must
    give the same paragraphs."""
    _manager_check(actor, process)
    errors: dict = {}
    title_fr = text_checks.line(errors, "title_fr", data.get("title_fr"), max_length=300, required=True)
    values = {
        "title_fr": title_fr,
        "title_en": text_checks.line(errors, "title_en", data.get("title_en"), max_length=300),
        "introduction_fr": text_checks.text(errors, "introduction_fr", data.get("introduction_fr"), max_length=10000),
        "introduction_en": text_checks.text(errors, "introduction_en", data.get("introduction_en"), max_length=10000),
    }
    values["slug"] = _draft_slug(errors, process, data.get("slug"), title_fr)
    markdown = (data.get("format") or "markdown") != "text"
    rows = _split_sources(errors, data.get("source_fr"), data.get("source_en"), markdown=markdown)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        draft = DraftText.objects.create(process=process, is_demo=is_demo, **values)
        Paragraph.objects.bulk_create([Paragraph(draft=draft, **row) for row in rows])
        core_services.audit_append(actor=actor, action="consult.debates.draft_create", target=draft,
                                   data={"process": process.slug, "slug": draft.slug, "paragraphs": len(rows)})
    return draft


def draft_update(*, actor, draft: DraftText, data: dict) -> DraftText:
    """An organiser edits the title or the introduction (the paragraphs change by a new version)."""
    _manager_check(actor, draft.process)
    errors: dict = {}
    checks = {"title_fr": (text_checks.line, 300, True), "title_en": (text_checks.line, 300, False),
              "introduction_fr": (text_checks.text, 10000, False), "introduction_en": (text_checks.text, 10000, False)}
    values = {field: check(errors, field, data.get(field), max_length=limit, required=required)
              for field, (check, limit, required) in checks.items() if field in data}
    if errors:
        raise ValidationError(errors)
    changed = {k: v for k, v in values.items() if getattr(draft, k) != v}
    if changed:
        with transaction.atomic():
            DraftText.objects.filter(pk=draft.pk).update(**changed)
            for key, value in changed.items():
                setattr(draft, key, value)
            core_services.audit_append(actor=actor, action="consult.debates.draft_update", target=draft,
                                       data={"fields": sorted(changed)})
    return draft


def _draft_comments(draft: DraftText):
    paragraph_ids = Paragraph.objects.filter(draft=draft).values("pk")
    return Comment.objects.filter(target_kind=TargetKind.PARAGRAPH, target_id__in=paragraph_ids)


def draft_new_version(*, actor, draft: DraftText, source_fr, source_en="", format: str = "markdown") -> DraftText:
    """Replace the paragraphs of ``draft`` by those of a new source (version + 1), **only while nobody has
    commented** the text; once it has comments, ``ValidationError`` explains to publish the new version
    as a new draft instead (see the module's docstring)."""
    _manager_check(actor, draft.process)
    errors: dict = {}
    rows = _split_sources(errors, source_fr, source_en, markdown=format != "text")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = DraftText.objects.select_for_update().get(pk=draft.pk)
        comments = _draft_comments(locked).count()
        if comments:
            raise ValidationError({"source_fr": [
                _("Ce texte a déjà reçu %(n)s commentaire(s) : une nouvelle version les détacherait des paragraphes "
                  "commentés. Publiez plutôt la nouvelle version comme un nouveau texte (par exemple « %(title)s — "
                  "version %(version)s »); le texte actuel reste en ligne avec ses commentaires.")
                % {"n": comments, "title": locked.title_fr, "version": locked.version + 1}]})
        Paragraph.objects.filter(draft=locked).delete()
        Paragraph.objects.bulk_create([Paragraph(draft=locked, **row) for row in rows])
        locked.version += 1
        DraftText.objects.filter(pk=locked.pk).update(version=locked.version)
        draft.version = locked.version
        core_services.audit_append(actor=actor, action="consult.debates.draft_version", target=draft,
                                   data={"version": draft.version, "paragraphs": len(rows)})
    return draft


def draft_get(*, process: Process, slug) -> DraftText:
    draft = DraftText.objects.filter(process=process, slug=str(slug)[:100]).first()
    if draft is None:
        raise core_services.NotFound(_("Ce texte n'existe pas dans cette consultation."))
    draft.process = process
    return draft


def draft_list(*, process: Process) -> list[dict]:
    """The drafts of ``process`` with their paragraph and comment counts (one query)."""
    drafts = (DraftText.objects.filter(process=process)
              .annotate(paragraph_count=Count("paragraphs"),
                        heading_count=Count("paragraphs", filter=Q(paragraphs__is_heading=True)),
                        comment_count=Sum("paragraphs__comments_count"))
              .order_by("pk"))
    rows = []
    for draft in drafts:
        draft.process = process
        rows.append({"draft": draft, "paragraphs": draft.paragraph_count - draft.heading_count,
                     "comments": draft.comment_count or 0})
    return rows


def draft_paragraphs(draft: DraftText) -> list[Paragraph]:
    """The paragraphs of ``draft`` in order (one query): headings with ``heading`` (their words) and
    ``level`` (2 to 4 — the page's ``h1`` is the draft's title — never skipping a level); the others with
    ``number``, 1, 2, 3… (the ``§`` shown; headings are not counted, ``position`` stays the address)."""
    paragraphs = list(Paragraph.objects.filter(draft=draft).order_by("position"))
    levels = sorted({heading_level(p.text_fr) for p in paragraphs if p.is_heading})
    rank = {level: i for i, level in enumerate(levels)}
    previous = 1
    number = 0
    for paragraph in paragraphs:
        paragraph.draft = draft
        if not paragraph.is_heading:
            number += 1
            paragraph.number = number
        else:
            wanted = 2 + rank[heading_level(paragraph.text_fr)]
            paragraph.level = min(wanted, previous + 1, 4)
            previous = paragraph.level
            paragraph.heading = heading_text(paragraph.text)
    return paragraphs


def draft_paragraph_get(*, draft: DraftText, position) -> Paragraph:
    """The paragraph at ``position``, with its ``number`` (see ``draft_paragraphs``), or ``NotFound``."""
    try:
        position = int(position)
    except (TypeError, ValueError):
        position = 0
    paragraph = Paragraph.objects.filter(draft=draft, position=position).first() if position > 0 else None
    if paragraph is None:
        raise core_services.NotFound(_("Ce paragraphe n'existe pas dans ce texte."))
    paragraph.draft = draft
    paragraph.number = Paragraph.objects.filter(draft=draft, is_heading=False, position__lte=position).count()
    return paragraph


def draft_heat(paragraphs: list[Paragraph]) -> dict:
    """For organisers: which paragraphs draw the most comments. ``{"max", "total", "rows": [{"paragraph",
    "count", "share" (0–100, of the most commented), "rank"}]}``, the rows in text order."""
    commentable = [p for p in paragraphs if not p.is_heading]
    top = max((p.comments_count for p in commentable), default=0)
    order = sorted(commentable, key=lambda p: (-p.comments_count, p.position))
    ranks = {p.pk: i for i, p in enumerate(order, start=1) if p.comments_count}
    for p in commentable:
        p.heat_share = round(100 * p.comments_count / top) if top else 0
    return {"max": top, "total": sum(p.comments_count for p in commentable),
            "rows": [{"paragraph": p, "count": p.comments_count, "share": p.heat_share, "rank": ranks.get(p.pk)}
                     for p in commentable]}


# --- Registration ----------------------------------------------------------------------------------

def register() -> None:
    """What this part plugs into the platform: its demo content."""
    from . import debates_demo

    registry.register_demo_loader("consult_debates", debates_demo.load, order=250)
