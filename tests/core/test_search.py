"""The search interface (``ouvert.core.search``) on the engine of the test database.

Documents are indexed for organisations (an integer primary key), so the tests exercise the
join with a real model without depending on any other module. The same tests run on SQLite
(FTS5) and PostgreSQL (tsvector); ``ENGINE_CASES`` is the fixed set of queries whose results
must be identical on both.
"""

import pytest
from django.db import connection, transaction
from django.db.models import Count, F

from ouvert.core import search
from ouvert.core.models import Organisation, SearchDocument

KIND = "test-org"


# --- analysis (no database) --------------------------------------------------------------

def test_fold_removes_accents_and_ligatures():
    assert search.fold("Données ÉCOLE Œuvre Ça") == "donnees ecole oeuvre ca"


def test_words_never_look_like_filter_terms():
    assert search.words("ZZALL zzorg0a1b2c3d4e5f Données") == ["donnees"]
    assert search.term_token("org", "12").startswith(search.TERM_PREFIX)


def test_words_drop_stop_words_and_elisions():
    assert search.words("L'eau de la rivière des Prairies") == ["eau", "riviere", "prairies"]


@pytest.mark.parametrize("variants", [
    ["données", "donnees", "donnée", "DONNÉES"],
    ["vélo", "velos", "vélos", "Vélo"],
    ["cyclable", "cyclables"],
    ["piste", "pistes"],
])
def test_french_forms_share_a_stem(variants):
    assert len({tuple(search.analyse(v, "fr")) for v in variants}) == 1


def test_english_stems():
    assert search.analyse("Counting bicycles", "en") == ["count", "bicycl"]


def test_query_words_expand_to_french_and_english_stems():
    assert "velo" in search.query_variants("velos")
    assert "count" in search.query_variants("counting")


def test_parse_query_phrases_negation_prefix():
    clauses = search.parse_query('"pistes cyclables" -hiver velo*')
    assert [c.negated for c in clauses] == [False, True, False]
    assert ("pist", "cyclabl") in clauses[0].alternatives
    assert clauses[2].prefix and clauses[2].alternatives == (("velo",),)


@pytest.mark.parametrize("q", ["", "   ", "de la", "-velo", '""', "!!!"])
def test_nothing_to_search_is_no_constraint(q):
    assert search.match(KIND, q) is None


@pytest.mark.parametrize("q", ['title:x OR "y', "a) NOT (b", "bixi* AND {body}:x", "a & !b | c:*",
                               "'; DROP TABLE x; --", "NEAR(a b)", "x:* <-> y", '"unterminated phrase'])
def test_query_text_cannot_inject_engine_syntax(indexed, q):
    # Quotes, parentheses, operators and column filters are not letters: they never reach the engine
    # as syntax, and every such query runs without error.
    m = search.match(KIND, q)
    assert m is not None
    assert set(search.fts5_expression(list(m.clauses))) <= set('abcdefghijklmnopqrstuvwxyz0123456789" ()*NOTADR')
    assert m.count() == 0
    assert _search(q).count() == 0


# --- the engine -------------------------------------------------------------------------

DOCS = {
    "velo": dict(title=[("Comptage des vélos sur les pistes cyclables", "fr"), ("Bicycle counts", "en")],
                 keywords=["vélo", "transport actif"],
                 body=[("Nombre de passages de vélos mesurés par les compteurs de Montréal.", "fr"),
                       ("Bicycle traffic counted on Montreal bike lanes.", "en")]),
    "meteo": dict(title=[("Météo horaire de Montréal 2012", "fr"), ("Montreal hourly weather 2012", "en")],
                  keywords=["météo", "climat"],
                  body=[("Température, humidité et vent mesurés par Environnement Canada.", "fr"),
                        ("Data from Environment Canada: cyclists beware of snow.", "en")]),
    "reseau": dict(title=[("Réseau cyclable de la ville de Québec", "fr"), ("Quebec City bike network", "en")],
                   keywords=["pistes cyclables", "géomatique"],
                   body=[("Les pistes cyclables et les bandes cyclables de la ville, en GeoJSON.", "fr")]),
    "electricite": dict(title=[("Indice des prix de l'électricité", "fr"), ("Electric power price index", "en")],
                        keywords=["énergie"],
                        body=[("Données de Statistique Canada sur les vélos électriques et le prix de l'énergie.",
                               "fr")]),
    "budget": dict(title="Budget municipal", keywords=["finances"], body="Cyclable n'apparaît pas ici; pistes de ski."),
}

#: query → the exact set of documents it must find, on both engines.
ENGINE_CASES = {
    "velo": {"velo", "electricite"},
    "velos": {"velo", "electricite"},
    "vélo": {"velo", "electricite"},
    "donnees": {"electricite"},
    "Données Canada": {"electricite"},
    "bicycles": {"velo"},
    "cyclist": {"meteo"},
    '"pistes cyclables"': {"velo", "reseau"},
    '"cyclables pistes"': set(),
    "pistes cyclables": {"velo", "reseau", "budget"},
    "velo -electrique": {"velo"},
    "geojson": {"reseau"},
    "montreal 2012": {"meteo"},
    "météo*": {"meteo"},
    "quebec": {"reseau"},
    "inexistant": set(),
}


@pytest.fixture
def indexed(db):
    """One organisation per document, indexed under KIND; returns {label: organisation}."""
    orgs = {}
    for label, fields in DOCS.items():
        org = Organisation.objects.create(slug=f"org-{label}", name_fr=label, kind="public_body")
        search.index(KIND, org.pk, **fields)
        orgs[label] = org
    return orgs


def _labels(qs):
    return {org.name_fr for org in qs}


def _search(q):
    return search.search(KIND, Organisation.objects.all(), q)


