"""Stable identifiers and checksums on the catalogue's pages and APIs (helper « integrity »):

- a dataset's permanent address ``/<lang>/catalogue/jeux/<uuid>/`` follows its name (302, since the name
  may change again); old names redirect permanently (301), after two renames too;
- a resource's permanent addresses ``/<lang>/catalogue/ressources/<uuid>/`` (its place on the dataset's
  page) and ``…/telecharger/`` (its file), whatever the dataset's name; a removed resource answers 410
  with a message, an unknown or malformed one 404, one of a private dataset 404 for others;
- the dataset page shows the SHA-256 and exact size of the current and of every older version (plain
  selectable text, a copy button added by JavaScript) and the permanent addresses;
- the CKAN API (``hash``, ``size``; ``resource_version_list`` for every version: ``tests/quality``) and DCAT
  (``spdx:checksum``, Turtle and JSON-LD) carry the checksums of a real upload.
On SQLite and PostgreSQL."""

import hashlib
import json
import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from rdflib import Graph, Namespace, URIRef

from ouvert.catalog import services

pytestmark = pytest.mark.django_db

SPDX = Namespace("http://spdx.org/rdf/terms#")
V1 = b"code,nom\n01,Bas-Saint-Laurent\n02,Saguenay\n"
V2 = b"code,nom\n01,Bas-Saint-Laurent\n02,Saguenay-Lac-Saint-Jean\n03,Capitale-Nationale\n"


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def regions(dataset_factory, editor):
    """A dataset whose resource has two uploaded versions."""
    dataset = dataset_factory(name="regions-2023", title_fr="Régions administratives")
    resource = services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Liste des régions"},
                                        upload=ContentFile(V1, name="regions.csv"))
    services.resource_update(actor=editor, resource=resource, data={}, partial=True,
                             upload=ContentFile(V2, name="regions.csv"))
    resource.refresh_from_db()
    return resource


def rename(dataset, name, editor):
    return services.dataset_update(actor=editor, dataset=dataset, data={"name": name}, partial=True)


# --- Datasets -----------------------------------------------------------------------------------------

def test_the_uuid_address_follows_the_name_and_old_names_stay_after_two_renames(client, regions, editor):
    dataset = regions.dataset
    by_uuid = f"/fr/catalogue/jeux/{dataset.pk}/"
    response = client.get(by_uuid)
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/jeux/regions-2023/"
    # Other spellings of the same UUID, and the English page.
    assert client.get(f"/fr/catalogue/jeux/{str(dataset.pk).upper()}/")["Location"] == "/fr/catalogue/jeux/regions-2023/"
    assert client.get(f"/en/catalogue/jeux/{dataset.pk}/")["Location"] == "/en/catalogue/jeux/regions-2023/"

    rename(dataset, "regions-2024", editor)
    dataset = rename(services.dataset_get(name_or_id="regions-2024"), "regions-administratives", editor)
    for old in ("regions-2023", "regions-2024"):
        response = client.get(f"/fr/catalogue/jeux/{old}/")
        assert response.status_code == 301, old
        assert response["Location"] == "/fr/catalogue/jeux/regions-administratives/"
    response = client.get(by_uuid)
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/jeux/regions-administratives/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<code>{dataset.pk}</code>" in html  # the permanent identifier
    assert f'<code id="permalien-jeu">{settings.OUVERT_BASE_URL}/fr/catalogue/jeux/{dataset.pk}/</code>' in html
    assert f'<link rel="canonical" href="{settings.OUVERT_BASE_URL}/fr/catalogue/jeux/regions-administratives/">' in html
    # The old names' downloads follow too.
    response = client.get(f"/fr/catalogue/jeux/regions-2023/ressources/{regions.pk}/telecharger/")
    assert response.status_code == 301
    assert response["Location"] == f"/fr/catalogue/jeux/regions-administratives/ressources/{regions.pk}/telecharger/"


def test_unknown_and_malformed_dataset_identifiers_are_404(client, regions):
    assert client.get("/fr/catalogue/jeux/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/fr/catalogue/jeux/0000-pas-un-uuid/").status_code == 404
    # A NUL character names nothing (and PostgreSQL refuses it in a query): 404, never a 500.
    for path in ("%00%27--/", "%00%27--/historique/", f"a%00/ressources/{regions.pk}/telecharger/",
                 f"a%00/ressources/{regions.pk}/apercu/", f"regions-2023/ressources/{regions.pk}/telecharger/x%00.csv"):
        assert client.get(f"/fr/catalogue/jeux/{path}").status_code == 404, path


def test_a_private_dataset_s_permanent_address_is_404_for_others(client, dataset_factory, member,
                                                                 other_org_editor):
    dataset = dataset_factory(name="prive", private=True)
    url = f"/fr/catalogue/jeux/{dataset.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(other_org_editor)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url)["Location"] == "/fr/catalogue/jeux/prive/"


# --- Resources ----------------------------------------------------------------------------------------

def test_resource_permanent_addresses_survive_renames(client, regions, editor):
    page = f"/fr/catalogue/ressources/{regions.pk}/"
    download = f"/fr/catalogue/ressources/{regions.pk}/telecharger/"
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"] == f"/fr/catalogue/jeux/regions-2023/#ressource-{regions.pk}"
    rename(regions.dataset, "regions-quebec", editor)
    assert client.get(page)["Location"] == f"/fr/catalogue/jeux/regions-quebec/#ressource-{regions.pk}"
    response = client.get(download)
    assert response.status_code == 302
    assert response["Location"] == f"/fr/catalogue/jeux/regions-quebec/ressources/{regions.pk}/telecharger/"
    file = client.get(response["Location"])
    assert file.status_code == 200 and b"".join(file.streaming_content) == V2
    assert file["ETag"] == f'"{sha(V2)}"'
    # The page names the resource's permanent addresses.
    html = client.get("/fr/catalogue/jeux/regions-quebec/").content.decode()
    assert f'<code id="permalien-{regions.pk}">{settings.OUVERT_BASE_URL}{page}</code>' in html
    assert f"<code>{settings.OUVERT_BASE_URL}{download}</code>" in html
    assert client.get(f"/en/catalogue/ressources/{regions.pk}/")["Location"].startswith("/en/catalogue/jeux/")


