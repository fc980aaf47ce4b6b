"""Core pages in headless Chromium: axe finds no serious or critical violation.

Reuses the browser fixtures of ``tests/browser/conftest.py`` (Debian's chromium, no download).
"""

import pytest

from tests.browser.conftest import assert_accessible, browser, page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(make_user, make_org):
    from ouvert.core import services

    org = make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor", acronym="SCT")
    person = make_user(email="lea@example.org", full_name="Léa Répondante")
    services.membership_set(user=person, organisation=org, role="editor", is_respondent=True)
    services.notify(recipients=[person], subject="Jalon 4.1 mis à jour", body="Nouvel état : substantiel.",
                    email=False)
    services.token_create(user=person, name="script")
    return person


def test_public_core_pages_are_accessible(live_server, page, assert_accessible, people):  # noqa: F811
    for path in ("/fr/", "/en/", "/fr/organisations/", "/fr/organisations/sct/", "/fr/compte/login/",
                 "/fr/compte/signup/", "/fr/compte/password/reset/"):
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)


def test_sign_in_then_signed_in_pages_are_accessible(live_server, page, assert_accessible, people):  # noqa: F811
    page.goto(live_server.url + "/fr/compte/login/")
    page.get_by_label("Courriel").fill("lea@example.org")
    page.get_by_label("Mot de passe").fill("motdepasse-Tres-Solide-42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/fr/")
    for path in ("/fr/notifications/", "/fr/profil/jetons/", "/fr/compte/email/", "/fr/compte/password/change/"):
        page.goto(live_server.url + path)
        assert_accessible(page)
    # A failed sign-in shows its error, announced and linked to the field.
    page.context.clear_cookies()
    page.goto(live_server.url + "/fr/compte/login/")
    page.get_by_label("Courriel").fill("lea@example.org")
    page.get_by_label("Mot de passe").fill("mauvais")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[role=alert], .errorlist")
    assert_accessible(page)
