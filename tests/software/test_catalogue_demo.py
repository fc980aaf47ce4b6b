"""The catalogue's demo: real free software, the proprietary products they replace, statuses with history (one
withdrawn with its reason); a second load changes nothing."""

import pytest

from ouvert.software import demo_catalogue, services
from ouvert.software.models import Software, StatusChange

pytestmark = pytest.mark.django_db


def test_demo_loads_twice(sct):
    first = demo_catalogue.load()
    assert first["created"] == 17 and first["statuses"] == 6
    assert Software.objects.filter(is_demo=True).count() == 17
    assert Software.objects.filter(is_proprietary=True).count() == 5
    changes = StatusChange.objects.count()
    second = demo_catalogue.load()
    assert second == {"created": 0, "kept": 17, "statuses": 0}
    assert StatusChange.objects.count() == changes
    withdrawn = Software.objects.get(slug="bigbluebutton")
    assert withdrawn.status == "withdrawn" and withdrawn.status_reason
    assert [s.slug for s in services.software_detail("zoom")["replaced_by"]] == ["bigbluebutton", "jitsi-meet"]
    assert [s.slug for s in services.software_detail("jitsi-meet")["similar"]] == ["bigbluebutton"]
    assert "Jitsi Meet" in [s.name for s in services.catalogue_search(q="vidéoconférence")["queryset"]]
