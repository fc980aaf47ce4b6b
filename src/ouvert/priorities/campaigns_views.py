"""Pages of the prioritisation campaigns (``/<lang>/priorites/campagnes/…``): the list, a campaign with the
signed-in person's ballot, the invitation link, the results. Thin: the rules are in ``campaigns``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.catalog import services as catalog_services
from ouvert.core.services import NotFound

from . import services
from .models import Campaign
from .requests_views import error_messages


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "fr").startswith("en")


def _get(slug) -> Campaign:
    try:
        return services.campaign_get(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
def campaign_list(request):
    campaigns = list(services.campaign_list())
    rows = [{"campaign": c, "state": services.campaign_state(c)} for c in campaigns]
    can_create = bool(services.organisations_for_campaigns(request.user)) if request.user.is_authenticated else False
    return render(request, "priorities/campaign_list.html", {"rows": rows, "can_create": can_create})


@require_http_methods(["GET", "POST"])
def campaign_new(request):
    """An organiser's form: the campaign, its criteria, candidates and invitations, one per line."""
    from .forms import campaign_data_from_post, error_lines

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    organisations = services.organisations_for_campaigns(request.user)
    if not organisations:
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs d’un organisme créent des campagnes."))
    values = request.POST.dict() if request.method == "POST" else {
        "method": "rating", "audience": "invited", "scale_max": "5", "selected_count": "1",
        "criteria": "Demande des utilisateurs | 3\nImpact attendu | 3\nFaisabilité | 2\nInteropérabilité | 1"}
    errors: list[str] = []
    if request.method == "POST":
        organisation = next((o for o in organisations if o.slug == request.POST.get("organisation")), None)
        if organisation is None:
            errors = [_("Choisissez un organisme que vous pouvez représenter.")]
        else:
            try:
                campaign = services.campaign_create(actor=request.user, organisation=organisation,
                                                    data=campaign_data_from_post(request.POST))
            except ValidationError as exc:
                errors = error_lines(exc.message_dict)
            else:
                messages.success(request, _("La campagne est créée."))
                return HttpResponseRedirect(reverse("priorities:campaign", kwargs={"slug": campaign.slug}))
    return render(request, "priorities/campaign_form.html", {"values": values, "errors": errors,
                                                              "organisations": organisations},
                  status=400 if errors else 200)


def _ballot_rows(campaign: Campaign, ballot: dict | None, posted: dict | None):
    """Candidates with the values to show in the form: the posted ones after an error, else the stored ones."""
    candidates = list(campaign.candidates.select_related("dataset", "data_request").order_by("position", "pk"))
    criteria = list(campaign.criteria.order_by("position", "pk"))
    ratings = (ballot or {}).get("ratings", {})
    ranking = (ballot or {}).get("ranking", [])
    rows = []
    for candidate in candidates:
        cells = []
        for criterion in criteria:
            name = f"score-{candidate.pk}-{criterion.pk}"
            value = posted.get(name, "") if posted is not None else str(ratings.get(candidate.pk, {}).get(
                criterion.pk, ""))
            cells.append({"criterion": criterion, "name": name, "value": value})
        rank_name = f"rank-{candidate.pk}"
        if posted is not None:
            rank_value = posted.get(rank_name, "")
        else:
            rank_value = str(ranking.index(candidate.pk) + 1) if candidate.pk in ranking else ""
        rows.append({"candidate": candidate, "cells": cells, "rank_name": rank_name, "rank_value": rank_value})
    return rows, criteria


def _detail(request, campaign: Campaign, *, errors=None, status=200, posted=None):
    user = request.user
    ballot = services.ballot_get(actor=user, campaign=campaign)
    rows, criteria = _ballot_rows(campaign, ballot, posted)
    organiser = services.can_organise(user, campaign)
    context = {
        "campaign": campaign, "state": services.campaign_state(campaign), "rows": rows, "criteria": criteria,
        "ballot": ballot, "invited": services.is_invited(user, campaign), "organiser": organiser,
        "participants": services.participation_count(campaign) if organiser else None,
        "scale": list(range(campaign.scale_max + 1)), "positions": list(range(1, len(rows) + 1)),
        "errors": errors or [], "invitations": list(campaign.invitations.select_related("organisation"))
        if organiser else [],
        "invite_url": request.build_absolute_uri(reverse("priorities:campaign_join", kwargs={
            "slug": campaign.slug, "token": campaign.invite_token})) if organiser else "",
    }
    return render(request, "priorities/campaign_detail.html", context, status=status)


@require_GET
def campaign_detail(request, slug):
    return _detail(request, _get(slug))


