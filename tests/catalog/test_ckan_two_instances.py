"""A catalogue moves from one Ouvert instance to another with the real ``ckanapi`` command line.

The first instance is pytest-django's ``live_server`` (the test database: SQLite, or PostgreSQL
when ``DATABASE_URL`` is set), its catalogue made through ``ouvert.catalog.services``. The
second is a real ``ouvert serve`` in a subprocess, on a free port, with its own data folder and
its own SQLite database, prepared the way an operator would: ``ouvert manage migrate``, the same
publisher organisation and theme (``ouvert manage shell -c``), an editor of it and a token from
``ouvert token create``.

Then ``ckanapi dump datasets --all`` from the first, ``ckanapi load datasets --upload-resources``
into the second (uploaded files are downloaded from the first and uploaded again), and
``ckanapi dump datasets --all`` from the second: both dumps hold the same catalogue — names,
texts in both languages, tags, groups, extras, licence, resources — and an uploaded file's
address differs only by host, its size and SHA-256 being the same.

ckanapi names a downloaded file after the last segment of its address: download addresses end
with the file name (``catalog:resource_file``) so that the upload to the second instance has one.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile

from ouvert.catalog import services
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db(transaction=True)

BIN = Path(sys.executable).parent
EDITOR_EMAIL = "editrice@mtmd.example.org"
#: Keys a load sets anew: when the copy was made, not what it holds.
TIMESTAMPS = {"metadata_created", "metadata_modified", "created", "last_modified"}
CSV_BYTES = ("date;site;passages\n" + "".join(f"2012-01-{d:02d};Berri;{100 + d * 7}\n" for d in range(1, 32))
             ).encode("utf-8")

#: Run by ``ouvert manage shell -c`` in the second instance: the publisher, its editor and the themes,
#: through the same services as the first instance's fixtures.
SETUP_SCRIPT = f"""
from ouvert.core import services as core
from ouvert.core.models import Membership
from ouvert.catalog import services as catalog
org = core.organisation_upsert(slug="mtmd", kind="public_body",
    name_fr="Ministère des Transports et de la Mobilité durable",
    name_en="Ministry of Transport and Sustainable Mobility", acronym="MTMD")
