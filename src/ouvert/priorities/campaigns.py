"""Prioritisation campaigns: a public body lists candidates for one theme with weighted criteria, invites
participants (or opens to everyone signed in), collects one ballot per person (changeable until the
close), then computes and publishes the results (``results``), turns the selected candidates into planned
data requests and publishes the results as an open dataset of the catalogue."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core import text_checks as checks
from ouvert.core.services import NotFound

from . import requests
from .models import Ballot, Campaign, Candidate, Criterion, DataRequest, Invitation, Ranking, Rating
from .results import compute_ranking, compute_rating

ORGANISER_ROLES = ("editor", "admin")
MAX_CANDIDATES = 50
MAX_CRITERIA = 12
MAX_INVITATIONS = 2000
#: Addresses under ``campagnes/`` that are not campaigns.
RESERVED_SLUGS = {"nouvelle"}

METHOD_TEXT_FR = [
    "Score pondéré (campagnes par notation) : pour chaque candidat et chaque critère, moyenne des notes "
    "données par les personnes qui l'ont noté, divisée par la note maximale (donc entre 0 et 1). Le score du "
    "candidat est la moyenne de ces valeurs pondérée par le poids des critères, sur les critères qui ont reçu "
    "au moins une note, multipliée par 100.",
    "Abstentions : une note laissée vide n'est pas comptée ; elle ne baisse ni la moyenne ni le poids du critère. "
    "Un candidat que personne n'a noté n'a pas de score et vient en dernier.",
    "Méthode de Borda (les deux méthodes) : chaque bulletin ordonne les candidats — selon son propre score "
    "pondéré (notation) ou selon le classement donné (classement). Avec n candidats, la position p vaut n − p "
    "points. Des candidats à égalité sur un bulletin se partagent la moyenne des points des positions qu'ils "
    "occupent ; les candidats qu'un bulletin n'a pas notés sont à égalité après les autres. Un bulletin vide "
    "ne compte pas.",
    "Ordre et sélection : notation — par score pondéré, puis points Borda, puis ordre de la liste ; classement — "
    "par points Borda, puis position moyenne, puis ordre de la liste. Les premiers candidats (autant que le "
    "nombre à retenir) sont retenus et deviennent des demandes de données « planifiées ». Des candidats aux "
    "valeurs égales sont marqués ex æquo.",
]


# --- Permissions --------------------------------------------------------------------------

def can_organise(user, campaign_or_organisation) -> bool:
    if requests.is_platform_admin(user):
        return True
    organisation_id = getattr(campaign_or_organisation, "organisation_id", None) or getattr(
        campaign_or_organisation, "pk", None)
    return core_services.user_has_role(user, organisation_id, ORGANISER_ROLES)


def organisations_for_campaigns(user) -> list:
    """The organisations on whose behalf ``user`` may create a campaign."""
    from ouvert.core.models import Organisation

    if user is None or not user.is_authenticated or not user.is_active:
        return []
    qs = Organisation.objects.exclude(kind="supplier").order_by("name_fr")
    if not requests.is_platform_admin(user):
        qs = qs.filter(memberships__user=user, memberships__role__in=ORGANISER_ROLES).distinct()
    return list(qs)


def is_invited(user, campaign: Campaign) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if campaign.audience == Campaign.Audience.EVERYONE:
        return True
    from ouvert.core.models import Membership

    orgs = Membership.objects.filter(user=user).values("organisation_id")
    return campaign.invitations.filter(Q(email__iexact=user.email) | Q(organisation_id__in=orgs)).exists()


# --- Reading ----------------------------------------------------------------------------

def campaign_get(*, slug: str) -> Campaign:
    campaign = Campaign.objects.select_related("organisation").filter(slug=str(slug)[:80]).first()
    if campaign is None:
        raise NotFound(_("Cette campagne de priorisation n'existe pas."))
    return campaign


def campaign_list():
    return Campaign.objects.select_related("organisation").order_by("-opens_at", "pk")


def campaign_state(campaign: Campaign, now=None) -> str:
    now = now or timezone.now()
    if now < campaign.opens_at:
        return "upcoming"
    if now < campaign.closes_at:
        return "open"
    return "closed"


def participation_count(campaign: Campaign) -> int:
    return Ballot.objects.filter(campaign=campaign).count()


def ballot_get(*, actor, campaign: Campaign) -> dict | None:
    """The person's own ballot: ``{"ratings": {candidate: {criterion: score}}, "ranking": [candidate…],
    "updated_at"}``, or ``None``."""
    if actor is None or not actor.is_authenticated:
        return None
    ballot = Ballot.objects.filter(campaign=campaign, voter=actor).first()
    if ballot is None:
        return None
    ratings: dict = {}
    for candidate_id, criterion_id, score in ballot.ratings.values_list("candidate_id", "criterion_id", "score"):
        ratings.setdefault(candidate_id, {})[criterion_id] = score
    ranking = list(ballot.rankings.order_by("position").values_list("candidate_id", flat=True))
    return {"ratings": ratings, "ranking": ranking, "updated_at": ballot.updated_at}


# --- Creating ---------------------------------------------------------------------------

def _datetime(errors: dict, field: str, value):
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        errors[field] = [_("« %(value)s » n'est pas une date et heure valide (format attendu : "
                           "AAAA-MM-JJTHH:MM).") % {"value": str(value)[:50]}]
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int(errors: dict, field: str, value, low: int, high: int, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
        if isinstance(value, bool) or str(number) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = [_("Un nombre entier est attendu.")]
        return default
    if not low <= number <= high:
        errors[field] = [_("Entre %(low)s et %(high)s.") % {"low": low, "high": high}]
    return number


def campaign_create(*, actor, organisation, data: dict, is_demo: bool = False) -> Campaign:
    """Create a campaign with its criteria, candidates and invitations (editors/admins of ``organisation``,
    platform admins). ``data``: ``title_fr``, ``theme``, ``opens_at``, ``closes_at``, ``method``
    (``rating``/``ranking``), ``audience`` (``invited``/``everyone``), ``scale_max``, ``selected_count``,
    ``criteria`` [{``name_fr``, ``weight``, ``description_fr``}], ``candidates`` [{``title_fr``,
    ``description_fr``, ``holder``, ``dataset``, ``data_request``}], ``invitations`` [{``email``} or
    {``organisation``: slug}, optional ``group``]."""
    if actor is not None and not can_organise(actor, organisation):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme (et les administrateurs "
                                 "de la plateforme) créent ses campagnes."))
    errors: dict = {}
    title_fr = checks.line(errors, "title_fr", data.get("title_fr"), max_length=200, required=True)
    slug = slugify(data.get("slug") or title_fr)[:80] if isinstance(data.get("slug") or title_fr, str) else ""
    if not slug and "title_fr" not in errors:
        errors["slug"] = [_("Identifiant invalide.")]
    elif slug in RESERVED_SLUGS or Campaign.objects.filter(slug=slug).exists():
        errors["slug"] = [_("L'identifiant « %(slug)s » est déjà pris.") % {"slug": slug}]
    values = {
        "slug": slug, "title_fr": title_fr,
        "title_en": checks.line(errors, "title_en", data.get("title_en"), max_length=200),
        "description_fr": checks.text(errors, "description_fr", data.get("description_fr")),
        "description_en": checks.text(errors, "description_en", data.get("description_en")),
        "theme": checks.line(errors, "theme", data.get("theme"), max_length=100, required=True),
        "scale_max": _int(errors, "scale_max", data.get("scale_max"), 2, 10, 5),
        "selected_count": _int(errors, "selected_count", data.get("selected_count"), 1, MAX_CANDIDATES, 1),
    }
    method = data.get("method") or Campaign.Method.RATING
    if method not in Campaign.Method.values:
        errors["method"] = [_("Méthode inconnue : « rating » (notation) ou « ranking » (classement).")]
    audience = data.get("audience") or Campaign.Audience.INVITED
    if audience not in Campaign.Audience.values:
        errors["audience"] = [_("Participation inconnue : « invited » (invités) ou « everyone » (tous).")]
    opens_at = _datetime(errors, "opens_at", data.get("opens_at"))
    closes_at = _datetime(errors, "closes_at", data.get("closes_at"))
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_("La clôture doit suivre l'ouverture.")]
    criteria = _criteria(errors, data.get("criteria"), method)
    candidates = _candidates(errors, data.get("candidates"), actor)
    if candidates and values["selected_count"] > len(candidates) and "selected_count" not in errors:
        errors["selected_count"] = [_("Plus de candidats à retenir que de candidats.")]
    invitations = _invitations(errors, data.get("invitations"))
    checks.raise_if(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(**values, organisation=organisation, method=method, audience=audience,
                                           opens_at=opens_at, closes_at=closes_at, created_by=actor,
                                           is_demo=is_demo)
        Criterion.objects.bulk_create([Criterion(campaign=campaign, position=i, **c) for i, c in enumerate(criteria)])
        Candidate.objects.bulk_create([Candidate(campaign=campaign, position=i, **c)
                                       for i, c in enumerate(candidates)])
        Invitation.objects.bulk_create([Invitation(campaign=campaign, **i) for i in invitations])
        core_services.audit_append(actor=actor, action="priorities.campaign.create", target=campaign, data={
            "title": title_fr, "organisation": organisation.slug, "method": method, "audience": audience,
            "criteria": [{"name": c["name_fr"], "weight": str(c["weight"])} for c in criteria],
            "candidates": [c["title_fr"] for c in candidates]})
    return campaign


def _items(errors: dict, field: str, value, maximum: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors[field] = [_("Une liste d'objets est attendue.")]
        return []
    if len(value) > maximum:
        errors[field] = [_("Au plus %(max)s éléments.") % {"max": maximum}]
        return []
    return value


def _criteria(errors: dict, value, method: str) -> list[dict]:
    result = []
    items = _items(errors, "criteria", value, MAX_CRITERIA)
    for i, item in enumerate(items):
        sub: dict = {}
        name = checks.line(sub, "name_fr", item.get("name_fr"), max_length=150, required=True)
        try:
            weight = Decimal(str(item.get("weight", 1)))
            if not weight.is_finite() or weight <= 0 or weight > 1000:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            sub["weight"] = [_("Le poids est un nombre positif (au plus 1000).")]
            weight = Decimal(1)
        result.append({"name_fr": name,
                       "name_en": checks.line(sub, "name_en", item.get("name_en"), max_length=150),
                       "description_fr": checks.text(sub, "description_fr", item.get("description_fr")),
                       "description_en": checks.text(sub, "description_en", item.get("description_en")),
                       "weight": weight.quantize(Decimal("0.01"))})
        for key, messages in sub.items():
            errors[f"criteria.{i}.{key}"] = messages
    if method == Campaign.Method.RATING and not result and "criteria" not in errors:
        errors["criteria"] = [_("Une campagne par notation a au moins un critère.")]
    return result


def _candidates(errors: dict, value, actor) -> list[dict]:
    result = []
    items = _items(errors, "candidates", value, MAX_CANDIDATES)
    for i, item in enumerate(items):
        sub: dict = {}
        candidate = {"title_fr": checks.line(sub, "title_fr", item.get("title_fr"), max_length=200, required=True),
                     "title_en": checks.line(sub, "title_en", item.get("title_en"), max_length=200),
                     "description_fr": checks.text(sub, "description_fr", item.get("description_fr")),
                     "description_en": checks.text(sub, "description_en", item.get("description_en")),
                     "holder": checks.line(sub, "holder", item.get("holder"), max_length=300),
                     "dataset": None, "data_request": None}
        if item.get("dataset"):
            candidate["dataset"] = requests._dataset(sub, actor, item["dataset"])
        if item.get("data_request"):
            try:
                candidate["data_request"] = requests.request_get(pk=item["data_request"])
            except NotFound as exc:
                sub["data_request"] = [exc.message]
        result.append(candidate)
        for key, messages in sub.items():
            errors[f"candidates.{i}.{key}"] = messages
    if len(result) < 2 and "candidates" not in errors:
        errors["candidates"] = [_("Une campagne compte au moins deux candidats.")]
    return result


def _invitations(errors: dict, value) -> list[dict]:
    from django.core.validators import validate_email

    from ouvert.core.models import Organisation

    result, seen = [], set()
    for i, item in enumerate(_items(errors, "invitations", value, MAX_INVITATIONS)):
        sub: dict = {}
        group = checks.line(sub, "group", item.get("group"), max_length=150)
        email = checks.line(sub, "email", item.get("email"), max_length=254).lower()
        organisation = None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                sub["email"] = [_("Adresse courriel invalide : « %(value)s ».") % {"value": email[:100]}]
        elif item.get("organisation"):
            organisation = Organisation.objects.filter(slug=str(item["organisation"])[:100]).first()
            if organisation is None:
                sub["organisation"] = [_("Organisme inconnu « %(value)s ».") % {"value": str(item["organisation"])[:100]}]
        else:
            sub["email"] = [_("Une invitation vise une adresse courriel ou un organisme.")]
        key = email or (organisation.pk if organisation else None)
        if not sub and key not in seen:
            seen.add(key)
            result.append({"email": email, "organisation": organisation, "group": group})
        for k, messages in sub.items():
            errors[f"invitations.{i}.{k}"] = messages
    return result


def campaign_join(*, actor, campaign: Campaign, token: str) -> bool:
    """Take part through the campaign's invitation link: the person is invited by e-mail."""
    requests._signed_in(actor)
    if not isinstance(token, str) or token != campaign.invite_token:
        raise PermissionDenied(_("Ce lien d'invitation n'est pas valide pour cette campagne."))
    if not is_invited(actor, campaign):
        Invitation.objects.create(campaign=campaign, email=actor.email.lower(), group=_("Lien d'invitation"))
    return True


