"""The practice guides (5.1, 5.2): taking part in free-software communities, publishing a public body's source
code, interoperability and open standards, experimenting with a free solution.

The shipped Markdown files (``data/guides/<slug>.fr.md`` and ``<slug>.en.md``, each opening with a small front
matter: ``topic``, ``position``, ``title``, ``summary``) are the source. ``guides_sync`` loads them into
``Guide`` rows by slug, after every ``migrate`` (``post_migrate``, so a fresh install has the guides) and when
the demo is loaded. A guide remembers the hash of the shipped text last loaded into it (``source_hash``): when
its current text no longer has that hash, the team edited it and the sync leaves it alone.

The platform's free-software team (``access.is_software_team``) edits a guide (titles, summaries, texts in
both languages, order), with a preview; every edit is audited and reindexed. Everyone reads them. The texts
are rendered through ``ouvert.core.markdown`` (sanitised), their headings given anchors for the table of
contents. The full-text search (kind ``software_guide``) analyses the French fields as French and the
English ones as English.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.markdown import markdown_to_text, render_markdown

from . import access
from .models import Guide

__all__ = ["GUIDE_FIELDS", "GUIDE_SEARCH_KIND", "GUIDES_DIR", "guide_get", "guide_list", "guide_neighbours",
           "guide_preview", "guide_render", "guide_search", "guide_topics", "guide_update", "guides_reindex",
           "guides_shipped", "guides_sync"]

#: The kind of the guides' documents in ``ouvert.core.search``.
GUIDE_SEARCH_KIND = "software_guide"
#: Where the shipped guides are.
GUIDES_DIR = Path(__file__).resolve().parent / "data" / "guides"
#: What ``guide_update`` takes.
GUIDE_FIELDS = ("title_fr", "title_en", "summary_fr", "summary_en", "body_fr", "body_en", "position")
#: The fields a guide's hash covers (what the shipped files give and the team edits).
HASHED_FIELDS = ("topic", "position", *GUIDE_FIELDS[:-1])
LIMITS = {"title_fr": 300, "title_en": 300, "summary_fr": 2000, "summary_en": 2000, "body_fr": 200_000,
          "body_en": 200_000}
POSITION_MAX = 32767
SEARCH_MAX = 200
#: Control characters refused in one-line fields (the tab is kept).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Control characters refused in texts (line breaks and tabs are kept).
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)


def register() -> None:
    """Load the shipped guides after every ``migrate`` (a fresh install has them; an edited guide is kept) and
    when ``ouvert demo`` runs."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from ouvert.core import registry

    from . import demo_guides

    post_migrate.connect(_after_migrate, sender=apps.get_app_config("software"),
                         dispatch_uid="ouvert.software.guides.sync")
    registry.register_demo_loader("software_guides", demo_guides.load, order=330)


def _after_migrate(app_config, using="default", apps=None, **kwargs) -> None:
    """``post_migrate`` receiver: sync the guides once the table has its current shape (a ``migrate`` back to
    an older state leaves them alone)."""
    from django.db import DEFAULT_DB_ALIAS

    if using != DEFAULT_DB_ALIAS:
        return
    try:
        model = apps.get_model("software", "Guide") if apps is not None else Guide
        if apps is not None:
            apps.get_model("core", "SearchDocument")
    except LookupError:
        return
    if "source_hash" not in {f.name for f in model._meta.get_fields()}:
        return
    guides_sync()


# --- The shipped guides --------------------------------------------------------------------------

@dataclass(frozen=True)
class ShippedGuide:
    slug: str
    topic: str
    position: int
    title_fr: str
    title_en: str
    summary_fr: str
    summary_en: str
    body_fr: str
    body_en: str

    @property
    def hash(self) -> str:
        return _hash({f: getattr(self, f) for f in HASHED_FIELDS})


