"""Exports (CSV, JSON, XLSX) of every component: full for managers, anonymised for everyone (no name,
e-mail or user id anywhere; pseudonyms per process, not derivable from the user id; hidden content
and socio-demographic answers left out); the open dataset of results in report phase."""

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from ouvert.consult import services
from ouvert.consult.models import Proposal
from ouvert.consult.results_export import open_data_export, participant_pseudonym

from .test_results_dashboard import build_results_data

pytestmark = pytest.mark.django_db

COMPONENTS = ["proposals", "supports", "comments", "arguments", "statements", "votes", "meetings",
              "responses-mobilite"]


@pytest.fixture
def results_data(process, citizen):
    return build_results_data(process, citizen)


def _personal(people) -> list[str]:
    values = []
    for person in people:
        values += [person.email, person.full_name]
    return values


def _csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _download(client, process, component, fmt, query=""):
    response = client.get(f"/fr/consultations/{process.slug}/resultats/export/{component}.{fmt}{query}")
    assert response.status_code == 200, (component, fmt, response.status_code)
    return response, b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_public_exports_are_anonymised(process, results_data, fmt):
    client = Client()
    people = results_data["people"]
    for component in COMPONENTS:
        response, content = _download(client, process, component, fmt)
        assert "attachment" in response["Content-Disposition"]
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(content), read_only=True).active
            text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(values_only=True))
        else:
            text = content.decode("utf-8-sig")
        for value in _personal(people) + ["@example.org", "Publicité cachée", "Injure", "Énoncé masqué",
                                          "user_id", "email", "18-34"]:
            assert value not in text, (component, fmt, value)


def test_proposals_columns_and_rows(process, results_data, organiser):
    public = _csv(_download(Client(), process, "proposals", "csv")[1])
    assert [r["number"] for r in public] == ["1", "2"]
    first = public[0]
    assert first["answer_fr"] == "Nous construirons vingt kilomètres de pistes." and first["supports_count"] == "2"
    assert first["status"] == "accepted" and first["category"] == "Transport"
    c1 = results_data["people"][0]
    assert first["participant"] == participant_pseudonym(process.pk, c1.pk)
    assert first["participant"].startswith("P-")
    assert len(first["participant"]) == 14 and str(c1.pk) != first["participant"][2:]
    assert set(first) == {"number", "title", "body", "category", "status", "answer_fr", "answer_en", "answered_at",
                          "supports_count", "comments_count", "address", "latitude", "longitude", "created_at",
                          "participant"}
    manager = Client()
    manager.force_login(organiser)
    full = _csv(_download(manager, process, "proposals", "csv")[1])
    assert [r["number"] for r in full] == ["1", "2", "3"]
    assert full[0]["email"] == c1.email and full[0]["name"] == c1.full_name and full[0]["user_id"] == str(c1.pk)
    assert full[2]["is_hidden"] == "True"
    anonymised = _csv(_download(manager, process, "proposals", "csv", "?anonyme=1")[1])
    assert [r["number"] for r in anonymised] == ["1", "2"] and "email" not in anonymised[0]


def test_pseudonyms_differ_between_processes(process_factory, citizen):
    person = citizen(1)
    a, b = process_factory(), process_factory()
    assert participant_pseudonym(a.pk, person.pk) != participant_pseudonym(b.pk, person.pk)
    assert participant_pseudonym(a.pk, person.pk) == participant_pseudonym(a.pk, person.pk)


def test_survey_answers_one_row_per_response(process, results_data, organiser):
    rows = _csv(_download(Client(), process, "responses-mobilite", "csv")[1])
    assert len(rows) == 6
    assert list(rows[0]) == ["response", "created_at", "q1 Mode principal", "q2 Satisfaction"]  # no demographics
    assert [r["q1 Mode principal"] for r in rows] == ["velo", "auto"] * 3
    manager = Client()
    manager.force_login(organiser)
    full = _csv(_download(manager, process, "responses-mobilite", "csv")[1])
    assert "q3 Âge" in full[0] and full[0]["email"] == results_data["people"][0].email


def test_votes_matrix(process, results_data):
    data = json.loads(_download(Client(), process, "votes", "json")[1])
    assert len(data) == 4  # four voters on visible statements
    s1, s2 = [k for k in data[0] if k.startswith("statement_")][:2]
    assert sorted(row[s1] for row in data) == [1, 1, 1, 1]
    assert sorted(row[s2] for row in data) == [-1, -1, 0, 0]


def test_supports_comments_arguments_meetings(process, results_data):
    client = Client()
    supports = _csv(_download(client, process, "supports", "csv")[1])
    assert [(r["number"], r["supports_count"]) for r in supports] == [("1", "2"), ("2", "1")]
    comments = json.loads(_download(client, process, "comments", "json")[1])
    assert {c["target_kind"] for c in comments} == {"proposal", "paragraph"} and len(comments) == 3
    arguments = json.loads(_download(client, process, "arguments", "json")[1])
    assert sorted(a["stance"] for a in arguments) == ["against", "for"]
    assert arguments[0]["debate"] == "Faut-il un péage urbain ?"
    meetings = _csv(_download(client, process, "meetings", "csv")[1])
    assert meetings[0]["registrations_count"] == "2" and "online_url" not in meetings[0]


