"""The guides' demo loader and the ``post_migrate`` sync: ``ouvert demo`` (the registered loader) makes sure the
shipped guides are there, twice without changing anything; a ``migrate`` restores a deleted guide and keeps the
team's edit."""

import io

import pytest
from django.core.management import call_command

from ouvert.core import registry
from ouvert.software import demo_guides, services
from ouvert.software.models import Guide

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_guides_and_a_second_load_changes_nothing():
    assert any(loader.name == "software_guides" for loader in registry.demo_loaders())
    Guide.objects.all().delete()
    out = io.StringIO()
    first = demo_guides.load(stdout=out)
    assert first["created"] == 4 and "4 ajoutés" in out.getvalue()
    state = list(Guide.objects.order_by("slug").values_list("slug", "body_fr", "updated_at", "is_demo"))
    second = demo_guides.load()
    assert second == {"created": 0, "updated": 0, "unchanged": 4, "kept": 0}
    assert list(Guide.objects.order_by("slug").values_list("slug", "body_fr", "updated_at", "is_demo")) == state
    assert not any(row[3] for row in state)


def test_migrate_brings_back_a_deleted_guide_and_keeps_an_edited_one(team):
    Guide.objects.filter(slug="participer-aux-communautes").delete()
    guide = services.guide_get(slug="publier-le-code-source")
    services.guide_update(actor=team, guide=guide, data={"body_fr": "## Texte de l'équipe\n\nGardé."})
    call_command("migrate", "software", verbosity=0)
    assert Guide.objects.filter(slug="participer-aux-communautes").exists()
    assert services.guide_get(slug="publier-le-code-source").body_fr == "## Texte de l'équipe\n\nGardé."
