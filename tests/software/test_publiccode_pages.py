"""The publiccode.yml pages (validate, import, export) and API, through the Django client: statuses, messages by
key path, permissions, sizes and encodings."""

from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ouvert.core import services as core_services
from ouvert.software.models import Software

DATA = Path(__file__).parent / "data"
VALIDATE = "/fr/logiciel-libre/publiccode/valider/"
IMPORT = "/fr/logiciel-libre/publiccode/importer/"
API = "/api/v1/software"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def upload(name: str, content: bytes | None = None):
    return SimpleUploadedFile(name, read(name) if content is None else content, content_type="text/yaml")


def token(user) -> dict:
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user)}


# --- « Valider un publiccode.yml » ------------------------------------------------------------------

@pytest.mark.django_db
def test_validate_page_in_french_and_english(client):
    page = client.get(VALIDATE)
    assert page.status_code == 200
    assert "<h1>Valider un publiccode.yml</h1>" in page.content.decode()
    assert 'for="pc-file"' in page.content.decode() and 'for="pc-text"' in page.content.decode()
    assert client.get("/en/logiciel-libre/publiccode/valider/").status_code == 200


@pytest.mark.django_db
def test_pasted_valid_file_shows_its_warnings_by_key(client):
    page = client.post(VALIDATE, {"text": read("amsterdam_signals-frontend_publiccode.yml").decode()})
    html = page.content.decode()
    assert page.status_code == 200
    assert "conforme au standard (version 0.2)" in html
    assert '<th scope="row"><code>description.nl.genericName</code></th>' in html
    assert 'id="pc-erreurs"' not in html


@pytest.mark.django_db
def test_uploaded_file_with_errors_is_a_400_with_a_table_of_key_paths(client):
    page = client.post(VALIDATE, {"file": upload("catala_publiccode_2023_incomplete.yml")})
    html = page.content.decode()
    assert page.status_code == 400
    assert "9 erreurs" in html
    assert '<th scope="col">Clé</th>' in html
    for path in ("platforms", "description.fr.longDescription", "legal.license", "localisation.availableLanguages"):
        assert f"<code>{path}</code>" in html
    assert "écrivez « Apache-2.0 »" in html


@pytest.mark.django_db
def test_hostile_strings_are_escaped(client):
    text = read("standard_example_publiccode.minimal.yml").decode().replace(
        "developmentStatus: development", "developmentStatus: \"<script>alert('x')</script>\"")
    page = client.post(VALIDATE, {"text": text})
    assert page.status_code == 400
    assert "<script>alert" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


@pytest.mark.django_db
def test_empty_post_latin1_and_not_publiccode_files(client):
    assert client.post(VALIDATE, {"text": "  "}).status_code == 400
    latin1 = read("catala_publiccode.yml").decode().encode("latin-1", "replace")
    page = client.post(VALIDATE, {"file": upload("catala_publiccode.yml", latin1)})
    assert page.status_code == 400 and "pas en UTF-8" in page.content.decode()
    page = client.post(VALIDATE, {"file": upload("ore-ero_code_city-of-montreal-qc.yml")})
    assert page.status_code == 400 and "pas un publiccode.yml" in page.content.decode()


@pytest.mark.django_db
def test_too_large_upload_and_pasted_text_are_413(client, settings):
    big = b"name: x\n" + b"#" * (10 * 1024 * 1024)
    page = client.post(VALIDATE, {"file": upload("publiccode.yml", big)})
    assert page.status_code == 413 and "524288" in page.content.decode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    page = client.post(VALIDATE, {"text": "a" * 4096})
    assert page.status_code == 413


# --- « Importer » -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_import_page_is_for_the_team(client, stranger):
    assert client.get(IMPORT).status_code == 302
    client.force_login(stranger)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": upload("catala_publiccode.yml")}).status_code == 403
    assert not Software.objects.exists()


@pytest.mark.django_db
def test_team_imports_then_updates(client, team):
    client.force_login(team)
    assert client.get(IMPORT).status_code == 200
    page = client.post(IMPORT, {"file": upload("catala_publiccode.yml")})
    assert page.status_code == 200
    assert "Fiche créée" in page.content.decode()
    assert "https://github.com/CatalaLang.png" in page.content.decode()
    page = client.post(IMPORT, {"text": read("catala_publiccode.yml").decode()})
    assert "Fiche mise à jour" in page.content.decode()
    assert Software.objects.get().name == "Catala"


@pytest.mark.django_db
def test_refused_import_lists_errors_and_writes_nothing(client, team):
    client.force_login(team)
    page = client.post(IMPORT, {"file": upload("catala_publiccode_2023_incomplete.yml")})
    assert page.status_code == 400
    assert "Rien n’a été importé : 9 erreurs" in page.content.decode()
    assert "<code>legal.license</code>" in page.content.decode()
    assert not Software.objects.exists()


