"""Demo content of the inventory: the Ville de Montréal's real open-source releases, as it lists them itself in
the Canadian Open Resource Exchange (``data/inventory/ore-ero_code_city-of-montreal-qc.yml``, see
``data/inventory/SOURCES.md``), imported through ``repositories_import`` by the demo's free-software team.
Idempotent: importing the same file again changes nothing."""

from __future__ import annotations

from pathlib import Path

from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation

from . import inventory
from .models import CodeRepository

DATA = Path(__file__).parent / "data" / "inventory"
MONTREAL_FILE = "ore-ero_code_city-of-montreal-qc.yml"
MONTREAL_SLUG = "ville-de-montreal"
TEAM_EMAIL = "logiciel-libre@demo.ouvert.local"


def _team():
    """The demo's free-software team (an editor of the platform's organisation), as the catalogue's demo makes it."""
    slug = core_services.open_data_organisation()
    organisation = Organisation.objects.filter(slug=slug).first() or core_services.organisation_upsert(
        slug=slug, name_fr="Secrétariat du Conseil du trésor", name_en="Treasury Board Secretariat", acronym="SCT",
        kind="public_body", is_demo=True)
    user = core_services.user_upsert(email=TEAM_EMAIL, password=None, full_name="Équipe du logiciel libre (démo)")
    if not Membership.objects.filter(user=user, organisation=organisation,
                                     role__in=[Membership.Role.EDITOR, Membership.Role.ADMIN]).exists():
        core_services.membership_set(user=user, organisation=organisation, role=Membership.Role.EDITOR)
    return user


def _montreal() -> Organisation:
    return Organisation.objects.filter(slug=MONTREAL_SLUG).first() or core_services.organisation_upsert(
        slug=MONTREAL_SLUG, name_fr="Ville de Montréal", name_en="City of Montréal", kind="municipality",
        is_demo=True)


def load(stdout=None) -> dict:
    """Import Montréal's releases into the inventory; returns the import's report. Once they are there, a new
    run imports nothing (no new audit entry) and reports them unchanged."""
    city = _montreal()
    known = CodeRepository.objects.filter(organisation=city, is_demo=True).count()
    if known:
        if stdout is not None:
            stdout.write(f"inventaire : déjà chargé ({known} dépôt(s) de la Ville de Montréal)\n")
        return {"created": 0, "updated": 0, "unchanged": known, "linked": 0}
    report = inventory.repositories_import(actor=_team(), data=(DATA / MONTREAL_FILE).read_bytes(),
                                           filename=MONTREAL_FILE, organisation=city, is_demo=True)
    CodeRepository.objects.filter(organisation=city, url__startswith="https://github.com/VilledeMontreal/",
                                  is_demo=False).update(is_demo=True)
    if stdout is not None:
        stdout.write(f"inventaire : {report['created']} dépôt(s) de la Ville de Montréal ajouté(s), "
                     f"{report['unchanged']} inchangé(s)\n")
    return report
