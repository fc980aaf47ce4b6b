"""Comments part: the API (threads, posting, editing, votes, reports, moderation, blocks)."""

import pytest

from ouvert.consult import comments
from ouvert.consult.models import Block, Comment, Moderation, Proposal
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db

BASE = "/api/v1/consult"


@pytest.fixture
def proposal(process, citizen):
    return Proposal.objects.create(process=process, number=1, author=citizen(9), title="Des données ouvertes",
                                   body="Publier les horaires.")


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {core_services.token_create(user=user, name='test')}"}


def test_post_and_list(client, process, proposal, citizens):
    url = f"{BASE}/processes/{process.slug}/comments"
    response = client.post(url, {"target_kind": "proposal", "target_id": proposal.pk, "body": "*Oui*"},
                           content_type="application/json", **auth(citizens[0]))
    assert response.status_code == 201, response.content
    top = response.json()
    assert top["body"] == "*Oui*" and "<em>Oui</em>" in top["body_html"]
    reply = client.post(url, {"target_kind": "proposal", "target_id": proposal.pk, "body": "Non",
                              "parent": top["id"]}, content_type="application/json", **auth(citizens[1])).json()
    assert reply["parent_id"] == top["id"] and reply["depth"] == 1
    data = client.get(url, {"target_kind": "proposal", "target_id": proposal.pk}).json()
    assert data["count"] == 1 and data["results"][0]["replies"][0]["body"] == "Non"
    assert data["can_post"] is False  # anonymous
    assert client.get(url, {"target_kind": "proposal", "target_id": proposal.pk, "sort": "x"}).status_code == 400
    assert client.get(url, {"target_kind": "nope", "target_id": 1}).status_code == 400
    assert client.get(url, {"target_kind": "proposal", "target_id": 99999}).status_code == 404
    assert client.get(f"{BASE}/processes/inconnue/comments", {"target_kind": "proposal",
                                                              "target_id": 1}).status_code == 404


def test_post_errors_leave_nothing(client, process, proposal, citizens):
    url = f"{BASE}/processes/{process.slug}/comments"
    payload = {"target_kind": "proposal", "target_id": proposal.pk, "body": "x" * 5001}
    assert client.post(url, payload, content_type="application/json").status_code == 401
    response = client.post(url, payload, content_type="application/json", **auth(citizens[0]))
    assert response.status_code == 400 and "body" in response.json()["errors"]
    assert not Comment.objects.exists()


