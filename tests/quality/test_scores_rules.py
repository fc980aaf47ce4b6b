"""The scoring rules (``quality.mqa``), on plain facts: every MQA indicator and every udata-style
check passing and failing, the points of shared (per-resource) indicators, the ratings' boundaries,
and the fixes' texts."""

import copy
import datetime
import json
import uuid

import pytest

from ouvert.quality import mqa

NOW = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.UTC)
LINK_ID = uuid.UUID("00000000-0000-0000-0000-000000000002")


def complete_facts() -> dict:
    """A dataset that earns every point."""
    return {
        "id": uuid.uuid4(), "name": "velos", "state": "active", "private": False,
        "created_at": NOW - datetime.timedelta(days=300), "modified_at": NOW - datetime.timedelta(days=3),
        "title_fr_length": 20, "title_en_length": 18, "notes_fr_length": 320, "notes_en_length": 0,
        "organisation_id": 1, "organisation_slug": "mtmd", "organisation_name_fr": "MTMD",
        "licence_id": "CC-BY-4.0", "licence_is_open": True, "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "author": "", "author_email": "", "maintainer": "Direction des données", "maintainer_email": "donnees@example.org",
        "url": "", "version": "", "frequency": "MONTHLY",
        "temporal_start": datetime.date(2012, 1, 1), "temporal_end": None, "spatial_name": "Montréal", "has_bbox": False,
        "languages": ["fr"], "keywords": {},
        "extra_access_rights": mqa.ACCESS_RIGHTS + "PUBLIC", "extra_rights": "Attribution requise",
        "extra_theme": "", "extra_spatial_uri": "",
        "tag_count": 3, "theme_count": 1,
        "resources": [
            {"id": uuid.UUID(int=1), "number": 1, "kind": "upload", "url": "", "format": "CSV", "media_type": "text/csv",
             "size": 1234, "described": True, "modified_at": NOW - datetime.timedelta(days=3)},
            {"id": LINK_ID, "number": 2, "kind": "link", "url": "https://donnees.example.org/velos.json",
             "format": "JSON", "media_type": "application/json", "size": 999, "described": True,
             "modified_at": NOW - datetime.timedelta(days=10)},
        ],
    }


LINKS_OK = {LINK_ID: True}


def check(result: dict, check_id: str) -> dict:
    return next(c for c in result["checks"] if c["id"] == check_id)


def evaluate(facts, links=None):
    return mqa.evaluate(facts, LINKS_OK if links is None else links, now=NOW)


def test_a_complete_dataset_earns_every_point_and_passes_every_udata_check():
    result = evaluate(complete_facts())
    assert result["points"] == 405 == result["max_points"]
    assert result["rating"] == "excellent"
    assert result["dimensions"] == mqa.DIMENSIONS
    assert result["udata_passed"] == result["udata_total"] == 8
    assert all(c["passed"] and c["fix"] is None for c in result["checks"])
    assert [c["id"] for c in result["checks"]] == [c.id for c in mqa.CHECKS + mqa.UDATA_CHECKS]
    for c in result["checks"]:
        assert set(c) == {"id", "dimension", "points", "max", "passed", "fix"}


def test_the_points_are_data_europa_eus():
    assert mqa.DIMENSIONS == {"findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75,
                              "contextuality": 20}
    assert mqa.MAX_POINTS == 405
    expected = {"keywords": 30, "categories": 30, "spatial": 20, "temporal": 20, "access_url_status": 50,
                "download_url": 20, "download_url_status": 30, "format": 20, "media_type": 10, "format_vocabulary": 10,
                "non_proprietary": 20, "machine_readable": 20, "dcat_ap_compliance": 30, "licence": 20,
                "licence_vocabulary": 10, "access_rights": 10, "access_rights_vocabulary": 5, "contact_point": 20,
                "publisher": 10, "rights": 5, "byte_size": 5, "issued": 5, "modified": 5}
    assert {c.id: c.max for c in mqa.CHECKS} == expected


def _set(**values):
    def change(facts):
        facts.update(values)
    return change


def _resource(number, **values):
    def change(facts):
        facts["resources"][number - 1].update(values)
    return change


