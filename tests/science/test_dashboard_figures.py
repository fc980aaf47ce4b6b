"""The compliance dashboard on a known set of publications (declared through the services, judged by the real
compliance engine): the figures per fund, institution and year, the routes and statuses, the non-compliant
publications with their first reason; the e-mails only for those who may see them; the page (a table giving
the chart's figures) and the API; no query per row."""

import pytest
from django.urls import reverse

from ouvert.science import services
from ouvert.science.models import Compliance

pytestmark = pytest.mark.django_db


def make_set(*, researcher, journal_factory, udem):
    """Five publications: A compliant (FRQNT, 2023, UdeM), B not compliant (FRQS, 2023, UdeM), C not compliant
    (FRQNT and FRQS, 2022), D unknown (FRQSC, 2024), E compliant but withdrawn."""
    journal_factory(title="Revue ouverte de sciences", issn_electronic="1932-6203")
    journal_factory(title="Revue fermée", issn_electronic="0028-0836", is_open_access=False, registry="", licences=[])

    def declare(doi, title, *, fundings, published_on, corresponding, institution="", closed=True, **more):
        data = {"doi": doi, "title": title, "published_on": published_on, "institution": institution,
                "authors": [{"name": name, "email": email, "is_corresponding": True} for name, email in corresponding]
                + [{"name": "Coautrice Sans Courriel"}],
                "fundings": [{"fund": fund, "grant_number": grant} for fund, grant in fundings]}
        if closed:
            data.update(issn="0028-0836", repository_url=f"https://papyrus.example.org/{doi[-2:]}",
                        version_deposited="accepted", deposit_licence="CC-BY-4.0",
                        deposited_on=f"{int(published_on[:4]) + 1}{published_on[4:]}",
                        deposit_open_on=f"{int(published_on[:4]) + 1}{published_on[4:]}")
        data.update(more)
        return services.publication_create(actor=researcher, data=data)

    a = declare("10.5555/set.a", "Forêts boréales et changements climatiques", fundings=[("frqnt", "NC-1")],
                published_on="2023-05-10", corresponding=[("Émilie Côté", "emilie.cote@example.org")],
                institution="udem", closed=False, issn="1932-6203", licence="CC-BY-4.0",
                journal_title="Revue ouverte de sciences")
    b = declare("10.5555/set.b", "Santé des aînés en région", fundings=[("frqs", "S-2")], published_on="2023-02-01",
                corresponding=[("Béatrice Roy", "b.roy@example.org")], institution="udem")
    c = declare("10.5555/set.c", "Pêcheries du Saint-Laurent", fundings=[("frqnt", "NC-3"), ("frqs", "S-3")],
                published_on="2022-06-01", corresponding=[("Charles Gagnon", "c.gagnon@example.org"),
                                                          ("Chloé Gagnon", "chloe.gagnon@example.org")])
    d = declare("10.5555/set.d", "Langues autochtones et écoles", fundings=[("frqsc", "")], published_on="2024-01-15",
                corresponding=[("Dominique Bélanger", "d.belanger@example.org")], closed=False)
    e = declare("10.5555/set.e", "Article retiré du registre", fundings=[("frqnt", "NC-5")], published_on="2023-08-01",
                corresponding=[("Eve Retirée", "e@example.org")], closed=False, issn="1932-6203", licence="CC-BY-4.0")
    services.publication_withdraw(actor=researcher, publication=e, reason="Doublon")
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


@pytest.fixture
def known(researcher, journal_factory, udem, policies):
    pubs = make_set(researcher=researcher, journal_factory=journal_factory, udem=udem)
    for p in pubs.values():
        p.refresh_from_db()
    assert [pubs[k].compliance for k in "abcd"] == [Compliance.COMPLIANT, Compliance.NOT_COMPLIANT,
                                                     Compliance.NOT_COMPLIANT, Compliance.UNKNOWN]
    return pubs


def by_label(rows):
    return {row["label"]: (row["total"], row["compliant"], row["not_compliant"], row["unknown"]) for row in rows}


def test_the_figures_of_the_whole_registry(known):
    f = services.dashboard_figures()
    assert f["total"] == 4
    overall = f["overall"]
    assert (overall["compliant"], overall["not_compliant"], overall["unknown"]) == (1, 2, 1)
    assert (overall["compliant_share"], overall["not_compliant_share"], overall["unknown_share"]) == (25.0, 50.0, 25.0)
    assert by_label(f["by_fund"]) == {"FRQNT": (2, 1, 1, 0), "FRQS": (2, 0, 2, 0), "FRQSC": (1, 0, 0, 1)}
    assert by_label(f["by_year"]) == {"2024": (1, 0, 0, 1), "2023": (2, 1, 1, 0), "2022": (1, 0, 1, 0)}
    assert [row["label"] for row in f["by_year"]] == ["2024", "2023", "2022"]
    assert by_label(f["by_institution"]) == {"Université de Montréal": (2, 1, 1, 0), "Sans établissement": (2, 0, 1, 1)}
    assert [(r["route"], r["count"], r["share"]) for r in f["by_route"]] == [("journal", 1, 25.0)]
    statuses = {r["status"]: r["count"] for r in f["by_oa_status"]}
    assert sum(statuses.values()) == 4 and statuses["hybrid"] + statuses["gold"] >= 1
    assert {item["publication"].doi for item in f["non_compliant"]} == {"10.5555/set.b", "10.5555/set.c"}
    assert all(item["first_reason"] for item in f["non_compliant"])
    assert all(item["contacts"] == [] and not item["can_remind"] for item in f["non_compliant"])  # anonymous


