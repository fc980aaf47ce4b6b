"""Bench: the market's OCDS packages at scale (issue 9, open data). Prints one JSON object.

    DATABASE_URL=postgres://…/ANY_DB python bench/market.py      # full size, on PostgreSQL
    python bench/market.py                                      # full size, on SQLite
    python bench/market.py --quick                              # small (150 opportunities)

1. a **new** database (PostgreSQL: ``<name>_bench_market_<pid>`` created beside the one ``DATABASE_URL``
   names and dropped at the end unless ``--keep``; SQLite: a file in a temporary folder) is migrated, then
   **2,000 opportunities** each live their life through ``ocds.release_add`` with the clock moved
   (time_machine): publication (``tender``), an addendum (``tenderAmendment``), closing with three proposals
   (``tenderUpdate``), award (``award``, ``contract``), an accepted and paid delivery (``implementation``):
   **10,000 releases**, as the platform writes them;
2. ``ouvert serve`` starts (``--workers``, one by default so that one process serves everything and its
   memory tells); one client reads the **platform release package** (``/api/v1/market/ocds/releases.json``,
   every page through ``links.next``) and the **platform record package** (``records.json``, every page),
   three times each. Figures: MB/s over the whole traversal (transfers only), time to first byte of the first page (p50),
   pages, bytes, and the web process's memory: its anonymous resident memory (the Python heap) before and
   at its peak during the traversals (sampled every 5 ms), and ``VmHWM`` (which also counts the SQLite file
   mapped by ``PRAGMA mmap_size``);
3. in this process, the same packages built unpaged through the generators the endpoints stream
   (``platform_release_package(paged=False)``, ``platform_record_package(paged=False)``): MB/s and peak
   Python memory (tracemalloc).

Baseline, in the same run: **``json.dumps`` of the same stored release rows loaded with one raw SQL query**
(``SELECT data FROM market_release ORDER BY id`` through the database driver, each row decoded, one package
dumped): MB/s and peak Python memory (tracemalloc).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import urllib.parse
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import live  # noqa: E402  (bench/ is the script's folder)

SIZES = {"full": {"opportunities": 2000, "repeat": 3}, "quick": {"opportunities": 150, "repeat": 3}}
MB = 1024 * 1024


# --- The database ----------------------------------------------------------------------------------

# --- Generating ------------------------------------------------------------------------------------

TITLES = ["Module de réservation de salles", "Tableau de bord des délais de traitement", "Formulaire de demande "
          "de subvention", "Carte interactive des chantiers", "Outil de suivi des plaintes", "API des horaires",
          "Application de signalement", "Catalogue des services en ligne"]


def generate(n: int, seed: int = 1) -> dict:
    import time_machine
    from django.db import transaction

    from ouvert.core import services as core_services
    from ouvert.market import ocds
    from ouvert.market.models import (
        Addendum,
        Contract,
        Criterion,
        Delivery,
        Opportunity,
        Proposal,
        Release,
        Submission,
        Supplier,
    )

    rng = random.Random(seed)
    buyers = [core_services.organisation_upsert(slug=f"organisme-{i}", name_fr=f"Ministère du banc d'essai {i}",
                                                kind="public_body") for i in range(6)]
    suppliers = []
    for i in range(24):
        org = core_services.organisation_upsert(slug=f"fournisseur-{i}", name_fr=f"Fournisseur {i} inc.",
                                                kind="supplier")
        suppliers.append(Supplier.objects.create(organisation=org, legal_name=f"Fournisseur {i} inc.",
                                                 neq=f"{1100000000 + i}", is_sme=i % 3 != 0, is_startup=i % 5 == 0))
    start = datetime.datetime(2024, 1, 8, 15, tzinfo=datetime.UTC)
    t0 = time.perf_counter()
    for i in range(n):
        published = start + datetime.timedelta(hours=7 * i)
        deadline = published + datetime.timedelta(days=20)
        price = Decimal(rng.randrange(5_000, 89_000, 500))
        with transaction.atomic():
            with time_machine.travel(published, tick=False):
                opportunity = Opportunity.objects.create(
                    reference=f"DAN-{published.year}-{i + 1:05d}", buyer=buyers[i % len(buyers)],
                    status=Opportunity.Status.PUBLISHED, title_fr=f"{rng.choice(TITLES)} (n° {i + 1})",
                    title_en=f"Bench opportunity {i + 1}",
                    teaser_fr="Un module libre, réutilisable par les autres organismes.",
                    description_fr="## Contexte\n\nLe ministère veut un module **libre**, documenté et testé.\n\n"
                                   "## Livrables\n\n- Le code sous licence libre\n- La documentation en français",
                    acceptance_fr="- Tests automatisés\n- Documentation en français", price=price,
                    deadline=deadline, published_at=published,
                    assignment_date=(deadline + datetime.timedelta(days=10)).date(),
                    start_date=(deadline + datetime.timedelta(days=14)).date(),
                    completion_date=(deadline + datetime.timedelta(days=90)).date(),
                    repository_url=f"https://git.example.org/bench/{i}")
                Criterion.objects.bulk_create([
                    Criterion(opportunity=opportunity, position=0, name_fr="Compréhension du besoin", weight=40),
                    Criterion(opportunity=opportunity, position=1, name_fr="Démarche proposée", weight=35),
                    Criterion(opportunity=opportunity, position=2, name_fr="Expérience de l'équipe", weight=25)])
                ocds.release_add(opportunity, ["tender"])
            with time_machine.travel(published + datetime.timedelta(days=3), tick=False):
                Addendum.objects.create(opportunity=opportunity, number=1, kind=Addendum.Kind.ANSWER,
                                        body_fr="Q : le code doit-il être en Python ?\n\nR : oui, Python 3.11 ou "
                                                "plus récent.", published_at=published + datetime.timedelta(days=3))
                ocds.release_add(opportunity, ["tenderAmendment"])
            bidders = rng.sample(suppliers, 3)
            made = Proposal.objects.bulk_create([Proposal(opportunity=opportunity, supplier=s,
                                                          status=Proposal.Status.SUBMITTED) for s in bidders])
            # Sealed submissions as the proposals part stores them (the bench never opens them: stand-in bytes).
            Submission.objects.bulk_create([Submission(
                proposal=p, version=1, draft_revision=1, sealed=b"bench", wrapped_key=b"bench", key_id="bench",
                receipt=hashlib.sha256(f"{i}-{p.supplier_id}".encode()).hexdigest(),
                sealed_sha256=hashlib.sha256(f"sealed-{i}-{p.supplier_id}".encode()).hexdigest(),
                submitted_at=published + datetime.timedelta(days=5), coi_attested=True, terms_accepted=True)
                for p in made])
            with time_machine.travel(deadline, tick=False):
                opportunity.status, opportunity.closed_at = Opportunity.Status.EVALUATION, deadline
                opportunity.save()
                ocds.release_add(opportunity, ["tenderUpdate"])
            awarded = deadline + datetime.timedelta(days=8)
            with time_machine.travel(awarded, tick=False):
                winner = Proposal.objects.get(opportunity=opportunity, supplier=bidders[0])
                contract = Contract.objects.create(opportunity=opportunity, proposal=winner, value=price,
                                                   awarded_at=awarded, award_note="Meilleure note consensuelle.")
                opportunity.status, opportunity.awarded_at = Opportunity.Status.AWARDED, awarded
                opportunity.save()
                ocds.release_add(opportunity, ["award", "contract"])
            accepted = awarded + datetime.timedelta(days=60)
            with time_machine.travel(accepted, tick=False):
                Delivery.objects.create(contract=contract, repository_url=f"https://git.example.org/bench/{i}",
                                        delivered_at=accepted - datetime.timedelta(days=3),
                                        decision=Delivery.Decision.ACCEPTED, decided_at=accepted)
                contract.status, contract.accepted_at = Contract.Status.ACCEPTED, accepted
                contract.payment_status, contract.paid_at = Contract.Payment.PAID, accepted
                contract.save()
                ocds.release_add(opportunity, ["implementation"])
        if (i + 1) % 250 == 0:
            live.log(f"{i + 1} opportunities, {Release.objects.count()} releases")
    return {"opportunities": n, "releases": Release.objects.count(), "seconds": round(time.perf_counter() - t0, 1),
            "release_add_ms": round((time.perf_counter() - t0) / max(1, Release.objects.count()) * 1000, 2)}


# --- Reading over HTTP -----------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _peak_rss_mb(pids: list[int]) -> float | None:
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return round(max(peaks), 1) if peaks else None


def _rss_anon_mb(pids: list[int]) -> float:
    """Resident anonymous memory (the Python heap; not the SQLite file mapped by ``mmap_size``, which
    ``VmHWM`` counts), in MB, of the largest of ``pids``."""
    sizes = [0.0]
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(sizes)


class _Sampler:
    """The peak of the workers' anonymous resident memory while a traversal runs (sampled every 5 ms)."""

    def __init__(self, pids: list[int]):
        import threading

        self.pids, self.peak, self._stop = pids, _rss_anon_mb(pids), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_anon_mb(self.pids))
            self._stop.wait(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def traverse(port: int, path: str) -> dict:
    """Every page of a package from ``path`` on (``links.next``): bytes, seconds (the transfers only: the
    client's decoding of each page, to find the next, is left out), time to first byte of the first page."""
    total, pages, ttfb, items, seconds = 0, 0, None, 0, 0.0
    while path:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        first = response.read(1)
        if ttfb is None:
            ttfb = time.perf_counter() - start
        body = first + response.read()
        seconds += time.perf_counter() - start
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"{response.status} {path}: {body[:300]!r}")
        pages += 1
        total += len(body)
        package = json.loads(body)
        items += len(package.get("releases") or package.get("records") or [])
        nxt = (package.get("links") or {}).get("next")
        path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
    return {"pages": pages, "items": items, "bytes": total, "seconds": seconds, "ttfb": ttfb}


