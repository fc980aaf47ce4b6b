"""The accompaniment API with tokens: both sides of a request's life, refusals, documents (content, size,
rights) and the queue's query count."""

import json
from urllib.parse import urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.core import services as core_services
from ouvert.software import services
from ouvert.software.models import AccompanimentEvent

pytestmark = pytest.mark.django_db
BASE = "/api/v1/software/accompaniments"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _auth(user):
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user)}


def _post(client, url, data, auth):
    return client.post(url, data=json.dumps(data), content_type="application/json", **auth)


def test_both_sides(client, body_member, team, city_member):
    body, staff = _auth(body_member), _auth(team)
    response = _post(client, BASE, {"organisation": "mcn", "title": "Adopter Nextcloud", "need": "Partager",
                                    "wished_start": "2026-02-01"}, body)
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert response.json()["status"] == "submitted" and reference.startswith("ACC-")
    assert [r["reference"] for r in client.get(f"{BASE}/mine", **body).json()["results"]] == [reference]
    assert client.get(BASE, **body).status_code == 403
    queue = client.get(f"{BASE}?status=submitted", **staff).json()
    assert [r["reference"] for r in queue["results"]] == [reference] and queue["counts"]["submitted"] == 1
    assert client.get(f"{BASE}?status=zzz", **staff).status_code == 400
    detail = client.get(f"{BASE}/{reference}", **staff).json()
    assert detail["allowed_moves"] == ["accepted", "declined"]
    response = _post(client, f"{BASE}/{reference}/status", {"status": "completed"}, staff)
    assert response.status_code == 400 and "status" in response.json()["errors"]
    assert _post(client, f"{BASE}/{reference}/status", {"status": "accepted"}, body).status_code == 403
    assert _post(client, f"{BASE}/{reference}/status", {"status": "accepted"}, staff).json()["status"] == "accepted"
    assert _post(client, f"{BASE}/{reference}/notes", {"text": "interne", "internal": True}, staff).status_code == 201
    assert _post(client, f"{BASE}/{reference}/notes", {"text": "partagée"}, staff).status_code == 201
    assert _post(client, f"{BASE}/{reference}/notes", {"text": "x", "internal": True}, body).status_code == 403
    events = client.get(f"{BASE}/{reference}", **body).json()["events"]
    assert [e["text"] for e in events if e["kind"] == "note"] == ["partagée"]
    assert client.get(f"{BASE}/{reference}", **body).json()["allowed_moves"] == []
    response = _post(client, f"{BASE}/{reference}/status", {"status": "declined", "reason": ""}, staff)
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = _post(client, f"{BASE}/{reference}/status", {"status": "declined", "reason": "Hors mandat"}, staff)
    assert response.json()["decline_reason"] == "Hors mandat"
    assert client.get(f"{BASE}/{reference}", **_auth(city_member)).status_code == 404
    assert client.get(f"{BASE}/mine").status_code == 401


def test_bad_requests(client, body_member, stranger):
    body = _auth(body_member)
    response = _post(client, BASE, {"organisation": "mcn", "title": "", "need": "", "wished_end": "hier"}, body)
    assert response.status_code == 400 and {"title", "need", "wished_end"} <= set(response.json()["errors"])
    assert _post(client, BASE, {"organisation": "mcn", "title": "x", "need": "y"}, _auth(stranger)).status_code == 403
    assert _post(client, BASE, {"organisation": "nulle-part", "title": "x", "need": "y"}, body).status_code == 404
    assert client.post(BASE, data="{", content_type="application/json", **body).status_code == 400


def test_documents(client, body_member, team, mcn, city_member, settings):
    req = services.accompaniment_request(actor=body_member, organisation=mcn, data={"title": "x", "need": "y"})
    body = _auth(body_member)
    url = f"{BASE}/{req.reference}/documents"
    response = client.post(url, {"file": SimpleUploadedFile("rapport.pdf", PDF), "text": "Le rapport"}, **body)
    assert response.status_code == 201
    download = response.json()["download_url"]
    assert download.endswith(f"/documents/{response.json()['id']}")
    path = urlparse(download).path
    response = client.get(path, **body)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client.get(path, **_auth(city_member)).status_code == 404
    response = client.post(url, {"file": SimpleUploadedFile("faux.docx", b"pas un docx")}, **body)
    assert response.status_code == 400 and "file" in response.json()["errors"]
    settings.OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES = 40
    response = client.post(url, {"file": SimpleUploadedFile("gros.pdf", PDF)}, **body)
    assert response.status_code == 413 and "taille maximale" in response.json()["detail"]
    response = client.post(url, {"file": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n"), "internal": "true"},
                           **body)
    assert response.status_code == 403
    assert AccompanimentEvent.objects.filter(kind="document").count() == 1


def test_queue_query_count(client, team, body_member, mcn, django_assert_max_num_queries):
    staff = _auth(team)
    for _n in range(2):
        services.accompaniment_request(actor=body_member, organisation=mcn, data={"title": "x", "need": "y"})
    with django_assert_max_num_queries(20) as first:
        client.get(BASE, **staff)
    for _n in range(6):
        services.accompaniment_request(actor=body_member, organisation=mcn, data={"title": "x", "need": "y"})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert len(client.get(BASE, **staff).json()["results"]) == 8
