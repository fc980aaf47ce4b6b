"""Full-text search: one small interface over SQLite FTS5 and PostgreSQL full-text search.

Design
======

*Text is analysed in Python, the same way for both engines*, so that both find the same
things: ``analyse(text, lang)`` lower-cases, folds accents and ligatures (NFKD, combining
marks dropped, ``œ`` → ``oe``), splits on anything that is not a letter or a digit, drops a
short list of French and English stop words (and elided articles such as the ``l`` of
``l'eau``), then stems every word with the Snowball stemmer of the text's language (French
by default, English for English fields) and finally drops a plural ``s`` that Snowball
keeps (``velos`` → ``velo``). A document is stored as three columns of such tokens, in
order, so that phrases still match consecutive words:

- ``title`` (weight A): what must rank first;
- ``keywords`` (weight B): tags, keywords, themes;
- ``body`` (weight C): descriptions, publisher, resource names and formats…
- ``terms`` (weight 0, never ranked): *filter terms*, exact ``(field, value)`` pairs the caller
  chooses (a dataset's state, publisher, tags, formats…), each stored as one opaque token
  (``term_token``), plus the kind's own token. A query may carry a boolean expression over
  them (:class:`Term`, :class:`AllOf`, :class:`AnyOf`, :class:`Not`), so that who may see
  what and the common filters are answered by the engine's inverted index together with the
  words, instead of by joining every match to the object's table.

A query is analysed the same way, except that each word becomes the set of its French and
English stems (so that ``velos`` finds ``vélo`` and ``counting`` finds ``count``), and:

- words are ANDed; ``"pistes cyclables"`` is a phrase (consecutive words);
- ``-word`` or ``-"a phrase"`` excludes; ``word*`` is a prefix on the folded word (not stemmed);
- a query with nothing left after analysis (empty, only stop words) is *no* full-text
  constraint: ``match()`` returns ``None`` and callers keep their whole queryset.

Storage
=======

One table ``core_searchdocument`` (model :class:`ouvert.core.models.SearchDocument`: ``kind``,
``object_id``, ``title``, ``keywords``, ``body``), unique on ``(kind, object_id)``. The
migration adds the engine part:

- SQLite: an FTS5 table ``core_search_fts`` with *external content* (the document table),
  kept in step by triggers, ranked with ``bm25()`` with column weights 10/4/1/0;
- PostgreSQL: a stored generated ``tsvector`` column ``vector`` (``setweight`` A/B/C/D over
  ``to_tsvector('simple', …)``: the text is already analysed) with a GIN index, ranked with
  ``ts_rank`` (term frequencies and weights, like BM25; the cover density of ``ts_rank_cd``
  costs 20 % more per match and ranks no better for short queries).

Writes go through the ORM (``index``, ``remove``, ``reindex``), so they are part of the
caller's transaction: the index never drifts from the data.

``object_id`` holds the object's primary key as the database stores it (a UUID is 32 hex
digits on SQLite, the canonical text form on PostgreSQL), so the join is a plain equality on
SQLite and ``CAST(object_id AS uuid)`` on PostgreSQL, both using the object's primary key index.

Ranking
=======

``search_rank`` is a float, higher is better: 1,000,000 when the whole query matches in the
title alone (the "title first" tier, computed the same way on both engines: FTS5 column
filter ``{title} : (…)``, tsquery weight label ``:A``), plus the engine's relevance (``-bm25``
on SQLite, ``ts_rank`` on PostgreSQL). Within a tier the order may differ slightly between
engines; the *set* of matches never does. Ties are the caller's to break (``Match.ranked`` and
``Match.page`` break them by the most recently indexed document first).

Visibility
==========

The index holds every object given to it, private or draft included: it answers *which ids
match*, never *who may see them*. Callers always apply the search to a queryset already
restricted to what the person may see (``match(...).apply(visible_queryset)``). Deleted
objects must be removed from the index (``remove``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import snowballstemmer
from django.db import connection, models, transaction

#: What every filter-term token begins with; words of a text never do (``words``).
TERM_PREFIX = "zz"
#: Tokens longer than this are dropped (URLs glued together, hashes…).
MAX_TOKEN_LENGTH = 60
#: Tokens kept per column, the same on both engines (PostgreSQL positions stop at 16,383).
MAX_TOKENS_PER_COLUMN = 8000
#: Added to the relevance of objects whose title alone matches the whole query.
TITLE_TIER = 1_000_000.0
#: FTS5 ``bm25`` column weights (title, keywords, body, terms) and the matching PostgreSQL weights
#: {D, C, B, A} (D, the filter terms, never counts).
FTS5_WEIGHTS = (10.0, 4.0, 1.0, 0.0)
PG_WEIGHTS = "{0.0, 0.1, 0.4, 1.0}"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
#: The SQLite FTS5 table (external content: the document table).
FTS_TABLE = "core_search_fts"

STOP_WORDS = frozenset("""
a au aux avec ce ces c d dans de des du elle en et eux il ils j je l la le les leur lui m ma mais me
meme mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes
toi ton tu un une vos votre vous y est sont ete etre
an and are as at be by for from has have in into is it its of on or that the their this to was were
will with
""".split())

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O",
                            "đ": "d", "ł": "l", "Ł": "L", "ı": "i"})
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_STEMMERS = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}


# --- Analysis -------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower-case ``text`` and remove accents and ligatures: ``« Données Vélo »`` → ``« donnees velo »``."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The folded words of ``text`` that are worth indexing (no stop words, no overlong tokens, and
    nothing that begins with ``zz``, the filter terms' own prefix: a description that spells another
    publisher's token must not become that term, nor a query match every document)."""
    return [w for w in _TOKEN_RE.findall(fold(text))
            if w not in STOP_WORDS and len(w) <= MAX_TOKEN_LENGTH and not w.startswith(TERM_PREFIX)]


