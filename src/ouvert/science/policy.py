"""The policy part: funds, their policy versions, the journal registry and the publishers' self-archiving
policies (forms and CSV imports), and the « how do I comply? » assistant.

Everything that writes takes the acting person (``actor``), checks that they are a science manager
(``access.is_science_manager``: a fund's staff or a platform admin; ``PermissionDenied`` otherwise),
validates (``ValidationError`` with French messages per field), writes in one transaction, appends to the
audit log (``science.fund.*``, ``science.policy.*``, ``science.journal.*``, ``science.archiving.*``,
``science.journals.import``, ``science.archiving.import``) and has the verdicts that depend on it
recomputed (``compliance.recompute_for_fund`` / ``recompute_for_journals``).

CSV imports (``journals_import``, ``archiving_policies_import``) are all or nothing: a file with any error
is refused with every error by line number and nothing is written; otherwise one transaction writes it
and the counts come back (``created``, ``updated``, ``unchanged``). Importing the same file again changes
nothing. Journals are matched by either ISSN (print or electronic).

Journal CSV: DOAJ's journal CSV export (columns « Journal title », « Journal ISSN (print version) »,
« Journal EISSN (online version) », « Publisher », « Journal license », « APC », « Journal URL »: every
journal is fully open access, registry DOAJ) or our template (``JOURNAL_TEMPLATE_COLUMNS``: « titre »,
« issn_imprime », « issn_electronique », « editeur », « libre_acces » (oui/non), « repertoire »,
« licences » (separated by « ; »), « apc » (oui/non), « entente_transformative » (oui/non), « site »).

Self-archiving CSV (``ARCHIVING_COLUMNS``): « issn » or « publisher » (« editeur »), « version »
(submitted/accepted/published, or soumis/accepté/publié), « locations » (« lieux », separated by « ; »),
« embargo_months » (« embargo_mois »), « licence », « conditions », « url ».
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ouvert.core import services as core_services

from . import access, compliance, csvfile
from .csvfile import ImportTooLarge, check_size
from .identifiers import issn_normalize, licence_normalize, title_normalize
from .models import ArchivingPolicy, Fund, Journal, PolicyVersion, Version

__all__ = [
    "ImportTooLarge", "check_size", "ARCHIVING_COLUMNS", "JOURNAL_TEMPLATE_COLUMNS", "archiving_policies_for", "archiving_policies_import",
    "archiving_policy_create", "archiving_policy_delete", "archiving_policy_get", "archiving_policy_list",
    "archiving_policy_update", "assistant", "fund_create", "fund_delete", "fund_get", "fund_list", "fund_update",
    "journal_create", "journal_get", "journal_lookup", "journal_search", "journal_update", "journals_import",
    "policy_current", "policy_overview", "policy_version_create", "policy_version_delete", "policy_version_get",
    "policy_version_update", "policy_versions",
]

JOURNAL_TEMPLATE_COLUMNS = ["titre", "issn_imprime", "issn_electronique", "editeur", "libre_acces", "repertoire",
                            "licences", "apc", "entente_transformative", "site"]
ARCHIVING_COLUMNS = ["issn", "publisher", "version", "locations", "embargo_months", "licence", "conditions", "url"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = URLValidator(schemes=["http", "https"])
_TRUE = {"oui", "yes", "true", "vrai", "1", "o", "y", "x"}
_FALSE = {"non", "no", "false", "faux", "0", "n", ""}


def _require_manager(actor) -> None:
    if not access.is_science_manager(actor):
        raise PermissionDenied(_("Seule l'équipe d'un fonds de recherche (ou l'administration de la plateforme) "
                                 "gère la politique et les répertoires."))


def _text(data, name, *, limit, required=False, label=None, errors=None):
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if _CONTROL.search(value):
        errors.setdefault(name, []).append(_("%(field)s : caractères de contrôle refusés.") % {"field": label or name})
    elif required and not value:
        errors.setdefault(name, []).append(_("%(field)s : obligatoire.") % {"field": label or name})
    elif len(value) > limit:
        errors.setdefault(name, []).append(_("%(field)s : %(limit)s caractères au plus.")
                                           % {"field": label or name, "limit": limit})
    return value


def _url(data, name, *, label, errors, limit=500):
    value = _text(data, name, limit=limit, label=label, errors=errors)
    if value:
        try:
            _URL(value)
        except ValidationError:
            errors.setdefault(name, []).append(_("%(field)s : adresse web invalide (http:// ou https://).")
                                               % {"field": label})
    return value


def _bool(value, *, allow_none=False):
    """``True``/``False`` (``None`` when blank and ``allow_none``); ``ValueError`` for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().casefold()
    if allow_none and text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(text)


def _licences(value, *, name="licences", errors):
    """A list of SPDX ids from a list or a text separated by « ; » or « , »."""
    items = value if isinstance(value, list) else re.split(r"[;,|\n]", str(value or ""))
    result = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        spdx = licence_normalize(item)
        if spdx is None:
            errors.setdefault(name, []).append(_("Licence non reconnue : « %(value)s » (écrivez par exemple "
                                                 "CC BY 4.0 ou CC-BY-4.0).") % {"value": item[:80]})
            continue
        if spdx not in result:
            result.append(spdx)
    return result


