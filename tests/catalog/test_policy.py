"""Who may do what in the catalogue (``catalog.policy``)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from ouvert.catalog import policy
from ouvert.core import services as core_services
from ouvert.core.models import Membership

pytestmark = pytest.mark.django_db


def test_roles(publisher_org, other_org, editor, member, other_org_editor, admin_user, make_user, dataset_factory):
    org_admin = make_user(email="chef@mtmd.example.org")
    core_services.membership_set(user=org_admin, organisation=publisher_org, role=Membership.Role.ADMIN)
    anonymous = AnonymousUser()
    for user, edits in ((editor, True), (org_admin, True), (admin_user, True), (member, False),
                        (other_org_editor, False), (anonymous, False), (None, False)):
        assert policy.can_edit_organisation_datasets(user, publisher_org) is edits, user
    assert policy.can_edit_organisation_datasets(other_org_editor, other_org)

    private = dataset_factory(private=True)
    public = dataset_factory()
    for user, reads in ((member, True), (editor, True), (admin_user, True), (other_org_editor, False),
                        (anonymous, False)):
        assert policy.can_read_dataset(user, private) is reads, user
        assert policy.can_read_dataset(user, public)
    assert policy.can_restore_or_purge(admin_user)
    assert not policy.can_restore_or_purge(editor) and not policy.can_restore_or_purge(org_admin)


def test_deactivated_accounts_lose_their_rights(editor, publisher_org, admin_user):
    editor.is_active = False
    admin_user.is_active = False
    assert not policy.can_edit_organisation_datasets(editor, publisher_org)
    assert not policy.can_edit_organisation_datasets(admin_user, publisher_org)
    assert not policy.can_restore_or_purge(admin_user)