def _hash(values: dict) -> str:
    canonical = {f: (str(values.get(f) or "") if f != "position" else int(values.get(f) or 0))
                 for f in HASHED_FIELDS}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _row_hash(guide: Guide) -> str:
    return _hash({f: getattr(guide, f) for f in HASHED_FIELDS})


def _read(path: Path) -> tuple[dict, str]:
    """A shipped file's front matter (``key: value`` lines) and its Markdown body."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    found = _FRONT_MATTER.match(text)
    if found is None:
        raise ValueError(f"{path.name}: the file must open with a front matter between two '---' lines")
    meta = {}
    for line in found.group(1).splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{path.name}: front matter line without a colon: {line!r}")
            meta[key.strip()] = value.strip()
    return meta, text[found.end():].strip() + "\n"


def guides_shipped(directory: Path | None = None) -> list[ShippedGuide]:
    """The guides shipped in ``directory`` (default ``GUIDES_DIR``): one per ``<slug>.fr.md`` (its English
    text in ``<slug>.en.md``, optional), in their order."""
    directory = Path(directory or GUIDES_DIR)
    guides = []
    topics = set(Guide.Topic.values)
    for fr_path in sorted(directory.glob("*.fr.md")):
        slug = fr_path.name[:-len(".fr.md")]
        meta_fr, body_fr = _read(fr_path)
        en_path = directory / f"{slug}.en.md"
        meta_en, body_en = _read(en_path) if en_path.exists() else ({}, "")
        topic = meta_fr.get("topic", "")
        if topic not in topics:
            raise ValueError(f"{fr_path.name}: unknown topic {topic!r} (one of {sorted(topics)})")
        guides.append(ShippedGuide(
            slug=slug, topic=topic, position=int(meta_fr.get("position", "0")),
            title_fr=meta_fr.get("title", slug), title_en=meta_en.get("title", ""),
            summary_fr=meta_fr.get("summary", ""), summary_en=meta_en.get("summary", ""),
            body_fr=body_fr, body_en=body_en.strip() and body_en))
    return sorted(guides, key=lambda g: (g.position, g.slug))


def guides_sync(*, directory: Path | None = None, stdout=None) -> dict[str, int]:
    """Load the shipped guides into ``Guide`` rows by slug: a new guide is created; a guide whose text is still
    the one last loaded takes the shipped text when it changed; a guide the team edited since is kept.
    Returns the counts ``{"created", "updated", "unchanged", "kept"}``."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
    shipped = guides_shipped(directory)
    with transaction.atomic():
        rows = {g.slug: g for g in Guide.objects.select_for_update().filter(slug__in=[s.slug for s in shipped])}
        now = timezone.now()
        for item in shipped:
            values = {f: getattr(item, f) for f in HASHED_FIELDS}
            guide = rows.get(item.slug)
            if guide is None:
                guide = Guide.objects.create(slug=item.slug, source_hash=item.hash, updated_at=now, **values)
                _index(guide)
                counts["created"] += 1
                continue
            current = _row_hash(guide)
            if current == item.hash:
                if guide.source_hash != item.hash:
                    Guide.objects.filter(pk=guide.pk).update(source_hash=item.hash)
                counts["unchanged"] += 1
            elif guide.source_hash and current == guide.source_hash:
                for field, value in values.items():
                    setattr(guide, field, value)
                guide.source_hash, guide.updated_at = item.hash, now
                guide.save()
                _index(guide)
                counts["updated"] += 1
            else:
                counts["kept"] += 1
    if stdout is not None:
        stdout.write(_("Guides de pratiques : %(created)s ajoutés, %(updated)s mis à jour, %(unchanged)s inchangés, "
                       "%(kept)s modifiés par l'équipe et conservés.") % counts + "\n")
    return counts


# --- Reading -------------------------------------------------------------------------------------

def guide_list():
    """Every guide, in its order (position, then creation)."""
    return Guide.objects.order_by("position", "pk")


