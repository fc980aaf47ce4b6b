"""Filter terms in the search index (``ouvert.core.search``: ``terms``, never ranked).

SQLite: the FTS5 table gets a fourth column and is rebuilt from the document table.
PostgreSQL: the generated ``tsvector`` gets the terms with weight D, and its GIN index is rebuilt.
Every existing document gets the token of its kind (its other terms come with its next
indexing: ``catalog`` fills those of datasets in its own migration).
"""

from django.db import migrations, models

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS core_searchdocument_au",
    "DROP TRIGGER IF EXISTS core_searchdocument_ad",
    "DROP TRIGGER IF EXISTS core_searchdocument_ai",
    "DROP TABLE IF EXISTS core_search_fts",
    """CREATE VIRTUAL TABLE core_search_fts USING fts5(
        title, keywords, body, terms, content='core_searchdocument', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER core_searchdocument_ai AFTER INSERT ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(rowid, title, keywords, body, terms)
        VALUES (new.id, new.title, new.keywords, new.body, new.terms);
    END""",
    """CREATE TRIGGER core_searchdocument_ad AFTER DELETE ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, keywords, body, terms)
        VALUES ('delete', old.id, old.title, old.keywords, old.body, old.terms);
    END""",
    """CREATE TRIGGER core_searchdocument_au AFTER UPDATE ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, keywords, body, terms)
        VALUES ('delete', old.id, old.title, old.keywords, old.body, old.terms);
        INSERT INTO core_search_fts(rowid, title, keywords, body, terms)
        VALUES (new.id, new.title, new.keywords, new.body, new.terms);
    END""",
]
SQLITE_REBUILD = ["INSERT INTO core_search_fts(core_search_fts) VALUES ('rebuild')"]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_searchdocument_au",
    "DROP TRIGGER IF EXISTS core_searchdocument_ad",
    "DROP TRIGGER IF EXISTS core_searchdocument_ai",
    "DROP TABLE IF EXISTS core_search_fts",
    """CREATE VIRTUAL TABLE core_search_fts USING fts5(
        title, keywords, body, content='core_searchdocument', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER core_searchdocument_ai AFTER INSERT ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body);
    END""",
    """CREATE TRIGGER core_searchdocument_ad AFTER DELETE ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
    END""",
    """CREATE TRIGGER core_searchdocument_au AFTER UPDATE ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
        INSERT INTO core_search_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body);
    END""",
    "INSERT INTO core_search_fts(core_search_fts) VALUES ('rebuild')",
]
POSTGRESQL_FORWARD = [
    "DROP INDEX IF EXISTS core_searchdocument_vector_idx",
    "ALTER TABLE core_searchdocument DROP COLUMN IF EXISTS vector",
    """ALTER TABLE core_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A')
        || setweight(to_tsvector('simple', keywords), 'B')
        || setweight(to_tsvector('simple', body), 'C')
        || setweight(to_tsvector('simple', terms), 'D')) STORED""",
    "CREATE INDEX core_searchdocument_vector_idx ON core_searchdocument USING gin (vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS core_searchdocument_vector_idx",
    "ALTER TABLE core_searchdocument DROP COLUMN IF EXISTS vector",
    """ALTER TABLE core_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A')
        || setweight(to_tsvector('simple', keywords), 'B')
        || setweight(to_tsvector('simple', body), 'C')) STORED""",
    "CREATE INDEX core_searchdocument_vector_idx ON core_searchdocument USING gin (vector)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def kind_terms(apps, schema_editor):
    """Every document gets the base token and its kind's token (``core.search.terms_text``)."""
    from ouvert.core.search import terms_text

    SearchDocument = apps.get_model("core", "SearchDocument")
    for kind in SearchDocument.objects.values_list("kind", flat=True).distinct():
        SearchDocument.objects.filter(kind=kind).update(terms=terms_text(kind, ()))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_periodicrun'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchdocument',
            name='terms',
            field=models.TextField(blank=True, default='', verbose_name='termes de filtre'),
        ),
        migrations.RunPython(_run({"sqlite": SQLITE_FORWARD + SQLITE_REBUILD, "postgresql": POSTGRESQL_FORWARD}),
                             _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD})),
        # After the rebuild: the triggers keep the FTS5 table in step with these updates.
        migrations.RunPython(kind_terms, migrations.RunPython.noop),
    ]
