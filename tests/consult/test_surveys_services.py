"""Surveys, services: the builder (every kind, options, conditions, freezing once answered), answering (every
kind's validation, conditions, required, one response per person, anonymity, demographics and consent) and
the results (figures, minimum group size)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings

from ouvert.consult import services
from ouvert.consult.models import Answer, Participation, Question, Response, Survey
from ouvert.core.models import AuditEntry

pytestmark = pytest.mark.django_db

Kind = Question.Kind
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def choices(*keys):
    return [{"key": k, "label_fr": k.capitalize()} for k in keys]


@pytest.fixture
def survey(process, organiser):
    return services.survey_create(actor=organiser, process=process, data={"title_fr": "Vos habitudes de transport"})


@pytest.fixture
def full_survey(process_factory, organiser):
    """One question of every kind, a condition (3 shown when 1 is « auto »), demographics."""
    process = process_factory(demographics_enabled=True)
    s = services.survey_create(actor=organiser, process=process, data={"title_fr": "Mobilité"})
    add = lambda **data: services.question_add(actor=organiser, survey=s, data=data)  # noqa: E731
    add(kind=Kind.SINGLE, text_fr="Mode principal", required=True,
        options={"choices": choices("auto", "bus", "velo")})
    add(kind=Kind.MULTIPLE, text_fr="Autres modes", options={"choices": choices("auto", "bus", "velo", "marche"),
                                                              "max_choices": 2})
    add(kind=Kind.SHORT_TEXT, text_fr="Pourquoi l'auto?", required=True, options={"max_length": 50},
        condition={"question": 1, "in": ["auto"]})
    add(kind=Kind.LONG_TEXT, text_fr="Commentaires")
    add(kind=Kind.RANKING, text_fr="Priorités", options={"choices": choices("securite", "frequence", "prix")})
    add(kind=Kind.MATRIX, text_fr="Satisfaction", required=True,
        options={"rows": choices("hiver", "ete"), "choices": choices("bas", "moyen", "haut")})
    add(kind=Kind.SCALE_5, text_fr="Note sur 5")
    add(kind=Kind.SCALE_10, text_fr="Note sur 10")
    add(kind=Kind.FILE, text_fr="Mémoire", options={"types": ["pdf"], "max_bytes": 2048})
    add(kind=Kind.SINGLE, text_fr="Âge", is_demographic=True, options={"choices": choices("jeune", "adulte", "aine")})
    return s


def good_answers(overrides=None):
    answers = {1: "auto", 2: ["bus", "velo"], 3: "Pas de bus", 4: "Rien à ajouter.",
               5: ["prix", "securite", "frequence"], 6: {"hiver": "bas", "ete": "haut"}, 7: 4, 8: "9"}
    answers.update(overrides or {})
    return answers


# --- Builder ---------------------------------------------------------------------------------------

def test_create_update_and_audit(process, organiser, citizen):
    s = services.survey_create(actor=organiser, process=process, data={"title_fr": "Vos habitudes de transport",
                                                                        "anonymous": True})
    assert s.slug == "vos-habitudes-de-transport" and s.anonymous
    services.survey_update(actor=organiser, survey=s, data={"title_en": "Your habits", "results_public": False})
    s.refresh_from_db()
    assert s.title_en == "Your habits" and not s.results_public
    actions = list(AuditEntry.objects.filter(action__startswith="consult.surveys").values_list("action", flat=True))
    assert actions == ["consult.surveys.create", "consult.surveys.update"]
    with pytest.raises(PermissionDenied):
        services.survey_create(actor=citizen(1), process=process, data={"title_fr": "Pirate"})
    with pytest.raises(ValidationError) as info:
        services.survey_create(actor=organiser, process=process, data={"title_fr": "Autre", "slug": "nouveau"})
    assert "slug" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.survey_create(actor=organiser, process=process, data={"title_fr": "Vos habitudes de transport"})
    assert "déjà" in info.value.message_dict["slug"][0]
    with pytest.raises(ValidationError):
        services.survey_create(actor=organiser, process=process, data={"title_fr": ""})


def test_options_are_validated_for_each_kind(survey, organiser):
    def refused(**data):
        with pytest.raises(ValidationError) as info:
            services.question_add(actor=organiser, survey=survey, data={"text_fr": "Q", **data})
        return info.value.message_dict

    assert "kind" in refused(kind="essai")
    assert "choices" in refused(kind=Kind.SINGLE, options={"choices": ["Seul"]})
    assert "choices" in refused(kind=Kind.SINGLE, options={"choices": "oui, non"})
    assert "choices" in refused(kind=Kind.SINGLE, options={"choices": [{"key": "A B", "label_fr": "x"},
                                                                        {"label_fr": "y"}]})
    assert "choices" in refused(kind=Kind.SINGLE, options={"choices": [{"key": "a", "label_fr": "x"},
                                                                        {"key": "a", "label_fr": "y"}]})
    assert "max_choices" in refused(kind=Kind.MULTIPLE, options={"choices": ["a", "b"], "max_choices": 3})
    assert "rows" in refused(kind=Kind.MATRIX, options={"choices": ["a", "b"]})
    assert "max_length" in refused(kind=Kind.SHORT_TEXT, options={"max_length": 100000})
    assert "types" in refused(kind=Kind.FILE, options={"types": ["exe"]})
    assert "max_bytes" in refused(kind=Kind.FILE, options={"max_bytes": 10 ** 12})
    assert "text_fr" in refused(kind=Kind.SCALE_5, text_fr="")
    assert "text_fr" in refused(kind=Kind.SCALE_5, text_fr="a\x00b")
    assert "is_demographic" in refused(kind=Kind.SINGLE, options={"choices": ["a", "b"]}, is_demographic=True)
    assert not survey.questions.exists()
    q = services.question_add(actor=organiser, survey=survey, data={
        "kind": Kind.SINGLE, "text_fr": "Mode", "options": {"choices": ["Autobus", "Vélo", "Vélo"]}})
    assert [c["key"] for c in q.options["choices"]] == ["autobus", "velo", "velo-2"]
    assert q.position == 1


def test_conditions_refuse_forward_references_and_bad_keys(survey, organiser):
    first = services.question_add(actor=organiser, survey=survey, data={
        "kind": Kind.SINGLE, "text_fr": "Mode", "options": {"choices": choices("auto", "bus")}})
    text = services.question_add(actor=organiser, survey=survey, data={"kind": Kind.SHORT_TEXT, "text_fr": "Texte"})

    def refused(condition, kind=Kind.SHORT_TEXT):
        with pytest.raises(ValidationError) as info:
            services.question_add(actor=organiser, survey=survey, data={"kind": kind, "text_fr": "Q",
                                                                       "condition": condition})
        return info.value.message_dict["condition"][0]

    assert "avant" in refused({"question": 3, "in": ["auto"]})  # itself
    assert "avant" in refused({"question": 9, "in": ["auto"]})  # forward
    assert "choix unique ou multiples" in refused({"question": 2, "in": ["x"]})  # text source
    assert "inconnus" in refused({"question": 1, "in": ["train"]})
    assert "au moins un choix" in refused({"question": 1, "in": []})
    assert "mal formée" in refused({"question": 1, "in": ["auto"], "extra": 1})
    # A question cannot be changed to point forward (a cycle) either.
    with pytest.raises(ValidationError):
        services.question_update(actor=organiser, question=first, data={"condition": {"question": 2, "in": ["x"]}})
    dependent = services.question_add(actor=organiser, survey=survey, data={
        "kind": Kind.SHORT_TEXT, "text_fr": "Pourquoi?", "condition": {"question": 1, "in": ["auto"]}})
    assert dependent.condition == {"question": 1, "in": ["auto"]}
    # The source cannot lose the choice a condition uses, nor be removed, nor be moved after its dependant.
    with pytest.raises(ValidationError):
        services.question_update(actor=organiser, question=first, data={"options": {"choices": choices("bus", "velo")}})
    with pytest.raises(ValidationError):
        services.question_remove(actor=organiser, question=first)
    services.question_move(actor=organiser, question=text, direction="up")  # text is now 1, mode 2, why 3
    first.refresh_from_db()
    dependent.refresh_from_db()
    assert first.position == 2 and dependent.condition == {"question": 2, "in": ["auto"]}
    with pytest.raises(ValidationError, match="rester"):
        services.question_move(actor=organiser, question=dependent, direction="up")
    with pytest.raises(ValidationError, match="extrémité"):
        services.question_move(actor=organiser, question=dependent, direction="down")


def test_remove_renumbers_and_follows_conditions(survey, organiser):
    filler = services.question_add(actor=organiser, survey=survey, data={"kind": Kind.SCALE_5, "text_fr": "Note"})
    services.question_add(actor=organiser, survey=survey, data={
        "kind": Kind.MULTIPLE, "text_fr": "Modes", "options": {"choices": choices("auto", "bus")}})
    services.question_add(actor=organiser, survey=survey, data={
        "kind": Kind.LONG_TEXT, "text_fr": "Pourquoi le bus?", "condition": {"question": 2, "in": ["bus"]}})
    services.question_remove(actor=organiser, question=filler)
    rows = list(survey.questions.order_by("position").values_list("position", "text_fr", "condition"))
    assert rows == [(1, "Modes", {}), (2, "Pourquoi le bus?", {"question": 1, "in": ["bus"]})]


def test_demographic_questions_need_the_process_to_ask_them(survey, organiser, process):
    with pytest.raises(ValidationError, match="sociodémographiques"):
        services.question_add(actor=organiser, survey=survey, data={
            "kind": Kind.SINGLE, "text_fr": "Âge", "is_demographic": True, "options": {"choices": ["Jeune", "Aîné"]}})
    process.demographics_enabled = True
    process.save()
    survey.process.demographics_enabled = True
    with pytest.raises(ValidationError, match="choix unique ou multiples"):
        services.question_add(actor=organiser, survey=survey, data={
            "kind": Kind.SHORT_TEXT, "text_fr": "Âge", "is_demographic": True})
    assert services.question_add(actor=organiser, survey=survey, data={
        "kind": Kind.SINGLE, "text_fr": "Âge", "is_demographic": True,
        "options": {"choices": ["Jeune", "Aîné"]}}).is_demographic


def test_questions_freeze_once_answered_except_wording(full_survey, organiser, citizen):
    services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers())
    question = full_survey.questions.get(position=1)
    question.survey = full_survey
    with pytest.raises(ValidationError, match="déjà reçu des réponses"):
        services.question_add(actor=organiser, survey=full_survey, data={"kind": Kind.SCALE_5, "text_fr": "Q"})
    with pytest.raises(ValidationError, match="libellé"):
        services.question_update(actor=organiser, question=question, data={"required": False})
    with pytest.raises(ValidationError):
        services.question_update(actor=organiser, question=question, data={"options": {"choices": ["Un", "Deux"]}})
    with pytest.raises(ValidationError):
        services.question_move(actor=organiser, question=question, direction="down")
    with pytest.raises(ValidationError):
        services.question_remove(actor=organiser, question=question)
    with pytest.raises(ValidationError, match="anonymat"):
        services.survey_update(actor=organiser, survey=full_survey, data={"anonymous": True})
    with pytest.raises(ValidationError):
        services.survey_delete(actor=organiser, survey=full_survey)
    services.question_update(actor=organiser, question=question, data={"text_fr": "Mode de transport principal",
                                                                       "help_fr": "Le plus souvent"})
    question.refresh_from_db()
    assert question.text_fr == "Mode de transport principal" and question.required


# --- Answering -------------------------------------------------------------------------------------

def test_a_complete_response(full_survey, citizen):
    person = citizen(1)
    upload = SimpleUploadedFile("mon mémoire.pdf", PDF, content_type="application/pdf")
    response = services.survey_respond(survey=full_survey, user=person, answers=good_answers(), files={9: upload})
    values = {a.question.position: a.value for a in response.answers.select_related("question")}
    assert values[1] == "auto" and values[2] == ["bus", "velo"] and values[5] == ["prix", "securite", "frequence"]
    assert values[6] == {"hiver": "bas", "ete": "haut"} and values[7] == 4 and values[8] == 9
    stored = response.answers.get(question__position=9)
    assert stored.file.name.endswith(".pdf") and "mémoire" not in stored.file.name
    assert response.user == person and response.respondent == services.survey_respondent_key(survey=full_survey,
                                                                                               user=person)
    assert 10 not in values  # no consent: no demographic answer
    assert Participation.objects.get(process=full_survey.process, user=person).actions == 1


@pytest.mark.parametrize(("position", "value", "message"), [
    (1, "train", "n'existe pas"), (1, ["auto"], "Un seul choix"), (1, 3, "Un seul choix"),
    (2, ["bus", "bus"], "deux fois"), (2, ["bus", "velo", "marche"], "au plus 2"), (2, ["avion"], "n'existe pas"),
    (2, {"a": 1}, "liste"),
    (3, "x" * 51, "50 caractères au plus"), (3, 12, "texte"), (3, "a\x00b", "contrôle"),
    (3, "caf\udce9", "invalides"), (3, "mal encod\ufffd", "mal encodés"),
    (5, ["prix", "securite"], "Classez"), (5, ["prix", "prix", "securite"], "Classez"),
    (5, ["prix", "securite", "frequence", "autre"], "Classez"),
    (6, {"hiver": "bas"}, "chaque ligne"), (6, {"hiver": "bas", "ete": "extreme"}, "n'existe pas"),
    (6, {"automne": "bas"}, "ligne"), (6, ["bas"], "Une réponse par ligne"),
    (7, 6, "1 à 5"), (7, 0, "1 à 5"), (7, "quatre", "entier"), (7, 3.5, "entier"), (7, True, "entier"),
    (8, 11, "1 à 10"),
])
def test_every_kind_refuses_bad_values(full_survey, citizen, position, value, message):
    with pytest.raises(ValidationError) as info:
        services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers({position: value}))
    assert message in " ".join(info.value.message_dict[f"q{position}"])
    assert not Response.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("virus.exe", b"MZ\x90\x00", "Type de fichier refusé"),
    ("faux.pdf", b"<html>pas un pdf</html>", "ne correspond pas"),
    ("gros.pdf", PDF + b"0" * 4096, "trop volumineux"),
    ("vide.pdf", b"", "vide"),
])
def test_files_are_checked(full_survey, citizen, name, content, message):
    with pytest.raises(ValidationError) as info:
        services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers(),
                                files={9: SimpleUploadedFile(name, content)})
    assert message in info.value.message_dict["q9"][0]
    with pytest.raises(ValidationError, match="formulaire du site"):
        services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers({9: "fichier.pdf"}))
    assert not Response.objects.exists()


def test_required_and_conditions(full_survey, citizen):
    person = citizen(1)
    with pytest.raises(ValidationError) as info:
        services.survey_respond(survey=full_survey, user=person, answers={3: "Pas de bus"})
    errors = info.value.message_dict
    assert errors["q1"] == ["Cette question est obligatoire."] and "q6" in errors and "q3" not in errors
    with pytest.raises(ValidationError) as info:
        services.survey_respond(survey=full_survey, user=person, answers=good_answers({3: ""}))
    assert list(info.value.message_dict) == ["q3"]  # shown (auto), so required
    # « bus »: question 3 is hidden, not required, and its answer dropped.
    response = services.survey_respond(survey=full_survey, user=person, answers=good_answers({1: "bus"}))
    assert not response.answers.filter(question__position=3).exists()


def test_unknown_questions_and_bad_shapes(full_survey, citizen):
    with pytest.raises(ValidationError) as info:
        services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers({99: "x"}))
    assert "q99" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.survey_respond(survey=full_survey, user=citizen(1), answers=["auto"])
    with pytest.raises(ValidationError):
        services.survey_respond(survey=full_survey, user=citizen(1), answers={"un": "auto"})


def test_hostile_text_is_stored_as_written(full_survey, citizen):
    hostile = "<script>alert('x')</script> **gras** [lien](javascript:alert(1))"
    response = services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers({4: hostile}))
    assert response.answers.get(question__position=4).value == hostile


def test_one_response_per_person(full_survey, citizen):
    person = citizen(1)
    services.survey_respond(survey=full_survey, user=person, answers=good_answers())
    with pytest.raises(services.SurveyAlreadyAnswered, match="déjà répondu"):
        services.survey_respond(survey=full_survey, user=person, answers=good_answers({1: "bus"}))
    assert Response.objects.count() == 1
    assert services.survey_has_responded(survey=full_survey, user=person)
    assert not services.survey_has_responded(survey=full_survey, user=citizen(2))


def test_anonymous_keeps_no_user_but_one_response(full_survey, organiser, citizen):
    services.survey_update(actor=organiser, survey=full_survey, data={"anonymous": True})
    person = citizen(1)
    response = services.survey_respond(survey=full_survey, user=person, answers=good_answers())
    response.refresh_from_db()
    assert response.user is None and person.email not in response.respondent and str(person.pk) != response.respondent
    assert response.created_at.minute == 0 and response.created_at.second == 0
    with pytest.raises(services.SurveyAlreadyAnswered):
        services.survey_respond(survey=full_survey, user=person, answers=good_answers())
    assert Response.objects.count() == 1


def test_demographics_only_with_consent(full_survey, citizen):
    without = services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers({10: "jeune"}))
    assert not without.demographics_consent and not without.answers.filter(question__position=10).exists()
    with_consent = services.survey_respond(survey=full_survey, user=citizen(2), answers=good_answers({10: "aine"}),
                                           demographics_consent=True)
    assert with_consent.demographics_consent
    assert with_consent.answers.get(question__position=10).value == "aine"


def test_participation_rules_apply(full_survey, citizen, phase_move):
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        services.survey_respond(survey=full_survey, user=None, answers=good_answers())
    phase_move(full_survey.process, "analysis")
    with pytest.raises(PermissionDenied, match="pas ouverte"):
        services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers())
    assert not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_stores_one_response(full_survey, citizen):
    """Two threads submit at once for the same person (real concurrency on PostgreSQL): exactly one is stored,
    the other is refused with the clear message."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are checked on PostgreSQL (SQLite serialises writers)")
    person = citizen(1)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.survey_respond(survey=full_survey, user=person, answers=good_answers())
            outcomes.append("ok")
        except services.SurveyAlreadyAnswered:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert Response.objects.filter(survey=full_survey).count() == 1
    assert Participation.objects.get(user=person).actions == 1


