"""The support part (2.2): the researchers' FAQ, searchable in French and English, and what the support
page (``science:home``) shows.

Science managers (``access.is_science_manager``) create, edit, reorder, publish, unpublish and delete the
entries; everyone reads the published ones. Every change reindexes the entry in the platform's full-text
search (kind ``science.faq``: French fields analysed as French, English as English) in the same
transaction; an unpublished entry is removed from the index, so it is never found.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.markdown import markdown_to_text

from . import access, policy
from .models import FaqEntry

__all__ = ["FAQ_FIELDS", "FAQ_SEARCH_KIND", "faq_categories", "faq_create", "faq_delete", "faq_get", "faq_list",
           "faq_move", "faq_reindex", "faq_search", "faq_set_published", "faq_top", "faq_update",
           "support_contact_email", "support_policies"]

#: The kind of the FAQ's documents in ``ouvert.core.search``.
FAQ_SEARCH_KIND = "science.faq"
#: What ``faq_create`` / ``faq_update`` take.
FAQ_FIELDS = ("slug", "category_fr", "category_en", "question_fr", "question_en", "answer_fr", "answer_en",
              "is_published")
LIMITS = {"slug": 120, "category_fr": 120, "category_en": 120, "question_fr": 500, "question_en": 500,
          "answer_fr": 50_000, "answer_en": 50_000}
#: Characters refused in one-line fields (control characters other than the tab).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Control characters refused in the answers (line breaks and tabs are kept).
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SEARCH_MAX = 200


def register() -> None:
    """The menu link of the open-science pages (the support page is their entry point)."""
    from ouvert.core import registry

    registry.register_menu_link(gettext_lazy("Science ouverte"), "science:home", order=45)


# --- Reading -------------------------------------------------------------------------------------

def faq_list(*, user=None, include_unpublished: bool = False):
    """The entries in their order (position, then creation); the unpublished ones only for a science
    manager who asks for them."""
    qs = FaqEntry.objects.all().order_by("position", "pk")
    if not (include_unpublished and access.is_science_manager(user)):
        qs = qs.filter(is_published=True)
    return qs


def faq_get(*, pk: int, user=None) -> FaqEntry:
    """One entry; an unpublished one only for a science manager (``NotFound`` otherwise)."""
    entry = FaqEntry.objects.filter(pk=pk).first()
    if entry is None or (not entry.is_published and not access.is_science_manager(user)):
        raise core_services.NotFound(_("Question n° %(id)s introuvable.") % {"id": pk})
    return entry


def faq_categories(entries) -> list[dict]:
    """The entries grouped by category (in the active language), groups in the order of their first entry:
    ``[{"name": …, "slug": …, "entries": […]}]``; entries without a category go into « Autres questions »."""
    groups: dict[str, dict] = {}
    for entry in entries:
        name = entry.category or str(_("Autres questions"))
        if name not in groups:
            groups[name] = {"name": name, "slug": "rubrique-" + (slugify(name) or str(len(groups) + 1)),
                            "entries": []}
        groups[name]["entries"].append(entry)
    return list(groups.values())


def faq_top(limit: int = 5) -> list[FaqEntry]:
    """The first published entries (what the support page shows)."""
    return list(faq_list()[:limit])


def faq_search(q: str, *, user=None, include_unpublished: bool = False):
    """The published entries matching ``q`` (full text, accents and plurals folded, French and English),
    best first: a queryset annotated with ``search_rank``; ``None`` when ``q`` holds nothing to search."""
    q = (q or "").strip()
    if len(q) > SEARCH_MAX:
        raise ValidationError({"q": [_("La recherche compte au plus %(n)s caractères.") % {"n": SEARCH_MAX}]})
    if _CONTROL.search(q):
        raise ValidationError({"q": [_("La recherche contient des caractères de contrôle.")]})
    found = search.match(FAQ_SEARCH_KIND, q)
    if found is None:
        return None
    return found.apply(faq_list(user=user, include_unpublished=include_unpublished)).order_by(
        "-search_rank", "position", "pk")


# --- The search index ----------------------------------------------------------------------------

def _document(entry: FaqEntry) -> dict:
    return {"title": [(entry.question_fr, "fr"), (entry.question_en, "en")],
            "keywords": [(entry.category_fr, "fr"), (entry.category_en, "en")],
            "body": [(markdown_to_text(entry.answer_fr), "fr"), (markdown_to_text(entry.answer_en), "en")]}


def _index(entry: FaqEntry) -> None:
    if entry.is_published:
        search.index(FAQ_SEARCH_KIND, entry.pk, **_document(entry))
    else:
        search.remove(FAQ_SEARCH_KIND, entry.pk)


def faq_reindex() -> int:
    """Rebuild the FAQ's search documents (the published entries); returns how many were indexed."""
    return search.reindex(FAQ_SEARCH_KIND, ((e.pk, _document(e)) for e in FaqEntry.objects.filter(is_published=True)))


# --- Writing -------------------------------------------------------------------------------------

def _require_manager(actor) -> None:
    if not access.is_science_manager(actor):
        raise PermissionDenied(_("Seules les équipes des fonds de recherche et les administrateurs de la plateforme "
                                 "gèrent la FAQ."))


