"""ckanapi JSON Lines: ``jsonl_import`` / ``jsonl_export`` and ``ouvert catalog import|export``.

Real material: ``open_canada_obd_sample_2.jsonl`` (a ckanapi dump of four open.canada.ca
packages, Statistics Canada) from ``../shared/corpus/ckan/``.
"""

import io
import json

import pytest

from ouvert import cli
from ouvert.catalog import jsonl, services
from ouvert.catalog.models import Activity, Dataset

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
    assert again.errors == [] and Dataset.objects.count() == 4
    assert again.updated == [] and sorted(again.unchanged) == sorted(p["name"] for p in packages)


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


def _activities(dataset_id) -> list[str]:
    return list(Activity.objects.filter(dataset_id=dataset_id).order_by("timestamp", "id")
                .values_list("activity_type", flat=True))


def test_reimport_of_unchanged_datasets_records_no_activity(statcan):
    """Re-importing a dump whose datasets are already there unchanged is not an update; a changed
    line still is (its activity says what changed)."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    packages = [json.loads(line) for line in lines]
    jsonl.jsonl_import(actor=None, lines=lines)
    modified = {d.pk: d.modified_at for d in Dataset.objects.all()}
    resources = {d.pk: sorted((str(r.pk), r.modified_at) for r in d.resources.all()) for d in Dataset.objects.all()}

    again = jsonl.jsonl_import(actor=None, lines=lines)
    assert again.errors == [] and again.updated == [] and len(again.unchanged) == 4
    for dataset in Dataset.objects.all():
        assert dataset.modified_at == modified[dataset.pk]
        assert sorted((str(r.pk), r.modified_at) for r in dataset.resources.all()) == resources[dataset.pk]
        assert _activities(dataset.pk) == [Activity.Type.NEW_PACKAGE]

    changed = dict(packages[1], title_translated={**packages[1]["title_translated"], "fr": "Titre révisé"})
    changed["resources"] = [dict(packages[1]["resources"][0], format="XLSX"), *packages[1]["resources"][1:]]
    report = jsonl.jsonl_import(actor=None, lines=[lines[0], json.dumps(changed), *lines[2:]])
    assert report.updated == [changed["name"]] and len(report.unchanged) == 3
    dataset = Dataset.objects.get(pk=changed["id"])
    assert dataset.title_fr == "Titre révisé" and dataset.modified_at > modified[dataset.pk]
    assert _activities(dataset.pk) == [Activity.Type.NEW_PACKAGE, Activity.Type.CHANGED_PACKAGE]
    diff = Activity.objects.filter(dataset=dataset, activity_type=Activity.Type.CHANGED_PACKAGE).get().diff
    assert diff["title_fr"]["after"] == "Titre révisé" and "resources" in diff
    for other in Dataset.objects.exclude(pk=dataset.pk):
        assert other.modified_at == modified[other.pk] and _activities(other.pk) == [Activity.Type.NEW_PACKAGE]


def test_dataset_update_with_nothing_new_writes_nothing(dataset_factory, editor):
    """The service itself: ``package_update`` with the dataset's own dictionary, or a patch giving
    its current values, leaves it (and its history) as it was; a resource change alone is a change."""
    from ouvert.catalog import ckan_dict

    dataset = dataset_factory(name="velos", title_fr="Vélos", tags=["vélo"], notes_fr="Comptages.",
                              resources=[{"url": "https://example.org/velos.csv", "name_fr": "Comptages",
                                          "format": "CSV"}])
    before = Dataset.objects.get(pk=dataset.pk)
    package = ckan_dict.dataset_to_ckan(ckan_dict.dataset_prefetch(Dataset.objects.filter(pk=dataset.pk)).get())
    same = services.dataset_update(actor=editor, dataset=dataset, data=ckan_dict.ckan_to_dataset_data(package))
    assert same.modified_at == before.modified_at and _activities(dataset.pk) == [Activity.Type.NEW_PACKAGE]
    services.dataset_update(actor=editor, dataset=dataset, partial=True, data={"title_fr": "Vélos", "tags": ["vélo"]})
    assert Dataset.objects.get(pk=dataset.pk).modified_at == before.modified_at
    assert _activities(dataset.pk) == [Activity.Type.NEW_PACKAGE]

    resource = package["resources"][0]
    services.dataset_update(actor=editor, dataset=dataset, partial=True,
                            data={"resources": [{"id": resource["id"], "url": resource["url"], "name_fr": "Comptages",
                                                 "format": "CSV", "media_type": "text/plain"}]})
    after = Dataset.objects.get(pk=dataset.pk)
    assert after.modified_at > before.modified_at and after.resources.get().media_type == "text/plain"
    assert _activities(dataset.pk) == [Activity.Type.NEW_PACKAGE, Activity.Type.CHANGED_PACKAGE]


def test_command_line_reimport_records_no_activity(statcan, capsys):
    assert cli.main(["catalog", "import", str(SAMPLE)]) == 0
    modified = dict(Dataset.objects.values_list("pk", "modified_at"))
    capsys.readouterr()
    assert cli.main(["catalog", "import", str(SAMPLE)]) == 0
    assert "0 mis à jour" in capsys.readouterr().out
    assert dict(Dataset.objects.values_list("pk", "modified_at")) == modified
    assert not Activity.objects.filter(activity_type=Activity.Type.CHANGED_PACKAGE).exists()
