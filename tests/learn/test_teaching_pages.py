"""The teaching section over HTTP: the paths, pages (French and English), glossary, FAQ and search, 404s,
hostile search strings, and marking pages read from the page."""

import re

import pytest

from ouvert.learn import services
from ouvert.learn.models import ReadingProgress

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("teaching_fresh")]


def test_home_lists_both_paths_in_french_and_english(client):
    response = client.get("/fr/apprendre/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Découvrir les données ouvertes" in text and "Utiliser les API" in text
    assert 'href="/fr/apprendre/decouvrir/"' in text and 'href="/fr/apprendre/api/"' in text
    assert "Connectez-vous pour suivre votre progression" in text
    assert "<progress" not in text  # anonymous visitors see no progress
    english = client.get("/en/apprendre/").content.decode()
    assert "Discover open data" in english and "Using the APIs" in english
    assert 'href="/en/apprendre/api/"' in english


def test_path_page_lists_its_pages_in_order(client):
    text = client.get("/fr/apprendre/decouvrir/").content.decode()
    titles = re.findall(r'<li><a href="/fr/apprendre/decouvrir/([a-z0-9-]+)/">', text)
    assert titles == ["donnees-ouvertes", "valeur-creee", "ouvrir-un-csv", "filtrer-tableau-croise-graphique",
                      "lire-une-carte"]


def test_tutorial_page_has_toc_code_copy_buttons_and_neighbours(client, teaching_instance, settings):
    response = client.get("/fr/apprendre/api/api-ckan/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>L’API Action de CKAN : chercher et décrire des jeux</h1>" in text
    assert 'class="teaching-toc"' in text and 'href="#decrire-un-jeu-package-show"' in text
    assert 'id="decrire-un-jeu-package-show"' in text
    # Placeholders replaced by this instance's address and the real example dataset and resource.
    assert "{{" not in text
    assert "http://testserver/api/3/action/package_show?id=comptage-velos-2012" in text
    assert text.count('class="copy-button"') == 6
    assert 'data-copy-target="code-1"' in text and '<pre tabindex="0" id="code-1" role="region" aria-label="Exemple 1 (curl (shell))"' in text
    assert 'href="/fr/apprendre/api/magasin-de-donnees/" rel="next"' in text
    assert 'rel="prev"' not in text  # the first page of its path
    # Glossary links, inline and in the aside.
    assert 'href="/fr/apprendre/glossaire/#ckan"' in text


def test_english_page_shows_the_english_file(client, teaching_instance):
    text = client.get("/en/apprendre/api/magasin-de-donnees/").content.decode()
    assert "The DataStore: reading the rows of a table" in text
    assert str(teaching_instance["resource"].pk) in text
    assert 'href="/en/apprendre/glossaire/#magasin-de-donnees"' in text
    assert 'href="/en/apprendre/api/api-ckan/" rel="prev"' in text


def test_reuse_examples_fall_back_on_datasets_or_link_published_reuses(client, teaching_instance):
    text = client.get("/fr/apprendre/decouvrir/valeur-creee/").content.decode()
    assert "{{" not in text
    assert ('/fr/catalogue/reutilisations/' in text) or ('href="/fr/catalogue/jeux/comptage-velos-2012/"' in text)


@pytest.mark.parametrize("url", [
    "/fr/apprendre/inconnu/", "/fr/apprendre/api/inconnue/", "/en/apprendre/decouvrir/nope/",
    "/fr/apprendre/api/%3Cscript%3E/", "/fr/apprendre/decouvrir/_path/",
])
def test_unknown_paths_and_pages_are_404(client, url):
    assert client.get(url).status_code == 404


def test_glossary_and_faq(client):
    text = client.get("/fr/apprendre/glossaire/").content.decode()
    assert '<dt id="encodage" tabindex="-1">Encodage</dt>' in text
    assert "Windows-1252" in text
    assert len(services.teaching_glossary("fr")) == len(services.teaching_glossary("en")) >= 20
    english = client.get("/en/apprendre/glossaire/").content.decode()
    assert '<dt id="encodage" tabindex="-1">Encoding</dt>' in english
    faq = client.get("/fr/apprendre/faq/").content.decode()
    assert 'id="compte"' in faq and "Faut-il un compte" in faq
    assert "Do I need an account" in client.get("/en/apprendre/faq/").content.decode()


def test_search_page_highlights_and_folds_accents(client):
    response = client.get("/fr/apprendre/recherche/", {"q": "virgule decimale"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<mark>virgule</mark>" in text and "<mark>décimale</mark>" in text
    assert 'href="/fr/apprendre/glossaire/#virgule-decimale"' in text


@pytest.mark.parametrize("query", ['<script>alert(1)</script>', "' OR 1=1 --", "%00", "*" * 150, "(((", "é" * 200])
def test_search_page_with_hostile_strings_is_clean(client, query):
    response = client.get("/fr/apprendre/recherche/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_search_page_too_long_or_control_characters_is_400(client):
    response = client.get("/fr/apprendre/recherche/", {"q": "a" * 1000})
    assert response.status_code == 400
    assert "La recherche est limitée à 200 caractères." in response.content.decode()
    response = client.get("/fr/apprendre/recherche/", {"q": "csv\x00"})
    assert response.status_code == 400


def test_marking_a_page_read_then_unread_from_the_page(client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get("/fr/apprendre/decouvrir/ouvrir-un-csv/").content.decode()
    assert "Marquer comme lue" in page and 'value="0"' in page
    response = client.post("/fr/apprendre/decouvrir/ouvrir-un-csv/lu/", {"action": "lu",
                                                                        "next": "/fr/apprendre/decouvrir/ouvrir-un-csv/"})
    assert response.status_code == 302 and response["Location"] == "/fr/apprendre/decouvrir/ouvrir-un-csv/"
    client.post("/fr/apprendre/decouvrir/ouvrir-un-csv/lu/", {"action": "lu"})  # a double submit
    assert ReadingProgress.objects.filter(user=user).count() == 1
    page = client.get("/fr/apprendre/decouvrir/ouvrir-un-csv/").content.decode()
    assert "Vous avez lu cette page." in page and "Marquer comme non lue" in page
    assert "1 page(s) lue(s) sur 5" in page
    home = client.get("/fr/apprendre/").content.decode()
    assert "Commencer : Qu’est-ce que les données ouvertes ?" not in home
    assert "Continuer : Qu’est-ce que les données ouvertes ?" in home
    client.post("/fr/apprendre/decouvrir/ouvrir-un-csv/lu/", {"action": "non-lu", "next": "https://evil.example/"})
    assert not ReadingProgress.objects.filter(user=user).exists()


def test_marking_needs_an_account_and_a_known_page(client, make_user):
    response = client.post("/fr/apprendre/decouvrir/ouvrir-un-csv/lu/", {"action": "lu"})
    assert response.status_code == 302 and "/compte/" in response["Location"]
    client.force_login(make_user())
    assert client.post("/fr/apprendre/decouvrir/inconnue/lu/", {"action": "lu"}).status_code == 404
    assert client.get("/fr/apprendre/decouvrir/ouvrir-un-csv/lu/").status_code == 405
    assert not ReadingProgress.objects.exists()


def test_pages_in_a_constant_number_of_queries(client, make_user, django_assert_max_num_queries):
    client.force_login(make_user())
    for slug in ("donnees-ouvertes", "ouvrir-un-csv"):
        client.post(f"/fr/apprendre/decouvrir/{slug}/lu/", {"action": "lu"})
    for url in ("/fr/apprendre/", "/fr/apprendre/decouvrir/", "/fr/apprendre/decouvrir/lire-une-carte/"):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
