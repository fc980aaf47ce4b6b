import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from ouvert.plan import services

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_overview_shows_the_sixteen_milestones(real_plan, client, lang):
    response = client.get(f"/{lang}/plan/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<th scope="row">') == 16
    assert "<caption" in html and 'scope="col"' in html
    if lang == "en":
        assert "Run a pilot project with the public" in html
    else:
        assert "Réaliser un projet pilote de priorisation" in html
    assert 'datetime="2022-10-31"' in html


@pytest.mark.django_db
def test_overview_filters(real_plan, client):
    html = client.get("/fr/plan/?lead=banq").content.decode()
    assert html.count('<th scope="row">') == 1 and "1.4" in html
    html = client.get("/fr/plan/?strand=collaboration&late=true").content.decode()
    assert html.count('<th scope="row">') == 3
    html = client.get("/fr/plan/?status=completed").content.decode()
    assert html.count('<th scope="row">') == 0


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_milestone_1_4_shows_banq_and_its_due_date(real_plan, client, lang):
    response = client.get(f"/{lang}/plan/2021-2023/jalons/1.4/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "BAnQ" in html and "Bibliothèque et Archives nationales du Québec" in html
    assert '<time datetime="2022-10-31">' in html
    if lang == "fr":
        assert "31 octobre 2022" in html
        assert "Réaliser un projet pilote" in html
    else:
        assert "Run a pilot project" in html


@pytest.mark.django_db
def test_milestone_page_shows_history_and_demo_badge(respondent, client, milestone):
    services.progress_update_create(actor=respondent("sct"), milestone=milestone("3.3"), text_fr="Illustration.",
                                    status="limited", is_demo=True,
                                    evidence=[{"url": "https://consultation.quebec.ca/", "label": "CQ"}])
    html = client.get("/fr/plan/2021-2023/jalons/3.3/").content.decode()
    assert "Illustration." in html and "donnée de démonstration" in html
    assert 'href="https://consultation.quebec.ca/"' in html
    assert "31 mars 2022" in html  # the recorded discrepancy note
    overview = client.get("/fr/plan/").content.decode()
    assert "donnée de démonstration" in overview


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_commitment_dashboard_committee_and_respondents_pages(respondent, client, lang):
    respondent("banq", full_name="Alex Tremblay")
    html = client.get(f"/{lang}/plan/2021-2023/engagements/2/").content.decode()
    assert html.count('<th scope="row">') == 3
    assert client.get(f"/{lang}/plan/2021-2023/engagements/9/").status_code == 404

    response = client.get(f"/{lang}/plan/tableau-de-bord/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-vega-spec="#plan-chart-status"' in html
    start = html.index('<script id="plan-chart-status" type="application/json">')
    spec = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    assert spec["mark"]["type"] == "bar" and spec["data"]["values"]
    assert "<table" in html[start:]

    html = client.get(f"/{lang}/plan/comite/").content.decode()
    assert html.count('<th scope="row">') == 11 and "Votepour.ca" in html

    html = client.get(f"/{lang}/plan/repondants/").content.decode()
    assert "Alex Tremblay" in html and "BAnQ" in html


@pytest.mark.django_db
def test_csv_export_has_sixteen_rows_in_both_languages(real_plan, client):
    response = client.get("/fr/plan/2021-2023/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 16
    row = next(r for r in rows if r["number"] == "1.5")
    assert row["lead"] == "SCT" and row["collaborators"] == "CeRTIA" and row["due_date"] == "2022-11-30"
    assert row["title_en"].startswith("Publish a research project")


@pytest.mark.django_db
def test_json_export_parses(real_plan, client):
    response = client.get("/en/plan/2021-2023/export.json")
    data = json.loads(response.content)
    assert data["plan"] == "2021-2023" and len(data["milestones"]) == 16
    api = client.get("/api/v1/plan/milestones").json()
    assert data["milestones"] == api, "exports and API share one shape"


@pytest.mark.django_db
def test_atom_feed_parses(respondent, client, milestone):
    services.progress_update_create(actor=respondent("frq"), milestone=milestone("2.1"), text_fr="Politique modifiée.",
                                    status="completed")
    response = client.get("/fr/plan/fil.atom")
    assert response.status_code == 200 and "atom" in response["Content-Type"]
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert "2.1" in entries[0].find(f"{ATOM}title").text
    assert "/fr/plan/2021-2023/jalons/2.1/#maj-" in entries[0].find(f"{ATOM}link").attrib["href"]