# --- Voting -----------------------------------------------------------------------------

def _check_can_vote(actor, campaign: Campaign) -> None:
    requests._signed_in(actor)
    state = campaign_state(campaign)
    if state == "upcoming":
        raise PermissionDenied(_("Cette campagne n'est pas encore ouverte : le vote commence le %(date)s.")
                               % {"date": timezone.localtime(campaign.opens_at).strftime("%Y-%m-%d %H:%M")})
    if state == "closed":
        raise PermissionDenied(_("Cette campagne est close : les bulletins ne peuvent plus être modifiés."))
    if not is_invited(actor, campaign):
        raise PermissionDenied(_("Cette campagne est réservée aux groupes invités, dont vous ne faites pas partie."))


def _int_key(value):
    if isinstance(value, bool):
        raise ValueError
    return int(value)


def _validate_ratings(campaign: Campaign, ratings) -> list[tuple[int, int, int]]:
    if not isinstance(ratings, dict):
        raise ValidationError({"ratings": [_("Les notes sont un objet {candidat: {critère: note}}.")]})
    candidates = set(campaign.candidates.values_list("pk", flat=True))
    criteria = set(campaign.criteria.values_list("pk", flat=True))
    rows, errors = [], {}
    for candidate_key, per_criterion in ratings.items():
        try:
            candidate = _int_key(candidate_key)
        except (TypeError, ValueError):
            candidate = None
        if candidate not in candidates:
            errors[f"ratings.{str(candidate_key)[:20]}"] = [_("Candidat inconnu dans cette campagne.")]
            continue
        if not isinstance(per_criterion, dict):
            errors[f"ratings.{candidate}"] = [_("Les notes d'un candidat sont un objet {critère: note}.")]
            continue
        for criterion_key, score in per_criterion.items():
            field = f"ratings.{candidate}.{str(criterion_key)[:20]}"
            try:
                criterion = _int_key(criterion_key)
            except (TypeError, ValueError):
                criterion = None
            if criterion not in criteria:
                errors[field] = [_("Critère inconnu dans cette campagne.")]
                continue
            if score in (None, ""):
                continue  # abstention
            try:
                value = _int_key(score)
                if str(value) != str(score).strip():
                    raise ValueError
            except (TypeError, ValueError):
                errors[field] = [_("La note doit être un nombre entier.")]
                continue
            if not 0 <= value <= campaign.scale_max:
                errors[field] = [_("La note %(value)s est hors de l'échelle : de 0 à %(max)s.")
                                 % {"value": value, "max": campaign.scale_max}]
                continue
            rows.append((candidate, criterion, value))
    checks.raise_if(errors)
    return rows


