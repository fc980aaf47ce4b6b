"""The compliance dashboard (see ``services``): per fund, institution and year, how many publications, the
share compliant, not compliant and unknown, the routes taken, the open-access statuses observed, and the
non-compliant publications with their first failing reason. The figures are public; the corresponding
authors' e-mails and the reminders are for science managers and for the institution's staff (their
institution's publications).

The verdict counted is the publication's (``Publication.compliance``: all its funds together) or, when a
fund is chosen, that fund's (its ``Funding.verdict``). Figures are aggregated in SQL: a handful of queries
whatever the number of publications.
"""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from . import access
from .models import Author, Compliance, Fund, Funding, OAStatus, Publication

__all__ = ["NON_COMPLIANT_LIMIT", "can_see_contacts", "chart_specs", "dashboard_figures", "dashboard_years", "figures_csv",
           "figures_per_fund_year", "scope_filter"]

#: Non-compliant publications listed at most on the page (the count says how many there are).
NON_COMPLIANT_LIMIT = 200
VERDICTS = (Compliance.COMPLIANT, Compliance.NOT_COMPLIANT, Compliance.UNKNOWN)


def register() -> None:
    """Nothing to plug in: the figures are computed when asked (the open dataset is the registry's)."""


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _clean(filters: dict) -> dict:
    from . import registry

    errors: dict = {}
    clean: dict = {}
    fund = str((filters or {}).get("fund") or "").strip()
    if fund:
        clean["fund"] = registry._fund_get(fund)
        if clean["fund"] is None:
            errors["fund"] = [_("Fonds inconnu : « %(v)s ».") % {"v": fund[:40]}]
    institution = str((filters or {}).get("institution") or "").strip()
    if institution:
        clean["institution"] = registry._institution_get(institution)
        if clean["institution"] is None:
            errors["institution"] = [_("Établissement inconnu : « %(v)s ».") % {"v": institution[:60]}]
    year = str((filters or {}).get("year") or "").strip()
    if year:
        if not year.isdigit() or not 1900 <= int(year) <= 2100:
            errors["year"] = [_("Année invalide : « %(v)s ».") % {"v": year[:10]}]
        else:
            clean["year"] = int(year)
    if errors:
        raise ValidationError(errors)
    return clean


def scope_filter(qs, filters: dict):
    """``qs`` (publications) restricted to the dashboard's ``filters`` (``fund``, ``institution``, ``year``),
    annotated with ``verdict`` (that fund's when a fund is chosen)."""
    clean = _clean(filters)
    if clean.get("fund") is not None:
        fund_verdict = (Funding.objects.filter(publication=OuterRef("pk"), fund=clean["fund"])
                        .order_by("pk").values("verdict")[:1])
        qs = qs.filter(Exists(Funding.objects.filter(publication=OuterRef("pk"), fund=clean["fund"]))).annotate(
            verdict=Subquery(fund_verdict))
    else:
        qs = qs.annotate(verdict=F("compliance"))
    if clean.get("institution") is not None:
        qs = qs.filter(institution=clean["institution"])
    if "year" in clean:
        qs = qs.filter(published_on__year=clean["year"])
    return qs


def can_see_contacts(user, publication: Publication | None = None, *, institutions: set | None = None) -> bool:
    """Science managers see every corresponding author's e-mail; an institution's staff, those of its
    publications (``institutions``: the ids of the person's institutions, when already known)."""
    if access.is_science_manager(user):
        return True
    if publication is None or publication.institution_id is None:
        return False
    if institutions is None:
        institutions = set(access.staff_institutions(user).values_list("pk", flat=True))
    return publication.institution_id in institutions


def _counts(rows, key: str) -> dict:
    """``{value of key: {verdict: n}}`` from ``values(key, "v").annotate(n=…)`` rows."""
    table: dict = {}
    for row in rows:
        table.setdefault(row[key], {v: 0 for v in VERDICTS})[row["v"] or Compliance.UNKNOWN] += row["n"]
    return table