def _no_resources(facts):
    facts["resources"] = []


# check id, change, points expected, text the fix must contain
FAILING = [
    ("keywords", _set(tag_count=0, keywords={}), 0, "Ajoutez des mots-clés."),
    ("keywords", _set(tag_count=0, keywords={"fr": []}), 0, "Ajoutez des mots-clés."),
    ("categories", _set(theme_count=0), 0, "Classez le jeu de données dans au moins un thème."),
    ("spatial", _set(spatial_name=""), 0, "couverture géographique"),
    ("temporal", _set(temporal_start=None, temporal_end=None), 0, "couverture temporelle"),
    ("access_url_status", _no_resources, 0, "Ajoutez au moins une ressource"),
    ("download_url", _resource(2, format="HTML"), 10,
     "La ressource 2 n’a pas d’adresse de téléchargement direct"),
    ("download_url", _resource(2, format="API"), 10, "ressource 2"),
    ("download_url_status", _resource(2, format="WMS"), 15, "ressource 2 n’a pas d’adresse de téléchargement"),
    ("format", _resource(2, format=""), 10, "Indiquez le format de la ressource 2."),
    ("media_type", _resource(2, media_type=""), 5, "Indiquez le type de média de la ressource 2"),
    ("media_type", _resource(1, media_type="pas un type"), 5, "ressource 1"),
    ("format_vocabulary", _resource(2, format="FOO"), 5, "ressource 2 (« FOO »)"),
    ("non_proprietary", _resource(2, format="XLSX", media_type=""), 10,
     "La ressource 2 est en XLSX, un format propriétaire : publiez aussi un CSV."),
    ("machine_readable", _resource(2, format="PDF"), 10,
     "La ressource 2 est un PDF, illisible par machine : publiez un CSV."),
    ("dcat_ap_compliance", _set(notes_fr_length=0, notes_en_length=0), 0, "une description"),
    ("dcat_ap_compliance", _resource(2, url=""), 0, "l’adresse d’accès de chaque ressource"),
    ("dcat_ap_compliance", _set(title_fr_length=0), 0, "le titre en français"),
    ("licence", _set(licence_id="notspecified", licence_url="", licence_is_open=False), 0,
     "Choisissez une licence"),
    ("licence_vocabulary", _set(licence_id="other-open", licence_url=""), 0,
     "La licence « other-open » n’a pas d’adresse officielle"),
    ("access_rights", _set(extra_access_rights=""), 0, "access_rights"),
    ("access_rights_vocabulary", _set(extra_access_rights="public"), 0, "« public » ne viennent pas du vocabulaire"),
    ("access_rights_vocabulary", _set(extra_access_rights=""), 0, "Déclarez les droits d’accès"),
    ("contact_point", _set(maintainer="", maintainer_email="", author="", author_email=""), 0,
     "Ajoutez un point de contact."),
    ("publisher", _set(organisation_id=None), 0, "éditeur"),
    ("rights", _set(extra_rights=""), 0, "conditions d’utilisation"),
    ("byte_size", _resource(2, size=None), 2, "Indiquez la taille en octets de la ressource 2."),
    ("issued", _set(created_at=None), 0, "date de publication"),
    ("modified", _set(modified_at=None), 0, "date de dernière modification"),
    ("udata.description_length", _set(notes_fr_length=42), 0, "La description compte 42 caractères"),
    ("udata.resources_documented", _resource(2, described=False), 0, "Décrivez la ressource 2."),
    ("udata.resources_documented", _no_resources, 0, "Ajoutez au moins une ressource"),
    ("udata.open_licence", _set(licence_id="other-closed", licence_is_open=False), 0,
     "La licence « other-closed » n’est pas ouverte"),
    ("udata.frequency_respected", _set(frequency=""), 0, "Indiquez la fréquence de mise à jour."),
    ("udata.frequency_respected", _set(frequency="UNKNOWN"), 0, "Indiquez la fréquence de mise à jour."),
    ("udata.temporal_coverage", _set(temporal_start=None, temporal_end=None), 0, "couverture temporelle"),
    ("udata.spatial_coverage", _set(spatial_name=""), 0, "couverture géographique"),
    ("udata.open_format", _resource(2, format="PDF"), 0, "La ressource 2 est un PDF : publiez un CSV."),
    ("udata.open_format", _resource(2, format="SHP"), 0, "La ressource 2 est un Shapefile : publiez un GeoJSON."),
    ("udata.open_format", _resource(2, format=""), 0, "La ressource 2 n’a pas de format déclaré"),
    ("udata.open_format", _no_resources, 0, "Ajoutez au moins une ressource"),
]


