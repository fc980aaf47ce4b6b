"""Pages and API of the link checker: the broken-link report (catalogue and publisher), a resource's
history, the dataset page's notes, ``/api/v1/quality/links`` and ``/api/v1/quality/resources/{id}/checks``;
visibility of private datasets and drafts, bad input (4xx), query counts that do not grow."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.quality import availability, services
from ouvert.quality.models import LinkState
from tests.quality.linkserver import *  # noqa: F403  (fixtures)
from tests.quality.linkserver import CSV

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def catalogue(linked, srv, other_org, other_org_editor, editor):
    """A public dataset with a broken link (two failures) and a working link with a wrong type; a private
    dataset's link; another publisher's working link."""
    broken_ds, broken = linked("/status/404", name_fr="Lien mort", title_fr="Jeu brisé")
    _same, html = linked("/html", dataset=broken_ds, actor=editor, name_fr="Page au lieu du CSV")
    private_ds, private = linked("/ok", name_fr="Ressource privée", title_fr="Jeu privé", private=True)
    other_ds = catalog_services.dataset_create(actor=other_org_editor, organisation=other_org, data={
        "name": "jeu-ville", "title_fr": "Jeu de la ville",
        "resources": [{"name_fr": "Ressource de la ville", "url": srv.url("/ok"), "format": "CSV"}]})
    other = other_ds.resources.get()
    t0 = timezone.now() - 2 * HOUR
    services.links_check(now=t0)
    services.links_check(now=t0 + HOUR)
    return {"broken_ds": broken_ds, "broken": broken, "html": html, "private_ds": private_ds, "private": private,
            "other_ds": other_ds, "other": other}


def _text(response) -> str:
    return response.content.decode()


def test_catalogue_report_lists_broken_links_first(client, catalogue):
    response = client.get(reverse("quality:links"))
    assert response.status_code == 200
    page = _text(response)
    assert "Disponibilité des liens du catalogue" in page
    assert page.index("Lien mort") < page.index("Page au lieu du CSV") < page.index("Ressource de la ville")
    assert "brisé" in page and "Erreur HTTP (404)" in page
    assert "Type servi « text/html », annoncé « CSV »." in page  # the warning
    assert "Ressource privée" not in page  # private: not for everybody
    report = response.context["report"]
    assert report["summary"] == {"total": 3, "broken": 1, "unknown": 0, "warnings": 1}
    rows = report["rows"]
    assert [r["resource_name"] for r in rows][0] == "Lien mort"
    assert rows[0]["available"] is False and rows[0]["uptime"] == 0.0 and rows[0]["uptime_text"] == "0,0 %"
    assert rows[0]["broken_since"] is not None


def test_report_filters_and_bad_input(client, catalogue):
    page = _text(client.get(reverse("quality:links") + "?etat=brises"))
    assert "Lien mort" in page and "Page au lieu du CSV" not in page
    page = _text(client.get(reverse("quality:links") + "?etat=avertissements"))
    assert "Page au lieu du CSV" in page and "Lien mort" not in page
    response = client.get(reverse("quality:links") + "?etat=nimporte")
    assert response.status_code == 400 and "État inconnu" in _text(response)
    response = client.get(reverse("quality:links") + "?page=abc")
    assert response.status_code == 400 and "« page » doit être un nombre entier supérieur ou égal à 1." in _text(response)
    assert client.get(reverse("quality:links") + "?page=99").status_code == 404


def test_private_links_only_for_members_and_admins(client, catalogue, member, admin_user, other_org_editor):
    client.force_login(member)
    assert "Ressource privée" in _text(client.get(reverse("quality:links")))
    client.force_login(admin_user)
    assert "Ressource privée" in _text(client.get(reverse("quality:links")))
    client.force_login(other_org_editor)
    assert "Ressource privée" not in _text(client.get(reverse("quality:links")))
    url = reverse("quality:resource_links", kwargs={"resource_id": catalogue["private"].pk})
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 200


def test_publisher_report(client, catalogue, publisher_org):
    response = client.get(reverse("quality:links_organisation", kwargs={"slug": publisher_org.slug}))
    assert response.status_code == 200
    page = _text(response)
    assert "Lien mort" in page and "Ressource de la ville" not in page
    assert publisher_org.name_fr in page
    assert client.get(reverse("quality:links_organisation", kwargs={"slug": "inconnu"})).status_code == 404


def test_report_is_paged(client, linked, srv):
    for n in range(3):
        linked("/ok", name_fr=f"Ressource {n}")
    services.links_check()
    response = client.get(reverse("quality:links"))
    assert response.context["report"]["pages"] == 1
    report = services.links_report(user=None, per_page=2)
    assert report["pages"] == 2 and len(report["rows"]) == 2 and report["count"] == 3
    assert len(services.links_report(user=None, per_page=2, page=2)["rows"]) == 1


def _report_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("quality:links")).status_code == 200
    return len(queries)


def test_report_queries_do_not_grow(client, linked, srv):
    for n in range(2):
        linked("/ok", name_fr=f"Ressource {n}")
    services.links_check()
    small = _report_queries(client)
    for n in range(6):
        linked("/status/500" if n % 2 else "/html", name_fr=f"Autre {n}")
    services.links_check()
    assert _report_queries(client) == small


def test_resource_history_page(client, catalogue, srv):
    broken = catalogue["broken"]
    response = client.get(reverse("quality:resource_links", kwargs={"resource_id": broken.pk}))
    assert response.status_code == 200
    page = _text(response)
    assert "Disponibilité : Lien mort" in page and "Erreur HTTP" in page and srv.url("/status/404") in page
    history = response.context["history"]
    assert history["count"] == 2 and history["uptime"] == 0.0 and history["state"].available is False
    assert client.get(reverse("quality:resource_links", kwargs={"resource_id": uuid.uuid4()})).status_code == 404
    assert client.get(reverse("quality:resource_links", kwargs={"resource_id": broken.pk}) + "?page=0") \
        .status_code == 400


def test_resource_history_of_an_uploaded_file(client, dataset_factory, editor):
    dataset = dataset_factory()
    upload = catalog_services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Fichier"},
                                              upload=SimpleUploadedFile("a.csv", CSV, content_type="text/csv"))
    response = client.get(reverse("quality:resource_links", kwargs={"resource_id": upload.pk}))
    assert response.status_code == 200 and "fichier déposé sur la plateforme" in _text(response)
    assert response.context["history"]["uptime"] == 1.0


def test_dataset_page_shows_availability_beside_links(client, catalogue, linked):
    dataset = catalogue["broken_ds"]
    page = _text(client.get(reverse("catalog:dataset", kwargs={"name": dataset.name})))
    assert "Lien brisé depuis le" in page and "Erreur HTTP 404" in page
    assert "Lien disponible (vérifié le" in page  # the HTML page answers 200…
    assert "Avertissement : Type servi « text/html », annoncé « CSV »." in page  # …with the wrong type
    assert "disponibilité sur 30 jours : 0,0 %" in page and "disponibilité sur 30 jours : 100,0 %" in page
    assert reverse("quality:resource_links", kwargs={"resource_id": catalogue["broken"].pk}) in page
    fresh, _resource = linked("/ok")
    page = _text(client.get(reverse("catalog:dataset", kwargs={"name": fresh.name})))
    assert "Disponibilité du lien : pas encore vérifiée." in page


def test_dataset_panel_queries_do_not_grow(linked, editor, rf):
    dataset, _first = linked("/ok")
    services.links_check()

    def count():
        resources = list(catalog_services.resource_list(dataset=dataset))
        with CaptureQueriesContext(connection) as queries:
            found = availability.links_panel(request=rf.get("/"), dataset=dataset, resources=resources, can_edit=False)
        assert len(found["resource_notes"]) == len(resources)
        return len(queries)

    small = count()
    for n in range(5):
        linked("/ok", dataset=dataset, actor=editor, name_fr=f"Autre {n}")
    services.links_check()
    assert count() == small <= 4


# --- API ----------------------------------------------------------------------------------------------

def test_api_links(client, catalogue, publisher_org, member):
    answer = client.get("/api/v1/quality/links").json()
    assert answer["count"] == 3 and answer["summary"]["broken"] == 1
    first = answer["results"][0]
    assert first["resource_name"] == "Lien mort" and first["available"] is False
    assert first["last_check"]["outcome"] == "http_error" and first["last_check"]["status"] == 404
    assert first["uptime_30_days"] == 0.0 and first["dataset"]["title"] == "Jeu brisé"
    assert first["organisation"] == "mtmd" and first["broken_since"]

    answer = client.get("/api/v1/quality/links?organisation=mtmd&broken=true").json()
    assert [r["resource_name"] for r in answer["results"]] == ["Lien mort"]
    answer = client.get("/api/v1/quality/links?organisation=mtmd&broken=false").json()
    assert [r["resource_name"] for r in answer["results"]] == ["Page au lieu du CSV"]
    assert answer["results"][0]["type_matches"] is False and answer["results"][0]["warnings"]

    # Members see their private datasets' links with a token.
    token = core_services.token_create(user=member)
    answer = client.get("/api/v1/quality/links?organisation=mtmd", HTTP_AUTHORIZATION=token).json()
    assert "Ressource privée" in [r["resource_name"] for r in answer["results"]]
    assert client.get("/api/v1/quality/links", HTTP_AUTHORIZATION="mauvais").status_code == 403


@pytest.mark.parametrize("query,status,word", [
    ("broken=peut-etre", 400, "booléen"),
    ("limit=0", 400, "limit"),
    ("limit=1000", 400, "limit"),
    ("page=x", 400, "page"),
    ("page=50", 404, "Page"),
    ("organisation=inconnu", 404, "inconnu"),
])
def test_api_links_bad_input(client, catalogue, query, status, word):
    response = client.get(f"/api/v1/quality/links?{query}")
    assert response.status_code == status and word in response.json()["detail"]


def test_api_resource_checks(client, catalogue, member):
    broken = catalogue["broken"]
    answer = client.get(f"/api/v1/quality/resources/{broken.pk}/checks").json()
    assert answer["resource_id"] == str(broken.pk) and answer["uploaded"] is False
    assert answer["count"] == 2 and answer["uptime_30_days"] == 0.0
    assert answer["state"]["available"] is False and answer["state"]["consecutive_failures"] == 2
    assert [c["status"] for c in answer["results"]] == [404, 404]
    assert answer["results"][0]["checked_at"] > answer["results"][1]["checked_at"]
    answer = client.get(f"/api/v1/quality/resources/{broken.pk}/checks?limit=1&page=2").json()
    assert answer["pages"] == 2 and len(answer["results"]) == 1

    private = catalogue["private"]
    assert client.get(f"/api/v1/quality/resources/{private.pk}/checks").status_code == 404
    token = core_services.token_create(user=member)
    assert client.get(f"/api/v1/quality/resources/{private.pk}/checks", HTTP_AUTHORIZATION=token).status_code == 200
    assert client.get("/api/v1/quality/resources/pas-un-uuid/checks").status_code == 404
    assert client.get(f"/api/v1/quality/resources/{uuid.uuid4()}/checks").status_code == 404


def test_api_queries_do_not_grow(client, linked, srv):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/quality/links").status_code == 200
        return len(queries)

    linked("/ok")
    services.links_check()
    small = count()
    for _n in range(5):
        linked("/html")
    services.links_check()
    assert count() == small


def test_states_follow_the_publisher(catalogue):
    assert set(LinkState.objects.values_list("organisation__slug", flat=True)) == {"mtmd", "ville-de-quebec"}


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/quality/links" in paths and "/api/v1/quality/resources/{resource_id}/checks" in paths
