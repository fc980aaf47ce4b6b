"""Demo content of the publiccode.yml part: three real ``publiccode.yml`` files (Catala from France, Signalen
from Amsterdam, Web Analytics Italia from AgID; see ``data/publiccode/SOURCES.md``) imported into the catalogue
through ``publiccode_import``, by the demo's free-software team (an editor of the platform's organisation).
Idempotent: a file whose repository is already in the catalogue is left as it is."""

from __future__ import annotations

from pathlib import Path

from ouvert.core import services as core_services
from ouvert.core.models import Membership

from . import catalogue, publiccode
from .models import Software

DATA = Path(__file__).parent / "data" / "publiccode"
FILES = ("catala_publiccode.yml", "amsterdam_signals-frontend_publiccode.yml", "agid_wai-portal_publiccode.yml")
TEAM_EMAIL = "logiciel-libre@demo.ouvert.local"


def _team():
    slug = core_services.open_data_organisation()
    try:
        organisation = core_services.organisation_get(slug=slug)
    except core_services.NotFound:
        organisation = core_services.organisation_upsert(slug=slug, name_fr="Secrétariat du Conseil du trésor",
                                                         name_en="Treasury Board Secretariat", acronym="SCT",
                                                         kind="public_body", is_demo=True)
    user = core_services.user_upsert(email=TEAM_EMAIL, password=None, full_name="Équipe du logiciel libre (démo)")
    if not core_services.user_has_role(user, organisation, [Membership.Role.EDITOR, Membership.Role.ADMIN]):
        core_services.membership_set(user=user, organisation=organisation, role=Membership.Role.EDITOR)
    return user


def load(stdout=None) -> dict[str, int]:
    """Import the demo files not yet in the catalogue; ``{"created": n, "kept": n}``."""
    team = _team()
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
