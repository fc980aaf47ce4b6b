"""Datasets and resources as CKAN dictionaries, and back.

Out (``dataset_to_ckan``): CKAN's keys (``package_show``), the bilingual fields under their own
keys (``title_fr``, ``title_en``, ``notes_fr``, ``notes_en``) and as ckanext-fluent does
(``title_translated``, ``notes_translated``; resources: ``name_translated``,
``description_translated``), then the fields received from another CKAN that Ouvert does not
model (``extra_fields``) back at the top level — they never hide a key Ouvert fills itself.

In (``ckan_to_dataset_data``): the reverse, a ``data`` dict for ``services.dataset_create`` /
``dataset_update``. Plain ``title``/``notes`` are French (the platform's first language) unless
fluent ``*_translated`` values are given. Keys computed by CKAN (``num_tags``,
``metadata_modified``, ``revision_id``…) are dropped; unknown keys are kept in ``extra_fields``.

Organisations: a core ``Organisation`` appears in CKAN as ``name`` = its slug and ``id`` = a
stable UUID derived from the slug (``organisation_ckan_id``: UUID 5 in a fixed namespace), so
the same organisation has the same id on every Ouvert instance. ``owner_org`` accepts that
UUID or the slug; when it is missing or unknown here (another CKAN's own UUID), the
``organization`` dict's ``name`` is tried.

Resources: a resource uploaded to another CKAN comes in as a link to its download address;
its declared ``size`` is kept whatever ``url_type`` says, and its checksum too: a SHA-256
(``sha256``, or ``hash`` with or without a ``sha256:`` prefix) lands in the resource's
``sha256``, any other ``hash`` (open.canada.ca has MD5 ones) in ``extra_fields["hash"]``.
Out, ``hash`` is the SHA-256 when known, else that kept value.

Licences: CKAN's historical ids are mapped to the registry's (``LICENCE_ALIASES``:
``cc-by`` → ``CC-BY-4.0``, ``ca-ogl-lgo`` → ``OGL-Canada-2.0``…).
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import Dataset, Resource, Tag, Theme

#: Namespace of the UUIDs that organisations carry in CKAN dictionaries.
ORGANISATION_NAMESPACE = uuid.UUID("5b0a6a0e-0f6c-5d0c-9a43-6f7576657274")

LICENCE_ALIASES = {
    "cc-by": "CC-BY-4.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa": "CC-BY-SA-4.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-zero": "CC0-1.0",
    "cc0": "CC0-1.0",
    "cc0-1.0": "CC0-1.0",
    "odc-odbl": "ODbL-1.0",
    "odbl-1.0": "ODbL-1.0",
    "odc-by": "ODC-BY-1.0",
    "odc-by-1.0": "ODC-BY-1.0",
    "odc-pddl": "PDDL-1.0",
    "pddl-1.0": "PDDL-1.0",
    "ca-ogl-lgo": "OGL-Canada-2.0",
    "ogl-canada-2.0": "OGL-Canada-2.0",
    "other-open": "other-open",
    "notspecified": "notspecified",
    "other-closed": "other-closed",
}

#: Keys CKAN computes or that Ouvert computes itself: never stored from an incoming dict.
COMPUTED_KEYS = frozenset({
    "num_resources", "num_tags", "metadata_created", "metadata_modified", "revision_id", "revision_timestamp",
    "creator_user_id", "isopen", "license_title", "license_url", "relationships_as_object",
    "relationships_as_subject", "tracking_summary", "organization", "owner_org", "state", "title_fr",
    "title_en", "notes_fr", "notes_en", "display_name",
})
RESOURCE_COMPUTED_KEYS = frozenset({
    "package_id", "revision_id", "revision_timestamp", "created", "last_modified", "metadata_modified",
    "state", "url_type", "position", "tracking_summary", "datastore_active", "cache_url", "cache_last_updated",
    "hash", "size", "mimetype", "name_fr", "name_en", "description_fr", "description_en", "download_url",
    "sha256", "version_number",
})

_FREQUENCIES = set(Dataset.Frequency.values)


def organisation_ckan_id(organisation) -> str:
    return str(uuid.uuid5(ORGANISATION_NAMESPACE, organisation.slug))


def organisation_to_ckan(organisation) -> dict:
    with override("fr"):
        title_fr = organisation.name_fr
    return {
        "id": organisation_ckan_id(organisation),
        "name": organisation.slug,
        "title": title_fr,
        "title_translated": {"fr": organisation.name_fr, "en": organisation.name_en or ""},
        "display_name": title_fr,
        "description": organisation.description_fr,
        "description_translated": {"fr": organisation.description_fr, "en": organisation.description_en},
        "image_url": "",
        "created": organisation.created_at.isoformat(timespec="microseconds").replace("+00:00", ""),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
    }


def organisation_resolve(value):
    """The core Organisation meant by a CKAN ``owner_org`` (our UUID or slug); None when unknown."""
    from ouvert.core.services import NotFound, organisation_get, organisation_list

    if isinstance(value, dict):
        value = value.get("name") or value.get("id")
    value = str(value or "").strip()
    if not value:
        return None
    try:
        as_uuid = uuid.UUID(value)
    except ValueError:
        as_uuid = None
    if as_uuid is not None:
        # The slug is what the UUID is derived from: compare against every organisation's id.
        for org in organisation_list():
            if organisation_ckan_id(org) == str(as_uuid):
                return org
        return None
    try:
        return organisation_get(slug=value)
    except NotFound:
        return None


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") if hasattr(value, "hour") \
        else value.isoformat()


def _absolute(url: str) -> str:
    return f"{settings.OUVERT_BASE_URL}{url}"


def resource_download_url(resource: Resource) -> str:
    """The current file's address, ending with its file name (expects ``current_version`` loaded)."""
    kwargs = {"name": resource.dataset.name, "resource_id": resource.pk}
    version = resource.current_version if resource.current_version_id else None
    with override("fr"):
        if version is not None and version.filename:
            return _absolute(reverse("catalog:resource_file", kwargs={**kwargs, "filename": version.filename}))
        return _absolute(reverse("catalog:resource_download", kwargs=kwargs))


