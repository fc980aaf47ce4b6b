"""Bench: tabular data at scale (issue 4). Prints one JSON object.

    python bench/datastore.py                       # 1,000,000 rows, SQLite in a temporary folder
    python bench/datastore.py --rows 200000         # smaller, quicker
    DATABASE_URL=postgres://…/EMPTY_DB python bench/datastore.py

What it does, in one run:

1. generates a CSV of ``--rows`` rows and 12 columns as Quebec portals publish them: ``;``
   delimiter, decimals with a comma, dates as ``dd/mm/yyyy``, accented French text, empty cells
   (about 120 MB for 1,000,000 rows), and a corrupted copy with known errors (values of the wrong
   type, out-of-range and out-of-list values, duplicate identifiers, rows with a missing or an
   extra cell, blank rows);
2. **ingestion** (detection, types, Parquet, column profile: ``datastore.ingest`` +
   ``datastore.profile``), in a child process that reports its peak memory, against two
   baselines on the same file: DuckDB's raw ``read_csv`` written to Parquet (``COPY … TO``), and
   PostgreSQL ``COPY`` into a table of text columns (the core of CKAN's xloader);
3. **validation** against the same Table Schema, ours (``datastore.validation``) against
   ``frictionless validate``, on the clean and the corrupted file, with the error counts per code
   of both (they must be equal);
4. ``datastore_search`` (a filter, a sort, ``limit`` 100) and an aggregate ``datastore_search_sql``,
   p50/p95 over HTTP on a live ``ouvert serve``, after ingesting the file into a resource through
   the services (as an upload would).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

from live import getter, server, timed  # noqa: E402  (bench/ is the script's folder)

#: Montréal boroughs and places (real names, accents included).
BOROUGHS = [
    "Ahuntsic-Cartierville", "Anjou", "Côte-des-Neiges–Notre-Dame-de-Grâce", "Lachine", "LaSalle",
    "Le Plateau-Mont-Royal", "Le Sud-Ouest", "L'Île-Bizard–Sainte-Geneviève", "Mercier–Hochelaga-Maisonneuve",
    "Montréal-Nord", "Outremont", "Pierrefonds-Roxboro", "Rivière-des-Prairies–Pointe-aux-Trembles",
    "Rosemont–La Petite-Patrie", "Saint-Laurent", "Saint-Léonard", "Verdun", "Ville-Marie",
    "Villeray–Saint-Michel–Parc-Extension",
]
STATIONS = ["Berri", "Brébeuf", "Côte-Sainte-Catherine", "Maisonneuve", "du Parc", "Pierre-Dupuy", "Rachel",
            "Saint-Urbain", "Notre-Dame", "Christophe-Colomb", "Boyer", "Université", "Édouard-Montpetit"]
CATEGORIES = ["vélo", "piéton", "trottinette", "vélo électrique"]
COMMENTS = ["", "", "", "", "Capteur déplacé après les travaux", "Données partielles (panne électrique)",
            "Journée de grève", "Neige abondante — déneigement en cours", "Fête nationale du Québec",
            "Vérifié par l'équipe de l'arrondissement"]
HEADER = ["identifiant", "station", "arrondissement", "date_mesure", "heure", "categorie", "compte",
          "temperature_c", "precipitations_mm", "vitesse_moyenne_kmh", "latitude", "commentaire"]

#: The Table Schema both validators check against.
SCHEMA = {
    "fields": [
        {"name": "identifiant", "type": "integer", "constraints": {"required": True, "unique": True}},
        {"name": "station", "type": "string", "constraints": {"required": True}},
        {"name": "arrondissement", "type": "string", "constraints": {"enum": BOROUGHS}},
        {"name": "date_mesure", "type": "date", "format": "%d/%m/%Y"},
        {"name": "heure", "type": "integer", "constraints": {"minimum": 0, "maximum": 23}},
        {"name": "categorie", "type": "string", "constraints": {"enum": CATEGORIES}},
        {"name": "compte", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "temperature_c", "type": "number", "decimalChar": ",",
         "constraints": {"minimum": -50, "maximum": 50}},
        {"name": "precipitations_mm", "type": "number", "decimalChar": ",", "constraints": {"minimum": 0}},
        {"name": "vitesse_moyenne_kmh", "type": "number", "decimalChar": ","},
        {"name": "latitude", "type": "number", "decimalChar": ","},
        {"name": "commentaire", "type": "string"},
    ],
    "primaryKey": ["identifiant"],
}


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _comma(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _row(i: int, rnd: random.Random) -> list[str]:
    day = date(2019, 1, 1) + timedelta(days=rnd.randrange(5 * 365))
    temperature = "" if rnd.random() < 0.03 else _comma(rnd.gauss(8, 12), 1)
    return [
        str(i), rnd.choice(STATIONS), rnd.choice(BOROUGHS), day.strftime("%d/%m/%Y"), str(rnd.randrange(24)),
        rnd.choice(CATEGORIES), "" if rnd.random() < 0.02 else str(int(rnd.expovariate(1 / 120))), temperature,
        _comma(rnd.expovariate(1.5), 2), _comma(rnd.uniform(8, 28), 2), _comma(rnd.uniform(45.41, 45.70), 6),
        rnd.choice(COMMENTS),
    ]


def _line(cells: list[str]) -> str:
    return ";".join(f'"{c}"' if (";" in c or '"' in c) else c for c in cells) + "\n"


def generate(path: Path, rows: int, seed: int = 2021) -> None:
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(_line(HEADER))
        for i in range(1, rows + 1):
            out.write(_line(_row(i, rnd)))


def corrupt(src: Path, dst: Path, rows: int, seed: int = 1867) -> dict:
    """A copy of ``src`` with known errors, far enough apart that each is one error; returns what was put in."""
    rnd = random.Random(seed)
    kinds = ["type", "minimum", "enum", "duplicate", "missing", "extra", "blank"]
    per_kind = 40
    targets = rnd.sample(range(2, rows + 1), per_kind * len(kinds))
    plan = {line: kinds[n // per_kind] for n, line in enumerate(targets)}
    with open(src, encoding="utf-8", newline="") as inp, open(dst, "w", encoding="utf-8", newline="") as out:
        for number, line in enumerate(inp):
            kind = plan.get(number)
            if kind is None:
                out.write(line)
                continue
            cells = line.rstrip("\n").split(";")
            if kind == "type":
                cells[6] = "beaucoup"          # compte: integer
            elif kind == "minimum":
                cells[6] = "-5"                # compte: minimum 0
            elif kind == "enum":
                cells[5] = "monocycle"         # categorie: enum
            elif kind == "duplicate":
                cells[0] = "1"                 # identifiant: unique / primary key (row 1 holds it)
            elif kind == "missing":
                cells = cells[:-1]
            elif kind == "extra":
                cells.append("en trop")
            elif kind == "blank":
                out.write(line)                # the row stays; a blank row is added after it
                out.write(";" * (len(HEADER) - 1) + "\n")
                continue
            out.write(";".join(cells) + "\n")
    return {kind: per_kind for kind in kinds}


# --- measures ---------------------------------------------------------------------------------

def _child(kind: str, *args: str) -> dict:
    """Runs ``kind`` in a fresh process (this file with ``--child``) and returns its JSON answer,
    which includes the child's own peak memory."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_main(kind: str, args: list[str]) -> int:
    if kind == "duckdb_raw":
        import duckdb

        csv_path, parquet_path = args
        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{parquet_path}' (FORMAT parquet)")
        seconds = time.perf_counter() - t0
        rows = con.execute(f"SELECT COUNT(*) FROM read_parquet('{parquet_path}')").fetchone()[0]
        print(json.dumps({"seconds": round(seconds, 2), "rows": rows, "peak_mb": _peak_mb()}))
        return 0
    _django()
    if kind == "ingest":
        from ouvert.datastore import ingest, profile

        csv_path, parquet_path = args
        t0 = time.perf_counter()
        result = ingest.to_parquet(csv_path, parquet_path)
        converted = time.perf_counter() - t0
        columns = profile.profile(parquet_path)
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": round(seconds, 2), "convert_seconds": round(converted, 2),
                          "profile_seconds": round(seconds - converted, 2), "rows": result.rows,
                          "types": {c["name"]: c["type"] for c in result.columns},
                          "profiled_columns": len(columns), "peak_mb": _peak_mb()}))
        return 0
    raise SystemExit(f"unknown child {kind}")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    import django

    django.setup()


