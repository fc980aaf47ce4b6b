"""The public search over the registry: full text with accents folded (title, authors, journal, DOI), filters
with their counts (facets), withdrawn publications hidden, sorting and pages, links to the open copies
(including harvested deposits), exports of the current search, the open dataset; no query per row on the page
and in the API."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from ouvert.core import registry as core_registry
from ouvert.science import services
from ouvert.science.models import Deposit, Publication, RepositorySource
from tests.science.test_dashboard_figures import make_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(researcher, journal_factory, udem, policies):
    return make_set(researcher=researcher, journal_factory=journal_factory, udem=udem)


def titles(result):
    return sorted(p.title for p in result["queryset"])


@pytest.mark.parametrize(("q", "expected"), [
    ("forets boreales", ["Forêts boréales et changements climatiques"]),
    ("FORÊT", ["Forêts boréales et changements climatiques"]),
    ("cote", ["Forêts boréales et changements climatiques"]),  # an author, accents folded
    ("Gagnon", ["Pêcheries du Saint-Laurent"]),
    ("10.5555/set.d", ["Langues autochtones et écoles"]),  # the DOI
    ("\"Revue ouverte de sciences\"", ["Forêts boréales et changements climatiques"]),  # the journal
    ("retiré", []),  # withdrawn: out of the index
    ("aînés -santé", []),
])
def test_full_text(known, q, expected):
    assert titles(services.publication_search(q=q)) == expected


def test_filters_and_their_counts(known):
    result = services.publication_search()
    assert titles(result) == sorted(known[k].title for k in "abcd")  # never the withdrawn one
    facets = {name: {o["value"]: o["count"] for o in options} for name, options in result["facets"].items()}
    assert facets["fund"] == {"frqnt": 2, "frqs": 2, "frqsc": 1}
    assert facets["year"] == {"2024": 1, "2023": 2, "2022": 1}
    assert facets["verdict"] == {"compliant": 1, "not_compliant": 2, "unknown": 1}
    assert facets["institution"] == {"udem": 2}
    assert sum(facets["oa_status"].values()) == 4
    frqs = services.publication_search(filters={"fund": "FRQS"})
    assert titles(frqs) == ["Pêcheries du Saint-Laurent", "Santé des aînés en région"]
    facets = {name: {o["value"]: o["count"] for o in options} for name, options in frqs["facets"].items()}
    assert facets["fund"] == {"frqnt": 2, "frqs": 2, "frqsc": 1}  # a facet ignores its own filter
    assert facets["verdict"] == {"not_compliant": 2}
    both = services.publication_search(q="santé", filters={"year": "2023", "verdict": "not_compliant",
                                                            "institution": "udem"})
    assert titles(both) == ["Santé des aînés en région"]
    assert titles(services.publication_search(filters={"oa_status": "closed", "year": "2024"})) == [
        "Langues autochtones et écoles"]


def test_sorting(known):
    by_date = [p.doi for p in services.publication_search(sort="date")["queryset"]]
    assert by_date == ["10.5555/set.d", "10.5555/set.a", "10.5555/set.b", "10.5555/set.c"]
    assert [p.doi for p in services.publication_search(sort="-date")["queryset"]] == by_date[::-1]
    assert services.publication_search(q="forets")["sort"] == "relevance"
    with pytest.raises(Exception) as caught:
        services.publication_search(sort="hasard")
    assert caught.type.__name__ == "ValidationError"


def test_the_page_links_to_the_open_copies_including_harvested_deposits(known, client):
    source = RepositorySource.objects.create(slug="papyrus", name="Papyrus (UdeM)", base_url="https://papyrus.example.org/oai")
    Deposit.objects.create(source=source, identifier="oai:papyrus:1866/42", publication=known["b"],
                           url="https://papyrus.example.org/handle/1866/42", version="accepted", licence="CC-BY-4.0",
                           datestamp=timezone.now(), matched_by="doi")
    Deposit.objects.create(source=source, identifier="oai:papyrus:1866/43", publication=known["b"], deleted=True,
                           url="https://papyrus.example.org/handle/1866/43")
    page = client.get(reverse("science:publication_list"), {"q": "santé"})
    html = page.content.decode()
    assert page.status_code == 200 and "1 publication" in html
    assert 'href="https://doi.org/10.5555/set.b"' in html
    assert 'href="https://papyrus.example.org/handle/1866/42"' in html and "Papyrus (UdeM)" in html
    assert "1866/43" not in html  # deleted at the source
    detail = client.get(reverse("science:publication_detail", kwargs={"pk": known["b"].pk})).content.decode()
    assert "https://papyrus.example.org/handle/1866/42" in detail and "b.roy@example.org" not in detail


def test_bad_filters_are_a_clear_400(known, client):
    page = client.get(reverse("science:publication_list"), {"verdict": "peut-être", "page": "1"})
    assert page.status_code == 400 and "Verdict inconnu" in page.content.decode()
    api = client.get("/api/v1/science/publications", {"fund": "nserc"})
    assert api.status_code == 400 and "fund" in api.json()["errors"]
    assert client.get("/api/v1/science/publications", {"page": "zéro"}).status_code == 400
    assert client.get("/api/v1/science/publications", {"per_page": "1000"}).status_code == 400


def test_the_api_pages_and_facets(known, client):
    first = client.get("/api/v1/science/publications", {"per_page": "3", "sort": "date"}).json()
    assert first["count"] == 4 and first["pages"] == 2 and len(first["results"]) == 3
    second = client.get("/api/v1/science/publications", {"per_page": "3", "page": "2", "sort": "date"}).json()
    assert [r["doi"] for r in second["results"]] == ["10.5555/set.c"]
    row = first["results"][0]
    assert row["open_copies"][0]["url"] == "https://doi.org/10.5555/set.d" and "email" not in json.dumps(row)
    assert {o["value"] for o in first["facets"]["fund"]} == {"frqnt", "frqs", "frqsc"}
    detail = client.get(f"/api/v1/science/publications/{known['c'].pk}").json()
    assert [f["verdict"] for f in detail["fundings"]] == ["not_compliant", "not_compliant"]
    assert any(step["ok"] is False for step in detail["fundings"][0]["reasons"])


def test_exports_of_the_current_search(known, client):
    csv_answer = client.get(reverse("science:publication_export"), {"fund": "frqs", "format": "csv"})
    assert csv_answer.status_code == 200 and csv_answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_answer.content.decode("utf-8-sig"))))
    assert sorted(r["doi"] for r in rows) == ["10.5555/set.b", "10.5555/set.c"]
    assert rows[0]["conformite"] == "not_compliant" and "@" not in csv_answer.content.decode("utf-8-sig")
    json_answer = client.get("/api/v1/science/publications/export", {"q": "forêts", "format": "json"})
    assert [p["doi"] for p in json.loads(json_answer.content)["publications"]] == ["10.5555/set.a"]
    assert client.get(reverse("science:publication_export"), {"format": "xls"}).status_code == 400


def test_the_open_dataset(known):
    publisher = core_registry.open_data_publisher("science")
    assert publisher is not None
    dataset = publisher.func()
    assert dataset["metadata"]["licence"] == "CC-BY-4.0" and dataset["metadata"]["temporal_start"] == "2022-06-01"
    resources = {r["filename"]: r["content"] for r in dataset["resources"]}
    registry_csv = resources["publications.csv"].decode("utf-8-sig")
    assert "@" not in registry_csv and "Article retiré du registre" not in registry_csv
    assert sorted(r["doi"] for r in csv.DictReader(io.StringIO(registry_csv))) == [
        "10.5555/set.a", "10.5555/set.b", "10.5555/set.c", "10.5555/set.d"]
    assert len(json.loads(resources["publications.json"])["publications"]) == 4
    figures = list(csv.DictReader(io.StringIO(resources["conformite-par-fonds-et-annee.csv"].decode("utf-8-sig"))))
    frqnt_2023 = next(r for r in figures if r["fonds"] == "FRQNT" and r["annee"] == "2023")
    assert (frqnt_2023["publications"], frqnt_2023["conformes"], frqnt_2023["part_conformes"]) == ("1", "1", "100.0")


def test_an_empty_registry_publishes_nothing(db):
    assert core_registry.open_data_publisher("science").func() is None


def test_changes_refresh_the_open_data_once_per_transaction(researcher, policies, django_capture_on_commit_callbacks,
                                                            monkeypatch):
    refreshed = []
    monkeypatch.setattr(core_registry, "_open_data_refreshers", [refreshed.append])
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_create(actor=researcher, data={
            "doi": "10.5555/od.1", "title": "Données ouvertes", "authors": [{"name": "A"}], "fundings": [{"fund": "frqs"}]})
    assert refreshed == ["science"]


def test_no_query_per_publication_on_the_page_and_in_the_api(researcher, publication_factory, policies, client,
                                                              django_assert_max_num_queries, udem):
    source = RepositorySource.objects.create(slug="papyrus", name="Papyrus", base_url="https://papyrus.example.org/oai")

    def add(n):
        for _i in range(n):
            p = publication_factory(title=f"Publication {Publication.objects.count()}", institution=udem)
            Deposit.objects.create(source=source, identifier=f"oai:x:{p.pk}", publication=p,
                                   url=f"https://papyrus.example.org/{p.pk}")
    add(2)
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("science:publication_list"))
    page_queries = len(few.captured_queries)
    with django_assert_max_num_queries(60) as few:
        client.get("/api/v1/science/publications")
    api_queries = len(few.captured_queries)
    add(15)
    with django_assert_max_num_queries(page_queries):
        assert client.get(reverse("science:publication_list")).status_code == 200
    with django_assert_max_num_queries(api_queries):
        assert client.get("/api/v1/science/publications").status_code == 200
    with django_assert_max_num_queries(api_queries):
        assert client.get(reverse("science:publication_export"), {"format": "csv"}).status_code == 200


@pytest.mark.parametrize("q", ["'; DROP TABLE science_publication; --", "<script>alert(1)</script>", '"', "-", "*",
                               "10.", "doi:", "\x00\x1b", "a" * 600])
def test_hostile_queries_are_harmless(known, client, q):
    assert client.get(reverse("science:publication_list"), {"q": q}).status_code == 200
    assert client.get("/api/v1/science/publications", {"q": q}).status_code == 200
    assert Publication.objects.count() == 5


def test_the_index_can_be_rebuilt(known):
    from ouvert.core import search

    search.reindex(services.SEARCH_KIND, [])
    assert titles(services.publication_search(q="forets")) == []
    assert services.publication_reindex() == 4
    assert titles(services.publication_search(q="forets")) == ["Forêts boréales et changements climatiques"]
