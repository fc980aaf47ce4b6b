"""Bench: public consultations at scale (issue 8, « Speed »). Prints one JSON object.

    DATABASE_URL=postgres://…/ANY_DB REDIS_URL=redis://…/N python bench/consult.py   # full size, on PostgreSQL
    python bench/consult.py --quick                                   # small, on SQLite (or DATABASE_URL)

The server gets this process's environment: with ``REDIS_URL`` it counts the posting rate limits in
Redis, as a deployment with several web processes does (README, « Déploiement à grande échelle »);
without it, in the cache folder.

1. a **new** database (PostgreSQL: ``<name>_bench_consult_<pid>`` created beside the one ``DATABASE_URL``
   names and dropped at the end unless ``--keep``; SQLite: a file in a temporary folder) is migrated,
   then filled in bulk: one process open for contributions, **1,000 proposals with 150 comments each**
   (150,000 ``Comment`` rows, target_kind ``proposal``), **20,000 participants** (users and participation
   rows) and about 25,000 supports already given;
2. ``ouvert serve`` starts (``--workers``); **200 concurrent clients** (threads, ``http.client`` with
   keep-alive, each signed in with its own API token) **support proposals and post comments** through
   the API; pairs of clients share one account and submit the same supports at the same moment, and
   every fifth support is sent twice in a row (deliberate double submits). Figures: supports per second
   (target ≥ 500/s), the p95 of one support request under that load;
3. **zero lost, zero double-counted**: ``Support`` rows and every proposal's ``supports_count`` are
   recounted in the database and compared with what the server acknowledged (``created``), and each
   client account's ``supports_used`` with its rows;
4. p50/p95 of the **proposal list** (HTML, sorted by supports) and of the **proposal page** (HTML, with
   the first page of its 150 comments), one client, after the load (target p95 < 100 ms);
5. **opinion groups** of a 5,000 participants × 500 statements matrix through
   ``opinions_analysis.opinion_groups_from_matrix`` (target < 3 s).

Baselines, in the same run: the raw SQL floor of each page (``SELECT … ORDER BY supports_count DESC
LIMIT 20``, and the proposal + its first page of comments), raw ``INSERT … ON CONFLICT DO NOTHING``
supports per second through the database driver with the same concurrency, and red-dwarf (a Python
reproduction of Pol.is) on the same matrix.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import live  # noqa: E402  (bench/ is the script's folder)

SIZES = {
    "full": {"proposals": 1000, "comments": 150, "participants": 20_000, "clients": 200, "supports_per_client": 25,
             "comments_per_client": 2, "matrix": (5000, 500), "repeat": 100, "initial_supports": 25_000},
    "quick": {"proposals": 40, "comments": 30, "participants": 300, "clients": 16, "supports_per_client": 10,
              "comments_per_client": 1, "matrix": (400, 40), "repeat": 15, "initial_supports": 300},
}
TARGETS = {"page_p95_ms_max": 100, "supports_per_second_min": 500, "opinion_groups_seconds_max": 3}


def _stats(samples: list[float]) -> dict:
    if not samples:
        return {"n": 0}
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {"n": len(samples), "p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


# --- The database ----------------------------------------------------------------------------------

def _param(sql: str) -> str:
    from django.db import connection

    return sql if connection.vendor == "postgresql" else sql.replace("%s", "?")


# --- Generating ------------------------------------------------------------------------------------

TITLES = ["Publier les horaires des autobus en temps réel", "Ouvrir les données des permis de construire",
          "Créer un registre des logements vacants", "Mesurer la qualité de l’air près des écoles",
          "Publier les contrats municipaux de plus de 25 000 $", "Cartographier les pistes cyclables d’hiver",
          "Ouvrir les données des inspections alimentaires", "Publier le budget participatif par quartier"]
WORDS = ("données ouvertes transparence quartier accès citoyens publication mise à jour format ouvert "
         "licence réutilisation carte service municipal transport logement environnement").split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate(size: dict, seed: int = 1) -> dict:
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from ouvert.consult.models import Comment, Participation, Phase, Process, Proposal, Support
    from ouvert.core import services as core_services
    from ouvert.core.models import User

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    organisation = core_services.organisation_upsert(slug="bench", name_fr="Organisme du banc d’essai",
                                                      kind="public_body")
    process = Process.objects.create(
        organisation=organisation, slug="banc-essai", title_fr="Consultation du banc d’essai",
        summary_fr="Mille propositions, cent cinquante commentaires chacune.", published_at=now,
        starts_on=today - datetime.timedelta(days=10), ends_on=today + datetime.timedelta(days=60),
        support_threshold=500)
    Phase.objects.create(process=process, kind=Phase.Kind.CONTRIBUTION, starts_on=today - datetime.timedelta(days=10),
                         ends_on=today + datetime.timedelta(days=60), components=[c.value for c in Phase.Component])
    batch = 5000
    with transaction.atomic():
        User.objects.bulk_create([User(email=f"participant-{i:05d}@bench.example.org", full_name=f"Participant {i}",
                                       password="!") for i in range(size["participants"])], batch_size=batch)
    user_ids = list(User.objects.filter(email__endswith="@bench.example.org").order_by("email")
                    .values_list("pk", flat=True))
    with transaction.atomic():
        Participation.objects.bulk_create([Participation(process=process, user_id=uid, actions=1)
                                           for uid in user_ids], batch_size=batch)
        Proposal.objects.bulk_create([
            Proposal(process=process, number=n, author_id=user_ids[n % len(user_ids)],
                     title=f"{rng.choice(TITLES)} (n° {n})", body=_text(rng, 60),
                     comments_count=size["comments"], created_at=now - datetime.timedelta(minutes=n))
            for n in range(1, size["proposals"] + 1)], batch_size=batch)
    proposals = dict(Proposal.objects.filter(process=process).values_list("number", "pk"))
    t0 = time.perf_counter()
    rows = []
    for number, pk in proposals.items():
        for c in range(size["comments"]):
            rows.append(Comment(process=process, target_kind="proposal", target_id=pk,
                                author_id=user_ids[(number * 7 + c) % len(user_ids)], body=_text(rng, 25),
                                created_at=now - datetime.timedelta(seconds=number * 1000 + c)))
        if len(rows) >= 20_000:
            Comment.objects.bulk_create(rows, batch_size=batch)
            rows = []
    Comment.objects.bulk_create(rows, batch_size=batch)
    comments_s = time.perf_counter() - t0
    # Supports already given, by participants who are not the clients (their rows are checked after).
    givers = user_ids[size["clients"]:]
    pairs = set()
    while len(pairs) < min(size["initial_supports"], len(givers) * len(proposals) // 2):
        number = min(int(rng.paretovariate(1.2)), size["proposals"])
        pairs.add((proposals[number], rng.choice(givers)))
    with transaction.atomic():
        Support.objects.bulk_create([Support(proposal_id=p, process=process, user_id=u) for p, u in pairs],
                                    batch_size=batch)
        counts: dict[int, int] = {}
        for p, _u in pairs:
            counts[p] = counts.get(p, 0) + 1
        for p, n in counts.items():
            Proposal.objects.filter(pk=p).update(supports_count=n)
    return {"process": process, "proposals": proposals, "user_ids": user_ids, "initial_supports": len(pairs),
            "comments_insert_seconds": round(comments_s, 1)}


# --- HTTP load -------------------------------------------------------------------------------------

class Client:
    """One kept-alive connection (re-opened when the server closes it)."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.headers = {"Authorization": token} if token else {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if (response.getheader("Connection") or "").lower() == "close":
                    self.conn.close()
                return response.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.conn.close()


