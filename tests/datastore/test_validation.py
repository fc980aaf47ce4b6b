"""Validation against a Table Schema (``datastore.validation``): the same error codes, counts and
row/field positions as ``frictionless validate`` (5.18, no error limit) on the same inputs — the
real data package of the corpus (its schema has 55 fields, its CSV 56 columns), the Montréal bike
counts (Latin-1, semicolons, ragged rows) with a schema written here, and generated files that
exercise every error code and the awkward corners of CSV (empty lines, values spanning lines,
trailing delimiters, BOM, CRLF, Windows-1252). Frictionless runs for real: nothing is mocked.
No database is needed."""

import collections
import json
import shutil
from pathlib import Path

import duckdb
import frictionless
import pytest

from ouvert.datastore import validation
from ouvert.datastore.schema import parse
from ouvert.datastore.validation import Dialect, Reference, validate, validate_package, validate_parquet

DATA = Path(__file__).parent / "data"
BIKES = DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"
COUNTRY_CODES = DATA / "country-codes.csv"
COUNTRY_CODES_PACKAGE = DATA / "country-codes.datapackage.json"

BIKES_SCHEMA = {
    "fields": [
        {"name": "Date", "type": "date", "format": "%d/%m/%Y", "constraints": {"required": True, "unique": True},
         "description_fr": "Jour du comptage", "description_en": "Day of the count"},
        {"name": "Berri 1", "type": "integer", "constraints": {"minimum": 0, "maximum": 5000}},
        {"name": "Brébeuf (données non disponibles)", "type": "integer"},
        {"name": "Côte-Sainte-Catherine", "type": "integer", "constraints": {"minimum": 0, "maximum": 2000}},
        {"name": "Maisonneuve 1", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "Maisonneuve 2", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "du Parc", "type": "integer", "constraints": {"required": True}},
        {"name": "Pierre-Dupuy", "type": "integer", "constraints": {"enum": [0, 1, 2, 3, 4, 5]}},
        {"name": "Rachel 1", "type": "integer"},
        {"name": "St-Urbain (données non disponibles)", "type": "string"},
    ],
    "primaryKey": ["Date"],
}


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path, monkeypatch):
    """DuckDB's temporary files under the test's folder; Frictionless reads relative paths only
    (it refuses absolute ones as unsafe), so the tests work in that folder."""
    settings.DATA_DIR = tmp_path / "var"
    monkeypatch.chdir(tmp_path)
    return tmp_path


def positions(errors) -> list[tuple]:
    return [(error.get("rowNumber"), error.get("fieldNumber"), error["type"]) for error in errors]


def frictionless_report(name: str, schema: dict, *, encoding: str | None = None, delimiter: str | None = None,
                        package: frictionless.Package | None = None):
    """Frictionless' validation of ``name`` (relative to the current folder), without error limit,
    with the dialect given (not guessed by its sniffer: header row, delimiter, initial spaces kept)."""
    dialect = frictionless.Dialect.from_descriptor({
        "header": True, "headerRows": [1],
        "csv": {"delimiter": delimiter or ",", "quoteChar": '"', "skipInitialSpace": False}})
    resource = frictionless.Resource(path=name, schema=frictionless.Schema.from_descriptor(schema),
                                     encoding=encoding or "utf-8", dialect=dialect)
    report = frictionless.validate(resource, limit_errors=0)
    task = report.tasks[0]
    return collections.Counter(error.type for error in task.errors), positions(
        [error.to_descriptor() for error in task.errors]), task.stats.get("rows")


