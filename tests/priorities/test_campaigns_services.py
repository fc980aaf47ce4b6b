"""Prioritisation campaigns through the services: creation and its permissions, who may vote and when,
ballots (one per person, changeable, concurrent double submit), results, selection, open data."""

import csv
import datetime
import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ouvert.core.models import AuditEntry, Membership
from ouvert.priorities import services
from ouvert.priorities.models import Ballot, Campaign, Candidate, DataRequest, Ranking, Rating

from .conftest import campaign_data

pytestmark = pytest.mark.django_db


def ids(campaign):
    return (list(campaign.candidates.order_by("position").values_list("pk", flat=True)),
            list(campaign.criteria.order_by("position").values_list("pk", flat=True)))


def test_create_a_campaign(campaign_factory, banq):
    campaign = campaign_factory()
    assert campaign.slug == "donnees-culturelles-a-ouvrir" and campaign.organisation == banq
    assert [c.title_fr for c in campaign.candidates.all()] == ["Notices du dépôt légal",
                                                              "Statistiques des bibliothèques",
                                                              "Cartes postales numérisées"]
    assert [(k.name_fr, float(k.weight)) for k in campaign.criteria.all()] == [("Demande", 2.0), ("Impact", 1.0)]
    assert sorted(campaign.invitations.values_list("email", flat=True)) == [
        "citoyen1@example.org", "citoyen2@example.org", "citoyen3@example.org"]
    assert AuditEntry.objects.filter(action="priorities.campaign.create").count() == 1


def test_only_the_body_creates_its_campaigns(banq, banq_member, citizen, platform_admin):
    for person in (banq_member, citizen(1)):
        with pytest.raises(PermissionDenied):
            services.campaign_create(actor=person, organisation=banq, data=campaign_data())
    assert services.campaign_create(actor=platform_admin, organisation=banq, data=campaign_data()).pk


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title_fr": ""}, "title_fr"),
    ({"theme": ""}, "theme"),
    ({"method": "vote"}, "method"),
    ({"audience": "tous"}, "audience"),
    ({"opens_at": "demain"}, "opens_at"),
    ({"closes_at": timezone.now() - datetime.timedelta(days=5)}, "closes_at"),
    ({"criteria": []}, "criteria"),
    ({"criteria": [{"name_fr": "Demande", "weight": -1}]}, "criteria.0.weight"),
    ({"criteria": [{"name_fr": "Demande", "weight": "beaucoup"}]}, "criteria.0.weight"),
    ({"candidates": [{"title_fr": "Seul"}]}, "candidates"),
    ({"candidates": "pas une liste"}, "candidates"),
    ({"candidates": [{"title_fr": "A"}, {"title_fr": "B", "dataset": "inexistant"}]}, "candidates.1.dataset"),
    ({"invitations": [{"email": "pas-un-courriel"}]}, "invitations.0.email"),
    ({"invitations": [{"organisation": "inconnu"}]}, "invitations.0.organisation"),
    ({"scale_max": 50}, "scale_max"),
    ({"selected_count": 4}, "selected_count"),
])
def test_bad_campaigns_are_refused_and_nothing_is_written(campaign_factory, overrides, field):
    with pytest.raises(ValidationError) as caught:
        campaign_factory(**overrides)
    assert field in caught.value.message_dict
    assert Campaign.objects.count() == 0 and Candidate.objects.count() == 0


def test_invited_people_vote_and_change_their_ballot(campaign_factory, citizen):
    campaign = campaign_factory()
    candidates, criteria = ids(campaign)
    person = citizen(2)  # invited as CITOYEN2@… (case does not matter)
    assert services.is_invited(person, campaign)
    services.ballot_submit(actor=person, campaign=campaign, ratings={
        str(candidates[0]): {str(criteria[0]): 5, str(criteria[1]): "4"}, candidates[1]: {criteria[0]: None}})
    ballot = services.ballot_get(actor=person, campaign=campaign)
    assert ballot["ratings"] == {candidates[0]: {criteria[0]: 5, criteria[1]: 4}}
    services.ballot_submit(actor=person, campaign=campaign, ratings={candidates[2]: {criteria[1]: 0}})
    assert services.ballot_get(actor=person, campaign=campaign)["ratings"] == {candidates[2]: {criteria[1]: 0}}
    assert Ballot.objects.count() == 1 and Rating.objects.count() == 1
    assert services.participation_count(campaign) == 1


