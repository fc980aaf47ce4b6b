"""Demo content of the inventory: the Ville de Montréal's real open-source releases, as it lists them itself in
the Canadian Open Resource Exchange (``data/inventory/ore-ero_code_city-of-montreal-qc.yml``, see
``data/inventory/SOURCES.md``), imported through ``repositories_import`` by the demo's free-software team.
Idempotent: importing the same file again changes nothing."""

from __future__ import annotations

from pathlib import Path

from ouvert.core import services as core_services
from ouvert.core.models import Organisation

from . import demo_people, inventory
from .models import CodeRepository

DATA = Path(__file__).parent / "data" / "inventory"
MONTREAL_FILE = "ore-ero_code_city-of-montreal-qc.yml"
MONTREAL_SLUG = "ville-de-montreal"


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
    report = inventory.repositories_import(actor=demo_people.team(), data=(DATA / MONTREAL_FILE).read_bytes(),
                                           filename=MONTREAL_FILE, organisation=city, is_demo=True)
    CodeRepository.objects.filter(organisation=city, url__startswith="https://github.com/VilledeMontreal/",
                                  is_demo=False).update(is_demo=True)
    if stdout is not None:
        stdout.write(f"inventaire : {report['created']} dépôt(s) de la Ville de Montréal ajouté(s), "
                     f"{report['unchanged']} inchangé(s)\n")
    return report