def resource_to_ckan(resource: Resource) -> dict:
    """A resource as CKAN's ``resource_show`` gives it."""
    uploaded = resource.kind == Resource.Kind.UPLOAD
    name = resource.name_fr or resource.name_en
    description = resource.description_fr or resource.description_en
    result = {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "url": resource_download_url(resource) if uploaded else resource.url,
        "url_type": "upload" if uploaded else None,
        "name": name,
        "name_translated": {"fr": resource.name_fr, "en": resource.name_en},
        "description": description,
        "description_translated": {"fr": resource.description_fr, "en": resource.description_en},
        "format": resource.format,
        "mimetype": resource.media_type or None,
        "size": resource.size,
        # SHA-256 when Ouvert knows it (computed for a file, given for a link); otherwise a link's
        # checksum kept as the source gave it (open.canada.ca has MD5 ones).
        "hash": resource.sha256 or _text((resource.extra_fields or {}).get("hash")),
        "position": resource.position,
        "state": resource.state,
        "created": _iso(resource.created_at),
        "last_modified": _iso(resource.modified_at),
        "metadata_modified": _iso(resource.modified_at),
        "datastore_active": False,
    }
    if uploaded and resource.current_version_id:
        result["version_number"] = getattr(resource.current_version, "number", None)
    for key, value in (resource.extra_fields or {}).items():
        if result.get(key) is None:
            result[key] = value
    return result


def dataset_prefetch(queryset):
    """What a dataset's dictionaries and graphs read (CKAN, DCAT, schema.org), in a constant number of queries."""
    from django.db.models import Prefetch

    return queryset.select_related("organisation", "licence").prefetch_related(
        Prefetch("resources", queryset=_active_resources_queryset(), to_attr="active_resources"),
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("themes", queryset=Theme.objects.order_by("name")),
    )


