"""Availability services: checks stored with their history, states and schedule, broken links after
consecutive failures with one notification, comparison with what is declared, uptime, states kept in
step with the catalogue, the periodic job end to end, pruning, and ``ouvert quality links``. Against
the local HTTP server (never the network), on SQLite and PostgreSQL."""

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ouvert import cli
from ouvert.catalog import services as catalog_services
from ouvert.core import registry, scheduler
from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.quality import availability, linkcheck, services
from ouvert.quality.models import LinkCheck, LinkState
from tests.quality.linkserver import *  # noqa: F403  (fixtures)
from tests.quality.linkserver import CSV

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _resource_row(resource) -> dict:
    return catalog_services.link_resources(resource_ids=[resource.pk]).get()


def _result(url, available=True, **kwargs) -> linkcheck.LinkResult:
    kwargs.setdefault("status", 200 if available else 500)
    return linkcheck.LinkResult(url=url, outcome="ok" if available else "http_error", **kwargs)


# --- One check, stored ----------------------------------------------------------------------------

def test_a_check_is_stored_with_its_history_and_schedule(linked, srv):
    dataset, resource = linked("/ok", media_type="text/csv", size=len(CSV))
    before = timezone.now()
    assert services.links_check() == {"checked": 1, "available": 1, "broken": 0}
    check = LinkCheck.objects.get(resource=resource)
    assert check.outcome == "ok" and check.available and check.status == 200 and check.url == srv.url("/ok")
    assert check.content_type.startswith("text/csv") and check.content_length == len(CSV)
    assert check.type_matches is True and check.length_matches is True
    assert check.response_ms is not None and check.redirects == []
    state = LinkState.objects.get(resource=resource)
    assert state.available is True and state.last_check == check and state.consecutive_failures == 0
    assert state.organisation_id == dataset.organisation_id and state.broken_since is None
    assert before + 23 * HOUR < state.next_check_at < timezone.now() + 25 * HOUR
    # Not due again: nothing to check; --all checks it anyway, and the history grows.
    assert services.links_check() == {"checked": 0, "available": 0, "broken": 0}
    assert services.links_check(due_only=False) == {"checked": 1, "available": 1, "broken": 0}
    assert LinkCheck.objects.filter(resource=resource).count() == 2


@pytest.mark.parametrize("path,outcome,status", [
    ("/status/404", "http_error", 404),
    ("/status/500", "http_error", 500),
    ("/slow/3", "timeout", None),
    ("/loop/a", "redirect_loop", None),
    ("/chain/9", "too_many_redirects", None),
    ("/nohead", "ok", 200),
    ("/chain/2", "ok", 200),
])
def test_outcomes_are_stored(linked, srv, links_settings, path, outcome, status):
    links_settings.OUVERT_LINKCHECK_TIMEOUT = 0.3
    _dataset, resource = linked(path)
    summary = services.links_check(resource_ids=[resource.pk])
    assert summary["checked"] == 1 and summary["available"] == (outcome == "ok")
    check = LinkCheck.objects.get(resource=resource)
    assert (check.outcome, check.status, check.available) == (outcome, status, outcome == "ok")
    if path == "/chain/2":
        assert [hop["url"] for hop in check.redirects] == [srv.url("/chain/1"), srv.url("/chain/0"), srv.url("/ok")]
        assert check.final_url == srv.url("/ok")
    if outcome != "ok":
        assert check.message and check.type_matches is None and check.length_matches is None


def test_forbidden_addresses_are_stored_and_never_asked(linked, srv, links_settings):
    links_settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = []
    _dataset, resource = linked("/ok")
    assert services.links_check(resource_ids=[resource.pk])["broken"] == 1
    assert LinkCheck.objects.get(resource=resource).outcome == "forbidden_address"
    assert srv.requests == []


