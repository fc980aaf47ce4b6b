"""What the catalogue does: publish, change and delete datasets and their resources.

Services take keyword-only arguments, check permissions (``policy``), validate (errors keyed by
field, nothing stored half-written), write in one transaction, record an ``Activity`` (CKAN's
activity types, with a snapshot and a before/after diff of every changed field), update the
search index in the same transaction (``ouvert.catalog.indexing.index_dataset``), and add
sensitive changes (delete, restore, purge) to the audit log. ``actor=None`` means the platform
itself (loaders, the command line, open-by-default publishing), as in core.

Decisions:
- A dataset needs a French title (``title_fr``): the French interface shows it. A CKAN
  package with a single ``title`` gives it (``ckan_dict``).
- Renaming leaves a ``DatasetNameRedirect``; old addresses keep working. Unlike CKAN, an old
  name stays reserved for its dataset: another dataset cannot take it (its old links would
  silently change target). The renamed dataset can take its old name back; purging the
  dataset frees its old names.
- ``dataset_update(partial=False)`` is CKAN's ``package_update``: what is not given is reset,
  except ``name`` (kept) and ``resources`` (kept unless the key is given, then synchronised
  by ``id``: missing ones deleted, new ones created).
- An update that changes nothing (the dataset as ``package_show`` gives it, times aside, is the
  same) writes nothing: no activity, ``metadata_modified`` kept (re-importing a dump or sending
  ``package_update`` the same dictionary is not a change).

Reads live in ``selectors`` and are re-exported here: other modules reach the catalogue only
through this file.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import mimetypes
import os
import posixpath
import unicodedata
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.services import NotFound  # noqa: F401  (raised by selectors)

from . import policy
from .facts import dataset_facts, dataset_facts_count  # noqa: F401  (for other modules: quality)
from .models import (
    TEXT_MAX_LENGTH,
    Activity,
    Dataset,
    DatasetNameRedirect,
    Licence,
    Resource,
    ResourceVersion,
    Tag,
    Theme,
)
from .selectors import (  # noqa: F401  (public read API of the module)
    active_resource_ids,
    activity_list,
    as_uuid,
    catalogue_overview,
    dataset_get,
    dataset_id_taken,
    dataset_name_free,
    dataset_page_get,
    dataset_visible_queryset,
    datasets_by_extra,
    licence_default,
    licence_list,
    organisation_datasets,
    resource_by_reference,
    resource_find,
    resource_get,
    resource_id_taken,
    resource_list,
    resource_version_get,
    resource_version_list,
    tag_list,
    theme_get,
    theme_list,
    valid_dataset_name,
)

DEFAULT_MAX_UPLOAD_BYTES = 1024 ** 3
MAX_TAGS = 200
MAX_RESOURCES = 500
MAX_EXTRAS = 200
MAX_EXTRA_FIELDS_BYTES = 200_000
URL_SCHEMES = ("http", "https", "ftp")

#: Single-line text fields of a dataset (stripped; no control characters).
_DATASET_LINES = ("title_fr", "title_en", "author", "maintainer", "spatial_name", "version")
_DATASET_TEXTS = ("notes_fr", "notes_en")
_DATASET_EMAILS = ("author_email", "maintainer_email")
_BBOX = ("bbox_west", "bbox_south", "bbox_east", "bbox_north")
#: Every key ``data`` may hold for a dataset.
DATASET_KEYS = frozenset(
    _DATASET_LINES + _DATASET_TEXTS + _DATASET_EMAILS + _BBOX
    + ("id", "name", "url", "private", "state", "licence", "frequency", "temporal_start", "temporal_end",
       "languages", "keywords", "extras", "extra_fields", "tags", "themes", "resources", "organisation"))
RESOURCE_KEYS = frozenset({"id", "name_fr", "name_en", "description_fr", "description_en", "url", "format",
                           "media_type", "size", "sha256", "extra_fields", "position"})


def _max_upload_bytes() -> int:
    return int(getattr(settings, "OUVERT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _index(dataset: Dataset) -> None:
    """Update the search index in the caller's transaction."""
    from ouvert.catalog import indexing

    indexing.index_dataset(dataset)


def _unindex(dataset_id) -> None:
    from ouvert.catalog import indexing

    indexing.remove_dataset(dataset_id)


# --- Validation helpers ----------------------------------------------------------------

def _has_control(value: str, *, allow_newlines: bool = False) -> bool:
    for ch in value:
        if allow_newlines and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) == "Cc":
            return True
    return False