def _raise(errors):
    if errors:
        raise ValidationError(errors)


# --- Funds -----------------------------------------------------------------------------------------

def fund_list():
    """Every fund, in their order."""
    return Fund.objects.all().order_by("position", "acronym")


def fund_get(slug) -> Fund:
    fund = Fund.objects.filter(slug=str(slug or "")[:40]).first()
    if fund is None:
        raise core_services.NotFound(_("Fonds de recherche introuvable : « %(slug)s ».") % {"slug": str(slug)[:40]})
    return fund


def _fund_values(data, *, fund=None) -> dict:
    errors: dict = {}
    values = {
        "acronym": _text(data, "acronym", limit=20, required=True, label=_("Sigle"), errors=errors),
        "name_fr": _text(data, "name_fr", limit=200, required=True, label=_("Nom (français)"), errors=errors),
        "name_en": _text(data, "name_en", limit=200, label=_("Nom (anglais)"), errors=errors),
        "url": _url(data, "url", label=_("Site"), errors=errors),
    }
    slug = _text(data, "slug", limit=40, label=_("Identifiant"), errors=errors) or slugify(values["acronym"])
    if slug != slugify(slug) or not slug:
        errors.setdefault("slug", []).append(_("Identifiant : lettres minuscules, chiffres et tirets."))
    elif Fund.objects.filter(slug=slug).exclude(pk=getattr(fund, "pk", None)).exists():
        errors.setdefault("slug", []).append(_("Identifiant : « %(slug)s » est déjà pris.") % {"slug": slug})
    values["slug"] = slug
    try:
        values["position"] = int(data.get("position") or 0)
        if not 0 <= values["position"] <= 32767:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("position", []).append(_("Ordre : un nombre entier de 0 à 32767."))
    _raise(errors)
    return values


def fund_create(*, actor, data) -> Fund:
    _require_manager(actor)
    values = _fund_values(data)
    with transaction.atomic():
        fund = Fund.objects.create(**values)
        core_services.audit_append(actor=actor, action="science.fund.create", target=fund, data=values)
    return fund


def fund_update(*, actor, fund, data) -> Fund:
    _require_manager(actor)
    values = _fund_values({**{k: getattr(fund, k) for k in ("slug", "acronym", "name_fr", "name_en", "url",
                                                             "position")}, **data}, fund=fund)
    with transaction.atomic():
        for key, value in values.items():
            setattr(fund, key, value)
        fund.save()
        core_services.audit_append(actor=actor, action="science.fund.update", target=fund, data=values)
    return fund


def fund_delete(*, actor, fund) -> None:
    _require_manager(actor)
    if fund.fundings.exists():
        raise ValidationError({"fund": [_("Ce fonds finance des publications du registre : il ne peut pas être "
                                          "supprimé.")]})
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="science.fund.delete", target=fund,
                                   data={"slug": fund.slug, "acronym": fund.acronym})
        fund.delete()


# --- Policy versions -------------------------------------------------------------------------------

def policy_current(fund, on: datetime.date | None = None) -> PolicyVersion | None:
    """The version of ``fund``'s policy in force on ``on`` (today in Montreal by default)."""
    on = on or timezone.localdate()
    return PolicyVersion.objects.filter(fund=fund, effective_from__lte=on).order_by("-effective_from").first()


def policy_versions(fund):
    """``fund``'s versions, the most recent first."""
    return PolicyVersion.objects.filter(fund=fund).select_related("fund").order_by("-effective_from")


def policy_overview(on: datetime.date | None = None) -> list[dict]:
    """For the policy page: each fund with its versions as a timeline (oldest first), each with its end
    date and whether it is in force ``on`` (today)."""
    on = on or timezone.localdate()
    versions: dict[int, list[PolicyVersion]] = {}
    for version in PolicyVersion.objects.select_related("fund").order_by("fund_id", "effective_from"):
        versions.setdefault(version.fund_id, []).append(version)
    overview = []
    for fund in fund_list():
        timeline = []
        items = versions.get(fund.pk, [])
        for index, version in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            until = following.effective_from - datetime.timedelta(days=1) if following else None
            timeline.append({"version": version, "until": until,
                             "in_force": version.effective_from <= on and (until is None or on <= until),
                             "future": version.effective_from > on, "routes": version_routes(version)})
        overview.append({"fund": fund, "timeline": timeline})
    return overview


def version_routes(version: PolicyVersion) -> list[dict]:
    """The routes a version enables, with their label, explanation and parameters, in the order tried."""
    rows = []
    for code, route in compliance.ROUTES.items():
        if code in (version.routes or {}):
            params = version.routes[code] or {}
            rows.append({"code": code, "label": route.label, "explanation": route.explanation, "params": params,
                         "versions": [Version(v).label for v in params.get("versions", [])
                                      if v in Version.values],
                         "transformative_only": bool(params.get("transformative_only"))})
    return rows


__all__ += ["version_routes"]


def policy_version_get(fund, code) -> PolicyVersion:
    version = PolicyVersion.objects.filter(fund=fund, code=str(code or "")[:40]).select_related("fund").first()
    if version is None:
        raise core_services.NotFound(_("Version de politique introuvable : « %(code)s ».") % {"code": str(code)[:40]})
    return version


