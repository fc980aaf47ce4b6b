"""The chart builder: from a person's choices and a table's columns to a Vega-Lite specification.

Pure functions, in three steps:

1. ``parse_params(data, columns)`` checks what the builder's form sent against the table's
   columns (``[{"name", "type", ...}]``, Table Schema types) and returns ``ChartParams``, or
   raises ``ValidationError`` keyed by field with French messages;
2. ``chart_sql(params, columns, source=…, where=…)`` gives the DuckDB queries that aggregate
   the table server-side (``chart_data`` runs them on a connection the caller opened): the
   browser never gets more than ``MAX_GROUPS`` groups, ``MAX_POINTS`` points (a repeatable
   reservoir sample of the filtered rows) or ``MAX_BINS`` histogram bins;
3. ``build_spec(params, columns, data)`` embeds those values in a Vega-Lite specification, and
   ``data_table(params, columns, data)`` gives the same figures as an accessible table.

The values use fixed keys (``x``, ``y``, ``c``, ``x0``, ``x1``) whatever the columns are called,
so that a column name with dots, brackets or quotes never needs escaping in Vega-Lite; the
columns' real names are the axes' titles.

Chart types: ``bar``, ``line``, ``area`` (``x`` grouped, ``aggregate`` of ``y`` — or a count —,
optional ``color`` group), ``scatter`` (``x`` against ``y``), ``histogram`` (``x`` in ``bins``
bins), ``map`` (points on plain longitude/latitude axes, offered only when the table has
latitude and longitude columns, see ``lat_lon_columns``).
"""

from __future__ import annotations

import datetime
import decimal
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .duck import quote_identifier

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

CHART_TYPES = ("bar", "line", "area", "scatter", "histogram", "map")
CHART_TYPE_LABELS = {
    "bar": gettext_lazy("Barres"),
    "line": gettext_lazy("Courbe"),
    "area": gettext_lazy("Aires"),
    "scatter": gettext_lazy("Nuage de points"),
    "histogram": gettext_lazy("Histogramme"),
    "map": gettext_lazy("Carte de points"),
}
AGGREGATES = ("count", "sum", "mean", "min", "max")
AGGREGATE_LABELS = {
    "count": gettext_lazy("Nombre de lignes"),
    "sum": gettext_lazy("Somme"),
    "mean": gettext_lazy("Moyenne"),
    "min": gettext_lazy("Minimum"),
    "max": gettext_lazy("Maximum"),
}
TIME_UNITS = ("", "day", "month", "year")
TIME_UNIT_LABELS = {
    "": gettext_lazy("Aucune (chaque valeur)"),
    "day": gettext_lazy("Jour"),
    "month": gettext_lazy("Mois"),
    "year": gettext_lazy("Année"),
}

#: Groups (bars, points of a line) at most; categories beyond are left out and the chart says so.
MAX_GROUPS = 500
#: Colour groups at most (the most frequent ones).
MAX_COLORS = 12
#: Points of a scatter plot or a map at most (a repeatable sample of the filtered rows).
MAX_POINTS = 5000
MIN_BINS, MAX_BINS, DEFAULT_BINS = 2, 100, 20

NUMERIC = ("integer", "number")
TEMPORAL = ("date", "datetime")
_LATITUDE_NAMES = {"lat", "latitude", "y_lat", "coord_lat"}
_LONGITUDE_NAMES = {"lon", "long", "lng", "longitude", "x_lon", "coord_lon"}


@dataclass(frozen=True)
class ChartParams:
    """What the builder asks for (already checked against the columns)."""

    type: str
    x: str = ""
    y: str = ""
    aggregate: str = "count"
    color: str = ""
    bins: int = DEFAULT_BINS
    time_unit: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ChartData:
    """The aggregated values of a chart, and whether some were left out (``truncated``)."""

    values: list[dict] = field(default_factory=list)
    truncated: bool = False
    total: int | None = None  # rows behind the chart (filtered), when counted


# --- Columns ---------------------------------------------------------------------------------

def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower().strip()
    return text.replace(" ", "_").replace("-", "_")


def _column_map(columns: Sequence[Mapping]) -> dict[str, str]:
    return {str(c["name"]): str(c.get("type") or "string") for c in columns}


