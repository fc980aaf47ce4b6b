"""Periodic jobs (``core.registry.register_periodic`` + ``core.scheduler``), harvest schedules, the
``ouvert harvest`` and ``ouvert scheduler`` commands."""

import datetime

import pytest
from django.utils import timezone

from ouvert import cli
from ouvert.core import registry, scheduler
from ouvert.core.models import PeriodicRun
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob, HarvestSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def periodic(monkeypatch):
    """Only the jobs a test registers (the registry is restored afterwards)."""
    monkeypatch.setattr(registry, "_periodic_jobs", {})
    return registry.register_periodic


def test_a_periodic_job_runs_once_per_period_whatever_the_workers(periodic):
    calls = []
    periodic("test.tick", lambda: calls.append(1), every_seconds=60)
    now = timezone.now()
    assert scheduler.run_due(now=now) == ["test.tick"]
    # A second worker in the same period: its conditional UPDATE changes nothing, it does not run.
    assert scheduler.run_due(now=now + datetime.timedelta(seconds=30)) == []
    assert scheduler.run_due(now=now + datetime.timedelta(seconds=61)) == ["test.tick"]
    assert len(calls) == 2
    job = registry.periodic_jobs()[0]
    later = now + datetime.timedelta(seconds=200)
    assert [scheduler._claim(job, later), scheduler._claim(job, later)] == [True, False]


def test_a_failing_job_is_recorded_and_the_others_run(periodic):
    calls = []
    periodic("a.fails", lambda: 1 / 0, every_seconds=10)
    periodic("b.works", lambda: calls.append(1), every_seconds=10)
    assert scheduler.run_due() == ["a.fails", "b.works"] and calls == [1]
    assert "ZeroDivisionError" in PeriodicRun.objects.get(name="a.fails").last_error
    assert PeriodicRun.objects.get(name="b.works").last_error == ""
    with pytest.raises(ValueError):
        periodic("bad", lambda: None, every_seconds=0)


def test_harvest_is_registered_as_a_periodic_job():
    assert "harvest.due_sources" in {job.name for job in registry.periodic_jobs()}


def test_due_sources_are_harvested_in_the_background(fake_ckan, harvest_org, canada_packages,
                                                    django_capture_on_commit_callbacks):
    for package in canada_packages[:2]:
        fake_ckan.add(package)
    daily = services.source_create(actor=None, name="quotidienne", type="ckan", url=fake_ckan.url,
                                   organisation=harvest_org, frequency="daily")
    services.source_create(actor=None, name="manuelle", type="ckan", url=fake_ckan.url, organisation=harvest_org)
    services.source_create(actor=None, name="inactive", type="ckan", url=fake_ckan.url, organisation=harvest_org,
                           frequency="hourly", active=False)
    # Tests run tasks immediately (once the transaction commits): the enqueued job runs to its end.
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = services.harvest_schedule_due()
    assert len(enqueued) == 1
    job = HarvestJob.objects.get(pk=enqueued[0])
    assert job.source == daily and job.status == HarvestJob.Status.FINISHED and job.created == 2
    assert services.harvest_schedule_due() == []  # not due again before a day
    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.harvest_schedule_due(now=later)
    assert len(again) == 1 and HarvestJob.objects.get(pk=again[0]).status == HarvestJob.Status.FINISHED

    # An interrupted job (silent for long) is enqueued again and resumed.
    stuck = HarvestJob.objects.create(source=daily, status=HarvestJob.Status.RUNNING,
                                      heartbeat_at=timezone.now() - datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.harvest_schedule_due() == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == HarvestJob.Status.FINISHED


def test_harvest_commands(fake_ckan, harvest_org, canada_packages, capsys):
    for package in canada_packages[:3]:
        fake_ckan.add(package)
    assert cli.main(["harvest", "add", "canada", "--type", "ckan", "--url", fake_ckan.url,
                     "--organisation", harvest_org.slug, "--frequency", "weekly", "--config", '{"rows": 2}']) == 0
    source = HarvestSource.objects.get(name="canada")
    assert source.frequency == "weekly" and source.config == {"rows": 2}
    assert cli.main(["harvest", "add", "canada", "--type", "ckan", "--url", fake_ckan.url,
                     "--organisation", harvest_org.slug]) == 2
    assert "déjà" in capsys.readouterr().err
    assert cli.main(["harvest", "run", "canada"]) == 0
    assert "3 créé(s)" in capsys.readouterr().out
    assert cli.main(["harvest", "run", "canada", "--full"]) == 0
    assert "3 inchangé(s)" in capsys.readouterr().out
    assert cli.main(["harvest", "list"]) == 0
    assert "canada" in capsys.readouterr().out
    assert cli.main(["harvest", "run", "inconnue"]) == 2
    assert cli.main(["scheduler", "--once"]) == 0


def test_an_interrupted_job_of_a_manual_source_is_resumed(fake_ckan, harvest_org, canada_packages,
                                                         django_capture_on_commit_callbacks):
    """A job started from the pages (manual source) whose worker died is resumed by the scheduler;
    a manual source never gets a new job from it."""
    fake_ckan.add(canada_packages[0])
    manual = services.source_create(actor=None, name="manuelle", type="ckan", url=fake_ckan.url,
                                    organisation=harvest_org)
    assert services.harvest_schedule_due() == [] and not manual.jobs.exists()
    stuck = HarvestJob.objects.create(source=manual, status=HarvestJob.Status.RUNNING,
                                      heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.harvest_schedule_due() == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == HarvestJob.Status.FINISHED and stuck.created == 1
    later = timezone.now() + datetime.timedelta(weeks=2)
    assert services.harvest_schedule_due(now=later) == [] and manual.jobs.count() == 1
