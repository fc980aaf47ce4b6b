"""The « how do I comply? » assistant: service, page and API; and the API's compliance check."""

import json
import pathlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ouvert.science import services
from ouvert.science.models import ArchivingPolicy

pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture
def registry(funds, policies, fund_staff):
    services.journals_import(actor=fund_staff, data=(DATA / "doaj_journals_sample.csv").read_bytes())
    services.journals_import(actor=fund_staff, data=(DATA / "journals_template_cp1252.csv").read_bytes())
    services.archiving_policies_import(actor=fund_staff, data=(DATA / "archiving_policies.csv").read_bytes())


def statuses(result):
    return {route["code"]: route["status"] for route in result["routes"]}


def test_open_access_journal_by_issn(registry, funds):
    result = services.assistant(journal_query="1932-6203", fund="frqnt")
    assert result["journal"].title == "PLOS ONE" and result["found_by"] == "issn"
    assert result["version"].code == "2022"
    assert statuses(result) == {"journal": "works", "repository": "depends", "rights_retention": "works"}
    journal = result["routes"][0]
    assert [s["code"] for s in journal["steps"]] == ["journal.open_access", "journal.advice_licence_choice"]
    assert "CC-BY-4.0" in journal["todo"]
    assert result["rights_retention_fr"].startswith("Ce travail a été financé")
    assert result["rights_retention_en"].startswith("This research was funded")


def test_subscription_journal_with_publisher_embargo(registry, funds):
    result = services.assistant(journal_query="Nature", fund="frqs")
    assert result["journal"].issn_print == "0028-0836"
    assert statuses(result) == {"journal": "fails", "repository": "fails", "rights_retention": "works"}
    repository = result["routes"][1]
    assert [s["code"] for s in repository["steps"]] == ["repository.advice_disallows"]
    assert repository["steps"][0]["params"] == {"allowed": 0, "embargo": 6}
    rights = result["routes"][2]
    assert [s["code"] for s in rights["steps"]] == ["rights_retention.publisher_overridden", "rights_retention.advice"]
    assert "6" in services.reason_text(rights["steps"][0])


def test_publisher_wide_policy_and_old_version(registry, funds):
    import datetime

    result = services.assistant(journal_query="0036-8075", fund="frqsc", on=datetime.date(2021, 1, 1))
    assert result["version"].code == "2019"
    assert statuses(result) == {"journal": "fails", "repository": "works"}
    assert result["routes"][1]["steps"][0]["params"]["embargo"] == 6


def test_several_titles_let_the_person_choose_and_none_still_explains(registry, funds):
    result = services.assistant(journal_query="PLOS", fund="frqnt")
    assert result["journal"] is None
    assert sorted(j.title for j in result["candidates"]) == ["PLOS Biology", "PLOS ONE"]
    nothing = services.assistant(journal_query="Revue imaginaire du Plateau", fund="frqnt")
    assert nothing["not_found"] and nothing["journal"] is None
    assert statuses(nothing) == {"journal": "depends", "repository": "depends", "rights_retention": "works"}
    bad = services.assistant(journal_query="1932-6204", fund="frqnt")
    assert bad["invalid_issn"] and bad["journal"] is None


def test_hybrid_route_in_the_assistant(registry, funds, policies):
    version = policies[("frqsc", "2022")]
    version.routes = {"hybrid": {"transformative_only": True}}
    version.save()
    assert statuses(services.assistant(journal_query="Nature", fund="frqsc")) == {"hybrid": "works"}
    assert statuses(services.assistant(journal_query="Science", fund="frqsc")) == {"hybrid": "fails"}
    assert statuses(services.assistant(journal_query="eLife", fund="frqsc")) == {"hybrid": "fails"}


def test_bad_input(registry, funds):
    with pytest.raises(ValidationError) as exc:
        services.assistant(journal_query="PLOS", fund="")
    assert "fund" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.assistant(journal_query="PLOS", fund="nsf")
    assert "fund" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.assistant(journal_query="PLOS\x00", fund="frqnt")
    assert "journal" in exc.value.message_dict
    result = services.assistant(journal_query="<script>alert(1)</script>' OR 1=1 --", fund="frqnt")
    assert result["not_found"]


