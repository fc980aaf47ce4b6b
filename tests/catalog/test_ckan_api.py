"""The CKAN Action API at /api/3/action/: envelope, errors, authentication and every action."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.catalog.ckan_dict import organisation_ckan_id
from ouvert.catalog.models import Dataset, Resource
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(editor):
    return core_services.token_create(user=editor)


@pytest.fixture
def api(client):
    """``api("package_show", id=…)`` by GET; ``api("package_create", _post=True, _token=…, **data)`` by POST JSON."""

    def call(_action, *, _post=False, _token=None, _header="HTTP_AUTHORIZATION", _prefix="/api/3/action/", **params):
        headers = {_header: _token} if _token else {}
        if _post:
            response = client.post(f"{_prefix}{_action}", json.dumps(params), content_type="application/json", **headers)
        else:
            response = client.get(f"{_prefix}{_action}", params, **headers)
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["help"].endswith(f"/api/3/action/help_show?name={_action}")
        assert body["success"] is (response.status_code == 200)
        return response.status_code, body.get("result") if response.status_code == 200 else body["error"]

    return call


@pytest.fixture
def velo(dataset_factory, theme_factory):
    theme_factory("transport", title_fr="Transport", title_en="Transportation")
    return dataset_factory(name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
                           tags=["vélo"], themes=["transport"],
                           resources=[{"url": "https://example.org/velo.csv", "format": "CSV", "name_fr": "Comptages"}])


def test_envelope_and_both_addresses(api, velo):
    status, result = api("package_show", id="comptages-velo")
    assert status == 200 and result["name"] == "comptages-velo" and result["title"] == "Comptages de vélos"
    assert result["title_translated"] == {"fr": "Comptages de vélos", "en": "Bicycle counts"}
    status, result = api("package_show", id=str(velo.pk), _prefix="/api/action/")
    assert status == 200 and result["id"] == str(velo.pk)


def test_error_shapes(api, client, token, velo):
    status, error = api("package_show", id="inexistant")
    assert status == 404 and error["__type"] == "Not Found Error" and "inexistant" in error["message"]
    status, error = api("package_show", id="comptages\x00velo")  # PostgreSQL refuses NUL in a query
    assert status == 404 and error["__type"] == "Not Found Error"
    status, error = api("package_create", _post=True, _token=token, name="X Y", owner_org="mtmd")
    assert status == 409 and error["__type"] == "Validation Error"
    assert error["name"] and error["title"]  # CKAN's field names, not the model's
    status, error = api("package_create", _post=True, name="anonyme", title="Anonyme", owner_org="mtmd")
    assert status == 403 and error["__type"] == "Authorization Error" and error["message"].startswith("Accès refusé")
    status, error = api("action_inconnue")
    assert status == 400 and "action_inconnue" in error["message"]
    status, error = api("package_create", _token=token, name="par-get")
    assert status == 400 and "POST" in error["message"]
    response = client.post("/api/3/action/package_create", "{pas du json", content_type="application/json",
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and "JSON" in response.json()["error"]["message"]
    response = client.post("/api/3/action/package_create", "[1, 2]", content_type="application/json",
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and response.json()["success"] is False
    response = client.put("/api/3/action/package_show", "{}", content_type="application/json")
    assert response.status_code == 405 and response["Allow"] == "GET, POST"
    status, error = api("package_search", fq="tags:(vélo")
    assert status == 409 and "position 11" in error["fq"][0]


def test_too_large_body_is_413(client, settings, token):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/3/action/package_create", json.dumps({"notes": "x" * 5000}),
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 413 and response.json()["success"] is False


def test_token_headers(api, token, velo, editor):
    for header, value in (("HTTP_AUTHORIZATION", token), ("HTTP_AUTHORIZATION", f"Bearer {token}"),
                          ("HTTP_X_CKAN_API_KEY", token)):
        status, result = api("package_patch", _post=True, _token=value, _header=header, id="comptages-velo",
                             version=header[-3:])
        assert status == 200, result
    status, error = api("package_show", id="comptages-velo", _token="ouv_faux")
    assert status == 403 and "jeton" in error["message"]
    core_services.token_revoke(user=editor, prefix=token[:8])
    status, error = api("package_patch", _post=True, _token=token, id="comptages-velo", version="9")
    assert status == 403


def test_session_reads_but_never_writes(client, member, dataset_factory):
    dataset_factory(name="prive", title_fr="Privé", private=True)
    client.force_login(member)
    assert client.get("/api/3/action/package_show", {"id": "prive"}).status_code == 200
    response = client.post("/api/3/action/package_patch", json.dumps({"id": "prive", "version": "2"}),
                           content_type="application/json")
    assert response.status_code == 403  # a POST without a token is anonymous, whatever the cookie says
    assert response.json()["error"]["__type"] == "Authorization Error"


def test_site_status_help(api):
    assert api("site_read") == (200, True)
    status, result = api("status_show")
    assert result["ckan_version"].startswith("2.10") and result["locale_default"] == "fr"
    status, result = api("help_show", name="package_search")
    assert status == 200 and "fq" in result
    assert api("help_show", name="nope")[0] == 404


def test_package_create_show_update_patch_delete(api, token, theme_factory, editor, publisher_org):
    theme_factory("transport")
    status, created = api("package_create", _post=True, _token=token, name="stations-bixi", title="Stations Bixi",
                          notes_translated={"fr": "Emplacement des stations.", "en": "Station locations."},
                          owner_org=organisation_ckan_id(publisher_org), license_id="cc-zero",
                          tags=[{"name": "vélo"}, {"name": "partage"}], groups=[{"name": "transport"}],
                          extras=[{"key": "source", "value": "BIXI"}], subject=["transport"],
                          resources=[{"url": "https://example.org/stations.csv", "format": "CSV", "name": "Stations"}])
    assert status == 200, created
    assert created["organization"]["name"] == "mtmd" and created["license_id"] == "CC0-1.0"
    assert created["notes_en"] == "Station locations." and created["subject"] == ["transport"]
    assert {t["name"] for t in created["tags"]} == {"vélo", "partage"} and created["num_resources"] == 1
    assert created["groups"][0]["name"] == "transport" and created["extras"] == [{"key": "source", "value": "BIXI"}]
    resource_id = created["resources"][0]["id"]

    status, patched = api("package_patch", _post=True, _token=token, id="stations-bixi", title="Stations BIXI")
    assert patched["title"] == "Stations BIXI" and patched["license_id"] == "CC0-1.0" and patched["num_resources"] == 1

    full = dict(patched, name="stations-bixi-montreal", notes="Toutes les stations.", tags=[{"name": "vélo"}])
    full.pop("notes_translated"), full.pop("notes_fr"), full.pop("notes_en")
    full["resources"] = patched["resources"] + [{"url": "https://example.org/stations.geojson", "format": "GeoJSON"}]
    status, updated = api("package_update", _post=True, _token=token, **full)
    assert status == 200, updated
    assert updated["name"] == "stations-bixi-montreal" and updated["notes"] == "Toutes les stations."
    assert [t["name"] for t in updated["tags"]] == ["vélo"]
    assert [r["id"] for r in updated["resources"]][0] == resource_id and updated["num_resources"] == 2
    # The old name still answers.
    assert api("package_show", id="stations-bixi")[1]["name"] == "stations-bixi-montreal"

    status, activity = api("package_activity_list", id="stations-bixi-montreal")
    assert [a["activity_type"] for a in activity] == ["changed package", "changed package", "new package"]
    assert activity[0]["data"]["package"]["name"] == "stations-bixi-montreal"
    assert activity[0]["object_id"] == created["id"] and activity[0]["user_id"] == str(editor.pk)

    assert api("package_delete", _post=True, _token=token, id="stations-bixi-montreal") == (200, None)
    assert api("package_show", id="stations-bixi-montreal")[0] == 404
    assert Dataset.objects.get(pk=created["id"]).state == "deleted"
    assert api("package_show", id="stations-bixi-montreal", _token=token)[1]["state"] == "deleted"


def test_writes_are_checked_against_organisation_roles(api, velo, other_org_editor, member, publisher_org):
    other = core_services.token_create(user=other_org_editor)
    status, error = api("package_patch", _post=True, _token=other, id="comptages-velo", title="Piraté")
    assert status == 403 and error["__type"] == "Authorization Error"
    status, error = api("package_create", _post=True, _token=other, name="chez-autrui", title="Chez autrui",
                        owner_org="mtmd")
    assert status == 403
    reader = core_services.token_create(user=member)
    assert api("package_delete", _post=True, _token=reader, id="comptages-velo")[0] == 403
    assert Dataset.objects.get(name="comptages-velo").title_fr == "Comptages de vélos"
    status, error = api("package_create", _post=True, _token=other, name="sans-org", title="Sans org",
                        owner_org="organisme-inconnu")
    assert status == 409 and "owner_org" in error


def test_resources(api, client, token, velo):
    status, created = api("resource_create", _post=True, _token=token, package_id="comptages-velo",
                          url="https://example.org/velo.json", format="JSON", name="Comptages JSON")
    assert status == 200 and created["package_id"] == str(velo.pk) and created["name"] == "Comptages JSON"
    assert api("resource_show", id=created["id"])[1]["format"] == "JSON"

    upload = SimpleUploadedFile("compteurs.csv", b"id,nom\n1,Berri\n2,Brebeuf\n", content_type="text/csv")
    response = client.post("/api/3/action/resource_create",
                           {"package_id": str(velo.pk), "name": "Compteurs", "upload": upload},
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 200, response.json()
    uploaded = response.json()["result"]
    assert uploaded["url_type"] == "upload" and uploaded["size"] == 25 and uploaded["format"] == "CSV"
    download = client.get(uploaded["url"].replace("http://127.0.0.1:8000", ""))
    assert b"".join(download.streaming_content) == b"id,nom\n1,Berri\n2,Brebeuf\n"

    new_file = SimpleUploadedFile("compteurs.csv", b"id,nom\n1,Berri\n", content_type="text/csv")
    response = client.post("/api/3/action/resource_patch", {"id": uploaded["id"], "upload": new_file},
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 200 and response.json()["result"]["size"] == 15
    assert Resource.objects.get(pk=uploaded["id"]).versions.count() == 2

    status, patched = api("resource_patch", _post=True, _token=token, id=created["id"], description="Format JSON")
    assert patched["description"] == "Format JSON" and patched["url"] == "https://example.org/velo.json"
    status, updated = api("resource_update", _post=True, _token=token, id=created["id"],
                          url="https://example.org/velo-v2.json", name="Comptages v2")
    assert updated["url"] == "https://example.org/velo-v2.json" and updated["description"] == ""
    assert api("resource_delete", _post=True, _token=token, id=created["id"]) == (200, None)
    assert api("resource_show", id=created["id"])[0] == 404
    assert api("package_show", id="comptages-velo")[1]["num_resources"] == 2
    status, error = api("resource_create", _post=True, _token=token, package_id="comptages-velo", url="ftp:/x")
    assert status == 409 and error["__type"] == "Validation Error"
    status, error = api("resource_create", _post=True, _token=token, url="https://example.org/x")
    assert status == 409 and "package_id" in error


def test_lists(api, velo, dataset_factory, other_org, other_org_editor, publisher_org):
    dataset_factory(name="arbres", title_fr="Arbres", tags=["arbres"], organisation=other_org, actor=other_org_editor)
    dataset_factory(name="secret", title_fr="Secret", private=True, tags=["secret"])
    assert api("package_list")[1] == ["arbres", "comptages-velo"]
    assert api("package_list", limit=1, offset=1)[1] == ["comptages-velo"]
    current = api("current_package_list_with_resources")[1]
    assert [d["name"] for d in current] == ["arbres", "comptages-velo"] and current[1]["resources"]
    assert api("tag_list")[1] == ["arbres", "vélo"]
    assert api("tag_list", query="vél")[1] == ["vélo"]
    assert api("tag_list", all_fields="true")[1][0]["name"] == "arbres"

    assert api("organization_list")[1] == ["mtmd", "ville-de-quebec"]
    orgs = api("organization_list", all_fields="true", sort="package_count desc")[1]
    assert [(o["name"], o["package_count"]) for o in orgs] == [("mtmd", 1), ("ville-de-quebec", 1)]
    assert orgs[0]["id"] == organisation_ckan_id(publisher_org)
    shown = api("organization_show", id=organisation_ckan_id(publisher_org), include_datasets="true")[1]
    assert shown["name"] == "mtmd" and [p["name"] for p in shown["packages"]] == ["comptages-velo"]
    assert api("organization_show", id="ville-de-quebec")[1]["package_count"] == 1
    assert api("organization_show", id="inconnue")[0] == 404

    assert api("group_list")[1] == ["transport"]
    group = api("group_list", all_fields=True)[1][0]
    assert group["title_translated"] == {"fr": "Transport", "en": "Transportation"} and group["package_count"] == 1
    shown = api("group_show", id="transport", include_datasets="true")[1]
    assert [p["name"] for p in shown["packages"]] == ["comptages-velo"]

    licences = api("license_list")[1]
    cc_by = next(item for item in licences if item["id"] == "CC-BY-4.0")
    assert cc_by["is_okd_compliant"] is True and cc_by["url"].startswith("https://creativecommons.org/")

    recent = api("recently_changed_packages_activity_list", limit=2)[1]
    assert len(recent) == 2 and recent[0]["data"]["package"]["name"] == "arbres"
    by_org = api("organization_activity_list", id="mtmd")[1]
    assert {a["data"]["package"]["name"] for a in by_org} == {"comptages-velo"}  # the private one is hidden


def test_package_search_over_http(api, velo):
    status, result = api("package_search", q="velos", fq="res_format:CSV", **{"facet.field": '["tags"]'})
    assert status == 200 and result["count"] == 1 and result["facets"]["tags"] == {"vélo": 1}
    status, error = api("package_search", rows="beaucoup")
    assert status == 409 and "rows" in error
    # POST JSON works for reads too, with JSON values.
    status, result = api("package_search", _post=True, q="vélo", rows=5, **{"facet.field": ["organization"]})
    assert result["facets"]["organization"] == {"mtmd": 1}


def test_package_search_request_makes_a_constant_number_of_queries(client, dataset_factory, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = core_services.token_create(user=member)
    params = {"q": "jeu", "fq": "res_format:CSV", "rows": 100, "include_private": "true",
              "facet.field": '["organization", "groups", "tags", "res_format", "license_id"]'}

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/3/action/package_search", params, HTTP_AUTHORIZATION=token)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["result"]["count"]

    measure()  # the token's first use records its date; later ones within a minute do not
    for n in range(5):
        dataset_factory(title_fr=f"Jeu {n}", tags=[f"t{n}"], private=n % 2 == 0,
                        resources=[{"url": f"https://example.org/{n}.csv", "format": "CSV"}])
    small = measure()
    for n in range(5, 50):
        dataset_factory(title_fr=f"Jeu {n}", tags=[f"t{n}"], private=n % 2 == 0,
                        resources=[{"url": f"https://example.org/{n}.csv", "format": "CSV"}])
    large = measure()
    assert (small[1], large[1]) == (5, 50)
    assert small[0] == large[0] <= 14