def _line(errors, field, value, *, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        errors[field] = [_("Ce champ doit être du texte.")]
        return ""
    value = str(value).strip()
    if _has_control(value):
        errors[field] = [_("Ce texte contient des caractères de contrôle.")]
    elif max_length and len(value) > max_length:
        errors[field] = [_("Ce texte est trop long : %(length)s caractères, au plus %(max)s.")
                         % {"length": len(value), "max": max_length}]
    return value


def _text(errors, field, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = [_("Ce champ doit être du texte.")]
        return ""
    if _has_control(value, allow_newlines=True):
        errors[field] = [_("Ce texte contient des caractères de contrôle.")]
    elif len(value) > TEXT_MAX_LENGTH:
        errors[field] = [_("Ce texte est trop long : %(length)s caractères, au plus %(max)s.")
                         % {"length": len(value), "max": TEXT_MAX_LENGTH}]
    return value.strip()


def _url(errors, field, value, *, max_length: int) -> str:
    """An address with scheme http, https or ftp and a host.

    Nothing stricter: real catalogues hold imperfect addresses (literal spaces, stray quotes)
    that CKAN accepted and that harvesting must keep; what matters for safety is the scheme
    (no ``javascript:``, ``data:`` or ``file:``), which is checked.
    """
    value = _line(errors, field, value)
    if not value or field in errors:
        return value
    try:
        parts = urlsplit(value)
        ok = parts.scheme.lower() in URL_SCHEMES and bool(parts.netloc) and len(value) <= max_length
    except ValueError:
        ok = False
    if not ok:
        errors[field] = [_("« %(url)s » n'est pas une adresse valide (http, https ou ftp).") % {"url": value[:100]}]
    return value


def _email(errors, field, value) -> str:
    value = _line(errors, field, value)
    if value and field not in errors:
        try:
            validate_email(value)
        except ValidationError:
            errors[field] = [_("« %(value)s » n'est pas une adresse courriel valide.") % {"value": value[:100]}]
    return value


def _bool(errors, field, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "on", "false", "0", "no", "off", ""}:
        return value.strip().lower() in {"true", "1", "yes", "on"}
    if value is None:
        return False
    errors[field] = [_("Valeur attendue : vrai ou faux.")]
    return False


def _date(errors, field, value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    errors[field] = [_("« %(value)s » n'est pas une date valide (format attendu : AAAA-MM-JJ).")
                     % {"value": str(value)[:50]}]
    return None


def _float(errors, field, value, low, high) -> float | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = [_("Un nombre est attendu.")]
        return None
    if not (low <= number <= high):  # also rejects NaN
        errors[field] = [_("Valeur hors limites : entre %(low)s et %(high)s.") % {"low": low, "high": high}]
        return None
    return number


def _names(errors, field, value, *, max_items: int, max_length: int = 100) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple | set):
        errors[field] = [_("Une liste est attendue.")]
        return []
    if len(value) > max_items:
        errors[field] = [_("Au plus %(max)s éléments.") % {"max": max_items}]
        return []
    names, messages = [], []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name")
        if not isinstance(item, str):
            messages.append(_("Chaque élément doit être du texte."))
            continue
        item = " ".join(item.split())
        if not 1 <= len(item) <= max_length:
            messages.append(_("« %(value)s » : de 1 à %(max)s caractères.") % {"value": item[:100], "max": max_length})
        elif _has_control(item):
            messages.append(_("« %(value)s » contient des caractères de contrôle.") % {"value": item[:100]})
        elif item.lower() not in {n.lower() for n in names}:
            names.append(item)
    if messages:
        errors[field] = messages
    return names


def _json_size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def _extras(errors, value) -> dict:
    if value in (None, ""):
        return {}
    if isinstance(value, list):  # CKAN's [{"key", "value"}]
        try:
            value = {item["key"]: item.get("value") for item in value}
        except (TypeError, KeyError):
            errors["extras"] = [_("Des paires {« key », « value »} sont attendues.")]
            return {}
    if not isinstance(value, dict):
        errors["extras"] = [_("Un objet de paires clé-valeur est attendu.")]
        return {}
    if len(value) > MAX_EXTRAS:
        errors["extras"] = [_("Au plus %(max)s champs libres.") % {"max": MAX_EXTRAS}]
        return {}
    result, messages = {}, []
    for key, item in value.items():
        key = str(key).strip()
        if not 1 <= len(key) <= 100 or _has_control(key):
            messages.append(_("Clé invalide « %(key)s » (de 1 à 100 caractères).") % {"key": key[:100]})
            continue
        if item is None:
            item = ""
        elif not isinstance(item, str):
            item = json.dumps(item, ensure_ascii=False) if isinstance(item, dict | list) else str(item)
        result[key] = item
    if messages:
        errors["extras"] = messages
    elif _json_size(result) > MAX_EXTRA_FIELDS_BYTES:
        errors["extras"] = [_("Les champs libres sont trop volumineux.")]
    return result


def _extra_fields(errors, field, value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors[field] = [_("Un objet est attendu.")]
        return {}
    try:
        size = len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        errors[field] = [_("Valeurs JSON attendues.")]
        return {}
    if size > MAX_EXTRA_FIELDS_BYTES:
        errors[field] = [_("Ces champs sont trop volumineux.")]
        return {}
    return {str(k): v for k, v in value.items()}


def _languages(errors, value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or len(value) > 50:
        errors["languages"] = [_("Une liste de codes de langue est attendue.")]
        return []
    result = []
    for code in value:
        if not isinstance(code, str) or not code.strip().isascii() or not 2 <= len(code.strip()) <= 3 \
                or not code.strip().isalpha():
            errors["languages"] = [_("« %(code)s » n'est pas un code de langue ISO 639 (par exemple « fr »).")
                                   % {"code": str(code)[:20]}]
            return []
        if code.strip().lower() not in result:
            result.append(code.strip().lower())
    return result


def _keywords(errors, value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or len(value) > 20:
        errors["keywords"] = [_("Un objet {langue: [mots-clés]} est attendu.")]
        return {}
    result = {}
    for lang, words in value.items():
        sub = {}
        # Keywords per language come from richer vocabularies (open.canada.ca has 150-character ones).
        names = _names(sub, "keywords", words, max_items=MAX_TAGS, max_length=1000)
        if sub:
            errors["keywords"] = sub["keywords"]
            return {}
        result[str(lang)[:10]] = names
    return result


def _guess_format(filename_or_url: str) -> str:
    path = urlsplit(filename_or_url).path if "://" in filename_or_url else filename_or_url
    ext = posixpath.splitext(path)[1].lstrip(".")
    return ext.upper()[:50] if ext.isalnum() else ""


# --- Dataset state, diff, activity ------------------------------------------------------

_STATE_FIELDS = ("name", "title_fr", "title_en", "notes_fr", "notes_en", "organisation_id", "licence_id",
                 "author", "author_email", "maintainer", "maintainer_email", "frequency", "temporal_start",
                 "temporal_end", "spatial_name", "bbox_west", "bbox_south", "bbox_east", "bbox_north",
                 "languages", "keywords", "version", "url", "private", "state", "extras", "extra_fields")


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _dataset_state(dataset: Dataset) -> dict:
    state = {f: _plain(getattr(dataset, f)) for f in _STATE_FIELDS}
    if dataset.pk and not dataset._state.adding:
        state["tags"] = sorted(dataset.tags.values_list("name", flat=True))
        state["themes"] = sorted(dataset.themes.values_list("name", flat=True))
        state["resources"] = [
            {"id": str(r["id"]), "name_fr": r["name_fr"], "name_en": r["name_en"], "url": r["url"],
             "format": r["format"], "kind": r["kind"], "sha256": r["sha256"], "size": r["size"],
             "description_fr": r["description_fr"], "description_en": r["description_en"]}
            for r in dataset.resources.filter(state=Resource.State.ACTIVE).order_by("position", "created_at")
            .values("id", "name_fr", "name_en", "url", "format", "kind", "sha256", "size", "description_fr",
                    "description_en")]
    else:
        state.update(tags=[], themes=[], resources=[])
    return state


def _diff(before: dict | None, after: dict) -> dict:
    if before is None:
        return {k: {"before": None, "after": v} for k, v in after.items() if v not in (None, "", [], {}, False)}
    return {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}


_EVENTS = {Activity.Type.NEW_PACKAGE: "created", Activity.Type.DELETED_PACKAGE: "deleted"}


def _dataset_changed(event: str, dataset_id) -> None:
    """Tell the modules listening to datasets (``core.registry.register_dataset_listener``), on commit."""
    from ouvert.core import registry

    transaction.on_commit(lambda: registry.dataset_changed(event, dataset_id))


def _record(*, dataset: Dataset, actor, activity_type: str, before: dict | None, event: str = "") -> Activity:
    """Re-index, record the activity and tell the dataset listeners (``event``: by default from
    ``activity_type``), inside the caller's transaction."""
    from .ckan_dict import dataset_prefetch, dataset_to_ckan

    after = _dataset_state(dataset)
    fresh = dataset_prefetch(Dataset.objects.filter(pk=dataset.pk)).get()
    _index(fresh)
    _dataset_changed(event or _EVENTS.get(activity_type, "updated"), dataset.pk)
    return Activity.objects.create(
        dataset=dataset, organisation_id=dataset.organisation_id,
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        activity_type=activity_type, timestamp=dataset.modified_at,
        snapshot=json.loads(json.dumps(dataset_to_ckan(fresh), default=str)),
        diff=json.loads(json.dumps(_diff(before, after), default=str)))


# --- Datasets ---------------------------------------------------------------------------

def _check_keys(errors, data, allowed) -> None:
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("Les données doivent être un objet.")]})
    unknown = sorted(str(k) for k in data if k not in allowed)
    for key in unknown[:20]:
        errors[key] = [_("Champ inconnu.")]


def _name_taken(errors, name: str, dataset: Dataset) -> None:
    if "name" in errors or not name:
        return
    if Dataset.objects.filter(name=name).exclude(pk=dataset.pk).exists():
        errors["name"] = [_("Le nom « %(name)s » est déjà pris par un autre jeu de données.") % {"name": name}]
    elif DatasetNameRedirect.objects.filter(old_name=name).exclude(dataset_id=dataset.pk).exists():
        errors["name"] = [_("Le nom « %(name)s » est l'ancien nom d'un autre jeu de données : ses anciennes "
                            "adresses y mènent encore, il reste réservé.") % {"name": name}]


def _apply_dataset(dataset: Dataset, data: dict, *, partial: bool, creating: bool, errors: dict) -> dict:
    """Validate ``data`` and set the scalar fields on ``dataset``; returns the many-to-many values."""
    def given(key):
        return key in data or (not partial and not creating)

    def value(key, default=None):
        return data.get(key, default)

    if creating and data.get("id") not in (None, ""):
        try:
            dataset.id = uuid.UUID(str(data["id"]))
        except ValueError:
            errors["id"] = [_("Identifiant invalide : un UUID est attendu.")]
        else:
            if Dataset.objects.filter(pk=dataset.id).exists():
                errors["id"] = [_("Un jeu de données porte déjà cet identifiant.")]
    elif not creating and data.get("id") not in (None, "") and str(data["id"]) not in (str(dataset.pk),
                                                                                       dataset.name):
        errors["id"] = [_("L'identifiant ne correspond pas au jeu de données modifié.")]
    if "name" in data or creating:
        name = _line(errors, "name", value("name"))
        if not name:
            errors.setdefault("name", [_("Ce champ est obligatoire.")])
        dataset.name = name
    for field in _DATASET_LINES:
        if given(field):
            setattr(dataset, field, _line(errors, field, value(field),
                                          max_length=Dataset._meta.get_field(field).max_length))
    for field in _DATASET_TEXTS:
        if given(field):
            setattr(dataset, field, _text(errors, field, value(field)))
    for field in _DATASET_EMAILS:
        if given(field):
            setattr(dataset, field, _email(errors, field, value(field)))
    if given("url"):
        dataset.url = _url(errors, "url", value("url"), max_length=1000)
    if given("private"):
        dataset.private = _bool(errors, "private", value("private", False))
    if given("state"):
        state = value("state") or Dataset.State.ACTIVE
        if state not in (Dataset.State.DRAFT, Dataset.State.ACTIVE):
            errors["state"] = [_("État « %(value)s » : choisissez « draft » ou « active » (la suppression a "
                                 "son propre service).") % {"value": str(state)[:30]}]
        else:
            dataset.state = state
    if given("licence"):
        licence_id = value("licence")
        if isinstance(licence_id, Licence):
            dataset.licence = licence_id
        elif licence_id in (None, ""):
            default = licence_default()
            if default is None:
                errors["licence"] = [_("Aucune licence par défaut : choisissez une licence.")]
            else:
                dataset.licence = default
        else:
            licence = Licence.objects.filter(pk=str(licence_id)).first()
            if licence is None:
                errors["licence"] = [_("Licence inconnue « %(id)s ». Voir la liste des licences.")
                                     % {"id": str(licence_id)[:100]}]
            else:
                dataset.licence = licence
    if given("frequency"):
        frequency = value("frequency") or ""
        if frequency and frequency not in Dataset.Frequency.values:
            errors["frequency"] = [_("Fréquence inconnue « %(value)s ». Valeurs possibles : %(choices)s.")
                                   % {"value": str(frequency)[:30], "choices": ", ".join(Dataset.Frequency.values)}]
        else:
            dataset.frequency = frequency
    for field in ("temporal_start", "temporal_end"):
        if given(field):
            setattr(dataset, field, _date(errors, field, value(field)))
    if (dataset.temporal_start and dataset.temporal_end and dataset.temporal_end < dataset.temporal_start
            and "temporal_end" not in errors):
        errors["temporal_end"] = [_("La fin de la couverture temporelle précède son début.")]
    if any(given(f) for f in _BBOX):
        dataset.bbox_west = _float(errors, "bbox_west", value("bbox_west"), -180, 180)
        dataset.bbox_east = _float(errors, "bbox_east", value("bbox_east"), -180, 180)
        dataset.bbox_south = _float(errors, "bbox_south", value("bbox_south"), -90, 90)
        dataset.bbox_north = _float(errors, "bbox_north", value("bbox_north"), -90, 90)
        box = [dataset.bbox_west, dataset.bbox_south, dataset.bbox_east, dataset.bbox_north]
        if not any(f in errors for f in _BBOX):
            if any(v is None for v in box) and any(v is not None for v in box):
                errors["bbox_west"] = [_("Donnez les quatre limites du rectangle englobant, ou aucune.")]
            elif box[0] is not None and box[0] > box[2]:
                errors["bbox_east"] = [_("La limite est doit être à l'est de la limite ouest.")]
            elif box[1] is not None and box[1] > box[3]:
                errors["bbox_north"] = [_("La limite nord doit être au nord de la limite sud.")]
    if given("languages"):
        dataset.languages = _languages(errors, value("languages"))
    if given("keywords"):
        dataset.keywords = _keywords(errors, value("keywords"))
    if given("extras"):
        dataset.extras = _extras(errors, value("extras"))
    if given("extra_fields"):
        dataset.extra_fields = _extra_fields(errors, "extra_fields", value("extra_fields"))
    if not (dataset.title_fr or "").strip() and "title_fr" not in errors:
        errors["title_fr"] = [_("Le titre en français est obligatoire.")]
    related = {}
    if given("tags"):
        related["tags"] = _names(errors, "tags", value("tags"), max_items=MAX_TAGS)
    if given("themes"):
        names = _names(errors, "themes", value("themes"), max_items=100)
        themes = []
        for name in names:
            theme = Theme.objects.filter(name=name).first()
            if theme is None:
                try:
                    theme = Theme.objects.filter(pk=uuid.UUID(name)).first()
                except ValueError:
                    theme = None
            if theme is None:
                errors["themes"] = [_("Thème inconnu « %(name)s ».") % {"name": name}]
            else:
                themes.append(theme)
        related["themes"] = themes
    if "resources" in data:
        resources = data["resources"]
        if not isinstance(resources, list | tuple) or len(resources) > MAX_RESOURCES:
            errors["resources"] = [_("Une liste d'au plus %(max)s ressources est attendue.") % {"max": MAX_RESOURCES}]
        else:
            related["resources"] = list(resources)
    # Model-level checks (lengths, name format) on what was set, keyed by field.
    try:
        dataset.full_clean(exclude=["organisation", "licence", "created_by", "id", "name"] + list(errors),
                           validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if "name" not in errors and dataset.name:
        try:
            Dataset._meta.get_field("name").run_validators(dataset.name)
            if len(dataset.name) > 100:
                raise ValidationError(_("Au plus 100 caractères."))
        except ValidationError as exc:
            errors["name"] = exc.messages
    _name_taken(errors, dataset.name, dataset)
    return related


def _set_tags(dataset: Dataset, names: list[str]) -> None:
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(name=name)
        tags.append(tag)
    dataset.tags.set(tags)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def dataset_create(*, actor, organisation=None, data: dict) -> Dataset:
    """Create a dataset of ``organisation`` (or ``data["organisation"]``, as ``ckan_dict`` gives it).

    ``data`` uses the model's field names; ``tags`` and ``themes`` are lists of names;
    ``resources`` an optional list of resource ``data`` dicts (links).
    """
    errors: dict = {}
    _check_keys(errors, data, DATASET_KEYS)
    given_org = data.get("organisation")
    if organisation is None:
        organisation = given_org
    elif given_org is not None and given_org != organisation:
        errors["organisation"] = [_("Deux éditeurs différents sont donnés.")]
    if organisation is None:
        raise ValidationError({"owner_org": [_("Un jeu de données doit avoir un éditeur (organisation).")]})
    if actor is not None and not policy.can_edit_organisation_datasets(actor, organisation):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de cette organisation pour y "
                                 "publier des jeux de données."))
    now = timezone.now()
    dataset = Dataset(organisation=organisation, created_at=now, modified_at=now,
                      created_by=actor if (actor is not None and actor.is_authenticated) else None)
    related = _apply_dataset(dataset, data, partial=False, creating=True, errors=errors)
    if "licence" not in data and not errors and dataset.licence_id is None:
        dataset.licence = licence_default()
    resource_data = related.get("resources", [])
    _raise(errors)
    try:
        with transaction.atomic():
            dataset.save(force_insert=True)
            _set_tags(dataset, related.get("tags", []))
            dataset.themes.set(related.get("themes", []))
            for position, item in enumerate(resource_data):
                _resource_write(actor=actor, dataset=dataset, resource=None, data=item, upload=None,
                                partial=False, position=position, prefix=f"resources.{position}.")
            _record(dataset=dataset, actor=actor, activity_type=Activity.Type.NEW_PACKAGE, before=None)
    except IntegrityError:
        _name_taken(errors, dataset.name, Dataset(pk=uuid.uuid4()))
        raise ValidationError(errors or {"name": [_("Ce nom vient d'être pris : choisissez-en un autre.")]}) \
            from None
    return dataset


def _comparable(dataset: Dataset) -> dict:
    """The dataset as ``package_show`` gives it, without the times every write moves."""
    from .ckan_dict import dataset_prefetch, dataset_to_ckan

    value = json.loads(json.dumps(dataset_to_ckan(dataset_prefetch(Dataset.objects.filter(pk=dataset.pk)).get()),
                                  default=str))
    value.pop("metadata_modified", None)
    for resource in value.get("resources") or []:
        resource.pop("last_modified", None)
        resource.pop("metadata_modified", None)
    return value


def dataset_update(*, actor, dataset: Dataset, data: dict, partial: bool = False) -> Dataset:
    """Change a dataset (``partial=True``: only the keys given, CKAN's ``package_patch``).

    When nothing changes, nothing is written: no activity, the same ``modified_at``.
    """
    if actor is not None and not policy.can_edit_dataset(actor, dataset):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour le modifier."))
    errors: dict = {}
    _check_keys(errors, data, DATASET_KEYS)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        before = _dataset_state(dataset)
        before_view = _comparable(dataset)
        old_name = dataset.name
        new_org = data.get("organisation")
        if new_org is not None and new_org.pk != dataset.organisation_id:
            if actor is not None and not policy.can_edit_organisation_datasets(actor, new_org):
                raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation vers "
                                         "laquelle vous déplacez ce jeu de données."))
            dataset.organisation = new_org
        related = _apply_dataset(dataset, data, partial=partial, creating=False, errors=errors)
        if dataset.licence_id is None:
            dataset.licence = licence_default()
        _raise(errors)
        if dataset.name != old_name:
            DatasetNameRedirect.objects.filter(old_name=dataset.name, dataset=dataset).delete()
            DatasetNameRedirect.objects.update_or_create(old_name=old_name, defaults={"dataset": dataset})
        dataset.modified_at = timezone.now()
        dataset.save()
        if "tags" in related:
            _set_tags(dataset, related["tags"])
        if "themes" in related:
            dataset.themes.set(related["themes"])
        if "resources" in related:
            _sync_resources(actor=actor, dataset=dataset, items=related["resources"])
        unchanged = _comparable(dataset) == before_view
        if unchanged:
            transaction.set_rollback(True)  # undo the writes of this block (its savepoint when nested)
        else:
            _record(dataset=dataset, actor=actor, activity_type=Activity.Type.CHANGED_PACKAGE, before=before)
    return Dataset.objects.get(pk=dataset.pk) if unchanged else dataset


