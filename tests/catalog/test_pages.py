"""Catalogue pages, read side: home, search (facets, sort, paging through package_search), dataset
page (metadata, resources, API panel, DCAT links, schema.org), history, organisations, themes;
French and English; old names redirect; a constant number of SQL queries."""

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.catalog import services
from ouvert.catalog.models import Dataset

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


@pytest.fixture
def catalogue(dataset_factory, theme_factory, other_org, other_org_editor):
    """Four public datasets in two organisations, a draft and a private one."""
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    theme_factory("environnement", title_fr="Environnement", title_en="Environment")
    velo = dataset_factory(
        name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
        notes_fr="Passages de **vélos** aux compteurs.\n\n<script>alert(1)</script>",
        notes_en="Bicycles at the *counters*.", tags=["vélo", "mobilité"], themes=["transport"],
        frequency="DAILY", temporal_start="2012-01-01", temporal_end="2012-12-31", spatial_name="Montréal (06)",
        maintainer="Équipe des données", maintainer_email="donnees@mtmd.example.org", version="2.1",
        languages=["fr"],
        resources=[{"name_fr": "Comptages 2012", "name_en": "Counts 2012", "url": "https://example.org/velo.csv",
                    "format": "CSV"}])
    dataset_factory(name="meteo-horaire", title_fr="Météo horaire", title_en="Hourly weather", tags=["météo"],
                    themes=["environnement"], licence="cc-zero" if False else None,
                    resources=[{"name_fr": "Météo", "url": "https://example.org/meteo.json", "format": "JSON"}])
    dataset_factory(name="reseau-cyclable", title_fr="Réseau cyclable", tags=["vélo"], themes=["transport"],
                    actor=other_org_editor, organisation=other_org,
                    resources=[{"name_fr": "Réseau", "url": "https://example.org/reseau.geojson",
                                "format": "GeoJSON"}])
    dataset_factory(name="arrondissements", title_fr="Arrondissements de Québec", actor=other_org_editor,
                    organisation=other_org)
    dataset_factory(name="brouillon-secret", title_fr="Brouillon secret", state="draft")
    dataset_factory(name="prive-secret", title_fr="Données privées", private=True)
    return velo