def _date(value, *, name, label, errors):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.setdefault(name, []).append(_("%(field)s : une date AAAA-MM-JJ.") % {"field": label})
        return None


def _version_values(data, *, fund, version=None) -> dict:
    errors: dict = {}
    values = {
        "code": _text(data, "code", limit=40, required=True, label=_("Code"), errors=errors),
        "title_fr": _text(data, "title_fr", limit=300, required=True, label=_("Titre (français)"), errors=errors),
        "title_en": _text(data, "title_en", limit=300, label=_("Titre (anglais)"), errors=errors),
        "summary_fr": _text(data, "summary_fr", limit=20000, label=_("Résumé (français)"), errors=errors),
        "summary_en": _text(data, "summary_en", limit=20000, label=_("Résumé (anglais)"), errors=errors),
        "url": _url(data, "url", label=_("Texte de la politique"), errors=errors),
        "rights_retention_fr": _text(data, "rights_retention_fr", limit=5000,
                                     label=_("Formule de rétention des droits (français)"), errors=errors),
        "rights_retention_en": _text(data, "rights_retention_en", limit=5000,
                                     label=_("Formule de rétention des droits (anglais)"), errors=errors),
    }
    if values["code"] and values["code"] != slugify(values["code"]):
        errors.setdefault("code", []).append(_("Code : lettres minuscules, chiffres et tirets (ex. 2022)."))
    values["effective_from"] = _date(data.get("effective_from"), name="effective_from",
                                     label=_("En vigueur à partir du"), errors=errors)
    try:
        months = int(str(data.get("max_embargo_months", 0) if data.get("max_embargo_months") not in (None, "")
                         else 0))
        if not 0 <= months <= 120:
            raise ValueError
        values["max_embargo_months"] = months
    except (TypeError, ValueError):
        errors.setdefault("max_embargo_months", []).append(_("Embargo permis : un nombre de mois de 0 à 120."))
    values["licences"] = _licences(data.get("licences") or [], errors=errors)
    try:
        values["routes"] = compliance.validate_routes(data.get("routes"))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    others = PolicyVersion.objects.filter(fund=fund).exclude(pk=getattr(version, "pk", None))
    if values.get("effective_from") and others.filter(effective_from=values["effective_from"]).exists():
        errors.setdefault("effective_from", []).append(
            _("Une autre version de ce fonds entre déjà en vigueur le %(date)s.") % {"date": values["effective_from"]})
    if values["code"] and others.filter(code=values["code"]).exists():
        errors.setdefault("code", []).append(_("Code : « %(code)s » est déjà pris pour ce fonds.")
                                             % {"code": values["code"]})
    if "rights_retention" in values.get("routes", {}) and not values["rights_retention_fr"]:
        errors.setdefault("rights_retention_fr", []).append(
            _("La voie de rétention des droits demande sa formule (au moins en français)."))
    _raise(errors)
    return values


def _audit_version_data(version) -> dict:
    return {"fund": version.fund.slug, "code": version.code, "effective_from": version.effective_from.isoformat(),
            "max_embargo_months": version.max_embargo_months, "licences": version.licences, "routes": version.routes}


def policy_version_create(*, actor, fund, data) -> PolicyVersion:
    _require_manager(actor)
    values = _version_values(data, fund=fund)
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(fund=fund, **values)
            core_services.audit_append(actor=actor, action="science.policy.create", target=version,
                                       data=_audit_version_data(version))
    except IntegrityError:
        raise ValidationError({"effective_from": [_("Une autre version de ce fonds vient d'être enregistrée avec ce "
                                                    "code ou cette date.")]}) from None
    compliance.recompute_for_fund(fund, actor=actor, reason="policy.create")
    return version


def policy_version_update(*, actor, version, data) -> PolicyVersion:
    _require_manager(actor)
    current = {name: getattr(version, name) for name in (
        "code", "title_fr", "title_en", "summary_fr", "summary_en", "url", "rights_retention_fr",
        "rights_retention_en", "effective_from", "max_embargo_months", "licences", "routes")}
    values = _version_values({**current, **data}, fund=version.fund, version=version)
    changed = {name: value for name, value in values.items() if current[name] != value}
    if not changed:
        return version
    try:
        with transaction.atomic():
            for name, value in values.items():
                setattr(version, name, value)
            version.save()
            core_services.audit_append(actor=actor, action="science.policy.update", target=version,
                                       data={**_audit_version_data(version), "changed": sorted(changed)})
    except IntegrityError:
        raise ValidationError({"effective_from": [_("Une autre version de ce fonds a déjà ce code ou cette "
                                                    "date.")]}) from None
    compliance.recompute_for_fund(version.fund, actor=actor, reason="policy.update")
    return version


def policy_version_delete(*, actor, version) -> int:
    """Delete ``version``; the verdicts that used it are recomputed (another version may now apply).
    Returns how many fundings it decided."""
    _require_manager(actor)
    fund = version.fund
    used = version.fundings.count()
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="science.policy.delete", target=version,
                                   data={**_audit_version_data(version), "fundings": used})
        version.delete()
    compliance.recompute_for_fund(fund, actor=actor, reason="policy.delete")
    return used


