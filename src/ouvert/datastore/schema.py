"""Frictionless Table Schema: parse and check a descriptor, read cells the way Frictionless does,
infer a schema from an ingested table.

Specification: https://specs.frictionlessdata.io/table-schema/ (v1, with the v2 additions
Frictionless 5 reads: ``missingValues`` on a field).

- :func:`parse` checks a descriptor (a dict, a JSON text or the path of a JSON file) key by key
  and returns a :class:`Schema`; a wrong descriptor raises :class:`SchemaError`, whose ``errors``
  list one ``{"path", "message"}`` per problem (French messages), e.g. ``fields[2].constraints.minimum``.
- :class:`Schema` keeps the descriptor it came from: :meth:`Schema.as_dict` gives it back unchanged
  (unknown keys included, e.g. the data dictionary's ``description_fr`` / ``description_en``), so
  ``parse(schema.as_dict()).as_dict() == schema.as_dict()``.
- :meth:`Field.reader` returns the function that reads one cell exactly as Frictionless 5.18 does
  (``frictionless/fields/*.py``): the validation uses it for the values its SQL fast paths leave
  undecided, and :func:`parse` for the ``minimum``/``maximum``/``enum`` constraint values.
- :func:`infer` writes a descriptor from the ingestion's typed columns and/or a Parquet file; the
  publisher then edits it (titles, descriptions in French and English, constraints, primary key).
  Given the column profile, it proposes a primary key (:func:`propose_primary_key`): a column
  complete and unique whose name looks like an identifier (``id``, ``identifiant``, ``code``,
  ``no_…``, ``…_id``…).

Pure Python: no database, no Django model (only ``gettext``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

#: The field types of the Table Schema specification.
FIELD_TYPES = ("string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime",
               "year", "yearmonth", "duration", "geopoint", "geojson", "any")

#: The constraints each type supports, in the order Frictionless checks them (the order of the
#: constraint errors of one cell). ``unique`` is accepted by every type and checked across rows.
TYPE_CONSTRAINTS: dict[str, tuple[str, ...]] = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "integer": ("required", "minimum", "maximum", "enum"),
    "number": ("required", "minimum", "maximum", "enum"),
    "boolean": ("required", "enum"),
    "date": ("required", "minimum", "maximum", "enum"),
    "datetime": ("required", "minimum", "maximum", "enum"),
    "time": ("required", "minimum", "maximum", "enum"),
    "year": ("required", "minimum", "maximum", "enum"),
    "yearmonth": ("required", "minimum", "maximum", "enum"),
    "duration": ("required", "enum"),
    "object": ("required", "minLength", "maxLength", "enum"),
    "array": ("required", "minLength", "maxLength", "enum"),
    "geopoint": ("required", "enum"),
    "geojson": ("required", "enum"),
    "any": ("required", "enum"),
}

#: Formats with a meaning per type (dates and times also take ``any`` or a strptime pattern).
TYPE_FORMATS: dict[str, tuple[str, ...]] = {
    "string": ("default", "email", "uri", "binary", "uuid", "wkt"),
    "geopoint": ("default", "array", "object"),
    "geojson": ("default", "topojson"),
}

DEFAULT_MISSING_VALUES = [""]
DEFAULT_TRUE_VALUES = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE_VALUES = ["false", "False", "FALSE", "0"]
DEFAULT_DATE_PATTERN = "%Y-%m-%d"

#: Returned by a reader for a cell that is not of the field's type.
INVALID = object()

_BOOL_KEYS = ("bareNumber", "floatNumber")
_STRING_LIST_KEYS = ("missingValues", "trueValues", "falseValues")
_TEXT_KEYS = ("title", "description", "description_fr", "description_en", "title_fr", "title_en",
              "rdfType", "decimalChar", "groupChar")


class SchemaError(ValueError):
    """A descriptor that is not a valid Table Schema. ``errors``: ``[{"path", "message"}]``."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{error['path']} : {error['message']}" if error["path"] else error["message"]
                                   for error in errors))

    @property
    def message(self) -> str:
        return str(self)


# --- readers: one cell as Frictionless reads it ---------------------------------------------------------

@dataclass(frozen=True)
class YearMonth:
    year: int
    month: int


@dataclass(frozen=True)
class GeoPoint:
    lon: Decimal
    lat: Decimal


_NUMBER_STRIP = re.compile(r"((^[^-\d]*)|(\D*$))")


def _integer_reader(field: Field) -> Callable[[Any], Any]:
    pattern = None if field.bare_number else _NUMBER_STRIP

    def read(cell):
        if isinstance(cell, str):
            cell = cell.strip()
            if pattern:
                cell = pattern.sub("", cell)
            try:
                return int(cell)
            except (TypeError, ValueError):
                return INVALID
        if cell is True or cell is False:
            return INVALID
        if isinstance(cell, int):
            return cell
        if isinstance(cell, float) and cell.is_integer():
            return int(cell)
        if isinstance(cell, Decimal) and cell.is_finite() and cell % 1 == 0:
            return int(cell)
        return INVALID

    return read