def test_assistant_page(client, registry, funds):
    page = client.get(reverse("science:assistant"))
    assert page.status_code == 200 and b"Revue (ISSN ou titre)" in page.content
    response = client.get(reverse("science:assistant"), {"journal": "0028-0836", "fund": "frqnt"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ne fonctionne pas" in html and "fonctionne" in html
    assert 'data-code="rights_retention.publisher_overridden"' in html
    assert "Ce travail a été financé par les Fonds de recherche du Québec" in html
    assert "This research was funded" in html
    hostile = client.get(reverse("science:assistant"), {"journal": "<script>alert(1)</script>", "fund": "frqnt"})
    assert hostile.status_code == 200 and b"<script>alert(1)" not in hostile.content
    missing = client.get(reverse("science:assistant"), {"journal": "PLOS", "fund": ""})
    assert missing.status_code == 400 and 'id="err-fund"' in missing.content.decode()
    choose = client.get(reverse("science:assistant"), {"journal": "PLOS", "fund": "frqnt"})
    assert "journal=1545-7885" in choose.content.decode() and "journal=1932-6203" in choose.content.decode()


def test_assistant_page_in_english(client, registry, funds):
    response = client.get("/en/science-ouverte/comment-me-conformer/", {"journal": "1932-6203", "fund": "frqnt"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en-CA"' in html[:500]
    assert 'data-code="journal.open_access"' in html and "PLOS ONE" in html


def test_assistant_api(client, registry, funds):
    response = client.get("/api/v1/science/assistant", {"journal": "2050-084X", "fund": "frqnt"})
    assert response.status_code == 200
    body = response.json()
    assert body["journal"]["title"] == "eLife" and body["policy"]["code"] == "2022"
    assert [r["status"] for r in body["routes"]] == ["works", "depends", "works"]
    assert body["routes"][0]["steps"][0]["code"] == "journal.open_access" and body["routes"][0]["steps"][0]["text"]
    assert body["rights_retention"]["en"].startswith("This research")
    bad = client.get("/api/v1/science/assistant", {"journal": "eLife", "fund": "inconnu"})
    assert bad.status_code == 400 and "fund" in bad.json()["errors"]


def test_compliance_check_api_stores_nothing(client, registry, funds):
    from ouvert.science.models import Publication

    payload = {"fund": "frqnt", "published_on": "2023-06-15", "issn": "0028-0836", "version_deposited": "accepted",
               "repository_url": "https://papyrus.example.org/handle/1866/50", "deposited_on": "2023-06-15",
               "deposit_licence": "https://creativecommons.org/licenses/by/4.0/"}
    response = client.post("/api/v1/science/compliance/check", json.dumps(payload), content_type="application/json")
    assert response.status_code == 200, response.content
    verdict = response.json()["verdicts"][0]
    assert verdict["verdict"] == "compliant" and verdict["route"] == "rights_retention" and verdict["policy"] == "2022"
    assert [s["code"] for s in verdict["steps"]][-1] == "rights_retention.compliant"
    assert response.json()["oa_status"] == "green"
    every = client.post("/api/v1/science/compliance/check", json.dumps({"published_on": "2023-06-15"}),
                        content_type="application/json")
    assert [v["fund"] for v in every.json()["verdicts"]] == ["frqnt", "frqs", "frqsc"]
    assert every.json()["verdicts"][0]["missing"] == ["journal"]  # the deposit is overdue: it fails
    bad = client.post("/api/v1/science/compliance/check",
                      json.dumps({"published_on": "15/06/2023", "issn": "1234-5678", "licence": "maison"}),
                      content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"published_on", "issn", "licence"}
    assert client.post("/api/v1/science/compliance/check", "{", content_type="application/json").status_code == 400
    assert Publication.objects.count() == 0
    assert ArchivingPolicy.objects.count() == 3