# --- Journals --------------------------------------------------------------------------------------

def journal_lookup(*, issn: str | None = None, title: str | None = None) -> Journal | None:
    """The registry's journal with this ISSN (print or electronic), else the one whose normalised title is
    exactly ``title``'s (``None`` when none, or when several journals share that title)."""
    normalized = issn_normalize(issn)
    if normalized:
        journal = Journal.objects.filter(issn_electronic=normalized).first() \
            or Journal.objects.filter(issn_print=normalized).first()
        if journal is not None:
            return journal
    key = title_normalize(title)
    if key:
        found = list(Journal.objects.filter(title_normalized=key)[:2])
        if len(found) == 1:
            return found[0]
    return None


def journal_search(query: str = "", *, open_access: bool | None = None):
    """Journals whose ISSN is ``query`` or whose title or publisher contains its words."""
    journals = Journal.objects.all()
    query = (query or "").strip()[:200]
    if query:
        issn = issn_normalize(query)
        if issn:
            journals = journals.filter(Q(issn_print=issn) | Q(issn_electronic=issn))
        else:
            for word in title_normalize(query).split()[:10]:
                journals = journals.filter(Q(title_normalized__contains=word) | Q(publisher__icontains=word))
    if open_access is not None:
        journals = journals.filter(is_open_access=open_access)
    return journals.annotate(policy_count=Count("archiving_policies")).order_by("title_normalized", "pk")


def journal_get(pk) -> Journal:
    try:
        journal = Journal.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        journal = None
    if journal is None:
        raise core_services.NotFound(_("Revue introuvable."))
    return journal


JOURNAL_FIELDS = ("title", "issn_print", "issn_electronic", "publisher", "is_open_access", "registry", "licences",
                  "apc", "transformative", "url")


def _journal_values(data, *, prefix_errors=None) -> dict:
    errors: dict = {}
    values = {
        "title": _text(data, "title", limit=500, required=True, label=_("Titre"), errors=errors),
        "publisher": _text(data, "publisher", limit=300, label=pgettext("publisher", "Éditeur"), errors=errors),
        "registry": _text(data, "registry", limit=60, label=_("Répertoire"), errors=errors),
        "url": _url(data, "url", label=_("Site"), errors=errors),
    }
    for name, label in (("issn_print", _("ISSN (imprimé)")), ("issn_electronic", _("ISSN (électronique)"))):
        raw = _text(data, name, limit=20, label=label, errors=errors)
        normalized = issn_normalize(raw) if raw else ""
        if raw and normalized is None:
            errors.setdefault(name, []).append(_("%(field)s : « %(value)s » n'est pas un ISSN valide (format "
                                                 "1234-567X et chiffre de contrôle).") % {"field": label, "value": raw})
        values[name] = normalized or ""
    if not errors.get("issn_print") and not errors.get("issn_electronic") \
            and not values["issn_print"] and not values["issn_electronic"]:
        errors.setdefault("issn_electronic", []).append(_("Au moins un ISSN (imprimé ou électronique) est requis."))
    if values["issn_print"] and values["issn_print"] == values["issn_electronic"]:
        values["issn_print"] = ""
    for name, label, allow_none in (("is_open_access", _("Libre accès"), False), ("apc", _("APC"), True),
                                    ("transformative", _("Entente transformative"), False)):
        try:
            values[name] = _bool(data.get(name), allow_none=allow_none)
        except ValueError:
            errors.setdefault(name, []).append(_("%(field)s : oui ou non.") % {"field": label})
    values["licences"] = _licences(data.get("licences") or [], errors=errors)
    _raise(errors)
    return values


def _journals_matching(values, exclude=None):
    issns = [issn for issn in (values.get("issn_print"), values.get("issn_electronic")) if issn]
    if not issns:
        return []
    found = Journal.objects.filter(Q(issn_print__in=issns) | Q(issn_electronic__in=issns))
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return list(found)


def _journal_upsert(values, *, source) -> tuple[Journal, str]:
    """(journal, "created" | "updated" | "unchanged")."""
    matches = _journals_matching(values)
    if len(matches) > 1:
        raise ValidationError(_("Les ISSN %(issns)s désignent deux revues différentes du répertoire (%(titles)s).")
                              % {"issns": ", ".join(i for i in (values["issn_print"], values["issn_electronic"]) if i),
                                 "titles": " ; ".join(j.title for j in matches)})
    if not matches:
        journal = Journal(source=source, **values)
        journal.save()
        return journal, "created"
    journal = matches[0]
    changed = False
    for name, value in values.items():
        if name in ("issn_print", "issn_electronic") and not value:
            continue  # a file that gives one ISSN keeps the other one known
        if getattr(journal, name) != value:
            setattr(journal, name, value)
            changed = True
    if changed:
        journal.source = source or journal.source
        journal.save()
        return journal, "updated"
    return journal, "unchanged"


