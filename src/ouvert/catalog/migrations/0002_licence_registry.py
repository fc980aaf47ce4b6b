"""Seed the licence registry (``ouvert.catalog.licences``)."""

from django.db import migrations

from ouvert.catalog.licences import LICENCES, ensure_registry


def seed(apps, schema_editor):
    ensure_registry(apps.get_model("catalog", "Licence"), overwrite=True)


def unseed(apps, schema_editor):
    Licence = apps.get_model("catalog", "Licence")
    Dataset = apps.get_model("catalog", "Dataset")
    used = set(Dataset.objects.values_list("licence_id", flat=True))
    Licence.objects.filter(pk__in=[row[0] for row in LICENCES]).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
