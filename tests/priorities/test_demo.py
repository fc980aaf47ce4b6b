"""The demo loader: realistic content at every status, the BAnQ pilot with results, an open campaign where
the demo visitor votes; idempotent."""

import pytest

from ouvert.core.models import AuditEntry, Notification
from ouvert.priorities import demo, services
from ouvert.priorities.models import Ballot, Campaign, DataRequest, Rating

pytestmark = pytest.mark.django_db


def snapshot():
    return (DataRequest.objects.count(), Campaign.objects.count(), Ballot.objects.count(), Rating.objects.count(),
            AuditEntry.objects.count(), Notification.objects.count(),
            sorted(DataRequest.objects.values_list("title_fr", "status")))


def test_demo_loads_once():
    demo.load()
    first = snapshot()
    statuses = {status for _title, status in first[6]}
    assert {"submitted", "review", "planned", "declined"} <= statuses
    declined = DataRequest.objects.get(status="declined")
    assert "renseignements personnels" in declined.decline_reason
    pilot = Campaign.objects.get(slug=demo.PILOT_SLUG)
    assert "Contenu de démonstration" in pilot.description_fr and pilot.results is not None
    assert pilot.results["ballots"] == len(demo.PEOPLE)
    assert pilot.closes_at.year == 2022
    selected = [row for row in pilot.results["candidates"] if row["selected"]]
    assert len(selected) == 1
    assert DataRequest.objects.get(campaign=pilot).status == "planned"
    assert DataRequest.objects.filter(is_demo=True, status="planned").count() == 2
    # The demo visitor may vote in the open campaign.
    from ouvert.core.models import User

    visitor = User.objects.get(email=demo.VISITOR_EMAIL)
    open_campaign = Campaign.objects.get(slug=demo.OPEN_SLUG)
    assert services.campaign_state(open_campaign) == "open" and services.is_invited(visitor, open_campaign)
    assert open_campaign.results is None
    demo.load()
    assert snapshot() == first
