"""Certification of reference datasets (« données ouvertes de référence »).

Criteria, computed automatically (``criteria_evaluate``, in bulk, a constant number of queries):

- ``identifier``: at least one tabular resource declares a primary key, and it is unique in its data;
- ``schema_valid``: every tabular resource has a Table Schema and its current data is valid against it;
- ``dictionary_complete``: every field of those schemas is described in French and in English;
- ``frequency``: the declared update frequency is respected (the score's check ``udata.frequency_respected``);
- ``availability``: at least 99 % over 30 days (``availability.uptime_for_datasets``; uploaded files count
  as available; not measured yet fails, saying so);
- ``metadata_rating``: the metadata quality rating is at least « good » (``DatasetScore.rating``);
- ``open_format`` and ``open_licence``: the score's checks ``udata.open_format`` and ``udata.open_licence``.

Each criterion is ``{"id", "passed", "detail": {"code", "params"}}``: the text is rendered in the
reader's language when shown (``criterion_text``), from a table of codes, never stored as text.

Platform admins certify a dataset (only when every criterion passes: ``certify``) or withdraw its
certification with a reason (``withdraw``). A certified dataset is evaluated again when it changes
(dataset listener) and every hour (periodic job ``quality.certification``, ``certifications_review``):
a criterion that fails sets ``failing_since`` and tells the publisher; criteria met again clear it;
failing for more than ``OUVERT_CERTIFICATION_GRACE_DAYS`` days (14 by default) lapses the
certification. Every change of status is a ``CertificationEvent``, an entry in the dataset's history,
an entry in the audit log and a notification to the publisher's editors and administrators.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.datastore import services as datastore_services

from .models import Certification, CertificationEvent, DatasetScore, Rating

__all__ = [
    "CRITERIA",
    "CertificationConflict",
    "certification_events",
    "certification_get",
    "certification_grace_days",
    "certification_reevaluate",
    "certifications_review",
    "certified_dataset_ids",
    "certify",
    "criteria_evaluate",
    "criteria_passed",
    "criteria_resource_names",
    "criterion_fix",
    "criterion_label",
    "criterion_requirement",
    "criterion_text",
    "reference_candidates",
    "reference_ended",
    "reference_list",
    "withdraw",
]

logger = logging.getLogger("ouvert.quality.certification")

#: The criteria, in the order they are shown.
CRITERIA = ("identifier", "schema_valid", "dictionary_complete", "frequency", "availability", "metadata_rating",
            "open_format", "open_licence")

#: Share of time available over 30 days that the ``availability`` criterion asks for.
MIN_UPTIME = 0.99
UPTIME_DAYS = 30
#: Ratings good enough for ``metadata_rating``.
GOOD_RATINGS = (Rating.EXCELLENT, Rating.GOOD)
DEFAULT_GRACE_DAYS = 14
#: Datasets evaluated together by the hourly review.
REVIEW_CHUNK = 500

_LABELS = {
    "identifier": gettext_lazy("Identifiant unique"),
    "schema_valid": gettext_lazy("Schéma de table et données valides"),
    "dictionary_complete": gettext_lazy("Dictionnaire de données complet"),
    "frequency": gettext_lazy("Fréquence de mise à jour respectée"),
    "availability": gettext_lazy("Disponibilité d’au moins 99 %"),
    "metadata_rating": gettext_lazy("Métadonnées de bonne qualité"),
    "open_format": gettext_lazy("Formats ouverts"),
    "open_licence": gettext_lazy("Licence ouverte"),
}

#: What each criterion asks for (shown beside it).
_REQUIREMENTS = {
    "identifier": gettext_lazy("Au moins une ressource tabulaire déclare une clé primaire (colonne d’identifiant), "
                               "et aucune ligne ne la répète ni ne la laisse vide."),
    "schema_valid": gettext_lazy("Chaque ressource tabulaire a un schéma de table (Table Schema) et ses données "
                                 "actuelles le respectent."),
    "dictionary_complete": gettext_lazy("Chaque champ des schémas est décrit en français et en anglais."),
    "frequency": gettext_lazy("Le jeu de données est mis à jour au rythme qu’il annonce."),
    "availability": gettext_lazy("Les ressources sont disponibles au moins 99 % du temps sur 30 jours (les fichiers "
                                 "déposés sur la plateforme comptent comme disponibles)."),
    "metadata_rating": gettext_lazy("Le score de qualité des métadonnées est au moins « Bonne »."),
    "open_format": gettext_lazy("Chaque ressource est publiée dans un format ouvert."),
    "open_licence": gettext_lazy("Le jeu de données est publié sous une licence ouverte."),
}

#: How to meet each criterion when it fails.
_FIXES = {
    "identifier": gettext_lazy("Dans le dictionnaire de données d’une ressource tabulaire, choisissez comme clé "
                               "primaire la colonne qui identifie chaque ligne (un code, un numéro), puis corrigez "
                               "les lignes où elle est vide ou répétée et publiez une nouvelle version du fichier."),
    "schema_valid": gettext_lazy("Donnez un schéma à chaque ressource tabulaire (page « Aperçu », « Dictionnaire de "
                                 "données »), lisez le rapport de validation et corrigez les lignes en erreur ou le "
                                 "schéma."),
    "dictionary_complete": gettext_lazy("Dans le dictionnaire de données, décrivez chaque champ nommé, en français et "
                                        "en anglais."),
    "frequency": gettext_lazy("Publiez une mise à jour, ou déclarez la fréquence réelle de mise à jour dans les "
                              "métadonnées du jeu de données."),
    "availability": gettext_lazy("Réparez les liens brisés ou lents (consultez le rapport des liens) ou déposez les "
                                 "fichiers sur la plateforme."),
    "metadata_rating": gettext_lazy("Suivez les corrections proposées par le score de qualité du jeu de données "
                                    "(point de contact, mots-clés, couverture, etc.)."),
    "open_format": gettext_lazy("Publiez chaque ressource dans un format ouvert (CSV, JSON, GeoJSON…) : "
                                "retirez ou remplacez celles qui sont dans un format fermé."),
    "open_licence": gettext_lazy("Choisissez une licence ouverte (par exemple CC-BY 4.0) dans les métadonnées."),
}

#: Detail codes → message (``%(name)s`` parameters; lists are joined, resources named, rates in %).
_DETAILS = {
    "identifier.ok": gettext_lazy("La clé primaire « %(key)s » de « %(resource)s » est unique."),
    "identifier.no_tabular": gettext_lazy("Aucune ressource tabulaire n’a été intégrée."),
    "identifier.no_key": gettext_lazy("Aucune ressource tabulaire ne déclare de clé primaire."),
    "identifier.duplicates": gettext_lazy("La clé primaire « %(key)s » de « %(resource)s » est vide ou répétée "
                                          "dans %(duplicates)s ligne(s)."),
    "identifier.unchecked": gettext_lazy("L’unicité de la clé primaire de « %(resource)s » n’est pas encore "
                                         "vérifiée (traitement en cours)."),
    "schema_valid.ok": gettext_lazy("Les %(count)s ressource(s) tabulaire(s) ont un schéma et leurs données sont "
                                    "valides."),
    "schema_valid.no_tabular": gettext_lazy("Aucune ressource tabulaire n’a été intégrée."),
    "schema_valid.no_schema": gettext_lazy("Sans schéma de table : %(resources)s."),
    "schema_valid.invalid": gettext_lazy("Données non conformes au schéma (%(errors)s erreur(s)) : %(resources)s."),
    "schema_valid.unchecked": gettext_lazy("Validation pas encore faite (traitement en cours) : %(resources)s."),
    "dictionary_complete.ok": gettext_lazy("Les %(count)s champ(s) sont décrits en français et en anglais."),
    "dictionary_complete.no_tabular": gettext_lazy("Aucune ressource tabulaire n’a été intégrée."),
    "dictionary_complete.no_schema": gettext_lazy("Sans dictionnaire de données : %(resources)s."),
    "dictionary_complete.missing": gettext_lazy("%(count)s champ(s) sans description en français ou en anglais : "
                                                "%(fields)s."),
    "frequency.ok": gettext_lazy("Le jeu de données est mis à jour au rythme annoncé."),
    "frequency.late": gettext_lazy("La fréquence de mise à jour annoncée n’est pas respectée, ou aucune n’est "
                                   "déclarée."),
    "availability.ok": gettext_lazy("Disponible %(uptime)s %% du temps sur 30 jours."),
    "availability.low": gettext_lazy("Disponible seulement %(uptime)s %% du temps sur 30 jours (99 %% demandés)."),
    "availability.not_measured": gettext_lazy("Disponibilité pas encore mesurée : les liens n’ont pas encore été "
                                              "vérifiés."),
    "metadata_rating.ok": gettext_lazy("Appréciation « %(rating)s » (%(points)s points sur %(max)s)."),
    "metadata_rating.low": gettext_lazy("Appréciation « %(rating)s » (%(points)s points sur %(max)s) : « Bonne » "
                                        "au moins est demandée."),
    "open_format.ok": gettext_lazy("Toutes les ressources sont dans un format ouvert."),
    "open_format.failed": gettext_lazy("Au moins une ressource n’est pas dans un format ouvert."),
    "open_licence.ok": gettext_lazy("La licence est ouverte."),
    "open_licence.failed": gettext_lazy("La licence n’est pas une licence ouverte, ou aucune n’est indiquée."),
    "score.missing": gettext_lazy("Le score de qualité n’est pas encore calculé."),
}

class CertificationConflict(Exception):
    """The certification is not in a state that allows the change (already certified, not certified)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Texts --------------------------------------------------------------------------------------

