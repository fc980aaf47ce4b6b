"""Surveys, demo: the two demo surveys load on the demo processes, a second run changes nothing, and their
results are meaningful (conditions respected, demographics merged under the minimum group size)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from ouvert.consult import processes_demo, services, surveys_demo
from ouvert.consult.models import Answer, Process, Response, Survey
from ouvert.core.models import User

pytestmark = pytest.mark.django_db


def _state():
    return (Survey.objects.count(), Response.objects.count(), Answer.objects.count(), User.objects.count(),
            sorted(Answer.objects.values_list("response__respondent", "question__position", "value")[:50],
                   key=repr))


def test_demo_is_idempotent_and_meaningful():
    processes_demo.load()
    surveys_demo.load()
    first = _state()
    surveys_demo.load()
    assert _state() == first
    housing = Survey.objects.get(slug="besoins-habitation")
    open_data = Survey.objects.get(slug="usages-donnees-ouvertes")
    assert housing.is_demo and housing.anonymous and housing.responses.count() == 200
    assert not housing.responses.filter(user__isnull=False).exists()
    assert open_data.responses.count() == 40
    assert set(open_data.questions.values_list("kind", flat=True)) == {
        "single", "multiple", "ranking", "matrix", "scale_5", "scale_10", "short_text", "long_text", "file"}
    # Question 2 is asked only of people who use open data.
    never = {a.response_id for a in Answer.objects.filter(question__survey=open_data, question__position=1,
                                                           value="jamais")}
    assert never and not Answer.objects.filter(question__survey=open_data, question__position=2,
                                               response_id__in=never).exists()
    results = services.survey_results(survey=open_data, user=AnonymousUser())
    regions = next(q for q in results["questions"] if q["position"] == 11)
    assert all(r["count"] >= 5 for r in regions["rows"]) and regions["rows"][-1]["key"] == "_autre"
    assert Process.objects.get(slug="strategie-donnees-ouvertes").demographics_enabled

