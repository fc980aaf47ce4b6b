"""Availability of linked resources: the schedule, the history of checks, uptime, broken-link reports.

How it runs:

- Every active link resource of a dataset that is not deleted has a ``LinkState`` (kept in step by a
  resource listener and a dataset listener, and by ``link_states_sync`` from the periodic job). A
  new link, or a link whose address changed, is due at once: the next run checks it (at most ten
  minutes later).
- The periodic job ``quality.links`` (every 10 minutes) enqueues the background task
  ``links_check_task`` when links are due. ``links_check`` claims the due links by chunks (a lease,
  so that two workers never check the same link), checks them with ``linkcheck.check_many`` (thread
  pool, per-host limits, no SSRF), stores one ``LinkCheck`` per check (the history; rows older than
  ``OUVERT_LINKCHECK_KEEP_DAYS`` are pruned, except a link's latest) and updates its ``LinkState``.
- Schedule: an available link is checked again after ``OUVERT_LINKCHECK_INTERVAL_HOURS``; a failing
  one sooner: 1 hour after the first failure, then 2, 4, 8… hours, never more than the interval.
- A link is **broken** after ``OUVERT_LINKCHECK_FAILURES_BEFORE_BROKEN`` consecutive failed checks
  (no flapping on a single failure); ``broken_since`` is the time of the first of them. Its
  publisher's editors and admins are then notified once; again only after it recovered and broke
  again. A single success makes it available again. Before its first confirmed state a link's
  ``available`` is ``None`` (unknown).
- Each change of ``available`` asks the scores to be recomputed (``scoring.scores_recompute``).
- What the answer declares is compared with what the resource declares: the content type with the
  ``media_type`` (or the ``format``), the length with the ``size``: ``type_matches`` and
  ``length_matches`` (``None`` when nothing is declared, or the server's answer says nothing precise
  such as ``application/octet-stream``, or the link is not available). A mismatch is a warning, not
  a failure.

Uptime (``uptime``, ``uptime_for_datasets``) is **time-weighted**: each check's result holds from that
check until the next one (the last until now); the state at the start of the window is the last
check before it. So a broken link rechecked every hour does not weigh more than an available one
checked once a day. Uploaded files are served by the platform: 1.0. A link never checked: ``None``.
A dataset's uptime is that of its least available resource: ``None`` when one of its links has not
been checked yet, or when it has no resource at all.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from ouvert import __version__
from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import linkcheck
from .models import LinkCheck, LinkState

__all__ = [
    "LINKS_JOB",
    "link_states_sync",
    "links_check",
    "links_schedule",
    "links_prune",
    "link_record",
    "link_declared_matches",
    "link_states_for",
    "links_report",
    "report_state_labels",
    "links_panel",
    "resource_link_history",
    "uptime",
    "uptime_for_datasets",
]

LINKS_JOB = "quality.links"
LINKS_JOB_EVERY_SECONDS = 600
#: Links claimed and checked together; their lease (``next_check_at`` pushed forward) keeps other runs off.
CHUNK = 200
LEASE = datetime.timedelta(hours=2)
#: A failing link is checked again after this, doubled at each failure, up to the normal interval.
RETRY_AFTER = datetime.timedelta(hours=1)
EDITOR_ROLES = ("editor", "admin")
REPORT_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50


# --- Settings -------------------------------------------------------------------------

def _setting(name: str, default):
    return getattr(settings, name, default)


def _interval() -> datetime.timedelta:
    return datetime.timedelta(hours=float(_setting("OUVERT_LINKCHECK_INTERVAL_HOURS", 24)))


def _failures_before_broken() -> int:
    return max(1, int(_setting("OUVERT_LINKCHECK_FAILURES_BEFORE_BROKEN", 2)))


def _keep_days() -> int:
    return max(1, int(_setting("OUVERT_LINKCHECK_KEEP_DAYS", 90)))


def checker_config() -> linkcheck.Config:
    """The checker's settings: ``OUVERT_LINKCHECK_TIMEOUT``, ``…_MAX_REDIRECTS`` (what may be reached: ``core.net``),
    and a User-Agent naming Ouvert and ``OUVERT_BASE_URL``."""
    base_url = str(_setting("OUVERT_BASE_URL", "")).rstrip("/")
    agent = f"Ouvert/{__version__} (link checker; +{base_url})" if base_url else f"Ouvert/{__version__} (link checker)"
    return linkcheck.Config(
        timeout=float(_setting("OUVERT_LINKCHECK_TIMEOUT", linkcheck.DEFAULT_TIMEOUT)),
        max_redirects=int(_setting("OUVERT_LINKCHECK_MAX_REDIRECTS", linkcheck.DEFAULT_MAX_REDIRECTS)),
        user_agent=agent)


def _limiter() -> linkcheck.HostLimiter:
    return linkcheck.HostLimiter(
        concurrency=int(_setting("OUVERT_LINKCHECK_HOST_CONCURRENCY", linkcheck.DEFAULT_HOST_CONCURRENCY)),
        delay=float(_setting("OUVERT_LINKCHECK_HOST_DELAY", linkcheck.DEFAULT_HOST_DELAY)))


def _workers() -> int:
    return max(1, int(_setting("OUVERT_LINKCHECK_WORKERS", linkcheck.DEFAULT_WORKERS)))


# --- Identifiers ----------------------------------------------------------------------

def _uuids(values, field: str = "resource_ids") -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except (TypeError, ValueError, AttributeError):
            raise ValidationError({field: [_("Identifiant invalide : « %(value)s ».") % {"value": str(value)[:100]}]}) \
                from None
    return found


# --- States: kept in step with the catalogue ------------------------------------------

def link_states_sync(*, resource_ids: Iterable | None = None, dataset_ids: Iterable | None = None,
                     now: datetime.datetime | None = None) -> dict:
    """Create, update or remove the ``LinkState`` of the given resources (or of the given datasets'
    resources; of every resource when both are None), after the catalogue's active link resources.
    A link whose address changed since its last check starts afresh (unknown, due now). Returns
    ``{"created", "removed", "reset"}``. Rows as values, updates in bulk: cheap enough for the
    periodic job to run over the whole catalogue."""
    now = now or timezone.now()
    links = catalog_services.link_resources(resource_ids=None if resource_ids is None else _uuids(resource_ids))
    states = LinkState.objects.all()
    if resource_ids is not None:
        states = states.filter(resource_id__in=_uuids(resource_ids))
    if dataset_ids is not None:
        ids = _uuids(dataset_ids, "dataset_ids")
        links = links.filter(dataset_id__in=ids)
        states = states.filter(resource__dataset_id__in=ids)
    expected = {row["id"]: row for row in links.values("id", "url", "dataset_id", "organisation_id")}
    existing = {row["resource_id"]: row for row in states.values("resource_id", "organisation_id", "available",
                                                                 "last_check__url")}
    removed = [pk for pk in existing if pk not in expected]
    if removed:
        LinkState.objects.filter(resource_id__in=removed).delete()
    created = [LinkState(resource_id=pk, organisation_id=row["organisation_id"], next_check_at=now)
               for pk, row in expected.items() if pk not in existing]
    if created:
        LinkState.objects.bulk_create(created, ignore_conflicts=True)
    moved: dict = {}
    reset, changed_datasets = [], set()
    for pk, state in existing.items():
        row = expected.get(pk)
        if row is None:
            continue
        if state["organisation_id"] != row["organisation_id"]:
            moved.setdefault(row["organisation_id"], []).append(pk)
        if state["last_check__url"] is not None and state["last_check__url"] != row["url"]:
            reset.append(pk)
            if state["available"] is not None:
                changed_datasets.add(row["dataset_id"])
    for organisation_id, pks in moved.items():
        LinkState.objects.filter(resource_id__in=pks).update(organisation_id=organisation_id)
    if reset:
        LinkState.objects.filter(resource_id__in=reset).update(
            available=None, broken_since=None, consecutive_failures=0, notified_at=None, last_check=None,
            next_check_at=now)
    if changed_datasets:
        _scores_changed(changed_datasets)
    return {"created": len(created), "removed": len(removed), "reset": len(reset)}


def _on_resource(event: str, resource_id) -> None:
    link_states_sync(resource_ids=[resource_id])


def _on_dataset(event: str, dataset_id) -> None:
    if event in ("purged",):
        return  # the rows went with the resources (CASCADE)
    link_states_sync(dataset_ids=[dataset_id])


def _scores_changed(dataset_ids) -> None:
    """Ask helper A's scoring to recompute the datasets whose availability changed (when it exists)."""
    from . import scoring

    if dataset_ids and hasattr(scoring, "scores_recompute"):
        scoring.scores_recompute(ids=sorted(dataset_ids, key=str))