def _sync_resources(*, actor, dataset: Dataset, items: list) -> None:
    """CKAN's ``package_update`` with ``resources``: update those with a known id, create the
    others, delete the ones not listed; the order given becomes the positions."""
    existing = {str(r.pk): r for r in dataset.resources.filter(state=Resource.State.ACTIVE)}
    kept = set()
    errors = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"resources.{position}"] = [_("Chaque ressource doit être un objet.")]
            continue
        resource = existing.get(str(item.get("id") or ""))
        try:
            if resource is not None:
                kept.add(str(resource.pk))
                _resource_write(actor=actor, dataset=dataset, resource=resource,
                                data={k: v for k, v in item.items() if k != "id"}, upload=None, partial=False,
                                position=position, prefix=f"resources.{position}.")
            else:
                _resource_write(actor=actor, dataset=dataset, resource=None, data=item, upload=None,
                                partial=False, position=position, prefix=f"resources.{position}.")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _raise(errors)
    now = timezone.now()
    for key, resource in existing.items():
        if key not in kept:
            resource.state = Resource.State.DELETED
            resource.modified_at = now
            resource.save(update_fields=["state", "modified_at"])
            _resource_changed("deleted", resource.pk)


def dataset_delete(*, actor, dataset: Dataset) -> Dataset:
    """Delete softly (``state = deleted``): the dataset disappears from the public; admins can restore it."""
    if actor is not None and not policy.can_edit_dataset(actor, dataset):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour le supprimer."))
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if dataset.state == Dataset.State.DELETED:
            return dataset
        before = _dataset_state(dataset)
        dataset.state = Dataset.State.DELETED
        dataset.modified_at = timezone.now()
        dataset.save(update_fields=["state", "modified_at"])
        _record(dataset=dataset, actor=actor, activity_type=Activity.Type.DELETED_PACKAGE, before=before)
        core_services.audit_append(actor=actor, action="catalog.dataset.delete", target=dataset,
                                   data={"name": dataset.name, "organisation": dataset.organisation.slug,
                                         "state_before": before["state"]})
    return dataset


