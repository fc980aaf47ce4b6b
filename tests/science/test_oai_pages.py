"""The oai part's pages (science managers), API and admin: repositories, « harvest now », runs, deposits,
linking by hand; permissions, bad input, no N+1."""

import pytest
from django.urls import reverse

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Deposit, HarvestRun, RepositorySource
from tests.science.test_oai_client import repository, source  # noqa: F401  (fixtures: a replayed repository)


@pytest.fixture
def harvested(repository, source, fund_staff, publication_factory):  # noqa: F811
    publication_factory(title="Sample Title", doi=None)
    services.harvest(actor=fund_staff, source=source)
    return source


# --- Pages ---------------------------------------------------------------------------------------------

def test_pages_are_for_science_managers(client, source, researcher, institution_staff):  # noqa: F811
    urls = [reverse("science:repository_list"), reverse("science:repository_create"),
            reverse("science:deposit_unmatched"), reverse("science:repository_detail", kwargs={"slug": source.slug}),
            reverse("science:repository_edit", kwargs={"slug": source.slug})]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"] or "connexion" in response["Location"]
    for person in (researcher, institution_staff):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("science:repository_detail", kwargs={"slug": source.slug})).status_code == 403
    assert not HarvestRun.objects.exists()


def test_repository_list_and_detail(client, harvested, fund_staff, django_assert_max_num_queries):
    for n in range(5):
        RepositorySource.objects.create(slug=f"depot-{n}", name=f"Dépôt {n}", base_url=f"https://d{n}.example.org/oai")
    client.force_login(fund_staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("science:repository_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Papyrus (Université de Montréal)" in page and "Terminé" in page and "Jamais moissonné" in page
    for n in range(5, 25):
        RepositorySource.objects.create(slug=f"depot-{n}", name=f"Dépôt {n}", base_url=f"https://d{n}.example.org/oai")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("science:repository_list")).status_code == 200
    response = client.get(reverse("science:repository_detail", kwargs={"slug": harvested.slug}))
    page = response.content.decode()
    assert "oai:test.example.com:1585322" in page and "supprimée à la source" in page
    assert "Sample Title" in page and "Titre" in page  # matched by title
    assert "2013-02-27" in page  # harvested until (Montreal time)


def test_harvest_now_from_the_page(client, repository, source, fund_staff):  # noqa: F811
    client.force_login(fund_staff)
    url = reverse("science:repository_detail", kwargs={"slug": source.slug})
    response = client.post(url, {"full": "on"})
    assert response.status_code == 302 and response["Location"] == url
    run = HarvestRun.objects.get()
    assert run.status == "done" and run.records == 7
    # A run going on: refused with the reason, nothing started.
    HarvestRun.objects.create(source=source, status="running")
    response = client.post(url)
    assert response.status_code == 400
    assert "déjà en cours" in response.content.decode()
    assert HarvestRun.objects.count() == 2


def test_create_and_edit_a_repository(client, fund_staff, udem, funds):
    client.force_login(fund_staff)
    url = reverse("science:repository_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"slug": "<script>", "name": "", "base_url": "javascript:alert(1)",
                                 "metadata_prefix": "oai_dc", "every_hours": "-3"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#r-slug"' in page and 'href="#r-base_url"' in page and 'aria-invalid="true"' in page
    assert "<script>" not in page
    assert not RepositorySource.objects.exists()
    response = client.post(url, {"slug": "papyrus", "name": "Papyrus", "base_url": "https://papyrus.example.org/oai",
                                 "metadata_prefix": "oai_openaire", "organisation": "udem", "every_hours": "12",
                                 "is_active": "on"})
    assert response.status_code == 302
    created = RepositorySource.objects.get()
    assert (created.metadata_prefix, created.organisation, created.every_hours) == ("oai_openaire", udem, 12)
    # Double submit: the second one is refused (the identifier is taken), nothing duplicated.
    assert client.post(url, {"slug": "papyrus", "name": "Papyrus", "base_url": "https://papyrus.example.org/oai"}
                       ).status_code == 400
    assert RepositorySource.objects.count() == 1
    edit = reverse("science:repository_edit", kwargs={"slug": "papyrus"})
    assert 'value="Papyrus"' in client.get(edit).content.decode()
    response = client.post(edit, {"slug": "papyrus", "name": "Papyrus (UdeM)",
                                  "base_url": "https://papyrus.example.org/oai", "metadata_prefix": "oai_dc",
                                  "every_hours": "24"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name == "Papyrus (UdeM)" and created.is_active is False  # the box was not ticked
    assert client.get(reverse("science:repository_edit", kwargs={"slug": "inconnu"})).status_code == 404


def test_link_by_hand_from_the_unmatched_page(client, harvested, fund_staff, publication_factory):
    target = publication_factory(title="Autre titre")
    Deposit.objects.filter(publication__isnull=False).update(publication=None, matched_by="manual")
    client.force_login(fund_staff)
    url = reverse("science:deposit_unmatched")
    page = client.get(url).content.decode()
    alive = Deposit.objects.get(identifier="oai:test.example.com:1585322")
    assert f'id="d-{alive.pk}-publication"' in page
    assert "oai:test.example.com:1585310" not in page  # deleted at the source: not to link
    link = reverse("science:deposit_link", kwargs={"pk": alive.pk})
    response = client.post(link, {"publication": "10.9999/inconnu"})
    assert response.status_code == 400
    assert f'href="#d-{alive.pk}-publication"' in response.content.decode()
    response = client.post(link, {"publication": str(target.pk)})
    assert response.status_code == 302 and response["Location"] == url
    alive.refresh_from_db()
    assert (alive.publication, alive.matched_by) == (target, "manual")
    response = client.post(link, {"action": "unlink", "next": "source"})
    assert response["Location"] == reverse("science:repository_detail", kwargs={"slug": harvested.slug})
    alive.refresh_from_db()
    assert alive.publication is None
    assert client.get(link).status_code == 405
    assert client.post(reverse("science:deposit_link", kwargs={"pk": 999999}), {"publication": "1"}).status_code == 404


def test_unmatched_list_does_not_grow_in_queries(client, harvested, fund_staff, django_assert_max_num_queries):
    client.force_login(fund_staff)
    with django_assert_max_num_queries(12):
        client.get(reverse("science:deposit_unmatched"))
    Deposit.objects.bulk_create([Deposit(source=harvested, identifier=f"oai:x:{n}", title=f"Titre {n}")
                                 for n in range(40)])
    Deposit.objects.create(source=harvested, identifier="oai:x:hostile", title="<script>alert('x')</script> & co",
                           doi="10.1/\"><img src=x onerror=alert(1)>")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("science:deposit_unmatched"))
    page = response.content.decode()
    assert page.count('name="publication"') == 41  # the harvested one is matched
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page


# --- API -------------------------------------------------------------------------------------------------

def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user)}


def test_api(client, repository, fund_staff, researcher, publication_factory, udem):  # noqa: F811
    headers = auth(fund_staff)
    assert client.get("/api/v1/science/repositories").status_code == 401
    assert client.get("/api/v1/science/repositories", **auth(researcher)).status_code == 403
    response = client.post("/api/v1/science/repositories", {"slug": "papyrus", "name": "Papyrus",
                                                             "base_url": repository.url, "organisation": "udem"},
                           content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    assert response.json()["organisation"] == "udem"
    response = client.post("/api/v1/science/repositories", {"slug": "x y", "name": "", "base_url": "ftp://x"},
                           content_type="application/json", **headers)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"slug", "name", "base_url"}
    response = client.patch("/api/v1/science/repositories/papyrus", {"every_hours": 6},
                            content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["every_hours"] == 6
    publication_factory(title="Sample Title", doi=None)
    other = publication_factory(title="Autre")
    response = client.post("/api/v1/science/repositories/papyrus/harvest", {"full": True},
                           content_type="application/json", **headers)
    assert response.status_code == 202
    assert response.json()["last_run"]["status"] == "done"  # tasks run at once in tests
    listed = client.get("/api/v1/science/repositories", **headers).json()
    assert listed[0]["deposit_count"] == 2 and listed[0]["last_status"] == "done"
    detail = client.get("/api/v1/science/repositories/papyrus", **headers).json()
    assert detail["runs"][0]["records"] == 7 and detail["runs"][0]["skipped"] == 1
    deposits = client.get("/api/v1/science/repositories/papyrus/deposits", **headers).json()
    assert deposits["count"] == 2
    alive = next(d for d in deposits["results"] if not d["deleted"])
    assert alive["matched_by"] == "title"
    response = client.post(f"/api/v1/science/deposits/{alive['id']}/link", {"publication": str(other.pk)},
                           content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["publication"] == other.pk
    assert client.post(f"/api/v1/science/deposits/{alive['id']}/link", {"publication": "nope"},
                       content_type="application/json", **headers).status_code == 400
    response = client.post(f"/api/v1/science/deposits/{alive['id']}/unlink", **headers)
    assert response.json()["publication"] is None
    assert client.get("/api/v1/science/deposits/unmatched", **headers).json()["count"] == 1
    assert client.get("/api/v1/science/repositories/inconnu", **headers).status_code == 404
    assert client.post("/api/v1/science/deposits/999999/unlink", **headers).status_code == 404
    assert AuditEntry.objects.filter(action__in=["science.deposit.link", "science.deposit.unlink"]).count() == 2


# --- Admin -----------------------------------------------------------------------------------------------

def test_admin(client, harvested, platform_admin):
    client.force_login(platform_admin)
    for name in ("repositorysource", "harvestrun", "deposit"):
        assert client.get(f"/fr/admin/science/{name}/").status_code == 200, name
    deposit = Deposit.objects.first()
    assert client.get(f"/fr/admin/science/deposit/{deposit.pk}/change/").status_code == 200
    assert client.get("/fr/admin/science/deposit/add/").status_code == 403
    response = client.get(f"/fr/admin/science/repositorysource/{harvested.pk}/change/")
    assert response.status_code == 200


def test_admin_changes_are_audited(client, harvested, platform_admin):
    client.force_login(platform_admin)
    run = HarvestRun.objects.get()
    response = client.post(f"/fr/admin/science/repositorysource/{harvested.pk}/change/", {
        "slug": harvested.slug, "name": "Papyrus renommé", "base_url": harvested.base_url, "metadata_prefix": "oai_dc",
        "set_spec": "", "organisation": "", "is_active": "on", "every_hours": "48",
        "runs-TOTAL_FORMS": "1", "runs-INITIAL_FORMS": "1", "runs-MIN_NUM_FORMS": "0", "runs-MAX_NUM_FORMS": "0",
        "runs-0-id": str(run.pk), "runs-0-source": str(harvested.pk)})
    assert response.status_code == 302, response.content.decode()[:3000]
    harvested.refresh_from_db()
    assert (harvested.name, harvested.every_hours) == ("Papyrus renommé", 48)
    entry = AuditEntry.objects.filter(action="science.repository.admin_change").get()
    assert entry.data["name"] == "Papyrus renommé"
