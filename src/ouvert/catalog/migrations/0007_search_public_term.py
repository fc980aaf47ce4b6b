"""The "public" filter term (``indexing.PUBLIC_TERM``: published and not private) added to the search
documents of the datasets already indexed, as ``indexing.dataset_terms`` now writes it."""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat

BATCH = 2000


def add_public_term(apps, schema_editor):
    from ouvert.core.search import object_key, term_token

    Dataset = apps.get_model("catalog", "Dataset")
    SearchDocument = apps.get_model("core", "SearchDocument")
    token = " " + term_token("public", "1")
    ids = list(Dataset.objects.filter(state="active", private=False).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        keys = [object_key(pk) for pk in ids[start:start + BATCH]]
        (SearchDocument.objects.filter(kind="dataset", object_id__in=keys).exclude(terms__contains=token)
         .update(terms=Concat(F("terms"), Value(token))))


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0006_search_sort_indexes"),
    ]

    operations = [
        migrations.RunPython(add_public_term, migrations.RunPython.noop),
    ]