def assert_same(name: str, schema: dict, *, encoding: str | None = None, delimiter: str | None = None,
                **options):
    """Validates ``name`` with Frictionless and with ours; the counts per code, the positions of
    every error (in order) and the row count must be the same. Returns our report."""
    counts, expected, rows = frictionless_report(name, schema, encoding=encoding, delimiter=delimiter)
    dialect = options.pop("dialect", None) or Dialect(delimiter=delimiter or ",", encoding=encoding or "utf-8")
    report = validate(name, schema, dialect=dialect, limit_errors=0, **options)
    assert report.counts == dict(counts), (report.counts, dict(counts))
    assert positions(report.errors) == expected
    assert report.stats["errors"] == sum(counts.values())
    if rows is not None:
        assert report.stats["rows"] == rows
    assert report.valid is (not counts)
    return report


def write(name: str, text: str, encoding: str = "utf-8") -> str:
    Path(name).write_bytes(text.encode(encoding))
    return name


# --- real files ---------------------------------------------------------------------------------------------

def test_real_data_package_country_codes_same_counts_and_positions_as_frictionless(tmp_path):
    """The corpus' data package: the schema declares 55 fields, the CSV has 56 columns (one extra
    label, one extra cell per row) and two ``unique`` columns repeat values."""
    (tmp_path / "data").mkdir()
    shutil.copy(COUNTRY_CODES, tmp_path / "data" / "country-codes.csv")
    shutil.copy(COUNTRY_CODES_PACKAGE, tmp_path / "datapackage.json")
    expected = frictionless.validate("datapackage.json", limit_errors=0)
    task = expected.tasks[0]
    reports = validate_package("datapackage.json", limit_errors=0)
    assert len(reports) == 1
    report = reports[0]
    assert report.name == "country-codes"
    assert report.counts == dict(collections.Counter(error.type for error in task.errors))
    assert report.counts == {"extra-cell": 253, "extra-label": 1, "unique-error": 16}
    assert positions(report.errors) == positions([error.to_descriptor() for error in task.errors])
    assert report.stats["rows"] == task.stats["rows"] == 253
    assert report.labels[55] == "" or report.labels[55]  # the 56th column is there
    extra_label = report.errors[0]
    assert extra_label["type"] == "extra-label" and extra_label["fieldNumber"] == 56
    assert "en-tête" in extra_label["message"]  # French


def test_montreal_bike_counts_latin1_semicolons_ragged_rows(tmp_path):
    """Latin-1 and semicolons (as ``ingest.detect`` finds them), 15 rows with a trailing empty cell
    and 295 without (DuckDB drops a trailing delimiter: the validation must not), an incorrect
    label, dates as dd/mm/yyyy, a unique key, enum and bounds."""
    shutil.copy(BIKES, tmp_path / "velos.csv")
    report = assert_same("velos.csv", BIKES_SCHEMA, encoding="latin-1", delimiter=";")
    assert report.counts["missing-cell"] == 295
    assert report.counts["incorrect-label"] == 1
    assert report.counts["constraint-error"] > 0
    label = report.errors[0]
    assert label["label"] == "Rachel1" and label["fieldName"] == "Rachel 1"
    # the dialect found by the ingestion's detection gives the same report
    again = validate("velos.csv", BIKES_SCHEMA, limit_errors=0)
    assert again.counts == report.counts and positions(again.errors) == positions(report.errors)


# --- every error code ---------------------------------------------------------------------------------------

HOSTILE = (
    "id,nom,montant,date,actif,categorie,code\n"
    "1,Québec,10.5,2021-01-31,true,a,AB-12\n"
    "2,Montréal,abc,2021-02-30,vrai,b,ab-12\n"          # type errors: number, date, boolean; pattern
    "3,,-4,2021-03-01,false,z,CD-34\n"                  # required, minimum, enum
    "3,Lévis,7,2021-03-02,1,a,EF-56\n"                  # unique + primary key (3 again)
    "\n"                                                # an empty line: blank row
    ",,,,,,\n"                                          # a blank row with every cell
    "5,Gatineau,1e3,2021-03-04,0\n"                     # missing cells
    "6,Laval,3,2021-03-05,TRUE,b,GH-78,extra,more\n"    # extra cells
    "7,\"Saint-Jean-\nsur-Richelieu\",4,2021-03-06,False,c,IJ-90\n"  # a value on two lines
    "\n"
    "x8,Sherbrooke,5,06/03/2021,true,a,KL-12\n"         # integer and date type errors
    "9,Rimouski,100000,2021-03-07,true,a,MN-34\n"       # maximum
    "9,Rimouski,5,2021-03-08,true,a,MN-35\n"            # unique and primary key again
    "\n"
)
HOSTILE_SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
        {"name": "nom", "type": "string", "constraints": {"required": True, "minLength": 2}},
        {"name": "montant", "type": "number", "constraints": {"minimum": 0, "maximum": 10000}},
        {"name": "date", "type": "date"},
        {"name": "actif", "type": "boolean"},
        {"name": "categorie", "type": "string", "constraints": {"enum": ["a", "b", "c"]}},
        {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z]{2}-[0-9]{2}"}},
    ],
    "primaryKey": ["id"],
}


