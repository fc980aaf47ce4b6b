"""The catalogue in the search index (``ouvert.core.search``, kind ``"dataset"``).

A dataset's search document:

- title (ranks first): ``title_fr`` (French stems) and ``title_en`` (English stems);
- keywords: tag names, the per-language ``keywords``, theme titles;
- body: the descriptions (``notes_fr``, ``notes_en``), the spatial coverage, the publisher
  (names in both languages and acronym), and each active resource's names and format;
- filter terms (``dataset_terms``): state, private, "public" (published and not private: what
  everybody may see), publisher (its primary key), licence, tags, themes and the active
  resources' formats (lower-cased), so that ``package_search`` answers
  who may see what (``selectors.dataset_visibility``) and the usual ``fq`` filters inside the
  search engine.

``index_dataset`` is called by ``catalog.services`` inside the transaction of every write, so
the index never drifts from the data; a deleted dataset (``state = deleted``) is removed from
the index. Drafts and private datasets *are* indexed: the index says which datasets match, not
who may see them. ``search_datasets`` is therefore always given a queryset that is already
restricted to what the person may see (``selectors.dataset_visible_queryset``), and keeps
that restriction.

Changing an organisation's or a theme's name does not re-index its datasets by itself; run
``ouvert catalog reindex`` (or call ``reindex_datasets``) after such a rename.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db import models

from ouvert.core import search

from .models import Dataset, Resource

KIND = "dataset"
#: The filter term of the datasets everybody may see (published, not private).
PUBLIC_TERM = ("public", "1")
#: Datasets read per query by ``reindex_datasets``.
REINDEX_CHUNK = 2000


def _keywords_of(dataset: Dataset, tags, themes) -> list:
    items: list = [t.name for t in tags]
    keywords = dataset.keywords if isinstance(dataset.keywords, dict) else {}
    for lang, values in keywords.items():
        if isinstance(values, list):
            items += [(v, lang if lang in search.LANGUAGES else None) for v in values if isinstance(v, str)]
    for theme in themes:
        items += [(theme.title_fr, "fr"), (theme.title_en, "en")]
    return items


def document_fields(dataset: Dataset, *, tags=None, themes=None, resources=None) -> dict:
    """The raw fields of a dataset's search document (``search.index`` analyses them).

    ``tags``, ``themes`` and ``resources`` (active ones) default to the dataset's own,
    prefetched or queried.
    """
    tags = dataset.tags.all() if tags is None else tags
    themes = dataset.themes.all() if themes is None else themes
    if resources is None:
        resources = [r for r in dataset.resources.all() if r.state == Resource.State.ACTIVE]
    org = dataset.organisation
    body: list = [(dataset.notes_fr, "fr"), (dataset.notes_en, "en"), dataset.spatial_name,
                  (org.name_fr, "fr"), (org.name_en, "en"), org.acronym]
    for resource in resources:
        body += [(resource.name_fr, "fr"), (resource.name_en, "en"), resource.format]
    return {
        "title": [(dataset.title_fr, "fr"), (dataset.title_en, "en")],
        "keywords": _keywords_of(dataset, tags, themes),
        "body": body,
        "terms": dataset_terms(dataset, tags=tags, themes=themes, resources=resources),
    }


def dataset_terms(dataset: Dataset, *, tags, themes, resources) -> list[tuple[str, str]]:
    """The filter terms of a dataset (see the module docstring); ``resources`` are the active ones."""
    terms = [("state", dataset.state), ("private", "1" if dataset.private else "0"),
             ("org", str(dataset.organisation_id))]
    if dataset.state == Dataset.State.ACTIVE and not dataset.private:
        terms.append(PUBLIC_TERM)
    if dataset.licence_id:
        terms.append(("licence", dataset.licence_id))
    terms += [("tag", t.name) for t in tags]
    terms += [("group", t.name) for t in themes]
    terms += [("format", r.format.lower()) for r in resources if r.format]
    return terms


def index_dataset(dataset: Dataset) -> None:
    """Put ``dataset`` (as it is now in the database transaction) in the index, or take it out if deleted."""
    if dataset.state == Dataset.State.DELETED:
        remove_dataset(dataset.pk)
        return
    search.index(KIND, dataset.pk, **document_fields(dataset))


def remove_dataset(dataset_id) -> None:
    """Take a dataset out of the index (deleted or purged)."""
    search.remove(KIND, dataset_id)


def is_indexed(dataset_id) -> bool:
    return search.is_indexed(KIND, dataset_id)


def _reindex_queryset():
    active = Resource.objects.filter(state=Resource.State.ACTIVE).only(
        "id", "dataset_id", "name_fr", "name_en", "format", "state", "position", "created_at")
    return (Dataset.objects.exclude(state=Dataset.State.DELETED)
            .select_related("organisation")
            .prefetch_related("tags", "themes", models.Prefetch("resources", queryset=active))
            .order_by("pk"))


def _documents() -> Iterator[tuple[object, dict]]:
    for dataset in _reindex_queryset().iterator(chunk_size=REINDEX_CHUNK):
        yield dataset.pk, document_fields(dataset, tags=dataset.tags.all(), themes=dataset.themes.all(),
                                          resources=list(dataset.resources.all()))


def reindex_datasets(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole dataset index in one transaction; returns how many datasets were indexed.

    ``progress(done, total)`` is called after each batch.
    """
    total = Dataset.objects.exclude(state=Dataset.State.DELETED).count()
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    return search.reindex(KIND, _documents(), batch_size=REINDEX_CHUNK, progress=advance)


def search_datasets(queryset, q: str, *, rank: str = "search_rank"):
    """``queryset`` (datasets the person may see) restricted to full-text matches of ``q`` and annotated
    with ``rank`` (a float, higher is better; titles first). An empty ``q`` (or only stop words)
    keeps the queryset whole with ``rank`` 0. Composes with filters, facets, ordering and paging."""
    return search.search(KIND, queryset, q, rank=rank)


def cached(name: str, key, compute: Callable[[], object], *, seconds: int):
    """``compute()``, cached under ``name``, ``key`` (any JSON-able value) and the index's generation:
    any change to any dataset (every write re-indexes it, in its transaction) makes a new value;
    ``seconds`` bounds what the generation does not see (a renamed publisher, view counts)."""
    import hashlib
    import json

    from django.core.cache import cache

    digest = hashlib.sha256(json.dumps(key, default=str, sort_keys=True).encode()).hexdigest()
    cache_key = f"ouvert:catalog:{name}:{search.generation(KIND)}:{digest}"
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, seconds)
    return found


def match_datasets(q: str, terms=None):
    """The engine's query for ``q`` and the filter-term expression ``terms`` (``core.search.Match``), or
    ``None`` when ``q`` holds nothing to search."""
    return search.match(KIND, q, terms=terms)
