"""Core API at /api/v1/core/ and the API shell (OpenAPI, docs without a CDN, error shape)."""

import re

import pytest

from ouvert.core import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(make_org, make_user):
    frq = make_org(slug="frq", name_fr="Fonds de recherche du Québec", acronym="FRQ",
                   name_en="Quebec Research Funds")
    make_org(slug="frqnt", name_fr="FRQ — Nature et technologies", parent=frq)
    make_org(slug="laval", name_fr="Université Laval", kind="university")
    services.membership_set(user=make_user(email="resp@example.org", full_name="Rita Répondante"),
                            organisation=frq, role="editor", is_respondent=True)
    return frq


def test_organisations_list_and_kind_filter(client, orgs):
    data = client.get("/api/v1/core/organisations").json()
    assert {o["slug"] for o in data} == {"frq", "frqnt", "laval"}
    frqnt = next(o for o in data if o["slug"] == "frqnt")
    assert frqnt["parent"] == "frq"
    assert [o["slug"] for o in client.get("/api/v1/core/organisations?kind=university").json()] == ["laval"]
    bad = client.get("/api/v1/core/organisations?kind=planet")
    assert bad.status_code == 422


def test_organisation_detail_has_both_languages_and_respondents(client, orgs):
    data = client.get("/api/v1/core/organisations/frq").json()
    assert data["name_fr"] == "Fonds de recherche du Québec" and data["name_en"] == "Quebec Research Funds"
    assert data["respondents"] == [{"name": "Rita Répondante", "role": "editor", "is_respondent": True}]
    assert data["children"] == ["frqnt"]
    assert "resp@example.org" not in str(data)  # e-mail addresses are not published


def test_unknown_organisation_is_a_404_with_a_message(client, db):
    response = client.get("/api/v1/core/organisations/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_me_requires_authentication(client, db):
    response = client.get("/api/v1/core/me")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_me_with_token_in_authorization_header(client, orgs):
    person = services.user_get_by_email(email="resp@example.org")
    raw = services.token_create(user=person)
    for header in (raw, f"Bearer {raw}"):
        data = client.get("/api/v1/core/me", HTTP_AUTHORIZATION=header).json()
        assert data["email"] == "resp@example.org"
        assert data["memberships"] == [{"organisation": "frq", "organisation_name_fr": "Fonds de recherche du Québec",
                                        "role": "editor", "is_respondent": True}]
    assert client.get("/api/v1/core/me", HTTP_AUTHORIZATION="ouv_forged").status_code == 401
    services.token_revoke(user=person, prefix=raw[:8])
    assert client.get("/api/v1/core/me", HTTP_AUTHORIZATION=raw).status_code == 401


def test_me_with_session(client, make_user):
    person = make_user(email="session@example.org")
    client.force_login(person)
    assert client.get("/api/v1/core/me").json()["email"] == "session@example.org"


def test_notifications_list_and_mark_read(client, make_user):
    person, other = make_user(), make_user()
    first = services.notify(recipients=[person], subject="Premier", email=False)[0]
    services.notify(recipients=[person], subject="Second", email=False)
    services.notify(recipients=[other], subject="Pas à vous", email=False)
    auth = {"HTTP_AUTHORIZATION": services.token_create(user=person)}

    data = client.get("/api/v1/core/notifications", **auth).json()
    assert [n["subject"] for n in data] == ["Second", "Premier"]
    read = client.post("/api/v1/core/notifications/read", {"id": first.pk}, content_type="application/json", **auth)
    assert read.json() == {"marked": 1}
    assert [n["subject"] for n in client.get("/api/v1/core/notifications?unread=true", **auth).json()] == ["Second"]
    assert client.post("/api/v1/core/notifications/read", content_type="application/json",
                       **auth).json() == {"marked": 1}
    assert client.get("/api/v1/core/me", **auth).json()["unread_notifications"] == 0
    assert services.notification_list(user=other, unread_only=True).count() == 1


def test_mark_read_of_someone_elses_notification_is_404(client, make_user):
    person, other = make_user(), make_user()
    theirs = services.notify(recipients=[other], subject="x", email=False)[0]
    response = client.post("/api/v1/core/notifications/read", {"id": theirs.pk}, content_type="application/json",
                           HTTP_AUTHORIZATION=services.token_create(user=person))
    assert response.status_code == 404
    assert services.notification_list(user=other, unread_only=True).count() == 1


def test_mark_read_with_wrong_types_is_a_4xx(client, make_user):
    response = client.post("/api/v1/core/notifications/read", {"id": "abc"}, content_type="application/json",
                           HTTP_AUTHORIZATION=services.token_create(user=make_user()))
    assert response.status_code == 422


def test_session_writes_need_the_csrf_token(make_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user())
    response = csrf_client.post("/api/v1/core/notifications/read", content_type="application/json")
    assert response.status_code in (401, 403)


def test_openapi_lists_core_routes(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for route in ("/api/v1/core/organisations", "/api/v1/core/organisations/{slug}", "/api/v1/core/me",
                  "/api/v1/core/notifications", "/api/v1/core/notifications/read"):
        assert route in schema["paths"]


def test_docs_page_loads_its_assets_locally(client, db):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in html.lower()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 1000, asset


def test_unreadable_body_is_a_400_in_french(client, make_user):
    person = make_user()
    services.notify(recipients=[person], subject="Reste non lue", email=False)
    response = client.post("/api/v1/core/notifications/read", "{pas du json", content_type="application/json",
                           HTTP_AUTHORIZATION=services.token_create(user=person))
    assert response.status_code == 400
    assert response.json() == {"detail": "Corps de la requête illisible : envoyez un objet JSON valide."}
    assert services.notification_list(user=person, unread_only=True).count() == 1