def test_a_link_resource_s_download_address_leads_to_the_link(client, dataset_factory, editor):
    dataset = dataset_factory(name="liens")
    link = services.resource_create(actor=editor, dataset=dataset,
                                    data={"name_fr": "Source", "url": "https://donnees.example.org/a.csv"})
    response = client.get(client.get(f"/fr/catalogue/ressources/{link.pk}/telecharger/")["Location"])
    assert response.status_code == 302 and response["Location"] == "https://donnees.example.org/a.csv"


def test_removed_unknown_malformed_and_private_resources(client, regions, dataset_factory, editor, member,
                                                         other_org_editor):
    unknown = client.get("/fr/catalogue/ressources/00000000-0000-0000-0000-000000000000/")
    assert unknown.status_code == 404
    assert client.get("/fr/catalogue/ressources/pas-un-uuid/").status_code == 404
    assert client.get("/fr/catalogue/ressources/pas-un-uuid/telecharger/").status_code == 404

    services.resource_delete(actor=editor, resource=regions)
    for url in (f"/fr/catalogue/ressources/{regions.pk}/", f"/fr/catalogue/ressources/{regions.pk}/telecharger/"):
        gone = client.get(url)
        assert gone.status_code == 410
        html = gone.content.decode()
        assert "La ressource « Liste des régions » a été retirée du jeu de données « Régions administratives »" in html
        assert 'href="/fr/catalogue/jeux/regions-2023/#ressources"' in html

    private = dataset_factory(name="prive", private=True)
    secret = services.resource_create(actor=editor, dataset=private, data={"name_fr": "Secret"},
                                      upload=ContentFile(b"a,b\n1,2\n", name="secret.csv"))
    url = f"/fr/catalogue/ressources/{secret.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(url + "telecharger/").status_code == 404
    client.force_login(other_org_editor)
    assert client.get(url).status_code == 404
    services.resource_delete(actor=editor, resource=secret)
    assert client.get(url).status_code == 404  # removed, but from a dataset they may not read: nothing said
    client.force_login(member)
    assert client.get(url).status_code == 410


# --- Checksums -----------------------------------------------------------------------------------------

def test_the_dataset_page_shows_every_version_s_checksum_and_size(client, regions):
    html = client.get("/fr/catalogue/jeux/regions-2023/").content.decode()
    current = re.search(rf'<code id="empreinte-{regions.pk}">([0-9a-f]+)</code>', html).group(1)
    assert current == sha(V2)
    older = re.search(rf'<code id="empreinte-{regions.pk}-v1">([0-9a-f]+)</code>', html).group(1)
    assert older == sha(V1)
    assert f"{len(V2)}\u00a0octets" in html or f"{len(V2)} octets" in html
    assert f"{len(V1)} octets" in html or f"{len(V1)}\u00a0octets" in html
    # Copy buttons come with JavaScript only; without it the checksum is plain selectable text.
    button = re.search(rf'<button[^>]*data-integrity-copy="empreinte-{regions.pk}"[^>]*>', html).group(0)
    assert " hidden" in button and 'type="button"' in button
    assert "catalog/integrity.js" in html and 'role="status" data-integrity-copy-status' in html
    english = client.get("/en/catalogue/jeux/regions-2023/").content.decode()
    assert sha(V1) in english and sha(V2) in english


def test_the_dataset_page_s_queries_do_not_grow_with_versions(client, regions, editor, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/fr/catalogue/jeux/regions-2023/").status_code == 200
    for n in range(4):
        services.resource_update(actor=editor, resource=regions, data={}, partial=True,
                                 upload=ContentFile(V2 + str(n).encode(), name="regions.csv"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/fr/catalogue/jeux/regions-2023/").content.decode()
    assert html.count('data-integrity-copy="empreinte-') == 6


def test_the_ckan_api_carries_the_current_checksum_and_size(client, regions):
    body = client.get("/api/3/action/resource_show", {"id": str(regions.pk)}).json()
    assert body["success"] and body["result"]["hash"] == sha(V2) and body["result"]["size"] == len(V2)
    package = client.get("/api/3/action/package_show", {"id": "regions-2023"}).json()["result"]
    (resource,) = package["resources"]
    assert resource["hash"] == sha(V2) and resource["size"] == len(V2)


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_dcat_carries_the_spdx_checksum_of_a_real_upload(client, regions, fmt):
    response = client.get(f"/dataset/regions-2023.{fmt}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format="turtle" if fmt == "ttl" else "json-ld")
    (checksum,) = list(graph.objects(None, SPDX.checksum))
    assert graph.value(checksum, SPDX.algorithm) == URIRef(SPDX.checksumAlgorithm_sha256)
    assert str(graph.value(checksum, SPDX.checksumValue)) == sha(V2)
    byte_size = [int(str(o)) for o in graph.objects(None, URIRef("http://www.w3.org/ns/dcat#byteSize"))]
    assert byte_size == [len(V2)]
    if fmt == "jsonld":
        assert sha(V2) in json.dumps(json.loads(response.content))
