"""Background jobs kept as rows of a model (a datastore ingestion, a geographic conversion): the steps
they share. Such a model has ``status`` (``pending``, ``running``, ``done``, ``failed``), ``attempts``,
``started_at``, ``heartbeat_at``, ``finished_at``, ``error_code`` and ``error_message``."""

from __future__ import annotations

import datetime
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
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
