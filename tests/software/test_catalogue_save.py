"""``software_save`` and its readers: the contract the publiccode.yml import builds on."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.software import services
from ouvert.software.models import Software

pytestmark = pytest.mark.django_db

QGIS = {
    "name": "QGIS", "short_description_fr": "Système d'information géographique libre.",
    "short_description_en": "A free geographic information system.", "function_fr": "cartographie",
    "features_fr": ["Cartes", "Analyse spatiale"], "categories": ["geographic-information-systems"],
    "licence": "gpl-2.0-or-later", "latest_version": "3.40", "release_date": "2024-10-25",
    "website_url": "https://qgis.org", "repository_url": "https://github.com/qgis/QGIS", "wikidata_id": "Q1329181",
    "software_type": "standalone/desktop", "development_status": "stable", "platforms": ["Windows", "linux", "mac"],
    "available_languages": ["fr", "en", "fr-CA"],
}


def test_team_creates_an_entry_with_every_field(team, mcn):
    software = services.software_save(actor=team, data={**QGIS, "publisher": "mcn", "from_quebec_public_body": "on",
                                                        "publiccode": {"publiccodeYmlVersion": "0.4"}})
    software.refresh_from_db()
    assert software.slug == "qgis"
    assert software.licence == "GPL-2.0-or-later"
    assert software.release_date == datetime.date(2024, 10, 25)
    assert software.platforms == ["windows", "linux", "mac"]
    assert software.publisher == mcn and software.from_quebec_public_body is True
    assert software.publiccode == {"publiccodeYmlVersion": "0.4"}
    assert software.created_by == team
    entry = AuditEntry.objects.get(action="software.software.create")
    assert entry.target_id == str(software.pk) and "licence" in entry.data["fields"]
    assert search.is_indexed("software", software.pk)
    assert services.software_get("qgis") == software


def test_slug_made_unique_and_stable(team):
    first = services.software_save(actor=team, data={"name": "Éditeur Libre", "licence": "MIT"})
    second = services.software_save(actor=team, data={"name": "Éditeur libre", "licence": "MIT"})
    assert (first.slug, second.slug) == ("editeur-libre", "editeur-libre-2")
    renamed = services.software_save(actor=team, software=first, data={"name": "Autre nom"})
    assert renamed.slug == "editeur-libre" and renamed.name == "Autre nom"
    with pytest.raises(ValidationError) as caught:
        services.software_save(actor=team, software=first, data={"slug": "nouveau"})
    assert "slug" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.software_save(actor=team, data={"name": "X", "slug": "editeur-libre", "licence": "MIT"})
    assert "slug" in caught.value.message_dict


def test_update_leaves_absent_keys_and_moves_updated_at(team):
    software = services.software_save(actor=team, data=QGIS)
    before = software.updated_at
    updated = services.software_save(actor=team, software=software, data={"latest_version": "3.42"})
    assert updated.latest_version == "3.42" and updated.licence == "GPL-2.0-or-later"
    assert updated.categories == ["geographic-information-systems"] and updated.updated_at > before
    assert AuditEntry.objects.filter(action="software.software.update", target_id=str(software.pk)).count() == 1


def test_every_error_at_once_and_nothing_written(team):
    data = {"name": "", "licence": "NOT-A-LICENCE", "release_date": "2024-13-40", "website_url": "javascript:alert(1)",
            "wikidata_id": "P31", "categories": ["gis"], "software_type": "spaceship", "development_status": "done",
            "available_languages": ["français!"], "publisher": "inconnu", "features_fr": "x" * 400,
            "short_description_fr": "a\x00b", "similar": ["absent"], "publiccode": "pas un dict"}
    with pytest.raises(ValidationError) as caught:
        services.software_save(actor=team, data=data)
    errors = caught.value.message_dict
    for field in ("name", "licence", "release_date", "website_url", "wikidata_id", "categories", "software_type",
                  "development_status", "available_languages", "publisher", "features_fr", "short_description_fr",
                  "similar", "publiccode"):
        assert field in errors, field
    assert "SPDX" in errors["licence"][0]
    assert not Software.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="software.").exists()


def test_licence_rules_for_free_and_proprietary(team):
    with pytest.raises(ValidationError) as caught:
        services.software_save(actor=team, data={"name": "Sans licence"})
    assert "licence" in caught.value.message_dict
    office = services.software_save(actor=team, data={"name": "Microsoft Office", "is_proprietary": True})
    assert office.licence == "" and office.is_proprietary
    with pytest.raises(ValidationError):
        services.software_save(actor=team, data={"name": "Propriétaire", "is_proprietary": True, "licence": "MIT"})
    liliq = services.software_save(actor=team, data={"name": "Outil québécois", "licence": "LiLiQ-R-1.1 OR MIT"})
    assert services.licence_identifiers(liliq.licence) == ["LiLiQ-R-1.1", "MIT"]


def test_wikidata_address_and_future_date(team):
    software = services.software_save(actor=team, data={"name": "LibreOffice", "licence": "MPL-2.0",
                                                        "wikidata_id": "https://www.wikidata.org/wiki/Q10135"})
    assert software.wikidata_id == "Q10135"
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    with pytest.raises(ValidationError) as caught:
        services.software_save(actor=team, software=software, data={"release_date": future})
    assert "release_date" in caught.value.message_dict


def test_similar_and_replaces(team):
    office = services.software_save(actor=team, data={"name": "Microsoft Office", "is_proprietary": True})
    onlyoffice = services.software_save(actor=team, data={"name": "ONLYOFFICE", "licence": "AGPL-3.0-only"})
    libre = services.software_save(actor=team, data={"name": "LibreOffice", "licence": "MPL-2.0",
                                                     "similar": [onlyoffice.slug], "replaces": [office.slug]})
    assert list(onlyoffice.similar.all()) == [libre]  # symmetrical
    assert list(office.replaced_by.all()) == [libre]
    with pytest.raises(ValidationError) as caught:
        services.software_save(actor=team, software=libre, data={"similar": [libre.slug]})
    assert "similar" in caught.value.message_dict


def test_only_the_team(stranger, body_member, platform_admin, team):
    for actor in (None, stranger, body_member):
        with pytest.raises(PermissionDenied):
            services.software_save(actor=actor, data={"name": "X", "licence": "MIT"})
    assert services.software_save(actor=platform_admin, data={"name": "X", "licence": "MIT"}).pk


def test_get_and_by_repository(team):
    software = services.software_save(actor=team, data=QGIS)
    assert services.software_by_repository("HTTPS://GitHub.com/qgis/QGIS.git/") == software
    assert services.software_by_repository("https://github.com/qgis/QGIS/") == software
    assert services.software_by_repository("https://github.com/qgis/other") is None
    assert services.software_by_repository("") is None
    with pytest.raises(core_services.NotFound):
        services.software_get("absent")


def test_one_entry_per_repository(team):
    first = services.software_save(actor=team, data=QGIS)
    with pytest.raises(ValidationError) as caught:  # a second submit of the same form
        services.software_save(actor=team, data={**QGIS, "repository_url": "https://GITHUB.com/qgis/QGIS.git"})
    assert "repository_url" in caught.value.message_dict and "qgis" in caught.value.message_dict["repository_url"][0]
    assert services.software_save(actor=team, software=first, data=QGIS).pk == first.pk  # itself: fine
    assert Software.objects.count() == 1


def test_changes_refresh_the_open_dataset(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later"})
    assert "software" in [getattr(c, "open_data_key", None) for c in callbacks]


def test_menu_link_and_hostile_queries(client, team):
    services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later",
                                             "short_description_fr": "<img src=x onerror=alert(1)>"})
    page = client.get("/fr/").content.decode()
    assert 'href="/fr/logiciel-libre/"' in page and "Logiciel libre" in page
    for q in ('"', "-", "*", "moodle*", '"plate forme', "a" * 2000, "'; DROP TABLE software_software; --"):
        response = client.get("/fr/logiciel-libre/catalogue/", {"q": q})
        assert response.status_code == 200, q
    body = client.get("/fr/logiciel-libre/catalogue/", {"q": "moodle"}).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
