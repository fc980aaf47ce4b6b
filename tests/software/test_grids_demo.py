"""The demo loaders of the grids and of the accompaniment requests: twice, nothing doubled; what they show."""

from decimal import Decimal

import pytest

from ouvert.software import demo_accompaniment, demo_grids, services
from ouvert.software.models import AccompanimentRequest, Grid

pytestmark = pytest.mark.django_db


def test_grids_demo_twice(software_factory):
    software_factory(slug="libreoffice", name="LibreOffice", licence="MPL-2.0")
    assert demo_grids.load() == {"created": 2, "kept": 0}
    assert demo_grids.load() == {"created": 0, "kept": 2}
    template = Grid.objects.get(title="Suite bureautique : critères usuels")
    assert template.is_template and template.visibility == "public" and template.is_demo
    assert template.criteria.count() == 7 and not template.candidates.exists()
    scored = Grid.objects.get(title=demo_grids.SCORED_TITLE)
    assert scored.copied_from == template and scored.is_demo and scored.visibility == "public"
    matrix = services.grid_matrix(scored)
    assert [c["name"] for c in matrix["ranking"]] == ["LibreOffice", "OnlyOffice", "Microsoft 365"]
    assert all(c["complete"] for c in matrix["candidates"])
    # LibreOffice: (15+15+6+8+4+10+4) / (15×5) = 62/75
    assert matrix["ranking"][0]["percent"] == Decimal("82.7")
    assert matrix["candidates"][0]["software"].slug == "libreoffice"


def test_accompaniment_demo_twice_feeds_the_plan():
    from ouvert.plan.demo import load_plan_data
    from ouvert.plan.models import MilestoneMeasure, ProgressUpdate

    load_plan_data()
    assert demo_accompaniment.load() == {"created": 5, "kept": 0}
    assert demo_accompaniment.load() == {"created": 0, "kept": 5}
    statuses = sorted(AccompanimentRequest.objects.filter(is_demo=True).values_list("status", flat=True))
    assert statuses == ["accepted", "completed", "declined", "in_progress", "submitted"]
    declined = AccompanimentRequest.objects.get(status="declined")
    assert declined.decline_reason.startswith("Démonstration")
    measure = MilestoneMeasure.objects.get(key="software.accompaniments_completed")
    assert (measure.value, measure.target) == (1, 3)
    assert not ProgressUpdate.objects.filter(author_label="Plateforme Ouvert").exists()
