"""The opportunities part's pages: the public list and its filters (no N+1), an opportunity's page (safe
Markdown, Montreal times, addenda, answers, history, the question form, following), the buyers' dashboard
and review queue, the form with its errors, the management page and its transitions, attachments."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from opportunities_kit import *  # noqa: F403
from opportunities_kit import DAY, START, complete_data, reload

from ouvert.market import opportunities as svc
from ouvert.market.models import Attachment, BuyerSettings, Opportunity, Question

pytestmark = pytest.mark.django_db
S = Opportunity.Status
LIST = "/fr/marches/"


def _detail(o):
    return reverse("market:opportunity_detail", kwargs={"reference": o.reference})


def _manage(o):
    return reverse("market:opportunity_manage", kwargs={"reference": o.reference})


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _form(**overrides) -> dict:
    data = complete_data()
    post = {k: v for k, v in data.items() if k not in ("skills", "criteria", "remote_ok")}
    post["remote_ok"] = "on"
    post["skills"] = []
    post["new_skills"] = "Python, Django"
    for n, c in enumerate(data["criteria"]):
        post[f"criterion-{n}-name_fr"] = c["name_fr"]
        post[f"criterion-{n}-weight"] = str(c["weight"])
    post.update(overrides)
    return {k: v for k, v in post.items() if v is not None}


# --- The public list -------------------------------------------------------------------------------------

def test_the_list_shows_public_opportunities_with_filters(client, clock, opportunity_factory, make_org):
    other = make_org(slug="ville", kind="municipality", name_fr="Ville de Québec")
    cheap = opportunity_factory(title_fr="Petit module", price=Decimal("12000"), skills=["python"])
    big = opportunity_factory(title_fr="Grand portail", price=Decimal("85000"), skills=["rust"], remote_ok=False,
                              location="Québec", buyer=other)
    cancelled = opportunity_factory(title_fr="Projet abandonné", status=S.CANCELLED)
    opportunity_factory(title_fr="Brouillon secret", status=S.DRAFT, published_at=None)
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Petit module" in html and "Grand portail" in html and "Projet abandonné" in html
    assert "Brouillon secret" not in html and "3 opportunités" in html
    assert "market-card--cancelled" in html and "Annulée" in html
    assert "12 000 $" in html and "(heure de Montréal" in html and "il reste 20 jours" in html

    def titles(query):
        response = client.get(LIST + "?" + query)
        assert response.status_code == 200
        return [t for t in ("Petit module", "Grand portail", "Projet abandonné") if t in response.content.decode()]

    assert titles("status=cancelled") == ["Projet abandonné"]
    assert titles("skill=rust") == ["Grand portail"]
    assert titles("value_min=50000") == ["Grand portail"]
    assert titles("value_max=20000") == ["Petit module"]
    assert titles("buyer=ville") == ["Grand portail"]
    assert titles("remote=false") == ["Grand portail"]
    assert titles("q=petit") == ["Petit module"]
    assert cheap and big and cancelled


def test_bad_filters_are_a_400_with_the_reason(client):
    response = client.get(LIST + "?value_min=beaucoup")
    assert response.status_code == 400 and "Entrez un montant" in response.content.decode()
    assert client.get(LIST + "?status=draft").status_code == 400
    assert client.get(LIST + "?page=zéro").status_code == 400


def test_the_list_pages_without_n_plus_1(client, clock, opportunity_factory, django_assert_max_num_queries):
    for n in range(45):
        opportunity_factory(title_fr=f"Opportunité {n:02d}", skills=["python", f"skill-{n}"])
    with django_assert_max_num_queries(8):
        first = client.get(LIST)
    assert first.status_code == 200 and "45 opportunités" in first.content.decode()
    assert "Page 1 sur 3" in first.content.decode()
    with django_assert_max_num_queries(8):
        last = client.get(LIST + "?page=3&status=published")
    assert "Opportunité 00" in last.content.decode() and 'rel="prev"' in last.content.decode()
    assert client.get(LIST + "?page=99").status_code == 200  # the last page


def test_the_list_shows_current_statuses(client, published, clock):
    clock.move_to(published.deadline, tick=False)
    html = client.get(LIST + "?status=evaluation").content.decode()
    assert published.title_fr in html and reload(published).status == S.EVALUATION


# --- An opportunity's page ------------------------------------------------------------------------------

def test_the_page_shows_everything_public(client, published, buyer, supplier_a, clock):
    question = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Faut-il du Python ?")
    svc.question_answer(actor=buyer, question=question, question_fr="Faut-il du Python ?", answer_fr="Oui.")
    svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Report d'une semaine.",
                         new_deadline="2026-03-29T17:00")
    response = client.get(_detail(published))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h4>Contexte</h4>" in html  # the buyer's headings under the page's own
    for text in ("Module de prise de rendez-vous", "45 000 $", "29 mars 2026 à 17 h 00 (heure de Montréal)",
                 "Il reste 27 jours et 4 heures", "<strong>libre</strong>", "Compréhension du besoin",
                 "40 %", "LiLiQ-R-1.1", "Addenda n° 1 : Réponse à une question", "Addenda n° 2 : Report de la date "
                 "limite", "Faut-il du Python ?", "Réponse de l’addenda n° 1", "Historique public", "Publication",
                 "Date limite reportée du 22 mars 2026 à 17 h 00", "Reçus des propositions ouvertes"):
        assert text in html, text
    assert supplier_a.owner.email not in html and "Logilibre" not in html
    assert "Poser une question" not in html  # anonymous


def test_hostile_markdown_is_made_harmless(client, clock, buyer, buyer_admin, mcn):
    hostile = ('<script>alert("x")</script>\n\n[clic](javascript:alert(1))\n\n<img src=x onerror="alert(2)">\n\n'
               '<iframe src="https://evil.example"></iframe>\n\n<a href="javascript:alert(3)" onclick="x()">lien</a>')
    deep = "> " * 30 + "profond [x](javascript:alert(4))"
    o = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(
        description_fr=hostile, acceptance_fr=deep, title_fr='<b onmouseover="x">Titre</b>',
        criteria=[{"name_fr": "Qualité", "weight": 100, "description_fr": hostile}]))
    svc.opportunity_submit_for_review(actor=buyer, opportunity=o)
    svc.opportunity_publish(actor=buyer_admin, opportunity=o)
    svc.addendum_publish(actor=buyer, opportunity=o, body_fr=hostile)
    response = client.get(_detail(o))
    assert response.status_code == 200
    body = response.content.decode().split('id="contenu"', 1)[1]
    for bad in ("<script>alert", 'href="javascript', "onerror=", "<iframe", 'onmouseover="x"', "onclick="):
        assert bad not in body, bad
    assert "&lt;b onmouseover" in body
    assert "profond" in body  # too deep for Markdown: shown as escaped text


def test_drafts_are_not_found_except_for_the_body(client, draft, buyer_member, stranger, platform_admin):
    assert client.get(_detail(draft)).status_code == 404
    assert _client(client, stranger).get(_detail(draft)).status_code == 404
    page = _client(client, buyer_member).get(_detail(draft))
    assert page.status_code == 200 and "seuls les membres de l’organisme acheteur la voient" in page.content.decode()
    assert _client(client, platform_admin).get(_detail(draft)).status_code == 200
    assert client.get("/fr/marches/DAN-2026-9999/").status_code == 404


def test_a_supplier_asks_a_question_from_the_page(client, published, supplier_a, stranger, clock):
    form = _client(client, stranger).get(_detail(published)).content.decode()
    assert "Poser une question" not in form
    client.force_login(supplier_a.owner)
    assert "Poser une question" in client.get(_detail(published)).content.decode()
    url = reverse("market:question_ask", kwargs={"reference": published.reference})
    empty = client.post(url, {"body": "  "})
    assert empty.status_code == 400 and "Écrivez votre question." in empty.content.decode()
    response = client.post(url, {"body": "Le code sera-t-il publié ?"})
    assert response.status_code == 302 and response["Location"].endswith("#questions")
    assert Question.objects.get().body == "Le code sera-t-il publié ?"
    page = client.get(_detail(published)).content.decode()
    assert "Vos questions" in page and "Le code sera-t-il publié ?" in page and "En attente" in page
    clock.move_to(published.deadline, tick=False)
    client.force_login(supplier_a.owner)  # the session of 20 days ago has expired
    late = client.post(url, {"body": "Trop tard ?"})
    assert late.status_code == 400 and "les questions sont closes" in late.content.decode()
    assert Question.objects.count() == 1


def test_asking_too_often_is_a_429(client, published, supplier_a):
    client.force_login(supplier_a.owner)
    url = reverse("market:question_ask", kwargs={"reference": published.reference})
    for n in range(svc.QUESTIONS_PER_HOUR):
        assert client.post(url, {"body": f"Question {n} ?"}).status_code == 302
    response = client.post(url, {"body": "Encore ?"})
    assert response.status_code == 429 and response["Retry-After"]


def test_follow_from_the_page(client, published, stranger):
    url = reverse("market:opportunity_follow", kwargs={"reference": published.reference})
    assert client.post(url).status_code == 302 and not published.follows.exists()  # to the login
    client.force_login(stranger)
    assert "Suivre cette opportunité" in client.get(_detail(published)).content.decode()
    client.post(url, {"follow": "1"})
    assert svc.is_following(stranger, published)
    assert "Ne plus suivre" in client.get(_detail(published)).content.decode()
    client.post(url, {"follow": "0"})
    assert not svc.is_following(stranger, published)


# --- Buyers' pages -------------------------------------------------------------------------------------------

def test_the_buyer_dashboard(client, published, buyer, buyer_admin, supplier_a, mcn, stranger):
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(title_fr="Mon brouillon"))
    svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Une question en attente ?")
    assert client.get("/fr/marches/acheteur/").status_code == 302
    html = _client(client, buyer).get("/fr/marches/acheteur/").content.decode()
    assert "Mon brouillon" in html and published.reference in html and "Une question en attente ?" in html
    assert "Brouillon" in html and "Publiée" in html and "Soumettre à la révision" in html and ">annuler<span" in html
    assert "Paramètres d’acquisition" not in html  # editors do not set them
    html = _client(client, buyer_admin).get("/fr/marches/acheteur/").content.decode()
    assert "Paramètres d’acquisition" in html and "addenda, suspendre, annuler" in html
    url = reverse("market:buyer_settings", kwargs={"slug": "mcn"})
    bad = client.post(url, {"default_licence": "Proprietary"})
    assert bad.status_code == 400 and "Licence inconnue" in bad.content.decode()
    assert client.post(url, {"default_licence": "MIT", "contact_email": "achats@mcn.example.org"}).status_code == 302
    assert BuyerSettings.objects.get(organisation=mcn).default_licence == "MIT"
    client.force_login(buyer)
    assert client.post(url, {"default_licence": "GPL-3.0-or-later"}).status_code == 403
    html = _client(client, stranger).get("/fr/marches/acheteur/").content.decode()
    assert "Aucune opportunité pour l’instant." in html and draft.reference not in html


def test_dashboard_and_review_queue_without_n_plus_1(client, clock, buyer, buyer_admin, mcn, opportunity_factory,
                                                    django_assert_max_num_queries):
    for n in range(12):
        opportunity_factory(status=[S.DRAFT, S.REVIEW, S.PUBLISHED][n % 3], title_fr=f"Opportunité {n}")
    client.force_login(buyer_admin)
    with django_assert_max_num_queries(10):
        page = client.get("/fr/marches/acheteur/")
    assert page.status_code == 200 and page.content.decode().count("Opportunité ") >= 12
    with django_assert_max_num_queries(10):
        queue = client.get("/fr/marches/acheteur/revision/")
    assert queue.content.decode().count("Opportunité ") == 4


def test_the_dashboards_buttons_bring_back_to_them(client, draft, buyer, buyer_admin):
    url = reverse("market:opportunity_transition", kwargs={"reference": draft.reference})
    client.force_login(buyer)
    response = client.post(url, {"action": "submit", "from": "dashboard"})
    assert response.status_code == 302 and response["Location"] == "/fr/marches/acheteur/"
    client.force_login(buyer_admin)
    queue = client.get("/fr/marches/acheteur/revision/").content.decode()
    assert "Approuver et publier" in queue
    response = client.post(url, {"action": "publish", "from": "review"})
    assert response["Location"] == "/fr/marches/acheteur/revision/" and reload(draft).status == S.PUBLISHED


def test_pages_in_english(client, published):
    Opportunity.objects.filter(pk=published.pk).update(title_en="Appointment booking module")
    assert "Appointment booking module" in client.get("/en/marches/").content.decode()
    page = client.get(f"/en/marches/{published.reference}/")
    assert page.status_code == 200 and "<h1>Appointment booking module</h1>" in page.content.decode()


def test_the_review_queue(client, in_review, buyer, buyer_admin, platform_admin, other_admin):
    assert in_review.reference in _client(client, buyer_admin).get("/fr/marches/acheteur/revision/").content.decode()
    assert in_review.reference in _client(client, platform_admin).get("/fr/marches/acheteur/revision/").content.decode()
    for user in (buyer, other_admin):
        html = _client(client, user).get("/fr/marches/acheteur/revision/").content.decode()
        assert in_review.reference not in html and "Aucune opportunité n’attend de révision." in html


def test_create_from_the_form(client, clock, buyer, mcn, stranger):
    assert client.get("/fr/marches/acheteur/nouvelle/").status_code == 302
    assert _client(client, stranger).get("/fr/marches/acheteur/nouvelle/").status_code == 403
    client.force_login(buyer)
    page = client.get("/fr/marches/acheteur/nouvelle/")
    assert page.status_code == 200 and "heure de Montréal, America/Montreal" in page.content.decode()
    refused = client.post("/fr/marches/acheteur/nouvelle/", _form(buyer="mcn", price="90000.01"))
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Le prix fixe (90 000,01 $) dépasse le plafond de 90 000 $" in html
    assert 'value="Module de prise de rendez-vous"' in html and 'value="Compréhension du besoin"' in html
    assert not Opportunity.objects.exists()
    done = client.post("/fr/marches/acheteur/nouvelle/", _form(buyer="mcn"))
    o = Opportunity.objects.get()
    assert done.status_code == 302 and done["Location"] == _manage(o)
    assert o.reference == "DAN-2026-0001" and o.deadline == datetime.datetime(2026, 3, 22, 21, tzinfo=datetime.UTC)
    assert sorted(s.slug for s in o.skills.all()) == ["django", "python"] and o.criteria.count() == 3


def test_edit_a_draft_and_see_the_weights(client, draft, buyer):
    client.force_login(buyer)
    url = reverse("market:opportunity_edit", kwargs={"reference": draft.reference})
    page = client.get(url).content.decode()
    assert "actuellement : 100 %" in page and 'value="2026-03-22T17:00"' in page
    bad = client.post(url, _form(**{"criterion-2-weight": "24", "completion_date": "2026-04-01"}))
    assert bad.status_code == 400 and "La fin prévue doit suivre le début prévu." in bad.content.decode()
    assert "actuellement : 99 %" in bad.content.decode()
    assert client.post(url, _form(title_fr="Titre revu")).status_code == 302
    assert reload(draft).title_fr == "Titre revu"


def test_transitions_from_the_management_page(client, draft, buyer, buyer_admin, clock):
    transition = reverse("market:opportunity_transition", kwargs={"reference": draft.reference})
    client.force_login(buyer)
    page = client.get(_manage(draft)).content.decode()
    assert "Soumettre à la révision" in page and "Approuver et publier" not in page
    assert client.post(transition, {"action": "submit"}).status_code == 302
    assert client.post(transition, {"action": "publish"}).status_code == 403
    assert client.post(transition, {"action": "voler"}).status_code == 404
    client.force_login(buyer_admin)
    page = client.get(_manage(draft)).content.decode()
    assert "Approuver et publier" in page and "Renvoyer en brouillon" in page
    clock.move_to(START + 6 * DAY, tick=False)  # 8 March, noon: the deadline is 14 days and 5 hours away
    refused = client.post(transition, {"action": "publish"})
    assert refused.status_code == 400 and "au plus tôt le 23 mars 2026 à 12 h 00" in refused.content.decode()
    clock.move_to(START, tick=False)
    assert client.post(transition, {"action": "publish"}).status_code == 302
    assert reload(draft).status == S.PUBLISHED
    assert client.post(transition, {"action": "suspend", "reason": ""}).status_code == 400
    assert client.post(transition, {"action": "suspend", "reason": "Vérification"}).status_code == 302
    assert client.post(transition, {"action": "resume"}).status_code == 302
    assert client.post(transition, {"action": "cancel", "reason": "Abandon"}).status_code == 302
    assert reload(draft).status == S.CANCELLED


def test_the_management_page_is_for_the_body(client, published, in_review, stranger, other_admin, buyer_member):
    assert _client(client, stranger).get(_manage(published)).status_code == 403
    assert _client(client, other_admin).get(_manage(published)).status_code == 403
    assert _client(client, buyer_member).get(_manage(published)).status_code == 403
    client.force_login(stranger)
    url = reverse("market:opportunity_transition", kwargs={"reference": published.reference})
    assert client.post(url, {"action": "cancel", "reason": "Sabotage"}).status_code == 403
    assert reload(published).status == S.PUBLISHED


def test_addenda_and_answers_from_the_management_page(client, published, buyer, supplier_a, clock):
    question = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Quel hébergement ?")
    other = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Quel est le budget réel ?")
    client.force_login(buyer)
    page = client.get(_manage(published)).content.decode()
    assert "Publier un addenda" in page and "Quel hébergement ?" in page
    url = reverse("market:addendum_new", kwargs={"reference": published.reference})
    earlier = client.post(url, {"kind": "deadline", "body_fr": "Avancée", "new_deadline": "2026-03-20T17:00"})
    assert earlier.status_code == 400 and "ne peut qu&#x27;être reportée" in earlier.content.decode()
    assert client.post(url, {"kind": "notice", "body_fr": "Séance d'information le 10 mars."}).status_code == 302
    answer = reverse("market:question_answer", kwargs={"reference": published.reference, "pk": question.pk})
    assert client.post(answer, {"question_fr": "Quel hébergement ?", "answer_fr": ""}).status_code == 400
    assert client.post(answer, {"question_fr": "Quel hébergement ?", "answer_fr": "Infonuagique."}).status_code == 302
    decline = reverse("market:question_decline", kwargs={"reference": published.reference, "pk": other.pk})
    assert client.post(decline, {"reason": "Le prix est fixe et publié."}).status_code == 302
    assert [a.kind for a in published.addenda.all()] == ["notice", "answer"]
    assert reload(published).deadline == published.deadline
    missing = reverse("market:question_decline", kwargs={"reference": published.reference, "pk": 999999})
    assert client.post(missing, {"reason": "x"}).status_code == 404


def test_attachments(client, draft, buyer, settings, stranger):
    settings.OUVERT_MARKET_ATTACHMENT_MAX_BYTES = 1000
    client.force_login(buyer)
    url = reverse("market:attachment_add", kwargs={"reference": draft.reference})
    empty = client.post(url, {"title": "Vide", "file": SimpleUploadedFile("vide.pdf", b"")})
    assert empty.status_code == 400 and "Le fichier est vide." in empty.content.decode()
    big = client.post(url, {"title": "Gros", "file": SimpleUploadedFile("gros.pdf", b"x" * 1001)})
    assert big.status_code == 413 and "taille maximale de 1000 octets" in big.content.decode()
    assert client.post(url, {"title": "Devis", "file": SimpleUploadedFile("devis technique.txt",
                                                                            b"Exigences")}).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.size == 9 and attachment.sha256 == hashlib.sha256(b"Exigences").hexdigest()
    download = reverse("market:attachment_download", kwargs={"reference": draft.reference, "pk": attachment.pk})
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"Exigences"
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    client.force_login(stranger)
    assert client.get(download).status_code == 404  # a draft's attachment
    assert client.post(url, {"title": "Intrus", "file": SimpleUploadedFile("x.txt", b"x")}).status_code == 404
    assert Attachment.objects.count() == 1


def test_the_menu_link(client):
    assert 'href="/fr/marches/"' in client.get("/fr/").content.decode()
