"""Core services: organisations, memberships and roles, notifications, tokens, admins."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core import services
from ouvert.core.models import ApiToken, AuditEntry, Membership, Notification, Organisation

pytestmark = pytest.mark.django_db


# --- organisations ----------------------------------------------------------------------

def test_organisation_upsert_creates_then_updates_and_audits_only_changes(make_user):
    org = services.organisation_upsert(slug="sct", name_fr="Secrétariat du Conseil du trésor",
                                       acronym="SCT", kind="public_body")
    assert Organisation.objects.get(slug="sct").acronym == "SCT"
    assert AuditEntry.objects.filter(action="organisation.create", target_id=str(org.pk)).count() == 1

    # Same values again: nothing written, nothing audited (loaders run many times).
    services.organisation_upsert(slug="sct", name_fr="Secrétariat du Conseil du trésor",
                                 acronym="SCT", kind="public_body")
    assert AuditEntry.objects.count() == 1

    services.organisation_upsert(slug="sct", name_fr="Secrétariat du Conseil du trésor",
                                 name_en="Treasury Board Secretariat", acronym="SCT", kind="public_body")
    update = AuditEntry.objects.get(action="organisation.update")
    assert update.data["changed"] == {"name_en": "Treasury Board Secretariat"}
    assert Organisation.objects.count() == 1


def test_organisation_upsert_rejects_an_unknown_kind_and_keeps_data():
    services.organisation_upsert(slug="banq", name_fr="BAnQ", kind="public_body")
    with pytest.raises(ValidationError) as exc:
        services.organisation_upsert(slug="banq", name_fr="BAnQ", kind="planet")
    assert "kind" in exc.value.message_dict
    assert Organisation.objects.get(slug="banq").kind == "public_body"


def test_only_platform_admins_manage_organisations(make_user):
    with pytest.raises(PermissionDenied):
        services.organisation_upsert(slug="x", name_fr="X", kind="supplier", actor=make_user())
    assert not Organisation.objects.filter(slug="x").exists()
    admin = make_user(is_superuser=True)
    services.organisation_upsert(slug="x", name_fr="X", kind="supplier", actor=admin)
    assert AuditEntry.objects.get(action="organisation.create").actor == admin


def test_organisation_list_filters_by_kind(make_org):
    make_org(kind="public_body")
    make_org(kind="university")
    make_org(kind="university")
    assert services.organisation_list(kind="university").count() == 2
    assert services.organisation_list().count() == 3


def test_organisation_get_unknown_raises_not_found():
    with pytest.raises(services.NotFound):
        services.organisation_get(slug="nope")


def test_organisation_detail_lists_members_respondents_and_children(make_org, make_user):
    frq = make_org(slug="frq", name_fr="Fonds de recherche du Québec")
    make_org(slug="frqnt", name_fr="FRQ — Nature et technologies", parent=frq)
    services.membership_set(user=make_user(full_name="Répondante"), organisation=frq, is_respondent=True)
    services.membership_set(user=make_user(full_name="Membre"), organisation=frq)
    detail = services.organisation_detail(slug="frq")
    assert [m.user.full_name for m in detail["respondents"]] == ["Répondante"]
    assert len(detail["members"]) == 2
    assert [c.slug for c in detail["children"]] == ["frqnt"]


# --- memberships and roles --------------------------------------------------------------

def test_membership_set_by_org_admin_is_audited_with_before_and_after(make_org, make_user):
    org = make_org()
    admin, person = make_user(), make_user()
    services.membership_set(user=admin, organisation=org, role="admin")
    services.membership_set(user=person, organisation=org, role="member", actor=admin)
    services.membership_set(user=person, organisation=org, role="editor", is_respondent=True, actor=admin)
    entries = list(AuditEntry.objects.filter(action="membership.set").order_by("seq"))
    assert len(entries) == 3
    assert entries[-1].actor == admin
    assert entries[-1].data["before"] == {"role": "member", "is_respondent": False}
    assert entries[-1].data["after"] == {"role": "editor", "is_respondent": True}
    # Unchanged: no new entry.
    services.membership_set(user=person, organisation=org, role="editor", is_respondent=True, actor=admin)
    assert AuditEntry.objects.filter(action="membership.set").count() == 3
    assert services.audit_verify().ok


def test_membership_set_refused_to_non_admins_and_nothing_changes(make_org, make_user):
    org, other = make_org(), make_org()
    editor, outsider, target = make_user(), make_user(), make_user()
    services.membership_set(user=editor, organisation=org, role="editor")
    other_admin = make_user()
    services.membership_set(user=other_admin, organisation=other, role="admin")
    before = AuditEntry.objects.count()
    for actor in (editor, outsider, other_admin):
        with pytest.raises(PermissionDenied):
            services.membership_set(user=target, organisation=org, role="admin", actor=actor)
    assert not Membership.objects.filter(user=target).exists()
    assert AuditEntry.objects.count() == before


def test_platform_admin_may_set_any_membership(make_org, make_user):
    org = make_org()
    root = make_user(is_superuser=True)
    services.membership_set(user=make_user(), organisation=org, role="admin", actor=root)
    assert Membership.objects.filter(organisation=org, role="admin").count() == 1


def test_membership_set_rejects_unknown_role(make_org, make_user):
    with pytest.raises(ValidationError) as exc:
        services.membership_set(user=make_user(), organisation=make_org(), role="king")
    assert "role" in exc.value.message_dict
    assert Membership.objects.count() == 0


def test_membership_remove(make_org, make_user):
    org, person = make_org(), make_user()
    services.membership_set(user=person, organisation=org)
    with pytest.raises(PermissionDenied):
        services.membership_remove(user=person, organisation=org, actor=make_user())
    assert services.membership_remove(user=person, organisation=org) is True
    assert services.membership_remove(user=person, organisation=org) is False
    assert AuditEntry.objects.filter(action="membership.remove").count() == 1


def test_user_has_role_and_user_is_respondent(make_org, make_user):
    from django.contrib.auth.models import AnonymousUser

    sct, banq = make_org(slug="sct"), make_org(slug="banq")
    person = make_user()
    services.membership_set(user=person, organisation=sct, role="editor", is_respondent=True)
    assert services.user_has_role(person, sct)
    assert services.user_has_role(person, sct, {"editor", "admin"})
    assert not services.user_has_role(person, sct, {"admin"})
    assert services.user_has_role(person, sct.pk, {"editor"})
    assert not services.user_has_role(person, banq)
    assert services.user_is_respondent(person, sct)
    assert not services.user_is_respondent(person, banq)
    assert not services.user_has_role(AnonymousUser(), sct)
    assert not services.user_is_respondent(AnonymousUser(), sct)
    assert not services.user_is_respondent(person, None)
    assert [m.user for m in services.respondent_list()] == [person]


# --- people -----------------------------------------------------------------------------

def test_admin_create_validates_password_and_marks_email_verified():
    from allauth.account.models import EmailAddress

    with pytest.raises(ValidationError) as exc:
        services.admin_create(email="root@example.org", password="123")
    assert "password" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.admin_create(email="not-an-address", password="Un-mot-de-passe-solide-7")
    assert "email" in exc.value.message_dict

    user, created = services.admin_create(email="Root@Example.org", password="Un-mot-de-passe-solide-7")
    assert created and user.is_superuser and user.is_staff and user.email == "root@example.org"
    assert user.check_password("Un-mot-de-passe-solide-7")
    assert EmailAddress.objects.get(user=user).verified


def test_admin_create_promotes_an_existing_person(make_user):
    person = make_user(email="someone@example.org")
    user, created = services.admin_create(email="someone@example.org", password="Un-mot-de-passe-solide-7")
    assert not created and user.pk == person.pk and user.is_superuser


def test_user_get_by_email_is_case_insensitive_and_raises_not_found(make_user):
    person = make_user(email="ana@example.org")
    assert services.user_get_by_email(email=" ANA@example.org ") == person
    with pytest.raises(services.NotFound):
        services.user_get_by_email(email="ghost@example.org")


# --- notifications ----------------------------------------------------------------------

def test_notify_creates_in_app_notifications_and_sends_emails(make_user, settings):
    settings.OUVERT_BASE_URL = "https://ouvert.example.org"
    a, b = make_user(email="a@example.org"), make_user(email="b@example.org")
    notes = services.notify(recipients=[a, b], subject="Jalon 1.4 mis à jour", body="Nouvel état.",
                            url="/fr/plan/2021-2023/jalons/1.4/")
    assert len(notes) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert "https://ouvert.example.org/fr/plan/2021-2023/jalons/1.4/" in mail.outbox[0].body
    assert all(n.emailed_at is not None for n in Notification.objects.all())
    assert services.notification_list(user=a, unread_only=True).count() == 1


def test_notify_without_email_sends_nothing(make_user):
    services.notify(recipients=[make_user()], subject="Interne", email=False)
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_notification_send_email_sends_once(make_user):
    note = services.notify(recipients=[make_user()], subject="Une fois")[0]
    assert services.notification_send_email(notification_id=note.pk) is False
    assert len(mail.outbox) == 1


def test_notification_mark_read_one_all_and_others(make_user):
    a, b = make_user(), make_user()
    first, second = services.notify(recipients=[a], subject="1") + services.notify(recipients=[a], subject="2")
    theirs = services.notify(recipients=[b], subject="3")[0]
    assert services.notification_mark_read(user=a, notification_id=first.pk) == 1
    with pytest.raises(services.NotFound):
        services.notification_mark_read(user=a, notification_id=theirs.pk)
    assert services.notification_mark_read(user=a) == 1
    assert services.notification_list(user=a, unread_only=True).count() == 0
    assert services.notification_list(user=b, unread_only=True).count() == 1


# --- tokens -----------------------------------------------------------------------------

def test_token_create_authenticate_revoke(make_user):
    person = make_user()
    raw = services.token_create(user=person, name="script")
    assert raw.startswith("ouv_")
    stored = ApiToken.objects.get(user=person)
    assert stored.token_hash != raw and raw not in stored.token_hash  # only the hash is stored
    assert services.token_authenticate(raw) == person
    assert services.token_authenticate(f"Bearer {raw}") == person
    assert services.token_authenticate("ouv_wrong") is None
    assert services.token_authenticate("") is None
    assert ApiToken.objects.get(user=person).last_used_at is not None

    with pytest.raises(ValidationError):
        services.token_revoke(user=person)
    assert services.token_revoke(user=make_user(), prefix=raw[:8]) == 0  # someone else's prefix
    assert services.token_revoke(user=person, prefix=raw[:8]) == 1
    assert services.token_authenticate(raw) is None
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["token.create", "token.revoke"]


def test_token_of_inactive_user_does_not_authenticate(make_user):
    person = make_user()
    raw = services.token_create(user=person)
    person.is_active = False
    person.save()
    assert services.token_authenticate(raw) is None
    with pytest.raises(ValidationError):
        services.token_create(user=person)


def test_site_ensure_uses_base_url():
    site = services.site_ensure(base_url="https://ouvert.example.org")
    assert site.domain == "ouvert.example.org"


@pytest.mark.django_db
def test_notification_unsent_and_mark_emailed(make_user):
    """What a digest sends: the notifications kept for later, once."""
    person = make_user(email="digest@example.org")
    kept = services.notify(recipients=[person], subject="Nouvelle réponse", email=False)
    assert [n.pk for n in services.notification_unsent(user=person)] == [kept[0].pk]
    assert services.notification_mark_emailed(ids=[kept[0].pk]) == 1
    assert services.notification_mark_emailed(ids=[kept[0].pk]) == 0
    assert not services.notification_unsent(user=person).exists()


@pytest.mark.parametrize("text", ["1. " * 1600, "[" * 5000, "> " * 3000, "- " * 2000 + "x"])
def test_markdown_too_deep_is_shown_escaped_not_an_error(text):
    """One post of pathological Markdown must not make a page fail (RecursionError) or take seconds."""
    import time

    from ouvert.core.markdown import render_markdown

    started = time.monotonic()
    html = str(render_markdown(text)) + str(render_markdown(text, participant=True))
    assert time.monotonic() - started < 1
    assert html.startswith("<p>")


def test_markdown_participant_subset():
    from ouvert.core.markdown import render_markdown

    text = "# Titre\n\n![pixel](https://suivi.example/p.gif) [lien](javascript:alert(1)) [ok](https://ex.org)"
    html = str(render_markdown(text, participant=True))
    assert "<h1" not in html and "<img" not in html and "javascript:" not in html
    assert 'href="https://ex.org"' in html and "ugc" in html
    assert "<h1" in str(render_markdown(text)) and "<img" in str(render_markdown(text))
