"""CKAN's ``package_search``: the ``fq`` filter language, facets, sorting and paging.

``parse_fq(fq)`` turns a filter written in CKAN/Solr syntax into a Django ``Q`` over
``Dataset``; ``package_search(user=..., params=...)`` answers the action the way CKAN does
(``count``, ``results``, ``facets``, ``search_facets``, ``sort``) with a constant number of SQL
queries whatever the number of datasets.

The ``fq`` language (Lucene/Solr standard syntax, as CKAN passes it to Solr):

- ``field:value``, ``field:"a phrase"``, ``field:(a OR b)``, ``field:*`` (the field is set),
  ``*:*`` (everything);
- ``AND`` / ``&&``, ``OR`` / ``||``, ``NOT`` / ``!``, ``+`` (required) and ``-`` (excluded),
  parentheses; clauses side by side are joined with AND (CKAN's Solr schema set
  ``defaultOperator="AND"``); AND binds tighter than OR;
- ranges ``[a TO b]`` (inclusive), ``{a TO b}`` (exclusive), mixed brackets and ``*`` for an open
  end; dates in ISO 8601 (``2022-01-01``, ``2022-01-01T00:00:00Z``) or ``NOW``, ``NOW-7DAYS``,
  ``NOW/DAY`` (Solr date math: ``+``/``-`` a number and a unit, ``/`` rounds down);
- wildcards ``*`` and ``?`` in a value (``name:velo*``); ``\\`` escapes a special character.

Supported fields (see ``FIELDS``): ``id``, ``name``, ``title`` (words of either title,
case-insensitive), ``notes`` (likewise), ``organization`` (publisher's name, i.e. its slug),
``owner_org`` (publisher's CKAN id or slug), ``groups`` (theme names), ``tags``, ``res_format``
(case-insensitive), ``res_name``, ``license_id``, ``state``, ``private`` (true/false),
``dataset_type`` / ``type`` (``dataset`` unless the package says otherwise),
``metadata_created``, ``metadata_modified``, ``num_resources``, ``num_tags``, ``version``,
``author``, ``maintainer``, ``extras_<key>`` (a CKAN extra) and ``text`` (full text, like ``q``).
Other modules add boolean flags (``catalog.services.search_flag_register``: ``reference:true`` for
certified reference data, ``reference:false`` for the others), matched in SQL (never by filter terms).
A value without a field is searched as full text too. ``ext_bbox=minx,miny,maxx,maxy`` (as
ckanext-spatial) keeps the datasets whose spatial coverage meets that box (``parse_bbox``, ``bbox_q``). Any other field, and any syntax error, is
a ``ValidationError`` on ``fq`` that names the position (counted from 1).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, FloatField, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import search
from ouvert.core import services as core_services

# --- Tokens -----------------------------------------------------------------------------

_SPECIAL = set('()[]{}":\\') | {" ", "\t", "\n", "\r"}


@dataclass
class Token:
    kind: str  # TERM, PHRASE, LPAREN, RPAREN, AND, OR, NOT, PLUS, MINUS, RANGE, COLON, EOF
    value: object
    pos: int  # 0-based offset in the fq string
    wildcard: bool = False  # TERM: contains an unescaped * or ?
    raw: str = ""  # TERM: the pattern with escapes kept (for wildcard matching)


def _error(fq: str, pos: int, message: str) -> ValidationError:
    shown = fq if len(fq) <= 200 else fq[:200] + "…"
    return ValidationError({"fq": [
        _("Filtre fq invalide à la position %(pos)s : %(message)s (fq = « %(fq)s »).")
        % {"pos": pos + 1, "message": message, "fq": shown}]})


def _tokenize(fq: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(fq)
    while i < n:
        c = fq[i]
        if c in " \t\r\n":
            i += 1
            continue
        start = i
        if c == "(":
            tokens.append(Token("LPAREN", c, i))
            i += 1
        elif c == ")":
            tokens.append(Token("RPAREN", c, i))
            i += 1
        elif c == ":":
            tokens.append(Token("COLON", c, i))
            i += 1
        elif c == "+" and (i + 1 < n and fq[i + 1] not in " \t\r\n"):
            tokens.append(Token("PLUS", c, i))
            i += 1
        elif c == "-" and (i + 1 < n and fq[i + 1] not in " \t\r\n"):
            tokens.append(Token("MINUS", c, i))
            i += 1
        elif c == "!":
            tokens.append(Token("NOT", c, i))
            i += 1
        elif fq.startswith("&&", i):
            tokens.append(Token("AND", "&&", i))
            i += 2
        elif fq.startswith("||", i):
            tokens.append(Token("OR", "||", i))
            i += 2
        elif c == '"':
            i += 1
            buf = []
            while i < n and fq[i] != '"':
                if fq[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(fq[i])
                i += 1
            if i >= n:
                raise _error(fq, start, _("guillemet ouvrant sans guillemet fermant"))
            i += 1
            tokens.append(Token("PHRASE", "".join(buf), start))
        elif c in "[{":
            i, token = _read_range(fq, i)
            tokens.append(token)
        elif c in "]}":
            raise _error(fq, i, _("« %(char)s » sans intervalle ouvert") % {"char": c})
        else:
            buf, raw, wildcard = [], [], False
            while i < n and (fq[i] not in _SPECIAL or fq[i] == "\\"):
                ch = fq[i]
                if ch == "\\":
                    if i + 1 >= n:
                        raise _error(fq, i, _("« \\ » en fin de filtre n'échappe rien"))
                    buf.append(fq[i + 1])
                    raw.append(fq[i:i + 2])
                    i += 2
                    continue
                if ch in "*?":
                    wildcard = True
                buf.append(ch)
                raw.append(ch)
                i += 1
            word = "".join(buf)
            if not word:
                raise _error(fq, i, _("caractère « %(char)s » inattendu") % {"char": fq[i]})
            if word in ("AND", "OR", "NOT") and not raw[0].startswith("\\"):
                tokens.append(Token(word, word, start))
            else:
                tokens.append(Token("TERM", word, start, wildcard=wildcard, raw="".join(raw)))
    tokens.append(Token("EOF", None, n))
    return tokens


def _read_range(fq: str, i: int) -> tuple[int, Token]:
    start = i
    n = len(fq)
    low_inclusive = fq[i] == "["
    i += 1
    end = i
    while end < n and fq[end] not in "]}":
        if fq[end] in "[{":
            raise _error(fq, end, _("intervalle ouvert dans un autre intervalle"))
        end += 1
    if end >= n:
        raise _error(fq, start, _("intervalle sans « ] » ni « } » fermant"))
    inner = fq[i:end]
    high_inclusive = fq[end] == "]"
    parts = re.split(r"\s+TO\s+", inner.strip())
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise _error(fq, start, _("un intervalle s'écrit [début TO fin], par exemple "
                                  "[2022-01-01T00:00:00Z TO *]"))
    low, high = (p.strip().strip('"') for p in parts)
    return end + 1, Token("RANGE", (low, high, low_inclusive, high_inclusive), start)


# --- Fields -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    kind: str  # "uuid", "str", "istr", "text", "bool", "date", "int", "fts", "owner_org", "type"
    lookups: tuple[str, ...] = ()
    #: a multi-valued relation: the lookups apply to its rows, matched through a subquery so that
    #: ``tags:a AND tags:b`` means two tags (never one row holding both) and rows never repeat.
    relation: str | None = None


#: CKAN field name -> how it is matched on ``Dataset``.
FIELDS: dict[str, Field] = {
    "id": Field("uuid", ("id",)),
    "name": Field("str", ("name",)),
    "title": Field("text", ("title_fr", "title_en")),
    "notes": Field("text", ("notes_fr", "notes_en")),
    "organization": Field("str", ("organisation__slug",)),
    "owner_org": Field("owner_org"),
    "groups": Field("str", ("theme__name",), relation="themes"),
    "tags": Field("str", ("tag__name",), relation="tags"),
    "res_format": Field("istr", ("format",), relation="resources"),
    "res_name": Field("text", ("name_fr", "name_en"), relation="resources"),
    "license_id": Field("str", ("licence_id",)),
    "state": Field("str", ("state",)),
    "private": Field("bool", ("private",)),
    "dataset_type": Field("type"),
    "type": Field("type"),
    "metadata_created": Field("date", ("created_at",)),
    "metadata_modified": Field("date", ("modified_at",)),
    "num_resources": Field("int", ("num_resources",)),
    "num_tags": Field("int", ("num_tags",)),
    "version": Field("str", ("version",)),
    "author": Field("text", ("author",)),
    "maintainer": Field("text", ("maintainer",)),
    "text": Field("fts"),
}


@dataclass(frozen=True)
class Cond:
    """A parsed condition: the ``Q`` over ``Dataset``, and the same condition as a filter-term
    expression of the search index (``indexing.dataset_terms``), or ``None`` when it cannot be
    said with filter terms (ranges, wildcards, text fields…)."""

    q: Q
    terms: object = None

    def __and__(self, other: Cond) -> Cond:
        return Cond(self.q & other.q, _terms_all(self.terms, other.terms))

    def __or__(self, other: Cond) -> Cond:
        terms = None
        if self.terms is not None and other.terms is not None:
            terms = search.AnyOf((*_flat(self.terms, search.AnyOf), *_flat(other.terms, search.AnyOf)))
        return Cond(self.q | other.q, terms)

    def __invert__(self) -> Cond:
        return Cond(~self.q, None if self.terms is None else search.Not(self.terms))


def _flat(expr, kind) -> tuple:
    return expr.items if isinstance(expr, kind) else (expr,)


def _terms_all(*exprs):
    """``AllOf`` the expressions, or ``None`` if one of them cannot be said with filter terms."""
    if any(e is None for e in exprs):
        return None
    return search.AllOf(tuple(item for e in exprs for item in _flat(e, search.AllOf)))


#: ``fq`` fields said exactly by a filter term: CKAN field -> the term's field (``indexing.dataset_terms``).
TERM_FIELDS = {"tags": "tag", "groups": "group", "license_id": "licence", "res_format": "format",
               "organization": "org", "owner_org": "org"}


def search_flags() -> dict:
    """The boolean filters other modules registered (``services.search_flag_register``): name -> spec."""
    from . import services

    return services.SEARCH_FLAGS


def _flag_q(name: str, value: bool) -> Q:
    ids = Q(pk__in=search_flags()[name]["func"]())
    return ids if value else ~ids


def search_flag_choices(get) -> list[dict]:
    """The search page's checkbox of each flag (``?reference=true``): ``name``, ``label`` (in the current
    language), ``checked``, and ``clause`` (the ``fq`` clause to add when checked)."""
    from django.utils.translation import get_language

    english = (get_language() or "fr").startswith("en")
    choices = []
    for name, spec in sorted(search_flags().items()):
        value = (get.get(name) or "").strip().lower() if hasattr(get, "get") else ""
        checked = value in ("true", "1", "on", "yes")
        choices.append({"name": name, "label": (spec.get("label_en") if english else "") or spec.get("label_fr") or name,
                        "checked": checked, "clause": f"{name}:true" if checked else ""})
    return choices


def _uses_flags(*texts) -> bool:
    """Whether an ``fq`` (or ``fq_list`` item) names a search flag (its answer may change without the
    search index changing: never cached)."""
    names = search_flags()
    if not names:
        return False
    for text in texts:
        for item in text if isinstance(text, list) else [text]:
            if isinstance(item, str) and any(m.group(1) in names for m in _Q_FIELD.finditer(item)):
                return True
    return False


def _through(relation: str):
    """(rows of the relation, the column naming their dataset)."""
    from .models import Dataset, Resource

    if relation == "tags":
        return Dataset.tags.through.objects.all(), "dataset_id"
    if relation == "themes":
        return Dataset.themes.through.objects.all(), "dataset_id"
    return Resource.objects.filter(state=Resource.State.ACTIVE), "dataset_id"


def _related(relation: str | None, q: Q) -> Q:
    if relation is None:
        return q
    rows, column = _through(relation)
    return Q(pk__in=rows.filter(q).values(column))


_EXTRA_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


# --- Parser -----------------------------------------------------------------------------

class _Parser:
    """Recursive descent over the tokens; builds the Q as it goes."""

    def __init__(self, fq: str, *, build: bool = True):
        self.fq = fq
        self.tokens = _tokenize(fq)
        self.i = 0
        #: False: check the whole syntax first, without touching the database or the search index.
        self.build = build

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def err(self, token: Token, message: str) -> ValidationError:
        return _error(self.fq, token.pos, message)

    def parse(self) -> Cond:
        if self.tok.kind == "EOF":
            return Cond(Q(), search.AllOf(()))
        q = self.or_expr(None)
        if self.tok.kind != "EOF":
            raise self.err(self.tok, _("« %(text)s » inattendu") % {"text": self._show(self.tok)})
        return q

    def _show(self, token: Token) -> str:
        if token.kind == "EOF":
            return _("fin du filtre")
        if token.kind == "RANGE":
            return self.fq[token.pos:token.pos + 20]
        return str(token.value)

    # expr := and_expr (OR and_expr)*
    def or_expr(self, field: str | None) -> Cond:
        q = self.and_expr(field)
        while self.tok.kind == "OR":
            op = self.advance()
            if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.err(op, _("« %(op)s » doit être suivi d'une condition") % {"op": op.value})
            q = q | self.and_expr(field)
        return q

    # and_expr := unary ((AND)? unary)*
    def and_expr(self, field: str | None) -> Cond:
        q = self.unary(field)
        while True:
            kind = self.tok.kind
            if kind == "AND":
                op = self.advance()
                if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                    raise self.err(op, _("« %(op)s » doit être suivi d'une condition") % {"op": op.value})
                q = q & self.unary(field)
            elif kind in ("TERM", "PHRASE", "LPAREN", "NOT", "PLUS", "MINUS", "RANGE"):
                q = q & self.unary(field)
            else:
                return q

    # unary := (NOT | ! | - | +) unary | primary
    def unary(self, field: str | None) -> Cond:
        token = self.tok
        if token.kind in ("NOT", "MINUS"):
            self.advance()
            if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.err(token, _("« %(op)s » doit être suivi d'une condition") % {"op": token.value})
            return ~self.unary(field)
        if token.kind == "PLUS":
            self.advance()
            return self.unary(field)
        return self.primary(field)

    def primary(self, field: str | None) -> Cond:
        token = self.tok
        if token.kind == "LPAREN":
            self.advance()
            if self.tok.kind == "RPAREN":
                raise self.err(self.tok, _("parenthèses vides"))
            q = self.or_expr(field)
            if self.tok.kind != "RPAREN":
                raise self.err(self.tok, _("« ) » attendu, trouvé « %(text)s »") % {"text": self._show(self.tok)})
            self.advance()
            return q
        if token.kind == "TERM" and self.tokens[self.i + 1].kind == "COLON":
            if field is not None:
                raise self.err(token, _("champ « %(field)s » dans la valeur du champ « %(outer)s »")
                               % {"field": token.value, "outer": field})
            self.advance()
            colon = self.advance()
            name = token.value
            value_token = self.tok
            if value_token.kind in ("EOF", "RPAREN", "OR", "AND", "COLON"):
                raise self.err(colon, _("valeur attendue après « %(field)s: »") % {"field": name})
            if name == "*" and value_token.kind == "TERM" and value_token.value == "*":
                self.advance()
                return Cond(Q(pk__isnull=False), search.AllOf(()))
            self._check_field(token)
            if value_token.kind == "LPAREN":
                return self.primary(name)
            if value_token.kind in ("NOT", "MINUS", "PLUS"):
                return self.unary(name)
            return self.value(name)
        if token.kind in ("TERM", "PHRASE", "RANGE"):
            return self.value(field)
        if token.kind == "COLON":
            raise self.err(token, _("« : » sans nom de champ"))
        if token.kind == "EOF":
            raise self.err(token, _("condition attendue, trouvé la fin du filtre"))
        raise self.err(token, _("« %(text)s » inattendu") % {"text": self._show(token)})

    def _check_field(self, token: Token) -> None:
        name = token.value
        if name in FIELDS or name in search_flags():
            return
        if name.startswith("extras_") and _EXTRA_KEY.match(name[len("extras_"):]):
            return
        raise self.err(token, _("champ « %(field)s » inconnu; champs possibles : %(fields)s, extras_<clé>")
                       % {"field": name, "fields": ", ".join(sorted({*FIELDS, *search_flags()}))})

    def value(self, field: str | None) -> Cond:
        token = self.advance()
        if token.kind == "TERM" and self.tok.kind == "COLON":
            raise self.err(self.tok, _("« : » inattendu"))
        field = field or "text"
        return Cond(_match(self, field, token), _match_terms(self, field, token))


# --- Matching one value -----------------------------------------------------------------

def _wildcard_regex(raw: str) -> str:
    """An anchored regular expression for a Lucene wildcard pattern (escapes kept in ``raw``)."""
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(re.escape(raw[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return "^" + "".join(out) + "$"


def _prefix_only(token: Token) -> str | None:
    """``velo*`` -> ``velo`` (a plain prefix query, index friendly); None for other patterns."""
    raw = token.raw
    if raw.endswith("*") and not raw.endswith("\\*") and "*" not in raw[:-1] and "?" not in raw:
        return token.value[:-1]
    return None


def _any(lookups, suffix, value) -> Q:
    q = Q()
    for lookup in lookups:
        q |= Q(**{f"{lookup}__{suffix}": value})
    return q


def _match(parser: _Parser, field: str, token: Token) -> Q:
    if field in search_flags() and field not in FIELDS:
        if token.kind == "RANGE" or (token.kind == "TERM" and token.wildcard) \
                or str(token.value).lower() not in ("true", "false"):
            raise parser.err(token, _("« %(field)s » vaut true ou false") % {"field": field})
        if not parser.build:
            return Q()
        return _flag_q(field, str(token.value).lower() == "true")
    if field.startswith("extras_"):
        return _match_str(parser, (f"extras__{field[len('extras_'):]}",), token, insensitive=False)
    spec = FIELDS[field]
    kind = spec.kind
    if kind in ("str", "istr"):
        return _related(spec.relation, _match_str(parser, spec.lookups, token, insensitive=kind == "istr"))
    if kind == "uuid":
        if token.kind == "RANGE":
            raise parser.err(token, _("pas d'intervalle sur « %(field)s »") % {"field": field})
        if token.kind == "TERM" and token.wildcard:
            if token.value == "*":
                return Q(pk__isnull=False)
            raise parser.err(token, _("pas de joker sur « %(field)s »") % {"field": field})
        try:
            return Q(id=uuid.UUID(str(token.value)))
        except ValueError:
            return Q(pk__in=[])
    if kind == "text":
        return _related(spec.relation, _match_text(parser, spec.lookups, token))
    if kind == "bool":
        if token.kind == "RANGE" or str(token.value).lower() not in ("true", "false"):
            raise parser.err(token, _("« %(field)s » vaut true ou false") % {"field": field})
        return Q(**{spec.lookups[0]: str(token.value).lower() == "true"})
    if kind == "date":
        return _match_range(parser, field, spec.lookups[0], token, _parse_date)
    if kind == "int":
        return _match_range(parser, field, spec.lookups[0], token, _parse_int)
    if kind == "owner_org":
        return _match_owner_org(parser, token)
    if kind == "type":
        return _match_type(parser, token)
    if kind == "fts":
        return _match_fulltext(parser, token)
    raise AssertionError(kind)  # pragma: no cover


def _match_terms(parser: _Parser, field: str, token: Token):
    """``field:value`` as a filter term (see ``TERM_FIELDS``), or ``None`` when it cannot be one."""
    term_field = TERM_FIELDS.get(field)
    if term_field is None or not parser.build or token.kind not in ("TERM", "PHRASE") \
            or (token.kind == "TERM" and token.wildcard):
        return None
    value = str(token.value)
    if term_field == "format":
        value = value.lower()
    elif term_field == "org":
        from .ckan_dict import organisation_resolve

        org = organisation_resolve(value) if field == "owner_org" else \
            core_services.organisation_list().filter(slug=value).first()
        value = str(org.pk) if org is not None else ""
    return search.Term(term_field, value)


def _match_str(parser, lookups, token: Token, *, insensitive: bool) -> Q:
    if token.kind == "RANGE":
        low, high, low_inc, high_inc = token.value
        q = Q()
        if low != "*":
            q &= _any(lookups, "gte" if low_inc else "gt", low)
        if high != "*":
            q &= _any(lookups, "lte" if high_inc else "lt", high)
        return q if q else _any(lookups, "isnull", False)
    if token.kind == "TERM" and token.wildcard:
        if token.value == "*":
            return _any(lookups, "isnull", False) & ~_any(lookups, "exact", "")
        prefix = _prefix_only(token)
        if prefix is not None:
            return _any(lookups, "istartswith" if insensitive else "startswith", prefix)
        return _any(lookups, "iregex" if insensitive else "regex", _wildcard_regex(token.raw))
    return _any(lookups, "iexact" if insensitive else "exact", str(token.value))


def _match_text(parser, lookups, token: Token) -> Q:
    """Words of a text field: every word of the value must occur (case-insensitive)."""
    if token.kind == "RANGE":
        raise parser.err(token, _("pas d'intervalle sur un champ de texte"))
    if token.kind == "TERM" and token.value == "*":
        return ~_any(lookups, "exact", "")
    words = [w for w in re.split(r"\s+", str(token.value).replace("*", " ").replace("?", " ")) if w]
    if token.kind == "PHRASE":
        return _any(lookups, "icontains", str(token.value))
    q = Q()
    for word in words:
        q &= _any(lookups, "icontains", word)
    return q


def _match_range(parser, field, lookup, token: Token, convert) -> Q:
    if token.kind == "RANGE":
        low, high, low_inc, high_inc = token.value
        q = Q()
        try:
            low_v = None if low == "*" else convert(low)
            high_v = None if high == "*" else convert(high)
        except ValueError as exc:
            raise parser.err(token, str(exc)) from None
        if low_v is not None:
            q &= _count_or_field(lookup, "gte" if low_inc else "gt", low_v)
        if high_v is not None:
            q &= _count_or_field(lookup, "lte" if high_inc else "lt", high_v)
        return q if q else Q(pk__isnull=False)
    if token.kind == "TERM" and token.value == "*":
        return Q(pk__isnull=False)
    try:
        value = convert(str(token.value))
    except ValueError as exc:
        raise parser.err(token, str(exc)) from None
    return _count_or_field(lookup, "exact", value)


_COUNT_LOOKUPS = {"gte": GreaterThanOrEqual, "gt": GreaterThan, "lte": LessThanOrEqual, "lt": LessThan,
                  "exact": Exact}


def _count_or_field(lookup: str, op: str, value) -> Q:
    if lookup in ("num_resources", "num_tags"):
        return Q(_COUNT_LOOKUPS[op](_count_expression(lookup), value))
    return Q(**{f"{lookup}__{op}": value})


def _count_expression(what: str):
    from .models import Dataset, Resource

    if what == "num_resources":
        sub = (Resource.objects.filter(dataset=OuterRef("pk"), state=Resource.State.ACTIVE)
               .order_by().values("dataset").annotate(n=Count("pk")).values("n"))
    else:
        through = Dataset.tags.through
        sub = (through.objects.filter(dataset_id=OuterRef("pk"))
               .order_by().values("dataset_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(_("« %(value)s » n'est pas un nombre entier") % {"value": text}) from None


_DATE_MATH = re.compile(r"([+-])(\d+)(YEARS?|MONTHS?|DAYS?|DATE|HOURS?|MINUTES?|SECONDS?)|/(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)")


def _parse_date(text: str) -> dt.datetime:
    """ISO 8601 date or date-time (naive means UTC, as Solr does), or Solr date math from NOW."""
    if text.startswith("NOW"):
        base = timezone.now()
        rest = text[3:]
        pos = 0
        while pos < len(rest):
            m = _DATE_MATH.match(rest, pos)
            if not m:
                raise ValueError(_("calcul de date « %(value)s » non compris (exemples : NOW-7DAYS, NOW/DAY)")
                                 % {"value": text})
            if m.group(4):
                unit = m.group(4)
                fields = ["month", "day", "hour", "minute", "second", "microsecond"]
                keep = {"YEAR": 0, "MONTH": 1, "DAY": 2, "HOUR": 3, "MINUTE": 4, "SECOND": 5}[unit]
                reset = {f: (1 if f in ("month", "day") else 0) for f in fields[keep:]}
                base = base.replace(**reset)
            else:
                sign = 1 if m.group(1) == "+" else -1
                amount = int(m.group(2)) * sign
                unit = m.group(3).rstrip("S")
                if unit in ("DAY", "DATE"):
                    base += dt.timedelta(days=amount)
                elif unit == "HOUR":
                    base += dt.timedelta(hours=amount)
                elif unit == "MINUTE":
                    base += dt.timedelta(minutes=amount)
                elif unit == "SECOND":
                    base += dt.timedelta(seconds=amount)
                else:
                    months = base.month - 1 + (amount if unit == "MONTH" else 12 * amount)
                    year, month = base.year + months // 12, months % 12 + 1
                    import calendar

                    day = min(base.day, calendar.monthrange(year, month)[1])
                    base = base.replace(year=year, month=month, day=day)
            pos = m.end()
        return base
    value = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("« %(value)s » n'est pas une date ISO 8601 (exemple : 2022-01-01T00:00:00Z)")
                         % {"value": text}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _match_owner_org(parser, token: Token) -> Q:
    if token.kind == "RANGE":
        raise parser.err(token, _("pas d'intervalle sur « owner_org »"))
    value = str(token.value)
    if token.kind == "TERM" and value == "*":
        return Q(pk__isnull=False)
    if not parser.build:
        return Q()
    try:
        uuid.UUID(value)
    except ValueError:
        return Q(organisation__slug=value)
    from .ckan_dict import organisation_resolve

    org = organisation_resolve(value)
    return Q(organisation_id=org.pk) if org is not None else Q(pk__in=[])


def _match_type(parser, token: Token) -> Q:
    if token.kind == "RANGE":
        raise parser.err(token, _("pas d'intervalle sur « type »"))
    value = str(token.value)
    if token.kind == "TERM" and token.wildcard:
        return Q(pk__isnull=False)
    typed = Q(extra_fields__type=value)
    if value == "dataset":
        return typed | ~Q(extra_fields__has_key="type")
    return typed


def _match_fulltext(parser, token: Token) -> Q:
    if token.kind == "RANGE":
        raise parser.err(token, _("pas d'intervalle sur du texte libre"))
    if token.kind == "TERM" and token.value == "*":
        return Q(pk__isnull=False)
    if not parser.build:
        return Q()
    text = str(token.value)
    query = f'"{text}"' if token.kind == "PHRASE" else text
    from .indexing import search_datasets
    from .models import Dataset

    return Q(pk__in=search_datasets(Dataset.objects.all(), query).values("pk"))


def parse_fq(fq: str | None) -> Q:
    """A Django ``Q`` over ``Dataset`` for a CKAN/Solr filter query; ``ValidationError`` on ``fq`` if invalid."""
    return parse_fq_cond(fq).q


def parse_fq_cond(fq: str | None) -> Cond:
    """``parse_fq``, with the filter as filter terms of the search index too, when it can be said so."""
    if fq is None:
        return Cond(Q(), search.AllOf(()))
    if not isinstance(fq, str):
        raise ValidationError({"fq": [_("fq doit être une chaîne de caractères.")]})
    if len(fq) > 10_000:
        raise ValidationError({"fq": [_("fq est trop long (10 000 caractères au plus).")]})
    parser = _Parser(fq, build=False)
    depth = 0
    for token in parser.tokens:  # guard the recursion
        depth += token.kind == "LPAREN"
        if depth > 50:
            raise _error(fq, token.pos, _("trop de parenthèses imbriquées (50 au plus)"))
    parser.parse()  # every syntax error first, wherever it is
    return _Parser(fq).parse()


# --- package_search -------------------------------------------------------------------------

#: ``facet.field`` values and what they count.
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")
DEFAULT_ROWS = 10
MAX_ROWS = 1000
DEFAULT_FACET_LIMIT = 50
DEFAULT_SORT = "score desc, metadata_modified desc"
#: ``sort`` field -> ordering expression (``score`` is the full-text relevance when ``q`` is given).
SORT_FIELDS = ("score", "metadata_modified", "metadata_created", "name", "title_string", "title", "id",
               "num_resources", "num_tags")
RANK = "search_rank"
#: With facets, a matching set of at most this many datasets is read once as a list of ids, and the
#: count and facets are computed from it (well under SQLite's 32,766 bound parameters).
ID_LIST_MAX = 5000
_Q_FIELD = re.compile(r"(?:^|[\s(+\-!])(\*|[A-Za-z_][A-Za-z0-9_]*):")


def int_param(params, key, default, *, low=0, high=None):
    """An integer parameter (``low`` at least, capped at ``high``), or a ValidationError keyed by ``key``."""
    value = params.get(key)
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        value = int(value)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError({key: [_("Nombre entier attendu, reçu « %(value)s ».") % {"value": str(value)[:50]}]}) \
            from None
    if number < low:
        raise ValidationError({key: [_("Doit être un nombre entier d'au moins %(low)s.") % {"low": low}]})
    if high is not None:
        number = min(number, high)
    return number


def bool_param(params, key, default=False) -> bool:
    """A boolean parameter as CKAN reads it (``true``/``false``, ``1``/``0``, ``yes``/``no``, JSON booleans)."""
    value = params.get(key)
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "t", "y"):
        return True
    if text in ("false", "0", "no", "off", "f", "n"):
        return False
    raise ValidationError({key: [_("Valeur booléenne attendue (true ou false), reçu « %(value)s ».")
                                 % {"value": str(value)[:50]}]})


def _json_list(params, key) -> list | None:
    """A list parameter given as a list, a JSON list in a string (CKAN's way on GET), or one value."""
    import json

    value = params.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValidationError({key: [_("Liste JSON invalide.")]}) from None
        else:
            value = [text]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({key: [_("Liste de chaînes de caractères attendue.")]})
    return value


def _sort_ordering(sort: str, has_rank: bool) -> list:
    from django.db.models import F
    from django.db.models.functions import Lower

    ordering = []
    for part in sort.split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise ValidationError({"sort": [_("Tri « %(part)s » invalide : écrivez « champ asc » ou « champ desc ».")
                                            % {"part": part.strip()[:100]}]})
        field = bits[0]
        desc = len(bits) == 2 and bits[1].lower() == "desc"
        if field not in SORT_FIELDS:
            raise ValidationError({"sort": [_("Tri par « %(field)s » impossible; champs possibles : %(fields)s.")
                                            % {"field": field[:100], "fields": ", ".join(SORT_FIELDS)}]})
        if field == "score":
            if has_rank:
                ordering.append(F(RANK).desc() if desc else F(RANK).asc())
            continue
        expression = {
            "metadata_modified": F("modified_at"),
            "metadata_created": F("created_at"),
            "name": F("name"),
            "title_string": Lower("title_fr"),
            "title": Lower("title_fr"),
            "id": F("id"),
            "num_resources": _count_expression("num_resources") if field == "num_resources" else None,
            "num_tags": _count_expression("num_tags") if field == "num_tags" else None,
        }[field]
        ordering.append(expression.desc() if desc else expression.asc())
    ordering.append(F("name").asc())  # unique: stable pages
    return ordering


def _looks_like_fielded(q: str) -> bool:
    """Whether ``q`` is written in Solr syntax with fields (``tags:vélo``), as CKAN lets ``q`` be."""
    flags = search_flags()
    for m in _Q_FIELD.finditer(q):
        name = m.group(1)
        if name == "*" or name in FIELDS or name in flags or name.startswith("extras_"):
            return True
    return False


# --- Spatial filter (``ext_bbox``, as ckanext-spatial) -------------------------------------------

def parse_bbox(value, key: str = "ext_bbox") -> tuple[float, float, float, float] | None:
    """``ext_bbox`` = ``minx,miny,maxx,maxy`` (WGS84 longitudes and latitudes in degrees, as
    ckanext-spatial takes it; a list of four numbers too) → a tuple, or ``None`` when not given.

    West must be less than east and south less than north: a box across the antimeridian (west >
    east) is not supported (give two boxes' searches instead). Anything else is a ``ValidationError``
    on ``key`` that says what is expected.
    """
    import math

    if value in (None, ""):
        return None
    expected = _("écrivez quatre nombres séparés par des virgules : ouest,sud,est,nord en degrés WGS84 "
                 "(par exemple -73.98,45.41,-73.47,45.70)")
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = []
    shown = str(value)[:100]
    if len(parts) != 4:
        raise ValidationError({key: [_("Rectangle « %(value)s » invalide : %(expected)s.")
                                     % {"value": shown, "expected": expected}]})
    try:
        numbers = [float(p) for p in parts]
    except (TypeError, ValueError):
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers) or any(isinstance(p, bool) for p in parts):
        raise ValidationError({key: [_("Rectangle « %(value)s » invalide : %(expected)s.")
                                     % {"value": shown, "expected": expected}]})
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValidationError({key: [_("Rectangle « %(value)s » invalide : les longitudes (ouest, est) vont de "
                                       "-180 à 180.") % {"value": shown}]})
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ValidationError({key: [_("Rectangle « %(value)s » invalide : les latitudes (sud, nord) vont de "
                                       "-90 à 90.") % {"value": shown}]})
    if west >= east:
        raise ValidationError({key: [_("Rectangle « %(value)s » invalide : l'ouest doit être plus petit que l'est "
                                       "(un rectangle qui traverse l'antiméridien n'est pas pris en charge).")
                                     % {"value": shown}]})
    if south >= north:
        raise ValidationError({key: [_("Rectangle « %(value)s » invalide : le sud doit être plus petit que le "
                                       "nord.") % {"value": shown}]})
    return west, south, east, north


