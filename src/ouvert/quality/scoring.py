"""Metadata quality scores: computed from the catalogue's facts in bulk, kept up to date, summarised.

- ``scores_recompute(ids=None, progress=None)`` scores the datasets ``ids`` (every dataset that is not
  deleted when None) and upserts their ``DatasetScore``; a dataset asked for that is deleted or gone
  loses its score. The rules are ``mqa``'s; the facts come from ``catalog.services.dataset_facts``
  (a constant number of queries per chunk of 2,000 datasets) and the links' availability from
  ``LinkState`` (one query per chunk). The availability part calls it with the datasets whose link
  state changed.
- A dataset listener rescores a dataset when the catalogue commits a change (metadata or resources);
  deleting or purging it removes its score. ``score_for(dataset)`` reads a dataset's score (computing
  it when missing).
- ``snapshot_take(date=None)``: the day's ``QualitySnapshot`` of the public published datasets, for
  the catalogue and each publisher (upserted: one row per day and scope). The periodic job
  ``quality.snapshot`` (hourly) takes it when the day has none yet; ``quality.scores_refresh``
  (daily, a background task) rescores everything, since scores also move without any change to the
  dataset (a declared frequency that lapses, links checked).
- Dashboards: ``quality_summary`` (averages, rating distribution, per-dimension averages, trend,
  publishers), ``datasets_losing_points`` (sortable, paged); ``score_detail`` (a score with every
  check's label and fix in the active language) for the dataset panel and the API.

What counts where: summaries and snapshots cover the public published datasets (what everyone can
see); the list of datasets losing points shows what the reader may see (members see their drafts
and private datasets too).
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from . import mqa
from .models import Certification, DatasetScore, LinkState, QualitySnapshot, Rating

__all__ = [
    "scores_recompute",
    "score_for",
    "score_detail",
    "score_summary",
    "snapshot_take",
    "snapshot_job",
    "quality_summary",
    "quality_trend",
    "datasets_losing_points",
    "score_fix_text",
]

score_fix_text = mqa.fix_text

#: Datasets per chunk of ``scores_recompute`` (one transaction each).
CHUNK_SIZE = 2000
_SCORE_FIELDS = ["organisation", "points", "max_points", "rating", "findability", "accessibility",
                 "interoperability", "reusability", "contextuality", "udata_passed", "udata_total", "checks",
                 "computed_at"]


# --- Computing ---------------------------------------------------------------------------------

def _link_states(dataset_ids: list) -> dict:
    """``{resource id: available}`` for the link resources of ``dataset_ids`` (one query)."""
    return dict(LinkState.objects.filter(resource__dataset_id__in=dataset_ids)
                .values_list("resource_id", "available"))


def _score(facts: dict, links: dict, now: datetime.datetime) -> tuple:
    """One dataset's score as the values of ``_COLUMNS`` (``checks`` as JSON text)."""
    result = mqa.evaluate(facts, links, now=now)
    dimensions = result["dimensions"]
    return (facts["id"], facts["organisation_id"], result["points"], result["max_points"], result["rating"],
            dimensions["findability"], dimensions["accessibility"], dimensions["interoperability"],
            dimensions["reusability"], dimensions["contextuality"], result["udata_passed"], result["udata_total"],
            json.dumps(result["checks"], separators=(",", ":")), now)


#: The model fields ``_score`` gives values for, in that order.
_COLUMNS = ["dataset", *_SCORE_FIELDS]


def _upsert(rows: list[tuple]) -> None:
    """Insert or replace the scores ``rows`` (``_score``'s tuples) in one transaction: one
    ``INSERT … ON CONFLICT DO UPDATE`` (both databases have it), sent without Django's per-field
    preparation of 14 values × 2,000 rows (``bulk_create`` spent as long on it as on scoring)."""
    fields = [DatasetScore._meta.get_field(name) for name in _COLUMNS]
    quote = connection.ops.quote_name
    table = quote(DatasetScore._meta.db_table)
    columns = [quote(field.column) for field in fields]
    names = ", ".join(columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[1:])
    upsert = f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _upsert_postgresql(cursor, rows, table, names, upsert)
            return
        # SQLite: values as Django stores them (UUIDs as 32 hex digits, times as UTC text).
        pk, moment = fields[0], fields[-1]
        computed_at = {}
        params = []
        for row in rows:
            when = row[-1]
            if when not in computed_at:
                computed_at[when] = moment.get_db_prep_value(when, connection)
            params.append((pk.get_db_prep_value(row[0], connection), *row[1:-1], computed_at[when]))
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders}) {upsert}", params)


