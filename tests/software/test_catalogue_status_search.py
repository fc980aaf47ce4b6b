"""The catalogue's status (with its history), the search with its facets, the logo and the open dataset."""

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core.models import AuditEntry
from ouvert.software import services
from ouvert.software.models import StatusChange, Usage

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def catalogue(team, mcn):
    save = services.software_save
    office = save(actor=team, data={"name": "Microsoft Office", "is_proprietary": True,
                                    "short_description_fr": "Suite bureautique propriétaire."})
    libre = save(actor=team, data={
        "name": "LibreOffice", "licence": "MPL-2.0", "latest_version": "24.8", "categories": ["office"],
        "short_description_fr": "Suite bureautique libre : traitement de texte, tableur, présentations.",
        "short_description_en": "Free office suite: word processor, spreadsheet, presentations.",
        "function_fr": "Bureautique", "features_fr": ["Tableur"], "replaces": [office.slug],
        "software_type": "standalone/desktop"})
    qgis = save(actor=team, data={
        "name": "QGIS", "licence": "GPL-2.0-or-later", "categories": ["geographic-information-systems"],
        "short_description_fr": "Système d'information géographique.", "software_type": "standalone/desktop"})
    outil = save(actor=team, data={
        "name": "Outil de réservation", "licence": "LiLiQ-R-1.1 OR MIT", "categories": ["online-booking"],
        "from_quebec_public_body": True, "publisher": "mcn", "software_type": "standalone/web"})
    return {"office": office, "libre": libre, "qgis": qgis, "outil": outil}


def test_status_history_and_rules(catalogue, platform_admin, team):
    libre = catalogue["libre"]
    with pytest.raises(PermissionDenied):
        services.status_set(actor=team, software=libre, status="recommended")
    services.status_set(actor=platform_admin, software=libre, status="recommended")
    assert libre.status == "recommended" and libre.last_recommended_version == "24.8"
    with pytest.raises(ValidationError) as caught:
        services.status_set(actor=platform_admin, software=libre, status="recommended")
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.status_set(actor=platform_admin, software=libre, status="withdrawn")
    assert "reason" in caught.value.message_dict
    services.software_save(actor=team, software=libre, data={"latest_version": "25.2"})
    services.status_set(actor=platform_admin, software=libre, status="withdrawn", reason="Faille non corrigée.")
    libre.refresh_from_db()
    assert libre.status == "withdrawn" and libre.last_recommended_version == "24.8"
    assert libre.status_reason == "Faille non corrigée."
    services.status_set(actor=platform_admin, software=libre, status="listed")
    history = list(StatusChange.objects.filter(software=libre).order_by("created_at", "pk")
                   .values_list("status_before", "status_after"))
    assert history == [("listed", "recommended"), ("recommended", "withdrawn"), ("withdrawn", "listed")]
    assert AuditEntry.objects.filter(action="software.software.status").count() == 3
    with pytest.raises(ValidationError):
        services.status_set(actor=platform_admin, software=catalogue["office"], status="recommended")
    with pytest.raises(ValidationError):
        services.status_set(actor=platform_admin, software=libre, status="adored")
    with pytest.raises(ValidationError):  # a recommended entry does not become proprietary
        services.status_set(actor=platform_admin, software=catalogue["qgis"], status="recommended")
        services.software_save(actor=team, software=catalogue["qgis"], data={"is_proprietary": True, "licence": ""})


def test_replaces_both_ways(catalogue):
    detail = services.software_detail("microsoft-office")
    assert [s.slug for s in detail["replaced_by"]] == ["libreoffice"]
    assert [s.slug for s in services.software_detail("libreoffice")["replaces"]] == ["microsoft-office"]