def bbox_q(bbox) -> Q:
    """Datasets whose coverage intersects ``bbox`` (edges touching count, as ckanext-spatial's
    ``ST_Intersects``): the declared box, or the one computed from the geographic resources
    (``coverage_*``, set by the geo module) when none is declared."""
    west, south, east, north = bbox

    def meets(prefix: str) -> Q:
        return Q(**{f"{prefix}_west__lte": east, f"{prefix}_east__gte": west,
                    f"{prefix}_south__lte": north, f"{prefix}_north__gte": south})

    return meets("bbox") | (Q(bbox_west__isnull=True) & meets("coverage"))


@dataclass(frozen=True)
class SearchPlan:
    """How to answer a search: ``queryset`` (the visible matching datasets, annotated with
    ``search_rank`` when ``has_rank``) and, when the search engine can answer alone, ``engine``:
    its query (``core.search.Match``) with the words, who may see what and the filters as filter
    terms. Both give the same datasets."""

    queryset: object
    has_rank: bool
    engine: object = None
    #: Who may see what, as filter terms (``selectors.dataset_visibility``): part of cache keys.
    visible_terms: object = None


def search_plan(*, user, params: dict) -> SearchPlan:
    """The datasets matching ``params`` (``q``, ``fq``, ``fq_list``, ``include_*``): see ``SearchPlan``."""
    from .selectors import dataset_visibility

    visible, visible_terms = dataset_visibility(
        user, include_private=bool_param(params, "include_private", False),
        include_drafts=bool_param(params, "include_drafts", False),
        include_deleted=bool_param(params, "include_deleted", False))
    conditions = Cond(Q(), search.AllOf(()))
    fq = params.get("fq")
    if fq not in (None, ""):
        conditions &= parse_fq_cond(fq)
    for item in _json_list(params, "fq_list") or []:
        conditions &= parse_fq_cond(item)
    bbox = parse_bbox(params.get("ext_bbox"))
    if bbox is not None:  # no filter term says it: the search engine never answers alone
        conditions &= Cond(bbox_q(bbox), None)
    q = params.get("q")
    if q is not None and not isinstance(q, str):
        raise ValidationError({"q": [_("q doit être une chaîne de caractères.")]})
    q = (q or "").strip()
    if len(q) > 1000:
        raise ValidationError({"q": [_("q est trop long (1 000 caractères au plus).")]})
    has_rank, engine = False, None
    queryset = visible.filter(conditions.q) if conditions.q else visible
    if q and q != "*:*":
        if _looks_like_fielded(q):
            try:
                queryset = queryset.filter(parse_fq(q))
            except ValidationError as exc:
                raise ValidationError({"q": exc.message_dict["fq"]}) from None
        else:
            from .indexing import match_datasets

            has_rank = True
            terms = _terms_all(visible_terms, conditions.terms)
            engine = match_datasets(q, terms)
            if engine is None:  # nothing to search for in q (stop words only): no constraint
                queryset = queryset.annotate(**{RANK: Value(0.0, output_field=FloatField())})
            else:
                queryset = engine.apply(queryset, rank=RANK)
                if terms is None:
                    engine = None
    return SearchPlan(queryset, has_rank, engine, visible_terms)


