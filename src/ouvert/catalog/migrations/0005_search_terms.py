"""The filter terms of the datasets already in the search index (``indexing.dataset_terms``, as it was
written when this migration was: state, private, publisher, licence, tags, themes, formats)."""

from django.db import migrations

BATCH = 2000


def fill_terms(apps, schema_editor):
    from ouvert.core.search import object_key, terms_text

    Dataset = apps.get_model("catalog", "Dataset")
    Resource = apps.get_model("catalog", "Resource")
    SearchDocument = apps.get_model("core", "SearchDocument")
    TagLink, ThemeLink = Dataset.tags.through, Dataset.themes.through
    ids = list(Dataset.objects.exclude(state="deleted").order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        terms = {pk: [] for pk in chunk}
        for pk, state, private, org, licence in Dataset.objects.filter(pk__in=chunk).values_list(
                "pk", "state", "private", "organisation_id", "licence_id"):
            terms[pk] += [("state", state), ("private", "1" if private else "0"), ("org", str(org))]
            if licence:
                terms[pk].append(("licence", licence))
        for pk, name in TagLink.objects.filter(dataset_id__in=chunk).values_list("dataset_id", "tag__name"):
            terms[pk].append(("tag", name))
        for pk, name in ThemeLink.objects.filter(dataset_id__in=chunk).values_list("dataset_id", "theme__name"):
            terms[pk].append(("group", name))
        for pk, fmt in (Resource.objects.filter(dataset_id__in=chunk, state="active").exclude(format="")
                        .order_by("dataset_id", "position").values_list("dataset_id", "format")):
            terms[pk].append(("format", fmt.lower()))
        for pk, items in terms.items():
            SearchDocument.objects.filter(kind="dataset", object_id=object_key(pk)).update(
                terms=terms_text("dataset", items))


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_search_indexes"),
        ("core", "0004_search_terms"),
    ]

    operations = [
        migrations.RunPython(fill_terms, migrations.RunPython.noop),
    ]
