"""The ecosystems part's pages and API, through HTTP."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.learn import ecosystems as eco
from ouvert.learn.models import Conformity, EcosystemDataset, Publication, StandardVersion


def test_pages(client, eco_declared):
    w = eco_declared
    page = client.get("/fr/apprendre/ecosystemes/")
    assert page.status_code == 200 and "Urbanisme" in page.content.decode()
    detail = client.get("/fr/apprendre/ecosystemes/urbanisme/").content.decode()
    assert "Comptages de vélos 2012" in detail and "Comptages quotidiens de vélos 2.0.0" in detail
    standard = client.get("/fr/apprendre/standards/comptages-velos-quotidiens/").content.decode()
    assert "Brébeuf (données non disponibles)" in standard and "2.0.0" in standard
    assert client.get("/fr/apprendre/standards/").status_code == 200
    version = client.get("/fr/apprendre/standards/comptages-velos-quotidiens/1.0.0/")
    assert version.status_code == 200
    assert client.get("/fr/apprendre/standards/comptages-velos-quotidiens/9.9.9/").status_code == 404
    assert client.get("/fr/apprendre/ecosystemes/inconnu/").status_code == 404
    assert client.get("/fr/apprendre/standards/comptages-velos-quotidiens/conformite/").status_code == 200
    del w


def test_schema_json_stable_address_and_latest(client, eco_world):
    response = client.get("/fr/apprendre/standards/comptages-velos-quotidiens/1.0.0/schema.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == eco_world["v1"].schema
    latest = client.get("/fr/apprendre/standards/comptages-velos-quotidiens/latest/schema.json").json()
    assert latest == eco_world["v2"].schema


def test_matrix_page_with_why_not_and_csv(client, eco_declared, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        page = client.get("/fr/apprendre/ecosystemes/urbanisme/conformite/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "non conforme" in html and "Pourquoi ?" in html and "Brébeuf (données non disponibles)" in html
    conformity = Conformity.objects.get(status="fails")
    assert f"/fr/apprendre/conformite/{conformity.pk}/" in html
    report = client.get(f"/fr/apprendre/conformite/{conformity.pk}/").content.decode()
    assert "constraint-error" in report and "620" in report
    csv_response = client.get("/fr/apprendre/ecosystemes/urbanisme/conformite/?format=csv&etat=fails")
    assert csv_response["Content-Type"].startswith("text/csv")
    body = csv_response.content.decode()
    assert "\nvelos," in body and "\nmeteo," not in body
    assert client.get("/fr/apprendre/ecosystemes/urbanisme/conformite/?etat=nimporte").status_code == 404


def test_declare_form(client, eco_world, editor, make_user, django_capture_on_commit_callbacks):
    w = eco_world
    url = "/fr/apprendre/ecosystemes/urbanisme/declarer/"
    assert client.post(url, {"dataset": "velos", "version": w["v1"].pk}).status_code == 403
    client.force_login(editor)
    outside = client.post(url, {"dataset": "hors-ecosysteme", "version": w["v1"].pk})
    assert outside.status_code == 400 and "ne fait pas partie" in outside.content.decode()
    assert client.post(url, {"dataset": "velos", "version": "abc"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"dataset": "velos", "version": w["v1"].pk})
    assert done.status_code == 303
    assert EcosystemDataset.objects.get(dataset=w["bikes"]).standard_version == w["v1"]
    assert Conformity.objects.get(resource=w["bikes_resource"], standard_version=w["v1"]).status == "conforms"
    client.force_login(make_user(email="inconnu@example.org"))
    assert client.post(url, {"dataset": "velos", "version": ""}).status_code == 403
    assert EcosystemDataset.objects.get(dataset=w["bikes"]).standard_version == w["v1"]


def test_api_reads(client, eco_declared, django_assert_max_num_queries):
    data = client.get("/api/v1/learn/standards/comptages-velos-quotidiens").json()
    assert [v["version"] for v in data["versions"]] == ["2.0.0", "1.0.0"]
    assert data["versions"][0]["schema_url"].endswith("/comptages-velos-quotidiens/2.0.0/schema.json")
    assert client.get("/api/v1/learn/standards/comptages-velos-quotidiens/versions/latest/schema").json() == \
        eco_declared["v2"].schema
    assert client.get("/api/v1/learn/standards/inconnu").status_code == 404
    assert [e["name"] for e in client.get("/api/v1/learn/ecosystems").json()["results"]] == ["urbanisme"]
    detail = client.get("/api/v1/learn/ecosystems/urbanisme").json()
    assert {d["name"]: d["version"] for d in detail["datasets"]} == {"velos": "2.0.0", "meteo": "1.0.0"}
    with django_assert_max_num_queries(10):
        matrix = client.get("/api/v1/learn/ecosystems/urbanisme/conformity").json()
    velos = next(r for r in matrix["rows"] if r["dataset"] == "velos")
    assert [c["state"] for c in velos["cells"]] == ["conforms", "fails", "not_declared"]
    assert velos["cells"][1]["first_errors"][0]["field"] == "Brébeuf (données non disponibles)"
    assert client.get("/api/v1/learn/ecosystems/urbanisme/conformity?state=x").status_code == 400
    mine = client.get("/api/v1/learn/datasets/velos/conformity").json()
    assert {(r["version"], r["status"]) for r in mine["results"]} == {("1.0.0", "conforms"), ("2.0.0", "fails")}


def _token(user):
    from ouvert.core import services as core_services

    return core_services.token_create(user=user)


def test_api_version_create_and_bad_input(client, eco_world, admin_user, editor):
    url = "/api/v1/learn/standards/comptages-velos-quotidiens/versions"
    body = {"version": "2.1.0", "status": "published", "schema": eco_world["v2"].schema}
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert client.post(url, body, content_type="application/json",
                       HTTP_AUTHORIZATION=_token(editor)).status_code == 403
    token = _token(admin_user)
    created = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert created.status_code == 201 and created.json()["version"] == "2.1.0"
    again = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert again.status_code == 409 and "existe déjà" in again.json()["detail"]
    bad = client.post(url, {"version": "2.2.0", "schema": {"fields": [{"name": "a", "type": "nombre"}]}},
                      content_type="application/json", HTTP_AUTHORIZATION=token)
    assert bad.status_code == 400
    assert bad.json()["errors"]["schema"][0].startswith("fields[0].type")
    huge = {"version": "2.3.0", "schema": {"fields": [{"name": f"c{i}", "type": "string", "description": "x" * 500}
                                                      for i in range(1500)]}}
    response = client.post(url, json.dumps(huge), content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code in (400, 413)
    assert client.post(url, "{pas du json", content_type="application/json",
                       HTTP_AUTHORIZATION=token).status_code == 400
    assert sorted(StandardVersion.objects.filter(standard=eco_world["bikes_standard"])
                  .values_list("version", flat=True)) == ["1.0.0", "2.0.0", "2.1.0"]


def test_api_declare(client, eco_world, editor, other_org_editor):
    url = "/api/v1/learn/ecosystems/urbanisme/declarations"
    refused = client.post(url, {"dataset": "velos", "standard": "comptages-velos-quotidiens", "version": "1.0.0"},
                          content_type="application/json", HTTP_AUTHORIZATION=_token(other_org_editor))
    assert refused.status_code == 403
    outside = client.post(url, {"dataset": "hors-ecosysteme", "standard": "comptages-velos-quotidiens"},
                          content_type="application/json", HTTP_AUTHORIZATION=_token(editor))
    assert outside.status_code == 400
    done = client.post(url, {"dataset": "velos", "standard": "comptages-velos-quotidiens"},
                       content_type="application/json", HTTP_AUTHORIZATION=_token(editor))
    assert done.status_code == 200 and done.json()["version"] == "2.0.0"


@pytest.fixture
def eco_publication(db):
    return Publication.objects.create(slug="etude", title_fr="Étude", institution="Université Laval")


def test_publication_without_document_says_it_is_coming(client, eco_publication):
    html = client.get("/fr/apprendre/publications/etude/").content.decode()
    assert "Étude en cours — document à venir." in html
    assert client.get("/fr/apprendre/publications/etude/document/").status_code == 404


def test_publication_document_attached_and_served(client, eco_publication, admin_user, editor):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with pytest.raises(Exception):  # noqa: B017  (PermissionDenied)
        eco.publication_attach_document(actor=editor, publication=eco_publication,
                                        upload=SimpleUploadedFile("e.pdf", pdf))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        eco.publication_attach_document(actor=admin_user, publication=eco_publication,
                                        upload=SimpleUploadedFile("e.pdf", b"<html>pas un pdf</html>"))
    eco_publication.refresh_from_db()
    assert not eco_publication.document
    eco.publication_attach_document(actor=admin_user, publication=eco_publication,
                                    upload=SimpleUploadedFile("e.pdf", pdf))
    eco.publication_update(actor=admin_user, publication=eco_publication,
                           data={"findings_fr": "Premier constat\n- Deuxième constat\n"})
    html = client.get("/fr/apprendre/publications/etude/").content.decode()
    assert "Premier constat" in html and "Deuxième constat" in html and "document à venir" not in html
    assert f"PDF, {len(pdf)}" in html
    served = client.get("/fr/apprendre/publications/etude/document/")
    assert served["Content-Type"] == "application/pdf" and b"".join(served.streaming_content) == pdf


def test_coordinator_manages_from_the_page(client, eco_world, make_user, other_org, editor):
    from ouvert.core import services as core_services
    from ouvert.learn.models import EcosystemContact

    url = "/fr/apprendre/ecosystemes/urbanisme/gerer/"
    client.force_login(editor)  # producer, not coordinator
    assert "Gérer l’écosystème" not in client.get("/fr/apprendre/ecosystemes/urbanisme/").content.decode()
    assert client.post(url, {"action": "dataset", "name": "hors-ecosysteme"}).status_code == 403
    coordinator = make_user(email="coordo@ville.example.org")
    core_services.membership_set(user=coordinator, organisation=other_org, role="admin")
    client.force_login(coordinator)
    assert "Gérer l’écosystème" in client.get("/fr/apprendre/ecosystemes/urbanisme/").content.decode()
    missing = client.post(url, {"action": "dataset", "name": "inexistant"})
    assert missing.status_code == 400 and "introuvable" in missing.content.decode()
    assert client.post(url, {"action": "dataset", "name": "hors-ecosysteme"}).status_code == 303
    assert EcosystemDataset.objects.filter(ecosystem=eco_world["ecosystem"], dataset=eco_world["outside"]).exists()
    no_consent = client.post(url, {"action": "contact", "name": "Alice"})
    assert no_consent.status_code == 400 and not EcosystemContact.objects.exists()
    assert client.post(url, {"action": "contact", "name": "Alice", "role_fr": "Analyste",
                             "consented": "on"}).status_code == 303
    assert "Alice, Analyste" in client.get("/fr/apprendre/ecosystemes/urbanisme/").content.decode()
    assert client.post(url, {"action": "standard", "name": "inconnu"}).status_code == 400
    assert client.post(url, {"action": "pirater"}).status_code == 400


def test_admin_attaches_the_document_and_writes_findings(client, admin_user, eco_publication):
    url = f"/fr/admin/learn/publication/{eco_publication.pk}/change/"
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    data = {"slug": "etude", "title_fr": "Étude", "institution": "Université Laval",
            "findings_fr": "Constat A\nConstat B"}
    refused = client.post(url, {**data, "document": SimpleUploadedFile("e.pdf", b"GIF89a pas un pdf")})
    assert refused.status_code == 200 and "doit être un fichier PDF" in refused.content.decode()
    eco_publication.refresh_from_db()
    assert not eco_publication.document and eco_publication.findings == []
    pdf = b"%PDF-1.7\n%%EOF\n"
    assert client.post(url, {**data, "document": SimpleUploadedFile("e.pdf", pdf)}).status_code == 302
    eco_publication.refresh_from_db()
    assert eco_publication.findings == ["Constat A", "Constat B"]
    assert eco_publication.document_size == len(pdf) and eco_publication.document_type == "application/pdf"


def test_admin_standard_version_schema_checked(client, admin_user, eco_world):
    client.force_login(admin_user)
    standard = eco_world["weather_standard"]
    url = f"/fr/admin/learn/standard/{standard.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = {"name": standard.name, "title_fr": standard.title_fr, "links": "[]",
            "versions-TOTAL_FORMS": "2", "versions-INITIAL_FORMS": "1", "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(eco_world["w1"].pk), "versions-0-standard": str(standard.pk),
            "versions-0-version": "1.0.0", "versions-0-status": "published",
            "versions-0-schema": json.dumps(eco_world["w1"].schema),
            "versions-1-standard": str(standard.pk), "versions-1-version": "1.1.0", "versions-1-status": "draft",
            "versions-1-schema": json.dumps({"fields": [{"name": "a", "type": "texte"}]})}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "fields[0].type" in refused.content.decode()
    assert StandardVersion.objects.filter(standard=standard).count() == 1
    data["versions-1-schema"] = json.dumps({"fields": [{"name": "a", "type": "string"}]})
    saved = client.post(url, data)
    assert saved.status_code == 302, [str(f.errors) for f in saved.context["inline_admin_formsets"][0].formset] + \
        [str(saved.context["adminform"].form.errors)]
    created = StandardVersion.objects.get(standard=standard, version="1.1.0")
    assert (created.major, created.minor, created.patch) == (1, 1, 0)