@pytest.mark.parametrize(("check_id", "change", "points", "text"), FAILING,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILING)])
def test_each_check_fails_with_its_fix(check_id, change, points, text):
    facts = complete_facts()
    change(facts)
    result = evaluate(facts)
    found = check(result, check_id)
    assert not found["passed"]
    assert found["points"] == points
    assert found["fix"] is not None and found["fix"]["code"]
    assert text in mqa.fix_text(found["fix"])
    json.dumps(found["fix"])  # plain JSON: stored as is
    if found["dimension"] != mqa.UDATA:
        assert result["points"] == 405 - sum(c["max"] - c["points"] for c in result["checks"]
                                             if c["dimension"] != mqa.UDATA)


# check id, change: the check still passes
PASSING = [
    ("keywords", _set(tag_count=0, keywords={"fr": ["vélo"], "en": []})),
    ("categories", _set(theme_count=0, extra_theme='["http://publications.europa.eu/resource/authority/data-theme/TRAN"]')),
    ("spatial", _set(spatial_name="", has_bbox=True)),
    ("spatial", _set(spatial_name="", extra_spatial_uri="http://sws.geonames.org/6077243/")),
    ("temporal", _set(temporal_start=None, temporal_end=datetime.date(2020, 1, 1))),
    ("download_url", _resource(2, format="GeoJSON")),
    ("non_proprietary", _resource(2, format="pdf")),
    ("format_vocabulary", _resource(2, format=".geojson")),
    ("format_vocabulary", _resource(2, format="Shapefile")),
    ("contact_point", _set(maintainer="", maintainer_email="", author="", author_email="auteur@example.org")),
    ("access_rights_vocabulary", _set(extra_access_rights=mqa.ACCESS_RIGHTS + "RESTRICTED")),
    ("udata.description_length", _set(notes_fr_length=0, notes_en_length=150)),
    ("udata.frequency_respected", _set(frequency="IRREG", modified_at=NOW - datetime.timedelta(days=3000))),
    ("udata.frequency_respected", _set(frequency="NEVER", modified_at=NOW - datetime.timedelta(days=3000))),
    ("udata.frequency_respected", _set(frequency="ANNUAL", modified_at=NOW - datetime.timedelta(days=390))),
    ("udata.open_format", _resource(2, format="WFS")),
]


@pytest.mark.parametrize(("check_id", "change"), PASSING, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASSING)])
def test_each_check_passes_on_other_ways_of_meeting_it(check_id, change):
    facts = complete_facts()
    change(facts)
    found = check(evaluate(facts), check_id)
    assert found["passed"] and found["fix"] is None
    assert found["points"] == found["max"]


def test_availability_counts_uploads_as_available_and_unknown_links_as_no_points():
    facts = complete_facts()
    broken = evaluate(facts, {LINK_ID: False})
    assert check(broken, "access_url_status")["points"] == 25
    assert check(broken, "download_url_status")["points"] == 15
    assert "Le lien de la ressource 2 est brisé" in mqa.fix_text(check(broken, "access_url_status")["fix"])
    assert not check(broken, "udata.all_resources_available")["passed"]
    for links in ({}, {LINK_ID: None}):
        unknown = evaluate(facts, links)
        found = check(unknown, "access_url_status")
        assert found["points"] == 25 and not found["passed"]
        assert "Le lien de la ressource 2 n’a pas encore été vérifié" in mqa.fix_text(found["fix"])
        assert "pas encore été vérifié" in mqa.fix_text(check(unknown, "udata.all_resources_available")["fix"])
    facts["resources"][1]["kind"] = "upload"
    assert check(evaluate(facts, {}), "access_url_status")["passed"]


