"""CKAN's DataStore API over HTTP (``/api/3/action/datastore_*``) and its ``/api/v1/datastore/`` twin:
the answers' shape and every parameter of ``datastore_search``, who may read, and hostile input
(injection through ``filters``, ``sort``, ``fields`` and ``q``, NUL bytes, huge values, unknown
columns): a clear 409 (400 on /api/v1), never a 500, and the data intact."""

import hashlib
import json

import pytest
from django.core.files.storage import default_storage

from ouvert.core import services as core_services
from ouvert.datastore import selectors
from tests.datastore.kit import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db

HEADER = ["id", "ville", "montant", "jour", "actif", "note"]
ROWS = [
    [1, "Montréal", "12.50", "2024-01-15", "true", "première"],
    [2, "Québec", "7.25", "2024-02-01", "false", ""],
    [3, "Laval", "", "2024-02-01", "true", "Élan"],
    [4, "Lévis", "100", "2023-12-31", "false", ""],
    [5, "Montréal", "3", "2024-03-10", "true", "deuxième"],
    [6, "Trois-Rivières", "55.5", "2024-01-15", "false", "Montréal-Nord"],
]


@pytest.fixture
def villes(dataset_factory, upload):
    lines = [",".join(HEADER)] + [",".join(str(v) for v in row) for row in ROWS]
    return upload(dataset_factory(name="villes"), "villes.csv", ("\n".join(lines) + "\n").encode("utf-8"))


@pytest.fixture
def api(client):
    """``api("datastore_search", resource_id=…)`` by GET (JSON-encoded dicts and lists), ``_post=True``
    for a JSON body; returns (status, result or error)."""

    def call(_action, *, _post=False, _token=None, **params):
        headers = {"HTTP_AUTHORIZATION": _token} if _token else {}
        if _post:
            response = client.post(f"/api/3/action/{_action}", json.dumps(params), content_type="application/json",
                                   **headers)
        else:
            query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
            response = client.get(f"/api/3/action/{_action}", query, **headers)
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        body = response.json()
        assert body["success"] is (response.status_code == 200)
        return response.status_code, body["result"] if response.status_code == 200 else body["error"]

    return call


def _ids(result):
    return [record["_id"] for record in result["records"]]


def test_search_answers_as_ckan(api, villes):
    status, result = api("datastore_search", resource_id=str(villes.pk))
    assert status == 200
    assert result["resource_id"] == str(villes.pk) and result["limit"] == 100 and result["include_total"] is True
    assert result["records_format"] == "objects" and result["total"] == 6 and result["total_was_estimated"] is False
    assert result["fields"] == [{"id": "_id", "type": "int"}, {"id": "id", "type": "int"},
                                {"id": "ville", "type": "text"}, {"id": "montant", "type": "numeric"},
                                {"id": "jour", "type": "date"}, {"id": "actif", "type": "bool"},
                                {"id": "note", "type": "text"}]
    assert result["records"][0] == {"_id": 1, "id": 1, "ville": "Montréal", "montant": 12.5, "jour": "2024-01-15",
                                    "actif": True, "note": "première"}
    assert result["records"][1]["note"] is None and result["records"][2]["montant"] is None
    assert _ids(result) == [1, 2, 3, 4, 5, 6]
    assert result["_links"]["start"] == f"/api/3/action/datastore_search?resource_id={villes.pk}"
    assert result["_links"]["next"] == f"/api/3/action/datastore_search?resource_id={villes.pk}&offset=100"
    status, same = api("datastore_search", _post=True, id=str(villes.pk))
    assert status == 200 and same["records"] == result["records"]
    assert same["_links"] == {"start": "/api/3/action/datastore_search",
                              "next": "/api/3/action/datastore_search?offset=100"}


