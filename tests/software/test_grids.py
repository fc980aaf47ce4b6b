"""Evaluation grids through the services: the arithmetic of the matrix and the ranking, permissions,
visibility, copies, bad input and the CSV and XLSX exports."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.software import services
from ouvert.software.models import Candidate, Criterion, Grid, Score

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(body_member, mcn):
    return services.grid_create(actor=body_member, organisation=mcn,
                                data={"title": "Suite bureautique", "scale_max": "5"})


def _setup(actor, grid, criteria, candidates, scores):
    crit = {name: services.criterion_add(actor=actor, grid=grid, data={"name": name, "weight": w})
            for name, w in criteria}
    cand = {name: services.candidate_add(actor=actor, grid=grid, data={"name": name}) for name in candidates}
    rows = {(cand[c].pk, crit[k].pk): {"value": v} for (c, k), v in scores.items()}
    services.scores_set(actor=actor, grid=grid, rows=rows)
    return crit, cand


def _by_name(matrix):
    return {c["name"]: c for c in matrix["candidates"]}


# --- Arithmetic ----------------------------------------------------------------------------------

def test_weighted_scores_exact_and_rounded_half_up(body_member, grid):
    # weights 3 and 1, scale 5: A = (3×4 + 1×5) / (4 × 5) = 17/20 = 85 %; B = (3×2 + 1×3)/20 = 45 %
    _setup(body_member, grid, [("Coût", "3"), ("Accessibilité", "1")], ["A", "B"],
           {("A", "Coût"): "4", ("A", "Accessibilité"): "5", ("B", "Coût"): "2", ("B", "Accessibilité"): "3"})
    matrix = services.grid_matrix(grid)
    rows = _by_name(matrix)
    assert matrix["weight_total"] == Decimal("4")
    assert rows["A"]["percent"] == Decimal("85.0")
    assert rows["B"]["percent"] == Decimal("45.0")
    assert [(c["name"], c["rank"]) for c in matrix["ranking"]] == [("A", 1), ("B", 2)]
    # rounding half-up to one decimal: weights 1, 1, 1, scale 5 → (1+1+0.25)/15 = 15 % ; (4+4+4.25)/15=81.666…
    grid2 = services.grid_create(actor=body_member, organisation=grid.organisation, data={"title": "Arrondi"})
    _setup(body_member, grid2, [("x", "1"), ("y", "1"), ("z", "1")], ["C"],
           {("C", "x"): "4", ("C", "y"): "4", ("C", "z"): "4.25"})
    assert _by_name(services.grid_matrix(grid2))["C"]["percent"] == Decimal("81.7")
    # exactly half: 1 criterion weight 1, scale 8, score 0.01 → 0.125 % → 0.1 ; score 0.03 → 0.375 → 0.4
    grid3 = services.grid_create(actor=body_member, organisation=grid.organisation,
                                 data={"title": "Demi", "scale_max": 8})
    _setup(body_member, grid3, [("seul", "1")], ["D", "E"], {("D", "seul"): "0.01", ("E", "seul"): "0.03"})
    rows3 = _by_name(services.grid_matrix(grid3))
    assert rows3["D"]["percent"] == Decimal("0.1")
    assert rows3["E"]["percent"] == Decimal("0.4")


def test_single_criterion(body_member, grid):
    _setup(body_member, grid, [("Seul critère", "2.5")], ["Z", "Y"], {("Z", "Seul critère"): "5",
                                                                       ("Y", "Seul critère"): "1"})
    matrix = services.grid_matrix(grid)
    rows = _by_name(matrix)
    assert rows["Z"]["percent"] == Decimal("100.0") and rows["Y"]["percent"] == Decimal("20.0")
    assert [c["name"] for c in matrix["ranking"]] == ["Z", "Y"]
    assert len(matrix["rows"]) == 1 and [c["value"] for c in matrix["rows"][0]["cells"]] == [Decimal("5"),
                                                                                             Decimal("1")]


def test_ties_share_a_rank_and_are_ordered_by_name(body_member, grid):
    _setup(body_member, grid, [("a", "1"), ("b", "1")], ["Zed", "alpha", "Moyen", "Bas"],
           {("Zed", "a"): "5", ("Zed", "b"): "3", ("alpha", "a"): "3", ("alpha", "b"): "5",
            ("Moyen", "a"): "2", ("Moyen", "b"): "2", ("Bas", "a"): "1", ("Bas", "b"): "1"})
    ranking = services.grid_matrix(grid)["ranking"]
    assert [(c["name"], c["rank"], c["percent"]) for c in ranking] == [
        ("alpha", 1, Decimal("80.0")), ("Zed", 1, Decimal("80.0")), ("Moyen", 3, Decimal("40.0")),
        ("Bas", 4, Decimal("20.0"))]


def test_missing_scores_count_zero_and_are_flagged(body_member, grid):
    _setup(body_member, grid, [("a", "1"), ("b", "3")], ["Complet", "Partiel", "Vide"],
           {("Complet", "a"): "1", ("Complet", "b"): "1", ("Partiel", "b"): "2"})
    matrix = services.grid_matrix(grid)
    rows = _by_name(matrix)
    assert rows["Partiel"]["percent"] == Decimal("30.0")  # 3×2 / (4×5)
    assert (rows["Partiel"]["scored"], rows["Partiel"]["missing"], rows["Partiel"]["complete"]) == (1, 1, False)
    assert (rows["Vide"]["percent"], rows["Vide"]["missing"]) == (Decimal("0.0"), 2)
    assert rows["Complet"]["complete"] is True and rows["Complet"]["percent"] == Decimal("20.0")
    assert [c["name"] for c in matrix["ranking"]] == ["Partiel", "Complet", "Vide"]
    assert matrix["rows"][0]["cells"][1]["value"] is None


def test_a_weight_change_changes_the_ranking(body_member, grid):
    crit, _cand = _setup(body_member, grid, [("Prix", "1"), ("Fonctions", "1")], ["Libre", "Propriétaire"],
                         {("Libre", "Prix"): "5", ("Libre", "Fonctions"): "2",
                          ("Propriétaire", "Prix"): "1", ("Propriétaire", "Fonctions"): "5"})
    assert [c["name"] for c in services.grid_matrix(grid)["ranking"]] == ["Libre", "Propriétaire"]
    services.criterion_update(actor=body_member, criterion=crit["Fonctions"], data={"weight": "4"})
    matrix = services.grid_matrix(grid)
    rows = _by_name(matrix)
    assert rows["Propriétaire"]["percent"] == Decimal("84.0")  # (1 + 20) / 25
    assert rows["Libre"]["percent"] == Decimal("52.0")  # (5 + 8) / 25
    assert [c["name"] for c in matrix["ranking"]] == ["Propriétaire", "Libre"]


def test_no_criterion_gives_no_percentage(body_member, grid):
    services.candidate_add(actor=body_member, grid=grid, data={"name": "Seul"})
    matrix = services.grid_matrix(grid)
    assert matrix["candidates"][0]["percent"] is None and matrix["ranking"][0]["rank"] == 1


def test_matrix_runs_three_queries(body_member, grid, django_assert_max_num_queries):
    _setup(body_member, grid, [(f"c{i}", "1") for i in range(8)], [f"s{i}" for i in range(6)],
           {(f"s{i}", f"c{j}"): "3" for i in range(6) for j in range(8)})
    with django_assert_max_num_queries(3):
        matrix = services.grid_matrix(grid)
    assert len(matrix["rows"]) == 8 and all(c["percent"] == Decimal("60.0") for c in matrix["candidates"])


# --- Input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("weight", ["0", "-1", "abc", "NaN", "Infinity", "1.234", "100000"])
def test_bad_weights_are_refused(body_member, grid, weight):
    with pytest.raises(ValidationError) as exc:
        services.criterion_add(actor=body_member, grid=grid, data={"name": "Coût", "weight": weight})
    assert "weight" in exc.value.message_dict
    assert not Criterion.objects.filter(grid=grid).exists()


def test_weight_with_a_comma_and_default_weight(body_member, grid):
    assert services.criterion_add(actor=body_member, grid=grid, data={"name": "a", "weight": "2,5"}).weight == \
        Decimal("2.50")
    assert services.criterion_add(actor=body_member, grid=grid, data={"name": "b"}).weight == Decimal("1.00")


def test_duplicate_names_refused(body_member, grid):
    services.criterion_add(actor=body_member, grid=grid, data={"name": "Coût"})
    with pytest.raises(ValidationError):
        services.criterion_add(actor=body_member, grid=grid, data={"name": "coût"})
    services.candidate_add(actor=body_member, grid=grid, data={"name": "LibreOffice"})
    with pytest.raises(ValidationError):
        services.candidate_add(actor=body_member, grid=grid, data={"name": "LIBREOFFICE"})


@pytest.mark.parametrize("row,field", [
    ({"value": "6"}, "value"), ({"value": "-1"}, "value"), ({"value": "x"}, "value"),
    ({"value": "3", "evidence_url": "javascript:alert(1)"}, "evidence_url"),
    ({"value": "3", "evidence_url": "ftp://example.org/a"}, "evidence_url"),
    ({"value": "", "note": "sans note"}, "value"), ({"value": "3", "note": "a\x00b"}, "note"),
])
def test_bad_scores_leave_everything_intact(body_member, grid, row, field):
    crit, cand = _setup(body_member, grid, [("a", "1")], ["A", "B"], {("A", "a"): "2"})
    with pytest.raises(ValidationError) as exc:
        services.scores_set(actor=body_member, grid=grid, rows={
            (cand["B"].pk, crit["a"].pk): {"value": "4"}, (cand["A"].pk, crit["a"].pk): row})
    assert f"score-{cand['A'].pk}-{crit['a'].pk}-{field}" in exc.value.message_dict
    assert list(Score.objects.values_list("candidate__name", "value")) == [("A", Decimal("2.00"))]


def test_score_with_note_and_evidence_then_removed(body_member, grid):
    crit, cand = _setup(body_member, grid, [("a", "1")], ["A"], {})
    score = services.score_set(actor=body_member, candidate=cand["A"], criterion=crit["a"], value="4.5",
                               note="Bon support", evidence_url="https://example.org/preuve")
    assert (score.value, score.note, score.evidence_url) == (Decimal("4.50"), "Bon support",
                                                             "https://example.org/preuve")
    assert services.score_set(actor=body_member, candidate=cand["A"], criterion=crit["a"], value="") is None
    assert not Score.objects.exists()


def test_scores_of_another_grid_refused(body_member, grid, mcn):
    other = services.grid_create(actor=body_member, organisation=mcn, data={"title": "Autre"})
    crit = services.criterion_add(actor=body_member, grid=other, data={"name": "x"})
    cand = services.candidate_add(actor=body_member, grid=grid, data={"name": "A"})
    with pytest.raises(ValidationError):
        services.scores_set(actor=body_member, grid=grid, rows={(cand.pk, crit.pk): {"value": "1"}})


def test_scale_max_cannot_drop_below_a_score(body_member, grid):
    _setup(body_member, grid, [("a", "1")], ["A"], {("A", "a"): "4"})
    with pytest.raises(ValidationError) as exc:
        services.grid_update(actor=body_member, grid=grid, data={"scale_max": "3"})
    assert "scale_max" in exc.value.message_dict
    services.grid_update(actor=body_member, grid=grid, data={"scale_max": "10"})
    assert _by_name(services.grid_matrix(grid))["A"]["percent"] == Decimal("40.0")


def test_candidate_from_the_catalogue(body_member, grid, software_factory):
    libre = software_factory(name="LibreOffice", slug="libreoffice", licence="MPL-2.0")
    m365 = software_factory(name="Microsoft 365", slug="microsoft-365", licence="", is_proprietary=True)
    a = services.candidate_add(actor=body_member, grid=grid, data={"software": "libreoffice"})
    b = services.candidate_add(actor=body_member, grid=grid, data={"software": str(m365.pk)})
    assert (a.name, a.licence, a.is_free, a.software) == ("LibreOffice", "MPL-2.0", True, libre)
    assert (b.name, b.is_free) == ("Microsoft 365", False)
    with pytest.raises(ValidationError) as exc:
        services.candidate_add(actor=body_member, grid=grid, data={"software": "inconnu"})
    assert "software" in exc.value.message_dict


# --- Permissions and visibility ----------------------------------------------------------------------

def test_only_the_body_edits(grid, stranger, city_member, team, body_admin):
    for someone in (stranger, city_member, team):
        with pytest.raises(PermissionDenied):
            services.criterion_add(actor=someone, grid=grid, data={"name": "x"})
        with pytest.raises(PermissionDenied):
            services.grid_update(actor=someone, grid=grid, data={"title": "Piratée"})
    services.criterion_add(actor=body_admin, grid=grid, data={"name": "x"})
    with pytest.raises(PermissionDenied):
        services.grid_create(actor=stranger, organisation=grid.organisation, data={"title": "x"})


def test_university_members_cannot_make_grids(make_user, udem):
    user = make_user()
    core_services.membership_set(user=user, organisation=udem)
    with pytest.raises(PermissionDenied):
        services.grid_create(actor=user, organisation=udem, data={"title": "x"})


def test_private_grid_hidden_shared_grid_read(grid, stranger, city_member, body_member, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    for someone in (stranger, city_member, AnonymousUser()):
        with pytest.raises(core_services.NotFound):
            services.grid_get(pk=grid.pk, user=someone)
    assert services.grid_get(pk=grid.pk, user=body_member) == grid
    services.grid_update(actor=body_member, grid=grid, data={"visibility": "public"})
    assert services.grid_get(pk=grid.pk, user=AnonymousUser()) == grid
    assert AuditEntry.objects.filter(action="software.grid.visibility").count() == 1
    with pytest.raises(ValidationError):
        services.grid_update(actor=body_member, grid=grid, data={"visibility": "everyone"})


def test_lists(body_member, city_member, mcn, montreal, django_assert_max_num_queries):
    mine = services.grid_create(actor=body_member, organisation=mcn, data={"title": "Mine"})
    services.grid_create(actor=city_member, organisation=montreal, data={"title": "Privée de Montréal"})
    shared = services.grid_create(actor=city_member, organisation=montreal,
                                  data={"title": "Partagée", "visibility": "public"})
    template = services.grid_create(actor=city_member, organisation=montreal,
                                    data={"title": "Modèle", "visibility": "public", "is_template": "on"})
    services.criterion_add(actor=body_member, grid=mine, data={"name": "a"})
    lists = services.grid_lists(user=body_member)
    assert [g.title for g in lists["mine"]] == ["Mine"] and lists["mine"][0].criteria_count == 1
    assert [g.title for g in lists["shared"]] == ["Partagée"]
    assert [g.title for g in lists["templates"]] == ["Modèle"]
    for n in range(5):
        services.grid_create(actor=city_member, organisation=montreal,
                             data={"title": f"P{n}", "visibility": "public"})
    with django_assert_max_num_queries(4):
        lists = services.grid_lists(user=body_member)
    assert len(lists["shared"]) == 6
    assert shared in lists["shared"] and template not in lists["shared"]


# --- Copies ------------------------------------------------------------------------------------------

def test_copy_keeps_criteria_and_weights_never_scores(city_member, montreal, body_member, mcn):
    source = services.grid_create(actor=city_member, organisation=montreal,
                                  data={"title": "Modèle bureautique", "visibility": "public", "is_template": "on",
                                        "scale_max": 10, "needs": "Nos besoins"})
    _setup(city_member, source, [("Coût", "3"), ("Formats ouverts", "2")], ["LibreOffice"],
           {("LibreOffice", "Coût"): "9"})
    copy = services.grid_copy(body_member, source, mcn)
    assert (copy.organisation, copy.copied_from, copy.visibility, copy.is_template, copy.scale_max) == \
        (mcn, source, "private", False, 10)
    assert list(copy.criteria.values_list("name", "weight")) == [("Coût", Decimal("3.00")),
                                                                 ("Formats ouverts", Decimal("2.00"))]
    assert not copy.candidates.exists()
    with_cands = services.grid_copy(body_member, source, mcn, with_candidates=True)
    assert list(with_cands.candidates.values_list("name", flat=True)) == ["LibreOffice"]
    assert not Score.objects.filter(criterion__grid=with_cands).exists()
    assert Score.objects.filter(criterion__grid=source).count() == 1
    assert AuditEntry.objects.filter(action="software.grid.copy").count() == 2


def test_copy_refused_for_private_or_foreign_body(city_member, montreal, body_member, mcn, stranger):
    private = services.grid_create(actor=city_member, organisation=montreal, data={"title": "Privée"})
    with pytest.raises(core_services.NotFound):
        services.grid_copy(body_member, private, mcn)
    shared = services.grid_create(actor=city_member, organisation=montreal,
                                  data={"title": "Partagée", "visibility": "public"})
    with pytest.raises(PermissionDenied):
        services.grid_copy(body_member, shared, montreal)
    with pytest.raises(PermissionDenied):
        services.grid_copy(stranger, shared, mcn)
    assert Grid.objects.count() == 2


# --- Exports -----------------------------------------------------------------------------------------

def test_csv_export_with_bom_and_neutralised_formulas(body_member, grid):
    _setup(body_member, grid, [("=HYPERLINK(\"http://x\")", "2"), ("Accessibilité", "1")],
           ["+Suite", "@Office", "-Moins", "Normale"],
           {("+Suite", "=HYPERLINK(\"http://x\")"): "5", ("Normale", "Accessibilité"): "3"})
    data = services.grid_export_csv(grid)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Suite bureautique"]
    assert rows[1] == ["Critère", "Poids", "'+Suite", "'@Office", "'-Moins", "Normale"]
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "2.00", "5.00", "", "", ""]
    assert rows[4] == ["Total pondéré (%)", "3.00", "66.7", "0.0", "0.0", "20.0"]
    assert rows[5] == ["Critères notés", "2", "1", "0", "0", "1"]
    assert rows[6] == []
    assert rows[7][0] == "Rang"
    assert rows[8][:5] == ["1", "'+Suite", "oui", "", "66.7"]
    assert [r[1] for r in rows[8:]] == ["'+Suite", "Normale", "'-Moins", "'@Office"]


def test_xlsx_export_read_back(body_member, grid):
    _setup(body_member, grid, [("Coût", "3"), ("Accessibilité", "1")], ["A", "B"],
           {("A", "Coût"): "4", ("A", "Accessibilité"): "5", ("B", "Coût"): "2"})
    book = load_workbook(io.BytesIO(services.grid_export_xlsx(grid)))
    assert book.sheetnames == ["Matrice", "Classement"]
    matrix = [list(r) for r in book["Matrice"].iter_rows(values_only=True)]
    assert matrix[0] == ["Critère", "Poids", "A", "B"]
    assert matrix[1] == ["Coût", 3, 4, 2]
    assert matrix[2] == ["Accessibilité", 1, 5, None]
    assert matrix[3] == ["Total pondéré (%)", 4, 85, 30]
    ranking = [list(r) for r in book["Classement"].iter_rows(values_only=True)]
    assert ranking[1][:5] == [1, "A", "oui", None, 85]
    assert ranking[2][:7] == [2, "B", "oui", None, 30, 1, 1]


def test_delete_grid(body_member, grid, stranger):
    with pytest.raises(PermissionDenied):
        services.grid_delete(actor=stranger, grid=grid)
    services.candidate_add(actor=body_member, grid=grid, data={"name": "A"})
    services.grid_delete(actor=body_member, grid=grid)
    assert not Grid.objects.exists() and not Candidate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_double_submit_adds_one_criterion(body_member, mcn):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")
    grid = services.grid_create(actor=body_member, organisation=mcn, data={"title": "Concurrence"})
    barrier = threading.Barrier(4)
    outcomes = []

    def submit():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.criterion_add(actor=body_member, grid=grid, data={"name": "Coût", "weight": "2"})
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["name"][0])
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 4 and outcomes.count("ok") == 1
    assert all("figure déjà" in o for o in outcomes if o != "ok")
    assert Criterion.objects.filter(grid=grid).count() == 1