def test_search_words_accents_and_languages(catalogue):
    def names(q="", **filters):
        return [s.name for s in services.catalogue_search(q=q, filters=filters)["queryset"]]
    assert names("tableur") == ["LibreOffice"]
    assert names("spreadsheet") == ["LibreOffice"]
    assert names("geographique") == ["QGIS"]  # accents folded
    assert names("reservation") == ["Outil de réservation"]
    assert names("bureautique") == ["LibreOffice", "Microsoft Office"]  # name first
    assert names("Geographic information") == ["QGIS"]  # the category's English label
    assert names(category="office") == ["LibreOffice"]
    assert names(licence="MIT") == ["Outil de réservation"]
    assert names(licence="LiLiQ-R-1.1") == ["Outil de réservation"]
    assert names(quebec="1", publisher="mcn") == ["Outil de réservation"]
    assert names(type="standalone/desktop") == ["LibreOffice", "QGIS"]
    assert names(status="listed") == ["LibreOffice", "Microsoft Office", "Outil de réservation", "QGIS"]


def test_facets_and_bad_filters(catalogue):
    result = services.catalogue_search(filters={"type": "standalone/desktop"})
    licences = {f["value"]: f["count"] for f in result["facets"]["licence"]}
    assert licences == {"GPL-2.0-or-later": 1, "MPL-2.0": 1}
    types = {f["value"]: f["count"] for f in result["facets"]["type"]}
    assert types == {"standalone/desktop": 2, "standalone/web": 1}  # a facet ignores its own filter
    categories = {f["value"]: f["count"] for f in result["facets"]["category"]}
    assert categories == {"office": 1, "geographic-information-systems": 1}
    for bad in ({"category": "nope"}, {"status": "x"}, {"publisher": "absent"}, {"licence": "a b"}, {"quebec": "?"}):
        with pytest.raises(ValidationError):
            services.catalogue_search(filters=bad)
    with pytest.raises(ValidationError):
        services.catalogue_search(sort="random")
    updated = [s.name for s in services.catalogue_search(sort="updated")["queryset"]]
    assert updated[0] == "Outil de réservation"


def test_search_runs_a_fixed_number_of_queries(catalogue, team, django_assert_max_num_queries):
    def run():
        result = services.catalogue_search(q="logiciel")
        list(result["queryset"][:20])
    for n in range(12):
        services.software_save(actor=team, data={"name": f"Logiciel {n}", "licence": "MIT", "categories": ["office"],
                                                 "short_description_fr": "Un logiciel."})
    with django_assert_max_num_queries(12):
        run()