def _validate_ranking(campaign: Campaign, ranking) -> list[int]:
    if not isinstance(ranking, list):
        raise ValidationError({"ranking": [_("Le classement est une liste des candidats, du premier au dernier.")]})
    candidates = list(campaign.candidates.values_list("pk", flat=True))
    try:
        order = [_int_key(v) for v in ranking]
    except (TypeError, ValueError):
        raise ValidationError({"ranking": [_("Le classement ne contient que des identifiants de candidats.")]}) from None
    if len(set(order)) != len(order):
        raise ValidationError({"ranking": [_("Un candidat apparaît plusieurs fois dans le classement.")]})
    unknown = set(order) - set(candidates)
    if unknown:
        raise ValidationError({"ranking": [_("Candidat inconnu dans cette campagne : %(ids)s.")
                                           % {"ids": ", ".join(map(str, sorted(unknown)))}]})
    missing = set(candidates) - set(order)
    if missing:
        raise ValidationError({"ranking": [_("Classez tous les candidats : %(n)s manquant(s).") % {"n": len(missing)}]})
    return order


def ballot_submit(*, actor, campaign: Campaign, ratings=None, ranking=None, is_demo: bool = False) -> Ballot:
    """Cast or replace the person's ballot (one per person: a second submit replaces the first, even when two
    arrive at once). Rating campaigns take ``ratings`` {candidate id: {criterion id: score or None}};
    ranking campaigns take ``ranking``, every candidate id once, the first preferred."""
    _check_can_vote(actor, campaign)
    if campaign.method == Campaign.Method.RATING:
        rows = _validate_ratings(campaign, ratings if ratings is not None else {})
        if not rows:
            raise ValidationError({"ratings": [_("Donnez au moins une note avant d'enregistrer le bulletin.")]})
    else:
        order = _validate_ranking(campaign, ranking)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(campaign=campaign, voter=actor, created_at=now, updated_at=now,
                                               is_demo=is_demo)
        except IntegrityError:
            ballot = Ballot.objects.select_for_update().get(campaign=campaign, voter=actor)
            ballot.updated_at = now
            ballot.save(update_fields=["updated_at"])
        ballot.ratings.all().delete()
        ballot.rankings.all().delete()
        if campaign.method == Campaign.Method.RATING:
            Rating.objects.bulk_create([Rating(ballot=ballot, candidate_id=c, criterion_id=k, score=s)
                                        for c, k, s in rows])
        else:
            Ranking.objects.bulk_create([Ranking(ballot=ballot, candidate_id=c, position=i + 1)
                                         for i, c in enumerate(order)])
    return ballot


