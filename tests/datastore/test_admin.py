"""The datastore in Django's admin: datastores, tables and saved visualisations are listed and shown
read-only; visualisations are deleted through their service (permissions checked)."""

import pytest

from ouvert.datastore import selectors, visualisations
from ouvert.datastore.visualisations import Visualisation
from tests.datastore.kit import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db

CHART = {"type": "bar", "x": "ville", "aggregate": "sum", "y": "population"}


@pytest.fixture
def saved(dataset_factory, upload, editor):
    resource = upload(dataset_factory(), "villes.csv", b"ville,population\nLaval,438366\nLevis,149683\n")
    return visualisations.visualisation_create(actor=editor, resource=resource, data={
        "title_fr": "Population par ville", "chart": CHART, "view": {}})


def test_admin_pages_of_the_datastore_load(client, admin_user, saved):
    client.force_login(admin_user)
    table = selectors.table_for_resource(saved.resource)
    for url in ("/fr/admin/datastore/datastore/", f"/fr/admin/datastore/datastore/{saved.resource.pk}/change/",
                "/fr/admin/datastore/datastoretable/", f"/fr/admin/datastore/datastoretable/{table.pk}/change/",
                "/fr/admin/datastore/visualisation/", f"/fr/admin/datastore/visualisation/{saved.pk}/change/",
                "/fr/admin/datastore/visualisation/?q=Population"):
        response = client.get(url)
        assert response.status_code == 200, url
    listing = client.get("/fr/admin/datastore/visualisation/").content.decode()
    assert "Population par ville" in listing and "delete_through_service" in listing
    assert client.get("/fr/admin/datastore/visualisation/add/").status_code == 403
    assert client.post(f"/fr/admin/datastore/visualisation/{saved.pk}/delete/", {"post": "yes"}).status_code == 403


def test_visualisations_are_deleted_through_the_service(client, admin_user, saved, make_user):
    from django.contrib.auth.models import Permission

    # Staff allowed to look at visualisations in the admin, but no editor of the dataset.
    bystander = make_user()
    bystander.is_staff = True
    bystander.save(update_fields=["is_staff"])
    bystander.user_permissions.add(*Permission.objects.filter(codename="view_visualisation"))
    client.force_login(bystander)
    response = client.post("/fr/admin/datastore/visualisation/",
                           {"action": "delete_through_service", "_selected_action": [str(saved.pk)]}, follow=True)
    assert response.status_code == 200
    assert "Vous devez être éditeur" in response.content.decode()
    assert Visualisation.objects.filter(pk=saved.pk).exists()
    client.force_login(admin_user)
    response = client.post("/fr/admin/datastore/visualisation/",
                           {"action": "delete_through_service", "_selected_action": [str(saved.pk)]}, follow=True)
    assert "1 visualisation supprimée." in response.content.decode()
    assert not Visualisation.objects.exists()
