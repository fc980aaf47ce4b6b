"""Test kit of the consult module.

- ``mamh``: the public body that runs the consultations; ``organiser`` is an editor of it;
  ``mamh_member`` only belongs (no right to manage);
- ``moderator``: a platform superuser; ``citizen(n)`` / ``citizens``: signed-in people;
- ``process_factory(**overrides)``: a published public process whose contribution phase is open today
  with every component (``components=[…]`` to choose), made in the database directly (the processes
  part's own tests go through its services); ``phase_move(process, kind)`` makes the phase of that kind
  the current one (time passing);
- ``process``: one process from the factory.
"""

import datetime

import pytest
from django.utils import timezone

from ouvert.consult.models import Phase, Process
from ouvert.core import services as core_services
from ouvert.core.models import Membership

ALL_COMPONENTS = [c.value for c in Phase.Component]


@pytest.fixture
def mamh(make_org):
    return make_org(slug="mamh", name_fr="Ministère des Affaires municipales et de l'Habitation", acronym="MAMH")


@pytest.fixture
def organiser(make_user, mamh):
    user = make_user(email="organisatrice@mamh.example.org", full_name="Organisatrice MAMH")
    core_services.membership_set(user=user, organisation=mamh, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def mamh_member(make_user, mamh):
    user = make_user(email="membre@mamh.example.org", full_name="Membre MAMH")
    core_services.membership_set(user=user, organisation=mamh, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def moderator(make_user):
    return make_user(email="moderation@example.org", full_name="Modération", is_superuser=True)


@pytest.fixture
def citizen(make_user):
    def make(n):
        return make_user(email=f"citoyen{n}@example.org", full_name=f"Citoyen {n}")

    return make


@pytest.fixture
def citizens(citizen):
    return [citizen(n) for n in range(1, 5)]


def _phases(process, today, components):
    """Information (past), contribution (now), analysis and report (future)."""
    day = datetime.timedelta(days=1)
    rows = [
        (Phase.Kind.INFORMATION, today - 30 * day, today - day, [c for c in components if c == "meetings"]),
        (Phase.Kind.CONTRIBUTION, today, today + 20 * day, components),
        (Phase.Kind.ANALYSIS, today + 21 * day, today + 40 * day, []),
        (Phase.Kind.REPORT, today + 41 * day, today + 120 * day, []),
    ]
    for position, (kind, start, end, open_components) in enumerate(rows):
        Phase.objects.create(process=process, kind=kind, starts_on=start, ends_on=end,
                             components=list(open_components), position=position)


@pytest.fixture
def process_factory(mamh, organiser):
    counter = {"n": 0}

    def make(components=None, **overrides):
        counter["n"] += 1
        today = timezone.localdate()
        fields = {
            "organisation": mamh, "slug": f"consultation-{counter['n']}",
            "title_fr": f"Consultation n° {counter['n']} sur l'habitation",
            "title_en": f"Consultation {counter['n']} on housing",
            "summary_fr": "Donnez votre avis sur l'habitation.", "theme": "habitation",
            "territory": "Capitale-Nationale", "starts_on": today - datetime.timedelta(days=30),
            "ends_on": today + datetime.timedelta(days=120), "published_at": timezone.now(),
            "created_by": organiser,
        }
        fields.update(overrides)
        process = Process.objects.create(**fields)
        _phases(process, today, ALL_COMPONENTS if components is None else components)
        return process

    return make


@pytest.fixture
def process(process_factory):
    return process_factory()


@pytest.fixture
def phase_move():
    """Make the phase of ``kind`` run today (the others before or after it), as time passing would."""

    def move(process, kind):
        today = timezone.localdate()
        day = datetime.timedelta(days=1)
        phases = list(process.phases.order_by("position"))
        index = next(i for i, p in enumerate(phases) if p.kind == kind)
        for i, phase in enumerate(phases):
            if i == index:
                phase.starts_on, phase.ends_on = today - 5 * day, today + 5 * day
            else:
                phase.starts_on = today + (i - index) * 30 * day - (6 * day if i < index else 0 * day)
                phase.ends_on = phase.starts_on + 25 * day
            phase.save()
        process.refresh_from_db()
        return process

    return move