# --- Results ----------------------------------------------------------------------------

def compute(campaign: Campaign) -> dict:
    """The results of the ballots cast so far (pure computation; ``campaign_finalise`` stores them)."""
    candidates = list(campaign.candidates.select_related("dataset", "data_request").order_by("position", "pk"))
    criteria = list(campaign.criteria.order_by("position", "pk"))
    ids = [c.pk for c in candidates]
    if campaign.method == Campaign.Method.RATING:
        ballots: dict = {}
        for ballot_id, candidate_id, criterion_id, score in Rating.objects.filter(
                ballot__campaign=campaign).values_list("ballot_id", "candidate_id", "criterion_id", "score"):
            ballots.setdefault(ballot_id, {}).setdefault(candidate_id, {})[criterion_id] = score
        outcome = compute_rating(candidate_ids=ids, criteria={k.pk: float(k.weight) for k in criteria},
                                 scale_max=campaign.scale_max, ballots=list(ballots.values()))
    else:
        ballots = {}
        for ballot_id, candidate_id, position in Ranking.objects.filter(
                ballot__campaign=campaign).values_list("ballot_id", "candidate_id", "position"):
            ballots.setdefault(ballot_id, {})[candidate_id] = position
        outcome = compute_ranking(candidate_ids=ids, ballots=list(ballots.values()))
    by_id = {c.pk: c for c in candidates}
    rows = []
    for index, row in enumerate(outcome.candidates):
        candidate = by_id[row["candidate"]]
        rows.append({
            "id": candidate.pk, "title_fr": candidate.title_fr, "title_en": candidate.title_en,
            "holder": candidate.holder, "rank": row["rank"], "tied": row["tied"],
            "selected": index < campaign.selected_count,
            "score": _round(row["score"]), "borda": _round(row["borda"]), "borda_rank": row["borda_rank"],
            "mean_position": _round(row.get("mean_position")), "ratings": row["ratings"],
            "criteria": [{"id": k.pk, "name_fr": k.name_fr, "name_en": k.name_en, "weight": float(k.weight),
                          "ratings": row["criteria"].get(k.pk, {}).get("ratings", 0),
                          "mean": _round(row["criteria"].get(k.pk, {}).get("mean")),
                          "normalised": _round(row["criteria"].get(k.pk, {}).get("normalised"), 4)}
                         for k in criteria] if campaign.method == Campaign.Method.RATING else [],
        })
    return {"method": campaign.method, "scale_max": campaign.scale_max, "ballots": outcome.ballots,
            "participants": participation_count(campaign), "selected_count": campaign.selected_count,
            "criteria": [{"id": k.pk, "name_fr": k.name_fr, "name_en": k.name_en, "weight": float(k.weight)}
                         for k in criteria],
            "candidates": rows, "method_text_fr": METHOD_TEXT_FR}


