import pytest
from django.db import connection

from ouvert.core import services
from ouvert.core.models import AuditEntry


@pytest.mark.django_db
def test_audit_chain_verifies_and_detects_an_edited_entry(make_user):
    actor = make_user()
    for i in range(5):
        services.audit_append(actor=actor, action="test.action", target=actor, data={"i": i})
    report = services.audit_verify()
    assert report.ok and report.checked == 5

    # Tamper with entry 3 behind the application's back, as an attacker with SQL access would.
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = %s WHERE seq = %s", ["forged", 3])
    report = services.audit_verify()
    assert not report.ok
    assert report.first_bad_seq == 3


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_through_the_orm(make_user):
    entry = services.audit_append(actor=make_user(), action="x")
    entry.action = "y"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.django_db
def test_audit_verify_detects_a_deleted_entry(make_user):
    actor = make_user()
    for i in range(4):
        services.audit_append(actor=actor, action="test.action", data={"i": i})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = %s", [2])
    report = services.audit_verify()
    assert not report.ok and report.first_bad_seq == 2 and report.checked == 1


@pytest.mark.django_db
def test_audit_verify_detects_a_relinked_entry(make_user):
    for i in range(3):
        services.audit_append(actor=None, action="test.action", data={"i": i})
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET prev_hash = %s WHERE seq = %s", ["f" * 64, 3])
    report = services.audit_verify()
    assert not report.ok and report.first_bad_seq == 3


@pytest.mark.django_db
def test_audit_entry_records_actor_target_and_system(make_user):
    actor = make_user(email="auteur@example.org")
    entry = services.audit_append(actor=actor, action="x", target=actor, data={"when": actor.date_joined})
    assert entry.actor_label == "auteur@example.org"
    assert entry.target_type == "core.user" and entry.target_id == str(actor.pk)
    assert isinstance(entry.data["when"], str)  # non-JSON values are stored as text
    system = services.audit_append(actor=None, action="y")
    assert system.actor is None and system.actor_label == "system" and system.prev_hash == entry.entry_hash


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain():
    """Two threads append at the same time; every entry must link to exactly one predecessor.

    Runs on PostgreSQL (advisory lock). On SQLite the test database is an in-memory database
    shared between threads through a shared cache, whose table locks make concurrent writers
    fail instead of waiting; the real SQLite file database serialises writers with
    ``BEGIN IMMEDIATE`` + ``busy_timeout`` (see settings).
    """
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs a server database (PostgreSQL); see the docstring")
    per_thread = 25
    errors = []
    barrier = threading.Barrier(2)

    def worker(name):
        try:
            barrier.wait()
            for i in range(per_thread):
                services.audit_append(actor=None, action=f"thread.{name}", data={"i": i})
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.count() == 2 * per_thread
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 2 * per_thread
    report = services.audit_verify()
    assert report.ok and report.checked == 2 * per_thread
