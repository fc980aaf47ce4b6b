"""Surveys in headless Chromium: a citizen opens a survey, the conditional question appears when she picks the
answer that calls for it, a required question left empty is explained beside the field and in the summary, she
submits and sees the thank-you page; the results page draws its charts next to their tables; the organiser's
builder adds a question. axe finds no serious or critical violation on any of these pages."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _survey(process, organiser):
    from ouvert.consult import services

    survey = services.survey_create(actor=organiser, process=process, data={
        "title_fr": "Vos déplacements", "description_fr": "Quelques questions sur **vos trajets**."})

    def add(**data):
        return services.question_add(actor=organiser, survey=survey, data=data)

    add(kind="single", text_fr="Comment vous rendez-vous au travail?", required=True,
        options={"choices": [{"key": "auto", "label_fr": "En auto"}, {"key": "bus", "label_fr": "En autobus"},
                             {"key": "velo", "label_fr": "À vélo"}]})
    add(kind="long_text", text_fr="Qu'est-ce qui vous ferait laisser l'auto?", required=True,
        condition={"question": 1, "in": ["auto"]})
    add(kind="ranking", text_fr="Classez ces priorités",
        options={"choices": ["Sécurité", "Fréquence", "Prix"]})
    add(kind="matrix", text_fr="Votre satisfaction", options={
        "rows": ["En hiver", "En été"], "choices": ["Faible", "Moyenne", "Élevée"]})
    add(kind="scale_5", text_fr="Votre trajet est-il agréable?", required=True)
    add(kind="single", text_fr="Votre groupe d'âge", is_demographic=True,
        options={"choices": ["Moins de 35 ans", "35 ans et plus"]})
    return survey


def test_citizen_answers_with_a_condition_then_results(live_server, page, assert_accessible, process_factory,
                                                       organiser, citizen):
    from ouvert.consult.models import Response

    process = process_factory(demographics_enabled=True)
    survey = _survey(process, organiser)
    person = citizen(1)
    login(page, live_server, person)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/questionnaires/")
    expect(page.locator("h1")).to_have_text("Questionnaires")
    assert_accessible(page)
    page.get_by_role("link", name="Vos déplacements", exact=True).click()
    expect(page.locator("h1")).to_have_text("Vos déplacements")

    conditional = page.get_by_label("Qu'est-ce qui vous ferait laisser l'auto?")
    expect(conditional).to_be_hidden()
    page.get_by_label("En autobus").check()
    expect(conditional).to_be_hidden()
    page.get_by_label("En auto", exact=True).check()
    expect(conditional).to_be_visible()
    assert_accessible(page)

    conditional.fill("Un autobus toutes les dix minutes.")
    ranking = page.get_by_role("group", name="Classez ces priorités")
    ranking.get_by_label("Prix").select_option("1")
    ranking.get_by_label("Sécurité").select_option("2")
    ranking.get_by_label("Fréquence").select_option("3")
    page.get_by_role("group", name="En hiver").get_by_label("Faible").check()
    page.get_by_role("group", name="Votre trajet est-il agréable?").get_by_label("4").check()
    page.get_by_label("J’accepte que mes réponses").check()
    page.get_by_label("Moins de 35 ans").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.locator("h1")).to_have_text("Merci de votre participation")
    assert_accessible(page)
    response = Response.objects.get(survey=survey)
    values = {a.question.position: a.value for a in response.answers.select_related("question")}
    assert values == {1: "auto", 2: "Un autobus toutes les dix minutes.", 3: ["prix", "securite", "frequence"],
                      4: {"en-hiver": "faible"}, 5: 4, 6: "moins-de-35-ans"}

    page.get_by_role("link", name="Voir les résultats du questionnaire").click()
    expect(page.locator("h1")).to_contain_text("Résultats")
    charts = page.locator("[data-vega-spec]")
    expect(charts.first).to_have_attribute("data-vega-rendered", "ok")
    for index in range(charts.count()):
        expect(charts.nth(index)).to_have_attribute("data-vega-rendered", "ok")
    expect(page.get_by_role("table", name="Question 1 : nombre et pourcentage des réponses")).to_contain_text(
        "En auto")
    expect(page.get_by_role("table", name="Question 3 : classement (méthode de Borda et rang moyen)")).to_be_visible()
    # One person answered the demographic question: under the minimum group size, not shown.
    expect(page.get_by_text("Trop peu de réponses pour les montrer")).to_be_visible()
    assert_accessible(page)


def test_organiser_builds_a_survey(live_server, page, assert_accessible, process_factory, organiser):
    process = process_factory(demographics_enabled=True)
    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/questionnaires/")
    page.get_by_role("link", name="Nouveau questionnaire").click()
    assert_accessible(page)
    page.get_by_label("Titre (français)").fill("Habitudes de lecture")
    page.get_by_role("button", name="Créer le questionnaire").click()
    expect(page.get_by_role("status")).to_contain_text("Le questionnaire est créé")
    adding = page.locator("form", has=page.get_by_role("button", name="Ajouter la question"))
    expect(adding.get_by_label("Lignes d’une matrice")).to_be_hidden()  # default type: single choice
    adding.get_by_label("Type de question").select_option("matrix")
    expect(adding.get_by_label("Lignes d’une matrice")).to_be_visible()
    adding.get_by_label("Type de question").select_option("multiple")
    expect(adding.get_by_label("Lignes d’une matrice")).to_be_hidden()
    expect(adding.get_by_label("Choix multiples : nombre maximal")).to_be_visible()
    adding.get_by_label("Question (français)").fill("Que lisez-vous?")
    adding.get_by_label("Choix, ou colonnes").fill("Romans\nEssais\nBandes dessinées")
    adding.get_by_role("button", name="Ajouter la question").click()
    expect(page.get_by_role("status")).to_contain_text("La question 1 est ajoutée.")
    expect(page.get_by_role("heading", name="Question 1 — Choix multiples")).to_be_visible()
    expect(page.get_by_text("bandes-dessinees")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Aperçu").click()
    expect(page.get_by_label("Bandes dessinées")).to_be_disabled()
    assert_accessible(page)


def test_errors_are_explained_beside_the_fields(live_server, browser, assert_accessible, process_factory, organiser,
                                                citizen):
    """The page answers 400 with the errors: its own tab (the ``page`` fixture fails on the 400 it logs)."""
    process = process_factory(demographics_enabled=True)
    survey = _survey(process, organiser)
    context = browser.new_context(locale="fr-CA", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, live_server, citizen(1))
        page.goto(f"{live_server.url}/fr/consultations/{process.slug}/questionnaires/{survey.slug}/")
        page.get_by_label("En auto", exact=True).check()
        page.get_by_role("button", name="Envoyer mes réponses").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Votre réponse n’est pas envoyée : 2 erreurs à corriger")
        expect(summary.get_by_role("link", name="Qu'est-ce qui vous ferait laisser l'auto?")).to_be_visible()
        expect(summary).to_be_focused()
        expect(page.get_by_label("En auto", exact=True)).to_be_checked()
        expect(page.get_by_label("Qu'est-ce qui vous ferait laisser l'auto?")).to_be_visible()
        expect(page.locator("#question-5-notes")).to_contain_text("Cette question est obligatoire.")
        assert_accessible(page)
    finally:
        context.close()
