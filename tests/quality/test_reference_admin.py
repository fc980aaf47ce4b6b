"""The quality module in Django's admin: scores, snapshots, link checks and states, certifications and
their events are listed and shown read-only (changes go through the services and the pages)."""

import datetime

import pytest

from ouvert.catalog import services as catalog_services
from ouvert.quality import availability, certification, linkcheck, scoring
from ouvert.quality.models import CertificationEvent, LinkCheck, QualitySnapshot
from tests.quality.reference_kit import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def test_every_quality_model_is_shown_read_only(client, admin_user, editor, reference_factory):
    dataset = reference_factory(title_fr="Territoires")
    certification.certify(actor=admin_user, dataset=dataset)
    link = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Service", "url": "https://donnees.example.org/territoires.json", "format": "JSON"})
    row = next(iter(catalog_services.link_resources(resource_ids=[link.pk])))
    availability.link_record(resource=row, result=linkcheck.LinkResult(url=row["url"], status=200))
    scoring.snapshot_take(date=datetime.date(2026, 11, 1))
    check = LinkCheck.objects.get()
    snapshot = QualitySnapshot.objects.filter(organisation__isnull=True).get()
    event = CertificationEvent.objects.get()

    client.force_login(admin_user)
    pages = {
        "/fr/admin/quality/datasetscore/": "Territoires",
        f"/fr/admin/quality/datasetscore/{dataset.pk}/change/": "",
        "/fr/admin/quality/qualitysnapshot/": "",
        f"/fr/admin/quality/qualitysnapshot/{snapshot.pk}/change/": "",
        "/fr/admin/quality/linkcheck/": "donnees.example.org",
        f"/fr/admin/quality/linkcheck/{check.pk}/change/": "",
        "/fr/admin/quality/linkstate/": "",
        f"/fr/admin/quality/linkstate/{link.pk}/change/": "",
        "/fr/admin/quality/certification/": f"/fr/catalogue/donnees-de-reference/{dataset.name}/",
        f"/fr/admin/quality/certification/{dataset.pk}/change/": "Certification accordée",
        "/fr/admin/quality/certificationevent/": "Certification accordée",
        f"/fr/admin/quality/certificationevent/{event.pk}/change/": "",
        "/fr/admin/quality/certification/?q=Territoires": "Territoires",
        "/fr/admin/quality/certification/?status__exact=certified": "Territoires",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url
    for model in ("certification", "certificationevent", "datasetscore", "linkcheck", "linkstate",
                  "qualitysnapshot"):
        assert client.get(f"/fr/admin/quality/{model}/add/").status_code == 403
    assert client.post(f"/fr/admin/quality/certification/{dataset.pk}/delete/", {"post": "yes"}).status_code == 403


def test_others_do_not_reach_the_admin(client, editor):
    client.force_login(editor)
    response = client.get("/fr/admin/quality/certification/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