def criterion_label(criterion_id: str) -> str:
    return str(_LABELS.get(criterion_id, criterion_id))


def criterion_requirement(criterion_id: str) -> str:
    return str(_REQUIREMENTS.get(criterion_id, ""))


def criterion_fix(criterion_id: str) -> str:
    return str(_FIXES.get(criterion_id, ""))


def _resource_name(value, names: dict) -> str:
    return names.get(str(value)) or _("ressource %(id)s") % {"id": str(value)[:8]}


def criterion_text(criterion: dict, *, names: dict | None = None) -> str:
    """The detail of an evaluated criterion in the current language; ``names``: resource id → name."""
    names = names or {}
    detail = criterion.get("detail") or {}
    template = _DETAILS.get(detail.get("code", ""))
    if template is None:
        return ""
    params = dict(detail.get("params") or {})
    if "resource" in params:
        params["resource"] = _resource_name(params["resource"], names)
    if "resources" in params:
        params["resources"] = ", ".join(_("« %(name)s »") % {"name": _resource_name(value, names)}
                                        for value in params["resources"])
    if "fields" in params and isinstance(params["fields"], list):
        shown = params["fields"][:20]
        params["fields"] = ", ".join(shown) + ("…" if len(params["fields"]) > len(shown) else "")
    if "key" in params and isinstance(params["key"], list):
        params["key"] = ", ".join(params["key"])
    if "uptime" in params and params["uptime"] is not None:
        params["uptime"] = formats.number_format(round(float(params["uptime"]) * 100, 2), 2)
    if "rating" in params:
        params["rating"] = str(Rating(params["rating"]).label) if params["rating"] in Rating.values else \
            params["rating"]
    fix = params.pop("fix", None)
    try:
        text = str(template) % params
    except (KeyError, TypeError, ValueError):
        logger.warning("criterion detail %r: parameters %r do not fit", detail.get("code"), params)
        text = str(template)
    if isinstance(fix, dict):
        from .mqa import fix_text

        text = f"{text} {fix_text(fix)}".strip()
    return text


