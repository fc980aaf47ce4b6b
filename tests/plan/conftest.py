"""Test kit of the plan module: the real 2021-2023 plan and respondents of its bodies."""

import pytest

from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation


@pytest.fixture
def real_plan(db):
    """The real plan, loaded from the package's data file (no accounts, no statuses)."""
    from ouvert.plan.demo import load_plan_data

    return load_plan_data()


@pytest.fixture
def respondent(real_plan, make_user):
    """``respondent("sct")``: a new respondent of the organisation with that slug."""

    def make(slug, **kwargs):
        user = make_user(**kwargs)
        core_services.membership_set(user=user, organisation=Organisation.objects.get(slug=slug),
                                     role=Membership.Role.EDITOR, is_respondent=True)
        return user

    return make


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@example.org", is_superuser=True)


@pytest.fixture
def milestone(real_plan):
    from ouvert.plan import selectors

    def get(number):
        return selectors.milestone_get(plan_slug="2021-2023", number=number)

    return get