def _line(label, counts: dict, **extra) -> dict:
    total = sum(counts.values())
    return {"label": label, "total": total, **{v: counts.get(v, 0) for v in VERDICTS},
            "compliant_share": _share(counts.get(Compliance.COMPLIANT, 0), total),
            "not_compliant_share": _share(counts.get(Compliance.NOT_COMPLIANT, 0), total),
            "unknown_share": _share(counts.get(Compliance.UNKNOWN, 0), total), **extra}


def dashboard_figures(*, filters: dict | None = None, user=None) -> dict:
    """The dashboard (see the module's docstring) for ``filters`` (``fund``, ``institution``, ``year``):
    ``total``, ``overall`` (counts and shares per verdict), ``by_route``, ``by_oa_status``, ``by_fund``,
    ``by_year``, ``by_institution`` and ``non_compliant`` (publications with ``first_reason``, and
    ``contacts`` when ``user`` may see them). ``ValidationError`` on a bad filter."""
    from . import registry

    clean = _clean(filters or {})
    scope = scope_filter(Publication.objects.filter(withdrawn_at__isnull=True), filters or {})
    ids = scope.values("pk")
    overall = {v: 0 for v in VERDICTS}
    for row in scope.order_by().values("verdict").annotate(n=Count("pk", distinct=True)):
        overall[row["verdict"] or Compliance.UNKNOWN] += row["n"]
    total = sum(overall.values())

    fundings = Funding.objects.filter(publication__in=ids)
    if clean.get("fund") is not None:
        fundings = fundings.filter(fund=clean["fund"])
    route_labels = _route_labels()
    by_route = [{"route": row["route"], "label": route_labels.get(row["route"], row["route"]), "count": row["n"],
                 "share": _share(row["n"], total)}
                for row in fundings.filter(verdict=Compliance.COMPLIANT).exclude(route="").order_by()
                .values("route").annotate(n=Count("publication", distinct=True)).order_by("-n", "route")]
    by_oa = {row["oa_status"]: row["n"] for row in scope.order_by().values("oa_status").annotate(n=Count("pk", distinct=True))}
    by_oa_status = [{"status": value, "label": str(label), "count": by_oa.get(value, 0), "share": _share(by_oa.get(value, 0), total)}
                    for value, label in OAStatus.choices]
    if by_oa.get(""):
        by_oa_status.append({"status": "", "label": _("Non observé"), "count": by_oa[""], "share": _share(by_oa[""], total)})

    funds = {f.pk: f for f in Fund.objects.all()}
    fund_rows = _counts(fundings.order_by().values("fund_id", v=F("verdict")).annotate(n=Count("publication", distinct=True)),
                        "fund_id")
    by_fund = [_line(funds[pk].acronym, counts, slug=funds[pk].slug) for pk, counts in
               sorted(fund_rows.items(), key=lambda item: (funds[item[0]].position, funds[item[0]].acronym))]
    year_rows = _counts(scope.order_by().annotate(y=ExtractYear("published_on")).values("y", v=F("verdict"))
                        .annotate(n=Count("pk", distinct=True)), "y")
    by_year = [_line(str(year) if year else _("Sans date"), counts, year=year)
               for year, counts in sorted(year_rows.items(), key=lambda item: -(item[0] or 0))]
    institution_rows = _counts(scope.order_by().values("institution__slug", "institution__name_fr", v=F("verdict"))
                               .annotate(n=Count("pk", distinct=True)), "institution__name_fr")
    slugs = dict(scope.order_by().exclude(institution=None).values_list("institution__name_fr", "institution__slug").distinct())
    by_institution = [_line(name or _("Sans établissement"), counts, slug=slugs.get(name, ""))
                      for name, counts in sorted(institution_rows.items(), key=lambda item: (item[0] is None, item[0] or ""))]

    failing = (scope.filter(verdict=Compliance.NOT_COMPLIANT).select_related("institution")
               .prefetch_related(Prefetch("fundings", queryset=Funding.objects.select_related("fund").order_by("pk")),
                                 Prefetch("authors", queryset=Author.objects.filter(is_corresponding=True)
                                          .order_by("position", "pk"), to_attr="corresponding"))
               .order_by("-published_on", "-pk"))
    staff_of = set(access.staff_institutions(user).values_list("pk", flat=True)) if access.is_signed_in(user) else set()
    manager = access.is_science_manager(user)
    non_compliant = []
    for publication in failing[:NON_COMPLIANT_LIMIT]:
        visible = manager or (publication.institution_id in staff_of)
        non_compliant.append({
            "publication": publication, "first_reason": registry.publication_first_failure(publication),
            "funds": [f.fund.acronym for f in publication.fundings.all()],
            "can_remind": visible,
            "contacts": [a.email for a in publication.corresponding if a.email] if visible else [],
        })
    return {
        "filters": clean, "total": total,
        "overall": _line(_("Toutes"), overall),
        "by_route": by_route, "by_oa_status": by_oa_status, "by_fund": by_fund, "by_year": by_year,
        "by_institution": by_institution, "non_compliant": non_compliant,
        "non_compliant_count": overall[Compliance.NOT_COMPLIANT],
        "can_remind": manager or bool(staff_of),
    }