def journal_create(*, actor, data) -> Journal:
    _require_manager(actor)
    values = _journal_values(data)
    if _journals_matching(values):
        raise ValidationError({"issn_electronic": [_("Une revue du répertoire a déjà cet ISSN.")]})
    with transaction.atomic():
        journal = Journal.objects.create(source="form", **values)
        core_services.audit_append(actor=actor, action="science.journal.create", target=journal,
                                   data={"title": journal.title, "issns": journal.issns})
    compliance.recompute_for_journals(journals=[journal], actor=actor, reason="journal.create")
    return journal


def journal_update(*, actor, journal, data) -> Journal:
    _require_manager(actor)
    current = {name: getattr(journal, name) for name in JOURNAL_FIELDS}
    values = _journal_values({**current, **data})
    if _journals_matching(values, exclude=journal):
        raise ValidationError({"issn_electronic": [_("Une autre revue du répertoire a déjà cet ISSN.")]})
    changed = sorted(name for name, value in values.items() if current[name] != value)
    if not changed:
        return journal
    before = Journal(**{name: current[name] for name in JOURNAL_FIELDS})
    with transaction.atomic():
        for name, value in values.items():
            setattr(journal, name, value)
        journal.save()
        core_services.audit_append(actor=actor, action="science.journal.update", target=journal,
                                   data={"title": journal.title, "changed": changed})
    compliance.recompute_for_journals(journals=[journal], issns=before.issns,
                                      publishers=[before.publisher], actor=actor, reason="journal.update")
    return journal


def journal_delete(*, actor, journal) -> None:
    _require_manager(actor)
    issns, publisher = journal.issns, journal.publisher
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="science.journal.delete", target=journal,
                                   data={"title": journal.title, "issns": issns})
        ids = list(journal.publications.values_list("pk", flat=True))
        journal.delete()
    compliance.recompute_for_journals(issns=issns, publishers=[publisher], ids=ids, actor=actor,
                                      reason="journal.delete")


__all__ += ["journal_delete"]


def _row_journal_doaj(row) -> dict:
    apc = row.get("apc", row.get("journal article processing charges apcs", ""))
    licences = []
    for item in re.split(r"[,;]", row.get("journal license", "")):
        item = item.strip()
        if item:
            licences.append(licence_normalize(item) or "LicenseRef-" + (slugify(item)[:40] or "other"))
    return {"title": row.get("journal title", ""), "issn_print": row.get("journal issn print version", ""),
            "issn_electronic": row.get("journal eissn online version", ""), "publisher": row.get("publisher", ""),
            "is_open_access": True, "registry": "DOAJ", "licences": licences, "apc": apc,
            "transformative": False, "url": row.get("journal url", "")}


def _row_journal_template(row) -> dict:
    return {"title": row.get("titre", ""), "issn_print": row.get("issn imprime", ""),
            "issn_electronic": row.get("issn electronique", ""), "publisher": row.get("editeur", ""),
            "is_open_access": row.get("libre acces", ""), "registry": row.get("repertoire", ""),
            "licences": row.get("licences", ""), "apc": row.get("apc", ""),
            "transformative": row.get("entente transformative", ""), "url": row.get("site", "")}


def _line_errors(line, exc: ValidationError) -> list[str]:
    messages = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
    return [_("Ligne %(line)s : %(message)s") % {"line": line, "message": message} for message in messages]


def journals_import(*, actor, data: bytes, filename: str = "") -> dict:
    """Import a journal CSV (DOAJ export or our template): see the module's docstring."""
    _require_manager(actor)
    table = csvfile.read(data)
    if "journal title" in table.columns:
        kind, parse = "doaj", _row_journal_doaj
        required = ["journal title", "journal issn print version", "journal eissn online version"]
    elif "titre" in table.columns:
        kind, parse = "template", _row_journal_template
        required = ["titre", "issn imprime", "issn electronique", "libre acces"]
    else:
        raise ValidationError(_("Format inconnu : attendu l'export CSV des revues du DOAJ (colonne « Journal title ») "
                                "ou notre gabarit (colonnes %(columns)s).") % {"columns": ", ".join(JOURNAL_TEMPLATE_COLUMNS)})
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise ValidationError(_("Colonnes manquantes : %(missing)s.") % {"missing": ", ".join(missing)})
    errors: list[str] = []
    rows = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        try:
            values = _journal_values(parse(row))
        except ValidationError as exc:
            errors += _line_errors(line, exc)
            continue
        duplicate = False
        for issn in (values["issn_print"], values["issn_electronic"]):
            if issn and issn in seen:
                errors.append(_("Ligne %(line)s : l'ISSN %(issn)s figure déjà à la ligne %(first)s.")
                              % {"line": line, "issn": issn, "first": seen[issn]})
                duplicate = True
        if duplicate:
            continue
        for issn in (values["issn_print"], values["issn_electronic"]):
            if issn:
                seen[issn] = line
        rows.append((line, values))
    if not rows and not errors:
        errors.append(_("Le fichier ne contient aucune revue."))
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    touched, old_publishers = [], set()
    source = "doaj-csv" if kind == "doaj" else "csv"
    with transaction.atomic():
        for line, values in rows:
            before = _journals_matching(values)
            try:
                journal, outcome = _journal_upsert(values, source=source)
            except ValidationError as exc:
                errors += _line_errors(line, exc)
                continue
            counts[outcome] += 1
            if outcome != "unchanged":
                touched.append(journal)
                old_publishers |= {j.publisher for j in before if j.publisher}
        if errors:
            transaction.set_rollback(True)
        else:
            core_services.audit_append(actor=actor, action="science.journals.import", target=None,
                                       data={"file": filename[:200], "format": kind, "rows": len(rows), **counts})
    if errors:
        raise ValidationError(errors)
    recomputed = 0
    if touched:
        recomputed = compliance.recompute_for_journals(journals=touched, publishers=old_publishers, actor=actor,
                                                       reason="journals.import")
    return {**counts, "format": kind, "encoding": table.encoding, "rows": len(rows), "recomputed": recomputed}


