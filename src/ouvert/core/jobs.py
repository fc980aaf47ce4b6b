"""Background jobs kept as rows of a model (a datastore ingestion, a geographic conversion): the steps
they share. Such a model has ``status`` (``pending``, ``running``, ``done``, ``failed``), ``attempts``,
``started_at``, ``heartbeat_at``, ``finished_at``, ``error_code`` and ``error_message``."""

from __future__ import annotations

import datetime
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone


def job_claim(job, *, stale_after: datetime.timedelta, **reset) -> bool:
    """Take ``job`` for this process when it is pending, or running but silent for ``stale_after`` (an
    interrupted run): one conditional ``UPDATE``, so two processes never both win. ``reset``: more
    fields to set."""
    model, now = type(job), timezone.now()
    claimable = Q(status="pending") | (Q(status="running")
                                      & (Q(heartbeat_at__lt=now - stale_after) | Q(heartbeat_at__isnull=True)))
    return bool(model.objects.filter(claimable, pk=job.pk).update(
        status="running", heartbeat_at=now, attempts=F("attempts") + 1, started_at=Coalesce("started_at", now),
        error_code="", error_message="", **reset))


def job_fail(job, code: str, message: str):
    """Mark ``job`` failed with ``code`` and ``message``; returns it."""
    job.status = "failed"
    job.error_code = code[:type(job)._meta.get_field("error_code").max_length]
    job.error_message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error_message", "finished_at"])
    return job


def job_beat(job, state: dict, *, every: float, **fields) -> None:
    """The heartbeat of a running ``job``, written at most every ``every`` seconds (``state`` keeps
    the last time); ``fields`` (a stage, say) are written at once, with it."""
    if fields or time.monotonic() - state.get("last", 0.0) >= every:
        type(job).objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **fields)
        state["last"] = time.monotonic()


def job_release(job) -> None:
    """Let the next run take ``job`` at once (this process is stopping: Ctrl+C, SystemExit)."""
    type(job).objects.filter(pk=job.pk).update(heartbeat_at=None)


def job_swap(job, *, owner: str, current: str, file_field: str, keep: int, delete: Callable[[list[str]], None]):
    """Mark ``job`` done and make it the ``current`` one of its ``owner`` (a foreign key of the job),
    unless a newer one is current already: only forward. Of the owner's done jobs, all but the
    current one and the ``keep`` newest lose their file (``file_field`` emptied; ``delete(names)``
    once the transaction is committed). Returns ``job``."""
    model, stale = type(job), []
    owner_model = model._meta.get_field(owner).related_model
    with transaction.atomic():
        holder = owner_model.objects.select_for_update().get(pk=getattr(job, f"{owner}_id"))
        job.status = "done"
        job.finished_at = timezone.now()
        job.save()
        current_id = getattr(holder, f"{current}_id")
        if current_id is None or current_id < job.pk:
            setattr(holder, current, job)
            holder.modified_at = timezone.now()
            holder.save(update_fields=[current, "modified_at"])
        done = list(model.objects.filter(**{owner: holder}, status="done").exclude(**{file_field: ""})
                    .order_by("-id").values_list("pk", file_field))
        kept = {getattr(holder, f"{current}_id")} | {pk for pk, _name in done[:keep]}
        for pk, name in done:
            if pk not in kept:
                stale.append(name)
                model.objects.filter(pk=pk).update(**{file_field: ""})
        transaction.on_commit(lambda: delete(stale))
    return job


def jobs_requeue_stale(model, *, stale_after: datetime.timedelta, enqueue: Callable[[int], None],
                       now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Enqueue again (once the transaction is committed) the jobs a dead worker left: running but
    silent for ``stale_after``, or pending for longer. Returns their ids; the claim keeps each to one
    worker."""
    since = (now or timezone.now()) - stale_after
    stale = model.objects.filter(Q(status="running", heartbeat_at__lt=since) | Q(status="running", heartbeat_at=None)
                                 | Q(status="pending", created_at__lt=since)).order_by("id")
    enqueued = list(stale.values_list("pk", flat=True)[:limit])
    for pk in enqueued:
        transaction.on_commit(lambda pk=pk: enqueue(pk))
    return enqueued


def jobs_cancel_pending(model, *, code: str, message: str, **owner) -> int:
    """Mark failed, with ``code`` and ``message``, the pending jobs of ``owner`` (a filter such as
    ``datastore_id=…``) that will never be wanted (their resource is gone). Returns how many."""
    return model.objects.filter(status="pending", **owner).update(
        status="failed", finished_at=timezone.now(), error_code=code, error_message=message)


def job_work_dirs_clean(root: Path, model, *, keep: Callable[[str], bool] = lambda name: False) -> None:
    """Remove the work folders under ``root`` (one per job, named by its id) of jobs no longer
    running (a worker killed mid-run left them), except those ``keep(name)`` spares."""
    if not root.is_dir():
        return
    running = {str(pk) for pk in model.objects.filter(status="running").values_list("pk", flat=True)}
    for child in root.iterdir():
        if child.name not in running and not keep(child.name):
            shutil.rmtree(child, ignore_errors=True)


@contextmanager
def stored_file_locally(name: str, folder: Path):
    """A local path of the file ``name`` of ``default_storage``: the file itself when storage is a
    folder, else a copy in ``folder`` (object storage)."""
    try:
        local = Path(default_storage.path(name))
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    target = folder / "source"
    with default_storage.open(name, "rb") as handle, open(target, "wb") as out:
        shutil.copyfileobj(handle, out, 1024 * 1024)
    yield target


def store_file(local: Path, name: str) -> int:
    """Put the finished file ``local`` at ``name`` in ``default_storage`` (renamed into place when
    storage is a folder: atomically, through a temporary name on another file system); its size."""
    size = local.stat().st_size
    try:
        final = Path(default_storage.path(name))
    except NotImplementedError:
        final = None
    if final is None:
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(local, "rb") as handle:
            saved = default_storage.save(name, File(handle, name=os.path.basename(name)))
        if saved != name:
            raise RuntimeError(f"storage saved {saved!r} instead of {name!r}")
        return size
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(local, final)
    except OSError:  # another file system: copy next to it, then rename
        partial = final.with_name(f".{final.name}.partial")
        shutil.copyfile(local, partial)
        os.replace(partial, final)
    return size
