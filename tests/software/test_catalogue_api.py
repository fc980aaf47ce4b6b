"""``/api/v1/software/catalogue…``: list with filters and facets, detail, create and update (team, token),
status (admins), errors."""

import json

import pytest

from ouvert.core import services as core_services
from ouvert.software import services
from ouvert.software.models import Software

pytestmark = pytest.mark.django_db

BASE = "/api/v1/software/catalogue"


def headers(user) -> dict:
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user, name="tests")}


def post(client, url, data, user=None, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json",
                                   **(headers(user) if user else {}))


def test_create_update_and_read(client, team):
    response = post(client, BASE, {"name": "QGIS", "licence": "GPL-2.0-or-later", "categories": ["office"],
                                   "release_date": "2024-10-25", "wikidata_id": "Q1329181"}, team)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "qgis" and body["release_date"] == "2024-10-25" and body["status_history"] == []
    response = post(client, f"{BASE}/qgis", {"latest_version": "3.40", "categories": []}, team, method="patch")
    assert response.status_code == 200 and response.json()["latest_version"] == "3.40"
    assert response.json()["licence"] == "GPL-2.0-or-later" and response.json()["categories"] == []
    listing = client.get(BASE, {"q": "qgis"}).json()
    assert listing["count"] == 1 and listing["results"][0]["slug"] == "qgis"
    assert client.get(f"{BASE}/absent").status_code == 404


def test_errors(client, team, stranger):
    assert post(client, BASE, {"name": "X", "licence": "MIT"}).status_code == 401
    response = post(client, BASE, {"name": "X", "licence": "MIT"}, stranger)
    assert response.status_code == 403 and "équipe du logiciel libre" in response.json()["detail"]
    response = post(client, BASE, {"name": "", "licence": "GPL-9", "wikidata_id": "Q0"}, team)
    assert response.status_code == 400
    assert {"name", "licence", "wikidata_id"} <= set(response.json()["errors"])
    assert post(client, BASE, {"name": "X", "licence": "MIT", "owner": "moi"}, team).status_code == 400
    assert client.get(BASE, {"category": "nope"}).status_code == 400
    assert client.get(BASE, {"per_page": "1000"}).status_code == 400
    assert not Software.objects.exists()


def test_status_by_admins(client, team, platform_admin):
    services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later", "latest_version": "4.5"})
    assert post(client, f"{BASE}/moodle/status", {"status": "recommended"}, team).status_code == 403
    response = post(client, f"{BASE}/moodle/status", {"status": "recommended"}, platform_admin)
    assert response.status_code == 200 and response.json()["last_recommended_version"] == "4.5"
    response = post(client, f"{BASE}/moodle/status", {"status": "recommended"}, platform_admin)
    assert response.status_code == 400
    response = post(client, f"{BASE}/moodle/status", {"status": "withdrawn", "reason": "Fin du soutien."},
                    platform_admin)
    history = response.json()["status_history"]
    assert [h["after"] for h in history] == ["withdrawn", "recommended"]
    listing = client.get(BASE, {"status": "withdrawn"}).json()
    assert [r["slug"] for r in listing["results"]] == ["moodle"]
    assert {f["value"] for f in listing["facets"]["status"]} == {"withdrawn"}


def test_list_constant_queries(client, team, django_assert_max_num_queries):
    for n in range(3):
        services.software_save(actor=team, data={"name": f"Outil {n}", "licence": "MIT OR Apache-2.0"})
    with django_assert_max_num_queries(30) as first:
        assert client.get(BASE, {"q": "outil"}).json()["count"] == 3
    for n in range(3, 20):
        services.software_save(actor=team, data={"name": f"Outil {n}", "licence": "MIT"})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(BASE, {"q": "outil"}).json()["count"] == 20