def test_who_may_vote_and_when(campaign_factory, citizen, banq, make_org, make_user, close):
    from django.contrib.auth.models import AnonymousUser

    from ouvert.core import services as core_services

    museum = make_org(slug="musee")
    campaign = campaign_factory(invitations=[{"organisation": "musee", "group": "Musées"}])
    candidates, criteria = ids(campaign)
    ratings = {candidates[0]: {criteria[0]: 3}}
    outsider = citizen(1)
    with pytest.raises(PermissionDenied) as caught:
        services.ballot_submit(actor=outsider, campaign=campaign, ratings=ratings)
    assert str(caught.value) == "Cette campagne est réservée aux groupes invités, dont vous ne faites pas partie."
    with pytest.raises(PermissionDenied):
        services.ballot_submit(actor=AnonymousUser(), campaign=campaign, ratings=ratings)
    curator = make_user(email="conservatrice@musee.example.org")
    core_services.membership_set(user=curator, organisation=museum, role=Membership.Role.MEMBER)
    services.ballot_submit(actor=curator, campaign=campaign, ratings=ratings)
    # The invitation link.
    with pytest.raises(PermissionDenied):
        services.campaign_join(actor=outsider, campaign=campaign, token="faux")
    services.campaign_join(actor=outsider, campaign=campaign, token=campaign.invite_token)
    services.ballot_submit(actor=outsider, campaign=campaign, ratings=ratings)
    # Before the opening, after the close.
    later = campaign_factory(slug="plus-tard", opens_at=timezone.now() + datetime.timedelta(days=2),
                             closes_at=timezone.now() + datetime.timedelta(days=9),
                             audience="everyone")
    with pytest.raises(PermissionDenied) as caught:
        services.ballot_submit(actor=outsider, campaign=later, ratings={})
    assert str(caught.value).startswith("Cette campagne n'est pas encore ouverte")
    close(campaign)
    with pytest.raises(PermissionDenied) as caught:
        services.ballot_submit(actor=curator, campaign=campaign, ratings={candidates[0]: {criteria[0]: 1}})
    assert str(caught.value) == "Cette campagne est close : les bulletins ne peuvent plus être modifiés."
    assert services.ballot_get(actor=curator, campaign=campaign)["ratings"] == {candidates[0]: {criteria[0]: 3}}


def test_everyone_signed_in_may_vote_in_an_open_campaign(campaign_factory, citizen):
    campaign = campaign_factory(audience="everyone", invitations=[])
    candidates, criteria = ids(campaign)
    services.ballot_submit(actor=citizen(9), campaign=campaign, ratings={candidates[0]: {criteria[0]: 1}})
    assert Ballot.objects.count() == 1


@pytest.mark.parametrize(("ratings", "message"), [
    ("tout", "Les notes sont un objet {candidat: {critère: note}}."),
    ({"C": {"K": 1}}, "Candidat inconnu dans cette campagne."),
    ({"{c0}": {"999999": 1}}, "Critère inconnu dans cette campagne."),
    ({"{c0}": {"{k0}": 6}}, "La note 6 est hors de l'échelle : de 0 à 5."),
    ({"{c0}": {"{k0}": -1}}, "La note -1 est hors de l'échelle : de 0 à 5."),
    ({"{c0}": {"{k0}": 2.5}}, "La note doit être un nombre entier."),
    ({"{c0}": {"{k0}": "cinq"}}, "La note doit être un nombre entier."),
    ({"{c0}": {"{k0}": True}}, "La note doit être un nombre entier."),
    ({"{c0}": "5"}, "Les notes d'un candidat sont un objet {critère: note}."),
    ({}, "Donnez au moins une note avant d'enregistrer le bulletin."),
])
def test_bad_ratings_are_refused_and_the_ballot_kept(campaign_factory, citizen, ratings, message):
    campaign = campaign_factory()
    candidates, criteria = ids(campaign)
    person = citizen(1)
    services.ballot_submit(actor=person, campaign=campaign, ratings={candidates[1]: {criteria[1]: 2}})

    def fill(value):
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        if isinstance(value, str):
            return value.replace("{c0}", str(candidates[0])).replace("{k0}", str(criteria[0]))
        return value

    with pytest.raises(ValidationError) as caught:
        services.ballot_submit(actor=person, campaign=campaign, ratings=fill(ratings))
    assert message in [m for ms in caught.value.message_dict.values() for m in ms]
    assert services.ballot_get(actor=person, campaign=campaign)["ratings"] == {candidates[1]: {criteria[1]: 2}}


