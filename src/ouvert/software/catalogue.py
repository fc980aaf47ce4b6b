"""The catalogue of software (see ``services``): entries made and changed by the platform's free-software team
(``software_save``), their status in the catalogue decided by platform admins (``status_set``, with its
history), similar software and the proprietary products a free one can replace, the logo, the public search
with its facets, the components accepted on the micro-procurement market (``components_sync``) and the open
dataset of the catalogue and its uses (the inventory of code repositories is a dataset of its own, ``inventory``).

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
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.models import Organisation

from . import access, spdx, vocabulary
from .models import (
    TEXT_MAX_LENGTH,
    CatalogueStatus,
    DevelopmentStatus,
    Software,
    SoftwareType,
    StatusChange,
    Usage,
)
from .vocabulary import PLATFORMS, category_choices, category_label, platform_label

__all__ = [
    "can_edit_catalogue", "can_set_status", "catalogue_export_csv", "catalogue_export_json",
    "catalogue_figures", "catalogue_search", "category_choices", "category_label", "components_sync",
    "FILTERS", "logo_check_size", "logo_max_bytes", "logo_set", "LOGO_TYPES", "LogoTooLarge",
    "market_components", "normalize_repository_url", "open_data_export", "OPEN_DATA_KEY", "platform_label",
    "PLATFORMS", "publisher_choices", "SEARCH_KIND", "software_by_repository", "software_clean",
    "software_detail", "software_get", "software_index", "software_list_queryset", "software_reindex",
    "software_save", "software_url", "SORTS", "status_set",
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

    registry.register_menu_link(gettext_lazy("Logiciel libre"), "software:home", order=50)
    registry.register_open_data_publisher(OPEN_DATA_KEY, open_data_export)
    registry.register_periodic("software.market_components", _components_sync_job, every_seconds=3600)


# --- Helpers -------------------------------------------------------------------------------------

def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def software_url(software: Software, lang: str = "fr") -> str:
    """The full address of an entry's page."""
    return core_services.absolute_url("software:detail", lang, slug=software.slug)


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
    # One entry per repository (found again by its address, as ``software_by_repository`` does).
    if values.get("repository_url") and "repository_url" not in errors:
        other = software_by_repository(values["repository_url"])
        if other is not None and (software is None or other.pk != software.pk):
            _add(errors, "repository_url", _("Ce dépôt est déjà au catalogue : « %(name)s » (%(slug)s).")
                 % {"name": other.name, "slug": other.slug})
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


def software_clean(data: dict, *, software: Software | None = None) -> dict:
    """``data`` checked and normalised as ``software_save`` would, nothing written (Django's admin form):
    the values, or ``ValidationError`` naming the fields."""
    errors: dict = {}
    values = _clean(data, errors, software=software)
    if errors:
        raise ValidationError(errors)
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


