"""The evaluation grids' pages with Django's client: list, create, criteria, candidates, scores, matrix and
ranking, copy, delete, exports, permissions, bad input and query counts."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ouvert.software import services
from ouvert.software.models import Criterion, Grid, Score

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, body_member):
    client.force_login(body_member)
    return client


@pytest.fixture
def grid(body_member, mcn):
    grid = services.grid_create(actor=body_member, organisation=mcn, data={"title": "Bureautique"})
    a = services.criterion_add(actor=body_member, grid=grid, data={"name": "Coût", "weight": "3"})
    b = services.criterion_add(actor=body_member, grid=grid, data={"name": "Formats ouverts", "weight": "1"})
    x = services.candidate_add(actor=body_member, grid=grid, data={"name": "LibreOffice"})
    y = services.candidate_add(actor=body_member, grid=grid, data={"name": "Microsoft 365", "is_free": False})
    services.scores_set(actor=body_member, grid=grid, rows={(x.pk, a.pk): {"value": "4"}, (x.pk, b.pk): {"value": "5"},
                                                            (y.pk, a.pk): {"value": "2"}})
    return grid


def test_create_grid_through_the_form(member_client, mcn):
    response = member_client.get(reverse("software:grid_new"))
    assert response.status_code == 200 and 'for="grid-title"' in response.content.decode()
    response = member_client.post(reverse("software:grid_new"), {
        "organisation": "mcn", "title": "Courriel", "needs": "Un courriel", "scale_max": "10",
        "visibility": "public"})
    grid = Grid.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "software:grid_detail", kwargs={"pk": grid.pk}) + "#criteres"
    assert (grid.organisation, grid.scale_max, grid.visibility) == (mcn, 10, "public")


def test_create_grid_errors_are_400_and_accessible(member_client):
    response = member_client.post(reverse("software:grid_new"), {"organisation": "mcn", "title": "",
                                                                  "scale_max": "500"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="grid-title-err"' in html and 'aria-invalid="true"' in html
    assert 'href="#grid-title"' in html and 'href="#grid-scale-max"' in html
    response = member_client.post(reverse("software:grid_new"), {"organisation": "autre", "title": "x"})
    assert response.status_code == 400
    assert not Grid.objects.exists()


def test_anonymous_redirected_and_strangers_refused(client, stranger, grid):
    response = client.get(reverse("software:grid_new"))
    assert response.status_code == 302 and "next=" in response["Location"]
    assert client.get(reverse("software:grid_detail", kwargs={"pk": grid.pk})).status_code == 404
    client.force_login(stranger)
    assert client.get(reverse("software:grid_detail", kwargs={"pk": grid.pk})).status_code == 404
    assert client.post(reverse("software:grid_criterion_add", kwargs={"pk": grid.pk}),
                       {"name": "x"}).status_code == 404
    services.grid_update(actor=grid.created_by, grid=grid, data={"visibility": "public"})
    assert client.get(reverse("software:grid_detail", kwargs={"pk": grid.pk})).status_code == 200
    assert client.post(reverse("software:grid_criterion_add", kwargs={"pk": grid.pk}),
                       {"name": "x"}).status_code == 403
    assert client.get(reverse("software:grid_edit", kwargs={"pk": grid.pk})).status_code == 403
    assert client.get(reverse("software:grid_scores", kwargs={"pk": grid.pk})).status_code == 403
    assert client.post(reverse("software:grid_delete", kwargs={"pk": grid.pk})).status_code == 403
    assert Criterion.objects.filter(grid=grid).count() == 2


def test_detail_shows_the_ranking_and_matrix_as_accessible_tables(member_client, grid):
    html = member_client.get(reverse("software:grid_detail", kwargs={"pk": grid.pk})).content.decode()
    assert html.count("<caption>") >= 2 and 'scope="col"' in html and 'scope="row"' in html
    ranking = html[html.index('id="grid-ranking"'):]
    assert ranking.index("LibreOffice") < ranking.index("Microsoft 365")
    assert "85,0" in html and "30,0" in html  # (3×4 + 5)/20 ; 3×2/20, in French
    assert "1 note manquante" in html
    assert 'id="grid-chart"' in html


def test_add_criterion_candidate_and_change_weight(member_client, grid):
    url = reverse("software:grid_criterion_add", kwargs={"pk": grid.pk})
    response = member_client.post(url, {"name": "Accessibilité", "weight": "2"})
    assert response.status_code == 302
    response = member_client.post(url, {"name": "Sans poids", "weight": "-2"})
    assert response.status_code == 400 and "Poids" in response.content.decode()
    assert Criterion.objects.filter(grid=grid).count() == 3
    crit = Criterion.objects.get(grid=grid, name="Formats ouverts")
    member_client.post(reverse("software:grid_criterion", kwargs={"pk": grid.pk, "item": crit.pk}),
                       {"name": "Formats ouverts", "weight": "20"})
    matrix = services.grid_matrix(grid)
    assert [c["name"] for c in matrix["ranking"]] == ["LibreOffice", "Microsoft 365"]
    member_client.post(reverse("software:grid_criterion", kwargs={"pk": grid.pk, "item": crit.pk}),
                       {"action": "delete"})
    assert not Criterion.objects.filter(pk=crit.pk).exists()
    response = member_client.post(reverse("software:grid_candidate_add", kwargs={"pk": grid.pk}),
                                  {"name": "OnlyOffice", "licence": "AGPL-3.0-only", "is_free": "on"})
    assert response.status_code == 302 and grid.candidates.filter(name="OnlyOffice", is_free=True).exists()


def test_scores_form(member_client, grid):
    url = reverse("software:grid_scores", kwargs={"pk": grid.pk})
    html = member_client.get(url).content.decode()
    x, y = grid.candidates.order_by("position")
    a, b = grid.criteria.order_by("position")
    assert f'name="score-{y.pk}-{b.pk}-value" value=""' in html
    response = member_client.post(url, {
        f"score-{x.pk}-{a.pk}-value": "1", f"score-{x.pk}-{b.pk}-value": "1",
        f"score-{y.pk}-{a.pk}-value": "5", f"score-{y.pk}-{b.pk}-value": "5",
        f"score-{y.pk}-{b.pk}-evidence_url": "https://example.org/test"})
    assert response.status_code == 302 and response["Location"].endswith("#classement")
    assert [c["name"] for c in services.grid_matrix(grid)["ranking"]] == ["Microsoft 365", "LibreOffice"]
    response = member_client.post(url, {f"score-{x.pk}-{a.pk}-value": "9",
                                        f"score-{y.pk}-{a.pk}-value": "3",
                                        f"score-{y.pk}-{a.pk}-evidence_url": "javascript:alert(1)"})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="f-score-{x.pk}-{a.pk}-value-err"' in html and 'aria-invalid="true"' in html
    assert 'value="9"' in html  # what was typed is kept
    assert Score.objects.get(candidate=x, criterion=a).value == Decimal("1.00")


def test_copy_and_delete(client, city_member, grid, body_member):
    services.grid_update(actor=body_member, grid=grid, data={"visibility": "public", "is_template": True})
    client.force_login(city_member)
    response = client.post(reverse("software:grid_copy", kwargs={"pk": grid.pk}), {
        "organisation": "ville-montreal", "title": "Notre bureautique", "with_candidates": "on"})
    copy = Grid.objects.get(title="Notre bureautique")
    assert response.status_code == 302 and copy.copied_from == grid and copy.candidates.count() == 2
    assert not Score.objects.filter(criterion__grid=copy).exists()
    response = client.post(reverse("software:grid_copy", kwargs={"pk": grid.pk}), {"organisation": "mcn"})
    assert response.status_code == 400
    html = client.get(reverse("software:grids")).content.decode()
    assert "Notre bureautique" in html and "Bureautique" in html
    response = client.post(reverse("software:grid_delete", kwargs={"pk": copy.pk}))
    assert response.status_code == 302 and not Grid.objects.filter(pk=copy.pk).exists()


def test_exports(member_client, grid):
    response = member_client.get(reverse("software:grid_export", kwargs={"pk": grid.pk, "fmt": "csv"}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="bureautique.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[4] == ["Total pondéré (%)", "4.00", "85.0", "30.0"]
    response = member_client.get(reverse("software:grid_export", kwargs={"pk": grid.pk, "fmt": "xlsx"}))
    book = load_workbook(io.BytesIO(response.content))
    assert [r[1] for r in book["Classement"].iter_rows(min_row=2, values_only=True)] == ["LibreOffice",
                                                                                          "Microsoft 365"]
    assert member_client.get(reverse("software:grid_export", kwargs={"pk": grid.pk, "fmt": "pdf"})).status_code \
        == 404


def test_list_query_count(client, city_member, montreal, body_member, django_assert_max_num_queries):
    client.force_login(body_member)
    for n in range(3):
        services.grid_create(actor=city_member, organisation=montreal, data={"title": f"G{n}", "visibility": "public"})
    client.get(reverse("software:grids"))
    with django_assert_max_num_queries(12) as first:
        client.get(reverse("software:grids"))
    for n in range(10):
        services.grid_create(actor=city_member, organisation=montreal,
                             data={"title": f"H{n}", "visibility": "public", "is_template": n % 2 == 0})
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get(reverse("software:grids")).content.decode()
    assert "H9" in html


def test_detail_query_count(member_client, grid, body_member, django_assert_max_num_queries):
    url = reverse("software:grid_detail", kwargs={"pk": grid.pk})
    member_client.get(url)
    with django_assert_max_num_queries(30) as first:
        member_client.get(url)
    for n in range(5):
        services.candidate_add(actor=body_member, grid=grid, data={"name": f"S{n}"})
        services.criterion_add(actor=body_member, grid=grid, data={"name": f"C{n}"})
    with django_assert_max_num_queries(len(first.captured_queries)):
        member_client.get(url)


def test_admin_pages(client, platform_admin, grid):
    client.force_login(platform_admin)
    assert grid.title in client.get(reverse("admin:software_grid_changelist")).content.decode()
    html = client.get(reverse("admin:software_grid_change", args=[grid.pk])).content.decode()
    assert "LibreOffice" in html and "Coût" in html
    assert client.get(reverse("admin:software_score_changelist")).status_code == 200
    assert client.get(reverse("admin:software_score_add")).status_code == 403


def test_hostile_strings_are_escaped(member_client, body_member, mcn):
    grid = services.grid_create(actor=body_member, organisation=mcn,
                                data={"title": "<script>alert('t')</script>", "visibility": "public"})
    services.candidate_add(actor=body_member, grid=grid, data={"name": "<img src=x onerror=alert(1)>"})
    services.criterion_add(actor=body_member, grid=grid, data={"name": "\"><b>gras</b>"})
    html = member_client.get(reverse("software:grid_detail", kwargs={"pk": grid.pk})).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>gras</b>" not in html
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in html


def test_english_pages_render(client, body_member, grid, mcn):
    client.force_login(body_member)
    for url in ("/en/logiciel-libre/grilles/", f"/en/logiciel-libre/grilles/{grid.pk}/",
                "/en/logiciel-libre/accompagnement/"):
        response = client.get(url)
        assert response.status_code == 200 and '<html lang="en' in response.content.decode()