def search_queryset(*, user, params: dict):
    """``search_plan``'s ``(queryset, has_rank)``."""
    plan = search_plan(user=user, params=params)
    return plan.queryset, plan.has_rank


def _facets(queryset, fields: list[str], *, limit: int, mincount: int, ids=None) -> tuple[dict, dict]:
    """Facet counts over the datasets of ``queryset``, or over ``ids`` (a list of primary keys) when the
    caller already holds the matching set: then each facet is a grouped query over those rows only,
    instead of evaluating the search again."""
    from .models import Dataset, Resource

    if ids is None:
        ids = queryset.order_by().values("pk")
    facets, search_facets = {}, {}
    for field in fields:
        if field == "organization":
            rows = (Dataset.objects.filter(pk__in=ids).order_by()
                    .values("organisation__slug", "organisation__name_fr")
                    .annotate(count=Count("pk")).order_by("-count", "organisation__slug"))
            key, label = "organisation__slug", "organisation__name_fr"
        elif field == "license_id":
            rows = (Dataset.objects.filter(pk__in=ids).order_by()
                    .values("licence_id", "licence__title_fr")
                    .annotate(count=Count("pk")).order_by("-count", "licence_id"))
            key, label = "licence_id", "licence__title_fr"
        elif field == "tags":
            rows = (Dataset.tags.through.objects.filter(dataset_id__in=ids).order_by()
                    .values("tag__name").annotate(count=Count("dataset_id")).order_by("-count", "tag__name"))
            key, label = "tag__name", "tag__name"
        elif field == "groups":
            rows = (Dataset.themes.through.objects.filter(dataset_id__in=ids).order_by()
                    .values("theme__name", "theme__title_fr")
                    .annotate(count=Count("dataset_id")).order_by("-count", "theme__name"))
            key, label = "theme__name", "theme__title_fr"
        else:  # res_format
            rows = (Resource.objects.filter(dataset_id__in=ids, state=Resource.State.ACTIVE).exclude(format="")
                    .order_by().values("format").annotate(count=Count("dataset_id", distinct=True))
                    .order_by("-count", "format"))
            key, label = "format", "format"
        if mincount > 0:
            rows = rows.filter(count__gte=mincount)
        if limit >= 0:
            rows = rows[:limit]
        items = [{"name": row[key], "display_name": row[label] or row[key], "count": row["count"]}
                 for row in rows]
        facets[field] = {item["name"]: item["count"] for item in items}
        search_facets[field] = {"title": field, "items": items}
    return facets, search_facets