user = core.user_upsert(email="{EDITOR_EMAIL}", password="motdepasse-Tres-Solide-42", full_name="Éditrice MTMD")
core.membership_set(user=user, organisation=org, role=Membership.Role.EDITOR)
catalog.theme_upsert(actor=None, name="environnement", title_fr="Environnement", title_en="Environment")
catalog.theme_upsert(actor=None, name="transport", title_fr="Transport", title_en="Transportation")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args, *, env, cwd, timeout=60):
    completed = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, f"{args}\n{completed.stdout}\n{completed.stderr}"
    return completed


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ouvert serve stopped (code {process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"ouvert serve did not answer within {timeout} s:\n{log.read_text()}")


@pytest.fixture
def second_instance(tmp_path_factory):
    """A real ``ouvert serve`` on its own SQLite database; always stopped at the end."""
    folder = tmp_path_factory.mktemp("second-instance")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "HOME": str(folder), "LANG": "C.UTF-8",
        "OUVERT_ENV": "development", "OUVERT_DATA_DIR": str(folder / "data"),
        "DATABASE_URL": f"sqlite:///{folder / 'data' / 'ouvert.sqlite3'}",
        "OUVERT_BASE_URL": url, "LOG_LEVEL": "WARNING",
    }
    ouvert = str(BIN / "ouvert")
    _run([ouvert, "manage", "migrate", "--noinput", "-v", "0"], env=env, cwd=folder)
    log = folder / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([ouvert, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                                   cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        # While the server starts: the publisher, its editor, the themes, then the editor's token.
        _run([ouvert, "manage", "shell", "-c", SETUP_SCRIPT], env=env, cwd=folder)
        token = _run([ouvert, "token", "create", EDITOR_EMAIL, "--name", "chargement"], env=env,
                     cwd=folder).stdout.strip().splitlines()[-1]
        _wait_until_up(url, process, log)
        yield SimpleNamespace(url=url, token=token, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _ckanapi(*args, cwd):
    env = {"PATH": f"{BIN}:{os.environ.get('PATH', '')}", "HOME": str(cwd), "LANG": "C.UTF-8"}
    return _run([str(BIN / "ckanapi"), *args], env=env, cwd=cwd, timeout=120)


def _read_dump(path: Path) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMESTAMPS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {record["name"]: strip(record) for record in records}


def _comparable(package: dict) -> dict:
    package = {k: v for k, v in package.items() if k != "resources"}
    package["tags"] = [{k: v for k, v in t.items() if k != "id"} for t in package["tags"]]
    package["groups"] = [{k: v for k, v in g.items() if k != "id"} for g in package["groups"]]
    return package


def _without_host(resource: dict) -> dict:
    """An uploaded resource's address is its instance's: keep only the path."""
    if resource.get("url_type") != "upload":
        return resource
    return {**resource, "url": urlsplit(resource["url"]).path}


def test_dump_from_one_instance_load_into_another(live_server, settings, editor, theme_factory,
                                                   dataset_factory, second_instance, tmp_path):
    # Download addresses are built on OUVERT_BASE_URL: the first instance's is the live server.
    settings.OUVERT_BASE_URL = live_server.url
    theme_factory("environnement", title_fr="Environnement", title_en="Environment")
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    dataset_factory(name="qualite-air", title_fr="Qualité de l'air", title_en="Air quality",
                    notes_fr="Indice de la **qualité de l'air**, par station.",
                    notes_en="Air quality index, by station.",
                    tags=["air", "santé"], themes=["environnement"], licence="CC0-1.0", frequency="DAILY",
                    extras={"source": "Réseau de surveillance"}, extra_fields={"jurisdiction": "provincial"},
                    resources=[{"url": "https://example.org/iqa.csv", "format": "CSV", "name_fr": "IQA",
                                "name_en": "AQI"},
                               {"url": "https://example.org/stations.geojson", "format": "GeoJSON"}])
    velo = dataset_factory(name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
                           notes_fr="Passages quotidiens aux compteurs de vélos.", tags=["vélo", "mobilité"],
                           themes=["transport", "environnement"], version="2012",
                           resources=[{"url": "https://example.org/compteurs.json", "format": "JSON",
                                       "name_fr": "Compteurs"}])
    uploaded = services.resource_create(actor=editor, dataset=velo,
                                        data={"name_fr": "Comptages 2012", "name_en": "Counts 2012",
                                              "description_fr": "Un passage par ligne."},
                                        upload=ContentFile(CSV_BYTES, name="comptages_2012.csv"))
    token = core_services.token_create(user=editor)

    _ckanapi("dump", "datasets", "--all", "-O", "first.jsonl", "-p", "1", "-q", "-r", live_server.url,
             "-a", token, cwd=tmp_path)
    first = _read_dump(tmp_path / "first.jsonl")
    assert sorted(first) == ["comptages-velo", "qualite-air"]
    first_file = first["comptages-velo"]["resources"][1]
    assert first_file["url_type"] == "upload" and first_file["url"].startswith(live_server.url)
    assert first_file["size"] == len(CSV_BYTES) and first_file["hash"] == uploaded.sha256

    loaded = _ckanapi("load", "datasets", "-I", "first.jsonl", "--upload-resources", "-p", "1",
                      "-r", second_instance.url, "-a", second_instance.token, cwd=tmp_path)
    assert loaded.stderr.count(" create None ") == 2, loaded.stderr

    _ckanapi("dump", "datasets", "--all", "-O", "second.jsonl", "-p", "1", "-q", "-r", second_instance.url,
             cwd=tmp_path)
    second = _read_dump(tmp_path / "second.jsonl")
    assert sorted(second) == sorted(first)

    for name, before in first.items():
        after = second[name]
        # Everything but the resources is the same, apart from the ids of tags and groups: like
        # CKAN's, they are each instance's own (datasets name them; organisations' ids are stable).
        assert _comparable(after) == _comparable(before), name
        assert after["id"] == before["id"] and after["owner_org"] == before["owner_org"]
        assert after["num_resources"] == before["num_resources"] == len(before["resources"])
    assert second["qualite-air"]["resources"] == first["qualite-air"]["resources"]
    assert second["qualite-air"]["jurisdiction"] == "provincial"
    assert second["qualite-air"]["notes_translated"]["fr"] == "Indice de la **qualité de l'air**, par station."
    assert [t["name"] for t in second["comptages-velo"]["tags"]] == ["mobilité", "vélo"]
    assert second["comptages-velo"]["resources"][0] == first["comptages-velo"]["resources"][0]

    # The uploaded file: same resource, same size and SHA-256, ...
    second_file = second["comptages-velo"]["resources"][1]
    assert {k: v for k, v in second_file.items() if k not in ("url", "url_type")} == \
        {k: v for k, v in first_file.items() if k not in ("url", "url_type")}
    assert (second_file["size"], second_file["hash"]) == (len(CSV_BYTES), uploaded.sha256)
    # ... uploaded again and held by the second instance, at the same path on its own host.
    assert second_file["url_type"] == "upload"
    assert _without_host(second_file) == _without_host(first_file)
    assert second_file["url"].startswith(second_instance.url)
    with urllib.request.urlopen(second_file["url"], timeout=5) as answer:
        assert answer.read() == CSV_BYTES