def test_home_in_french_and_english(client, catalogue):
    response = client.get("/fr/catalogue/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Catalogue de données ouvertes" in html
    assert '<form role="search"' in html
    counts = re.findall(r"<strong>(\d+)</strong>", html)
    assert counts == ["4", "2", "3"]  # datasets, publishers, resources (public only)
    assert "Comptages de vélos" in html and "Brouillon secret" not in html and "Données privées" not in html
    assert "/fr/catalogue/themes/transport/" in html
    english = client.get("/en/catalogue/").content.decode()
    assert "Bicycle counts" in english and "Transportation" in english


def test_main_menu_links_the_catalogue(client, catalogue):
    html = client.get("/fr/catalogue/recherche/").content.decode()
    assert re.search(r'<a href="/fr/catalogue/" aria-current="true">Données ouvertes</a>', html)


def test_most_viewed_counts_browser_views_not_robots(client, catalogue):
    client.get("/fr/catalogue/jeux/meteo-horaire/", **BROWSER)
    client.get("/fr/catalogue/jeux/meteo-horaire/", **BROWSER)
    client.get("/fr/catalogue/jeux/comptages-velo/", **BROWSER)
    client.get("/fr/catalogue/jeux/comptages-velo/", HTTP_USER_AGENT="Googlebot/2.1")
    client.get("/fr/catalogue/jeux/comptages-velo/")  # no user agent
    assert Dataset.objects.get(name="meteo-horaire").view_count == 2
    assert Dataset.objects.get(name="comptages-velo").view_count == 1
    html = client.get("/fr/catalogue/").content.decode()
    popular = html.split('id="populaires"')[1].split("</section>")[0]
    assert popular.index("Météo horaire") < popular.index("Comptages de vélos")
    assert "2 consultations" in popular


def test_search_uses_package_search_with_facets_and_counts(client, catalogue):
    response = client.get("/fr/catalogue/recherche/", {"q": "velos"})
    assert response.status_code == 200
    html = response.content.decode()
    # "velos" finds "vélos" in a description and the tag "vélo" of another publisher's dataset.
    assert "2 jeux de données" in html and "Comptages de vélos" in html and "Réseau cyclable" in html
    assert '<li class="format-badge">GeoJSON</li>' in html
    assert "<script>alert" not in html
    one = client.get("/fr/catalogue/recherche/", {"q": "compteurs"}).content.decode()
    assert "1 jeu de données" in one and "Comptages de vélos" in one
    everything = client.get("/fr/catalogue/recherche/").content.decode()
    assert "4 jeux de données" in everything
    # Facets are checkboxes with counts.
    assert re.search(r'name="organisation" value="mtmd"[^>]*>\s*<label[^>]*>Ministère des Transports[^<]*'
                     r'<span class="facet__count">\(2\)</span>', everything)
    assert re.search(r'name="mot_cle" value="vélo"[^>]*>\s*<label[^>]*>vélo <span class="facet__count">\(2\)',
                     everything)
    assert 'name="format" value="CSV"' in everything and 'name="licence"' in everything


def test_search_filters_through_the_page_and_keeps_them_checked(client, catalogue):
    html = client.get("/fr/catalogue/recherche/", {"mot_cle": "vélo", "organisation": "ville-de-quebec"}) \
        .content.decode()
    assert "1 jeu de données" in html and "Réseau cyclable" in html and "Comptages de vélos" not in html
    assert re.search(r'name="mot_cle" value="vélo"[^>]*checked', html)
    assert "Retirer tous les filtres" in html
    theme = client.get("/fr/catalogue/recherche/", {"theme": "transport", "format": "GeoJSON"}).content.decode()
    assert "Réseau cyclable" in theme and "Comptages de vélos" not in theme
    # A value with quotes is a phrase, not fq syntax: no match, no error.
    odd = client.get("/fr/catalogue/recherche/", {"mot_cle": 'a" OR "b'})
    assert odd.status_code == 200 and "Aucun jeu de données ne correspond" in odd.content.decode()


def test_search_sorting_paging_and_aria_current(client, dataset_factory):
    for i in range(25):
        dataset_factory(name=f"jeu-{i:02d}", title_fr=f"Titre {chr(65 + i)}")
    first = client.get("/fr/catalogue/recherche/", {"tri": "titre"}).content.decode()
    assert "25 jeux de données" in first and "page 1 sur 2" in first
    assert first.index("Titre A") < first.index("Titre B") and "Titre Y" not in first
    assert re.search(r'<a href="\?tri=titre&amp;page=1" aria-current="page">', first)
    second = client.get("/fr/catalogue/recherche/", {"tri": "titre", "page": "2"}).content.decode()
    assert "Titre Y" in second and "Titre A" not in second and 'rel="prev"' in second
    by_date = client.get("/fr/catalogue/recherche/", {"tri": "date"}).content.decode()
    assert by_date.index("Titre Y") < by_date.index("Titre X")


def test_search_bad_sort_is_a_400_with_a_message(client, catalogue):
    response = client.get("/fr/catalogue/recherche/", {"tri": "n'importe"})
    assert response.status_code == 400
    assert "Tri inconnu" in response.content.decode()
    assert client.get("/fr/catalogue/recherche/", {"page": "abc"}).status_code == 200


def test_search_english_labels(client, catalogue):
    html = client.get("/en/catalogue/recherche/", {"q": "bicycle"}).content.decode()
    assert "Bicycle counts" in html
    assert "Ministry of Transport and Sustainable Mobility" in html
    assert "Transportation" in html


def test_members_find_their_private_datasets_in_search(client, catalogue, member):
    assert "Données privées" not in client.get("/fr/catalogue/recherche/").content.decode()
    client.force_login(member)
    html = client.get("/fr/catalogue/recherche/").content.decode()
    assert "Données privées" in html and "privé" in html


def test_dataset_page(client, catalogue):
    response = client.get("/fr/catalogue/jeux/comptages-velo/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Comptages de vélos</h1>" in html
    assert "<strong>vélos</strong>" in html and "<script>alert" not in html  # Markdown, sanitised
    for text in ("Ministère des Transports et de la Mobilité durable", "Quotidienne", "Montréal (06)",
                 "Équipe des données", "donnees@mtmd.example.org", "2.1", "Transport", "mobilité"):
        assert text in html, text
    assert '<span class="format-badge">CSV</span>' in html
    assert "curl &#x27;http" in html and "/api/3/action/package_show?id=comptages-velo" in html
    for fmt in ("ttl", "jsonld", "rdf"):
        assert f'href="/dataset/comptages-velo.{fmt}"' in html
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(script)["@type"] == "Dataset"
    assert "/fr/catalogue/jeux/comptages-velo/historique/" in html
    english = client.get("/en/catalogue/jeux/comptages-velo/").content.decode()
    assert "<h1>Bicycle counts</h1>" in english and "<em>counters</em>" in english and "Counts 2012" in english


def test_dataset_page_uploaded_resource_sizes_and_versions(client, dataset_factory, editor):
    dataset = dataset_factory(name="fichiers")
    resource = services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Tableau"},
                                        upload=ContentFile(b"a;b\n" * 600, name="tableau.csv"))
    services.resource_update(actor=editor, resource=resource, data={}, partial=True,
                             upload=ContentFile(b"a;b\n1;2\n", name="tableau.csv"))
    html = client.get("/fr/catalogue/jeux/fichiers/").content.decode()
    assert "version 2" in html and "8\u00a0o" in html
    assert "1 version précédente" in html and "2,3\u00a0Ko" in html
    assert f"/fr/catalogue/jeux/fichiers/ressources/{resource.pk}/versions/1/" in html
    assert client.get(f"/fr/catalogue/jeux/fichiers/ressources/{resource.pk}/versions/1/").status_code == 200


def test_old_names_redirect_permanently(client, catalogue, editor):
    services.dataset_update(actor=editor, dataset=catalogue, data={"name": "velos-comptages"}, partial=True)
    response = client.get("/fr/catalogue/jeux/comptages-velo/")
    assert response.status_code == 301 and response["Location"] == "/fr/catalogue/jeux/velos-comptages/"
    history = client.get("/en/catalogue/jeux/comptages-velo/historique/")
    assert history.status_code == 301 and history["Location"] == "/en/catalogue/jeux/velos-comptages/historique/"
    assert client.get("/fr/catalogue/jeux/velos-comptages/").status_code == 200


def test_hidden_datasets_are_404_for_the_public(client, catalogue, member):
    assert client.get("/fr/catalogue/jeux/brouillon-secret/").status_code == 404
    assert client.get("/fr/catalogue/jeux/prive-secret/").status_code == 404
    assert client.get("/fr/catalogue/jeux/inexistant/").status_code == 404
    client.force_login(member)
    html = client.get("/fr/catalogue/jeux/brouillon-secret/").content.decode()
    assert "brouillon" in html and "Modifier" not in html  # members read, editors edit


def test_history_page_shows_readable_diffs(client, catalogue, editor):
    services.dataset_update(actor=editor, dataset=catalogue, partial=True,
                            data={"title_fr": "Comptages de vélos 2012", "tags": ["vélo"]})
    html = client.get("/fr/catalogue/jeux/comptages-velo/historique/").content.decode()
    assert "Historique de « Comptages de vélos 2012 »" in html
    assert "Modification" in html and "Création" in html and "Éditrice MTMD" in html
    assert "<del>Comptages de vélos</del>" in html and "<ins>Comptages de vélos 2012</ins>" in html
    assert "<del>mobilité, vélo</del>" in html
    assert "Ressource ajoutée : Comptages 2012" in html  # from the creation
    assert client.get("/en/catalogue/jeux/comptages-velo/historique/").status_code == 200


def test_organisation_and_theme_pages(client, catalogue, member):
    listing = client.get("/fr/catalogue/organisations/").content.decode()
    assert "Ville de Québec" in listing and "2 jeux de données" in listing
    page = client.get("/fr/catalogue/organisations/ville-de-quebec/").content.decode()
    assert "Réseau cyclable" in page and "Arrondissements de Québec" in page and "Comptages" not in page
    assert client.get("/fr/catalogue/organisations/inconnue/").status_code == 404
    client.force_login(member)
    own = client.get("/fr/catalogue/organisations/mtmd/").content.decode()
    assert "Brouillon secret" in own and "Données privées" in own
    themes = client.get("/en/catalogue/themes/").content.decode()
    assert "Transportation" in themes and "Environment" in themes
    theme = client.get("/fr/catalogue/themes/transport/").content.decode()
    assert "Comptages de vélos" in theme and "Réseau cyclable" in theme and "Météo" not in theme
    assert client.get("/fr/catalogue/themes/inconnu/").status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **BROWSER).status_code == 200
    return len(ctx.captured_queries)