# --- Evaluation ---------------------------------------------------------------------------------

def _result(criterion_id: str, passed: bool, code: str, **params) -> dict:
    return {"id": criterion_id, "passed": bool(passed), "detail": {"code": code, "params": params}}


def _identifier(facts: list[dict]) -> dict:
    if not facts:
        return _result("identifier", False, "identifier.no_tabular")
    keyed = [f for f in facts if f["primary_key"]]
    for fact in keyed:
        if fact["primary_key_unique"] is True:
            return _result("identifier", True, "identifier.ok", key=fact["primary_key"], resource=fact["resource_id"])
    for fact in keyed:
        if fact["primary_key_unique"] is False:
            return _result("identifier", False, "identifier.duplicates", key=fact["primary_key"],
                           resource=fact["resource_id"], duplicates=fact.get("primary_key_duplicates") or 0)
    if keyed:
        return _result("identifier", False, "identifier.unchecked", resource=keyed[0]["resource_id"])
    return _result("identifier", False, "identifier.no_key")


def _schema_valid(facts: list[dict]) -> dict:
    if not facts:
        return _result("schema_valid", False, "schema_valid.no_tabular")
    missing = [f["resource_id"] for f in facts if not f["has_schema"]]
    if missing:
        return _result("schema_valid", False, "schema_valid.no_schema", resources=missing)
    invalid = [f for f in facts if f["validation_valid"] is False]
    if invalid:
        return _result("schema_valid", False, "schema_valid.invalid", resources=[f["resource_id"] for f in invalid],
                       errors=sum(int(f.get("validation_errors") or 0) for f in invalid))
    unchecked = [f["resource_id"] for f in facts if f["validation_valid"] is not True]
    if unchecked:
        return _result("schema_valid", False, "schema_valid.unchecked", resources=unchecked)
    return _result("schema_valid", True, "schema_valid.ok", count=len(facts))