def pg_copy(csv_path: Path, pg_url: str) -> dict:
    """PostgreSQL ``COPY`` of the file into a table of text columns (what CKAN's xloader does)."""
    import psycopg

    columns = ", ".join(f'"{name}" text' for name in HEADER)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_datastore_copy")
        conn.execute(f"CREATE TABLE bench_datastore_copy ({columns})")
        t0 = time.perf_counter()
        with conn.cursor() as cursor:
            with cursor.copy("COPY bench_datastore_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)") as copy:
                with open(csv_path, "rb") as source:
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
        seconds = time.perf_counter() - t0
        rows = conn.execute("SELECT COUNT(*) FROM bench_datastore_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_datastore_copy")
    return {"seconds": round(seconds, 2), "rows": rows}


def frictionless_validate(csv_path: Path, schema_path: Path) -> dict:
    from frictionless import Dialect, Resource, Schema, formats

    t0 = time.perf_counter()
    resource = Resource(path=csv_path.name, basepath=str(csv_path.parent),
                        schema=Schema.from_descriptor(json.loads(schema_path.read_text(encoding="utf-8"))),
                        dialect=Dialect(controls=[formats.CsvControl(delimiter=";")]))
    report = resource.validate(limit_errors=100_000)
    seconds = time.perf_counter() - t0
    counts: dict[str, int] = {}
    for task in report.tasks:
        for error in task.errors:
            counts[error.type] = counts.get(error.type, 0) + 1
    return {"seconds": round(seconds, 2), "valid": report.valid, "counts": dict(sorted(counts.items()))}