def _round(value, digits: int = 2):
    return None if value is None else round(value, digits)


def campaign_finalise(*, actor, campaign: Campaign) -> dict:
    """After the close: compute and store the results, turn the selected candidates into « planned » data
    requests (an existing request linked to a candidate moves to « planned »), publish the results as an
    open dataset. Once: a second call returns the stored results. Organisers, platform admins, or the
    platform (``actor=None``, the periodic job)."""
    if actor is not None and not can_organise(actor, campaign):
        raise PermissionDenied(_("Seuls les organisateurs de la campagne publient ses résultats."))
    if not campaign.is_closed():
        raise PermissionDenied(_("Les résultats sont calculés après la clôture de la campagne."))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.results is not None:
            campaign.results, campaign.results_at = locked.results, locked.results_at
            return locked.results
        results = compute(locked)
        selected_ids = [row["id"] for row in results["candidates"] if row["selected"]]
        request_ids = []
        for candidate in Candidate.objects.filter(pk__in=selected_ids).select_related("data_request"):
            existing = candidate.data_request
            if existing is not None and existing.status in (DataRequest.Status.SUBMITTED, DataRequest.Status.REVIEW):
                requests.request_set_status(actor=None, data_request=existing, status=DataRequest.Status.PLANNED,
                                            campaign=locked,
                                            message=_("Retenue par la campagne « %(title)s ».") % {
                                                "title": locked.title_fr})
                request_ids.append(existing.pk)
            elif existing is not None:
                request_ids.append(existing.pk)
            else:
                created = requests.request_create(
                    actor=None, campaign=locked, status=DataRequest.Status.PLANNED, is_demo=locked.is_demo,
                    data={"title_fr": candidate.title_fr, "title_en": candidate.title_en,
                          "description_fr": candidate.description_fr or candidate.title_fr,
                          "description_en": candidate.description_en, "holder_text": candidate.holder,
                          "organisation": locked.organisation, "theme": locked.theme})
                candidate.data_request = created
                candidate.save(update_fields=["data_request"])
                request_ids.append(created.pk)
        results["requests"] = request_ids
        locked.results = results
        locked.results_at = timezone.now()
        locked.save(update_fields=["results", "results_at"])
        core_services.audit_append(actor=actor, action="priorities.campaign.results", target=locked, data={
            "ballots": results["ballots"], "selected": selected_ids, "requests": request_ids})
        publish_results(locked)
    campaign.results, campaign.results_at = locked.results, locked.results_at
    return results


