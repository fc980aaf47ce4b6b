"""Bench: open science at the size of the FRQ's output (issue 10). Prints one JSON object.

    python bench/science.py                                   # full size, on SQLite
    DATABASE_URL=postgres://…/ANY_DB python bench/science.py  # full size, on PostgreSQL
    python bench/science.py --quick                           # small (1,000 publications)

1. a **new** database (PostgreSQL: ``<name>_bench_science_<pid>`` beside the one ``DATABASE_URL`` names,
   dropped at the end unless ``--keep``; SQLite: a file in a temporary folder) is migrated and filled with
   **20,000 funded publications** (2 authors and 1–2 fundings each, 3 funds, publication years 2019–2026,
   2,000 journals of which a third fully open access, declared deposits of every kind: the inputs of every
   route and verdict), written with ``bulk_create`` (setup, not measured);
2. **verdicts**: ``compliance.recompute`` over the whole registry (every funding judged against its fund's
   policy version, steps stored, the publications' summary and observed status): publications per second.
   Baseline, same run: **one raw SQL query reading the same inputs** (publications joined to their fundings,
   journals and deposits) through the database driver, every row fetched — the floor of any engine that
   must read what it judges;
3. **OAI-PMH provider**: ``ouvert serve`` starts (``--workers``), and **Sickle** (the PyPI client) harvests
   the whole registry, ``ListRecords`` in ``oai_dc`` then ``oai_openaire`` (100 records a page, resumption
   tokens): records per second, p50/p95 per page, every record exactly once. Baseline, same run: **the same
   records read with one raw SQL query and written as ``oai_dc`` with ``xml.etree.ElementTree``** in this
   process (no framework, no HTTP, no paging);
4. **OAI-PMH harvester**: ``oai_client.harvest`` harvests that live provider as an institutional repository
   (parsing, storing every deposit, matching each to its publication by DOI, recomputing the verdicts of the
   publications matched): records per second. Baseline, same run: **Sickle iterating the same ``ListRecords``
   pages** (HTTP and XML parsing only, nothing stored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import live  # noqa: E402  (bench/ is the script's folder)

SIZES = {"full": {"publications": 20_000, "journals": 2_000}, "quick": {"publications": 1_000, "journals": 200}}
LICENCES = ["CC-BY-4.0", "CC-BY-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", ""]
WORDS = ("accès ouvert données climat santé mémoire forêt boréale réseau neurones quantique érosion littoral "
         "langue française inégalités logement vaccination sols agricoles glaciers énergie hydrogène "
         "apprentissage profond cohorte adolescents biodiversité pêche saumon intelligence artificielle").split()


def _issn(number: int) -> str:
    from ouvert.science.identifiers import issn_check_digit

    digits = f"{number:07d}"
    return f"{digits[:4]}-{digits[4:]}{issn_check_digit(digits)}"


# --- Filling the registry --------------------------------------------------------------------------

def _generate(size: dict, rng: random.Random) -> dict:
    from ouvert.core import services as core_services
    from ouvert.science.identifiers import title_normalize
    from ouvert.science.models import Author, Fund, Funding, Journal, PolicyVersion, Publication

    t0 = time.perf_counter()
    frq = core_services.organisation_upsert(slug="frq", name_fr="Fonds de recherche du Québec", kind="public_body")
    funds = []
    for position, (slug, name) in enumerate((("frqnt", "Nature et technologies"), ("frqs", "Santé"),
                                             ("frqsc", "Société et culture"))):
        fund = Fund.objects.create(slug=slug, acronym=slug.upper(), name_fr=f"FRQ — {name}", organisation=frq,
                                   position=position)
        PolicyVersion.objects.create(fund=fund, code="2019", title_fr="Politique 2019",
                                     effective_from=datetime.date(2019, 4, 1), max_embargo_months=12,
                                     routes={"journal": {}, "repository": {"versions": ["accepted", "published"]}})
        PolicyVersion.objects.create(fund=fund, code="2022", title_fr="Politique 2022",
                                     effective_from=datetime.date(2022, 7, 1), max_embargo_months=0,
                                     licences=["CC-BY-4.0", "CC-BY-ND-4.0", "CC-BY-SA-4.0", "CC0-1.0"],
                                     routes={"journal": {}, "repository": {"versions": ["accepted", "published"]},
                                             "rights_retention": {}})
        funds.append(fund)
    journals = []
    for i in range(size["journals"]):
        title = f"Revue {rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
        oa = i % 3 == 0
        journals.append(Journal(title=title, title_normalized=title_normalize(title), issn_electronic=_issn(1_000_000 + i),
                                publisher=f"Éditeur {i % 40}", is_open_access=oa, registry="DOAJ" if oa else "",
                                licences=["CC-BY-4.0"] if oa else []))
    journals = Journal.objects.bulk_create(journals, batch_size=1000)
    now = datetime.datetime.now(datetime.UTC)
    publications = []
    for i in range(size["publications"]):
        journal = rng.choice(journals)
        published = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(0, 2900))
        kind = rng.randrange(4)  # 0: nothing deposited, 1: deposited at once, 2: deposited late, 3: unknown date
        deposited = None if kind in (0, 3) else published + datetime.timedelta(days=0 if kind == 1 else rng.randrange(30, 600))
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + f" ({i})"
        publications.append(Publication(
            doi=f"10.5555/bench.{i}", title=title, title_normalized=title_normalize(title), journal=journal,
            journal_title=journal.title, issn=journal.issn_electronic, publisher=journal.publisher,
            published_on=published if kind != 3 else None,
            licence=rng.choice(LICENCES) if journal.is_open_access else rng.choice(["", "", "CC-BY-4.0"]),
            version_deposited="" if deposited is None else rng.choice(["accepted", "published", "submitted"]),
            repository_url="" if deposited is None else f"https://depot.example.org/record/{i}",
            deposited_on=deposited, deposit_open_on=deposited, deposit_licence="" if deposited is None else rng.choice(LICENCES),
            source=Publication.Source.CSV, created_at=now, updated_at=now - datetime.timedelta(seconds=i)))
    publications = Publication.objects.bulk_create(publications, batch_size=2000)
    authors, fundings = [], []
    for i, publication in enumerate(publications):
        for position in range(2):
            authors.append(Author(publication=publication, position=position, name=f"Personne {i}-{position}",
                                  is_corresponding=position == 0, email=f"p{i}@example.org" if position == 0 else ""))
        for fund in rng.sample(funds, 1 if i % 5 else 2):
            fundings.append(Funding(publication=publication, fund=fund, grant_number=f"{fund.slug}-{i}"))
    Author.objects.bulk_create(authors, batch_size=5000)
    Funding.objects.bulk_create(fundings, batch_size=5000)
    return {"publications": len(publications), "authors": len(authors), "fundings": len(fundings),
            "journals": len(journals), "seconds": round(time.perf_counter() - t0, 1)}


# --- 2. Verdicts -----------------------------------------------------------------------------------

def _verdicts() -> dict:
    from django.db import connection

    from ouvert.science import compliance
    from ouvert.science.models import Compliance, Publication

    t0 = time.perf_counter()
    count = compliance.recompute(Publication.objects.all())
    seconds = time.perf_counter() - t0
    shares = {value: Publication.objects.filter(compliance=value).count() for value in Compliance.values}
    sql = ("SELECT p.id, p.doi, p.published_on, p.licence, p.version_deposited, p.deposited_on, p.deposit_open_on, "
           "p.deposit_licence, j.is_open_access, j.licences, f.fund_id, f.competition_date, d.version, d.licence "
           "FROM science_publication p JOIN science_funding f ON f.publication_id = p.id "
           "LEFT JOIN science_journal j ON j.id = p.journal_id "
           "LEFT JOIN science_deposit d ON d.publication_id = p.id ORDER BY p.id")
    conn = live.raw_connect()
    b0 = time.perf_counter()
    rows = conn.execute(sql).fetchall() if connection.vendor == "sqlite" else conn.cursor().execute(sql).fetchall()
    baseline = time.perf_counter() - b0
    conn.close()
    return {"publications": count, "seconds": round(seconds, 2), "publications_per_second": round(count / seconds),
            "verdicts": shares,
            "baseline_raw_read": {"rows": len(rows), "seconds": round(baseline, 3),
                                  "publications_per_second": round(count / baseline)}}


# --- 3. The provider, harvested by Sickle ----------------------------------------------------------

def _sickle_harvest(base: str, prefix: str) -> dict:
    from sickle import Sickle

    client = Sickle(base, max_retries=0, timeout=120)
    pages, identifiers = [], []
    t0 = time.perf_counter()
    last = t0
    records = client.ListRecords(metadataPrefix=prefix, ignore_deleted=False)
    seen_token = None
    for record in records:
        identifiers.append(record.header.identifier)
        token = getattr(records, "resumption_token", None)
        if token is not None and token is not seen_token:
            now = time.perf_counter()
            pages.append(now - last)
            last, seen_token = now, token
    seconds = time.perf_counter() - t0
    return {"records": len(identifiers), "unique": len(set(identifiers)), "seconds": round(seconds, 2),
            "records_per_second": round(len(identifiers) / seconds), "pages": len(pages) + 1,
            **({"page": live.stats(pages)} if pages else {})}


def _baseline_dc(count: int) -> dict:
    """The same records as ``oai_dc`` without the framework: one raw query, ElementTree."""
    from django.db import connection

    sql = ("SELECT p.id, p.doi, p.title, p.journal_title, p.issn, p.publisher, p.published_on, p.licence, "
           "p.updated_at, (SELECT group_concat(a.name, '; ') FROM science_author a WHERE a.publication_id = p.id) "
           "FROM science_publication p ORDER BY p.updated_at, p.id")
    if connection.vendor == "postgresql":
        sql = sql.replace("group_concat(a.name, '; ')", "string_agg(a.name, '; ')")
    conn = live.raw_connect()
    t0 = time.perf_counter()
    cursor = conn.cursor()
    cursor.execute(sql)
    dc, ns = "http://purl.org/dc/elements/1.1/", "http://www.openarchives.org/OAI/2.0/oai_dc/"
    size = 0
    for row in cursor.fetchall():
        record = ET.Element(f"{{{ns}}}dc")
        for name, value in (("title", row[2]), ("identifier", f"https://doi.org/{row[1]}"), ("source", row[3]),
                            ("source", row[4]), ("publisher", row[5]), ("date", str(row[6] or "")),
                            ("rights", row[7]), ("creator", row[9] or "")):
            if value:
                ET.SubElement(record, f"{{{dc}}}{name}").text = value
        size += len(ET.tostring(record))
    seconds = time.perf_counter() - t0
    conn.close()
    return {"records": count, "seconds": round(seconds, 2), "records_per_second": round(count / seconds),
            "megabytes": round(size / 1024 / 1024, 1)}


# --- 4. The harvester ------------------------------------------------------------------------------

def _harvester(base: str) -> dict:
    from ouvert.science import oai_client
    from ouvert.science.models import Deposit, RepositorySource

    source = RepositorySource.objects.create(slug="bench", name="Le registre lui-même", base_url=base,
                                             granularity=RepositorySource.Granularity.SECOND)
    t0 = time.perf_counter()
    run = oai_client.harvest(actor=None, source=source, full=True)
    seconds = time.perf_counter() - t0
    return {"status": run.status, "error": run.error[:300], "records": run.records, "pages": run.pages,
            "matched": run.matched, "deposits_stored": Deposit.objects.filter(source=source).count(),
            "seconds": round(seconds, 2), "records_per_second": round(run.records / seconds) if run.records else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 publications")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    out = {"bench": "science", "size": size}
    data_dir = Path(tempfile.mkdtemp(prefix="ouvert-bench-science-"))
    os.environ["OUVERT_DATA_DIR"] = str(data_dir)
    os.environ["OUVERT_BASE_URL"] = f"http://127.0.0.1:{args.port}"
    os.environ["OUVERT_OUTBOUND_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["OUVERT_SCIENCE_OAI_PAGE_SIZE"] = "100"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    engine, drop = live.database("science", args.keep)
    out["database"] = engine
    t_total = time.perf_counter()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        live.log(f"{engine}: migrating")
        call_command("migrate", verbosity=0)
        live.log(f"generating {size['publications']} publications")
        out["generated"] = _generate(size, random.Random(args.seed))
        live.log("verdicts")
        out["verdicts"] = _verdicts()
        live.log(json.dumps(out["verdicts"]))
        base = f"http://127.0.0.1:{args.port}/oai"
        with live.server(args.port, workers=args.workers):
            out["provider"] = {}
            for prefix in ("oai_dc", "oai_openaire"):
                live.log(f"sickle harvests the provider ({prefix})")
                out["provider"][prefix] = _sickle_harvest(base, prefix)
                live.log(json.dumps(out["provider"][prefix]))
            out["provider"]["baseline_raw_sql_elementtree_dc"] = _baseline_dc(size["publications"])
            live.log("the harvester harvests the provider")
            out["harvester"] = _harvester(base)
            live.log(json.dumps(out["harvester"]))
            out["harvester"]["baseline_sickle_iteration"] = {
                key: out["provider"]["oai_dc"][key] for key in ("records", "seconds", "records_per_second")}
        provider, baseline = out["provider"]["oai_dc"], out["provider"]["baseline_raw_sql_elementtree_dc"]
        out["ratios_to_baseline"] = {
            "verdicts_per_second_vs_raw_read": round(out["verdicts"]["publications_per_second"]
                                                     / out["verdicts"]["baseline_raw_read"]["publications_per_second"], 3),
            "provider_oai_dc_records_per_second_vs_raw_sql_elementtree": round(
                provider["records_per_second"] / baseline["records_per_second"], 3),
            "harvester_records_per_second_vs_sickle_iteration": round(
                out["harvester"]["records_per_second"] / provider["records_per_second"], 3),
        }
        out["every_record_exactly_once"] = all(
            harvest["records"] == harvest["unique"] == size["publications"]
            for harvest in (out["provider"]["oai_dc"], out["provider"]["oai_openaire"]))
    finally:
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)
    live.report(out, t_total)


if __name__ == "__main__":
    main()
