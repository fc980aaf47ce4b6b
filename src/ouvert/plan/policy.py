"""Who may do what in the plan module: one place for every permission decision.

Services call these before writing; views call them only to decide what to show.
"""

from __future__ import annotations

from ouvert.core import services as core_services


def is_platform_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def is_lead_respondent(user, milestone) -> bool:
    """Whether ``user`` is an open-government respondent of the milestone's lead body."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and core_services.user_is_respondent(user, milestone.lead_id))


def can_report_progress(user, milestone) -> bool:
    """Respondents of the lead body and platform admins may report progress and edit the milestone."""
    return is_platform_admin(user) or is_lead_respondent(user, milestone)


def collaborator_respondents(milestone) -> list:
    """The respondents of the milestone's collaborating bodies (people to notify of progress)."""
    seen, people = set(), []
    for membership in core_services.respondent_list().filter(
            organisation__in=milestone.collaborators.all()):
        if membership.user_id not in seen and membership.user.is_active:
            seen.add(membership.user_id)
            people.append(membership.user)
    return people