def test_rate_limit_429(client, process, proposal, citizens, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 1
    url = f"{BASE}/processes/{process.slug}/comments"
    headers = auth(citizens[0])
    payload = {"target_kind": "proposal", "target_id": proposal.pk, "body": "Un"}
    assert client.post(url, payload, content_type="application/json", **headers).status_code == 201
    response = client.post(url, payload, content_type="application/json", **headers)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "réessayez" in response.json()["detail"]
    assert Comment.objects.count() == 1


def test_edit_delete_vote(client, process, proposal, citizens):
    comment = comments.comment_post(user=citizens[0], process=process, target_kind="proposal",
                                    target_id=proposal.pk, body="Premier jet")
    url = f"{BASE}/comments/{comment.pk}"
    assert client.patch(url, {"body": "Autre"}, content_type="application/json",
                        **auth(citizens[1])).status_code == 403
    response = client.patch(url, {"body": "Version finale"}, content_type="application/json", **auth(citizens[0]))
    assert response.status_code == 200 and response.json()["edited_at"]
    vote = client.post(f"{url}/vote", {"value": 1}, content_type="application/json", **auth(citizens[1]))
    assert vote.status_code == 200 and vote.json()["upvotes"] == 1
    assert client.post(f"{url}/vote", {"value": 1}, content_type="application/json",
                       **auth(citizens[0])).status_code == 403
    assert client.post(f"{url}/vote", {"value": 5}, content_type="application/json",
                       **auth(citizens[1])).status_code == 400
    response = client.delete(url, **auth(citizens[0]))
    assert response.status_code == 200 and response.json()["state"] == "deleted" and response.json()["body"] is None
    assert client.patch(f"{BASE}/comments/999999", {"body": "x"}, content_type="application/json",
                        **auth(citizens[0])).status_code == 404


def test_flags_and_moderation(client, process, proposal, citizens, organiser, mamh_member, moderator):
    process.auto_hide_threshold = 2
    process.save()
    url = f"{BASE}/processes/{process.slug}/flags"
    payload = {"target_kind": "proposal", "target_id": proposal.pk, "reason": "spam"}
    assert client.post(url, payload, content_type="application/json", **auth(citizens[0])).status_code == 201
    assert client.post(url, payload, content_type="application/json", **auth(citizens[0])).status_code == 400
    assert client.post(url, {**payload, "reason": "x"}, content_type="application/json",
                       **auth(citizens[1])).status_code == 400
    assert client.post(url, payload, content_type="application/json", **auth(citizens[1])).status_code == 201
    proposal.refresh_from_db()
    assert proposal.is_hidden
    assert client.get(f"{BASE}/moderation").status_code == 401
    assert client.get(f"{BASE}/moderation", **auth(mamh_member)).json()["count"] == 0
    queue = client.get(f"{BASE}/moderation", {"status": "all"}, **auth(organiser)).json()
    assert queue["count"] == 1
    item = queue["results"][0]
    assert item["hidden_automatically"] and item["reports_count"] == 2 and item["reasons"][0]["count"] == 2
    assert client.get(f"{BASE}/moderation", {"process": process.slug},
                      **auth(mamh_member)).status_code == 403
    assert client.post(f"{BASE}/moderation/{item['id']}/unhide", **auth(mamh_member)).status_code == 403
    assert client.post(f"{BASE}/moderation/{item['id']}/explode", **auth(organiser)).status_code == 404
    response = client.post(f"{BASE}/moderation/{item['id']}/unhide", **auth(organiser))
    assert response.status_code == 200 and response.json()["hidden"] is False
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert client.post(f"{BASE}/moderation/{item['id']}/hide", **auth(moderator)).json()["hidden"] is True
    assert Moderation.objects.get().reviewed_by == moderator


def test_blocks_api(client, citizens, organiser, moderator):
    payload = {"user_id": citizens[0].pk, "reason": "Harcèlement"}
    assert client.post(f"{BASE}/blocks", payload, content_type="application/json",
                       **auth(organiser)).status_code == 403
    assert client.post(f"{BASE}/blocks", payload, content_type="application/json",
                       **auth(moderator)).status_code == 201
    assert client.post(f"{BASE}/blocks", payload, content_type="application/json",
                       **auth(moderator)).status_code == 400
    assert client.post(f"{BASE}/blocks", {"user_id": 999999, "reason": "x"}, content_type="application/json",
                       **auth(moderator)).status_code == 404
    assert client.delete(f"{BASE}/blocks/{citizens[0].pk}", **auth(organiser)).status_code == 403
    assert client.delete(f"{BASE}/blocks/{citizens[0].pk}", **auth(moderator)).json()["lifted"] == 1
    assert client.delete(f"{BASE}/blocks/{citizens[0].pk}", **auth(moderator)).status_code == 404
    assert not Block.objects.filter(lifted_at__isnull=True).exists()


def test_list_query_count(client, process, proposal, citizen, django_assert_max_num_queries):
    people = [citizen(n) for n in range(20, 26)]
    bulk = [Comment(process=process, target_kind="proposal", target_id=proposal.pk, author=people[i % 6],
                    body=f"Commentaire {i}") for i in range(160)]
    Comment.objects.bulk_create(bulk)
    roots = list(Comment.objects.order_by("pk")[:40])
    Comment.objects.bulk_create([Comment(process=process, target_kind="proposal", target_id=proposal.pk,
                                         author=people[0], parent=r, depth=1, body="Réponse") for r in roots])
    client.force_login(people[1])
    with django_assert_max_num_queries(20):
        data = client.get(f"{BASE}/processes/{process.slug}/comments",
                          {"target_kind": "proposal", "target_id": proposal.pk, "sort": "oldest"}).json()
    assert data["count"] == 160 and len(data["results"]) == 50 and data["pages"] == 4
    assert len(data["results"][0]["replies"]) == 1
