"""What harvesting does: keep sources, run jobs (gather, fetch, import), schedule them.

A job goes through three stages, and can be interrupted and resumed at any point:

1. **gather** — the list of remote datasets to look at, written as ``HarvestObject`` rows in one
   transaction with ``job.gathered``. CKAN: ``package_search`` paged with ``rows``/``start``,
   filtered by the source's ``fq`` and, unless the job is ``full``, by
   ``metadata_modified:[<start of the last successful job> TO *]``; plus the datasets that
   failed in the last job (retried), plus, to detect deletions, the full list of names from
   ``package_list``. DCAT: every page of the catalogue (hydra ``next``), each ``dcat:Dataset``
   parsed with ``ouvert.catalog.dcat.dcat_parse``; what did not change is recognised by its
   content hash and not written. DCAT itself has no "changed since", but many catalogues take a
   query parameter for it (Ouvert's own ``/catalog.ttl`` takes ``modified_since``): a source whose
   config names it (``{"modified_since": "modified_since"}``) is harvested incrementally — unless
   the job is ``full`` or there was no successful job, the first page's address gets
   ``?<parameter>=<job.since, ISO 8601 in UTC>``, so that only the datasets changed since come
   back. Deletions cannot be inferred from such a partial listing: they are not propagated (the
   report's ``notes`` say so), and the next full run (``ouvert harvest run --full``, or
   « complète » on the source's page) propagates them. The datasets that failed in the last job
   are tried again, as for CKAN.
2. **fetch** — CKAN: ``package_show`` of each gathered id (DCAT already has the content).
3. **import** — through ``ouvert.catalog.services`` (``dataset_create``/``dataset_update`` with
   ``ckan_dict.ckan_to_dataset_data`` for CKAN, the ``dcat_parse`` data for DCAT), each object
   in its own transaction: one that fails is recorded with its error (``HarvestObject.error``)
   and the job goes on. Remote datasets that are gone are deleted softly
   (``dataset_delete``); one that comes back is restored by its next import.

Harvested datasets belong to the source's organisation and carry ``extras``
``harvest_source_id``, ``harvest_source_title``, ``harvest_remote_id``, ``harvest_remote_name``;
the next run finds them by these, never by name, so a local dataset with the same name is never
overwritten (the harvested one gets a free name: ``<name>-2``…). Ids are kept from the source
when free (as ckanext-harvest does), otherwise derived from the source and remote id (UUID 5),
so that harvesting a catalogue into itself works. Content that did not change since the last
import (same SHA-256 of the remote dictionary, ``metadata_modified`` aside) is not written again.

The platform is the actor of what a job writes (``actor=None``); who may create and run a
source is checked here (``can_manage``): platform admins, and editors or admins of the source's
organisation. The pages (``views``, under ``/fr/catalogue/moissonnage/``) start a job with
``job_start``: it runs in the background (``tasks.harvest_job_run_task``, run by ``ouvert worker``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from . import ckan_client, http, selectors
from .http import HarvestHTTPError  # noqa: F401  (raised by fetch_to_file, for other modules)
from .models import HarvestJob, HarvestObject, HarvestSource, source_name_validator
from .selectors import (  # noqa: F401  (public read API of the module)
    harvested_datasets,
    job_get,
    job_list,
    job_page,
    job_unfinished,
    object_counts,
    object_list,
    source_get,
    source_job_get,
    source_list,
)

logger = logging.getLogger("ouvert.harvest")

EXTRA_SOURCE_ID = "harvest_source_id"
EXTRA_SOURCE_TITLE = "harvest_source_title"
EXTRA_REMOTE_ID = "harvest_remote_id"
EXTRA_REMOTE_NAME = "harvest_remote_name"
HARVEST_EXTRAS = (EXTRA_SOURCE_ID, EXTRA_SOURCE_TITLE, EXTRA_REMOTE_ID, EXTRA_REMOTE_NAME)

PERIODS = {
    HarvestSource.Frequency.HOURLY: datetime.timedelta(hours=1),
    HarvestSource.Frequency.DAILY: datetime.timedelta(days=1),
    HarvestSource.Frequency.WEEKLY: datetime.timedelta(weeks=1),
}
#: A running job silent for this long is taken as interrupted, and resumed.
STALE_AFTER = datetime.timedelta(minutes=15)
#: Changes are asked for since the last successful start minus this margin (clocks differ).
SINCE_MARGIN = datetime.timedelta(minutes=10)
DEFAULT_ROWS = 100
DEFAULT_MAX_PAGES = 1000
#: Keys of a CKAN dictionary left out of its content hash: they change without the content changing.
VOLATILE_KEYS = frozenset({"metadata_modified", "revision_id", "revision_timestamp", "tracking_summary"})

CONFIG_KEYS = {
    HarvestSource.Type.CKAN: {"fq": str, "rows": int, "max_pages": int},
    HarvestSource.Type.DCAT: {"format": str, "max_pages": int, "modified_since": str},
}
DCAT_FORMATS = ("turtle", "xml", "json-ld")
#: A query parameter's name, as ``modified_since`` gives it (DCAT sources).
QUERY_PARAMETER = re.compile(r"^[A-Za-z0-9_.\-\[\]:]{1,100}$")

Progress = Callable[[str, int, "int | None"], None]


def _noop(stage, done, total):
    pass


# --- Sources ----------------------------------------------------------------------------

MANAGER_ROLES = ("editor", "admin")


def can_manage(actor, organisation) -> bool:
    """Whether ``actor`` may create, change and run the sources of ``organisation``."""
    if actor is None:
        return True  # the platform (command line, loaders)
    if not (actor.is_authenticated and actor.is_active):
        return False
    return actor.is_superuser or core_services.user_has_role(actor, organisation, MANAGER_ROLES)


def manageable_organisations(actor):
    """The organisations whose sources ``actor`` may manage (every one for platform admins)."""
    organisations = core_services.organisation_list().order_by("name_fr")
    if actor is None or (actor.is_authenticated and actor.is_active and actor.is_superuser):
        return organisations
    if not (actor.is_authenticated and actor.is_active):
        return organisations.none()
    member_of = core_services.membership_list(user=actor).filter(role__in=MANAGER_ROLES).values("organisation_id")
    return organisations.filter(pk__in=member_of)


def source_get_managed(*, actor, name: str) -> HarvestSource:
    """The source ``name`` (or id) if ``actor`` may manage it; ``NotFound`` or ``PermissionDenied``."""
    source = selectors.source_get(name=name)
    if not can_manage(actor, source.organisation):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de cette source."))
    return source


def source_overview(*, actor) -> list[HarvestSource]:
    """The sources ``actor`` may manage, each with ``last_job`` and ``next_run`` (a constant number of queries)."""
    sources = selectors.sources_with_last_job(organisations=manageable_organisations(actor))
    for source in sources:
        source.next_run = next_run(source, source.last_job)
    return sources


def next_run(source: HarvestSource, last_job: HarvestJob | None) -> datetime.datetime | None:
    """When the scheduler will next start a job of ``source`` (None: never by itself, manual or inactive).

    A date in the past means "at its next pass" (every minute while ``ouvert worker`` or
    ``ouvert scheduler`` runs).
    """
    if not source.active or source.frequency not in PERIODS:
        return None
    if last_job is None:
        return source.created_at
    return last_job.created_at + PERIODS[source.frequency]


def _clean_config(errors: dict, kind: str, config) -> dict:
    if config in (None, ""):
        return {}
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError as exc:
            errors["config"] = [_("La configuration n'est pas du JSON valide : %(error)s") % {"error": str(exc)[:200]}]
            return {}
    if not isinstance(config, dict):
        errors["config"] = [_("La configuration doit être un objet JSON.")]
        return {}
    allowed = CONFIG_KEYS.get(kind, {})
    messages, result = [], {}
    for key, value in config.items():
        expected = allowed.get(key)
        if expected is None:
            messages.append(_("Clé « %(key)s » inconnue; clés possibles : %(keys)s.")
                            % {"key": str(key)[:50], "keys": ", ".join(sorted(allowed))})
        elif expected is int and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100000):
            messages.append(_("« %(key)s » doit être un entier positif.") % {"key": key})
        elif expected is str and not isinstance(value, str):
            messages.append(_("« %(key)s » doit être du texte.") % {"key": key})
        else:
            result[key] = value
    if "rows" in result and result["rows"] > 1000:
        messages.append(_("« rows » : au plus 1000 (la limite de CKAN)."))
    if "format" in result and result["format"] not in DCAT_FORMATS:
        messages.append(_("« format » : choisissez parmi %(formats)s.") % {"formats": ", ".join(DCAT_FORMATS)})
    if "modified_since" in result and not QUERY_PARAMETER.match(result["modified_since"]):
        messages.append(_("« modified_since » : le nom du paramètre d'adresse que le catalogue distant comprend "
                          "(lettres, chiffres, « _ », « - », « . »), par exemple « modified_since »."))
    if messages:
        errors["config"] = messages
    return result


def _validate_source(source: HarvestSource, errors: dict) -> None:
    if source.type not in HarvestSource.Type.values:
        errors["type"] = [_("Type « %(type)s » inconnu : choisissez ckan ou dcat.") % {"type": str(source.type)[:20]}]
    if source.frequency not in HarvestSource.Frequency.values:
        errors["frequency"] = [_("Fréquence « %(value)s » inconnue : %(choices)s.")
                               % {"value": str(source.frequency)[:20],
                                  "choices": ", ".join(HarvestSource.Frequency.values)}]
    url = (source.url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        errors.setdefault("url", [_("Une adresse http ou https est attendue.")])
    source.url = url
    if not (source.title or "").strip():
        source.title = source.name
    try:
        source.full_clean(exclude=[*errors, "organisation", "created_by"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)


def source_create(*, actor, name: str, type: str, url: str, organisation, title: str = "",
                  frequency: str = HarvestSource.Frequency.MANUAL, config=None, active: bool = True) -> HarvestSource:
    """A new harvest source. Platform admins, or editors and admins of ``organisation``."""
    if organisation is None:
        raise ValidationError({"organisation": [_("Ce champ est obligatoire.")]})
    if not can_manage(actor, organisation):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de cette organisation pour y moissonner "
                                 "des jeux de données."))
    errors: dict = {}
    name = (name or "").strip()
    try:
        source_name_validator(name)
    except ValidationError as exc:
        errors["name"] = exc.messages
    source = HarvestSource(name=name, title=(title or "").strip()[:300], type=type, url=url,
                           organisation=organisation, frequency=frequency, active=bool(active),
                           created_by=actor if actor is not None and actor.is_authenticated else None)
    source.config = _clean_config(errors, type, config)
    _validate_source(source, errors)
    if "name" not in errors and HarvestSource.objects.filter(name=name).exists():
        errors["name"] = [_("Une source porte déjà le nom « %(name)s ».") % {"name": name}]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            source.save(force_insert=True)
            core_services.audit_append(actor=actor, action="harvest.source.create", target=source,
                                       data={"name": name, "type": type, "url": source.url,
                                             "organisation": organisation.slug})
    except IntegrityError:
        raise ValidationError({"name": [_("Une source porte déjà le nom « %(name)s ».") % {"name": name}]}) from None
    return source


def source_update(*, actor, source: HarvestSource, **changes) -> HarvestSource:
    """Change ``title``, ``url``, ``frequency``, ``config``, ``active`` or ``organisation`` of a source."""
    allowed = {"title", "url", "frequency", "config", "active", "organisation"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({key: [_("Champ inconnu.")] for key in unknown})
    if not can_manage(actor, source.organisation) or (
            "organisation" in changes and not can_manage(actor, changes["organisation"])):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de cette source."))
    errors: dict = {}
    with transaction.atomic():
        source = HarvestSource.objects.select_for_update().get(pk=source.pk)
        for key, value in changes.items():
            if key == "config":
                value = _clean_config(errors, source.type, value)
            elif key == "active":
                value = bool(value)
            setattr(source, key, value)
        _validate_source(source, errors)
        if errors:
            raise ValidationError(errors)
        source.save()
        core_services.audit_append(actor=actor, action="harvest.source.update", target=source,
                                   data={"name": source.name, "changed": sorted(changes)})
    return source


# --- Jobs -------------------------------------------------------------------------------

def _last_success(source: HarvestSource) -> HarvestJob | None:
    return source.jobs.filter(status=HarvestJob.Status.FINISHED).order_by("-started_at", "-id").first()


def job_create(*, actor, source: HarvestSource, full: bool = False) -> tuple[HarvestJob, bool]:
    """A new pending job of ``source``, or the unfinished one it already has; (job, created).

    ``since`` (what to ask a CKAN source, or a DCAT source with ``modified_since``, for) is the
    start of the last successful job, minus a safety margin, unless ``full`` or there was none.
    """
    if not can_manage(actor, source.organisation):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de cette source."))
    unfinished = selectors.job_unfinished(source=source)
    if unfinished is not None:
        return unfinished, False
    last = None if full else _last_success(source)
    since = last.started_at - SINCE_MARGIN if last is not None and last.started_at else None
    try:
        with transaction.atomic():
            job = HarvestJob.objects.create(source=source, full=full or last is None, since=since)
    except IntegrityError:  # another process created one just now
        unfinished = selectors.job_unfinished(source=source)
        if unfinished is None:
            raise
        return unfinished, False
    return job, True


def job_start(*, actor, source: HarvestSource, full: bool = False) -> tuple[HarvestJob, bool]:
    """Start a job of ``source`` in the background (the pages' « Lancer maintenant »); (job, created).

    When the source already has an unfinished job, that job comes back with ``created=False`` and
    nothing is started: one job at a time per source. A new job is enqueued once the transaction
    commits (``tasks.harvest_job_run_task``, run by ``ouvert worker``).
    """
    from .tasks import harvest_job_run_task

    with transaction.atomic():
        job, created = job_create(actor=actor, source=source, full=full)
        if created:
            core_services.audit_append(actor=actor, action="harvest.job.start", target=source,
                                       data={"name": source.name, "job": job.pk, "full": job.full})
            transaction.on_commit(lambda pk=job.pk: harvest_job_run_task.enqueue(job_id=pk))
    return job, created


def _claim(job: HarvestJob) -> bool:
    """Take the job for this process: pending → running, or running but released or silent (interrupted)."""
    now = timezone.now()
    claimable = Q(status=HarvestJob.Status.PENDING) | (
        Q(status=HarvestJob.Status.RUNNING) & (Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True)))
    claimed = HarvestJob.objects.filter(claimable, pk=job.pk).update(
        status=HarvestJob.Status.RUNNING, heartbeat_at=now, attempts=job.attempts + 1)
    if claimed:
        HarvestJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
    return bool(claimed)


def harvest_job_run(*, job_id: int, progress: Progress | None = None) -> HarvestJob:
    """Run (or resume) a job to its end; the task's body.

    A job another process is running (it gave a sign of life in the last ``STALE_AFTER``) is left
    alone and returned as it is (still ``running``). A run stopped by an unexpected exception
    (or Ctrl+C) releases the job first, so that the next run resumes it at once.
    """
    progress = progress or _noop
    job = HarvestJob.objects.select_related("source", "source__organisation").get(pk=job_id)
    if job.status in (HarvestJob.Status.FINISHED, HarvestJob.Status.FAILED):
        return job
    if not _claim(job):
        return job  # another worker has it
    job.refresh_from_db()
    source = job.source
    try:
        if not job.gathered:
            progress("gather", 0, None)
            _gather(job, source, progress)
        _process(job, source, progress)
    except BaseException as exc:
        if not isinstance(exc, http.HarvestHTTPError | ValidationError):
            HarvestJob.objects.filter(pk=job.pk).update(heartbeat_at=None)
            raise
        message = exc.message if isinstance(exc, http.HarvestHTTPError) else _messages(exc)
        report = dict(job.report or {})
        report["error"] = message
        job.report = report
        job.status = HarvestJob.Status.FAILED
        job.finished_at = timezone.now()
        _count(job)
        job.save()
        return job
    job.status = HarvestJob.Status.FINISHED
    job.finished_at = timezone.now()
    _count(job)
    job.save()
    return job


def harvest_run(*, actor, source: HarvestSource, full: bool = False, progress: Progress | None = None) -> HarvestJob:
    """Run ``source`` now, in this process (``ouvert harvest run``): resumes its unfinished job if any
    (unless another process is running it: the job comes back ``running``)."""
    job, _created = job_create(actor=actor, source=source, full=full)
    return harvest_job_run(job_id=job.pk, progress=progress)


def harvest_schedule_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Enqueue a job for each active source whose period has passed; re-enqueue interrupted jobs
    (those of manual sources too: a job started from the pages resumes after a worker died).

    The periodic job ``harvest.due_sources`` (see ``apps.py``); returns the job ids enqueued.
    """
    from .tasks import harvest_job_run_task

    now = now or timezone.now()
    enqueued = []
    for source in HarvestSource.objects.filter(active=True):
        last = source.jobs.order_by("-created_at", "-id").first()
        job = None
        if last is not None and last.status in (HarvestJob.Status.PENDING, HarvestJob.Status.RUNNING):
            seen = last.heartbeat_at or last.created_at
            if seen <= now - STALE_AFTER:
                job = last  # lost or interrupted: enqueue it again (the claim keeps it to one worker)
        elif (due := next_run(source, last)) is not None and due <= now:
            job, _created = job_create(actor=None, source=source)
        if job is not None:
            transaction.on_commit(lambda pk=job.pk: harvest_job_run_task.enqueue(job_id=pk))
            enqueued.append(job.pk)
    return enqueued


def fetch_to_file(url: str, path, *, max_bytes: int, progress: Callable[[int], None] | None = None) -> dict:
    """Download ``url`` into the file ``path``, streamed, with the harvester's timeout and User-Agent
    (``http.fetch_to_file``). For other modules: the datastore copies the tables resources link to.
    Raises ``HarvestHTTPError``."""
    return http.fetch_to_file(url, path, max_bytes=max_bytes, progress=progress)


def http_get(url: str, *, params: dict | None = None, accept: str = "*/*", ok_statuses=(200,)) -> http.Answer:
    """GET ``url`` with the harvester's safeguards (vetted addresses, timeout, User-Agent, size limit):
    an ``Answer`` (``url`` after redirects, ``status``, ``content_type``, ``body``, ``json()``) or
    ``HarvestHTTPError`` whose ``message`` a person can read. For other modules: open science looks DOIs
    up and harvests repositories over OAI-PMH with it."""
    return http.get(url, params=params, accept=accept, ok_statuses=ok_statuses)


def _count(job: HarvestJob) -> None:
    counts = dict(job.harvest_objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    job.created = counts.get(HarvestObject.Status.CREATED, 0)
    job.updated = counts.get(HarvestObject.Status.UPDATED, 0)
    job.deleted = counts.get(HarvestObject.Status.DELETED, 0)
    job.unchanged = counts.get(HarvestObject.Status.UNCHANGED, 0)
    job.errors = counts.get(HarvestObject.Status.ERROR, 0)


def _messages(exc: Exception):
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    if isinstance(exc, http.HarvestHTTPError):
        return {"__all__": [exc.message]}
    return {"__all__": [str(exc) or exc.__class__.__name__]}


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _json_safe(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


# --- Gather -----------------------------------------------------------------------------

def _warn(job: HarvestJob, message: str) -> None:
    report = dict(job.report or {})
    report.setdefault("warnings", []).append(message)
    job.report = report


def _note(job: HarvestJob, message: str) -> None:
    """Something the report should say that is not a problem (``report["notes"]``)."""
    report = dict(job.report or {})
    report.setdefault("notes", []).append(message)
    job.report = report


def _ckan_gather(job: HarvestJob, source: HarvestSource, progress: Progress) -> tuple[list[dict], set | None]:
    base = ckan_client.api_base(source.url)
    config = source.config or {}
    rows = int(config.get("rows") or DEFAULT_ROWS)
    max_pages = int(config.get("max_pages") or DEFAULT_MAX_PAGES)
    filters = []
    if config.get("fq"):
        filters.append(f"({config['fq']})")
    if job.since and not job.full:
        since = job.since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        filters.append(f"metadata_modified:[{since} TO *]")
    params = {"rows": rows, "sort": "metadata_modified asc, id asc"}
    if filters:
        params["fq"] = " AND ".join(filters)
    found, seen = [], set()
    start, total = 0, None
    for _page in range(max_pages):
        result = ckan_client.action(base, "package_search", {**params, "start": start})
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise http.HarvestHTTPError(_("%(url)s : réponse de package_search inattendue.") % {"url": base})
        total = result.get("count") if isinstance(result.get("count"), int) else total
        for package in result["results"]:
            if not isinstance(package, dict) or not package.get("id") or package["id"] in seen:
                continue
            seen.add(package["id"])
            found.append({"guid": str(package["id"]), "remote_name": str(package.get("name") or "")[:500],
                          "remote_modified": str(package.get("metadata_modified") or "")[:50]})
        progress("gather", len(found), total)
        start += rows
        if not result["results"] or (total is not None and start >= total):
            break
    else:
        _warn(job, _("Collecte arrêtée après %(pages)s pages (max_pages).") % {"pages": max_pages})
    names = _ckan_names(base, job)
    return found, names


def _ckan_names(base: str, job: HarvestJob) -> set | None:
    """Every name ``package_list`` gives (paged when the server pages it), or None if incomplete."""
    names: list = []
    limit, offset = 1000, 0
    for _page in range(10000):
        page = ckan_client.action(base, "package_list", {"limit": limit, "offset": offset})
        if not isinstance(page, list):
            raise http.HarvestHTTPError(_("%(url)s : réponse de package_list inattendue.") % {"url": base})
        names.extend(str(n) for n in page)
        if len(page) > limit or len(page) < limit:  # the whole list (server without paging), or the last page
            return set(names)
        offset += limit
    _warn(job, _("Liste des jeux de données distants incomplète : suppressions non propagées."))
    return None


def _dcat_format(source: HarvestSource, answer: http.Answer) -> str:
    configured = (source.config or {}).get("format")
    if configured:
        return configured
    content_type = answer.content_type.split(";")[0].strip().lower()
    by_type = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "xml",
               "application/xml": "xml", "text/xml": "xml", "application/ld+json": "json-ld",
               "application/json": "json-ld"}
    if content_type in by_type:
        return by_type[content_type]
    path = answer.url.split("?")[0].lower()
    for suffix, fmt in ((".ttl", "turtle"), (".rdf", "xml"), (".xml", "xml"), (".jsonld", "json-ld"),
                        (".json", "json-ld")):
        if path.endswith(suffix):
            return fmt
    return "turtle"


def _with_parameter(url: str, name: str, value: str) -> str:
    """``url`` with the query parameter ``name`` set to ``value`` (the others kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))


def dcat_incremental(job: HarvestJob, source: HarvestSource) -> bool:
    """Whether this job asks the DCAT source for the changes since ``job.since`` only."""
    return bool(source.type == HarvestSource.Type.DCAT and (source.config or {}).get("modified_since")
                and job.since is not None and not job.full)


def _dcat_gather(job: HarvestJob, source: HarvestSource, progress: Progress) -> tuple[list[dict], set | None]:
    from ouvert.catalog import dcat

    max_pages = int((source.config or {}).get("max_pages") or DEFAULT_MAX_PAGES)
    url, visited, found, seen = source.url, set(), [], set()
    complete = False
    incremental = dcat_incremental(job, source)
    if incremental:
        since = job.since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        url = _with_parameter(url, source.config["modified_since"], since)
        _note(job, _("Moisson incrémentale : seuls les jeux de données modifiés depuis le %(since)s ont été "
                     "demandés (%(url)s). Les suppressions à la source ne peuvent pas s'en déduire : elles ne "
                     "sont pas propagées par cette moisson, mais par la prochaine moisson complète.")
              % {"since": since, "url": url[:300]})
    for _page in range(max_pages):
        visited.add(url)
        answer = http.get(url, accept="text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8")
        graph = dcat.dcat_parse_graph(answer.body, _dcat_format(source, answer))
        for item in dcat.dcat_parse(graph):
            guid = item.uri or item.identifier
            entry = {"guid": guid, "remote_name": (item.label or "")[:500],
                     "remote_modified": str(item.data.get("extras", {}).get("modified", ""))[:50]}
            if not guid:
                entry.update(guid=_("(sans URI ni dct:identifier) %(title)s") % {"title": item.label[:200]},
                             error={"__all__": [_("Ce jeu de données n'a ni URI ni dct:identifier : impossible "
                                                  "de le reconnaître d'une moisson à l'autre.")]})
            elif guid in seen:
                continue
            seen.add(guid)
            content = {"uri": item.uri, "identifier": item.identifier, "data": _json_safe(item.data),
                       "distributions": [_json_safe(d.data) for d in item.distributions],
                       "warnings": [str(w) for w in item.warnings]}
            entry["content"] = content
            entry["content_hash"] = _hash(content)
            found.append(entry)
        progress("gather", len(found), None)
        url = dcat.next_page_url(graph)
        if url is None:
            complete = True
            break
        if url in visited:
            _warn(job, _("La page suivante %(url)s a déjà été lue : fin de la collecte.") % {"url": url[:300]})
            complete = True
            break
    else:
        _warn(job, _("Collecte arrêtée après %(pages)s pages (max_pages) : suppressions non propagées.")
              % {"pages": max_pages})
    return found, (seen if complete and not incremental else None)


def _gather(job: HarvestJob, source: HarvestSource, progress: Progress) -> None:
    """List what to import and what to delete; written at once, so a gather is all or nothing."""
    if source.type == HarvestSource.Type.CKAN:
        found, remote_names = _ckan_gather(job, source, progress)
    else:
        found, remote_names = _dcat_gather(job, source, progress)
    guids = {item["guid"] for item in found}
    # Datasets that failed last time are tried again even if they did not change remotely (a DCAT
    # source only lists them all again on a full run: with its content of last time).
    retry = []
    if source.type == HarvestSource.Type.CKAN or dcat_incremental(job, source):
        last = source.jobs.exclude(pk=job.pk).filter(status=HarvestJob.Status.FINISHED).order_by("-id").first()
        if last is not None:
            for obj in last.harvest_objects.filter(status=HarvestObject.Status.ERROR, action=HarvestObject.Action.IMPORT):
                if obj.guid in guids or (remote_names is not None and obj.remote_name not in remote_names):
                    continue
                item = {"guid": obj.guid, "remote_name": obj.remote_name, "remote_modified": obj.remote_modified}
                if source.type == HarvestSource.Type.DCAT:
                    content = obj.content or {}
                    if not (content.get("uri") or content.get("identifier")):
                        continue  # never recognisable (its error came from the gather)
                    item.update(content=content, content_hash=obj.content_hash)
                retry.append(item)
                guids.add(obj.guid)
    deletions = []
    if remote_names is not None:
        local = harvested_datasets(source=source).exclude(state="deleted")
        if source.type == HarvestSource.Type.CKAN:
            if not remote_names and local.exists():
                _warn(job, _("La source ne liste aucun jeu de données : suppressions non propagées par prudence."))
            else:
                for dataset in local:
                    remote_id = dataset.extras.get(EXTRA_REMOTE_ID)
                    if dataset.extras.get(EXTRA_REMOTE_NAME) not in remote_names and remote_id not in guids:
                        deletions.append((dataset, remote_id))
        else:
            for dataset in local:
                remote_id = dataset.extras.get(EXTRA_REMOTE_ID)
                if remote_id not in remote_names:
                    deletions.append((dataset, remote_id))
    objects = []
    for position, item in enumerate(found + retry):
        error = item.get("error")
        objects.append(HarvestObject(
            job=job, guid=item["guid"][:1000], remote_name=item["remote_name"], position=position,
            remote_modified=item["remote_modified"], content=item.get("content"),
            content_hash=item.get("content_hash", ""), error=error,
            status=HarvestObject.Status.ERROR if error else HarvestObject.Status.PENDING,
            processed_at=timezone.now() if error else None))
    offset = len(objects)
    for n, (dataset, remote_id) in enumerate(deletions):
        objects.append(HarvestObject(job=job, guid=(remote_id or str(dataset.pk))[:1000], position=offset + n,
                                     remote_name=dataset.extras.get(EXTRA_REMOTE_NAME, "")[:500], dataset=dataset,
                                     action=HarvestObject.Action.DELETE))
    with transaction.atomic():
        job.harvest_objects.all().delete()
        HarvestObject.objects.bulk_create(objects, batch_size=500)
        job.gathered = True
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["gathered", "heartbeat_at", "report"])


# --- Fetch and import --------------------------------------------------------------------

def _process(job: HarvestJob, source: HarvestSource, progress: Progress) -> None:
    total = job.harvest_objects.count()
    done = job.harvest_objects.exclude(status=HarvestObject.Status.PENDING).count()
    progress("import", done, total)
    base = ckan_client.api_base(source.url) if source.type == HarvestSource.Type.CKAN else ""
    pending = list(job.harvest_objects.filter(status=HarvestObject.Status.PENDING).order_by("position", "id")
                   .values_list("pk", flat=True))
    for pk in pending:
        obj = HarvestObject.objects.get(pk=pk)
        try:
            with transaction.atomic():
                if obj.action == HarvestObject.Action.DELETE:
                    _delete(obj)
                elif source.type == HarvestSource.Type.CKAN:
                    _ckan_import(obj, source, base)
                else:
                    _dcat_import(obj, source)
                obj.processed_at = timezone.now()
                obj.save()
        except Exception as exc:  # one object's failure, whatever it is, must not stop the job
            if not isinstance(exc, ValidationError | PermissionDenied | NotFound | http.HarvestHTTPError):
                logger.exception("harvest object %s of job %s failed", obj.guid, job.pk)
            HarvestObject.objects.filter(pk=obj.pk).update(
                status=HarvestObject.Status.ERROR, error=_json_safe(_messages(exc)), processed_at=timezone.now(),
                content=_json_safe(obj.content) if obj.content is not None else None,
                content_hash=obj.content_hash)
        done += 1
        HarvestJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        progress("import", done, total)


def _delete(obj: HarvestObject) -> None:
    dataset = obj.dataset
    if dataset is None:
        obj.status = HarvestObject.Status.UNCHANGED
        return
    catalog_services.dataset_delete(actor=None, dataset=dataset)
    obj.status = HarvestObject.Status.DELETED


def _previous(source: HarvestSource, guid: str, exclude_job: int) -> HarvestObject | None:
    return (HarvestObject.objects.filter(job__source=source, guid=guid, dataset__isnull=False,
                                         status__in=[HarvestObject.Status.CREATED, HarvestObject.Status.UPDATED,
                                                     HarvestObject.Status.UNCHANGED])
            .exclude(job_id=exclude_job).order_by("-id").first())


def _namespace(source: HarvestSource) -> uuid.UUID:
    return uuid.UUID(str(source.pk))


def _free_dataset_id(source: HarvestSource, remote_id) -> str | None:
    for candidate in (str(remote_id or ""), str(uuid.uuid5(_namespace(source), str(remote_id or "")))):
        try:
            value = uuid.UUID(candidate)
        except ValueError:
            continue
        if not catalog_services.dataset_id_taken(value):
            return str(value)
    return None


def _name_for(source: HarvestSource, wanted: str, title: str, dataset=None) -> str:
    """``wanted`` if it is a valid name free for this dataset, else a free variant."""
    base = wanted if wanted and catalog_services.valid_dataset_name(wanted) else slugify(wanted or title)[:90].strip("-_")
    if len(base) < 2:
        base = slugify(title)[:90].strip("-_") or "jeu-de-donnees"
    base = base[:90] if len(base) >= 2 else "jeu-de-donnees"
    name, number = base, 1
    while not catalog_services.dataset_name_free(name, dataset=dataset):
        number += 1
        name = f"{base[:90]}-{number}"
    return name


def _harvest_extras(source: HarvestSource, remote_id: str, remote_name: str) -> dict:
    return {EXTRA_SOURCE_ID: str(source.pk), EXTRA_SOURCE_TITLE: source.title, EXTRA_REMOTE_ID: remote_id,
            EXTRA_REMOTE_NAME: remote_name}


def _resource_ids(source: HarvestSource, resources: list[dict], existing: set[str]) -> None:
    """Give each resource the id of its earlier import, its source id when free, else a derived one."""
    for res in resources:
        remote = str(res.get("id") or "")
        if not remote:
            continue
        derived = str(uuid.uuid5(_namespace(source), remote))
        if remote in existing:
            continue
        if derived in existing:
            res["id"] = derived
            continue
        try:
            taken_remote = catalog_services.resource_id_taken(uuid.UUID(remote))
        except ValueError:
            taken_remote = True
        if not taken_remote:
            continue
        if catalog_services.resource_id_taken(uuid.UUID(derived)):
            res.pop("id")
        else:
            res["id"] = derived


def _adapt_ckan(obj: HarvestObject, package: dict) -> dict:
    """A remote package as ``data`` for the catalogue's services, for this source."""
    from ouvert.catalog import ckan_dict

    package = {k: v for k, v in package.items() if k not in ("owner_org", "organization")}
    warnings = []
    licence = package.get("license_id")
    if licence not in (None, ""):
        known = set(catalog_services.licence_list().values_list("id", flat=True))
        if ckan_dict.ckan_licence_id(licence) not in known:
            warnings.append(_("Licence « %(id)s » inconnue ici : « non précisée » à la place.") % {"id": str(licence)[:100]})
            package["license_id"] = "notspecified" if "notspecified" in known else None
    if package.get("groups"):
        themes = set(catalog_services.theme_list().values_list("name", flat=True))
        kept = [g for g in package["groups"] if isinstance(g, dict) and g.get("name") in themes]
        dropped = [str(g.get("name") if isinstance(g, dict) else g)[:100] for g in package["groups"]
                   if not (isinstance(g, dict) and g.get("name") in themes)]
        if dropped:
            warnings.append(_("Groupes inconnus ici, laissés de côté : %(names)s.") % {"names": ", ".join(dropped)})
        package["groups"] = kept
    data = ckan_dict.ckan_to_dataset_data(package)
    data.pop("organisation", None)
    obj.error = {"warnings": warnings} if warnings else None
    return data


def _ckan_import(obj: HarvestObject, source: HarvestSource, base: str) -> None:
    package = ckan_client.action(base, "package_show", {"id": obj.guid})
    if not isinstance(package, dict):
        raise http.HarvestHTTPError(_("%(url)s : réponse de package_show inattendue.") % {"url": base})
    obj.content = package
    obj.remote_name = str(package.get("name") or obj.remote_name)[:500]
    obj.content_hash = _hash({k: v for k, v in package.items() if k not in VOLATILE_KEYS})
    existing = selectors.harvested_dataset(source=source, remote_id=obj.guid)
    if package.get("state") == "deleted":
        if existing is not None and existing.state != "deleted":
            catalog_services.dataset_delete(actor=None, dataset=existing)
            obj.dataset, obj.status = existing, HarvestObject.Status.DELETED
        else:
            obj.dataset, obj.status = existing, HarvestObject.Status.UNCHANGED
        return
    previous = _previous(source, obj.guid, obj.job_id)
    if (existing is not None and existing.state != "deleted" and previous is not None
            and previous.content_hash == obj.content_hash and previous.dataset_id == existing.pk):
        obj.dataset, obj.status = existing, HarvestObject.Status.UNCHANGED
        return
    data = _adapt_ckan(obj, package)
    remote_name = obj.remote_name
    data["extras"] = {**data.get("extras", {}), **_harvest_extras(source, obj.guid, remote_name)}
    remote_id = data.pop("id", None)
    title = data.get("title_fr") or data.get("title_en") or remote_name
    if not data.get("title_fr") and data.get("title_en"):
        data["title_fr"] = data["title_en"]
    if existing is None:
        dataset_id = _free_dataset_id(source, remote_id or obj.guid)
        if dataset_id:
            data["id"] = dataset_id
        data["name"] = _name_for(source, remote_name, title)
        _resource_ids(source, data.get("resources", []), set())
        dataset = catalog_services.dataset_create(actor=None, organisation=source.organisation, data=data)
        obj.dataset, obj.status = dataset, HarvestObject.Status.CREATED
    else:
        name = _name_for(source, remote_name, title, dataset=existing)
        data["name"] = name if name == remote_name else existing.name
        existing_ids = {str(pk) for pk in catalog_services.active_resource_ids(existing)}
        _resource_ids(source, data.get("resources", []), existing_ids)
        data.setdefault("state", "active")
        dataset = catalog_services.dataset_update(actor=None, dataset=existing, data=data, partial=False)
        obj.dataset, obj.status = dataset, HarvestObject.Status.UPDATED


def _dcat_import(obj: HarvestObject, source: HarvestSource) -> None:
    content = obj.content or {}
    existing = selectors.harvested_dataset(source=source, remote_id=obj.guid)
    previous = _previous(source, obj.guid, obj.job_id)
    if (existing is not None and existing.state != "deleted" and previous is not None
            and previous.content_hash == obj.content_hash and previous.dataset_id == existing.pk):
        obj.dataset, obj.status = existing, HarvestObject.Status.UNCHANGED
        return
    data = dict(content.get("data") or {})
    if not data.get("title_fr"):
        raise ValidationError({"title_fr": [_("Le jeu de données n'a pas de titre (dct:title).")]})
    data["extras"] = {**(data.get("extras") or {}), **_harvest_extras(source, obj.guid, obj.remote_name)}
    distributions = [dict(d) for d in content.get("distributions") or []]
    if content.get("warnings"):
        obj.error = {"warnings": content["warnings"]}
    if existing is None:
        data["name"] = _name_for(source, "", data["title_fr"])
        data["resources"] = distributions
        dataset = catalog_services.dataset_create(actor=None, organisation=source.organisation, data=data)
        obj.dataset, obj.status = dataset, HarvestObject.Status.CREATED
        return
    current = list(catalog_services.resource_list(dataset=existing))
    used, items = set(), []
    for item in distributions:
        uri = (item.get("extra_fields") or {}).get("uri")
        match = next((r for r in current if r.pk not in used and uri and (r.extra_fields or {}).get("uri") == uri),
                     None)
        if match is None and not uri and item.get("url"):
            match = next((r for r in current if r.pk not in used and r.url == item["url"]), None)
        if match is not None:
            used.add(match.pk)
            item["id"] = str(match.pk)
        items.append(item)
    data["resources"] = items
    data["state"] = "active"
    dataset = catalog_services.dataset_update(actor=None, dataset=existing, data=data, partial=False)
    obj.dataset, obj.status = dataset, HarvestObject.Status.UPDATED