def test_generated_file_with_every_row_and_cell_error(tmp_path):
    write("hostile.csv", HOSTILE)
    report = assert_same("hostile.csv", HOSTILE_SCHEMA)
    for code in ("type-error", "constraint-error", "unique-error", "primary-key", "missing-cell", "extra-cell",
                 "blank-row"):
        assert report.counts.get(code), code
    blank = [error["rowNumber"] for error in report.errors if error["type"] == "blank-row"]
    assert blank == [6, 7, 11, 15]  # the value spanning two lines is one row
    first = report.errors[0]
    assert first["type"] == "type-error" and first["rowNumber"] == 3 and first["fieldName"] == "montant"
    assert first["cell"] == "abc" and "n'est pas du type number" in first["message"]


@pytest.mark.parametrize("header, code", [
    ("id,nom,montant,date,actif,categorie,code,surplus", "extra-label"),
    ("id,nom,montant,date,actif,categorie", "missing-label"),
    ("id,,montant,date,actif,categorie,code", "blank-label"),
    ("id,nom,montant,date,id,categorie,code", "duplicate-label"),
    ("id,name,montant,date,actif,categorie,code", "incorrect-label"),
    ("  id ,nom,montant,date,actif,categorie,code", None),  # labels are stripped
])
def test_label_errors(header, code):
    write("labels.csv", header + "\n1,Québec,10.5,2021-01-31,true,a,AB-12\n")
    report = assert_same("labels.csv", HOSTILE_SCHEMA)
    if code:
        assert report.counts.get(code) == 1
        error = next(error for error in report.errors if error["type"] == code)
        assert error["rowNumbers"] == [1] and "rowNumber" not in error
    else:
        assert report.valid


def test_foreign_keys_to_the_resource_itself():
    write("tree.csv", "id,parent\n1,\n2,1\n3,2\n4,9\n5,4\n6,77\n")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}],
              "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]}
    report = assert_same("tree.csv", schema)
    assert report.counts == {"foreign-key": 2}
    assert [error["rowNumber"] for error in report.errors] == [5, 7]
    assert report.errors[0]["fieldCells"] == ["9"]