def test_filters_q_fields_sort_paging_distinct_and_formats(api, villes):
    rid = str(villes.pk)
    search = lambda **p: api("datastore_search", resource_id=rid, **p)[1]  # noqa: E731
    assert _ids(search(filters={"ville": "Montréal"})) == [1, 5]
    assert _ids(search(filters={"ville": ["Laval", "Lévis"], "actif": "true"})) == [3]
    assert _ids(search(filters={"id": "4"})) == [4]  # numbers given as text, as CKAN takes them
    assert _ids(search(filters={"montant": 12.5})) == [1]
    assert _ids(search(filters={"jour": "2024-02-01"})) == [2, 3]
    assert _ids(search(filters={"note": None})) == [2, 4]
    # Full text: every word, case and accents ignored, over every text column (or one).
    assert _ids(search(q="montreal")) == [1, 5, 6]
    assert _ids(search(q="MONTRÉAL nord")) == [6]
    assert _ids(search(q={"ville": "riv"})) == [6]
    assert _ids(search(q="elan")) == [3]
    assert search(fields="ville, id")["fields"] == [{"id": "ville", "type": "text"}, {"id": "id", "type": "int"}]
    assert search(fields=json.dumps(["id"]), limit=2)["records"] == [{"id": 1}, {"id": 2}]
    assert _ids(search(sort="montant desc nulls last, ville")) == [4, 6, 1, 2, 5, 3]
    assert _ids(search(sort='"jour" asc, id desc')) == [4, 6, 1, 3, 2, 5]
    page = search(sort="ville", limit=2, offset=2)
    assert [r["ville"] for r in page["records"]] == ["Montréal", "Montréal"] and page["offset"] == 2
    assert page["_links"]["next"].endswith("offset=4") and page["total"] == 6
    assert search(limit=100000)["limit"] == 32000  # CKAN's rows_max
    assert search(limit=0)["records"] == [] and search(limit=0)["total"] == 6
    distinct = search(fields="jour", distinct="true", sort="jour")
    assert [r["jour"] for r in distinct["records"]] == ["2023-12-31", "2024-01-15", "2024-02-01", "2024-03-10"]
    assert distinct["total"] == 4
    assert "total" not in search(include_total="false")
    assert search(records_format="lists", fields="id,ville", limit=2)["records"] == [[1, "Montréal"], [2, "Québec"]]
    assert search(records_format="csv", fields="id,ville,actif", limit=2)["records"] == "1,Montréal,true\n2,Québec,false\n"
    assert search(records_format="tsv", fields="id,note", limit=2)["records"] == "1\tpremière\n2\t\n"


HOSTILE = [
    ({"filters": {'ville"; DROP TABLE x; --': "a"}}, "filters"),
    ({"filters": {"id": "1; DROP TABLE x"}}, "filters"),
    ({"filters": {"id": "abc"}}, "filters"),
    ({"filters": {"ville": "a\x00b"}}, "filters"),
    ({"filters": {"ville": {"$gt": "a"}}}, "filters"),
    ({"filters": ["ville"]}, "filters"),
    ({"filters": "{not json"}, "filters"),
    ({"filters": {"inconnue": "x"}}, "filters"),
    ({"sort": "ville; DROP TABLE x"}, "sort"),
    ({"sort": "ville desc; SELECT 1"}, "sort"),
    ({"sort": '"ville"" desc'}, "sort"),
    ({"sort": "(SELECT 1)"}, "sort"),
    ({"fields": "ville, (SELECT 1)"}, "fields"),
    ({"fields": 'ville" FROM x --'}, "fields"),
    ({"fields": "ville,ville"}, "fields"),
    ({"q": "a\x00b"}, "q"),
    ({"q": "x" * 20000}, "q"),
    ({"q": {"inconnue": "x"}}, "q"),
    ({"limit": "abc"}, "limit"),
    ({"limit": -1}, "limit"),
    ({"offset": "1 OR 1=1"}, "offset"),
    ({"distinct": "peut-être"}, "distinct"),
    ({"records_format": "xml"}, "records_format"),
    ({"inconnu": "1"}, "inconnu"),
]