def _clean(data: dict, entry: FaqEntry | None) -> dict:
    errors: dict[str, list] = {}
    values: dict = {}
    for field in FAQ_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "is_published":
            values[field] = value in (True, "on", "true", "1", 1)
            continue
        value = "" if value is None else str(value)
        value = value.replace("\r\n", "\n").strip()
        control = _CONTROL_TEXT if field.startswith("answer") else _CONTROL
        if control.search(value):
            errors.setdefault(field, []).append(_("Le champ « %(field)s » contient des caractères de contrôle.")
                                                % {"field": FaqEntry._meta.get_field(field).verbose_name})
        if len(value) > LIMITS[field]:
            errors.setdefault(field, []).append(
                _("Le champ « %(field)s » compte au plus %(n)s caractères.")
                % {"field": FaqEntry._meta.get_field(field).verbose_name, "n": LIMITS[field]})
        values[field] = value
    question = values.get("question_fr", entry.question_fr if entry else "")
    answer = values.get("answer_fr", entry.answer_fr if entry else "")
    if not question:
        errors.setdefault("question_fr", []).append(_("Écrivez la question en français."))
    if not answer:
        errors.setdefault("answer_fr", []).append(_("Écrivez la réponse en français."))
    if "slug" in values:
        raw = values["slug"]
        slug = slugify(raw)[:120].strip("-")
        if raw and slug != raw:
            errors.setdefault("slug", []).append(
                _("L'ancre ne contient que des lettres minuscules sans accents, des chiffres et des traits "
                  "d'union (par exemple « %(example)s »).") % {"example": slug or "embargo"})
        values["slug"] = slug
    if errors:
        raise ValidationError(errors)
    return values


def _unique_slug(base: str, exclude: int | None = None) -> str:
    base = (base or "question")[:110].strip("-") or "question"
    slug, n = base, 2
    qs = FaqEntry.objects.exclude(pk=exclude) if exclude else FaqEntry.objects.all()
    while qs.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def faq_create(*, actor, data: dict) -> FaqEntry:
    """A new entry at the end of the list (published unless ``is_published`` is false)."""
    _require_manager(actor)
    values = _clean(data, None)
    slug = values.pop("slug", "")
    if slug and FaqEntry.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [_("L'ancre « %(slug)s » est déjà prise.") % {"slug": slug}]})
    if FaqEntry.objects.filter(question_fr=values["question_fr"]).exists():
        raise ValidationError({"question_fr": [_("Cette question figure déjà dans la FAQ : modifiez-la plutôt que de "
                                                 "la créer une seconde fois.")]})
    values.setdefault("is_published", True)
    position = (FaqEntry.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    entry = FaqEntry(slug=slug or _unique_slug(slugify(values["question_fr"])[:80]), position=position, **values)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationError({"slug": [_("L'ancre « %(slug)s » est déjà prise.") % {"slug": entry.slug}]}) from None
    _index(entry)
    core_services.audit_append(actor=actor, action="science.faq.create", target=entry,
                               data={"slug": entry.slug, "published": entry.is_published})
    return entry


@transaction.atomic
def faq_update(*, actor, entry: FaqEntry, data: dict) -> FaqEntry:
    _require_manager(actor)
    values = _clean(data, entry)
    if "slug" in values:
        if not values["slug"]:
            values.pop("slug")
        elif FaqEntry.objects.exclude(pk=entry.pk).filter(slug=values["slug"]).exists():
            raise ValidationError({"slug": [_("L'ancre « %(slug)s » est déjà prise.") % {"slug": values["slug"]}]})
    entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    changed = sorted(f for f, v in values.items() if getattr(entry, f) != v)
    for field, value in values.items():
        setattr(entry, field, value)
    entry.save()
    _index(entry)
    core_services.audit_append(actor=actor, action="science.faq.update", target=entry, data={"fields": changed})
    return entry


def faq_set_published(*, actor, entry: FaqEntry, published: bool) -> FaqEntry:
    return faq_update(actor=actor, entry=entry, data={"is_published": bool(published)})


@transaction.atomic
def faq_delete(*, actor, entry: FaqEntry) -> None:
    _require_manager(actor)
    pk, slug = entry.pk, entry.slug
    core_services.audit_append(actor=actor, action="science.faq.delete", target=entry, data={"slug": slug})
    FaqEntry.objects.filter(pk=pk).delete()
    search.remove(FAQ_SEARCH_KIND, pk)


@transaction.atomic
def faq_move(*, actor, entry: FaqEntry, direction: str) -> list[int]:
    """Move an entry one place ``up`` or ``down`` (every entry renumbered 1…n); returns the new order of ids."""
    _require_manager(actor)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Direction inconnue : « up » ou « down ».")]})
    ids = list(FaqEntry.objects.select_for_update().order_by("position", "pk").values_list("pk", flat=True))
    if entry.pk not in ids:
        raise core_services.NotFound(_("Question n° %(id)s introuvable.") % {"id": entry.pk})
    i = ids.index(entry.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    now = timezone.now()
    for position, pk in enumerate(ids, start=1):
        FaqEntry.objects.filter(pk=pk).exclude(position=position).update(position=position, updated_at=now)
    return ids


# --- The support page ----------------------------------------------------------------------------

def support_policies(today: datetime.date | None = None) -> list[dict]:
    """For each fund, the policy version in force today and the one it replaced (from
    ``policy.policy_overview``): ``[{"fund", "current", "previous"}]`` (funds without a version left out)."""
    rows = []
    for item in policy.policy_overview(today):
        come = [entry["version"] for entry in item["timeline"] if not entry["future"]]
        if come:
            rows.append({"fund": item["fund"], "current": come[-1], "previous": come[-2] if len(come) > 1 else None})
    return rows


def support_contact_email() -> str:
    """Where researchers write when the FAQ does not answer (``OUVERT_SCIENCE_CONTACT_EMAIL``; empty: the
    pages point to the funds' sites instead)."""
    return str(getattr(settings, "OUVERT_SCIENCE_CONTACT_EMAIL", "") or "")
