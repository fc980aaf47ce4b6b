"""Real concurrency for tests (PostgreSQL): run calls at the same instant, each in its own thread and database
connection."""

import threading

from django.db import connections


def race(calls, *, timeout: float = 120):
    """Run every call at once (threads released together by a barrier), each with its own connection (closed
    at the end); return what each returned, or the exception it raised, in the calls' order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 — the test looks at what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