def guide_get(*, slug: str) -> Guide:
    guide = Guide.objects.filter(slug=slug).first() if isinstance(slug, str) and len(slug) <= 100 else None
    if guide is None:
        raise core_services.NotFound(_("Guide « %(slug)s » introuvable.") % {"slug": str(slug)[:100]})
    return guide


def guide_topics(guides) -> list[dict]:
    """The guides grouped by topic, in the topics' order: ``[{"topic", "label", "guides"}]`` (empty topics
    left out)."""
    groups = {value: {"topic": value, "label": label, "guides": []} for value, label in Guide.Topic.choices}
    for guide in guides:
        groups.setdefault(guide.topic, {"topic": guide.topic, "label": guide.topic, "guides": []})
        groups[guide.topic]["guides"].append(guide)
    return [group for group in groups.values() if group["guides"]]


def guide_neighbours(guide: Guide) -> tuple[Guide | None, Guide | None]:
    """The guides before and after ``guide`` in the order of the list (one query)."""
    ordered = list(guide_list().only("pk", "slug", "title_fr", "title_en", "position"))
    ids = [g.pk for g in ordered]
    if guide.pk not in ids:
        return None, None
    i = ids.index(guide.pk)
    return (ordered[i - 1] if i > 0 else None), (ordered[i + 1] if i + 1 < len(ordered) else None)


def guide_render(text: str | None) -> dict:
    """A guide's Markdown as sanitised HTML whose headings start at level 2 (under the page's title) and carry
    anchors, with the table of contents of its level-2 and level-3 headings:
    ``{"html": SafeString, "toc": [{"level", "id", "text"}]}``."""
    html = str(render_markdown(text or ""))
    levels = [int(m.group(1)) for m in _HEADING.finditer(html)]
    shift = 2 - min(levels) if levels else 0
    toc: list[dict] = []
    taken: set[str] = set()

    def anchor(match) -> str:
        level = min(int(match.group(1)) + shift, 6)
        inner = match.group(2)
        plain = html_lib.unescape(re.sub(r"<[^>]*>", "", inner)).strip()
        base = "section-" + (slugify(plain)[:60].strip("-") or str(len(taken) + 1))
        ident, n = base, 2
        while ident in taken:
            ident, n = f"{base}-{n}", n + 1
        taken.add(ident)
        if level <= 3:
            toc.append({"level": level, "id": ident, "text": plain})
        return f'<h{level} id="{ident}">{inner}</h{level}>'

    rendered: SafeString = mark_safe(_HEADING.sub(anchor, html))  # noqa: S308 - sanitised; only ids added
    return {"html": rendered, "toc": toc}


def guide_search(q: str):
    """The guides matching ``q`` (full text, French and English, accents and plurals folded), best first: a
    queryset annotated with ``search_rank``; ``None`` when ``q`` holds nothing to search."""
    q = (q or "").strip()
    if len(q) > SEARCH_MAX:
        raise ValidationError({"q": [_("La recherche compte au plus %(n)s caractères.") % {"n": SEARCH_MAX}]})
    if _CONTROL.search(q):
        raise ValidationError({"q": [_("La recherche contient des caractères de contrôle.")]})
    found = search.match(GUIDE_SEARCH_KIND, q)
    if found is None:
        return None
    return found.apply(guide_list()).order_by("-search_rank", "position", "pk")


# --- The search index ----------------------------------------------------------------------------

def _document(guide: Guide) -> dict:
    return {"title": [(guide.title_fr, "fr"), (guide.title_en, "en")],
            "keywords": [(guide.summary_fr, "fr"), (guide.summary_en, "en")],
            "body": [(markdown_to_text(guide.body_fr), "fr"), (markdown_to_text(guide.body_en), "en")]}


def _index(guide: Guide) -> None:
    search.index(GUIDE_SEARCH_KIND, guide.pk, **_document(guide))


