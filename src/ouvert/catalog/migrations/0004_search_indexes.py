"""Indexes for ``package_search`` at 100,000 datasets (measured with ``bench/catalog_search.py``).

- A covering index on the dataset's primary key with what every search filters and sorts on
  (state, private, publisher, modification date, name): joining the full-text matches to the
  datasets then reads the index alone, never the wide dataset rows (SQLite: a composite index;
  PostgreSQL: ``INCLUDE`` columns, used by index-only scans).
- PostgreSQL: an index on the dataset documents' ``object_id`` as a UUID, so that a selective
  filter (one publisher…) can drive the search from the datasets to their documents.
"""

from django.db import migrations

FORWARD = {
    "sqlite": [
        "CREATE INDEX IF NOT EXISTS catalog_dataset_search_idx ON catalog_dataset "
        "(id, state, private, organisation_id, modified_at, name)",
        "ANALYZE catalog_dataset",
    ],
    "postgresql": [
        "CREATE INDEX IF NOT EXISTS catalog_dataset_search_idx ON catalog_dataset (id) "
        "INCLUDE (state, private, organisation_id, modified_at, name)",
        "CREATE INDEX IF NOT EXISTS core_searchdocument_dataset_uuid_idx ON core_searchdocument "
        "((CAST(object_id AS uuid))) WHERE kind = 'dataset'",
    ],
}
BACKWARD = {
    "sqlite": ["DROP INDEX IF EXISTS catalog_dataset_search_idx"],
    "postgresql": ["DROP INDEX IF EXISTS catalog_dataset_search_idx",
                   "DROP INDEX IF EXISTS core_searchdocument_dataset_uuid_idx"],
}


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_dataset_view_count"),
        ("core", "0002_search"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
