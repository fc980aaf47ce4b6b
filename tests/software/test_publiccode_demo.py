"""The demo of the publiccode.yml part: real files imported, marked demo, loaded twice without duplicates."""

import io

import pytest

from ouvert.software import demo_people, demo_publiccode, services
from ouvert.software.models import Software


@pytest.mark.django_db
def test_demo_loads_twice():
    out = io.StringIO()
    assert demo_publiccode.load(stdout=out) == {"created": 3, "kept": 0}
    assert "3 logiciel(s) importé(s)" in out.getvalue()
    assert demo_publiccode.load() == {"created": 0, "kept": 3}
    entries = Software.objects.order_by("name")
    assert [s.name for s in entries] == ["Catala", "Signalen frontend", "Web Analytics Italia - Portale"]
    assert all(s.is_demo and s.publiccode for s in entries)
    team = entries[0].created_by
    assert team.email == demo_people.TEAM_EMAIL and services.is_software_team(team)
    assert team.has_usable_password() is False
    catala = entries[0]
    assert catala.short_description_fr.startswith("Langage de programmation")
    assert services.publiccode_validate(services.publiccode_generate(catala)).ok
