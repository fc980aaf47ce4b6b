"""Accounts with allauth: sign-up with mandatory verification, login, logout, password reset,
rate limits, our layout on allauth pages, OpenID Connect from the environment."""

import re

import pytest
from django.core import mail

from ouvert.core.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Un-mot-de-passe-solide-2021"


def _link(message, fragment):
    return re.search(rf"https?://[^/\s]+(/\S*{fragment}\S*)", message.body).group(1)


def test_signup_requires_email_verification_before_login(client):
    response = client.post("/fr/compte/signup/", {"email": "nouvelle@example.org", "password1": PASSWORD,
                                                  "password2": PASSWORD})
    assert response.status_code == 302
    assert User.objects.filter(email="nouvelle@example.org").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nouvelle@example.org"]
    assert "_auth_user_id" not in client.session  # not signed in until verified

    # Signing in before verifying only resends the verification.
    client.post("/fr/compte/login/", {"login": "nouvelle@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    confirm_url = _link(mail.outbox[0], "confirm-email")
    assert client.get(confirm_url).status_code == 200
    client.post(confirm_url)
    response = client.post("/fr/compte/login/", {"login": "nouvelle@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="nouvelle@example.org").pk

    client.post("/fr/compte/logout/")
    assert "_auth_user_id" not in client.session


def test_signup_errors_are_linked_to_their_fields(client):
    response = client.post("/fr/compte/signup/", {"email": "pas-une-adresse", "password1": "a",
                                                  "password2": "b"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    described = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    error_id = re.search(r'aria-describedby="([^"]*)"', described).group(1).split()[-1]
    assert f'id="{error_id}"' in html
    assert not User.objects.exists()


def test_password_reset_sends_a_link_that_works(client, make_user):
    make_user(email="oubli@example.org")
    client.post("/fr/compte/password/reset/", {"email": "oubli@example.org"})
    assert len(mail.outbox) == 1
    reset_url = _link(mail.outbox[0], "password/reset/key")
    form_url = client.get(reset_url).headers.get("Location", reset_url)
    new_password = "Encore-un-mot-de-passe-99"
    client.post(form_url, {"password1": new_password, "password2": new_password})
    assert User.objects.get(email="oubli@example.org").check_password(new_password)


def test_failed_logins_are_refused_then_answered_with_429(client, make_user):
    """ACCOUNT_RATE_LIMITS: after 5 failures on one address (login_failed, per key) even the right
    password is refused with a form error; past 30 attempts a minute from one IP (login) the
    answer is HTTP 429."""
    from django.conf import settings

    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"
    make_user(email="cible@example.org")
    statuses = []
    for _attempt in range(40):
        response = client.post("/fr/compte/login/", {"login": "cible@example.org", "password": "mauvais"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[0] == 200  # the form with its error
    assert statuses[-1] == 429, statuses
    assert 5 < len(statuses) <= 31
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_refused_after_too_many_failures_on_that_address(client, make_user):
    make_user(email="cible@example.org")
    for _attempt in range(5):
        client.post("/fr/compte/login/", {"login": "cible@example.org", "password": "mauvais"})
    response = client.post("/fr/compte/login/", {"login": "cible@example.org",
                                                  "password": "motdepasse-Tres-Solide-42"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()
    # Another address from the same IP still signs in.
    make_user(email="autre@example.org")
    client.post("/fr/compte/login/", {"login": "autre@example.org", "password": "motdepasse-Tres-Solide-42"})
    assert "_auth_user_id" in client.session


def test_signups_are_rate_limited_per_ip(client):
    statuses = []
    for n in range(25):
        response = client.post("/fr/compte/signup/", {"email": f"p{n}@example.org", "password1": PASSWORD,
                                                      "password2": PASSWORD})
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429 and len(statuses) > 1


@pytest.mark.parametrize("url", ["/fr/compte/login/", "/fr/compte/signup/", "/fr/compte/password/reset/",
                                 "/en/compte/login/"])
def test_allauth_pages_use_our_layout(client, url):
    html = client.get(url).content.decode()
    assert 'class="skip-link"' in html and 'id="contenu"' in html
    assert "<h1>" in html
    for input_id in re.findall(r'<input[^>]*type="(?:email|password|text)"[^>]*id="([^"]+)"', html):
        assert f'<label for="{input_id}"' in html


def test_account_management_pages_for_signed_in_people(client, make_user):
    client.force_login(make_user())
    for url in ("/fr/compte/email/", "/fr/compte/password/change/"):
        html = client.get(url).content.decode()
        assert 'class="account-nav"' in html and "/fr/profil/jetons/" in html