def _repository_lock(url: str) -> None:
    """Serialise two writes naming the same repository: PostgreSQL takes an advisory lock for the transaction
    (the same key as the publiccode.yml import's); SQLite transactions are already serialised."""
    import hashlib

    from django.db import connection

    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(normalize_repository_url(url).encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


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
    return _save(actor=actor, data=data, software=software)


def _save(*, actor, data: dict, software: Software | None) -> Software:
    """``software_save`` once who acts is checked (``actor`` None: the platform itself, a periodic job)."""
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
            if values.get("repository_url"):  # a double submit: the second sees the first's entry
                _repository_lock(values["repository_url"])
                other = software_by_repository(values["repository_url"])
                if other is not None and other.pk != target.pk:
                    raise ValidationError({"repository_url": [
                        _("Ce dépôt est déjà au catalogue : « %(name)s » (%(slug)s).") % {"name": other.name,
                                                                                           "slug": other.slug}]})
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
            if "repository_url" in changed:  # the inventory's repositories follow the entry's address
                from .inventory import repositories_link

                repositories_link(software=target)
            action = "software.software.create" if creating else "software.software.update"
            core_services.audit_append(actor=actor, action=action, target=target, data={
                "slug": target.slug, "name": target.name, "fields": sorted(set(changed)),
                **{key: _audit_value(value) for key, value in {**values, **related}.items()
                   if key in changed and key not in _AUDIT_SKIP}})
            core_services.open_data_changed(OPEN_DATA_KEY)
    except IntegrityError:
        if creating and Software.objects.filter(slug=values.get("slug")).exists():
            raise ValidationError({"slug": [_("L'identifiant « %(slug)s » est déjà pris.")
                                            % {"slug": values["slug"]}]}) from None
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


def can_edit_catalogue(user) -> bool:
    """Whether ``user`` adds and edits entries (the free-software team)."""
    return access.is_software_team(user)


def can_set_status(user) -> bool:
    """Whether ``user`` decides statuses in the catalogue (platform admins)."""
    return access.is_platform_admin(user)


def software_detail(slug) -> dict:
    """What an entry's page shows: ``software``, ``status_changes`` (newest first), ``similar``, ``replaces``
    (what it can replace), ``replaced_by`` (what can replace it), ``usage_count`` (public bodies using it)."""
    software = software_get(slug)
    return {
        "software": software,
        "status_changes": list(software.status_changes.select_related("actor").order_by("-created_at", "-pk")),
        "similar": list(software.similar.order_by("name", "pk")),
        "replaces": list(software.replaces.order_by("name", "pk")),
        "replaced_by": list(software.replaced_by.order_by("name", "pk")),
        "usage_count": Usage.objects.filter(software=software).values("organisation").distinct().count(),
    }


def publisher_choices():
    """The organisations an entry may name as its publisher (public bodies and municipalities), by name."""
    return Organisation.objects.filter(kind__in=access.BODY_KINDS).order_by("name_fr")


def catalogue_figures() -> dict:
    """The home page's figures: entries (free, proprietary), recommended ones, bodies using free software."""
    from django.db.models import Count, Q

    figures = Software.objects.aggregate(
        free=Count("pk", filter=Q(is_proprietary=False)), proprietary=Count("pk", filter=Q(is_proprietary=True)),
        recommended=Count("pk", filter=Q(status=CatalogueStatus.RECOMMENDED)),
        quebec=Count("pk", filter=Q(from_quebec_public_body=True)))
    figures["bodies"] = Usage.objects.values("organisation").distinct().count()
    figures["latest"] = list(Software.objects.filter(is_proprietary=False).order_by("-created_at", "-pk")[:5])
    return figures


def market_components() -> list[dict]:
    """The market's accepted components, each with the catalogue entry made for it (``software``, or None)."""
    from ouvert.market import services as market_services

    rows = market_services.components_list()
    by_url = {normalize_repository_url(s.repository_url): s
              for s in Software.objects.exclude(repository_url="").only("slug", "name", "repository_url")}
    return [{**row, "software": by_url.get(normalize_repository_url(row.get("repository_url")))} for row in rows]


# --- Status in the catalogue ----------------------------------------------------------------------

REASON_MAX = 2000


def status_set(*, actor, software: Software, status: str, reason: str = "",
               last_recommended_version: str = "") -> Software:
    """Change an entry's status in the catalogue (platform admins only): ``recommended``, ``observation``,
    ``withdrawn`` or back to ``listed``. Withdrawing needs a reason and keeps the last recommended version
    (given, else the version that was recommended, else the latest version); a proprietary product is never
    recommended; the same status twice is refused. Each change is a ``StatusChange`` and an audit entry."""
    if not can_set_status(actor):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme décident de l'état d'un logiciel au "
                                 "catalogue."))
    errors: dict = {}
    status = str(status or "").strip()
    if status not in CatalogueStatus.values:
        _add(errors, "status", _("État inconnu : « %(v)s » (%(allowed)s).") % {
            "v": status[:30], "allowed": ", ".join(CatalogueStatus.values)})
    reason = _clean_text(reason, "reason", errors, limit=REASON_MAX)
    version = _clean_line(last_recommended_version, "last_recommended_version", errors, limit=60)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Software.objects.select_for_update().get(pk=software.pk)
        if locked.status == status:
            raise ValidationError({"status": [_("« %(name)s » est déjà dans l'état « %(status)s ».") % {
                "name": locked.name, "status": CatalogueStatus(status).label}]})
        if status == CatalogueStatus.RECOMMENDED and locked.is_proprietary:
            raise ValidationError({"status": [_("Un produit propriétaire n'est jamais recommandé au catalogue.")]})
        if status == CatalogueStatus.WITHDRAWN and not reason:
            raise ValidationError({"reason": [_("Donnez le motif du retrait.")]})
        before = locked.status
        if status == CatalogueStatus.RECOMMENDED:
            kept = version or locked.latest_version
        elif status == CatalogueStatus.WITHDRAWN:
            kept = version or (locked.last_recommended_version if before == CatalogueStatus.RECOMMENDED or
                               locked.last_recommended_version else "") or locked.latest_version
        else:
            kept = version or locked.last_recommended_version
        now = timezone.now()
        locked.status, locked.status_reason, locked.last_recommended_version = status, reason, kept
        locked.updated_at = now
        locked.save(update_fields=["status", "status_reason", "last_recommended_version", "updated_at"])
        StatusChange.objects.create(software=locked, status_before=before, status_after=status, reason=reason,
                                    last_recommended_version=kept, actor=actor, created_at=now)
        core_services.audit_append(actor=actor, action="software.software.status", target=locked, data={
            "slug": locked.slug, "before": before, "after": status, "reason": reason[:500],
            "last_recommended_version": kept})
        core_services.open_data_changed(OPEN_DATA_KEY)
    software.refresh_from_db()
    return software


