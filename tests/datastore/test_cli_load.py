"""``ouvert datastore load FILE --resource ID [--user EMAIL]``: the file becomes a new version of the resource
through the catalogue (history kept, permissions checked) and is ingested at once; rows, columns and
warnings are printed; clear errors for an unknown resource or person, a missing or a bad file."""

import pytest

from ouvert import cli
from ouvert.catalog.models import ResourceVersion
from ouvert.datastore import selectors, services
from tests.core.conftest import run_ouvert, run_python
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import BIKES
from tests.datastore.test_jobs import _child_database


@pytest.mark.django_db
def test_load_a_file_as_a_new_version(dataset_factory, upload, editor, member, capsys, tmp_path):
    resource = upload(dataset_factory(), "velos.csv", b"Date;Berri 1\n01/01/2012;35\n")
    first = selectors.table_for_resource(resource)
    assert cli.main(["datastore", "load", str(BIKES), "--resource", str(resource.pk), "--user", editor.email]) == 0
    out = capsys.readouterr()
    assert "310 ligne(s), 10 colonne(s), 1 avertissement(s)" in out.out
    assert "295 lignes" in out.err  # the ragged rows, as a warning
    versions = list(ResourceVersion.objects.filter(resource=resource).order_by("number"))
    assert [v.number for v in versions] == [1, 2] and versions[1].created_by == editor
    assert versions[1].filename == BIKES.name
    table = selectors.table_for_resource(resource)
    assert table.pk != first.pk and table.version_id == versions[1].pk and table.rows == 310
    assert services.search(user=None, params={"resource_id": str(resource.pk), "limit": 0})["total"] == 310

    # Someone who may not edit the dataset, an unknown person or resource, a missing file: exit code 2.
    assert cli.main(["datastore", "load", str(BIKES), "--resource", str(resource.pk), "--user", member.email]) == 2
    assert "éditeur" in capsys.readouterr().err
    assert cli.main(["datastore", "load", str(BIKES), "--resource", str(resource.pk), "--user", "x@example.org"]) == 2
    assert "x@example.org" in capsys.readouterr().err
    assert cli.main(["datastore", "load", str(BIKES), "--resource", "00000000-0000-0000-0000-000000000000"]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert cli.main(["datastore", "load", str(tmp_path / "absent.csv"), "--resource", str(resource.pk)]) == 2
    assert "introuvable" in capsys.readouterr().err.lower()

    # A file that cannot be ingested: exit code 1 with the reason; the previous table stays served.
    binary = tmp_path / "image.csv"
    binary.write_bytes(bytes(range(256)) * 50)
    assert cli.main(["datastore", "load", str(binary), "--resource", str(resource.pk)]) == 1
    assert "binaire" in capsys.readouterr().err
    assert selectors.table_for_resource(resource).pk == table.pk
    assert ResourceVersion.objects.filter(resource=resource).count() == 3  # the upload is in the history


SETUP = """
from ouvert.core import services as core
from ouvert.catalog import services as catalog
org = core.organisation_upsert(slug="mtmd", kind="public_body", name_fr="Ministère des Transports")
dataset = catalog.dataset_create(actor=None, organisation=org, data={"name": "velos", "title_fr": "Vélos"})
resource = catalog.resource_create(actor=None, dataset=dataset,
                                   data={"name_fr": "Comptages", "url": "https://example.org/velos.csv"})
print(resource.pk)
"""


def test_the_command_in_a_real_installation(tmp_path):
    """The command as an operator runs it, with the database task queue: the ingestion the catalogue
    enqueued is run by the command itself, and the worker that picks the task up later has nothing to do."""
    data = tmp_path / "data"
    extra, _read, drop = _child_database()
    try:
        assert run_ouvert(data, "manage", "migrate", "-v", "0", env_extra=extra, timeout=300).returncode == 0
        resource_id = run_python(data, SETUP, env_extra=extra).strip().splitlines()[-1]
        loaded = run_ouvert(data, "datastore", "load", str(BIKES), "--resource", resource_id, env_extra=extra)
        assert loaded.returncode == 0, loaded.stderr
        assert "310 ligne(s), 10 colonne(s)" in loaded.stdout
        worker = run_ouvert(data, "worker", "--batch", env_extra=extra)
        assert worker.returncode == 0, worker.stderr
        tables = run_python(data, "from ouvert.datastore.models import DatastoreTable\n"
                                  "print(json.dumps(list(DatastoreTable.objects.order_by('id').values_list('status', 'attempts', 'origin', 'error_code'))))",
                            env_extra=extra).strip().splitlines()[-1]
        # The link's ingestion, still queued, was superseded by the loaded file's.
        assert tables == '[["failed", 0, "link", "superseded"], ["done", 1, "upload", ""]]'
        missing = run_ouvert(data, "datastore", "load", str(BIKES), "--resource", "inconnue", env_extra=extra)
        assert missing.returncode == 2 and "introuvable" in missing.stderr
    finally:
        drop()
