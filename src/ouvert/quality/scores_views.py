"""Pages of the metadata quality scores: the dataset panel, the catalogue's and each publisher's dashboard.

Thin: parse, call ``scoring``, render. A bad ``tri`` or ``page`` answers 400 with the dashboard and a
message; an unknown publisher 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ouvert.core import services as core_services
from ouvert.core.i18n import pick

from . import mqa, scoring


def dataset_panel(*, request, dataset, resources, can_edit) -> dict | None:
    """The dataset page's « Qualité des métadonnées » section (``core.registry.register_dataset_panel``)."""
    score = scoring.score_for(dataset)
    if score is None:
        return None
    return {"template": "quality/scores_panel.html",
            "context": {"score": scoring.score_detail(score), "can_edit": can_edit, "dataset": dataset}}


def trend_chart_spec(trend: list[dict], title: str) -> dict:
    """A Vega-Lite line chart of the average points per day (labels in the active language)."""
    date_label, points_label = _("Date"), _("Points moyens")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container",
        "height": 220,
        "data": {"values": [{date_label: row["date"].isoformat(), points_label: row["average_points"]}
                            for row in trend]},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": date_label, "type": "temporal", "title": date_label},
            "y": {"field": points_label, "type": "quantitative", "title": points_label,
                  "scale": {"domain": [0, mqa.MAX_POINTS]}},
        },
    }


def _columns(current: str) -> list[dict]:
    """The sortable columns of the list: label, ``tri`` value of the link, ``aria-sort``."""
    columns = [("nom", _("Jeu de données")), ("points", _("Points"))]
    columns += [(name, mqa.dimension_label(name)) for name in mqa.DIMENSIONS]
    result = []
    for key, label in columns:
        ascending = current == key
        descending = current == f"-{key}" and key in ("nom", "points")
        target = f"-{key}" if ascending and key in ("nom", "points") else key
        result.append({"key": key, "label": label, "target": target,
                       "aria_sort": "ascending" if ascending else ("descending" if descending else "")})
    return result


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "", 1, "points")})


def _dashboard(request, organisation=None):
    summary = scoring.quality_summary(organisation=organisation, with_publishers=organisation is None)
    sort = request.GET.get("tri") or "points"
    errors, listing = [], None
    try:
        listing = scoring.datasets_losing_points(user=request.user, organisation=organisation, sort=sort,
                                                 page=request.GET.get("page"))
    except ValidationError as exc:
        errors = [message for messages in exc.message_dict.values() for message in messages]
        listing = scoring.datasets_losing_points(user=request.user, organisation=organisation)
    for row in listing["items"]:
        row["title"] = pick(row["title_fr"], row["title_en"])
        row["organisation_name"] = pick(row["organisation_name_fr"], row["organisation_name_en"])
        row["dimension_points"] = [row[name] for name in mqa.DIMENSIONS]
    for row in summary.get("publishers", []):
        row["name"] = pick(row["name_fr"], row["name_en"])
    name = pick(organisation.name_fr, organisation.name_en) if organisation is not None else ""
    title = (_("Qualité des métadonnées : %(name)s") % {"name": name}) if organisation is not None \
        else _("Qualité des métadonnées du catalogue")
    chart_title = _("Points moyens par jour (sur %(max)s)") % {"max": mqa.MAX_POINTS}
    current_sort = listing["sort"]
    pages = {"previous": _query(tri=current_sort, page=listing["page"] - 1) if listing["page"] > 1 else "",
             "next": _query(tri=current_sort, page=listing["page"] + 1) if listing["page"] < listing["pages"] else ""}
    return render(request, "quality/dashboard.html", {
        "organisation": organisation, "organisation_name": name, "title": title,
        "summary": summary, "listing": listing, "columns": _columns(current_sort), "pages": pages,
        "dimension_labels": [mqa.dimension_label(name) for name in mqa.DIMENSIONS],
        "chart_spec": trend_chart_spec(summary["trend"], chart_title) if summary["trend"] else None,
        "chart_title": chart_title, "has_charts": bool(summary["trend"]), "errors": errors,
        "max_points": mqa.MAX_POINTS, "show_publishers": organisation is None,
    }, status=400 if errors else 200)


@require_safe
def dashboard(request):
    return _dashboard(request)


@require_safe
def organisation(request, slug: str):
    try:
        found = core_services.organisation_get(slug=slug)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    return _dashboard(request, organisation=found)