# --- Comparing with what is declared --------------------------------------------------

_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "application/binary",
                            "application/download", "application/force-download", "application/x-download",
                            "text/plain", ""})
_ZIP = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
_JSON = {"application/json", "text/json"}
_XML = {"application/xml", "text/xml"}
#: What a declared format may be served as (lower-case format → media types).
FORMAT_MEDIA_TYPES = {
    "csv": {"text/csv", "application/csv", "text/x-csv", "text/comma-separated-values",
            "application/vnd.ms-excel"},
    "tsv": {"text/tab-separated-values"},
    "txt": {"text/plain"},
    "json": _JSON | {"application/geo+json", "application/ld+json", "application/vnd.geo+json"},
    "geojson": _JSON | {"application/geo+json", "application/vnd.geo+json"},
    "jsonld": _JSON | {"application/ld+json"},
    "json-ld": _JSON | {"application/ld+json"},
    "xml": _XML | {"application/rdf+xml", "application/atom+xml", "application/rss+xml"},
    "rdf": {"application/rdf+xml"} | _XML,
    "ttl": {"text/turtle"},
    "turtle": {"text/turtle"},
    "html": {"text/html", "application/xhtml+xml"},
    "pdf": {"application/pdf"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "xls": {"application/vnd.ms-excel"},
    "ods": {"application/vnd.oasis.opendocument.spreadsheet"},
    "odt": {"application/vnd.oasis.opendocument.text"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "doc": {"application/msword"},
    "zip": _ZIP,
    "shp": _ZIP | {"application/x-shapefile", "application/vnd.shp"},
    "kml": {"application/vnd.google-earth.kml+xml"} | _XML,
    "kmz": {"application/vnd.google-earth.kmz"} | _ZIP,
    "gpkg": {"application/geopackage+sqlite3", "application/x-sqlite3"},
    "parquet": {"application/vnd.apache.parquet", "application/x-parquet"},
    "gml": {"application/gml+xml"} | _XML,
    "png": {"image/png"},
    "jpeg": {"image/jpeg"},
    "jpg": {"image/jpeg"},
    "gif": {"image/gif"},
    "svg": {"image/svg+xml"},
    "tiff": {"image/tiff"},
    "geotiff": {"image/tiff", "image/geotiff"},
    "gtfs": _ZIP,
    "ics": {"text/calendar"},
    "md": {"text/markdown", "text/x-markdown"},
}


def _base_type(value: str) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def link_declared_matches(*, content_type: str, content_length: int | None, media_type: str = "",
                          format: str = "", size: int | None = None) -> tuple[bool | None, bool | None]:
    """``(type_matches, length_matches)`` of an answer compared with what the resource declares (see the
    module's docstring); ``None`` where nothing can be compared."""
    served = _base_type(content_type)
    type_matches = None
    declared = _base_type(media_type)
    accepted = None
    if declared:
        accepted = {declared}
        for types in FORMAT_MEDIA_TYPES.values():
            if declared in types:
                accepted |= types if declared not in _GENERIC_TYPES else set()
    elif (format or "").strip():
        accepted = FORMAT_MEDIA_TYPES.get(format.strip().lower().lstrip("."))
    if accepted and served:
        if served in accepted:
            type_matches = True
        elif served not in _GENERIC_TYPES:
            type_matches = False
    length_matches = None
    if size is not None and size > 0 and content_length is not None:
        length_matches = int(size) == int(content_length)
    return type_matches, length_matches


# --- Checking ------------------------------------------------------------------------

def _next_check(now: datetime.datetime, failures: int) -> datetime.datetime:
    interval = _interval()
    if failures <= 0:
        return now + interval
    return now + min(interval, RETRY_AFTER * (2 ** min(failures - 1, 16)))


def link_record(*, resource: dict, result: linkcheck.LinkResult, now: datetime.datetime | None = None) -> dict:
    """Store one check of ``resource`` (a dict of ``catalog.services.link_resources``): a ``LinkCheck`` and
    the updated ``LinkState``; notify the publisher when the link has just become broken. Returns
    ``{"check", "state", "changed"}`` (``changed``: whether ``available`` changed)."""
    now = now or timezone.now()
    type_matches = length_matches = None
    if result.available:
        type_matches, length_matches = link_declared_matches(
            content_type=result.content_type, content_length=result.content_length,
            media_type=resource.get("media_type") or "", format=resource.get("format") or "",
            size=resource.get("size"))
    with transaction.atomic():
        state = LinkState.objects.select_for_update().filter(resource_id=resource["id"]).first()
        if state is None:
            try:
                with transaction.atomic():
                    state = LinkState.objects.create(resource_id=resource["id"],
                                                     organisation_id=resource["organisation_id"], next_check_at=now)
            except IntegrityError:
                state = LinkState.objects.select_for_update().get(resource_id=resource["id"])
        check = LinkCheck.objects.create(
            resource_id=resource["id"], url=result.url[:2000], checked_at=now, outcome=result.outcome,
            available=result.available, status=result.status, final_url=result.final_url[:2000],
            redirects=result.redirects, content_type=result.content_type[:200],
            content_length=result.content_length, type_matches=type_matches, length_matches=length_matches,
            response_ms=result.response_ms, message=result.message[:500])
        before = state.available
        state.last_check = check
        state.organisation_id = resource["organisation_id"]
        became_broken = False
        if result.available:
            state.consecutive_failures = 0
            state.available = True
            state.broken_since = None
            state.notified_at = None
        else:
            state.consecutive_failures += 1
            if state.consecutive_failures >= _failures_before_broken() and state.available is not False:
                state.available = False
                state.broken_since = _streak_start(resource["id"], state.consecutive_failures) or now
                became_broken = True
        state.next_check_at = _next_check(now, state.consecutive_failures)
        if became_broken and state.notified_at is None:
            if _notify_broken(state, resource, check):
                state.notified_at = now
        state.save()
    return {"check": check, "state": state, "changed": before != state.available}


def _streak_start(resource_id, failures: int) -> datetime.datetime | None:
    times = list(LinkCheck.objects.filter(resource_id=resource_id).order_by("-checked_at", "-pk")
                 .values_list("checked_at", flat=True)[:failures])
    return times[-1] if times else None


def _recipients(organisation) -> list:
    detail = core_services.organisation_detail(slug=organisation.slug)
    return [m.user for m in detail["members"] if m.role in EDITOR_ROLES and m.user.is_active]


def _notify_broken(state: LinkState, resource: dict, check: LinkCheck) -> bool:
    """Tell the publisher's editors and admins that a link is broken (in French); whether anyone was told."""
    organisation = state.organisation
    recipients = _recipients(organisation)
    if not recipients:
        return False
    found = catalog_services.resource_find(id=resource["id"])
    with translation.override(settings.LANGUAGE_CODE):
        dataset_title = found.dataset.title_fr if found is not None else ""
        resource_name = (found.name_fr or found.name_en) if found is not None else ""
        resource_name = resource_name or _("Ressource sans nom")
        reason = check.get_outcome_display()
        if check.status:
            reason = f"{reason} ({check.status})"
        if check.message:
            reason = f"{reason} — {check.message}"
        since = formats.date_format(timezone.localtime(state.broken_since), "DATETIME_FORMAT")
        url = reverse("quality:links_organisation", kwargs={"slug": organisation.slug})
        subject = _("Lien brisé : %(resource)s (%(dataset)s)") % {"resource": resource_name[:120],
                                                                   "dataset": dataset_title[:120]}
        body = _("Le lien de la ressource « %(resource)s » du jeu de données « %(dataset)s » ne répond plus "
                 "correctement depuis le %(since)s (%(failures)s vérifications consécutives en échec).\n\n"
                 "Adresse : %(url)s\nMotif : %(reason)s\n\n"
                 "Corrigez l’adresse de la ressource ou rétablissez le fichier sur le serveur. Vous ne serez "
                 "plus prévenu pour ce lien tant qu’il n’aura pas été rétabli. Le rapport des liens brisés de "
                 "votre organisation donne le détail.") % {
            "resource": resource_name, "dataset": dataset_title, "since": since,
            "failures": state.consecutive_failures, "url": check.url, "reason": reason}
    core_services.notify(recipients=recipients, subject=subject, body=body, url=url)
    return True


def _claim(ids: list, *, due_only: bool, now: datetime.datetime) -> list:
    """Push the ``next_check_at`` of ``ids`` forward (a lease unique to this run) and return those this
    run got: another run that claimed some meanwhile keeps them."""
    lease = now + LEASE + datetime.timedelta(microseconds=random.randint(1, 999_999))
    queryset = LinkState.objects.filter(resource_id__in=ids)
    if due_only:
        queryset = queryset.filter(next_check_at__lte=now)
    queryset.update(next_check_at=lease)
    return list(LinkState.objects.filter(resource_id__in=ids, next_check_at=lease)
                .values_list("resource_id", flat=True))


def links_check(*, resource_ids: Iterable | None = None, due_only: bool = True,
                progress: Callable[[int, int], None] | None = None, sync: bool = True,
                now: datetime.datetime | None = None) -> dict:
    """Check links and store the results: the due ones (``due_only``), or all; only ``resource_ids`` when
    given. ``progress(done, total)`` along the way. Returns ``{"checked", "available", "broken"}``
    (``broken``: checks that failed)."""
    ids = None if resource_ids is None else _uuids(resource_ids)
    if sync:
        link_states_sync(resource_ids=ids, now=now)
    started = now or timezone.now()
    targets = LinkState.objects.all()
    if ids is not None:
        targets = targets.filter(resource_id__in=ids)
    if due_only:
        targets = targets.filter(next_check_at__lte=started)
    target_ids = list(targets.order_by("next_check_at", "resource_id").values_list("resource_id", flat=True))
    total = len(target_ids)
    summary = {"checked": 0, "available": 0, "broken": 0}
    if progress is not None:
        progress(0, total)
    config, limiter, workers = checker_config(), _limiter(), _workers()
    changed_datasets = set()
    done = 0
    for start in range(0, total, CHUNK):
        chunk = target_ids[start:start + CHUNK]
        claimed = _claim(chunk, due_only=due_only, now=now or timezone.now())
        resources = {row["id"]: row for row in catalog_services.link_resources(resource_ids=claimed)}
        gone = [pk for pk in claimed if pk not in resources]
        if gone:
            LinkState.objects.filter(resource_id__in=gone).delete()
        items = [(pk, row["url"]) for pk, row in resources.items()]
        for pk, result in linkcheck.check_many(items, config, workers=workers, limiter=limiter):
            recorded = link_record(resource=resources[pk], result=result, now=now)
            summary["checked"] += 1
            summary["available" if result.available else "broken"] += 1
            if recorded["changed"]:
                changed_datasets.add(resources[pk]["dataset_id"])
            done += 1
            if progress is not None:
                progress(done, total)
        done += len(gone)
    if progress is not None:
        progress(total, total)
    _scores_changed(changed_datasets)
    return summary


def links_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the checks older than ``OUVERT_LINKCHECK_KEEP_DAYS`` (a link's latest check stays)."""
    limit = (now or timezone.now()) - datetime.timedelta(days=_keep_days())
    latest = LinkState.objects.filter(last_check__isnull=False).values("last_check_id")
    deleted, _detail = LinkCheck.objects.filter(checked_at__lt=limit).exclude(pk__in=latest).delete()
    return deleted


def links_schedule(*, now: datetime.datetime | None = None) -> bool:
    """The periodic job ``quality.links``: bring the states in step with the catalogue, then enqueue the
    check of the due links (once the transaction commits). Returns whether a task was enqueued."""
    from .tasks import links_check_task

    now = now or timezone.now()
    link_states_sync(now=now)
    if not LinkState.objects.filter(next_check_at__lte=now).exists():
        links_prune(now=now)
        return False
    transaction.on_commit(lambda: links_check_task.enqueue(due_only=True))
    return True


# --- Uptime ---------------------------------------------------------------------------

def _uploaded(resource_ids: list) -> set:
    return set(catalog_services.resource_versions(resource_ids=resource_ids)
               .values_list("resource_id", flat=True).distinct())


def _time_weighted(timeline: list[tuple], start: datetime.datetime, now: datetime.datetime) -> float | None:
    """``timeline``: ``(time, available)`` sorted, the first possibly before ``start`` (clipped to it)."""
    if not timeline:
        return None
    up = total = 0.0
    for index, (at, available) in enumerate(timeline):
        begin = max(at, start)
        end = timeline[index + 1][0] if index + 1 < len(timeline) else now
        span = max(0.0, (end - begin).total_seconds())
        total += span
        if available:
            up += span
    if total <= 0:
        return 1.0 if timeline[-1][1] else 0.0
    return up / total


def _link_uptimes(link_ids: list, start: datetime.datetime, now: datetime.datetime) -> dict:
    """``{link resource id: time-weighted share or None}``: two queries."""
    timelines: dict = {pk: [] for pk in link_ids}
    if not link_ids:
        return {}
    before = (LinkCheck.objects.filter(resource_id=OuterRef("resource_id"), checked_at__lt=start)
              .order_by("-checked_at", "-pk"))
    for row in (LinkState.objects.filter(resource_id__in=link_ids)
                .annotate(at=Subquery(before.values("checked_at")[:1]), was=Subquery(before.values("available")[:1]))
                .filter(at__isnull=False).values("resource_id", "at", "was")):
        timelines[row["resource_id"]].append((row["at"], row["was"]))
    for resource_id, at, available in (LinkCheck.objects.filter(resource_id__in=link_ids, checked_at__gte=start,
                                                                checked_at__lte=now)
                                       .order_by("resource_id", "checked_at", "pk")
                                       .values_list("resource_id", "checked_at", "available")):
        timelines[resource_id].append((at, available))
    return {pk: _time_weighted(timeline, start, now) for pk, timeline in timelines.items()}


def uptime(resource_ids: Iterable, days: int = 30, *, now: datetime.datetime | None = None) -> dict:
    """``{resource_id: share of the last ``days`` days the resource was available, or None}``: see the
    module's docstring (time-weighted; uploads 1.0; never checked None). Three queries whatever the
    number of resources."""
    ids = _uuids(resource_ids)
    if not ids:
        return {}
    now = now or timezone.now()
    uploaded = _uploaded(ids)
    shares = _link_uptimes([pk for pk in ids if pk not in uploaded], now - datetime.timedelta(days=days), now)
    return {pk: 1.0 if pk in uploaded else shares.get(pk) for pk in ids}


def uptime_for_datasets(dataset_ids: Iterable, days: int = 30, *, now: datetime.datetime | None = None) -> dict:
    """``{dataset_id: uptime of its least available resource over ``days`` days, or None}`` (see the
    module's docstring): 1.0 when it only has uploaded files; None when one of its links was never
    checked, or it has no resource (or is deleted, or does not exist). For the certification's ≥ 99 %
    criterion. A constant number of queries per 2,000 datasets (``catalog.services.dataset_facts``)."""
    ids = _uuids(dataset_ids, "dataset_ids")
    if not ids:
        return {}
    now = now or timezone.now()
    resources: dict = {}
    for chunk in catalog_services.dataset_facts(ids=ids):
        for facts in chunk:
            resources[facts["id"]] = [(r["id"], r["kind"]) for r in facts["resources"]
                                      if r["kind"] != "link" or r["url"]]
    link_ids = [pk for items in resources.values() for pk, kind in items if kind == "link"]
    shares = _link_uptimes(link_ids, now - datetime.timedelta(days=days), now)
    result = {}
    for pk in ids:
        values = [1.0 if kind != "link" else shares.get(resource_id) for resource_id, kind in resources.get(pk, [])]
        result[pk] = None if not values or any(v is None for v in values) else min(values)
    return result


# --- Reading: reports, history, the dataset panel -------------------------------------

REPORT_STATES = {
    "": None,
    "brises": Q(available=False),
    "avertissements": Q(last_check__type_matches=False) | Q(last_check__length_matches=False),
    "inconnus": Q(available__isnull=True),
    "disponibles": Q(available=True),
    "non-brises": Q(available=True) | Q(available__isnull=True),
}


def report_state_labels() -> list[tuple[str, str]]:
    """The report's filters (``?etat=``) and their labels."""
    return [("brises", _("Liens brisés")), ("avertissements", _("Avec avertissement")),
            ("inconnus", _("Pas encore confirmés")), ("disponibles", _("Disponibles"))]


def _visible_states(user, organisation=None):
    visible = catalog_services.dataset_visible_queryset(user).values("pk")
    queryset = LinkState.objects.filter(resource__dataset__in=visible)
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    return queryset


def _percent(value: float | None) -> str:
    if value is None:
        return ""
    return _("%(value)s %%") % {"value": formats.number_format(round(value * 100, 1), 1)}


def _warnings(check: LinkCheck | None, resource) -> list[str]:
    if check is None or not check.available:
        return []
    found = []
    if check.type_matches is False:
        declared = resource.media_type or resource.format
        found.append(_("Type servi « %(served)s », annoncé « %(declared)s ».") % {
            "served": _base_type(check.content_type), "declared": declared})
    if check.length_matches is False:
        found.append(_("Taille servie %(served)s octets, annoncée %(declared)s octets.") % {
            "served": formats.number_format(check.content_length), "declared": formats.number_format(resource.size)})
    return found


def _state_row(state: LinkState, share: float | None) -> dict:
    resource = state.resource
    dataset = resource.dataset
    check = state.last_check
    return {
        "resource_id": resource.pk,
        "resource_name": resource.name or _("Ressource sans nom"),
        "resource_format": resource.format,
        "url": check.url if check is not None else resource.url,
        "dataset_name": dataset.name,
        "dataset_title": dataset.title,
        "organisation_slug": state.organisation.slug,
        "organisation_name": state.organisation.name,
        "available": state.available,
        "broken_since": state.broken_since,
        "consecutive_failures": state.consecutive_failures,
        "notified_at": state.notified_at,
        "next_check_at": state.next_check_at,
        "last_check": check,
        "outcome": check.get_outcome_display() if check is not None else "",
        "status": check.status if check is not None else None,
        "uptime": share,
        "uptime_text": _percent(share),
        "warnings": _warnings(check, resource),
        "type_matches": check.type_matches if check is not None else None,
        "length_matches": check.length_matches if check is not None else None,
    }




def _paginate(queryset, number: int, per_page: int):
    paginator = Paginator(queryset, per_page)
    try:
        return paginator, paginator.page(number)
    except EmptyPage:
        raise core_services.NotFound(_("Page %(page)s introuvable.") % {"page": number}) from None


def links_report(*, user, organisation=None, state: str = "", page=1, per_page: int = REPORT_PAGE_SIZE,
                 now: datetime.datetime | None = None) -> dict:
    """The links of the datasets ``user`` may see (of ``organisation`` when given): broken first (the
    oldest breakage first), then unknown, then available; filtered by ``state`` (``REPORT_STATES``).
    Returns ``{"summary": {"total", "broken", "unknown", "warnings"}, "rows", "page", "pages",
    "count"}``; a constant number of queries. ``ValidationError`` for a bad state or page,
    ``core.services.NotFound`` for a page beyond the last."""
    if state not in REPORT_STATES:
        raise ValidationError({"etat": [_("État inconnu : « %(value)s ». Valeurs possibles : %(values)s.") % {
            "value": str(state)[:50], "values": ", ".join(key for key in REPORT_STATES if key)}]})
    number = core_services.page_number(page)
    queryset = _visible_states(user, organisation)
    summary = queryset.aggregate(
        total=Count("pk"), broken=Count("pk", filter=Q(available=False)),
        unknown=Count("pk", filter=Q(available__isnull=True)),
        warnings=Count("pk", filter=REPORT_STATES["avertissements"]))
    if REPORT_STATES[state] is not None:
        queryset = queryset.filter(REPORT_STATES[state])
    ordered = queryset.annotate(rank=Case(When(available=False, then=Value(0)),
                                          When(available__isnull=True, then=Value(1)),
                                          default=Value(2), output_field=IntegerField())) \
        .order_by("rank", "broken_since", "-consecutive_failures", "resource__dataset__title_fr",
                  "resource__position", "resource_id") \
        .select_related("resource", "resource__dataset", "organisation", "last_check")
    paginator, current = _paginate(ordered, number, per_page)
    states = list(current.object_list)
    shares = uptime([s.resource_id for s in states], now=now) if states else {}
    return {"summary": summary, "rows": [_state_row(s, shares.get(s.resource_id)) for s in states],
            "page": number, "pages": paginator.num_pages, "count": paginator.count}


def link_states_for(resource_ids: Iterable) -> dict:
    """``{resource_id: LinkState}`` (with its last check) for the resources that have one."""
    ids = _uuids(resource_ids)
    return {s.resource_id: s for s in LinkState.objects.filter(resource_id__in=ids).select_related("last_check")}


def resource_link_history(*, user, resource_id, page=1, per_page: int = HISTORY_PAGE_SIZE,
                          now: datetime.datetime | None = None) -> dict:
    """A resource's checks (newest first, paged), its state and its uptime over 30 days, if its dataset is
    visible to ``user`` (``core.services.NotFound`` otherwise)."""
    number = core_services.page_number(page)
    resource = catalog_services.resource_get(id=resource_id, user=user)
    state = LinkState.objects.filter(resource_id=resource.pk).select_related("last_check").first()
    share = uptime([resource.pk], now=now)[resource.pk]
    checks = LinkCheck.objects.filter(resource_id=resource.pk).order_by("-checked_at", "-pk")
    paginator, current = _paginate(checks, number, per_page)
    return {
        "resource": resource, "dataset": resource.dataset, "state": state, "uploaded": resource.kind == "upload",
        "uptime": share, "uptime_text": _percent(share), "checks": list(current.object_list),
        "page": number, "pages": paginator.num_pages, "count": paginator.count,
        "warnings": _warnings(state.last_check if state else None, resource),
    }


def _note(state: LinkState | None, share: float | None, resource) -> list[str]:
    if state is None or state.last_check is None:
        return [_("Disponibilité du lien : pas encore vérifiée.")]
    check = state.last_check
    when = formats.date_format(timezone.localtime(check.checked_at), "DATETIME_FORMAT")
    parts = {"when": when, "uptime": _percent(share) or "—"}
    if state.available is False:
        since = formats.date_format(timezone.localtime(state.broken_since or check.checked_at), "DATETIME_FORMAT")
        text = _("Lien brisé depuis le %(since)s : %(reason)s (vérifié le %(when)s ; disponibilité sur 30 jours : "
                 "%(uptime)s).") % {**parts, "since": since, "reason": _reason(check)}
    elif check.available:
        text = _("Lien disponible (vérifié le %(when)s ; disponibilité sur 30 jours : %(uptime)s).") % parts
    else:
        text = _("Dernière vérification en échec : %(reason)s (le %(when)s) ; une nouvelle vérification est "
                 "prévue (disponibilité sur 30 jours : %(uptime)s).") % {**parts, "reason": _reason(check)}
    return [text] + [_("Avertissement : %(warning)s") % {"warning": w} for w in _warnings(check, resource)]


def _reason(check: LinkCheck) -> str:
    reason = str(check.get_outcome_display())
    if check.status:
        reason += f" {check.status}"
    return reason


def links_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """The dataset page's ``links`` panel: beside each linked resource, its availability and its uptime over
    30 days, and a link to its history. Four queries whatever the number of resources."""
    linked = [r for r in resources if r.kind == "link" and r.url]
    if not linked:
        return None
    states = link_states_for([r.pk for r in linked])
    shares = uptime([r.pk for r in linked])
    notes, links = {}, {}
    for resource in linked:
        state = states.get(resource.pk)
        notes[str(resource.pk)] = _note(state, shares.get(resource.pk), resource)
        if state is not None and state.last_check_id is not None:
            links[str(resource.pk)] = [{"label": _("Historique de disponibilité"),
                                        "url": reverse("quality:resource_links", kwargs={"resource_id": resource.pk})}]
    return {"resource_notes": notes, "resource_links": links}


# --- Registration ----------------------------------------------------------------------

def register() -> None:
    """This part's registrations (listeners, periodic jobs, panels…), from ``hooks.register``."""
    from ouvert.core import registry

    registry.register_resource_listener(_on_resource)
    registry.register_dataset_listener(_on_dataset)
    registry.register_periodic(LINKS_JOB, links_schedule, every_seconds=LINKS_JOB_EVERY_SECONDS)
    registry.register_dataset_panel("links", links_panel, order=61)