@pytest.mark.parametrize("params,key", HOSTILE, ids=[key + str(i) for i, (_p, key) in enumerate(HOSTILE)])
def test_hostile_input_gets_a_clear_409_and_the_data_stays(api, villes, params, key):
    table = selectors.table_for_resource(villes)
    before = hashlib.sha256(default_storage.open(table.parquet).read()).hexdigest()
    status, error = api("datastore_search", _post=True, resource_id=str(villes.pk), **params)
    assert status == 409 and error["__type"] == "Validation Error", error
    assert error[key] and error["message"].startswith(f"{key}: ")
    status, result = api("datastore_search", resource_id=str(villes.pk))
    assert status == 200 and result["total"] == 6
    assert hashlib.sha256(default_storage.open(table.parquet).read()).hexdigest() == before


def test_values_that_look_like_sql_are_only_values(api, villes):
    for value in ("'; DROP TABLE villes; --", "Montréal' OR '1'='1", '" OR 1=1 --'):
        status, result = api("datastore_search", _post=True, resource_id=str(villes.pk), filters={"ville": value})
        assert status == 200 and result["total"] == 0
        status, result = api("datastore_search", _post=True, resource_id=str(villes.pk), q=value)
        assert status == 200 and result["total"] == 0
    assert api("datastore_search", resource_id=str(villes.pk))[1]["total"] == 6


def test_who_may_read(api, client, dataset_factory, upload, member):
    private = upload(dataset_factory(private=True), "secret.csv", b"n\n1\n2\n")
    status, error = api("datastore_search", resource_id=str(private.pk))
    assert status == 404 and error["__type"] == "Not Found Error"
    token = core_services.token_create(user=member)
    status, result = api("datastore_search", resource_id=str(private.pk), _token=token)
    assert status == 200 and result["total"] == 2
    status, error = api("datastore_search", resource_id=str(private.pk), _token="jeton-bidon")
    assert status == 403 and error["__type"] == "Authorization Error"
    status, error = api("datastore_search", resource_id="pas-un-uuid")
    assert status == 404
    status, error = api("datastore_search")
    assert status == 409 and error["resource_id"]
    # Through /api/v1 too.
    assert client.get(f"/api/v1/datastore/{private.pk}/search").status_code == 404
    response = client.get(f"/api/v1/datastore/{private.pk}/search", HTTP_AUTHORIZATION=token)
    assert response.status_code == 200 and response.json()["total"] == 2


def test_info_answers_as_ckan_with_the_ingestion_profile_and_dictionary(api, villes, editor):
    from ouvert.datastore import services

    services.schema_set(actor=editor, resource=villes, schema={"fields": [
        {"name": "ville", "type": "string", "title": "Ville", "description_fr": "Nom de la ville",
         "description_en": "City name"}]})
    status, info = api("datastore_info", id=str(villes.pk))
    assert status == 200
    assert info["meta"]["id"] == str(villes.pk) and info["meta"]["count"] == 6
    assert info["meta"]["table_type"] == "BASE TABLE" and info["meta"]["size"] > 0
    assert [f["id"] for f in info["fields"]] == HEADER
    ville = info["fields"][1]
    assert ville["type"] == "text" and ville["schema"]["native_type"] == "VARCHAR" and ville["schema"]["notnull"]
    assert ville["info"]["label"] == "Ville" and ville["info"]["notes_en"] == "City name"
    assert info["ingestion"]["state"] == "done" and info["ingestion"]["serving"]["rows"] == 6
    assert {p["name"] for p in info["profile"]} == set(HEADER)
    status, error = api("datastore_info", id="00000000-0000-0000-0000-000000000000")
    assert status == 404


