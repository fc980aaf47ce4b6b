"""Test kit of the priorities module.

- ``banq``: the public body that holds the data; ``banq_editor`` edits for it; ``banq_member`` only belongs;
- ``platform_admin``; ``citizen(n)`` / ``citizens``: signed-in people;
- ``sct``: the body that publishes the platform's open data (the list of requests);
- ``dataset``: a catalogue dataset of BAnQ;
- ``campaign_factory(**overrides)``: a campaign open now (rating, invited by e-mail unless told), made by
  ``banq_editor`` through the service; ``close(campaign)`` moves its close into the past (time passing).
"""

import datetime

import pytest
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.models import Membership


@pytest.fixture
def banq(make_org):
    return make_org(slug="banq", name_fr="Bibliothèque et Archives nationales du Québec", acronym="BAnQ")


@pytest.fixture
def sct(make_org):
    return make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")


@pytest.fixture
def banq_editor(make_user, banq):
    user = make_user(email="editrice@banq.example.org", full_name="Éditrice BAnQ")
    core_services.membership_set(user=user, organisation=banq, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def banq_member(make_user, banq):
    user = make_user(email="membre@banq.example.org", full_name="Membre BAnQ")
    core_services.membership_set(user=user, organisation=banq, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@example.org", full_name="Admin plateforme", is_superuser=True)


@pytest.fixture
def citizen(make_user):
    def make(n):
        return make_user(email=f"citoyen{n}@example.org", full_name=f"Citoyen {n}")

    return make


@pytest.fixture
def citizens(citizen):
    return [citizen(n) for n in range(1, 5)]


@pytest.fixture
def dataset(banq, banq_editor):
    from ouvert.catalog import services as catalog_services

    return catalog_services.dataset_create(actor=banq_editor, organisation=banq, data={
        "name": "statistiques-bibliotheques", "title_fr": "Statistiques des bibliothèques publiques"})


@pytest.fixture
def make_request(citizen, banq):
    from ouvert.priorities import services

    counter = {"n": 0}

    def make(actor=None, **data):
        counter["n"] += 1
        data.setdefault("title_fr", f"Demande {counter['n']}")
        data.setdefault("description_fr", "Les données de fréquentation des bibliothèques, par mois.")
        data.setdefault("organisation", "banq")
        return services.request_create(actor=actor or citizen(100 + counter["n"]), data=data)

    return make


def campaign_data(**overrides) -> dict:
    now = timezone.now()
    data = {
        "title_fr": "Données culturelles à ouvrir", "theme": "culture", "method": "rating",
        "audience": "invited", "scale_max": 5, "selected_count": 1,
        "opens_at": now - datetime.timedelta(days=1), "closes_at": now + datetime.timedelta(days=30),
        "criteria": [{"name_fr": "Demande", "weight": 2}, {"name_fr": "Impact", "weight": 1}],
        "candidates": [{"title_fr": "Notices du dépôt légal", "holder": "BAnQ"},
                       {"title_fr": "Statistiques des bibliothèques", "holder": "BAnQ"},
                       {"title_fr": "Cartes postales numérisées", "holder": "BAnQ"}],
        "invitations": [{"email": "citoyen1@example.org", "group": "Bibliothèques"},
                        {"email": "CITOYEN2@example.org", "group": "Musées"},
                        {"email": "citoyen3@example.org", "group": "Recherche"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def campaign_factory(banq, banq_editor):
    from ouvert.priorities import services

    def make(**overrides):
        return services.campaign_create(actor=banq_editor, organisation=banq, data=campaign_data(**overrides))

    return make


@pytest.fixture
def close():
    from ouvert.priorities.models import Campaign

    def move(campaign):
        Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
        campaign.refresh_from_db()
        return campaign

    return move
