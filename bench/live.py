"""What the benches share: timing a call (p50/p95 after a warm-up) and a live ``ouvert serve``."""

from __future__ import annotations

import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: Untimed calls first: every web process (``--workers 2``) and its database connection warm.
WARM_UP = 4


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
    server's workers never share them), until it answers; stopped on exit."""
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
        yield
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