def test_the_rest_api_twins(client, villes):
    base = f"/api/v1/datastore/{villes.pk}"
    response = client.get(f"{base}/search", {"filters": json.dumps({"ville": "Montréal"}), "fields": "id",
                                             "sort": "id desc"})
    assert response.status_code == 200
    body = response.json()
    assert body["records"] == [{"id": 5}, {"id": 1}] and body["total"] == 2
    assert body["_links"]["next"].startswith(f"{base}/search?")
    response = client.post(f"{base}/search", json.dumps({"q": "quebec", "fields": ["ville"]}),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["records"] == [{"ville": "Québec"}]
    response = client.get(f"{base}/search", {"sort": "ville; DROP TABLE x"})
    assert response.status_code == 400 and "sort" in response.json()["errors"]
    info = client.get(f"{base}/info").json()
    assert info["meta"]["count"] == 6
    ingestions = client.get(f"{base}/ingestions").json()
    assert ingestions["state"] == "done" and len(ingestions["history"]) == 1
    response = client.get("/api/v1/datastore/sql", {"sql": f'SELECT ville, count(*) AS n FROM "{villes.pk}" '
                                                           f"GROUP BY ville ORDER BY n DESC, ville LIMIT 1"})
    assert response.status_code == 200 and response.json()["records"] == [{"ville": "Montréal", "n": 2}]
    response = client.post("/api/v1/datastore/sql", json.dumps({"sql": "SELECT * FROM read_csv('/etc/passwd')"}),
                           content_type="application/json")
    assert response.status_code == 403 and "read_csv" in response.json()["detail"]
    response = client.get("/api/v1/datastore/sql", {"sql": "COPY (SELECT 1) TO '/tmp/x.csv'"})
    assert response.status_code == 400
    assert client.get("/api/v1/datastore/00000000-0000-0000-0000-000000000000/info").status_code == 404


def test_help_show_documents_the_actions(api):
    status, text = api("help_show", name="datastore_search")
    assert status == 200 and "filters" in text and "records_format" in text


def test_a_search_that_runs_too_long_is_stopped(api, dataset_factory, upload, settings):
    from ouvert.datastore import query

    rows = "".join(f"{i},texte numéro {i} Montréal\n" for i in range(200_000))
    resource = upload(dataset_factory(), "long.csv", ("id,texte\n" + rows).encode("utf-8"))
    settings.OUVERT_DATASTORE_CACHE_MB = 0  # read from the file: no folded-text table
    settings.OUVERT_DATASTORE_SQL_TIMEOUT = 0.02
    query.clear()
    status, error = api("datastore_search", resource_id=str(resource.pk), q="zzz yyy xxx", include_total="true")
    assert status == 409 and "trop de temps" in error["query"][0]
    settings.OUVERT_DATASTORE_SQL_TIMEOUT = 10
    status, result = api("datastore_search", resource_id=str(resource.pk), q="numero 199999")
    assert status == 200 and result["total"] == 1


def test_the_schema_through_the_rest_api(client, villes, editor, member):
    url = f"/api/v1/datastore/{villes.pk}/schema"
    schema = {"fields": [{"name": "ville", "type": "string", "description_fr": "Nom", "description_en": "Name"}]}
    body = json.dumps(schema)
    assert client.put(url, body, content_type="application/json").status_code == 401
    member_token = core_services.token_create(user=member)
    response = client.put(url, body, content_type="application/json", HTTP_AUTHORIZATION=member_token)
    assert response.status_code == 403 and "éditeur" in response.json()["detail"]
    token = core_services.token_create(user=editor)
    response = client.put(url, json.dumps({"fields": [{"name": "ville", "type": "texte"}]}),
                          content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and "fields[0].type" in response.json()["detail"]
    response = client.put(url, body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 200 and response.json() == {"resource_id": str(villes.pk), "schema": schema}
    assert client.get(f"/api/v1/datastore/{villes.pk}/info").json()["fields"][1]["info"]["notes_en"] == "Name"