def _dictionary_complete(facts: list[dict]) -> dict:
    if not facts:
        return _result("dictionary_complete", False, "dictionary_complete.no_tabular")
    missing = [f["resource_id"] for f in facts if not f["has_schema"]]
    if missing:
        return _result("dictionary_complete", False, "dictionary_complete.no_schema", resources=missing)
    undescribed: list[str] = []
    for fact in facts:
        for name in fact["undescribed_fields"]:
            if name not in undescribed:
                undescribed.append(name)
    if undescribed:
        return _result("dictionary_complete", False, "dictionary_complete.missing", fields=undescribed[:100],
                       count=len(undescribed))
    return _result("dictionary_complete", True, "dictionary_complete.ok", count=sum(f["fields"] for f in facts))


def _check(score: dict | None, check_id: str) -> dict | None:
    if score is None:
        return None
    for check in score["checks"] or []:
        if isinstance(check, dict) and check.get("id") == check_id:
            return check
    return None


def _from_check(criterion_id: str, score: dict | None, check_id: str) -> dict:
    check = _check(score, check_id)
    if check is None:
        return _result(criterion_id, False, "score.missing")
    if check.get("passed"):
        return _result(criterion_id, True, f"{criterion_id}.ok")
    code = "frequency.late" if criterion_id == "frequency" else f"{criterion_id}.failed"
    if check.get("fix"):  # the score's own fix ("la ressource 2 est un PDF : publiez un CSV"), shown after
        return _result(criterion_id, False, code, fix=check["fix"])
    return _result(criterion_id, False, code)


def _availability(uptime) -> dict:
    if uptime is None:
        return _result("availability", False, "availability.not_measured")
    uptime = float(uptime)
    if uptime >= MIN_UPTIME:
        return _result("availability", True, "availability.ok", uptime=uptime)
    return _result("availability", False, "availability.low", uptime=uptime)


def _rating(score: dict | None) -> dict:
    if score is None:
        return _result("metadata_rating", False, "score.missing")
    params = {"rating": score["rating"], "points": score["points"], "max": score["max_points"]}
    if score["rating"] in GOOD_RATINGS:
        return _result("metadata_rating", True, "metadata_rating.ok", **params)
    return _result("metadata_rating", False, "metadata_rating.low", **params)




def criteria_evaluate(dataset_ids) -> dict:
    """``{dataset id (UUID): [{"id", "passed", "detail": {"code", "params"}}, …]}`` for each dataset asked
    (UUIDs or their text; others are left out), the criteria in ``CRITERIA``'s order. A constant number of queries whatever the number of datasets (the
    datastore's facts, the scores, the uptimes)."""
    from . import availability

    ids = list(dict.fromkeys(catalog_services.as_uuid(value) for value in dataset_ids))
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    facts = datastore_services.table_facts_for_datasets(ids)
    scores = {row["dataset_id"]: row for row in DatasetScore.objects.filter(dataset_id__in=ids)
              .values("dataset_id", "rating", "points", "max_points", "checks")}
    uptimes = availability.uptime_for_datasets(ids, days=UPTIME_DAYS)
    result = {}
    for pk in ids:
        tables = facts.get(pk) or []
        score = scores.get(pk)
        result[pk] = [
            _identifier(tables),
            _schema_valid(tables),
            _dictionary_complete(tables),
            _from_check("frequency", score, "udata.frequency_respected"),
            _availability(uptimes.get(pk)),
            _rating(score),
            _from_check("open_format", score, "udata.open_format"),
            _from_check("open_licence", score, "udata.open_licence"),
        ]
    return result


