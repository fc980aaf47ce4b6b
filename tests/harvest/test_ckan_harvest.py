"""Harvesting a CKAN site (a local fake CKAN answering with real open.canada.ca packages)."""

import datetime

import pytest
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.catalog.models import Dataset
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob, HarvestObject

pytestmark = pytest.mark.django_db


def _run(source, **kwargs):
    job = services.harvest_run(actor=None, source=source, **kwargs)
    job.refresh_from_db()
    return job


def _now():
    return timezone.now().replace(tzinfo=None).isoformat(timespec="microseconds")


def test_first_run_creates_every_dataset_with_its_source_ids(fake_ckan, ckan_source, canada_packages, harvest_org):
    for package in canada_packages[:6]:
        fake_ckan.add(package)
    stages = []
    job = _run(ckan_source, progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert job.status == HarvestJob.Status.FINISHED
    assert job.counts == {"created": 6, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    assert job.full and job.since is None
    # Paged gather (rows=4): two pages, then one package_show per dataset.
    assert [p["start"] for p in fake_ckan.calls_to("package_search")] == ["0", "4"]
    assert len(fake_ckan.calls_to("package_show")) == 6
    assert stages[-1] == ("import", 6, 6)
    for package in canada_packages[:6]:
        dataset = Dataset.objects.get(pk=package["id"])
        assert dataset.name == package["name"] and dataset.organisation == harvest_org
        assert dataset.title_en == package["title_translated"]["en"]
        assert dataset.title_fr == package["title_translated"]["fr"]
        assert dataset.extras["harvest_source_id"] == str(ckan_source.pk)
        assert dataset.extras["harvest_remote_id"] == package["id"]
        assert dataset.resources.count() == len(package["resources"])
        assert {str(r.pk) for r in dataset.resources.all()} == {r["id"] for r in package["resources"]}
    obj = job.harvest_objects.get(guid=canada_packages[0]["id"])
    assert obj.status == HarvestObject.Status.CREATED and obj.content["name"] == canada_packages[0]["name"]
    assert len(obj.content_hash) == 64


def test_incremental_run_asks_only_for_changes_and_propagates_them(fake_ckan, ckan_source, canada_packages):
    for package in canada_packages[:5]:
        fake_ckan.add(package)
    first = _run(ckan_source)
    assert first.created == 5

    # Nothing changed at the source: the second run asks for changes since the first and gets none.
    fake_ckan.calls.clear()
    second = _run(ckan_source)
    assert second.counts == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    assert not second.full and second.since is not None
    assert "metadata_modified:[" in fake_ckan.calls_to("package_search")[0]["fq"]
    assert fake_ckan.calls_to("package_show") == []

    # One changed, one deleted, one added.
    changed = fake_ckan.packages[canada_packages[0]["id"]]
    changed["title_translated"] = {"fr": "Titre révisé à la source", "en": "Title revised at the source"}
    changed["metadata_modified"] = _now()
    del fake_ckan.packages[canada_packages[1]["id"]]
    added = fake_ckan.add(dict(canada_packages[5], metadata_modified=_now()))
    third = _run(ckan_source)
    assert third.counts == {"created": 1, "updated": 1, "deleted": 1, "unchanged": 0, "errors": 0}
    assert Dataset.objects.get(pk=changed["id"]).title_fr == "Titre révisé à la source"
    assert Dataset.objects.get(pk=canada_packages[1]["id"]).state == Dataset.State.DELETED
    assert Dataset.objects.get(pk=added["id"]).state == Dataset.State.ACTIVE
    assert Dataset.objects.filter(extras__harvest_source_id=str(ckan_source.pk)).count() == 6

    # A full run reads everything again: what did not change is not written.
    modified = {d.pk: d.modified_at for d in Dataset.objects.all()}
    full = _run(ckan_source, full=True)
    assert full.counts == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 5, "errors": 0}
    assert {d.pk: d.modified_at for d in Dataset.objects.all()} == modified

    # The deleted dataset comes back at the source: restored.
    fake_ckan.add(dict(canada_packages[1], metadata_modified=_now()))
    back = _run(ckan_source)
    assert back.updated == 1 and Dataset.objects.get(pk=canada_packages[1]["id"]).state == Dataset.State.ACTIVE


def test_an_object_that_fails_is_reported_and_the_job_goes_on(fake_ckan, ckan_source, canada_packages):
    for package in canada_packages[:3]:
        fake_ckan.add(package)
    broken = fake_ckan.packages[canada_packages[1]["id"]]
    broken["maintainer_email"] = "pas une adresse"
    fake_ckan.fail_show.add(canada_packages[2]["id"])  # gone between gather and fetch
    job = _run(ckan_source)
    assert job.status == HarvestJob.Status.FINISHED
    assert job.counts == {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 2}
    bad = job.harvest_objects.get(guid=broken["id"])
    assert bad.status == HarvestObject.Status.ERROR and "maintainer_email" in bad.error
    assert bad.content["maintainer_email"] == "pas une adresse"  # what the source said, for the report
    missing = job.harvest_objects.get(guid=canada_packages[2]["id"])
    assert "Not Found" in missing.error["__all__"][0]
    assert not Dataset.objects.filter(pk=broken["id"]).exists()

    # Fixed at the source without a new metadata_modified: the failed ones are tried again.
    broken["maintainer_email"] = "open-ouvert@tbs-sct.gc.ca"
    fake_ckan.fail_show.clear()
    again = _run(ckan_source)
    assert again.counts["created"] == 2 and again.errors == 0


def test_names_taken_locally_are_never_overwritten(fake_ckan, ckan_source, canada_packages, make_org):
    owner = make_org(slug="mtmd", name_fr="Ministère des Transports")
    package = canada_packages[0]
    local = catalog_services.dataset_create(actor=None, organisation=owner,
                                            data={"name": package["name"], "title_fr": "Un jeu local"})
    fake_ckan.add(package)
    job = _run(ckan_source)
    assert job.created == 1
    harvested = Dataset.objects.get(extras__harvest_remote_id=package["id"])
    assert harvested.name == f"{package['name']}-2" and harvested.pk != local.pk
    local.refresh_from_db()
    assert local.title_fr == "Un jeu local" and local.organisation == owner


def test_unknown_licence_and_groups(fake_ckan, ckan_source, ckan_demo_package):
    fake_ckan.add(dict(ckan_demo_package, license_id="licence-maison",
                       groups=[{"name": "inexistant", "title": "Inexistant"}]))
    job = _run(ckan_source)
    assert job.created == 1
    dataset = Dataset.objects.get(extras__harvest_remote_id=ckan_demo_package["id"])
    assert dataset.licence_id == "notspecified" and not dataset.themes.exists()
    warnings = job.harvest_objects.get().error["warnings"]
    assert any("licence-maison" in w for w in warnings) and any("inexistant" in w for w in warnings)


@pytest.fixture
def ckan_demo_package():
    import json

    from .conftest import CKAN_DATA

    return json.loads((CKAN_DATA / "demo_ckan_org_package_show_62513382.json").read_text())["result"]


def test_an_interrupted_job_resumes_where_it_stopped(fake_ckan, ckan_source, canada_packages):
    for package in canada_packages[:5]:
        fake_ckan.add(package)

    class Stop(Exception):
        pass

    def stop_after_two(stage, done, total):
        if stage == "import" and done == 2:
            raise Stop

    job, _created = services.job_create(actor=None, source=ckan_source)
    with pytest.raises(Stop):
        services.harvest_job_run(job_id=job.pk, progress=stop_after_two)
    job.refresh_from_db()
    assert job.status == HarvestJob.Status.RUNNING and job.gathered and job.heartbeat_at is None  # released
    assert job.harvest_objects.filter(status=HarvestObject.Status.PENDING).count() == 3

    # Another process does not take a job that is alive (a recent sign of life)...
    HarvestJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert services.harvest_job_run(job_id=job.pk).status == HarvestJob.Status.RUNNING
    assert services.harvest_run(actor=None, source=ckan_source).status == HarvestJob.Status.RUNNING
    # ...but it does once it has been silent long enough; nothing is fetched twice.
    HarvestJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    fake_ckan.calls.clear()
    done = services.harvest_job_run(job_id=job.pk)
    assert done.status == HarvestJob.Status.FINISHED and done.attempts == 2
    assert done.counts == {"created": 5, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    assert fake_ckan.calls_to("package_search") == [] and len(fake_ckan.calls_to("package_show")) == 3
    # The command line resumes the unfinished job instead of starting another one.
    assert services.job_create(actor=None, source=ckan_source)[1] is True


def test_source_unreachable_or_not_ckan_fails_the_job_with_a_clear_message(harvest_org, static_server, settings):
    closed = services.source_create(actor=None, name="ferme", type="ckan", url="http://127.0.0.1:9/",
                                    organisation=harvest_org)
    job = _run(closed)
    assert job.status == HarvestJob.Status.FAILED and "connexion impossible" in job.report["error"]

    static_server.put("/api/3/action/package_search", b"<html>pas du JSON</html>", "text/html")
    html = services.source_create(actor=None, name="html", type="ckan", url=static_server.url,
                                  organisation=harvest_org)
    job = _run(html)
    assert job.status == HarvestJob.Status.FAILED and "JSON" in job.report["error"]

    static_server.put("/api/3/action/package_search", b'{"success": true, "result": {"count": 0}}' + b" " * 5000,
                      "application/json")
    settings.OUVERT_HARVEST_MAX_BYTES = 1000
    job = _run(html)
    assert job.status == HarvestJob.Status.FAILED and "trop volumineuse" in job.report["error"]


def test_source_validation_and_permissions(harvest_org, make_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError) as exc:
        services.source_create(actor=None, name="Pas Valide", type="oai", url="ftp://x", organisation=harvest_org,
                               frequency="yearly", config={"rows": 5000, "inconnu": 1})
    assert set(exc.value.message_dict) == {"name", "type", "url", "frequency", "config"}
    stranger = make_user(email="personne@example.org")
    with pytest.raises(PermissionDenied):
        services.source_create(actor=stranger, name="canada", type="ckan", url="https://open.canada.ca/data/en",
                               organisation=harvest_org)
    source = services.source_create(actor=None, name="canada", type="ckan", url="https://open.canada.ca/data/en",
                                    organisation=harvest_org, config='{"fq": "organization:statcan"}')
    assert source.config == {"fq": "organization:statcan"} and source.title == "canada"
    with pytest.raises(ValidationError):
        services.source_create(actor=None, name="canada", type="ckan", url="https://x.example", organisation=harvest_org)