def test_foreign_keys_between_resources_of_a_package_as_frictionless(tmp_path):
    write("regions.csv", "code,nom\n06,Montréal\n03,Capitale-Nationale\n")
    write("villes.csv", "ville,region\nLaval,13\nLévis,03\nGaspé,\nMontréal,06\nSorel,99\n")
    package = {
        "name": "quebec",
        "resources": [
            {"name": "regions", "path": "regions.csv",
             "schema": {"fields": [{"name": "code", "type": "string"}, {"name": "nom", "type": "string"}],
                        "primaryKey": ["code"]}},
            {"name": "villes", "path": "villes.csv",
             "schema": {"fields": [{"name": "ville", "type": "string"}, {"name": "region", "type": "string"}],
                        "foreignKeys": [{"fields": ["region"],
                                         "reference": {"resource": "regions", "fields": ["code"]}}]}},
        ],
    }
    Path("datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    expected = frictionless.validate("datapackage.json", limit_errors=0)
    reports = {report.name: report for report in validate_package("datapackage.json", limit_errors=0)}
    for task in expected.tasks:
        ours = reports[task.name]
        assert ours.counts == dict(collections.Counter(error.type for error in task.errors))
        assert positions(ours.errors) == positions([error.to_descriptor() for error in task.errors])
    assert reports["villes"].counts == {"foreign-key": 2}
    error = reports["villes"].errors[0]
    assert error["referenceName"] == "regions" and error["fieldCells"] == ["13"]

    # The platform resolves another resource with a callback; an unknown one is reported.
    schema = package["resources"][1]["schema"]
    report = validate("villes.csv", schema, dialect=Dialect(), limit_errors=0,
                      foreign=lambda name: Reference("regions.csv", package["resources"][0]["schema"]))
    assert report.counts == {"foreign-key": 2}
    report = validate("villes.csv", schema, dialect=Dialect(), foreign=lambda name: None)
    assert report.counts == {"resource-error": 1} and "regions" in report.errors[0]["message"]
    # without a resolver, as Frictionless for a lone resource: not checked
    assert validate("villes.csv", schema, dialect=Dialect()).valid


# --- types and options, compared with Frictionless ----------------------------------------------------------

TYPED = (
    "entier,nombre,virgule,booleen,date,datetime,heure,annee,anneemois,courriel_uuid,objet,liste,point,"
    "duree,motif,libre,groupe\n"
    "1,1.5,\"1,5\",oui,03/01/2012,2012-01-03T10:00:00,10:00:00,2012,2012-01,"
    "123e4567-e89b-12d3-a456-426614174000,{\"a\": 1},[1],\"-73.5, 45.5\",P1D,A1,x,1 234\n"
    " 2 ,.5,\"2,\",non,31/12/2012,2012-01-03 10:00:00,23:59:59,0999,2012-12,"
    "pas-un-uuid,[1],{},\"200, 45\",PT1H,b2,y,12\n"
    "+3,1e3,\"3.5\",OUI,32/12/2012,2012-01-03,24:00:00,99999,2012-13,"
    "{123e4567-e89b-12d3-a456-426614174000},nope,\"[1,\",\"1,2,3\",1D,É3,z,\"1 2 3 4\"\n"
    "1_000,NaN,\"-,5\",,1/2/2012,2012-02-30T10:00:00,7:00:00,-123,1-1,,{},[],\"0,0\",P,F4,NA,\n"
    "4.0,inf,\",5\",non,01/02/0000,2012-01-03T10:00:00Z,10:00:00.5,2024,2024-02,,{\"b\":[]},"
    "[\"x\"],\"-180, -90\",P1Y2M,G5,w,1 000 000\n"
)
TYPED_SCHEMA = {
    "missingValues": ["", "NA"],
    "fields": [
        {"name": "entier", "type": "integer", "constraints": {"enum": [1, 2, 1000]}},
        {"name": "nombre", "type": "number", "constraints": {"maximum": 100}},
        {"name": "virgule", "type": "number", "decimalChar": ","},
        {"name": "booleen", "type": "boolean", "trueValues": ["oui", "OUI"], "falseValues": ["non"]},
        {"name": "date", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "02/01/2012"}},
        {"name": "datetime", "type": "datetime"},
        {"name": "heure", "type": "time", "constraints": {"maximum": "23:00:00"}},
        {"name": "annee", "type": "year"},
        {"name": "anneemois", "type": "yearmonth", "constraints": {"minimum": "2012-06"}},
        {"name": "courriel_uuid", "type": "string", "format": "uuid"},
        {"name": "objet", "type": "object", "constraints": {"minLength": 1}},
        {"name": "liste", "type": "array", "constraints": {"maxLength": 1}},
        {"name": "point", "type": "geopoint"},
        {"name": "duree", "type": "duration"},
        {"name": "motif", "type": "string", "constraints": {"pattern": "\\w\\d"}},
        {"name": "libre", "type": "any", "constraints": {"enum": ["x", "y", "w"]}, "missingValues": []},
        {"name": "groupe", "type": "integer", "bareNumber": False},
    ],
}