# --- Export -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_export_is_a_yaml_download(client, software_factory, django_assert_max_num_queries):
    entry = software_factory(slug="qgis", name="QGIS", licence="GPL-2.0-or-later", short_description_fr="SIG libre.")
    with django_assert_max_num_queries(2):
        response = client.get(f"/fr/logiciel-libre/catalogue/{entry.slug}/publiccode.yml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="qgis-publiccode.yml"'
    document = yaml.safe_load(response.content.decode())
    assert document["name"] == "QGIS" and document["legal"]["license"] == "GPL-2.0-or-later"


@pytest.mark.django_db
def test_export_of_unknown_or_proprietary_entry_is_404(client, software_factory):
    software_factory(slug="ferme", licence="", is_proprietary=True)
    assert client.get("/fr/logiciel-libre/catalogue/inconnu/publiccode.yml").status_code == 404
    assert client.get("/fr/logiciel-libre/catalogue/ferme/publiccode.yml").status_code == 404


# --- API --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_api_validate_raw_body(client):
    response = client.post(f"{API}/publiccode/validate", read("catala_publiccode.yml"), content_type="text/yaml")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "version": "0", "errors": [], "warnings": []}
    response = client.post(f"{API}/publiccode/validate", read("catala_publiccode_2023_incomplete.yml"),
                           content_type="application/yaml")
    body = response.json()
    assert response.status_code == 400 and body["ok"] is False
    assert {"path": "legal.license", "message": body["errors"][6]["message"]} in body["errors"]
    assert [e["path"] for e in body["errors"]][:2] == ["platforms", "developmentStatus"]


@pytest.mark.django_db
def test_api_validate_multipart_and_hostile_bodies(client):
    response = client.post(f"{API}/publiccode/validate", {"file": upload("agid_wai-portal_publiccode.yml")})
    assert response.status_code == 200 and response.json()["version"] == "0.2"
    response = client.post(f"{API}/publiccode/validate", b"#" * (10 * 1024 * 1024), content_type="text/yaml")
    assert response.status_code == 413
    response = client.post(f"{API}/publiccode/validate", b"- a\n- b\n", content_type="text/yaml")
    assert response.status_code == 400 and "une liste" in response.json()["errors"][0]["message"]
    response = client.post(f"{API}/publiccode/validate", b"", content_type="text/yaml")
    assert response.status_code == 400


@pytest.mark.django_db
def test_api_import_needs_the_team(client, stranger, team):
    data = read("catala_publiccode.yml")
    assert client.post(f"{API}/publiccode/import", data, content_type="text/yaml").status_code == 401
    response = client.post(f"{API}/publiccode/import", data, content_type="text/yaml", **token(stranger))
    assert response.status_code == 403
    response = client.post(f"{API}/publiccode/import", data, content_type="text/yaml", **token(team))
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True and body["licence"] == "Apache-2.0" and body["slug"]
    response = client.post(f"{API}/publiccode/import", data, content_type="text/yaml", **token(team))
    assert response.status_code == 200 and response.json()["slug"] == body["slug"]
    response = client.post(f"{API}/publiccode/import", read("catala_publiccode_2023_incomplete.yml"),
                           content_type="text/yaml", **token(team))
    assert response.status_code == 400
    assert "legal.license" in response.json()["errors"]
    assert Software.objects.count() == 1


@pytest.mark.django_db
def test_api_export(client, software_factory):
    entry = software_factory(slug="nextcloud", name="Nextcloud", licence="AGPL-3.0-or-later")
    response = client.get(f"{API}/{entry.slug}/publiccode.yml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/yaml; charset=utf-8"
    assert yaml.safe_load(response.content)["name"] == "Nextcloud"
    assert client.get(f"{API}/inconnu/publiccode.yml").status_code == 404


def test_the_catalogue_pages_lead_to_the_validator_and_to_each_entry_s_file(client, software_factory):
    free = software_factory(slug="qgis", name="QGIS", licence="GPL-2.0-or-later")
    closed = software_factory(slug="arcgis", name="ArcGIS", licence="", is_proprietary=True)
    home = client.get(reverse("software:home")).content.decode()
    assert reverse("software:publiccode_validate") in home
    assert reverse("software:publiccode_export", kwargs={"slug": free.slug}) in \
        client.get(reverse("software:detail", kwargs={"slug": free.slug})).content.decode()
    assert "publiccode.yml" not in client.get(reverse("software:detail", kwargs={"slug": closed.slug})).content.decode()
