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
    assert 'id="commentaire-%d"' % top.pk in html
    assert "Signaler" in html and "Répondre" in html
    assert Comment.objects.count() == 2