def criteria_passed(criteria: list[dict]) -> bool:
    return bool(criteria) and all(item.get("passed") for item in criteria)


def _failing_text(criteria: list[dict], names: dict | None = None) -> list[str]:
    return [_("%(label)s : %(text)s") % {"label": criterion_label(item["id"]), "text": criterion_text(item, names=names)}
            for item in criteria if not item.get("passed")]


def criteria_resource_names(dataset) -> dict:
    language = translation.get_language() or settings.LANGUAGE_CODE
    names = {}
    for resource in catalog_services.resource_list(dataset=dataset):
        first, second = (resource.name_en, resource.name_fr) if language.startswith("en") else \
            (resource.name_fr, resource.name_en)
        names[str(resource.pk)] = first or second or resource.format or str(resource.pk)[:8]
    return names


# --- Reads --------------------------------------------------------------------------------------

def certification_grace_days() -> int:
    """``OUVERT_CERTIFICATION_GRACE_DAYS`` (default 14): how long a certified dataset may fail a criterion."""
    value = getattr(settings, "OUVERT_CERTIFICATION_GRACE_DAYS", DEFAULT_GRACE_DAYS)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return DEFAULT_GRACE_DAYS


def certification_get(dataset) -> Certification | None:
    return Certification.objects.filter(dataset_id=dataset.pk).select_related("certified_by").first()


def certification_events(dataset, *, limit: int = 100) -> list[CertificationEvent]:
    return list(CertificationEvent.objects.filter(dataset_id=dataset.pk).select_related("actor")
                .order_by("-at", "-id")[:limit])


def certified_dataset_ids():
    """The primary keys of certified datasets (a queryset of ``dataset_id``, usable as a subquery):
    the catalogue's search filter ``reference:true``."""
    return Certification.objects.filter(status=Certification.Status.CERTIFIED).values("dataset_id")


def reference_list(*, user=None, limit: int | None = None, offset: int = 0):
    """The certified datasets ``user`` may see, newest certification first, with their dataset and
    publisher (one query)."""
    visible = catalog_services.dataset_visible_queryset(user, include_private=True, include_drafts=False)
    queryset = (Certification.objects.filter(status=Certification.Status.CERTIFIED,
                                             dataset_id__in=visible.values("pk"))
                .select_related("dataset", "dataset__organisation")
                .order_by("-certified_at", "dataset__name"))
    if limit is not None:
        queryset = queryset[offset:offset + limit]
    return queryset


def reference_ended(*, user=None, limit: int = 20) -> list:
    """The latest certifications withdrawn or lapsed among the datasets ``user`` may see, with the
    reason of their end (``end_reason``: the withdrawal's reason or the failing criteria; one query)."""
    from django.db.models import OuterRef, Subquery

    visible = catalog_services.dataset_visible_queryset(user, include_private=True, include_drafts=False)
    last_end = (CertificationEvent.objects.filter(dataset_id=OuterRef("dataset_id"),
                                                  kind__in=[CertificationEvent.Kind.WITHDRAWN,
                                                            CertificationEvent.Kind.LAPSED])
                .order_by("-at", "-id"))
    return list(Certification.objects.filter(status__in=[Certification.Status.WITHDRAWN,
                                                         Certification.Status.LAPSED],
                                              dataset_id__in=visible.values("pk"))
                .annotate(end_reason=Subquery(last_end.values("reason")[:1]))
                .select_related("dataset", "dataset__organisation")
                .order_by("-ended_at", "dataset__name")[:limit])


