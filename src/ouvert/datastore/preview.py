"""The table of a preview page as the person asks for it: filters, full text, sort, page.

The page's address holds the state (shareable, and working without JavaScript):

- ``q``: words to find in any text column (CKAN's ``q``);
- ``f.<column>``: a text column's value, with ``m.<column>`` = ``contient`` (the words, accents and
  case ignored; the default) or ``egal`` (exactly this value); a boolean column's ``true``/``false``;
- ``min.<column>`` / ``max.<column>``: bounds (inclusive) of a number, date or date-time column;
- ``tri``: ``<column>`` (ascending) or ``-<column>`` (descending);
- ``page`` and ``par`` (rows per page: 25, 50 or 100).

What it becomes in SQL is the datastore's query builder (``query.parse`` for filters, words and
sort — values typed in Python and bound as parameters, names checked and quoted), plus the
ranges, typed the same way (``query.typed_value``). One ``TableView`` gives the page's rows and
count, the chart builder's filter and the download's query, so the three always agree.

A value that does not fit its column (``min.Date=hier``) is reported next to its field
(``errors``, keyed by parameter) and left out; the rest still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import charts, duck, query
from .export import ExportQuery
from .ingest import table_schema_type

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
#: Pages beyond this are refused (the address would have to be forged): 100 rows × 100,000 pages.
MAX_PAGE = 100_000
MODES = ("contient", "egal")
#: Every parameter of the table's state, for links that keep it.
STATE_PREFIXES = ("f.", "m.", "min.", "max.")


@dataclass
class Column:
    """A column of the table as the page shows it."""

    name: str
    index: int
    duckdb_type: str
    type: str  # Table Schema type: integer, number, boolean, date, datetime, time, string

    @property
    def ranged(self) -> bool:
        return self.type in ("integer", "number", "date", "datetime")

    @property
    def text(self) -> bool:
        return self.type == "string" and query.ckan_type(self.duckdb_type) == "text"

    @property
    def boolean(self) -> bool:
        return self.type == "boolean"

    @property
    def input_type(self) -> str:
        """The HTML input of a range bound."""
        return {"date": "date", "datetime": "datetime-local"}.get(self.type, "number")

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "duckdb_type": self.duckdb_type}


@dataclass
class ColumnFilter:
    """What the person typed for one column (kept as typed, to show it back in the form)."""

    value: str = ""
    mode: str = "contient"
    low: str = ""
    high: str = ""

    @property
    def active(self) -> bool:
        return bool(self.value or self.low or self.high)


def _one(params: Mapping, key: str, length: int = 500) -> str:
    getter = getattr(params, "get", None)
    value = getter(key, "") if getter else ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value if value is not None else "").strip()[:length]


@dataclass
class TableView:
    """The table of one Parquet file (``rel``: the datastore's relation) seen through ``params``."""

    rel: query.Relation
    columns: list[Column] = field(default_factory=list)
    q: str = ""
    filters: dict[str, ColumnFilter] = field(default_factory=dict)
    sort: tuple[str, bool] | None = None  # (column, descending)
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    errors: dict[str, str] = field(default_factory=dict)
    condition: str = ""
    args: list = field(default_factory=list)
    order: str = ""

    @classmethod
    def from_params(cls, rel: query.Relation, params: Mapping) -> TableView:
        view = cls(rel=rel)
        view.columns = [Column(name=name, index=i, duckdb_type=kind, type=table_schema_type(kind))
                        for i, (name, kind) in enumerate(rel.columns) if name != query.ROW_ID]
        view._read(params)
        view._build()
        return view

    # --- reading the address ---------------------------------------------------------------

    def _read(self, params: Mapping) -> None:
        self.q = _one(params, "q")
        for column in self.columns:
            name = column.name
            found = ColumnFilter(value=_one(params, f"f.{name}"), mode=_one(params, f"m.{name}") or "contient",
                                 low=_one(params, f"min.{name}", 100), high=_one(params, f"max.{name}", 100))
            if found.mode not in MODES:
                found.mode = "contient"
            if not column.ranged:
                found.low = found.high = ""
            if column.ranged:
                found.value = ""
            if found.active or found.mode != "contient":
                self.filters[name] = found
        sort = _one(params, "tri", 1000)
        if sort:
            descending = sort.startswith("-")
            name = sort[1:] if descending else sort
            if name in self.rel.types:
                self.sort = (name, descending)
            else:
                self.errors["tri"] = _("Tri impossible : colonne inconnue « %(name)s ».") % {"name": name[:100]}
        try:
            self.size = int(_one(params, "par") or DEFAULT_PAGE_SIZE)
        except ValueError:
            self.size = DEFAULT_PAGE_SIZE
        if self.size not in PAGE_SIZES:
            self.size = DEFAULT_PAGE_SIZE
        try:
            self.page = max(1, min(int(_one(params, "page") or 1), MAX_PAGE))
        except ValueError:
            self.page = 1

    def _build(self) -> None:
        """Check each value against its column, then build the filter and the order."""
        types = self.rel.types
        equal, contains, ranges = {}, {}, []
        by_name = {column.name: column for column in self.columns}
        for name, wanted in self.filters.items():
            column = by_name[name]
            if column.ranged:
                for key, value, operator in ((f"min.{name}", wanted.low, ">="), (f"max.{name}", wanted.high, "<=")):
                    if not value:
                        continue
                    try:
                        typed = query.typed_value(key, name, types[name], value)
                    except ValidationError as exc:
                        self.errors[key] = exc.messages[0]
                        continue
                    ranges.append((f"{duck.quote_identifier(name)} {operator} ?", typed))
            elif wanted.value:
                key = f"f.{name}"
                if column.text and wanted.mode == "contient":
                    try:
                        query.parse({"q": {name: wanted.value}}, self.rel)
                    except ValidationError as exc:
                        self.errors[key] = exc.messages[0]
                        continue
                    contains[name] = wanted.value
                else:
                    try:
                        query.typed_value(key, name, types[name], wanted.value)
                    except ValidationError as exc:
                        self.errors[key] = exc.messages[0]
                        continue
                    equal[name] = wanted.value
        request = {"filters": equal, "q": contains or None}
        if self.sort:
            name, descending = self.sort
            request["sort"] = [f"{duck.quote_identifier(name)} {'desc' if descending else 'asc'}"]
        try:
            search = query.parse(request, self.rel)
        except ValidationError as exc:  # every value was checked above: this is not expected
            self.errors["__all__"] = exc.messages[0]
            search = query.Search()
        if self.q:
            try:
                search.q_words = query.parse({"q": self.q}, self.rel).q_words
            except ValidationError as exc:
                self.errors["q"] = exc.messages[0]
        where, args = query.where_sql(search, self.rel)
        conditions = [where.removeprefix(" WHERE ")] if where else []
        for condition, value in ranges:
            conditions.append(condition)
            args.append(value)
        self.condition = " AND ".join(conditions)
        self.args = args
        self.order = query.order_sql(search).removeprefix(" ORDER BY ")

    # --- what the page shows -----------------------------------------------------------------

    @property
    def filtered(self) -> bool:
        return bool(self.condition)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def _where_sql(self) -> str:
        return f" WHERE {self.condition}" if self.condition else ""

    def count(self, cursor=None) -> int:
        """Rows that match (the file's row count when nothing is filtered)."""
        if not self.condition:
            return self.rel.rows
        cursor = cursor or query.engine().cursor()
        return int(cursor.execute(f"SELECT count(*) FROM {self.rel.name}{self._where_sql()}", self.args).fetchone()[0])

    def rows(self, cursor=None) -> list[tuple]:
        """The page's rows, ``_id`` first, then the columns in order."""
        cursor = cursor or query.engine().cursor()
        order = f" ORDER BY {self.order}" if self.order else ""
        if self.sort and self.rel.in_memory:
            # Sorted: the page's ``_id`` first, then its rows through the index (the datastore's search).
            rows, _total = query.sorted_page(cursor, self.rel, names=self.rel.names, where=self._where_sql(),
                                             args=self.args, order=order, sort_columns=[self.sort[0]],
                                             limit=self.size, offset=self.offset)
            return rows
        sql = (f"SELECT * FROM {self.rel.name}{self._where_sql()}{order} "
               f"LIMIT {int(self.size)} OFFSET {int(self.offset)}")
        return cursor.execute(sql, self.args).fetchall()

    def export_query(self, *, stored_file: str | None = None) -> ExportQuery:
        """The download of this view (every row that matches, in this order, every column but ``_id``)."""
        return ExportQuery(
            connect=lambda: query.engine().con.cursor(), source=self.rel.name,
            columns=[(column.name, column.duckdb_type) for column in self.columns],
            where=self.condition, params=list(self.args), order=self.order, stored_file=stored_file,
            whole_table=not self.condition and not self.order)

    def chart_columns(self) -> list[dict]:
        return [column.as_dict() for column in self.columns]

    # --- addresses ---------------------------------------------------------------------------

    def state(self) -> list[tuple[str, str]]:
        """The filters, words and sort as address parameters (no page): what a link or a saved
        visualisation keeps."""
        items = []
        if self.q:
            items.append(("q", self.q))
        for name, wanted in self.filters.items():
            if wanted.value:
                items.append((f"f.{name}", wanted.value))
            if wanted.mode != "contient" and wanted.value:
                items.append((f"m.{name}", wanted.mode))
            if wanted.low:
                items.append((f"min.{name}", wanted.low))
            if wanted.high:
                items.append((f"max.{name}", wanted.high))
        if self.sort:
            items.append(("tri", ("-" if self.sort[1] else "") + self.sort[0]))
        return items

    def filter_state(self) -> dict:
        """The filters and words only (no sort), as a dict: what a saved visualisation keeps."""
        return dict(item for item in self.state() if item[0] != "tri")

    def link(self, *, page: int | None = None, sort: str | None = None, size: int | None = None,
             extra: list[tuple[str, str]] | None = None) -> str:
        """``?…`` with this view's state and the changes given (``sort=""`` removes the sort)."""
        items = [(key, value) for key, value in self.state() if not (sort is not None and key == "tri")]
        if sort:
            items.append(("tri", sort))
        chosen_size = size or self.size
        if chosen_size != DEFAULT_PAGE_SIZE:
            items.append(("par", str(chosen_size)))
        if page and page > 1:
            items.append(("page", str(page)))
        items += extra or []
        return "?" + urlencode(items) if items else "?"


def chart(view: TableView, params: charts.ChartParams, *, title: str = "", description: str = "") -> dict:
    """The chart ``params`` over the rows of ``view`` (its filters), aggregated by DuckDB:
    ``{"spec": Vega-Lite, "table": the same figures, "data": ChartData}``."""
    columns = view.chart_columns()
    sql = charts.chart_sql(params, columns, source=view.rel.name, where=view.condition, where_params=view.args)
    data = charts.chart_data(query.engine().cursor(), sql, params, columns)
    return {"spec": charts.build_spec(params, columns, data, title=title, description=description),
            "table": charts.data_table(params, columns, data), "data": data}
