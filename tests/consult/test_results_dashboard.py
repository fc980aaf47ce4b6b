"""Results dashboard: exact figures on a known data set (every contribution type), hidden content left
out, socio-demographic aggregates above the minimum group size, timeline, pages and API, query counts.

The data set (``results_data``) is written in the database directly, so that these tests check the
results part's arithmetic whatever the other parts' services do."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from ouvert.consult import access, services
from ouvert.consult.models import (
    Answer,
    Category,
    Comment,
    Conversation,
    Debate,
    DraftText,
    Meeting,
    MeetingRegistration,
    Paragraph,
    Proposal,
    Question,
    Response,
    Statement,
    StatementVote,
    Support,
    Survey,
)

pytestmark = pytest.mark.django_db


def build_results_data(process, citizen):
    """Six participants; visible: 2 proposals, 3 supports, 2 comments, 2 arguments, 1 paragraph comment,
    6 survey responses, 1 participant statement, 8 statement votes, 2 meeting registrations; hidden:
    1 proposal (with 1 support and 1 comment), 1 comment, 1 statement (with 1 vote)."""
    people = [citizen(n) for n in range(1, 7)]
    c1, c2, c3, c4, c5, c6 = people
    now = timezone.now()
    for person in people:
        access.participation_record(process=process, user=person)
    transport = Category.objects.create(process=process, name_fr="Transport", name_en="Transport", position=0)
    logement = Category.objects.create(process=process, name_fr="Logement", name_en="Housing", position=1)
    p1 = Proposal.objects.create(process=process, number=1, author=c1, category=transport,
                                 title="Pistes cyclables protégées", body="Des pistes cyclables protégées toute l'année.",
                                 status=Proposal.Status.ACCEPTED, answer_fr="Nous construirons vingt kilomètres de pistes.",
                                 answer_en="We will build twenty kilometres of lanes.", answered_at=now,
                                 supports_count=2, comments_count=2, created_at=now - datetime.timedelta(days=2))
    p2 = Proposal.objects.create(process=process, number=2, author=c2, category=logement,
                                 title="Logements sociaux près du tramway", body="Construire des logements sociaux.",
                                 status=Proposal.Status.REJECTED, answer_fr="Hors du mandat de cette consultation.",
                                 answered_at=now, supports_count=1, created_at=now - datetime.timedelta(days=1))
    p3 = Proposal.objects.create(process=process, number=3, author=c3, title="Publicité cachée", body="Achetez",
                                 is_hidden=True, supports_count=1)
    for proposal, person in ((p1, c2), (p1, c3), (p2, c1), (p3, c4)):
        Support.objects.create(proposal=proposal, process=process, user=person)
    Comment.objects.create(process=process, target_kind="proposal", target_id=p1.pk, author=c2,
                           body="Les pistes cyclables protégées sauvent des vies.")
    Comment.objects.create(process=process, target_kind="proposal", target_id=p1.pk, author=c3,
                           body="Pistes cyclables déneigées en hiver, s'il vous plaît.")
    Comment.objects.create(process=process, target_kind="proposal", target_id=p3.pk, author=c1, body="Sur du masqué")
    Comment.objects.create(process=process, target_kind="proposal", target_id=p2.pk, author=c4, body="Injure",
                           is_hidden=True)
    debate = Debate.objects.create(process=process, title_fr="Faut-il un péage urbain ?", comments_count=2)
    Comment.objects.create(process=process, target_kind="debate", target_id=debate.pk, author=c1, body="Oui, pour financer.",
                           stance="for")
    Comment.objects.create(process=process, target_kind="debate", target_id=debate.pk, author=c2, body="Non, injuste.",
                           stance="against")
    draft = DraftText.objects.create(process=process, slug="politique", title_fr="Projet de politique")
    paragraph = Paragraph.objects.create(draft=draft, position=1, text_fr="Article premier.", comments_count=1)
    Comment.objects.create(process=process, target_kind="paragraph", target_id=paragraph.pk, author=c3,
                           body="Préciser l'article premier.")
    survey = Survey.objects.create(process=process, slug="mobilite", title_fr="Vos déplacements")
    q1 = Question.objects.create(survey=survey, position=1, kind=Question.Kind.SINGLE, text_fr="Mode principal",
                                 options={"choices": [{"key": "velo", "label_fr": "Vélo"},
                                                      {"key": "auto", "label_fr": "Auto"}]})
    q2 = Question.objects.create(survey=survey, position=2, kind=Question.Kind.SCALE_5, text_fr="Satisfaction")
    q3 = Question.objects.create(survey=survey, position=3, kind=Question.Kind.SINGLE, text_fr="Âge",
                                 is_demographic=True,
                                 options={"choices": [{"key": "18-34", "label_fr": "18 à 34 ans"},
                                                      {"key": "35-64", "label_fr": "35 à 64 ans"},
                                                      {"key": "65+", "label_fr": "65 ans et plus"}]})
    ages = ["18-34", "18-34", "18-34", "35-64", "65+", "18-34"]
    for i, person in enumerate(people):
        response = Response.objects.create(survey=survey, respondent=f"hash-{person.pk}", user=person,
                                           demographics_consent=i != 5)
        Answer.objects.create(response=response, question=q1, value="velo" if i % 2 == 0 else "auto")
        Answer.objects.create(response=response, question=q2, value=(i % 5) + 1)
        Answer.objects.create(response=response, question=q3, value=ages[i])
    conversation = Conversation.objects.create(process=process, slug="avenir", title_fr="L'avenir du transport")
    s1 = Statement.objects.create(conversation=conversation, text="Le tramway est prioritaire.", is_seed=True)
    s2 = Statement.objects.create(conversation=conversation, text="Il faut plus de stationnement.", is_seed=True)
    Statement.objects.create(conversation=conversation, author=c1, text="Le vélo d'hiver est possible.")
    s4 = Statement.objects.create(conversation=conversation, author=c5, text="Énoncé masqué", is_hidden=True)
    for i, person in enumerate((c1, c2, c3, c4)):
        StatementVote.objects.create(statement=s1, conversation=conversation, user=person, value=1)
        StatementVote.objects.create(statement=s2, conversation=conversation, user=person, value=-1 if i < 2 else 0)
    StatementVote.objects.create(statement=s4, conversation=conversation, user=c2, value=1)
    start = now + datetime.timedelta(days=3)
    meeting = Meeting.objects.create(process=process, title_fr="Séance publique à Québec", starts_at=start,
                                     ends_at=start + datetime.timedelta(hours=2), place="Salle Jean-Paul-L'Allier",
                                     registrations_count=2)
    MeetingRegistration.objects.create(meeting=meeting, user=c3, code="A1")
    MeetingRegistration.objects.create(meeting=meeting, user=c4, code="A2")
    return {"people": people, "proposals": (p1, p2, p3), "survey": survey, "conversation": conversation,
            "debate": debate, "meeting": meeting}


@pytest.fixture
def results_data(process, citizen):
    return build_results_data(process, citizen)


EXPECTED = {"proposals": 2, "supports": 3, "comments": 2, "arguments": 2, "paragraph_comments": 1, "responses": 6,
            "statements": 1, "statement_votes": 8, "registrations": 2}


def test_figures_exact(process, results_data):
    d = services.process_dashboard(process=process, user=None)
    assert d["participants"] == 6
    assert {row["key"]: row["count"] for row in d["contributions"]} == EXPECTED
    assert d["contributions_total"] == sum(EXPECTED.values())
    assert [p["number"] for p in d["top_proposals"]] == [1, 2]  # the hidden one is left out
    assert d["top_proposals"][0]["supports"] == 2
    top = d["most_commented"]
    assert [c["count"] for c in top] == [2, 2, 1]
    assert any(c["kind"] == "proposal" and "Pistes cyclables" in c["title"] for c in top)
    assert {(c["kind"], c["count"]) for c in top} == {("proposal", 2), ("debate", 2), ("paragraph", 1)}
    assert d["surveys"][0]["responses"] == 6
    charts = d["surveys"][0]["charts"]  # from the surveys part's survey_results; the demographic one left out
    assert [c["text"] for c in charts] == ["Mode principal", "Satisfaction"]
    assert {r["label"]: r["count"] for r in charts[0]["rows"]} == {"Vélo": 3, "Auto": 3}
    assert "hidden" not in d


def test_timeline_counts_per_day(process, results_data):
    d = services.process_dashboard(process=process, user=None)
    rows = d["timeline"]["rows"]
    assert d["timeline"]["unit"] == "day"
    assert sum(row["total"] for row in rows) == sum(EXPECTED.values())
    assert sum(row["new_participants"] for row in rows) == 6
    proposals_column = [key for key, _label in services.CONTRIBUTION_TYPES].index("proposals")
    by_day = {row["period"]: row["counts"][proposals_column] for row in rows}
    today = timezone.localdate()
    assert by_day[today - datetime.timedelta(days=2)] == 1 and by_day[today - datetime.timedelta(days=1)] == 1
    values = d["timeline"]["spec"]["data"]["values"]
    assert sum(v["count"] for v in values) == sum(EXPECTED.values())


def test_timeline_per_week_on_a_long_process(process, results_data):
    Proposal.objects.filter(number=2).update(created_at=timezone.now() - datetime.timedelta(days=200))
    d = services.process_dashboard(process=process, user=None)
    assert d["timeline"]["unit"] == "week"
    assert all(row["period"].weekday() == 0 for row in d["timeline"]["rows"])
    assert sum(row["total"] for row in d["timeline"]["rows"]) == sum(EXPECTED.values())


def test_managers_see_hidden_counts(process, results_data, organiser):
    d = services.process_dashboard(process=process, user=organiser)
    hidden = {h["key"]: h["count"] for h in d["hidden"]}
    assert hidden == {"proposals": 1, "supports": 1, "comments": 2, "statements": 1, "statement_votes": 1}
    # …but the public figures stay the same for them.
    assert {row["key"]: row["count"] for row in d["contributions"]} == EXPECTED


def test_demographics_min_group_size(process, results_data, settings):
    d = services.process_dashboard(process=process, user=None)
    age = d["demographics"]["questions"][0]
    # Five people consented (the sixth did not): 3 + 1 + 1, every group under 5 is suppressed.
    assert age["respondents"] == 5
    assert [row["suppressed"] for row in age["rows"]] == [True, True, True]
    settings.OUVERT_CONSULT_MIN_GROUP_SIZE = 2
    age = services.process_dashboard(process=process, user=None)["demographics"]["questions"][0]
    assert [(row["key"], row["count"]) for row in age["rows"]] == [("18-34", 3), ("35-64", None), ("65+", None)]
    settings.OUVERT_CONSULT_MIN_GROUP_SIZE = 6
    age = services.process_dashboard(process=process, user=None)["demographics"]["questions"][0]
    assert age["suppressed"] and age["rows"] == []


def test_single_small_group_gets_a_second_suppression(process, results_data, settings):
    """With only one group under the minimum, the next smallest is hidden too (no subtraction from the total)."""
    settings.OUVERT_CONSULT_MIN_GROUP_SIZE = 2
    Answer.objects.filter(question__is_demographic=True, value="65+").update(value="35-64")
    age = services.process_dashboard(process=process, user=None)["demographics"]["questions"][0]
    counts = {row["key"]: row["count"] for row in age["rows"]}
    assert counts == {"18-34": 3, "35-64": 2, "65+": 0}  # nothing under 2 except zero: all shown
    Answer.objects.filter(question__is_demographic=True, value="35-64").update(value="18-34")
    Answer.objects.filter(question__is_demographic=True, response__user=results_data["people"][3]).update(value="65+")
    age = services.process_dashboard(process=process, user=None)["demographics"]["questions"][0]
    counts = {row["key"]: row["count"] for row in age["rows"]}
    assert counts["65+"] is None and counts["18-34"] is None


def test_dashboard_query_count_does_not_grow(process, results_data, citizen, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as ctx:
        services.process_dashboard(process=process, user=None)
    before = len(ctx.captured_queries)
    p1 = results_data["proposals"][0]
    for n in range(10, 30):
        person = citizen(n)
        access.participation_record(process=process, user=person)
        Proposal.objects.create(process=process, number=n, author=person, title=f"Idée {n}", body="Texte")
        Comment.objects.create(process=process, target_kind="proposal", target_id=p1.pk, author=person, body="Oui")
    with django_assert_max_num_queries(before):
        services.process_dashboard(process=process, user=None)


def test_page_public_and_manager(process, results_data, organiser, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        response = client.get(f"/fr/consultations/{process.slug}/resultats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Résultats de la consultation" in html and "Pistes cyclables protégées" in html
    assert "Publicité cachée" not in html
    assert 'data-vega-spec="#results-chart-timeline"' in html
    assert f'data-vega-spec="#results-survey-{results_data["survey"].pk}-1"' in html
    assert "contenu masqué, non compté" not in html
    client.force_login(organiser)
    html = client.get(f"/fr/consultations/{process.slug}/resultats/").content.decode()
    assert "contenu masqué, non compté" in html and "Préparer le rapport" in html


def test_page_of_a_draft_process_is_not_found(process_factory, client):
    draft = process_factory(published_at=None)
    assert client.get(f"/fr/consultations/{draft.slug}/resultats/").status_code == 404


def test_api_dashboard(process, results_data, organiser):
    client = Client()
    data = client.get(f"/api/v1/consult/processes/{process.slug}/dashboard").json()
    assert data["participants"] == 6 and data["contributions"] == EXPECTED
    assert "hidden" not in data
    client.force_login(organiser)
    data = client.get(f"/api/v1/consult/processes/{process.slug}/dashboard").json()
    assert data["hidden"]["proposals"] == 1
    assert Client().get("/api/v1/consult/processes/inconnue/dashboard").status_code == 404