def test_every_type_and_option_as_frictionless_reads_it():
    """Values the SQL fast paths decide and values left to Python's readers (ISO forms, spaces,
    signs, underscores, NaN, impossible dates, year 0, time zones, JSON, geopoints, durations, a
    pattern with ``\\w`` that RE2 reads differently, field-level missing values)."""
    write("typed.csv", TYPED)
    report = assert_same("typed.csv", TYPED_SCHEMA)
    assert report.counts["type-error"] > 10 and report.counts["constraint-error"] > 3


def test_numbers_with_group_and_decimal_characters():
    write("fr.csv", 'montant\n"1 234,5"\n"1.234,5"\n"12,5"\n"-0,25"\n"1 234.5"\n" 7 "\n"+-1"\n')
    schema = {"fields": [{"name": "montant", "type": "number", "decimalChar": ",", "groupChar": " ",
                          "constraints": {"minimum": 0}}]}
    report = assert_same("fr.csv", schema)
    assert report.counts == {"type-error": 3, "constraint-error": 1}


def test_missing_values_required_and_blank_rows_with_a_primary_key():
    write("missing.csv", "a,b\n,\n-,x\nNA,NA\n1,\n\n")
    schema = {"missingValues": ["", "-", "NA"],
              "fields": [{"name": "a", "type": "integer", "constraints": {"required": True}},
                         {"name": "b", "type": "string"}],
              "primaryKey": ["a"]}
    report = assert_same("missing.csv", schema)
    assert report.counts == {"blank-row": 3, "constraint-error": 1, "primary-key": 4}


# --- awkward CSV ----------------------------------------------------------------------------------------------

def test_bom_crlf_quotes_and_values_spanning_lines():
    text = ('\ufeffid,texte\r\n1,"un ""mot"" entre guillemets"\r\n2,"deux\r\nlignes"\r\n\r\n3,"trois\n\nlignes"\r\n'
            '4,ab"c\r\n5,"fin" \r\n\r\n')
    write("crlf.csv", text)
    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"unique": True}},
                         {"name": "texte", "type": "string", "constraints": {"maxLength": 5}}]}
    report = assert_same("crlf.csv", schema, encoding="utf-8-sig")
    assert [error["rowNumber"] for error in report.errors if error["type"] == "blank-row"] == [4, 8]


def test_trailing_delimiters_and_very_long_rows_are_counted_as_python_reads_them():
    rows = ["a,b,c", "1,2,3", "1,2,3,", "1,2,", "1,2,3,,", "1" + ",x" * 40, "1,2,3", "1,2,3,4,", ""]
    write("trailing.csv", "\n".join(rows))
    schema = {"fields": [{"name": name, "type": "string"} for name in "abc"]}
    report = assert_same("trailing.csv", schema)
    assert report.counts["extra-cell"] == 1 + 2 + 38 + 2


def test_tsv_and_windows_1252(tmp_path):
    """A tab-separated file in Windows-1252 with bytes 0x80-0x9F (’ « ») that Latin-1 reads
    otherwise: the file is transcoded."""
    text = "nom\tcitation\tn\nÉlise\tl’été « chaud »\t1\nŒuvre\t…\tdeux\n"
    write("cp1252.tsv", text, encoding="cp1252")
    schema = {"fields": [{"name": "nom", "type": "string", "constraints": {"enum": ["Élise", "Œuvre"]}},
                         {"name": "citation", "type": "string", "constraints": {"maxLength": 1}},
                         {"name": "n", "type": "integer"}]}
    report = assert_same("cp1252.tsv", schema, encoding="cp1252", delimiter="\t")
    assert report.counts == {"constraint-error": 1, "type-error": 1}
    assert report.errors[0]["cell"] == "l’été « chaud »"
    assert report.format == "tsv"