def ours_validate(csv_path: Path, schema_path: Path) -> dict:
    from ouvert.datastore import schema as table_schema
    from ouvert.datastore import validation

    t0 = time.perf_counter()
    report = validation.validate(str(csv_path), table_schema.parse(json.loads(schema_path.read_text())),
                                 limit_errors=100_000)
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 2), "valid": report.valid, "counts": dict(sorted(report.counts.items()))}


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child_main(sys.argv[2], sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV (default 1000000)")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per search (default 50)")
    parser.add_argument("--port", type=int, default=8769, help="port of the live server for the HTTP part")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="PostgreSQL for the COPY baseline")
    parser.add_argument("--skip-frictionless", action="store_true", help="skip the (slow) frictionless baseline")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ouvert-bench-datastore-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["OUVERT_DATA_DIR"] = str(work / "var")
    csv_path, bad_path = work / "comptages.csv", work / "comptages-erreurs.csv"
    schema_path = work / "schema.json"
    schema_path.write_text(json.dumps(SCHEMA, ensure_ascii=False), encoding="utf-8")
    _log(f"generating {args.rows} rows in {work}")
    generate(csv_path, args.rows)
    injected = corrupt(csv_path, bad_path, args.rows)
    out: dict = {"bench": "datastore", "rows": args.rows, "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
                 "columns": len(HEADER), "injected_errors": injected}

    _log("ingestion: DuckDB raw read_csv → Parquet")
    out["ingest_duckdb_raw"] = _child("duckdb_raw", str(csv_path), str(work / "raw.parquet"))
    _log("ingestion: PostgreSQL COPY")
    out["ingest_postgresql_copy"] = pg_copy(csv_path, args.pg_url)
    _log("ingestion: ours")
    out["ingest_ours"] = _child("ingest", str(csv_path), str(work / "ours.parquet"))
    ours, raw, copy = out["ingest_ours"]["seconds"], out["ingest_duckdb_raw"]["seconds"], out["ingest_postgresql_copy"]["seconds"]
    out["ingest_ratio_to_duckdb_raw"] = round(ours / raw, 2)
    out["ingest_ratio_to_postgresql_copy"] = round(ours / copy, 2)

    _django()
    out["validation"] = {}
    for label, path in (("clean", csv_path), ("corrupted", bad_path)):
        _log(f"validation ({label}): ours")
        entry = {"ours": ours_validate(path, schema_path)}
        if not args.skip_frictionless:
            _log(f"validation ({label}): frictionless")
            entry["frictionless"] = frictionless_validate(path, schema_path)
            entry["same_counts"] = entry["ours"]["counts"] == entry["frictionless"]["counts"]
            entry["speedup"] = round(entry["frictionless"]["seconds"] / max(entry["ours"]["seconds"], 1e-6), 1)
        out["validation"][label] = entry

    if not args.no_http:
        out["http"] = http_searches(csv_path, args.repeat, args.port)
    out["targets"] = {"ingest_ratio_to_duckdb_raw_max": 2, "ingest_faster_than_postgresql_copy": True,
                      "validation_speedup_min": 20, "search_p95_ms_max": 50, "ingest_peak_mb_max": 1024}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _load_resource(csv_path: Path):
    """A dataset with one resource in the platform, the CSV loaded into it as ``ouvert datastore
    load`` does (a new version through the catalogue, then the ingestion)."""
    from django.core.management import call_command

    from ouvert.catalog import services as catalog_services
    from ouvert.core.models import Organisation
    from ouvert.core.services import organisation_upsert
    from ouvert.datastore import services as datastore_services

    call_command("migrate", verbosity=0)
    organisation = organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                       kind=Organisation.Kind.MUNICIPALITY)
    dataset = catalog_services.dataset_create(actor=None, organisation=organisation, data={
        "name": "comptages-mobilite-active", "title_fr": "Comptages de la mobilité active",
        "notes_fr": "Données générées pour le banc d'essai.", "state": "active"})
    resource = catalog_services.resource_create(actor=None, dataset=dataset, data={
        "name_fr": "Comptages", "url": "https://donnees.example/comptages.csv", "format": "CSV"})
    t0 = time.perf_counter()
    table = datastore_services.load_file(resource=resource, path=csv_path)
    if table.status != table.Status.DONE:
        raise RuntimeError(f"ingestion failed: {table.error_code} {table.error_message}")
    return str(resource.pk), datastore_services.local_parquet(table), round(time.perf_counter() - t0, 2)


