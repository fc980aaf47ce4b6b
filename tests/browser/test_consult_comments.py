"""Comments in headless Chromium: a citizen comments on a proposal, replies and votes in place (the
script), and again without JavaScript; a moderator hides a reported comment from the queue and the
public then sees « Contenu masqué par la modération ». axe finds no serious or critical violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proposal(process_factory, citizen):
    from ouvert.consult.models import Proposal

    process = process_factory()
    return Proposal.objects.create(process=process, number=1, author=citizen(9),
                                   title="Publier les horaires des autobus en temps réel",
                                   body="Les horaires en temps réel, en données ouvertes, pour toutes les sociétés "
                                        "de transport.")


def _url(live_server, proposal):
    return f"{live_server.url}/fr/consultations/{proposal.process.slug}/propositions/{proposal.number}/"


def test_citizen_comments_replies_votes(live_server, page, assert_accessible, proposal, citizen):
    from ouvert.consult import comments
    from ouvert.consult.models import Comment

    other = comments.comment_post(user=citizen(2), process=proposal.process, target_kind="proposal",
                                  target_id=proposal.pk, body="Il faudrait aussi les **arrêts accessibles**.")
    me = citizen(1)
    login(page, live_server, me)
    page.goto(_url(live_server, proposal))
    thread = page.locator("[data-comments-thread]")
    expect(thread.get_by_text("arrêts accessibles")).to_be_visible()
    assert_accessible(page)

    # Comment (in place)
    thread.get_by_label("Votre commentaire").fill("Excellente idée, *surtout* pour les régions.")
    thread.get_by_role("button", name="Publier le commentaire").click()
    thread = page.locator("[data-comments-thread]")
    expect(thread.get_by_role("status")).to_have_text("Votre commentaire est publié.")
    expect(thread.locator("em", has_text="surtout")).to_be_visible()
    assert Comment.objects.filter(author=me, parent__isnull=True).count() == 1

    # Vote for the other person's comment
    item = page.locator(f"#commentaire-{other.pk}")
    item.get_by_role("button", name="Pour").first.click()
    item = page.locator(f"#commentaire-{other.pk}")
    expect(item.locator(".comment-score").first).to_have_text("1 pour, 0 contre")
    expect(item.get_by_role("button", name="Pour").first).to_have_attribute("aria-pressed", "true")

    # Reply to it
    item.locator("summary", has_text="Répondre").first.click()
    item.get_by_label("Votre réponse").first.fill("Oui, avec les ascenseurs en service.")
    item.get_by_role("button", name="Publier la réponse").first.click()
    reply = page.locator(f"#commentaire-{other.pk} .comments-replies")
    expect(reply.locator(".comment-body", has_text="avec les ascenseurs en service")).to_be_visible()
    assert Comment.objects.get(parent=other).author == me
    assert_accessible(page)

    # Sort in place: newest first by default (mine), oldest first on demand (the other one)
    first = page.locator("[data-comments-thread] .comments-list > li").first
    expect(first.locator(".comment-body")).to_contain_text("pour les régions")
    page.get_by_role("link", name="Les plus anciens").click()
    expect(page.get_by_role("link", name="Les plus anciens")).to_have_attribute("aria-current", "true")
    first = page.locator("[data-comments-thread] .comments-list > li").first
    expect(first.locator(".comment-body").first).to_contain_text("arrêts accessibles")
    other.refresh_from_db()
    assert other.upvotes == 1


def test_comment_without_javascript(live_server, browser, proposal, citizen):
    from ouvert.consult.models import Comment

    context = browser.new_context(locale="fr-CA", java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, citizen(3))
    page.goto(_url(live_server, proposal))
    page.get_by_label("Votre commentaire").fill("Sans script, ça fonctionne aussi.")
    page.get_by_role("button", name="Publier le commentaire").click()
    expect(page.locator(".comment-body", has_text="Sans script, ça fonctionne aussi.")).to_be_visible()
    comment = Comment.objects.get()
    assert page.url.endswith(f"#commentaire-{comment.pk}")
    context.close()


def test_moderator_hides_from_queue(live_server, page, assert_accessible, proposal, citizen, organiser):
    from ouvert.consult import comments

    bad = comments.comment_post(user=citizen(4), process=proposal.process, target_kind="proposal",
                                target_id=proposal.pk, body="Achetez nos forfaits pas chers sur notre site !")
    comments.flag_create(user=citizen(5), process=proposal.process, target_kind="comment", target_id=bad.pk,
                         reason="spam", details="Publicité")
    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/fr/consultations/moderation/")
    expect(page.locator("h1")).to_have_text("Modération des consultations")
    item = page.locator(".moderation-item").first
    expect(item.get_by_text("Achetez nos forfaits")).to_be_visible()
    expect(item.get_by_text("Pourriel ou publicité : 1")).to_be_visible()
    assert_accessible(page)
    item.get_by_role("button", name="Masquer").click()
    expect(page.get_by_role("status")).to_contain_text("Le contenu est masqué.")
    bad.refresh_from_db()
    assert bad.is_hidden
    page.goto(f"{live_server.url}/fr/consultations/moderation/?etat=hidden")
    expect(page.locator(".moderation-item").first.get_by_role("button", name="Afficher de nouveau")).to_be_visible()

    page.context.clear_cookies()
    page.goto(_url(live_server, proposal))
    thread = page.locator("[data-comments-thread]")
    expect(thread.get_by_text("Contenu masqué par la modération")).to_be_visible()
    expect(thread.get_by_text("Achetez nos forfaits")).to_have_count(0)
    assert_accessible(page)
