"""The grids' API with tokens: the whole cycle (create, criteria, candidates, scores, matrix as JSON, copy,
exports, delete), permissions, bad input and the list's query count."""

import csv
import io
import json

import pytest

from ouvert.core import services as core_services
from ouvert.software import services
from ouvert.software.models import Grid

pytestmark = pytest.mark.django_db
BASE = "/api/v1/software"


def _auth(user):
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user)}


def _post(client, url, data, auth, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json", **auth)


def test_whole_cycle(client, body_member, city_member, software_factory):
    software_factory(name="LibreOffice", slug="libreoffice", licence="MPL-2.0")
    me = _auth(body_member)
    response = _post(client, f"{BASE}/grids", {"organisation": "mcn", "title": "Bureautique", "scale_max": 5}, me)
    assert response.status_code == 201
    grid_id = response.json()["id"]
    cost = _post(client, f"{BASE}/grids/{grid_id}/criteria", {"name": "Coût", "weight": 3}, me).json()
    formats = _post(client, f"{BASE}/grids/{grid_id}/criteria", {"name": "Formats", "weight": "1"}, me).json()
    libre = _post(client, f"{BASE}/grids/{grid_id}/candidates", {"software": "libreoffice"}, me).json()
    m365 = _post(client, f"{BASE}/grids/{grid_id}/candidates", {"name": "Microsoft 365", "is_free": False}, me).json()
    assert (libre["name"], libre["licence"], libre["software"]) == ("LibreOffice", "MPL-2.0", "libreoffice")
    response = _post(client, f"{BASE}/grids/{grid_id}/scores", {"scores": [
        {"candidate": libre["id"], "criterion": cost["id"], "value": 4},
        {"candidate": libre["id"], "criterion": formats["id"], "value": 5, "evidence_url": "https://example.org"},
        {"candidate": m365["id"], "criterion": cost["id"], "value": 2.5}]}, me, method="put")
    assert response.status_code == 200
    matrix = response.json()
    assert matrix["ranking"] == [{"rank": 1, "id": libre["id"], "name": "LibreOffice", "percent": 85.0},
                                 {"rank": 2, "id": m365["id"], "name": "Microsoft 365", "percent": 37.5}]
    assert matrix["candidates"][1]["missing"] == 1
    # a weight change reorders
    _post(client, f"{BASE}/grids/{grid_id}/criteria/{cost['id']}", {"weight": 0.5}, me, method="patch")
    detail = client.get(f"{BASE}/grids/{grid_id}", **me).json()
    assert detail["can_edit"] is True and detail["criteria"][0]["weight"] == 0.5
    assert [r["percent"] for r in detail["ranking"]] == [93.3, 16.7]  # (2+5)/7.5 ; 1.25/7.5
    # shared, then copied by another body
    _post(client, f"{BASE}/grids/{grid_id}", {"visibility": "public", "is_template": True}, me, method="patch")
    other = _auth(city_member)
    response = _post(client, f"{BASE}/grids/{grid_id}/copy", {"organisation": "ville-montreal",
                                                              "with_candidates": True}, other)
    assert response.status_code == 201 and response.json()["copied_from"] == grid_id
    copy = client.get(f"{BASE}/grids/{response.json()['id']}", **other).json()
    assert [c["name"] for c in copy["candidates"]] == ["LibreOffice", "Microsoft 365"]
    assert all(s["value"] is None for c in copy["candidates"] for s in c["scores"])
    lists = client.get(f"{BASE}/grids", **other).json()
    assert [g["title"] for g in lists["templates"]] == ["Bureautique"]
    assert [g["title"] for g in lists["mine"]] == ["Bureautique (copie)"]
    # exports
    response = client.get(f"{BASE}/grids/{grid_id}/export?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["Critère", "Poids", "LibreOffice", "Microsoft 365"]
    assert client.get(f"{BASE}/grids/{grid_id}/export?format=ods").status_code == 400
    assert client.get(f"{BASE}/grids/{grid_id}/export?format=xlsx").content[:2] == b"PK"
    # deletes
    assert client.delete(f"{BASE}/grids/{grid_id}/candidates/{m365['id']}", **me).status_code == 204
    assert client.delete(f"{BASE}/grids/{grid_id}", **other).status_code == 403
    assert client.delete(f"{BASE}/grids/{grid_id}", **me).status_code == 204
    assert Grid.objects.count() == 1


def test_errors(client, body_member, city_member, stranger, mcn):
    me = _auth(body_member)
    assert _post(client, f"{BASE}/grids", {"title": "x"}, {}).status_code == 401
    assert _post(client, f"{BASE}/grids", {"organisation": "inconnu", "title": "x"}, me).status_code == 404
    assert _post(client, f"{BASE}/grids", {"organisation": "ville-montreal", "title": "x"}, me).status_code == 403
    response = _post(client, f"{BASE}/grids", {"organisation": "mcn", "title": "", "scale_max": 0}, me)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"title", "scale_max"}
    grid = services.grid_create(actor=body_member, organisation=mcn, data={"title": "Privée"})
    assert client.get(f"{BASE}/grids/{grid.pk}").status_code == 404
    assert client.get(f"{BASE}/grids/{grid.pk}", **_auth(stranger)).status_code == 404
    response = _post(client, f"{BASE}/grids/{grid.pk}/criteria", {"name": "x", "weight": "NaN"}, me)
    assert response.status_code == 400 and "weight" in response.json()["errors"]
    assert _post(client, f"{BASE}/grids/{grid.pk}/scores", {"scores": "nope"}, me, method="put").status_code == 400
    assert _post(client, f"{BASE}/grids/{grid.pk}/scores", {"scores": [{"candidate": "a", "criterion": 1}]}, me,
                 method="put").status_code == 400
    response = client.post(f"{BASE}/grids/{grid.pk}/criteria", data="[1, 2", content_type="application/json", **me)
    assert response.status_code == 400


def test_list_query_count(client, city_member, montreal, django_assert_max_num_queries):
    for n in range(3):
        services.grid_create(actor=city_member, organisation=montreal, data={"title": f"G{n}", "visibility": "public"})
    with django_assert_max_num_queries(6) as first:
        client.get(f"{BASE}/grids")
    for n in range(8):
        services.grid_create(actor=city_member, organisation=montreal, data={"title": f"H{n}", "visibility": "public"})
    with django_assert_max_num_queries(len(first.captured_queries)):
        data = client.get(f"{BASE}/grids").json()
    assert len(data["shared"]) == 11