def _number_reader(field: Field) -> Callable[[Any], Any]:
    pattern = None if field.bare_number else _NUMBER_STRIP
    processed = bool({"bareNumber", "decimalChar", "groupChar"} & set(field.descriptor))
    group_char, decimal_char = field.group_char, field.decimal_char
    primary, secondary = (float, Decimal) if field.float_number else (Decimal, float)

    def read(cell):
        if isinstance(cell, str):
            cell = cell.strip()
            if processed:
                if pattern:
                    cell = pattern.sub("", cell)
                cell = cell.replace(group_char, "")
                if decimal_char != "." and "." in cell:
                    return INVALID
                cell = cell.replace(decimal_char, ".")
            try:
                return primary(cell)
            except (ValueError, ArithmeticError, TypeError):
                return INVALID
        if isinstance(cell, primary):
            return cell
        if cell is True or cell is False:
            return INVALID
        if isinstance(cell, int):
            return cell
        if isinstance(cell, secondary):
            return primary(str(cell)) if primary is Decimal else primary(cell)
        return INVALID

    return read


def _boolean_reader(field: Field) -> Callable[[Any], Any]:
    mapping = {value: True for value in field.true_values}
    mapping.update({value: False for value in field.false_values})

    def read(cell):
        if cell is True or cell is False:
            return cell
        if isinstance(cell, str):
            return mapping.get(cell, INVALID)
        return INVALID

    return read


def _dateutil():
    try:
        from dateutil import parser
    except ImportError:  # pragma: no cover - dateutil comes with boto3 (django-storages[s3])
        return None
    return parser


def _isoparse(text: str) -> dt.datetime:
    parser = _dateutil()
    if parser is not None:
        return parser.isoparse(text)
    return dt.datetime.fromisoformat(text)  # pragma: no cover


def _parse_any(text: str) -> dt.datetime:
    parser = _dateutil()
    if parser is None:  # pragma: no cover
        raise ValueError("dateutil is not installed")
    return parser.parse(text)


def _date_reader(field: Field) -> Callable[[Any], Any]:
    fmt = field.format

    def read(cell):
        if isinstance(cell, dt.datetime):
            if cell.hour == 0 and cell.minute == 0 and cell.second == 0:
                return dt.date(cell.year, cell.month, cell.day)
            return INVALID
        if isinstance(cell, dt.date):
            return cell
        if not isinstance(cell, str):
            return INVALID
        try:
            if fmt == "default":
                return dt.datetime.strptime(cell, DEFAULT_DATE_PATTERN).date()
            if fmt == "any":
                return _parse_any(cell).date()
            return dt.datetime.strptime(cell, fmt).date()
        except Exception:
            return INVALID

    return read


def _datetime_reader(field: Field) -> Callable[[Any], Any]:
    fmt = field.format

    def read(cell):
        if isinstance(cell, dt.datetime):
            return cell
        if not isinstance(cell, str):
            return INVALID
        try:
            if fmt == "default":
                # Frictionless guards against the shorter forms dateutil accepts.
                if cell[16] != ":" or len(cell) < 19:
                    return INVALID
                return _isoparse(cell)
            if fmt == "any":
                return _parse_any(cell)
            return dt.datetime.strptime(cell, fmt)
        except Exception:
            return INVALID

    return read


def _time_reader(field: Field) -> Callable[[Any], Any]:
    fmt = field.format

    def read(cell):
        if isinstance(cell, dt.time):
            return cell
        if not isinstance(cell, str):
            return INVALID
        try:
            if fmt == "default":
                if cell[5] != ":" or len(cell) < 8:
                    return INVALID
                return _isoparse(f"2000-01-01T{cell}").timetz()
            if fmt == "any":
                return _parse_any(cell).timetz()
            return dt.datetime.strptime(cell, fmt).timetz()
        except Exception:
            return INVALID

    return read


def _year_reader(field: Field) -> Callable[[Any], Any]:
    def read(cell):
        if not isinstance(cell, int) or isinstance(cell, bool):
            if not isinstance(cell, str) or len(cell) != 4:
                return INVALID
            try:
                cell = int(cell)
            except ValueError:
                return INVALID
        if cell < 0 or cell > 9999:
            return INVALID
        return cell

    return read


def _yearmonth_reader(field: Field) -> Callable[[Any], Any]:
    def read(cell):
        if isinstance(cell, (tuple, list)):
            if len(cell) != 2:
                return INVALID
            year, month = cell
        elif isinstance(cell, str):
            try:
                year, month = cell.split("-")
                year, month = int(year), int(month)
            except ValueError:
                return INVALID
            if month < 1 or month > 12:
                return INVALID
        else:
            return INVALID
        return YearMonth(year, month)

    return read


_DURATION_RE = re.compile(
    r"^(?P<sign>[+-])?P(?!$)(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$")


