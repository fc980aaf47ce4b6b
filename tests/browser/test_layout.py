"""The base layout, server side: navigation, language switch target, account links."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

pytestmark = pytest.mark.django_db


def _next_field(html: str) -> str:
    match = re.search(r'<input name="next" type="hidden" value="([^"]*)">', html)
    assert match, "the language switch has no next field"
    return match.group(1)


def test_language_switch_targets_the_same_page_in_the_other_language(client):
    response = client.get("/fr/?page=2")
    assert response.status_code == 200
    assert _next_field(response.content.decode()) == "/en/?page=2"
    response = client.get("/en/")
    assert _next_field(response.content.decode()) == "/fr/"


def test_language_switch_from_a_plan_page_lands_on_the_same_page(client):
    from ouvert.plan.demo import load_plan_data

    load_plan_data()
    with translation.override("fr"):
        overview_fr = reverse("plan:overview")
    with translation.override("en"):
        overview_en = reverse("plan:overview")
    html = client.get(overview_fr).content.decode()
    assert _next_field(html) == overview_en
    # Even when the browser's language cookie says otherwise, set_language lands there.
    client.cookies["django_language"] = "fr"
    response = client.post(reverse("set_language"), {"language": "en", "next": overview_en})
    assert response.status_code == 302
    assert response["Location"] == overview_en
    assert client.get(response["Location"]).status_code == 200


def test_main_navigation_comes_from_the_registry(client):
    from ouvert.core.registry import menu_links

    links = menu_links()
    assert links, "no module registered a menu link"
    html = client.get("/fr/").content.decode()
    for link in links:
        with translation.override("fr"):
            url = reverse(link.url_name)
            label = str(link.label)
        assert f'href="{url}"' in html
        assert escape(label) in html


def test_anonymous_people_see_sign_in_and_sign_up(client):
    html = client.get("/fr/").content.decode()
    assert f'href="{reverse("account_login")}"' in html
    assert f'href="{reverse("account_signup")}"' in html
    assert 'class="skip-link" href="#contenu"' in html
    assert 'id="contenu"' in html


def test_signed_in_people_see_their_unread_notifications_and_a_sign_out_button(client, make_user):
    from ouvert.core import services

    user = make_user()
    services.notify(recipients=[user], subject="Un jalon a changé")
    services.notify(recipients=[user], subject="Un autre jalon a changé")
    client.force_login(user)
    html = client.get("/fr/").content.decode()
    assert f'action="{reverse("account_logout")}"' in html
    assert re.search(r'class="count">2<span class="visually-hidden"> non lues', html)
    assert f'href="{reverse("account_login")}"' not in html


def test_pages_without_charts_do_not_load_vega(client):
    html = client.get("/fr/").content.decode()
    assert "vega.min.js" not in html.split("charts.js")[0]
    assert "htmx.min.js" in html


def test_only_the_most_specific_menu_link_is_current(client):
    from ouvert.plan.demo import load_plan_data

    load_plan_data()
    with translation.override("fr"):
        overview, dashboard = reverse("plan:overview"), reverse("plan:dashboard")
    html = client.get(dashboard).content.decode()
    nav = html[html.index('class="site-nav"'):html.index("</nav>", html.index('class="site-nav"'))]
    assert f'<a href="{dashboard}" aria-current="page">' in nav
    assert f'<a href="{overview}">' in nav
    assert nav.count("aria-current") == 1


def test_english_catalogue_is_complete_and_keeps_placeholders():
    """Every msgid has an English translation, none fuzzy, with the same placeholders."""
    from pathlib import Path

    import polib

    path = Path(__file__).resolve().parents[2] / "src/ouvert/locale/en/LC_MESSAGES/django.po"
    catalogue = polib.pofile(str(path))
    assert not catalogue.metadata_is_fuzzy
    assert [e.msgid for e in catalogue if "fuzzy" in e.flags] == []
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    placeholder = re.compile(r"%\([a-z_]+\)(?:\.[0-9])?[sdf]|%%")
    for entry in catalogue.translated_entries():
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(target)), entry.msgid


def test_english_pages_use_the_compiled_catalogue(client):
    html = client.get("/en/").content.decode()
    assert "Skip to content" in html
    assert "Main navigation" in html
    assert "Passer au contenu" not in html


def test_missing_pages_get_the_layout_in_their_language(client):
    response = client.get("/fr/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and 'class="site-header"' in html
    response = client.get("/en/nowhere/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_error_page_renders_without_a_request():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "Erreur du serveur" in html and "Server error" in html