def dataset_restore(*, actor, dataset: Dataset) -> Dataset:
    """Bring a deleted dataset back, in the state it had (draft or published). Platform admins."""
    if actor is not None and not policy.can_restore_or_purge(actor):
        raise PermissionDenied(_("Seule une administratrice ou un administrateur de la plateforme peut "
                                 "restaurer un jeu de données supprimé."))
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if dataset.state != Dataset.State.DELETED:
            raise ValidationError({"state": [_("Ce jeu de données n'est pas supprimé.")]})
        last = dataset.activities.filter(activity_type=Activity.Type.DELETED_PACKAGE).order_by("-timestamp").first()
        previous = ((last.diff or {}).get("state", {}).get("before") if last else None) or Dataset.State.ACTIVE
        if previous not in (Dataset.State.DRAFT, Dataset.State.ACTIVE):
            previous = Dataset.State.ACTIVE
        before = _dataset_state(dataset)
        dataset.state = previous
        dataset.modified_at = timezone.now()
        dataset.save(update_fields=["state", "modified_at"])
        _record(dataset=dataset, actor=actor, activity_type=Activity.Type.CHANGED_PACKAGE, before=before, event="restored")
        core_services.audit_append(actor=actor, action="catalog.dataset.restore", target=dataset,
                                   data={"name": dataset.name, "state": previous})
    return dataset