def test_a_file_with_a_header_only_and_an_empty_file():
    write("header.csv", "a,b\n")
    assert assert_same("header.csv", {"fields": [{"name": "a"}, {"name": "b"}]}).stats["rows"] == 0
    write("empty.csv", "")
    report = validate("empty.csv", {"fields": [{"name": "a"}]})
    assert report.counts == {"source-error": 1} and not report.valid


def test_a_binary_file_and_a_missing_file():
    Path("binary.csv").write_bytes(b"\x00\x01\x02\xff" * 100)
    report = validate("binary.csv", {"fields": [{"name": "a"}]})
    assert not report.valid and report.counts == {"encoding-error": 1}
    report = validate("absent.csv", {"fields": [{"name": "a"}]})
    assert report.counts == {"source-error": 1} and "n'existe pas" in report.errors[0]["message"]


def test_many_rows_many_errors_same_counts_and_positions():
    """20,000 generated rows with errors of every kind sprinkled along (the bench does 1,000,000)."""
    lines = ["id,valeur,date,categorie"]
    for number in range(1, 20001):
        value, date, category = str(number % 997), f"2020-{number % 12 + 1:02d}-{number % 28 + 1:02d}", "abc"[number % 3]
        if number % 701 == 0:
            value = "n/a"
        if number % 503 == 0:
            date = "2020-02-31"
        if number % 907 == 0:
            category = "d"
        row = [str(number if number % 1201 else number - 1), value, date, category]
        if number % 1601 == 0:
            row = row[:2]
        if number % 1709 == 0:
            row.append("trop")
        if number % 1999 == 0:
            row = ["", "", "", ""]
        lines.append(",".join(row))
        if number % 4999 == 0:
            lines.append("")
    write("many.csv", "\n".join(lines) + "\n")
    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"unique": True}},
                         {"name": "valeur", "type": "integer", "constraints": {"maximum": 900}},
                         {"name": "date", "type": "date"},
                         {"name": "categorie", "type": "string", "constraints": {"enum": ["a", "b", "c"]}}]}
    report = assert_same("many.csv", schema)
    assert set(report.counts) == {"type-error", "constraint-error", "unique-error", "missing-cell", "extra-cell",
                                  "blank-row"}


# --- the report ----------------------------------------------------------------------------------------------

def test_limit_errors_caps_the_list_not_the_counts_and_the_report_is_shaped_like_frictionless():
    write("hostile.csv", HOSTILE)
    full = validate("hostile.csv", HOSTILE_SCHEMA, dialect=Dialect(), limit_errors=0)
    steps = []
    report = validate("hostile.csv", HOSTILE_SCHEMA, dialect=Dialect(), limit_errors=5,
                      progress=lambda done, total: steps.append((done, total)))
    assert report.counts == full.counts and report.stats["errors"] == full.stats["errors"]
    assert report.errors == full.errors[:5] and report.partial
    assert report.warnings and "5" in report.warnings[0]
    assert steps and steps[-1][0] == steps[-1][1]
    document = report.as_dict()
    json.dumps(document)
    assert set(document) >= {"valid", "stats", "warnings", "errors", "tasks", "counts"}
    task = document["tasks"][0]
    assert task["type"] == "table" and task["name"] == "hostile" and task["labels"][0] == "id"
    assert task["stats"]["rows"] == full.stats["rows"] and task["errors"][0] == full.errors[0]
    assert set(task["errors"][0]) >= {"type", "title", "message", "note", "rowNumber", "fieldNumber", "fieldName",
                                      "cell"}
    assert validation.ERROR_TITLES["blank-row"] == "Ligne vide"


def test_an_invalid_schema_raises_schema_error_before_reading():
    from ouvert.datastore.schema import SchemaError

    write("a.csv", "a\n1\n")
    with pytest.raises(SchemaError) as raised:
        validate("a.csv", {"fields": [{"name": "a", "type": "entier"}]})
    assert raised.value.errors[0]["path"] == "fields[0].type"