def lat_lon_columns(columns: Sequence[Mapping]) -> tuple[str, str] | None:
    """``(latitude, longitude)`` column names when the table has both as numbers, else ``None``.

    Names are compared without case and accents: ``lat``/``latitude``, ``lon``/``long``/``lng``/
    ``longitude`` (the first of each found, in column order).
    """
    lat = lon = None
    for column in columns:
        if (column.get("type") or "") not in NUMERIC:
            continue
        folded = _fold(column["name"])
        if lat is None and (folded in _LATITUDE_NAMES or folded.endswith("latitude")):
            lat = column["name"]
        elif lon is None and (folded in _LONGITUDE_NAMES or folded.endswith("longitude")):
            lon = column["name"]
    return (lat, lon) if lat and lon else None


def chart_types(columns: Sequence[Mapping]) -> list[str]:
    """The chart types that make sense for these columns (``map`` only with latitude/longitude)."""
    types = _column_map(columns).values()
    available = ["bar", "line", "area"]
    if any(t in NUMERIC or t in TEMPORAL for t in types):
        available.append("histogram")
    if sum(1 for t in types if t in NUMERIC) >= 1 and any(t in NUMERIC or t in TEMPORAL for t in types):
        available.insert(3, "scatter")
    if lat_lon_columns(columns):
        available.append("map")
    return available


# --- Parameters ------------------------------------------------------------------------------

def _text(data: Mapping, key: str) -> str:
    value = data.get(key, "")
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value if value is not None else "").strip()[:300]


def parse_params(data: Mapping, columns: Sequence[Mapping]) -> ChartParams:
    """Check the builder's choices against ``columns``; ``ValidationError`` keyed by field otherwise."""
    names = _column_map(columns)
    errors: dict[str, list[str]] = {}
    chart_type = _text(data, "type") or "bar"
    if chart_type not in CHART_TYPES:
        errors["type"] = [_("Type de graphique inconnu « %(value)s ». Choisissez parmi : %(choices)s.")
                          % {"value": chart_type[:40], "choices": ", ".join(CHART_TYPES)}]
        raise ValidationError(errors)
    x, y, color = _text(data, "x"), _text(data, "y"), _text(data, "color")
    aggregate = _text(data, "aggregate") or "count"
    time_unit = _text(data, "time_unit")
    bins_text = _text(data, "bins")

    def column(key, value, *, required, kinds=None, kinds_label=""):
        if not value:
            if required:
                errors[key] = [_("Choisissez une colonne.")]
            return ""
        if value not in names:
            errors[key] = [_("Colonne inconnue « %(name)s ».") % {"name": value[:100]}]
            return ""
        if kinds and names[value] not in kinds:
            errors[key] = [_("La colonne « %(name)s » doit contenir %(kinds)s.")
                           % {"name": value[:100], "kinds": kinds_label}]
            return ""
        return value

    numbers = _("des nombres")
    numbers_or_dates = _("des nombres ou des dates")
    bins = DEFAULT_BINS
    if chart_type in ("bar", "line", "area"):
        x = column("x", x, required=True)
        if aggregate not in AGGREGATES:
            errors["aggregate"] = [_("Agrégat inconnu « %(value)s ». Choisissez parmi : %(choices)s.")
                                   % {"value": aggregate[:40], "choices": ", ".join(AGGREGATES)}]
        elif aggregate == "count":
            y = ""
        else:
            y = column("y", y, required=True, kinds=NUMERIC, kinds_label=numbers)
        if time_unit not in TIME_UNITS:
            errors["time_unit"] = [_("Unité de temps inconnue « %(value)s ».") % {"value": time_unit[:40]}]
        elif x and names.get(x) not in TEMPORAL:
            time_unit = ""
    else:
        aggregate, time_unit = "count", ""
        if chart_type == "scatter":
            x = column("x", x, required=True, kinds=NUMERIC + TEMPORAL, kinds_label=numbers_or_dates)
            y = column("y", y, required=True, kinds=NUMERIC, kinds_label=numbers)
        elif chart_type == "histogram":
            x = column("x", x, required=True, kinds=NUMERIC + TEMPORAL, kinds_label=numbers_or_dates)
            y = ""
            if bins_text:
                try:
                    bins = int(bins_text)
                except ValueError:
                    bins = -1
                if not MIN_BINS <= bins <= MAX_BINS:
                    errors["bins"] = [_("Donnez un nombre de classes entre %(low)s et %(high)s.")
                                      % {"low": MIN_BINS, "high": MAX_BINS}]
        else:  # map
            found = lat_lon_columns(columns)
            if found is None:
                errors["type"] = [_("Une carte demande des colonnes de latitude et de longitude numériques "
                                    "(par exemple « latitude » et « longitude »).")]
            else:
                y, x = found
    color = column("color", color, required=False)
    if errors:
        raise ValidationError(errors)
    return ChartParams(type=chart_type, x=x, y=y, aggregate=aggregate, color=color, bins=bins,
                       time_unit=time_unit)


