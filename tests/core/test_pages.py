"""Core pages: home, organisations, notifications, API tokens."""

import re

import pytest

from ouvert.core import registry, services
from ouvert.core.models import ApiToken

pytestmark = pytest.mark.django_db


def test_root_redirects_by_browser_language(client):
    assert client.get("/").headers["Location"] == "/fr/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-CA,en;q=0.9").headers["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de").headers["Location"] == "/fr/"


def test_home_in_both_languages_links_to_registered_modules(client):
    french = client.get("/fr/")
    assert french.status_code == 200
    html = french.content.decode()
    assert '<html lang="fr-CA">' in html
    assert "Suivi du plan d'action" in html
    for link in registry.menu_links():
        from django.urls import NoReverseMatch, reverse

        try:
            assert f'href="{reverse(link.url_name)}"' in html
        except NoReverseMatch:
            pass
    english = client.get("/en/")
    assert english.status_code == 200 and '<html lang="en-CA">' in english.content.decode()


def test_organisations_page_filters_by_kind(client, make_org):
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor", acronym="SCT")
    make_org(slug="laval", name_fr="Université Laval", kind="university")
    html = client.get("/fr/organisations/").content.decode()
    assert "Secrétariat du Conseil du trésor" in html and "Université Laval" in html
    html = client.get("/fr/organisations/?kind=university").content.decode()
    assert "Université Laval" in html and "Secrétariat du Conseil du trésor" not in html
    # An unknown kind is ignored rather than an error.
    assert client.get("/fr/organisations/?kind=planet").status_code == 200


def test_organisation_page_shows_members_and_respondents(client, make_org, make_user):
    org = make_org(slug="banq", name_fr="Bibliothèque et Archives nationales du Québec", acronym="BAnQ",
                   name_en="National Library and Archives of Quebec")
    services.membership_set(user=make_user(full_name="Rémi Répondant"), organisation=org, is_respondent=True)
    services.membership_set(user=make_user(full_name="Mia Membre"), organisation=org, role="editor")
    html = client.get("/fr/organisations/banq/").content.decode()
    assert "Bibliothèque et Archives nationales du Québec" in html
    assert "Rémi Répondant" in html and "Mia Membre" in html
    assert "National Library and Archives of Quebec" in client.get("/en/organisations/banq/").content.decode()
    assert client.get("/fr/organisations/inconnue/").status_code == 404


def test_notifications_page_requires_login_and_marks_read(client, make_user):
    assert client.get("/fr/notifications/").status_code == 302
    person = make_user()
    first, second = (services.notify(recipients=[person], subject=s, email=False)[0] for s in ("Un", "Deux"))
    client.force_login(person)
    html = client.get("/fr/notifications/").content.decode()
    assert "Un" in html and "Deux" in html
    client.post("/fr/notifications/", {"id": first.pk})
    assert list(services.notification_list(user=person, unread_only=True)) == [second]
    response = client.post("/fr/notifications/", {"id": "pas-un-nombre"})
    assert response.status_code == 302
    client.post("/fr/notifications/", {})
    assert services.notification_list(user=person, unread_only=True).count() == 0


def test_tokens_page_creates_shows_once_and_revokes(client, make_user):
    assert client.get("/fr/profil/jetons/").status_code == 302
    person = make_user()
    client.force_login(person)
    html = client.post("/fr/profil/jetons/", {"action": "create", "name": "mon script"}).content.decode()
    raw = re.search(r'id="new-token">(ouv_[^<]+)<', html).group(1)
    assert services.token_authenticate(raw) == person
    listing = client.get("/fr/profil/jetons/").content.decode()
    assert "mon script" in listing and raw not in listing  # shown once only
    token = ApiToken.objects.get(user=person)
    other = make_user()
    other_token = services.token_create(user=other)
    # Someone else's token id cannot be revoked from this account.
    client.post("/fr/profil/jetons/", {"action": "revoke", "id": ApiToken.objects.get(user=other).pk})
    assert services.token_authenticate(other_token) == other
    client.post("/fr/profil/jetons/", {"action": "revoke", "id": token.pk})
    assert services.token_authenticate(raw) is None
    assert client.post("/fr/profil/jetons/", {"action": "revoke", "id": "x"}).status_code == 302
    assert client.post("/fr/profil/jetons/", {"action": "explode"}).status_code == 400


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
