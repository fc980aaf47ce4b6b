"""Reuses through the APIs: ``/api/v1/catalog/reuses`` (list, show, submit with a token, moderate) and the
ckanext-showcase actions of the CKAN Action API, with package_show's ``num_reuses``."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from ouvert.catalog import services
from ouvert.catalog.models import Reuse
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db
API = "/api/v1/catalog/reuses"


@pytest.fixture
def citizen(make_user):
    return make_user(email="citoyen@example.org")


@pytest.fixture
def moderator(make_user):
    user = make_user(email="moderatrice@example.org")
    user.user_permissions.add(Permission.objects.get(codename="moderate_reuse", content_type__app_label="catalog"))
    return user


@pytest.fixture
def velo(dataset_factory):
    return dataset_factory(name="comptage-velos", title_fr="Comptage des vélos")


def post(client, url, body, token=None):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


BODY = {"kind": "visualisation", "title_fr": "Vélos et météo", "title_en": "Bikes and weather",
        "url": "https://exemple.org/velos-meteo", "datasets": ["comptage-velos"], "author_name": "Labo"}


def test_submit_show_moderate_list(client, velo, citizen, moderator, make_user):
    assert post(client, API, BODY).status_code == 401
    assert post(client, API, BODY, token="mauvais-jeton").status_code == 401
    token = core_services.token_create(user=citizen)
    bad = post(client, API, {**BODY, "url": "javascript:alert(1)"}, token)
    assert bad.status_code == 400 and "url" in bad.json()["errors"]
    bad = post(client, API, {**BODY, "datasets": ["inconnu"]}, token)
    assert bad.status_code == 400 and "inconnu" in bad.json()["detail"]
    assert client.post(API, "[1,", content_type="application/json", HTTP_AUTHORIZATION=token).status_code == 400
    assert not Reuse.objects.exists()

    created = post(client, API, BODY, token)
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "pending" and body["datasets"][0]["name"] == "comptage-velos"
    assert post(client, API, BODY, token).status_code == 400  # double submit

    name = body["name"]
    assert client.get(f"{API}/{name}").status_code == 404
    assert client.get(f"{API}/{name}", HTTP_AUTHORIZATION=token).json()["status"] == "pending"
    assert client.get(API).json()["count"] == 0

    other = core_services.token_create(user=make_user())
    assert post(client, f"{API}/{name}/moderate", {"decision": "publish"}, other).status_code == 403
    assert client.get(f"{API}/moderation", HTTP_AUTHORIZATION=other).status_code == 403
    mod = core_services.token_create(user=moderator)
    queue = client.get(f"{API}/moderation", HTTP_AUTHORIZATION=mod).json()
    assert queue["count"] == 1 and queue["results"][0]["submitted_by"] == citizen.email
    assert post(client, f"{API}/{name}/moderate", {"decision": "reject"}, mod).status_code == 400
    done = post(client, f"{API}/{name}/moderate", {"decision": "publish", "note": "Bien."}, mod)
    assert done.status_code == 200 and done.json()["status"] == "published"

    listed = client.get(API, {"kind": "visualisation", "dataset": "comptage-velos"}).json()
    assert listed["count"] == 1 and listed["results"][0]["title_en"] == "Bikes and weather"
    assert "submitted_by" not in listed["results"][0]
    assert client.get(API, {"kind": "article"}).json()["count"] == 0
    assert client.get(API, {"kind": "jeu"}).status_code == 400
    assert client.get(API, {"limit": -1}).status_code == 400
    assert client.get(f"{API}/{name}").json()["url"] == "https://exemple.org/velos-meteo"


def test_submit_multipart_with_image(client, velo, citizen, settings):
    token = core_services.token_create(user=citizen)
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 20, 200)).save(out, "WEBP")
    response = client.post(API, {"title_fr": "Carte", "url": "https://exemple.org/c", "datasets": "comptage-velos",
                                 "image": SimpleUploadedFile("c.webp", out.getvalue(), content_type="image/webp")},
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 201
    assert response.json()["image_url"].endswith(".webp") and "/thumbnails/" in response.json()["thumbnail_url"]
    settings.OUVERT_REUSE_IMAGE_MAX_BYTES = 100
    response = client.post(API, {"title_fr": "Carte 2", "url": "https://exemple.org/c2", "datasets": "comptage-velos",
                                 "image": SimpleUploadedFile("c.webp", out.getvalue(), content_type="image/webp")},
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and "volumineuse" in response.json()["detail"]
    assert Reuse.objects.count() == 1


def _ckan(client, action, **params):
    return client.get(f"/api/3/action/{action}", params)


def test_ckanext_showcase_actions(client, velo, citizen, moderator, dataset_factory):
    dataset_factory(name="meteo", title_fr="Météo")
    reuse = services.reuse_submit(actor=citizen, data={**BODY, "datasets": ["comptage-velos", "meteo"]})
    pending = _ckan(client, "ckanext_showcase_show", id=reuse.name)
    assert pending.status_code == 404 and pending.json()["success"] is False
    assert _ckan(client, "ckanext_showcase_list").json()["result"] == []
    services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")

    body = _ckan(client, "ckanext_showcase_list").json()
    assert body["success"] is True and body["help"].endswith("help_show?name=ckanext_showcase_list")
    showcase = body["result"][0]
    assert showcase["type"] == "showcase" and showcase["name"] == reuse.name and showcase["num_datasets"] == 2
    assert showcase["url"] == BODY["url"] and showcase["title"] == "Vélos et météo"
    assert _ckan(client, "ckanext_showcase_show", id=str(reuse.pk)).json()["result"]["id"] == str(reuse.pk)
    packages = _ckan(client, "ckanext_showcase_package_list", showcase_id=reuse.name).json()["result"]
    assert [p["name"] for p in packages] == ["comptage-velos", "meteo"]
    showcases = _ckan(client, "ckanext_package_showcase_list", package_id="comptage-velos").json()["result"]
    assert [s["name"] for s in showcases] == [reuse.name]
    assert _ckan(client, "ckanext_package_showcase_list", package_id="inconnu").status_code == 404
    assert _ckan(client, "ckanext_showcase_show").status_code == 409  # id missing: Validation Error
    assert _ckan(client, "package_show", id="comptage-velos").json()["result"]["num_reuses"] == 1


def test_lists_in_constant_queries(client, velo, citizen, moderator, django_assert_max_num_queries):
    def make(n):
        reuse = services.reuse_submit(actor=citizen, data={**BODY, "url": f"https://exemple.org/{n}"})
        services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")

    def count(url):
        calls = []
        with connection.execute_wrapper(lambda execute, *args: calls.append(1) or execute(*args)):
            assert client.get(url).status_code == 200
        return len(calls)

    make(0)
    urls = [API, "/api/3/action/ckanext_showcase_list", "/api/3/action/ckanext_package_showcase_list?package_id=comptage-velos"]
    few = {url: count(url) for url in urls}
    for n in range(1, 8):
        make(n)
    for url in urls:
        with django_assert_max_num_queries(few[url]):
            client.get(url)