def dataset_purge(*, actor, dataset: Dataset) -> None:
    """Erase a dataset for good: its resources, files, history and old names. Platform admins."""
    if actor is not None and not policy.can_restore_or_purge(actor):
        raise PermissionDenied(_("Seule une administratrice ou un administrateur de la plateforme peut "
                                 "effacer définitivement un jeu de données."))
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        files = list(ResourceVersion.objects.filter(resource__dataset=dataset).values_list("file", flat=True))
        core_services.audit_append(actor=actor, action="catalog.dataset.purge", target=dataset,
                                   data={"name": dataset.name, "id": str(dataset.pk),
                                         "organisation": dataset.organisation.slug, "files": len(files)})
        dataset_id = dataset.pk
        Resource.objects.filter(dataset=dataset).update(current_version=None)
        dataset.delete()
        _unindex(dataset_id)
        _dataset_changed("purged", dataset_id)

        def remove_files():
            for name in files:
                try:
                    default_storage.delete(name)
                except OSError:
                    pass

        transaction.on_commit(remove_files)


# --- Resources --------------------------------------------------------------------------

class _TooLarge(Exception):
    pass


class _HashingReader:
    """A file-like wrapper that computes SHA-256 and size as the storage reads it (one pass)."""

    def __init__(self, raw, limit: int):
        self.raw = raw
        self.limit = limit
        self._reset()

    def _reset(self):
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.raw.read(n)
        if data:
            if isinstance(data, str):
                data = data.encode()
            self.size += len(data)
            if self.size > self.limit:
                raise _TooLarge
            self.sha.update(data)
        return data

    def seek(self, offset, whence=0):
        if offset == 0 and whence == 0:
            self._reset()
        elif hasattr(self.raw, "seek"):
            raise OSError("only rewinding is supported")
        return self.raw.seek(offset, whence) if hasattr(self.raw, "seek") else 0

    def tell(self):
        return self.size

    def seekable(self):
        return hasattr(self.raw, "seek")

    def readable(self):
        return True

    def close(self):
        pass


def _upload_too_large(limit: int) -> ValidationError:
    """The error for a file over ``OUVERT_MAX_UPLOAD_BYTES``; its code ``too_large`` lets pages answer 413."""
    return ValidationError({"upload": [ValidationError(
        _("Fichier trop volumineux : au plus %(max)s octets."), code="too_large", params={"max": limit})]})


def _store_upload(resource: Resource, number: int, upload) -> ResourceVersion:
    """Stream ``upload`` to storage; return an unsaved ResourceVersion with size and SHA-256."""
    limit = _max_upload_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _upload_too_large(limit)
    filename = get_valid_filename(os.path.basename(getattr(upload, "name", "") or "")) or "fichier"
    filename = filename[-200:]
    if hasattr(upload, "seek"):
        try:
            upload.seek(0)
        except (OSError, ValueError):
            pass
    raw = getattr(upload, "file", upload)
    reader = _HashingReader(raw, limit)
    version = ResourceVersion(resource=resource, number=number, filename=filename, size=0, sha256="",
                              media_type=mimetypes.guess_type(filename)[0] or "")
    target = default_storage.get_available_name(version.file.field.generate_filename(version, filename),
                                                max_length=500)
    try:
        stored = default_storage.save(target, File(reader, name=filename), max_length=500)
    except _TooLarge:
        if default_storage.exists(target):
            default_storage.delete(target)
        raise _upload_too_large(limit) from None
    except Exception:
        if default_storage.exists(target):
            default_storage.delete(target)
        raise
    version.file.name = stored
    version.size = reader.size
    version.sha256 = reader.sha.hexdigest()
    return version


