"""The permission matrix of the opportunities part through the API: every role (anonymous, signed-in
stranger, supplier member, buyer member, buyer editor, buyer admin, another body's admin, platform admin)
against every action, with the answer expected (and nothing changed when refused); and the Django admin."""

import json

import pytest
from opportunities_kit import *  # noqa: F403
from opportunities_kit import complete_data, reload

from ouvert.core import services as core_services
from ouvert.market import opportunities as svc
from ouvert.market.models import Addendum, BuyerSettings, Follow, Opportunity, Question

pytestmark = pytest.mark.django_db
BASE = "/api/v1/market"
ROLES = ["anonymous", "stranger", "supplier", "buyer_member", "buyer_editor", "buyer_admin", "other_admin",
         "platform_admin"]


def _call(client, user, method, path, body=None):
    kwargs = {"content_type": "application/json"}
    if user is not None and user.is_authenticated:
        kwargs["HTTP_AUTHORIZATION"] = core_services.token_create(user=user)
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(BASE + path, **kwargs)


def _expect(**codes):
    """Status code per role; roles not named get ``default``."""
    default = codes.pop("default")
    return {role: codes.get(role, default) for role in ROLES}


MATRIX = {
    "read_draft": _expect(default=404, buyer_member=200, buyer_editor=200, buyer_admin=200, platform_admin=200),
    "create": _expect(default=403, anonymous=401, buyer_editor=201, buyer_admin=201),
    "update_draft": _expect(default=404, anonymous=401, buyer_member=403, platform_admin=403, buyer_editor=200,
                            buyer_admin=200),
    "submit": _expect(default=404, anonymous=401, buyer_member=403, platform_admin=403, buyer_editor=200,
                      buyer_admin=200),
    "publish": _expect(default=404, anonymous=401, buyer_member=403, buyer_editor=403, buyer_admin=200,
                       platform_admin=200),
    "send_back": _expect(default=404, anonymous=401, buyer_member=403, buyer_editor=403, buyer_admin=200,
                         platform_admin=200),
    "suspend": _expect(default=403, anonymous=401, buyer_admin=200, platform_admin=200),
    "cancel_published": _expect(default=403, anonymous=401, buyer_admin=200, platform_admin=200),
    "addendum": _expect(default=403, anonymous=401, buyer_editor=201, buyer_admin=201),
    "ask": _expect(default=403, anonymous=401, supplier=201),
    "follow": _expect(default=200, anonymous=401),
    "settings": _expect(default=403, anonymous=401, buyer_admin=200, platform_admin=200),
}


def _state():
    return (list(Opportunity.objects.order_by("pk").values_list("status", "title_fr")), Addendum.objects.count(),
            Question.objects.count(), Follow.objects.count(), list(BuyerSettings.objects.values_list("default_licence")))


def _request(client, user, ref, action):
    return {
        "read_draft": lambda: _call(client, user, "get", f"/opportunities/{ref}"),
        "create": lambda: _call(client, user, "post", "/opportunities", {"buyer": "mcn", **complete_data()}),
        "update_draft": lambda: _call(client, user, "patch", f"/opportunities/{ref}", {"title_fr": "Changé"}),
        "submit": lambda: _call(client, user, "post", f"/opportunities/{ref}/transitions", {"action": "submit"}),
        "publish": lambda: _call(client, user, "post", f"/opportunities/{ref}/transitions", {"action": "publish"}),
        "send_back": lambda: _call(client, user, "post", f"/opportunities/{ref}/transitions",
                                   {"action": "send_back", "reason": "À revoir"}),
        "suspend": lambda: _call(client, user, "post", f"/opportunities/{ref}/transitions",
                                 {"action": "suspend", "reason": "Pause"}),
        "cancel_published": lambda: _call(client, user, "post", f"/opportunities/{ref}/transitions",
                                          {"action": "cancel", "reason": "Abandon"}),
        "addendum": lambda: _call(client, user, "post", f"/opportunities/{ref}/addenda", {"body_fr": "Avis."}),
        "ask": lambda: _call(client, user, "post", f"/opportunities/{ref}/questions", {"body": "Question ?"}),
        "follow": lambda: _call(client, user, "put", f"/opportunities/{ref}/follow", {"follow": True}),
        "settings": lambda: _call(client, user, "put", "/buyers/mcn/settings", {"default_licence": "MIT"}),
    }[action]()


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_the_matrix(client, clock, people, buyer, buyer_admin, mcn, action):
    for role in ROLES:
        user = people[role]
        o = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
        if action in ("publish", "send_back", "suspend", "cancel_published", "addendum", "ask", "follow"):
            svc.opportunity_submit_for_review(actor=buyer, opportunity=o)
        if action in ("suspend", "cancel_published", "addendum", "ask", "follow"):
            svc.opportunity_publish(actor=buyer_admin, opportunity=o)
        ref = o.reference
        before = _state()
        response = _request(client, user, ref, action)
        expected = MATRIX[action][role]
        assert response.status_code == expected, (action, role, response.status_code, response.content[:300])
        if expected >= 400:
            assert _state() == before, (action, role)
            assert response.json()["detail"], (action, role)
        elif action != "read_draft":
            assert _state() != before, (action, role)
        Opportunity.objects.filter(pk=o.pk).update(title_fr="Module de prise de rendez-vous")
        BuyerSettings.objects.all().delete()


# --- The Django admin -------------------------------------------------------------------------------------------

def test_the_admin_lists_and_freezes(client, published, platform_admin, buyer, supplier_a, mcn, sealed_submission):
    sealed_submission(published, supplier_a)
    svc.addendum_publish(actor=buyer, opportunity=published, body_fr="Avis.")
    svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Question ?")
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(title_fr="Brouillon"))
    client.force_login(platform_admin)
    for model in ("opportunity", "skill", "buyersettings", "addendum", "question", "follow"):
        response = client.get(f"/fr/admin/market/{model}/")
        assert response.status_code == 200, model
    page = client.get(f"/fr/admin/market/opportunity/{published.pk}/change/").content.decode()
    assert 'name="title_fr"' not in page and "Compréhension du besoin" in page  # frozen, criteria shown
    assert "Logilibre" not in page  # nothing of the sealed proposal
    editable = client.get(f"/fr/admin/market/opportunity/{draft.pk}/change/").content.decode()
    assert 'name="title_fr"' in editable
    listing = client.get("/fr/admin/market/opportunity/").content.decode()
    assert "Logilibre" not in listing
    assert client.get("/fr/admin/market/addendum/add/").status_code == 403
    assert client.get("/fr/admin/market/opportunity/add/").status_code == 403
    addendum = published.addenda.get()
    response = client.post(f"/fr/admin/market/addendum/{addendum.pk}/change/", {"body_fr": "Réécrit"})
    assert response.status_code == 403 and reload(published).addenda.get().body_fr == "Avis."
    assert client.post(f"/fr/admin/market/opportunity/{published.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(buyer)
    assert client.get("/fr/admin/market/opportunity/").status_code == 302  # not staff


def test_a_draft_deleted_in_the_admin_is_audited(client, platform_admin, buyer, mcn):
    from ouvert.core.models import AuditEntry

    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(title_fr="Brouillon à jeter"))
    client.force_login(platform_admin)
    response = client.post(f"/fr/admin/market/opportunity/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Opportunity.objects.filter(pk=draft.pk).exists()
    entry = AuditEntry.objects.get(action="market.opportunities.admin_delete")
    assert entry.actor == platform_admin and entry.data["title"] == "Brouillon à jeter"
