"""The datastore's copies of linked files never reach a private, local or reserved address
(``ouvert.core.net``, through harvest's client): a link to 127.0.0.1, to the cloud metadata address,
to ``localhost:5432`` or redirecting to the loopback fails its ingestion with « adresse interdite »
(the reason in the ingestion's status, also over the API) and nothing is asked for; allowed by
``OUVERT_OUTBOUND_ALLOWED_HOSTS``, the same link is copied and served."""

import pytest

from ouvert.catalog import services as catalog_services
from ouvert.datastore import selectors, services
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import csv_bytes
from tests.harvest.conftest import static_server  # noqa: F401

pytestmark = pytest.mark.django_db

VILLES = csv_bytes([["Montréal", 1762949], ["Gatineau", 291041]], header=["ville", "population"])


def _link(dataset, editor, url, capture):
    with capture(execute=True):
        return catalog_services.resource_create(actor=editor, dataset=dataset,
                                                data={"name_fr": "Villes", "format": "CSV", "url": url})


def test_a_link_to_the_loopback_is_refused_then_copied_once_allowed(dataset_factory, editor, static_server,  # noqa: F811
                                                                    settings, client,
                                                                    django_capture_on_commit_callbacks):
    url = static_server.put("/villes.csv", VILLES, "text/csv")
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = []  # the fixture allowed the local server: not any more
    resource = _link(dataset_factory(), editor, url, django_capture_on_commit_callbacks)
    failed = selectors.latest_table(resource)
    assert failed.status == "failed" and failed.error_code == "fetch-error"
    assert failed.error_message == (f"{url} : adresse interdite : 127.0.0.1 est une adresse privée, locale ou "
                                    "réservée ; aucune requête n'y est envoyée.")
    assert static_server.requests == [] and selectors.table_for_resource(resource) is None
    # The publisher reads why, over the API too.
    client.force_login(editor)
    answer = client.get(f"/api/v1/datastore/{resource.pk}/ingestions").json()
    assert answer["state"] == "failed" and "adresse interdite" in answer["latest"]["error"]["message"]

    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "127.0.0.1"
    table = services.ingestion_request(resource=resource)
    services.ingestion_run(table_id=table.pk)
    served = selectors.table_for_resource(resource)
    assert served is not None and served.rows == 2 and static_server.requests == ["/villes.csv"]


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/iam.csv", "http://localhost:5432/x.csv",
                                 "http://10.1.2.3/villes.csv", "http://[::1]/villes.csv"])
def test_links_to_forbidden_addresses_are_never_fetched(dataset_factory, editor, url,
                                                        django_capture_on_commit_callbacks):
    resource = _link(dataset_factory(), editor, url, django_capture_on_commit_callbacks)
    failed = selectors.latest_table(resource)
    assert failed.error_code == "fetch-error" and failed.error_message.startswith(f"{url} : adresse interdite : ")
    assert not failed.source_sha256 and not failed.source_size


def test_a_link_redirecting_to_the_loopback_is_refused(dataset_factory, editor, static_server,  # noqa: F811
                                                      settings, django_capture_on_commit_callbacks):
    # localhost stands for a public host (allowed by name); it redirects to 127.0.0.1, which is not allowed.
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["localhost"]
    inside = static_server.put("/interne.csv", VILLES, "text/csv")
    static_server.put("/villes.csv", b"", "text/plain", status=302, headers={"Location": inside})
    public = static_server.url.replace("127.0.0.1", "localhost") + "/villes.csv"
    resource = _link(dataset_factory(), editor, public, django_capture_on_commit_callbacks)
    failed = selectors.latest_table(resource)
    assert failed.error_code == "fetch-error"
    assert failed.error_message.startswith(f"{inside} : adresse interdite : 127.0.0.1 ")
    assert static_server.requests == ["/villes.csv"]  # the inside file was never asked for