def _apply_resource(resource: Resource, data: dict, *, partial: bool, creating: bool, errors: dict,
                    prefix: str, upload) -> None:
    def given(key):
        return key in data or (not partial and not creating)

    if creating and data.get("id") not in (None, ""):
        try:
            resource.id = uuid.UUID(str(data["id"]))
        except ValueError:
            errors[prefix + "id"] = [_("Identifiant invalide : un UUID est attendu.")]
        else:
            if Resource.objects.filter(pk=resource.id).exists():
                errors[prefix + "id"] = [_("Une ressource porte déjà cet identifiant.")]
    sub: dict = {}
    for field in ("name_fr", "name_en"):
        if given(field):
            setattr(resource, field, _line(sub, field, data.get(field), max_length=500))
    for field in ("description_fr", "description_en"):
        if given(field):
            setattr(resource, field, _text(sub, field, data.get(field)))
    if given("format"):
        resource.format = _line(sub, "format", data.get("format"), max_length=50)
    if given("media_type"):
        resource.media_type = _line(sub, "media_type", data.get("media_type"), max_length=200)
    if given("extra_fields"):
        resource.extra_fields = _extra_fields(sub, "extra_fields", data.get("extra_fields"))
    if "position" in data:
        try:
            resource.position = max(0, int(data["position"]))
        except (TypeError, ValueError):
            sub["position"] = [_("Un nombre entier est attendu.")]
    if upload is not None:
        resource.kind = Resource.Kind.UPLOAD
        resource.url = ""
    elif "url" in data or creating:
        url = _url(sub, "url", data.get("url"), max_length=2000)
        from .ckan_dict import resource_download_url

        own = resource.kind == Resource.Kind.UPLOAD and not creating and (
            not url or url == resource_download_url(resource))
        if not own:
            if not url and "url" not in sub:
                sub["url"] = [_("Donnez l'adresse du lien ou téléversez un fichier.")]
            if resource.kind == Resource.Kind.UPLOAD:
                # From an uploaded file to a link: versions stay in history.
                resource.current_version = None
                resource.sha256 = ""
                resource.size = None
            if url != resource.url and "sha256" not in data:
                resource.sha256 = ""  # a checksum given for another address says nothing of this one
            resource.kind = Resource.Kind.LINK
            resource.url = url
    if resource.kind == Resource.Kind.LINK and given("sha256"):
        # A link's checksum is the source's claim (CKAN's ``hash``, DCAT's ``spdx:checksum``);
        # an uploaded file's is computed here and cannot be set.
        digest = data.get("sha256")
        if digest in (None, ""):
            resource.sha256 = ""
        elif isinstance(digest, str) and len(digest.strip()) == 64 and \
                all(c in "0123456789abcdef" for c in digest.strip().lower()):
            resource.sha256 = digest.strip().lower()
        else:
            sub["sha256"] = [_("Une empreinte SHA-256 (64 chiffres hexadécimaux) est attendue.")]
    if resource.kind == Resource.Kind.LINK and "size" in data:
        size = data.get("size")
        if size in (None, ""):
            resource.size = None
        elif isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            resource.size = size
        else:
            sub["size"] = [_("Une taille en octets (entier positif) est attendue.")]
    if not resource.format:
        source = getattr(upload, "name", "") if upload is not None else resource.url
        resource.format = _guess_format(source or "")
    if not resource.media_type and resource.kind == Resource.Kind.LINK and resource.url:
        resource.media_type = mimetypes.guess_type(urlsplit(resource.url).path)[0] or ""
    for key, messages in sub.items():
        errors[prefix + key] = messages