# --- Results ---------------------------------------------------------------------------------------

def test_results_figures(full_survey, citizen, organiser, django_assert_max_num_queries):
    people = [citizen(n) for n in range(1, 5)]
    services.survey_respond(survey=full_survey, user=people[0], answers=good_answers())
    services.survey_respond(survey=full_survey, user=people[1], answers=good_answers(
        {1: "bus", 2: ["bus"], 5: ["securite", "prix", "frequence"], 6: {"hiver": "moyen", "ete": "haut"}, 7: 2,
           8: 10}))
    services.survey_respond(survey=full_survey, user=people[2], answers=good_answers(
        {1: "velo", 2: [], 5: [], 7: 3, 8: ""}))
    with django_assert_max_num_queries(8):
        results = services.survey_results(survey=full_survey, user=people[3])
    assert results["responses"] == 3
    by = {q["position"]: q for q in results["questions"]}
    single = {r["key"]: (r["count"], r["percent"]) for r in by[1]["rows"]}
    assert single == {"auto": (1, 33.3), "bus": (1, 33.3), "velo": (1, 33.3)}
    multiple = {r["key"]: r["count"] for r in by[2]["rows"]}
    assert multiple == {"auto": 0, "bus": 2, "velo": 1, "marche": 0} and by[2]["answered"] == 2
    assert by[3]["answered"] == 1  # only people who chose « auto » saw it
    ranking = {r["key"]: r for r in by[5]["rows"]}
    assert ranking["prix"]["borda"] == 2 + 1 and ranking["securite"]["borda"] == 1 + 2
    assert ranking["frequence"]["borda"] == 0 and ranking["frequence"]["mean_position"] == 3.0
    assert ranking["prix"]["mean_position"] == 1.5 and by[5]["rows"][-1]["key"] == "frequence"
    matrix = {r["key"]: {c["key"]: c["count"] for c in r["cells"]} for r in by[6]["matrix"]}
    assert matrix == {"hiver": {"bas": 2, "moyen": 1, "haut": 0}, "ete": {"bas": 0, "moyen": 0, "haut": 3}}
    assert by[7]["mean"] == 3.0 and by[7]["median"] == 3
    assert [r["count"] for r in by[7]["rows"]] == [0, 1, 1, 1, 0]
    assert by[8]["mean"] == 9.5
    assert by[4]["texts"] == ["Rien à ajouter.", "Rien à ajouter.", "Rien à ajouter."]
    assert by[1]["chart"]["data"]["values"][0] == {"label": "Auto", "value": 1}
    assert by[9]["files"] is None  # not a manager


