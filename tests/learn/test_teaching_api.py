"""``/api/v1/learn/…`` of the teaching part: paths, pages, search, and progress (token or session)."""

import pytest

from ouvert.core import services as core_services
from ouvert.learn.models import ReadingProgress

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("teaching_fresh")]


def test_paths_and_pages(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        body = client.get("/api/v1/learn/paths").json()
    assert [p["path"] for p in body["results"]] == ["decouvrir", "api"]
    assert body["results"][1]["pages"][0] == {
        "path": "api", "page": "api-ckan", "title": "L’API Action de CKAN : chercher et décrire des jeux",
        "summary": "package_search pour chercher dans le catalogue, package_show pour tout savoir d’un jeu de "
                   "données.", "order": 1, "level": "intermédiaire", "duration": 15,
        "glossary": ["api", "ckan", "json", "jeu-de-donnees", "ressource"], "url": "/fr/apprendre/api/api-ckan/"}
    english = client.get("/api/v1/learn/paths/api", {"lang": "en"}).json()
    assert english["title"] == "Using the APIs" and english["url"] == "/en/apprendre/api/"
    page = client.get("/api/v1/learn/paths/api/pages/magasin-de-donnees").json()
    assert page["previous"] == "api-ckan" and page["next"] == "dcat"
    assert [e["kind"] for e in page["examples"]] == ["curl", "python", "r", "curl", "python", "r"]


def test_unknown_and_bad_input(client):
    assert client.get("/api/v1/learn/paths/nope").status_code == 404
    response = client.get("/api/v1/learn/paths/api/pages/nope")
    assert response.status_code == 404 and "introuvable" in response.json()["detail"]
    response = client.get("/api/v1/learn/paths", {"lang": "de"})
    assert response.status_code == 400 and response.json()["detail"] == "Langue inconnue : fr ou en."


def test_search(client):
    body = client.get("/api/v1/learn/search", {"q": "séparateur point-virgule"}).json()
    assert body["count"] >= 1 and body["results"][0]["url"].startswith("/fr/apprendre/")
    assert "<mark>" in body["results"][0]["excerpt"]
    response = client.get("/api/v1/learn/search", {"q": "x" * 1000})
    assert response.status_code == 400 and "200 caractères" in response.json()["detail"]
    assert client.get("/api/v1/learn/search", {"q": "<script>"}).json() == {"count": 0, "results": []}
    assert client.get("/api/v1/learn/search", {"q": "csv", "limit": 0}).status_code == 400


def test_progress_with_a_token_and_a_session(client, make_user):
    user = make_user()
    assert client.get("/api/v1/learn/progress").status_code == 401
    assert client.post("/api/v1/learn/progress/api/dcat").status_code == 401
    token = core_services.token_create(user=user, name="test")
    headers = {"HTTP_AUTHORIZATION": token}
    response = client.post("/api/v1/learn/progress/api/dcat", **headers)
    assert response.status_code == 201 and response.json()["created"] is True
    response = client.post("/api/v1/learn/progress/api/dcat", **headers)  # idempotent
    assert response.status_code == 200 and response.json()["created"] is False
    assert ReadingProgress.objects.filter(user=user).count() == 1
    assert client.post("/api/v1/learn/progress/api/inconnue", **headers).status_code == 404
    assert client.post("/api/v1/learn/progress/inconnu/dcat", **headers).status_code == 404
    assert ReadingProgress.objects.filter(user=user).count() == 1
    body = client.get("/api/v1/learn/progress", **headers).json()
    api = next(p for p in body["results"] if p["path"] == "api")
    assert api == {"path": "api", "read": 1, "total": 5, "percent": 20, "pages": ["dcat"], "next": "api-ckan"}
    assert client.delete("/api/v1/learn/progress/api/dcat", **headers).status_code == 204
    assert not ReadingProgress.objects.exists()
    # A session works too (CSRF checked for writes by ninja's SessionAuth).
    client.force_login(user)
    assert client.get("/api/v1/learn/progress").json()["results"][0]["read"] == 0
