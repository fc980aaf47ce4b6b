"""Demo content of the accompaniment requests: five fictional requests of the demo municipality, one at each
status (submitted, accepted, in progress, completed, declined with its reason), with a shared and an internal
note. The completed one is counted in milestone 5.3 of the plan (1 of 3: no progress update is written).
Everything goes through the ``accompaniment`` services; idempotent (a request already there, by title and
body, is left as it is)."""

from __future__ import annotations

from . import accompaniment, demo_people
from .models import AccompanimentRequest

#: ``(title, need, software name, moves)``: the moves the team makes after the request.
REQUESTS = [
    ("Évaluer une solution de partage de fichiers (démonstration)",
     "Démonstration : remplacer le partage de fichiers par courriel entre les services municipaux.", "Nextcloud",
     []),
    ("Migrer la bureautique vers LibreOffice (démonstration)",
     "Démonstration : préparer la migration de 400 postes vers une suite bureautique libre.", "LibreOffice",
     [("accepted", "")]),
    ("Publier le code de l'application des permis (démonstration)",
     "Démonstration : choisir une licence (famille LiLiQ) et publier le code sur la forge gouvernementale.", "",
     [("accepted", ""), ("in_progress", "")]),
    ("Mettre en place une plateforme de participation (démonstration)",
     "Démonstration : lancer une consultation en ligne avec un logiciel libre de participation.", "Decidim",
     [("accepted", ""), ("in_progress", ""), ("completed", "")]),
    ("Remplacer le logiciel de paie (démonstration)",
     "Démonstration : trouver un logiciel libre de paie conforme aux règles québécoises.", "",
     [("declined", "Démonstration : la paie sort du mandat de l'équipe ; le Centre d'expertise en paie vous "
                   "accompagnera.")]),
]


def load(stdout=None) -> dict:
    """Create the demo requests not yet there; ``{"created": n, "kept": n}``."""
    team, (body, member) = demo_people.team(), demo_people.body_and_member()
    created = kept = 0
    for title, need, software_name, moves in REQUESTS:
        if AccompanimentRequest.objects.filter(title=title, organisation=body).exists():
            kept += 1
            continue
        request = accompaniment.accompaniment_request(
            actor=member, organisation=body, is_demo=True,
            data={"title": title, "need": need, "software_name": software_name,
                  "context": "Municipalité fictive de 40 000 habitants (démonstration)."})
        for status, reason in moves:
            accompaniment.accompaniment_move(actor=team, request=request, status=status, reason=reason)
        if moves and moves[-1][0] == "in_progress":
            accompaniment.accompaniment_note_add(actor=team, request=request, internal=False,
                                                 text="Démonstration : atelier de démarrage tenu avec l'équipe.")
            accompaniment.accompaniment_note_add(actor=team, request=request, internal=True,
                                                 text="Démonstration : note interne à l'équipe.")
        created += 1
    if stdout is not None:
        stdout.write(f"accompagnement : {created} demande(s) créée(s), {kept} déjà là\n")
    return {"created": created, "kept": kept}
