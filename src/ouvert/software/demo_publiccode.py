"""Demo content of the publiccode.yml part: three real ``publiccode.yml`` files (Catala from France, Signalen
from Amsterdam, Web Analytics Italia from AgID; see ``data/publiccode/SOURCES.md``) imported into the catalogue
through ``publiccode_import``, by the demo's free-software team (an editor of the platform's organisation).
Idempotent: a file whose repository is already in the catalogue is left as it is."""

from __future__ import annotations

from pathlib import Path

from . import catalogue, demo_people, publiccode
from .models import Software

DATA = Path(__file__).parent / "data" / "publiccode"
FILES = ("catala_publiccode.yml", "amsterdam_signals-frontend_publiccode.yml", "agid_wai-portal_publiccode.yml")


def load(stdout=None) -> dict[str, int]:
    """Import the demo files not yet in the catalogue; ``{"created": n, "kept": n}``."""
    team = demo_people.team()
    created = kept = 0
    for name in FILES:
        data = (DATA / name).read_bytes()
        document = publiccode.publiccode_read(data)
        if catalogue.software_by_repository(document["url"]) is not None:
            kept += 1
            continue
        software = publiccode.publiccode_import(actor=team, data=data)
        Software.objects.filter(pk=software.pk).update(is_demo=True)
        created += 1
    if stdout is not None:
        stdout.write(f"publiccode.yml : {created} logiciel(s) importé(s), {kept} déjà au catalogue\n")
    return {"created": created, "kept": kept}