def test_formula_injection_is_neutralised(process, results_data):
    Proposal.objects.filter(number=1).update(title="=HYPERLINK(\"http://x\")")
    sheet = load_workbook(io.BytesIO(_download(Client(), process, "proposals", "xlsx")[1]), read_only=True).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles[0].startswith("'=")


def test_unknown_or_private_exports(process, results_data, process_factory):
    client = Client()
    assert client.get(f"/fr/consultations/{process.slug}/resultats/export/inconnu.csv").status_code == 404
    assert client.get(f"/fr/consultations/{process.slug}/resultats/export/proposals.pdf").status_code == 404
    assert client.get(f"/fr/consultations/{process.slug}/resultats/export/responses-nope.csv").status_code == 404
    results_data["survey"].results_public = False
    results_data["survey"].save()
    assert client.get(f"/fr/consultations/{process.slug}/resultats/export/responses-mobilite.csv").status_code == 404
    draft = process_factory(published_at=None)
    assert client.get(f"/fr/consultations/{draft.slug}/resultats/export/proposals.csv").status_code == 404


def test_api_exports(process, results_data, organiser):
    client = Client()
    listing = client.get(f"/api/v1/consult/processes/{process.slug}/exports").json()
    assert listing["full"] is False and "responses-mobilite" in [e["component"] for e in listing["results"]]
    response = client.get(f"/api/v1/consult/processes/{process.slug}/exports/proposals")
    rows = json.loads(b"".join(response.streaming_content))
    assert len(rows) == 2 and "email" not in rows[0]
    response = client.get(f"/api/v1/consult/processes/{process.slug}/exports/proposals?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"/api/v1/consult/processes/{process.slug}/exports/proposals?format=doc").status_code == 400
    assert client.get(f"/api/v1/consult/processes/{process.slug}/exports/nope").status_code == 404
    client.force_login(organiser)
    rows = json.loads(b"".join(client.get(f"/api/v1/consult/processes/{process.slug}/exports/proposals")
                               .streaming_content))
    assert len(rows) == 3 and rows[0]["email"]


def test_export_query_count_is_constant(process, results_data, citizen, django_assert_max_num_queries):
    for n in range(20, 40):
        person = citizen(n)
        Proposal.objects.create(process=process, number=n, author=person, title=f"Idée {n}", body="Texte")
    for component in COMPONENTS:
        table = services.export_table(process=process, user=None, component=component)
        with django_assert_max_num_queries(6):
            list(table.rows)


# --- Open data -------------------------------------------------------------------------------------

@pytest.fixture
def sct(make_org):
    return make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")


def test_open_data_in_report_phase(process, results_data, sct, phase_move, process_factory, settings):
    from ouvert.catalog import services as catalog_services

    assert open_data_export() is None  # no process in report phase yet
    phase_move(process, "report")
    other = process_factory()  # still in its contribution phase: not published
    dataset = catalog_services.open_data_refresh(services.RESULTS_OPEN_DATA_KEY)
    assert dataset is not None and dataset.organisation.slug == "sct"
    assert catalog_services.open_data_dataset(services.RESULTS_OPEN_DATA_KEY).pk == dataset.pk
    spec = open_data_export()
    files = {r["filename"]: r["content"].decode("utf-8-sig") for r in spec["resources"]}
    assert set(files) == {"consultations.csv", "propositions.csv", "commentaires.csv", "arguments-debats.csv",
                          "enonces.csv", "rencontres.csv", "reponses-questionnaires.csv", "votes-enonces.csv"}
    summary = _csv(spec["resources"][0]["content"])
    assert [r["process"] for r in summary] == [process.slug] and other.slug not in files["consultations.csv"]
    assert summary[0]["participants"] == "6" and summary[0]["proposals"] == "2"
    proposals = _csv(files["propositions.csv"].encode())
    assert [r["number"] for r in proposals] == ["1", "2"] and proposals[0]["process"] == process.slug
    answers = _csv(files["reponses-questionnaires.csv"].encode())
    assert len(answers) == 12 and {a["question"] for a in answers} == {"q1 Mode principal", "q2 Satisfaction"}
    assert len(_csv(files["votes-enonces.csv"].encode())) == 8
    everything = "\n".join(files.values())
    for value in _personal(results_data["people"]) + ["@example.org", "Publicité cachée", "Injure"]:
        assert value not in everything
    # Refreshing an unchanged dataset records nothing new.
    versions = dataset.resources.count()
    catalog_services.open_data_refresh(services.RESULTS_OPEN_DATA_KEY)
    assert dataset.resources.count() == versions


def test_open_data_periodic_check(process, results_data, sct, phase_move, django_capture_on_commit_callbacks):
    from ouvert.consult.results import results_open_data_check

    assert results_open_data_check() is False
    phase_move(process, "report")
    assert list(services.results_processes_in_report_phase()) == [process]
    assert results_open_data_check() is True
