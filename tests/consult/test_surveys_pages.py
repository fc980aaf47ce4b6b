"""Surveys, pages: the list with the person's state, answering (errors beside the fields and in a summary, a
double submit, conditions ignored server-side, consent), the thank-you page, the results (tables and charts,
permissions), and the organisers' builder."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ouvert.consult import services
from ouvert.consult.models import Question, Response

from . import test_surveys_services as kit
from .test_surveys_services import PDF, good_answers

full_survey = kit.full_survey  # the fixture: one question of every kind, a condition, demographics

pytestmark = pytest.mark.django_db
Kind = Question.Kind


def url(survey, name="survey", **extra):
    return reverse(f"consult:{name}", kwargs={"slug": survey.process.slug, "survey": survey.slug, **extra})


def form_data(**overrides):
    data = {"q1": "auto", "q2": ["bus", "velo"], "q3": "Pas de bus", "q4": "Rien à ajouter.",
            "q5-prix": "1", "q5-securite": "2", "q5-frequence": "3", "q6-hiver": "bas", "q6-ete": "haut",
            "q7": "4", "q8": "9"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_list_shows_state(client, full_survey, citizen):
    person = citizen(1)
    client.force_login(person)
    page = client.get(reverse("consult:surveys", kwargs={"slug": full_survey.process.slug}))
    assert page.status_code == 200 and "Répondre au questionnaire" in page.content.decode()
    services.survey_respond(survey=full_survey, user=person, answers=good_answers())
    page = client.get(reverse("consult:surveys", kwargs={"slug": full_survey.process.slug}))
    assert "Vous avez répondu." in page.content.decode()


def test_answer_page_and_submit(client, full_survey, citizen):
    person = citizen(1)
    page = client.get(url(full_survey))
    body = page.content.decode()
    assert page.status_code == 200 and "Connectez-vous" in body and 'data-condition-question="1"' in body
    client.force_login(person)
    page = client.get(url(full_survey))
    body = page.content.decode()
    assert "Envoyer mes réponses" in body and "Questions sociodémographiques (facultatives)" in body
    assert 'enctype="multipart/form-data"' in body
    data = form_data(q9=SimpleUploadedFile("memoire.pdf", PDF), q10="jeune", demographics_consent="on")
    response = client.post(url(full_survey), data)
    assert response.status_code == 302 and response["Location"] == url(full_survey, "survey_thanks")
    stored = Response.objects.get()
    values = {a.question.position: a.value for a in stored.answers.select_related("question")}
    assert values[5] == ["prix", "securite", "frequence"] and values[6] == {"hiver": "bas", "ete": "haut"}
    assert values[10] == "jeune" and stored.demographics_consent
    thanks = client.get(url(full_survey, "survey_thanks"))
    assert thanks.status_code == 200 and "Votre réponse au questionnaire" in thanks.content.decode()
    assert "Comment s’est passée votre participation" in thanks.content.decode()  # the results part's prompt
    # A second submit (double click, back button): refused, nothing stored twice.
    again = client.post(url(full_survey), form_data())
    assert again.status_code == 409 and "déjà répondu" in again.content.decode()
    assert Response.objects.count() == 1
    assert "Vous avez déjà répondu" in client.get(url(full_survey)).content.decode()


def test_errors_beside_fields_and_in_summary(client, full_survey, citizen):
    client.force_login(citizen(1))
    data = form_data(q1="", q7="9", **{"q5-prix": "1", "q5-securite": "1"})
    response = client.post(url(full_survey), data)
    body = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in body
    assert "Cette question est obligatoire." in body and "Choisissez une valeur de 1 à 5." in body
    assert "Classez chacun des choix une seule fois" in body
    assert 'href="#question-1"' in body and 'href="#question-7"' in body
    assert "Rien à ajouter." in body  # what was typed is kept
    assert not Response.objects.exists()


def test_hidden_question_ignored_and_demographics_without_consent(client, full_survey, citizen):
    client.force_login(citizen(1))
    response = client.post(url(full_survey), form_data(q1="bus", q3="x" * 500, q10="jeune"))
    assert response.status_code == 302
    stored = Response.objects.get()
    positions = set(stored.answers.values_list("question__position", flat=True))
    assert 3 not in positions and 10 not in positions and not stored.demographics_consent


def test_hostile_text_is_escaped_in_results(client, full_survey, citizen, organiser):
    hostile = "<script>alert('x')</script>"
    services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers({4: hostile}))
    client.force_login(organiser)
    body = client.get(url(full_survey, "survey_results")).content.decode()
    assert hostile not in body and "&lt;script&gt;" in body


def test_results_page(client, full_survey, citizen, organiser, django_assert_max_num_queries):
    for n in range(1, 4):
        services.survey_respond(survey=full_survey, user=citizen(n), answers=good_answers())
    with django_assert_max_num_queries(20):
        page = client.get(url(full_survey, "survey_results"))
    body = page.content.decode()
    assert page.status_code == 200 and "data-vega-spec" in body and "vega-lite.min.js" in body
    assert "Score de Borda" in body and "<caption>" in body
    services.survey_update(actor=organiser, survey=full_survey, data={"results_public": False})
    assert client.get(url(full_survey, "survey_results")).status_code == 302  # to the login
    client.force_login(citizen(1))
    assert client.get(url(full_survey, "survey_results")).status_code == 403
    client.force_login(organiser)
    assert client.get(url(full_survey, "survey_results")).status_code == 200


def test_file_download_for_managers_only(client, full_survey, citizen, organiser):
    response = services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers(),
                                       files={9: SimpleUploadedFile("m.pdf", PDF)})
    answer = response.answers.get(question__position=9)
    address = url(full_survey, "survey_file", answer=answer.pk)
    client.force_login(citizen(1))
    assert client.get(address).status_code == 403
    client.force_login(organiser)
    download = client.get(address)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_unknown_survey_and_private_process(client, process_factory, organiser, citizen):
    process = process_factory(visibility="private")
    s = services.survey_create(actor=organiser, process=process, data={"title_fr": "Privé"})
    client.force_login(citizen(1))
    assert client.get(url(s)).status_code == 404
    assert client.get(reverse("consult:survey", kwargs={"slug": process.slug, "survey": "inconnu"})).status_code == 404


def test_builder(client, process, organiser, citizen):
    client.force_login(citizen(1))
    assert client.get(reverse("consult:survey_new", kwargs={"slug": process.slug})).status_code == 403
    client.force_login(organiser)
    new = reverse("consult:survey_new", kwargs={"slug": process.slug})
    assert client.get(new).status_code == 200
    bad = client.post(new, {"title_fr": ""})
    assert bad.status_code == 400 and "obligatoire" in bad.content.decode()
    created = client.post(new, {"title_fr": "Mobilité active", "results_public": "on"})
    survey = process.surveys.get()
    assert created["Location"] == url(survey, "survey_edit")
    add = url(survey, "survey_question_add")
    response = client.post(add, {"kind": "single", "text_fr": "Mode principal", "required": "on",
                                 "choices": "Auto | Car\nAutobus | Bus\nVélo"})
    assert response.status_code == 302
    q1 = survey.questions.get()
    assert [c["key"] for c in q1.options["choices"]] == ["auto", "autobus", "velo"]
    assert q1.options["choices"][0]["label_en"] == "Car" and q1.required
    bad = client.post(add, {"kind": "short_text", "text_fr": "Pourquoi?", "condition_question": "1",
                            "condition_in": "train"})
    assert bad.status_code == 400 and "Choix inconnus" in bad.content.decode() and "Pourquoi?" in bad.content.decode()
    client.post(add, {"kind": "short_text", "text_fr": "Pourquoi l'auto?", "condition_question": "1",
                      "condition_in": "auto", "max_length": "120"})
    q2 = survey.questions.get(position=2)
    assert q2.condition == {"question": 1, "in": ["auto"]} and q2.options == {"max_length": 120}
    client.post(add, {"kind": "file", "text_fr": "Mémoire", "types": "pdf, png", "max_mb": "2,5"})
    assert survey.questions.get(position=3).options == {"types": ["pdf", "png"], "max_bytes": 2621440}
    # Editing keeps the keys of unchanged labels (conditions use them).
    edit = client.post(url(survey, "survey_question_update", position=1), {
        "kind": "single", "text_fr": "Mode de transport principal", "required": "on",
        "choices": "Auto | Car\nAutobus | Bus\nVélo\nMarche"})
    assert edit.status_code == 302
    q1.refresh_from_db()
    assert [c["key"] for c in q1.options["choices"]] == ["auto", "autobus", "velo", "marche"]
    # Reorder: the file question goes up; the condition follows.
    client.post(url(survey, "survey_question_move", position=3), {"direction": "up"})
    assert list(survey.questions.order_by("position").values_list("kind", flat=True)) == ["single", "file",
                                                                                          "short_text"]
    assert survey.questions.get(position=3).condition == {"question": 1, "in": ["auto"]}
    page = client.get(url(survey, "survey_edit"))
    assert page.status_code == 200 and "Question 3" in page.content.decode()
    assert client.get(url(survey, "survey_preview")).status_code == 200
    client.post(url(survey, "survey_question_remove", position=2))
    assert survey.questions.count() == 2
    # Once answered: the builder says so and refuses changes other than wording.
    services.survey_respond(survey=survey, user=citizen(1), answers={1: "velo"})
    page = client.get(url(survey, "survey_edit")).content.decode()
    assert "ne peuvent plus changer" in page and "Ajouter une question" not in page
    refused = client.post(add, {"kind": "scale_5", "text_fr": "Note"})
    assert refused.status_code == 400 and survey.questions.count() == 2
    typo = client.post(url(survey, "survey_question_update", position=1), {"text_fr": "Mode de transport principal."})
    assert typo.status_code == 302
    assert survey.questions.get(position=1).text_fr == "Mode de transport principal."


def test_english_and_signed_out(client, full_survey, organiser):
    question = full_survey.questions.get(position=1)
    question.survey = full_survey
    services.question_update(actor=organiser, question=question, data={"text_en": "Main mode"})
    page = client.get(f"/en/consultations/{full_survey.process.slug}/questionnaires/{full_survey.slug}/")
    assert page.status_code == 200 and "Main mode" in page.content.decode()
    signed_out = client.post(url(full_survey), form_data())
    assert signed_out.status_code == 302 and "/login/" in signed_out["Location"]
    assert not Response.objects.exists()
