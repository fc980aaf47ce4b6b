"""Bench: the free-software module at the size of a government's catalogue and forge (issue 11). Prints one
JSON object.

    python bench/software.py                                   # full size, on SQLite
    DATABASE_URL=postgres://…/ANY_DB python bench/software.py  # full size, on PostgreSQL
    python bench/software.py --quick                           # small (500 entries, 1,000 repositories)

1. a **new** database (PostgreSQL: ``<name>_bench_software_<pid>`` beside the one ``DATABASE_URL`` names,
   dropped at the end unless ``--keep``; SQLite: a file in a temporary folder) is migrated and filled with
   **5,000 catalogue entries** (bilingual descriptions, functions and features, publiccode.yml categories,
   SPDX licences, types, statuses, 60 public bodies publishing or using them: 12,000 uses), written with
   ``bulk_create`` (setup, not measured), then indexed by ``software_reindex()`` (timed);
2. **catalogue search**, for a fixed mix (one word, two words, a word with a category and a licence, a word
   with ``used_by``, no words sorted by name, a deep page), ``--repeat`` times each, p50/p95 of:
   - ``engine``, the baseline: the engine's raw full-text query for the words alone (``search.Match.ranked``:
     ids and relevance of the best 20, FTS5's ``bm25()`` or PostgreSQL's ``ts_rank``), nothing else;
   - ``service``: ``catalogue_search`` as the page runs it — count, a page of 20 with publishers and use
     counts, the seven facets — and the inventory's matching repositories (``repositories_matching``), with
     its SQL query count;
   - ``http_page`` and ``http_api``: ``GET /fr/logiciel-libre/catalogue/?…`` and
     ``GET /api/v1/software/catalogue?…`` on a live ``ouvert serve --workers 2`` (``--no-http`` skips them);
3. **inventory import**, **10,000 code repositories** of 60 bodies on four forges, as a CSV list then as an
   Open Resource Exchange YAML file, each through ``repositories_import`` (decoding, every field checked,
   addresses normalised, bodies resolved, linked to the catalogue, written, indexed, audited), then the same
   CSV again (nothing changes: nothing is written). Baselines, same run: the CSV read by the ``csv`` module
   and its rows inserted into a bare table by the database driver (``executemany``, one transaction) — the
   floor of any importer that must read and store; the YAML parsed by PyYAML's C safe loader alone
   (``yaml.load(…, CSafeLoader)``), nothing checked or stored;
4. **inventory search**: ``repository_search`` (count, a page of 20, five facets) for a word, p50/p95,
   against the engine's raw query (as in 2).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import live  # noqa: E402  (bench/ is the script's folder)

SIZES = {"full": {"software": 5_000, "repositories": 10_000, "bodies": 60},
         "quick": {"software": 500, "repositories": 1_000, "bodies": 20}}
WORDS_FR = ("gestion documentaire courriel tableur cartographie géomatique réservation salles paie budget archives "
            "numérisation formulaires signature électronique visioconférence clavardage sondage consultation "
            "billetterie bibliothèque inventaire parc informatique sauvegarde supervision réseau pare-feu "
            "authentification annuaire données ouvertes tableau de bord statistiques portail citoyen permis "
            "taxation foncière transport collectif horaires voirie déneigement eau potable énergie").split()
WORDS_EN = ("document management email spreadsheet mapping geomatics booking rooms payroll budget archives "
            "scanning forms electronic signature video conferencing chat survey consultation ticketing library "
            "inventory backup monitoring network firewall authentication directory open data dashboard "
            "statistics citizen portal permits property tax transit schedules roads snow removal water energy").split()
LICENCES = ["MIT", "Apache-2.0", "GPL-3.0-or-later", "GPL-2.0-or-later", "AGPL-3.0-or-later", "MPL-2.0",
            "LGPL-3.0-or-later", "BSD-3-Clause", "LiLiQ-R-1.1", "LiLiQ-P-1.1", "EUPL-1.2",
            "LiLiQ-R-1.1 OR GPL-3.0-or-later", "MIT OR Apache-2.0"]
LANGUAGES = ["Python", "Java", "JavaScript", "TypeScript", "PHP", "C#", "Go", "Ruby", "R", "Kotlin"]
FORGES = ["github.com", "gitlab.com", "git.forge.gouv.qc.ca", "codeberg.org"]


def _sentence(rng: random.Random, words, n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


# --- 1. The catalogue -------------------------------------------------------------------------------

def _generate(size: dict, rng: random.Random) -> dict:
    from ouvert.core import services as core_services
    from ouvert.software import vocabulary
    from ouvert.software.models import CatalogueStatus, Software, SoftwareType, Usage

    t0 = time.perf_counter()
    bodies = [core_services.organisation_upsert(slug=f"organisme-{i}", name_fr=f"Organisme public {i}",
                                                kind="public_body" if i % 3 else "municipality")
              for i in range(size["bodies"])]
    categories = list(vocabulary.CATEGORIES)
    types = [value for value in SoftwareType.values if value]
    statuses = [CatalogueStatus.LISTED] * 6 + [CatalogueStatus.RECOMMENDED] * 3 + [CatalogueStatus.OBSERVATION]
    entries = []
    for i in range(size["software"]):
        head = rng.randrange(len(WORDS_FR))
        proprietary = i % 12 == 0
        entries.append(Software(
            slug=f"logiciel-{i}", name=f"{WORDS_FR[head].capitalize()} {i}",
            short_description_fr=_sentence(rng, WORDS_FR, 10)[:300],
            short_description_en=_sentence(rng, WORDS_EN, 10)[:300],
            long_description_fr=_sentence(rng, WORDS_FR, 60), long_description_en=_sentence(rng, WORDS_EN, 60),
            function_fr=WORDS_FR[head], function_en=WORDS_EN[head % len(WORDS_EN)],
            features_fr=[_sentence(rng, WORDS_FR, 3) for _ in range(3)],
            features_en=[_sentence(rng, WORDS_EN, 3) for _ in range(3)],
            categories=rng.sample(categories, 2), licence="" if proprietary else rng.choice(LICENCES),
            is_proprietary=proprietary, latest_version=f"{rng.randrange(1, 30)}.{rng.randrange(10)}",
            software_type=rng.choice(types), status=CatalogueStatus.LISTED if proprietary else rng.choice(statuses),
            repository_url="" if proprietary else f"https://{FORGES[i % 4]}/organisme-{i % size['bodies']}/depot-{i}",
            from_quebec_public_body=i % 7 == 0, publisher=bodies[i % len(bodies)] if i % 7 == 0 else None))
    entries = Software.objects.bulk_create(entries, batch_size=1000)
    uses = []
    for entry in entries:
        if not entry.is_proprietary:
            for body in rng.sample(bodies, rng.choice((0, 1, 2, 3, 5, 6))):
                uses.append(Usage(software=entry, organisation=body, purpose_fr=_sentence(rng, WORDS_FR, 6),
                                  version=entry.latest_version))
    Usage.objects.bulk_create(uses, batch_size=5000)
    generated = time.perf_counter() - t0
    from ouvert.software import services

    t0 = time.perf_counter()
    indexed = services.software_reindex()
    return {"software": len(entries), "uses": len(uses), "bodies": len(bodies), "seconds": round(generated, 1),
            "reindex": {"entries": indexed, "seconds": round(time.perf_counter() - t0, 2)}}


def _mix(body_slug: str) -> dict[str, dict]:
    return {
        "one_word": {"q": "cartographie"},
        "two_words": {"q": "gestion documentaire"},
        "word_category_licence": {"q": "réseau", "category": "it-security", "licence": "MIT"},
        "word_used_by": {"q": "budget", "used_by": body_slug},
        "no_words_by_name": {"sort": "name"},
        "deep_page": {"q": "données", "page": "10"},
    }


def _catalogue_search(repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ouvert.core import search
    from ouvert.core import services as core_services
    from ouvert.software import services

    results = {}
    for name, params in _mix("organisme-3").items():
        live.log(f"catalogue search: {name}")
        q = params.get("q", "")
        filters = {key: value for key, value in params.items() if key in services.FILTERS}

        def run(params=params, q=q, filters=filters):
            result = services.catalogue_search(q=q, filters=filters, sort=params.get("sort", ""))
            page = core_services.page_get(result["queryset"], int(params.get("page", 1)), 20, result["count"])
            list(page.object_list)
            services.repositories_matching(q)
            return page.paginator.count

        entry: dict = {"params": params}
        match = search.match(services.SEARCH_KIND, q)
        if match is not None:
            entry["engine_matches"] = match.count()
            entry["engine"] = live.timed(lambda match=match: match.ranked(limit=20), repeat)
        entry["service"] = live.timed(run, repeat)
        with CaptureQueriesContext(connection) as ctx:
            entry["count"] = run()
        entry["service"]["sql_queries"] = len(ctx.captured_queries)
        results[name] = entry
    return results


def _http(port: int, repeat: int) -> dict:
    out = {}
    for name, params in _mix("organisme-3").items():
        query = urllib.parse.urlencode(params)
        for label, path in (("http_page", f"/fr/logiciel-libre/catalogue/?{query}"),
                            ("http_api", f"/api/v1/software/catalogue?{query}")):
            get = live.getter(port, path)
            out.setdefault(name, {})[label] = live.timed(get, repeat)
            get.close()
    return out


# --- 3. The inventory import --------------------------------------------------------------------------

def _repositories(size: dict, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(size["repositories"]):
        body = i % size["bodies"]
        rows.append({"url": f"https://{FORGES[i % 4]}/organisme-{body}/depot-{i}",
                     "nom": f"depot-{i}", "description": _sentence(rng, WORDS_FR, 12),
                     "organisme": f"organisme-{body}", "langage": rng.choice(LANGUAGES),
                     "licence": rng.choice(LICENCES), "sujets": "; ".join(rng.sample(WORDS_FR, 3)),
                     "derniere_activite": f"20{rng.randrange(15, 26)}-{rng.randrange(1, 13):02d}-"
                                          f"{rng.randrange(1, 29):02d}",
                     "archive": "oui" if i % 9 == 0 else "non"})
    return rows


def _csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _ore_bytes(rows: list[dict]) -> bytes:
    import yaml

    releases = [{"name": {"en": r["nom"], "fr": r["nom"]},
                 "description": {"whatItDoes": {"en": r["description"], "fr": r["description"]}},
                 "repositoryURL": {"en": r["url"], "fr": r["url"]},
                 "licences": [{"spdxID": r["licence"]}], "languages": [r["langage"]],
                 "tags": {"fr": r["sujets"].split("; ")},
                 "date": {"created": "2014-02-14", "metadataLastUpdated": r["derniere_activite"]},
                 "contact": {"email": "equipe@example.org"}}
                for r in rows]
    return yaml.safe_dump({"schemaVersion": "1.0", "adminCode": "bench-qc", "releases": releases},
                          allow_unicode=True, sort_keys=False).encode("utf-8")


def _baseline_csv(data: bytes) -> dict:
    """The CSV read by the csv module and inserted into a bare table by the driver, in one transaction."""
    from django.db import connection

    conn = live.raw_connect()
    cursor = conn.cursor()
    cursor.execute("CREATE TABLE bench_repository (url varchar(500) PRIMARY KEY, name varchar(200), "
                   "description text, organisation varchar(100), language varchar(60), licence varchar(200), "
                   "topics text, last_activity date, archived boolean)")
    placeholder = "%s" if connection.vendor == "postgresql" else "?"
    t0 = time.perf_counter()
    rows = [tuple(row) for row in csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";")][1:]
    cursor.execute("BEGIN")
    cursor.executemany(f"INSERT INTO bench_repository VALUES ({', '.join([placeholder] * 9)})",
                       [(*row[:8], row[8] == "oui") for row in rows])
    cursor.execute("COMMIT")
    seconds = time.perf_counter() - t0
    cursor.execute("DROP TABLE bench_repository")
    conn.close()
    return {"rows": len(rows), "seconds": round(seconds, 3), "rows_per_second": round(len(rows) / seconds)}


def _import(team, data: bytes, filename: str, organisation=None) -> dict:
    from ouvert.software import services

    t0 = time.perf_counter()
    report = services.repositories_import(actor=team, data=data, filename=filename, organisation=organisation)
    seconds = time.perf_counter() - t0
    count = report.get("created", 0) + report.get("updated", 0) + report.get("unchanged", 0)
    return {"report": {key: value for key, value in report.items() if isinstance(value, int)},
            "seconds": round(seconds, 2), "rows_per_second": round(count / seconds) if count else 0}


def _inventory(size: dict, rng: random.Random) -> dict:
    import yaml

    from ouvert.core import services as core_services
    from ouvert.core.models import Membership
    from ouvert.software.models import CodeRepository

    organisation = core_services.organisation_upsert(slug=core_services.open_data_organisation(),
                                                     name_fr="Secrétariat du Conseil du trésor", kind="public_body")
    team = core_services.user_upsert(email="equipe@bench.example.org", password=None, full_name="Équipe")
    core_services.membership_set(user=team, organisation=organisation, role=Membership.Role.EDITOR)
    rows = _repositories(size, rng)
    data = _csv_bytes(rows)
    out: dict = {"repositories": len(rows), "csv_megabytes": round(len(data) / 1024 / 1024, 2)}
    live.log(f"inventory: importing {len(rows)} repositories (CSV)")
    out["csv_import"] = _import(team, data, "depots.csv")
    out["csv_import"]["linked_to_catalogue"] = CodeRepository.objects.exclude(software=None).count()
    live.log("inventory: the same CSV again")
    out["csv_reimport_unchanged"] = _import(team, data, "depots.csv")
    out["baseline_csv_module_and_driver_insert"] = _baseline_csv(data)
    ore_rows = [{**row, "url": row["url"].replace("/depot-", "/ore-"), "nom": row["nom"].replace("depot", "ore")}
                for row in rows]
    ore = _ore_bytes(ore_rows)
    out["yaml_megabytes"] = round(len(ore) / 1024 / 1024, 2)
    core_services.organisation_upsert(slug="organisme-yaml", name_fr="Organisme du fichier YAML",
                                      kind="public_body")
    live.log(f"inventory: importing {len(ore_rows)} repositories (Open Resource Exchange YAML)")
    out["yaml_import"] = _import(team, ore, "code.yml", organisation="organisme-yaml")
    t0 = time.perf_counter()
    parsed = yaml.load(ore, Loader=yaml.CSafeLoader)
    seconds = time.perf_counter() - t0
    out["baseline_yaml_c_safe_loader_parse"] = {"releases": len(parsed["releases"]), "seconds": round(seconds, 2),
                                                "rows_per_second": round(len(parsed["releases"]) / seconds)}
    out["stored"] = CodeRepository.objects.count()
    return out


def _inventory_search(repeat: int) -> dict:
    from ouvert.core import search
    from ouvert.core import services as core_services
    from ouvert.software import services

    def run():
        result = services.repository_search(q="cartographie")
        list(core_services.page_get(result["queryset"], 1, 20).object_list)

    match = search.match(services.INVENTORY_SEARCH_KIND, "cartographie")
    return {"q": "cartographie", "engine_matches": match.count(),
            "engine": live.timed(lambda: match.ranked(limit=20), repeat), "service": live.timed(run, repeat)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 entries, 1,000 repositories")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per search (default 30)")
    parser.add_argument("--no-http", action="store_true", help="skip the live server")
    parser.add_argument("--port", type=int, default=8795)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    out: dict = {"bench": "software", "size": size}
    data_dir = Path(tempfile.mkdtemp(prefix="ouvert-bench-software-"))
    os.environ["OUVERT_DATA_DIR"] = str(data_dir)
    os.environ["OUVERT_SOFTWARE_IMPORT_MAX_BYTES"] = str(64 * 1024 * 1024)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    engine, drop = live.database("software", args.keep)
    out["database"] = engine
    t_total = time.perf_counter()
    rng = random.Random(args.seed)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        live.log(f"{engine}: migrating")
        call_command("migrate", verbosity=0)
        live.log(f"generating {size['software']} catalogue entries")
        out["generated"] = _generate(size, rng)
        live.log(json.dumps(out["generated"]))
        out["inventory_import"] = _inventory(size, rng)
        live.log(json.dumps(out["inventory_import"]))
        out["catalogue_search"] = _catalogue_search(args.repeat)
        out["inventory_search"] = _inventory_search(args.repeat)
        if not args.no_http:
            with live.server(args.port):
                for name, stats in _http(args.port, args.repeat).items():
                    out["catalogue_search"][name].update(stats)
        imported = out["inventory_import"]
        out["ratios_to_baseline"] = {
            "csv_import_rows_per_second_vs_csv_module_and_driver_insert": round(
                imported["csv_import"]["rows_per_second"]
                / imported["baseline_csv_module_and_driver_insert"]["rows_per_second"], 3),
            "yaml_import_rows_per_second_vs_c_safe_loader_parse": round(
                imported["yaml_import"]["rows_per_second"]
                / imported["baseline_yaml_c_safe_loader_parse"]["rows_per_second"], 3),
        }
    finally:
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)
    live.report(out, t_total)


if __name__ == "__main__":
    main()
