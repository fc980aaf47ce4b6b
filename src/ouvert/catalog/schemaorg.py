"""schema.org ``Dataset`` JSON-LD for dataset pages (what Google Dataset Search and others read).

``dataset_schemaorg(dataset, url=…)`` gives the dictionary; ``schemaorg_script(dataset, url=…)``
the ``<script type="application/ld+json">`` element ready to put in a page's ``<head>``, with
``<``, ``>`` and ``&`` escaped so that no text of the dataset can close the element.

Texts are in the active language (French when the English one is empty); the other language's
title is given as ``alternateName``. Expects the dataset with its organisation, licence, tags,
themes and resources (``ckan_dict.dataset_prefetch``); without them it
reads them with a few queries.
"""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import ckan_dict, dcat
from .models import Dataset, Resource


def _lang() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


def _pick(obj, field: str, lang: str) -> str:
    first, second = (f"{field}_en", f"{field}_fr") if lang == "en" else (f"{field}_fr", f"{field}_en")
    return (getattr(obj, first, "") or getattr(obj, second, "") or "").strip()


def _iso(value) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


def _distribution(resource: Resource, dataset: Dataset, lang: str) -> dict:
    result = {"@type": "DataDownload", "contentUrl": dcat._resource_access_url(resource, dataset)}
    name = _pick(resource, "name", lang)
    if name:
        result["name"] = name
    description = _pick(resource, "description", lang)
    if description:
        result["description"] = description
    encoding = resource.media_type or resource.format
    if encoding:
        result["encodingFormat"] = encoding
    size = resource.size
    if size is None and resource.current_version_id and resource.current_version is not None:
        size = resource.current_version.size
    if size is not None:
        result["contentSize"] = f"{size} B"
    sha256 = resource.sha256 or (resource.extra_fields or {}).get("hash", "")
    if sha256:
        result["sha256"] = sha256
    result["dateModified"] = _iso(resource.modified_at)
    return result


def dataset_schemaorg(dataset: Dataset, *, url: str | None = None) -> dict:
    """The schema.org ``Dataset`` of ``dataset``; ``url`` is its page (default: its DCAT URI)."""
    lang = _lang()
    other = "fr" if lang == "en" else "en"
    organisation = dataset.organisation
    org_uri = str(dcat.organisation_uri(organisation))
    title = _pick(dataset, "title", lang)
    result = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": str(dcat.dataset_uri(dataset)),
        "name": title,
        "description": _pick(dataset, "notes", lang) or title,
        "url": url or str(dcat.dataset_uri(dataset)),
        "identifier": str((dataset.extras or {}).get("identifier") or dataset.id),
        "isAccessibleForFree": True,
        "dateCreated": _iso(dataset.created_at),
        "datePublished": _iso(dataset.created_at),
        "dateModified": _iso(dataset.modified_at),
        "publisher": {"@type": "Organization", "@id": org_uri, "name": _pick(organisation, "name", lang),
                      "url": org_uri},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": dcat._site_name(),
                                  "url": f"{dcat.base_url()}/"},
    }
    alternate = getattr(dataset, f"title_{other}", "").strip()
    if alternate and alternate != title:
        result["alternateName"] = alternate
    creator = dict(result["publisher"])
    contact_name = dataset.maintainer or dataset.author
    contact_email = dataset.maintainer_email or dataset.author_email
    if contact_name or contact_email:
        point = {"@type": "ContactPoint", "contactType": "customer service"}
        if contact_name:
            point["name"] = contact_name
        if contact_email:
            point["email"] = contact_email
        creator["contactPoint"] = point
    result["creator"] = creator
    licence = dataset.licence
    result["license"] = licence.url or (dataset.extras or {}).get("license_uri") or _pick(licence, "title", lang)
    keywords = []
    per_language = dataset.keywords if isinstance(dataset.keywords, dict) else {}
    for word in list(per_language.get(lang) or []) + [t.name for t in dataset.tags.all()]:
        if isinstance(word, str) and word.strip() and word.strip().lower() not in {k.lower() for k in keywords}:
            keywords.append(word.strip())
    if keywords:
        result["keywords"] = keywords
    themes = [_pick(theme, "title", lang) or theme.name for theme in dataset.themes.all()]
    if themes:
        result["about"] = [{"@type": "Thing", "name": name} for name in themes]
    if isinstance(dataset.languages, list) and dataset.languages:
        result["inLanguage"] = list(dataset.languages)
    if dataset.version:
        result["version"] = dataset.version
    if dataset.url:
        result["sameAs"] = dataset.url
    if dataset.temporal_start or dataset.temporal_end:
        start = dataset.temporal_start.isoformat() if dataset.temporal_start else ".."
        end = dataset.temporal_end.isoformat() if dataset.temporal_end else ".."
        result["temporalCoverage"] = f"{start}/{end}"
    # The declared box, else the one computed from the geographic resources (``coverage_*``).
    box = (dataset.bbox_south, dataset.bbox_west, dataset.bbox_north, dataset.bbox_east)
    if None in box:
        box = (dataset.coverage_south, dataset.coverage_west, dataset.coverage_north, dataset.coverage_east)
    if dataset.spatial_name or all(v is not None for v in box):
        place = {"@type": "Place"}
        if dataset.spatial_name:
            place["name"] = dataset.spatial_name
        if all(v is not None for v in box):
            place["geo"] = {"@type": "GeoShape", "box": " ".join(str(v) for v in box)}
        result["spatialCoverage"] = place
    distributions = [_distribution(r, dataset, lang) for r in ckan_dict.active_resources(dataset)]
    if distributions:
        result["distribution"] = distributions
    return result


def schemaorg_json(dataset: Dataset, *, url: str | None = None) -> str:
    """``dataset_schemaorg`` as JSON safe inside a ``<script>`` element."""
    text = json.dumps(dataset_schemaorg(dataset, url=url), ensure_ascii=False, indent=None)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def schemaorg_script(dataset: Dataset, *, url: str | None = None) -> SafeString:
    """The ``<script type="application/ld+json">`` element of a dataset page."""
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(schemaorg_json(dataset, url=url)))