def _upsert_postgresql(cursor, rows: list[tuple], table: str, names: str, upsert: str) -> None:
    """PostgreSQL: ``COPY`` into a temporary table, then ``INSERT … SELECT … ON CONFLICT``.

    Parameters would go through Django's client-side binding, where psycopg escapes every quote of
    the ``checks`` JSON in Python (4 KB per score): the upsert of 100,000 scores took a minute.
    """
    cursor.execute(f"CREATE TEMPORARY TABLE quality_score_load (LIKE {table}) ON COMMIT DROP")
    with cursor.cursor.copy(f"COPY quality_score_load ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((str(row[0]), *row[1:]))
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM quality_score_load {upsert}")
    # Dropped at once: inside an outer transaction (a test, a caller's atomic block) the commit that
    # would drop it is not this one.
    cursor.execute("DROP TABLE quality_score_load")


def scores_recompute(ids: Iterable | None = None, progress: Callable | None = None) -> int:
    """Score the datasets ``ids`` (dataset ids or names are not accepted: ids; every dataset when None)
    and store their scores; returns how many were scored. ``progress(done, total)`` after each chunk."""
    from ouvert.catalog import services as catalog_services

    ids = None if ids is None else list(ids)
    now = timezone.now()
    total = catalog_services.dataset_facts_count(ids)
    done = 0
    seen = set()
    if progress is not None:
        progress(0, total)
    for chunk in catalog_services.dataset_facts(ids, chunk_size=CHUNK_SIZE):
        links = _link_states([facts["id"] for facts in chunk])
        rows = [_score(facts, links, now) for facts in chunk]
        _upsert(rows)
        done += len(rows)
        if ids is not None:
            seen.update(str(facts["id"]) for facts in chunk)
        if progress is not None:
            progress(done, total)
    if ids is None:
        DatasetScore.objects.filter(dataset__state="deleted").delete()
    else:
        gone = [value for value in ids if str(value) not in seen]
        if gone:
            valid = []
            for value in gone:
                try:
                    valid.append(DatasetScore._meta.pk.to_python(value))
                except ValidationError:
                    continue
            DatasetScore.objects.filter(dataset_id__in=valid).delete()
    _summaries_changed()
    return done


def on_dataset_changed(event: str, dataset_id) -> None:
    """The dataset listener (``core.registry``): rescore on every committed change; a deleted dataset
    loses its score (a purged one lost it with its row)."""
    if event in ("deleted", "purged"):
        DatasetScore.objects.filter(dataset_id=dataset_id).delete()
        _summaries_changed()
        return
    scores_recompute(ids=[dataset_id])


def score_for(dataset) -> DatasetScore | None:
    """The dataset's score; computed now when it has none yet (None for a deleted dataset)."""
    score = DatasetScore.objects.filter(dataset_id=dataset.pk).first()
    if score is None and getattr(dataset, "state", "") != "deleted":
        scores_recompute(ids=[dataset.pk])
        score = DatasetScore.objects.filter(dataset_id=dataset.pk).first()
    return score


def _percent(points, maximum) -> int:
    return int(round(100 * (points or 0) / maximum)) if maximum else 0


def score_summary(score: DatasetScore) -> dict:
    """The short form (CKAN ``package_show``'s ``quality`` key): points, rating, points per dimension."""
    return {"points": score.points, "max_points": score.max_points, "rating": score.rating,
            "dimensions": {name: getattr(score, name) for name in mqa.DIMENSIONS}}


def score_detail(score: DatasetScore) -> dict:
    """A score with everything a reader needs, texts in the active language: the rating's label,
    each dimension (points, maximum, percentage), and every check with its label and fix."""
    checks = []
    for check in score.checks or []:
        checks.append({**check, "label": mqa.check_label(check.get("id", "")),
                       "lost": (check.get("max") or 0) - (check.get("points") or 0),
                       "dimension_label": mqa.dimension_label(check.get("dimension", "")),
                       "fix_text": mqa.fix_text(check.get("fix")) if not check.get("passed") else ""})
    dimensions = [{"id": name, "label": mqa.dimension_label(name), "points": getattr(score, name),
                   "max": maximum, "percent": _percent(getattr(score, name), maximum),
                   "missed": [c for c in checks if c["dimension"] == name and not c["passed"]]}
                  for name, maximum in mqa.DIMENSIONS.items()]
    udata = [c for c in checks if c["dimension"] == mqa.UDATA]
    return {
        "points": score.points, "max_points": score.max_points, "percent": _percent(score.points, score.max_points),
        "rating": score.rating, "rating_label": str(Rating(score.rating).label),
        "dimensions": dimensions, "checks": checks,
        "missed": [c for c in checks if not c["passed"] and c["dimension"] != mqa.UDATA],
        "udata": {"passed": score.udata_passed, "total": score.udata_total, "checks": udata,
                  "missed": [c for c in udata if not c["passed"]]},
        "computed_at": score.computed_at,
    }


# --- Summaries and snapshots --------------------------------------------------------------------

def _public_dataset_ids():
    from ouvert.catalog import services as catalog_services

    return catalog_services.dataset_visible_queryset(None, include_private=False, include_drafts=False).values("pk")


def _aggregates() -> dict:
    values = {"datasets": Count("pk"), "average_points": Avg("points")}
    for rating in mqa.RATINGS:
        values[rating] = Count("pk", filter=Q(rating=rating))
    for name in mqa.DIMENSIONS:
        values[f"avg_{name}"] = Avg(name)
    values["avg_udata"] = Avg("udata_passed")
    return values


def _clean(row: dict) -> dict:
    """Aggregates as the pages and the API give them (rounded averages, dimensions together)."""
    datasets = row.get("datasets") or 0
    return {
        "datasets": datasets,
        "average_points": round(row.get("average_points") or 0, 1),
        "average_percent": _percent(row.get("average_points") or 0, mqa.MAX_POINTS),
        "ratings": {rating: row.get(rating) or 0 for rating in mqa.RATINGS},
        "dimensions": {name: round(row.get(f"avg_{name}") or 0, 1) for name in mqa.DIMENSIONS},
        "udata_average": round(row.get("avg_udata") or 0, 2),
    }


def _public_scores():
    return DatasetScore.objects.filter(dataset_id__in=_public_dataset_ids())


def snapshot_take(date: datetime.date | None = None) -> dict:
    """Store the day's snapshot (``date``: today by default) of the public published datasets' scores,
    for the catalogue and each publisher that has some; taking it again the same day replaces it.
    Returns ``{"date", "organisations", "catalogue": {...}}``."""
    date = date or timezone.localdate()
    scores = _public_scores()
    catalogue = scores.order_by().aggregate(**_aggregates())
    per_org = {row["organisation_id"]: row for row in
               scores.order_by().values("organisation_id").annotate(**_aggregates())}
    public = _public_dataset_ids()
    broken = dict(LinkState.objects.filter(available=False, resource__state="active",
                                           resource__dataset_id__in=public)
                  .order_by().values("organisation_id").annotate(n=Count("pk")).values_list("organisation_id", "n"))
    certified = dict(Certification.objects.filter(status=Certification.Status.CERTIFIED, dataset_id__in=public)
                     .order_by().values("dataset__organisation_id").annotate(n=Count("pk"))
                     .values_list("dataset__organisation_id", "n"))

    def fields(row: dict, broken_links: int, certified_count: int) -> dict:
        clean = _clean(row)
        return {"datasets": clean["datasets"], "average_points": clean["average_points"],
                **clean["ratings"], "dimensions": clean["dimensions"], "broken_links": broken_links,
                "certified": certified_count}

    with transaction.atomic():
        QualitySnapshot.objects.update_or_create(
            date=date, organisation=None,
            defaults=fields(catalogue, sum(broken.values()), sum(certified.values())))
        rows = [QualitySnapshot(date=date, organisation_id=org_id,
                                **fields(row, broken.get(org_id, 0), certified.get(org_id, 0)))
                for org_id, row in per_org.items()]
        QualitySnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["date", "organisation"],
            update_fields=["datasets", "average_points", *mqa.RATINGS, "dimensions", "broken_links", "certified"])
    _summaries_changed()
    return {"date": date, "organisations": len(rows), "catalogue": _clean(catalogue)}