def test_search_page_runs_a_constant_number_of_queries(client, dataset_factory, theme_factory):
    theme_factory("transport")

    def add(n, start):
        for i in range(start, start + n):
            dataset_factory(name=f"jeu-{i}", title_fr=f"Jeu {i}", tags=[f"mot-{i}", "commun"], themes=["transport"],
                            resources=[{"name_fr": "r", "url": f"https://example.org/{i}.csv", "format": "CSV"}])

    add(5, 0)
    client.get("/fr/catalogue/recherche/")
    small = _queries(client, "/fr/catalogue/recherche/?q=jeu&mot_cle=commun")
    small_home = _queries(client, "/fr/catalogue/")
    add(25, 5)
    assert _queries(client, "/fr/catalogue/recherche/?q=jeu&mot_cle=commun") == small
    assert _queries(client, "/fr/catalogue/") == small_home


def test_dataset_page_runs_a_constant_number_of_queries(client, dataset_factory, editor):
    dataset = dataset_factory(name="beaucoup", tags=["a", "b"])

    def add(n):
        for i in range(n):
            resource = services.resource_create(actor=editor, dataset=dataset, data={"name_fr": f"R{i}"},
                                                upload=ContentFile(b"x,y\n", name=f"r{i}.csv"))
            services.resource_update(actor=editor, resource=resource, data={}, partial=True,
                                     upload=ContentFile(b"x,y\n1,2\n", name=f"r{i}.csv"))

    add(5)
    client.get("/fr/catalogue/jeux/beaucoup/", **BROWSER)
    small = _queries(client, "/fr/catalogue/jeux/beaucoup/")
    add(25)
    assert _queries(client, "/fr/catalogue/jeux/beaucoup/") == small
