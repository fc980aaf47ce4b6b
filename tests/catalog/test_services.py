import pytest

from ouvert.catalog.models import Activity, Dataset


@pytest.mark.django_db
def test_factory_creates_a_dataset_with_activity(dataset_factory):
    dataset = dataset_factory(title_fr="Vélos en libre-service", tags=["vélo", "mobilité"])
    assert Dataset.objects.get(pk=dataset.pk).licence_id == "CC-BY-4.0"
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["mobilité", "vélo"]
    activity = Activity.objects.get(dataset=dataset)
    assert activity.activity_type == "new package"
    assert activity.snapshot["title"] == "Vélos en libre-service"
