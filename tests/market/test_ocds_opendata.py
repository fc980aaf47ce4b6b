"""Open by default: the market's catalogue dataset (publisher ``market``), the open-data and policy pages,
and the releases read only in the Django admin."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.core import registry
from ouvert.core import services as core_services
from ouvert.market import ocds
from ouvert.market.models import Contract, Delivery, Opportunity, Release

try:
    from .ocds_validate import assert_valid, award, close
except ImportError:  # tests/market is not a package
    from ocds_validate import assert_valid, award, close

START = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def sct(make_org):
    return make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")


@pytest.fixture
def market(clock, opportunity_factory, supplier_a, supplier_b, sealed_submission):
    """One opportunity awarded, delivered, accepted and paid; one still open; one draft."""
    done = opportunity_factory(reference="DAN-2026-020", start_date=datetime.date(2026, 4, 15),
                               completion_date=datetime.date(2026, 6, 30))
    ocds.release_add(done, ["tender"])
    winner, _ = sealed_submission(done, supplier_b)
    sealed_submission(done, supplier_a)
    close(done, clock)
    contract = award(done, winner, clock, value="42000.00")
    clock.move_to(datetime.datetime(2026, 6, 10, 15, tzinfo=datetime.UTC), tick=False)
    Delivery.objects.create(contract=contract, repository_url="https://git.example.org/pousse/reservation",
                            decision=Delivery.Decision.ACCEPTED, decided_at=timezone.now())
    contract.status, contract.accepted_at = Contract.Status.ACCEPTED, timezone.now()
    contract.payment_status, contract.paid_at = Contract.Payment.PAID, timezone.now()
    contract.save()
    ocds.release_add(done, ["implementation"])
    open_one = opportunity_factory(reference="DAN-2026-021", deadline=timezone.now() + datetime.timedelta(days=20))
    ocds.release_add(open_one, ["tender"])
    sealed_submission(open_one, supplier_a)
    opportunity_factory(reference="DAN-2026-022", status=Opportunity.Status.DRAFT, title_fr="Projet secret")
    return done, open_one


def _resource_text(dataset, name_fr):
    resource = dataset.resources.get(name_fr=name_fr)
    with resource.current_version.file.open("rb") as handle:
        return handle.read().decode("utf-8")


def test_publisher_is_registered(db):
    publisher = registry.open_data_publisher("market")
    assert publisher is not None and publisher.func is ocds.open_data_export
    assert ocds.open_data_export() is None  # nothing public yet


def test_the_market_lands_in_the_catalogue(market, sct):
    done, open_one = market
    dataset = catalog_services.open_data_refresh("market")
    assert dataset.name == "micro-acquisitions-developpe-avec-nous-ocds"
    assert dataset.organisation == sct
    assert dataset.title_fr == "Micro-acquisitions « Développe avec nous » (OCDS)"
    assert dataset.licence_id == "CC-BY-4.0"
    assert catalog_services.open_data_dataset("market") == dataset
    assert sorted(dataset.resources.values_list("name_fr", "format")) == [
        ("Contrats adjugés (CSV)", "CSV"), ("Paquet d'enregistrements OCDS (JSON)", "JSON"),
        ("Paquet de publications OCDS (JSON)", "JSON")]

    releases = json.loads(_resource_text(dataset, "Paquet de publications OCDS (JSON)"))
    assert len(releases["releases"]) == Release.objects.count() == 5 and "links" not in releases
    assert "Projet secret" not in json.dumps(releases, ensure_ascii=False)
    assert_valid(releases)
    records = json.loads(_resource_text(dataset, "Paquet d'enregistrements OCDS (JSON)"))
    assert [r["ocid"] for r in records["records"]] == ["ocds-ouvert-DAN-2026-020", "ocds-ouvert-DAN-2026-021"]
    assert_valid(records)
    # Sealed: the open opportunity's release names no tenderer.
    open_record = records["records"][1]["compiledRelease"]
    assert "numberOfTenderers" not in open_record["tender"] and len(open_record["parties"]) == 1

    rows = list(csv.DictReader(io.StringIO(_resource_text(dataset, "Contrats adjugés (CSV)"))))
    assert rows == [{
        "reference": "DAN-2026-020", "ocid": "ocds-ouvert-DAN-2026-020", "title_fr": done.title_fr,
        "title_en": done.title_en, "buyer": "mcn", "buyer_name": "Ministère de la Cybersécurité et du Numérique",
        "supplier": "Pousse numérique inc.", "supplier_neq": "3345678901", "supplier_sme": "oui",
        "supplier_startup": "oui", "value_cad": "42000.00", "published_at": "2026-03-01T14:00:00Z",
        "deadline": "2026-03-22T14:00:00Z", "awarded_at": "2026-03-27T14:00:00Z", "start_date": "2026-04-15",
        "completion_date": "2026-06-30", "contract_status": "accepted", "accepted_at": "2026-06-10T15:00:00Z",
        "payment_status": "paid", "paid_at": "2026-06-10T15:00:00Z", "licence": "LiLiQ-R-1.1",
        "repository": "https://git.example.org/pousse/reservation", "url": rows[0]["url"]}]

    # Refreshing an unchanged market writes no new version.
    versions = {r.pk: r.current_version_id for r in dataset.resources.all()}
    again = catalog_services.open_data_refresh("market")
    assert again.pk == dataset.pk
    assert {r.pk: r.current_version_id for r in again.resources.all()} == versions


@pytest.mark.django_db(transaction=True)
def test_a_release_refreshes_the_dataset_when_it_commits(clock, opportunity_factory, sct):
    """``open_data_changed("market")`` (what every part calls after a public change) reaches the catalogue."""
    from django.db import transaction

    opportunity = opportunity_factory()
    with transaction.atomic():
        ocds.release_add(opportunity, ["tender"])
        assert core_services.open_data_changed("market") is True
        assert catalog_services.open_data_dataset("market") is None  # not before the commit
    dataset = catalog_services.open_data_dataset("market")
    assert dataset is not None and dataset.resources.count() == 3  # the CSV: its header, no contract yet


def test_open_data_page(client, market, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get("/fr/marches/donnees-ouvertes/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "http://127.0.0.1:8000/api/v1/market/ocds/releases.json" in text
    assert "http://127.0.0.1:8000/api/v1/market/ocds/records.json" in text
    assert "/api/v1/market/ocds/DAN-2026-020/releases.json" in text
    assert 'href="/fr/marches/DAN-2026-020/"' in text
    assert "DAN-2026-022" not in text and "Projet secret" not in text
    assert "2 opportunités publiées" in text and "5 publications OCDS" in text
    assert 'href="/fr/marches/donnees-ouvertes/politique/"' in text
    english = client.get("/en/marches/donnees-ouvertes/")
    assert english.status_code == 200


def test_publication_policy_page(client, db):
    response = client.get("/fr/marches/donnees-ouvertes/politique/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Politique de publication" in text and "Scellé" in text and "avant la date limite" in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    assert client.post("/fr/marches/donnees-ouvertes/politique/").status_code == 405


def test_releases_are_read_only_in_the_admin(client, market, platform_admin):
    client.force_login(platform_admin)
    release = Release.objects.order_by("pk").first()
    base = "/fr/admin/market/release/"
    listing = client.get(base)
    assert listing.status_code == 200 and release.release_id in listing.content.decode()
    detail = client.get(f"{base}{release.pk}/change/")
    assert detail.status_code == 200 and "DAN-2026-020" in detail.content.decode()
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{release.pk}/change/", {"release_id": "changed"}).status_code == 403
    assert client.post(f"{base}{release.pk}/delete/", {"post": "yes"}).status_code == 403
    release.refresh_from_db()
    assert release.release_id == "ocds-ouvert-DAN-2026-020-0001"
    assert Release.objects.count() == 5


def test_the_opportunity_page_links_to_its_packages(client, market, buyer):
    done, _open_one = market
    text = client.get(f"/fr/marches/{done.reference}/").content.decode()
    assert f'href="/api/v1/market/ocds/{done.reference}/releases.json"' in text
    assert f'href="/api/v1/market/ocds/{done.reference}/record.json"' in text
    # A draft's page (seen by its buyer) never links to packages that do not exist.
    client.force_login(buyer)
    draft_page = client.get("/fr/marches/DAN-2026-022/")
    assert draft_page.status_code == 200
    assert "/api/v1/market/ocds/DAN-2026-022/" not in draft_page.content.decode()
    assert client.get("/api/v1/market/ocds/DAN-2026-022/releases.json").status_code == 404


def test_open_data_page_links_to_the_catalogue_dataset(client, market, sct):
    assert "/catalogue/jeux/" not in client.get("/fr/marches/donnees-ouvertes/").content.decode()
    catalog_services.open_data_refresh("market")
    text = client.get("/fr/marches/donnees-ouvertes/").content.decode()
    assert 'href="/fr/catalogue/jeux/micro-acquisitions-developpe-avec-nous-ocds/"' in text
    assert client.get("/fr/catalogue/jeux/micro-acquisitions-developpe-avec-nous-ocds/").status_code == 200