def test_rankings(campaign_factory, citizen):
    campaign = campaign_factory(method="ranking", criteria=[], audience="everyone")
    candidates, _criteria = ids(campaign)
    person = citizen(1)
    services.ballot_submit(actor=person, campaign=campaign, ranking=[candidates[2], candidates[0], candidates[1]])
    assert services.ballot_get(actor=person, campaign=campaign)["ranking"] == [candidates[2], candidates[0],
                                                                               candidates[1]]
    bad = [
        ([candidates[0], candidates[0], candidates[1]], "Un candidat apparaît plusieurs fois dans le classement."),
        ([candidates[0], candidates[1]], "Classez tous les candidats : 1 manquant(s)."),
        ([candidates[0], candidates[1], candidates[2], 999999], "Candidat inconnu dans cette campagne : 999999."),
        ("premier", "Le classement est une liste des candidats, du premier au dernier."),
        (None, "Le classement est une liste des candidats, du premier au dernier."),
        ([candidates[0], "x", candidates[1]], "Le classement ne contient que des identifiants de candidats."),
    ]
    for ranking, message in bad:
        with pytest.raises(ValidationError) as caught:
            services.ballot_submit(actor=person, campaign=campaign, ranking=ranking)
        assert caught.value.message_dict == {"ranking": [message]}
    assert Ranking.objects.count() == 3
    assert services.ballot_get(actor=person, campaign=campaign)["ranking"][0] == candidates[2]


