"""Table Schema descriptors (``datastore.schema``): checked key by key with French messages and the
path of each problem, kept as given (round trip, unknown keys and the bilingual data dictionary
included), cells read exactly as Frictionless reads them, schemas inferred from the ingestion's
columns or a Parquet file. No database is needed."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import frictionless
import pytest

from ouvert.datastore import schema as table_schema
from ouvert.datastore.schema import INVALID, SchemaError, infer, parse, with_descriptions

FULL = {
    "name": "inventaire",
    "title": "Inventaire",
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True, "minimum": 1}},
        {"name": "nom", "type": "string", "title": "Nom", "constraints": {"minLength": 1, "maxLength": 80,
                                                                             "pattern": "[A-Z].*"},
         "description_fr": "Nom officiel", "description_en": "Official name", "x-source": "MAMH"},
        {"name": "courriel", "type": "string", "format": "email"},
        {"name": "montant", "type": "number", "decimalChar": ",", "groupChar": " ",
         "constraints": {"minimum": "0", "maximum": 1000000}},
        {"name": "actif", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
        {"name": "debut", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "01/01/2000"}},
        {"name": "maj", "type": "datetime"},
        {"name": "heure", "type": "time", "format": "fmt:%H:%M"},
        {"name": "annee", "type": "year", "constraints": {"enum": [2020, "2021"]}},
        {"name": "mois", "type": "yearmonth"},
        {"name": "duree", "type": "duration"},
        {"name": "meta", "type": "object"},
        {"name": "tags", "type": "array", "constraints": {"maxLength": 5}},
        {"name": "lieu", "type": "geopoint", "format": "array"},
        {"name": "forme", "type": "geojson"},
        {"name": "autre", "type": "any", "missingValues": ["-"]},
        {"name": "region", "type": "string", "constraints": {"enum": ["06", "03"]}},
    ],
    "missingValues": ["", "NA"],
    "primaryKey": "id",
    "foreignKeys": [{"fields": "region", "reference": {"resource": "regions", "fields": "code"}},
                    {"fields": ["id"], "reference": {"resource": "", "fields": ["id"]}}],
    "x-note": {"kept": [1, 2]},
}


def test_a_full_descriptor_parses_and_round_trips_unchanged():
    schema = parse(FULL)
    assert schema.field_names[:3] == ["id", "nom", "courriel"]
    assert schema.primary_key == ["id"]
    assert [fk.resource for fk in schema.foreign_keys] == ["regions", ""]
    assert schema.foreign_keys[0].reference_fields == ["code"]
    assert schema.missing_values == ["", "NA"]
    nom = schema.get_field("nom")
    assert (nom.description_fr, nom.description_en, nom.title) == ("Nom officiel", "Official name", "Nom")
    assert schema.get_field("autre").missing_values == ["-"]
    assert schema.get_field("region").missing_values == ["", "NA"]
    assert schema.get_field("heure").format == "%H:%M"  # v1's "fmt:" prefix
    assert schema.get_field("id").required and schema.get_field("id").unique
    assert schema.get_field("montant").checked_constraints == ["minimum", "maximum"]
    assert schema.as_dict() == FULL
    assert parse(schema.as_dict()).as_dict() == FULL
    copy = schema.as_dict()
    copy["fields"][0]["name"] = "changé"
    assert schema.as_dict() == FULL  # a copy


def test_json_text_and_file(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(FULL, ensure_ascii=False), encoding="utf-8")
    assert parse(path).as_dict() == FULL
    assert parse(str(path)).as_dict() == FULL
    assert parse(json.dumps(FULL)).as_dict() == FULL
    with pytest.raises(SchemaError) as raised:
        parse(tmp_path / "absent.json")
    assert "n'existe pas" in raised.value.errors[0]["message"]
    (tmp_path / "bad.json").write_text('{"fields": [', encoding="utf-8")
    with pytest.raises(SchemaError) as raised:
        parse(tmp_path / "bad.json")
    assert "JSON valide" in raised.value.errors[0]["message"] and "ligne 1" in raised.value.errors[0]["message"]
    with pytest.raises(SchemaError):
        parse("[1, 2]")


def test_every_problem_is_reported_with_its_path_in_french():
    with pytest.raises(SchemaError) as raised:
        parse({
            "missingValues": "NA",
            "fields": [
                {"name": "a", "type": "integer", "constraints": {"minimum": "x", "pattern": "a", "foo": 1}},
                {"type": "texte"},
                {"name": "a"},
                {"name": "d", "type": "date", "constraints": {"maximum": "31/12/2020"}},
                {"name": "s", "required": True, "constraints": {"minLength": -1, "pattern": "(", "enum": []}},
                {"name": "b", "type": "boolean", "trueValues": ["1"], "falseValues": ["1"]},
                {"name": "t", "type": "string", "format": "phone"},
                {"name": "u", "type": "date", "format": "jour/mois"},
                "pas un champ",
            ],
            "primaryKey": ["zz"],
            "foreignKeys": [{"fields": "a", "reference": {"resource": "", "fields": ["a", "b"]}}, "x"],
        })
    errors = {error["path"]: error["message"] for error in raised.value.errors}
    assert "missingValues" in errors
    assert "n'est pas du type integer" in errors["fields[0].constraints.minimum"]
    assert "ne s'applique pas au type integer" in errors["fields[0].constraints.pattern"]
    assert "n'existe pas" in errors["fields[0].constraints.foo"]
    assert "n'a pas de nom" in errors["fields[1].name"]
    assert "« texte » n'existe pas" in errors["fields[1].type"]
    assert "déjà celui du champ 1" in errors["fields[2].name"]
    assert "fields[3].constraints.maximum" in errors  # a date the default format cannot read
    assert "constraints" in errors["fields[4].required"]
    assert "fields[4].constraints.minLength" in errors
    assert "expression régulière" in errors["fields[4].constraints.pattern"]
    assert "fields[4].constraints.enum" in errors
    assert "à la fois vraie et fausse" in errors["fields[5].trueValues"]
    assert "phone" in errors["fields[6].format"]
    assert "strptime" in errors["fields[7].format"]
    assert "objet JSON" in errors["fields[8]"]
    assert "2" in errors["foreignKeys[0].reference.fields"]
    assert "foreignKeys[1]" in errors
    assert "primaryKey" not in errors  # field names are only compared once every field is valid
    assert "fields[0].constraints.minimum :" in str(raised.value)
    with pytest.raises(SchemaError) as raised:
        parse({"fields": [{"name": "a"}], "primaryKey": ["zz"],
               "foreignKeys": [{"fields": ["b"], "reference": {"resource": "", "fields": ["c"]}}]})
    paths = [error["path"] for error in raised.value.errors]
    assert paths == ["primaryKey", "foreignKeys[0].fields", "foreignKeys[0].reference.fields"]
    with pytest.raises(SchemaError) as raised:
        parse({"title": "sans champs"})
    assert raised.value.errors == [{"path": "fields", "message": "Le schéma n'a pas de liste de champs (« fields »)."}]


def test_frictionless_accepts_what_we_accept():
    frictionless.Schema.from_descriptor(json.loads(json.dumps(FULL)))  # no error


# --- readers ----------------------------------------------------------------------------------------------

READER_CASES = [
    ({"type": "integer"}, ["1", " 2 ", "+3", "-0", "1_000", "1__0", "1e3", "1.0", "0x10", "١٢", "", "abc", "12a",
                           "99999999999999999999999"]),
    ({"type": "integer", "bareNumber": False}, ["$12", "12 %", "1 234", "-5€", "abc", "€"]),
    ({"type": "number"}, ["1.5", " .5 ", "5.", "1e-3", "1E+3", "+-1", "NaN", "inf", "-Infinity", "1_0.5", "1,5",
                          "", "x", "0x10"]),
    ({"type": "number", "decimalChar": ",", "groupChar": " "}, ["1 234,5", "1,5", "1.5", "-0,25", ",5", "1 2 3"]),
    ({"type": "number", "floatNumber": True}, ["1.5", "nan", "1e400", "x"]),
    ({"type": "boolean"}, ["true", "True", "TRUE", "1", "false", "0", "yes", " true", ""]),
    ({"type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}, ["oui", "non", "true", "OUI"]),
    ({"type": "date"}, ["2020-01-05", "2020-1-5", "2020-02-30", "0000-01-01", "20200105", " 2020-01-05",
                        "2020-01-05T00:00:00", "x"]),
    ({"type": "date", "format": "%d/%m/%Y"}, ["05/01/2020", "5/1/2020", "31/02/2020", "2020-01-05", " 5/01/2020"]),
    ({"type": "date", "format": "any"}, ["5 janvier 2020", "January 5, 2020", "2020-01-05", "x"]),
    ({"type": "datetime"}, ["2020-01-05T10:00:00", "2020-01-05 10:00:00", "2020-01-05T24:00:00",
                            "2020-01-05T10:00:00Z", "2020-01-05T10:00", "2020-01-05x10:00:00", "x"]),
    ({"type": "datetime", "format": "%d/%m/%Y %H:%M"}, ["05/01/2020 10:30", "05/01/2020", "x"]),
    ({"type": "time"}, ["10:00:00", "24:00:00", "10:00", "10:00:00.5", "10:00:00+01:00", "x"]),
    ({"type": "year"}, ["2020", "0999", "999", " 999", "+999", "-999", "20201", "x"]),
    ({"type": "yearmonth"}, ["2020-01", "2020-13", "2020-1", "-2020-01", "2020", "x-y"]),
    ({"type": "duration"}, ["P1D", "PT1H30M", "P1Y2M3DT4H5M6S", "P1W", "1D", "P", "PT", "x"]),
    ({"type": "object"}, ['{"a": 1}', "[]", "{", '"x"', "{}"]),
    ({"type": "array"}, ["[1, 2]", "{}", "[", "[]"]),
    ({"type": "array", "arrayItem": {"type": "integer"}}, ["[1, 2]", '["1", "x"]', "[1.5]", "[null, 3]", '[""]']),
    ({"type": "array", "arrayItem": {"type": "date"}}, ['["2020-01-01"]', '["01/01/2020"]', "[]"]),
    ({"type": "geopoint"}, ["-73.5, 45.5", "200, 45", "1,2,3", "x, y", "0,0"]),
    ({"type": "geopoint", "format": "array"}, ["[-73.5, 45.5]", "[1]", "x"]),
    ({"type": "geopoint", "format": "object"}, ['{"lon": 1, "lat": 2}', '{"lon": 1}', "x"]),
    ({"type": "geojson"}, ['{"type": "Point", "coordinates": [1, 2]}', '{"type": "Nope"}',
                           '{"type": "Feature", "geometry": null, "properties": {}}', "[]", "x"]),
    ({"type": "string", "format": "uuid"}, ["123e4567-e89b-12d3-a456-426614174000",
                                            "{123e4567-e89b-12d3-a456-426614174000}", "123", ""]),
    ({"type": "string", "format": "binary"}, ["aGVsbG8=", "aGVsbG8", "!!!"]),
    ({"type": "string", "format": "uri"}, ["https://example.org/x", "mailto:a@b.c", "example.org", "/relatif"]),
    ({"type": "string", "format": "email"}, ["a@example.org", "prénom.nom@quebec.ca", "pas-un-courriel", "a@b"]),
    ({"type": "any"}, ["n'importe quoi", ""]),
]


def _theirs(descriptor: dict, value: str):
    field = frictionless.Field.from_descriptor({"name": "f", **descriptor})
    if "arrayItem" in descriptor:  # items are read by the cell reader
        cell, notes = field.read_cell(value)
        return INVALID if notes and "type" in notes else cell
    cell = field.create_value_reader()(value)
    return INVALID if cell is None else cell


@pytest.mark.parametrize("descriptor, values", READER_CASES, ids=[str(case[0]) for case in READER_CASES])
def test_readers_read_cells_as_frictionless(descriptor, values):
    """Each value is valid or not for both, and read to an equal value (the validation's Python
    path for the values its SQL leaves undecided)."""
    schema = parse({"fields": [{"name": "f", **descriptor}]})
    read = schema.fields[0].reader()
    for value in values:
        ours, theirs = read(value), _theirs(descriptor, value)
        if descriptor.get("format") == "email":  # a regular expression, not the validators package
            assert (ours is INVALID) == (theirs is INVALID) or value == "a@b", value
            continue
        assert (ours is INVALID) == (theirs is INVALID), (value, ours, theirs)
        if ours is INVALID or descriptor["type"] in ("duration", "geopoint"):
            continue
        if descriptor["type"] == "yearmonth":
            assert (ours.year, ours.month) == tuple(theirs), value
        elif isinstance(ours, Decimal) and ours.is_nan():
            assert theirs.is_nan()
        elif isinstance(ours, float) and ours != ours:
            assert theirs != theirs
        else:
            assert ours == theirs, (value, ours, theirs)


def test_reader_values():
    schema = parse({"fields": [{"name": "d", "type": "duration"}, {"name": "p", "type": "geopoint"}]})
    duration, point = (field.reader() for field in schema.fields)
    assert duration("P1DT2H")[2] == dt.timedelta(days=1, hours=2)
    assert duration("P1Y2M")[:2] == (Decimal(1), Decimal(2))
    assert point(" -73.5 , 45.5 ") == table_schema.GeoPoint(Decimal("-73.5"), Decimal("45.5"))


# --- inference ---------------------------------------------------------------------------------------------

def test_infer_from_the_ingestion_columns_and_source_info():
    """Names are the header labels as written; forms of the source become formats so that the
    schema describes the file as published."""
    columns = [{"name": "Date", "type": "date", "duckdb_type": "DATE"},
               {"name": "Montant", "type": "number", "duckdb_type": "DOUBLE"},
               {"name": "Jour", "type": "date", "duckdb_type": "DATE"},
               {"name": "column_4", "type": "string", "duckdb_type": "VARCHAR"},
               {"name": "Quand", "type": "datetime", "duckdb_type": "TIMESTAMP"}]
    info = {"header": ["Date", " Montant ", "Jour", "", "Quand"],
            "fields": [{"label": "Date", "type": "DATE", "format": "%d/%m/%Y"},
                       {"label": "Montant", "type": "DOUBLE", "decimal": ","},
                       {"label": "Jour", "type": "DATE", "format": "fr-long"},
                       {"label": "", "type": "VARCHAR"},
                       {"label": "Quand", "type": "TIMESTAMP"}]}
    descriptor = infer(columns, info=info, descriptions={"Date": {"fr": "Jour du comptage", "en": "Day"}})
    assert descriptor == {
        "fields": [
            {"name": "Date", "type": "date", "format": "%d/%m/%Y", "description_fr": "Jour du comptage",
             "description_en": "Day"},
            {"name": "Montant", "type": "number", "decimalChar": ","},
            {"name": "Jour", "type": "string"},  # « 3 janvier 2012 »: no strptime pattern reads it
            {"name": "column_4", "type": "string"},
            {"name": "Quand", "type": "datetime"},
        ],
        "missingValues": [""],
    }
    assert parse(descriptor).field_names == ["Date", "Montant", "Jour", "column_4", "Quand"]
    assert infer(columns, labels=["a", "b", "c", "d", "e"])["fields"][0] == {"name": "a", "type": "date"}


def test_infer_from_a_parquet_file_and_validate_the_source_with_it(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path / "var"
    monkeypatch.chdir(tmp_path)
    con = duckdb.connect()
    con.execute("COPY (SELECT 1::BIGINT AS id, 1.5::DOUBLE AS x, DATE '2020-01-01' AS d, true AS b, 'é' AS s, "
                "TIMESTAMP '2020-01-01 10:00:00' AS t) TO 'table.parquet' (FORMAT parquet)")
    con.close()
    descriptor = infer(Path("table.parquet"))
    assert [(field["name"], field["type"]) for field in descriptor["fields"]] == [
        ("id", "integer"), ("x", "number"), ("d", "date"), ("b", "boolean"), ("s", "string"), ("t", "datetime")]
    from ouvert.datastore.validation import validate_parquet

    assert validate_parquet("table.parquet", descriptor).valid


def test_with_descriptions_edits_the_data_dictionary():
    descriptor = {"fields": [{"name": "a", "description_en": "old"}, {"name": "b"}], "x": 1}
    edited = with_descriptions(descriptor, {"a": {"fr": "Nouveau", "en": ""}, "b": {"en": "B"}, "z": {"fr": "?"}})
    assert edited == {"fields": [{"name": "a", "description_fr": "Nouveau"}, {"name": "b", "description_en": "B"}],
                      "x": 1}
    assert descriptor["fields"][0] == {"name": "a", "description_en": "old"}
