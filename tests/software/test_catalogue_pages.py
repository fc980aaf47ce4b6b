"""The catalogue's pages in French and English: the home, the search, an entry, the forms (team and admins),
the logo upload and hostile input."""

import pytest

from ouvert.software import services
from ouvert.software.models import Software, StatusChange

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def entries(team):
    office = services.software_save(actor=team, data={"name": "Microsoft Office", "is_proprietary": True})
    libre = services.software_save(actor=team, data={
        "name": "LibreOffice", "licence": "MPL-2.0", "categories": ["office"], "replaces": [office.slug],
        "short_description_fr": "Suite bureautique libre.", "short_description_en": "Free office suite.",
        "long_description_fr": "**Gras** <script>alert('x')</script> [lien](javascript:alert(1))",
        "features_fr": ["<b>Tableur</b>"]})
    return {"office": office, "libre": libre}


def test_home_in_both_languages(client, entries):
    response = client.get("/fr/logiciel-libre/")
    assert response.status_code == 200
    assert "Logiciel libre dans l’administration publique" in response.content.decode()
    response = client.get("/en/logiciel-libre/")
    assert response.status_code == 200 and response.headers["Content-Language"] == "en"


def test_search_page_filters_and_bad_input(client, entries):
    response = client.get("/fr/logiciel-libre/catalogue/", {"q": "bureautique"})
    body = response.content.decode()
    assert response.status_code == 200 and "LibreOffice" in body
    response = client.get("/fr/logiciel-libre/catalogue/", {"category": "office"})
    body = response.content.decode()
    assert "LibreOffice" in body and "Microsoft Office</a>" not in body
    response = client.get("/fr/logiciel-libre/catalogue/", {"category": "<script>", "page": "x"})
    assert response.status_code == 400 and "<script>" not in response.content.decode()
    response = client.get("/en/logiciel-libre/catalogue/", {"q": "office suite"})
    assert response.status_code == 200 and "LibreOffice" in response.content.decode()
    export = client.get("/fr/logiciel-libre/catalogue/export/", {"format": "csv", "category": "office"})
    assert export.status_code == 200 and b"libreoffice" in export.content and b"\r\nmicrosoft-office," not in export.content


def test_detail_escapes_and_sanitises(client, entries):
    response = client.get("/fr/logiciel-libre/catalogue/libreoffice/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Gras</strong>" in body and "<script>alert" not in body and "javascript:alert" not in body
    assert "&lt;b&gt;Tableur&lt;/b&gt;" in body
    assert "Peut remplacer" in body and "Microsoft Office" in body
    other = client.get("/fr/logiciel-libre/catalogue/microsoft-office/").content.decode()
    assert "Remplaçable par" in other and "LibreOffice" in other
    assert client.get("/fr/logiciel-libre/catalogue/absent/").status_code == 404


def test_team_adds_and_edits_through_the_form(client, team, stranger):
    client.force_login(stranger)
    assert client.get("/fr/logiciel-libre/ajouter-un-logiciel/").status_code == 403
    client.force_login(team)
    assert client.get("/fr/logiciel-libre/ajouter-un-logiciel/").status_code == 200
    response = client.post("/fr/logiciel-libre/ajouter-un-logiciel/", {"name": "QGIS", "licence": "pas-une-licence",
                                                                       "wikidata_id": "X1"})
    body = response.content.decode()
    assert response.status_code == 400 and 'aria-describedby="s-licence-err"' in body and "Wikidata" in body
    assert not Software.objects.exists()
    response = client.post("/fr/logiciel-libre/ajouter-un-logiciel/", {
        "name": "QGIS", "licence": "GPL-2.0-or-later", "categories": ["geographic-information-systems"],
        "platforms": ["linux", "windows"], "features_fr": "Cartes\nAnalyse", "available_languages": "fr\nen"})
    assert response.status_code == 302 and response["Location"].endswith("/catalogue/qgis/")
    qgis = Software.objects.get(slug="qgis")
    assert qgis.features_fr == ["Cartes", "Analyse"] and qgis.platforms == ["linux", "windows"]
    form = client.get("/fr/logiciel-libre/catalogue/qgis/modifier/")
    assert form.status_code == 200 and "Cartes\nAnalyse" in form.content.decode()
    data = {"name": "QGIS", "licence": "GPL-2.0-or-later", "latest_version": "3.40", "features_fr": "Cartes"}
    assert client.post("/fr/logiciel-libre/catalogue/qgis/modifier/", data).status_code == 302
    qgis.refresh_from_db()
    assert qgis.latest_version == "3.40" and qgis.categories == []


def test_status_form_admins_only(client, entries, team, platform_admin):
    client.force_login(team)
    assert client.get("/fr/logiciel-libre/catalogue/libreoffice/etat/").status_code == 403
    client.force_login(platform_admin)
    response = client.post("/fr/logiciel-libre/catalogue/libreoffice/etat/", {"status": "withdrawn", "reason": ""})
    assert response.status_code == 400 and 'aria-describedby="st-reason-err"' in response.content.decode()
    response = client.post("/fr/logiciel-libre/catalogue/libreoffice/etat/", {"status": "recommended"})
    assert response.status_code == 302
    response = client.post("/fr/logiciel-libre/catalogue/libreoffice/etat/", {"status": "recommended"})
    assert response.status_code == 400
    assert StatusChange.objects.count() == 1
    page = client.get("/fr/logiciel-libre/catalogue/libreoffice/").content.decode()
    assert "Historique de l’état au catalogue" in page and "Recommandé" in page


def test_logo_upload(client, entries, team, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(team)
    url = "/fr/logiciel-libre/catalogue/libreoffice/logo/"
    svg = SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/png")
    assert client.post(url, {"logo": svg}).status_code == 400
    settings.OUVERT_SOFTWARE_LOGO_MAX_BYTES = 50
    big = SimpleUploadedFile("logo.png", PNG, "image/png")
    assert client.post(url, {"logo": big}).status_code == 413
    settings.OUVERT_SOFTWARE_LOGO_MAX_BYTES = 1024
    assert client.post(url, {"logo": SimpleUploadedFile("logo.png", PNG, "image/png")}).status_code == 302
    page = client.get("/fr/logiciel-libre/catalogue/libreoffice/").content.decode()
    assert 'alt="Logo de LibreOffice"' in page


def test_list_page_constant_queries(client, team, django_assert_max_num_queries):
    for n in range(3):
        services.software_save(actor=team, data={"name": f"Outil {n}", "licence": "MIT", "categories": ["office"]})
    with django_assert_max_num_queries(30) as first:
        client.get("/fr/logiciel-libre/catalogue/", {"q": "outil"})
    for n in range(3, 15):
        services.software_save(actor=team, data={"name": f"Outil {n}", "licence": "MIT", "categories": ["office"]})
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/fr/logiciel-libre/catalogue/", {"q": "outil"})


def test_entry_in_english(client, entries):
    body = client.get("/en/logiciel-libre/catalogue/libreoffice/").content.decode()
    assert "Free office suite." in body and "Office</a>" in body  # the category's English label
    listing = client.get("/en/logiciel-libre/catalogue/").content.decode()
    assert "Free office suite." in listing
