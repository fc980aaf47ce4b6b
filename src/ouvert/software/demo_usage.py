"""Demo content of the uses: a demo municipality (« Municipalité de démonstration ») whose demo member declares
using the first three demo entries of the catalogue (by slug), with one fictional referent each. Every text says
it is a demonstration: no real body's use is claimed. Everything goes through ``usage_declare``; idempotent (a
use already declared is left as it is). Load it after the catalogue's demo."""

from __future__ import annotations

from . import demo_people, usage
from .models import Software, Usage

COUNT = 3


def load(stdout=None) -> dict:
    """Declare the demo uses not yet declared; ``{"created": n, "kept": n}``."""
    body, member = demo_people.body_and_member()
    created = kept = 0
    for software in Software.objects.filter(is_demo=True, is_proprietary=False).order_by("slug")[:COUNT]:
        if Usage.objects.filter(software=software, organisation=body).exists():
            kept += 1
            continue
        made = usage.usage_declare(actor=member, software=software, organisation=body, data={
            "purpose_fr": f"Utilisation fictive, pour la démonstration : la municipalité évalue {software.name} "
                          "dans un service pilote.",
            "purpose_en": f"Fictional use, for the demonstration: the municipality tries {software.name} in a "
                          "pilot service.",
            "version": software.latest_version,
            "referents": [{"user": member.email, "role": "Personne-ressource (démo)"}],
        })
        Usage.objects.filter(pk=made.pk).update(is_demo=True)
        created += 1
    if stdout is not None:
        stdout.write(f"utilisations : {created} déclarée(s), {kept} déjà déclarée(s)\n")
    return {"created": created, "kept": kept}