@pytest.mark.parametrize("path,declared,type_matches,length_matches", [
    ("/html", {"format": "CSV"}, False, None),
    ("/html", {"format": "HTML"}, True, None),
    ("/ok", {"format": "csv"}, True, None),
    ("/ok", {"format": "", "media_type": "text/csv"}, True, None),
    ("/ok", {"format": "", "media_type": "application/json"}, False, None),
    ("/ok", {"format": "API"}, None, None),
    ("/ok", {"format": ""}, None, None),
    ("/short", {"size": len(CSV)}, True, False),
    ("/ok", {"size": len(CSV)}, True, True),
])
def test_declared_type_and_length_are_compared(linked, path, declared, type_matches, length_matches):
    _dataset, resource = linked(path, **declared)
    services.links_check(resource_ids=[resource.pk])
    check = LinkCheck.objects.get(resource=resource)
    assert (check.type_matches, check.length_matches) == (type_matches, length_matches)


@pytest.mark.parametrize("served,declared,expected", [
    ("text/csv; charset=utf-8", {"format": "CSV"}, True),
    ("application/octet-stream", {"format": "CSV"}, None),  # says nothing precise
    ("text/plain", {"format": "CSV"}, None),
    ("text/html", {"format": "XLSX"}, False),
    ("application/zip", {"format": "SHP"}, True),
    ("application/geo+json", {"media_type": "application/json"}, True),
    ("", {"format": "CSV"}, None),
    ("text/html", {}, None),
])
def test_declared_matches_rules(served, declared, expected):
    assert services.link_declared_matches(content_type=served, content_length=None, **declared)[0] is expected


def test_invalid_resource_ids_are_refused():
    with pytest.raises(ValidationError):
        services.links_check(resource_ids=["pas-un-uuid"])


# --- Broken links, notifications --------------------------------------------------------------------

@pytest.fixture
def publisher_people(make_user, publisher_org, editor, member, other_org_editor):
    admin = make_user(email="admin@mtmd.example.org", full_name="Admin MTMD")
    core_services.membership_set(user=admin, organisation=publisher_org, role=Membership.Role.ADMIN)
    return {"editor": editor, "admin": admin, "member": member, "other": other_org_editor}


def _notes(user):
    return list(core_services.notification_list(user=user))


def test_broken_after_consecutive_failures_notified_once(linked, srv, publisher_people):
    dataset, resource = linked("/switch", name_fr="Comptages")
    srv.switch_status = 500
    t0 = timezone.now()
    services.links_check(now=t0)
    state = LinkState.objects.get(resource=resource)
    # One failure is not a broken link yet (no flapping): unknown, checked again in an hour.
    assert state.available is None and state.consecutive_failures == 1 and state.broken_since is None
    assert state.next_check_at == t0 + HOUR
    assert _notes(publisher_people["editor"]) == [] and mail.outbox == []

    assert services.links_check(now=t0 + 30 * datetime.timedelta(minutes=1))["checked"] == 0  # not due yet
    services.links_check(now=t0 + HOUR)
    state.refresh_from_db()
    assert state.available is False and state.consecutive_failures == 2
    assert state.broken_since == t0  # since the first failure
    assert state.notified_at == t0 + HOUR
    assert state.next_check_at == t0 + 3 * HOUR  # 1 h, then 2 h…
    for who in ("editor", "admin"):
        (note,) = _notes(publisher_people[who])
        assert "Lien brisé" in note.subject and "Comptages" in note.subject
        assert dataset.title_fr in note.body and srv.url("/switch") in note.body and "500" in note.body
        assert note.url == "/fr/catalogue/qualite/liens/mtmd/"
    assert _notes(publisher_people["member"]) == [] and _notes(publisher_people["other"]) == []
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@mtmd.example.org", "editrice@mtmd.example.org"]

    # Still broken: no second notification.
    services.links_check(now=t0 + 3 * HOUR)
    state.refresh_from_db()
    assert state.consecutive_failures == 3 and state.broken_since == t0 and state.next_check_at == t0 + 7 * HOUR
    assert len(_notes(publisher_people["editor"])) == 1

    # Back: available at once, and the next breakage is told again.
    srv.switch_status = 200
    services.links_check(now=t0 + 7 * HOUR)
    state.refresh_from_db()
    assert state.available is True and state.consecutive_failures == 0 and state.broken_since is None
    assert state.notified_at is None and state.next_check_at == t0 + 31 * HOUR
    srv.switch_status = 404
    services.links_check(now=t0 + 31 * HOUR)
    state.refresh_from_db()
    assert state.available is True and state.consecutive_failures == 1  # one failure: still available
    services.links_check(now=t0 + 32 * HOUR)
    state.refresh_from_db()
    assert state.available is False and state.broken_since == t0 + 31 * HOUR
    assert len(_notes(publisher_people["editor"])) == 2 and len(_notes(publisher_people["admin"])) == 2


