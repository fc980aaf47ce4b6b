"""The licence registry: real licences with their official addresses, CC-BY-4.0 by default.

``notspecified``, ``other-open`` and ``other-closed`` are CKAN's own entries (no address), so
that datasets coming from a CKAN keep their meaning.
"""

DEFAULT_LICENCE = "CC-BY-4.0"

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



def ensure_registry(licence_model, *, overwrite: bool = False) -> int:
    """Create the registry's missing entries (and update them when ``overwrite``); returns how many were written.

    Takes the model class so that the data migration can pass its historical model. It also runs
    after every ``migrate`` and ``flush`` (``post_migrate``), so the registry is never empty.
    """
    written = 0
    has_default = licence_model.objects.filter(is_default=True).exists()
    if overwrite:
        licence_model.objects.filter(is_default=True).exclude(pk=DEFAULT_LICENCE).update(is_default=False)
    for position, (pk, title_fr, title_en, url, is_open, is_default) in enumerate(LICENCES):
        values = {"title_fr": title_fr, "title_en": title_en, "url": url, "is_open": is_open,
                  "is_default": is_default and (overwrite or not has_default), "position": position * 10}
        if overwrite:
            licence_model.objects.update_or_create(pk=pk, defaults=values)
            written += 1
        elif not licence_model.objects.filter(pk=pk).exists():
            licence_model.objects.create(pk=pk, **values)
            written += 1
    return written


def create_licence_registry(app_config, using="default", **kwargs):
    """``post_migrate`` receiver (like django.contrib.sites' default site)."""
    from django.apps import apps as global_apps

    try:
        licence_model = (kwargs.get("apps") or global_apps).get_model("catalog", "Licence")
    except LookupError:
        return
    ensure_registry(licence_model)