def test_logo_by_content(catalogue, team, stranger, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    libre = catalogue["libre"]
    for content in (PNG, JPEG, WEBP):
        services.logo_set(actor=team, software=libre, content=content)
        assert libre.logo.name.startswith("software/logos/libreoffice")
    assert libre.logo.name.endswith(".webp")
    with pytest.raises(ValidationError):
        services.logo_set(actor=team, software=libre, content=SVG)
    with pytest.raises(ValidationError):
        services.logo_set(actor=team, software=libre, content=b"GIF89a" + b"\x00" * 40)
    settings.OUVERT_SOFTWARE_LOGO_MAX_BYTES = 100
    with pytest.raises(services.LogoTooLarge):
        services.logo_set(actor=team, software=libre, content=PNG + b"\x00" * 100)
    with pytest.raises(PermissionDenied):
        services.logo_set(actor=stranger, software=libre, content=PNG)
    libre.refresh_from_db()
    assert libre.logo.name.endswith(".webp")
    services.logo_set(actor=team, software=libre, content=None)
    assert not libre.logo


def test_open_data(catalogue, mcn, body_member, platform_admin):
    Usage.objects.create(software=catalogue["libre"], organisation=mcn, purpose_fr="Bureautique de tous les postes.",
                         version="24.8", declared_by=body_member)
    services.status_set(actor=platform_admin, software=catalogue["qgis"], status="withdrawn", reason="Remplacé.")
    export = services.open_data_export()
    assert export["organisation"] == "sct"
    files = {r["filename"]: r["content"] for r in export["resources"]}
    rows = list(csv.DictReader(io.StringIO(files["logiciels.csv"].decode("utf-8-sig"))))
    by_slug = {r["identifiant"]: r for r in rows}
    assert by_slug["qgis"]["etat"] == "withdrawn" and by_slug["qgis"]["motif_etat"] == "Remplacé."
    assert by_slug["libreoffice"]["peut_remplacer"] == "microsoft-office"
    assert by_slug["libreoffice"]["nombre_organismes_utilisateurs"] == "1"
    usages = json.loads(files["utilisations.json"])["utilisations"]
    assert usages == [{"logiciel": "libreoffice", "nom_logiciel": "LibreOffice", "organisme": "mcn",
                       "nom_organisme": mcn.name_fr, "utilisation_fr": "Bureautique de tous les postes.",
                       "utilisation_en": "", "version": "24.8", "depuis": "",
                       "declaree_le": usages[0]["declaree_le"]}]
    assert "@" not in files["utilisations.csv"].decode("utf-8-sig")
    assert sorted(files) == ["logiciels.csv", "logiciels.json", "utilisations.csv", "utilisations.json"]


def test_open_data_empty_is_none(db):
    assert services.open_data_export() is None


def test_the_catalogue_lands_in_the_open_data_catalogue(catalogue, sct, settings, tmp_path):
    from ouvert.catalog import services as catalog_services

    settings.MEDIA_ROOT = tmp_path
    dataset = catalog_services.open_data_refresh("software")
    assert dataset.name == "catalogue-logiciels-libres" and dataset.organisation == sct
    assert dataset.licence_id == "CC-BY-4.0"
    assert sorted(dataset.resources.values_list("format", flat=True)) == ["CSV", "CSV", "JSON", "JSON"]
    resource = dataset.resources.get(name_fr="Logiciels du catalogue (CSV)")
    with resource.current_version.file.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    assert "libreoffice" in text and "microsoft-office" in text


def test_every_facet_count_is_the_count_its_filter_gives(team, platform_admin, mcn, montreal, body_member,
                                                         city_member):
    """A facet value's count is what choosing it (with the other filters and the words kept) finds."""
    import random

    rng = random.Random(11)
    licences = ["MIT", "GPL-3.0-or-later", "LiLiQ-R-1.1 OR MIT", "Apache-2.0 WITH LLVM-exception", "MPL-2.0"]
    for n in range(36):
        entry = services.software_save(actor=team, data={
            "name": f"Outil {n}", "licence": rng.choice(licences),
            "categories": rng.sample(["office", "collaboration", "it-security", "data-analytics"], rng.randint(0, 2)),
            "software_type": rng.choice(["", "standalone/web", "library"]),
            "from_quebec_public_body": n % 3 == 0, "publisher": rng.choice(["", "mcn", "ville-montreal"]),
            "short_description_fr": rng.choice(["Gestion des courriels.", "Tableau de bord de données.",
                                                "Gestion documentaire."])})
        if n % 4 == 0:
            services.status_set(actor=platform_admin, software=entry, status="recommended")
        for body, member in ((mcn, body_member), (montreal, city_member)):
            if rng.random() < 0.4:
                Usage.objects.create(software=entry, organisation=body, declared_by=member)
    for q, filters in (("", {}), ("gestion", {}), ("gestion", {"category": "office"}),
                       ("", {"licence": "MIT", "used_by": "mcn"}), ("données", {"quebec": "1", "type": "library"}),
                       ("", {"publisher": "ville-montreal", "status": "recommended"})):
        result = services.catalogue_search(q=q, filters=filters)
        assert result["count"] == result["queryset"].count()
        for name, values in result["facets"].items():
            assert all(item["count"] > 0 for item in values)
            for item in values:
                chosen = services.catalogue_search(q=q, filters={**filters, name: item["value"]})
                assert chosen["queryset"].count() == item["count"], (q, filters, name, item)
        for name in ("status", "quebec"):  # one value an entry: nothing left out
            others = {key: value for key, value in filters.items() if key != name}
            assert sum(item["count"] for item in result["facets"][name]) == \
                services.catalogue_search(q=q, filters=others)["queryset"].count()