def test_results_permissions_and_texts(full_survey, organiser, citizen):
    services.survey_respond(survey=full_survey, user=citizen(1), answers=good_answers())
    services.survey_update(actor=organiser, survey=full_survey, data={"results_public": False})
    with pytest.raises(PermissionDenied):
        services.survey_results(survey=full_survey, user=citizen(2))
    assert services.survey_results(survey=full_survey, user=organiser)["questions"][3]["texts"]


def test_anonymous_texts_hidden_from_public_below_min_group(process_factory, organiser, citizen):
    process = process_factory()
    s = services.survey_create(actor=organiser, process=process, data={"title_fr": "Anonyme", "anonymous": True})
    services.question_add(actor=organiser, survey=s, data={"kind": Kind.LONG_TEXT, "text_fr": "Votre avis"})
    for n in range(1, 4):
        services.survey_respond(survey=s, user=citizen(n), answers={1: f"Avis {n}"})
    assert services.survey_results(survey=s, user=citizen(9))["questions"][0]["texts"] is None
    assert len(services.survey_results(survey=s, user=organiser)["questions"][0]["texts"]) == 3
    with override_settings(OUVERT_CONSULT_MIN_GROUP_SIZE=3):
        assert len(services.survey_results(survey=s, user=citizen(9))["questions"][0]["texts"]) == 3


