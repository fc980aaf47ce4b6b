"""Test kit of the catalogue, shared by every catalogue test module.

- ``publisher_org``: a public body that publishes datasets; ``editor`` edits for it,
  ``member`` only belongs to it (reads its private datasets and drafts);
- ``other_org`` and ``other_org_editor``: another publisher and its editor;
- ``admin_user``: a platform admin;
- ``theme_factory(name, title_fr=…)``: a theme (CKAN group);
- ``dataset_factory(**data)``: a dataset created through ``services.dataset_create`` (by
  ``editor`` of ``publisher_org`` unless ``actor``/``organisation`` are given); ``data`` keys
  are the model's (``title_fr``, ``notes_en``, ``tags``, ``themes``, ``resources``…).
- ``ckan_corpus(filename)``: a real CKAN answer from ``tests/catalog/data/ckan/`` (parsed JSON).
"""

import json
from pathlib import Path

import pytest

from ouvert.core import services as core_services
from ouvert.core.models import Membership

CKAN_DATA = Path(__file__).parent / "data" / "ckan"


@pytest.fixture
def publisher_org(make_org):
    return make_org(slug="mtmd", name_fr="Ministère des Transports et de la Mobilité durable",
                    name_en="Ministry of Transport and Sustainable Mobility", acronym="MTMD")


@pytest.fixture
def other_org(make_org):
    return make_org(slug="ville-de-quebec", name_fr="Ville de Québec", name_en="Québec City",
                    kind="municipality")


@pytest.fixture
def editor(make_user, publisher_org):
    user = make_user(email="editrice@mtmd.example.org", full_name="Éditrice MTMD")
    core_services.membership_set(user=user, organisation=publisher_org, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def member(make_user, publisher_org):
    user = make_user(email="membre@mtmd.example.org", full_name="Membre MTMD")
    core_services.membership_set(user=user, organisation=publisher_org, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def other_org_editor(make_user, other_org):
    user = make_user(email="editeur@ville.example.org", full_name="Éditeur Ville de Québec")
    core_services.membership_set(user=user, organisation=other_org, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def admin_user(make_user):
    return make_user(email="admin@example.org", full_name="Admin plateforme", is_superuser=True)


@pytest.fixture
def theme_factory(db):
    from ouvert.catalog import services

    def make(name, title_fr=None, title_en="", **kwargs):
        return services.theme_upsert(actor=None, name=name, title_fr=title_fr or name.replace("-", " ").capitalize(),
                                     title_en=title_en, **kwargs)

    return make


@pytest.fixture
def dataset_factory(publisher_org, editor):
    """``dataset_factory(title_fr=…, tags=[…], …)`` → a Dataset made by the real service."""
    from ouvert.catalog import services

    counter = {"n": 0}

    def make(*, actor=editor, organisation=publisher_org, **data):
        counter["n"] += 1
        data.setdefault("name", f"jeu-de-donnees-{counter['n']}")
        data.setdefault("title_fr", f"Jeu de données {counter['n']}")
        return services.dataset_create(actor=actor, organisation=organisation, data=data)

    return make


@pytest.fixture
def ckan_corpus():
    def load(filename):
        return json.loads((CKAN_DATA / filename).read_text(encoding="utf-8"))

    return load
