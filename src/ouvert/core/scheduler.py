"""Periodic jobs: run what ``core.registry.register_periodic`` lists when its period has passed.

``run_due()`` is one pass: for each registered job, a conditional UPDATE of its
``PeriodicRun`` row (``last_run_at`` empty or older than the period → now) claims it; only the
worker whose UPDATE changed the row runs the job, so any number of workers (``ouvert worker``
runs a scheduler thread beside the task worker; ``ouvert scheduler`` runs it alone) never run
the same job twice in one period. A job that raises is logged and its error kept in
``last_error``; the others still run. Jobs should be short (enqueue a background task for long
work, as harvesting does).
"""

from __future__ import annotations

import datetime
import logging
import threading
import traceback

from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from . import registry
from .models import PeriodicRun

logger = logging.getLogger("ouvert.scheduler")

#: Seconds between two passes of the scheduler loop.
DEFAULT_INTERVAL = 30


def _claim(job: registry.PeriodicJob, now: datetime.datetime) -> bool:
    if not PeriodicRun.objects.filter(name=job.name).exists():
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=job.name)
        except IntegrityError:
            pass  # another worker created it first
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - datetime.timedelta(seconds=job.every_seconds))
    return PeriodicRun.objects.filter(due, name=job.name).update(last_run_at=now) == 1


def run_due(*, now: datetime.datetime | None = None) -> list[str]:
    """Run every periodic job whose period has passed (and that no other worker claimed); their names."""
    now = now or timezone.now()
    ran = []
    for job in registry.periodic_jobs():
        if not _claim(job, now):
            continue
        error = ""
        try:
            job.func()
        except Exception:  # a failing job must not stop the others nor the worker
            error = traceback.format_exc()[-5000:]
            logger.exception("periodic job %s failed", job.name)
        PeriodicRun.objects.filter(name=job.name).update(last_finished_at=timezone.now(), last_error=error)
        ran.append(job.name)
    return ran


def loop(stop: threading.Event, *, interval: float = DEFAULT_INTERVAL) -> None:
    """Call ``run_due`` every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            close_old_connections()
            run_due()
        except Exception:  # the database may be briefly unavailable: try again next pass
            logger.exception("scheduler pass failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def start_thread(*, interval: float = DEFAULT_INTERVAL) -> tuple[threading.Thread, threading.Event]:
    """A daemon thread running ``loop`` (used by ``ouvert worker``); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=loop, args=(stop,), kwargs={"interval": interval}, name="ouvert-scheduler",
                              daemon=True)
    thread.start()
    return thread, stop