def test_demographics_reported_above_min_group_size(full_survey, citizen, organiser):
    # 7 « adulte », 2 « jeune », 1 « aine »: the two small groups (3 people) are still under 5, so the next
    # smallest group joins them.
    ages = ["adulte"] * 7 + ["jeune"] * 2 + ["aine"]
    for n, age in enumerate(ages, start=1):
        services.survey_respond(survey=full_survey, user=citizen(n), answers=good_answers({10: age}),
                                demographics_consent=True)
    rows = services.survey_results(survey=full_survey, user=organiser)["questions"][9]["rows"]
    assert [(r["key"], r["count"]) for r in rows] == [("_autre", 10)]
    for n, age in enumerate(["jeune"] * 3, start=20):
        services.survey_respond(survey=full_survey, user=citizen(n), answers=good_answers({10: age}),
                                demographics_consent=True)
    rows = services.survey_results(survey=full_survey, user=organiser)["questions"][9]["rows"]
    assert [(r["key"], r["count"]) for r in rows] == [("adulte", 7), ("_autre", 6)]
    assert rows[1]["label"] == "Autre / non divulgué"
    with override_settings(OUVERT_CONSULT_MIN_GROUP_SIZE=1):
        rows = services.survey_results(survey=full_survey, user=organiser)["questions"][9]["rows"]
        assert {r["key"]: r["count"] for r in rows} == {"jeune": 5, "adulte": 7, "aine": 1}


def test_too_few_demographic_answers_are_not_shown(full_survey, citizen, organiser):
    for n in range(1, 4):
        services.survey_respond(survey=full_survey, user=citizen(n), answers=good_answers({10: "adulte"}),
                                demographics_consent=True)
    item = services.survey_results(survey=full_survey, user=organiser)["questions"][9]
    assert item["suppressed"] and item["rows"] == [] and item["chart"] is None


def test_list_with_state(full_survey, citizen, django_assert_max_num_queries):
    person = citizen(1)
    services.survey_create(actor=full_survey.process.created_by, process=full_survey.process,
                           data={"title_fr": "Deuxième"})
    services.survey_respond(survey=full_survey, user=person, answers=good_answers())
    with django_assert_max_num_queries(3):
        rows = services.survey_list(process=full_survey.process, user=person)
    assert [(r["survey"].slug, r["answered"], r["responses"], r["questions"]) for r in rows] == [
        ("mobilite", True, 1, 10), ("deuxieme", False, 0, 0)]
    assert Survey.objects.count() == 2