# --- Logo -----------------------------------------------------------------------------------------

#: What a logo may be, known by its first bytes: ``{content type: extension}``.
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class LogoTooLarge(ValidationError):
    """A logo above ``OUVERT_SOFTWARE_LOGO_MAX_BYTES`` (HTTP 413)."""


def logo_max_bytes() -> int:
    return int(getattr(settings, "OUVERT_SOFTWARE_LOGO_MAX_BYTES", 1024 * 1024))


def logo_check_size(size: int) -> None:
    """``LogoTooLarge`` when an upload of ``size`` bytes is above the limit (before reading it)."""
    limit = logo_max_bytes()
    if (size or 0) > limit:
        raise LogoTooLarge({"logo": [_("Logo trop lourd : %(max)s Kio au plus.") % {"max": limit // 1024}]})


def _logo_type(head: bytes) -> str:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def logo_set(*, actor, software: Software, content: bytes | None, size: int | None = None) -> Software:
    """Store (or, with ``content=None``, remove) an entry's logo: PNG, JPEG or WebP recognised by its content
    (never SVG), at most ``logo_max_bytes()`` (``LogoTooLarge`` above). The free-software team only."""
    from django.core.files.base import ContentFile

    _require_team(actor)
    logo_check_size(max(size or 0, len(content) if content is not None else 0))
    if content is not None:
        kind = _logo_type(content[:16])
        if not kind:
            raise ValidationError({"logo": [_("Le logo doit être une image PNG, JPEG ou WebP (le SVG n'est pas "
                                              "accepté).")]})
        if len(content) < 16:
            raise ValidationError({"logo": [_("Fichier d'image illisible.")]})
    with transaction.atomic():
        locked = Software.objects.select_for_update().get(pk=software.pk)
        old = locked.logo.name if locked.logo else ""
        if content is None:
            locked.logo = ""
        else:
            locked.logo.save(f"{locked.slug}.{LOGO_TYPES[kind]}", ContentFile(content), save=False)
        locked.updated_at = timezone.now()
        locked.save(update_fields=["logo", "updated_at"])
        core_services.audit_append(actor=actor, action="software.software.logo", target=locked,
                                   data={"slug": locked.slug, "logo": locked.logo.name if locked.logo else ""})
        if old and old != (locked.logo.name if locked.logo else ""):
            transaction.on_commit(lambda: locked.logo.storage.delete(old))
    software.refresh_from_db()
    return software


# --- Search ---------------------------------------------------------------------------------------

SORTS = ("relevance", "name", "updated")
FILTERS = ("category", "licence", "type", "status", "quebec", "publisher", "used_by")


def _filters_clean(filters: dict) -> dict:
    errors: dict = {}
    clean: dict = {}
    category = str(filters.get("category") or "").strip()
    if category:
        if category not in vocabulary.CATEGORIES:
            _add(errors, "category", _("Catégorie inconnue : « %(v)s ».") % {"v": category[:60]})
        clean["category"] = category
    licence = str(filters.get("licence") or "").strip()
    if licence:
        if len(licence) > 80 or not re.match(r"^[A-Za-z0-9.+-]+$", licence):
            _add(errors, "licence", _("Identifiant de licence invalide : « %(v)s ».") % {"v": licence[:60]})
        clean["licence"] = licence
    kind = str(filters.get("type") or "").strip()
    if kind:
        if kind not in SoftwareType.values:
            _add(errors, "type", _("Type inconnu : « %(v)s ».") % {"v": kind[:40]})
        clean["type"] = kind
    status = str(filters.get("status") or "").strip()
    if status:
        if status not in CatalogueStatus.values:
            _add(errors, "status", _("État inconnu : « %(v)s ».") % {"v": status[:40]})
        clean["status"] = status
    quebec = str(filters.get("quebec") or "").strip().lower()
    if quebec:
        if quebec not in ("1", "0", "true", "false", "oui", "non"):
            _add(errors, "quebec", _("« quebec » vaut 1 ou 0."))
        clean["quebec"] = quebec in ("1", "true", "oui")
    for name in ("publisher", "used_by"):
        slug = str(filters.get(name) or "").strip()
        if slug:
            clean[name] = Organisation.objects.filter(slug=slug[:100]).first()
            if clean[name] is None:
                _add(errors, name, _("Organisme inconnu : « %(v)s ».") % {"v": slug[:60]})
    if errors:
        raise ValidationError(errors)
    return clean


def _licence_regex(identifier: str) -> str:
    return r"(^|[ (])" + re.escape(identifier) + r"($|[ )])"


def _filtered(qs, clean: dict, *, skip: str = ""):
    if "category" in clean and skip != "category":
        qs = qs.filter(categories__icontains=f'"{clean["category"]}"')
    if "licence" in clean and skip != "licence":
        qs = qs.filter(licence__iregex=_licence_regex(clean["licence"]))
    if "type" in clean and skip != "type":
        qs = qs.filter(software_type=clean["type"])
    if "status" in clean and skip != "status":
        qs = qs.filter(status=clean["status"])
    if "quebec" in clean and skip != "quebec":
        qs = qs.filter(from_quebec_public_body=clean["quebec"])
    if "publisher" in clean and skip != "publisher":
        qs = qs.filter(publisher=clean["publisher"])
    if "used_by" in clean and skip != "used_by":
        qs = qs.filter(pk__in=Usage.objects.filter(organisation=clean["used_by"]).values("software_id"))
    return qs


def _with_related(qs):
    """With the publisher and ``usage_count`` (public bodies using it: one ``Usage`` per body), as a subquery so
    that the full-text rank is never grouped."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    counts = (Usage.objects.filter(software=OuterRef("pk")).order_by().values("software")
              .annotate(n=Count("pk")).values("n"))
    return qs.select_related("publisher").annotate(
        usage_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


def software_list_queryset(*, q: str = "", filters: dict | None = None, sort: str = ""):
    """``(queryset, clean filters, match, sort)``: the entries matching ``q`` (full text in French and English:
    name, descriptions, function, features, categories' labels) and ``filters`` (``category``, ``licence``
    identifier, ``type``, ``status``, ``quebec``, ``publisher`` slug), sorted by ``relevance`` (default with
    ``q``), ``name`` (default without) or ``updated`` (last update first). ``ValidationError`` on a bad one."""
    from django.db.models.functions import Lower

    clean = _filters_clean(filters or {})
    q = str(q or "")[:500]
    sort = str(sort or "").strip()
    if sort and sort not in SORTS:
        raise ValidationError({"sort": [_("Tri inconnu : « %(v)s » (%(allowed)s).") % {
            "v": sort[:20], "allowed": ", ".join(SORTS)}]})
    qs = _filtered(Software.objects.all(), clean)
    match = search.match(SEARCH_KIND, q)
    if match is not None:
        qs = match.apply(qs, rank="search_rank")
    sort = sort or ("relevance" if match is not None else "name")
    if sort == "relevance" and match is None:
        sort = "name"
    order = {"relevance": ["-search_rank", Lower("name"), "pk"], "name": [Lower("name"), "pk"],
             "updated": ["-updated_at", "-pk"]}[sort]
    return _with_related(qs).order_by(*order), clean, match, sort


_FACET_COLUMNS = ("pk", "categories", "licence", "software_type", "status", "from_quebec_public_body", "publisher_id")


def _facet_values(row: tuple, uses: dict) -> dict:
    """What an entry (a row of ``_FACET_COLUMNS``) brings to each facet."""
    _pk, categories, licence, kind, status, quebec, publisher = row
    return {"category": [c for c in dict.fromkeys(categories or []) if isinstance(c, str)],
            "licence": list(dict.fromkeys(spdx.licence_identifiers(licence))) if licence else [],
            "type": [kind] if kind else [], "status": [status], "quebec": ["1" if quebec else "0"],
            "publisher": [publisher] if publisher else [], "used_by": uses.get(row[0], [])}


def _passes(row: tuple, uses: dict, clean: dict) -> dict:
    """For each filter given, whether the entry passes it (as ``_filtered`` does in SQL)."""
    _pk, categories, licence, kind, status, quebec, publisher = row
    tests = {"category": lambda: clean["category"] in (categories or []),
             "licence": lambda: bool(re.search(_licence_regex(clean["licence"]), licence or "", re.IGNORECASE)),
             "type": lambda: kind == clean["type"], "status": lambda: status == clean["status"],
             "quebec": lambda: quebec == clean["quebec"], "publisher": lambda: publisher == clean["publisher"].pk,
             "used_by": lambda: clean["used_by"].pk in uses.get(row[0], [])}
    return {name: tests[name]() for name in clean}


def _facets(match, clean: dict) -> tuple[int, dict]:
    """``(count, facets)``: how many entries pass every filter, and each filter's values with their counts among
    the entries that pass the *other* filters (and the words) — from one read of the matching entries' few
    columns and one of the uses, whatever the number of facets."""
    from collections import Counter

    matching = Software.objects.order_by()
    if match is not None:
        matching = match.restrict(matching)
    rows = list(matching.values_list(*_FACET_COLUMNS))
    uses: dict = {}  # every use (a few per entry) is cheaper to read than the match's again
    for software_id, organisation_id in Usage.objects.order_by().values_list("software_id", "organisation_id"):
        uses.setdefault(software_id, []).append(organisation_id)
    found: dict[str, list] = {name: [] for name in FILTERS}
    total = 0
    for row in rows:
        failed = [name for name, ok in _passes(row, uses, clean).items() if not ok] if clean else []
        if len(failed) > 1:
            continue
        total += not failed
        for name, values in _facet_values(row, uses).items():
            if not failed or failed == [name]:
                found[name].extend(values)
    counts = {name: Counter(values) for name, values in found.items()}
    bodies = {o.pk: o for o in Organisation.objects.filter(pk__in={*counts["publisher"], *counts["used_by"]})}
    types, statuses = dict(SoftwareType.choices), dict(CatalogueStatus.choices)
    return total, {
        "category": sorted(({"value": code, "label": vocabulary.category_label(code), "count": n}
                            for code, n in counts["category"].items() if code in vocabulary.CATEGORIES),
                           key=lambda item: search.fold(item["label"])),
        "licence": [{"value": key, "label": key, "count": n}
                    for key, n in sorted(counts["licence"].items(), key=lambda item: item[0].lower())],
        "type": [{"value": key, "label": str(types.get(key, key)), "count": n}
                 for key, n in sorted(counts["type"].items())],
        "status": [{"value": key, "label": str(statuses.get(key, key)), "count": n}
                   for key, n in sorted(counts["status"].items())],
        "quebec": [{"value": key, "label": str(_("D'un organisme public québécois") if key == "1" else _("D'ailleurs")),
                    "count": counts["quebec"][key]} for key in ("1", "0") if counts["quebec"][key]],
        **{name: [{"value": bodies[pk].slug, "label": bodies[pk].acronym or bodies[pk].name_fr, "count": n}
                  for pk, n in sorted(counts[name].items(), key=lambda item: bodies[item[0]].name_fr)]
           for name in ("publisher", "used_by")},
    }


def catalogue_search(*, q: str = "", filters: dict | None = None, sort: str = "") -> dict:
    """``{"queryset", "count", "facets", "filters", "sort"}``: the matching entries, how many they are and, for
    each filter, the values found among them with their counts (a fixed number of queries: see ``_facets``)."""
    qs, clean, match, sort = software_list_queryset(q=q, filters=filters, sort=sort)
    count, facets = _facets(match, clean)
    return {"queryset": qs, "count": count, "facets": facets, "filters": clean, "sort": sort}


# --- Components of the micro-procurement market --------------------------------------------------

def components_sync(*, actor=None) -> dict:
    """One catalogue entry per deliverable accepted on the micro-procurement market under a free licence
    (``market_services.components_list()``), found again by its repository's address: from a Quebec public
    body, published by the buyer, with the licence, the repository and the opportunity's title as name;
    listed with status ``listed`` when new. Idempotent. Run by the team (``actor``) or the periodic job
    (``actor=None``). Returns ``{"created", "updated", "unchanged", "skipped"}``."""
    from ouvert.market import services as market_services

    if actor is not None and not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre synchronise les composants du marché."))
    result = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for row in market_services.components_list():
        repository = str(row.get("repository_url") or "").strip()
        if not repository:
            result["skipped"] += 1
            continue
        try:
            licence = spdx.licence_expression_normalize(row.get("licence"))
        except ValidationError:
            licence = ""
        if not licence:
            result["skipped"] += 1
            continue
        data = {"name": str(row.get("name") or row.get("reference") or "")[:200], "licence": licence,
                "repository_url": repository, "from_quebec_public_body": True,
                "publisher": row.get("buyer_slug") or "",
                "maintainer_name": str(row.get("supplier") or "")[:200]}
        existing = software_by_repository(repository)
        with transaction.atomic():
            if existing is None:
                _system_save(actor, data, None)
                result["created"] += 1
            else:
                current = {"licence": existing.licence, "repository_url": existing.repository_url,
                           "from_quebec_public_body": existing.from_quebec_public_body,
                           "publisher": existing.publisher.slug if existing.publisher_id else ""}
                changes = {key: data[key] for key in current if current[key] != data[key]}
                if changes:
                    _system_save(actor, changes, existing)
                    result["updated"] += 1
                else:
                    result["unchanged"] += 1
    if actor is not None:
        core_services.audit_append(actor=actor, action="software.components.sync", target=None, data=result)
    return result


def _system_save(actor, data: dict, software: Software | None) -> Software:
    """``software_save`` for the team (checked), or for the periodic job (``actor`` None: the platform)."""
    if actor is not None:
        return software_save(actor=actor, data=data, software=software)
    return _save(actor=None, data=data, software=software)


def _components_sync_job() -> dict:
    return components_sync(actor=None)


# --- Open data ------------------------------------------------------------------------------------

SOFTWARE_COLUMNS = ["identifiant", "nom", "description_fr", "description_en", "fonction_fr", "fonction_en",
                    "categories", "licence", "proprietaire", "etat", "motif_etat", "derniere_version_recommandee",
                    "derniere_version", "date_derniere_version", "site_web", "depot", "wikidata", "type",
                    "etat_developpement", "plateformes", "langues", "organisme_quebecois", "organisme_editeur",
                    "responsable_maintenance", "semblables", "peut_remplacer", "nombre_organismes_utilisateurs",
                    "adresse", "modifie_le"]
USAGE_COLUMNS = ["logiciel", "nom_logiciel", "organisme", "nom_organisme", "utilisation_fr", "utilisation_en",
                 "version", "depuis", "declaree_le"]


def _iso(value):
    return value.isoformat() if value else ""


def catalogue_rows(queryset=None) -> list[dict]:
    """The entries as rows of the open dataset and the exports (never an e-mail)."""
    from django.db.models import Prefetch

    qs = queryset if queryset is not None else _with_related(Software.objects.order_by("slug"))
    qs = qs.prefetch_related(Prefetch("similar", queryset=Software.objects.only("slug").order_by("slug")),
                             Prefetch("replaces", queryset=Software.objects.only("slug").order_by("slug")))
    rows = []
    for s in qs:
        rows.append({
            "identifiant": s.slug, "nom": s.name, "description_fr": s.short_description_fr,
            "description_en": s.short_description_en, "fonction_fr": s.function_fr, "fonction_en": s.function_en,
            "categories": ";".join(s.categories or []), "licence": s.licence, "proprietaire": s.is_proprietary,
            "etat": s.status, "motif_etat": s.status_reason, "derniere_version_recommandee": s.last_recommended_version,
            "derniere_version": s.latest_version, "date_derniere_version": _iso(s.release_date),
            "site_web": s.website_url, "depot": s.repository_url, "wikidata": s.wikidata_id, "type": s.software_type,
            "etat_developpement": s.development_status, "plateformes": ";".join(s.platforms or []),
            "langues": ";".join(s.available_languages or []), "organisme_quebecois": s.from_quebec_public_body,
            "organisme_editeur": s.publisher.slug if s.publisher_id else "",
            "responsable_maintenance": s.maintainer_name,
            "semblables": ";".join(x.slug for x in s.similar.all()),
            "peut_remplacer": ";".join(x.slug for x in s.replaces.all()),
            "nombre_organismes_utilisateurs": getattr(s, "usage_count", 0),
            "adresse": software_url(s), "modifie_le": _iso(s.updated_at),
        })
    return rows


def _usage_rows() -> list[dict]:
    return [{"logiciel": u.software.slug, "nom_logiciel": u.software.name, "organisme": u.organisation.slug,
             "nom_organisme": u.organisation.name_fr, "utilisation_fr": u.purpose_fr, "utilisation_en": u.purpose_en,
             "version": u.version, "depuis": _iso(u.since), "declaree_le": _iso(u.created_at)}
            for u in Usage.objects.select_related("software", "organisation").order_by("software__slug",
                                                                                        "organisation__slug")]


def _csv_safe(value) -> str:
    text = "oui" if value is True else "non" if value is False else str(value if value is not None else "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_safe(row[c]) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def _json(name: str, rows: list[dict]) -> bytes:
    return json.dumps({name: rows}, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def catalogue_export_csv(queryset=None) -> bytes:
    return _csv(catalogue_rows(queryset), SOFTWARE_COLUMNS)


def catalogue_export_json(queryset=None) -> bytes:
    return _json("logiciels", catalogue_rows(queryset))


def open_data_export() -> dict | None:
    """What the software module publishes (open-data publisher ``software``): the catalogue with the statuses
    and the uses by public bodies (with the body and the version, never a referent's e-mail), each in CSV and
    JSON. ``None`` while the catalogue is empty. The inventory of code repositories is its own dataset
    (``inventory.open_data_export``)."""
    if not Software.objects.exists():
        return None
    with translation.override("fr"):
        software, usages = catalogue_rows(), _usage_rows()
        return {
            "organisation": core_services.open_data_organisation(),
            "metadata": {
                "name": "catalogue-logiciels-libres",
                "title_fr": "Catalogue gouvernemental des logiciels libres et leurs utilisations par les "
                            "organismes publics",
                "title_en": "Government catalogue of free software and their uses by public bodies",
                "notes_fr": ("Les logiciels du catalogue (licence SPDX, état au catalogue : répertorié, en observation, "
                             "recommandé ou retiré, avec la dernière version recommandée), les logiciels propriétaires "
                             "qu'ils peuvent remplacer et les utilisations déclarées par les organismes publics "
                             "(organisme, version). L'inventaire des dépôts de code des organismes est publié dans un "
                             "jeu de données à part. Aucun courriel n'est publié. Mis à jour automatiquement."),
                "notes_en": ("The catalogue's software (SPDX licence, status in the catalogue: listed, under observation, "
                             "recommended or withdrawn, with the last recommended version), the proprietary products "
                             "they can replace and the uses declared by public bodies (body, version). The inventory of "
                             "public bodies' code repositories is published as a dataset of its own. No e-mail is "
                             "published. Refreshed automatically."),
                "licence": "CC-BY-4.0",
                "tags": ["logiciel libre", "free software", "open source", "SPDX", "publiccode.yml"],
                "themes": ["gouvernement"],
                "frequency": "IRREG",
                "languages": ["fr", "en"],
                "spatial_name": "Québec",
                "url": core_services.absolute_url("software:catalogue") or settings.OUVERT_BASE_URL + "/",
            },
            "resources": [
                {"name_fr": "Logiciels du catalogue (CSV)", "name_en": "Catalogue software (CSV)", "format": "CSV",
                 "filename": "logiciels.csv", "content": _csv(software, SOFTWARE_COLUMNS)},
                {"name_fr": "Logiciels du catalogue (JSON)", "name_en": "Catalogue software (JSON)", "format": "JSON",
                 "filename": "logiciels.json", "content": _json("logiciels", software)},
                {"name_fr": "Utilisations par les organismes publics (CSV)", "name_en": "Uses by public bodies (CSV)",
                 "format": "CSV", "filename": "utilisations.csv", "content": _csv(usages, USAGE_COLUMNS)},
                {"name_fr": "Utilisations par les organismes publics (JSON)", "name_en": "Uses by public bodies (JSON)",
                 "format": "JSON", "filename": "utilisations.json", "content": _json("utilisations", usages)},
            ],
        }
