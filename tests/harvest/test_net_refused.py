"""Harvesting never reaches a private, local or reserved address (``ouvert.core.net``): a source on
127.0.0.1, on the cloud metadata address, or redirecting there fails with « adresse interdite » and
nothing is asked for; allowed by ``OUVERT_OUTBOUND_ALLOWED_HOSTS``, the same source is harvested."""

import re

import pytest
from django.test import Client

from ouvert.catalog.models import Dataset
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob
from tests.harvest.conftest import DCAT_DATA

pytestmark = pytest.mark.django_db

NOBEL = (DCAT_DATA / "nobelprize_dcat_catalog.rdf").read_bytes()


def _run(source):
    job = services.harvest_run(actor=None, source=source)
    job.refresh_from_db()
    return job


def test_a_ckan_source_on_the_loopback_is_refused_then_harvested_once_allowed(fake_ckan, ckan_source, canada_packages,
                                                                            settings, admin_user):
    for package in canada_packages[:2]:
        fake_ckan.add(package)
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = []  # the fixture allowed the local server: not any more
    job = _run(ckan_source)
    assert job.status == HarvestJob.Status.FAILED
    assert re.fullmatch(rf"{re.escape(fake_ckan.url)}/api/3/action/package_search\?\S* : adresse interdite : "
                        r"127\.0\.0\.1 est une adresse privée, locale ou réservée ; aucune requête n'y est envoyée\.",
                        job.report["error"]), job.report["error"]
    assert fake_ckan.calls == [] and Dataset.objects.count() == 0

    # The job's page says why.
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/fr/catalogue/moissonnage/sources/{ckan_source.name}/moissons/{job.pk}/")
    assert page.status_code == 200 and "adresse interdite" in page.content.decode()

    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "127.0.0.1"
    job = _run(ckan_source)
    assert job.status == HarvestJob.Status.FINISHED and job.counts["created"] == 2


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://localhost:5432/",
                                 "http://10.0.0.1/catalogue.ttl", "http://[::ffff:127.0.0.1]/"])
def test_a_dcat_source_on_a_forbidden_address_fails_with_the_reason(harvest_org, url):
    source = services.source_create(actor=None, name="interdite", type="dcat", url=url, organisation=harvest_org)
    job = _run(source)
    assert job.status == HarvestJob.Status.FAILED
    assert job.report["error"].startswith(f"{url} : adresse interdite : "), job.report["error"]


def test_a_redirect_to_the_loopback_is_refused_hop_by_hop(static_server, harvest_org, settings):
    # localhost stands for a public source (allowed by name); it redirects to 127.0.0.1, which is not allowed.
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["localhost"]
    inside = static_server.put("/interne.rdf", NOBEL, "application/rdf+xml")
    static_server.put("/catalogue.rdf", b"", status=302, headers={"Location": inside})
    public = static_server.url.replace("127.0.0.1", "localhost")
    source = services.source_create(actor=None, name="redirigee", type="dcat", url=f"{public}/catalogue.rdf",
                                    organisation=harvest_org)
    job = _run(source)
    assert job.status == HarvestJob.Status.FAILED
    assert job.report["error"].startswith(f"{inside} : adresse interdite : 127.0.0.1 "), job.report["error"]
    assert static_server.requests == ["/catalogue.rdf"]  # the redirect only: the inside file never asked for

    # Allowed too, the same chain is followed to the end.
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "localhost, 127.0.0.1"
    assert _run(source).status == HarvestJob.Status.FINISHED
    assert static_server.requests[1:] == ["/catalogue.rdf", "/interne.rdf"]


def test_fetch_to_file_for_other_modules_refuses_too(tmp_path):
    with pytest.raises(services.HarvestHTTPError) as refused:
        services.fetch_to_file("http://169.254.169.254/latest/user-data", tmp_path / "copie", max_bytes=1000)
    assert "adresse interdite : 169.254.169.254" in refused.value.message and not (tmp_path / "copie").exists()
