"""The catalogue of software (see ``services``): entries made and changed by the platform's free-software team
(``software_save``), their status in the catalogue decided by platform admins (``status_set``, with its
history), similar software and the proprietary products a free one can replace, the logo, the public search
with its facets, the components accepted on the micro-procurement market (``components_sync``) and the open
dataset of the catalogue, its uses and the inventory.

Every writing function takes keyword-only arguments, checks who acts (``access``), validates everything at
once (``ValidationError`` whose dict names the fields, in French), writes in one transaction with an audit
entry, keeps the search index (kind ``software``) in step and tells the open-data catalogue
(``open_data_changed("software")``).
"""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.models import Organisation

from . import access, spdx, vocabulary
from .models import TEXT_MAX_LENGTH, CatalogueStatus, DevelopmentStatus, Software, SoftwareType

__all__ = [
    "OPEN_DATA_KEY", "SEARCH_KIND", "normalize_repository_url", "software_by_repository", "software_get",
    "software_index", "software_reindex", "software_save", "software_url",
]

SEARCH_KIND = "software"
OPEN_DATA_KEY = "software"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_url_validator = URLValidator(schemes=["http", "https"])
_WIKIDATA = re.compile(r"^Q[1-9]\d{0,11}$")
_WIKIDATA_URL = re.compile(r"^https?://(?:www\.|m\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9]\d{0,11})/?$", re.I)
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8}){0,3}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

MAX_LIST_ITEMS = 50
MAX_FEATURE_LENGTH = 300
MAX_PUBLICCODE_BYTES = 200_000
EARLIEST_RELEASE = datetime.date(1970, 1, 1)

#: The keys ``software_save`` reads from ``data`` (a model field each, ``similar`` and ``replaces`` lists of slugs).
FIELDS = (
    "name", "slug", "short_description_fr", "short_description_en", "long_description_fr", "long_description_en",
    "function_fr", "function_en", "features_fr", "features_en", "categories", "licence", "is_proprietary",
    "latest_version", "release_date", "website_url", "repository_url", "wikidata_id", "software_type",
    "development_status", "platforms", "available_languages", "accessibility_url", "accessibility_fr",
    "accessibility_en", "from_quebec_public_body", "publisher", "maintainer_name", "publiccode", "similar",
    "replaces",
)
_LINE_FIELDS = {"name": 200, "short_description_fr": 300, "short_description_en": 300, "function_fr": 200,
                "function_en": 200, "latest_version": 60, "maintainer_name": 200}
_TEXT_FIELDS = ("long_description_fr", "long_description_en", "accessibility_fr", "accessibility_en")
_URL_FIELDS = ("website_url", "repository_url", "accessibility_url")
_BOOL_FIELDS = ("is_proprietary", "from_quebec_public_body")
_TRUE = {"1", "true", "on", "yes", "oui", "vrai"}
_FALSE = {"", "0", "false", "off", "no", "non", "faux", "none"}


def register() -> None:
    """The menu link « Logiciel libre », the open dataset, the periodic sync of the market's components."""
    from django.utils.translation import gettext_lazy

    from ouvert.core import registry

    del gettext_lazy, registry  # registered as the pages, the open dataset and the sync arrive


# --- Helpers -------------------------------------------------------------------------------------

def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _url(name: str, lang: str = "fr", **kwargs) -> str:
    try:
        with translation.override(lang):
            return settings.OUVERT_BASE_URL + reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def software_url(software: Software, lang: str = "fr") -> str:
    """The full address of an entry's page."""
    return _url("software:detail", lang, slug=software.slug)


