"""Opinion statements in headless Chromium: a citizen votes on three statements one at a time (the card
changes without a page reload), adds a statement, sees the opinion groups' chart with their own dot; axe
finds no serious or critical violation on the conversation page."""

import pytest
from playwright.sync_api import expect

from ouvert.consult import services
from ouvert.consult.models import StatementVote
from ouvert.consult.opinions_analysis import synthetic_votes
from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEDS = ["Les contrats publics devraient être publiés en données ouvertes.",
         "Les horaires des autobus en temps réel devraient être ouverts.",
         "Les données de santé ne devraient jamais être publiées.",
         "Les budgets des ministères devraient être détaillés poste par poste."]


def test_vote_add_and_groups(live_server, page, assert_accessible, process, organiser, citizen):
    conversation = services.conversation_create(actor=organiser, process=process, data={
        "title_fr": "Quelles données ouvrir en priorité?", "slug": "donnees", "seeds": SEEDS})
    conversation.process = process
    statements = list(conversation.statements.order_by("pk"))
    matrix, _truth, _agreed = synthetic_votes(groups=2, participants=16, statements=4, seed=2, missing_rate=0,
                                              agreement=1, pass_rate=0, consensus_every=0)
    for i in range(16):
        person = citizen(100 + i)
        for j, statement in enumerate(statements):
            statement.conversation = conversation
            services.statement_vote(user=person, statement=statement, value=int(matrix[i, j]))

    me = citizen(1)
    login(page, live_server, me)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/opinions/")
    page.get_by_role("link", name="Quelles données ouvrir en priorité?").click()
    expect(page.locator("h1")).to_have_text("Quelles données ouvrir en priorité?")
    expect(page.locator(".opinions-progress")).to_contain_text("0 énoncés sur 4")
    assert_accessible(page)

    # Three votes, one statement at a time, without reloading the page.
    page.evaluate("window.__same_page = true")
    card = page.locator("#carte")
    expect(card).to_contain_text(SEEDS[0])
    card.get_by_role("button", name="D’accord").click()
    expect(page.locator(".opinions-progress")).to_contain_text("1 énoncés sur 4")
    expect(page.locator("#carte")).to_contain_text(SEEDS[1])
    page.locator("#carte").get_by_role("button", name="En désaccord").click()
    expect(page.locator(".opinions-progress")).to_contain_text("2 énoncés sur 4")
    page.locator("#carte").get_by_role("button", name="Je passe / je ne sais pas").click()
    expect(page.locator(".opinions-progress")).to_contain_text("3 énoncés sur 4")
    expect(page.locator("#carte")).to_contain_text(SEEDS[3])
    assert page.evaluate("window.__same_page === true")
    assert dict(StatementVote.objects.filter(user=me).values_list("statement_id", "value")) == {
        statements[0].pk: 1, statements[1].pk: -1, statements[2].pk: 0}

    # Add a statement (a new page: the form is an ordinary one).
    page.get_by_label("Votre énoncé (400 caractères au plus)").fill("Les permis de construction de chaque ville.")
    page.get_by_role("button", name="Ajouter l’énoncé").click()
    expect(page.get_by_role("status")).to_contain_text("Votre énoncé est publié")
    assert conversation.statements.filter(text="Les permis de construction de chaque ville.", author=me).exists()

    # The groups' chart: drawn, with the tables; I am in a group once I voted on enough statements.
    page.locator("#carte").get_by_role("button", name="D’accord").click()
    expect(page.locator(".opinions-progress")).to_contain_text("4 énoncés sur 5")
    page.reload()
    expect(page.get_by_role("heading", name="Groupes d’opinion")).to_be_visible()
    expect(page.locator("#groupes")).to_contain_text("Vous êtes dans le groupe")
    expect(page.locator("#groupes .chart svg, #groupes .chart canvas").first).to_be_visible()
    expect(page.get_by_role("table", name="Taille des groupes d’opinion")).to_be_visible()
    assert_accessible(page)
