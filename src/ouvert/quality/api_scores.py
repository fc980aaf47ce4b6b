"""Quality scores API (mounted at /api/v1/quality/): a dataset's score, a publisher's and the catalogue's summary.

Texts (labels, fixes) are in the request's language: ``Accept-Language``, or ``?lang=fr|en``.
A dataset the caller may not see answers 404, as if it did not exist; a token
(``Authorization: <token>``) or a signed-in session lets members read their private datasets and
drafts. Summaries cover the public published datasets.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router

from ouvert.api import reader
from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import mqa, scoring

router = Router(tags=["quality"])




def _language(lang: str | None) -> str:
    if lang in ("fr", "en"):
        return lang
    return "en" if (translation.get_language() or "fr").startswith("en") else "fr"


def _summary(summary: dict) -> dict:
    result = {
        **summary["current"],
        "max_points": mqa.MAX_POINTS,
        "dimension_labels": {name: mqa.dimension_label(name) for name in mqa.DIMENSIONS},
        "dimension_max": dict(mqa.DIMENSIONS),
        "rating_labels": {row["id"]: row["label"] for row in summary["ratings"]},
        "trend": [{**row, "date": row["date"].isoformat()} for row in summary["trend"]],
    }
    if "publishers" in summary:
        result["publishers"] = [{"slug": row["slug"], "name_fr": row["name_fr"], "name_en": row["name_en"],
                                 **{k: v for k, v in row.items() if k not in ("slug", "name_fr", "name_en", "name")}}
                                for row in summary["publishers"]]
    return result


@router.get("/datasets/{name_or_id}", summary="Score de qualité des métadonnées d’un jeu de données",
            description="Points (sur 405), appréciation, points par dimension et chaque vérification avec la "
                        "correction à faire, dans la langue de la requête (`Accept-Language` ou `?lang=fr|en`).")
def dataset_score(request: HttpRequest, name_or_id: str, lang: str | None = None):
    dataset = catalog_services.dataset_get(name_or_id=name_or_id, user=reader(request))
    score = scoring.score_for(dataset)
    if score is None:
        raise core_services.NotFound(_("Jeu de données « %(name)s » introuvable.") % {"name": name_or_id[:100]})
    with translation.override(_language(lang)):
        detail = scoring.score_detail(score)
        return {
            "dataset": {"id": str(dataset.pk), "name": dataset.name},
            "points": detail["points"], "max_points": detail["max_points"], "rating": detail["rating"],
            "rating_label": detail["rating_label"],
            "dimensions": {d["id"]: {"points": d["points"], "max": d["max"], "label": d["label"]}
                           for d in detail["dimensions"]},
            "udata": {"passed": detail["udata"]["passed"], "total": detail["udata"]["total"]},
            "checks": [{"id": c["id"], "dimension": c["dimension"], "label": c["label"], "points": c["points"],
                        "max": c["max"], "passed": c["passed"],
                        "fix": ({**c["fix"], "text": c["fix_text"]} if c.get("fix") else None)}
                       for c in detail["checks"]],
            "computed_at": detail["computed_at"].isoformat(),
        }


@router.get("/organisations/{slug}", summary="Qualité des métadonnées d’un éditeur",
            description="Moyennes, répartition par appréciation, moyennes par dimension et évolution quotidienne "
                        "des jeux de données publiés et publics de l’éditeur.")
def organisation_summary(request: HttpRequest, slug: str, lang: str | None = None):
    organisation = core_services.organisation_get(slug=slug)
    with translation.override(_language(lang)):
        return {"organisation": {"slug": organisation.slug, "name_fr": organisation.name_fr,
                                 "name_en": organisation.name_en},
                **_summary(scoring.quality_summary(organisation=organisation))}


@router.get("/summary", summary="Qualité des métadonnées du catalogue",
            description="Moyennes, répartition par appréciation, moyennes par dimension, évolution quotidienne et "
                        "chiffres par éditeur, pour les jeux de données publiés et publics.")
def catalogue_summary(request: HttpRequest, lang: str | None = None):
    with translation.override(_language(lang)):
        return _summary(scoring.quality_summary(with_publishers=True))
