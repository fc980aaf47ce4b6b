"""Search flags (``services.search_flag_register``) in ``package_search``: ``reference:true`` /
``reference:false`` as boolean ``fq`` fields combinable with AND/OR/NOT, errors that say where,
through the CKAN action API and the real ``ckanapi`` client; the search page's checkbox."""

import ckanapi
import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from ouvert.catalog import services
from ouvert.catalog.package_search import package_search, parse_fq, search_flag_choices
from ouvert.core import services as core_services
from ouvert.quality import certification
from tests.quality.reference_kit import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(reference_factory, dataset_factory, admin_user):
    """Two certified datasets, one that meets every criterion but is not certified, one plain."""
    certified = [reference_factory(name="territoires-montreal", title_fr="Territoires de Montréal", tags=["limites"]),
                 reference_factory(name="regions-quebec", title_fr="Régions du Québec", tags=["régions"])]
    for dataset in certified:
        certification.certify(actor=admin_user, dataset=dataset)
    candidate = reference_factory(name="arrondissements", title_fr="Arrondissements", tags=["limites"])
    plain = dataset_factory(name="feux-circulation", title_fr="Feux de circulation", tags=["circulation"])
    return {"certified": certified, "candidate": candidate, "plain": plain}


def _names(params, user=None) -> list[str]:
    result = package_search(user=user, params={"rows": 100, "sort": "name asc", **params})
    return [item["name"] for item in result["results"]]


def test_reference_true_and_false(catalogue):
    assert _names({"fq": "reference:true"}) == ["regions-quebec", "territoires-montreal"]
    assert _names({"fq": "reference:false"}) == ["arrondissements", "feux-circulation"]
    assert _names({"fq": "reference:TRUE"}) == ["regions-quebec", "territoires-montreal"]
    assert _names({"fq": 'reference:"true"'}) == ["regions-quebec", "territoires-montreal"]


@pytest.mark.parametrize("fq, expected", [
    ("reference:true AND tags:limites", ["territoires-montreal"]),
    ("reference:true tags:limites", ["territoires-montreal"]),
    ("reference:true OR name:feux-circulation", ["feux-circulation", "regions-quebec", "territoires-montreal"]),
    ("NOT reference:true", ["arrondissements", "feux-circulation"]),
    ("-reference:true", ["arrondissements", "feux-circulation"]),
    ("!reference:false", ["regions-quebec", "territoires-montreal"]),
    ("+reference:false -tags:circulation", ["arrondissements"]),
    ("reference:(true OR false)", ["arrondissements", "feux-circulation", "regions-quebec", "territoires-montreal"]),
    ("(reference:true AND tags:régions) OR (reference:false AND tags:limites)", ["arrondissements", "regions-quebec"]),
])
def test_flags_combine_with_the_other_filters(catalogue, fq, expected):
    assert _names({"fq": fq}) == expected


def test_with_full_text_and_fq_list(catalogue):
    assert _names({"q": "Québec", "fq": "reference:true"}) == ["regions-quebec"]
    assert _names({"q": "arrondissements", "fq": "reference:true"}) == []
    assert _names({"fq_list": ["reference:true", "tags:régions"]}) == ["regions-quebec"]
    assert _names({"q": "reference:true AND tags:limites"}) == ["territoires-montreal"]  # q in Solr syntax


@pytest.mark.parametrize("fq, position", [
    ("reference:maybe", 11),
    ("tags:limites AND reference:1", 28),
    ("reference:[true TO false]", 11),
    ("reference:tr*", 11),
])
def test_a_bad_value_says_where(catalogue, fq, position):
    with pytest.raises(ValidationError) as caught:
        parse_fq(fq)
    message = caught.value.message_dict["fq"][0]
    assert message.startswith(f"Filtre fq invalide à la position {position} : « reference » vaut true ou false")


def test_unknown_fields_list_the_flags(db):
    with pytest.raises(ValidationError) as caught:
        parse_fq("referenc:true")
    assert "reference" in caught.value.message_dict["fq"][0]


def test_facets_follow_a_new_certification(catalogue, admin_user):
    params = {"fq": "reference:true", "facet.field": '["tags"]', "rows": 0}
    first = package_search(user=None, params=params)
    assert first["count"] == 2 and first["facets"]["tags"]["limites"] == 1
    certification.certify(actor=admin_user, dataset=catalogue["candidate"])
    second = package_search(user=None, params=params)
    assert second["count"] == 3 and second["facets"]["tags"]["limites"] == 2


def test_private_certified_datasets_stay_hidden(catalogue, editor):
    services.dataset_update(actor=editor, dataset=catalogue["certified"][0], data={"private": True}, partial=True)
    assert _names({"fq": "reference:true"}) == ["regions-quebec"]
    assert "territoires-montreal" in _names({"fq": "reference:true", "include_private": True}, user=editor)


def test_through_the_ckan_action_api(client, catalogue):
    response = client.get("/api/3/action/package_search", {"fq": "reference:true", "sort": "name asc"})
    body = response.json()
    assert response.status_code == 200 and body["success"] is True
    assert body["result"]["count"] == 2
    assert [item["name"] for item in body["result"]["results"]] == ["regions-quebec", "territoires-montreal"]
    bad = client.get("/api/3/action/package_search", {"fq": "reference:oui"})
    assert bad.status_code == 409 and bad.json()["success"] is False
    assert "« reference » vaut true ou false" in str(bad.json()["error"])


def test_the_search_page_checkbox(rf: RequestFactory, catalogue):
    choices = search_flag_choices({"reference": "true"})
    assert choices == [{"name": "reference", "label": "Données de référence", "checked": True,
                        "clause": "reference:true"}]
    assert search_flag_choices({})[0]["checked"] is False and search_flag_choices({})[0]["clause"] == ""
    with translation.override("en"):
        assert search_flag_choices({})[0]["label"] == "Reference data"
    request = rf.get("/fr/catalogue/recherche/", {"reference": "true"})
    html = render_to_string("catalog/_search_page.html", {"search": {"flags": choices, "facets": [], "results": []}},
                            request=request)
    assert 'name="reference" value="true" id="f-drapeau-reference" checked' in html
    assert '<label for="f-drapeau-reference">Données de référence seulement</label>' in html


@pytest.mark.django_db(transaction=True)
def test_the_real_ckanapi_client(live_server, reference_factory, dataset_factory, admin_user, editor):
    certified = reference_factory(name="territoires-montreal")
    certification.certify(actor=admin_user, dataset=certified)
    dataset_factory(name="feux-circulation")
    token = core_services.token_create(user=editor)
    with ckanapi.RemoteCKAN(live_server.url, apikey=token, user_agent="ouvert-tests/1.0 (ckanapi)") as ckan:
        found = ckan.action.package_search(fq="reference:true")
        assert found["count"] == 1 and found["results"][0]["name"] == "territoires-montreal"
        others = ckan.action.package_search(fq="reference:false")
        assert [item["name"] for item in others["results"]] == ["feux-circulation"]
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(fq="reference:peut-etre")