def snapshot_job() -> bool:
    """The hourly ``quality.snapshot`` job: take today's snapshot unless it exists; True when taken."""
    today = timezone.localdate()
    if QualitySnapshot.objects.filter(date=today, organisation__isnull=True).exists():
        return False
    snapshot_take(today)
    return True


def scores_refresh_job() -> None:
    """The daily ``quality.scores_refresh`` job: rescore every dataset in the background."""
    from .scores_tasks import scores_recompute_task

    scores_recompute_task.enqueue()


#: How many days of trend the dashboards show.
TREND_DAYS = 365


def quality_trend(*, organisation=None, days: int = TREND_DAYS) -> list[dict]:
    """The stored daily snapshots of the catalogue (or of ``organisation``), oldest first."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    rows = QualitySnapshot.objects.filter(date__gte=since).order_by("date")
    rows = rows.filter(organisation=organisation) if organisation is not None else rows.filter(organisation__isnull=True)
    return [{"date": row.date, "datasets": row.datasets, "average_points": round(row.average_points, 1),
             "ratings": {rating: getattr(row, rating) for rating in mqa.RATINGS},
             "dimensions": row.dimensions or {}, "broken_links": row.broken_links, "certified": row.certified}
            for row in rows]


#: The dashboards' figures are kept this long in the cache (100,000 datasets: 0.6 s to compute), and
#: dropped at once when scores or snapshots change (``_summaries_changed``).
SUMMARY_CACHE_SECONDS = 300
_GENERATION_KEY = "quality:summary:generation"


def _summaries_changed() -> None:
    """Scores or snapshots changed: the cached summaries are stale (a new generation of keys)."""
    from django.core.cache import cache

    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 1, None)


def _summary_figures(organisation, with_publishers: bool) -> dict:
    """The numbers of ``quality_summary``, cached (no texts: they depend on the reader's language)."""
    from django.core.cache import cache

    generation = cache.get(_GENERATION_KEY, 0)
    key = f"quality:summary:{generation}:{organisation.pk if organisation is not None else '-'}:{int(with_publishers)}"
    figures = cache.get(key)
    if figures is not None:
        return figures
    scores = _public_scores()
    if organisation is not None:
        scores = scores.filter(organisation=organisation)
    figures = {"current": _clean(scores.order_by().aggregate(**_aggregates())),
               "trend": quality_trend(organisation=organisation)}
    if with_publishers:
        rows = (scores.order_by().values("organisation_id", slug=F("organisation__slug"),
                                         name_fr=F("organisation__name_fr"), name_en=F("organisation__name_en"))
                .annotate(**_aggregates()))
        publishers = [{"slug": row["slug"], "name_fr": row["name_fr"], "name_en": row["name_en"], **_clean(row)}
                      for row in rows]
        publishers.sort(key=lambda row: (-row["average_points"], row["name_fr"]))
        figures["publishers"] = publishers
    cache.set(key, figures, SUMMARY_CACHE_SECONDS)
    return figures


def quality_summary(*, organisation=None, with_publishers: bool = False) -> dict:
    """The current figures of the public published datasets (of ``organisation`` when given): counts,
    average points, rating distribution, average points per dimension; the trend; and, with
    ``with_publishers``, the same figures per publisher (best average first). Cached until the scores
    or the snapshots change (at most ``SUMMARY_CACHE_SECONDS``)."""
    figures = _summary_figures(organisation, with_publishers)
    current = figures["current"]
    result = {**figures,
              "dimensions": [{"id": name, "label": mqa.dimension_label(name), "max": maximum,
                              "average": current["dimensions"][name],
                              "percent": _percent(current["dimensions"][name], maximum)}
                             for name, maximum in mqa.DIMENSIONS.items()],
              "ratings": [{"id": rating, "label": str(Rating(rating).label), "count": current["ratings"][rating],
                           "percent": _percent(current["ratings"][rating], current["datasets"])}
                          for rating in mqa.RATINGS]}
    if with_publishers:
        result["publishers"] = [dict(row) for row in figures["publishers"]]
    return result


# --- The datasets losing the most points --------------------------------------------------------

#: ``tri`` values of the list: what they sort on (ascending first: the most points lost first).
SORTS = {
    "points": ("points", "dataset__name"),
    "-points": ("-points", "dataset__name"),
    "nom": ("dataset__title_fr", "dataset__name"),
    "-nom": ("-dataset__title_fr", "-dataset__name"),
    **{name: (name, "points", "dataset__name") for name in mqa.DIMENSIONS},
}
PER_PAGE = 25




def datasets_losing_points(*, user=None, organisation=None, sort: str = "points", page=1,
                           per_page: int = PER_PAGE) -> dict:
    """The datasets ``user`` may see (of ``organisation`` when given) with their scores, the most
    points lost first by default; ``sort`` is a key of ``SORTS`` (a dimension: the most points lost
    in it first). Returns ``{"items", "count", "page", "pages", "sort", "per_page"}``; a bad ``sort``
    or ``page`` is a ``ValidationError``."""
    from ouvert.catalog import services as catalog_services

    sort = sort or "points"
    if sort not in SORTS:
        raise ValidationError({"tri": [_("Tri inconnu « %(value)s » : choisissez parmi %(choices)s.")
                                       % {"value": str(sort)[:50], "choices": ", ".join(SORTS)}]})
    page = core_services.page_number(page)
    visible = catalog_services.dataset_visible_queryset(user).values("pk")
    scores = DatasetScore.objects.filter(dataset_id__in=visible)
    if organisation is not None:
        scores = scores.filter(organisation=organisation)
    count = scores.count()
    pages = max(1, math.ceil(count / per_page))
    if page > pages:
        raise ValidationError({"page": [_("La page %(page)s n’existe pas : la dernière est la page %(last)s.")
                                        % {"page": page, "last": pages}]})
    offset = (page - 1) * per_page
    rows = list(scores.order_by(*SORTS[sort]).values(
        "points", "max_points", "rating", *mqa.DIMENSIONS, "udata_passed", "udata_total",
        name=F("dataset__name"), title_fr=F("dataset__title_fr"), title_en=F("dataset__title_en"),
        state=F("dataset__state"), private=F("dataset__private"), organisation_slug=F("organisation__slug"),
        organisation_name_fr=F("organisation__name_fr"), organisation_name_en=F("organisation__name_en"),
    )[offset:offset + per_page])
    for row in rows:
        row["lost"] = row["max_points"] - row["points"]
        row["rating_label"] = str(Rating(row["rating"]).label)
    return {"items": rows, "count": count, "page": page, "pages": pages, "sort": sort, "per_page": per_page}


def demo_load(stdout=None) -> None:
    """``ouvert demo``: score every dataset and take today's snapshot (idempotent)."""
    count = scores_recompute()
    snapshot_take()
    if stdout is not None:
        stdout.write(f"qualité : {count} note(s) calculée(s), relevé du {timezone.localdate().isoformat()}\n")


# --- Registrations ------------------------------------------------------------------------------

def register() -> None:
    """The listener, the periodic jobs, the dataset panel, the menu link, DCAT's DQV and CKAN's key."""
    from django.utils.translation import gettext_lazy

    from ouvert.core import registry

    from . import scores_dcat, scores_views

    registry.register_dataset_listener(on_dataset_changed)
    registry.register_periodic("quality.snapshot", snapshot_job, every_seconds=3600)
    registry.register_periodic("quality.scores_refresh", scores_refresh_job, every_seconds=86400)
    registry.register_dataset_panel("quality", scores_views.dataset_panel, order=60)
    registry.register_menu_link(gettext_lazy("Qualité des données"), "quality:dashboard", order=31)
    # After every other demo content (the catalogue's is 30): scores, and today's snapshot for the trend.
    registry.register_demo_loader("quality.scores", demo_load, order=95)
    scores_dcat.register()
