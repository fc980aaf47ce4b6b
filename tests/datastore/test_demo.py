"""The datastore's demo: the demo files ingested while ``ouvert demo`` loads (it serves without a
worker), the bike counts with a data dictionary and a saved visualisation; loaded idempotently."""

import pytest

from ouvert.catalog import demo as catalog_demo
from ouvert.core import registry
from ouvert.datastore import demo, services
from ouvert.datastore.models import DatastoreTable, Visualisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_only(settings, tmp_path):
    """Tasks are queued, never run (as with the database queue and no worker)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_registered_after_the_catalogue():
    loaders = [loader.name for loader in registry.demo_loaders()]
    assert loaders.index("catalog") < loaders.index("datastore")


def test_demo_files_are_served_at_once_with_a_dictionary_and_a_chart(queued_only,
                                                                     django_capture_on_commit_callbacks):
    from ouvert.plan import demo as plan_demo

    plan_demo.load()  # the demo accounts too: the visualisation is the demo administrator's
    with django_capture_on_commit_callbacks(execute=True):
        catalog_demo.load()
    uploads = DatastoreTable.objects.filter(origin=DatastoreTable.Origin.UPLOAD)
    assert uploads.exists() and not uploads.exclude(status=DatastoreTable.Status.PENDING).exists()

    demo.load()

    assert not uploads.exclude(status=DatastoreTable.Status.DONE).exists()
    bikes = Visualisation.objects.get(dataset__name=demo.BIKES_DATASET)
    table = services.table_for_resource(bikes.resource)
    assert table.rows == 310
    schema = services.datastore_for(bikes.resource).schema
    assert [f["name"] for f in schema["fields"]][:2] == ["Date", "Berri 1"]
    assert all(f["description_fr"] and f["description_en"] for f in schema["fields"])
    table.refresh_from_db()
    assert table.validation_valid is True
    # Links (open.canada.ca) wait for a worker: the demo never reaches the network.
    assert not DatastoreTable.objects.filter(origin=DatastoreTable.Origin.LINK).exclude(
        status=DatastoreTable.Status.PENDING).exists()

    counts = (DatastoreTable.objects.count(), Visualisation.objects.count())
    demo.load()
    assert (DatastoreTable.objects.count(), Visualisation.objects.count()) == counts