def reference_candidates(*, limit: int = 50, examined: int = 1000) -> list:
    """Published public datasets that pass every criterion and are not certified: among the
    ``examined`` best-scored of those rated at least « good », evaluated in chunks (a constant number
    of queries per chunk). Returns ``[(dataset, criteria), …]``, at most ``limit``."""
    public = catalog_services.dataset_visible_queryset(None, include_private=False, include_drafts=False)
    ids = list(DatasetScore.objects.filter(rating__in=GOOD_RATINGS, dataset_id__in=public.values("pk"))
               .exclude(dataset_id__in=certified_dataset_ids())
               .order_by("-points", "dataset_id").values_list("dataset_id", flat=True)[:examined])
    found: dict = {}
    for start in range(0, len(ids), REVIEW_CHUNK):
        evaluated = criteria_evaluate(ids[start:start + REVIEW_CHUNK])
        found.update((pk, criteria) for pk, criteria in evaluated.items() if criteria_passed(criteria))
        if len(found) >= limit:
            break
    chosen = list(found)[:limit]
    datasets = {d.pk: d for d in public.filter(pk__in=chosen).select_related("organisation")}
    return [(datasets[pk], found[pk]) for pk in chosen if pk in datasets]


# --- Changes ------------------------------------------------------------------------------------