# --- Parquet ---------------------------------------------------------------------------------------------------

def test_parquet_from_the_ingestion_is_validated_like_its_csv(tmp_path):
    """The ingestion's Parquet keeps typed columns: a value of the field's type is valid whatever the
    field's format; text columns are read as CSV cells; row numbers count the header as row 1."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES
        (1, 'Québec', '10.5', DATE '2021-01-31', 'true', 'a', 'AB-12'),
        (2, 'Montréal', 'abc', NULL, 'vrai', 'b', 'ab-12'),
        (3, NULL, '-4', DATE '2021-03-01', 'false', 'z', 'CD-34'),
        (3, 'Lévis', '7', DATE '2021-03-02', '1', 'a', 'EF-56'),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL))
        AS t(id, nom, montant, date, actif, categorie, code)""")
    con.execute("COPY t TO 'hostile.parquet' (FORMAT parquet)")
    con.close()
    schema = dict(HOSTILE_SCHEMA)
    schema["fields"] = [dict(field) for field in HOSTILE_SCHEMA["fields"]]
    schema["fields"][3]["format"] = "%d/%m/%Y"  # the source's form: the Parquet already holds dates
    report = validate_parquet("hostile.parquet", schema, limit_errors=0)
    assert report.format == "parquet" and report.labels[0] == "id"
    assert report.counts == {"type-error": 2, "constraint-error": 4, "unique-error": 1, "primary-key": 2,
                             "blank-row": 1}
    assert sorted({error["rowNumber"] for error in report.errors}) == [3, 4, 5, 6]
    assert validate("hostile.parquet", schema).counts == report.counts  # by content


def test_schema_object_and_descriptor_file_are_accepted(tmp_path):
    write("a.csv", "a\n1\nx\n")
    Path("schema.json").write_text(json.dumps({"fields": [{"name": "a", "type": "integer"}]}), encoding="utf-8")
    assert validate("a.csv", "schema.json").counts == {"type-error": 1}
    assert validate("a.csv", parse("schema.json")).counts == {"type-error": 1}


def test_too_many_columns_is_a_clear_error_and_a_huge_cell_is_read(settings):
    settings.OUVERT_DATASTORE_MAX_COLUMNS = 50
    write("wide.csv", ",".join(f"c{i}" for i in range(60)) + "\n" + ",".join("1" * 60) + "\n")
    report = validate("wide.csv", {"fields": [{"name": "c0", "type": "integer"}]}, dialect=Dialect())
    assert report.counts == {"source-error": 1}
    assert report.errors[0]["message"] == "Le tableau compte 60 colonnes ; la limite est de 50."
    write("huge.csv", "a,b\n1," + "é" * 3_000_000 + "\n2,y\n")
    schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "constraints": {"maxLength": 10}}]}
    report = assert_same("huge.csv", schema)
    error = report.errors[0]
    assert len(error["cell"]) == 3_000_000 and len(error["message"]) < 400


