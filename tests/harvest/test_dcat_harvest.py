"""Harvesting DCAT catalogues (real samples from ``../shared/corpus/dcat/`` served by a local server)."""

import pytest

from ouvert.catalog.models import Dataset
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob, HarvestObject

from .conftest import DCAT_DATA

pytestmark = pytest.mark.django_db

NOBEL = (DCAT_DATA / "nobelprize_dcat_catalog.rdf").read_bytes()
MADRID = (DCAT_DATA / "datos_gob_es_madrid_dataset.ttl").read_bytes()
SEMIC = (DCAT_DATA / "semic_example_ms_catalogue_2.2.0-hvd.ttl").read_bytes()
HYDRA = "http://www.w3.org/ns/hydra/core#"


def _run(source, **kwargs):
    job = services.harvest_run(actor=None, source=source, **kwargs)
    job.refresh_from_db()
    return job


def test_dcat_source_created_unchanged_updated_deleted(static_server, harvest_org):
    url = static_server.put("/catalogue.rdf", NOBEL, "application/rdf+xml")
    source = services.source_create(actor=None, name="nobel", title="Nobel Prize", type="dcat", url=url,
                                    organisation=harvest_org)
    first = _run(source)
    assert first.status == HarvestJob.Status.FINISHED, first.report
    assert first.counts == {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    dataset = Dataset.objects.get(extras__harvest_source_id=str(source.pk))
    obj = first.harvest_objects.get()
    assert obj.guid == dataset.extras["uri"] == dataset.extras["harvest_remote_id"]
    assert dataset.organisation == harvest_org and dataset.resources.exists()
    resources = {r.pk for r in dataset.resources.all()}

    again = _run(source)
    assert again.counts["unchanged"] == 1 and again.counts["updated"] == 0

    static_server.put("/catalogue.rdf", NOBEL.replace(b"Linked Nobel prizes", b"Prix Nobel (donn\xc3\xa9es li\xc3\xa9es)"), "application/rdf+xml")
    changed = _run(source)
    assert changed.counts["updated"] == 1
    dataset.refresh_from_db()
    assert dataset.title_fr == "Prix Nobel (données liées)"
    assert {r.pk for r in dataset.resources.all()} == resources  # matched on their source URI, not recreated

    static_server.put("/catalogue.rdf", SEMIC, "text/turtle")
    replaced = _run(source)
    assert replaced.counts["deleted"] == 1 and replaced.counts["created"] >= 1, replaced.counts
    dataset.refresh_from_db()
    assert dataset.state == Dataset.State.DELETED


def test_dcat_pages_are_followed(static_server, harvest_org):
    page2 = static_server.put("/p2.ttl", SEMIC)
    page1 = static_server.put("/p1.ttl", MADRID + f"\n<{static_server.url}/p1.ttl> a <{HYDRA}PagedCollection> ; "
                                                  f"<{HYDRA}next> <{page2}> .\n".encode())
    source = services.source_create(actor=None, name="pages", type="dcat", url=page1, organisation=harvest_org)
    job = _run(source)
    assert job.status == HarvestJob.Status.FINISHED and job.errors == 0, job.report
    assert static_server.requests == ["/p1.ttl", "/p2.ttl"]
    semic_count = job.harvest_objects.count() - 1
    assert semic_count >= 1 and job.created == semic_count + 1


def test_dcat_errors(static_server, harvest_org):
    url = static_server.put("/bad.ttl", b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:pas fini")
    source = services.source_create(actor=None, name="mauvais", type="dcat", url=url, organisation=harvest_org)
    job = _run(source)
    assert job.status == HarvestJob.Status.FAILED and "Turtle" in str(job.report["error"])

    missing = services.source_create(actor=None, name="absent", type="dcat", url=f"{static_server.url}/rien.ttl",
                                     organisation=harvest_org)
    job = _run(missing)
    assert job.status == HarvestJob.Status.FAILED and "404" in job.report["error"]

    # A dataset without a title is one failed object; the others are imported.
    untitled = (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n"
                b"<http://example.org/ds/1> a dcat:Dataset ; dct:identifier \"1\" .\n"
                b"<http://example.org/ds/2> a dcat:Dataset ; dct:title \"Deux\"@fr .\n")
    url = static_server.put("/untitled.ttl", untitled)
    source = services.source_create(actor=None, name="sans-titre", type="dcat", url=url, organisation=harvest_org)
    job = _run(source)
    assert job.counts == {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 1}
    failed = job.harvest_objects.get(status=HarvestObject.Status.ERROR)
    assert failed.guid == "http://example.org/ds/1" and "title_fr" in failed.error
