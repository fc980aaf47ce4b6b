"""The practice guides through Django's client and the API: the list by topic with its search (French and
English), a guide with its table of contents, previous and next, in French and in English; the team's edit
page with its preview (errors shown with status 400, 403 for others, sign-in asked of anonymous people); the
API's list, search, detail and update (401, 403, 400, 404); a constant number of queries on the list."""

import json

import pytest

from ouvert.core import services as core_services
from ouvert.software import services
from ouvert.software.models import Guide

pytestmark = pytest.mark.django_db

PUBLISHING = "/fr/logiciel-libre/guides/publier-le-code-source/"


# --- Public pages --------------------------------------------------------------------------------

def test_the_list_shows_the_guides_by_topic(client):
    page = client.get("/fr/logiciel-libre/guides/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Guides de pratiques du logiciel libre</h1>" in html
    for label in ("Participer aux communautés du logiciel libre", "Publier du code source",
                  "Interopérabilité et normes ouvertes", "Expérimenter une solution libre"):
        assert f">{label}</h2>" in html
    assert f'href="{PUBLISHING}"' in html
    assert "Modifier" not in html


def test_the_list_searches_the_guides(client):
    html = client.get("/fr/logiciel-libre/guides/", {"q": "réciprocité"}).content.decode()
    assert "1 guide pour « réciprocité »" in html
    assert html.index(PUBLISHING) < html.index("<h2 id=\"theme-communities\">")
    html = client.get("/fr/logiciel-libre/guides/", {"q": "pamplemousse"}).content.decode()
    assert "Aucun guide pour « pamplemousse »" in html


def test_a_bad_search_is_a_400_with_a_message(client):
    page = client.get("/fr/logiciel-libre/guides/", {"q": "x" * 300})
    assert page.status_code == 400
    html = page.content.decode()
    assert "au plus 200 caractères" in html and 'aria-invalid="true"' in html


def test_the_english_list_and_search(client):
    page = client.get("/en/logiciel-libre/guides/", {"q": "strong reciprocity"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="en-CA"' in html
    assert "Publishing a public body&#x27;s source code" in html
    assert 'href="/en/logiciel-libre/guides/publier-le-code-source/"' in html


def test_a_guide_has_its_table_of_contents_and_neighbours(client):
    page = client.get(PUBLISHING)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1 id=\"guide-titre\">Publier le code source d&#x27;un organisme public</h1>" in html
    assert '<h2 id="sommaire-titre">Sommaire</h2>' in html
    assert '<a href="#section-choisir-une-licence">Choisir une licence</a>' in html
    assert '<h2 id="section-choisir-une-licence">Choisir une licence</h2>' in html
    assert '<h3 id="section-la-famille-liliq">La famille LiLiQ</h3>' in html
    assert "<code>LiLiQ-Rplus-1.1</code>" in html
    assert 'href="/fr/logiciel-libre/guides/participer-aux-communautes/" rel="prev"' in html
    assert 'href="/fr/logiciel-libre/guides/interoperabilite-normes-ouvertes/" rel="next"' in html


def test_a_guide_in_english(client):
    html = client.get("/en/logiciel-libre/guides/publier-le-code-source/").content.decode()
    assert "Publishing a public body&#x27;s source code</h1>" in html
    assert '<h2 id="section-choosing-a-licence">Choosing a licence</h2>' in html
    assert '<a href="#section-1-define-the-needs">' not in html  # the French guide's anchors are not mixed in
    assert '<a href="#section-the-liliq-family">The LiLiQ family</a>' in html


def test_a_guide_not_yet_translated_shows_the_french_text_marked_as_french(client, team):
    guide = services.guide_get(slug="publier-le-code-source")
    services.guide_update(actor=team, guide=guide, data={"body_en": ""})
    html = client.get("/en/logiciel-libre/guides/publier-le-code-source/").content.decode()
    assert '<div class="guide-body" lang="fr">' in html and "Choisir une licence" in html


def test_an_unknown_guide_is_a_404(client):
    assert client.get("/fr/logiciel-libre/guides/inconnu/").status_code == 404


def test_the_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/fr/logiciel-libre/guides/")
    for n in range(30):
        Guide.objects.create(slug=f"guide-{n}", topic="publishing", title_fr=f"Guide {n}", body_fr="Texte.",
                             position=100 + n)
    with django_assert_max_num_queries(12):
        html = client.get("/fr/logiciel-libre/guides/").content.decode()
    assert "Guide 29" in html
    with django_assert_max_num_queries(12):
        client.get("/fr/logiciel-libre/guides/", {"q": "guide"})


# --- The team's edit page ------------------------------------------------------------------------

def test_the_edit_page_asks_anonymous_people_to_sign_in_and_refuses_others(client, stranger, body_member):
    url = "/fr/logiciel-libre/guides/publier-le-code-source/modifier/"
    page = client.get(url)
    assert page.status_code == 302 and page["Location"].endswith("?next=" + url)
    for user in (stranger, body_member):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"title_fr": "Piraté", "body_fr": "x"}).status_code == 403
    assert services.guide_get(slug="publier-le-code-source").title_fr != "Piraté"


def test_the_team_previews_then_saves_a_guide(client, team):
    client.force_login(team)
    url = "/fr/logiciel-libre/guides/publier-le-code-source/modifier/"
    assert 'href="/fr/logiciel-libre/guides/publier-le-code-source/modifier/"' in client.get(PUBLISHING).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="body_fr"' in page.content.decode()
    guide = services.guide_get(slug="publier-le-code-source")
    data = {f: getattr(guide, f) for f in services.GUIDE_FIELDS}
    data["body_fr"] = "## Nouvelle section\n\n[piège](javascript:alert(1)) <script>alert(1)</script>"
    page = client.post(url, {**data, "action": "preview"})
    html = page.content.decode()
    assert page.status_code == 200 and "Aperçu (non enregistré)" in html
    assert '<h2 id="section-nouvelle-section">Nouvelle section</h2>' in html
    assert "<script>alert" not in html and "javascript:" not in html.split("</textarea>")[0].split("guide-preview")[1]
    assert "Nouvelle section" not in services.guide_get(slug="publier-le-code-source").body_fr
    page = client.post(url, {**data, "action": "save"})
    assert page.status_code == 302 and page["Location"] == PUBLISHING
    assert services.guide_get(slug="publier-le-code-source").body_fr.startswith("## Nouvelle section")
    html = client.get(PUBLISHING).content.decode()
    assert "Guide enregistré." in html and "<script>alert" not in html


def test_the_edit_page_shows_errors_with_status_400(client, team):
    client.force_login(team)
    url = "/fr/logiciel-libre/guides/publier-le-code-source/modifier/"
    before = services.guide_get(slug="publier-le-code-source").body_fr
    page = client.post(url, {"title_fr": "", "body_fr": "", "position": "abc", "action": "save"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Écrivez le titre en français." in html and "nombre entier de 0 à 32767" in html
    assert 'id="g-title" name="title_fr" maxlength="300" required value="" aria-invalid="true"' in html
    assert services.guide_get(slug="publier-le-code-source").body_fr == before


# --- API -----------------------------------------------------------------------------------------

def test_the_api_lists_searches_and_details_the_guides(client):
    data = client.get("/api/v1/software/guides").json()
    slugs = [g["slug"] for g in data["results"]]
    assert slugs[:4] == ["participer-aux-communautes", "publier-le-code-source", "interoperabilite-normes-ouvertes",
                         "experimenter-une-solution-libre"]
    assert data["results"][1]["url_en"].endswith("/en/logiciel-libre/guides/publier-le-code-source/")
    found = client.get("/api/v1/software/guides", {"q": "open standards"}).json()
    assert found["results"][0]["slug"] == "interoperabilite-normes-ouvertes" and "rank" in found["results"][0]
    detail = client.get("/api/v1/software/guides/publier-le-code-source").json()
    assert "LiLiQ-Rplus-1.1" in detail["body_fr"] and "LiLiQ-Rplus-1.1" in detail["body_en"]
    assert {"level": 2, "id": "section-choosing-a-licence", "text": "Choosing a licence"} in detail["toc_en"]
    assert '<h2 id="section-choisir-une-licence">' in detail["html_fr"]
    assert client.get("/api/v1/software/guides/inconnu").status_code == 404
    assert client.get("/api/v1/software/guides", {"q": "x" * 300}).status_code == 400


def test_the_api_update_is_for_the_team(client, team, stranger):
    url = "/api/v1/software/guides/publier-le-code-source"
    body = json.dumps({"title_en": "Publishing code"})
    assert client.patch(url, body, content_type="application/json").status_code == 401
    refused = client.patch(url, body, content_type="application/json",
                           HTTP_AUTHORIZATION=core_services.token_create(user=stranger))
    assert refused.status_code == 403
    token = core_services.token_create(user=team)
    done = client.patch(url, body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert done.status_code == 200 and done.json()["title_en"] == "Publishing code"
    bad = client.patch(url, json.dumps({"title_fr": "", "slug": "autre"}), content_type="application/json",
                       HTTP_AUTHORIZATION=token)
    assert bad.status_code == 400
    assert "slug" in json.dumps(bad.json()) and services.guide_get(slug="publier-le-code-source").title_fr
    bad = client.patch(url, json.dumps({"position": "premier"}), content_type="application/json",
                       HTTP_AUTHORIZATION=token)
    assert bad.status_code == 400 and "32767" in json.dumps(bad.json(), ensure_ascii=False)
    assert client.patch(url, "[1, 2]", content_type="application/json", HTTP_AUTHORIZATION=token).status_code in (400, 422)
    assert client.patch("/api/v1/software/guides/inconnu", body, content_type="application/json",
                        HTTP_AUTHORIZATION=token).status_code == 404


def test_the_edit_page_refuses_to_overwrite_a_newer_version(client, team):
    client.force_login(team)
    url = "/fr/logiciel-libre/guides/publier-le-code-source/modifier/"
    html = client.get(url).content.decode()
    version = html.split('name="updated_at" value="')[1].split('"')[0]
    guide = services.guide_get(slug="publier-le-code-source")
    services.guide_update(actor=team, guide=guide, data={"title_en": "Changed elsewhere"})
    data = {f: getattr(guide, f) for f in services.GUIDE_FIELDS}
    page = client.post(url, {**data, "title_fr": "Mon titre", "updated_at": version, "action": "save"})
    assert page.status_code == 400 and "modifié par une autre personne" in page.content.decode()
    assert services.guide_get(slug="publier-le-code-source").title_fr != "Mon titre"
