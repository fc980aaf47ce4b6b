"""Who may do what in the catalogue: one place for every permission decision.

Services call these before writing; selectors use them to decide visibility; views call them
only to decide what to show.

- Editors and admins of an organisation (core roles) and platform admins create, change and
  delete (softly) the organisation's datasets and resources.
- Every member of an organisation (any role) reads its private datasets and drafts, and its
  deleted datasets (so that they can ask an admin to restore them).
- Restoring and purging deleted datasets, and managing themes and licences: platform admins.
"""

from __future__ import annotations

from ouvert.core import services as core_services

EDITOR_ROLES = ("editor", "admin")


def is_platform_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_edit_organisation_datasets(user, organisation) -> bool:
    """Create datasets for ``organisation``, change and (softly) delete them."""
    if is_platform_admin(user):
        return True
    return _active(user) and core_services.user_has_role(user, organisation, EDITOR_ROLES)


def can_edit_dataset(user, dataset) -> bool:
    return can_edit_organisation_datasets(user, dataset.organisation_id)


def can_read_organisation_unpublished(user, organisation) -> bool:
    """Read the private datasets, drafts and deleted datasets of ``organisation``."""
    if is_platform_admin(user):
        return True
    return _active(user) and core_services.user_has_role(user, organisation)


def can_read_dataset(user, dataset) -> bool:
    if dataset.state == "active" and not dataset.private:
        return True
    return can_read_organisation_unpublished(user, dataset.organisation_id)


def can_restore_or_purge(user) -> bool:
    return is_platform_admin(user)


def can_manage_registry(user) -> bool:
    """Themes and licences."""
    return is_platform_admin(user)
