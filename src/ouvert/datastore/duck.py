"""The only way the project opens DuckDB.

Every connection is in memory, never downloads an extension (automatic install and load are
off, and the extension repository points at a local folder, so even an explicit ``INSTALL``
cannot reach the network), has a memory limit and a thread count from the settings, and spills
to a temporary folder under the data folder. The spatial extension is loaded from the file
shipped in the ``duckdb-extension-spatial`` wheel, never from the network.

Settings (all optional):

- ``OUVERT_DUCKDB_MEMORY_LIMIT`` — e.g. ``"1GB"`` (default ``"1GB"``);
- ``OUVERT_DUCKDB_THREADS`` — worker threads (default: the number of CPUs);
- ``DATA_DIR`` — the data folder (``OUVERT_DATA_DIR``); DuckDB's temporary files go to
  ``DATA_DIR/tmp/duckdb``.
"""

from __future__ import annotations

import os
import platform
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import duckdb
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_MEMORY_LIMIT = "1GB"
_MEMORY_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)\s*$", re.IGNORECASE)


def _data_dir() -> Path:
    return Path(getattr(settings, "DATA_DIR", None) or os.environ.get("OUVERT_DATA_DIR", "var")).resolve()


def temp_directory() -> Path:
    """The folder where DuckDB spills what does not fit in memory (created on demand)."""
    path = _data_dir() / "tmp" / "duckdb"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _extension_directory() -> Path:
    """A local folder for DuckDB's extension cache and repository: nothing is ever fetched."""
    path = _data_dir() / "tmp" / "duckdb-extensions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def memory_limit_setting() -> str:
    value = str(getattr(settings, "OUVERT_DUCKDB_MEMORY_LIMIT", "") or DEFAULT_MEMORY_LIMIT)
    if not _MEMORY_RE.match(value):
        raise ImproperlyConfigured(
            f"OUVERT_DUCKDB_MEMORY_LIMIT must be a size such as '1GB' or '512MB', not {value!r}.")
    return value.replace(" ", "")


def threads_setting() -> int:
    value = getattr(settings, "OUVERT_DUCKDB_THREADS", None)
    if value in (None, "", 0, "0"):
        return max(1, os.cpu_count() or 1)
    try:
        threads = int(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"OUVERT_DUCKDB_THREADS must be a whole number, not {value!r}.") from None
    if threads < 1:
        raise ImproperlyConfigured(f"OUVERT_DUCKDB_THREADS must be at least 1, not {threads}.")
    return threads


def _platform_names() -> list[str]:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = platform.system().lower()
    system = {"darwin": "osx"}.get(system, system)
    return [f"{system}_{arch}", f"{system}_{arch}_gcc4", arch, system]


@lru_cache(maxsize=1)
def spatial_extension_path() -> Path:
    """The ``spatial.duckdb_extension`` file of the installed ``duckdb-extension-spatial`` wheel.

    The wheel holds ``extensions/v<duckdb version>/spatial.duckdb_extension`` (possibly under a
    platform folder). Raises ``ImproperlyConfigured`` with a clear message when the package or
    the file for this DuckDB version is missing.
    """
    try:
        import duckdb_extension_spatial
    except ImportError:
        raise ImproperlyConfigured(
            "The DuckDB spatial extension is not installed: install duckdb-extension-spatial=="
            f"{duckdb.__version__} (it must match duckdb exactly).") from None
    root = Path(duckdb_extension_spatial.__file__).resolve().parent / "extensions"
    version = f"v{duckdb.__version__}"
    candidates = sorted(root.glob("**/spatial.duckdb_extension")) if root.is_dir() else []
    for_version = [path for path in candidates if version in path.relative_to(root).parts]
    for name in _platform_names():
        for path in for_version:
            if name in path.relative_to(root).parts:
                return path
    if len(for_version) == 1:
        return for_version[0]
    found = ", ".join(str(path.relative_to(root)) for path in candidates) or "none"
    raise ImproperlyConfigured(
        f"No spatial extension file for DuckDB {duckdb.__version__} on {platform.machine()} in {root} "
        f"(found: {found}). Install duckdb-extension-spatial=={duckdb.__version__}.")


def connect(*, spatial: bool = False, memory_limit: str | None = None, threads: int | None = None,
            read_only_paths: Iterable[str | os.PathLike] | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection, configured for the project.

    ``memory_limit`` / ``threads`` override the settings for this connection (e.g. a small
    limit for a web request). ``spatial=True`` loads the spatial extension from the wheel's file
    before returning, so ``ST_`` functions (and ``ST_Read`` for ODS/XLSX through GDAL) work.

    ``read_only_paths`` sandboxes the connection for untrusted SQL: only those files can be
    read (``allowed_paths``), every other file system access (``read_csv`` of another file,
    ``COPY … TO``, ``ATTACH``, globs) is refused by DuckDB itself (``enable_external_access``
    off), and the configuration is locked, so ``SET``/``RESET`` cannot undo it. Give an empty
    list to forbid every file.
    """
    config = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "custom_extension_repository": str(_extension_directory()),
        "extension_directory": str(_extension_directory()),
        "memory_limit": memory_limit or memory_limit_setting(),
        "threads": int(threads or threads_setting()),
        "temp_directory": str(temp_directory()),
    }
    con = duckdb.connect(":memory:", config=config)
    try:
        # Progress is read with query_progress(); DuckDB never draws its own bar on the terminal
        # (it would clutter workers' logs and the command line's own bars).
        con.execute("SET enable_progress_bar_print = false")
        if spatial:
            path = spatial_extension_path()
            con.execute(f"LOAD '{_sql_string(str(path))}'")
        if read_only_paths is not None:
            paths = [str(Path(path).resolve()) for path in read_only_paths]
            if paths:
                listed = ", ".join(f"'{_sql_string(path)}'" for path in paths)
                con.execute(f"SET allowed_paths = [{listed}]")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


class ProcessDatabase:
    """One DuckDB database a process keeps for its life (see ``per_process``), with one cursor per
    thread. ``connect_options`` are given to ``connect``."""

    connect_options: dict = {}

    def __init__(self):
        self.pid = os.getpid()
        self.con = connect(**self.connect_options)
        self.local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self.local, "cursor", None)
        if cur is None:
            cur = self.local.cursor = self.con.cursor()
        return cur


def per_process(cls):
    """A function giving this process's instance of ``cls`` (a ``ProcessDatabase``): made on first use,
    and again after a fork (DuckDB's threads and locks do not survive one)."""
    lock = threading.Lock()
    held: list = [None]

    def get():
        with lock:
            if held[0] is None or held[0].pid != os.getpid():
                held[0] = cls()
            return held[0]

    return get


def _sql_string(value: str) -> str:
    """A value to put between single quotes in SQL."""
    return value.replace("'", "''")


def quote_identifier(name: str) -> str:
    """A column or table name quoted for DuckDB SQL (any character, including quotes)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A string literal for DuckDB SQL."""
    return "'" + _sql_string(str(value)) + "'"