def http_searches(csv_path: Path, repeat: int, port: int) -> dict:
    """``datastore_search`` and ``datastore_search_sql`` over HTTP, with DuckDB's own query of the
    same Parquet file in this process as the baseline."""
    import duckdb
    resource_id, parquet, load_seconds = _load_resource(csv_path)
    searches = {
        "search_filter_sort": {"resource_id": resource_id, "filters": json.dumps({"arrondissement": "Verdun"}),
                               "sort": "compte desc", "limit": "100"},
        "search_sql_aggregate": {"sql": f'SELECT "arrondissement", COUNT(*) AS n, AVG("compte") AS moyenne, '
                                        f'MAX("temperature_c") AS maximum FROM "{resource_id}" '
                                        'GROUP BY "arrondissement" ORDER BY n DESC'},
    }
    baselines = {
        "search_filter_sort": f"SELECT * FROM read_parquet('{parquet}') WHERE \"arrondissement\" = 'Verdun' "
                              'ORDER BY "compte" DESC NULLS LAST LIMIT 100',
        "search_sql_aggregate": f"SELECT \"arrondissement\", COUNT(*) AS n, AVG(\"compte\"), MAX(\"temperature_c\") "
                                f"FROM read_parquet('{parquet}') GROUP BY 1 ORDER BY n DESC",
    }
    con = duckdb.connect()
    out: dict = {"load_seconds": load_seconds}
    for name, sql in baselines.items():
        out[name] = {"duckdb_raw": timed(lambda sql=sql: con.execute(sql).fetchall(), repeat)}
    con.close()
    with server(port):
        for name, params in searches.items():
            action = "datastore_search_sql" if "sql" in params else "datastore_search"
            get = getter(port, f"/api/3/action/{action}?" + urllib.parse.urlencode(params))
            answer = json.loads(get())["result"]
            out[name]["http"] = timed(get, repeat)
            out[name]["records"] = len(answer["records"])
            if "total" in answer:
                out[name]["total"] = answer["total"]
            get.close()
    return out


if __name__ == "__main__":
    sys.exit(main())
