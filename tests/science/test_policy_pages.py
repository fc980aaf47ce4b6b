"""The policy pages and API: the policy and its versions, the journal registry, the self-archiving
policies, the managers' forms and imports (errors by line, 413), permissions, and lists that do not grow
in queries with their rows."""

import json
import pathlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ouvert.core import services as core_services
from ouvert.science import services
from ouvert.science.models import ArchivingPolicy, Journal, PolicyVersion

pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"


def upload(name="revues.csv"):
    return SimpleUploadedFile(name, (DATA / "doaj_journals_sample.csv").read_bytes(), content_type="text/csv")


def test_policy_page_shows_each_fund_timeline(client, funds, policies):
    response = client.get(reverse("science:policy"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Politique de diffusion en libre accès (2019)") == 3
    assert "Du 1 avril 2019 au 31 mars 2022" in html and "Depuis le 1 avril 2022" in html
    assert "en vigueur" in html and "Libre accès immédiat" in html and "Rétention des droits" in html
    version = client.get(reverse("science:policy_version", kwargs={"fund": "frqs", "code": "2022"}))
    assert version.status_code == 200 and "This research was funded" in version.content.decode()
    assert client.get(reverse("science:policy_version", kwargs={"fund": "frqs", "code": "1999"})).status_code == 404
    assert client.get(reverse("science:policy_version", kwargs={"fund": "nsf", "code": "2022"})).status_code == 404


def test_version_form_for_managers_only(client, funds, policies, fund_staff, researcher):
    url = reverse("science:policy_version_new", kwargs={"fund": "frqnt"})
    assert client.get(url).status_code == 302
    client.force_login(researcher)
    assert client.get(url).status_code == 403
    assert client.post(url, {"code": "2030"}).status_code == 403
    client.force_login(fund_staff)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"code": "2025", "title_fr": "Révision", "effective_from": "2022-04-01",
                            "max_embargo_months": "0", "licences": "CC BY; maison", "route_journal": "on",
                            "route_repository": "on"})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'id="err-effective_from"' in html and "maison" in html
    assert 'aria-invalid="true"' in html
    assert PolicyVersion.objects.filter(fund=funds["frqnt"]).count() == 2
    hostile = client.post(url, {"code": "x'; DROP TABLE science_policyversion; --", "title_fr": "<script>x</script>",
                                "effective_from": "2031-01-01", "route_journal": "on"})
    assert hostile.status_code == 400 and b"<script>x</script>" not in hostile.content
    good = client.post(url, {"code": "2025", "title_fr": "Révision", "effective_from": "2025-01-01",
                             "max_embargo_months": "0", "licences": "CC BY", "route_journal": "on",
                             "route_repository": "on", "repository_versions": ["accepted"]})
    assert good.status_code == 302
    again = client.post(url, {"code": "2025", "title_fr": "Révision", "effective_from": "2025-01-01",
                              "max_embargo_months": "0", "licences": "CC BY", "route_journal": "on"})
    assert again.status_code == 400  # a double submit: the code and the date are taken
    version = PolicyVersion.objects.get(fund=funds["frqnt"], code="2025")
    assert version.routes == {"journal": {}, "repository": {"versions": ["accepted"]}}
    edit = reverse("science:policy_version_edit", kwargs={"fund": "frqnt", "code": "2025"})
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"code": "2025", "title_fr": "Révision", "effective_from": "2025-01-01",
                              "max_embargo_months": "3", "licences": "CC BY", "route_journal": "on"}).status_code == 302
    version.refresh_from_db()
    assert version.max_embargo_months == 3 and version.routes == {"journal": {}}
    delete = reverse("science:policy_version_delete", kwargs={"fund": "frqnt", "code": "2025"})
    assert client.post(delete).status_code == 302
    assert not PolicyVersion.objects.filter(code="2025").exists()


