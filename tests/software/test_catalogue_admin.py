"""The catalogue in Django's admin: entries listed and changed (kept in the search), the status history read
only; and rebuilding the catalogue's search index."""

import pytest

from ouvert.core import search
from ouvert.software import services
from ouvert.software.models import Software

pytestmark = pytest.mark.django_db


def test_admin_pages(client, team, platform_admin):
    software = services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later"})
    services.status_set(actor=platform_admin, software=software, status="observation", reason="Essai.")
    client.force_login(platform_admin)
    assert client.get("/fr/admin/software/software/").status_code == 200
    assert client.get(f"/fr/admin/software/software/{software.pk}/change/").status_code == 200
    assert client.get("/fr/admin/software/statuschange/").status_code == 200
    assert client.get("/fr/admin/software/statuschange/add/").status_code == 403
    client.force_login(team)
    assert client.get("/fr/admin/software/software/").status_code in (302, 403)


def test_reindex(team):
    services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later",
                                             "short_description_en": "Learning platform."})
    Software.objects.update(short_description_en="Course platform.")
    assert services.software_reindex() == 1
    assert [s.name for s in services.catalogue_search(q="course")["queryset"]] == ["Moodle"]
    assert search.is_indexed("software", Software.objects.get().pk)


def _form(software, **changes):
    """The admin's change form as posted, with ``changes``."""
    data = {"name": software.name, "licence": software.licence, "short_description_fr": software.short_description_fr,
            "categories": "[]", "features_fr": "[]", "features_en": "[]", "platforms": "[]",
            "available_languages": "[]", "publiccode": "null", "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0", "status_changes-MIN_NUM_FORMS": "0",
            "status_changes-MAX_NUM_FORMS": "1000"}
    data.update(changes)
    return data


def test_the_admin_checks_entries_as_the_catalogue_does(client, team, platform_admin, mcn):
    software = services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later",
                                                        "short_description_fr": "Plateforme d'apprentissage."})
    other = services.software_save(actor=team, data={"name": "Autre", "licence": "MIT",
                                                     "repository_url": "https://github.com/mcn/autre"})
    client.force_login(platform_admin)
    url = f"/fr/admin/software/software/{software.pk}/change/"
    for changes, field, words in (
            ({"licence": "GPL-3.0+ ET MIT"}, "licence", "SPDX"),
            ({"licence": ""}, "licence", "obligatoire"),
            ({"is_proprietary": "on"}, "licence", "propriétaire"),
            ({"wikidata_id": "Moodle"}, "wikidata_id", "Q"),
            ({"categories": '["pas-une-categorie"]'}, "categories", "pas-une-categorie"),
            ({"repository_url": "https://GitHub.com/mcn/autre.git"}, "repository_url", "Autre")):
        response = client.post(url, _form(software, **changes))
        assert response.status_code == 200, changes
        errors = response.context["adminform"].form.errors
        assert field in errors and words in " ".join(errors[field]), (changes, errors)
    software.refresh_from_db()
    assert software.licence == "GPL-3.0-or-later" and not software.is_proprietary
    # a valid change is written the catalogue's way (the licence spelled as SPDX spells it) and kept in step
    response = client.post(url, _form(software, licence="gpl-3.0-or-later OR liliq-r-1.1",
                                      repository_url="https://github.com/moodle/moodle"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    software.refresh_from_db()
    assert software.licence == "GPL-3.0-or-later OR LiLiQ-R-1.1"
    assert other.slug != software.slug
    # the slug is read only once the entry exists
    assert "slug" in client.get(url).context["adminform"].readonly_fields


def test_an_address_changed_in_the_admin_relinks_the_inventory(client, team, platform_admin, mcn):
    services.repositories_import(actor=team, filename="depots.csv", data=(
        b"url;nom;organisme\nhttps://github.com/mcn/outil;Outil;mcn\n"))
    software = services.software_save(actor=team, data={"name": "Outil", "licence": "MIT"})
    client.force_login(platform_admin)
    response = client.post(f"/fr/admin/software/software/{software.pk}/change/",
                           _form(software, repository_url="https://github.com/mcn/outil"))
    assert response.status_code == 302
    from ouvert.software.models import CodeRepository

    assert CodeRepository.objects.get(name="Outil").software == software
