"""Open by default: a module's public data mirrored as a dataset, refreshed only when it changes."""

import hashlib

import pytest

from ouvert.catalog import services
from ouvert.catalog.models import Activity, ResourceVersion

pytestmark = pytest.mark.django_db

METADATA = {"name": "jalons-plan-action", "title_fr": "Jalons du plan d'action",
            "title_en": "Action plan milestones", "notes_fr": "Suivi des jalons.", "tags": ["gouvernement ouvert"]}


def _resources(csv: bytes):
    return [{"name_fr": "Jalons (CSV)", "name_en": "Milestones (CSV)", "format": "CSV", "filename": "jalons.csv",
             "content": csv},
            {"name_fr": "Jalons (JSON)", "name_en": "Milestones (JSON)", "format": "JSON", "filename": "jalons.json",
             "content": b'{"milestones": []}'}]


def test_publish_then_refresh_only_what_changed(publisher_org):
    dataset = services.open_data_publish(key="plan", organisation=publisher_org, metadata=METADATA,
                                         resources=_resources(b"numero;etat\n1.1;completed\n"))
    assert dataset.extras["source_module"] == "plan" and dataset.created_by is None
    csv_resource, json_resource = services.resource_list(dataset=dataset)
    assert csv_resource.sha256 == hashlib.sha256(b"numero;etat\n1.1;completed\n").hexdigest()
    activities = Activity.objects.filter(dataset=dataset).count()

    again = services.open_data_publish(key="plan", organisation=publisher_org, metadata=METADATA,
                                       resources=_resources(b"numero;etat\n1.1;completed\n"))
    assert again.pk == dataset.pk
    assert Activity.objects.filter(dataset=dataset).count() == activities  # nothing changed, nothing recorded
    assert ResourceVersion.objects.count() == 2

    services.open_data_publish(key="plan", organisation=publisher_org, metadata=METADATA,
                               resources=_resources(b"numero;etat\n1.1;completed\n1.2;limited\n"))
    csv_resource.refresh_from_db()
    json_resource.refresh_from_db()
    assert csv_resource.current_version.number == 2 and json_resource.current_version.number == 1
    assert ResourceVersion.objects.count() == 3
    assert Activity.objects.filter(dataset=dataset).count() == activities + 1


def test_a_resource_the_module_no_longer_publishes_is_removed_but_not_a_persons(publisher_org, editor):
    from django.core.files.base import ContentFile

    dataset = services.open_data_publish(key="plan", organisation=publisher_org, metadata=METADATA,
                                         resources=_resources(b"numero;etat\n1.1;completed\n"))
    mine = services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Notes de l'équipe",
                                                                         "format": "TXT"},
                                    upload=ContentFile(b"Notes.", name="notes.txt"))
    services.open_data_publish(key="plan", organisation=publisher_org, metadata=METADATA,
                               resources=_resources(b"numero;etat\n1.1;completed\n")[:1])
    names = [r.name_fr for r in services.resource_list(dataset=dataset)]
    assert names == ["Jalons (CSV)", "Notes de l'équipe"]
    mine.refresh_from_db()
    assert mine.state == "active"