def _resource_write(*, actor, dataset: Dataset, resource: Resource | None, data: dict, upload, partial: bool,
                    position: int | None = None, prefix: str = "") -> Resource:
    """Create or change one resource, without activity (the caller records it). In a transaction."""
    errors: dict = {}
    _check_keys(errors, data, RESOURCE_KEYS)
    if prefix:
        errors = {prefix + k: v for k, v in errors.items()}
    creating = resource is None
    resource_is_new = creating
    now = timezone.now()
    if creating:
        resource = Resource(dataset=dataset, created_at=now)
        if position is None:
            top = dataset.resources.aggregate(top=Max("position"))["top"]
            position = 0 if top is None else top + 1
    if position is not None:
        resource.position = position
    _apply_resource(resource, data, partial=partial, creating=creating, errors=errors, prefix=prefix,
                    upload=upload)
    _raise(errors)
    resource.modified_at = now
    version = None
    if upload is not None:
        number = 1 if creating else (resource.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = _store_upload(resource, number, upload)
    try:
        with transaction.atomic():
            if version is not None:
                resource.current_version = None
                resource.save(force_insert=creating)
                creating = False
                version.created_by = actor if (actor is not None and actor.is_authenticated) else None
                version.save()
                # Only now that the file is stored and its version saved does the resource point to it.
                resource.current_version = version
                resource.size = version.size
                resource.sha256 = version.sha256
                resource.media_type = data.get("media_type") or version.media_type
                if not data.get("format"):
                    resource.format = _guess_format(version.filename) or resource.format
            resource.save(force_insert=creating)
    except Exception:
        if version is not None and version.file.name:
            default_storage.delete(version.file.name)
        raise
    _resource_changed("created" if resource_is_new else "updated", resource.pk)
    return resource


def _resource_changed(event: str, resource_id) -> None:
    """Tell the modules listening to resources (``core.registry.register_resource_listener``), on commit."""
    from ouvert.core import registry

    transaction.on_commit(lambda: registry.resource_changed(event, resource_id))


def _bump(dataset: Dataset) -> Dataset:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    dataset.modified_at = timezone.now()
    dataset.save(update_fields=["modified_at"])
    return dataset


def resource_create(*, actor, dataset: Dataset, data: dict, upload=None) -> Resource:
    """Add a resource: a link (``data["url"]``) or an uploaded file (``upload``, a Django File)."""
    if actor is not None and not policy.can_edit_dataset(actor, dataset):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour en modifier les ressources."))
    with transaction.atomic():
        before = _dataset_state(dataset)
        resource = _resource_write(actor=actor, dataset=dataset, resource=None, data=data, upload=upload,
                                   partial=False)
        dataset = _bump(dataset)
        _record(dataset=dataset, actor=actor, activity_type=Activity.Type.CHANGED_PACKAGE, before=before)
    return resource


def resource_update(*, actor, resource: Resource, data: dict, upload=None, partial: bool = False) -> Resource:
    """Change a resource; with ``upload``, a new version of its file (older ones stay downloadable)."""
    dataset = resource.dataset
    if actor is not None and not policy.can_edit_dataset(actor, dataset):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour en modifier les ressources."))
    if resource.state != Resource.State.ACTIVE:
        raise NotFound(_("Ressource « %(id)s » introuvable.") % {"id": resource.pk})
    with transaction.atomic():
        before = _dataset_state(dataset)
        resource = Resource.objects.select_for_update().select_related("dataset").get(pk=resource.pk)
        if data.get("id") not in (None, "") and str(data["id"]) != str(resource.pk):
            raise ValidationError({"id": [_("L'identifiant ne correspond pas à la ressource modifiée.")]})
        resource = _resource_write(actor=actor, dataset=dataset, resource=resource,
                                   data={k: v for k, v in data.items() if k != "id"}, upload=upload,
                                   partial=partial)
        dataset = _bump(dataset)
        _record(dataset=dataset, actor=actor, activity_type=Activity.Type.CHANGED_PACKAGE, before=before)
    return resource


def resource_delete(*, actor, resource: Resource) -> None:
    """Remove a resource from its dataset (its files stay until the dataset is purged)."""
    dataset = resource.dataset
    if actor is not None and not policy.can_edit_dataset(actor, dataset):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour en modifier les ressources."))
    with transaction.atomic():
        before = _dataset_state(dataset)
        updated = Resource.objects.filter(pk=resource.pk, state=Resource.State.ACTIVE).update(
            state=Resource.State.DELETED, modified_at=timezone.now())
        if not updated:
            raise NotFound(_("Ressource « %(id)s » introuvable.") % {"id": resource.pk})
        _resource_changed("deleted", resource.pk)
        dataset = _bump(dataset)
        _record(dataset=dataset, actor=actor, activity_type=Activity.Type.CHANGED_PACKAGE, before=before)


def resource_can_edit(user, resource: Resource) -> bool:
    """Whether ``user`` may change ``resource`` (and what other modules attach to it)."""
    return policy.can_edit_dataset(user, resource.dataset)


def ckan_action_register(name: str, func, *, side_effect_free: bool = False) -> None:
    """Add ``func(ctx, params)`` to the CKAN Action API as ``/api/3/action/<name>`` (for other modules:
    the datastore). ``ctx.user`` is who calls; errors are raised as in ``ckan``: ``ValidationError``
    (409), ``PermissionDenied`` (403), ``NotFound`` (404)."""
    from . import ckan

    ckan.register(name, side_effect_free=side_effect_free)(func)


# --- For other modules (quality…) -------------------------------------------------------

def activity_note(*, dataset: Dataset, actor, activity_type: str, diff: dict) -> Activity:
    """Add an entry to a dataset's history that is not a change of its metadata (a certification
    granted or lapsed…): ``diff`` is ``{field: {"before": …, "after": …}}``; ``modified_at`` is kept."""
    from .ckan_dict import dataset_prefetch, dataset_to_ckan

    fresh = dataset_prefetch(Dataset.objects.filter(pk=dataset.pk)).get()
    return Activity.objects.create(
        dataset=dataset, organisation_id=dataset.organisation_id,
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        activity_type=activity_type, timestamp=timezone.now(),
        snapshot=json.loads(json.dumps(dataset_to_ckan(fresh), default=str)),
        diff=json.loads(json.dumps(diff, default=str)))


def dcat_contributor_register(func) -> None:
    """Let another module add triples to every DCAT graph (``dcat.dcat_contributor_register``)."""
    from . import dcat

    dcat.dcat_contributor_register(func)


def package_show_contributor_register(func, *, keys=()) -> None:
    """Let another module add ``keys`` to ``package_show`` (``ckan_dict.package_show_contributor_register``)."""
    from . import ckan_dict

    ckan_dict.package_show_contributor_register(func, keys=keys)


#: ``field`` -> ``(label, {value: label})``: how the history page shows the fields of other modules' notes.
HISTORY_FIELDS: dict = {}


def history_field_register(field: str, label, values: dict | None = None) -> None:
    """Name ``field`` of ``activity_note`` diffs on the history page (``label``, lazily translated) and
    its values (``values``: stored value -> lazily translated label)."""
    HISTORY_FIELDS[field] = (label, dict(values or {}))


#: ``name`` -> ``func()``: the boolean search filters other modules add (see ``search_flag_register``).
SEARCH_FLAGS: dict = {}


def search_flag_register(name: str, func, *, label_fr: str = "", label_en: str = "") -> None:
    """Add the filter ``name:true`` / ``name:false`` to ``package_search``'s ``fq`` and to the search
    page: ``func()`` returns the primary keys of the datasets that have the flag (a queryset of
    ``id`` values, used as a subquery)."""
    SEARCH_FLAGS[name] = {"func": func, "label_fr": label_fr, "label_en": label_en}


def link_resources(*, resource_ids=None):
    """The active link resources of datasets that are not deleted, as dicts (``id``, ``url``,
    ``dataset_id``, ``organisation_id``, ``format``, ``media_type``, ``size``), for the link checker."""
    queryset = (Resource.objects.filter(state=Resource.State.ACTIVE, kind=Resource.Kind.LINK)
                .exclude(url="").exclude(dataset__state=Dataset.State.DELETED))
    if resource_ids is not None:
        queryset = queryset.filter(pk__in=resource_ids)
    return queryset.values("id", "url", "dataset_id", "format", "media_type", "size",
                           organisation_id=models.F("dataset__organisation_id")).order_by("pk")


def resource_versions(*, resource_ids=None):
    """Every stored file version, as dicts (``id``, ``resource_id``, ``number``, ``file``, ``size``,
    ``sha256``, ``dataset_id``, ``dataset_name``), for integrity checks."""
    queryset = ResourceVersion.objects.all()
    if resource_ids is not None:
        queryset = queryset.filter(resource_id__in=resource_ids)
    return queryset.values("id", "resource_id", "number", "file", "size", "sha256",
                           dataset_id=models.F("resource__dataset_id"),
                           dataset_name=models.F("resource__dataset__name")).order_by("resource_id", "number")


# --- Page views -------------------------------------------------------------------------

def dataset_view_record(*, dataset: Dataset) -> None:
    """Count one view of a dataset's page: a single ``UPDATE … SET view_count = view_count + 1``.

    Not an activity and no re-indexing: ``modified_at`` stays as it is. The page leaves out
    robots before calling this.
    """
    from django.db.models import F

    Dataset.objects.filter(pk=dataset.pk).update(view_count=F("view_count") + 1)


# --- Themes -----------------------------------------------------------------------------

def theme_upsert(*, actor, name: str, title_fr: str, title_en: str = "", description_fr: str = "",
                 description_en: str = "", image_url: str = "") -> Theme:
    """Create or update a theme (a CKAN group) by name. Platform admins (or the platform)."""
    if actor is not None and not policy.can_manage_registry(actor):
        raise PermissionDenied(_("Seule une administratrice ou un administrateur de la plateforme gère les thèmes."))
    errors: dict = {}
    values = {"title_fr": _line(errors, "title_fr", title_fr, max_length=200),
              "title_en": _line(errors, "title_en", title_en, max_length=200),
              "description_fr": _text(errors, "description_fr", description_fr),
              "description_en": _text(errors, "description_en", description_en),
              "image_url": _url(errors, "image_url", image_url, max_length=500)}
    if not values["title_fr"]:
        errors.setdefault("title_fr", [_("Ce champ est obligatoire.")])
    with transaction.atomic():
        theme = Theme.objects.select_for_update().filter(name=name).first() or Theme(name=name)
        for key, value in values.items():
            setattr(theme, key, value)
        try:
            theme.full_clean(exclude=list(errors))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        _raise(errors)
        theme.save()
    return theme


# --- Open by default --------------------------------------------------------------------

#: The ``extras`` key that marks a dataset mirroring a module's public data.
OPEN_DATA_KEY = "source_module"


def open_data_dataset(key: str) -> Dataset | None:
    """The dataset that mirrors the public data of the open-data publisher ``key``, if published."""
    return Dataset.objects.filter(**{f"extras__{OPEN_DATA_KEY}": key}).first()


def open_data_publish(*, key: str, organisation, metadata: dict, resources: list[dict]) -> Dataset:
    """Create or refresh the dataset that mirrors a module's public data (open by default).

    ``key`` names the publisher (``"plan"``); ``metadata`` is dataset ``data`` (``name``,
    ``title_fr``…); ``resources`` are ``{name_fr, name_en, format, filename, content: bytes}``.
    The platform publishes (no actor). Metadata is changed only when it differs, and a
    resource gets a new file version only when its bytes changed, so that refreshing an
    unchanged module records nothing. A resource the platform published that the module no
    longer lists is removed; one whose current file a person uploaded is left as it is.
    """
    if not key or not isinstance(key, str):
        raise ValidationError({"key": [_("Ce champ est obligatoire.")]})
    metadata = dict(metadata)
    metadata["extras"] = {**(metadata.get("extras") or {}), OPEN_DATA_KEY: key}
    with transaction.atomic():
        dataset = open_data_dataset(key)
        if dataset is None:
            dataset = dataset_create(actor=None, organisation=organisation, data=metadata)
        else:
            current = _dataset_state(dataset)
            wanted = {k: v for k, v in metadata.items() if k not in ("tags", "themes")}
            changed = any(_plain(getattr(dataset, k if k != "licence" else "licence_id", None)) != v
                          for k, v in wanted.items()) or \
                ("tags" in metadata and sorted(metadata["tags"]) != current["tags"]) or \
                ("themes" in metadata and sorted(metadata["themes"]) != current["themes"]) or \
                dataset.organisation_id != organisation.pk
            if changed:
                dataset = dataset_update(actor=None, dataset=dataset, partial=True,
                                         data={**metadata, "organisation": organisation})
        existing = {r.name_fr: r for r in resource_list(dataset=dataset)}
        for item in resources:
            content = item["content"]
            data = {"name_fr": item["name_fr"], "name_en": item.get("name_en", ""),
                    "format": item.get("format", "")}
            if isinstance(content, str):
                content = content.encode("utf-8")
            upload = File(io.BytesIO(content), name=item["filename"])
            resource = existing.get(item["name_fr"])
            if resource is None:
                resource_create(actor=None, dataset=dataset, data=data, upload=upload)
            elif resource.sha256 != hashlib.sha256(content).hexdigest() or resource.kind != Resource.Kind.UPLOAD:
                resource_update(actor=None, resource=resource, data=data, upload=upload, partial=True)
        dropped = [r.pk for name, r in existing.items() if name not in {item["name_fr"] for item in resources}]
        for resource in Resource.objects.filter(pk__in=dropped, current_version__isnull=False,
                                                current_version__created_by__isnull=True):
            resource_delete(actor=None, resource=resource)
    dataset.refresh_from_db()
    return dataset


def open_data_refresh(key: str) -> Dataset | None:
    """Run the open-data publisher ``key`` (``core.registry``) and publish what it returns.

    The publisher names the organisation that owns the dataset (by slug: the plan's is the SCT,
    the plan's owner). Themes it names that do not exist (yet) are left out; the next refresh
    adds them. Returns the dataset, or ``None`` when the publisher has nothing to publish.
    """
    from ouvert.core import registry

    publisher = registry.open_data_publisher(key)
    if publisher is None:
        raise NotFound(_("Aucune publication de données ouvertes « %(key)s ».") % {"key": key})
    spec = publisher.func()
    if spec is None:
        return None
    organisation = spec["organisation"]
    if isinstance(organisation, str):
        organisation = core_services.organisation_get(slug=organisation)
    metadata = dict(spec["metadata"])
    if metadata.get("themes"):
        known = set(Theme.objects.filter(name__in=metadata["themes"]).values_list("name", flat=True))
        metadata["themes"] = [name for name in metadata["themes"] if name in known]
    return open_data_publish(key=key, organisation=organisation, metadata=metadata,
                             resources=spec["resources"])


# --- Spatial coverage computed by the geo module ------------------------------------------------

_COVERAGE = ("coverage_west", "coverage_south", "coverage_east", "coverage_north")


def dataset_active_resources(dataset_ids):
    """``(id, dataset_id)`` rows of the active resources of the datasets ``dataset_ids`` that are not
    deleted (a queryset: usable as a subquery), for the geo module's coverage."""
    return (Resource.objects.filter(dataset_id__in=dataset_ids, state=Resource.State.ACTIVE)
            .exclude(dataset__state=Dataset.State.DELETED).values("id", "dataset_id"))


def dataset_coverage_set(dataset, bbox, footprint=None) -> bool:
    """Store the spatial coverage computed from a dataset's geographic resources (``ouvert.geo``):
    ``bbox`` = ``(west, south, east, north)`` in WGS84 degrees, or ``None`` to clear it, and
    ``footprint`` a small GeoJSON geometry.

    Never touches the declared box (``bbox_*``, which the search prefers), records no activity and
    keeps ``metadata_modified``: the coverage follows the data, it is no edit of the metadata. The
    search index holds no box, so nothing is re-indexed. Returns whether anything changed.
    """
    dataset_id = getattr(dataset, "pk", dataset)
    if bbox is not None:
        try:
            west, south, east, north = (float(v) for v in bbox)
        except (TypeError, ValueError):
            raise ValidationError({"bbox": [_("Le rectangle englobant compte quatre nombres.")]}) from None
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise ValidationError({"bbox": [_("Rectangle englobant hors des limites du WGS84 ou inversé.")]})
        values = dict(zip(_COVERAGE, (west, south, east, north), strict=True))
    else:
        values = dict.fromkeys(_COVERAGE)
        footprint = None
    values["coverage_footprint"] = footprint
    current = Dataset.objects.filter(pk=dataset_id).values(*values).first()
    if current is None:
        raise NotFound(_("Jeu de données introuvable."))
    if current == values:
        return False
    Dataset.objects.filter(pk=dataset_id).update(**values)
    if not isinstance(dataset, (str, uuid.UUID)) and hasattr(dataset, "pk"):
        for key, value in values.items():
            setattr(dataset, key, value)
    return True


def dataset_coverage_footprints(dataset_ids) -> dict:
    """``{dataset_id: stored footprint or None}`` of the datasets ``dataset_ids`` that exist."""
    return dict(Dataset.objects.filter(pk__in=list(dataset_ids)).values_list("pk", "coverage_footprint"))


def dataset_ids_for_coverage(resource_ids) -> list:
    """Ids of the datasets that hold one of ``resource_ids`` or already have a computed coverage (whose
    coverage ``ouvert.geo`` recomputes in bulk)."""
    with_resources = Resource.objects.filter(pk__in=resource_ids).values_list("dataset_id", flat=True)
    with_coverage = Dataset.objects.filter(coverage_west__isnull=False).values_list("pk", flat=True)
    return sorted(set(with_resources) | set(with_coverage), key=str)


from .reuses import *  # noqa: F401,F403,E402
