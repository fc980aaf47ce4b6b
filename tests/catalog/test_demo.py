"""The demo catalogue: real material only, under real publishers, loaded idempotently."""

import gzip
import hashlib

import pytest
from django.urls import reverse
from django.utils.translation import override

from ouvert.catalog import demo, services
from ouvert.catalog.models import Activity, Dataset, Resource, ResourceVersion, Theme
from ouvert.core import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    from ouvert.plan.demo import load_plan_data

    load_plan_data()
    demo.load()


def _counts():
    return (Dataset.objects.count(), Resource.objects.count(), ResourceVersion.objects.count(),
            Activity.objects.count(), Theme.objects.count())


def test_registered_after_the_plan():
    loaders = [loader.name for loader in registry.demo_loaders()]
    assert "catalog" in loaders and loaders.index("plan") < loaders.index("catalog")


def test_package_stays_small():
    total = sum(path.stat().st_size for path in demo.DATA_DIR.rglob("*") if path.is_file())
    assert total <= 5 * 1024 * 1024


def test_loader_is_idempotent_with_the_expected_counts(loaded):
    open_canada, with_files = 31 + 4, len(demo.FILE_DATASETS)
    assert Dataset.objects.count() == open_canada + with_files + 1  # + the plan's open-data dataset
    assert Theme.objects.count() == len(demo.THEMES)
    assert ResourceVersion.objects.count() == sum(len(d["files"]) for d in demo.FILE_DATASETS) + 3
    before = _counts()
    demo.load()
    assert _counts() == before  # nothing created, changed or recorded


def test_a_dataset_from_each_source_with_its_file_downloadable(loaded, client):
    csa = services.dataset_get(name_or_id="4501efc8-9fe0-4a52-9a60-f2657a969c0b", user=None)
    assert csa.title_en == "WINDII Data Archive" and csa.organisation.slug == "csa-asc"
    assert csa.extras["source_metadonnees"].startswith("https://open.canada.ca/data/fr/dataset/")
    assert {t.name for t in csa.themes.all()} == {"sciences", "environnement"}
    statcan_doc = Dataset.objects.get(pk="584a6090-187f-42ee-9f52-143ccdca574b")
    assert statcan_doc.organisation.slug == "statcan"
    expected = {
        "comptage-velos-pistes-cyclables-2012": ("ville-de-montreal", "montreal_velos_comptage_2012_latin1_semicolon.csv"),
        "meteo-horaire-montreal-2012": ("ec", "montreal_weather_2012_hourly_envcanada.csv"),
        "indices-prix-vente-electricite-mensuel": ("statcan", "statcan_18100204_electric_power_price_index.csv"),
        "regions-administratives-quebec": ("mrnf", "quebec_regions_administratives.geojson"),
        "reseau-cyclable-ville-de-quebec": ("ville-de-quebec", "quebec_city_reseau_cyclable_lines.geojson"),
        "limites-administratives-agglomeration-montreal": (
            "ville-de-montreal", "montreal_limites_administratives_agglomeration_WGS84.geojson"),
    }
    for name, (org, filename) in expected.items():
        dataset = services.dataset_get(name_or_id=name, user=None)
        assert dataset.organisation.slug == org and dataset.themes.exists()
        resource = services.resource_list(dataset=dataset)[0]
        original = gzip.decompress((demo.FILES_DIR / f"{filename}.gz").read_bytes())
        assert resource.sha256 == hashlib.sha256(original).hexdigest() and resource.size == len(original)
        with override("fr"):
            url = reverse("catalog:resource_download", kwargs={"name": name, "resource_id": resource.pk})
        response = client.get(url)
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) == original
    velos = services.dataset_get(name_or_id="comptage-velos-pistes-cyclables-2012", user=None)
    assert "Brébeuf" in velos.notes_fr and velos.licence_id == "CC-BY-4.0"
    # The plan's open-data dataset is published too, with its theme now that it exists.
    plan = Dataset.objects.get(extras__source_module="plan")
    assert plan.organisation.slug == "sct" and list(plan.themes.values_list("name", flat=True)) == ["gouvernement"]
    # No placeholder text anywhere.
    for dataset in Dataset.objects.all():
        text = " ".join([dataset.title_fr, dataset.notes_fr, dataset.title_en, dataset.notes_en]).lower()
        for word in ("lorem", "ipsum", "todo", "placeholder", "exemple fictif"):
            assert word not in text, (dataset.name, word)