def test_journal_list_search_and_queries(client, funds, journal_factory, django_assert_max_num_queries):
    journal_factory()
    journal_factory(title="Nature", issn_print="0028-0836", issn_electronic="1476-4687", is_open_access=False,
                    registry="", licences=[])
    response = client.get(reverse("science:journal_list"), {"q": "1476-4687"})
    assert response.status_code == 200 and "Nature" in response.content.decode()
    assert "Revue ouverte" not in response.content.decode()
    assert "Revue ouverte" in client.get(reverse("science:journal_list"), {"oa": "yes"}).content.decode()
    for number in range(30):
        Journal.objects.create(title=f"Revue {number}", issn_electronic="", issn_print="")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("science:journal_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("science:archiving_list")).status_code == 200
    for number in range(30):
        ArchivingPolicy.objects.create(publisher=f"Éditeur {number}", version="accepted")
        ArchivingPolicy.objects.create(journal=Journal.objects.get(issn_print="0028-0836"), version="published",
                                       embargo_months=number)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("science:archiving_list")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/science/archiving-policies", {"per_page": "100"}).json()["count"] == 60
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/science/journals", {"per_page": "100"}).json()["count"] == 32


def test_journal_import_page(client, funds, fund_staff, researcher, settings):
    url = reverse("science:journal_import")
    client.force_login(researcher)
    assert client.post(url, {"file": upload()}).status_code == 403
    client.force_login(fund_staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload()})
    assert response.status_code == 200 and "5 ajoutées" in response.content.decode()
    bad = SimpleUploadedFile("x.csv", b"titre,issn_imprime,issn_electronique,libre_acces\nA,,1932-6204,oui\n")
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and "Ligne 2 :" in response.content.decode()
    assert client.post(url, {}).status_code == 400
    settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES = 100
    response = client.post(url, {"file": upload()})
    assert response.status_code == 413
    assert Journal.objects.count() == 5


def test_journal_and_archiving_forms(client, funds, fund_staff, journal_factory):
    client.force_login(fund_staff)
    response = client.post(reverse("science:journal_new"), {"title": "Revue neuve", "issn_electronic": "2049-3630",
                                                             "is_open_access": "on", "licences": "CC BY",
                                                             "apc": "no"})
    assert response.status_code == 302
    journal = Journal.objects.get(issn_electronic="2049-3630")
    assert journal.licences == ["CC-BY-4.0"] and journal.apc is False
    dup = client.post(reverse("science:journal_new"), {"title": "Copie", "issn_print": "2049-3630"})
    assert dup.status_code == 400
    edit = client.post(reverse("science:journal_edit", kwargs={"pk": journal.pk}),
                       {"title": "Revue renommée", "issn_electronic": "2049-3630", "licences": ""})
    assert edit.status_code == 302
    journal.refresh_from_db()
    assert journal.title == "Revue renommée" and not journal.is_open_access
    created = client.post(reverse("science:archiving_new"), {"issn": "2049-3630", "version": "accepted",
                                                             "embargo_months": "6", "locations": "a; b"})
    assert created.status_code == 302
    policy = ArchivingPolicy.objects.get()
    assert policy.journal == journal and policy.locations == ["a", "b"]
    bad = client.post(reverse("science:archiving_edit", kwargs={"pk": policy.pk}),
                      {"issn": "", "publisher": "", "version": "accepted", "embargo_months": "x"})
    assert bad.status_code == 400
    assert client.post(reverse("science:archiving_edit", kwargs={"pk": policy.pk}), {"delete": "1"}).status_code == 302
    assert ArchivingPolicy.objects.count() == 0