def test_shared_indicators_round_down_and_name_every_resource_missing():
    facts = complete_facts()
    third = copy.deepcopy(facts["resources"][1])
    third.update(id=uuid.UUID(int=3), number=3, format="", media_type="")
    facts["resources"].append(third)
    facts["resources"][1].update(format="", media_type="")
    result = evaluate(facts, {LINK_ID: True, third["id"]: True})
    assert check(result, "format")["points"] == 6  # 20 × 1/3, rounded down
    assert mqa.fix_text(check(result, "format")["fix"]) == "Indiquez le format des ressources 2 et 3."
    assert check(result, "media_type")["points"] == 3
    text = mqa.fix_text(check(result, "udata.open_format")["fix"])
    assert "La ressource 2 n’a pas de format déclaré" in text and "La ressource 3 n’a pas de format déclaré" in text


def test_frequency_late_says_by_how_much():
    facts = complete_facts()
    facts["modified_at"] = NOW - datetime.timedelta(days=60)
    for resource in facts["resources"]:
        resource["modified_at"] = NOW - datetime.timedelta(days=45)
    found = check(evaluate(facts), "udata.frequency_respected")
    assert not found["passed"]
    assert found["fix"] == {"code": "frequency_late", "params": {"frequency": "MONTHLY", "days": 45, "max_days": 38}}
    assert mqa.fix_text(found["fix"]) == ("Dernière mise à jour il y a 45 jours pour une fréquence mensuelle (au plus "
                                          "38 jours) : publiez les données récentes ou corrigez la fréquence.")
    facts["resources"][0]["modified_at"] = NOW - datetime.timedelta(days=2)  # a new file counts as an update
    assert check(evaluate(facts), "udata.frequency_respected")["passed"]


@pytest.mark.parametrize(("points", "rating"), [
    (405, "excellent"), (351, "excellent"), (350, "good"), (221, "good"), (220, "sufficient"), (121, "sufficient"),
    (120, "bad"), (0, "bad")])
def test_rating_boundaries(points, rating):
    assert mqa.rating_for(points) == rating


def test_a_bare_dataset_is_rated_bad_with_a_fix_for_every_point_missed():
    facts = complete_facts()
    facts.update(tag_count=0, theme_count=0, spatial_name="", temporal_start=None, resources=[], licence_id="notspecified",
                 licence_url="", licence_is_open=False, extra_access_rights="", extra_rights="", maintainer="",
                 maintainer_email="", notes_fr_length=0, frequency="")
    result = evaluate(facts, {})
    assert result["rating"] == "bad"
    assert result["points"] == 10 + 5 + 5  # publisher, issued, modified: the platform records them
    assert result["udata_passed"] == 0
    for found in result["checks"]:
        if not found["passed"]:
            assert mqa.fix_text(found["fix"]), found["id"]


def test_fixes_are_stored_as_codes_and_rendered_in_the_readers_language():
    from django.utils import translation

    facts = complete_facts()
    facts["maintainer"] = facts["maintainer_email"] = ""
    found = check(evaluate(facts), "contact_point")
    assert found["fix"] == {"code": "add_contact_point", "params": {}}
    assert "Ajoutez" not in json.dumps(evaluate(facts)["checks"], ensure_ascii=False)
    with translation.override("fr"):
        assert mqa.fix_text(found["fix"]) == "Ajoutez un point de contact."
    with translation.override("en"):
        text = mqa.fix_text(found["fix"])
    # English comes from the locale (the lead translates the catalogue); whatever it says, it is rendered now.
    assert text


def test_file_types():
    assert mqa.file_type("csv").code == "CSV"
    assert mqa.file_type(" .GeoJSON ").code == "GEOJSON"
    assert mqa.file_type("JSON-LD").code == "JSON_LD"
    assert mqa.file_type("inconnu") is None
    assert mqa.is_open_format("CSV") and not mqa.is_open_format("PDF") and not mqa.is_open_format("XLSX")