@pytest.mark.parametrize("q", list(ENGINE_CASES))
def test_fixed_queries_find_the_same_sets(indexed, q):
    assert _labels(_search(q)) == ENGINE_CASES[q], connection.vendor


def test_raw_engine_query_agrees_with_the_orm(indexed):
    for q, expected in ENGINE_CASES.items():
        m = search.match(KIND, q)
        ids = {object_id for object_id, _rank in m.ranked(limit=100)}
        assert ids == {str(indexed[label].pk) for label in expected}, q
        assert m.count() == len(expected)


def test_title_matches_rank_first(indexed):
    # "cyclables" is in the title of "reseau" only; "velo" has it in its title too ("pistes cyclables").
    ranked = list(_search("cyclables").order_by("-search_rank", "name_fr"))
    assert [o.name_fr for o in ranked[:2]] == ["reseau", "velo"]
    assert ranked[-1].name_fr == "budget"
    assert ranked[0].search_rank >= search.TITLE_TIER > ranked[-1].search_rank > 0


def test_title_tier_beats_many_body_matches(db):
    a = Organisation.objects.create(slug="a", name_fr="a", kind="public_body")
    b = Organisation.objects.create(slug="b", name_fr="b", kind="public_body")
    search.index(KIND, a.pk, title="Vélo", body="")
    search.index(KIND, b.pk, title="Autre chose", body="vélo " * 50, keywords=["vélo", "vélos"])
    assert [o.name_fr for o in _search("velo").order_by("-search_rank")] == ["a", "b"]


def test_search_composes_with_filters_facets_count_and_paging(indexed):
    qs = _search("velo").filter(slug__startswith="org-")
    assert qs.count() == 2
    facets = qs.values("kind").annotate(n=Count("id")).order_by()
    assert list(facets) == [{"kind": "public_body", "n": 2}]
    assert "GROUP BY" in str(facets.query) and "bm25" not in str(facets.query).split("GROUP BY")[1]
    assert "ts_rank" not in str(facets.query).split("GROUP BY")[1]
    assert [o.name_fr for o in qs.order_by(F("search_rank").desc(), "name_fr")] == ["velo", "electricite"]
    assert len(list(qs.order_by("-search_rank")[1:2])) == 1
    assert _labels(Organisation.objects.filter(pk__in=qs.values("pk"))) == {"velo", "electricite"}


def test_search_as_a_subquery_and_nested_searches(indexed):
    inner = _search("velo")  # {"velo", "electricite"}
    assert _labels(Organisation.objects.filter(pk__in=inner.values("pk"))) == {"velo", "electricite"}
    assert 'U0."id"' in str(Organisation.objects.filter(pk__in=inner.values("pk")).query)
    both = search.search(KIND, Organisation.objects.filter(pk__in=inner.values("pk")), "energie")
    assert _labels(both) == {"electricite"}
    assert _labels(Organisation.objects.exclude(pk__in=inner.values("pk"))) == {"meteo", "reseau", "budget"}


def test_empty_query_keeps_everything_with_rank_zero(indexed):
    qs = _search("  ")
    assert qs.count() == len(DOCS)
    assert {o.search_rank for o in qs} == {0.0}


def test_reindex_replaces_update_and_remove(indexed):
    org = indexed["budget"]
    search.index(KIND, org.pk, title="Vélo-partage BIXI")
    assert "budget" in _labels(_search("bixi"))
    assert "budget" not in _labels(_search("finances"))
    assert SearchDocument.objects.filter(kind=KIND).count() == len(DOCS)
    assert search.remove(KIND, org.pk) == 1
    assert search.remove(KIND, org.pk) == 0
    assert not search.is_indexed(KIND, org.pk)
    assert "budget" not in _labels(_search("bixi"))


def test_kinds_are_separate(indexed):
    other = Organisation.objects.create(slug="autre", name_fr="autre", kind="public_body")
    search.index("other-kind", other.pk, title="vélo")
    assert "autre" not in _labels(_search("velo"))
    assert _labels(search.search("other-kind", Organisation.objects.all(), "velo")) == {"autre"}


def test_bulk_reindex(indexed):
    items = [(org.pk, {"title": f"Jeu numéro {i}", "body": "bixi" if label == "meteo" else ""})
             for i, (label, org) in enumerate(indexed.items())]
    done = []
    assert search.reindex(KIND, items, batch_size=2, progress=done.append) == len(DOCS)
    assert sum(done) == len(DOCS)
    assert _labels(_search("bixi")) == {"meteo"}
    assert _labels(_search("velo")) == set()
    # Single writes keep working after a bulk re-index (the SQLite triggers are back).
    search.index(KIND, indexed["velo"].pk, title="vélo")
    assert _labels(_search("velo")) == {"velo"}


@pytest.mark.django_db(transaction=True)
def test_index_follows_the_transaction():
    org = Organisation.objects.create(slug="tx", name_fr="tx", kind="public_body")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            search.index(KIND, org.pk, title="Patinoires extérieures")
            assert _labels(_search("patinoire")) == {"tx"}
            raise RuntimeError
    assert _labels(_search("patinoire")) == set()
    assert not search.is_indexed(KIND, org.pk)


def test_long_text_is_capped_the_same_way(db):
    org = Organisation.objects.create(slug="long", name_fr="long", kind="public_body")
    body = " ".join(f"mot{i}" for i in range(search.MAX_TOKENS_PER_COLUMN + 500))
    search.index(KIND, org.pk, body=body + " " + "x" * 500)
    assert _labels(_search("mot10")) == {"long"}
    assert _labels(_search(f"mot{search.MAX_TOKENS_PER_COLUMN + 10}")) == set()