# --- Self-archiving policies -----------------------------------------------------------------------

_VERSION_WORDS = {
    "submitted": Version.SUBMITTED, "submittedversion": Version.SUBMITTED, "soumis": Version.SUBMITTED,
    "manuscritsoumis": Version.SUBMITTED, "preprint": Version.SUBMITTED, "prepublication": Version.SUBMITTED,
    "accepted": Version.ACCEPTED, "acceptedversion": Version.ACCEPTED, "accepte": Version.ACCEPTED,
    "manuscritaccepte": Version.ACCEPTED, "postprint": Version.ACCEPTED, "aam": Version.ACCEPTED,
    "published": Version.PUBLISHED, "publishedversion": Version.PUBLISHED, "publie": Version.PUBLISHED,
    "versionpubliee": Version.PUBLISHED, "vor": Version.PUBLISHED, "pdf": Version.PUBLISHED,
}


def _version_word(value) -> str | None:
    word = _VERSION_WORDS.get(csvfile.column_key(str(value or "")).replace(" ", ""))
    return str(word) if word else None


def archiving_policy_list(query: str = ""):
    policies = ArchivingPolicy.objects.select_related("journal")
    query = (query or "").strip()[:200]
    if query:
        issn = issn_normalize(query)
        if issn:
            policies = policies.filter(Q(journal__issn_print=issn) | Q(journal__issn_electronic=issn))
        else:
            policies = policies.filter(Q(publisher__icontains=query) | Q(journal__title__icontains=query)
                                       | Q(journal__publisher__icontains=query))
    return policies.order_by("publisher", "journal__title_normalized", "version", "pk")


def archiving_policy_get(pk) -> ArchivingPolicy:
    try:
        policy = ArchivingPolicy.objects.select_related("journal").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        policy = None
    if policy is None:
        raise core_services.NotFound(_("Politique d'autoarchivage introuvable."))
    return policy


def archiving_policies_for(journal: Journal | None, publisher: str = "") -> list[ArchivingPolicy]:
    """The self-archiving policies that apply to ``journal``: its own, else its publisher's."""
    if journal is not None:
        own = list(ArchivingPolicy.objects.filter(journal=journal).order_by("version", "embargo_months", "pk"))
        if own:
            return own
        publisher = journal.publisher or publisher
    if not (publisher or "").strip():
        return []
    return list(ArchivingPolicy.objects.filter(journal=None, publisher__iexact=publisher.strip())
                .order_by("version", "embargo_months", "pk"))


def _archiving_values(data) -> dict:
    errors: dict = {}
    values = {
        "publisher": _text(data, "publisher", limit=300, label=pgettext("publisher", "Éditeur"), errors=errors),
        "conditions": _text(data, "conditions", limit=5000, label=_("Conditions"), errors=errors),
        "url": _url(data, "url", label=_("Source"), errors=errors),
        "journal": None,
    }
    journal = data.get("journal")
    issn = _text(data, "issn", limit=20, label="ISSN", errors=errors)
    if isinstance(journal, Journal):
        values["journal"] = journal
    elif journal not in (None, ""):
        try:
            values["journal"] = journal_get(journal)
        except core_services.NotFound:
            errors.setdefault("journal", []).append(_("Revue introuvable."))
    elif issn:
        normalized = issn_normalize(issn)
        if normalized is None:
            errors.setdefault("issn", []).append(_("ISSN : « %(value)s » n'est pas un ISSN valide.") % {"value": issn})
        else:
            values["journal"] = journal_lookup(issn=normalized)
            if values["journal"] is None:
                errors.setdefault("issn", []).append(_("ISSN %(issn)s : aucune revue du répertoire ne l'a "
                                                       "(importez d'abord la revue).") % {"issn": normalized})
    if values["journal"] is not None:
        values["publisher"] = ""
    elif not values["publisher"] and not errors:
        errors.setdefault("publisher", []).append(_("Indiquez une revue (ISSN) ou un éditeur."))
    version = _version_word(data.get("version"))
    if version is None:
        errors.setdefault("version", []).append(_("Version : « %(value)s » inconnue (soumis, accepté ou publié).")
                                                % {"value": str(data.get("version") or "")[:40]})
    values["version"] = version
    locations = data.get("locations") or []
    if not isinstance(locations, list):
        locations = re.split(r"[;|\n]", str(locations))
    cleaned = []
    for item in locations:
        item = str(item).strip()
        if _CONTROL.search(item) or len(item) > 100:
            errors.setdefault("locations", []).append(_("Lieux : chaque lieu en 100 caractères au plus."))
            break
        if item and item not in cleaned:
            cleaned.append(item)
    values["locations"] = cleaned
    raw = data.get("embargo_months")
    try:
        months = int(str(raw).strip()) if raw not in (None, "") else 0
        if not 0 <= months <= 240:
            raise ValueError
        values["embargo_months"] = months
    except (TypeError, ValueError):
        errors.setdefault("embargo_months", []).append(_("Embargo : un nombre de mois de 0 à 240."))
    licence = _text(data, "licence", limit=60, label=_("Licence"), errors=errors)
    if licence:
        spdx = licence_normalize(licence)
        if spdx is None:
            errors.setdefault("licence", []).append(_("Licence non reconnue : « %(value)s ».") % {"value": licence})
        licence = spdx or ""
    values["licence"] = licence
    _raise(errors)
    return values


