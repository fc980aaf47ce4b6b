"""The catalogue's datasets as plain facts, in bulk: what other modules compute over every dataset
(the quality module's metadata scores and certification criteria) without model instances.

``dataset_facts(ids=None, chunk_size=2000)`` yields lists of at most ``chunk_size`` dicts, one per
dataset that is not deleted (drafts and private datasets included: visibility is the reader's
business), in primary-key order. Each chunk costs a constant number of queries whatever its size
(four: datasets, tag counts, theme counts, active resources), all ``values()`` rows: no model
instance, no long text (descriptions are given as their lengths).

A dataset's dict:

- ``id`` (UUID), ``name``, ``state``, ``private``, ``created_at``, ``modified_at``;
- ``title_fr_length``, ``title_en_length``, ``notes_fr_length``, ``notes_en_length`` (characters);
- ``organisation_id``, ``organisation_slug``, ``organisation_name_fr``;
- ``licence_id``, ``licence_is_open``, ``licence_url``;
- ``author``, ``author_email``, ``maintainer``, ``maintainer_email``, ``url``, ``version``,
  ``frequency``, ``temporal_start``, ``temporal_end``, ``spatial_name``, ``has_bbox``,
  ``languages`` (list), ``keywords`` (dict language → list);
- from ``extras`` (ckanext-dcat's keys, as text, "" when absent): ``extra_access_rights``,
  ``extra_rights``, ``extra_theme``, ``extra_spatial_uri``;
- ``tag_count``, ``theme_count``;
- ``resources``: the active resources in page order (position, then creation), each
  ``{"id", "number" (1, 2… as the page shows them), "kind" ("link"/"upload"), "url", "format",
  "media_type", "size", "described" (a French or English description), "modified_at"}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Length

from .models import Dataset, Resource
from .selectors import as_uuid

DEFAULT_CHUNK_SIZE = 2000



_DATASET_FIELDS = (
    "id", "name", "state", "private", "created_at", "modified_at", "organisation_id", "licence_id",
    "author", "author_email", "maintainer", "maintainer_email", "url", "version", "frequency",
    "temporal_start", "temporal_end", "spatial_name", "languages", "keywords",
)


def _dataset_rows(queryset) -> list[dict]:
    rows = list(queryset.values(
        *_DATASET_FIELDS,
        title_fr_length=Length("title_fr"), title_en_length=Length("title_en"),
        notes_fr_length=Length("notes_fr"), notes_en_length=Length("notes_en"),
        organisation_slug=F("organisation__slug"), organisation_name_fr=F("organisation__name_fr"),
        licence_is_open=F("licence__is_open"), licence_url=F("licence__url"),
        has_bbox=ExpressionWrapper(Q(bbox_west__isnull=False), output_field=BooleanField()),
        extra_access_rights=KT("extras__access_rights"), extra_rights=KT("extras__rights"),
        extra_theme=KT("extras__theme"), extra_spatial_uri=KT("extras__spatial_uri"),
    ))
    for row in rows:
        for key in ("extra_access_rights", "extra_rights", "extra_theme", "extra_spatial_uri"):
            row[key] = (row[key] or "").strip() if isinstance(row[key], str) else ""
        row["has_bbox"] = bool(row["has_bbox"])
        row["keywords"] = row["keywords"] if isinstance(row["keywords"], dict) else {}
        row["languages"] = row["languages"] if isinstance(row["languages"], list) else []
    return rows


def _complete(rows: list[dict], *, contiguous: bool = False) -> list[dict]:
    """Add tag and theme counts and the active resources to ``rows`` (three queries).

    ``contiguous``: ``rows`` are every dataset between the first and the last (in primary-key order)
    that is not deleted; the related rows are then selected by that range rather than by a list of
    2,000 ids (the query is shorter to send and to plan), and those of deleted datasets in between
    are left out here.
    """
    if not rows:
        return rows
    ids = [row["id"] for row in rows]
    if contiguous:
        related = Q(dataset_id__gte=ids[0], dataset_id__lte=ids[-1])
    else:
        related = Q(dataset_id__in=ids)
    tags = dict(Dataset.tags.through.objects.filter(related).order_by()
                .values("dataset_id").annotate(n=Count("id")).values_list("dataset_id", "n"))
    themes = dict(Dataset.themes.through.objects.filter(related).order_by()
                  .values("dataset_id").annotate(n=Count("id")).values_list("dataset_id", "n"))
    resources = defaultdict(list)
    described = ExpressionWrapper(~Q(description_fr="") | ~Q(description_en=""), output_field=BooleanField())
    for resource in (Resource.objects.filter(related, state=Resource.State.ACTIVE)
                     .order_by("dataset_id", "position", "created_at")
                     .values("id", "dataset_id", "kind", "url", "format", "media_type", "size", "modified_at",
                             described=described)):
        items = resources[resource.pop("dataset_id")]
        resource["number"] = len(items) + 1
        resource["described"] = bool(resource["described"])
        items.append(resource)
    for row in rows:
        row["tag_count"] = tags.get(row["id"], 0)
        row["theme_count"] = themes.get(row["id"], 0)
        row["resources"] = resources.get(row["id"], [])
    return rows


def dataset_facts(ids: Iterable | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[list[dict]]:
    """Chunks of facts about the datasets ``ids`` (every dataset when None) that are not deleted.

    Unknown and deleted ids are left out (a caller compares what it asked with what came back).
    """
    chunk_size = max(1, int(chunk_size))
    base = Dataset.objects.exclude(state=Dataset.State.DELETED).order_by("pk")
    if ids is not None:
        wanted = sorted({found for found in map(as_uuid, ids) if found is not None})
        for start in range(0, len(wanted), chunk_size):
            rows = _dataset_rows(base.filter(pk__in=wanted[start:start + chunk_size]))
            if rows:
                yield _complete(rows)
        return
    last = None
    while True:
        queryset = base if last is None else base.filter(pk__gt=last)
        rows = _dataset_rows(queryset[:chunk_size])
        if not rows:
            return
        last = rows[-1]["id"]
        yield _complete(rows, contiguous=True)
        if len(rows) < chunk_size:
            return


def dataset_facts_count(ids: Iterable | None = None) -> int:
    """How many datasets ``dataset_facts(ids)`` gives (for progress bars)."""
    base = Dataset.objects.exclude(state=Dataset.State.DELETED)
    if ids is not None:
        base = base.filter(pk__in=[found for found in map(as_uuid, ids) if found is not None])
    return base.count()