def campaigns_finalise_due() -> int:
    """Periodic: finalise every closed campaign without results. Returns how many. A campaign that fails
    (its results are rolled back whole) is logged and retried at the next run; the others go on."""
    import logging

    done = 0
    for campaign in Campaign.objects.filter(closes_at__lte=timezone.now(), results__isnull=True):
        try:
            campaign_finalise(actor=None, campaign=campaign)
        except Exception:  # logged; retried next period
            logging.getLogger(__name__).exception("priorities: results of campaign %s not published", campaign.slug)
            continue
        done += 1
    return done


def results_url(campaign: Campaign) -> str:
    return reverse("priorities:campaign_results", kwargs={"slug": campaign.slug})


RESULT_COLUMNS = ["campaign", "rank", "ex_aequo", "selected", "candidate_id", "title_fr", "title_en", "holder",
                  "weighted_score", "borda_points", "borda_rank", "mean_position", "ratings"]
CRITERION_COLUMNS = ["campaign", "candidate_id", "title_fr", "criterion_id", "criterion_fr", "criterion_en",
                     "weight", "ratings", "mean", "normalised"]


def results_csv(campaign: Campaign) -> tuple[bytes, bytes]:
    from .export import csv_bytes

    results = campaign.results or {}
    rows, detail = [], []
    for row in results.get("candidates", []):
        rows.append({"campaign": campaign.slug, "rank": row["rank"], "ex_aequo": row["tied"],
                     "selected": row["selected"], "candidate_id": row["id"], "title_fr": row["title_fr"],
                     "title_en": row["title_en"], "holder": row["holder"], "weighted_score": row["score"],
                     "borda_points": row["borda"], "borda_rank": row["borda_rank"],
                     "mean_position": row["mean_position"], "ratings": row["ratings"]})
        for k in row["criteria"]:
            detail.append({"campaign": campaign.slug, "candidate_id": row["id"], "title_fr": row["title_fr"],
                           "criterion_id": k["id"], "criterion_fr": k["name_fr"], "criterion_en": k["name_en"],
                           "weight": k["weight"], "ratings": k["ratings"], "mean": k["mean"],
                           "normalised": k["normalised"]})
    return csv_bytes(RESULT_COLUMNS, rows), csv_bytes(CRITERION_COLUMNS, detail)