@lru_cache(maxsize=300_000)
def stem(word: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The stem of one folded word in ``lang`` ("fr" or "en"); digits are kept as they are."""
    if word.isdigit() or len(word) < 3:
        return word
    result = _STEMMERS[lang if lang in _STEMMERS else DEFAULT_LANGUAGE].stemWord(word)
    # Snowball keeps some plurals (French "velos", "autos"; English "bus" is left alone too).
    if len(result) > 3 and result[-1] in "sx" and result[-2] not in "sx":
        result = result[:-1]
    return result or word


def analyse(text: str, lang: str | None = None) -> list[str]:
    """The tokens indexed for ``text`` written in ``lang`` (French when unknown)."""
    lang = lang if lang in _STEMMERS else DEFAULT_LANGUAGE
    return [stem(w, lang) for w in words(text or "")]


def query_variants(word: str) -> tuple[str, ...]:
    """What one query word may match: its stems in every language, deduplicated, in a fixed order."""
    seen: list[str] = []
    for lang in LANGUAGES:
        s = stem(word, lang)
        if s not in seen:
            seen.append(s)
    return tuple(seen)


FieldValue = str | tuple[str, str | None] | Iterable[str | tuple[str, str | None]] | None


def analyse_field(value: FieldValue) -> str:
    """Analyse one column: a string (French), a ``(text, lang)`` pair or an iterable of either."""
    if value is None:
        return ""
    if isinstance(value, str):
        parts = [(value, None)]
    elif isinstance(value, tuple) and len(value) == 2 and (value[1] is None or value[1] in _STEMMERS) \
            and isinstance(value[0], str):
        parts = [value]
    else:
        parts = [(v, None) if isinstance(v, str) else v for v in value]
    tokens: list[str] = []
    for text, lang in parts:
        if text:
            tokens.extend(analyse(text, lang))
        if len(tokens) >= MAX_TOKENS_PER_COLUMN:
            break
    return " ".join(tokens[:MAX_TOKENS_PER_COLUMN])


# --- Queries --------------------------------------------------------------------------

@dataclass(frozen=True)
class Clause:
    """One query item: a word (``variants``) or a phrase (one variant tuple per language)."""

    alternatives: tuple[tuple[str, ...], ...]  # each alternative is a sequence of consecutive tokens
    negated: bool = False
    prefix: bool = False


_QUERY_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_query(q: str) -> list[Clause]:
    """Turn what a person typed into clauses; see the module docstring for the syntax."""
    clauses: list[Clause] = []
    for m in _QUERY_RE.finditer(q or ""):
        neg, phrase, word = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            tokens = words(phrase)
            if not tokens:
                continue
            if len(tokens) == 1:
                clauses.append(Clause(tuple((v,) for v in query_variants(tokens[0])), negated=bool(neg)))
                continue
            alternatives = []
            for lang in LANGUAGES:
                alt = tuple(stem(t, lang) for t in tokens)
                if alt not in alternatives:
                    alternatives.append(alt)
            clauses.append(Clause(tuple(alternatives), negated=bool(neg)))
            continue
        negated = word.startswith("-") and len(word) > 1
        prefix = word.endswith("*")
        tokens = words(word)
        if not tokens:
            continue
        if prefix:
            # A prefix is matched on the folded word, not on a stem: "velo*" finds "velomobile".
            *head, last = tokens
            for t in head:
                clauses.append(Clause(tuple((v,) for v in query_variants(t)), negated=negated))
            clauses.append(Clause(((last,),), negated=negated, prefix=True))
            continue
        if len(tokens) == 1:
            clauses.append(Clause(tuple((v,) for v in query_variants(tokens[0])), negated=negated))
        else:
            # "Saint-Laurent", "l'eau-de-vie": the pieces of one typed word form a phrase.
            alternatives = []
            for lang in LANGUAGES:
                alt = tuple(stem(t, lang) for t in tokens)
                if alt not in alternatives:
                    alternatives.append(alt)
            clauses.append(Clause(tuple(alternatives), negated=negated))
    return clauses


def _fts5_clause(clause: Clause) -> str:
    if clause.prefix:
        return f'"{clause.alternatives[0][0]}" *'
    alts = ['"' + " ".join(alt) + '"' for alt in clause.alternatives]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def _tsquery_clause(clause: Clause, weight: str = "") -> str:
    if clause.prefix:
        return f"{clause.alternatives[0][0]}:*{weight}"
    alts = []
    for alt in clause.alternatives:
        lexemes = [f"{t}:{weight}" if weight else t for t in alt]
        alts.append(lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")")
    return alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")"


def fts5_expression(clauses: list[Clause]) -> str:
    """The FTS5 MATCH expression of positive clauses ANDed, then ``NOT`` the negated ones."""
    pos = " AND ".join(_fts5_clause(c) for c in clauses if not c.negated)
    neg = [_fts5_clause(c) for c in clauses if c.negated]
    return f"({pos})" + "".join(f" NOT {n}" for n in neg)


def tsquery_expression(clauses: list[Clause], weight: str = "") -> str:
    """The ``to_tsquery('simple', …)`` text of the clauses (``weight`` "A" restricts to titles)."""
    parts = [_tsquery_clause(c, weight) for c in clauses if not c.negated]
    parts += ["!" + _tsquery_clause(c) for c in clauses if c.negated]
    return " & ".join(parts)


# --- Filter terms ---------------------------------------------------------------------

#: The token every document holds: the "true" of a filter expression (``Not`` needs a base).
ALL_TOKEN = TERM_PREFIX + "all"


def term_token(field: str, value) -> str:
    """The opaque token that stands for ``field = value`` in the ``terms`` column.

    A digest, so that any value (spaces, accents, punctuation) is one token for both engines'
    tokenizers, which never split or fold it: ``zz`` + the field's letters + 12 hex digits (48 bits:
    a collision within one field is negligible for its thousands of values).
    """
    name = "".join(ch for ch in field.lower() if ch.isascii() and ch.isalnum())[:12]
    digest = hashlib.blake2b(f"{field}\x1f{value}".encode(), digest_size=6).hexdigest()
    return f"{TERM_PREFIX}{name}{digest}"


def terms_text(kind: str, terms: Iterable[tuple[str, object]] | None) -> str:
    """The ``terms`` column of a document of ``kind``: its tokens, deduplicated, in order."""
    tokens = [ALL_TOKEN, term_token("kind", kind)]
    for field, value in terms or ():
        token = term_token(field, value)
        if token not in tokens:
            tokens.append(token)
    return " ".join(tokens)


@dataclass(frozen=True)
class Term:
    """``field = value``: true for documents indexed with that filter term."""

    field: str
    value: str


@dataclass(frozen=True)
class AllOf:
    """Every item is true (an empty ``AllOf`` is true)."""

    items: tuple


@dataclass(frozen=True)
class AnyOf:
    """At least one item is true (an empty ``AnyOf`` is false)."""

    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


TermExpr = Term | AllOf | AnyOf | Not


def exclusions_are_cheap() -> bool:
    """Whether a condition is better said as exclusions (``Not``) than as a term most documents hold.

    FTS5 (SQLite) reads an excluded term's postings only against the words' matches, while a
    positive term makes it read the term's whole posting list. PostgreSQL's GIN index cannot
    answer a ``!`` by itself: every match is read again from its row and tested (a third of the
    time of a ranked page over 15,000 matches), while a positive term is one more posting list.
    """
    return connection.vendor != "postgresql"


def _fts5_terms(expr) -> str:
    if isinstance(expr, Term):
        return term_token(expr.field, expr.value)
    if isinstance(expr, Not):
        return f"({ALL_TOKEN} NOT {_fts5_terms(expr.item)})"
    if isinstance(expr, AnyOf):
        if not expr.items:
            return _NONE_TOKEN
        return "(" + " OR ".join(_fts5_terms(i) for i in expr.items) + ")"
    positive = [i for i in expr.items if not isinstance(i, Not)]
    negative = [i.item for i in expr.items if isinstance(i, Not)]
    text = " AND ".join(_fts5_terms(i) for i in positive) if positive else ALL_TOKEN
    return "(" + text + "".join(f" NOT {_fts5_terms(i)}" for i in negative) + ")"


def _tsquery_terms(expr) -> str:
    """A filter-term expression for PostgreSQL. (No weight label ``D``: a text never holds a token
    of the terms' prefix, and a weight makes every match's vector be read again, twice as slow.)"""
    if isinstance(expr, Term):
        return term_token(expr.field, expr.value)
    if isinstance(expr, Not):
        return "!" + _tsquery_terms(expr.item)
    if isinstance(expr, AnyOf):
        if not expr.items:
            return _NONE_TOKEN
        return "(" + " | ".join(_tsquery_terms(i) for i in expr.items) + ")"
    if not expr.items:
        return ALL_TOKEN
    return "(" + " & ".join(_tsquery_terms(i) for i in expr.items) + ")"


#: A token no document holds (an empty ``AnyOf``).
_NONE_TOKEN = TERM_PREFIX + "none"


# --- Matching -------------------------------------------------------------------------

def _table() -> str:
    from .models import SearchDocument

    return SearchDocument._meta.db_table


def _kinds() -> list[str]:
    """The kinds of object in the index: a walk of the ``(kind, object_id)`` index, one step per kind."""
    doc = _table()
    sql = (f'WITH RECURSIVE k(kind) AS (SELECT MIN("kind") FROM "{doc}" UNION ALL '
           f'SELECT (SELECT MIN("kind") FROM "{doc}" WHERE "kind" > k.kind) FROM k WHERE k.kind IS NOT NULL) '
           "SELECT kind FROM k WHERE kind IS NOT NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Match:
    """A full-text query, and optionally a filter-term expression, against one kind of object.
    Build it with :func:`match`."""

    kind: str
    clauses: tuple[Clause, ...]
    #: A filter-term expression, or None.
    terms: TermExpr | None = None

    # -- engine SQL --
    @cached_property
    def _where(self) -> str:
        """What the engine matches: the words and the filter terms, not the documents of other kinds.

        Written so that the engine reads the fewest postings: the conditions of the filter terms
        that are *not* (a dataset that is not a draft…) and the other kinds are excluded from the
        words' matches (``NOT``), instead of intersecting them with a term every document holds.
        """
        items = self.terms.items if isinstance(self.terms, AllOf) else () if self.terms is None else (self.terms,)
        positives = [i for i in items if not isinstance(i, Not)]
        negatives = [i.item for i in items if isinstance(i, Not)]
        negatives += [Term("kind", kind) for kind in _kinds() if kind != self.kind]
        positives, negatives = list(dict.fromkeys(positives)), list(dict.fromkeys(negatives))
        if connection.vendor == "postgresql":
            parts = [f"({tsquery_expression(list(self.clauses))})"]
            parts += [_tsquery_terms(i) for i in positives] + ["!" + _tsquery_terms(i) for i in negatives]
            return " & ".join(parts)
        text = f"({fts5_expression(list(self.clauses))})"
        text += "".join(f" AND {{terms}} : {_fts5_terms(i)}" for i in positives)
        return f"({text})" + "".join(f" NOT {{terms}} : {_fts5_terms(i)}" for i in negatives)

    def _rank(self, doc_ref: str) -> tuple[str, list]:
        """The relevance (see the module docstring) of the current row: ``(sql, params)``.

        ``doc_ref`` names the document's id (SQLite) or vector (PostgreSQL) column.
        """
        if connection.vendor == "postgresql":
            q = tsquery_expression(list(self.clauses))
            qa = tsquery_expression(list(self.clauses), weight="A")
            return (f"(CASE WHEN {doc_ref} @@ to_tsquery('simple', %s) THEN {TITLE_TIER} ELSE 0.0 END"
                    f" + ts_rank('{PG_WEIGHTS}', {doc_ref}, to_tsquery('simple', %s)))", [qa, q])
        positives = [c for c in self.clauses if not c.negated]
        title_q = "{title} : (" + fts5_expression(positives) + ")"
        weights = ", ".join(str(w) for w in FTS5_WEIGHTS)
        return (f'(CASE WHEN {doc_ref} IN (SELECT "rowid" FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s) '
                f'THEN {TITLE_TIER} ELSE 0.0 END - bm25("{FTS_TABLE}", {weights}))', [title_q])

    def _sql(self):
        """``(tables, where, where_params, rank_sql, rank_params)`` to join the documents to a queryset."""
        doc = _table()
        if connection.vendor == "postgresql":
            rank, rank_params = self._rank(f'"{doc}"."vector"')
            where = [f"\"{doc}\".\"vector\" @@ to_tsquery('simple', %s)", f'"{doc}"."kind" = %s']
            return [doc], where, [self._where, self.kind], rank, rank_params
        fts = FTS_TABLE
        rank, rank_params = self._rank(f'"{doc}"."id"')
        # The unary "+" keeps SQLite from using a join term the wrong way round: the only cheap order is
        # FTS5 matches → documents (by rowid) → objects (by primary key). Without it, a filter on an
        # indexed column of the object (state, publisher…) makes SQLite drive from the objects and
        # run one FTS5 query per object.
        where = [f'"{fts}" MATCH %s', f'"{doc}"."id" = +"{fts}"."rowid"', f'"{doc}"."kind" = %s']
        return [doc, fts], where, [self._where, self.kind], rank, rank_params

    def apply(self, queryset: models.QuerySet, *, rank: str = "search_rank") -> models.QuerySet:
        """``queryset`` restricted to matching objects and annotated with ``rank`` (higher is better).

        The result composes with further ``filter()``, ``values().annotate()`` (facets),
        ``order_by(rank)``, ``count()`` and slicing. The queryset's model must be the kind's model.
        """
        pk = queryset.model._meta.pk
        tables, where, params, rank_sql, rank_params = self._sql()
        doc = _table()
        if connection.vendor == "postgresql":
            object_id = f'CAST("{doc}"."object_id" AS {pk.db_type(connection)})'
        else:
            object_id = f'+"{doc}"."object_id"'  # see the "+" in _sql()
        # The join to the object goes through filter(pk=…), never through raw SQL naming the model's
        # table: Django relabels that table (U0, …) when the queryset becomes a subquery.
        return (queryset.extra(tables=tables, where=where, params=params)
                .filter(pk=models.expressions.RawSQL(object_id, [], output_field=pk))
                .annotate(**{rank: models.expressions.RawSQL(rank_sql, rank_params,
                                                             output_field=models.FloatField())}))

    # -- the engine alone: words and filter terms, no join to the objects --
    def object_ids(self, model) -> models.expressions.RawSQL:
        """A subquery of the primary keys of the matching objects of ``model`` (the kind's model),
        for ``filter(pk__in=…)`` or ``filter(<foreign key>__in=…)``: the engine alone, no relevance."""
        pk = model._meta.pk
        doc = _table()
        if connection.vendor == "postgresql":
            sql = (f'SELECT CAST("object_id" AS {pk.db_type(connection)}) FROM "{doc}" '
                   f"WHERE \"vector\" @@ to_tsquery('simple', %s) AND \"kind\" = %s")
        else:  # "+": by the matches' rowids, never by walking every document of the kind
            sql = (f'SELECT "object_id" FROM "{doc}" WHERE "id" IN '
                   f'(SELECT "rowid" FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s) AND +"kind" = %s')
        return models.expressions.RawSQL(sql, [self._where, self.kind], output_field=pk)

    def restrict(self, queryset: models.QuerySet, *, walk: bool = False) -> models.QuerySet:
        """``queryset`` restricted to matching objects, without relevance (for counts, facets and
        pages sorted by the object's own columns).

        ``walk``: the matches are many, and the caller sorts and slices: let the database walk the
        queryset in its order (an index) and test each object against the matches, instead of
        looking every match up and sorting them all (SQLite is told so; PostgreSQL's planner
        chooses by itself).
        """
        pk = queryset.model._meta.pk
        if walk and connection.vendor == "sqlite":
            # The unary "+" keeps SQLite from driving the query by the matches' primary keys.
            unindexed = models.Func(models.F("pk"), template="+%(expressions)s", output_field=pk)
            return queryset.alias(_search_walk=unindexed).filter(_search_walk__in=self.object_ids(queryset.model))
        return queryset.filter(pk__in=self.object_ids(queryset.model))

    def ranked(self, *, limit: int = 20, offset: int = 0) -> list[tuple[str, float]]:
        """``(object_id, rank)`` best first, ties by the most recently indexed document: the engine
        ranks its matches alone, and only the page's documents are read."""
        return self.page(limit=limit, offset=offset, with_count=False)[0]

    def page(self, *, limit: int = 20, offset: int = 0, with_count: bool = True) -> tuple[list[tuple[str, float]], int | None]:
        """``ranked()`` and how many objects match (``None`` unless ``with_count``), read the cheapest
        way for the engine: FTS5 counts from its index alone; PostgreSQL counts the matches while
        it ranks them (``COUNT(*) OVER ()``), instead of reading every match's row twice."""
        doc = _table()
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            rank, rank_params = self._rank('"vector"')
            total = ", COUNT(*) OVER () AS total" if with_count else ""
            # Narrow rows (id, relevance) are counted and sorted; only the page's rows are read
            # again for their object ids. The fence (OFFSET 0) keeps the relevance computed once.
            sql = (f'SELECT d."object_id", p.r{", p.total" if with_count else ""} FROM '
                   f'(SELECT id, r{total} FROM (SELECT "id" AS id, {rank} AS r FROM "{doc}" '
                   f"WHERE \"vector\" @@ to_tsquery('simple', %s) OFFSET 0) AS m "
                   f'ORDER BY r DESC, id DESC LIMIT %s OFFSET %s) AS p '
                   f'JOIN "{doc}" AS d ON d."id" = p.id ORDER BY p.r DESC, p.id DESC')
        else:
            rank, rank_params = self._rank('"rowid"')
            sql = (f'SELECT d."object_id", m.r FROM (SELECT "rowid" AS id, {rank} AS r FROM "{FTS_TABLE}" '
                   f'WHERE "{FTS_TABLE}" MATCH %s ORDER BY r DESC, "rowid" DESC LIMIT %s OFFSET %s) AS m '
                   f'JOIN "{doc}" AS d ON d."id" = m.id ORDER BY m.r DESC, m.id DESC')
        with connection.cursor() as cursor:
            cursor.execute(sql, [*rank_params, self._where, limit, offset])
            rows = cursor.fetchall()
        count = None
        if with_count:
            count = rows[0][2] if postgresql and rows else self.count()
        return [(row[0], float(row[1])) for row in rows], count

    def count(self) -> int:
        """How many indexed objects of this kind match, filter terms included."""
        if connection.vendor == "postgresql":
            sql = f"SELECT COUNT(*) FROM \"{_table()}\" WHERE \"vector\" @@ to_tsquery('simple', %s)"
        else:
            sql = f'SELECT COUNT(*) FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s'
        with connection.cursor() as cursor:
            cursor.execute(sql, [self._where])
            return cursor.fetchone()[0]


def match(kind: str, q: str, lang: str | None = None, *, terms=None) -> Match | None:
    """The full-text query ``q`` against objects of ``kind``, or ``None`` if ``q`` holds nothing to search.

    ``terms`` (a filter-term expression) narrows the matches to the documents whose filter terms
    satisfy it. ``lang`` is accepted for callers that know the interface language; queries are
    always expanded to every language's stems, so it does not narrow anything.
    """
    clauses = parse_query(q)
    if not any(not c.negated for c in clauses):
        return None
    return Match(kind=kind, clauses=tuple(clauses), terms=terms)


def search(kind: str, queryset: models.QuerySet, q: str, *, rank: str = "search_rank") -> models.QuerySet:
    """``queryset`` filtered by ``q`` and annotated with ``rank``; unfiltered with rank 0 when ``q`` is empty."""
    m = match(kind, q)
    if m is None:
        return queryset.annotate(**{rank: models.Value(0.0, output_field=models.FloatField())})
    return m.apply(queryset, rank=rank)


# --- Writing --------------------------------------------------------------------------

def object_key(object_id) -> str:
    """``object_id`` as the database stores the object's primary key (see the module docstring)."""
    if isinstance(object_id, uuid.UUID):
        return str(object_id) if connection.vendor == "postgresql" else object_id.hex
    if isinstance(object_id, str):
        try:
            value = uuid.UUID(object_id)
        except ValueError:
            return object_id
        return object_key(value)
    return str(object_id)


def document(kind: str, *, title: FieldValue = None, keywords: FieldValue = None, body: FieldValue = None,
             terms: Iterable[tuple[str, object]] | None = None) -> dict:
    """The analysed columns of one document of ``kind``; ``terms`` are its ``(field, value)`` filter terms."""
    return {"title": analyse_field(title), "keywords": analyse_field(keywords), "body": analyse_field(body),
            "terms": terms_text(kind, terms)}


def generation(kind: str) -> str:
    """A value that changes whenever a document of ``kind`` is indexed, replaced or removed (after the
    commit): callers key what they cache about the indexed objects with it (shared cache, so every
    process sees the change)."""
    from django.core.cache import cache

    key = f"ouvert:search:generation:{kind}"
    value = cache.get(key)
    if value is None:
        cache.add(key, uuid.uuid4().hex, None)
        value = cache.get(key)
    return value


def _changed(kind: str) -> None:
    """A new ``generation(kind)`` now (the writer's own reads in its transaction see the change) and
    again once the transaction commits (what others cached meanwhile, without the change, is never
    read again). Each is a new random value, so that two processes changing it at once can never
    bring back a value somebody cached under."""
    from django.core.cache import cache

    def bump():
        cache.set(f"ouvert:search:generation:{kind}", uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def index(kind: str, object_id, *, title: FieldValue = None, keywords: FieldValue = None,
          body: FieldValue = None, terms: Iterable[tuple[str, object]] | None = None) -> None:
    """Add or replace the document of one object, in the caller's transaction (one query)."""
    from .models import SearchDocument

    doc = SearchDocument(kind=kind, object_id=object_key(object_id),
                         **document(kind, title=title, keywords=keywords, body=body, terms=terms))
    SearchDocument.objects.bulk_create([doc], update_conflicts=True, unique_fields=["kind", "object_id"],
                                       update_fields=["title", "keywords", "body", "terms"])
    _changed(kind)


def index_many(kind: str, items: Iterable[tuple[object, dict]], *, batch_size: int = 1000) -> int:
    """Add or replace the documents of many objects — ``(object_id, {"title": …, "keywords": …, "body": …,
    "terms": …})`` pairs, as ``index`` takes them — in the caller's transaction, a query per ``batch_size``
    (an import). Returns how many were indexed."""
    from .models import SearchDocument

    total = 0
    batch: list[SearchDocument] = []
    for object_id, fields in [*items, (None, None)]:
        if object_id is not None:
            batch.append(SearchDocument(kind=kind, object_id=object_key(object_id), **document(kind, **fields)))
        if batch and (object_id is None or len(batch) >= batch_size):
            SearchDocument.objects.bulk_create(batch, update_conflicts=True, unique_fields=["kind", "object_id"],
                                               update_fields=["title", "keywords", "body", "terms"])
            total += len(batch)
            batch = []
    if total:
        _changed(kind)
    return total


def remove(kind: str, object_id) -> int:
    """Remove one object's document; returns how many were removed (0 or 1)."""
    from .models import SearchDocument

    removed = SearchDocument.objects.filter(kind=kind, object_id=object_key(object_id)).delete()[0]
    _changed(kind)
    return removed


def is_indexed(kind: str, object_id) -> bool:
    from .models import SearchDocument

    return SearchDocument.objects.filter(kind=kind, object_id=object_key(object_id)).exists()


_FTS_COLUMNS = "title, keywords, body, terms"
_SQLITE_TRIGGERS = {
    "core_searchdocument_ai": f"""
CREATE TRIGGER IF NOT EXISTS core_searchdocument_ai AFTER INSERT ON core_searchdocument BEGIN
  INSERT INTO core_search_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, new.title, new.keywords, new.body, new.terms);
END""",
    "core_searchdocument_ad": f"""
CREATE TRIGGER IF NOT EXISTS core_searchdocument_ad AFTER DELETE ON core_searchdocument BEGIN
  INSERT INTO core_search_fts(core_search_fts, rowid, {_FTS_COLUMNS})
  VALUES ('delete', old.id, old.title, old.keywords, old.body, old.terms);
END""",
    "core_searchdocument_au": f"""
CREATE TRIGGER IF NOT EXISTS core_searchdocument_au AFTER UPDATE ON core_searchdocument BEGIN
  INSERT INTO core_search_fts(core_search_fts, rowid, {_FTS_COLUMNS})
  VALUES ('delete', old.id, old.title, old.keywords, old.body, old.terms);
  INSERT INTO core_search_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, new.title, new.keywords, new.body, new.terms);
END""",
}


def reindex(kind: str, items: Iterable[tuple[object, dict]], *, batch_size: int = 2000,
            progress: Callable[[int], None] | None = None) -> int:
    """Replace every document of ``kind`` by ``items`` — ``(object_id, {"title": …, "keywords": …, "body": …,
    "terms": …})`` pairs of *raw* field values (analysed here) — in one transaction. Returns how many were indexed.

    Fast path: rows are bulk-inserted in batches; on SQLite the FTS5 triggers are suspended and
    the FTS index rebuilt once from the document table at the end; on PostgreSQL the vectors
    are computed by the database as rows are inserted. ``progress(n)`` is called after each batch
    with the number of objects done in it.
    """
    from .models import SearchDocument

    sqlite = connection.vendor == "sqlite"
    total = 0
    with transaction.atomic():
        if sqlite:
            with connection.cursor() as cursor:
                for name in _SQLITE_TRIGGERS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        try:
            SearchDocument.objects.filter(kind=kind).delete()
            batch: list[SearchDocument] = []
            for object_id, fields in items:
                batch.append(SearchDocument(kind=kind, object_id=object_key(object_id), **document(kind, **fields)))
                if len(batch) >= batch_size:
                    SearchDocument.objects.bulk_create(batch)
                    total += len(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            if batch:
                SearchDocument.objects.bulk_create(batch)
                total += len(batch)
                if progress:
                    progress(len(batch))
        finally:
            if sqlite:
                with connection.cursor() as cursor:
                    for sql in _SQLITE_TRIGGERS.values():
                        cursor.execute(sql)
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO core_search_fts(core_search_fts) VALUES ('rebuild')")
        _changed(kind)
    return total
