"""Who may do what in open science (the services check these; views and API only call services).

Roles:

- anyone: reads the policy, the assistant, the public registry, the FAQ, the webinars, the OAI-PMH feed;
- a registered person (a researcher): declares publications (they become their ``declared_by``), edits
  them, registers for webinars;
- an institution's staff (editor or admin of a ``university`` organisation): declares and imports
  publications for that institution, edits them, sees its dashboard;
- fund staff (editor or admin of the organisation of a ``Fund``): *science managers* with platform
  admins: policy versions, the journal and self-archiving registries, repositories to harvest, reminders,
  the FAQ and the webinars, every dashboard.
"""

from __future__ import annotations

from ouvert.core.models import Membership, Organisation

from .models import Fund, Publication

__all__ = ["MANAGE_ROLES", "is_signed_in", "is_platform_admin", "is_science_manager", "managed_funds",
           "staff_institutions", "can_edit_publication"]

MANAGE_ROLES = (Membership.Role.EDITOR, Membership.Role.ADMIN)


def is_signed_in(user) -> bool:
    """A signed-in, active person."""
    return user is not None and user.is_authenticated and user.is_active


def is_platform_admin(user) -> bool:
    return is_signed_in(user) and user.is_superuser


def managed_funds(user):
    """The funds whose organisation ``user`` edits or administers (every fund for a platform admin)."""
    if is_platform_admin(user):
        return Fund.objects.all()
    if not is_signed_in(user):
        return Fund.objects.none()
    return Fund.objects.filter(organisation__memberships__user=user,
                               organisation__memberships__role__in=MANAGE_ROLES).distinct()


def is_science_manager(user) -> bool:
    """A platform admin, or staff of a fund: manages the policy, the registries, the FAQ and the webinars."""
    return is_platform_admin(user) or (is_signed_in(user) and managed_funds(user).exists())


def staff_institutions(user):
    """The institutions (universities and research centres) ``user`` edits or administers."""
    if not is_signed_in(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=Organisation.Kind.UNIVERSITY, memberships__user=user,
                                       memberships__role__in=MANAGE_ROLES).distinct()


def can_edit_publication(user, publication: Publication) -> bool:
    """Its declarer, its institution's staff, or a science manager."""
    if not is_signed_in(user):
        return False
    if publication.declared_by_id == user.pk or is_science_manager(user):
        return True
    return (publication.institution_id is not None
            and staff_institutions(user).filter(pk=publication.institution_id).exists())
