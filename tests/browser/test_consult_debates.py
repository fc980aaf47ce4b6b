"""Debates and draft texts in headless Chromium: a citizen opens a paragraph's comments in place, comments
the paragraph and sees the comment beside it (side column on a wide screen, below the paragraph on a
phone); posts an argument against in a debate and finds it in the « Contre » column; axe finds no
serious or critical violation on the debate, the draft and the lists."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = ("# Préambule\n\nLe gouvernement reconnaît que ses données sont une ressource publique.\n\n"
          "## Article 1\n\nChaque organisme publie ses données par défaut, dans un format ouvert.\n\n"
          "Les données sont décrites :\n\n- producteur;\n- fréquence de mise à jour.")


@pytest.fixture
def draft(process, organiser):
    from ouvert.consult import debates

    return debates.draft_create(actor=organiser, process=process, data={
        "title_fr": "Projet de directive sur les données ouvertes", "source_fr": SOURCE})


def test_citizen_comments_a_paragraph_and_sees_it_beside(live_server, page, assert_accessible, process, draft,
                                                         citizen):
    from ouvert.consult.models import Comment, Paragraph

    login(page, live_server, citizen(1))
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/textes/")
    assert_accessible(page)
    page.get_by_role("link", name="Projet de directive sur les données ouvertes").click()
    expect(page.locator("h1")).to_have_text("Projet de directive sur les données ouvertes")
    assert_accessible(page)

    paragraph = page.locator("#p-4")
    expect(paragraph).to_contain_text("Chaque organisme publie ses données par défaut")
    page.evaluate("window.sameDocument = true")
    paragraph.get_by_role("link", name="Commenter ce paragraphe").click()
    thread = page.locator("#fil-4")
    expect(thread).to_be_visible()
    expect(thread).to_contain_text("Commentaires du paragraphe 2")  # at position 4, after two headings
    assert page.evaluate("window.sameDocument === true")  # opened in place, no page load
    expect(paragraph.get_by_role("link", name="Commenter ce paragraphe")).to_have_attribute("aria-expanded", "true")
    assert "paragraphe=4" in page.url  # the address opens the same thread without JavaScript
    thread.get_by_label("Votre commentaire").fill("Préciser les formats : CSV et GeoJSON plutôt que PDF.")
    thread.get_by_role("button", name="Publier le commentaire").click()
    expect(page.locator("#fil-4")).to_contain_text("Préciser les formats : CSV et GeoJSON plutôt que PDF.")
    assert page.evaluate("window.sameDocument === true")  # posted in place too
    target = Paragraph.objects.get(draft=draft, position=4)
    assert Comment.objects.get().target_id == target.pk

    # Beside the text on a wide screen: the thread starts to the right of the paragraph's text.
    text_box = page.locator("#p-4 .draft-paragraph__text").bounding_box()
    side_box = page.locator("#fil-4").bounding_box()
    assert side_box["x"] > text_box["x"] + text_box["width"] - 1
    assert_accessible(page)

    # Reloaded (no script needed): the count and the comment are still beside the paragraph.
    page.reload()
    expect(page.locator("#p-4")).to_contain_text("(1 commentaire)")
    expect(page.locator("#fil-4")).to_contain_text("CSV et GeoJSON")

    # On a phone the comments come below the paragraph.
    page.set_viewport_size({"width": 390, "height": 844})
    text_box = page.locator("#p-4 .draft-paragraph__text").bounding_box()
    side_box = page.locator("#fil-4").bounding_box()
    assert side_box["y"] >= text_box["y"] + text_box["height"] - 1
    assert_accessible(page)


def test_argument_against_lands_in_its_column(live_server, page, assert_accessible, process, organiser, citizen):
    from ouvert.consult import debates

    debate = debates.debate_create(actor=organiser, process=process, data={
        "title_fr": "Faut-il rendre obligatoire la publication des données de toutes les municipalités?",
        "description_fr": "Une quarantaine de municipalités publient déjà leurs données."})
    debates.debate_argument_post(user=citizen(2), debate=debate, body="La transparence pour tous.", stance="for")
    login(page, live_server, citizen(1))
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/debats/")
    assert_accessible(page)
    page.get_by_role("link", name=debate.title_fr).click()
    expect(page.locator("h1")).to_have_text(debate.title_fr)
    assert_accessible(page)
    page.get_by_role("radio", name="Contre").check()
    page.get_by_label("Votre argument").fill("Les petites municipalités n'ont pas de personnel pour le faire.")
    page.get_by_role("button", name="Publier l’argument").click()
    expect(page.get_by_role("status")).to_contain_text("Votre argument est publié.")
    against = page.locator(".debate-column--against")
    expect(against).to_contain_text("Les petites municipalités n'ont pas de personnel")
    expect(page.locator(".debate-column--for")).not_to_contain_text("petites municipalités")
    assert_accessible(page)

    # A reply in the « Pour » column stays there, and the « Contre » column keeps only its arguments.
    pour = page.locator(".debate-column--for")
    pour.get_by_text("Répondre").click()
    pour.get_by_label("Votre réponse").fill("Qui paiera la mise en ligne?")
    pour.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator(".debate-column--for")).to_contain_text("Qui paiera la mise en ligne?")
    expect(page.locator(".debate-column--for")).not_to_contain_text("pas de personnel")
    expect(page.locator(".debate-column--against")).not_to_contain_text("La transparence pour tous.")

    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Nous retenons une obligation graduelle.")
    page.reload()
    expect(page.get_by_role("heading", name="Conclusions")).to_be_visible()
    expect(page.get_by_role("button", name="Publier l’argument")).to_have_count(0)
    assert_accessible(page)
