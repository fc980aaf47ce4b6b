"""Continuous improvement: the satisfaction survey (offered after taking part, once per person and
process: double submits refused), the satisfaction dashboard (public aggregate, more for managers), the
suggestion box (signed-in or by e-mail, spam-safe, rate-limited; answered by the organisers of the
process's body or superusers, the author told), pages and API."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from ouvert.consult import access, services
from ouvert.consult.models import SatisfactionResponse, Suggestion
from ouvert.core.models import AuditEntry, Notification
from ouvert.core.services import RateLimited

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(process, citizen):
    person = citizen(1)
    access.participation_record(process=process, user=person)
    return person


def test_prompt_only_after_taking_part(process, participant, citizen):
    assert services.satisfaction_prompt(process=process, user=None) is None
    assert services.satisfaction_prompt(process=process, user=citizen(2)) is None  # took no part
    prompt = services.satisfaction_prompt(process=process, user=participant)
    assert prompt["scores"] == [1, 2, 3, 4, 5]
    assert prompt["action"] == f"/fr/consultations/{process.slug}/resultats/satisfaction/"
    services.satisfaction_submit(process=process, user=participant, score=4, comment="Bien")
    assert services.satisfaction_prompt(process=process, user=participant) is None


def test_submit_once_per_person(process, participant):
    services.satisfaction_submit(process=process, user=participant, score="5")
    with pytest.raises(ValidationError) as exc:
        services.satisfaction_submit(process=process, user=participant, score=1)
    assert "déjà répondu" in str(exc.value)
    assert list(SatisfactionResponse.objects.values_list("score", flat=True)) == [5]


@pytest.mark.parametrize("score", [0, 6, "abc", None, "", 3.5])
def test_submit_bad_scores(process, participant, score):
    with pytest.raises(ValidationError) as exc:
        services.satisfaction_submit(process=process, user=participant, score=score)
    assert "score" in exc.value.message_dict
    assert not SatisfactionResponse.objects.exists()


def test_submit_refused_without_participation(process, citizen):
    with pytest.raises(ValidationError):
        services.satisfaction_submit(process=process, user=citizen(3), score=3)
    with pytest.raises(PermissionDenied):
        services.satisfaction_submit(process=process, user=None, score=3)


def test_submit_page_and_double_post(process, participant):
    client = Client()
    client.force_login(participant)
    page = client.get(f"/fr/consultations/{process.slug}/resultats/").content.decode()
    assert "Comment s’est passée votre participation ?" in page
    url = f"/fr/consultations/{process.slug}/resultats/satisfaction/"
    response = client.post(url, {"score": "4", "comment": "<script>alert(1)</script>", "next": "//evil.example"})
    assert response.status_code == 302 and response["Location"] == f"/fr/consultations/{process.slug}/resultats/"
    response = client.post(url, {"score": "2"})
    assert response.status_code == 400 and "déjà répondu" in response.content.decode()
    assert SatisfactionResponse.objects.get().score == 4
    page = client.get(f"/fr/consultations/{process.slug}/resultats/").content.decode()
    assert "Comment s’est passée votre participation ?" not in page
    assert Client().post(url, {"score": "4"}).status_code == 302  # anonymous: to the login page
    assert SatisfactionResponse.objects.count() == 1


def test_api_satisfaction(process, participant):
    url = f"/api/v1/consult/processes/{process.slug}/satisfaction"
    assert Client().post(url, {"score": 4}, content_type="application/json").status_code == 401
    client = Client()
    client.force_login(participant)
    assert client.post(url, {"score": 9}, content_type="application/json").status_code == 400
    assert client.post(url, {"score": 4, "comment": "Bien"}, content_type="application/json").status_code == 201
    assert client.post(url, {"score": 4}, content_type="application/json").status_code == 400


def test_satisfaction_dashboard(process_factory, citizen, organiser, make_org, make_user, client):
    public = process_factory()
    private = process_factory(visibility="private")
    other_org = make_org(slug="autre")
    foreign = process_factory(organisation=other_org, visibility="unlisted")
    now = timezone.now()
    for i, (proc, score) in enumerate([(public, 5), (public, 3), (private, 2), (foreign, 4)]):
        person = citizen(10 + i)
        access.participation_record(process=proc, user=person)
        answer = SatisfactionResponse.objects.create(process=proc, user=person, score=score, comment=f"Avis {i}")
        SatisfactionResponse.objects.filter(pk=answer.pk).update(created_at=now - datetime.timedelta(days=40 * i))
    d = services.satisfaction_dashboard(user=None)
    assert [p["slug"] for p in d["processes"]] == [public.slug]
    assert d["processes"][0]["mean"] == 4 and d["processes"][0]["count"] == 2
    assert [row["count"] for row in d["processes"][0]["distribution"]] == [0, 0, 1, 0, 1]
    assert d["comments"] == [] and sum(m["count"] for m in d["months"]) == 2
    d = services.satisfaction_dashboard(user=organiser)
    assert {p["slug"] for p in d["processes"]} == {public.slug, private.slug}
    assert {c.comment for c in d["comments"]} == {"Avis 0", "Avis 1", "Avis 2"}
    admin = make_user(email="root@example.org", is_superuser=True)
    d = services.satisfaction_dashboard(user=admin)
    assert len(d["processes"]) == 3 and d["overall"]["count"] == 4 and len(d["months"]) >= 2
    html = client.get("/fr/consultations/satisfaction/").content.decode()
    assert "Satisfaction des participants" in html and "Avis 0" not in html
    assert 'data-vega-spec="#satisfaction-chart"' in html
    client.force_login(organiser)
    html = client.get("/fr/consultations/satisfaction/").content.decode()
    assert "Avis 2" in html and "Avis 3" not in html


# --- Suggestions -----------------------------------------------------------------------------------

def test_suggestion_signed_in_and_by_email(process, citizen):
    person = citizen(1)
    s = services.suggestion_create(user=person, body="Ajouter un mode sombre au site.", process=process)
    assert s.author == person and s.email == "" and s.status == "new"
    s = services.suggestion_create(email="Quelqu.un@Example.org", body="Des sous-titres aux vidéos, svp.")
    assert s.author is None and s.email == "quelqu.un@example.org"
    with pytest.raises(ValidationError) as exc:
        services.suggestion_create(body="Une suggestion sans courriel.")
    assert "email" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.suggestion_create(email="pas-un-courriel", body="Une suggestion valable.")


@pytest.mark.parametrize("body,honeypot", [
    ("", ""), ("court", ""), ("x" * 5001, ""),
    ("Visitez http://a.example http://b.example http://c.example", ""),
    ("Une suggestion tout à fait normale.", "http://spam.example"),
])
def test_suggestion_spam_and_bad_input(citizen, body, honeypot):
    with pytest.raises(ValidationError):
        services.suggestion_create(user=citizen(1), body=body, honeypot=honeypot)
    assert not Suggestion.objects.exists()


def test_suggestion_rate_limit(citizen, settings):
    settings.OUVERT_CONSULT_SUGGESTIONS_PER_HOUR = 2
    person = citizen(1)
    for n in range(2):
        services.suggestion_create(user=person, body=f"Suggestion numéro {n} pour la plateforme.")
    with pytest.raises(RateLimited):
        services.suggestion_create(user=person, body="Suggestion numéro 3 pour la plateforme.")
    assert Suggestion.objects.count() == 2


def test_who_answers(process, process_factory, make_org, citizen, organiser, mamh_member, moderator):
    about = services.suggestion_create(user=citizen(1), body="Publier les comptes rendus plus vite.", process=process)
    general = services.suggestion_create(email="a@example.org", body="Une application mobile, peut-être ?")
    other = process_factory(organisation=make_org(slug="autre"))
    elsewhere = services.suggestion_create(user=citizen(2), body="Plus de séances en région.", process=other)
    assert services.suggestion_can_answer(organiser, about)
    assert not services.suggestion_can_answer(organiser, general)
    assert not services.suggestion_can_answer(organiser, elsewhere)
    assert not services.suggestion_can_answer(mamh_member, about)
    assert services.suggestion_can_answer(moderator, general)
    assert list(services.suggestion_inbox(user=organiser)) == [about]
    assert set(services.suggestion_inbox(user=moderator)) == {about, general, elsewhere}
    assert not services.suggestion_inbox(user=mamh_member).exists()
    with pytest.raises(PermissionDenied):
        services.suggestion_answer(user=organiser, suggestion=general, answer="Non.")
    with pytest.raises(ValidationError):
        services.suggestion_answer(user=organiser, suggestion=about, answer="  ")


def test_answer_notifies_the_author(process, citizen, organiser, moderator):
    author = citizen(1)
    s = services.suggestion_create(user=author, body="Publier les comptes rendus plus vite.", process=process)
    services.suggestion_answer(user=organiser, suggestion=s, answer="C'est noté : sous 10 jours désormais.")
    s.refresh_from_db()
    assert s.status == "answered" and s.answered_by == organiser
    assert Notification.objects.filter(recipient=author, subject="Réponse à votre suggestion").exists()
    assert AuditEntry.objects.filter(action="consult.results.suggestion_answer").count() == 1
    assert list(services.suggestion_list_public()) == [s]
    by_email = services.suggestion_create(email="anonyme@example.org", body="Une application mobile, peut-être ?",
                                          is_public=False)
    services.suggestion_answer(user=moderator, suggestion=by_email, answer="Pas pour l'instant.", close=True)
    assert list(services.suggestion_list_public()) == [s]  # private and closed: not listed


def test_answer_by_email_is_sent(django_capture_on_commit_callbacks, moderator):
    s = services.suggestion_create(email="anonyme@example.org", body="Une application mobile, peut-être ?")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_answer(user=moderator, suggestion=s, answer="Elle est prévue pour l'an prochain.")
    assert [m.to for m in mail.outbox] == [["anonyme@example.org"]]
    assert "Elle est prévue" in mail.outbox[0].body


def test_suggestion_pages(process, citizen, organiser, client, django_assert_max_num_queries):
    response = client.post("/fr/consultations/suggestions/", {"body": "court", "email": "a@example.org"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    response = client.post("/fr/consultations/suggestions/", {"body": "Un plan du site plus simple.",
                                                             "email": "a@example.org", "website": "x"})
    assert response.status_code == 400 and not Suggestion.objects.exists()
    response = client.post("/fr/consultations/suggestions/", {"body": "Un plan du site plus simple.",
                                                             "email": "a@example.org", "process": process.slug,
                                                             "is_public": "1"})
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert s.process == process and s.is_public
    assert client.post("/fr/consultations/suggestions/", {"body": "Un plan du site plus simple.",
                                                         "email": "a@example.org", "process": "inconnue"}
                       ).status_code == 400
    someone = Client()
    someone.force_login(citizen(5))
    assert someone.post(f"/fr/consultations/suggestions/{s.pk}/reponse/", {"answer": "Non"}).status_code == 403
    manager = Client()
    manager.force_login(organiser)
    page = manager.get("/fr/consultations/suggestions/").content.decode()
    assert "Suggestions reçues" in page and "a@example.org" in page
    assert manager.post(f"/fr/consultations/suggestions/{s.pk}/reponse/",
                        {"answer": "Merci, c'est prévu."}).status_code == 302
    for n in range(10):
        Suggestion.objects.create(body=f"Suggestion {n}", status="answered", answer="Oui", answered_at=timezone.now(),
                                  process=process)
    with django_assert_max_num_queries(20):
        page = Client().get("/fr/consultations/suggestions/").content.decode()
    assert "Merci, c&#x27;est prévu." in page and "a@example.org" not in page


def test_api_suggestions(process, citizen, organiser):
    client = Client()
    assert client.post("/api/v1/consult/suggestions", {"body": "Une idée valable ici."},
                       content_type="application/json").status_code == 401
    person = Client()
    person.force_login(citizen(1))
    response = person.post("/api/v1/consult/suggestions", {"body": "Une idée valable ici.", "process": process.slug},
                           content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert person.post("/api/v1/consult/suggestions", {"body": "court"}, content_type="application/json") \
        .status_code == 400
    assert person.post(f"/api/v1/consult/suggestions/{pk}/answer", {"answer": "Oui"},
                       content_type="application/json").status_code == 403
    manager = Client()
    manager.force_login(organiser)
    inbox = manager.get("/api/v1/consult/suggestions?inbox=true").json()
    assert inbox["count"] == 1 and inbox["results"][0]["email"] == "citoyen1@example.org"
    assert manager.post(f"/api/v1/consult/suggestions/{pk}/answer", {"answer": "Merci !"},
                        content_type="application/json").json()["status"] == "answered"
    public = client.get("/api/v1/consult/suggestions").json()
    assert public["count"] == 1 and "email" not in public["results"][0]
    assert manager.post("/api/v1/consult/suggestions/999999/answer", {"answer": "x"},
                        content_type="application/json").status_code == 404


def test_suggestion_list_api_query_count(process, organiser, django_assert_max_num_queries):
    for n in range(15):
        Suggestion.objects.create(body=f"Suggestion {n}", status="answered", answer="Oui", answered_at=timezone.now(),
                                  process=process, email=f"p{n}@example.org")
    client = Client()
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/consult/suggestions").json()["count"] == 15
    client.force_login(organiser)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/consult/suggestions?inbox=true").json()["results"]) == 15
