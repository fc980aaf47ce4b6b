"""ckanapi JSON Lines: ``jsonl_import`` / ``jsonl_export`` and ``ouvert catalog import|export``.

Real material: ``open_canada_obd_sample_2.jsonl`` (a ckanapi dump of four open.canada.ca
packages, Statistics Canada) from ``../shared/corpus/ckan/``.
"""

import io
import json

import pytest

from ouvert import cli
from ouvert.catalog import jsonl, services
from ouvert.catalog.models import Dataset

from .conftest import CKAN_DATA

pytestmark = pytest.mark.django_db

SAMPLE = CKAN_DATA / "open_canada_obd_sample_2.jsonl"
TIMESTAMPS = {"metadata_created", "metadata_modified", "created", "last_modified"}


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMESTAMPS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.fixture
def statcan(make_org):
    return make_org(slug="statcan", name_fr="Statistique Canada", name_en="Statistics Canada")


def test_import_the_real_dump_twice_is_idempotent(statcan):
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    packages = [json.loads(line) for line in lines]
    report = jsonl.jsonl_import(actor=None, lines=lines)
    assert report.errors == [] and len(report.created) == 4
    for package in packages:
        dataset = Dataset.objects.get(pk=package["id"])
        assert dataset.organisation == statcan and dataset.name == package["name"]
        assert dataset.title_fr == package["title_translated"]["fr"]
        assert dataset.resources.count() == len(package["resources"])
    again = jsonl.jsonl_import(actor=None, lines=lines)
    assert again.errors == [] and len(again.updated) == 4 and Dataset.objects.count() == 4


def test_bad_lines_are_reported_and_the_rest_imported(statcan, make_org):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    other = json.loads(lines[2])
    other["owner_org"] = "inconnue"
    broken = [lines[0], "{pas du json", "", json.dumps(other), "[1, 2]", lines[1],
              json.dumps(dict(json.loads(lines[3]), maintainer_email="pas une adresse"))]
    seen = []
    report = jsonl.jsonl_import(actor=None, lines=broken, progress=seen.append)
    assert len(report.created) == 2
    assert [e["line"] for e in report.errors] == [2, 4, 5, 7]
    assert "owner_org" in report.errors[1]["errors"] and report.errors[1]["name"] == other["name"]
    assert "maintainer_email" in report.errors[3]["errors"]
    assert seen[-1] == 7

    # --organisation: every dataset goes to that organisation, whatever the lines say.
    elsewhere = make_org(slug="isq", name_fr="Institut de la statistique du Québec")
    report = jsonl.jsonl_import(actor=None, lines=[json.dumps(other)], organisation=elsewhere)
    assert report.errors == [] and Dataset.objects.get(pk=other["id"]).organisation == elsewhere


def test_export_then_import_gives_the_same_catalogue(statcan, editor, dataset_factory, admin_user):
    jsonl.jsonl_import(actor=None, lines=SAMPLE.read_bytes().splitlines())
    dataset_factory(name="brouillon", title_fr="Brouillon", state="draft")
    dataset_factory(name="velos", title_fr="Vélos", tags=["vélo"],
                    resources=[{"url": "https://example.org/velos.csv", "name_fr": "Comptages"}])
    out = io.BytesIO()
    assert jsonl.jsonl_export(out=out) == 5  # the draft is not public
    first = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [p["name"] for p in first] == sorted(p["name"] for p in first)
    assert jsonl.jsonl_export(out=io.StringIO(), include_private=True) == 6

    for dataset in Dataset.objects.all():
        services.dataset_purge(actor=admin_user, dataset=dataset)
    report = jsonl.jsonl_import(actor=None, lines=out.getvalue().splitlines())
    assert report.errors == [] and len(report.created) == 5
    again = io.BytesIO()
    jsonl.jsonl_export(out=again)
    second = [json.loads(line) for line in again.getvalue().splitlines()]
    assert _strip(second) == _strip(first)


def test_permissions_are_the_services(statcan, editor):
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    report = jsonl.jsonl_import(actor=editor, lines=[line])  # editor of another organisation
    assert report.created == [] and report.errors[0]["errors"]["__all__"]


def test_command_line(statcan, tmp_path, capsys):
    assert cli.main(["catalog", "import", str(SAMPLE)]) == 0
    assert Dataset.objects.count() == 4
    target = tmp_path / "export.jsonl"
    assert cli.main(["catalog", "export", str(target)]) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 4
    bad = tmp_path / "bad.jsonl"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n{oups\n", encoding="utf-8")
    assert cli.main(["catalog", "import", str(bad)]) == 1
    assert "Ligne 2" in capsys.readouterr().err
    assert cli.main(["catalog", "import", str(tmp_path / "absent.jsonl")]) == 2
    assert cli.main(["catalog", "import", str(SAMPLE), "--organisation", "inconnue"]) == 2