ARCHIVING_FIELDS = ("journal", "publisher", "version", "locations", "embargo_months", "licence", "conditions", "url")


def _archiving_recompute(policies, *, actor, reason):
    journals = [p.journal for p in policies if p.journal is not None]
    publishers = [p.publisher for p in policies if p.publisher]
    return compliance.recompute_for_journals(journals=journals, publishers=publishers, actor=actor, reason=reason)


def archiving_policy_create(*, actor, data) -> ArchivingPolicy:
    _require_manager(actor)
    values = _archiving_values(data)
    with transaction.atomic():
        policy = ArchivingPolicy.objects.create(source="form", **values)
        core_services.audit_append(actor=actor, action="science.archiving.create", target=policy,
                                   data={"scope": str(policy.journal or policy.publisher), "version": policy.version,
                                         "embargo_months": policy.embargo_months})
    _archiving_recompute([policy], actor=actor, reason="archiving.create")
    return policy


def archiving_policy_update(*, actor, policy, data) -> ArchivingPolicy:
    _require_manager(actor)
    current = {name: getattr(policy, name) for name in ARCHIVING_FIELDS}
    merged = {**current, **data}
    if "issn" in data and "journal" not in data:
        merged["journal"] = None
    values = _archiving_values(merged)
    changed = sorted(name for name, value in values.items() if current[name] != value)
    if not changed:
        return policy
    before = ArchivingPolicy(**current)
    with transaction.atomic():
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        core_services.audit_append(actor=actor, action="science.archiving.update", target=policy,
                                   data={"scope": str(policy.journal or policy.publisher), "changed": changed})
    _archiving_recompute([before, policy], actor=actor, reason="archiving.update")
    return policy


def archiving_policy_delete(*, actor, policy) -> None:
    _require_manager(actor)
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="science.archiving.delete", target=policy,
                                   data={"scope": str(policy.journal or policy.publisher), "version": policy.version})
        policy.delete()
    _archiving_recompute([policy], actor=actor, reason="archiving.delete")


def _archiving_key(values) -> tuple:
    return (values["journal"].pk if values["journal"] is not None else None, values["publisher"].casefold(),
            values["version"], tuple(sorted(values["locations"])))