def test_a_fund_counts_its_own_verdicts(known):
    f = services.dashboard_figures(filters={"fund": "frqs"})
    assert f["total"] == 2 and f["overall"]["not_compliant"] == 2 and f["by_route"] == []
    assert by_label(f["by_fund"]) == {"FRQS": (2, 0, 2, 0)}
    g = services.dashboard_figures(filters={"fund": "FRQNT", "year": "2023"})
    assert g["total"] == 1 and g["overall"]["compliant"] == 1


def test_an_institution_and_a_year(known):
    f = services.dashboard_figures(filters={"institution": "udem"})
    assert f["total"] == 2 and (f["overall"]["compliant"], f["overall"]["not_compliant"]) == (1, 1)
    assert services.dashboard_figures(filters={"year": "2022"})["total"] == 1
    assert services.dashboard_years() == [2024, 2023, 2022]


@pytest.mark.parametrize("filters", [{"fund": "nserc"}, {"year": "deux-mille"}, {"institution": "nulle-part"}])
def test_bad_filters_are_refused(known, filters, client):
    with pytest.raises(Exception) as caught:
        services.dashboard_figures(filters=filters)
    assert caught.type.__name__ == "ValidationError"
    assert client.get(reverse("science:dashboard"), filters).status_code == 400
    assert client.get("/api/v1/science/dashboard", filters).status_code == 400


def test_contacts_for_managers_and_the_institutions_staff_only(known, fund_staff, institution_staff, stranger):
    managers = services.dashboard_figures(user=fund_staff)
    contacts = {item["publication"].doi: item["contacts"] for item in managers["non_compliant"]}
    assert contacts == {"10.5555/set.b": ["b.roy@example.org"],
                        "10.5555/set.c": ["c.gagnon@example.org", "chloe.gagnon@example.org"]}
    staff = {item["publication"].doi: item["contacts"] for item in
             services.dashboard_figures(user=institution_staff)["non_compliant"]}
    assert staff == {"10.5555/set.b": ["b.roy@example.org"], "10.5555/set.c": []}
    assert all(not item["contacts"] for item in services.dashboard_figures(user=stranger)["non_compliant"])


def test_the_page_gives_the_charts_figures_in_tables(known, client, fund_staff):
    page = client.get(reverse("science:dashboard"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-vega-spec="#science-chart-by-fund"' in html
    assert "<th scope=\"row\">FRQS</th><td>2</td><td>0</td><td>2</td><td>0</td>" in html
    assert "<th scope=\"row\">2023</th><td>2</td><td>1</td><td>1</td><td>0</td>" in html
    assert "b.roy@example.org" not in html and "Pêcheries du Saint-Laurent" in html
    assert "Article retiré du registre" not in html
    client.force_login(fund_staff)
    html = client.get(reverse("science:dashboard")).content.decode()
    assert "b.roy@example.org" in html and 'name="publication"' in html


def test_the_api_gives_the_same_figures(known, client):
    data = client.get("/api/v1/science/dashboard", {"fund": "frqnt"}).json()
    assert data["total"] == 2 and data["filters"]["fund"] == "frqnt"
    assert [row["label"] for row in data["by_fund"]] == ["FRQNT"]
    assert data["non_compliant"][0]["doi"] == "10.5555/set.c" and "contacts" not in data["non_compliant"][0]


def test_the_dashboard_does_not_query_per_publication(researcher, journal_factory, udem, policies, client,
                                                       django_assert_max_num_queries, fund_staff):
    make_set(researcher=researcher, journal_factory=journal_factory, udem=udem)
    client.force_login(fund_staff)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("science:dashboard"))
    baseline = len(few.captured_queries)
    for n in range(12):
        services.publication_create(actor=researcher, data={
            "doi": f"10.5555/more.{n}", "title": f"Encore {n}", "published_on": "2023-01-01", "issn": "0028-0836",
            "authors": [{"name": "X", "email": f"x{n}@example.org", "is_corresponding": True}],
            "fundings": [{"fund": "frqs", "grant_number": str(n)}], "institution": "udem"})
    with django_assert_max_num_queries(baseline):
        assert client.get(reverse("science:dashboard")).status_code == 200
    with django_assert_max_num_queries(baseline):
        assert client.get("/api/v1/science/dashboard").status_code == 200


def test_the_pages_render_in_english_too(known, client, fund_staff):
    client.force_login(fund_staff)
    pk = known["c"].pk
    for url in ["/en/science-ouverte/publications/", "/en/science-ouverte/conformite/",
                f"/en/science-ouverte/publications/{pk}/", "/en/science-ouverte/publications/declarer/",
                "/en/science-ouverte/publications/importer/", "/en/science-ouverte/publications/miennes/",
                f"/en/science-ouverte/publications/{pk}/modifier/", f"/en/science-ouverte/publications/{pk}/retirer/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en' in response.content.decode()[:500], url
    # the French words that mean other things elsewhere on the platform say what they mean here
    detail = client.get(f"/en/science-ouverte/publications/{pk}/").content.decode()
    assert "<dt>Publisher</dt>" in detail and "<dt>Deposit</dt>" in detail and "Editor" not in detail
    withdraw = client.get(f"/en/science-ouverte/publications/{pk}/retirer/").content.decode()
    assert "Withdraw the publication" in withdraw and "Unpublish" not in withdraw
