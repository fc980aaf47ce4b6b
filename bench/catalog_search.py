"""Bench: catalogue search at scale (issue 3). Prints one JSON object.

    python bench/catalog_search.py --n 100000                 # SQLite in a fresh temporary folder
    DATABASE_URL=postgres://…/EMPTY_DB python bench/catalog_search.py --n 100000

What it does, in one process and on the engine of the chosen database:

1. migrates a fresh database, then generates ``--n`` bilingual datasets (about 40 publishers,
   500 tags, 12 themes, 3 resources each) directly with ``bulk_create`` — the vocabulary is
   real: Quebec publishers, the 2021-2023 open-government plan's bilingual text, subjects taken
   from the test corpus (Montréal bike counts, Environment Canada weather, StatCan tables,
   Québec City bike network…); it times the load, then ``indexing.reindex_datasets()``;
2. for a fixed mix of searches (one word, two words, a phrase, a word with ``fq`` on the
   publisher and three facets, a word sorted by date, deep paging) it measures, ``--repeat``
   times each, p50/p95 of:
   - ``engine``: the raw full-text query of the engine for ``q`` alone, without visibility,
     filters, count or facets (``core.search.Match.ranked``: ids and relevance, best 20; FTS5's
     ``bm25()`` or PostgreSQL's ``ts_rank``) — the *baseline*;
   - ``orm``: ``indexing.search_datasets`` on the anonymous visible queryset: count + one page;
   - ``package_search``: the CKAN action in-process (``package_search.package_search``), with
     its SQL query count;
   - ``http``: ``GET /api/3/action/package_search`` on a live ``ouvert serve`` (``--port``) —
     skipped with ``--no-http``.

The database must be empty (a new PostgreSQL database, or the default temporary SQLite), except
with ``--existing``, which only measures the searches on data a previous run left (its SQLite
folder is printed as ``data_dir``; ``OUVERT_DATA_DIR=… python bench/catalog_search.py --existing``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from live import getter, server, timed  # noqa: E402  (bench/ is the script's folder)

#: (French, English) subjects: real open-data subjects of Quebec portals and of the test corpus.
SUBJECTS = [
    ("Comptage des vélos sur les pistes cyclables", "Bicycle counts on bike paths"),
    ("Réseau cyclable", "Bike network"),
    ("Stations BIXI et déplacements", "BIXI stations and trips"),
    ("Météo horaire", "Hourly weather"),
    ("Indice des prix de l'électricité", "Electric power price index"),
    ("Chargements ferroviaires", "Railway carloadings"),
    ("Lieux publics", "Public places"),
    ("Limites administratives de l'agglomération", "Administrative boundaries of the agglomeration"),
    ("Arrondissements", "Boroughs"),
    ("Régions administratives du Québec", "Administrative regions of Québec"),
    ("Qualité de l'eau potable", "Drinking water quality"),
    ("Qualité de l'air", "Air quality"),
    ("Collecte des matières résiduelles", "Waste collection"),
    ("Permis de construction", "Building permits"),
    ("Arbres publics", "Public trees"),
    ("Patinoires extérieures", "Outdoor skating rinks"),
    ("Déneigement des rues", "Snow removal"),
    ("Horaires du transport en commun (GTFS)", "Public transit schedules (GTFS)"),
    ("Collisions routières", "Road collisions"),
    ("Stationnements tarifés", "Paid parking"),
    ("Contrats octroyés", "Contracts awarded"),
    ("Budget et états financiers", "Budget and financial statements"),
    ("Élections municipales : résultats par bureau de vote", "Municipal elections: results by polling station"),
    ("Bibliothèques et prêts de documents", "Libraries and loans"),
    ("Population par municipalité", "Population by municipality"),
    ("Établissements de santé", "Health institutions"),
    ("Écoles primaires et secondaires", "Primary and secondary schools"),
    ("Aires protégées", "Protected areas"),
    ("Feux de forêt", "Forest fires"),
    ("Niveaux d'eau des rivières", "River water levels"),
    ("Inspections des aliments", "Food inspections"),
    ("Bornes de recharge pour véhicules électriques", "Electric vehicle charging stations"),
    ("Travaux routiers", "Road works"),
    ("Requêtes citoyennes 311", "311 service requests"),
    ("Consommation d'énergie des bâtiments municipaux", "Energy use of municipal buildings"),
    ("Émissions de gaz à effet de serre", "Greenhouse gas emissions"),
    ("Indicateurs du marché du travail", "Labour market indicators"),
    ("Publications en libre accès", "Open access publications"),
    ("Logiciels libres utilisés par l'administration", "Free software used by the administration"),
    ("Suivi du plan d'action en gouvernement ouvert", "Open government action plan tracking"),
]
PLACES = ["Montréal", "Québec", "Laval", "Gatineau", "Longueuil", "Sherbrooke", "Saguenay", "Lévis",
          "Trois-Rivières", "Terrebonne", "Rimouski", "Rouyn-Noranda", "Val-d'Or", "Sept-Îles", "Gaspé",
          "Drummondville", "Granby", "Saint-Jérôme", "Shawinigan", "Joliette", "Baie-Comeau", "Alma"]
#: Publishers beyond the plan's own bodies (the plan has 22): real Quebec bodies and cities.
MORE_PUBLISHERS = [
    ("ville-de-montreal", "Ville de Montréal", "City of Montréal", "municipality"),
    ("ville-de-quebec", "Ville de Québec", "Québec City", "municipality"),
    ("ville-de-laval", "Ville de Laval", "City of Laval", "municipality"),
    ("ville-de-gatineau", "Ville de Gatineau", "City of Gatineau", "municipality"),
    ("ville-de-sherbrooke", "Ville de Sherbrooke", "City of Sherbrooke", "municipality"),
    ("ville-de-longueuil", "Ville de Longueuil", "City of Longueuil", "municipality"),
    ("ville-de-levis", "Ville de Lévis", "City of Lévis", "municipality"),
    ("stm", "Société de transport de Montréal", "Montréal transit corporation", "public_body"),
    ("isq", "Institut de la statistique du Québec", "Institut de la statistique du Québec", "public_body"),
    ("mtmd", "Ministère des Transports et de la Mobilité durable", "Ministry of Transport and Sustainable Mobility",
     "public_body"),
    ("melccfp", "Ministère de l'Environnement, de la Lutte contre les changements climatiques, de la Faune et "
     "des Parcs", "Ministry of the Environment, the Fight Against Climate Change, Wildlife and Parks",
     "public_body"),
    ("msss", "Ministère de la Santé et des Services sociaux", "Ministry of Health and Social Services",
     "public_body"),
    ("mern", "Ministère des Ressources naturelles et des Forêts", "Ministry of Natural Resources and Forests",
     "public_body"),
    ("hydro-quebec", "Hydro-Québec", "Hydro-Québec", "public_body"),
    ("saaq", "Société de l'assurance automobile du Québec", "Société de l'assurance automobile du Québec",
     "public_body"),
    ("mapaq", "Ministère de l'Agriculture, des Pêcheries et de l'Alimentation",
     "Ministry of Agriculture, Fisheries and Food", "public_body"),
    ("dgeq", "Élections Québec", "Elections Québec", "public_body"),
    ("sepaq", "Société des établissements de plein air du Québec", "Sépaq", "public_body"),
]
FORMATS = ["CSV", "JSON", "GeoJSON", "XLSX", "PDF", "SHP", "XML", "ZIP", "KML", "Parquet"]


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _plan():
    return json.loads((ROOT / "src/ouvert/plan/data/plan-2021-2023.json").read_text(encoding="utf-8"))


def _text_pairs(plan) -> list[tuple[str, str]]:
    """Bilingual paragraphs of the real plan (descriptions, objectives, reasons), cut to ~400 characters."""
    pairs = []
    for section in ("challenges", "commitments", "milestones"):
        for item in plan[section]:
            for key in ("description", "objective", "why"):
                fr, en = item.get(f"{key}_fr"), item.get(f"{key}_en")
                if fr and en:
                    pairs.append((fr[:400], en[:400]))
    return pairs


def _tags(plan, pairs) -> list[str]:
    """500 real words: subjects and places first, then the plan's most frequent long words."""
    tags: list[str] = []
    for fr, _en in SUBJECTS:
        for word in re.findall(r"[\wÀ-ÿ'-]{5,}", fr.lower()):
            if word not in tags:
                tags.append(word)
    tags += [p.lower() for p in PLACES if p.lower() not in tags]
    counts: dict[str, int] = {}
    for fr, en in pairs:
        for word in re.findall(r"[a-zà-ÿ]{6,}", fr.lower()) + re.findall(r"[a-z]{7,}", en.lower()):
            counts[word] = counts.get(word, 0) + 1
    for word, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(tags) >= 500:
            break
        if word not in tags:
            tags.append(word)
    return tags[:500]


