"""An evaluation grid in headless Chromium: a public body's member creates a grid, adds two weighted criteria
and two candidates, scores them, sees the ranking, then changes a weight and sees the ranking change; axe finds
no serious or critical violation on the list, the grid's page (with its chart) and the scores form."""

import pytest
from playwright.sync_api import expect

from ouvert.software.models import Candidate, Criterion, Grid
from tests.browser.session import login
from tests.software.conftest import *  # noqa: F403  (fixtures: mcn, body_member…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ranking(page) -> list[str]:
    return page.locator("#grid-ranking tbody th").all_inner_texts()


def test_make_score_and_rank_a_grid(live_server, page, assert_accessible, body_member):
    login(page, live_server, body_member)
    page.goto(f"{live_server.url}/fr/logiciel-libre/grilles/")
    expect(page.locator("h1")).to_have_text("Grilles d’évaluation")
    assert_accessible(page)

    page.get_by_role("link", name="Créer une grille").click()
    page.get_by_label("Titre").fill("Outil de visioconférence")
    page.get_by_role("button", name="Créer la grille").click()
    expect(page.locator("h1")).to_have_text("Outil de visioconférence")

    for name in ("Coût", "Fonctionnalités"):
        page.locator("#crit-name").fill(name)
        page.locator("#crit-weight").fill("1")
        page.get_by_role("button", name="Ajouter le critère").click()
        expect(page.get_by_role("status").first).to_contain_text("Critère ajouté.")
    for name in ("Jitsi Meet", "Zoom"):
        page.locator("#cand-name").fill(name)
        if name == "Zoom":
            page.locator("#cand-is-free").uncheck()
        page.get_by_role("button", name="Ajouter la solution").click()
        expect(page.get_by_role("status").first).to_contain_text("Solution ajoutée.")

    grid = Grid.objects.get(title="Outil de visioconférence")
    cost, features = Criterion.objects.filter(grid=grid).order_by("position")
    jitsi, zoom = Candidate.objects.filter(grid=grid).order_by("position")
    page.get_by_role("link", name="Noter les solutions").click()
    expect(page.locator("h1")).to_have_text("Noter les solutions")
    assert_accessible(page)
    for candidate, criterion, value in ((jitsi, cost, "5"), (jitsi, features, "2"), (zoom, cost, "1"),
                                        (zoom, features, "5")):
        page.locator(f"#f-score-{candidate.pk}-{criterion.pk}-value").fill(value)
    page.locator(f"#f-score-{jitsi.pk}-{cost.pk}-evidence-url").fill("https://jitsi.org/")
    page.get_by_role("button", name="Enregistrer les notes").click()

    expect(page.locator("#grid-ranking")).to_be_visible()
    assert _ranking(page) == ["Jitsi Meet", "Zoom"]
    expect(page.locator("#grid-ranking tbody tr").first).to_contain_text("70,0")
    expect(page.locator(".chart svg, .chart canvas").first).to_be_attached()
    assert_accessible(page)

    # weigh the features four times more: Zoom takes the lead
    page.locator(f"#crit-{features.pk}-weight").fill("4")
    page.locator(f"#crit-{features.pk}-weight").press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Critère enregistré.")
    assert _ranking(page) == ["Zoom", "Jitsi Meet"]
    expect(page.locator("#grid-ranking tbody tr").first).to_contain_text("84,0")
    assert_accessible(page)


def test_accompaniment_pages_are_accessible(live_server, page, assert_accessible, body_member, team):
    from ouvert.software import services

    login(page, live_server, body_member)
    page.goto(f"{live_server.url}/fr/logiciel-libre/accompagnement/")
    expect(page.locator("h1")).to_have_text("Accompagnement des organismes publics")
    assert_accessible(page)
    page.get_by_label("Objet de la demande").fill("Adopter Nextcloud")
    page.get_by_label("Besoin").fill("Partager des fichiers entre directions.")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator("h1")).to_contain_text("Adopter Nextcloud")
    assert_accessible(page)
    request = services.accompaniment_mine(user=body_member).get()
    services.accompaniment_move(actor=team, request=request, status="accepted")
    login(page, live_server, team, fresh=True)
    page.goto(f"{live_server.url}/fr/logiciel-libre/accompagnement/equipe/")
    expect(page.get_by_role("link", name=request.reference)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=request.reference).click()
    page.get_by_label("En cours").check()
    page.get_by_role("button", name="Enregistrer l’état").click()
    expect(page.get_by_role("status").first).to_contain_text("État de la demande enregistré.")
    expect(page.locator(".acc-facts")).to_contain_text("En cours")
    assert_accessible(page)
