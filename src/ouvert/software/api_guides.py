"""``/api/v1/software/guides…``: the practice guides — list (with a full-text search), detail (Markdown and
sanitised HTML with the table of contents) for everyone; update for the platform's free-software team (a token
or a session; 401 without).

Errors: 400 bad input (``errors`` per field), 403 not the team, 404 unknown guide.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override
from ninja import Body, Router

from ouvert.api import AUTH
from ouvert.software import services

router = Router(tags=["software"])


def _url(guide, lang: str) -> str:
    with override(lang):
        return settings.OUVERT_BASE_URL + reverse("software:guide", kwargs={"slug": guide.slug})


def _guide(guide, *, detail: bool = False, rank=None) -> dict:
    data = {"slug": guide.slug, "topic": guide.topic, "position": guide.position,
            "title_fr": guide.title_fr, "title_en": guide.title_en,
            "summary_fr": guide.summary_fr, "summary_en": guide.summary_en,
            "updated_at": guide.updated_at.isoformat(), "url_fr": _url(guide, "fr"), "url_en": _url(guide, "en")}
    if rank is not None:
        data["rank"] = rank
    if detail:
        data["body_fr"], data["body_en"] = guide.body_fr, guide.body_en
        for lang in ("fr", "en"):
            rendered = services.guide_render(getattr(guide, f"body_{lang}") or guide.body_fr)
            data[f"html_{lang}"], data[f"toc_{lang}"] = str(rendered["html"]), rendered["toc"]
    return data


@router.get("/guides", summary="Guides de pratiques / Practice guides")
def guide_list(request: HttpRequest, q: str = ""):
    """Every guide in its order; with ``q``, the guides matching it, best first (full text, French and English,
    accents and plurals folded)."""
    if q.strip():
        found = services.guide_search(q)
        if found is not None:
            rows = list(found)
            return {"q": q, "count": len(rows), "results": [_guide(g, rank=g.search_rank) for g in rows]}
    rows = list(services.guide_list())
    return {"q": q, "count": len(rows), "results": [_guide(g) for g in rows]}


@router.get("/guides/{slug}", summary="Un guide / A guide")
def guide_detail(request: HttpRequest, slug: str):
    return _guide(services.guide_get(slug=slug), detail=True)


@router.patch("/guides/{slug}", auth=AUTH, summary="Modifier un guide (équipe) / Update a guide (team)")
def guide_update(request: HttpRequest, slug: str, payload: dict = Body(...)):  # noqa: B008
    """Any of ``title_fr``, ``title_en``, ``summary_fr``, ``summary_en``, ``body_fr``, ``body_en`` (Markdown),
    ``position``; the other fields are kept."""
    guide = services.guide_get(slug=slug)
    if not isinstance(payload, dict):
        raise ValidationError({"payload": [_("Envoyez un objet JSON des champs à modifier.")]})
    unknown = sorted(set(payload) - set(services.GUIDE_FIELDS))
    if unknown:
        raise ValidationError({key: [_("Champ inconnu : « %(field)s » (champs modifiables : %(fields)s).")
                                     % {"field": key, "fields": ", ".join(services.GUIDE_FIELDS)}]
                               for key in unknown[:20]})
    data = payload
    return _guide(services.guide_update(actor=request.user, guide=guide, data=data), detail=True)