def datasets_for_ckan(ids: list) -> list[Dataset]:
    """The datasets ``ids`` (in that order, missing ones left out) with what ``dataset_to_ckan``
    reads, in four plain queries: the same rows as ``dataset_prefetch`` without the generic prefetch
    machinery, which costs more than the queries themselves for a page of search results."""
    from collections import defaultdict

    if not ids:
        return []
    found = {d.pk: d for d in Dataset.objects.filter(pk__in=ids).select_related("organisation", "licence")
             .order_by()}
    resources, tags, themes = defaultdict(list), defaultdict(list), defaultdict(list)
    for resource in _active_resources_queryset().filter(dataset_id__in=ids):
        resources[resource.dataset_id].append(resource)
    for link in Dataset.tags.through.objects.filter(dataset_id__in=ids).select_related("tag"):
        tags[link.dataset_id].append(link.tag)
    for link in Dataset.themes.through.objects.filter(dataset_id__in=ids).select_related("theme"):
        themes[link.dataset_id].append(link.theme)
    datasets = []
    for pk in ids:
        dataset = found.get(pk)
        if dataset is not None:
            dataset.active_resources = resources[pk]
            dataset.loaded_tags, dataset.loaded_themes = tags[pk], themes[pk]
            datasets.append(dataset)
    return datasets


def _active_resources_queryset():
    return (Resource.objects.filter(state=Resource.State.ACTIVE).select_related("current_version")
            .order_by("position", "created_at"))


def active_resources(dataset: Dataset) -> list:
    """The dataset's active resources in order: prefetched by ``dataset_prefetch``, else one query."""
    resources = getattr(dataset, "active_resources", None)
    if resources is None:
        resources = list(_active_resources_queryset().filter(dataset=dataset))
    return resources


def _loaded(dataset: Dataset, relation: str):
    """The dataset's tags or themes: as ``datasets_for_ckan`` loaded them, else from the manager
    (prefetched by ``dataset_prefetch``, or one query)."""
    loaded = getattr(dataset, f"loaded_{relation}", None)
    return loaded if loaded is not None else getattr(dataset, relation).all()