def generate(n: int, seed: int = 2021) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from ouvert.catalog.models import Dataset, Licence, Resource, Tag, Theme
    from ouvert.core.models import Organisation

    rng = random.Random(seed)
    plan = _plan()
    pairs = _text_pairs(plan)
    publishers = [(o["slug"], o["name_fr"], o["name_en"], o["kind"], o.get("acronym", "")) for o in plan["organisations"]]
    publishers += [(s, fr, en, kind, "") for s, fr, en, kind in MORE_PUBLISHERS]
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create([
            Organisation(slug=s, name_fr=fr, name_en=en, kind=kind, acronym=acronym[:30])
            for s, fr, en, kind, acronym in publishers])
        orgs = list(Organisation.objects.filter(slug__in=[p[0] for p in publishers]))
        themes = Theme.objects.bulk_create([
            Theme(name=name, title_fr=fr, title_en=en) for name, fr, en in [
                ("transport", "Transport", "Transportation"), ("environnement", "Environnement", "Environment"),
                ("sante", "Santé", "Health"), ("economie", "Économie", "Economy"),
                ("gouvernement", "Gouvernement et finances", "Government and finance"),
                ("territoire", "Territoire", "Land"), ("education", "Éducation", "Education"),
                ("culture", "Culture", "Culture"), ("energie", "Énergie", "Energy"),
                ("securite", "Sécurité publique", "Public safety"), ("societe", "Société", "Society"),
                ("science", "Science et recherche", "Science and research")]])
        tags = Tag.objects.bulk_create([Tag(name=t) for t in _tags(plan, pairs)])
        licences = list(Licence.objects.all()) or [Licence.objects.create(id="cc-by-4.0", title_fr="CC BY 4.0",
                                                                         is_default=True)]
    now = timezone.now()
    TagLink, ThemeLink = Dataset.tags.through, Dataset.themes.through
    batch = 5000
    for start in range(0, n, batch):
        datasets, tag_links, theme_links, resources = [], [], [], []
        for i in range(start, min(n, start + batch)):
            subject_fr, subject_en = SUBJECTS[rng.randrange(len(SUBJECTS))]
            place = PLACES[rng.randrange(len(PLACES))]
            year = rng.randint(2005, 2023)
            para_fr, para_en = pairs[rng.randrange(len(pairs))]
            org = orgs[rng.randrange(len(orgs))]
            modified = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 5))
            d = Dataset(
                id=uuid.UUID(int=rng.getrandbits(128)), name=f"jeu-{i:06d}",
                title_fr=f"{subject_fr} — {place} {year}", title_en=f"{subject_en} — {place} {year}",
                notes_fr=f"{subject_fr} à {place} en {year}, publié par {org.name_fr}. {para_fr}",
                notes_en=f"{subject_en} in {place} in {year}, published by {org.name_en}. {para_en}",
                organisation_id=org.pk, licence_id=licences[i % len(licences)].pk,
                spatial_name=place, frequency=rng.choice(["ANNUAL", "MONTHLY", "IRREG", "DAILY"]),
                private=rng.random() < 0.02, state="draft" if rng.random() < 0.01 else "active",
                created_at=modified - timedelta(days=rng.randint(0, 400)), modified_at=modified)
            datasets.append(d)
            for tag in rng.sample(tags, rng.randint(2, 6)):
                tag_links.append(TagLink(dataset_id=d.id, tag_id=tag.pk))
            theme_links.append(ThemeLink(dataset_id=d.id, theme_id=themes[rng.randrange(len(themes))].pk))
            for position in range(3):
                fmt = FORMATS[rng.randrange(len(FORMATS))]
                resources.append(Resource(
                    id=uuid.UUID(int=rng.getrandbits(128)), dataset_id=d.id, position=position,
                    name_fr=f"{subject_fr} {year} ({fmt})", name_en=f"{subject_en} {year} ({fmt})",
                    url=f"https://donnees.example.qc.ca/{d.name}/{position}.{fmt.lower()}", format=fmt,
                    created_at=modified, modified_at=modified))
        with transaction.atomic():
            Dataset.objects.bulk_create(datasets, batch_size=1000)
            TagLink.objects.bulk_create(tag_links, batch_size=2000)
            ThemeLink.objects.bulk_create(theme_links, batch_size=2000)
            Resource.objects.bulk_create(resources, batch_size=1000)
    return {"organisations": len(orgs), "tags": len(tags), "themes": len(themes)}


