"""What the benches share: a log line, a new database for the run, a raw driver connection, timing a call
(p50/p95 after a warm-up) and a live ``ouvert serve``."""

from __future__ import annotations

import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

#: Untimed calls first: every web process (``--workers 2``) and its database connection warm.
WARM_UP = 4


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def database(label: str, keep: bool):
    """A new database for the run; returns (engine, a function that drops it). PostgreSQL when
    ``DATABASE_URL`` names one: ``<its name>_bench_<label>_<pid>`` is created beside it (and dropped at the
    end unless ``keep``); otherwise SQLite (the caller points ``OUVERT_DATA_DIR`` at a temporary folder)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        os.environ.pop("DATABASE_URL", None)
        return "sqlite", lambda: None
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'ouvert'}_bench_{label}_{os.getpid()}"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop():
        if keep:
            log(f"database kept: {name}")
            return
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return "postgresql", drop


def raw_connect():
    """A new connection of the database driver itself (no Django), autocommit (SQLite in WAL mode, usable
    from several threads)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    import sqlite3

    conn = sqlite3.connect(connection.settings_dict["NAME"], timeout=60, isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def report(out: dict, started: float) -> None:
    """Print the bench's JSON object, with the load average at the end (was the machine idle?) and the time it
    took since ``started`` (``time.perf_counter()``)."""
    import json

    out["load_average_at_end"] = [round(value, 1) for value in os.getloadavg()]
    out["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=1, ensure_ascii=False))


def stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def timed(func, repeat: int) -> dict:
    """p50/p95 of ``repeat`` calls of ``func``, after ``WARM_UP`` untimed ones."""
    for _ in range(WARM_UP):
        func()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        samples.append(time.perf_counter() - t0)
    return stats(samples)


@contextlib.contextmanager
def server(port: int, env: dict | None = None, workers: int = 2):
    """``ouvert serve`` on ``port`` (this process's database connections closed first, so that the
    server's workers never share them), until it answers; gives the server's process id (to read its
    memory); stopped on exit."""
    from django.db import connections

    connections.close_all()
    command = [str(Path(sys.executable).with_name("ouvert")), "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=dict(env or os.environ), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/api/3/action/site_read")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError(f"ouvert serve did not start on port {port}")
            time.sleep(0.3)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def getter(port: int, path: str):
    """A function that GETs ``path`` on one kept-alive connection and returns the body (any status
    but 200 raises); ``.close()`` closes the connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get() -> bytes:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {body[:300]!r}")
        return body

    get.close = conn.close
    return get
