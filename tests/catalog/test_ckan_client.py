"""The real CKAN client, ``ckanapi`` from PyPI, against Ouvert served by a live server.

- the Python API: ``RemoteCKAN(url, apikey=token).action.<name>(...)``, errors raised as the
  exceptions ckanapi raises for CKAN;
- the command line: ``ckanapi dump datasets --all`` then ``ckanapi load datasets``. Two live
  servers with two databases in one test run are not practical, so the catalogue is dumped,
  purged (every dataset erased for good by a platform admin), loaded back into the same
  instance from the dump, and dumped again: both dumps must hold the same catalogue (ids,
  names, texts, tags, groups, extras, resources), apart from the creation and modification
  times, which a load sets anew.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import ckanapi
import pytest

from ouvert.catalog import services
from ouvert.catalog.models import Dataset
from ouvert.core import services as core_services

# The licence registry is recreated after each flush (post_migrate), like content types.
pytestmark = pytest.mark.django_db(transaction=True)

USER_AGENT = "ouvert-tests/1.0 (ckanapi)"
#: Keys a load sets anew: when the copy was made, not what it holds.
TIMESTAMPS = {"metadata_created", "metadata_modified", "created", "last_modified"}


@pytest.fixture
def remote(live_server, editor):
    token = core_services.token_create(user=editor)
    with ckanapi.RemoteCKAN(live_server.url, apikey=token, user_agent=USER_AGENT) as ckan:
        yield ckan


def test_python_client(remote, live_server, theme_factory, tmp_path):
    theme_factory("transport", title_fr="Transport")
    created = remote.action.package_create(
        name="feux-circulation", title="Feux de circulation", owner_org="mtmd",
        notes="Emplacement des feux de circulation du réseau routier.", tags=[{"name": "circulation"}],
        groups=[{"name": "transport"}], resources=[{"url": "https://example.org/feux.csv", "format": "CSV"}])
    assert created["name"] == "feux-circulation" and created["organization"]["name"] == "mtmd"

    path = tmp_path / "feux.geojson"
    path.write_bytes(b'{"type": "FeatureCollection", "features": []}')
    with path.open("rb") as upload:
        resource = remote.action.resource_create(package_id="feux-circulation", name="Feux (GeoJSON)",
                                                 upload=upload)
    assert resource["url_type"] == "upload" and resource["size"] == path.stat().st_size
    assert resource["format"] == "GEOJSON"

    found = remote.action.package_search(q="feux", fq="groups:transport", **{"facet.field": ["res_format"]})
    assert found["count"] == 1 and found["results"][0]["num_resources"] == 2
    assert found["facets"]["res_format"] == {"CSV": 1, "GEOJSON": 1}
    assert remote.action.package_show(id="feux-circulation")["resources"][1]["id"] == resource["id"]

    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id="inexistant")
    with pytest.raises(ckanapi.ValidationError) as exc:
        remote.action.package_create(name="Pas Valide", owner_org="mtmd")
    assert "name" in exc.value.error_dict
    with pytest.raises(ckanapi.ValidationError) as exc:
        remote.action.package_search(fq="tags:(circulation")
    assert "position 18 " in exc.value.error_dict["fq"][0]
    with ckanapi.RemoteCKAN(live_server.url, user_agent=USER_AGENT) as anonymous:
        with pytest.raises(ckanapi.NotAuthorized):
            anonymous.action.package_delete(id="feux-circulation")
        assert anonymous.action.package_list() == ["feux-circulation"]
    with ckanapi.RemoteCKAN(live_server.url, user_agent=USER_AGENT, get_only=True) as by_get:
        assert by_get.action.package_search(q="circulation")["count"] == 1


def _ckanapi(*args, cwd):
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", "HOME": str(cwd),
           "LANG": "C.UTF-8"}
    completed = subprocess.run([str(Path(sys.executable).parent / "ckanapi"), *args], cwd=cwd, env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed


def _read_dump(path: Path) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMESTAMPS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {record["name"]: strip(record) for record in records}


def test_dump_purge_load_gives_the_same_catalogue(live_server, editor, admin_user, dataset_factory,
                                                  theme_factory, tmp_path):
    theme_factory("environnement", title_fr="Environnement")
    dataset_factory(name="qualite-air", title_fr="Qualité de l'air", title_en="Air quality",
                    notes_fr="Indice de la qualité de l'air, par station.", notes_en="Air quality index, by station.",
                    tags=["air", "santé"], themes=["environnement"], licence="CC0-1.0", frequency="DAILY",
                    extras={"source": "Réseau de surveillance"}, extra_fields={"jurisdiction": "provincial"},
                    resources=[{"url": "https://example.org/iqa.csv", "format": "CSV", "name_fr": "IQA",
                                "name_en": "AQI"},
                               {"url": "https://example.org/stations.geojson", "format": "GeoJSON"}])
    dataset_factory(name="pistes-cyclables", title_fr="Pistes cyclables", tags=["vélo"])
    token = core_services.token_create(user=editor)
    url = live_server.url

    _ckanapi("dump", "datasets", "--all", "-O", "first.jsonl", "-p", "1", "-q", "-r", url, "-a", token, cwd=tmp_path)
    first = _read_dump(tmp_path / "first.jsonl")
    assert sorted(first) == ["pistes-cyclables", "qualite-air"]

    for dataset in Dataset.objects.all():
        services.dataset_purge(actor=admin_user, dataset=dataset)
    assert not Dataset.objects.exists()

    loaded = _ckanapi("load", "datasets", "-I", "first.jsonl", "-p", "1", "-r", url, "-a", token, cwd=tmp_path)
    assert loaded.stderr.count(" create None ") == 2, loaded.stderr
    _ckanapi("dump", "datasets", "--all", "-O", "second.jsonl", "-p", "1", "-q", "-r", url, "-a", token, cwd=tmp_path)
    second = _read_dump(tmp_path / "second.jsonl")
    assert second == first
    assert second["qualite-air"]["jurisdiction"] == "provincial"

    # Loading the same dump again updates in place (package_show finds each id): nothing changes.
    again = _ckanapi("load", "datasets", "-I", "first.jsonl", "-p", "1", "-r", url, "-a", token, cwd=tmp_path)
    assert again.stderr.count(" update None ") == 2, again.stderr
    assert Dataset.objects.count() == 2