def archiving_policies_import(*, actor, data: bytes, filename: str = "") -> dict:
    """Import self-archiving policies from CSV (see the module's docstring). A row replaces the policy with
    the same journal or publisher, version and locations."""
    _require_manager(actor)
    table = csvfile.read(data)
    aliases = {"editeur": "publisher", "lieux": "locations", "embargo mois": "embargo_months",
               "embargo months": "embargo_months", "embargo": "embargo_months", "source": "url"}
    columns = {aliases.get(name, name) for name in table.columns}
    missing = [name for name in ("version",) if name not in columns]
    if "issn" not in columns and "publisher" not in columns:
        missing.insert(0, "issn / publisher")
    if missing:
        raise ValidationError(_("Colonnes manquantes : %(missing)s (colonnes attendues : %(columns)s).")
                              % {"missing": ", ".join(missing), "columns": ", ".join(ARCHIVING_COLUMNS)})
    errors: list[str] = []
    rows = []
    seen: dict[tuple, int] = {}
    for line, raw in table.rows:
        row = {aliases.get(name, name): value for name, value in raw.items()}
        try:
            values = _archiving_values(row)
        except ValidationError as exc:
            errors += _line_errors(line, exc)
            continue
        key = _archiving_key(values)
        if key in seen:
            errors.append(_("Ligne %(line)s : même revue ou éditeur, même version et mêmes lieux qu'à la ligne "
                            "%(first)s.") % {"line": line, "first": seen[key]})
            continue
        seen[key] = line
        rows.append(values)
    if not rows and not errors:
        errors.append(_("Le fichier ne contient aucune politique."))
    if errors:
        raise ValidationError(errors)
    existing = {}
    for policy in ArchivingPolicy.objects.select_related("journal"):
        existing.setdefault(_archiving_key({name: getattr(policy, name) for name in ARCHIVING_FIELDS}), policy)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    touched = []
    with transaction.atomic():
        for values in rows:
            policy = existing.get(_archiving_key(values))
            if policy is None:
                policy = ArchivingPolicy.objects.create(source="csv", **values)
                counts["created"] += 1
                touched.append(policy)
                continue
            if any(getattr(policy, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(policy, name, value)
                policy.source = "csv"
                policy.save()
                counts["updated"] += 1
                touched.append(policy)
            else:
                counts["unchanged"] += 1
        core_services.audit_append(actor=actor, action="science.archiving.import", target=None,
                                   data={"file": filename[:200], "rows": len(rows), **counts})
    recomputed = _archiving_recompute(touched, actor=actor, reason="archiving.import") if touched else 0
    return {**counts, "encoding": table.encoding, "rows": len(rows), "recomputed": recomputed}


# --- The assistant ---------------------------------------------------------------------------------

STATUS = {"ok": "works", "fail": "fails", "missing": "depends"}


def _find_journals(query: str) -> tuple[Journal | None, list[Journal], str]:
    """(the journal, the candidates to choose from, how it was found: issn | title | "")."""
    query = (query or "").strip()[:300]
    if not query:
        return None, [], ""
    issn = issn_normalize(query)
    if issn:
        journal = journal_lookup(issn=issn)
        return journal, [], "issn" if journal else ""
    key = title_normalize(query)
    if not key:
        return None, [], ""
    exact = list(Journal.objects.filter(title_normalized=key).order_by("pk")[:21])
    if len(exact) == 1:
        return exact[0], [], "title"
    if exact:
        return None, exact[:20], ""
    partial = list(journal_search(query)[:21])
    if len(partial) == 1:
        return partial[0], [], "title"
    return None, partial[:20], ""


def assistant(*, journal_query: str, fund, on: datetime.date | None = None) -> dict:
    """« How do I comply? »: for a journal (ISSN or title) and a fund, each route of the version in force
    ``on`` (today) with « works » / « fails » / « depends », its steps (reason codes) and what to do, and the
    rights-retention wording. ``fund`` is a ``Fund`` or its slug."""
    if not isinstance(fund, Fund):
        if not fund:
            raise ValidationError({"fund": [_("Choisissez un fonds de recherche.")]})
        try:
            fund = fund_get(fund)
        except core_services.NotFound as exc:
            raise ValidationError({"fund": [exc.message]}) from None
    query = (journal_query or "").strip()
    if _CONTROL.search(query) or len(query) > 300:
        raise ValidationError({"journal": [_("Revue : 300 caractères au plus, sans caractères de contrôle.")]})
    on = on or timezone.localdate()
    journal, candidates, found_by = _find_journals(query)
    looks_like_issn = bool(re.fullmatch(r"\s*\d{4}-?\d{3}[\dxX]\s*", query))
    result = {"query": query, "fund": fund, "on": on, "journal": journal, "found_by": found_by,
              "candidates": candidates, "not_found": bool(query) and journal is None and not candidates,
              "invalid_issn": looks_like_issn and issn_normalize(query) is None,
              "version": None, "routes": [], "archiving": [], "rights_retention_fr": "", "rights_retention_en": ""}
    version = policy_current(fund, on)
    if version is None:
        return result
    archiving = archiving_policies_for(journal) if journal is not None else []
    result.update(version=version, archiving=archiving, rights_retention_fr=version.rights_retention_fr,
                  rights_retention_en=version.rights_retention_en,
                  version_step={"route": "policy", "code": "policy.advice_version", "outcome": "ok",
                                "params": {"fund": fund.acronym, "version": version.code,
                                           "effective_from": version.effective_from.isoformat()}})
    for code, route in compliance.ROUTES.items():
        if code not in (version.routes or {}):
            continue
        checks = route.advise(journal, archiving, version, version.routes[code] or {})
        result["routes"].append({"code": code, "label": route.label, "explanation": route.explanation,
                                 "status": STATUS[checks.outcome], "steps": checks.steps,
                                 "missing": checks.missing, "todo": _todo(code, checks, version, journal)})
    return result


def _todo(code, checks, version, journal) -> str:
    """What to do for a route that works (or may work)."""
    licence = (version.licences or ["CC-BY-4.0"])[0]
    delay = (_("dès la publication") if version.max_embargo_months == 0
             else _("au plus tard %(months)s mois après la publication") % {"months": version.max_embargo_months})
    if checks.outcome == "fail":
        return ""
    if code == "journal":
        return _("Publiez dans cette revue en libre accès sous %(licence)s.") % {"licence": licence}
    if code == "repository":
        step = next((s for s in checks.steps if s["code"] == "repository.advice_allows"), None)
        what = Version(step["params"]["version"]).label if step else _("le manuscrit accepté ou la version publiée")
        return _("Déposez %(what)s dans le dépôt de votre établissement, sous %(licence)s, %(delay)s.") \
            % {"what": str(what).lower() if step else what, "licence": licence, "delay": delay}
    if code == "rights_retention":
        return _("Ajoutez la formule ci-dessous à votre soumission (lettre de présentation et manuscrit), puis "
                 "déposez le manuscrit accepté sous %(licence)s dans le dépôt de votre établissement dès la "
                 "publication.") % {"licence": licence}
    if code == "hybrid":
        return _("Choisissez l'option de libre accès de la revue, sous %(licence)s.") % {"licence": licence}
    return ""


def register() -> None:
    pass
