"""Real CKAN answers (``tests/catalog/data/ckan/``, copied from ``../shared/corpus/ckan/``) go in through
``package_create`` and come back out of ``package_show`` with the same content.

Sources: 127 ``package_show`` answers of open.canada.ca (ckanext-scheming/fluent, Canadian Space
Agency), four packages of an open.canada.ca ``ckanapi`` dump (Statistics Canada) and one
``package_show`` of demo.ckan.org. What may differ, and why:

- what the server sets when it stores a package: ``metadata_created``, ``metadata_modified``,
  ``revision_id``, ``creator_user_id``, resources' ``created``/``last_modified``;
- the publisher: the source's ``owner_org`` UUID is not Ouvert's; Ouvert then takes the
  ``organization`` dict's ``name`` (created beforehand). A package with no organisation at all
  (demo.ckan.org's) is given one. ``organization``/``owner_org`` then describe Ouvert's organisation;
- the licence: CKAN's historical ids map to the registry's (``ca-ogl-lgo`` → ``OGL-Canada-2.0``),
  whose title, address and openness are Ouvert's;
- CKAN's ``null`` for an empty text is Ouvert's ``""``; texts lose surrounding whitespace;
- the language of plain ``title``/``notes``/resource ``name``: French first on Ouvert, English on
  open.canada.ca; both languages come back under ``*_translated`` and are compared there;
- tags are compared by name (their ids are Ouvert's);
- a resource uploaded to the source CKAN (``url_type: upload``) arrives as a link to the source's
  download address, no file being fetched, so its ``url_type`` is empty (its declared ``size`` and
  ``hash`` are kept); ``datastore_active`` is Ouvert's own; a resource without a
  ``mimetype`` gets the one its format implies.
"""

import json
from pathlib import Path

import pytest

from ouvert.catalog.ckan_dict import LICENCE_ALIASES
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "ckan"
SERVER_SET = {"metadata_created", "metadata_modified", "revision_id", "creator_user_id", "created",
              "last_modified"}
OURS = {"organization", "owner_org", "license_title", "license_url", "isopen"}


def _empty(value):
    return value is None or value == ""


def differences(source: dict, shown: dict, path: str = "") -> list[str]:
    """What ``shown`` (package_show) says differently from ``source`` (the real CKAN answer)."""
    found = []
    for key, value in source.items():
        where = f"{path}{key}"
        if key in SERVER_SET or (not path and key in OURS):
            continue
        if key in ("title", "notes", "name", "description") and f"{key}_translated" in source:
            continue  # compared through *_translated
        other = shown.get(key)
        if path and key == "url_type" and value == "upload" and other is None:
            continue  # a file of the source CKAN: here a link to its download address
        if path and key == "datastore_active":
            continue  # whether Ouvert's own datastore holds the rows: Ouvert's to say
        if path and key == "mimetype" and _empty(value):
            continue  # none given: Ouvert derives it from the format
        if key == "license_id":
            if other != LICENCE_ALIASES.get(value, value):
                found.append(f"{where}: {value!r} → {other!r}")
        elif key == "tags":
            if sorted(t["name"] for t in value) != sorted(t["name"] for t in other or []):
                found.append(f"{where}: {value!r} → {other!r}")
        elif key == "resources":
            if len(value) != len(other or []):
                found.append(f"{where}: {len(value)} → {len(other or [])} resources")
            else:
                for n, (a, b) in enumerate(zip(value, other, strict=True)):
                    found += differences(a, b, f"{where}[{n}].")
        elif _empty(value) and _empty(other):
            continue
        elif isinstance(value, str) and isinstance(other, str):
            if value.strip() != other.strip():
                found.append(f"{where}: {value[:60]!r} → {other[:60]!r}")
        elif isinstance(value, dict) and isinstance(other, dict) and key.endswith("_translated"):
            for lang, text in value.items():
                if (text or "").strip() != (other.get(lang) or "").strip():
                    found.append(f"{where}.{lang}: {text[:60]!r} → {(other.get(lang) or '')[:60]!r}")
        elif value != other:
            found.append(f"{where}: {str(value)[:60]!r} → {str(other)[:60]!r}")
    return found


@pytest.fixture
def loader(client, admin_user, make_org):
    token = core_services.token_create(user=admin_user)

    def load(package: dict, org_slug: str, org_name: str) -> dict:
        from ouvert.core.models import Organisation

        if not Organisation.objects.filter(slug=org_slug).exists():
            make_org(slug=org_slug, name_fr=org_name)
        if not package.get("owner_org") and not package.get("organization"):
            package = dict(package, owner_org=org_slug)
        created = client.post("/api/3/action/package_create", json.dumps(package), content_type="application/json",
                              HTTP_AUTHORIZATION=token)
        assert created.status_code == 200, (package.get("name"), created.json())
        shown = client.get("/api/3/action/package_show", {"id": package["id"]})
        assert shown.status_code == 200
        return shown.json()["result"]

    load.client, load.token = client, token
    return load


def test_open_canada_package_show_answers_come_back_the_same(loader):
    answers = json.loads((DATA / "open_canada_package_show_responses_x127.json").read_text(encoding="utf-8"))
    assert len(answers) == 127
    for answer in answers:
        source = answer["result"]
        shown = loader(source, "csa-asc", "Agence spatiale canadienne")
        assert differences(source, shown) == [], source["name"]
        assert shown["organization"]["name"] == "csa-asc" and shown["type"] == source["type"]
    # Loading an id again is refused (it is package_update's job), as CKAN does.
    status = loader.client.post("/api/3/action/package_create", json.dumps(answers[0]["result"]),
                                content_type="application/json", HTTP_AUTHORIZATION=loader.token)
    assert status.status_code == 409 and "id" in status.json()["error"]


def test_open_canada_single_answer_comes_back_the_same(loader):
    single = json.loads((DATA / "open_canada_package_show_single_dataset.json").read_text(encoding="utf-8"))
    shown = loader(single["result"], "csa-asc", "Agence spatiale canadienne")
    assert differences(single["result"], shown) == []
    assert shown["title_translated"]["en"] == "WINDII Data Archive" and shown["num_resources"] == 3


def test_open_canada_ckanapi_dump_lines_come_back_the_same(loader):
    lines = (DATA / "open_canada_obd_sample_2.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    for line in lines:
        source = json.loads(line)
        shown = loader(source, "statcan", "Statistique Canada")
        assert differences(source, shown) == [], source["name"]
        assert shown["type"] == "doc" and shown["num_resources"] == len(source["resources"])


def test_demo_ckan_org_package_comes_back_the_same(loader):
    source = json.loads((DATA / "demo_ckan_org_package_show_62513382.json").read_text(encoding="utf-8"))["result"]
    shown = loader(source, "demo-ckan", "Organisation de démonstration")
    assert differences(source, shown) == []
    assert shown["title"] == "100 Validated Species of Plants"


def test_demo_ckan_org_package_search_answer_keys_are_ours(client):
    """Every top-level key of a real ``package_search`` answer is in ours (an empty catalogue)."""
    real = json.loads((DATA / "demo_ckan_org_package_search.json").read_text(encoding="utf-8"))
    ours = client.get("/api/3/action/package_search", {"facet.field": '["tags", "organization"]'}).json()
    assert set(real) == set(ours)
    assert set(real["result"]) <= set(ours["result"])