def test_retry_interval_is_capped(linked, srv, links_settings):
    links_settings.OUVERT_LINKCHECK_INTERVAL_HOURS = 3
    _dataset, resource = linked("/status/500")
    t0 = timezone.now()
    services.links_check(now=t0)
    services.links_check(now=t0 + HOUR)
    services.links_check(now=t0 + 3 * HOUR)
    assert LinkState.objects.get(resource=resource).next_check_at == t0 + 6 * HOUR  # 4 h capped to 3 h


def test_failures_before_broken_setting(linked, srv, links_settings, publisher_people):
    links_settings.OUVERT_LINKCHECK_FAILURES_BEFORE_BROKEN = 1
    _dataset, resource = linked("/status/404")
    services.links_check()
    assert LinkState.objects.get(resource=resource).available is False
    assert len(_notes(publisher_people["editor"])) == 1


def test_scores_are_recomputed_when_availability_changes(linked, srv, monkeypatch):
    from ouvert.quality import scoring

    calls = []
    real = getattr(scoring, "scores_recompute", None)

    def spy(*args, **kwargs):
        calls.append(sorted(str(pk) for pk in kwargs.get("ids") or []))
        return real(*args, **kwargs) if real is not None else 0

    monkeypatch.setattr(scoring, "scores_recompute", spy, raising=False)
    dataset, _resource = linked("/switch")
    t0 = timezone.now()
    services.links_check(now=t0)
    assert calls == [[str(dataset.pk)]]  # unknown → available
    services.links_check(now=t0 + 25 * HOUR)
    assert len(calls) == 1  # still available: nothing to recompute


# --- Uptime -----------------------------------------------------------------------------------------

def test_uptime_is_time_weighted(linked, srv):
    _dataset, resource = linked("/ok")
    row = _resource_row(resource)
    now = timezone.now()
    url = row["url"]
    # 30 days ago minus 5 days: available (carries into the window); broken from day 10 to day 13
    # (checked every hour: 72 failed checks), then available (one check a day).
    availability.link_record(resource=row, result=_result(url), now=now - 35 * DAY)
    start_broken = now - 20 * DAY
    for hour in range(72):
        availability.link_record(resource=row, result=_result(url, available=False), now=start_broken + hour * HOUR)
    for day in range(17, -1, -1):
        availability.link_record(resource=row, result=_result(url), now=now - day * DAY)
    share = services.uptime([resource.pk], days=30, now=now)[resource.pk]
    # Down for 72 hours (the last failure holds until the next check, 3 days after the first) of 720.
    assert share == pytest.approx(1 - 72 / 720, abs=1e-6)
    # Per check it would have been far lower: 72 failures out of 90 checks in the window.
    checks = LinkCheck.objects.filter(resource=resource, checked_at__gte=now - 30 * DAY)
    assert checks.filter(available=True).count() / checks.count() < 0.25
    # A shorter window after the breakage: 100 %.
    assert services.uptime([resource.pk], days=7, now=now)[resource.pk] == 1.0


def test_uptime_of_uploads_unchecked_and_unknown(linked, dataset_factory, editor):
    dataset, link = linked("/ok")
    upload = catalog_services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Fichier"},
                                              upload=SimpleUploadedFile("a.csv", CSV, content_type="text/csv"))
    missing = uuid.uuid4()
    shares = services.uptime([link.pk, upload.pk, str(missing)])
    assert shares == {link.pk: None, upload.pk: 1.0, missing: None}
    services.links_check()
    assert services.uptime([link.pk])[link.pk] == 1.0
    assert services.uptime([]) == {}


