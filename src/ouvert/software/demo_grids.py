"""Demo content of the evaluation grids: a shared template « Suite bureautique : critères usuels » of the
platform's team, and a shared grid of the demo municipality, copied from it, that scores LibreOffice, OnlyOffice
and Microsoft 365. The scores and their notes are fictional (every note says so). Everything goes through the
``grids`` services; idempotent (a grid already there, by title and body, is left as it is)."""

from __future__ import annotations

from . import demo_people, grids
from .models import Grid, Software

TEMPLATE_TITLE = "Suite bureautique : critères usuels"
SCORED_TITLE = "Suite bureautique de la municipalité (démonstration)"

CRITERIA = [
    ("Coût total de possession", "3", "Licences, soutien, formation et migration sur cinq ans."),
    ("Formats ouverts", "3", "Lecture et écriture natives du format OpenDocument (ODF)."),
    ("Compatibilité avec les documents existants", "2", "Fidélité des documents .docx, .xlsx et .pptx reçus."),
    ("Accessibilité", "2", "Conformité aux normes d'accessibilité et compatibilité avec les lecteurs d'écran."),
    ("Travail collaboratif", "2", "Coédition et partage de documents."),
    ("Hébergement et souveraineté des données", "2", "Possibilité d'héberger la solution au Québec."),
    ("Communauté et soutien", "1", "Vitalité de la communauté, offre de soutien au Québec."),
]
CANDIDATES = [
    ("LibreOffice", "libreoffice", True, "MPL-2.0"),
    ("OnlyOffice", "", True, "AGPL-3.0-only"),
    ("Microsoft 365", "microsoft-office", False, ""),
]
#: Fictional scores out of 5, criterion by criterion (in ``CRITERIA``'s order).
SCORES = {
    "LibreOffice": ["5", "5", "3", "4", "2", "5", "4"],
    "OnlyOffice": ["4", "3", "4", "3", "4", "4", "3"],
    "Microsoft 365": ["2", "2", "5", "4", "5", "1", "4"],
}


def load(stdout=None) -> dict:
    """Create the demo grids not yet there; ``{"created": n, "kept": n}``."""
    sct, team = demo_people.platform_organisation(), demo_people.team()
    body, member = demo_people.body_and_member()
    created = kept = 0
    template = Grid.objects.filter(title=TEMPLATE_TITLE, organisation=sct).first()
    if template is None:
        template = grids.grid_create(actor=team, organisation=sct, is_demo=True, data={
            "title": TEMPLATE_TITLE, "visibility": "public", "is_template": True, "scale_max": 5,
            "needs": "Les critères qu'un organisme public examine d'ordinaire avant de choisir une suite "
                     "bureautique. Copiez cette grille, ajustez les poids à vos besoins, puis ajoutez les "
                     "solutions à comparer."})
        for name, weight, description in CRITERIA:
            grids.criterion_add(actor=team, grid=template, data={"name": name, "weight": weight,
                                                                 "description": description})
        created += 1
    else:
        kept += 1
    scored = Grid.objects.filter(title=SCORED_TITLE, organisation=body).first()
    if scored is None:
        scored = grids.grid_copy(member, template, body, title=SCORED_TITLE)
        Grid.objects.filter(pk=scored.pk).update(is_demo=True)
        grids.grid_update(actor=member, grid=scored, data={
            "visibility": "public",
            "needs": "Démonstration : une municipalité fictive compare trois suites bureautiques pour 400 postes. "
                     "Les notes sont illustratives, pas une évaluation réelle."})
        candidates = []
        for name, slug, is_free, licence in CANDIDATES:
            data = {"name": name, "is_free": is_free, "licence": licence,
                    "notes": "Solution notée pour la démonstration."}
            if slug and Software.objects.filter(slug=slug).exists():
                data["software"] = slug
            candidates.append(grids.candidate_add(actor=member, grid=scored, data=data))
        criteria = list(scored.criteria.order_by("position", "pk"))
        rows = {}
        for candidate in candidates:
            for criterion, value in zip(criteria, SCORES[candidate.name], strict=True):
                rows[(candidate.pk, criterion.pk)] = {"value": value, "note": "Note fictive (démonstration)."}
        grids.scores_set(actor=member, grid=scored, rows=rows)
        created += 1
    else:
        kept += 1
    if stdout is not None:
        stdout.write(f"grilles d'évaluation : {created} créée(s), {kept} déjà là\n")
    return {"created": created, "kept": kept}
