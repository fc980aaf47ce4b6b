"""Comments part: the include, the forms without JavaScript (POST then back), the script's JSON, the
moderation queue page."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from ouvert.consult import comments
from ouvert.consult.models import Comment, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(process, citizen):
    return Proposal.objects.create(process=process, number=1, author=citizen(9), title="Des données ouvertes",
                                   body="Publier les horaires.")


def render_thread(process, proposal, user):
    request = RequestFactory().get("/fr/consultations/x/propositions/1/")
    request.user = user
    thread = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk, user=user)
    return render_to_string("consult/comments/_thread.html", {"thread": thread}, request=request)


def test_include_renders(process, proposal, citizens):
    top = comments.comment_post(user=citizens[0], process=process, target_kind="proposal", target_id=proposal.pk,
                                body="**Gras** <script>alert(1)</script>")
    comments.comment_post(user=citizens[1], process=process, target_kind="proposal", target_id=proposal.pk,
                          body="Réponse", parent=top)
    html = render_thread(process, proposal, citizens[1])
    assert "<strong>Gras</strong>" in html and "<script>alert" not in html
    assert f'id="commentaire-{top.pk}"' in html
    assert "Signaler" in html and "Répondre" in html
    assert Comment.objects.count() == 2


def post_url(process):
    return f"/fr/consultations/{process.slug}/commentaires/"


def test_post_without_js_redirects_to_next(client, process, proposal, citizens):
    client.force_login(citizens[0])
    response = client.post(post_url(process), {"target_kind": "proposal", "target_id": proposal.pk,
                                               "body": "Très bonne idée", "next": "/fr/page/?sort=oldest"})
    comment = Comment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fr/page/?sort=oldest#commentaire-{comment.pk}"


@pytest.mark.parametrize("bad", ["https://evil.example/", "//evil.example/x", "/\\evil.example/x",
                                 "javascript:alert(1)"])
def test_next_must_be_local(client, process, proposal, citizens, bad):
    client.force_login(citizens[0])
    response = client.post(post_url(process), {"target_kind": "proposal", "target_id": proposal.pk,
                                               "body": "Oui", "next": bad})
    assert response.status_code == 302 and response["Location"].startswith("/#commentaire-")


def test_post_error_page_keeps_text(client, process, proposal, citizens):
    client.force_login(citizens[0])
    response = client.post(post_url(process), {"target_kind": "proposal", "target_id": proposal.pk,
                                               "body": "x" * 5001, "next": "/fr/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "5001" in html and "x" * 5001 in html
    assert not Comment.objects.exists()


def test_post_anonymous_403_with_login_link(client, process, proposal):
    response = client.post(post_url(process), {"target_kind": "proposal", "target_id": proposal.pk, "body": "Oui"})
    assert response.status_code == 403 and "Se connecter" in response.content.decode()
    assert not Comment.objects.exists()


def test_post_rate_limited_429(client, process, proposal, citizens, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 1
    client.force_login(citizens[0])
    data = {"target_kind": "proposal", "target_id": proposal.pk, "body": "Oui"}
    assert client.post(post_url(process), data).status_code == 302
    response = client.post(post_url(process), data)
    assert response.status_code == 429 and response["Retry-After"]
    assert Comment.objects.count() == 1


def test_fetch_mode_returns_thread(client, process, proposal, citizens):
    client.force_login(citizens[0])
    response = client.post(post_url(process), {"target_kind": "proposal", "target_id": proposal.pk,
                                               "body": "En place", "next": "/fr/"},
                           HTTP_X_REQUESTED_WITH="fetch")
    data = response.json()
    assert data["ok"] and "En place" in data["html"] and "data-comments-thread" in data["html"]
    response = client.post(post_url(process), {"target_kind": "proposal", "target_id": proposal.pk, "body": ""},
                           HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400 and response.json()["errors"]


def test_vote_edit_delete_pages(client, process, proposal, citizens):
    comment = comments.comment_post(user=citizens[0], process=process, target_kind="proposal",
                                    target_id=proposal.pk, body="Texte")
    base = f"/fr/consultations/{process.slug}/commentaires/{comment.pk}"
    client.force_login(citizens[1])
    assert client.post(f"{base}/vote/", {"value": "1", "next": "/fr/"}).status_code == 302
    assert client.post(f"{base}/vote/", {"value": "abc"}).status_code == 400
    assert client.post(f"{base}/modifier/", {"body": "Piraté"}).status_code == 403
    assert client.get(f"{base}/vote/").status_code == 405
    client.force_login(citizens[0])
    assert client.post(f"{base}/modifier/", {"body": "Texte revu"}).status_code == 302
    assert client.post(f"{base}/supprimer/", {}).status_code == 302
    comment.refresh_from_db()
    assert comment.upvotes == 1 and comment.body == "Texte revu" and comment.deleted_at
    assert client.post(f"/fr/consultations/{process.slug}/commentaires/999999/vote/", {"value": 1}).status_code == 404


def test_thread_fragment(client, process, proposal, citizens):
    comments.comment_post(user=citizens[0], process=process, target_kind="proposal", target_id=proposal.pk,
                          body="Fragment")
    url = f"/fr/consultations/{process.slug}/commentaires/fil/"
    response = client.get(url, {"target_kind": "proposal", "target_id": proposal.pk, "next": "/fr/x/"})
    assert response.status_code == 200 and "Fragment" in response.content.decode()
    assert client.get(url, {"target_kind": "bad", "target_id": 1}).status_code == 400
    assert client.get(url, {"target_kind": "proposal", "target_id": 999999}).status_code == 404


def test_flag_page(client, process, proposal, citizens):
    client.force_login(citizens[0])
    url = f"/fr/consultations/{process.slug}/signalements/"
    data = {"target_kind": "proposal", "target_id": proposal.pk, "reason": "spam", "next": "/fr/"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 400
    response = client.post(url, {**data, "target_id": proposal.pk, "reason": ""}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400


def test_flag_include(process, proposal, citizens):
    from django.template import Context, Template

    request = RequestFactory().get("/fr/x/")
    request.user = citizens[0]
    template = Template('{% include "consult/comments/_flag.html" with process=process kind="proposal" id=pk %}')
    html = template.render(Context({"process": process, "pk": proposal.pk, "request": request}))
    assert 'name="reason"' in html and f'value="{proposal.pk}"' in html and "<label" in html
    comments.flag_create(user=citizens[0], process=process, target_kind="proposal", target_id=proposal.pk,
                         reason="spam")
    html = template.render(Context({"process": process, "pk": proposal.pk, "request": request}))
    assert 'name="reason"' not in html and "Vous avez signalé" in html


def test_moderation_page(client, process, proposal, citizens, organiser, mamh_member, moderator,
                         django_assert_max_num_queries, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 100
    for i in range(12):
        comment = comments.comment_post(user=citizens[i % 3], process=process, target_kind="proposal",
                                        target_id=proposal.pk, body=f"Commentaire <b>{i}</b>")
        comments.flag_create(user=citizens[3], process=process, target_kind="comment", target_id=comment.pk,
                             reason="offensive", details="<script>x</script>")
    url = "/fr/consultations/moderation/"
    assert client.get(url).status_code == 302
    client.force_login(mamh_member)
    assert client.get(url).status_code == 403
    client.force_login(organiser)
    with django_assert_max_num_queries(25):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="moderation-item"') == 12
    assert "<script>x</script>" not in html and "Bloquer l’auteur" not in html
    assert client.get(url, {"etat": "bizarre"}).status_code == 400
    client.force_login(moderator)
    assert "Bloquer l’auteur" in client.get(url).content.decode()


def test_moderation_actions_pages(client, process, proposal, citizens, organiser, mamh_member, moderator):
    from ouvert.consult.models import Block, Moderation

    comment = comments.comment_post(user=citizens[0], process=process, target_kind="proposal",
                                    target_id=proposal.pk, body="À masquer")
    comments.flag_create(user=citizens[1], process=process, target_kind="comment", target_id=comment.pk,
                         reason="spam")
    row = Moderation.objects.get()
    client.force_login(mamh_member)
    assert client.post(f"/fr/consultations/moderation/{row.pk}/masquer/").status_code == 403
    client.force_login(organiser)
    assert client.post(f"/fr/consultations/moderation/{row.pk}/boom/").status_code == 404
    response = client.post(f"/fr/consultations/moderation/{row.pk}/masquer/")
    assert response.status_code == 302 and response["Location"] == "/fr/consultations/moderation/"
    comment.refresh_from_db()
    assert comment.is_hidden
    assert client.post(f"/fr/consultations/moderation/{row.pk}/afficher/").status_code == 302
    comment.refresh_from_db()
    assert not comment.is_hidden
    # from the thread, by target
    response = client.post(f"/fr/consultations/{process.slug}/moderation/",
                           {"target_kind": "comment", "target_id": comment.pk, "action": "hide"},
                           HTTP_X_REQUESTED_WITH="fetch")
    assert response.json()["ok"] and "Contenu masqué" not in response.json()["html"]
    comment.refresh_from_db()
    assert comment.is_hidden
    # blocks: superusers only
    assert client.post("/fr/consultations/moderation/blocages/", {"user_id": citizens[0].pk,
                                                                  "reason": "Spam"}).status_code == 403
    client.force_login(moderator)
    assert client.post("/fr/consultations/moderation/blocages/", {"user_id": citizens[0].pk,
                                                                  "reason": ""}).status_code == 400
    assert client.post("/fr/consultations/moderation/blocages/", {"user_id": citizens[0].pk,
                                                                  "reason": "Spam"}).status_code == 302
    assert "Lever le blocage" in client.get("/fr/consultations/moderation/").content.decode()
    assert client.post(f"/fr/consultations/moderation/blocages/{citizens[0].pk}/lever/").status_code == 302
    assert not Block.objects.filter(lifted_at__isnull=True).exists()


def test_include_without_heading(process, proposal, citizens):
    from django.template import Context, Template

    request = RequestFactory().get("/fr/x/")
    request.user = citizens[0]
    thread = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk,
                                     user=citizens[0])
    html = Template('{% include "consult/comments/_thread.html" with thread=thread no_heading=True %}').render(
        Context({"thread": thread, "request": request}))
    assert "<h2" not in html and 'aria-label="Commentaires"' in html


def test_thread_page_queries_do_not_grow_with_comments_for_a_signed_in_person(
        client, process, proposal, citizens, citizen, settings):
    """The report form of each comment must not look up the person's reports one comment at a time."""
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 1000
    reader = citizen(9)
    client.force_login(reader)
    url = f"/fr/consultations/{process.slug}/propositions/{proposal.number}/"

    def add(n):
        for i in range(n):
            comments.comment_post(user=citizens[i % 3], process=process, target_kind="proposal",
                                  target_id=proposal.pk, body=f"Avis n° {i}")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        client.get(url)  # warm the caches (rendered comments, session)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    add(3)
    few, _html = queries()
    add(30)
    many, html = queries()
    assert many <= few, f"{few} queries with 3 comments, {many} with 33"
    assert html.count('name="reason"') >= 33


def test_closed_debate_refuses_arguments_posted_to_the_comments_service(process, organiser, citizens):
    from django.core.exceptions import PermissionDenied

    from ouvert.consult import debates

    debate = debates.debate_create(actor=organiser, process=process, data={"title_fr": "Faut-il tout ouvrir?"})
    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Merci.")
    with pytest.raises(PermissionDenied, match="fermé"):
        comments.comment_post(user=citizens[0], process=process, target_kind="debate", target_id=debate.pk,
                              body="Trop tard?", stance="for")
