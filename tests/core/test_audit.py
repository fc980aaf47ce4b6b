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
