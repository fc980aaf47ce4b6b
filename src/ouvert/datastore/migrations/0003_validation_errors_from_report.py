"""``DatastoreTable.validation_errors`` counted again from each stored report's ``stats.errors``.

Tables validated before the count was read from the report's totals got 0 (the top-level ``errors``
list of a Frictionless-shaped report is always empty); the report itself was right, so the count is
taken from it. No schema change."""

from django.db import migrations


def _total(report):
    if not isinstance(report, dict):
        return None
    total = (report.get("stats") or {}).get("errors")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return sum(int(n) for n in (report.get("counts") or {}).values() if isinstance(n, int))


def recount(apps, schema_editor):
    DatastoreTable = apps.get_model("datastore", "DatastoreTable")
    for table in DatastoreTable.objects.exclude(validation=None).only("id", "validation", "validation_errors") \
            .iterator(chunk_size=200):
        total = _total(table.validation)
        if total is not None and total != table.validation_errors:
            DatastoreTable.objects.filter(pk=table.pk).update(validation_errors=total)


class Migration(migrations.Migration):

    dependencies = [
        ("datastore", "0002_visualisation"),
    ]

    operations = [
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
