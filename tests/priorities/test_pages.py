"""The pages (``/fr/priorites/…``): requests list, form, detail and its actions; campaigns, ballot, results.
Bad input gives a 4xx page with a French message and leaves stored data intact; lists in constant queries."""

import pytest
from django.test import Client

from ouvert.priorities import services
from ouvert.priorities.models import Ballot, DataRequest, RequestComment

pytestmark = pytest.mark.django_db


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_requests_list_with_filters_counts_and_sorts(make_request, banq_editor, make_org):
    make_org(slug="ville", name_fr="Ville de Québec")
    first = make_request(title_fr="Horaires des bibliothèques", theme="culture")
    make_request(title_fr="Pistes <b>cyclables</b>", organisation="ville", theme="transport")
    services.request_set_status(actor=banq_editor, data_request=first, status="review")
    page = client_for().get("/fr/priorites/demandes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Demandes de données</h1>" in html
    assert "Horaires des bibliothèques" in html and "Pistes &lt;b&gt;cyclables&lt;/b&gt;" in html
    assert "En examen <strong>1</strong>" in html and "Soumise <strong>1</strong>" in html
    filtered = client_for().get("/fr/priorites/demandes/", {"status": "review", "q": "biblio"}).content.decode()
    assert "Horaires des bibliothèques" in filtered and "cyclables" not in filtered
    assert "cyclables" in client_for().get("/fr/priorites/demandes/", {"organisation": "ville"}).content.decode()
    bad = client_for().get("/fr/priorites/demandes/", {"status": "nimporte"})
    assert bad.status_code == 400 and "État inconnu « nimporte »" in bad.content.decode()
    assert client_for().get("/fr/priorites/demandes/", {"page": "abc"}).status_code == 400
    assert client_for().get("/fr/priorites/demandes/", {"page": "9"}).status_code == 404
    assert client_for().get("/fr/priorites/").status_code == 302


def test_requests_list_in_constant_queries(make_request, citizen, django_assert_max_num_queries, make_org):
    for n in range(3):
        make_request(title_fr=f"Demande {n}", theme="culture")
    client = client_for(citizen(1))
    with django_assert_max_num_queries(12) as few:
        client.get("/fr/priorites/demandes/")
    make_org(slug="ville")
    for n in range(20):
        make_request(title_fr=f"Autre {n}", theme=f"theme-{n % 4}", organisation="ville" if n % 2 else "banq")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/fr/priorites/demandes/")
    assert page.status_code == 200


def test_ask_through_the_form(citizen, banq):
    assert client_for().get("/fr/priorites/demandes/nouvelle/").status_code == 302
    client = client_for(citizen(1))
    assert client.get("/fr/priorites/demandes/nouvelle/").status_code == 200
    bad = client.post("/fr/priorites/demandes/nouvelle/", {"title_fr": "", "description_fr": "x"})
    assert bad.status_code == 400 and "Ce champ est obligatoire." in bad.content.decode()
    assert DataRequest.objects.count() == 0
    done = client.post("/fr/priorites/demandes/nouvelle/", {
        "title_fr": "Fréquentation", "description_fr": "Par mois.", "organisation": "banq", "theme": "culture"},
        follow=True)
    item = DataRequest.objects.get()
    assert done.redirect_chain[-1][0] == f"/fr/priorites/demandes/{item.pk}/"
    assert "Votre demande est enregistrée." in done.content.decode()


def test_detail_support_follow_comment(make_request, citizen):
    item = make_request(title_fr="Fréquentation")
    url = f"/fr/priorites/demandes/{item.pk}/"
    anonymous = client_for().get(url).content.decode()
    assert "Connectez-vous pour appuyer" in anonymous and "Demande soumise" in anonymous
    assert client_for().post(url + "appui/").status_code == 403
    client = client_for(citizen(1))
    client.post(url + "appui/")
    client.post(url + "suivi/")
    page = client.post(url + "commentaire/", {"body": "Oui, <i>vraiment</i>."}, follow=True).content.decode()
    assert "Retirer mon appui" in page and "Ne plus suivre" in page
    assert "Oui, &lt;i&gt;vraiment&lt;/i&gt;." in page
    assert DataRequest.objects.get(pk=item.pk).support_count == 1
    client.post(url + "appui/", {"on": "0"})
    assert DataRequest.objects.get(pk=item.pk).support_count == 0
    empty = client.post(url + "commentaire/", {"body": "  "})
    assert empty.status_code == 400 and "Ce champ est obligatoire." in empty.content.decode()
    assert client.get("/fr/priorites/demandes/99999/").status_code == 404


def test_status_change_and_answer_by_the_body(make_request, citizen, banq_editor, dataset):
    item = make_request()
    url = f"/fr/priorites/demandes/{item.pk}/"
    outsider = client_for(citizen(1))
    assert "Traiter la demande" not in outsider.get(url).content.decode()
    refused = outsider.post(url + "etat/", {"status": "review"})
    assert refused.status_code == 403 and "Seuls les éditeurs et administrateurs" in refused.content.decode()
    editor = client_for(banq_editor)
    assert "Traiter la demande" in editor.get(url).content.decode()
    no_reason = editor.post(url + "etat/", {"status": "declined", "reason": ""})
    assert no_reason.status_code == 400 and "Un motif est obligatoire" in no_reason.content.decode()
    assert DataRequest.objects.get(pk=item.pk).status == "submitted"
    editor.post(url + "reponse/", {"text": "Nous étudions la demande."})
    page = editor.post(url + "etat/", {"status": "published", "dataset": dataset.name}, follow=True).content.decode()
    assert "Soumise → Publiée" in page and "Nous étudions la demande." in page
    from django.urls import reverse

    assert f'href="{reverse("catalog:dataset", kwargs={"name": dataset.name})}"' in page
    assert DataRequest.objects.get(pk=item.pk).dataset == dataset


def test_moderation_page(make_request, citizen, platform_admin):
    item = make_request()
    comment = services.comment_add(actor=citizen(1), data_request=item, body="Insulte")
    url = f"/fr/priorites/demandes/{item.pk}/commentaires/{comment.pk}/masquer/"
    assert client_for(citizen(2)).post(url, {"reason": "Injurieux"}).status_code == 403
    assert client_for(platform_admin).post(url, {"reason": ""}).status_code == 400
    client_for(platform_admin).post(url, {"reason": "Injurieux"})
    assert RequestComment.objects.get().hidden_reason == "Injurieux"
    assert "Insulte" not in client_for(citizen(2)).get(f"/fr/priorites/demandes/{item.pk}/").content.decode()
    assert client_for(platform_admin).post(
        f"/fr/priorites/demandes/{item.pk}/commentaires/999999/masquer/", {"reason": "x"}).status_code == 404


def test_campaign_ballot_through_the_page(campaign_factory, citizen, banq_editor, close):
    campaign = campaign_factory()
    candidates = list(campaign.candidates.order_by("position"))
    criteria = list(campaign.criteria.order_by("position"))
    url = f"/fr/priorites/campagnes/{campaign.slug}/"
    assert campaign.title_fr in client_for().get("/fr/priorites/campagnes/").content.decode()
    assert "Connectez-vous pour participer." in client_for().get(url).content.decode()
    assert "réservée aux groupes invités" in client_for(citizen(9)).get(url).content.decode()
    refused = client_for(citizen(9)).post(url + "bulletin/", {f"score-{candidates[0].pk}-{criteria[0].pk}": "3"})
    assert refused.status_code == 403
    voter = client_for(citizen(1))
    form = voter.get(url).content.decode()
    assert f'<label for="score-{candidates[0].pk}-{criteria[0].pk}">Demande</label>' in form
    assert "Enregistrer mon bulletin" in form and "bulletin reçu" not in form
    out_of_range = voter.post(url + "bulletin/", {f"score-{candidates[0].pk}-{criteria[0].pk}": "9"})
    assert out_of_range.status_code == 400 and "hors de l&#x27;échelle" in out_of_range.content.decode()
    assert Ballot.objects.count() == 0
    voter.post(url + "bulletin/", {f"score-{candidates[0].pk}-{criteria[0].pk}": "4",
                                   f"score-{candidates[1].pk}-{criteria[1].pk}": ""})
    page = voter.get(url).content.decode()
    assert "Votre bulletin est enregistré" in page and "Modifier mon bulletin" in page
    assert '<option value="4" selected>4</option>' in page
    organiser = client_for(banq_editor).get(url).content.decode()
    assert "1 bulletin reçu." in organiser and campaign.invite_token in organiser
    # No results before the close.
    before = client_for().get(url + "resultats/").content.decode()
    assert "Aucun décompte n’est montré avant." in before and "Points Borda" not in before
    close(campaign)
    assert voter.post(url + "bulletin/", {f"score-{candidates[0].pk}-{criteria[0].pk}": "1"}).status_code == 403
    assert client_for(citizen(1)).post(url + "publier/").status_code == 403
    assert campaign.__class__.objects.get(pk=campaign.pk).results is None
    client_for(banq_editor).post(url + "publier/")
    results = client_for().get(url + "resultats/").content.decode()
    assert "Points Borda" in results and "Méthode de calcul" in results and "ex æquo" in results
    assert "Notices du dépôt légal" in results and "Demande de données planifiée" in results


def test_ranking_ballot_through_the_page(campaign_factory, citizen):
    campaign = campaign_factory(method="ranking", criteria=[], audience="everyone")
    a, b, c = campaign.candidates.order_by("position")
    url = f"/fr/priorites/campagnes/{campaign.slug}/bulletin/"
    client = client_for(citizen(5))
    twice = client.post(url, {f"rank-{a.pk}": "1", f"rank-{b.pk}": "1", f"rank-{c.pk}": "2"})
    assert twice.status_code == 400 and "Deux candidats ont la même position" in twice.content.decode()
    missing = client.post(url, {f"rank-{a.pk}": "1", f"rank-{b.pk}": "", f"rank-{c.pk}": "2"})
    assert missing.status_code == 400
    client.post(url, {f"rank-{a.pk}": "3", f"rank-{b.pk}": "1", f"rank-{c.pk}": "2"})
    assert services.ballot_get(actor=citizen(5), campaign=campaign)["ranking"] == [b.pk, c.pk, a.pk]


def test_invitation_link(campaign_factory, citizen):
    campaign = campaign_factory()
    url = f"/fr/priorites/campagnes/{campaign.slug}/invitation/{campaign.invite_token}/"
    person = citizen(9)
    client = client_for(person)
    assert client.get(f"/fr/priorites/campagnes/{campaign.slug}/invitation/faux/").status_code == 403
    assert client.get(url).status_code == 200
    client.post(url)
    assert services.is_invited(person, campaign)


def test_unknown_campaign(db):
    assert client_for().get("/fr/priorites/campagnes/inconnue/").status_code == 404


def test_create_a_campaign_through_the_form(banq, banq_editor, citizen, make_org):
    assert client_for(citizen(1)).get("/fr/priorites/campagnes/nouvelle/").status_code == 403
    client = client_for(banq_editor)
    assert "Créer une campagne" in client.get("/fr/priorites/campagnes/").content.decode()
    form = client.get("/fr/priorites/campagnes/nouvelle/")
    assert form.status_code == 200 and "Demande des utilisateurs | 3" in form.content.decode()
    post = {"organisation": "banq", "title_fr": "Archives à ouvrir", "theme": "culture", "method": "rating",
            "audience": "invited", "scale_max": "5", "selected_count": "1",
            "opens_at": "2030-01-01T09:00", "closes_at": "2030-02-01T17:00",
            "criteria": "Demande | 3 | Demandée par le milieu\nFaisabilité | deux",
            "candidates": "Fonds d'archives | BAnQ\nCartes anciennes | BAnQ | Cartes numérisées",
            "invitations": "musee@example.org | Musées\norganisme:inconnu"}
    bad = client.post("/fr/priorites/campagnes/nouvelle/", post)
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "Critères, ligne 2 : Le poids est un nombre positif" in html
    assert "Invitations, ligne 2 : Organisme inconnu « inconnu »." in html
    assert "Fonds d&#x27;archives | BAnQ" in html  # what was typed is kept
    make_org(slug="musees", name_fr="Musées")
    post.update(criteria="Demande | 3 | Demandée par le milieu\nFaisabilité | 2", invitations=(
        "musee@example.org | Musées\norganisme:musees | Réseau des musées"), title_en="Archives to open",
                description_en="Which archives should be opened first?")
    done = client.post("/fr/priorites/campagnes/nouvelle/", post, follow=True)
    campaign = services.campaign_get(slug="archives-a-ouvrir")
    assert done.redirect_chain[-1][0] == "/fr/priorites/campagnes/archives-a-ouvrir/"
    assert [(k.name_fr, float(k.weight), k.description_fr) for k in campaign.criteria.all()] == [
        ("Demande", 3.0, "Demandée par le milieu"), ("Faisabilité", 2.0, "")]
    assert [(c.title_fr, c.holder, c.description_fr) for c in campaign.candidates.all()] == [
        ("Fonds d'archives", "BAnQ", ""), ("Cartes anciennes", "BAnQ", "Cartes numérisées")]
    assert campaign.invitations.count() == 2 and campaign.opens_at.year == 2030
    assert (campaign.title_en, campaign.description_en) == ("Archives to open", "Which archives should be opened first?")
    other = client.post("/fr/priorites/campagnes/nouvelle/", {**post, "organisation": "musees",
                                                               "title_fr": "Autre"})
    assert other.status_code == 400 and "Choisissez un organisme" in other.content.decode()


def test_the_dataset_page_lists_the_requests_it_answers(make_request, banq_editor, dataset):
    from django.urls import reverse

    url = reverse("catalog:dataset", kwargs={"name": dataset.name})
    assert "demandes-de-donnees-titre" not in client_for().get(url).content.decode()
    item = make_request(title_fr="Statistiques annuelles")
    services.request_set_status(actor=banq_editor, data_request=item, status="published", dataset=dataset.name)
    page = client_for().get(url).content.decode()
    assert "Ce jeu de données répond à 1 demande de la population" in page
    assert f'href="/fr/priorites/demandes/{item.pk}/">Statistiques annuelles</a>' in page


def test_results_in_english(campaign_factory, citizen, close):
    campaign = campaign_factory(criteria=[{"name_fr": "Demande", "name_en": "Demand", "weight": 1}],
                                candidates=[{"title_fr": "Notices", "title_en": "Records"}, {"title_fr": "Cartes"}])
    a, _b = campaign.candidates.order_by("position")
    services.ballot_submit(actor=citizen(1), campaign=campaign,
                           ratings={a.pk: {campaign.criteria.get().pk: 4}})
    close(campaign)
    services.campaign_finalise(actor=None, campaign=campaign)
    page = client_for().get(f"/en/priorites/campagnes/{campaign.slug}/resultats/").content.decode()
    assert "Records" in page and "Demand" in page and "Cartes" in page


def test_results_that_cannot_be_published_are_explained(campaign_factory, citizen, close, banq, banq_editor):
    from ouvert.catalog import services as catalog_services

    campaign = campaign_factory(slug="bloquee")
    catalog_services.dataset_create(actor=banq_editor, organisation=banq,
                                    data={"name": "priorisation-bloquee", "title_fr": "Homonyme"})
    close(campaign)
    response = client_for(banq_editor).post(f"/fr/priorites/campagnes/{campaign.slug}/publier/")
    assert response.status_code == 400 and "Les résultats n’ont pas pu être publiés" in response.content.decode()
    assert campaign.__class__.objects.get(pk=campaign.pk).results is None
