"""``/api/v1/quality/reference…``: the certified list, one dataset's criteria and history, certify and
withdraw with a token (platform admins), errors with the REST API's shape."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.quality import certification
from ouvert.quality.models import Certification, CertificationEvent
from tests.quality.reference_kit import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db

API = "/api/v1/quality/reference"


def _auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user, name="test")}


def test_the_certified_list(client, reference_factory, admin_user):
    dataset = reference_factory(title_fr="Territoires", title_en="Territories")
    reference_factory(title_fr="Pas certifié")
    certification.certify(actor=admin_user, dataset=dataset)
    response = client.get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["offset"] == 0
    item = body["results"][0]
    assert item["name"] == dataset.name and item["id"] == str(dataset.pk)
    assert item["title_fr"] == "Territoires" and item["title_en"] == "Territories"
    assert item["organisation"]["name"] == "mtmd"
    assert item["certified_at"] and item["failing_since"] is None
    assert [c["id"] for c in item["criteria"]] == list(certification.CRITERIA)
    assert all(c["passed"] for c in item["criteria"])


def test_the_list_pages_and_reads_a_constant_number_of_queries(client, reference_factory, admin_user):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries), response.json()

    certification.certify(actor=admin_user, dataset=reference_factory())
    small, _body = count(API)
    for _ in range(3):
        certification.certify(actor=admin_user, dataset=reference_factory())
    large, body = count(API)
    assert large == small and body["count"] == 4
    _n, page = count(f"{API}?limit=2&offset=3")
    assert len(page["results"]) == 1 and page["limit"] == 2
    bad = client.get(f"{API}?limit=-1")
    assert bad.status_code == 400 and "limit" in bad.json()["detail"]
    assert client.get(f"{API}?limit=abc").status_code in (400, 422)


def test_one_dataset_criteria_and_history(client, reference_factory, admin_user):
    dataset = reference_factory(licence="notspecified")
    response = client.get(f"{API}/{dataset.name}")
    assert response.status_code == 200
    body = response.json()
    assert body["dataset"]["name"] == dataset.name and body["status"] is None and body["certified"] is False
    assert body["all_passed"] is False and body["grace_days"] == 14
    licence = next(c for c in body["criteria"] if c["id"] == "open_licence")
    assert licence["passed"] is False and licence["label"] == "Licence ouverte"
    assert licence["detail"]["code"] == "open_licence.failed"
    assert licence["text"].startswith("La licence n’est pas une licence ouverte")
    assert licence["fix"].startswith("Choisissez une licence ouverte")
    identifier = next(c for c in body["criteria"] if c["id"] == "identifier")
    assert identifier["text"] == "La clé primaire « code » de « Liste des territoires » est unique."
    assert identifier["fix"] == ""
    assert body["history"] == []
    # By its UUID too.
    assert client.get(f"{API}/{dataset.pk}").json()["dataset"]["id"] == str(dataset.pk)


def test_private_and_unknown_datasets_are_not_found(client, reference_factory, editor, member):
    dataset = reference_factory()
    catalog_services.dataset_update(actor=editor, dataset=dataset, data={"private": True}, partial=True)
    response = client.get(f"{API}/{dataset.name}")
    assert response.status_code == 404 and "introuvable" in response.json()["detail"]
    assert client.get(f"{API}/{dataset.name}", **_auth(member)).status_code == 200
    assert client.get(f"{API}/nexiste-pas").status_code == 404
    assert client.get(f"{API}/{dataset.name}", HTTP_AUTHORIZATION="jeton-invalide").status_code == 403


def test_admin_certifies_and_withdraws_with_a_token(client, reference_factory, admin_user):
    dataset = reference_factory()
    headers = _auth(admin_user)
    response = client.post(f"{API}/{dataset.name}/certify", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["certified"] is True and body["status"] == "certified"
    assert [event["kind"] for event in body["history"]] == ["certified"]
    assert body["history"][0]["actor"] == "Admin plateforme"
    again = client.post(f"{API}/{dataset.name}/certify", **headers)
    assert again.status_code == 409 and again.json() == {"detail": "Ce jeu de données est déjà certifié."}
    missing = client.post(f"{API}/{dataset.name}/withdraw", data={}, content_type="application/json", **headers)
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"reason": ["Indiquez le motif du retrait de la certification."]}
    done = client.post(f"{API}/{dataset.name}/withdraw", data={"reason": "Plus tenu à jour."},
                       content_type="application/json", **headers)
    assert done.status_code == 200
    assert done.json()["status"] == "withdrawn"
    assert done.json()["history"][0] == {**done.json()["history"][0], "kind": "withdrawn",
                                         "reason": "Plus tenu à jour."}
    conflict = client.post(f"{API}/{dataset.name}/withdraw", data={"reason": "Encore."},
                           content_type="application/json", **headers)
    assert conflict.status_code == 409 and conflict.json()["detail"] == "Ce jeu de données n’est pas certifié."
    assert client.get(API).json()["count"] == 0


def test_certify_lists_the_failing_criteria(client, reference_factory, admin_user):
    dataset = reference_factory(licence="notspecified")
    response = client.post(f"{API}/{dataset.name}/certify", **_auth(admin_user))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Certification impossible : un critère n’est pas rempli."
    assert any(m.startswith("Licence ouverte : ") for m in body["errors"]["criteria"])
    assert not Certification.objects.exists()


def test_only_platform_admins_write(client, reference_factory, editor, admin_user):
    dataset = reference_factory()
    assert client.post(f"{API}/{dataset.name}/certify").status_code == 401
    forbidden = client.post(f"{API}/{dataset.name}/certify", **_auth(editor))
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "Seuls les administrateurs de la plateforme certifient les données de référence."
    certification.certify(actor=admin_user, dataset=dataset)
    assert client.post(f"{API}/{dataset.name}/withdraw", data={"reason": "Non."}, content_type="application/json",
                       **_auth(editor)).status_code == 403
    assert CertificationEvent.objects.count() == 1
