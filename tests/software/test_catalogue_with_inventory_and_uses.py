"""The catalogue searched with the rest of the module: the entries a public body uses (filter ``used_by`` and
its facet), the inventory's code repositories matching the words (page and API), and the inventory following
an entry whose repository address changes."""

import pytest
from django.core.exceptions import ValidationError

from ouvert.core.models import AuditEntry
from ouvert.software import services
from ouvert.software.models import CodeRepository, Usage

pytestmark = pytest.mark.django_db

CSV = ("url;nom;description;organisme;langage;licence;sujets;derniere_activite;archive\n"
       "https://github.com/VilledeMontreal/workit;WorkIt;Travailleur extensible pour Node.js;ville-montreal;"
       "TypeScript;MIT;Camunda;2025-10-14;non\n"
       "https://github.com/mcn/reservation;Réservation;Outil de réservation de salles;mcn;Python;MIT;"
       "réservation;2024-03-01;non\n"
       "https://github.com/mcn/reservation-mobile;Réservation mobile;Application de réservation;mcn;Kotlin;MIT;"
       ";2024-05-01;oui\n")


@pytest.fixture
def entries(team, mcn, montreal, body_member, city_member):
    save = services.software_save
    libre = save(actor=team, data={"name": "LibreOffice", "licence": "MPL-2.0", "categories": ["office"],
                                   "short_description_fr": "Suite bureautique libre."})
    qgis = save(actor=team, data={"name": "QGIS", "licence": "GPL-2.0-or-later",
                                  "short_description_fr": "Système d'information géographique."})
    booking = save(actor=team, data={"name": "Outil de réservation", "licence": "LiLiQ-R-1.1",
                                     "short_description_fr": "Réservation de salles et de matériel."})
    Usage.objects.create(software=libre, organisation=mcn, purpose_fr="Bureautique.", declared_by=body_member)
    Usage.objects.create(software=qgis, organisation=mcn, purpose_fr="Cartes.", declared_by=body_member)
    Usage.objects.create(software=libre, organisation=montreal, purpose_fr="Bureautique.", declared_by=city_member)
    services.repositories_import(actor=team, data=CSV.encode(), filename="depots.csv")
    return {"libre": libre, "qgis": qgis, "booking": booking}


def test_the_entries_a_body_uses(entries, mcn, montreal):
    names = lambda result: [s.name for s in result["queryset"]]  # noqa: E731
    assert names(services.catalogue_search(filters={"used_by": "mcn"})) == ["LibreOffice", "QGIS"]
    assert names(services.catalogue_search(filters={"used_by": "ville-montreal"})) == ["LibreOffice"]
    assert names(services.catalogue_search(q="bureautique", filters={"used_by": "ville-montreal"})) == [
        "LibreOffice"]
    facet = services.catalogue_search()["facets"]["used_by"]
    assert {f["value"]: f["count"] for f in facet} == {"mcn": 2, "ville-montreal": 1}
    # a facet counts among the other filters' matches, not its own
    facet = services.catalogue_search(q="géographique", filters={"used_by": "ville-montreal"})["facets"]["used_by"]
    assert {f["value"]: f["count"] for f in facet} == {"mcn": 1}
    with pytest.raises(ValidationError) as caught:
        services.catalogue_search(filters={"used_by": "inconnu"})
    assert "used_by" in caught.value.message_dict


def test_the_words_find_the_inventory_too(entries):
    found = services.repositories_matching("réservation")
    assert found["count"] == 2
    assert {r.name for r in found["items"]} == {"Réservation", "Réservation mobile"}
    assert services.repositories_matching("") == {"count": 0, "items": []}
    assert services.repositories_matching("  ")["count"] == 0
    assert services.repositories_matching("camunda", limit=1)["items"][0].name == "WorkIt"