def _parse_duration(text: str):
    """An ISO 8601 duration as ``(years, months, timedelta)``; isodate's parser when installed."""
    try:
        import isodate
    except ImportError:
        isodate = None
    if isodate is not None:
        value = isodate.parse_duration(text)
        if isinstance(value, dt.timedelta):
            return (Decimal(0), Decimal(0), value)
        return (Decimal(value.years), Decimal(value.months), value.tdelta)
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(text)
    parts = {key: Decimal(value.replace(",", ".")) for key, value in match.groupdict().items()
             if value and key != "sign"}
    delta = dt.timedelta(weeks=float(parts.get("weeks", 0)), days=float(parts.get("days", 0)),
                         hours=float(parts.get("hours", 0)), minutes=float(parts.get("minutes", 0)),
                         seconds=float(parts.get("seconds", 0)))
    years, months = parts.get("years", Decimal(0)), parts.get("months", Decimal(0))
    if match.group("sign") == "-":
        return (-years, -months, -delta)
    return (years, months, delta)


def _duration_reader(field: Field) -> Callable[[Any], Any]:
    def read(cell):
        if isinstance(cell, dt.timedelta):
            return (Decimal(0), Decimal(0), cell)
        if not isinstance(cell, str):
            return INVALID
        try:
            return _parse_duration(cell)
        except Exception:
            return INVALID

    return read


def _object_reader(field: Field) -> Callable[[Any], Any]:
    def read(cell):
        if isinstance(cell, dict):
            return cell
        if not isinstance(cell, str):
            return INVALID
        try:
            value = json.loads(cell)
        except Exception:
            return INVALID
        return value if isinstance(value, dict) else INVALID

    return read


def _array_reader(field: Field) -> Callable[[Any], Any]:
    item = field.descriptor.get("arrayItem")
    item_read, item_missing = None, []
    if isinstance(item, dict) and item.get("type", "any") in _READERS:
        item_field = Field(name=field.name, type=item.get("type", "any"), format=item.get("format", "default"),
                           descriptor=item)
        item_read, item_missing = item_field.reader(), item.get("missingValues", DEFAULT_MISSING_VALUES)

    def read(cell):
        if isinstance(cell, list):
            value = cell
        elif isinstance(cell, tuple):
            value = list(cell)
        elif not isinstance(cell, str):
            return INVALID
        else:
            try:
                value = json.loads(cell)
            except Exception:
                return INVALID
            if not isinstance(value, list):
                return INVALID
        if item_read is not None:
            # Frictionless reads each item with the ``arrayItem`` field: one item of another type
            # is a type error of the cell (the items' own constraints are not checked here).
            items = []
            for element in value:
                if element is None or str(element) in item_missing:
                    items.append(None)
                    continue
                read_item = item_read(element)
                if read_item is INVALID:
                    return INVALID
                items.append(read_item)
            return items
        return value

    return read


def _geopoint_reader(field: Field) -> Callable[[Any], Any]:
    fmt = field.format

    def read(cell):
        try:
            if isinstance(cell, str):
                if fmt == "array":
                    lon, lat = json.loads(cell)
                elif fmt == "object":
                    cell = json.loads(cell)
                    if len(cell) != 2:
                        return INVALID
                    lon, lat = cell["lon"], cell["lat"]
                else:
                    lon, lat = cell.split(",")
                    lon, lat = lon.strip(), lat.strip()
                cell = (Decimal(lon), Decimal(lat))
            lon, lat = cell
            point = GeoPoint(lon, lat)
            if point.lon > 180 or point.lon < -180 or point.lat > 90 or point.lat < -90:
                return INVALID
            return point
        except Exception:
            return INVALID

    return read


_GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection", "Feature", "FeatureCollection"}


def _is_position(value) -> bool:
    return (isinstance(value, list) and len(value) >= 2
            and all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value))


def _geometry_ok(value, depth: int) -> bool:
    """Coordinates nested ``depth`` levels of arrays above a position."""
    if depth == 0:
        return _is_position(value)
    return isinstance(value, list) and all(_geometry_ok(item, depth - 1) for item in value)


_COORDINATE_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                     "MultiPolygon": 3}


def _geojson_ok(value) -> bool:
    """A structural GeoJSON check (RFC 7946 shapes; Frictionless uses a JSON Schema profile)."""
    if not isinstance(value, dict) or value.get("type") not in _GEOJSON_TYPES:
        return False
    kind = value["type"]
    if kind in _COORDINATE_DEPTH:
        return _geometry_ok(value.get("coordinates"), _COORDINATE_DEPTH[kind])
    if kind == "GeometryCollection":
        geometries = value.get("geometries")
        return isinstance(geometries, list) and all(_geojson_ok(item) and item["type"] in _COORDINATE_DEPTH
                                                     for item in geometries)
    if kind == "Feature":
        geometry = value.get("geometry", ...)
        properties = value.get("properties", ...)
        return ((geometry is None or _geojson_ok(geometry)) and geometry is not ...
                and (properties is None or isinstance(properties, dict)))
    features = value.get("features")
    return isinstance(features, list) and all(isinstance(item, dict) and item.get("type") == "Feature"
                                              and _geojson_ok(item) for item in features)


def _geojson_reader(field: Field) -> Callable[[Any], Any]:
    fmt = field.format

    def read(cell):
        if isinstance(cell, str):
            try:
                cell = json.loads(cell)
            except Exception:
                return INVALID
        if not isinstance(cell, dict):
            return INVALID
        if fmt == "default" and not _geojson_ok(cell):
            return INVALID
        if fmt == "topojson" and (cell.get("type") != "Topology" or not isinstance(cell.get("objects"), dict)):
            return INVALID
        return cell

    return read