def open_data_key(campaign: Campaign) -> str:
    return f"priorities-campaign-{campaign.slug}"


def publish_results(campaign: Campaign):
    """Publish the stored results as an open dataset of the catalogue (anonymous: no ballot, no person)."""
    from ouvert.catalog import services as catalog_services

    per_candidate, per_criterion = results_csv(campaign)
    resources = [{"name_fr": "Résultats par candidat (CSV)", "name_en": "Results per candidate (CSV)",
                  "format": "CSV", "filename": "resultats-candidats.csv", "content": per_candidate}]
    if campaign.method == Campaign.Method.RATING:
        resources.append({"name_fr": "Résultats par critère (CSV)", "name_en": "Results per criterion (CSV)",
                          "format": "CSV", "filename": "resultats-criteres.csv", "content": per_criterion})
    method = "\n\n".join(METHOD_TEXT_FR)
    return catalog_services.open_data_publish(
        key=open_data_key(campaign), organisation=campaign.organisation,
        metadata={"name": f"priorisation-{campaign.slug}"[:100],
                  "title_fr": f"Résultats de la campagne de priorisation : {campaign.title_fr}"[:200],
                  "title_en": (f"Prioritisation campaign results: {campaign.title_en}"[:200]
                               if campaign.title_en else ""),
                  "notes_fr": (f"Résultats anonymes de la campagne de priorisation « {campaign.title_fr} » "
                               f"(thème : {campaign.theme}), {campaign.results['ballots']} bulletin(s).\n\n"
                               f"Méthode de calcul :\n\n{method}"),
                  "tags": ["priorisation", "participation", "demandes de données"],
                  "frequency": "IRREG", "languages": ["fr", "en"]},
        resources=resources)
