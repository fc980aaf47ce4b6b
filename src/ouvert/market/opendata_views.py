"""Pages of the open-data part: what the OCDS data holds and where it is (``open_data``), the publication
policy the packages point to (``publication_policy``) and the public statistics (``statistics``). Thin:
the figures come from ``ocds`` and ``stats``."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import ocds, stats


@require_safe
def open_data(request):
    return render(request, "market/opendata/open_data.html", ocds.open_data_overview())


@require_safe
def publication_policy(request):
    return render(request, "market/opendata/policy.html", ocds.open_data_overview(latest=0))


@require_safe
def statistics(request):
    figures = stats.statistics()
    return render(request, "market/opendata/statistics.html", {
        "s": figures, "charts": stats.chart_specs(figures), "has_charts": True})
