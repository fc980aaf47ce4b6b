"""Test kit of the software module.

- ``sct``: the organisation that runs the platform (``OUVERT_OPEN_DATA_ORGANISATION``, ``sct``), and
  ``team`` (its editor: the platform's free-software team);
- ``platform_admin`` (decides catalogue statuses), ``stranger`` (signed in, no role);
- ``mcn`` (a public body: Ministère de la Cybersécurité et du Numérique) with ``body_member`` (a member) and
  ``body_admin`` (its admin); ``montreal`` (a municipality) with ``city_member``; ``udem`` (a university: not a
  public body for this module);
- ``software_factory(**fields)`` → a ``Software`` made in the database directly (the catalogue's own tests go
  through its services).
"""

import itertools

import pytest

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.software.models import Software


@pytest.fixture
def sct(make_org):
    return make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor", acronym="SCT")


@pytest.fixture
def team(make_user, sct):
    user = make_user(email="logiciel-libre@sct.example.org", full_name="Équipe logiciel libre")
    core_services.membership_set(user=user, organisation=sct, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@ouvert.example.org", full_name="Administration", is_superuser=True)


@pytest.fixture
def stranger(make_user):
    return make_user(email="curieux@example.org", full_name="Personne curieuse")


@pytest.fixture
def mcn(make_org):
    return make_org(slug="mcn", name_fr="Ministère de la Cybersécurité et du Numérique", acronym="MCN")


@pytest.fixture
def body_member(make_user, mcn):
    user = make_user(email="analyste@mcn.example.org", full_name="Analyste MCN")
    core_services.membership_set(user=user, organisation=mcn, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def body_admin(make_user, mcn):
    user = make_user(email="direction@mcn.example.org", full_name="Direction MCN")
    core_services.membership_set(user=user, organisation=mcn, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def montreal(make_org):
    return make_org(slug="ville-montreal", kind="municipality", name_fr="Ville de Montréal")


@pytest.fixture
def city_member(make_user, montreal):
    user = make_user(email="ti@montreal.example.org", full_name="Service des TI")
    core_services.membership_set(user=user, organisation=montreal, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def udem(make_org):
    return make_org(slug="udem", kind="university", name_fr="Université de Montréal", acronym="UdeM")


@pytest.fixture
def software_factory(db):
    counter = itertools.count(1)

    def make(**fields):
        number = next(counter)
        values = {"slug": f"logiciel-{number}", "name": f"Logiciel {number}", "licence": "MIT",
                  "short_description_fr": f"Un logiciel libre numéro {number}."}
        values.update(fields)
        return Software.objects.create(**values)
    return make
