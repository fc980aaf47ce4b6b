"""Who may do what with free software (the services check these; views and API only call services).

Roles:

- anyone: reads the catalogue, the uses and their referents (a referent's e-mail only once signed in), the
  inventory, the guides, the shared grids; exports ``publiccode.yml``;
- a member of a public body (any role in an organisation of kind public body or municipality): declares
  and edits the body's uses of software and their referents, makes and scores the body's evaluation
  grids, requests accompaniment for the body and follows its requests;
- the platform's free-software team (editors and admins of the organisation that runs the platform,
  ``OUVERT_OPEN_DATA_ORGANISATION``, and platform admins): adds and edits catalogue entries, imports
  ``publiccode.yml`` files and the inventory, edits the guides, triages accompaniment requests;
- platform admins alone decide a software's status in the catalogue (recommended, under observation,
  withdrawn).
"""

from __future__ import annotations

from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation

__all__ = ["BODY_KINDS", "TEAM_ROLES", "body_memberships", "can_speak_for", "is_platform_admin", "is_signed_in",
           "is_software_team", "member_bodies"]

#: The kinds of organisation whose members speak for a public body.
BODY_KINDS = (Organisation.Kind.PUBLIC_BODY, Organisation.Kind.MUNICIPALITY)
TEAM_ROLES = (Membership.Role.EDITOR, Membership.Role.ADMIN)


def is_signed_in(user) -> bool:
    """A signed-in, active person."""
    return user is not None and user.is_authenticated and user.is_active


def is_platform_admin(user) -> bool:
    return is_signed_in(user) and user.is_superuser


def is_software_team(user) -> bool:
    """A platform admin, or an editor or admin of the organisation that runs the platform."""
    if is_platform_admin(user):
        return True
    if not is_signed_in(user):
        return False
    return Membership.objects.filter(user=user, role__in=TEAM_ROLES,
                                     organisation__slug=core_services.open_data_organisation()).exists()


def member_bodies(user):
    """The public bodies and municipalities ``user`` is a member of (any role)."""
    if not is_signed_in(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(kind__in=BODY_KINDS, memberships__user=user).distinct().order_by("name_fr")


def body_memberships(user) -> dict[int, str]:
    """``{organisation id: role}`` of ``user``'s memberships in public bodies and municipalities."""
    if not is_signed_in(user):
        return {}
    return dict(Membership.objects.filter(user=user, organisation__kind__in=BODY_KINDS)
                .values_list("organisation_id", "role"))


def can_speak_for(user, organisation: Organisation | None) -> bool:
    """Whether ``user`` may act for ``organisation``: one of its members (a public body or a municipality),
    or a platform admin."""
    if organisation is None or not is_signed_in(user):
        return False
    if is_platform_admin(user):
        return True
    return organisation.kind in BODY_KINDS and Membership.objects.filter(
        user=user, organisation=organisation).exists()
