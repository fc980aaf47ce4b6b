"""The debates and draft pages through Django's test client: lists, detail pages, forms (organisers),
arguments, closed debates, the paragraph comments beside the text without JavaScript, uploads, errors
and query counts."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ouvert.consult import comments, debates
from ouvert.consult.models import Comment, Debate, DraftText, Paragraph, TargetKind

pytestmark = pytest.mark.django_db

QUESTION = "Faut-il rendre obligatoire la publication des données de toutes les municipalités?"


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def debate(process, organiser):
    return debates.debate_create(actor=organiser, process=process, data={
        "title_fr": QUESTION, "title_en": "Should it be mandatory?",
        "description_fr": "Le **contexte** <script>alert(1)</script>"})


@pytest.fixture
def draft(process, organiser):
    return debates.draft_create(actor=organiser, process=process, data={
        "title_fr": "Projet de directive", "source_fr": "# Préambule\n\nPremier paragraphe.\n\n## Article 1\n\n"
                                                       "Deuxième paragraphe :\n\n- un\n- deux"})


def _url(name, process, **kwargs):
    return reverse(f"consult:{name}", kwargs={"slug": process.slug, **kwargs})


# --- Debates ---------------------------------------------------------------------------------------

def test_debate_list_shows_counts_and_state(process, organiser, debate, citizens):
    debates.debate_argument_post(user=citizens[0], debate=debate, body="Pour la transparence.", stance="for")
    debates.debate_argument_post(user=citizens[1], debate=debate, body="Trop coûteux.", stance="against")
    debates.debate_argument_post(user=citizens[2], debate=debate, body="Aussi contre.", stance="against")
    response = _client().get(_url("debates", process))
    assert response.status_code == 200
    html = response.content.decode()
    assert QUESTION in html and "Ouvert" in html
    assert "<dt>Arguments pour</dt><dd>1</dd>" in html and "<dt>Arguments contre</dt><dd>2</dd>" in html
    assert "Créer un débat" not in html
    assert "Créer un débat" in _client(organiser).get(_url("debates", process)).content.decode()


def test_debate_list_is_not_n_plus_one(process, organiser, citizens, django_assert_max_num_queries):
    for n in range(3):
        d = debates.debate_create(actor=organiser, process=process, data={"title_fr": f"Question {n}?"})
        debates.debate_argument_post(user=citizens[n], debate=d, body="Argument.", stance="for")
    client = _client(citizens[3])
    client.get(_url("debates", process))
    with django_assert_max_num_queries(16) as few:
        client.get(_url("debates", process))
    for n in range(3, 15):
        d = debates.debate_create(actor=organiser, process=process, data={"title_fr": f"Question {n}?"})
        debates.debate_argument_post(user=citizens[n % 4], debate=d, body="Argument.", stance="against")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url("debates", process))
    assert response.content.decode().count('class="debate-card"') == 15


def test_debate_page_two_columns_with_their_arguments(process, debate, citizens):
    pro = debates.debate_argument_post(user=citizens[0], debate=debate, body="Argument **pour**.", stance="for")
    debates.debate_argument_post(user=citizens[1], debate=debate, body="Argument contre.", stance="against")
    debates.debate_argument_post(user=citizens[2], debate=debate, body="Une réponse.", parent=pro)
    response = _client(citizens[3]).get(_url("debate", process, pk=debate.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 id=\"debat-titre\">" + QUESTION in html.replace("\n", "")
    assert "<strong>contexte</strong>" in html and "<script>alert(1)" not in html
    pour, contre = html.split('id="colonne-for"')[1].split('id="colonne-against"')
    assert "Argument <strong>pour</strong>." in pour and "Une réponse." in pour and "Argument contre." not in pour
    assert "Argument contre." in contre and "Argument <strong>pour</strong>" not in contre
    assert f'id="commentaires-debate-{debate.pk}-for"' in html
    assert f'id="commentaires-debate-{debate.pk}-against"' in html
    assert "Publier l’argument" in html


def test_post_an_argument_without_javascript(process, debate, citizen):
    client = _client(citizen(1))
    response = client.post(_url("debate_argument", process, pk=debate.pk),
                           {"stance": "against", "body": "Les petites municipalités n'ont pas les moyens."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/debats/{debate.pk}/#commentaire-{comment.pk}")
    assert comment.stance == "against" and comment.target_kind == "debate"
    page = client.get(response["Location"]).content.decode()
    assert "Votre argument est publié." in page
    assert "n&#x27;ont pas les moyens" in page.split('id="colonne-against"')[1]


def test_argument_errors_are_clear_and_store_nothing(process, debate, citizen):
    client = _client(citizen(1))
    response = client.post(_url("debate_argument", process, pk=debate.pk), {"stance": "", "body": "Sans position"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "« pour » ou « contre »" in html and "Sans position" in html
    response = client.post(_url("debate_argument", process, pk=debate.pk), {"stance": "for", "body": "   "})
    assert response.status_code == 400 and "Écrivez votre commentaire." in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_argument_goes_to_login(process, debate):
    response = _client().post(_url("debate_argument", process, pk=debate.pk), {"stance": "for", "body": "x"})
    assert response.status_code == 302 and "next=" in response["Location"]
    assert not Comment.objects.exists()
    page = _client().get(_url("debate", process, pk=debate.pk)).content.decode()
    assert "Connectez-vous" in page


def test_closed_debate_shows_conclusions_and_refuses(process, organiser, debate, citizens):
    arg = debates.debate_argument_post(user=citizens[0], debate=debate, body="Pour.", stance="for")
    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Nous retenons une **obligation graduelle**.")
    client = _client(citizens[1])
    html = client.get(_url("debate", process, pk=debate.pk)).content.decode()
    assert "Conclusions" in html and "<strong>obligation graduelle</strong>" in html
    assert "Publier l’argument" not in html and "ne reçoit plus d&#x27;arguments" in html
    assert 'name="parent"' not in html  # no reply form either
    response = client.post(_url("debate_argument", process, pk=debate.pk), {"stance": "for", "body": "Encore"})
    assert response.status_code == 403 and "fermé" in response.content.decode()
    assert Comment.objects.count() == 1 and Comment.objects.get().pk == arg.pk


def test_rate_limit_answers_429(process, debate, citizen, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 1
    client = _client(citizen(1))
    url = _url("debate_argument", process, pk=debate.pk)
    assert client.post(url, {"stance": "for", "body": "Un."}).status_code == 302
    response = client.post(url, {"stance": "for", "body": "Deux."})
    assert response.status_code == 429 and response["Retry-After"]
    assert "Trop d&#x27;actions" in response.content.decode()
    assert Comment.objects.count() == 1


def test_unknown_or_hidden_debate_is_404(process, organiser, debate, process_factory):
    assert _client().get(_url("debate", process, pk=debate.pk + 100)).status_code == 404
    other = process_factory()
    assert _client().get(_url("debate", other, pk=debate.pk)).status_code == 404
    Debate.objects.filter(pk=debate.pk).update(is_hidden=True)
    assert _client().get(_url("debate", process, pk=debate.pk)).status_code == 404
    assert _client(organiser).get(_url("debate", process, pk=debate.pk)).status_code == 200


def test_organiser_creates_edits_and_closes_through_the_forms(process, organiser):
    client = _client(organiser)
    assert client.get(_url("debate_new", process)).status_code == 200
    response = client.post(_url("debate_new", process), {"title_fr": "", "description_fr": "Contexte gardé"})
    assert response.status_code == 400 and "Ce champ est obligatoire." in response.content.decode()
    assert "Contexte gardé" in response.content.decode() and not Debate.objects.exists()
    response = client.post(_url("debate_new", process), {"title_fr": "Question?", "description_fr": "Contexte"})
    debate = Debate.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("debate", process, pk=debate.pk)
    response = client.post(_url("debate_edit", process, pk=debate.pk), {"title_fr": "Question précisée?",
                                                                        "description_fr": "Contexte"})
    assert response.status_code == 302 and Debate.objects.get().title_fr == "Question précisée?"
    response = client.post(_url("debate_close", process, pk=debate.pk), {"action": "close",
                                                                         "conclusions_fr": "Merci à tous."})
    assert response.status_code == 302
    debate.refresh_from_db()
    assert debate.closed_at and debate.conclusions_fr == "Merci à tous."
    client.post(_url("debate_close", process, pk=debate.pk), {"action": "reopen"})
    debate.refresh_from_db()
    assert debate.closed_at is None


def test_citizens_cannot_use_the_organiser_forms(process, debate, citizen, draft):
    client = _client(citizen(1))
    assert client.get(_url("debate_new", process)).status_code == 403
    assert client.post(_url("debate_new", process), {"title_fr": "Piratage?"}).status_code == 403
    assert client.post(_url("debate_edit", process, pk=debate.pk), {"title_fr": "Piraté"}).status_code == 403
    assert client.post(_url("debate_close", process, pk=debate.pk), {"action": "close"}).status_code == 403
    assert client.post(_url("draft_new", process), {"title_fr": "T", "source_fr": "x"}).status_code == 403
    assert client.post(_url("draft_version", process, draft=draft.slug), {"source_fr": "x"}).status_code == 403
    anonymous = _client().get(_url("draft_new", process))
    assert anonymous.status_code == 302
    assert Debate.objects.get().title_fr == QUESTION and Debate.objects.get().closed_at is None
    assert DraftText.objects.count() == 1 and DraftText.objects.get().version == 1


def test_private_process_pages_are_404_for_strangers(process_factory, organiser, citizen):
    private = process_factory(visibility="private")
    d = debates.debate_create(actor=organiser, process=private, data={"title_fr": "Secret?"})
    for url in (_url("debates", private), _url("debate", private, pk=d.pk), _url("drafts", private)):
        assert _client(citizen(1)).get(url).status_code == 404


# --- Drafts ----------------------------------------------------------------------------------------

def test_draft_list(process, draft):
    html = _client().get(_url("drafts", process)).content.decode()
    assert "Projet de directive" in html and "2 paragraphes" in html and "0 commentaire" in html


def test_draft_page_paragraph_by_paragraph(process, draft):
    response = _client().get(_url("draft", process, draft=draft.slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 class="draft-heading" id="p-1">Préambule</h2>' in html
    assert '<h3 class="draft-heading" id="p-3">Article 1</h3>' in html
    assert 'id="p-2"' in html and 'href="?paragraphe=2#p-2"' in html and "Commenter ce paragraphe" in html
    assert "<li>un</li>" in html  # the list rendered with its paragraph
    assert 'href="?paragraphe=1#p-1"' not in html  # headings are not commented
    assert "Réactions par paragraphe" not in html  # organisers only


def test_paragraph_comments_beside_the_text_without_javascript(process, draft, citizen):
    user = citizen(1)
    client = _client(user)
    second = draft.paragraphs.get(position=2)
    page = client.get(_url("draft", process, draft=draft.slug) + "?paragraphe=2").content.decode()
    block = page.split('id="p-2"')[1].split('id="p-3"')[0]
    assert "Commentaires du paragraphe 1" in block and 'name="target_kind" value="paragraph"' in block
    assert f'name="target_id" value="{second.pk}"' in block
    assert f'name="next" value="/fr/consultations/{process.slug}/textes/{draft.slug}/?paragraphe=2#p-2"' in block
    # Post through the comments part's form, as a browser without JavaScript does.
    response = client.post(reverse("consult:comment_post", kwargs={"slug": process.slug}), {
        "target_kind": "paragraph", "target_id": second.pk, "body": "Ce paragraphe est *flou*.",
        "next": f"/fr/consultations/{process.slug}/textes/{draft.slug}/?paragraphe=2#p-2"})
    assert response.status_code == 302 and response["Location"].endswith("?paragraphe=2#p-2")
    page = client.get(response["Location"]).content.decode()
    block = page.split('id="p-2"')[1].split('id="p-3"')[0]
    assert "Ce paragraphe est <em>flou</em>." in block and "(1 commentaire)" in block
    assert Paragraph.objects.get(pk=second.pk).comments_count == 1


def test_paragraph_fragment_for_the_script(process, draft, citizen):
    response = _client(citizen(1)).get(_url("draft_paragraph", process, draft=draft.slug, position=2))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Commentaires du paragraphe 1" in html and "<html" not in html  # position 2, first paragraph
    assert _client().get(_url("draft_paragraph", process, draft=draft.slug, position=1)).status_code == 404
    assert _client().get(_url("draft_paragraph", process, draft=draft.slug, position=99)).status_code == 404
    assert _client().get(_url("draft", process, draft="inconnu")).status_code == 404


def test_bad_paragraph_parameter_is_ignored(process, draft):
    for value in ("abc", "-3", "999", "1"):
        response = _client().get(_url("draft", process, draft=draft.slug) + f"?paragraphe={value}")
        assert response.status_code == 200 and "Commentaires du paragraphe" not in response.content.decode()


def test_organiser_sees_the_heat_column(process, organiser, draft, citizens):
    second = draft.paragraphs.get(position=2)
    for user in citizens[:2]:
        comments.comment_post(user=user, process=process, target_kind=TargetKind.PARAGRAPH, target_id=second.pk,
                              body="Commentaire.")
    html = _client(organiser).get(_url("draft", process, draft=draft.slug)).content.decode()
    assert "Réactions par paragraphe" in html
    table = html.split('class="draft-heat__table"')[1]
    assert "§ 1" in table and '<td class="num">2</td>' in table and "100 % du paragraphe le plus commenté" in table


def test_draft_with_100_paragraphs_in_constant_queries(process, organiser, citizens, django_assert_max_num_queries):
    def make(slug, n):
        source = "\n\n".join(f"## Article {i}\n\nParagraphe numéro {i}." if i % 10 == 0 else f"Paragraphe {i}."
                             for i in range(1, n + 1))
        d = debates.draft_create(actor=organiser, process=process, data={"title_fr": slug, "slug": slug,
                                                                       "source_fr": source})
        for p in d.paragraphs.filter(is_heading=False)[:5]:
            comments.comment_post(user=citizens[p.position % 4], process=process, target_kind="paragraph",
                                  target_id=p.pk, body="Commentaire.")
        return d

    small, big = make("petit", 5), make("grand", 100)
    client = _client(organiser)
    client.get(_url("draft", process, draft=small.slug))
    with django_assert_max_num_queries(30) as few:
        client.get(_url("draft", process, draft=small.slug) + "?paragraphe=2")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url("draft", process, draft=big.slug) + "?paragraphe=2")
    assert len(re.findall(r'class="draft-paragraph[ "]', response.content.decode())) == 100


def test_organiser_publishes_a_draft_by_upload(process, organiser):
    client = _client(organiser)
    assert client.get(_url("draft_new", process)).status_code == 200
    upload = SimpleUploadedFile("directive.md", "# Titre\r\n\r\nPremier.\r\n\r\nSecond.".encode("utf-8-sig"))
    response = client.post(_url("draft_new", process), {"title_fr": "Directive", "file_fr": upload,
                                                        "format": "markdown"})
    draft = DraftText.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("draft", process, draft="directive")
    assert list(draft.paragraphs.values_list("text_fr", flat=True)) == ["# Titre", "Premier.", "Second."]


def test_wrong_encoding_upload_is_a_clear_400(process, organiser):
    upload = SimpleUploadedFile("directive.txt", "Préambule\n\nTexte éloigné".encode("cp1252"))
    response = _client(organiser).post(_url("draft_new", process), {"title_fr": "Directive", "file_fr": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "n&#x27;est pas encodé en UTF-8" in html and "Directive" in html
    assert not DraftText.objects.exists()


def test_mismatched_english_is_a_clear_400(process, organiser):
    response = _client(organiser).post(_url("draft_new", process), {
        "title_fr": "Directive", "source_fr": "Un.\n\nDeux.", "source_en": "One."})
    assert response.status_code == 400 and "La version anglaise compte 1 paragraphes" in response.content.decode()
    assert not DraftText.objects.exists()


def test_new_version_form(process, organiser, draft, citizen):
    client = _client(organiser)
    assert client.get(_url("draft_version", process, draft=draft.slug)).status_code == 200
    response = client.post(_url("draft_version", process, draft=draft.slug), {"source_fr": "Un.\n\nDeux.\n\nTrois."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 2 and draft.paragraphs.count() == 3
    comments.comment_post(user=citizen(1), process=process, target_kind="paragraph",
                          target_id=draft.paragraphs.first().pk, body="Avis.")
    response = client.post(_url("draft_version", process, draft=draft.slug), {"source_fr": "Autre."})
    assert response.status_code == 400 and "nouveau texte" in response.content.decode()
    draft.refresh_from_db()
    assert draft.version == 2 and draft.paragraphs.count() == 3


def test_pages_in_english(process, debate, draft):
    response = _client().get(_url("debate", process, pk=debate.pk).replace("/fr/", "/en/", 1))
    assert response.status_code == 200 and "Should it be mandatory?" in response.content.decode()


def test_hostile_text_is_escaped_or_sanitised(process, organiser, citizen):
    hostile = debates.debate_create(actor=organiser, process=process, data={
        "title_fr": "<img src=x onerror=alert(1)>?", "description_fr": "[x](javascript:alert(2)) <iframe></iframe>"})
    html = _client().get(_url("debate", process, pk=hostile.pk)).content.decode()
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror=alert(1)&gt;?" in html
    assert "javascript:alert" not in html and "<iframe" not in html
    d = debates.draft_create(actor=organiser, process=process, data={
        "title_fr": "Texte", "source_fr": "# <script>alert(3)</script>\n\n<script>alert(4)</script> Texte\n\n"
                                          "[lien](javascript:alert(5))"})
    html = _client().get(_url("draft", process, draft=d.slug)).content.decode()
    assert "<script>alert" not in html and "javascript:alert" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html  # a heading is plain text


def test_debate_page_in_constant_queries(process, organiser, citizens, django_assert_max_num_queries, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 1000
    debate = debates.debate_create(actor=organiser, process=process, data={"title_fr": "Question?"})
    # Anonymous: the report buttons of the comments part cost one query per comment for signed-in people
    # (``flag_context``), which is that part's to fix; the debate page itself stays constant.
    client = _client()
    debates.debate_argument_post(user=citizens[1], debate=debate, body="Pour.", stance="for")
    client.get(_url("debate", process, pk=debate.pk))
    with django_assert_max_num_queries(40) as few:
        client.get(_url("debate", process, pk=debate.pk))
    for n in range(24):
        arg = debates.debate_argument_post(user=citizens[n % 4], debate=debate, body=f"Argument {n}.",
                                           stance="for" if n % 2 else "against")
        debates.debate_argument_post(user=citizens[(n + 1) % 4], debate=debate, body="Réponse.", parent=arg)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url("debate", process, pk=debate.pk))
    assert response.content.decode().count("Réponse.") == 24


def test_draft_page_in_english(process, organiser):
    d = debates.draft_create(actor=organiser, process=process, data={
        "title_fr": "Projet", "title_en": "Draft", "source_fr": "# Titre\n\nUn.", "source_en": "# Title\n\nOne."})
    html = _client().get(_url("draft", process, draft=d.slug).replace("/fr/", "/en/", 1)).content.decode()
    assert "Draft" in html and ">Title</h2>" in html and "One." in html
