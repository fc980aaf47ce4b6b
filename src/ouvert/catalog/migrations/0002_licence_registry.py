"""Seed the licence registry: real licences with their official addresses, CC-BY-4.0 by default.

``notspecified``, ``other-open`` and ``other-closed`` are CKAN's own entries (no address), so
that datasets coming from a CKAN keep their meaning. Running it again updates the entries.
"""

from django.db import migrations

LICENCES = [
    # id, title_fr, title_en, url, is_open, is_default
    ("CC-BY-4.0", "Creative Commons Attribution 4.0 International (CC BY 4.0)",
     "Creative Commons Attribution 4.0 International (CC BY 4.0)",
     "https://creativecommons.org/licenses/by/4.0/", True, True),
    ("CC-BY-SA-4.0", "Creative Commons Attribution - Partage dans les mêmes conditions 4.0 International (CC BY-SA 4.0)",
     "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
     "https://creativecommons.org/licenses/by-sa/4.0/", True, False),
    ("CC0-1.0", "Creative Commons Zéro 1.0 Universel (CC0 1.0) – Transfert dans le domaine public",
     "Creative Commons Zero 1.0 Universal (CC0 1.0) Public Domain Dedication",
     "https://creativecommons.org/publicdomain/zero/1.0/", True, False),
    ("ODbL-1.0", "Open Data Commons Open Database License (ODbL) 1.0",
     "Open Data Commons Open Database License (ODbL) v1.0",
     "https://opendatacommons.org/licenses/odbl/1-0/", True, False),
    ("ODC-BY-1.0", "Open Data Commons Attribution License (ODC-By) 1.0",
     "Open Data Commons Attribution License (ODC-By) v1.0",
     "https://opendatacommons.org/licenses/by/1-0/", True, False),
    ("PDDL-1.0", "Open Data Commons Public Domain Dedication and License (PDDL) 1.0",
     "Open Data Commons Public Domain Dedication and License (PDDL) v1.0",
     "https://opendatacommons.org/licenses/pddl/1-0/", True, False),
    ("OGL-Canada-2.0", "Licence du gouvernement ouvert – Canada 2.0",
     "Open Government Licence - Canada 2.0",
     "https://open.canada.ca/en/open-government-licence-canada", True, False),
    ("other-open", "Autre (ouverte)", "Other (Open)", "", True, False),
    ("notspecified", "Licence non précisée", "License not specified", "", False, False),
    ("other-closed", "Autre (non ouverte)", "Other (Not Open)", "", False, False),
]


def seed(apps, schema_editor):
    Licence = apps.get_model("catalog", "Licence")
    Licence.objects.filter(is_default=True).exclude(pk="CC-BY-4.0").update(is_default=False)
    for position, (pk, title_fr, title_en, url, is_open, is_default) in enumerate(LICENCES):
        Licence.objects.update_or_create(pk=pk, defaults={
            "title_fr": title_fr, "title_en": title_en, "url": url, "is_open": is_open,
            "is_default": is_default, "position": position * 10})


def unseed(apps, schema_editor):
    Licence = apps.get_model("catalog", "Licence")
    Dataset = apps.get_model("catalog", "Dataset")
    used = set(Dataset.objects.values_list("licence_id", flat=True))
    Licence.objects.filter(pk__in=[row[0] for row in LICENCES]).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