def test_uptime_for_datasets(linked, srv, dataset_factory, editor):
    now = timezone.now()
    files_only = dataset_factory()
    catalog_services.resource_create(actor=editor, dataset=files_only, data={"name_fr": "Fichier"},
                                     upload=SimpleUploadedFile("a.csv", CSV, content_type="text/csv"))
    empty = dataset_factory()
    two_links, good = linked("/ok")
    _same, flaky = linked("/switch", dataset=two_links, actor=editor)
    mixed, mixed_link = linked("/ok")
    catalog_services.resource_create(actor=editor, dataset=mixed, data={"name_fr": "Fichier"},
                                     upload=SimpleUploadedFile("b.csv", CSV, content_type="text/csv"))
    unchecked, _new = linked("/ok")

    for resource in (good, flaky, mixed_link):
        row = _resource_row(resource)
        availability.link_record(resource=row, result=_result(row["url"]), now=now - 10 * DAY)
    row = _resource_row(flaky)
    availability.link_record(resource=row, result=_result(row["url"], available=False), now=now - 5 * DAY)
    availability.link_record(resource=row, result=_result(row["url"]), now=now - 4 * DAY)

    shares = services.uptime_for_datasets([files_only.pk, empty.pk, two_links.pk, mixed.pk, unchecked.pk], now=now)
    assert shares[files_only.pk] == 1.0
    assert shares[empty.pk] is None
    assert shares[two_links.pk] == pytest.approx(1 - 1 / 10, abs=1e-6)  # its least available resource
    assert shares[mixed.pk] == 1.0
    assert shares[unchecked.pk] is None  # one link never checked: not measured yet
    missing = uuid.uuid4()
    assert services.uptime_for_datasets([missing]) == {missing: None}
    with pytest.raises(ValidationError):
        services.uptime_for_datasets(["nope"])


def test_uptime_queries_do_not_grow(linked, django_assert_max_num_queries):
    resources = [linked("/ok")[1] for _ in range(6)]
    services.links_check()
    with django_assert_max_num_queries(3):
        shares = services.uptime([r.pk for r in resources])
    assert set(shares.values()) == {1.0}
    datasets = [r.dataset_id for r in resources]
    with django_assert_max_num_queries(6):
        shares = services.uptime_for_datasets(datasets)
    assert set(shares.values()) == {1.0} and len(shares) == 6


# --- In step with the catalogue ---------------------------------------------------------------------