def test_a_file_duckdbs_reader_gives_up_on_is_read_by_python():
    """Quoted line breaks (LF) in a CRLF file with ragged rows: DuckDB's CSV reader stops ("state
    machine reached an invalid state"); Python's csv module reads the whole file instead."""
    text = ('id,txt,num,d,b\r\n+-1,\t,nan,2021-02-29,1.5\r\n2,2021-02-29,\t\r\n"q,uoted",abcdefgh,nan,2020-01-01,nan\r\n'
            'é\r\n1, ,abcdefgh,1e3,1,\r\n1e3,NA,NA,2020-01-01,2020-01-01,é\r\n-2,"multi\nline",1, 3,"a""b"\r\n'
            ' ,-2,-2,true,"multi\nline",\t,"multi\nline"\r\n+-1, ,2020-01-01\r\n\r\n ,0, 3,"a""b",1.5\r\n'
            '0, 3,2021-02-29,2021-02-29\r\n+-1,"a""b",1e3,é, 3\r\n1e3,2,"multi\nline"\r\n'
            ' 3,nan,2,"a""b",x,2020-01-01\r\nx,NA,+-1,\t\r\n-2,é,abcdefgh,é, 3\r\n'
            '"multi\nline",1.5,,abcdefgh,+-1,nan,abcdefgh\r\né,nan,1,1.5\r\n\r\n1.5, 3,2020-13-01,NA,nan\r\n'
            '2020-01-01,\t,"q,uoted", 3\r\n,1.5,1e3,é,1.5,2020-13-01,\r\n\n')
    write("odd.csv", text)
    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"unique": True}},
                         {"name": "txt", "type": "string", "constraints": {"maxLength": 6, "pattern": "[a-zé ]*"}},
                         {"name": "num", "type": "number", "constraints": {"minimum": 0}},
                         {"name": "d", "type": "date"}, {"name": "b", "type": "boolean"}],
              "primaryKey": ["id"], "missingValues": ["", "NA"]}
    report = assert_same("odd.csv", schema)
    assert report.counts["blank-row"] == 3


def test_the_order_of_a_rows_errors_follows_frictionless_lazy_reading():
    """Frictionless reads the cells of ``unique`` and key fields first: their errors come first in a
    row, until a failed check reads the whole row."""
    write("order.csv", "a,b,c,d\nx,x,2020-13-01,x\nx,1,x,2\ny,1,x,2\n,,,\nz,3,w,3\n")
    schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"},
                         {"name": "c", "type": "date"},
                         {"name": "d", "type": "integer", "constraints": {"unique": True}}],
              "primaryKey": ["b", "c"],
              "foreignKeys": [{"fields": ["c"], "reference": {"resource": "", "fields": ["a"]}}]}
    report = assert_same("order.csv", schema)
    assert [(error["rowNumber"], error.get("fieldNumber")) for error in report.errors[:3]] == [(2, 4), (2, 2), (2, 3)]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_hostile_files_same_as_frictionless(seed):
    """Seeded random files: ragged rows, trailing delimiters, empty lines, quotes, values on several
    lines, CRLF, wrong headers, and values of every kind for integer, string (length and pattern),
    number, date and boolean fields with a unique key."""
    import random

    rng = random.Random(seed)
    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"unique": True}},
                         {"name": "txt", "type": "string", "constraints": {"maxLength": 6, "pattern": "[a-zé ]*"}},
                         {"name": "num", "type": "number", "constraints": {"minimum": 0}},
                         {"name": "d", "type": "date"}, {"name": "b", "type": "boolean"}],
              "primaryKey": ["txt", "b"], "missingValues": ["", "NA"]}
    values = ["1", "2", "x", "", "NA", " 3", "1.5", "-2", "2020-01-01", "2020-13-01", "true", "0", "é", "abcdefgh",
              '"q,uoted"', '"multi\nline"', '"a""b"', "nan", "1e3", "+-1", " ", "\t", "2021-02-29"]
    headers = ["id,txt,num,d,b"] * 8 + ["id,txt,num,d", "id,txt,num,d,b,extra", "id,,num,d,b", "id,txt,id,d,b"]
    for trial in range(25):
        lines = [rng.choice(headers)]
        for _row in range(rng.randint(0, 25)):
            if rng.random() < 0.08:
                lines.append("")
                continue
            line = ",".join(rng.choice(values) for _cell in range(rng.choice([5, 5, 5, 5, 4, 6, 3, 7, 1])))
            lines.append(line + ("," if rng.random() < 0.1 else ""))
        newline = "\r\n" if rng.random() < 0.3 else "\n"
        write(f"random{trial}.csv", newline.join(lines) + (newline if rng.random() < 0.7 else ""))
        assert_same(f"random{trial}.csv", schema)