def normalize_repository_url(url) -> str:
    """A repository address as compared: scheme and host in lower case, no trailing ``/`` nor ``.git``, no
    query or fragment (``HTTPS://GitHub.com/QGIS/QGIS.git/`` → ``https://github.com/QGIS/QGIS``)."""
    text = str(url or "").strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    path = parts.path
    while True:
        stripped = path.rstrip("/")
        if stripped.lower().endswith(".git"):
            stripped = stripped[:-4]
        if stripped == path:
            break
        path = stripped
    netloc = parts.netloc.lower()
    if netloc.endswith(":443") and parts.scheme.lower() == "https":
        netloc = netloc[:-4]
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def _as_list(value) -> list | None:
    """A list from a list/tuple, or from a text (one item per line, or separated by commas); None if neither."""
    if value is None:
        return []
    if isinstance(value, str):
        separator = "\n" if "\n" in value else ","
        return [item.strip() for item in value.split(separator) if item.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _clean_line(value, field: str, errors: dict, *, limit: int, required: bool = False) -> str:
    if value is not None and not isinstance(value, (str, int, float)):
        _add(errors, field, _("Texte attendu."))
        return ""
    raw = str(value if value is not None else "")
    if _CONTROL_LINE.sub("", raw.replace("\n", " ").replace("\t", " ").replace("\r", " ")) != \
            raw.replace("\n", " ").replace("\t", " ").replace("\r", " "):
        _add(errors, field, _("Le texte contient des caractères de contrôle."))
        return ""
    text = " ".join(raw.split())
    if required and not text:
        _add(errors, field, _("Ce champ est obligatoire."))
    if len(text) > limit:
        _add(errors, field, _("%(limit)s caractères au plus (%(n)s donnés).") % {"limit": limit, "n": len(text)})
    return text


def _clean_text(value, field: str, errors: dict, *, limit: int = TEXT_MAX_LENGTH) -> str:
    if value is not None and not isinstance(value, str):
        _add(errors, field, _("Texte attendu."))
        return ""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        _add(errors, field, _("Le texte contient des caractères de contrôle."))
        return ""
    if len(text) > limit:
        _add(errors, field, _("%(limit)s caractères au plus (%(n)s donnés).") % {"limit": limit, "n": len(text)})
    return text


def _clean_bool(value, field: str, errors: dict) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    _add(errors, field, _("Oui ou non attendu."))
    return False


def _clean_url(value, field: str, errors: dict) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > 500:
        _add(errors, field, _("Adresse trop longue (500 caractères au plus)."))
        return ""
    try:
        _url_validator(text)
    except ValidationError:
        _add(errors, field, _("Adresse web invalide (http:// ou https:// seulement)."))
        return ""
    return text


def _clean_strings(value, field: str, errors: dict, *, limit: int = MAX_FEATURE_LENGTH) -> list[str]:
    items = _as_list(value)
    if items is None:
        _add(errors, field, _("Liste attendue."))
        return []
    if len(items) > MAX_LIST_ITEMS:
        _add(errors, field, _("%(max)s éléments au plus.") % {"max": MAX_LIST_ITEMS})
        return []
    result = []
    for item in items:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            _add(errors, field, _("Chaque élément est un texte."))
            return []
        text = " ".join(str(item).split())
        if _CONTROL_LINE.search(text):
            _add(errors, field, _("Le texte contient des caractères de contrôle."))
            return []
        if len(text) > limit:
            _add(errors, field, _("Chaque élément compte %(limit)s caractères au plus.") % {"limit": limit})
            return []
        if text and text not in result:
            result.append(text)
    return result


def _clean_date(value, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            _add(errors, field, _("Date invalide (AAAA-MM-JJ attendu)."))
            return None
    if value < EARLIEST_RELEASE:
        _add(errors, field, _("Date antérieure à 1970."))
        return None
    if value > timezone.localdate() + datetime.timedelta(days=1):
        _add(errors, field, _("La date de la dernière version est dans le futur."))
        return None
    return value


def _clean_wikidata(value, field: str, errors: dict) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    found = _WIKIDATA_URL.match(text)
    if found:
        text = found.group(1)
    text = text.upper() if text[:1] in "qQ" else text
    if not _WIKIDATA.match(text):
        _add(errors, field, _("Un identifiant Wikidata s'écrit Q suivi de chiffres (Q698)."))
        return ""
    return text


def _clean_choice(value, field: str, errors: dict, choices) -> str:
    text = str(value or "").strip()
    if text and text not in choices.values:
        _add(errors, field, _("Valeur inconnue : « %(v)s » (%(allowed)s).") % {"v": text[:40],
                                                                              "allowed": ", ".join(choices.values)})
        return ""
    return text


def _clean_categories(value, field: str, errors: dict) -> list[str]:
    items = _clean_strings(value, field, errors, limit=60)
    unknown = [item for item in items if item not in vocabulary.CATEGORIES]
    if unknown:
        _add(errors, field, _("Catégories inconnues : %(list)s (voir le vocabulaire de publiccode.yml).")
             % {"list": ", ".join(f"« {u[:40]} »" for u in unknown[:5])})
        return []
    return items


def _clean_platforms(value, field: str, errors: dict) -> list[str]:
    items = _clean_strings(value, field, errors, limit=40)
    known = {code.lower(): code for code in vocabulary.PLATFORMS}
    return [known.get(item.lower(), item) for item in items]


def _clean_languages(value, field: str, errors: dict) -> list[str]:
    items = _clean_strings(value, field, errors, limit=20)
    bad = [item for item in items if not _LANGUAGE.match(item)]
    if bad:
        _add(errors, field, _("Codes de langue invalides : %(list)s (fr, en, fr-CA…).")
             % {"list": ", ".join(f"« {b[:20]} »" for b in bad[:5])})
        return []
    return items


def _clean_publisher(value, field: str, errors: dict) -> Organisation | None:
    if isinstance(value, Organisation):
        return value
    slug = str(value or "").strip()
    if not slug:
        return None
    found = Organisation.objects.filter(slug=slug[:100]).first()
    if found is None:
        _add(errors, field, _("Organisme inconnu : « %(v)s ».") % {"v": slug[:60]})
    return found


def _clean_publiccode(value, field: str, errors: dict):
    if value in (None, ""):
        return None
    if not isinstance(value, dict):
        _add(errors, field, _("Le fichier publiccode.yml lu est attendu (un dictionnaire)."))
        return None
    try:
        size = len(json.dumps(value, default=str))
    except (TypeError, ValueError):
        _add(errors, field, _("Le fichier publiccode.yml lu ne s'enregistre pas tel quel."))
        return None
    if size > MAX_PUBLICCODE_BYTES:
        _add(errors, field, _("Fichier publiccode.yml trop gros (%(max)s octets au plus).") % {"max": MAX_PUBLICCODE_BYTES})
        return None
    return json.loads(json.dumps(value, default=str))


def _clean_related(value, field: str, errors: dict, *, own_slug: str = "") -> list[Software]:
    slugs = _clean_strings(value, field, errors, limit=100)
    if not slugs:
        return []
    found = {s.slug: s for s in Software.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        _add(errors, field, _("Logiciels inconnus au catalogue : %(list)s.")
             % {"list": ", ".join(f"« {u[:60]} »" for u in unknown[:5])})
    if own_slug and own_slug in found:
        _add(errors, field, _("Un logiciel ne se désigne pas lui-même."))
    return [found[slug] for slug in slugs if slug in found and slug != own_slug]


def _unique_slug(base: str, exclude_pk=None) -> str:
    base = (slugify(base)[:90].strip("-")) or "logiciel"
    taken = set(Software.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _clean(data: dict, errors: dict, *, software: Software | None) -> dict:
    """The values of the keys present in ``data`` (all of them on creation), validated."""
    creating = software is None
    values: dict = {}
    present = set(data) & set(FIELDS)
    if creating:
        present |= {"name"}
    for key in present:
        value = data.get(key)
        if key in _LINE_FIELDS:
            values[key] = _clean_line(value, key, errors, limit=_LINE_FIELDS[key], required=key == "name")
        elif key in _TEXT_FIELDS:
            values[key] = _clean_text(value, key, errors)
        elif key in _URL_FIELDS:
            values[key] = _clean_url(value, key, errors)
        elif key in _BOOL_FIELDS:
            values[key] = _clean_bool(value, key, errors)
        elif key in ("features_fr", "features_en"):
            values[key] = _clean_strings(value, key, errors)
        elif key == "categories":
            values[key] = _clean_categories(value, key, errors)
        elif key == "platforms":
            values[key] = _clean_platforms(value, key, errors)
        elif key == "available_languages":
            values[key] = _clean_languages(value, key, errors)
        elif key == "licence":
            try:
                values[key] = spdx.licence_expression_normalize(value, field="licence")
            except ValidationError as exc:
                for message in exc.message_dict.get("licence", exc.messages):
                    _add(errors, "licence", message)
                values[key] = ""
        elif key == "release_date":
            values[key] = _clean_date(value, key, errors)
        elif key == "wikidata_id":
            values[key] = _clean_wikidata(value, key, errors)
        elif key == "software_type":
            values[key] = _clean_choice(value, key, errors, SoftwareType)
        elif key == "development_status":
            values[key] = _clean_choice(value, key, errors, DevelopmentStatus)
        elif key == "publisher":
            values[key] = _clean_publisher(value, key, errors)
        elif key == "publiccode":
            values[key] = _clean_publiccode(value, key, errors)
    # The slug: made from the name on creation unless given; stable afterwards.
    own_slug = software.slug if software is not None else ""
    if "slug" in data and str(data.get("slug") or "").strip():
        slug = str(data["slug"]).strip()
        if not creating and slug != software.slug:
            _add(errors, "slug", _("L'identifiant d'un logiciel ne change plus une fois créé (« %(slug)s »).")
                 % {"slug": software.slug})
        elif creating:
            if len(slug) > 100 or not _SLUG.match(slug):
                _add(errors, "slug", _("Identifiant invalide : lettres minuscules sans accent, chiffres et traits "
                                       "d'union (100 caractères au plus)."))
            elif Software.objects.filter(slug=slug).exists():
                _add(errors, "slug", _("L'identifiant « %(slug)s » est déjà pris.") % {"slug": slug})
            else:
                values["slug"] = slug
                own_slug = slug
    for key in ("similar", "replaces"):
        if key in data:
            values[key] = _clean_related(data.get(key), key, errors, own_slug=own_slug)
    # Licence and proprietary products, on the state the entry will have.
    def final(key, default):
        if key in values:
            return values[key]
        return getattr(software, key) if software is not None else default
    proprietary = final("is_proprietary", False)
    licence = final("licence", "")
    if "licence" not in errors:
        if proprietary and licence:
            _add(errors, "licence", _("Un produit propriétaire n'a pas de licence libre au catalogue : laissez la "
                                      "licence vide."))
        elif not proprietary and not licence:
            _add(errors, "licence", _("La licence (expression SPDX) est obligatoire pour un logiciel libre."))
    if proprietary and software is not None and software.status == CatalogueStatus.RECOMMENDED:
        _add(errors, "is_proprietary", _("Un logiciel recommandé ne devient pas propriétaire : changez d'abord son "
                                         "état au catalogue."))
    return values


def _require_team(actor) -> None:
    if not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme ajoute et modifie les logiciels "
                                 "du catalogue."))


# --- Search index --------------------------------------------------------------------------------

def _index_fields(software: Software, similar=None) -> dict:
    labels_fr, labels_en = [], []
    for code in software.categories or []:
        labels_fr.append(vocabulary.category_label(code, "fr"))
        labels_en.append(vocabulary.category_label(code, "en"))
    return {
        "title": software.name,
        "keywords": [(software.function_fr, "fr"), (software.function_en, "en"), *[(x, "fr") for x in labels_fr],
                     *[(x, "en") for x in labels_en], *(software.categories or [])],
        "body": [(software.short_description_fr, "fr"), (software.short_description_en, "en"),
                 (software.long_description_fr, "fr"), (software.long_description_en, "en"),
                 *[(str(f), "fr") for f in software.features_fr or []],
                 *[(str(f), "en") for f in software.features_en or []], software.maintainer_name],
    }


def software_index(software: Software) -> None:
    """The entry in the search index (name; function and categories' labels; descriptions and features)."""
    search.index(SEARCH_KIND, software.pk, **_index_fields(software))


def software_reindex(progress=None) -> int:
    """Rebuild the catalogue's search index; returns how many entries were indexed."""
    def items():
        for software in Software.objects.order_by("pk").iterator(chunk_size=500):
            yield software.pk, _index_fields(software)
    return search.reindex(SEARCH_KIND, items(), progress=progress)


# --- Writing --------------------------------------------------------------------------------------

_AUDIT_SKIP = {"publiccode", "long_description_fr", "long_description_en", "accessibility_fr", "accessibility_en"}


def _audit_value(value):
    if isinstance(value, Organisation):
        return value.slug
    if isinstance(value, list) and value and isinstance(value[0], Software):
        return [s.slug for s in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def software_save(*, actor, data: dict, software: Software | None = None) -> Software:
    """Create (``software=None``) or update a catalogue entry (the free-software team only).

    ``data``'s keys are the model's field names (see ``FIELDS``); on update, absent keys are left as they are.
    ``slug`` is made from the name unless given, unique, and never changes afterwards; ``licence`` is an SPDX
    expression (required unless ``is_proprietary``, and then empty); ``release_date`` a date or ISO text;
    ``wikidata_id`` ``Q…`` (or its Wikidata address); ``categories`` codes of ``vocabulary.CATEGORIES``;
    ``publisher`` an organisation's slug; ``publiccode`` the file as read (a dict); ``similar`` and
    ``replaces`` lists of slugs. Every error at once as ``ValidationError({field: [...]})``; nothing is
    written then. Audited (``software.software.create`` / ``.update``); the search index and the open
    dataset follow."""
    _require_team(actor)
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("Données attendues sous forme de dictionnaire.")]})
    errors: dict = {}
    values = _clean(data, errors, software=software)
    if errors:
        raise ValidationError(errors)
    related = {key: values.pop(key) for key in ("similar", "replaces") if key in values}
    creating = software is None
    try:
        with transaction.atomic():
            now = timezone.now()
            if creating:
                target = Software(created_by=actor, created_at=now)
                if "slug" not in values:
                    values["slug"] = _unique_slug(values["name"])
            else:
                target = Software.objects.select_for_update().get(pk=software.pk)
            changed = []
            for key, value in values.items():
                if creating or getattr(target, key) != value:
                    changed.append(key)
                setattr(target, key, value)
            target.updated_at = now
            target.save()
            for key, items in related.items():
                manager = getattr(target, key)
                before = set(manager.values_list("pk", flat=True)) if not creating else set()
                if before != {s.pk for s in items}:
                    changed.append(key)
                manager.set(items)
            software_index(target)
            action = "software.software.create" if creating else "software.software.update"
            core_services.audit_append(actor=actor, action=action, target=target, data={
                "slug": target.slug, "name": target.name, "fields": sorted(set(changed)),
                **{key: _audit_value(value) for key, value in {**values, **related}.items()
                   if key in changed and key not in _AUDIT_SKIP}})
            core_services.open_data_changed(OPEN_DATA_KEY)
    except IntegrityError:
        if creating and Software.objects.filter(slug=values.get("slug")).exists():
            raise ValidationError({"slug": [_("L'identifiant « %(slug)s » est déjà pris.") % {"slug": values["slug"]}]}) \
                from None
        raise
    if software is not None:
        software.refresh_from_db()
        return software
    return target


# --- Reading --------------------------------------------------------------------------------------

def software_get(slug) -> Software:
    """The entry ``slug`` (with its publisher); ``core_services.NotFound`` otherwise."""
    found = Software.objects.select_related("publisher").filter(slug=str(slug or "")[:100]).first()
    if found is None:
        raise core_services.NotFound(_("Logiciel « %(slug)s » introuvable au catalogue.") % {"slug": str(slug)[:60]})
    return found


def software_by_repository(url) -> Software | None:
    """The entry whose repository is ``url`` (compared normalised: scheme and host in lower case, no trailing
    ``/`` nor ``.git``), or None."""
    wanted = normalize_repository_url(url)
    if not wanted:
        return None
    host_path = wanted.split("://", 1)[-1]
    tail = host_path.rsplit("/", 1)[-1]
    candidates = Software.objects.filter(repository_url__icontains=tail).order_by("pk") if tail else \
        Software.objects.exclude(repository_url="").order_by("pk")
    for software in candidates:
        if normalize_repository_url(software.repository_url) == wanted:
            return software
    return None