def test_one_ballot_per_person_is_a_database_constraint(campaign_factory, citizen):
    campaign = campaign_factory()
    person = citizen(1)
    Ballot.objects.create(campaign=campaign, voter=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(campaign=campaign, voter=person)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_submit_keeps_one_ballot(campaign_factory, citizen):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: two transactions never run at once (the constraint test "
                    "above and the sequential resubmission cover it)")
    campaign = campaign_factory()
    candidates, criteria = ids(campaign)
    person = citizen(1)
    barrier = threading.Barrier(2)
    errors = []

    def submit(score):
        from django.db import connections

        try:
            barrier.wait()
            services.ballot_submit(actor=person, campaign=campaign,
                                   ratings={candidates[0]: {criteria[0]: score}, candidates[1]: {criteria[0]: score}})
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(score,)) for score in (1, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Ballot.objects.filter(campaign=campaign, voter=person).count() == 1
    scores = set(Rating.objects.values_list("score", flat=True))
    assert Rating.objects.count() == 2 and len(scores) == 1 and scores <= {1, 4}  # one whole ballot, not a mix


def _vote(campaign, people, table):
    candidates, criteria = ids(campaign)
    for person, rows in zip(people, table, strict=True):
        services.ballot_submit(actor=person, campaign=campaign, ratings={
            candidates[i]: {criteria[j]: s for j, s in enumerate(row) if s is not None}
            for i, row in enumerate(rows) if row is not None})


def test_results_are_computed_after_the_close_and_the_selected_candidate_becomes_planned(
        campaign_factory, citizen, banq_editor, close, sct, make_request):
    linked = make_request(title_fr="Cartes postales anciennes")
    campaign = campaign_factory(candidates=[{"title_fr": "Notices du dépôt légal", "holder": "BAnQ"},
                                            {"title_fr": "Statistiques des bibliothèques"},
                                            {"title_fr": "Cartes postales numérisées", "data_request": linked.pk}],
                                selected_count=2)
    people = [citizen(1), citizen(2), citizen(3)]
    # Criteria: Demande (×2), Impact (×1); scale 0–5.
    _vote(campaign, people, [
        [[5, 5], [1, 2], [4, 4]],
        [[4, None], [2, 1], [5, 3]],
        [[5, 4], None, [3, 5]],
    ])
    with pytest.raises(PermissionDenied) as caught:
        services.campaign_finalise(actor=banq_editor, campaign=campaign)
    assert str(caught.value) == "Les résultats sont calculés après la clôture de la campagne."
    close(campaign)
    with pytest.raises(PermissionDenied):
        services.campaign_finalise(actor=people[0], campaign=campaign)
    results = services.campaign_finalise(actor=banq_editor, campaign=campaign)
    rows = {r["title_fr"]: r for r in results["candidates"]}
    # Notices: Demande mean 14/3 → 0.9333; Impact (5, 4) mean 4.5 → 0.9 → (2×0.9333 + 0.9)/3 = 92.22.
    assert rows["Notices du dépôt légal"]["score"] == pytest.approx(92.22, abs=0.01)
    # Cartes: Demande 4 → 0.8, Impact 4 → 0.8 → 80. Statistiques: Demande 1.5 → 0.3, Impact 1.5 → 0.3 → 30.
    assert rows["Cartes postales numérisées"]["score"] == pytest.approx(80)
    assert rows["Statistiques des bibliothèques"]["score"] == pytest.approx(30)
    assert rows["Notices du dépôt légal"]["criteria"][1] | {"id": None} == {
        "id": None, "name_fr": "Impact", "name_en": "", "weight": 1.0, "ratings": 2, "mean": 4.5, "normalised": 0.9}
    # Borda (2, 1, 0 points). Ballot 1: Notices 1.0, Cartes 0.8, Stats 0.2667 → Notices 2, Cartes 1, Stats 0.
    # Ballot 2: Notices only Demande 4 → 0.8; Cartes (2×1 + 0.6)/3 = 0.8667 → Cartes 2, Notices 1, Stats 0.
    # ballot 3: Stats unrated; Notices (2×1 + 0.8)/3 = 0.9333, Cartes (2×0.6 + 1)/3 = 0.7333 → Notices 2, Cartes 1.
    assert rows["Notices du dépôt légal"]["borda"] == 5 and rows["Cartes postales numérisées"]["borda"] == 4
    assert rows["Statistiques des bibliothèques"]["borda"] == 0
    assert [r["title_fr"] for r in results["candidates"]] == ["Notices du dépôt légal", "Cartes postales numérisées",
                                                              "Statistiques des bibliothèques"]
    assert [r["selected"] for r in results["candidates"]] == [True, True, False]
    assert results["ballots"] == 3 and results["participants"] == 3
    # Selected: a new planned request, and the linked request moved to planned.
    linked.refresh_from_db()
    assert linked.status == "planned" and linked.campaign == campaign
    created = DataRequest.objects.get(title_fr="Notices du dépôt légal")
    assert created.status == "planned" and created.campaign == campaign and created.organisation == campaign.organisation
    assert created.requester is None and created.holder_text == "BAnQ"
    assert sorted(results["requests"]) == sorted([linked.pk, created.pk])
    assert not DataRequest.objects.filter(title_fr="Statistiques des bibliothèques").exists()
    # Once: a second call changes nothing.
    again = services.campaign_finalise(actor=None, campaign=campaign)
    assert again == results and DataRequest.objects.filter(campaign=campaign).count() == 2
    assert AuditEntry.objects.filter(action="priorities.campaign.results").count() == 1


def test_results_are_published_as_an_anonymous_open_dataset(campaign_factory, citizen, close):
    from ouvert.catalog.models import Dataset

    campaign = campaign_factory()
    _vote(campaign, [citizen(1), citizen(2)], [[[5, 5], [0, 0], None], [[4, 4], [3, None], None]])
    close(campaign)
    services.campaign_finalise(actor=None, campaign=campaign)
    dataset = Dataset.objects.get(name=f"priorisation-{campaign.slug}")
    assert dataset.organisation == campaign.organisation
    assert "Méthode de calcul" in dataset.notes_fr
    files = {}
    for resource in dataset.resources.all():
        with resource.current_version.file.open("rb") as handle:
            files[resource.name_fr] = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    per_candidate = files["Résultats par candidat (CSV)"]
    assert [r["title_fr"] for r in per_candidate] == ["Notices du dépôt légal", "Statistiques des bibliothèques",
                                                      "Cartes postales numérisées"]
    assert per_candidate[0]["weighted_score"] == "90.0" and per_candidate[0]["selected"] == "True"
    assert per_candidate[2]["weighted_score"] == "" and per_candidate[2]["ratings"] == "0"
    per_criterion = files["Résultats par critère (CSV)"]
    assert len(per_criterion) == 6
    text = repr(files)
    assert "citoyen" not in text and "@" not in text


def test_no_running_tally_before_the_close(campaign_factory, citizen):
    campaign = campaign_factory()
    _vote(campaign, [citizen(1)], [[[5, 5], None, None]])
    assert Campaign.objects.get(pk=campaign.pk).results is None


def test_the_periodic_job_finalises_closed_campaigns(campaign_factory, citizen, close):
    first, second = campaign_factory(), campaign_factory(slug="deuxieme")
    _vote(first, [citizen(1)], [[[5, 5], None, None]])
    close(first)
    assert services.campaigns_finalise_due() == 1
    assert Campaign.objects.get(pk=first.pk).results is not None
    assert Campaign.objects.get(pk=second.pk).results is None
    assert services.campaigns_finalise_due() == 0


def test_a_failing_campaign_does_not_stop_the_others(campaign_factory, citizen, close, banq, banq_editor):
    from ouvert.catalog import services as catalog_services

    blocked, fine = campaign_factory(slug="bloquee"), campaign_factory(slug="correcte")
    # A dataset of the catalogue already holds the name the results of « bloquee » would take.
    catalog_services.dataset_create(actor=banq_editor, organisation=banq,
                                    data={"name": "priorisation-bloquee", "title_fr": "Homonyme"})
    for campaign in (blocked, fine):
        _vote(campaign, [citizen(1)], [[[5, 5], None, None]])
        close(campaign)
    assert services.campaigns_finalise_due() == 1
    assert Campaign.objects.get(pk=blocked.pk).results is None
    assert not DataRequest.objects.filter(campaign=blocked).exists()  # nothing half-written
    assert Campaign.objects.get(pk=fine.pk).results is not None