def http_figures(port: int, path: str, repeat: int, pids: list[int]) -> dict:
    before = _rss_anon_mb(pids)
    with _Sampler(pids) as sampler:
        runs = [traverse(port, path) for _ in range(repeat)]
    seconds = statistics.median(r["seconds"] for r in runs)
    return {"pages": runs[0]["pages"], "items": runs[0]["items"], "megabytes": round(runs[0]["bytes"] / MB, 2),
            "seconds_median": round(seconds, 3), "mb_per_second": round(runs[0]["bytes"] / MB / seconds, 1),
            "ttfb_ms_p50": round(statistics.median(r["ttfb"] for r in runs) * 1000, 1),
            "worker_anon_rss_mb_before": round(before, 1), "worker_anon_rss_mb_peak": round(sampler.peak, 1),
            "worker_peak_rss_mb_after": _peak_rss_mb(pids)}


# --- In this process: ours (streamed generators) and the baseline -------------------------------------

def _measured(func, repeat: int = 3) -> dict:
    """Time (the median of ``repeat`` runs, tracing off: tracemalloc slows allocations down), then the peak
    of Python memory in one more run, traced."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        size = func()
        times.append(time.perf_counter() - t0)
    elapsed = statistics.median(times)
    tracemalloc.start()
    func()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"megabytes": round(size / MB, 2), "seconds": round(elapsed, 3), "mb_per_second": round(size / MB / elapsed, 1),
            "peak_python_memory_mb": round(peak / MB, 1)}


def in_process() -> dict:
    from ouvert.market import ocds

    def streamed(generator):
        def run():
            return sum(len(chunk.encode("utf-8")) for chunk in generator())
        return run

    def baseline():
        conn = live.raw_connect()
        cur = conn.cursor()
        cur.execute("SELECT data FROM market_release ORDER BY id")
        rows = [json.loads(data) if isinstance(data, str | bytes) else data for (data,) in cur.fetchall()]
        conn.close()
        package = {**ocds.package_meta(ocds.api_url("releases"), None), "releases": rows}
        return len(json.dumps(package, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    return {
        "baseline_json_dumps_raw_sql": _measured(baseline),
        "release_package_streamed": _measured(streamed(lambda: ocds.platform_release_package(paged=False))),
        "record_package_streamed": _measured(streamed(lambda: ocds.platform_record_package(paged=False))),
    }


# --- Main ------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run (150 opportunities)")
    parser.add_argument("--port", type=int, default=8793, help="port of the live server")
    parser.add_argument("--workers", type=int, default=1, help="web processes of `ouvert serve` (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database and the data folder")
    args = parser.parse_args()
    size = dict(SIZES["quick" if args.quick else "full"])
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="ouvert-bench-market-"))
    os.environ["OUVERT_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["DEBUG"] = "0"
    # The test profile: static files from the finders (no collectstatic), tables made from the models.
    os.environ["OUVERT_ENV"] = "test"
    engine, drop = live.database("market", args.keep)
    try:
        return _run(args, size, engine, started)
    finally:
        drop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def first_reference() -> str:
    from ouvert.market.models import Opportunity

    return Opportunity.objects.order_by("pk").values_list("reference", flat=True).first()


def _run(args, size: dict, engine: str, started: float) -> int:
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    live.log(f"{engine}: migrating")
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    live.log(f"generating {size['opportunities']} opportunities, five releases each")
    generated = generate(size["opportunities"])
    from ouvert.core import services as core_services

    core_services.database_statistics_refresh()
    out: dict = {"bench": "market", "engine": engine, "quick": args.quick, "cores": os.cpu_count(),
                 "load_average_at_start": [round(x, 1) for x in os.getloadavg()], "workers": args.workers,
                 "generated": generated}
    live.log(json.dumps(generated))
    with live.server(args.port, workers=args.workers) as pid:
        pids = _children(pid) or [pid]
        # Warm the worker (its first API request imports and compiles what every later one uses).
        traverse(args.port, f"/api/v1/market/ocds/{first_reference()}/releases.json")
        out["worker_peak_rss_mb_at_start"] = _peak_rss_mb(pids)
        live.log("HTTP: platform release package")
        out["http_release_package"] = http_figures(args.port, "/api/v1/market/ocds/releases.json", size["repeat"], pids)
        live.log(json.dumps(out["http_release_package"]))
        live.log("HTTP: platform record package")
        out["http_record_package"] = http_figures(args.port, "/api/v1/market/ocds/records.json", size["repeat"], pids)
        live.log(json.dumps(out["http_record_package"]))
    live.log("in this process: streamed generators and the baseline")
    out["in_process"] = in_process()
    live.log(json.dumps(out["in_process"]))
    base = out["in_process"]["baseline_json_dumps_raw_sql"]
    out["ratios_to_baseline"] = {
        "http_release_package_mb_per_second": round(out["http_release_package"]["mb_per_second"]
                                                    / base["mb_per_second"], 2),
        "streamed_release_package_mb_per_second": round(out["in_process"]["release_package_streamed"]["mb_per_second"]
                                                        / base["mb_per_second"], 2),
        "streamed_release_package_peak_memory": round(out["in_process"]["release_package_streamed"]
                                                      ["peak_python_memory_mb"] / base["peak_python_memory_mb"], 3),
    }
    live.report(out, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