def queries(org_slug: str) -> dict[str, dict]:
    """The fixed mix: name → package_search parameters."""
    facets = json.dumps(["organization", "tags", "res_format"])
    return {
        "one_word": {"q": "vélos", "rows": "20"},
        "two_words": {"q": "qualité eau", "rows": "20"},
        "phrase": {"q": '"réseau cyclable"', "rows": "20"},
        "fq_org_facets": {"q": "données", "fq": f"organization:{org_slug}", "facet.field": facets,
                          "facet.limit": "10", "rows": "20"},
        "sort_by_date": {"q": "transport", "sort": "metadata_modified desc", "rows": "20"},
        "deep_paging": {"q": "montréal", "start": "5000", "rows": "20"},
    }


def measure(repeat: int, port: int | None, env: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ouvert.catalog import indexing
    from ouvert.catalog.package_search import package_search
    from ouvert.catalog.selectors import dataset_visible_queryset
    from ouvert.core.models import Organisation

    org_slug = Organisation.objects.order_by("slug").values_list("slug", flat=True)[5]
    mix = queries(org_slug)
    results: dict = {}
    for name, params in mix.items():
        _log(f"query {name}")
        q = params["q"]
        m = indexing.match_datasets(q)
        entry: dict = {"params": params, "engine_matches": m.count()}
        entry["engine"] = timed(lambda m=m: m.ranked(limit=20), repeat)

        def orm(q=q):
            qs = indexing.search_datasets(dataset_visible_queryset(None), q).order_by("-search_rank", "name")
            qs.count()
            list(qs[:20])

        entry["orm"] = timed(orm, repeat)
        entry["package_search"] = timed(lambda params=params: package_search(user=None, params=dict(params)), repeat)
        with CaptureQueriesContext(connection) as ctx:
            result = package_search(user=None, params=dict(params))
        entry["package_search"]["sql_queries"] = len(ctx.captured_queries)
        entry["count"] = result["count"]
        results[name] = entry
    if port:
        results_http = _measure_http(mix, repeat, port, env)
        for name, stats in results_http.items():
            results[name]["http"] = stats
    return results


def _measure_http(mix: dict, repeat: int, port: int, env: dict) -> dict:
    out = {}
    with server(port, env):
        for name, params in mix.items():
            get = getter(port, "/api/3/action/package_search?" + urllib.parse.urlencode(params))
            out[name] = timed(get, repeat)
            get.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="datasets to generate (default 100000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per query (default 30)")
    parser.add_argument("--port", type=int, default=8765, help="port of the live server for the HTTP part")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    parser.add_argument("--existing", action="store_true",
                        help="measure the searches only, on the data already in DATABASE_URL or OUVERT_DATA_DIR")
    args = parser.parse_args()

    tmp = None
    if not os.environ.get("DATABASE_URL") and not (args.existing and os.environ.get("OUVERT_DATA_DIR")):
        tmp = tempfile.mkdtemp(prefix="ouvert-bench-")
        os.environ["OUVERT_DATA_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ouvert.catalog import indexing
    from ouvert.catalog.models import Dataset

    call_command("migrate", verbosity=0)
    if args.existing:
        env = dict(os.environ)
        figures = measure(args.repeat, None if args.no_http else args.port, env)
        print(json.dumps({"bench": "catalog_search", "engine": connection.vendor,
                          "datasets": Dataset.objects.count(), "repeat": args.repeat, "queries": figures,
                          "targets": {"p95_ms_max": 50}}, ensure_ascii=False, indent=1))
        return 0
    if Dataset.objects.exists():
        print(json.dumps({"error": "the database is not empty; use a new database"}))
        return 2
    _log(f"generating {args.n} datasets on {connection.vendor}")
    t0 = time.perf_counter()
    generated = generate(args.n)
    load_s = time.perf_counter() - t0
    _log(f"loaded in {load_s:.1f} s; indexing")
    t0 = time.perf_counter()
    indexed = indexing.reindex_datasets()
    index_s = time.perf_counter() - t0
    _log(f"indexed in {index_s:.1f} s; measuring")
    from ouvert.core.services import database_statistics_refresh

    database_statistics_refresh()  # as `ouvert catalog reindex` and `ouvert catalog import` do after a bulk load
    env = dict(os.environ)
    figures = measure(args.repeat, None if args.no_http else args.port, env)
    print(json.dumps({
        "bench": "catalog_search", "engine": connection.vendor, "data_dir": tmp, "datasets": args.n, **generated,
        "resources": args.n * 3, "load_seconds": round(load_s, 1), "index_seconds": round(index_s, 1),
        "indexed": indexed, "repeat": args.repeat, "queries": figures,
        "targets": {"p95_ms_max": 50, "index_seconds_max": 120},
    }, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
