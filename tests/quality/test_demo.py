"""The quality module's demo (``ouvert demo``, after the catalogue's and the datastore's): datasets built
from the real files, some certified by the demo administrator, one failing criteria with the reasons
shown; loaded twice, nothing changes the second time."""

import pytest

from ouvert.catalog import demo as catalog_demo
from ouvert.catalog.models import Activity, Dataset, Resource
from ouvert.core import registry
from ouvert.datastore import demo as datastore_demo
from ouvert.quality import certification, demo
from ouvert.quality.models import Certification, CertificationEvent, DatasetScore
from tests.quality.reference_kit import fresh_datastore  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_only(settings, tmp_path):
    """Tasks are queued, never run (as with the database queue and no worker): the demo must not wait
    for one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_registered_after_the_catalogue_and_the_datastore():
    loaders = [loader.name for loader in registry.demo_loaders()]
    assert loaders.index("catalog") < loaders.index("datastore") < loaders.index("quality")


def _state():
    return (Dataset.objects.count(), Resource.objects.count(), Certification.objects.count(),
            CertificationEvent.objects.count(), Activity.objects.count(), DatasetScore.objects.count())


def test_the_demo_certifies_some_and_shows_why_others_fail(queued_only, django_capture_on_commit_callbacks,
                                                            client):
    from ouvert.plan import demo as plan_demo

    plan_demo.load()  # the demo accounts: the certifications are the demo administrator's
    with django_capture_on_commit_callbacks(execute=True):
        catalog_demo.load()
    datastore_demo.load()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()

    certified = set(Certification.objects.filter(status=Certification.Status.CERTIFIED)
                    .values_list("dataset__name", flat=True))
    assert certified == {demo.TERRITORIES_DATASET, demo.BIKES_DATASET}
    admin = Certification.objects.filter(dataset__name=demo.TERRITORIES_DATASET).get().certified_by
    assert admin.email == demo.DEMO_ADMIN_EMAIL

    territories = Dataset.objects.get(name=demo.TERRITORIES_DATASET)
    assert territories.organisation.slug == "ville-de-montreal" and territories.licence_id == "CC-BY-4.0"
    assert sorted(r.format for r in territories.resources.all()) == ["CSV", "GeoJSON"]
    criteria = {c["id"]: c for c in certification.criteria_evaluate([territories.pk])[territories.pk]}
    assert all(c["passed"] for c in criteria.values())
    assert criteria["identifier"]["detail"]["params"]["key"] == ["CODEMAMH"]

    regions = Dataset.objects.get(name=demo.REGIONS_DATASET)
    failing = {c["id"] for c in certification.criteria_evaluate([regions.pk])[regions.pk] if not c["passed"]}
    assert failing == {"identifier", "open_licence"}
    assert not Certification.objects.filter(dataset=regions).exists()

    page = client.get(f"/fr/catalogue/donnees-de-reference/{regions.name}/").content.decode()
    assert "Aucune ressource tabulaire ne déclare de clé primaire." in page
    assert "La licence n’est pas une licence ouverte" in page
    listing = client.get("/fr/catalogue/donnees-de-reference/").content.decode()
    assert "Territoires de l&#x27;agglomération de Montréal" in listing
    assert "Comptage de vélos sur les pistes cyclables — 2012" in listing

    before = _state()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    assert _state() == before


def test_the_territories_list_is_the_geojson_properties():
    content = demo._features_csv(demo._file_bytes(demo._MONTREAL_GEOJSON), demo.TERRITORY_COLUMNS, "CODEID")
    lines = content.decode("utf-8").splitlines()
    assert lines[0] == "CODEMAMH,CODEID,NUM,NOM,ABREV,TYPE,DATEMODIF,COMMENT"
    assert lines[1] == "66087,1,1,Dorval,DV,Ville liée,2022-08-24,"
    assert len(lines) == 35
    regions = demo._features_csv(demo._file_bytes(demo._REGIONS_GEOJSON), demo.REGION_COLUMNS, "cartodb_id")
    assert regions.decode("utf-8").splitlines()[:2] == ["cartodb_id,name", "1,Côte-Nord"]
