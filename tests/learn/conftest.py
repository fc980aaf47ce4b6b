"""Fixtures of the learn module's tests. The ecosystems part's are prefixed ``eco_``."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.catalog.conftest import (  # noqa: F401  (the catalogue's fixtures)
    admin_user,
    dataset_factory,
    editor,
    other_org,
    other_org_editor,
    publisher_org,
)

ECO_DATA = Path(__file__).resolve().parent.parent / "datastore" / "data"
ECO_BIKES = ECO_DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"
ECO_WEATHER = ECO_DATA / "montreal_weather_2012_hourly_envcanada.csv"


@pytest.fixture
def eco_upload(editor, django_capture_on_commit_callbacks):  # noqa: F811
    """``eco_upload(dataset, path)``: a resource made by the catalogue with the file, ingested at once (the
    listeners run on commit; tests run tasks immediately)."""
    from ouvert.catalog import services as catalog_services

    def make(dataset, path: Path, *, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            return catalog_services.resource_create(actor=actor or editor, dataset=dataset,
                                                    data={"name_fr": path.name},
                                                    upload=ContentFile(path.read_bytes(), name=path.name))

    return make


@pytest.fixture
def eco_world(db, admin_user, editor, publisher_org, other_org, dataset_factory, eco_upload,  # noqa: F811
              django_capture_on_commit_callbacks):
    """An ecosystem « urbanisme » with the bike and weather datasets (real files, ingested), the standard
    ``comptages-velos-quotidiens`` 1.0.0 (counters optional) and 2.0.0 (counters required: the file has two
    empty counters), the standard ``releves-meteo-horaires`` 1.0.0; nothing declared yet."""
    from ouvert.learn import ecosystems as eco
    from ouvert.learn.ecosystems_demo import bikes_schema, weather_schema

    bikes = dataset_factory(name="velos", title_fr="Comptages de vélos 2012")
    weather = dataset_factory(name="meteo", title_fr="Météo horaire 2012")
    outside = dataset_factory(name="hors-ecosysteme", title_fr="Hors écosystème")
    bikes_resource = eco_upload(bikes, ECO_BIKES)
    weather_resource = eco_upload(weather, ECO_WEATHER)
    with django_capture_on_commit_callbacks(execute=True):
        bikes_standard = eco.standard_upsert(actor=admin_user, organisation=publisher_org, data={
            "name": "comptages-velos-quotidiens", "title_fr": "Comptages quotidiens de vélos"})
        v1 = eco.version_create(actor=admin_user, standard=bikes_standard, data={
            "version": "1.0.0", "status": "published", "schema": bikes_schema(all_required=False)})
        v2 = eco.version_create(actor=admin_user, standard=bikes_standard, data={
            "version": "2.0.0", "status": "published", "schema": bikes_schema(all_required=True)})
        weather_standard = eco.standard_upsert(actor=admin_user, data={
            "name": "releves-meteo-horaires", "title_fr": "Relevés météorologiques horaires"})
        w1 = eco.version_create(actor=admin_user, standard=weather_standard, data={
            "version": "1.0.0", "status": "published", "schema": weather_schema()})
        ecosystem = eco.ecosystem_upsert(actor=admin_user, data={"name": "urbanisme", "title_fr": "Urbanisme"})
        eco.ecosystem_organisation_set(actor=admin_user, ecosystem=ecosystem, organisation=other_org,
                                       role_fr="Coordination", is_coordinator=True)
        eco.ecosystem_organisation_set(actor=admin_user, ecosystem=ecosystem, organisation=publisher_org,
                                       role_fr="Producteur")
        eco.ecosystem_standard_add(actor=admin_user, ecosystem=ecosystem, standard=bikes_standard)
        eco.ecosystem_standard_add(actor=admin_user, ecosystem=ecosystem, standard=weather_standard)
        for dataset in (bikes, weather):
            eco.ecosystem_dataset_add(actor=admin_user, ecosystem=ecosystem, dataset=dataset)
    return {"ecosystem": ecosystem, "bikes": bikes, "weather": weather, "outside": outside,
            "bikes_resource": bikes_resource, "weather_resource": weather_resource,
            "bikes_standard": bikes_standard, "weather_standard": weather_standard, "v1": v1, "v2": v2, "w1": w1}


@pytest.fixture
def eco_declared(eco_world, editor, django_capture_on_commit_callbacks):  # noqa: F811
    """``eco_world`` with the bikes declaring 2.0.0 (does not conform) and the weather 1.0.0 (conforms),
    checks run."""
    from ouvert.learn import ecosystems as eco

    with django_capture_on_commit_callbacks(execute=True):
        eco.dataset_declare(actor=editor, ecosystem=eco_world["ecosystem"], dataset=eco_world["bikes"],
                            version=eco_world["v2"])
        eco.dataset_declare(actor=editor, ecosystem=eco_world["ecosystem"], dataset=eco_world["weather"],
                            version=eco_world["w1"])
    return eco_world


# --- The teaching part's fixtures (prefixed ``teaching_``) ------------------------------------------------

TEACHING_BIKES = ECO_BIKES


@pytest.fixture
def teaching_fresh():
    """The example dataset is looked up afresh in each test (it is kept 5 minutes per process otherwise)."""
    from ouvert.learn import teaching

    teaching.teaching_reload()
    yield
    teaching.teaching_reload()


@pytest.fixture
def teaching_instance(transactional_db, teaching_fresh, settings, tmp_path):
    """A public dataset « comptage-velos-2012 » of the Ville de Montréal with the real bike counts (Latin-1,
    semicolons) uploaded and ingested into the DataStore: the example dataset of the tutorials."""
    from ouvert.catalog import services as catalog_services
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership
    from ouvert.datastore import query, selectors

    query.clear()
    mtl = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            name_en="City of Montréal", kind="municipality")
    mtl_editor = core_services.user_upsert(email="editrice@montreal.example.org", password="motdepasse-Tres-Solide-42",
                                       full_name="Éditrice Montréal")
    core_services.membership_set(user=mtl_editor, organisation=mtl, role=Membership.Role.EDITOR)
    dataset = catalog_services.dataset_create(actor=mtl_editor, organisation=mtl, data={
        "name": "comptage-velos-2012", "title_fr": "Comptage des vélos 2012", "title_en": "Bicycle counts 2012",
        "notes_fr": "Passages quotidiens de vélos aux compteurs de Montréal."})
    resource = catalog_services.resource_create(actor=mtl_editor, dataset=dataset, data={
        "name_fr": "Comptages 2012", "name_en": "Counts 2012", "format": "CSV"},
        upload=ContentFile(TEACHING_BIKES.read_bytes(), name="comptages-2012.csv"))
    assert selectors.table_for_resource(resource) is not None, "the upload was not ingested"
    yield {"dataset": dataset, "resource": resource, "editor": mtl_editor}
    query.clear()