def test_the_search_page_shows_the_matching_repositories(client, entries):
    page = client.get("/fr/logiciel-libre/catalogue/", {"q": "réservation"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Outil de réservation" in html
    assert "Dans l’inventaire des dépôts de code : 2 dépôts" in html
    assert 'href="https://github.com/mcn/reservation"' in html
    assert "/fr/logiciel-libre/inventaire/?q=r%C3%A9servation" in html
    # without words, or with words the inventory does not have, no such section
    assert "inventaire des dépôts de code :" not in client.get("/fr/logiciel-libre/catalogue/").content.decode()
    html = client.get("/fr/logiciel-libre/catalogue/", {"q": "bureautique"}).content.decode()
    assert "LibreOffice" in html and "inventaire des dépôts de code :" not in html
    english = client.get("/en/logiciel-libre/catalogue/", {"q": "réservation"})
    assert "In the code repositories inventory: 2 repositories" in english.content.decode()


def test_the_search_page_lists_bodies_using_software(client, entries):
    html = client.get("/fr/logiciel-libre/catalogue/", {"used_by": "ville-montreal"}).content.decode()
    assert '<option value="ville-montreal" selected>' in html
    assert "1 logiciel" in html and "QGIS" not in html
    assert client.get("/fr/logiciel-libre/catalogue/", {"used_by": "<script>"}).status_code == 400


def test_the_api_gives_the_repositories_and_the_used_by_filter(client, entries):
    body = client.get("/api/v1/software/catalogue", {"q": "réservation"}).json()
    assert [r["name"] for r in body["results"]] == ["Outil de réservation"]
    assert body["repositories"]["count"] == 2
    assert {r["url"] for r in body["repositories"]["results"]} == {"https://github.com/mcn/reservation",
                                                                   "https://github.com/mcn/reservation-mobile"}
    assert client.get("/api/v1/software/catalogue").json()["repositories"] == {"count": 0, "results": []}
    body = client.get("/api/v1/software/catalogue", {"used_by": "mcn"}).json()
    assert [r["slug"] for r in body["results"]] == [entries["libre"].slug, entries["qgis"].slug]
    assert {f["value"] for f in body["facets"]["used_by"]} == {"mcn", "ville-montreal"}
    bad = client.get("/api/v1/software/catalogue", {"used_by": "personne"})
    assert bad.status_code == 400 and "used_by" in bad.json()["errors"]


def test_the_catalogue_with_inventory_runs_a_constant_number_of_queries(client, team, entries, mcn,
                                                                        django_assert_max_num_queries):
    url = "/fr/logiciel-libre/catalogue/"
    with django_assert_max_num_queries(40) as first:
        assert client.get(url, {"q": "réservation"}).status_code == 200
    with django_assert_max_num_queries(40) as first_api:
        client.get("/api/v1/software/catalogue", {"q": "réservation"})
    rows = "".join(f"https://github.com/mcn/reservation-{n};Réservation {n};Réservation {n};mcn;Python;MIT;;"
                   f"2024-01-01;non\n" for n in range(20))
    services.repositories_import(actor=team, data=(CSV.splitlines()[0] + "\n" + rows).encode(), filename="x.csv")
    for n in range(10):
        services.software_save(actor=team, data={"name": f"Réservation {n}", "licence": "MIT"})
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get(url, {"q": "réservation"}).content.decode()
    assert "22 dépôts" in html
    with django_assert_max_num_queries(len(first_api.captured_queries)):
        body = client.get("/api/v1/software/catalogue", {"q": "réservation"}).json()
    assert body["repositories"]["count"] == 22 and len(body["repositories"]["results"]) == 5


def test_the_inventory_follows_an_entry_whose_address_changes(team, entries):
    workit = CodeRepository.objects.get(name="WorkIt")
    assert workit.software is None
    # a new entry with the repository's address takes it at once
    entry = services.software_save(actor=team, data={"name": "WorkIt", "licence": "MIT",
                                                      "repository_url": "https://github.com/VilledeMontreal/workit.git"})
    workit.refresh_from_db()
    assert workit.software == entry
    # the address changes: the repository is let go, and the one now named is taken
    services.software_save(actor=team, software=entry, data={"repository_url": "https://github.com/mcn/reservation"})
    assert CodeRepository.objects.get(name="WorkIt").software is None
    assert CodeRepository.objects.get(name="Réservation").software == entry
    # saving again without changing the address touches nothing
    before = AuditEntry.objects.count()
    services.software_save(actor=team, software=entry, data={"latest_version": "2.0"})
    assert CodeRepository.objects.get(name="Réservation").software == entry
    assert AuditEntry.objects.count() == before + 1
    # the address is removed: nothing is linked any more
    services.software_save(actor=team, software=entry, data={"repository_url": ""})
    assert not CodeRepository.objects.filter(software=entry).exists()
