"""Who may do what with an opportunity (the services check these; views and API only call services).

Roles: anonymous, registered person, supplier member (``Membership`` of a ``Supplier``'s organisation:
member, editor or admin), buyer member (of the opportunity's public body: editor drafts and manages,
admin also reviews, publishes and awards), evaluator (named on the opportunity's panel), platform admin
(superuser: reviews and publishes, moderates; never reads a sealed proposal).
"""

from __future__ import annotations

from ouvert.core import services as core_services
from ouvert.core.models import Membership

from .models import Evaluator, Opportunity, Supplier

__all__ = ["is_signed_in", "is_platform_admin", "is_buyer", "is_buyer_admin", "supplier_memberships", "is_supplier_member",
           "evaluator_get"]

MANAGE_ROLES = (Membership.Role.EDITOR, Membership.Role.ADMIN)


def is_signed_in(user) -> bool:
    """A signed-in, active person."""
    return user is not None and user.is_authenticated and user.is_active


def is_platform_admin(user) -> bool:
    return is_signed_in(user) and user.is_superuser


def is_buyer(user, opportunity_or_buyer) -> bool:
    """An editor or admin of the buying public body."""
    org_id = opportunity_or_buyer.buyer_id if isinstance(opportunity_or_buyer, Opportunity) else opportunity_or_buyer.pk
    return is_signed_in(user) and core_services.user_has_role(user, org_id, MANAGE_ROLES)


def is_buyer_admin(user, opportunity_or_buyer) -> bool:
    org_id = opportunity_or_buyer.buyer_id if isinstance(opportunity_or_buyer, Opportunity) else opportunity_or_buyer.pk
    return is_signed_in(user) and core_services.user_has_role(user, org_id, [Membership.Role.ADMIN])


def supplier_memberships(user, roles=None) -> list[Supplier]:
    """The suppliers ``user`` belongs to (with one of ``roles`` when given)."""
    if not is_signed_in(user):
        return []
    # One filter() call: both conditions hold on the same membership (two calls would join twice).
    conditions = {"organisation__memberships__user": user}
    if roles is not None:
        conditions["organisation__memberships__role__in"] = list(roles)
    return list(Supplier.objects.filter(**conditions).select_related("organisation").distinct())


def is_supplier_member(user, supplier: Supplier, roles=None) -> bool:
    return is_signed_in(user) and core_services.user_has_role(user, supplier.organisation_id, roles)


def evaluator_get(user, opportunity: Opportunity) -> Evaluator | None:
    """``user``'s seat on the opportunity's panel, if any."""
    if not is_signed_in(user):
        return None
    return Evaluator.objects.filter(opportunity=opportunity, user=user).first()