def test_api_reads_and_writes(client, funds, policies, fund_staff, researcher, journal_factory):
    body = client.get("/api/v1/science/funds").json()
    assert [f["current_policy"] for f in body["results"]] == ["2022", "2022", "2022"]
    detail = client.get("/api/v1/science/funds/frqnt/policies/2019").json()
    assert detail["max_embargo_months"] == 12 and detail["routes_explained"][0]["code"] == "journal"
    assert client.get("/api/v1/science/funds/nope").status_code == 404
    payload = {"code": "2026", "title_fr": "Encore", "effective_from": "2026-01-01", "licences": ["CC BY"],
               "routes": {"journal": {}}}
    assert client.post("/api/v1/science/funds/frqnt/policies", json.dumps(payload),
                       content_type="application/json").status_code == 401
    researcher_token = {"HTTP_AUTHORIZATION": core_services.token_create(user=researcher)}
    assert client.post("/api/v1/science/funds/frqnt/policies", json.dumps(payload), content_type="application/json",
                       **researcher_token).status_code == 403
    staff = {"HTTP_AUTHORIZATION": core_services.token_create(user=fund_staff)}
    created = client.post("/api/v1/science/funds/frqnt/policies", json.dumps(payload),
                          content_type="application/json", **staff)
    assert created.status_code == 201 and created.json()["licences"] == ["CC-BY-4.0"]
    bad = client.patch("/api/v1/science/funds/frqnt/policies/2026", json.dumps({"routes": {"magic": {}}}),
                       content_type="application/json", **staff)
    assert bad.status_code == 400 and "magic" in bad.json()["detail"]
    assert client.delete("/api/v1/science/funds/frqnt/policies/2026", **staff).status_code == 204
    journal_factory()
    assert client.get("/api/v1/science/journals/lookup", {"issn": "19326203"}).json()["title"] == \
        "Revue ouverte de sciences"
    assert client.get("/api/v1/science/journals/lookup", {"issn": "0000-0000"}).status_code == 404
    assert client.get("/api/v1/science/journals", {"q": "ouverte"}).json()["count"] == 1
    assert client.get("/api/v1/science/journals", {"per_page": "1000"}).status_code == 400


def test_api_imports(client, funds, fund_staff, researcher, settings):
    staff = {"HTTP_AUTHORIZATION": core_services.token_create(user=fund_staff)}
    assert client.post("/api/v1/science/journals/import", {"file": upload()},
                       HTTP_AUTHORIZATION=core_services.token_create(user=researcher)).status_code == 403
    response = client.post("/api/v1/science/journals/import", {"file": upload()}, **staff)
    assert response.status_code == 200 and response.json()["created"] == 5
    bad = SimpleUploadedFile("x.csv", b"titre,issn_imprime,issn_electronique,libre_acces\nA,,1932-6204,oui\n"
                                      b"B,,,oui\n")
    response = client.post("/api/v1/science/journals/import", {"file": bad}, **staff)
    assert response.status_code == 400
    assert [line[:8] for line in response.json()["errors"]["file"]] == ["Ligne 2 ", "Ligne 3 "]
    response = client.post("/api/v1/science/archiving-policies/import",
                           {"file": SimpleUploadedFile("a.csv", b"publisher,version,embargo_months\nPLoS,published,0\n")},
                           **staff)
    assert response.status_code == 200 and response.json()["created"] == 1
    assert client.get("/api/v1/science/archiving-policies").json()["count"] == 1
    settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES = 100
    assert client.post("/api/v1/science/journals/import", {"file": upload()}, **staff).status_code == 413


def test_admin_pages(client, funds, policies, platform_admin, journal_factory, publication_factory):
    journal_factory()
    client.force_login(platform_admin)
    for name in ("fund", "policyversion", "journal", "archivingpolicy"):
        assert client.get(reverse(f"admin:science_{name}_changelist")).status_code == 200
    publication = publication_factory(issn="1932-6203", licence="CC-BY-4.0")
    services.publication_recompute(publication)
    version = policies[("frqnt", "2022")]
    url = reverse("admin:science_policyversion_change", args=[version.pk])
    data = {"fund": version.fund_id, "code": "2022", "title_fr": version.title_fr, "effective_from": "2022-04-01",
            "max_embargo_months": "0", "licences": '["CC BY-NC"]', "routes": '{"journal": {}}',
            "rights_retention_fr": "x"}
    response = client.post(url, data)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.licences == ["CC-BY-NC-4.0"]
    publication.refresh_from_db()
    assert publication.compliance == "not_compliant"  # CC BY no longer accepted
    data["routes"] = '{"nope": {}}'
    assert client.post(url, data).status_code == 200  # the form again, with the error


def test_policy_page_queries_do_not_grow(client, funds, policies, django_assert_max_num_queries):
    import datetime

    with django_assert_max_num_queries(8) as few:
        assert client.get(reverse("science:policy")).status_code == 200
    for year in range(2030, 2040):
        for fund in funds.values():
            PolicyVersion.objects.create(fund=fund, code=str(year), title_fr=f"Version {year}",
                                         effective_from=datetime.date(year, 1, 1), routes={"journal": {}})
    with django_assert_max_num_queries(8) as many:
        assert client.get(reverse("science:policy")).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/science/funds").json()["results"][0]["policies"]) == 12
