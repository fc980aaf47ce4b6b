"""The scores' pages and API through HTTP: the dataset panel, the catalogue's and a publisher's dashboard
(sorting, paging, bad input, private datasets), the API (visibility, languages), query counts constant
at two sizes."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.quality import services
from ouvert.quality.models import DatasetScore

pytestmark = pytest.mark.django_db

DASHBOARD = "/fr/catalogue/qualite/"


def _datasets(dataset_factory, n, start=0, **data):
    made = [dataset_factory(name=f"jeu-{start + i:03d}", title_fr=f"Jeu {start + i:03d}", **data) for i in range(n)]
    services.scores_recompute()
    return made


def _count(client, url, *, fresh: bool = True) -> tuple[int, object]:
    from django.core.cache import cache

    if fresh:  # the summaries are cached: measure what computing them costs
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response


def test_the_dataset_page_shows_the_breakdown_and_every_fix(client, dataset_factory):
    dataset = dataset_factory(name="sans-contact", title_fr="Sans contact",
                              resources=[{"name_fr": "Rapport", "url": "https://example.org/rapport.pdf"}])
    services.scores_recompute()
    html = client.get(f"/fr/catalogue/jeux/{dataset.name}/").content.decode()
    score = DatasetScore.objects.get(dataset=dataset)
    assert 'id="qualite-titre"' in html and "Qualité des métadonnées" in html
    assert f"{score.points} points sur 405" in html
    assert score.rating == "sufficient" and "Appréciation : Suffisante" in html
    assert "Repérabilité" in html and "0 / 100" in html
    assert "Ajoutez un point de contact." in html
    assert "La ressource 1 est un PDF : publiez un CSV." in html
    assert "Le lien de la ressource 1 n’a pas encore été vérifié" in html
    assert "Bonnes pratiques : 1 sur 8" in html


def test_dashboard_with_trend_publishers_and_the_list(client, dataset_factory, other_org, other_org_editor):
    _datasets(dataset_factory, 3)
    dataset_factory(name="ville", title_fr="Données de la ville", actor=other_org_editor, organisation=other_org,
                    maintainer="Service", tags=["ville"])
    services.scores_recompute()
    services.snapshot_take(datetime.date.today() - datetime.timedelta(days=1))
    services.snapshot_take()
    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Qualité des métadonnées du catalogue</h1>" in html
    assert '<script id="quality-trend-spec" type="application/json">' in html
    assert "Relevés quotidiens" in html and html.count('<th scope="row"><time') == 2
    assert "Qualité des métadonnées par éditeur" in html
    assert 'href="/fr/catalogue/qualite/organisations/ville-de-quebec/"' in html
    assert "Jeux de données qui perdent le plus de points" in html
    assert "4 jeux de données, page 1 sur 1." in html
    # The menu links to it.
    assert 'href="/fr/catalogue/qualite/"' in client.get("/fr/catalogue/").content.decode()


def test_the_list_sorts_and_pages_with_shareable_addresses(client, dataset_factory):
    _datasets(dataset_factory, 27)
    best = dataset_factory(name="zz-meilleur", title_fr="Zz meilleur", maintainer="Service", tags=["vélo"],
                           spatial_name="Québec", temporal_start="2020-01-01")
    services.scores_recompute(ids=[best.pk])
    html = client.get(DASHBOARD).content.decode()
    assert "28 jeux de données, page 1 sur 2." in html
    assert 'rel="next"' in html and "?page=2#a-ameliorer" in html
    assert "Zz meilleur" not in html  # the most points lost come first
    html = client.get(DASHBOARD + "?tri=-points").content.decode()
    assert html.index("Zz meilleur") < html.index("Jeu 000")
    assert 'aria-sort="descending"' in html
    html = client.get(DASHBOARD + "?tri=nom").content.decode()
    names = re.findall(r">Jeu (\d{3})</a>", html)
    assert names == sorted(names) and names[0] == "000"
    assert 'aria-sort="ascending"' in html and 'href="?tri=-nom#a-ameliorer"' in html
    page2 = client.get(DASHBOARD + "?tri=nom&page=2").content.decode()
    assert "page 2 sur 2" in page2 and "Zz meilleur" in page2 and 'rel="prev"' in page2
    assert "tri=nom" in re.search(r'href="([^"]*)#a-ameliorer" rel="prev"', page2).group(1)
    html = client.get(DASHBOARD + "?tri=findability").content.decode()
    assert html.index("Jeu 000") < html.index("Jeu 010") and "Zz meilleur" not in html
    for bad in ("?tri=nimporte", "?page=0", "?page=abc", "?page=9"):
        response = client.get(DASHBOARD + bad)
        assert response.status_code == 400, bad
        assert 'class="message message--error" role="alert"' in response.content.decode()


def test_private_datasets_are_listed_only_for_their_members(client, dataset_factory, member):
    dataset_factory(name="public", title_fr="Public")
    dataset_factory(name="secret", title_fr="Secret", private=True)
    services.scores_recompute()
    assert "Secret" not in client.get(DASHBOARD).content.decode()
    client.force_login(member)
    html = client.get(DASHBOARD).content.decode()
    assert "Secret" in html and "badge--private" in html
    # The averages cover public published datasets only, whoever reads.
    assert "<strong>1</strong> jeux de données évalués" in html


def test_organisation_dashboard(client, dataset_factory, publisher_org, other_org, other_org_editor):
    _datasets(dataset_factory, 2)
    dataset_factory(name="ville", title_fr="Données de la ville", actor=other_org_editor, organisation=other_org)
    services.scores_recompute()
    services.snapshot_take()
    response = client.get(f"{DASHBOARD}organisations/{publisher_org.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Qualité des métadonnées : Ministère des Transports" in html
    assert "Jeu 000" in html and "Données de la ville" not in html
    assert "Qualité des métadonnées par éditeur" not in html
    assert "<strong>2</strong> jeux de données évalués" in html
    assert client.get(f"{DASHBOARD}organisations/inconnue/").status_code == 404


def test_dashboards_cost_the_same_number_of_queries_at_two_sizes(client, dataset_factory, other_org,
                                                                  other_org_editor):
    _datasets(dataset_factory, 2)
    services.snapshot_take()
    small = {url: _count(client, url)[0] for url in (DASHBOARD, f"{DASHBOARD}organisations/mtmd/",
                                                      "/api/v1/quality/summary", "/api/v1/quality/organisations/mtmd")}
    _datasets(dataset_factory, 15, start=100)
    for i in range(3):
        dataset_factory(name=f"ville-{i}", title_fr=f"Ville {i}", actor=other_org_editor, organisation=other_org)
    services.scores_recompute()
    services.snapshot_take(datetime.date.today() - datetime.timedelta(days=1))
    services.snapshot_take()
    for url, queries in small.items():
        assert _count(client, url)[0] == queries, url
        assert _count(client, url, fresh=False)[0] < queries, url  # then from the cache


def test_cached_summaries_follow_every_change(client, dataset_factory, editor, django_capture_on_commit_callbacks):
    from ouvert.catalog import services as catalog_services

    with django_capture_on_commit_callbacks(execute=True):
        first = dataset_factory(name="premier", title_fr="Premier")
    assert client.get("/api/v1/quality/summary").json()["datasets"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        dataset_factory(name="second", title_fr="Second")
    assert client.get("/api/v1/quality/summary").json()["datasets"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_delete(actor=editor, dataset=first)
    assert client.get("/api/v1/quality/summary").json()["datasets"] == 1
    assert client.get("/api/v1/quality/summary").json()["trend"] == []
    services.snapshot_take()
    assert len(client.get("/api/v1/quality/summary").json()["trend"]) == 1


def test_api_dataset_score(client, dataset_factory, member):
    dataset = dataset_factory(name="sans-contact", title_fr="Sans contact")
    services.scores_recompute()
    body = client.get(f"/api/v1/quality/datasets/{dataset.name}").json()
    assert body["dataset"] == {"id": str(dataset.pk), "name": "sans-contact"}
    assert body["max_points"] == 405 and body["rating"] == "bad" and body["rating_label"] == "Insuffisante"
    assert body["dimensions"]["findability"] == {"points": 0, "max": 100, "label": "Repérabilité"}
    contact = next(c for c in body["checks"] if c["id"] == "contact_point")
    assert contact == {"id": "contact_point", "dimension": "reusability", "label": "Point de contact", "points": 0,
                       "max": 20, "passed": False,
                       "fix": {"code": "add_contact_point", "params": {}, "text": "Ajoutez un point de contact."}}
    assert next(c for c in body["checks"] if c["id"] == "publisher")["fix"] is None
    assert body["udata"] == {"passed": 1, "total": 8}  # the default licence is open
    assert client.get(f"/api/v1/quality/datasets/{dataset.pk}").json()["points"] == body["points"]
    english = client.get(f"/api/v1/quality/datasets/{dataset.name}?lang=en").json()
    assert english["points"] == body["points"]
    assert client.get("/api/v1/quality/datasets/inconnu").status_code == 404

    secret = dataset_factory(name="secret", title_fr="Secret", private=True)
    response = client.get(f"/api/v1/quality/datasets/{secret.name}")
    assert response.status_code == 404 and "introuvable" in response.json()["detail"]
    client.force_login(member)
    assert client.get(f"/api/v1/quality/datasets/{secret.name}").status_code == 200
    client.logout()
    bad = client.get(f"/api/v1/quality/datasets/{dataset.name}", HTTP_AUTHORIZATION="jeton-invalide")
    assert bad.status_code == 403


def test_api_summaries(client, dataset_factory, publisher_org):
    _datasets(dataset_factory, 2)
    dataset_factory(name="secret", title_fr="Secret", private=True)
    services.scores_recompute()
    services.snapshot_take(datetime.date(2024, 1, 1))
    body = client.get("/api/v1/quality/summary").json()
    assert body["datasets"] == 2 and body["max_points"] == 405
    assert set(body["ratings"]) == {"excellent", "good", "sufficient", "bad"} and sum(body["ratings"].values()) == 2
    assert set(body["dimensions"]) == {"findability", "accessibility", "interoperability", "reusability",
                                       "contextuality"}
    assert body["publishers"][0]["slug"] == "mtmd" and body["publishers"][0]["datasets"] == 2
    org = client.get(f"/api/v1/quality/organisations/{publisher_org.slug}").json()
    assert org["organisation"]["slug"] == "mtmd" and org["datasets"] == 2 and "publishers" not in org
    assert client.get("/api/v1/quality/organisations/inconnue").status_code == 404
    # The trend: the stored days (2024-01-01 is older than the dashboards' year).
    services.snapshot_take()
    trend = client.get("/api/v1/quality/summary").json()["trend"]
    assert [row["date"] for row in trend] == [datetime.date.today().isoformat()]
    assert trend[0]["datasets"] == 2
