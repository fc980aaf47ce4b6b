"""« Données de référence » pages: the list (certified datasets, candidates for admins), one dataset's
criteria and history, the admins' certify and withdraw forms, the panel on the dataset page, the menu."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ouvert.catalog import services as catalog_services
from ouvert.quality import certification
from ouvert.quality.models import Certification, CertificationEvent
from tests.quality.reference_kit import *  # noqa: F403  (fixtures)
from tests.quality.reference_kit import SCHEMA

pytestmark = pytest.mark.django_db

LIST = "/fr/catalogue/donnees-de-reference/"


def _detail(dataset):
    return f"/fr/catalogue/donnees-de-reference/{dataset.name}/"


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_list_shows_certified_datasets(client, reference_factory, admin_user):
    certified = reference_factory(title_fr="Territoires certifiés")
    other = reference_factory(title_fr="Territoires candidats")
    certification.certify(actor=admin_user, dataset=certified)
    response = client.get(LIST)
    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Données de référence</h1>" in response.content.decode()
    assert "Territoires certifiés" in text and "Donnée de référence" in text
    assert "Ministère des Transports et de la Mobilité durable" in text
    assert "8 sur 8 remplis" in text
    assert "1 jeu de données certifié" in text
    assert "Territoires candidats" not in text  # not certified; candidates are for admins only
    assert "Candidats à la certification" not in text
    assert f'href="/fr/catalogue/jeux/{certified.name}/"' in response.content.decode()
    assert f'href="{_detail(certified)}"' in response.content.decode()
    assert other.name not in response.content.decode()


def test_admins_see_the_candidates_with_a_certify_button(client, reference_factory, admin_user):
    candidate = reference_factory(title_fr="Territoires candidats")
    reference_factory(title_fr="Sans licence ouverte", licence="notspecified")
    client.force_login(admin_user)
    response = client.get(LIST)
    text = _text(response)
    assert "Candidats à la certification" in text
    assert "Territoires candidats" in text and "Sans licence ouverte" not in text
    html = response.content.decode()
    assert f'action="/fr/catalogue/donnees-de-reference/{candidate.name}/certifier/"' in html
    assert "csrfmiddlewaretoken" in html


def test_private_certified_datasets_are_listed_for_their_members_only(client, reference_factory, admin_user, member,
                                                                      editor):
    dataset = reference_factory(title_fr="Territoires privés")
    certification.certify(actor=admin_user, dataset=dataset)
    catalog_services.dataset_update(actor=editor, dataset=dataset, data={"private": True}, partial=True)
    assert "Territoires privés" not in _text(client.get(LIST))
    assert client.get(_detail(dataset)).status_code == 404
    client.force_login(member)
    assert "Territoires privés" in _text(client.get(LIST))
    assert client.get(_detail(dataset)).status_code == 200


def test_the_list_reads_a_constant_number_of_queries(client, reference_factory, admin_user):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries.captured_queries)

    def ended(dataset):
        certification.certify(actor=admin_user, dataset=dataset)
        certification.withdraw(actor=admin_user, dataset=dataset, reason="Plus tenu à jour.")

    client.force_login(admin_user)
    certification.certify(actor=admin_user, dataset=reference_factory())
    reference_factory()  # a candidate
    ended(reference_factory())
    small = count()
    for _ in range(3):
        certification.certify(actor=admin_user, dataset=reference_factory())
        reference_factory()
        ended(reference_factory())
    assert count() == small


def test_one_dataset_shows_each_criterion_with_its_reason_and_fix(client, reference_factory):
    schema = {**SCHEMA, "fields": [dict(field) for field in SCHEMA["fields"]]}
    schema["fields"][2]["description_en"] = ""
    dataset = reference_factory(title_fr="Territoires incomplets", schema=schema)
    response = client.get(_detail(dataset))
    assert response.status_code == 200
    text = _text(response)
    assert "Données de référence : Territoires incomplets" in text
    assert "Ce jeu de données n’est pas certifié comme donnée de référence." in text
    assert "7 critères remplis sur 8" in text
    for label in ("Identifiant unique", "Schéma de table et données valides", "Dictionnaire de données complet",
                  "Fréquence de mise à jour respectée", "Disponibilité d’au moins 99 %",
                  "Métadonnées de bonne qualité", "Formats ouverts", "Licence ouverte"):
        assert label in text
    assert "1 champ(s) sans description en français ou en anglais : population." in text
    assert "Dans le dictionnaire de données, décrivez chaque champ nommé, en français et en anglais." in text
    assert "La clé primaire « code » de « Liste des territoires » est unique." in text
    assert text.count("✗ Non rempli") == 1 and text.count("✓ Rempli") == 7
    html = response.content.decode()
    assert '<caption id="criteres-legende">' in html and 'scope="row"' in html
    assert "Administration" not in text and "certifier/" not in html  # visitors get no form
    assert "Aucun événement pour l’instant." in text


def test_an_old_name_redirects_and_an_unknown_one_is_not_found(client, reference_factory, editor):
    dataset = reference_factory()
    old = dataset.name
    catalog_services.dataset_update(actor=editor, dataset=dataset, data={"name": "territoires-renommes"}, partial=True)
    response = client.get(f"/fr/catalogue/donnees-de-reference/{old}/")
    assert response.status_code == 301 and response["Location"] == "/fr/catalogue/donnees-de-reference/territoires-renommes/"
    assert client.get("/fr/catalogue/donnees-de-reference/nexiste-pas/").status_code == 404


def test_admin_certifies_then_withdraws_through_the_forms(client, reference_factory, admin_user):
    dataset = reference_factory(title_fr="Territoires")
    client.force_login(admin_user)
    page = client.get(_detail(dataset))
    assert "Tous les critères sont remplis : vous pouvez certifier ce jeu de données." in _text(page)
    response = client.post(f"{_detail(dataset)}certifier/")
    assert response.status_code == 303 and response["Location"] == _detail(dataset)
    page = client.get(_detail(dataset))
    text = _text(page)
    assert "« Territoires » est certifié comme donnée de référence." in text  # the message
    assert "Certifié comme donnée de référence depuis le" in text
    assert "Certification accordée" in text and "par Admin plateforme" in text
    assert 'name="reason"' in page.content.decode() and "Retirer la certification" in text
    # Twice: told, nothing more recorded.
    again = client.post(f"{_detail(dataset)}certifier/")
    assert again.status_code == 409 and "Ce jeu de données est déjà certifié." in _text(again)
    assert CertificationEvent.objects.count() == 1
    # Withdraw needs a reason.
    refused = client.post(f"{_detail(dataset)}retirer/", {"reason": "  "})
    assert refused.status_code == 400
    assert "Indiquez le motif du retrait de la certification." in _text(refused)
    assert Certification.objects.get().status == Certification.Status.CERTIFIED
    done = client.post(f"{_detail(dataset)}retirer/", {"reason": "Données abandonnées par l'éditeur."})
    assert done.status_code == 303
    text = _text(client.get(_detail(dataset)))
    assert "La certification de « Territoires » est retirée." in text
    assert "La certification a été retirée le" in text
    assert "Données abandonnées par l'éditeur." in text
    assert Certification.objects.get().status == Certification.Status.WITHDRAWN


def test_a_failing_dataset_cannot_be_certified_through_the_form(client, reference_factory, admin_user):
    dataset = reference_factory(licence="notspecified")
    client.force_login(admin_user)
    page = _text(client.get(_detail(dataset)))
    assert "La certification sera possible quand tous les critères seront remplis." in page
    response = client.post(f"{_detail(dataset)}certifier/")
    assert response.status_code == 400
    text = _text(response)
    assert "Certification impossible : un critère n’est pas rempli." in text
    assert "Licence ouverte : La licence n’est pas une licence ouverte" in text
    assert not Certification.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "editor", "member"])
def test_others_may_not_certify_nor_withdraw(client, reference_factory, admin_user, who, request):
    dataset = reference_factory()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.post(f"{_detail(dataset)}certifier/").status_code == 403
    certification.certify(actor=admin_user, dataset=dataset)
    assert client.post(f"{_detail(dataset)}retirer/", {"reason": "Non."}).status_code == 403
    assert Certification.objects.get().status == Certification.Status.CERTIFIED
    assert client.get(f"{_detail(dataset)}certifier/").status_code == 405


def test_the_forms_need_the_csrf_token(reference_factory, admin_user):
    dataset = reference_factory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(f"{_detail(dataset)}certifier/").status_code == 403
    assert not Certification.objects.exists()


def test_the_dataset_page_shows_the_badge(client, reference_factory, admin_user, editor):
    dataset = reference_factory(title_fr="Territoires")
    page = f"/fr/catalogue/jeux/{dataset.name}/"
    assert "donnees-de-reference-titre" not in client.get(page).content.decode()  # visitors: nothing yet
    client.force_login(editor)
    text = _text(client.get(page))
    assert "Ce jeu de données n’est pas certifié comme donnée de référence : 8 critères remplis sur 8." in text
    client.logout()
    certification.certify(actor=admin_user, dataset=dataset)
    response = client.get(page)
    text = _text(response)
    assert "Donnée de référence" in text and "Certifié comme donnée de référence depuis le" in text
    assert f'href="{_detail(dataset)}"' in response.content.decode()


def test_the_menu_links_to_the_page(client, db):
    response = client.get("/fr/")
    assert f'href="{LIST}"' in response.content.decode()
    assert "Données de référence" in _text(response)


def test_the_page_in_english(client, reference_factory, admin_user):
    dataset = reference_factory(title_fr="Territoires", title_en="Territories")
    certification.certify(actor=admin_user, dataset=dataset)
    response = client.get("/en/catalogue/donnees-de-reference/")
    assert response.status_code == 200
    assert "Territories" in _text(response)
    assert client.get(f"/en/catalogue/donnees-de-reference/{dataset.name}/").status_code == 200


def test_withdrawn_and_lapsed_certifications_are_listed_with_their_reason(client, reference_factory, admin_user,
                                                                         set_schema, settings):
    settings.OUVERT_CERTIFICATION_GRACE_DAYS = 0
    withdrawn = reference_factory(title_fr="Territoires retirés")
    certification.certify(actor=admin_user, dataset=withdrawn)
    certification.withdraw(actor=admin_user, dataset=withdrawn, reason="Le service a fermé.")
    lapsed = reference_factory(title_fr="Territoires échus")
    certification.certify(actor=admin_user, dataset=lapsed)
    schema = {**SCHEMA, "fields": [dict(field) for field in SCHEMA["fields"]]}
    schema["fields"][0]["description_fr"] = ""
    set_schema(catalog_services.resource_list(dataset=lapsed).get(), schema)
    certification.certifications_review()
    text = _text(client.get(LIST))
    assert "Certifications retirées ou échues" in text
    assert "Territoires retirés" in text and "Certification retirée" in text and "Le service a fermé." in text
    assert "Territoires échus" in text and "Certification échue" in text
    assert "Critères en échec : Dictionnaire de données complet" in text
    assert "Aucun jeu de données n’est encore certifié." in text
    assert "/api/3/action/package_search?fq=reference:true" in text


def test_the_search_page_filters_on_reference_data(client, reference_factory, admin_user):
    certified = reference_factory(title_fr="Territoires certifiés")
    reference_factory(title_fr="Territoires candidats")
    certification.certify(actor=admin_user, dataset=certified)
    every = _text(client.get("/fr/catalogue/recherche/"))
    assert "Données de référence seulement" in every
    assert "Territoires certifiés" in every and "Territoires candidats" in every
    response = client.get("/fr/catalogue/recherche/?reference=true")
    html, text = response.content.decode(), _text(response)
    assert response.status_code == 200
    assert "Territoires certifiés" in text and "Territoires candidats" not in text
    assert re.search(r'name="reference" value="true" id="f-drapeau-reference" checked', html)
    assert 'href="?"' in html or "Retirer tous les filtres" in text  # the filter can be cleared


def test_the_history_names_the_certification_and_its_states(client, reference_factory, admin_user):
    dataset = reference_factory(title_fr="Territoires")
    certification.certify(actor=admin_user, dataset=dataset)
    certification.withdraw(actor=admin_user, dataset=dataset, reason="Données abandonnées.")
    text = _text(client.get(f"/fr/catalogue/jeux/{dataset.name}/historique/"))
    assert "Certification" in text and "Certifié" in text and "Certification retirée" in text
    assert "withdrawn" not in text and "certified" not in text