def _require_admin(actor) -> None:
    if not (actor is not None and actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme certifient les données de référence."))


def _editors(dataset) -> list:
    """The active editors and administrators of the dataset's publisher."""
    from ouvert.core.models import Membership

    detail = core_services.organisation_detail(slug=dataset.organisation.slug)
    return [m.user for m in detail["members"]
            if m.role in (Membership.Role.EDITOR, Membership.Role.ADMIN) and m.user.is_active]


def _page_url(dataset) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("quality:reference_dataset", kwargs={"name": dataset.name})


def _notify(dataset, subject: str, body: str) -> None:
    recipients = _editors(dataset)
    if recipients:
        core_services.notify(recipients=recipients, subject=subject, body=body, url=_page_url(dataset))


def _record(*, dataset, actor, kind: str, before: str | None, after: str, reason: str = "",
            criteria: list | None = None, action: str) -> CertificationEvent:
    """The event, the history entry and the audit-log entry of a change of status."""
    event = CertificationEvent.objects.create(dataset_id=dataset.pk, kind=kind, actor=_person(actor),
                                              reason=reason, criteria=criteria or [])
    catalog_services.activity_note(dataset=dataset, actor=actor,
                                   activity_type=catalog_services.Activity.Type.CERTIFICATION,
                                   diff={"certification": {"before": before, "after": after}})
    core_services.audit_append(actor=actor, action=action, target=dataset,
                               data={"dataset": dataset.name, "before": before, "after": after, "reason": reason,
                                     "failing": [c["id"] for c in criteria or [] if not c.get("passed")]})
    return event


def _person(actor):
    return actor if (actor is not None and actor.is_authenticated) else None


def _title(dataset) -> str:
    return dataset.title_fr or dataset.title_en or dataset.name


def certify(*, actor, dataset) -> Certification:
    """Certify ``dataset`` as reference data. Platform admins only (``PermissionDenied``); the dataset must
    be published and public, and every criterion must pass (``ValidationError`` listing the failing
    ones); ``CertificationConflict`` if it already is (two submissions at once: one certifies, the other
    is told)."""
    _require_admin(actor)
    if dataset.state != catalog_services.Dataset.State.ACTIVE or dataset.private:
        raise ValidationError({"dataset": [_("Seul un jeu de données publié et public peut être certifié comme "
                                             "donnée de référence.")]})
    criteria = criteria_evaluate([dataset.pk]).get(dataset.pk) or []
    if not criteria_passed(criteria):
        names = criteria_resource_names(dataset)
        raise ValidationError({"criteria": [_("Certification impossible : un critère n’est pas rempli.")]
                               + _failing_text(criteria, names)})
    now = timezone.now()
    with transaction.atomic():
        before = None
        try:
            with transaction.atomic():
                certification = Certification.objects.create(
                    dataset_id=dataset.pk, status=Certification.Status.CERTIFIED, certified_at=now,
                    certified_by=actor, criteria=criteria, evaluated_at=now)
        except IntegrityError:
            certification = Certification.objects.select_for_update().get(dataset_id=dataset.pk)
            if certification.status == Certification.Status.CERTIFIED:
                raise CertificationConflict(_("Ce jeu de données est déjà certifié.")) from None
            before = certification.status
            certification.status = Certification.Status.CERTIFIED
            certification.certified_at = now
            certification.certified_by = actor
            certification.ended_at = None
            certification.failing_since = None
            certification.criteria = criteria
            certification.evaluated_at = now
            certification.save()
        _record(dataset=dataset, actor=actor, kind=CertificationEvent.Kind.CERTIFIED, before=before,
                after=Certification.Status.CERTIFIED, criteria=criteria, action="quality.certification.certify")
        with translation.override(settings.LANGUAGE_CODE):
            _notify(dataset, _("Données de référence : « %(title)s » est certifié") % {"title": _title(dataset)},
                    _("Le jeu de données « %(title)s » est certifié comme donnée de référence : il remplit tous les "
                      "critères. Si un critère cesse d’être rempli pendant plus de %(days)s jours, la certification "
                      "échoit.") % {"title": _title(dataset), "days": certification_grace_days()})
    return certification


def withdraw(*, actor, dataset, reason: str) -> Certification:
    """Withdraw ``dataset``'s certification, for ``reason`` (required). Platform admins only;
    ``CertificationConflict`` if it is not certified."""
    _require_admin(actor)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du retrait de la certification.")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("Le motif est trop long (2 000 caractères au plus).")]})
    with transaction.atomic():
        certification = Certification.objects.select_for_update().filter(dataset_id=dataset.pk).first()
        if certification is None or certification.status != Certification.Status.CERTIFIED:
            raise CertificationConflict(_("Ce jeu de données n’est pas certifié."))
        certification.status = Certification.Status.WITHDRAWN
        certification.ended_at = timezone.now()
        certification.failing_since = None
        certification.save(update_fields=["status", "ended_at", "failing_since"])
        _record(dataset=dataset, actor=actor, kind=CertificationEvent.Kind.WITHDRAWN,
                before=Certification.Status.CERTIFIED, after=Certification.Status.WITHDRAWN, reason=reason,
                criteria=certification.criteria, action="quality.certification.withdraw")
        with translation.override(settings.LANGUAGE_CODE):
            _notify(dataset, _("Données de référence : certification retirée à « %(title)s »")
                    % {"title": _title(dataset)},
                    _("La certification du jeu de données « %(title)s » comme donnée de référence est retirée. "
                      "Motif : %(reason)s") % {"title": _title(dataset), "reason": reason})
    return certification


def _apply(dataset_id, criteria: list[dict], now: datetime.datetime, grace: datetime.timedelta) -> list[str]:
    """Apply a new evaluation to a certified dataset; returns what happened: ``"failed"`` (a criterion
    newly fails), ``"restored"``, ``"lapsed"`` (possibly after ``"failed"`` when there is no grace)."""
    with transaction.atomic():
        certification = (Certification.objects.select_for_update(of=("self",)).select_related("dataset", "dataset__organisation")
                         .filter(dataset_id=dataset_id, status=Certification.Status.CERTIFIED).first())
        if certification is None:
            return []
        dataset = certification.dataset
        outcomes = []
        certification.criteria = criteria
        certification.evaluated_at = now
        fields = ["criteria", "evaluated_at"]
        with translation.override(settings.LANGUAGE_CODE):
            if criteria_passed(criteria):
                if certification.failing_since is not None:
                    certification.failing_since = None
                    fields.append("failing_since")
                    CertificationEvent.objects.create(dataset_id=dataset_id, at=now, criteria=criteria,
                                                      kind=CertificationEvent.Kind.CRITERIA_RESTORED)
                    _notify(dataset, _("Données de référence : « %(title)s » remplit de nouveau tous les critères")
                            % {"title": _title(dataset)},
                            _("Le jeu de données « %(title)s » remplit de nouveau tous les critères des données de "
                              "référence : sa certification est maintenue.") % {"title": _title(dataset)})
                    outcomes.append("restored")
            else:
                names = None
                if certification.failing_since is None:
                    certification.failing_since = now
                    fields.append("failing_since")
                    names = criteria_resource_names(dataset)
                    reasons = "\n".join(f"- {line}" for line in _failing_text(criteria, names))
                    CertificationEvent.objects.create(dataset_id=dataset_id, at=now, criteria=criteria,
                                                      kind=CertificationEvent.Kind.CRITERION_FAILED,
                                                      reason=reasons[:2000])
                    deadline = now + grace
                    _notify(dataset, _("Données de référence : un critère n’est plus rempli par « %(title)s »")
                            % {"title": _title(dataset)},
                            _("Le jeu de données « %(title)s » ne remplit plus tous les critères des données de "
                              "référence :\n%(reasons)s\n\nSans correction d’ici le %(deadline)s, sa certification "
                              "échoira.") % {"title": _title(dataset), "reasons": reasons,
                                             "deadline": formats.date_format(timezone.localtime(deadline),
                                                                             "DATE_FORMAT")})
                    outcomes.append("failed")
                if now - certification.failing_since >= grace:
                    names = names or criteria_resource_names(dataset)
                    reasons = "\n".join(f"- {line}" for line in _failing_text(criteria, names))
                    certification.status = Certification.Status.LAPSED
                    certification.ended_at = now
                    fields += ["status", "ended_at"]
                    _record(dataset=dataset, actor=None, kind=CertificationEvent.Kind.LAPSED,
                            before=Certification.Status.CERTIFIED, after=Certification.Status.LAPSED,
                            reason=reasons[:2000], criteria=criteria, action="quality.certification.lapse")
                    _notify(dataset, _("Données de référence : la certification de « %(title)s » est échue")
                            % {"title": _title(dataset)},
                            _("Le jeu de données « %(title)s » ne remplit plus tous les critères des données de "
                              "référence depuis plus de %(days)s jours : sa certification est échue.\n%(reasons)s\n\n"
                              "Une fois les critères remplis, un administrateur peut le certifier de nouveau.")
                            % {"title": _title(dataset), "days": grace.days, "reasons": reasons})
                    outcomes.append("lapsed")
        certification.save(update_fields=fields)
    return outcomes


def certifications_review(*, now: datetime.datetime | None = None, dataset_ids=None) -> dict:
    """Evaluate the certified datasets again (all of them, or those of ``dataset_ids``): the hourly job
    ``quality.certification``. Returns counts: ``evaluated``, ``failed`` (newly failing), ``restored``,
    ``lapsed``."""
    now = now or timezone.now()
    grace = datetime.timedelta(days=certification_grace_days())
    queryset = Certification.objects.filter(status=Certification.Status.CERTIFIED)
    if dataset_ids is not None:
        queryset = queryset.filter(dataset_id__in=list(dataset_ids))
    ids = list(queryset.order_by("dataset_id").values_list("dataset_id", flat=True))
    counts = {"evaluated": 0, "failed": 0, "restored": 0, "lapsed": 0}
    for start in range(0, len(ids), REVIEW_CHUNK):
        evaluated = criteria_evaluate(ids[start:start + REVIEW_CHUNK])
        for pk, criteria in evaluated.items():
            counts["evaluated"] += 1
            for outcome in _apply(pk, criteria, now, grace):
                counts[outcome] += 1
    return counts


def certification_reevaluate(event: str, dataset_id) -> None:
    """Dataset listener: a certified dataset that changed is evaluated again at once."""
    if event == "purged":
        return
    if Certification.objects.filter(dataset_id=dataset_id, status=Certification.Status.CERTIFIED).exists():
        certifications_review(dataset_ids=[dataset_id])


def register() -> None:
    """This part's registrations (listeners, periodic jobs, panels…), from ``hooks.register``."""
    from django.utils.translation import gettext_lazy as lazy

    from ouvert.core import registry

    from . import demo, reference_views

    registry.register_dataset_listener(certification_reevaluate)
    registry.register_periodic("quality.certification", lambda: certifications_review(), 3600)
    registry.register_dataset_panel("reference", reference_views.dataset_panel, order=55)
    registry.register_menu_link(lazy("Données de référence"), "quality:reference", order=32)
    registry.register_demo_loader("quality", demo.load, order=50)
    catalog_services.search_flag_register("reference", certified_dataset_ids, label_fr="Données de référence",
                                          label_en="Reference data")
    catalog_services.history_field_register("certification", lazy("Certification"),
                                            dict(Certification.Status.choices))
