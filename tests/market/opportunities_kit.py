"""What the opportunities part's tests share: a fixed clock, complete form data, and the people of the
permission matrix."""

import datetime
from decimal import Decimal

import pytest

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.market import opportunities
from ouvert.market.models import Opportunity

MONTREAL = opportunities.MONTREAL
#: Monday 2 March 2026, noon in Montreal (EST, UTC−5).
START = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=MONTREAL)
DAY = datetime.timedelta(days=1)


def complete_data(**overrides) -> dict:
    """Everything a draft needs to go to review and be published at ``START`` (deadline 20 days later)."""
    data = {
        "title_fr": "Module de prise de rendez-vous", "title_en": "Appointment booking module",
        "teaser_fr": "Un module libre de prise de rendez-vous pour les bureaux régionaux.",
        "description_fr": "## Contexte\n\nLe ministère veut un module **libre**.",
        "acceptance_fr": "- Tests automatisés\n- Documentation en français",
        "price": "45000.00", "remote_ok": True, "location": "",
        "deadline": "2026-03-22T17:00", "assignment_date": "2026-04-01", "start_date": "2026-04-06",
        "completion_date": "2026-06-30", "repository_url": "https://git.example.org/mcn/rdv",
        "skills": ["Python", "Django"],
        "criteria": [{"name_fr": "Compréhension du besoin", "weight": 40},
                     {"name_fr": "Démarche proposée", "weight": 35},
                     {"name_fr": "Expérience de l'équipe", "weight": 25}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def draft(clock, buyer, mcn):
    return opportunities.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())


@pytest.fixture
def in_review(draft, buyer, buyer_admin):
    return opportunities.opportunity_submit_for_review(actor=buyer, opportunity=draft)


@pytest.fixture
def published(in_review, buyer_admin):
    return opportunities.opportunity_publish(actor=buyer_admin, opportunity=in_review)


@pytest.fixture
def other_admin(make_user, make_org):
    body = make_org(slug="mamh", name_fr="Ministère des Affaires municipales", acronym="MAMH")
    user = make_user(email="direction@mamh.example.org", full_name="Direction MAMH")
    core_services.membership_set(user=user, organisation=body, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def people(buyer, buyer_admin, buyer_member, platform_admin, stranger, supplier_a, other_admin):
    """Every role of the matrix (the anonymous person is ``None``)."""
    from django.contrib.auth.models import AnonymousUser

    return {"anonymous": AnonymousUser(), "stranger": stranger, "supplier": supplier_a.owner,
            "buyer_member": buyer_member, "buyer_editor": buyer, "buyer_admin": buyer_admin,
            "other_admin": other_admin, "platform_admin": platform_admin}


def reload(opportunity: Opportunity) -> Opportunity:
    return Opportunity.objects.get(pk=opportunity.pk)


__all__ = ["DAY", "Decimal", "MONTREAL", "START", "clock", "complete_data", "draft", "in_review", "other_admin",
           "people", "published", "reload"]