def guides_reindex() -> int:
    """Rebuild the guides' search documents; returns how many were indexed."""
    return search.reindex(GUIDE_SEARCH_KIND, ((g.pk, _document(g)) for g in Guide.objects.all()))


# --- Editing -------------------------------------------------------------------------------------

def _require_team(actor) -> None:
    if not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme modifie les guides de "
                                 "pratiques."))


def _label(field: str) -> str:
    return str(Guide._meta.get_field(field).verbose_name)


def _clean(data: dict, guide: Guide) -> dict:
    errors: dict[str, list] = {}
    values: dict = {}
    for field in GUIDE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "position":
            try:
                number = int(str(value).strip()) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None or not 0 <= number <= POSITION_MAX:
                errors.setdefault(field, []).append(
                    _("L'ordre est un nombre entier de 0 à %(max)s.") % {"max": POSITION_MAX})
            else:
                values[field] = number
            continue
        if value is not None and not isinstance(value, str | int | float):
            errors.setdefault(field, []).append(_("Le champ « %(field)s » attend du texte.") % {"field": _label(field)})
            continue
        value = "" if value is None else str(value)
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        control = _CONTROL_TEXT if field.startswith(("body", "summary")) else _CONTROL
        if control.search(value):
            errors.setdefault(field, []).append(_("Le champ « %(field)s » contient des caractères de contrôle.")
                                                % {"field": _label(field)})
        if len(value) > LIMITS[field]:
            errors.setdefault(field, []).append(_("Le champ « %(field)s » compte au plus %(n)s caractères.")
                                                % {"field": _label(field), "n": LIMITS[field]})
        values[field] = value
    if not values.get("title_fr", guide.title_fr):
        errors.setdefault("title_fr", []).append(_("Écrivez le titre en français."))
    if not values.get("body_fr", guide.body_fr):
        errors.setdefault("body_fr", []).append(_("Écrivez le texte en français."))
    if errors:
        raise ValidationError(errors)
    return values


def guide_preview(*, actor, guide: Guide, data: dict) -> dict:
    """What the guide would look like with ``data`` (nothing saved): ``{"values", "fr", "en"}`` where ``fr``
    and ``en`` are ``guide_render`` of each text. Raises ``ValidationError`` like ``guide_update``."""
    _require_team(actor)
    values = _clean(data, guide)
    merged = {f: values.get(f, getattr(guide, f)) for f in GUIDE_FIELDS}
    return {"values": merged, "fr": guide_render(merged["body_fr"]), "en": guide_render(merged["body_en"])}


@transaction.atomic
def guide_update(*, actor, guide: Guide, data: dict, expected_updated_at: str | None = None) -> Guide:
    """Change a guide's titles, summaries, texts or order (the team only); audited and reindexed. The guide is
    then the team's: the sync no longer overwrites it.

    ``expected_updated_at`` (the ``updated_at`` the editor's form was opened with, ISO 8601): when the guide was
    changed since by someone else, the change is refused rather than silently overwriting theirs (the same form
    sent twice changes nothing the second time, so it is not refused)."""
    _require_team(actor)
    values = _clean(data, guide)
    guide = Guide.objects.select_for_update().get(pk=guide.pk)
    changed = sorted(f for f, v in values.items() if getattr(guide, f) != v)
    if not changed:
        return guide
    if expected_updated_at and expected_updated_at != guide.updated_at.isoformat():
        raise ValidationError({"updated_at": [_(
            "Ce guide a été modifié par une autre personne depuis que vous l'avez ouvert : rechargez la page pour "
            "voir sa version actuelle, puis refaites vos changements.")]})
    for field in changed:
        setattr(guide, field, values[field])
    guide.updated_at = timezone.now()
    guide.save()
    _index(guide)
    core_services.audit_append(actor=actor, action="software.guide.update", target=guide,
                               data={"slug": guide.slug, "fields": changed})
    return guide