# --- Queries ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartQuery:
    """The SQL of a chart: ``sql`` gives the values (at most ``limit`` + 1 rows, to tell when some
    were left out); ``count_sql``, when set, counts the filtered rows (scatter plots and maps)."""

    sql: str
    params: list
    limit: int
    count_sql: str = ""
    count_params: list = field(default_factory=list)


_AGGREGATE_SQL = {"sum": "sum({})", "mean": "avg({})", "min": "min({})", "max": "max({})"}


def chart_sql(params: ChartParams, columns: Sequence[Mapping], *, source: str, where: str = "",
              where_params: Sequence = ()) -> ChartQuery:
    """The DuckDB queries of a chart over ``source`` (a table, view or ``read_parquet(…)`` expression).

    ``where`` is a condition (without ``WHERE``) with ``?`` placeholders bound to ``where_params``:
    the table's current filters, as the table's query builder gives them. Column names come from
    ``params``, already checked against ``columns``, and are quoted.
    """
    names = _column_map(columns)
    base_conditions = [f"({where})"] if where else []
    x = quote_identifier(params.x) if params.x else ""
    y = quote_identifier(params.y) if params.y else ""
    c = quote_identifier(params.color) if params.color else ""
    filtered = f"SELECT * FROM {source}" + (f" WHERE {where}" if where else "")
    bound = list(where_params)

    if params.type in ("bar", "line", "area"):
        x_expr = x
        if params.time_unit and names.get(params.x) in TEMPORAL:
            x_expr = f"CAST(date_trunc('{params.time_unit}', {x}) AS DATE)"
        y_expr = "count(*)" if params.aggregate == "count" else _AGGREGATE_SQL[params.aggregate].format(y)
        discrete = names.get(params.x) not in NUMERIC + TEMPORAL
        ctes = [f"f AS ({filtered})"]
        conditions = [f"{x_expr} IS NOT NULL"]
        left_out = []
        if discrete:
            # Categories: the most frequent ones (by rows).
            ctes.append(f"top_x AS (SELECT {x_expr} AS v, row_number() OVER (ORDER BY count(*) DESC, {x_expr}) AS r "
                        f"FROM f WHERE {x_expr} IS NOT NULL GROUP BY 1)")
            conditions.append(f"{x_expr} IN (SELECT v FROM top_x WHERE r <= {MAX_GROUPS})")
            left_out.append(f"(SELECT count(*) FROM top_x) > {MAX_GROUPS}")
        if c:
            # Colour groups: the most frequent ones.
            ctes.append(f"top_c AS (SELECT {c} AS v, row_number() OVER (ORDER BY count(*) DESC, {c}) AS r "
                        f"FROM f WHERE {c} IS NOT NULL GROUP BY 1)")
            conditions.append(f"{c} IN (SELECT v FROM top_c WHERE r <= {MAX_COLORS})")
            left_out.append(f"(SELECT count(*) FROM top_c) > {MAX_COLORS}")
        selects = [f"{x_expr} AS x"] + ([f"{c} AS c"] if c else []) + [f"{y_expr} AS y"]
        groups = "1, 2" if c else "1"
        ctes.append(f"g AS (SELECT {', '.join(selects)} FROM f WHERE {' AND '.join(conditions)} GROUP BY {groups})")
        if c:
            order = "x, c"
        elif discrete and params.type == "bar":
            order = "y DESC NULLS LAST, x"
        else:
            order = "x"
        limit = MAX_GROUPS * (MAX_COLORS if c else 1)
        more = " OR ".join(left_out) if left_out else "false"
        sql = (f"WITH {', '.join(ctes)} SELECT g.*, count(*) OVER () AS n, {more} AS m FROM g "
               f"ORDER BY {order} LIMIT {limit}")
        return ChartQuery(sql=sql, params=bound, limit=limit)

    if params.type == "histogram":
        temporal = names.get(params.x) in TEMPORAL
        value = f"epoch({x})" if temporal else f"CAST({x} AS DOUBLE)"
        sql = (f"WITH f AS ({filtered}), v AS (SELECT {value} AS v FROM f WHERE {x} IS NOT NULL), "
               f"r AS (SELECT min(v) AS lo, max(v) AS hi FROM v), "
               f"b AS (SELECT CASE WHEN r.hi = r.lo THEN 0 ELSE least(floor((v.v - r.lo) / (r.hi - r.lo) * {params.bins}), "
               f"{params.bins - 1}) END AS i FROM v, r) "
               f"SELECT CAST(b.i AS INTEGER) AS i, count(*) AS y, any_value(r.lo) AS lo, any_value(r.hi) AS hi "
               f"FROM b, r GROUP BY 1 ORDER BY 1")
        return ChartQuery(sql=sql, params=bound, limit=params.bins)

    # Scatter plots and maps: a repeatable sample of the filtered rows that have both values.
    conditions = [f"{x} IS NOT NULL", f"{y} IS NOT NULL"]
    if params.type == "map":
        conditions += [f"{y} BETWEEN -90 AND 90", f"{x} BETWEEN -180 AND 180"]
    selects = [f"{x} AS x", f"{y} AS y"] + ([f"{c} AS c"] if c else [])
    inner = (f"SELECT {', '.join(selects)} FROM {source} WHERE "
             + " AND ".join(base_conditions + conditions))
    sql = f"SELECT * FROM ({inner}) AS s USING SAMPLE reservoir({MAX_POINTS} ROWS) REPEATABLE (42)"
    count_sql = f"SELECT count(*) FROM ({inner}) AS s"
    return ChartQuery(sql=sql, params=bound, limit=MAX_POINTS, count_sql=count_sql, count_params=list(bound))