def _route_labels() -> dict:
    from . import compliance

    return {code: compliance.route_label(code) for code in compliance.ROUTES}


def dashboard_years() -> list[int]:
    """The publication years of the registry, newest first (the dashboard's year filter)."""
    return [year for year in Publication.objects.filter(withdrawn_at__isnull=True).exclude(published_on=None).order_by()
            .annotate(y=ExtractYear("published_on")).values_list("y", flat=True).distinct().order_by("-y")]


def figures_per_fund_year() -> list[dict]:
    """For the open data: per fund and publication year, the publications and their verdicts under that
    fund's policy (one query)."""
    rows = (Funding.objects.filter(publication__withdrawn_at__isnull=True).order_by()
            .annotate(y=ExtractYear("publication__published_on"))
            .values("fund__acronym", "fund__position", "y")
            .annotate(total=Count("publication", distinct=True),
                      compliant=Count("publication", distinct=True, filter=Q(verdict=Compliance.COMPLIANT)),
                      not_compliant=Count("publication", distinct=True, filter=Q(verdict=Compliance.NOT_COMPLIANT)),
                      unknown=Count("publication", distinct=True, filter=Q(verdict=Compliance.UNKNOWN)))
            .order_by("fund__position", "fund__acronym", "y"))
    return [{"fonds": r["fund__acronym"], "annee": r["y"] or "", "publications": r["total"],
             "conformes": r["compliant"], "non_conformes": r["not_compliant"], "indetermines": r["unknown"],
             "part_conformes": _share(r["compliant"], r["total"])} for r in rows]


def figures_csv(rows: list[dict]) -> bytes:
    columns = ["fonds", "annee", "publications", "conformes", "non_conformes", "indetermines", "part_conformes"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row[c] is None else row[c] for c in columns})
    return out.getvalue().encode("utf-8-sig")


def chart_specs(figures: dict) -> dict:
    """Vega-Lite specifications of the dashboard (its figures are also in its tables)."""
    verdict, count, group = _("Verdict"), _("Publications"), _("Fonds")
    labels = dict(Compliance.choices)
    values = [{group: row["label"], verdict: str(labels[v]), count: row[v]} for row in figures["by_fund"] for v in VERDICTS]
    year = _("Année")
    year_values = [{year: row["label"], verdict: str(labels[v]), count: row[v]} for row in figures["by_year"]
                   for v in VERDICTS]
    colour = {"field": verdict, "type": "nominal", "title": verdict,
              "scale": {"domain": [str(labels[v]) for v in VERDICTS], "range": ["#1a7f37", "#b42318", "#8a6d00"]}}
    return {
        "by_fund": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": _("Publications par fonds et par verdict"), "width": "container", "height": 160,
            "data": {"values": values}, "mark": {"type": "bar", "tooltip": True},
            "encoding": {"y": {"field": group, "type": "nominal", "title": group},
                         "x": {"field": count, "type": "quantitative", "title": count, "stack": "zero"},
                         "color": colour},
        },
        "by_year": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": _("Publications par année et par verdict"), "width": "container", "height": 200,
            "data": {"values": year_values}, "mark": {"type": "bar", "tooltip": True},
            "encoding": {"x": {"field": year, "type": "ordinal", "title": year, "axis": {"labelAngle": 0}},
                         "y": {"field": count, "type": "quantitative", "title": count, "stack": "zero"},
                         "color": colour},
        },
    }