_EMAIL_RE = re.compile(r"^[\w.!#$%&'*+/=?^`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                       r"[A-Za-z]{2,63}$")
_URI_RE = re.compile(r"^[^:/?#]+:")
_WKT_RE = re.compile(r"^\s*(?:SRID=\d+;\s*)?(?:POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|"
                     r"GEOMETRYCOLLECTION|TRIANGLE|TIN|POLYHEDRALSURFACE)(?:\s*(?:Z|M|ZM))?\s*"
                     r"(?:EMPTY|\(.*\))\s*$", re.IGNORECASE | re.DOTALL)


def _string_reader(field: Field) -> Callable[[Any], Any]:
    fmt = field.format

    def check(cell: str) -> bool:
        if fmt == "email":
            return bool(_EMAIL_RE.match(cell))
        if fmt == "uri":
            return bool(_URI_RE.match(cell))
        if fmt == "uuid":
            try:
                uuid.UUID(cell)
            except (ValueError, TypeError):
                return False
            return True
        if fmt == "binary":
            try:
                base64.b64decode(cell)
            except (binascii.Error, ValueError):
                return False
            return True
        if fmt == "wkt":
            return bool(_WKT_RE.match(cell)) and cell.count("(") == cell.count(")")
        return True

    def read(cell):
        if not isinstance(cell, str):
            return INVALID
        return cell if check(cell) else INVALID

    return read


def _any_reader(field: Field) -> Callable[[Any], Any]:
    return lambda cell: cell


_READERS = {
    "string": _string_reader, "integer": _integer_reader, "number": _number_reader,
    "boolean": _boolean_reader, "date": _date_reader, "datetime": _datetime_reader, "time": _time_reader,
    "year": _year_reader, "yearmonth": _yearmonth_reader, "duration": _duration_reader,
    "object": _object_reader, "array": _array_reader, "geopoint": _geopoint_reader,
    "geojson": _geojson_reader, "any": _any_reader,
}


# --- the schema ------------------------------------------------------------------------------------------

@dataclass
class Field:
    """One field of a schema. ``descriptor`` is the field's descriptor as given (all its keys)."""

    name: str
    type: str = "string"
    format: str = "default"
    constraints: dict = field(default_factory=dict)
    missing_values: list[str] = field(default_factory=lambda: list(DEFAULT_MISSING_VALUES))
    descriptor: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.descriptor.get("title") or ""

    @property
    def description(self) -> str:
        return self.descriptor.get("description") or ""

    @property
    def description_fr(self) -> str:
        return self.descriptor.get("description_fr") or ""

    @property
    def description_en(self) -> str:
        return self.descriptor.get("description_en") or ""

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def unique(self) -> bool:
        return bool(self.constraints.get("unique"))

    @property
    def bare_number(self) -> bool:
        return bool(self.descriptor.get("bareNumber", True))

    @property
    def float_number(self) -> bool:
        return bool(self.descriptor.get("floatNumber", False))

    @property
    def decimal_char(self) -> str:
        return self.descriptor.get("decimalChar", ".")

    @property
    def group_char(self) -> str:
        return self.descriptor.get("groupChar", "")

    @property
    def true_values(self) -> list[str]:
        return list(self.descriptor.get("trueValues", DEFAULT_TRUE_VALUES))

    @property
    def false_values(self) -> list[str]:
        return list(self.descriptor.get("falseValues", DEFAULT_FALSE_VALUES))

    @property
    def checked_constraints(self) -> list[str]:
        """The cell constraints this field has, in Frictionless' order."""
        return [name for name in TYPE_CONSTRAINTS[self.type] if self.constraints.get(name) is not None]

    def reader(self) -> Callable[[Any], Any]:
        """A function reading one value (a cell's text or a JSON value) like Frictionless' value
        reader for this field's type and format: the value read, or :data:`INVALID`."""
        return _READERS[self.type](self)

    def read_constraint(self, name: str) -> Any:
        """The value of a ``minimum``/``maximum`` constraint, or the list of ``enum`` values, read
        by the field's reader (as Frictionless does); :data:`INVALID` for a value it cannot read."""
        read = self.reader()
        value = self.constraints[name]
        if name == "enum":
            return [read(item) for item in value]
        return read(value)


@dataclass
class ForeignKey:
    fields: list[str]
    resource: str
    reference_fields: list[str]

    def as_dict(self) -> dict:
        return {"fields": list(self.fields), "reference": {"resource": self.resource,
                                                            "fields": list(self.reference_fields)}}


@dataclass
class Schema:
    fields: list[Field]
    missing_values: list[str] = field(default_factory=lambda: list(DEFAULT_MISSING_VALUES))
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    descriptor: dict = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [item.name for item in self.fields]

    def get_field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    def as_dict(self) -> dict:
        """The descriptor, as given (a deep copy: changing it does not change the schema)."""
        return copy.deepcopy(self.descriptor)


def _load(descriptor: dict | str | os.PathLike) -> dict:
    if isinstance(descriptor, Schema):
        return descriptor.as_dict()
    if isinstance(descriptor, dict):
        return copy.deepcopy(descriptor)
    if isinstance(descriptor, (str, os.PathLike)):
        text = str(descriptor) if isinstance(descriptor, str) else None
        if text is not None and text.lstrip().startswith("{"):
            source = _("le texte JSON")
        else:
            path = Path(descriptor)
            source = str(path)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except FileNotFoundError:
                raise SchemaError([{"path": "", "message": _("Le fichier de schéma « %(path)s » n'existe pas.")
                                    % {"path": path}}]) from None
            except (OSError, UnicodeDecodeError) as exc:
                raise SchemaError([{"path": "", "message": _("Le fichier de schéma « %(path)s » n'a pas pu être "
                                                             "lu : %(error)s") % {"path": path, "error": exc}}]) from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError([{"path": "", "message": _("Le schéma (%(source)s) n'est pas du JSON valide : "
                                                         "ligne %(line)d, colonne %(column)d.")
                                % {"source": source, "line": exc.lineno, "column": exc.colno}}]) from None
        if not isinstance(loaded, dict):
            raise SchemaError([{"path": "", "message": _("Le schéma doit être un objet JSON ({…}).")}])
        return loaded
    raise SchemaError([{"path": "", "message": _("Le schéma doit être un objet JSON ({…}).")}])


def _names(value, path: str, errors: list[dict], what: str) -> list[str] | None:
    """A list of field names given as a string or a list of strings (Table Schema v1)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    errors.append({"path": path, "message": _("%(what)s doit être un nom de champ ou une liste de noms de "
                                              "champs.") % {"what": what}})
    return None


def _check_field(index: int, raw: Any, schema_missing: list[str], errors: list[dict]) -> Field | None:
    path = f"fields[{index}]"
    if not isinstance(raw, dict):
        errors.append({"path": path, "message": _("Chaque champ doit être un objet JSON ({…}).")})
        return None
    count = len(errors)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        errors.append({"path": f"{path}.name", "message": _("Le champ n'a pas de nom (« name », une chaîne "
                                                             "non vide, est obligatoire).")})
        name = None
    kind = raw.get("type", "string")
    if kind not in FIELD_TYPES:
        errors.append({"path": f"{path}.type",
                       "message": _("Le type « %(type)s » n'existe pas ; types possibles : %(types)s.")
                       % {"type": kind, "types": ", ".join(FIELD_TYPES)}})
        kind = None
    fmt = raw.get("format", "default")
    if not isinstance(fmt, str) or not fmt:
        errors.append({"path": f"{path}.format", "message": _("Le format doit être une chaîne non vide.")})
        fmt = "default"
    if fmt.startswith("fmt:"):
        fmt = fmt[4:]
    if kind in TYPE_FORMATS and fmt not in TYPE_FORMATS[kind]:
        errors.append({"path": f"{path}.format",
                       "message": _("Le format « %(format)s » n'existe pas pour le type %(type)s ; formats "
                                    "possibles : %(formats)s.")
                       % {"format": fmt, "type": kind, "formats": ", ".join(TYPE_FORMATS[kind])}})
    if kind in ("date", "datetime", "time") and fmt not in ("default", "any") and "%" not in fmt:
        errors.append({"path": f"{path}.format",
                       "message": _("Le format « %(format)s » n'est ni « default », ni « any », ni un motif "
                                    "strptime (comme « %%d/%%m/%%Y »).") % {"format": fmt}})
    for key in _TEXT_KEYS:
        if key in raw and not isinstance(raw[key], str):
            errors.append({"path": f"{path}.{key}", "message": _("« %(key)s » doit être une chaîne.") % {"key": key}})
    for key in _BOOL_KEYS:
        if key in raw and not isinstance(raw[key], bool):
            errors.append({"path": f"{path}.{key}", "message": _("« %(key)s » doit être true ou false.") % {"key": key}})
    for key in _STRING_LIST_KEYS:
        if key in raw and not (isinstance(raw[key], list) and all(isinstance(item, str) for item in raw[key])):
            errors.append({"path": f"{path}.{key}",
                           "message": _("« %(key)s » doit être une liste de chaînes.") % {"key": key}})
    if "decimalChar" in raw and raw["decimalChar"] == "":
        errors.append({"path": f"{path}.decimalChar", "message": _("Le séparateur décimal ne peut pas être vide.")})
    if "arrayItem" in raw and not isinstance(raw["arrayItem"], dict):
        errors.append({"path": f"{path}.arrayItem", "message": _("« arrayItem » doit être un objet JSON ({…}).")})
    if "required" in raw:
        errors.append({"path": f"{path}.required",
                       "message": _("« required » se met dans les contraintes : « constraints »: "
                                    "{\"required\": true}.")})
    constraints = raw.get("constraints", {})
    if not isinstance(constraints, dict):
        errors.append({"path": f"{path}.constraints", "message": _("Les contraintes doivent être un objet JSON ({…}).")})
        constraints = {}
    missing = raw.get("missingValues", schema_missing)
    if name is None or kind is None or any(error["path"] in (f"{path}.trueValues", f"{path}.falseValues")
                                           for error in errors[count:]):
        return None
    item = Field(name=name, type=kind, format=fmt, constraints=dict(constraints),
                 missing_values=list(missing) if isinstance(missing, list) else list(schema_missing), descriptor=raw)
    _check_constraints(item, path, errors)
    return item


def _check_constraints(item: Field, path: str, errors: list[dict]) -> None:
    supported = TYPE_CONSTRAINTS[item.type]
    for key, value in item.constraints.items():
        where = f"{path}.constraints.{key}"
        if key not in supported and key != "unique":
            known = key in {"required", "unique", "minLength", "maxLength", "minimum", "maximum", "pattern", "enum"}
            message = (_("La contrainte « %(key)s » ne s'applique pas au type %(type)s ; contraintes possibles : "
                         "%(supported)s.") if known else
                       _("La contrainte « %(key)s » n'existe pas ; contraintes possibles pour le type %(type)s : "
                         "%(supported)s."))
            errors.append({"path": where, "message": message % {
                "key": key, "type": item.type, "supported": ", ".join((*supported, "unique"))}})
            continue
        if key in ("required", "unique") and not isinstance(value, bool):
            errors.append({"path": where, "message": _("« %(key)s » doit être true ou false.") % {"key": key}})
        elif key in ("minLength", "maxLength") and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            errors.append({"path": where, "message": _("« %(key)s » doit être un entier positif ou nul.") % {"key": key}})
        elif key == "pattern":
            if not isinstance(value, str):
                errors.append({"path": where, "message": _("Le motif doit être une expression régulière (chaîne).")})
                continue
            try:
                re.compile(f"^{value}$")
            except re.error as exc:
                errors.append({"path": where, "message": _("Le motif « %(pattern)s » n'est pas une expression "
                                                           "régulière valide : %(error)s.")
                               % {"pattern": value, "error": exc}})
        elif key == "enum":
            if not isinstance(value, list) or not value:
                errors.append({"path": where, "message": _("« enum » doit être une liste non vide de valeurs.")})
                continue
            for position, read in enumerate(item.read_constraint("enum")):
                if read is INVALID:
                    errors.append({"path": f"{where}[{position}]",
                                   "message": _("La valeur « %(value)s » n'est pas du type %(type)s.")
                                   % {"value": value[position], "type": item.type}})
        elif key in ("minimum", "maximum"):
            read = item.read_constraint(key) if value is not None else INVALID
            if read is INVALID:
                errors.append({"path": where, "message": _("La valeur « %(value)s » de « %(key)s » n'est pas du "
                                                           "type %(type)s.")
                               % {"value": value, "key": key, "type": item.type}})
    if item.type == "boolean" and set(item.true_values) & set(item.false_values):
        errors.append({"path": f"{path}.trueValues",
                       "message": _("Une même valeur est à la fois vraie et fausse : %(values)s.")
                       % {"values": ", ".join(sorted(set(item.true_values) & set(item.false_values)))}})


def parse(descriptor: dict | str | os.PathLike) -> Schema:
    """Check a Table Schema descriptor and return the :class:`Schema`.

    ``descriptor``: a dict, a JSON text, or the path of a JSON file. Raises :class:`SchemaError`
    listing every problem found, each with the path of the key (``fields[3].constraints.pattern``)
    and a French message.
    """
    raw = _load(descriptor)
    errors: list[dict] = []
    missing = raw.get("missingValues", DEFAULT_MISSING_VALUES)
    if not (isinstance(missing, list) and all(isinstance(item, str) for item in missing)):
        errors.append({"path": "missingValues", "message": _("« missingValues » doit être une liste de chaînes "
                                                             "(par exemple [\"\", \"NA\"]).")})
        missing = list(DEFAULT_MISSING_VALUES)
    raw_fields = raw.get("fields")
    fields: list[Field] = []
    if "fields" not in raw:
        errors.append({"path": "fields", "message": _("Le schéma n'a pas de liste de champs (« fields »).")})
    elif not isinstance(raw_fields, list):
        errors.append({"path": "fields", "message": _("« fields » doit être une liste de champs.")})
    else:
        seen: dict[str, int] = {}
        for index, item in enumerate(raw_fields):
            checked = _check_field(index, item, missing, errors)
            if checked is None:
                continue
            if checked.name in seen:
                errors.append({"path": f"fields[{index}].name",
                               "message": _("Le nom « %(name)s » est déjà celui du champ %(other)d : les noms des "
                                            "champs doivent être uniques.")
                               % {"name": checked.name, "other": seen[checked.name] + 1}})
                continue
            seen[checked.name] = index
            fields.append(checked)
    for key in ("title", "description", "name"):
        if key in raw and not isinstance(raw[key], str):
            errors.append({"path": key, "message": _("« %(key)s » doit être une chaîne.") % {"key": key}})
    names = {item.name for item in fields}
    all_named = isinstance(raw_fields, list) and len(fields) == len(raw_fields)

    primary_key: list[str] = []
    if "primaryKey" in raw:
        primary_key = _names(raw["primaryKey"], "primaryKey", errors, _("La clé primaire")) or []
        for name in primary_key:
            if all_named and name not in names:
                errors.append({"path": "primaryKey", "message": _("La clé primaire nomme le champ « %(name)s », qui "
                                                                  "n'existe pas.") % {"name": name}})
        if "primaryKey" in raw and not primary_key and isinstance(raw["primaryKey"], list):
            errors.append({"path": "primaryKey", "message": _("La clé primaire doit nommer au moins un champ.")})

    foreign_keys: list[ForeignKey] = []
    raw_fks = raw.get("foreignKeys", [])
    if not isinstance(raw_fks, list):
        errors.append({"path": "foreignKeys", "message": _("« foreignKeys » doit être une liste.")})
        raw_fks = []
    for index, fk in enumerate(raw_fks):
        path = f"foreignKeys[{index}]"
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            errors.append({"path": path, "message": _("Une clé étrangère est un objet {\"fields\": …, \"reference\": "
                                                      "{\"resource\": …, \"fields\": …}}.")})
            continue
        local = _names(fk.get("fields"), f"{path}.fields", errors, _("« fields »"))
        reference = fk["reference"]
        resource = reference.get("resource", "")
        if not isinstance(resource, str):
            errors.append({"path": f"{path}.reference.resource",
                           "message": _("La ressource de référence doit être un nom (chaîne ; vide pour la ressource "
                                        "elle-même).")})
            continue
        remote = _names(reference.get("fields"), f"{path}.reference.fields", errors, _("« fields »"))
        if local is None or remote is None:
            continue
        for name in local:
            if all_named and name not in names:
                errors.append({"path": f"{path}.fields", "message": _("La clé étrangère nomme le champ « %(name)s », "
                                                                      "qui n'existe pas.") % {"name": name}})
        if len(local) != len(remote):
            errors.append({"path": f"{path}.reference.fields",
                           "message": _("La clé étrangère a %(local)d champ(s) mais sa référence en a %(remote)d.")
                           % {"local": len(local), "remote": len(remote)}})
        if resource == "":
            for name in remote:
                if all_named and name not in names:
                    errors.append({"path": f"{path}.reference.fields",
                                   "message": _("La référence nomme le champ « %(name)s », qui n'existe pas dans ce "
                                                "schéma.") % {"name": name}})
        foreign_keys.append(ForeignKey(fields=local, resource=resource, reference_fields=remote))
    if errors:
        raise SchemaError(errors)
    return Schema(fields=fields, missing_values=list(missing), primary_key=primary_key, foreign_keys=foreign_keys,
                  descriptor=raw)


# --- inference ------------------------------------------------------------------------------------------

def _table_schema_type(duckdb_type: str) -> str:
    from .ingest import table_schema_type

    return table_schema_type(duckdb_type)


def _parquet_columns(path: str | os.PathLike) -> list[dict]:
    from . import duck

    con = duck.connect(threads=1)
    try:
        rows = con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                           [str(path)]).fetchall()
    finally:
        con.close()
    return [{"name": name, "duckdb_type": kind, "type": _table_schema_type(kind)} for name, kind in rows]


#: Words that name an identifier column (compared without accents and case), alone or as the first or
#: last word of the name (``no_dossier``, ``region_id``, ``CodeMunicipalite``).
IDENTIFIER_WORDS = ("id", "identifiant", "identifier", "ident", "code", "uuid", "guid", "no", "num", "numero",
                    "matricule", "cle", "key", "pk", "ref", "reference", "sku", "isbn", "issn",
                    "nid", "gid", "fid", "objectid", "cd", "cod")
#: Types an identifier may have (numbers with decimals, dates or booleans are not identifiers).
IDENTIFIER_TYPES = ("string", "integer")


def _words(name: str) -> list[str]:
    text = re.sub(r"\b[nN]\s*[°º]", "no ", str(name))  # « N° de dossier »
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)  # camelCase → camel Case
    return [word for word in re.split(r"[^0-9a-z]+", text.lower()) if word]


def identifier_rank(name: str) -> int | None:
    """How much ``name`` looks like the name of an identifier column: 0 (``id``, ``identifiant``,
    ``code``, ``uuid``…), 1 (such a word first or last: ``no_dossier``, ``region_id``, ``CodeRegion``),
    ``None`` (not an identifier's name)."""
    words = _words(name)
    if not words:
        return None
    if "".join(words) in IDENTIFIER_WORDS:
        return 0
    if words[0] in IDENTIFIER_WORDS or words[-1] in IDENTIFIER_WORDS:
        return 1
    return None


def column_is_key(profile: dict | None) -> bool:
    """A profiled column can be a primary key: rows, no empty value, and as many (exactly counted)
    distinct values as rows."""
    if not isinstance(profile, dict):
        return False
    count, nulls, distinct = profile.get("count"), profile.get("nulls"), profile.get("distinct")
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (count, nulls, distinct)):
        return False
    return count > 0 and nulls == 0 and distinct == count and not profile.get("distinct_approximate")


def propose_primary_key(fields: list[dict], profile: list[dict] | None) -> list[str]:
    """The primary key to propose for a table: ``[name]`` of the best column complete and unique (from
    the column ``profile``, matched by position, else by name) whose name looks like an identifier's
    (``identifier_rank``; the leftmost of the best rank wins) and whose type is text or integer; ``[]``
    when none does. ``fields``: ``[{"name", "type"}]`` as the schema names them."""
    items = [item for item in profile or [] if isinstance(item, dict)]
    by_name = {item.get("name"): item for item in items}
    same_shape = len(items) == len(fields)
    best: tuple[int, int, str] | None = None
    for position, field_ in enumerate(fields):
        name = field_.get("name")
        if not isinstance(name, str) or field_.get("type", "string") not in IDENTIFIER_TYPES:
            continue
        rank = identifier_rank(name)
        if rank is None:
            continue
        column = items[position] if same_shape else by_name.get(name)
        if not column_is_key(column):
            continue
        if best is None or (rank, position) < best[:2]:
            best = (rank, position, name)
    return [best[2]] if best else []


def with_primary_key(descriptor: dict, names: list[str]) -> dict:
    """A copy of ``descriptor`` whose ``primaryKey`` is ``names`` (in the order of the fields), or without
    one when ``names`` is empty."""
    result = copy.deepcopy(descriptor)
    wanted = set(names)
    ordered = [item.get("name") for item in result.get("fields", [])
               if isinstance(item, dict) and item.get("name") in wanted]
    if ordered:
        result["primaryKey"] = ordered
    else:
        result.pop("primaryKey", None)
    return result


def infer(columns_or_parquet: Iterable[dict] | str | os.PathLike, *, info: Any = None,
          labels: list[str] | None = None, descriptions: dict[str, dict] | None = None,
          profile: list[dict] | None = None) -> dict:
    """A Table Schema descriptor for an ingested table, for the publisher to edit.

    ``columns_or_parquet``: the ingestion's typed columns (``IngestResult.columns``:
    ``[{"name", "type", "duckdb_type"}]``) or the path of a Parquet file. ``info``: the
    ``SourceInfo`` of the source (or its dict): the header labels as written become the field
    names (Frictionless compares them to the header), dates written otherwise than ISO get their
    ``format`` (``%d/%m/%Y``…), numbers with a decimal comma get ``"decimalChar": ","``, so that the
    schema describes the source file as published. ``labels`` overrides the names;
    ``descriptions``: ``{name: {"fr": …, "en": …}}`` for the data dictionary. ``profile``: the
    table's column profile (``profile.profile``): a ``primaryKey`` is proposed from it
    (:func:`propose_primary_key`).
    """
    if isinstance(columns_or_parquet, (str, os.PathLike)):
        columns = _parquet_columns(columns_or_parquet)
    else:
        columns = [dict(column) for column in columns_or_parquet]
    if info is not None and not isinstance(info, dict):
        info = info.as_dict() if hasattr(info, "as_dict") else vars(info)
    source_fields = list((info or {}).get("fields") or [])
    header = list((info or {}).get("header") or [])
    names = list(labels) if labels else []
    fields: list[dict] = []
    used: set[str] = set()
    for position, column in enumerate(columns):
        name = names[position] if position < len(names) else None
        if name is None and position < len(header) and str(header[position]).strip():
            name = str(header[position]).replace("\n", " ").strip()
        if not name or name in used:
            name = str(column.get("name") or f"column_{position + 1}")
        used.add(name)
        kind = column.get("type") or _table_schema_type(column.get("duckdb_type", "VARCHAR"))
        if kind not in FIELD_TYPES:
            kind = "string"
        descriptor: dict[str, Any] = {"name": name, "type": kind}
        source = source_fields[position] if position < len(source_fields) else {}
        form = source.get("format") or column.get("format")
        if kind in ("date", "datetime") and form:
            if "%" in str(form):
                descriptor["format"] = form
            else:
                # A form no strptime pattern describes (« 3 janvier 2012 »): the source keeps text.
                descriptor["type"] = "string"
        if kind == "number" and (source.get("decimal") == "," or column.get("decimal") == ","):
            descriptor["decimalChar"] = ","
        text = (descriptions or {}).get(name) or {}
        if text.get("fr"):
            descriptor["description_fr"] = text["fr"]
        if text.get("en"):
            descriptor["description_en"] = text["en"]
        fields.append(descriptor)
    result: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if profile:
        key = propose_primary_key(fields, profile)
        if key:
            result["primaryKey"] = key
    return result


def with_descriptions(descriptor: dict, descriptions: dict[str, dict]) -> dict:
    """A copy of ``descriptor`` whose fields get ``description_fr`` / ``description_en`` from
    ``descriptions`` (``{name: {"fr": …, "en": …}}``; an empty text removes the key)."""
    result = copy.deepcopy(descriptor)
    for item in result.get("fields", []):
        text = descriptions.get(item.get("name")) if isinstance(item, dict) else None
        if not text:
            continue
        for language in ("fr", "en"):
            if language in text:
                if text[language]:
                    item[f"description_{language}"] = text[language]
                else:
                    item.pop(f"description_{language}", None)
    return result