def _plain(value):
    """A value as JSON can hold it (dates as ISO strings, decimals as numbers, NaN as null)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _bin_edge(lo: float, hi: float, bins: int, index: int, temporal: bool):
    edge = lo if hi == lo else lo + (hi - lo) * index / bins
    if temporal:
        return datetime.datetime.fromtimestamp(edge, tz=datetime.UTC).replace(tzinfo=None).isoformat()
    return edge


def chart_data(con, query: ChartQuery, params: ChartParams, columns: Sequence[Mapping]) -> ChartData:
    """Run ``query`` on the DuckDB connection ``con``; the values ``build_spec`` embeds."""
    rows = con.execute(query.sql, query.params).fetchall()
    data = ChartData()
    if params.type == "histogram":
        temporal = _column_map(columns).get(params.x) in TEMPORAL
        for index, count, lo, hi in rows:
            lo, hi = float(lo), float(hi)
            last = index + 1 if hi != lo else params.bins
            data.values.append({"x0": _bin_edge(lo, hi, params.bins, index, temporal),
                                "x1": _bin_edge(lo, hi, params.bins, last, temporal), "y": int(count)})
        data.total = sum(v["y"] for v in data.values)
        return data
    if params.type in ("bar", "line", "area"):
        keys = ["x", "c", "y"] if params.color else ["x", "y"]
        for row in rows:
            data.values.append({key: _plain(value) for key, value in zip(keys, row, strict=False)})
        if rows:
            groups, left_out = rows[0][len(keys)], rows[0][len(keys) + 1]
            data.truncated = bool(left_out) or groups > len(rows)
        return data
    keys = ["x", "y", "c"] if params.color else ["x", "y"]
    data.values = [{key: _plain(value) for key, value in zip(keys, row, strict=False)} for row in rows]
    if query.count_sql:
        data.total = int(con.execute(query.count_sql, query.count_params).fetchone()[0])
        data.truncated = data.total > len(data.values)
    return data


# --- Specification ---------------------------------------------------------------------------

def _vl_type(column_type: str, *, discrete: bool = False) -> str:
    if column_type in TEMPORAL:
        return "ordinal" if discrete else "temporal"
    if column_type in NUMERIC:
        return "ordinal" if discrete else "quantitative"
    return "nominal"


def y_title(params: ChartParams) -> str:
    if params.aggregate == "count" and params.type in ("bar", "line", "area", "histogram"):
        return str(AGGREGATE_LABELS["count"])
    if params.type in ("bar", "line", "area"):
        return f"{AGGREGATE_LABELS[params.aggregate]} ({params.y})"
    return params.y


def describe(params: ChartParams) -> str:
    """A sentence that says what the chart shows (the chart's text alternative, with its table)."""
    kind = str(CHART_TYPE_LABELS[params.type])
    if params.type == "histogram":
        text = _("%(kind)s : répartition des lignes selon « %(x)s » en %(bins)s classes.") % {
            "kind": kind, "x": params.x, "bins": params.bins}
    elif params.type == "map":
        text = _("%(kind)s : un point par ligne, à sa longitude « %(lon)s » et sa latitude « %(lat)s ».") % {
            "kind": kind, "lon": params.x, "lat": params.y}
    elif params.type == "scatter":
        text = _("%(kind)s : « %(y)s » selon « %(x)s », un point par ligne.") % {
            "kind": kind, "x": params.x, "y": params.y}
    else:
        measure = str(AGGREGATE_LABELS[params.aggregate]).lower()
        if params.aggregate != "count":
            measure = f"{measure} ({params.y})"
        text = _("%(kind)s : %(y)s selon « %(x)s ».") % {"kind": kind, "y": measure, "x": params.x}
    if params.color:
        text += " " + _("Couleur selon « %(c)s ».") % {"c": params.color}
    return text


def build_spec(params: ChartParams, columns: Sequence[Mapping], data: ChartData, *, title: str = "",
               description: str = "") -> dict:
    """The Vega-Lite specification of the chart, with ``data.values`` embedded."""
    names = _column_map(columns)
    x_type = names.get(params.x, "string")
    spec: dict = {
        "$schema": VEGA_LITE_SCHEMA,
        "description": description or describe(params),
        "width": "container",
        "height": 320,
        "data": {"values": data.values},
    }
    if title:
        spec["title"] = title
    color = ({"field": "c", "type": _vl_type(names.get(params.color, "string"), discrete=True),
              "title": params.color} if params.color else None)
    y_axis = {"field": "y", "type": "quantitative", "title": y_title(params)}
    if params.type in ("bar", "line", "area"):
        discrete = params.type == "bar" or x_type not in NUMERIC + TEMPORAL
        x_enc = {"field": "x", "type": _vl_type(x_type, discrete=discrete), "title": params.x}
        if params.time_unit:
            x_enc["title"] = f"{params.x} ({TIME_UNIT_LABELS[params.time_unit].lower()})"
        if params.type == "bar" and x_type not in NUMERIC + TEMPORAL and not params.color:
            x_enc["sort"] = "-y"
        if discrete and x_type in TEMPORAL:
            x_enc["sort"] = "ascending"
        mark = {"type": params.type, "tooltip": True}
        if params.type == "line":
            mark["point"] = len(data.values) <= 60
        spec["mark"] = mark
        spec["encoding"] = {"x": x_enc, "y": y_axis}
        if params.type in ("line", "area") and x_type in TEMPORAL and params.time_unit == "year":
            spec["encoding"]["x"]["timeUnit"] = "year"
    elif params.type == "histogram":
        temporal = x_type in TEMPORAL
        spec["mark"] = {"type": "bar", "tooltip": True}
        spec["encoding"] = {
            "x": {"field": "x0", "type": "temporal" if temporal else "quantitative", "bin": {"binned": True},
                  "title": params.x},
            "x2": {"field": "x1"},
            "y": {"field": "y", "type": "quantitative", "title": str(AGGREGATE_LABELS["count"])},
        }
    elif params.type == "scatter":
        spec["mark"] = {"type": "point", "tooltip": True, "filled": True, "opacity": 0.6}
        spec["encoding"] = {"x": {"field": "x", "type": _vl_type(x_type), "title": params.x,
                                  "scale": {"zero": False}},
                            "y": {"field": "y", "type": "quantitative", "title": params.y,
                                  "scale": {"zero": False}}}
    else:  # map: circles at longitude/latitude, no tiles
        spec["projection"] = {"type": "mercator"}
        spec["height"] = 400
        spec["mark"] = {"type": "circle", "tooltip": True, "opacity": 0.7, "size": 24}
        spec["encoding"] = {"longitude": {"field": "x", "type": "quantitative", "title": params.x},
                            "latitude": {"field": "y", "type": "quantitative", "title": params.y}}
    if color:
        spec["encoding"]["color"] = color
    return spec


def data_table(params: ChartParams, columns: Sequence[Mapping], data: ChartData) -> dict:
    """The chart's figures as a table (its accessible alternative): ``{"headers": […], "rows": [[…]]}``."""
    if params.type == "histogram":
        headers = [_("De (inclus)"), _("À"), str(AGGREGATE_LABELS["count"])]
        rows = [[v["x0"], v["x1"], v["y"]] for v in data.values]
    elif params.type in ("bar", "line", "area"):
        headers = [params.x] + ([params.color] if params.color else []) + [y_title(params)]
        rows = [[v["x"]] + ([v.get("c")] if params.color else []) + [v["y"]] for v in data.values]
    else:
        headers = [params.x, params.y] + ([params.color] if params.color else [])
        rows = [[v["x"], v["y"]] + ([v.get("c")] if params.color else []) for v in data.values]
    return {"headers": headers, "rows": rows}
