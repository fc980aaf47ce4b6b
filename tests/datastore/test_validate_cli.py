"""``ouvert validate FILE --schema SCHEMA.json [--json] [--limit-errors N]``, run through the real
entry point (``.venv/bin/ouvert`` in a subprocess) on the real files, its counts compared with
``frictionless validate``'s; standalone: no database, no migration."""

import collections
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest

from tests.datastore.test_validation import BIKES, BIKES_SCHEMA, COUNTRY_CODES, COUNTRY_CODES_PACKAGE

OUVERT = Path(sys.executable).with_name("ouvert")


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    # A database that does not exist: the command must not need one.
    env["DATABASE_URL"] = f"sqlite:///{cwd / 'absent' / 'db.sqlite3'}"
    env["OUVERT_DATA_DIR"] = str(cwd / "var")
    env["LANG"] = "fr_CA.UTF-8"
    return subprocess.run([str(OUVERT), "validate", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Frictionless reads relative paths only
    shutil.copy(BIKES, tmp_path / "velos.csv")
    (tmp_path / "velos.schema.json").write_text(json.dumps(BIKES_SCHEMA, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def frictionless_counts(name: str, schema: dict, **options) -> dict:
    resource = frictionless.Resource(path=name, schema=frictionless.Schema.from_descriptor(schema), **options)
    report = frictionless.validate(resource, limit_errors=0)
    return dict(collections.Counter(error.type for error in report.tasks[0].errors))


def test_json_report_has_frictionless_counts_and_exit_status_1(folder):
    result = run("velos.csv", "--schema", "velos.schema.json", "--json", "--limit-errors", "0", cwd=folder)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    expected = frictionless_counts("velos.csv", BIKES_SCHEMA, encoding="latin-1",
                                   dialect=frictionless.Dialect.from_descriptor({"csv": {"delimiter": ";"}}))
    assert document["counts"] == expected
    assert document["valid"] is False and document["stats"]["errors"] == sum(expected.values())
    task = document["tasks"][0]
    assert task["stats"]["rows"] == 310 and len(task["errors"]) == sum(expected.values())
    assert task["labels"][2] == "Brébeuf (données non disponibles)"  # Latin-1 read as such


def test_readable_french_summary(folder):
    result = run("velos.csv", "--schema", "velos.schema.json", cwd=folder)
    assert result.returncode == 1
    out = result.stdout
    assert "Non valide" in out and "erreur(s)" in out and "310 ligne(s)" in out
    assert "missing-cell" in out and "295" in out
    assert "Premières erreurs" in out and "ligne 17, champ 10" in out


def test_limit_errors_lists_fewer_but_counts_all(folder):
    result = run("velos.csv", "--schema", "velos.schema.json", "--json", "--limit-errors", "3", cwd=folder)
    document = json.loads(result.stdout)
    task = document["tasks"][0]
    assert len(task["errors"]) == 3 and sum(document["counts"].values()) == document["stats"]["errors"] > 3
    assert task["warnings"]


def test_valid_file_exits_0(folder):
    (folder / "ok.csv").write_text("id,nom\n1,Québec\n2,Lévis\n", encoding="utf-8")
    (folder / "ok.json").write_text(json.dumps({"fields": [{"name": "id", "type": "integer"},
                                                          {"name": "nom", "type": "string"}]}), encoding="utf-8")
    result = run("ok.csv", "--schema", "ok.json", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valide" in result.stdout and "2 ligne(s)" in result.stdout


def test_bad_usage_exits_2(folder):
    result = run("absent.csv", "--schema", "velos.schema.json", cwd=folder)
    assert result.returncode == 2 and "n'existe pas" in result.stderr
    (folder / "bad.json").write_text(json.dumps({"fields": [{"name": "a", "type": "entier"},
                                                           {"name": "b", "constraints": {"minimum": 1}}]}),
                                     encoding="utf-8")
    result = run("velos.csv", "--schema", "bad.json", cwd=folder)
    assert result.returncode == 2
    assert "schéma n’est pas valide" in result.stderr
    assert "fields[0].type" in result.stderr and "fields[1].constraints.minimum" in result.stderr
    result = run("velos.csv", cwd=folder)
    assert result.returncode == 2 and "--schema" in result.stderr
    result = run("velos.csv", "--schema", "velos.schema.json", "--limit-errors", "-1", cwd=folder)
    assert result.returncode == 2


def test_data_package_each_resource_against_its_schema(folder):
    (folder / "data").mkdir()
    shutil.copy(COUNTRY_CODES, folder / "data" / "country-codes.csv")
    shutil.copy(COUNTRY_CODES_PACKAGE, folder / "datapackage.json")
    result = run("datapackage.json", "--json", "--limit-errors", "0", cwd=folder)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    expected = frictionless.validate("datapackage.json", limit_errors=0)
    assert [task["name"] for task in document["tasks"]] == [task.name for task in expected.tasks]
    assert document["counts"] == dict(collections.Counter(error.type for task in expected.tasks
                                                          for error in task.errors))
    assert document["counts"] == {"extra-cell": 253, "extra-label": 1, "unique-error": 16}