#: How long facet counts without full text stay cached at most (their labels: a renamed publisher).
FACET_CACHE_SECONDS = 300


def _page_with_count(queryset, ordering: list, start: int, rows: int) -> list[tuple]:
    """``[(pk, number of matches), …]``: the page of ``queryset`` sorted by ``ordering`` (``OrderBy``
    expressions), each row carrying the whole count (``COUNT(*) OVER ()``), in one read of the matches.

    The window runs over a subquery that computes the sort keys: FTS5's ``bm25()`` cannot be used
    in a window query's own select list, and PostgreSQL then ranks the matches in its parallel workers.
    """
    from django.db import connection

    keys = {f"_sort{i}": item.expression for i, item in enumerate(ordering)}
    inner = queryset.annotate(**keys).order_by().values("pk", *keys)
    sql, params = inner.query.sql_with_params()
    if connection.vendor == "postgresql":
        # A fence: the sort keys (the relevance) are then computed by the parallel workers, which
        # hand over narrow rows instead of every match's tsvector (deep paging at 100k ~100 → ~60 ms).
        sql += " OFFSET 0"
    order = ", ".join(f'"{key}" {"DESC" if item.descending else "ASC"}' for key, item in zip(keys, ordering, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "pk", COUNT(*) OVER () FROM ({sql}) AS "matches" ORDER BY {order} '
                       "LIMIT %s OFFSET %s", [*params, rows, start])
        page = cursor.fetchall()
    pk = queryset.model._meta.pk
    return [(pk.to_python(value), total) for value, total in page]


def _results(page_ids: list, fl) -> list[dict]:
    """The CKAN dictionaries of the datasets ``page_ids``, in that order (only the keys ``fl`` if given)."""
    from .ckan_dict import dataset_to_ckan, datasets_for_ckan

    results = [dataset_to_ckan(dataset) for dataset in datasets_for_ckan(page_ids)]
    if fl:
        results = [{key: item.get(key) for key in fl} for item in results]
    return results


#: From this many matches on, a page sorted by the datasets' own columns walks the datasets in that
#: order and tests each against the matches, instead of looking every match up and sorting them.
WALK_FROM = 1000


def _engine_search(engine, ordering, *, start: int, rows: int, facet_fields, facet_limit: int,
                   facet_mincount: int) -> tuple[int, list, dict, dict]:
    """``(count, page ids, facets, search_facets)`` from the search engine's own query: the count
    and, sorted by relevance (``ordering`` None), the page come from the engine alone, which never
    joins its matches to the datasets; sorted otherwise, the page is read from the datasets in that
    order among the engine's matches. Facets group the engine's matches."""
    from .models import Dataset

    page_ids: list = []
    if ordering is None and rows:
        page, count = engine.page(limit=rows, offset=start)
        page_ids = [Dataset._meta.pk.to_python(object_id) for object_id, _rank in page]
    else:
        count = engine.count()
    if rows and start < count and ordering is not None:
        # The engine's matches are exactly the visible datasets that pass the filters.
        page_ids = list(engine.restrict(Dataset.objects.all(), walk=count >= WALK_FROM).order_by(*ordering)
                        .values_list("pk", flat=True)[start:start + rows])
    facets, search_facets = {}, {}
    if facet_fields:
        facets, search_facets = _facets(None, facet_fields, limit=facet_limit, mincount=facet_mincount,
                                        ids=engine.object_ids(Dataset))
    return count, page_ids, facets, search_facets


def package_search(*, user, params: dict) -> dict:
    """CKAN's ``package_search`` result: ``count``, ``results``, ``facets``, ``search_facets``, ``sort``.

    Parameters as CKAN takes them: ``q``, ``fq``, ``fq_list``, ``rows`` (default 10, at most
    1000), ``start``, ``sort`` (default ``score desc, metadata_modified desc``), ``facet``
    (default true), ``facet.field`` (a JSON list among ``FACET_FIELDS``), ``facet.limit``
    (default 50, -1 for all), ``facet.mincount`` (default 1), ``include_private`` (private
    datasets of the person's organisations), ``include_drafts``, ``include_deleted`` (platform
    admins), ``fl`` (keys to return, e.g. ``id,name``), ``ext_bbox`` (``minx,miny,maxx,maxy``: see ``parse_bbox``). A fixed number of SQL queries whatever the
    number of datasets.

    A full-text ``q`` whose filters (and the person's rights) are all said with filter terms is
    answered by the search engine alone (``SearchPlan.engine``, ``_engine_search``): count, ranked
    page, facets. Otherwise SQL: the count (or, with facets, the matching ids when there are at most
    ``ID_LIST_MAX``), the page's ids, the page's datasets and their related rows, and one query per
    facet; without full text, the facets come from a cache keyed by the index's generation.
    """
    if not isinstance(params, dict):
        raise ValidationError({"__all__": [_("Les paramètres doivent former un objet.")]})
    rows = int_param(params, "rows", DEFAULT_ROWS, high=MAX_ROWS)
    start = int_param(params, "start", 0)
    sort = params.get("sort") or DEFAULT_SORT
    if not isinstance(sort, str):
        raise ValidationError({"sort": [_("sort doit être une chaîne de caractères.")]})
    facet_fields = _json_list(params, "facet.field") or []
    for field in facet_fields:
        if field not in FACET_FIELDS:
            raise ValidationError({"facet.field": [
                _("Facette « %(field)s » inconnue; facettes possibles : %(fields)s.")
                % {"field": field[:100], "fields": ", ".join(FACET_FIELDS)}]})
    facet_limit = int_param(params, "facet.limit", DEFAULT_FACET_LIMIT, low=-1)
    facet_mincount = int_param(params, "facet.mincount", 1)
    fl = params.get("fl")
    if fl not in (None, ""):
        fl = [f for f in re.split(r"[\s,]+", fl) if f] if isinstance(fl, str) else fl
        if not isinstance(fl, list) or not all(isinstance(f, str) for f in fl):
            raise ValidationError({"fl": [_("fl est une liste de champs séparés par des virgules.")]})

    from .models import Dataset

    plan = search_plan(user=user, params=params)
    queryset, has_rank = plan.queryset, plan.has_rank
    ordering = _sort_ordering(sort, has_rank)
    want_facets = bool(facet_fields) and bool_param(params, "facet", True)
    sort_fields = [part.split()[:1] for part in sort.split(",") if part.split()]
    score_first = has_rank and sort_fields[:1] == [["score"]] and sort.split(",")[0].split()[1:] in ([], ["desc"])
    if plan.engine is not None and (score_first or ["score"] not in sort_fields):
        count, page_ids, facets, search_facets = _engine_search(
            plan.engine, ordering if not score_first else None, start=start, rows=rows,
            facet_fields=facet_fields if want_facets else [], facet_limit=facet_limit, facet_mincount=facet_mincount)
        return {"count": count, "results": _results(page_ids, fl), "facets": facets,
                "search_facets": search_facets, "sort": sort}
    # The matching set is read as few times as possible. With facets, the ids are read first (at
    # most ID_LIST_MAX + 1 of them): when they all fit, the count is their number and the facets
    # group those rows only; otherwise one COUNT. When sorting by relevance, which ranks every match
    # anyway, those ids come in the page's order and the page is a slice of them. Sorted by
    # relevance without facets, the page carries the count (see ``_page_with_count``): one read of
    # the matches. (Not for other sorts: PostgreSQL would walk a sort index through every dataset
    # to fill the window.) The relevance is never computed for the count or the facets alone.
    by_score = has_rank and any(part.split()[:1] == ["score"] for part in sort.split(","))
    ids = head = None
    page_ids: list = []
    # Without full text, the facets come from the cache (see below): no list of ids for them.
    cached_facets = want_facets and not has_rank and plan.visible_terms is not None \
        and not _uses_flags(params.get("fq"), _json_list(params, "fq_list") or [], params.get("q")) \
        and params.get("ext_bbox") in (None, "")  # coverages change without the search index changing
    if want_facets and not cached_facets:
        head = queryset.order_by(*ordering) if by_score else queryset.order_by()
        head = list(head.values_list("pk", flat=True)[:ID_LIST_MAX + 1])
        if len(head) <= ID_LIST_MAX:
            ids = head
        count = len(ids) if ids is not None else queryset.order_by().count()
        if rows and start < count:
            if by_score and (ids is not None or start + rows <= len(head)):
                page_ids = head[start:start + rows]
            else:
                base = Dataset.objects.filter(pk__in=ids) if ids is not None else queryset
                page_ids = list(base.order_by(*ordering).values_list("pk", flat=True)[start:start + rows])
    elif rows and by_score:
        page = _page_with_count(queryset, ordering, start, rows)
        if page:
            count = page[0][1]
            page_ids = [pk for pk, _total in page]
        else:  # a page past the end
            count = queryset.order_by().count()
    else:
        count = queryset.order_by().count()
        if rows and start < count:
            # The ordered ids of the page alone (narrow rows: the sort never carries the datasets'
            # text), then those datasets with what dataset_to_ckan reads.
            page_ids = list(queryset.order_by(*ordering).values_list("pk", flat=True)[start:start + rows])
    results = _results(page_ids, fl)
    facets, search_facets = {}, {}
    if want_facets:
        def count_facets():
            return _facets(queryset, facet_fields, limit=facet_limit, mincount=facet_mincount, ids=ids)

        if not cached_facets:
            facets, search_facets = count_facets()
        else:  # no full text: the same few filters for everybody (the search page as it opens, a publisher's page…)
            from .indexing import cached

            key = [repr(plan.visible_terms), params.get("q"), params.get("fq"), params.get("fq_list"), facet_fields,
                   facet_limit, facet_mincount]
            facets, search_facets = cached("facets", key, count_facets, seconds=FACET_CACHE_SECONDS)
    return {"count": count, "results": results, "facets": facets, "search_facets": search_facets, "sort": sort}