def load(port: int, slug: str, proposals: dict, tokens: list[str], size: dict, seed: int = 2) -> dict:
    """The clients support proposals and post comments all at once."""
    numbers = sorted(proposals)
    acked: dict[int, int] = {}
    support_times: list[float] = []
    statuses: dict[str, int] = {}
    comments_posted = [0]
    doubles = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens))
    pair_shared = min(20, len(tokens) // 2 * 2)  # clients 2k and 2k+1 (k < 10) share one account

    def client(index: int):
        account = index - index % 2 if index < pair_shared else index
        rng = random.Random(seed * 1000 + account)  # the same choices for both clients of a pair
        c = Client(port, tokens[account])
        plan = []
        for k in range(size["supports_per_client"]):
            number = rng.choice(numbers)
            plan.append(number)
            if k % 5 == 4:
                plan.append(number)  # sent twice in a row
        local_acked: dict[int, int] = {}
        local_times, local_status, local_doubles = [], {}, 0
        barrier.wait(timeout=300)
        for i, number in enumerate(plan):
            t0 = time.perf_counter()
            status, data = c.request("POST", f"/api/v1/consult/processes/{slug}/proposals/{number}/support")
            local_times.append(time.perf_counter() - t0)
            local_status[str(status)] = local_status.get(str(status), 0) + 1
            if status == 200:
                answer = json.loads(data)
                if answer["created"]:
                    local_acked[number] = local_acked.get(number, 0) + 1
                else:
                    local_doubles += 1
            if i % max(1, len(plan) // (size["comments_per_client"] + 1)) == 0 and i and \
                    comments_posted[0] < len(tokens) * size["comments_per_client"]:
                status, _ = c.request("POST", f"/api/v1/consult/processes/{slug}/comments", {
                    "target_kind": "proposal", "target_id": proposals[number],
                    "body": "Je suis d’accord : cette proposition rendrait les données utiles à tout le monde."})
                local_status[f"comment_{status}"] = local_status.get(f"comment_{status}", 0) + 1
                if status == 201:
                    with lock:
                        comments_posted[0] += 1
        c.close()
        with lock:
            for number, n in local_acked.items():
                acked[number] = acked.get(number, 0) + n
            support_times.extend(local_times)
            for key, n in local_status.items():
                statuses[key] = statuses.get(key, 0) + n
            doubles[0] += local_doubles

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    requests = len(support_times)
    return {"clients": len(tokens), "shared_account_pairs": pair_shared // 2, "support_requests": requests,
            "supports_created": sum(acked.values()), "double_submits_answered_existing": doubles[0],
            "comments_posted": comments_posted[0], "seconds": round(elapsed, 2),
            "supports_per_second": round(requests / elapsed, 1) if elapsed else None,
            "support_request": _stats(support_times), "statuses": statuses, "acked": acked}


def check(process, proposals: dict, acked: dict, initial: dict, client_ids: list[int]) -> dict:
    """Recount from the database and compare with what the server acknowledged."""
    from django.db.models import Count

    from ouvert.consult.models import Participation, Proposal, Support

    rows = dict(Support.objects.filter(process=process).values_list("proposal_id").annotate(n=Count("pk")))
    stored = dict(Proposal.objects.filter(process=process).values_list("pk", "supports_count"))
    lost = double = mismatched = 0
    for number, pk in proposals.items():
        expected = initial.get(pk, 0) + acked.get(number, 0)
        have = rows.get(pk, 0)
        lost += max(0, expected - have)
        double += max(0, have - expected)
        mismatched += int(stored[pk] != have)
    used = dict(Participation.objects.filter(process=process, user_id__in=client_ids)
                .values_list("user_id", "supports_used"))
    by_user = dict(Support.objects.filter(process=process, user_id__in=client_ids).values_list("user_id")
                   .annotate(n=Count("pk")))
    used_mismatch = sum(1 for uid in client_ids if used.get(uid, 0) != by_user.get(uid, 0))
    total_rows = sum(rows.values())
    return {"support_rows": total_rows, "expected_rows": sum(initial.values()) + sum(acked.values()),
            "lost": lost, "double_counted": double, "supports_count_mismatches": mismatched,
            "supports_used_mismatches": used_mismatch,
            "ok": lost == 0 and double == 0 and mismatched == 0 and used_mismatch == 0}


def pages(port: int, slug: str, numbers: list[int], repeat: int) -> dict:
    """p50/p95 of the HTML list and of proposal pages (one client, warm)."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override("fr"):
        list_path = reverse("consult:proposals", kwargs={"slug": slug})
        page_paths = [reverse("consult:proposal", kwargs={"slug": slug, "number": n}) for n in numbers]
    c = Client(port)
    out = {}
    for name, paths in (("proposal_list", [list_path]), ("proposal_page", page_paths)):
        for path in paths[:4]:  # warm every worker
            c.request("GET", path)
        samples, sizes, errors, first_error = [], [], 0, None
        for i in range(repeat):
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            status, body = c.request("GET", path)
            samples.append(time.perf_counter() - t0)
            if status != 200:
                errors += 1
                first_error = first_error or f"{status} {path}"
            sizes.append(len(body))
        out[name] = {**_stats(samples), "errors": errors, "bytes": int(statistics.median(sizes))}
        if first_error:
            out[name]["first_error"] = first_error
    c.close()
    return out


# --- Baselines -------------------------------------------------------------------------------------

def floor_queries(process_id: int, proposal_ids: list[int], repeat: int) -> dict:
    """The raw SQL each page cannot do without, through the driver (no Django)."""
    conn = live.raw_connect()
    cur = conn.cursor()
    list_sql = _param("SELECT id, number, title, status, supports_count, comments_count, created_at, author_id, "
                      "category_id FROM consult_proposal WHERE process_id = %s AND NOT is_hidden "
                      "ORDER BY supports_count DESC, id DESC LIMIT 20")
    page_sqls = (_param("SELECT * FROM consult_proposal WHERE id = %s"),
                 _param("SELECT c.id, c.body, c.created_at, c.upvotes, c.downvotes, u.full_name FROM consult_comment c "
                        "LEFT JOIN core_user u ON u.id = c.author_id WHERE c.target_kind = 'proposal' AND "
                        "c.target_id = %s AND c.parent_id IS NULL AND NOT c.is_hidden "
                        "ORDER BY c.created_at DESC, c.id DESC LIMIT 20"))
    out = {}
    samples = []
    for i in range(repeat + 5):
        t0 = time.perf_counter()
        cur.execute(list_sql, (process_id,))
        cur.fetchall()
        if i >= 5:
            samples.append(time.perf_counter() - t0)
    out["proposal_list_sql"] = _stats(samples)
    samples = []
    for i in range(repeat + 5):
        pk = proposal_ids[i % len(proposal_ids)]
        t0 = time.perf_counter()
        for sql in page_sqls:
            cur.execute(sql, (pk,))
            cur.fetchall()
        if i >= 5:
            samples.append(time.perf_counter() - t0)
    out["proposal_page_sql"] = _stats(samples)
    conn.close()
    return out


def raw_inserts(proposal_ids: list[int], user_ids: list[int], clients: int, per_client: int) -> dict:
    """Supports per second of bare ``INSERT … ON CONFLICT DO NOTHING`` (autocommit) into a copy of the
    support table, ``clients`` threads with their own connection, the same number of rows."""
    from django.db import connection

    ddl = connection.cursor()
    ddl.execute("DROP TABLE IF EXISTS bench_support")
    ddl.execute("CREATE TABLE bench_support (proposal_id bigint NOT NULL, user_id bigint NOT NULL, "
                "created_at timestamp NOT NULL, UNIQUE (proposal_id, user_id))")
    ddl.close()
    sql = _param("INSERT INTO bench_support (proposal_id, user_id, created_at) VALUES (%s, %s, CURRENT_TIMESTAMP) "
                 "ON CONFLICT DO NOTHING")
    requested = clients
    if connection.vendor == "postgresql":  # one connection per client, within what the server accepts
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_connections')::int - COUNT(*) FROM pg_stat_activity")
            free = cursor.fetchone()[0]
        clients = max(1, min(clients, free - 10))
        per_client = -(-requested * per_client // clients)
    barrier = threading.Barrier(clients)
    counts = [0] * clients

    def run(index: int):
        rng = random.Random(index)
        conn = live.raw_connect()
        cur = conn.cursor()
        barrier.wait(timeout=300)
        for _ in range(per_client):
            cur.execute(sql, (rng.choice(proposal_ids), user_ids[index]))
            counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    cursor = connection.cursor()
    cursor.execute("SELECT COUNT(*) FROM bench_support")
    rows = cursor.fetchone()[0]
    cursor.execute("DROP TABLE bench_support")
    cursor.close()
    return {"connections": clients, "inserts": sum(counts), "rows": rows, "seconds": round(elapsed, 2),
            "supports_per_second": round(sum(counts) / elapsed, 1) if elapsed else None}


def opinion_groups(participants: int, statements: int) -> dict:
    import numpy as np

    from ouvert.consult.opinions_analysis import opinion_groups_from_matrix, synthetic_votes

    matrix, _truth, _agreed = synthetic_votes(groups=4, participants=participants, statements=statements, seed=3)
    t0 = time.perf_counter()
    result = opinion_groups_from_matrix(matrix)
    ours = time.perf_counter() - t0
    out = {"participants": participants, "statements": statements, "votes": int((~np.isnan(matrix)).sum()),
           "ouvert": {"seconds": round(ours, 2), "status": result["status"], "groups": result["k"]}}
    try:
        from reddwarf.implementations.polis import run_pipeline
    except ImportError as exc:
        out["red_dwarf"] = {"error": str(exc)}
        return out
    rows, cols = np.nonzero(~np.isnan(matrix))
    votes = [{"participant_id": int(i), "statement_id": int(j), "vote": int(matrix[i, j]), "modified": 0}
             for i, j in zip(rows.tolist(), cols.tolist(), strict=True)]
    t0 = time.perf_counter()
    theirs = run_pipeline(votes=votes, random_state=0, min_user_vote_threshold=7)
    red = time.perf_counter() - t0
    out["red_dwarf"] = {"seconds": round(red, 2),
                        "groups": int(theirs.participants_df["cluster_id"].dropna().nunique())}
    try:
        from sklearn.metrics import adjusted_rand_score

        kept = result["kept_participants"]
        labels = theirs.participants_df.loc[kept, "cluster_id"].astype(int).to_numpy()
        out["adjusted_rand_index"] = round(float(adjusted_rand_score(result["labels"], labels)), 3)
    except Exception as exc:  # noqa: BLE001 — the timing matters here, the agreement is tested elsewhere
        out["adjusted_rand_index"] = f"n/a ({exc.__class__.__name__})"
    return out


# --- Main ------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    parser.add_argument("--port", type=int, default=8791, help="port of the live server")
    parser.add_argument("--workers", type=int, default=4, help="web processes of `ouvert serve` (default 4)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per web process of `ouvert serve` (default 1: sync workers; > 1: gthread)")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 200; 16 with --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database and the data folder")
    parser.add_argument("--no-opinions", action="store_true", help="skip the opinion groups")
    args = parser.parse_args()
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.clients:
        size["clients"] = args.clients
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="ouvert-bench-consult-"))
    os.environ["OUVERT_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("OUVERT_ENV", "development")
    if args.quick:
        # The test profile: static files from the finders (no collectstatic), tables made from the models.
        os.environ["OUVERT_ENV"] = "test"
    engine, drop = live.database("consult", args.keep)
    try:
        return _run(args, size, engine, started)
    finally:
        drop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _run(args, size: dict, engine: str, started: float) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from ouvert.core import services as core_services
    from ouvert.core.models import User

    live.log(f"{engine}: migrating")
    if args.quick:
        from django.apps import apps
        from django.conf import settings

        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        call_command("migrate", run_syncdb=True, verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    live.log(f"generating {size['proposals']} proposals × {size['comments']} comments, {size['participants']} people")
    t0 = time.perf_counter()
    data = generate(size)
    generate_s = time.perf_counter() - t0
    core_services.database_statistics_refresh()
    process, proposals = data["process"], data["proposals"]
    client_ids = data["user_ids"][:size["clients"]]
    from ouvert.core.models import ApiToken

    tokens = []
    for user in User.objects.filter(pk__in=client_ids).order_by("email"):
        raw = ApiToken.generate()  # as core.services.token_create, without one audit entry per client
        ApiToken.objects.create(user=user, name="bench", prefix=raw[:8], token_hash=ApiToken.hash(raw))
        tokens.append(raw)
    from django.db.models import Count

    from ouvert.consult.models import Support

    initial = dict(Support.objects.filter(process=process).values_list("proposal_id").annotate(n=Count("pk")))
    out: dict = {"bench": "consult", "engine": engine, "quick": args.quick, "cores": os.cpu_count(),
                 "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
                 "workers": args.workers, "threads": args.threads, "size": {k: v for k, v in size.items() if k != "matrix"},
                 "comments": size["proposals"] * size["comments"], "initial_supports": data["initial_supports"],
                 "generate_seconds": round(generate_s, 1),
                 "comments_insert_seconds": data["comments_insert_seconds"]}
    env = dict(os.environ)
    env["OUVERT_THREADS"] = str(args.threads)
    numbers = sorted(proposals)
    top = sorted(numbers, key=lambda n: -initial.get(proposals[n], 0))[:20]
    with live.server(args.port, env, workers=args.workers):
        live.log(f"{size['clients']} clients: supports and comments over HTTP")
        result = load(args.port, process.slug, proposals, tokens, size)
        acked = result.pop("acked")
        out["load"] = result
        live.log(json.dumps(result))
        live.log("recount")
        out["consistency"] = check(process, proposals, acked, initial, client_ids)
        live.log(json.dumps(out["consistency"]))
        live.log("pages")
        out["pages"] = pages(args.port, process.slug, top + numbers[::max(1, len(numbers) // 30)], size["repeat"])
        live.log(json.dumps(out["pages"]))
    live.log("baselines")
    out["baseline"] = {**floor_queries(process.pk, [proposals[n] for n in top], size["repeat"]),
                       "raw_insert": raw_inserts(list(proposals.values()), data["user_ids"][-size["clients"]:],
                                                 size["clients"], max(1, result["support_requests"] // size["clients"]))}
    live.log(json.dumps(out["baseline"]))
    if not args.no_opinions:
        live.log("opinion groups")
        out["opinion_groups"] = opinion_groups(*size["matrix"])
        live.log(json.dumps(out["opinion_groups"]))
    out["targets"] = TARGETS
    met = {
        "proposal_list_p95": out["pages"]["proposal_list"]["p95_ms"] < TARGETS["page_p95_ms_max"],
        "proposal_page_p95": out["pages"]["proposal_page"]["p95_ms"] < TARGETS["page_p95_ms_max"],
        "supports_per_second": (result["supports_per_second"] or 0) >= TARGETS["supports_per_second_min"],
        "zero_lost_or_double": out["consistency"]["ok"],
    }
    if "opinion_groups" in out:
        met["opinion_groups"] = out["opinion_groups"]["ouvert"]["seconds"] < TARGETS["opinion_groups_seconds_max"]
    out["met"] = met
    live.report(out, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
