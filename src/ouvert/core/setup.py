"""Bringing an installation up to date: migrations, the Site, static files, demo content.

Used by ``ouvert demo`` (through the ``demo`` management command) and ``ouvert serve``;
every step is skipped when there is nothing to do, so a second run is fast.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations not yet applied to ``database`` (``app.name`` strings)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[database])
    targets = executor.loader.graph.leaf_nodes()
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in executor.migration_plan(targets)]


def migrate_if_needed(stdout=None) -> int:
    """Apply pending migrations; returns how many were applied."""
    pending = pending_migrations()
    if pending:
        call_command("migrate", interactive=False, verbosity=0, stdout=stdout)
    return len(pending)


def _manifest_path() -> Path | None:
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):  # LazyObject proxies isinstance
        return None
    return Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name


def static_is_stale() -> bool:
    """Whether ``collectstatic`` must run: no manifest yet, or a source file newer than it.

    Only meaningful with a manifest storage (development and production profiles); the test
    profile serves files from the finders and never needs ``collectstatic``.
    """
    from django.contrib.staticfiles.finders import get_finders

    manifest = _manifest_path()
    if manifest is None:
        return False
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns=["CVS", ".*", "*~"]):
            if Path(storage.path(path)).stat().st_mtime > built:
                return True
    return False


def collectstatic_if_needed(stdout=None) -> bool:
    if not static_is_stale():
        return False
    call_command("collectstatic", interactive=False, verbosity=0, stdout=stdout)
    return True
