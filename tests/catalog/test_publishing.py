"""Publishing through the pages: create a draft, publish, edit, upload a file and a new version
(plain form post and the XMLHttpRequest the progress bar uses), delete, restore; errors next to
their fields; 403 (nothing changed) for people without rights; 413 for too-large files."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.catalog.models import Activity, Dataset, Resource, ResourceVersion

pytestmark = pytest.mark.django_db

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def _form(**changes) -> dict:
    data = {
        "organisation": "mtmd", "name": "comptages-velo", "title_fr": "Comptages de vélos",
        "title_en": "Bicycle counts", "notes_fr": "Passages aux **compteurs**.", "notes_en": "",
        "licence": "CC-BY-4.0", "tags": "vélo, mobilité", "keywords_fr": "vélo", "keywords_en": "bicycle",
        "frequency": "DAILY", "temporal_start": "2012-01-01", "temporal_end": "2012-12-31",
        "spatial_name": "Montréal (06)", "bbox_west": "-73.98", "bbox_south": "45.41", "bbox_east": "-73.47",
        "bbox_north": "45.70", "languages": "fr, en", "author": "", "author_email": "",
        "maintainer": "Équipe des données", "maintainer_email": "donnees@mtmd.example.org", "version": "1.0",
        "url": "https://donnees.example.org/velo", "extras": "source = compteurs\nunite = passages",
        "action": "publish",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_people_are_sent_to_log_in(client, publisher_org):
    response = client.get("/fr/catalogue/publier/")
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_create_draft_publish_edit(client, editor, theme_factory):
    theme_factory("transport", title_fr="Transport")
    client.force_login(editor)
    page = client.get("/fr/catalogue/publier/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="mtmd"' in html and 'name="action" value="draft"' in html and 'value="transport"' in html

    response = client.post("/fr/catalogue/publier/", _form(action="draft", themes="transport"))
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/jeux/comptages-velo/"
    dataset = Dataset.objects.get(name="comptages-velo")
    assert dataset.state == "draft" and dataset.created_by == editor
    assert [t.name for t in dataset.themes.all()] == ["transport"]
    assert sorted(t.name for t in dataset.tags.all()) == ["mobilité", "vélo"]
    assert dataset.keywords == {"fr": ["vélo"], "en": ["bicycle"]} and dataset.languages == ["fr", "en"]
    assert dataset.extras == {"source": "compteurs", "unite": "passages"}
    assert dataset.bbox_west == -73.98 and str(dataset.temporal_end) == "2012-12-31"
    client.logout()
    assert client.get("/fr/catalogue/jeux/comptages-velo/").status_code == 404
    client.force_login(editor)

    edit = client.get("/fr/catalogue/jeux/comptages-velo/modifier/")
    assert edit.status_code == 200 and "Comptages de vélos" in edit.content.decode()
    assert "source = compteurs" in edit.content.decode()
    response = client.post("/fr/catalogue/jeux/comptages-velo/modifier/",
                           _form(title_fr="Comptages de vélos 2012", name="velos-2012", themes="transport"))
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/jeux/velos-2012/"
    dataset.refresh_from_db()
    assert dataset.state == "active" and dataset.title_fr == "Comptages de vélos 2012"
    client.logout()
    assert client.get("/fr/catalogue/jeux/velos-2012/").status_code == 200
    assert client.get("/fr/catalogue/jeux/comptages-velo/").status_code == 301
    assert Activity.objects.filter(dataset=dataset).count() == 2


def test_private_flag(client, editor, member):
    client.force_login(editor)
    client.post("/fr/catalogue/publier/", _form(private="on"))
    assert Dataset.objects.get().private is True
    client.logout()
    assert client.get("/fr/catalogue/jeux/comptages-velo/").status_code == 404
    client.force_login(member)
    assert client.get("/fr/catalogue/jeux/comptages-velo/").status_code == 200


def test_errors_are_shown_next_to_their_fields(client, editor):
    client.force_login(editor)
    response = client.post("/fr/catalogue/publier/", _form(title_fr="", name="Pas Valide",
                                                           temporal_end="2011-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert Dataset.objects.count() == 0
    assert re.search(r'id="id_title_fr"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_title_fr"', html)
    assert 'id="id_title_fr_erreurs"' in html
    assert 'aria-describedby="id_title_fr_erreurs"' in html
    # The service's errors (name format, dates) land next to their fields too, once the form is complete.
    response = client.post("/fr/catalogue/publier/", _form(name="Pas Valide", temporal_end="2011-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_name_erreurs"' in html and "lettres minuscules" in html
    assert 'id="id_temporal_end_erreurs"' in html and "précède son début" in html
    assert 'aria-describedby="id_name_aide id_name_erreurs"' in html
    assert Dataset.objects.count() == 0
    bad_extras = client.post("/fr/catalogue/publier/", _form(extras="sans signe égal"))
    assert bad_extras.status_code == 400 and "clé = valeur" in bad_extras.content.decode()


def test_name_taken_is_an_error_on_name(client, editor, dataset_factory):
    dataset_factory(name="comptages-velo")
    client.force_login(editor)
    response = client.post("/fr/catalogue/publier/", _form())
    assert response.status_code == 400 and "déjà pris" in response.content.decode()
    assert Dataset.objects.count() == 1


def test_people_without_rights_get_403_and_nothing_changes(client, dataset_factory, member, other_org_editor):
    dataset = dataset_factory(name="jeu", title_fr="Titre d'origine")
    client.force_login(member)
    assert client.get("/fr/catalogue/publier/").status_code == 403
    assert client.post("/fr/catalogue/publier/", _form()).status_code == 403
    client.force_login(other_org_editor)
    # Another organisation's editor may publish for their own body, not edit this one.
    assert client.get("/fr/catalogue/publier/").status_code == 200
    assert client.post("/fr/catalogue/publier/", _form(name="intrus")).status_code == 400  # mtmd not a choice
    assert client.post("/fr/catalogue/jeux/jeu/modifier/", _form(name="jeu", title_fr="Piraté")).status_code == 403
    assert client.post("/fr/catalogue/jeux/jeu/supprimer/").status_code == 403
    assert client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                       {"name_fr": "x", "upload": SimpleUploadedFile("x.csv", b"a\n")}).status_code == 403
    xhr = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                      {"name_fr": "x", "upload": SimpleUploadedFile("x.csv", b"a\n")}, **XHR)
    assert xhr.status_code == 403 and "éditeur" in xhr.json()["message"]
    assert client.post("/fr/catalogue/jeux/jeu/restaurer/").status_code == 403
    dataset.refresh_from_db()
    assert dataset.title_fr == "Titre d'origine" and dataset.state == "active"
    assert not Dataset.objects.filter(name="intrus").exists()
    assert Resource.objects.count() == 0 and Activity.objects.filter(dataset=dataset).count() == 1


def test_upload_new_version_link_and_remove(client, dataset_factory, editor):
    dataset_factory(name="jeu")
    client.force_login(editor)
    assert client.get("/fr/catalogue/jeux/jeu/ressources/nouvelle/").status_code == 200
    response = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/", {
        "name_fr": "Comptages", "name_en": "Counts", "upload": SimpleUploadedFile("comptages.csv", b"a;b\n1;2\n")})
    assert response.status_code == 302 and response["Location"].endswith("/fr/catalogue/jeux/jeu/#ressources")
    resource = Resource.objects.get()
    assert resource.kind == "upload" and resource.format == "CSV" and resource.size == 8

    # A new file is a new version; the old one stays downloadable.
    edit_url = f"/fr/catalogue/jeux/jeu/ressources/{resource.pk}/modifier/"
    assert "nouvelle version" in client.get(edit_url).content.decode()
    response = client.post(edit_url, {"name_fr": "Comptages", "upload": SimpleUploadedFile("comptages.csv",
                                                                                           b"a;b\n1;2\n3;4\n")})
    assert response.status_code == 302
    assert list(ResourceVersion.objects.filter(resource=resource).values_list("number", flat=True)) == [2, 1]
    old = client.get(f"/fr/catalogue/jeux/jeu/ressources/{resource.pk}/versions/1/")
    assert b"".join(old.streaming_content) == b"a;b\n1;2\n"
    page = client.get("/fr/catalogue/jeux/jeu/").content.decode()
    assert "version 2" in page and "1 version précédente" in page
    # Changing the metadata only keeps the file.
    assert client.post(edit_url, {"name_fr": "Comptages 2012", "format": "CSV"}).status_code == 302
    resource.refresh_from_db()
    assert resource.name_fr == "Comptages 2012" and resource.current_version.number == 2

    # A link.
    response = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                           {"name_fr": "Portail", "url": "https://example.org/donnees.json"})
    assert response.status_code == 302
    link = Resource.objects.get(name_fr="Portail")
    assert link.kind == "link" and link.format == "JSON"
    # Remove it.
    assert client.post(f"/fr/catalogue/jeux/jeu/ressources/{link.pk}/retirer/").status_code == 302
    link.refresh_from_db()
    assert link.state == "deleted"


def test_upload_with_xmlhttprequest_answers_json(client, dataset_factory, editor):
    dataset_factory(name="jeu")
    client.force_login(editor)
    response = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                           {"name_fr": "Fichier", "upload": SimpleUploadedFile("f.json", b"{}")}, **XHR)
    assert response.status_code == 200 and response.json() == {"redirect": "/fr/catalogue/jeux/jeu/#ressources"}
    bad = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/", {"name_fr": ""}, **XHR)
    assert bad.status_code == 400
    body = bad.json()
    assert set(body["errors"]) == {"name_fr", "upload"} and body["message"]
    bad_url = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                          {"name_fr": "Lien", "url": "javascript:alert(1)"}, **XHR)
    assert bad_url.status_code == 400 and "url" in bad_url.json()["errors"]
    assert Resource.objects.count() == 1


def test_bad_and_too_large_files(client, dataset_factory, editor, settings):
    dataset_factory(name="jeu")
    client.force_login(editor)
    empty = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                        {"name_fr": "Vide", "upload": SimpleUploadedFile("vide.csv", b"")})
    assert empty.status_code == 400 and 'id="id_upload_erreurs"' in empty.content.decode()
    settings.OUVERT_MAX_UPLOAD_BYTES = 100
    too_large = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                            {"name_fr": "Gros", "upload": SimpleUploadedFile("gros.csv", b"x" * 500)})
    assert too_large.status_code == 413 and "trop volumineux" in too_large.content.decode()
    # Far over the limit: refused before the request body is read.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    huge = client.post("/fr/catalogue/jeux/jeu/ressources/nouvelle/",
                       {"name_fr": "Énorme", "upload": SimpleUploadedFile("enorme.csv", b"x" * 5000)}, **XHR)
    assert huge.status_code == 413 and "trop volumineux" in huge.json()["message"]
    assert Resource.objects.count() == 0 and ResourceVersion.objects.count() == 0


def test_delete_and_restore(client, dataset_factory, editor, admin_user):
    dataset = dataset_factory(name="jeu")
    client.force_login(editor)
    assert "Supprimer" in client.get("/fr/catalogue/jeux/jeu/supprimer/").content.decode()
    response = client.post("/fr/catalogue/jeux/jeu/supprimer/")
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/organisations/mtmd/"
    dataset.refresh_from_db()
    assert dataset.state == "deleted"
    assert client.post("/fr/catalogue/jeux/jeu/restaurer/").status_code == 403  # editors cannot restore
    client.logout()
    assert client.get("/fr/catalogue/jeux/jeu/").status_code == 404
    client.force_login(admin_user)
    page = client.get("/fr/catalogue/jeux/jeu/").content.decode()
    assert "supprimé" in page and "Restaurer" in page
    assert client.post("/fr/catalogue/jeux/jeu/restaurer/").status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == "active"
    again = client.post("/fr/catalogue/jeux/jeu/restaurer/", follow=True)
    assert "pas supprimé" in again.content.decode()


def test_english_publishing_pages(client, editor, dataset_factory):
    dataset_factory(name="jeu")
    client.force_login(editor)
    for url in ("/en/catalogue/publier/", "/en/catalogue/jeux/jeu/modifier/",
                "/en/catalogue/jeux/jeu/ressources/nouvelle/", "/en/catalogue/jeux/jeu/supprimer/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en-CA">' in response.content.decode()
    response = client.post("/en/catalogue/publier/", _form(name="english"))
    assert response.status_code == 302 and response["Location"] == "/en/catalogue/jeux/english/"
    assert json.loads(json.dumps(Dataset.objects.get(name="english").keywords)) == {"fr": ["vélo"],
                                                                                   "en": ["bicycle"]}