def dataset_to_ckan(dataset: Dataset) -> dict:
    """A dataset as CKAN's ``package_show`` gives it (plus Ouvert's bilingual keys)."""
    resources = active_resources(dataset)
    for resource in resources:
        resource.dataset = dataset  # avoid a query per resource for the download address
    tags = sorted(_loaded(dataset, "tags"), key=lambda t: t.name.lower())
    themes = sorted(_loaded(dataset, "themes"), key=lambda t: t.name)
    licence = dataset.licence
    org = dataset.organisation
    extra = dict(dataset.extra_fields or {})
    result = {
        "id": str(dataset.pk),
        "name": dataset.name,
        "type": extra.pop("type", None) or "dataset",
        "title": dataset.title_fr or dataset.title_en,
        "title_fr": dataset.title_fr,
        "title_en": dataset.title_en,
        "title_translated": {"fr": dataset.title_fr, "en": dataset.title_en},
        "notes": dataset.notes_fr or dataset.notes_en,
        "notes_fr": dataset.notes_fr,
        "notes_en": dataset.notes_en,
        "notes_translated": {"fr": dataset.notes_fr, "en": dataset.notes_en},
        "owner_org": organisation_ckan_id(org),
        "organization": organisation_to_ckan(org),
        "private": dataset.private,
        "state": dataset.state,
        "license_id": licence.pk,
        "license_title": licence.title_fr,
        "license_url": licence.url,
        "isopen": licence.is_open,
        "author": dataset.author,
        "author_email": dataset.author_email,
        "maintainer": dataset.maintainer,
        "maintainer_email": dataset.maintainer_email,
        "url": dataset.url,
        "version": dataset.version,
        "metadata_created": _iso(dataset.created_at),
        "metadata_modified": _iso(dataset.modified_at),
        "creator_user_id": None,
        "resources": [resource_to_ckan(r) for r in resources],
        "num_resources": len(resources),
        "tags": [{"id": str(t.pk), "name": t.name, "display_name": t.name, "state": "active",
                  "vocabulary_id": None} for t in tags],
        "num_tags": len(tags),
        "groups": [{"id": str(t.pk), "name": t.name, "title": t.title_fr, "display_name": t.title_fr,
                    "description": t.description_fr, "image_display_url": t.image_url} for t in themes],
        "extras": [{"key": k, "value": v} for k, v in sorted((dataset.extras or {}).items())],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
    # Ouvert's own metadata, only when filled, so that a CKAN field of the same name kept in
    # ``extra_fields`` (open.canada.ca's ``frequency: "as_needed"``) still comes back out.
    optional = {
        "frequency": dataset.frequency,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        "spatial_name": dataset.spatial_name,
        "bbox": ([dataset.bbox_west, dataset.bbox_south, dataset.bbox_east, dataset.bbox_north]
                 if dataset.bbox_west is not None else None),
        "keywords": dataset.keywords or None,
        "languages": dataset.languages or None,
    }
    for key, value in optional.items():
        if value:
            result[key] = value
    for key, value in extra.items():
        if result.get(key) in (None, ""):
            result[key] = value
    return result


# --- Extension hook: what other modules add to ``package_show`` ------------------------------
#: ``func(dataset) -> dict``: keys another module adds to one dataset's ``package_show`` answer
#: (never to ``package_search`` results, which stay lean, nor to activity snapshots). A key the
#: dictionary already has is never replaced. The quality module adds ``quality``.
PACKAGE_SHOW_CONTRIBUTORS: list = []
#: The keys those contributors add: computed, so ignored when a client sends them back (the
#: ``package_update`` of an edited ``package_show`` answer).
CONTRIBUTED_KEYS: set = set()


def package_show_contributor_register(func, *, keys=()) -> None:
    """Add ``func(dataset) -> dict`` to ``PACKAGE_SHOW_CONTRIBUTORS`` (once); ``keys``: those it adds."""
    if func not in PACKAGE_SHOW_CONTRIBUTORS:
        PACKAGE_SHOW_CONTRIBUTORS.append(func)
    CONTRIBUTED_KEYS.update(keys)


def dataset_to_ckan_show(dataset: Dataset) -> dict:
    """``dataset_to_ckan`` with what ``PACKAGE_SHOW_CONTRIBUTORS`` add: ``package_show``'s answer.
    A contributor that fails is logged and left out."""
    import logging

    result = dataset_to_ckan(dataset)
    for func in list(PACKAGE_SHOW_CONTRIBUTORS):
        try:
            extra = func(dataset) or {}
        except Exception:
            logging.getLogger("ouvert.catalog.ckan").exception("package_show contributor %r failed", func)
            continue
        for key, value in extra.items():
            result.setdefault(key, value)
    return result


# --- In ------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _translated(package: dict, key: str) -> tuple[str, str]:
    """(fr, en) from ``<key>_translated`` (fluent), ``<key>_fr``/``<key>_en``, or plain ``<key>``."""
    fluent = package.get(f"{key}_translated")
    fr = en = None
    if isinstance(fluent, dict):
        fr, en = fluent.get("fr"), fluent.get("en")
    if fr is None and f"{key}_fr" in package:
        fr = package.get(f"{key}_fr")
    if en is None and f"{key}_en" in package:
        en = package.get(f"{key}_en")
    if fr is None and en is None:
        fr = package.get(key)
    return _text(fr), _text(en)


def _names(items, key: str = "name") -> list:
    names = []
    for item in items or []:
        if isinstance(item, dict):
            value = item.get(key) or item.get("id") or item.get("display_name")
        else:
            value = item
        if value is not None:
            names.append(value if isinstance(value, str) else str(value))
    return names


def _plausible_url(value: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https", "ftp") and bool(parts.netloc)


def ckan_licence_id(value) -> str:
    value = _text(value).strip()
    return LICENCE_ALIASES.get(value.lower(), value)


def ckan_to_dataset_data(package: dict) -> dict:
    """A ``data`` dict for ``dataset_create``/``dataset_update`` from a CKAN package dict.

    ``organisation`` is set (a core Organisation) when ``owner_org`` or ``organization`` names
    one; an unknown organisation is a ``ValidationError`` on ``owner_org``.
    """
    if not isinstance(package, dict):
        raise ValidationError({"__all__": [_("Un jeu de données CKAN doit être un objet JSON.")]})
    data: dict = {}
    known = {"id", "name", "title", "title_translated", "notes", "notes_translated", "license_id",
             "tags", "groups", "extras", "private", "author", "author_email", "maintainer",
             "maintainer_email", "url", "version", "resources", "type", "keywords", "frequency",
             "temporal_start", "temporal_end", "spatial_name", "bbox", "languages"}
    if package.get("id"):
        data["id"] = package["id"]
    if "name" in package:
        data["name"] = _text(package.get("name"))
    if any(k in package for k in ("title", "title_translated", "title_fr", "title_en")):
        data["title_fr"], data["title_en"] = _translated(package, "title")
    if any(k in package for k in ("notes", "notes_translated", "notes_fr", "notes_en")):
        data["notes_fr"], data["notes_en"] = _translated(package, "notes")
    extra_fields = {}
    for key in ("author", "author_email", "maintainer", "maintainer_email", "url", "version"):
        if key in package:
            data[key] = _text(package[key])
    if data.get("url") and not _plausible_url(data["url"]):
        # open.canada.ca has ``"url": "{'fr': u'', 'en': u''}"``: kept verbatim, not as the source address.
        extra_fields["url"] = package["url"]
        data["url"] = ""
    if "private" in package:
        value = package["private"]
        data["private"] = value if isinstance(value, bool) else _text(value).lower() in {"true", "1", "yes"}
    if package.get("state") in {"draft", "active"}:
        data["state"] = package["state"]
    if package.get("license_id") not in (None, ""):
        data["licence"] = ckan_licence_id(package["license_id"])
    if "tags" in package:
        data["tags"] = _names(package["tags"])
    if "groups" in package:
        data["themes"] = _names(package["groups"])
    if "extras" in package:
        extras = package["extras"]
        if isinstance(extras, dict):
            data["extras"] = {str(k): _text(v) for k, v in extras.items()}
        else:
            data["extras"] = {str(e.get("key")): _text(e.get("value")) for e in extras or []
                              if isinstance(e, dict) and e.get("key") is not None}
    # Ouvert's own metadata under Ouvert's keys (as ``dataset_to_ckan`` writes them).
    frequency = package.get("frequency")
    if frequency in _FREQUENCIES:
        data["frequency"] = frequency
    elif frequency not in (None, ""):
        extra_fields["frequency"] = frequency
    keywords = package.get("keywords")
    if isinstance(keywords, dict):
        data["keywords"] = keywords
    elif keywords not in (None, "", []):
        extra_fields["keywords"] = keywords
    for key in ("temporal_start", "temporal_end", "spatial_name", "languages"):
        if package.get(key) not in (None, ""):
            data[key] = package[key]
    bbox = package.get("bbox")
    if isinstance(bbox, list | tuple) and len(bbox) == 4:
        data["bbox_west"], data["bbox_south"], data["bbox_east"], data["bbox_north"] = bbox
    elif bbox not in (None, "", []):
        extra_fields["bbox"] = bbox
    # ckanext-spatial's ``spatial`` (a GeoJSON geometry), kept verbatim, declares the box too; unless it
    # is the coverage Ouvert computed (``spatial_source`` of ``package_show``) sent back.
    spatial = package.get("spatial")
    if "spatial" in package and package.get("spatial_source") != "computed":
        extra_fields["spatial"] = spatial
        if spatial not in (None, "") and "bbox_west" not in data:
            from .dcat import _geometry_bbox

            box = _geometry_bbox(json.dumps(spatial) if isinstance(spatial, dict) else spatial)
            if box:
                data["bbox_west"], data["bbox_south"], data["bbox_east"], data["bbox_north"] = box
    kind = package.get("type")
    if kind not in (None, "", "dataset"):
        extra_fields["type"] = kind
    ignored = known | COMPUTED_KEYS | CONTRIBUTED_KEYS
    for key, value in package.items():
        if key not in ignored:
            extra_fields[key] = value
    if extra_fields or any(k not in ignored for k in package):
        data["extra_fields"] = extra_fields
    if "resources" in package:
        resources = package.get("resources")
        if not isinstance(resources, list):
            raise ValidationError({"resources": [_("« resources » doit être une liste.")]})
        data["resources"] = [ckan_to_resource_data(r) for r in resources]
    # ``owner_org`` is often the source CKAN's own UUID: the ``organization`` dict's name
    # (the slug) is tried next.
    candidates = [c for c in (package.get("owner_org"), package.get("organization")) if c]
    if candidates:
        owner = candidates[0]
        org = next((o for o in map(organisation_resolve, candidates) if o is not None), None)
        if org is None:
            label = owner.get("name") if isinstance(owner, dict) else owner
            raise ValidationError({"owner_org": [_("Organisation « %(name)s » introuvable.")
                                                 % {"name": _text(label)[:100]}]})
        data["organisation"] = org
    return data


def _sha256_of(value) -> str:
    """``value`` as a lower-case SHA-256 hex digest (``sha256:`` prefix allowed), or ``""``."""
    if not isinstance(value, str):
        return ""
    value = value.strip().lower()
    if value.startswith("sha256:") or value.startswith("sha-256:"):
        value = value.split(":", 1)[1].strip()
    return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else ""


def ckan_to_resource_data(res: dict) -> dict:
    """A ``data`` dict for ``resource_create``/``resource_update`` from a CKAN resource dict."""
    if not isinstance(res, dict):
        raise ValidationError({"resources": [_("Chaque ressource doit être un objet JSON.")]})
    data: dict = {}
    known = {"id", "url", "name", "name_translated", "description", "description_translated", "format",
             "mimetype", "mimetype_inner", "resource_type", "size"}
    if res.get("id"):
        data["id"] = res["id"]
    if "url" in res:
        data["url"] = _text(res.get("url"))
    if any(k in res for k in ("name", "name_translated", "name_fr", "name_en")):
        data["name_fr"], data["name_en"] = _translated(res, "name")
    if any(k in res for k in ("description", "description_translated", "description_fr", "description_en")):
        data["description_fr"], data["description_en"] = _translated(res, "description")
    if "format" in res:
        data["format"] = _text(res.get("format"))
    if res.get("mimetype"):
        data["media_type"] = _text(res["mimetype"])
    extra = {}
    for key, value in res.items():
        if key in ("mimetype_inner", "resource_type") or (key not in known and key not in RESOURCE_COMPUTED_KEYS):
            extra[key] = value
    if res.get("url_type") not in (None, "", "upload"):
        extra["url_type"] = res["url_type"]
    # The size the source declares, whatever its ``url_type``: a file uploaded to another CKAN
    # arrives here as a link to its download address, and its size is still the file's.
    # (For a resource whose file Ouvert holds, the services keep the measured size.)
    size = res.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        data["size"] = size
    elif isinstance(size, str) and size.strip().isdigit():
        data["size"] = int(size.strip())
    # A checksum: a SHA-256 lands in ``sha256`` (``sha256:`` prefix accepted), anything else
    # (CKAN's free-form ``hash``, often an MD5) is kept verbatim in ``extra_fields["hash"]``.
    digest = _sha256_of(res.get("sha256")) or _sha256_of(res.get("hash"))
    if digest:
        data["sha256"] = digest
    elif res.get("hash") not in (None, ""):
        extra["hash"] = _text(res["hash"])[:500]
    if extra:
        data["extra_fields"] = extra
    return data