def test_listeners_keep_states_in_step(linked, srv, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dataset, resource = linked("/ok")
    state = LinkState.objects.get(resource=resource)
    assert state.available is None and state.next_check_at <= timezone.now()  # due now: checked soon

    services.links_check()
    state.refresh_from_db()
    assert state.available is True
    # A new address: unknown again and due at once (the history stays).
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=resource, data={"url": srv.url("/html")},
                                         partial=True)
    state.refresh_from_db()
    assert state.available is None and state.last_check is None and state.next_check_at <= timezone.now()
    assert LinkCheck.objects.filter(resource=resource).count() == 1
    # The same address again (another field changed): nothing reset.
    services.links_check()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=resource, data={"name_fr": "Autre nom"}, partial=True)
    state.refresh_from_db()
    assert state.available is True and state.last_check is not None

    # Dataset deleted: no state; restored: back, due.
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_delete(actor=editor, dataset=dataset)
    assert not LinkState.objects.filter(resource=resource).exists()
    admin = core_services.user_upsert(email="root@example.org", password="motdepasse-Tres-Solide-42",
                                      is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_restore(actor=admin, dataset=dataset)
    assert LinkState.objects.filter(resource=resource).exists()

    # Resource removed: no state (its history stays with the resource).
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_delete(actor=editor, resource=resource)
    assert not LinkState.objects.filter(resource=resource).exists()
    assert LinkCheck.objects.filter(resource=resource).exists()


def test_states_follow_a_dataset_to_its_new_publisher(linked, other_org, django_capture_on_commit_callbacks):
    dataset, resource = linked("/ok")
    services.link_states_sync()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_update(actor=None, dataset=dataset, data={"organisation": other_org}, partial=True)
    assert LinkState.objects.get(resource=resource).organisation_id == other_org.pk


def test_full_sync_creates_and_removes(linked, dataset_factory, editor):
    _dataset, resource = linked("/ok")  # no on-commit listener ran in this test: no state yet
    assert not LinkState.objects.filter(resource=resource).exists()
    assert services.link_states_sync()["created"] == 1
    assert services.link_states_sync() == {"created": 0, "removed": 0, "reset": 0}
    catalog_services.resource_delete(actor=editor, resource=resource)
    assert services.link_states_sync()["removed"] == 1


def test_claims_keep_two_runs_apart(linked):
    _dataset, resource = linked("/ok")
    services.link_states_sync()
    now = timezone.now()
    assert availability._claim([resource.pk], due_only=True, now=now) == [resource.pk]
    assert availability._claim([resource.pk], due_only=True, now=now) == []  # leased to the first run


# --- The periodic job, the task, pruning, the command line ------------------------------------------

def test_periodic_job_end_to_end(linked, srv, monkeypatch, django_capture_on_commit_callbacks):
    job = {job.name: job for job in registry.periodic_jobs()}[availability.LINKS_JOB]
    assert job.every_seconds == 600
    monkeypatch.setattr(registry, "_periodic_jobs", {job.name: job})  # only this job
    _dataset, resource = linked("/ok")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.run_due(now=now) == [availability.LINKS_JOB]  # the task runs at once in tests
    state = LinkState.objects.get(resource=resource)
    assert state.available is True and state.last_check.outcome == "ok"
    assert srv.paths() == ["/ok"]
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.run_due(now=now + datetime.timedelta(minutes=5)) == []  # once every 10 minutes
    # Nothing due: the job enqueues nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.links_schedule() is False
    assert callbacks == []


def test_task_checks_and_prunes(linked, links_settings):
    from ouvert.quality.tasks import links_check_task

    links_settings.OUVERT_LINKCHECK_KEEP_DAYS = 10
    _dataset, resource = linked("/ok")
    row = _resource_row(resource)
    now = timezone.now()
    old = availability.link_record(resource=row, result=_result(row["url"]), now=now - 40 * DAY)["check"]
    recent = availability.link_record(resource=row, result=_result(row["url"]), now=now - 2 * DAY)["check"]
    LinkState.objects.filter(resource=resource).update(next_check_at=now)
    result = links_check_task.enqueue(due_only=True)
    assert result.return_value == {"checked": 1, "available": 1, "broken": 0, "pruned": 1}
    assert not LinkCheck.objects.filter(pk=old.pk).exists() and LinkCheck.objects.filter(pk=recent.pk).exists()


def test_prune_keeps_a_links_latest_check(linked, links_settings):
    links_settings.OUVERT_LINKCHECK_KEEP_DAYS = 10
    _dataset, resource = linked("/ok")
    row = _resource_row(resource)
    latest = availability.link_record(resource=row, result=_result(row["url"]), now=timezone.now() - 40 * DAY)
    assert services.links_prune() == 0
    assert LinkCheck.objects.filter(pk=latest["check"].pk).exists()


def test_politeness_settings_hold_in_a_batch(linked, srv, links_settings, dataset_factory):
    links_settings.OUVERT_LINKCHECK_HOST_DELAY = 0.2
    links_settings.OUVERT_LINKCHECK_HOST_CONCURRENCY = 1
    links_settings.OUVERT_BASE_URL = "https://donnees.example.org"
    for _n in range(3):
        linked("/ok")
    assert services.links_check()["checked"] == 3
    starts = sorted(at for _method, _path, at in srv.requests)
    assert len(starts) == 3 and min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.19
    assert all("Ouvert/" in h["User-Agent"] and "https://donnees.example.org" in h["User-Agent"]
               for h in srv.headers)


def test_command_line(linked, srv, capsys):
    linked("/ok")
    linked("/status/404")
    assert cli.main(["quality", "links"]) == 0
    assert "2 lien(s) vérifié(s) : 1 disponible(s), 1 en échec." in capsys.readouterr().out
    assert cli.main(["quality", "links"]) == 0
    assert "0 lien(s) vérifié(s)" in capsys.readouterr().out
    assert cli.main(["quality", "links", "--all"]) == 0
    assert "2 lien(s) vérifié(s)" in capsys.readouterr().out


def test_progress_is_reported(linked):
    for _n in range(3):
        linked("/ok")
    seen = []
    services.links_check(progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
