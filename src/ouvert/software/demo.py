"""Demo content of the software module (``ouvert demo``), one loader per part, in the order they build on
each other: the catalogue (real free software and the proprietary products they replace), the
``publiccode.yml`` files imported from the corpus, the uses by a demo municipality, the inventory (the Ville de
Montréal's real Open Resource Exchange file), the evaluation grids (which name catalogue entries) and the
accompaniment requests (which feed the plan's milestone 5.3). The guides register their own loader
(``guides.register``): they are real content, also loaded after every ``migrate``."""

from __future__ import annotations

from ouvert.core import services as core_services
from ouvert.plan import services as plan_services

from . import (
    catalogue,
    demo_accompaniment,
    demo_catalogue,
    demo_grids,
    demo_inventory,
    demo_people,
    demo_publiccode,
    demo_usage,
    inventory,
)

__all__: list[str] = []

#: The demo's people of this module, with the demo password of the other modules' accounts: the platform's
#: free-software team, and a member of the demo municipality (uses, grids, accompaniment requests).
ACCOUNTS = [
    (demo_people.TEAM_EMAIL, demo_people.TEAM_NAME),
    (demo_people.MEMBER_EMAIL, demo_people.MEMBER_NAME),
]
DEMO_PASSWORD = "demo-ouvert-2021"


def accounts(stdout=None) -> int:
    """Make the module's demo accounts, with the demo password, before the parts give them their roles; an
    account that already has a password keeps it. Returns how many were made or given a password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    password_hash = None
    changed = 0
    for email, full_name in ACCOUNTS:
        user = get_user_model().objects.filter(email=email).first()
        if user is not None and user.has_usable_password():
            continue
        user = user or core_services.user_upsert(email=email, password=None, full_name=full_name)
        password_hash = password_hash or make_password(DEMO_PASSWORD)
        type(user).objects.filter(pk=user.pk).update(password=password_hash)
        changed += 1
    if stdout is not None and changed:
        stdout.write(f"logiciel libre : {changed} compte(s) de démonstration (mot de passe « {DEMO_PASSWORD} »)\n")
    return changed


LOADERS = [
    ("software_accounts", accounts, 319),
    ("software_catalogue", demo_catalogue.load, 320),
    ("software_publiccode", demo_publiccode.load, 321),
    ("software_usage", demo_usage.load, 322),
    ("software_inventory", demo_inventory.load, 323),
    ("software_grids", demo_grids.load, 324),
    ("software_accompaniment", demo_accompaniment.load, 325),
]


def open_data(stdout=None) -> int:
    """The module's open datasets in the catalogue, and the plan's (the accompaniment demo set milestone 5.3's
    measure), at once: no worker runs during the demo, and a second run finds them unchanged. Returns how many
    of the module's were published."""
    from ouvert.catalog import services as catalog_services

    try:
        core_services.organisation_get(slug=core_services.open_data_organisation())
    except core_services.NotFound:
        return 0
    published = sum(catalog_services.open_data_refresh(key) is not None
                    for key in (catalogue.OPEN_DATA_KEY, inventory.INVENTORY_OPEN_DATA_KEY))
    catalog_services.open_data_refresh(plan_services.OPEN_DATA_KEY)  # milestone 5.3's measure, set above
    if stdout is not None:
        stdout.write(f"logiciel libre : {published} jeu(x) de données ouvertes publié(s) ou à jour\n")
    return published


def register() -> None:
    from ouvert.core import registry

    for name, load, order in LOADERS:
        registry.register_demo_loader(name, load, order=order)
    registry.register_demo_loader("software_open_data", open_data, order=326)