def _parse_ballot(campaign: Campaign, post) -> dict:
    """Form fields → service arguments: ``score-<candidate>-<criterion>`` or ``rank-<candidate>``."""
    if campaign.method == Campaign.Method.RATING:
        ratings: dict = {}
        for key, value in post.items():
            if key.startswith("score-"):
                parts = key.split("-")
                if len(parts) == 3:
                    ratings.setdefault(parts[1], {})[parts[2]] = value.strip() or None
        return {"ratings": ratings}
    positions = {}
    for key, value in post.items():
        if key.startswith("rank-"):
            positions[key[5:]] = value.strip()
    if any(not v for v in positions.values()):
        raise ValidationError({"ranking": [_("Donnez une position à chaque candidat.")]})
    by_position: dict = {}
    for candidate, position in positions.items():
        by_position.setdefault(position, []).append(candidate)
    if any(len(v) > 1 for v in by_position.values()):
        raise ValidationError({"ranking": [_("Deux candidats ont la même position : chaque position ne sert "
                                             "qu’une fois.")]})
    try:
        order = [candidate for _position, candidate in sorted((int(p), c) for p, c in
                                                               ((p, v[0]) for p, v in by_position.items()))]
    except ValueError:
        raise ValidationError({"ranking": [_("Une position est un nombre entier.")]}) from None
    return {"ranking": order}


@require_POST
def campaign_ballot(request, slug):
    campaign = _get(slug)
    try:
        services.ballot_submit(actor=request.user, campaign=campaign, **_parse_ballot(campaign, request.POST))
    except ValidationError as exc:
        return _detail(request, campaign, errors=error_messages(exc), status=400, posted=request.POST.dict())
    except PermissionDenied as exc:
        return _detail(request, campaign, errors=[str(exc)], status=403)
    messages.success(request, _("Votre bulletin est enregistré. Vous pouvez le modifier jusqu’à la clôture."))
    return HttpResponseRedirect(reverse("priorities:campaign", kwargs={"slug": campaign.slug}) + "#bulletin")


@require_http_methods(["GET", "POST"])
def campaign_join(request, slug, token):
    campaign = _get(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if token != campaign.invite_token:
        raise PermissionDenied(_("Ce lien d’invitation n’est pas valide pour cette campagne."))
    if request.method == "POST":
        services.campaign_join(actor=request.user, campaign=campaign, token=token)
        messages.success(request, _("Vous participez à cette campagne."))
        return HttpResponseRedirect(reverse("priorities:campaign", kwargs={"slug": campaign.slug}) + "#bulletin")
    return render(request, "priorities/campaign_join.html", {"campaign": campaign, "token": token})


@require_GET
def campaign_results(request, slug):
    campaign = _get(slug)
    results = campaign.results
    rows = []
    if results:
        from .models import DataRequest

        requests_by_id = DataRequest.objects.in_bulk(results.get("requests", []))
        candidate_requests = dict(campaign.candidates.values_list("pk", "data_request_id"))
        from ouvert.core.i18n import pick

        for row in results["candidates"]:
            rows.append({**row, "title": pick(row["title_fr"], row["title_en"]),
                         "criteria": [{**k, "name": pick(k["name_fr"], k["name_en"])} for k in row["criteria"]],
                         "request": requests_by_id.get(candidate_requests.get(row["id"]))})
    dataset = catalog_services.open_data_dataset(services.open_data_key(campaign)) if results else None
    context = {"campaign": campaign, "state": services.campaign_state(campaign), "results": results,
               "rows": rows, "organiser": services.can_organise(request.user, campaign), "dataset": dataset,
               "borda_order": sorted(rows, key=lambda r: (r["borda_rank"], r["rank"])),
               "criteria": [{**k, "name": k["name_en"] if (k["name_en"] and _english()) else k["name_fr"]}
                            for k in (results or {}).get("criteria", [])]}
    return render(request, "priorities/campaign_results.html", context)


@require_POST
def campaign_finalise(request, slug):
    campaign = _get(slug)
    try:
        services.campaign_finalise(actor=request.user, campaign=campaign)
    except PermissionDenied as exc:
        return _detail(request, campaign, errors=[str(exc)], status=403)
    except ValidationError as exc:
        return _detail(request, campaign, errors=[_("Les résultats n’ont pas pu être publiés :"),
                                                  *error_messages(exc)], status=400)
    messages.success(request, _("Les résultats sont calculés et publiés."))
    return HttpResponseRedirect(reverse("priorities:campaign_results", kwargs={"slug": campaign.slug}))
