"""The catalogue in Django's admin: entries listed and changed (kept in the search), the status history read
only; and rebuilding the catalogue's search index."""

import pytest

from ouvert.core import search
from ouvert.software import services
from ouvert.software.models import Software

pytestmark = pytest.mark.django_db


def test_admin_pages(client, team, platform_admin):
    software = services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later"})
    services.status_set(actor=platform_admin, software=software, status="observation", reason="Essai.")
    client.force_login(platform_admin)
    assert client.get("/fr/admin/software/software/").status_code == 200
    assert client.get(f"/fr/admin/software/software/{software.pk}/change/").status_code == 200
    assert client.get("/fr/admin/software/statuschange/").status_code == 200
    assert client.get("/fr/admin/software/statuschange/add/").status_code == 403
    client.force_login(team)
    assert client.get("/fr/admin/software/software/").status_code in (302, 403)


def test_reindex(team):
    services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later",
                                             "short_description_en": "Learning platform."})
    Software.objects.update(short_description_en="Course platform.")
    assert services.software_reindex() == 1
    assert [s.name for s in services.catalogue_search(q="course")["queryset"]] == ["Moodle"]
    assert search.is_indexed("software", Software.objects.get().pk)
