"""The Django admin for core goes through the services (permissions, audit)."""

import pytest

from ouvert.core import services
from ouvert.core.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_superuser=True))
    return client


@pytest.mark.parametrize("url", ["/fr/admin/", "/fr/admin/core/user/", "/fr/admin/core/organisation/",
                                 "/fr/admin/core/membership/", "/fr/admin/core/auditentry/",
                                 "/fr/admin/core/notification/", "/fr/admin/core/apitoken/",
                                 "/fr/admin/core/organisation/add/", "/fr/admin/core/membership/add/"])
def test_admin_pages_load(admin_client, url, make_org):
    make_org()
    assert admin_client.get(url).status_code == 200


def test_membership_added_in_admin_is_audited(admin_client, make_org, make_user):
    org, person = make_org(), make_user()
    response = admin_client.post("/fr/admin/core/membership/add/", {
        "user": person.pk, "organisation": org.pk, "role": "editor", "is_respondent": "on",
        "created_at_0": "2026-01-01", "created_at_1": "10:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=person)
    assert membership.role == "editor" and membership.is_respondent
    assert AuditEntry.objects.filter(action="membership.set").count() == 1


def test_audit_entries_are_read_only_in_admin(admin_client):
    entry = services.audit_append(actor=None, action="x")
    assert admin_client.post(f"/fr/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.count() == 1


def test_a_sealed_notification_stays_out_of_the_admin_until_its_time(admin_client, make_user, time_machine):
    import datetime

    from django.utils import timezone

    recipient = make_user(email="fournisseur@example.com")
    until = timezone.now() + datetime.timedelta(days=3)
    services.notify(recipients=[recipient], subject="Proposition soumise : DAN-2026-0001", sealed_until=until,
                    email=False)
    services.notify(recipients=[recipient], subject="Bienvenue", email=False)
    body = admin_client.get("/fr/admin/core/notification/").content.decode()
    assert "Bienvenue" in body and "DAN-2026-0001" not in body
    assert [n.subject for n in services.notification_list(user=recipient)][-1] == "Proposition soumise : DAN-2026-0001"
    time_machine.move_to(until, tick=False)
    assert "DAN-2026-0001" in admin_client.get("/fr/admin/core/notification/").content.decode()
