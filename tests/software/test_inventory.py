"""The inventory of public bodies' code repositories: importing a list as CSV (UTF-8 or Windows-1252, comma or
semicolon), JSON or the Canadian Open Resource Exchange YAML (the real files of the Ville de Montréal and
Statistics Canada), all or nothing with errors by line, idempotent, linked to the catalogue; hostile input;
the search with its filters and facets in a constant number of queries; the pages and the API."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.software import services
from ouvert.software.models import CodeRepository

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
MONTREAL_YML = (DATA / "ore-ero_code_city-of-montreal-qc.yml").read_bytes()
STATCAN_YML = (DATA / "ore-ero_code_statcan.yml").read_bytes()

CSV = ("url;nom;description;organisme;langage;licence;sujets;derniere_activite;archive\n"
       "https://github.com/VilledeMontreal/workit;WorkIt;Travailleur extensible pour Node.js;ville-montreal;"
       "TypeScript;MIT;Camunda;2025-10-14;non\n"
       "HTTPS://www.GitHub.com/mcn/Outil-Données.git/;Outil de données;Nettoyer les données ouvertes;mcn;Python;"
       "LiLiQ-R-1.1 OR GPL-3.0-or-later;\"données; qualité\";2024-03-01;oui\n")


@pytest.fixture
def bodies(mcn, montreal):
    return {"mcn": mcn, "montreal": montreal}


def test_addresses_are_normalised():
    norm = services.repository_url_normalize
    assert norm("HTTP://www.GitHub.com:443/Org/Repo.git/") == "https://github.com/Org/Repo"
    assert norm("https://gitlab.com/grp/sub/proj/?tab=readme#top") == "https://gitlab.com/grp/sub/proj"
    assert norm("https://forge.example.org:8443/a/b") == "https://forge.example.org:8443/a/b"
    for bad in ("javascript:alert(1)", "ftp://example.org/x", "data:text/html,x", "//github.com/a", "https://",
                "https://exa mple.org/a", "file:///etc/passwd", ""):
        assert norm(bad) == "", bad


def test_a_csv_list_is_imported_then_reimporting_changes_nothing(team, bodies):
    report = services.repositories_import(actor=team, data=CSV.encode(), filename="depots.csv")
    assert report == {"format": "csv", "created": 2, "updated": 0, "unchanged": 0, "linked": 0, "rows": 2}
    tool = CodeRepository.objects.get(url="https://github.com/mcn/Outil-Données")
    assert (tool.name, tool.organisation, tool.forge, tool.owner, tool.language) == (
        "Outil de données", bodies["mcn"], "github.com", "mcn", "Python")
    assert tool.licence == "LiLiQ-R-1.1 OR GPL-3.0-or-later" and tool.archived is True
    assert tool.topics == ["données", "qualité"] and tool.last_activity.isoformat() == "2024-03-01"
    imported_at = tool.imported_at
    again = services.repositories_import(actor=team, data=CSV.encode(), filename="depots.csv")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    tool.refresh_from_db()
    assert tool.imported_at == imported_at
    changed = CSV.replace("Nettoyer les données ouvertes", "Nettoyer et valider").replace(";oui\n", ";non\n")
    report = services.repositories_import(actor=team, data=changed.encode("cp1252"), filename="depots.csv")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    tool.refresh_from_db()
    assert tool.description == "Nettoyer et valider" and tool.archived is False
    assert CodeRepository.objects.count() == 2
    assert AuditEntry.objects.filter(action="software.inventory.import").count() == 3


def test_english_columns_and_commas_and_a_default_organisation(team, bodies):
    data = (b"URL,Name,Language,License,Topics,Archived\n"
            b"https://gitlab.com/mcn/api,API,Go,apache-2.0,api;rest,yes\n")
    services.repositories_import(actor=team, data=data, filename="list.csv", organisation="mcn")
    repo = CodeRepository.objects.get()
    assert (repo.organisation, repo.licence, repo.topics, repo.archived, repo.forge) == (
        bodies["mcn"], "Apache-2.0", ["api", "rest"], True, "gitlab.com")


def test_every_error_is_reported_by_line_and_nothing_is_written(team, bodies):
    data = ("url;nom;organisme;licence;derniere_activite;archive\n"
            "javascript:alert(1);Piège;mcn;MIT;;\n"
            "https://github.com/a/b;;inconnu;Pas-Une-Licence;2020-13-45;peut-être\n"
            "https://github.com/c/d;Bon;mcn;MIT;;non\n"
            "https://GITHUB.com/c/d/;Doublon;mcn;MIT;;non\n").encode()
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=data, filename="x.csv")
    messages = caught.value.messages
    assert any(m.startswith("Ligne 2, url : « javascript:alert(1) » n'est pas une adresse web") for m in messages)
    line3 = [m for m in messages if m.startswith("Ligne 3")]
    assert {m.split(",")[1].split(":")[0].strip() for m in line3} == {"name", "organisation", "licence",
                                                                      "last_activity", "archived"}
    assert "Ligne 5, url : cette adresse figure déjà : Ligne 4" in messages
    assert not CodeRepository.objects.exists()


def test_a_json_list(team, bodies):
    data = json.dumps([{"url": "https://github.com/VilledeMontreal/workit", "name": "WorkIt", "organization":
                        "ville-montreal", "topics": ["Camunda", "Worker"], "archived": False, "license": "MIT",
                        "last_activity": "2025-10-14T12:00:00Z"}]).encode()
    assert services.repositories_import(actor=team, data=data, filename="list.json")["created"] == 1
    repo = CodeRepository.objects.get()
    assert repo.organisation == bodies["montreal"] and repo.topics == ["Camunda", "Worker"]
    assert repo.last_activity.isoformat() == "2025-10-14"
    bad = json.dumps({"repositories": [{"url": "https://x.org/a", "name": "A", "colour": "red"}, "texte",
                                       {"url": 12, "name": ["x"]}]}).encode()
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=bad, filename="list.json")
    assert "Entrée 1, colour : clé inconnue" in caught.value.messages
    assert "Entrée 2 : un objet est attendu." in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=b'{"url": ', filename="list.json")
    assert "Le fichier JSON est illisible" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        services.repositories_import(actor=team, data=b"[" * 100_000, filename="list.json")
    assert CodeRepository.objects.count() == 1


def test_the_real_montreal_open_resource_exchange_file(team, make_org):
    city = make_org(slug="ville-de-montreal", kind="municipality", name_fr="Ville de Montréal")
    report = services.repositories_import(actor=team, data=MONTREAL_YML, filename="city-of-montreal-qc.yml")
    assert report["format"] == "yaml" and report["created"] == 2
    ckan = CodeRepository.objects.get(url="https://github.com/VilledeMontreal/CKAN-Extension-Territoire")
    assert (ckan.name, ckan.description, ckan.licence, ckan.language) == (
        "CKAN-Extension-Territoire", "Extension CKAN de la ville de Montréal", "MIT", "Python")
    assert ckan.organisation == city and ckan.topics == ["Extension CKAN", "Catalogue de données"]
    assert ckan.last_activity.isoformat() == "2019-01-29" and ckan.owner == "VilledeMontreal"
    workit = CodeRepository.objects.get(name="WorkIt")
    assert workit.language == "JavaScript" and workit.description.startswith("Worker extensible pour Node.js")
    again = services.repositories_import(actor=team, data=MONTREAL_YML, filename="city-of-montreal-qc.yml")
    assert again["unchanged"] == 2 and again["created"] == again["updated"] == 0


def test_the_real_statcan_file_needs_an_organisation_chosen_at_import(team, mcn):
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=STATCAN_YML, filename="statcan.yml")
    assert "« statcan » (adminCode)" in caught.value.message_dict["organisation"][0]
    report = services.repositories_import(actor=team, data=STATCAN_YML, filename="statcan.yml", organisation="mcn")
    assert report["created"] == 4
    lode = CodeRepository.objects.get(url="https://github.com/CSBP-CPSE/LODE-ECDO")
    assert lode.name == "Environnement de couplage de données ouvertes (ECDO)"
    cleaner = CodeRepository.objects.get(url="https://github.com/StatCan/volume-cleaner")
    assert (cleaner.name, cleaner.licence, cleaner.language) == ("Nettoyeur de Volumes", "AGPL-3.0-only", "Go")
    assert CodeRepository.objects.get(name="Drupal WxT").licence == "GPL-2.0-only"


def test_the_mapping_of_admin_codes_is_a_setting(team, mcn, settings):
    settings.OUVERT_SOFTWARE_ORE_ORGANISATIONS = {"statcan": "mcn"}
    assert services.repositories_import(actor=team, data=STATCAN_YML, filename="s.yaml")["created"] == 4
    assert set(CodeRepository.objects.values_list("organisation__slug", flat=True)) == {"mcn"}


def test_hostile_yaml_is_refused(team, mcn):
    bomb = b'schemaVersion: "1.0"\nadminCode: mcn\na: &a ["x","x","x","x","x","x","x","x","x"]\n'
    bomb += b"".join(b"%s: &%s [%s]\n" % (chr(98 + n).encode(), chr(98 + n).encode(),
                                          b",".join([b"*" + chr(97 + n).encode()] * 9)) for n in range(8))
    bomb += b"releases: [*i]\n"
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=bomb, filename="bomb.yml")
    assert "alias" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=b"!!python/object/apply:os.system ['true']\n",
                                     filename="x.yml")
    assert "YAML est illisible" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        services.repositories_import(actor=team, data=b"schemaVersion: '2.0'\nreleases: []\n", filename="x.yml")
    with pytest.raises(ValidationError):
        services.repositories_import(actor=team, data=b"a: 1\n---\nb: 2\n", filename="x.yml")
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data="schemaVersion: '1.0'\n".encode("utf-16"), filename="x.yml")
    assert "octets nuls" in caught.value.messages[0] or "UTF-8" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        services.repositories_import(actor=team, data=b"schemaVersion: '1.0'\nadminCode: x\nreleases:\n  - \xff\n",
                                     filename="x.yml")
    assert "UTF-8" in caught.value.messages[0]
    assert not CodeRepository.objects.exists()


def test_size_limit_and_permissions(team, mcn, body_member, stranger, settings):
    settings.OUVERT_SOFTWARE_IMPORT_MAX_BYTES = 50
    with pytest.raises(services.ImportTooLarge):
        services.repositories_import(actor=team, data=CSV.encode(), filename="x.csv")
    settings.OUVERT_SOFTWARE_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    for person in (body_member, stranger):
        with pytest.raises(PermissionDenied):
            services.repositories_import(actor=person, data=CSV.encode(), filename="x.csv")
        with pytest.raises(PermissionDenied):
            services.repositories_link(actor=person)
    with pytest.raises(ValidationError):
        services.repositories_import(actor=team, data=b"", filename="x.csv")
    with pytest.raises(ValidationError):
        services.repositories_import(actor=team, data=b"nom;langage\nA;Go\n", filename="x.csv")


def test_repositories_are_linked_to_the_catalogue_at_import_and_on_demand(team, bodies, software_factory):
    workit = software_factory(slug="workit", name="WorkIt", repository_url="http://github.com/VilledeMontreal/workit.git")
    report = services.repositories_import(actor=team, data=CSV.encode(), filename="x.csv")
    assert report["linked"] == 1
    assert CodeRepository.objects.get(name="WorkIt").software == workit
    tool = software_factory(slug="outil", name="Outil", repository_url="https://github.com/mcn/Outil-Données")
    assert services.repositories_link(actor=team) == {"linked": 1, "unlinked": 0}
    assert CodeRepository.objects.get(name="Outil de données").software == tool
    workit.repository_url = "https://gitlab.com/ailleurs/workit"
    workit.save()
    assert services.repositories_link(software=workit) == {"linked": 0, "unlinked": 1}
    assert CodeRepository.objects.get(name="WorkIt").software is None
    assert services.repositories_link(actor=team) == {"linked": 0, "unlinked": 0}


# --- Search -------------------------------------------------------------------------------------------

def test_search_by_words_and_filters_with_facets(team, bodies):
    services.repositories_import(actor=team, data=CSV.encode(), filename="x.csv")
    services.repositories_import(actor=team, data=MONTREAL_YML, filename="m.yml", organisation="ville-montreal")
    names = lambda result: [r.name for r in result["queryset"]]  # noqa: E731
    assert names(services.repository_search(q="camunda")) == ["WorkIt"]
    assert set(names(services.repository_search(q="donnees"))) == {"CKAN-Extension-Territoire", "Outil de données"}
    assert names(services.repository_search(q="Cybersécurité")) == ["Outil de données"]
    assert names(services.repository_search(filters={"licence": "GPL-3.0-or-later"})) == ["Outil de données"]
    assert names(services.repository_search(filters={"licence": "MIT"})) == ["CKAN-Extension-Territoire", "WorkIt"]
    assert names(services.repository_search(filters={"archived": "oui"})) == ["Outil de données"]
    assert names(services.repository_search(filters={"organisation": "ville-montreal", "language": "python"})) == [
        "CKAN-Extension-Territoire"]
    result = services.repository_search(filters={"forge": "github.com"}, sort="activity")
    assert names(result)[0] == "WorkIt"
    assert {f["value"]: f["count"] for f in result["facets"]["licence"]} == {"MIT": 2, "LiLiQ-R-1.1": 1,
                                                                            "GPL-3.0-or-later": 1}
    assert {f["value"]: f["count"] for f in result["facets"]["organisation"]} == {"mcn": 1, "ville-montreal": 2}
    with pytest.raises(ValidationError):
        services.repository_search(filters={"archived": "peut-être"})
    with pytest.raises(ValidationError):
        services.repository_search(sort="hasard")


def _many(team, start, count):
    rows = "".join(f"https://github.com/mcn/depot-{n};Dépôt {n};Outil {n};mcn;Python;MIT;outil;2024-01-01;non\n"
                   for n in range(start, start + count))
    services.repositories_import(actor=team, data=(CSV.splitlines()[0] + "\n" + rows).encode(), filename="x.csv")


def test_the_search_page_and_api_run_a_constant_number_of_queries(client, team, bodies, software_factory,
                                                                 django_assert_max_num_queries):
    _many(team, 0, 2)
    url = reverse("software:inventory") + "?q=outil&language=Python"
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    baseline = len(few.captured_queries)
    with django_assert_max_num_queries(40) as few_api:
        client.get("/api/v1/software/repositories?q=outil")
    api_baseline = len(few_api.captured_queries)
    _many(team, 2, 15)
    software_factory(slug="d3", repository_url="https://github.com/mcn/depot-3")
    services.repositories_link(actor=team)
    with django_assert_max_num_queries(baseline):
        page = client.get(url)
    assert page.status_code == 200 and "Dépôt 9" in page.content.decode()
    with django_assert_max_num_queries(api_baseline):
        body = client.get("/api/v1/software/repositories?q=outil&per_page=100").json()
    assert body["count"] == 17


# --- Pages and API ------------------------------------------------------------------------------------

def test_the_inventory_page(client, team, bodies):
    services.repositories_import(actor=team, data=CSV.encode(), filename="x.csv")
    response = client.get("/fr/logiciel-libre/inventaire/?licence=LiLiQ-R-1.1")
    text = response.content.decode()
    assert response.status_code == 200 and "Outil de données" in text and "WorkIt" not in text
    assert client.get("/fr/logiciel-libre/inventaire/?archived=peut-etre").status_code == 400
    assert client.get("/en/logiciel-libre/inventaire/").status_code == 200
    assert "Outil de données" in client.get("/fr/logiciel-libre/organismes/mcn/").content.decode()


def test_the_import_page(client, team, bodies, stranger, settings):
    url = reverse("software:inventory_import")
    assert client.get(url).status_code == 302
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    client.force_login(team)
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("x.csv", CSV.encode())})
    assert response.status_code == 200 and "2 dépôt(s) ajouté(s)" in response.content.decode()
    bad = client.post(url, {"file": SimpleUploadedFile("x.csv", b"url;nom\nftp://x.org/a;A\n")})
    assert bad.status_code == 400 and "Ligne 2, url" in bad.content.decode()
    assert client.post(url, {}).status_code == 400
    settings.OUVERT_SOFTWARE_IMPORT_MAX_BYTES = 20
    assert client.post(url, {"file": SimpleUploadedFile("x.csv", CSV.encode())}).status_code == 413
    assert client.post(reverse("software:inventory_link")).status_code == 302
    client.force_login(stranger)
    assert client.post(reverse("software:inventory_link")).status_code == 403


def test_the_api_import_and_search(client, team, mcn, stranger, settings):
    auth = {"HTTP_AUTHORIZATION": core_services.token_create(user=team)}
    endpoint = "/api/v1/software/repositories/import"
    assert client.post(endpoint, {"file": SimpleUploadedFile("s.yml", STATCAN_YML)}).status_code == 401
    other = {"HTTP_AUTHORIZATION": core_services.token_create(user=stranger)}
    assert client.post(endpoint, {"file": SimpleUploadedFile("s.yml", STATCAN_YML)}, **other).status_code == 403
    response = client.post(endpoint, {"file": SimpleUploadedFile("s.yml", STATCAN_YML), "organisation": "mcn"}, **auth)
    assert response.status_code == 200 and response.json()["created"] == 4
    bad = client.post(endpoint, {"file": SimpleUploadedFile("x.csv", b"url;nom\njavascript:x;A\n")}, **auth)
    assert bad.status_code == 400 and bad.json()["errors"]["__all__"][0].startswith("Ligne 2, url")
    settings.OUVERT_SOFTWARE_IMPORT_MAX_BYTES = 100
    assert client.post(endpoint, {"file": SimpleUploadedFile("s.yml", STATCAN_YML)}, **auth).status_code == 413
    listing = client.get("/api/v1/software/repositories?language=Go").json()
    assert listing["count"] == 1 and listing["results"][0]["name"] == "Nettoyeur de Volumes"
    assert listing["results"][0]["organisation"]["slug"] == "mcn"
    pk = listing["results"][0]["id"]
    assert client.get(f"/api/v1/software/repositories/{pk}").json()["licence"] == "AGPL-3.0-only"
    assert client.get("/api/v1/software/repositories?per_page=0").status_code == 400
    assert client.post("/api/v1/software/repositories/link", **auth).json() == {"linked": 0, "unlinked": 0}


def test_the_open_dataset_has_no_email_and_names_the_catalogue_entry(team, bodies, software_factory):
    from ouvert.software import inventory

    assert inventory.open_data_export() is None
    software_factory(slug="workit", repository_url="https://github.com/VilledeMontreal/workit")
    services.repositories_import(actor=team, data=MONTREAL_YML, filename="m.yml", organisation="ville-montreal")
    export = inventory.open_data_export()
    csv_text = export["resources"][0]["content"].decode()
    assert "@" not in csv_text and "https://github.com/VilledeMontreal/workit" in csv_text
    rows = json.loads(export["resources"][1]["content"])["repositories"]
    assert {r["nom"]: r["logiciel_catalogue"] for r in rows} == {"CKAN-Extension-Territoire": "", "WorkIt": "workit"}
