"""Compliance with a fund's open-access policy: the routes as rules, the verdicts with their reasons, and
their recomputing when data changes.

A verdict is decided per funding (publication × fund): the fund's policy version in force on the
publication date applies (``policy.policy_current``), then each route that version enables is checked in
the order of ``ROUTES`` until one passes. Every check leaves a *step* — like the log of the Plan S Journal
Checker Tool — stored as codes and parameters (``{"route", "code", "outcome", "params"}``) so that it
renders in French or English at display time (``reason_text``).

Verdict: ``compliant`` when a route passes (``route`` is its code); else ``unknown`` when a route could
pass with more data (``missing`` lists what: see ``MISSING``); else ``not_compliant``.

Months are calendar months: the deadline of a version allowing *n* months is the publication date plus
*n* months, the day kept (clamped to the month's last day: 31 January + 1 month = 28 or 29 February).
A delay is counted in started months (published 15 June, open 16 August: 3 months, since 15 August
was the end of the second). ``max_embargo_months = 0`` means open on the publication date at the latest.

The open date of a copy: for the declared deposit, ``deposit_open_on``, else ``deposited_on`` (a copy
declared without an embargo date opens when deposited); for a harvested deposit, ``embargo_until`` when
the repository gives one, else the record's datestamp (the date it was made public, at the latest).

Evidence is the publication's own fields plus its harvested deposits (``Deposit``, not deleted). The
journal is ``publication.journal``, else the registry's journal with the publication's ISSN, else its
journal title (``policy.journal_lookup``). Self-archiving policies are the journal's own, else those of
its publisher (for every journal of that publisher).

Reason codes (outcome: ok / fail / missing):

==================================== ======= ===========================================================
code                                 outcome meaning
==================================== ======= ===========================================================
policy.version_applies               ok      the fund's version in force on the publication date
policy.version_by_competition        ok      the fund's version in force when the grant's competition was launched
policy.no_version                    fail    the fund had no policy on that date (verdict: unknown)
policy.published_on_missing          missing no publication date: the version cannot be chosen
policy.no_routes                     fail    the version enables no route
journal.unknown                      missing no journal given (ISSN or title)
journal.not_in_registry              fail    the journal is not in the registry
journal.not_open_access              fail    the journal is not fully open access
journal.open_access                  ok      listed as fully open access (in which registry)
journal.licence_missing              missing the article's licence is not known
journal.licence_not_accepted         fail    the article's licence is not one the version accepts
journal.licence_accepted             ok      the article's licence is accepted
journal.licence_any                  ok      the version accepts any licence
journal.compliant                    ok      the route passes (open at publication)
repository.no_deposit                missing no deposit is known (declared or harvested), and the deadline plus
                                             the grace (``OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS``) has not passed
repository.deposit_overdue           fail    no deposit is known and the deadline plus the grace has passed
repository.copy                      ok      which copy is checked (declared, or harvested from a source)
repository.url_missing               missing the declared deposit has no address
repository.version_missing           missing the version deposited is not known
repository.version_not_allowed       fail    that version is not one the version accepts
repository.version_allowed           ok      that version is accepted
repository.licence_missing           missing the copy's licence is not known
repository.licence_not_accepted      fail    the copy's licence is not accepted
repository.licence_accepted          ok      the copy's licence is accepted
repository.licence_any               ok      the version accepts any licence
repository.open_date_missing         missing when the copy opened is not known
repository.embargo_too_long          fail    opened too late: months after publication > months allowed
repository.open_in_time              ok      opened by the deadline
repository.publisher_disallows       fail    the publisher's self-archiving policy does not allow it
repository.publisher_allows          ok      the publisher's self-archiving policy allows it
repository.publisher_policy_unknown  ok      no self-archiving policy known (the deposit counts)
repository.compliant                 ok      the route passes
rights_retention.no_deposit          missing no deposit is known, the publication date plus the grace not passed
rights_retention.deposit_overdue     fail    no deposit is known and the publication date plus the grace passed
rights_retention.no_accepted_manuscript fail no accepted manuscript among the copies
rights_retention.licence_missing     missing the manuscript's licence is not known
rights_retention.licence_not_accepted fail   the manuscript's licence is not accepted
rights_retention.licence_accepted    ok      accepted licence
rights_retention.open_date_missing   missing when the manuscript opened is not known
rights_retention.embargo             fail    not open at publication (rights retention means no embargo)
rights_retention.open_at_publication ok      open at publication
rights_retention.publisher_overridden ok     the publisher's policy does not allow it; the rights-retention
                                             statement overrides it
rights_retention.publisher_allows    ok      the publisher allows it anyway
rights_retention.compliant           ok      the route passes
hybrid.journal_unknown               missing no journal given
hybrid.not_in_registry               fail    the journal is not in the registry
hybrid.journal_fully_open            fail    a fully open-access journal (the journal route applies)
hybrid.not_transformative            fail    the journal is under no transformative agreement
hybrid.transformative                ok      under a transformative agreement
hybrid.licence_missing               missing the article's licence is not known
hybrid.licence_not_accepted          fail    not an accepted licence
hybrid.licence_accepted              ok      accepted licence
hybrid.compliant                     ok      the route passes
==================================== ======= ===========================================================

Recomputing: ``publication_recompute`` (one publication), ``recompute`` (a queryset, in batches of a fixed
number of queries), ``recompute_for_fund`` and ``recompute_for_journals`` (after a policy or registry
change: audited as ``science.verdicts.recompute`` with the counts; above ``TASK_THRESHOLD`` publications,
through the task ``recompute_task``), and the periodic jobs ``science.embargoes_lifted`` (the observed
status of publications whose open copy opened in the last week) and ``science.deposits_overdue`` (the
verdicts whose missing deposit became overdue in the last week).

The assistant (``policy.assistant``) uses the same routes on a journal alone (no publication): each route says
whether it *works*, *does not work* or *depends*, with the same kind of steps (codes ``*.advice_*``).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from ouvert.core import rows
from ouvert.core import services as core_services

from .identifiers import issn_normalize, title_normalize
from .models import (
    ArchivingPolicy,
    Compliance,
    Deposit,
    Funding,
    Journal,
    OAStatus,
    PolicyVersion,
    Publication,
    Version,
)

__all__ = [
    "VERSIONS", "describe", "MISSING", "REASONS", "ROUTES", "Verdict", "add_months", "evaluate", "evaluate_description", "missing_text",
    "months_after", "observed_oa_status", "publication_recompute", "recompute", "recompute_for_fund",
    "recompute_for_journals", "reason_text", "route_label", "validate_routes",
]

OK, FAIL, MISSING_OUTCOME = "ok", "fail", "missing"


# --- Months ----------------------------------------------------------------------------------------

def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's length."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(start: datetime.date, end: datetime.date) -> int:
    """How many months ``end`` is after ``start``, a started month counting (0 when not after)."""
    if end <= start:
        return 0
    months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    while months > 0 and add_months(start, months - 1) >= end:
        months -= 1
    while add_months(start, months) < end:
        months += 1
    return months


# --- Texts -----------------------------------------------------------------------------------------

REASONS = {
    "policy.version_applies": gettext_lazy(
        "La version « %(version)s » de la politique du %(fund)s s'applique : en vigueur du %(effective_from)s"
        "%(until_text)s, elle couvre la date de publication (%(published_on)s)."),
    "policy.version_by_competition": gettext_lazy(
        "La version « %(version)s » de la politique du %(fund)s s'applique : en vigueur du %(effective_from)s"
        "%(until_text)s, elle couvre la date de lancement du concours de la subvention (%(competition_date)s)."),
    "policy.no_version": gettext_lazy(
        "Le %(fund)s n'avait pas de politique de libre accès en vigueur le %(published_on)s."),
    "policy.published_on_missing": gettext_lazy(
        "La date de publication manque : impossible de savoir quelle version de la politique du %(fund)s "
        "s'applique."),
    "policy.no_routes": gettext_lazy("Cette version de la politique n'accepte aucune voie de conformité."),
    "journal.unknown": gettext_lazy("La revue n'est pas indiquée (ISSN ou titre)."),
    "journal.not_in_registry": gettext_lazy(
        "La revue (%(journal)s) n'est pas dans le répertoire des revues en libre accès."),
    "journal.not_open_access": gettext_lazy(
        "La revue « %(journal)s » n'est pas entièrement en libre accès (revue sur abonnement ou hybride)."),
    "journal.open_access": gettext_lazy(
        "La revue « %(journal)s » est entièrement en libre accès (répertoire : %(registry)s)."),
    "journal.licence_missing": gettext_lazy("La licence de l'article n'est pas connue."),
    "journal.licence_not_accepted": gettext_lazy(
        "La licence de l'article (%(licence)s) n'est pas acceptée ; licences acceptées : %(accepted)s."),
    "journal.licence_accepted": gettext_lazy("La licence de l'article (%(licence)s) est acceptée."),
    "journal.licence_any": gettext_lazy("Cette version de la politique accepte toute licence pour l'article."),
    "journal.compliant": gettext_lazy(
        "L'article est en libre accès dès sa publication dans une revue en libre accès : voie respectée."),
    "repository.no_deposit": gettext_lazy(
        "Aucun dépôt en archive ouverte n'est connu (déclaré ou moissonné)%(due_text)s."),
    "repository.deposit_overdue": gettext_lazy(
        "Aucun dépôt en archive ouverte n'est connu, et la copie devait être ouverte au plus tard le "
        "%(deadline)s (délai de grâce de %(grace)s jours échu le %(due)s)."),
    "repository.copy": gettext_lazy("Copie examinée : %(copy)s."),
    "repository.url_missing": gettext_lazy("L'adresse du dépôt déclaré manque."),
    "repository.version_missing": gettext_lazy("La version déposée n'est pas connue."),
    "repository.version_not_allowed": gettext_lazy(
        "La version déposée (%(version)s) n'est pas acceptée ; versions acceptées : %(allowed)s."),
    "repository.version_allowed": gettext_lazy("La version déposée (%(version)s) est acceptée."),
    "repository.licence_missing": gettext_lazy("La licence de la copie déposée n'est pas connue."),
    "repository.licence_not_accepted": gettext_lazy(
        "La licence de la copie déposée (%(licence)s) n'est pas acceptée ; licences acceptées : %(accepted)s."),
    "repository.licence_accepted": gettext_lazy("La licence de la copie déposée (%(licence)s) est acceptée."),
    "repository.licence_any": gettext_lazy("Cette version de la politique accepte toute licence pour la copie déposée."),
    "repository.open_date_missing": gettext_lazy("La date d'ouverture de la copie déposée n'est pas connue."),
    "repository.embargo_too_long": gettext_lazy(
        "La copie est ouverte le %(open_on)s, %(months)s mois après la publication : la politique en permet "
        "%(allowed)s (au plus tard le %(deadline)s)."),
    "repository.open_in_time": gettext_lazy(
        "La copie est ouverte le %(open_on)s, au plus tard à la date permise (%(deadline)s)."),
    "repository.publisher_disallows": gettext_lazy(
        "La politique d'autoarchivage de l'éditeur ne permet pas de déposer cette version (%(version)s) "
        "avec un embargo d'au plus %(allowed)s mois%(embargo_text)s."),
    "repository.publisher_allows": gettext_lazy(
        "La politique d'autoarchivage de l'éditeur permet ce dépôt (%(version)s, embargo de %(embargo)s mois)."),
    "repository.publisher_policy_unknown": gettext_lazy(
        "Aucune politique d'autoarchivage de l'éditeur n'est connue : le dépôt est pris tel quel."),
    "repository.compliant": gettext_lazy("La copie en archive ouverte respecte la politique : voie respectée."),
    "rights_retention.no_deposit": gettext_lazy("Aucun dépôt du manuscrit accepté n'est connu%(due_text)s."),
    "rights_retention.deposit_overdue": gettext_lazy(
        "Aucun dépôt du manuscrit accepté n'est connu, et il devait être ouvert dès la publication, le "
        "%(deadline)s (délai de grâce de %(grace)s jours échu le %(due)s)."),
    "rights_retention.no_accepted_manuscript": gettext_lazy(
        "Aucune copie déposée n'est le manuscrit accepté (la rétention des droits porte sur lui)."),
    "rights_retention.licence_missing": gettext_lazy("La licence du manuscrit accepté déposé n'est pas connue."),
    "rights_retention.licence_not_accepted": gettext_lazy(
        "La licence du manuscrit accepté (%(licence)s) n'est pas acceptée ; licences acceptées : %(accepted)s."),
    "rights_retention.licence_accepted": gettext_lazy("Le manuscrit accepté est sous %(licence)s."),
    "rights_retention.open_date_missing": gettext_lazy(
        "La date d'ouverture du manuscrit accepté déposé n'est pas connue."),
    "rights_retention.embargo": gettext_lazy(
        "Le manuscrit accepté n'est ouvert que le %(open_on)s : la rétention des droits exige l'ouverture "
        "dès la publication (%(published_on)s)."),
    "rights_retention.open_at_publication": gettext_lazy(
        "Le manuscrit accepté est ouvert dès la publication (le %(open_on)s)."),
    "rights_retention.publisher_overridden": gettext_lazy(
        "La politique de l'éditeur ne permet pas ce dépôt sans embargo%(embargo_text)s, mais la déclaration "
        "de rétention des droits faite à la soumission prévaut."),
    "rights_retention.publisher_allows": gettext_lazy(
        "La politique de l'éditeur permet aussi ce dépôt sans embargo."),
    "rights_retention.compliant": gettext_lazy(
        "Le manuscrit accepté est ouvert dès la publication sous une licence acceptée grâce à la rétention "
        "des droits : voie respectée."),
    "hybrid.journal_unknown": gettext_lazy("La revue n'est pas indiquée (ISSN ou titre)."),
    "hybrid.not_in_registry": gettext_lazy("La revue (%(journal)s) n'est pas dans le répertoire."),
    "hybrid.journal_fully_open": gettext_lazy(
        "La revue « %(journal)s » est entièrement en libre accès : c'est la voie de la revue qui s'applique."),
    "hybrid.not_transformative": gettext_lazy(
        "La revue « %(journal)s » n'est couverte par aucune entente transformative."),
    "hybrid.transformative": gettext_lazy("La revue « %(journal)s » est couverte par une entente transformative."),
    "hybrid.licence_missing": gettext_lazy("La licence de l'article n'est pas connue."),
    "hybrid.licence_not_accepted": gettext_lazy(
        "La licence de l'article (%(licence)s) n'est pas acceptée ; licences acceptées : %(accepted)s."),
    "hybrid.licence_accepted": gettext_lazy("L'article est publié en libre accès sous %(licence)s."),
    "hybrid.compliant": gettext_lazy(
        "L'article est ouvert dès sa publication dans une revue sur abonnement : voie respectée."),
    # The assistant (a journal, no article yet).
    "policy.advice_version": gettext_lazy(
        "La version « %(version)s » de la politique du %(fund)s est en vigueur depuis le %(effective_from)s."),
    "journal.advice_unknown": gettext_lazy(
        "Revue introuvable dans le répertoire : cette voie dépend de la revue que vous choisirez."),
    "journal.advice_not_open_access": gettext_lazy(
        "La revue « %(journal)s » n'est pas entièrement en libre accès : cette voie ne fonctionne pas."),
    "journal.advice_licences_unknown": gettext_lazy(
        "Les licences de la revue ne sont pas connues : vérifiez qu'elle publie sous %(accepted)s."),
    "journal.advice_licence_choice": gettext_lazy(
        "La revue publie sous %(licences)s : choisissez %(usable)s."),
    "journal.advice_no_licence": gettext_lazy(
        "La revue publie sous %(licences)s, qui n'est pas accepté (%(accepted)s) : cette voie ne fonctionne pas."),
    "repository.advice_no_policy": gettext_lazy(
        "Aucune politique d'autoarchivage de l'éditeur n'est connue : vérifiez ce qu'il permet (Sherpa Romeo)."),
    "repository.advice_allows": gettext_lazy(
        "L'éditeur permet de déposer la version « %(version)s » avec un embargo de %(embargo)s mois "
        "(la politique en permet %(allowed)s)%(licence_text)s."),
    "repository.advice_disallows": gettext_lazy(
        "L'éditeur ne permet de déposer aucune version acceptée avec un embargo d'au plus %(allowed)s mois"
        "%(embargo_text)s."),
    "rights_retention.advice": gettext_lazy(
        "Incluez la formule de rétention des droits dans votre soumission, puis déposez le manuscrit accepté "
        "sous %(licence)s dès la publication dans une archive ouverte."),
    "hybrid.advice_open": gettext_lazy(
        "La revue « %(journal)s » est entièrement en libre accès : c'est la voie de la revue qui s'applique."),
    "hybrid.advice_not_transformative": gettext_lazy(
        "La revue « %(journal)s » n'est couverte par aucune entente transformative : cette voie ne fonctionne pas."),
    "hybrid.advice_works": gettext_lazy(
        "Publiez l'article en libre accès dans la revue « %(journal)s » sous %(accepted)s."),
}

#: What the ``missing`` codes mean.
MISSING = {
    "published_on": gettext_lazy("la date de publication"),
    "journal": gettext_lazy("la revue (ISSN ou titre)"),
    "licence": gettext_lazy("la licence de l'article"),
    "deposit": gettext_lazy("un dépôt en archive ouverte (adresse, version, licence, date)"),
    "repository_url": gettext_lazy("l'adresse du dépôt"),
    "version_deposited": gettext_lazy("la version déposée"),
    "deposit_licence": gettext_lazy("la licence de la copie déposée"),
    "deposit_open_on": gettext_lazy("la date d'ouverture de la copie déposée"),
}


def _format_param(key, value):
    if isinstance(value, list):
        if key in ("allowed", "versions"):
            value = [str(Version(item).label) if item in Version.values else item for item in value]
        return ", ".join(str(item) for item in value) if value else _("toutes")
    if key == "version" and value in Version.values:
        return str(Version(value).label)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.date.fromisoformat(value).strftime("%Y-%m-%d")
        except ValueError:
            return value
    return value


def reason_text(step: dict) -> str:
    """The sentence for one stored step, in the active language."""
    code = step.get("code", "")
    template = REASONS.get(code)
    params = {key: _format_param(key, value) for key, value in (step.get("params") or {}).items()}
    if template is None:
        return code
    until = (step.get("params") or {}).get("until")
    params.setdefault("until_text", (_(" jusqu'au %(date)s") % {"date": until}) if until else _(" à aujourd'hui"))
    due = (step.get("params") or {}).get("due")
    params.setdefault("due_text", (_(" ; il est attendu au plus tard le %(date)s") % {"date": due}) if due else "")
    embargo = (step.get("params") or {}).get("embargo")
    if "embargo_text" not in params:
        params["embargo_text"] = (_(" (l'éditeur exige %(months)s mois)") % {"months": embargo}
                                  if embargo not in (None, "") else "")
    if "licence_text" not in params:
        licence = (step.get("params") or {}).get("licence")
        params["licence_text"] = (_(", sous %(licence)s") % {"licence": licence}) if licence else ""
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def missing_text(code: str) -> str:
    return str(MISSING.get(code, code))


def route_label(code: str) -> str:
    route = ROUTES.get(code)
    return str(route.label) if route else code


# --- Evidence --------------------------------------------------------------------------------------

@dataclass
class Copy:
    """An open copy: the declared deposit or a harvested one."""
    kind: str  # "declared" | "harvested"
    label: str
    url: str
    version: str
    licence: str
    open_on: datetime.date | None


@dataclass
class Evidence:
    published_on: datetime.date | None
    licence: str
    journal: Journal | None
    journal_given: bool
    journal_label: str
    copies: list[Copy]
    archiving: list[ArchivingPolicy]
    today: datetime.date


def _iso(day):
    return day.isoformat() if day else None


def _declared_copy(publication) -> Copy | None:
    if not (publication.repository_url or publication.version_deposited or publication.deposited_on
            or publication.deposit_open_on):
        return None
    licence = publication.deposit_licence
    if not licence and publication.version_deposited == Version.PUBLISHED:
        licence = publication.licence
    return Copy(kind="declared", label=publication.repository_url or "", url=publication.repository_url,
                version=publication.version_deposited, licence=licence,
                open_on=publication.deposit_open_on or publication.deposited_on)


def _harvested_copy(deposit: Deposit) -> Copy:
    open_on = deposit.embargo_until
    if open_on is None and deposit.datestamp is not None:
        open_on = timezone.localdate(deposit.datestamp) if timezone.is_aware(deposit.datestamp) \
            else deposit.datestamp.date()
    return Copy(kind="harvested", label=f"{deposit.source.name if deposit.source_id else ''} ({deposit.identifier})",
                url=deposit.url, version=deposit.version, licence=deposit.licence, open_on=open_on)


class _Lookup:
    """Journals, self-archiving policies and policy versions, read in few queries for many publications."""

    def __init__(self, publications, fund_ids):
        self.versions: dict[int, list[PolicyVersion]] = {}
        for version in PolicyVersion.objects.filter(fund_id__in=set(fund_ids)).select_related("fund") \
                .order_by("effective_from"):
            self.versions.setdefault(version.fund_id, []).append(version)
        issns, titles = set(), set()
        for publication in publications:
            if publication.journal_id is None:
                if issn_normalize(publication.issn):
                    issns.add(issn_normalize(publication.issn))
                if publication.journal_title:
                    titles.add(title_normalize(publication.journal_title))
        self.by_issn: dict[str, Journal] = {}
        self.by_title: dict[str, list[Journal]] = {}
        if issns or titles:
            for journal in Journal.objects.filter(Q(issn_print__in=issns) | Q(issn_electronic__in=issns)
                                                  | Q(title_normalized__in=titles)):
                for issn in journal.issns:
                    self.by_issn.setdefault(issn, journal)
                self.by_title.setdefault(journal.title_normalized, []).append(journal)
        journals = {publication.journal_id: publication.journal for publication in publications
                    if publication.journal_id}
        for publication in publications:
            journal = self.journal(publication)
            if journal is not None:
                journals[journal.pk] = journal
        publishers = {(journal.publisher or "").strip().casefold() for journal in journals.values()}
        publishers |= {(publication.publisher or "").strip().casefold() for publication in publications}
        publishers.discard("")
        self.archiving_by_journal: dict[int, list[ArchivingPolicy]] = {}
        self.archiving_by_publisher: dict[str, list[ArchivingPolicy]] = {}
        if journals or publishers:
            query = Q(journal_id__in=list(journals))
            for name in publishers:
                query |= Q(journal=None, publisher__iexact=name)
            for policy in ArchivingPolicy.objects.filter(query).order_by("pk"):
                if policy.journal_id:
                    self.archiving_by_journal.setdefault(policy.journal_id, []).append(policy)
                else:
                    self.archiving_by_publisher.setdefault(policy.publisher.strip().casefold(), []).append(policy)

    def journal(self, publication) -> Journal | None:
        if publication.journal_id:
            return publication.journal
        issn = issn_normalize(publication.issn)
        if issn and issn in self.by_issn:
            return self.by_issn[issn]
        if publication.journal_title:
            found = self.by_title.get(title_normalize(publication.journal_title), [])
            if len(found) == 1:
                return found[0]
        return None

    def archiving(self, journal: Journal | None, publisher: str = "") -> list[ArchivingPolicy]:
        if journal is not None and self.archiving_by_journal.get(journal.pk):
            return self.archiving_by_journal[journal.pk]
        name = ((journal.publisher if journal is not None else "") or publisher or "").strip().casefold()
        return self.archiving_by_publisher.get(name, [])

    def version_on(self, fund_id, day) -> tuple[PolicyVersion | None, PolicyVersion | None]:
        """The version in force on ``day`` and the next one."""
        current, following = None, None
        for version in self.versions.get(fund_id, []):
            if version.effective_from <= day:
                current = version
            elif following is None:
                following = version
        return current, following


def _evidence(publication, lookup: _Lookup, deposits, today: datetime.date) -> Evidence:
    journal = lookup.journal(publication)
    copies = []
    declared = _declared_copy(publication)
    if declared is not None:
        copies.append(declared)
    copies += [_harvested_copy(deposit) for deposit in deposits if not deposit.deleted]
    label = publication.issn or publication.journal_title or ""
    if publication.issn and publication.journal_title:
        label = f"{publication.journal_title}, ISSN {publication.issn}"
    return Evidence(published_on=publication.published_on, licence=publication.licence or "", journal=journal,
                    journal_given=bool(publication.journal_id or publication.issn or publication.journal_title),
                    journal_label=label, copies=copies,
                    archiving=lookup.archiving(journal, publication.publisher), today=today)


# --- Routes ----------------------------------------------------------------------------------------

class _Checks:
    """The steps of one route (or one copy), stopping at the first failure."""

    def __init__(self, route: str):
        self.route, self.steps, self.missing, self.failed = route, [], [], False

    def add(self, code, outcome, missing=None, **params):
        self.steps.append({"route": self.route, "code": f"{self.route}.{code}", "outcome": outcome,
                           "params": params})
        if outcome == FAIL:
            self.failed = True
        elif outcome == MISSING_OUTCOME and missing and missing not in self.missing:
            self.missing.append(missing)
        return outcome

    @property
    def outcome(self):
        return FAIL if self.failed else (MISSING_OUTCOME if self.missing else OK)


def _licence_ok(licence: str, accepted: list[str]) -> bool:
    return not accepted or licence in accepted


def _accepted_text(version: PolicyVersion) -> list[str]:
    return list(version.licences or [])


def _journal_known(checks: _Checks, evidence: Evidence, unknown_code: str) -> bool:
    """Whether the publication's journal is in the registry; when not, the step that says why (no journal
    given: missing; given but not listed: fail)."""
    if evidence.journal is not None:
        return True
    if not evidence.journal_given:
        checks.add(unknown_code, MISSING_OUTCOME, "journal")
    else:
        checks.add("not_in_registry", FAIL, journal=evidence.journal_label)
    return False


def _article_licence(checks: _Checks, licence: str, accepted: list[str]) -> _Checks:
    """The article's licence against those the version accepts: the last steps of the journal and hybrid
    routes."""
    if not licence:
        checks.add("licence_missing", MISSING_OUTCOME, "licence")
    elif not _licence_ok(licence, accepted):
        checks.add("licence_not_accepted", FAIL, licence=licence, accepted=accepted)
    else:
        checks.add("licence_accepted", OK, licence=licence)
        checks.add("compliant", OK)
    return checks


def grace_days() -> int:
    """``OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS``: how long after its deadline a deposit may still be unknown
    (declared late, or not yet harvested) before the publication is judged not compliant."""
    return max(0, int(settings.OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS))


def deposit_due(published_on: datetime.date, months: int) -> datetime.date:
    """The last day a deposit may still be unknown: the deadline (publication + ``months``) plus the grace."""
    return add_months(published_on, months) + datetime.timedelta(days=grace_days())


def _no_deposit(route: str, evidence: Evidence, months: int) -> _Checks:
    """No copy is known: the deposit is *missing* until its deadline plus the grace, then *overdue*."""
    checks = _Checks(route)
    due = deposit_due(evidence.published_on, months)
    deadline = _iso(add_months(evidence.published_on, months))
    if evidence.today > due:
        checks.add("deposit_overdue", FAIL, deadline=deadline, due=_iso(due), grace=grace_days())
    else:
        checks.add("no_deposit", MISSING_OUTCOME, "deposit", deadline=deadline, due=_iso(due))
    return checks


class Route:
    code = ""
    label = ""
    explanation = ""
    params: dict = {}

    def validate(self, params) -> dict:
        if params in (None, True):
            params = {}
        if not isinstance(params, dict):
            raise ValidationError(_("Voie « %(route)s » : les paramètres doivent être un objet.") % {"route": self.code})
        for key in params:
            if key not in self.params:
                raise ValidationError(_("Voie « %(route)s » : paramètre inconnu « %(param)s ».")
                                      % {"route": self.code, "param": key})
        return dict(params)

    def evaluate(self, evidence: Evidence, version: PolicyVersion, params: dict) -> _Checks:
        raise NotImplementedError

    def advise(self, journal, archiving, version: PolicyVersion, params: dict) -> _Checks:
        raise NotImplementedError


class JournalRoute(Route):
    code = "journal"
    label = gettext_lazy("Revue en libre accès")
    explanation = gettext_lazy(
        "Publier dans une revue entièrement en libre accès, inscrite au répertoire (comme le DOAJ), sous une "
        "licence acceptée : l'article est ouvert dès sa publication.")

    def evaluate(self, evidence, version, params):
        checks = _Checks(self.code)
        if not _journal_known(checks, evidence, "unknown"):
            return checks
        journal = evidence.journal
        if not journal.is_open_access:
            checks.add("not_open_access", FAIL, journal=journal.title)
            return checks
        checks.add("open_access", OK, journal=journal.title, registry=journal.registry or "—")
        accepted = _accepted_text(version)
        if not accepted:
            checks.add("licence_any", OK, licence=evidence.licence)
            checks.add("compliant", OK)
            return checks
        return _article_licence(checks, evidence.licence, accepted)

    def advise(self, journal, archiving, version, params):
        checks = _Checks(self.code)
        accepted = _accepted_text(version)
        if journal is None:
            checks.add("advice_unknown", MISSING_OUTCOME, "journal")
            return checks
        if not journal.is_open_access:
            checks.add("advice_not_open_access", FAIL, journal=journal.title)
            return checks
        checks.add("open_access", OK, journal=journal.title, registry=journal.registry or "—")
        licences = list(journal.licences or [])
        if not licences:
            if accepted:
                checks.add("advice_licences_unknown", MISSING_OUTCOME, "licence", accepted=accepted)
            return checks
        usable = [licence for licence in licences if _licence_ok(licence, accepted)]
        if not usable:
            checks.add("advice_no_licence", FAIL, licences=licences, accepted=accepted)
        else:
            checks.add("advice_licence_choice", OK, licences=licences, usable=usable)
        return checks


def _publisher_allows(archiving, copy_version, max_months, accepted):
    """(allows, shortest embargo asked for that version or None)."""
    matching = [policy for policy in archiving if policy.version == copy_version]
    if not matching:
        return False, None
    shortest = min(policy.embargo_months for policy in matching)
    for policy in matching:
        if policy.embargo_months <= max_months and (not policy.licence or _licence_ok(policy.licence, accepted)
                                                    or not accepted):
            return True, policy.embargo_months
    return False, shortest


class RepositoryRoute(Route):
    code = "repository"
    label = gettext_lazy("Dépôt en archive ouverte")
    explanation = gettext_lazy(
        "Déposer le manuscrit accepté ou la version publiée dans une archive ouverte (le dépôt de votre "
        "établissement), sous une licence acceptée, ouvert au plus tard à la fin de l'embargo permis.")
    params = {"versions": gettext_lazy("versions acceptées")}

    def validate(self, params):
        params = super().validate(params)
        versions = params.get("versions", [Version.ACCEPTED.value, Version.PUBLISHED.value])
        if not isinstance(versions, list) or not versions or any(item not in Version.values for item in versions):
            raise ValidationError(_("Voie « %(route)s » : « versions » doit lister des versions parmi %(choices)s.")
                                  % {"route": self.code, "choices": ", ".join(Version.values)})
        params["versions"] = [item for item in Version.values if item in versions]
        return params

    def _versions(self, params):
        return params.get("versions") or [Version.ACCEPTED.value, Version.PUBLISHED.value]

    def _copy(self, copy: Copy, evidence, version, params) -> _Checks:
        checks = _Checks(self.code)
        checks.add("copy", OK, copy=copy.label or copy.kind, kind=copy.kind)
        if copy.kind == "declared" and not copy.url:
            checks.add("url_missing", MISSING_OUTCOME, "repository_url")
        allowed = self._versions(params)
        if not copy.version:
            checks.add("version_missing", MISSING_OUTCOME, "version_deposited")
        elif copy.version not in allowed:
            checks.add("version_not_allowed", FAIL, version=copy.version, allowed=allowed)
            return checks
        else:
            checks.add("version_allowed", OK, version=copy.version)
        accepted = _accepted_text(version)
        if not copy.licence and accepted:
            checks.add("licence_missing", MISSING_OUTCOME, "deposit_licence")
        elif copy.licence and not _licence_ok(copy.licence, accepted):
            checks.add("licence_not_accepted", FAIL, licence=copy.licence, accepted=accepted)
            return checks
        elif not accepted:
            checks.add("licence_any", OK, licence=copy.licence)
        else:
            checks.add("licence_accepted", OK, licence=copy.licence)
        deadline = add_months(evidence.published_on, version.max_embargo_months)
        if copy.open_on is None:
            checks.add("open_date_missing", MISSING_OUTCOME, "deposit_open_on")
        elif copy.open_on > deadline:
            checks.add("embargo_too_long", FAIL, open_on=_iso(copy.open_on), deadline=_iso(deadline),
                       months=months_after(evidence.published_on, copy.open_on), allowed=version.max_embargo_months)
            return checks
        else:
            checks.add("open_in_time", OK, open_on=_iso(copy.open_on), deadline=_iso(deadline))
        if copy.version and evidence.archiving:
            allows, embargo = _publisher_allows(evidence.archiving, copy.version, version.max_embargo_months, accepted)
            if not allows:
                checks.add("publisher_disallows", FAIL, version=copy.version, allowed=version.max_embargo_months,
                           embargo=embargo if embargo is not None else "")
                return checks
            checks.add("publisher_allows", OK, version=copy.version, embargo=embargo)
        elif copy.version:
            checks.add("publisher_policy_unknown", OK)
        if checks.outcome == OK:
            checks.add("compliant", OK)
        return checks

    def evaluate(self, evidence, version, params):
        if not evidence.copies:
            return _no_deposit(self.code, evidence, version.max_embargo_months)
        results = [self._copy(copy, evidence, version, params) for copy in evidence.copies]
        for wanted in (OK, MISSING_OUTCOME, FAIL):
            for result in results:
                if result.outcome == wanted:
                    return result
        return results[0]

    def advise(self, journal, archiving, version, params):
        checks = _Checks(self.code)
        if not archiving:
            checks.add("advice_no_policy", MISSING_OUTCOME, "deposit")
            return checks
        accepted = _accepted_text(version)
        best = None
        for copy_version in self._versions(params):
            allows, embargo = _publisher_allows(archiving, copy_version, version.max_embargo_months, accepted)
            if allows:
                policy = next(p for p in archiving if p.version == copy_version and p.embargo_months == embargo)
                checks.add("advice_allows", OK, version=copy_version, embargo=embargo,
                           allowed=version.max_embargo_months, licence=policy.licence)
                return checks
            if embargo is not None and (best is None or embargo < best):
                best = embargo
        checks.add("advice_disallows", FAIL, allowed=version.max_embargo_months,
                   embargo=best if best is not None else "")
        return checks


class RightsRetentionRoute(Route):
    code = "rights_retention"
    label = gettext_lazy("Rétention des droits")
    explanation = gettext_lazy(
        "Inclure la formule de rétention des droits dans la soumission, puis déposer le manuscrit accepté sous "
        "une licence acceptée dès la publication, quoi qu'en dise la politique de l'éditeur.")

    def evaluate(self, evidence, version, params):
        if not evidence.copies:
            return _no_deposit(self.code, evidence, 0)  # rights retention: open at publication
        checks = _Checks(self.code)
        manuscripts = [copy for copy in evidence.copies if copy.version == Version.ACCEPTED]
        if not manuscripts:
            if any(not copy.version for copy in evidence.copies):
                checks.add("no_deposit", MISSING_OUTCOME, "version_deposited")
            else:
                checks.add("no_accepted_manuscript", FAIL)
            return checks
        accepted = _accepted_text(version)
        results = []
        for copy in manuscripts:
            one = _Checks(self.code)
            one.add("copy", OK, copy=copy.label or copy.kind, kind=copy.kind)
            one.steps[-1]["code"] = "repository.copy"
            if not copy.licence:
                one.add("licence_missing", MISSING_OUTCOME, "deposit_licence")
            elif not _licence_ok(copy.licence, accepted):
                one.add("licence_not_accepted", FAIL, licence=copy.licence, accepted=accepted)
                results.append(one)
                continue
            else:
                one.add("licence_accepted", OK, licence=copy.licence)
            if copy.open_on is None:
                one.add("open_date_missing", MISSING_OUTCOME, "deposit_open_on")
            elif copy.open_on > evidence.published_on:
                one.add("embargo", FAIL, open_on=_iso(copy.open_on), published_on=_iso(evidence.published_on))
                results.append(one)
                continue
            else:
                one.add("open_at_publication", OK, open_on=_iso(copy.open_on))
            allows, embargo = _publisher_allows(evidence.archiving, Version.ACCEPTED, 0, accepted)
            if allows:
                one.add("publisher_allows", OK)
            else:
                one.add("publisher_overridden", OK, embargo=embargo if embargo is not None else "")
            if one.outcome == OK:
                one.add("compliant", OK)
            results.append(one)
        for wanted in (OK, MISSING_OUTCOME, FAIL):
            for result in results:
                if result.outcome == wanted:
                    return result
        return results[0]

    def advise(self, journal, archiving, version, params):
        checks = _Checks(self.code)
        accepted = _accepted_text(version)
        allows, embargo = _publisher_allows(archiving, Version.ACCEPTED, 0, accepted)
        if allows:
            checks.add("publisher_allows", OK)
        else:
            checks.add("publisher_overridden", OK, embargo=embargo if embargo is not None else "")
        checks.add("advice", OK, licence=accepted[0] if accepted else "CC-BY-4.0")
        return checks


class HybridRoute(Route):
    code = "hybrid"
    label = gettext_lazy("Article en libre accès dans une revue sur abonnement")
    explanation = gettext_lazy(
        "Publier l'article en libre accès, sous une licence acceptée, dans une revue sur abonnement "
        "(si la version l'exige : couverte par une entente transformative).")
    params = {"transformative_only": gettext_lazy("seulement les revues sous entente transformative")}

    def validate(self, params):
        params = super().validate(params)
        if "transformative_only" in params and not isinstance(params["transformative_only"], bool):
            raise ValidationError(_("Voie « %(route)s » : « transformative_only » doit être vrai ou faux.")
                                  % {"route": self.code})
        return params

    def evaluate(self, evidence, version, params):
        checks = _Checks(self.code)
        if not _journal_known(checks, evidence, "journal_unknown"):
            return checks
        journal = evidence.journal
        if journal.is_open_access:
            checks.add("journal_fully_open", FAIL, journal=journal.title)
            return checks
        if params.get("transformative_only"):
            if not journal.transformative:
                checks.add("not_transformative", FAIL, journal=journal.title)
                return checks
            checks.add("transformative", OK, journal=journal.title)
        return _article_licence(checks, evidence.licence, _accepted_text(version))

    def advise(self, journal, archiving, version, params):
        checks = _Checks(self.code)
        if journal is None:
            checks.add("journal_unknown", MISSING_OUTCOME, "journal")
            return checks
        if journal.is_open_access:
            checks.add("advice_open", FAIL, journal=journal.title)
            return checks
        if params.get("transformative_only"):
            if not journal.transformative:
                checks.add("advice_not_transformative", FAIL, journal=journal.title)
                return checks
            checks.add("transformative", OK, journal=journal.title)
        checks.add("advice_works", OK, journal=journal.title, accepted=_accepted_text(version))
        return checks


#: The routes, in the order they are tried.
ROUTES: dict[str, Route] = {route.code: route for route in (JournalRoute(), RepositoryRoute(),
                                                              RightsRetentionRoute(), HybridRoute())}


def validate_routes(routes) -> dict:
    """The routes of a policy version, validated (``ValidationError`` on ``routes`` naming the fault)."""
    if routes in (None, ""):
        return {}
    if not isinstance(routes, dict):
        raise ValidationError({"routes": [_("Les voies doivent être un objet JSON (code → paramètres).")]})
    cleaned = {}
    for code, params in routes.items():
        if code not in ROUTES:
            raise ValidationError({"routes": [_("Voie inconnue : « %(route)s » (voies possibles : %(choices)s).")
                                              % {"route": code, "choices": ", ".join(ROUTES)}]})
        try:
            cleaned[code] = ROUTES[code].validate(params)
        except ValidationError as exc:
            raise ValidationError({"routes": exc.messages}) from None
    return {code: cleaned[code] for code in ROUTES if code in cleaned}


# --- Verdicts --------------------------------------------------------------------------------------

@dataclass
class Verdict:
    verdict: str
    route: str = ""
    steps: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    policy_version: PolicyVersion | None = None


def _judge(evidence: Evidence, fund, lookup: _Lookup, competition_date: datetime.date | None = None) -> Verdict:
    """The verdict of ``fund``'s policy. The FRQ choose the version by the launch date of the grant's
    competition; when the funding does not give it, the publication date decides (and the step says which)."""
    policy_step = {"route": "policy", "params": {"fund": fund.acronym}}
    if evidence.published_on is None:
        return Verdict(Compliance.UNKNOWN, steps=[{**policy_step, "code": "policy.published_on_missing",
                                                   "outcome": MISSING_OUTCOME}], missing=["published_on"])
    version, following = lookup.version_on(fund.pk, competition_date or evidence.published_on)
    if version is None:
        policy_step["params"]["published_on"] = _iso(competition_date or evidence.published_on)
        return Verdict(Compliance.UNKNOWN, steps=[{**policy_step, "code": "policy.no_version", "outcome": FAIL}])
    until = following.effective_from - datetime.timedelta(days=1) if following else None
    params = {"fund": fund.acronym, "version": version.code, "title": version.title_fr,
              "effective_from": _iso(version.effective_from), "until": _iso(until),
              "published_on": _iso(evidence.published_on)}
    if competition_date is not None:
        params["competition_date"] = _iso(competition_date)
    steps = [{"route": "policy", "outcome": OK, "params": params,
              "code": "policy.version_by_competition" if competition_date else "policy.version_applies"}]
    routes = [(code, version.routes[code]) for code in ROUTES if code in (version.routes or {})]
    if not routes:
        steps.append({"route": "policy", "code": "policy.no_routes", "outcome": FAIL, "params": {}})
        return Verdict(Compliance.NOT_COMPLIANT, steps=steps, policy_version=version)
    missing = []
    for code, params in routes:
        checks = ROUTES[code].evaluate(evidence, version, params or {})
        steps += checks.steps
        if checks.outcome == OK:
            return Verdict(Compliance.COMPLIANT, route=code, steps=steps, policy_version=version)
        if checks.outcome == MISSING_OUTCOME:
            missing += [item for item in checks.missing if item not in missing]
    return Verdict(Compliance.UNKNOWN if missing else Compliance.NOT_COMPLIANT, steps=steps, missing=missing,
                   policy_version=version)


def evaluate(publication, fund) -> Verdict:
    """The verdict of ``fund``'s policy on ``publication`` (nothing written). ``publication`` may be unsaved
    (``evaluate_description``): then its harvested deposits are none."""
    lookup = _Lookup([publication], [fund.pk])
    deposits = list(publication.deposits.select_related("source")) if publication.pk else []
    return _judge(_evidence(publication, lookup, deposits, timezone.localdate()), fund, lookup)


_UNSET = object()


def observed_oa_status(publication, *, journal=_UNSET, deposits=None, today=None) -> str:
    """gold, hybrid, green, bronze or closed (Unpaywall's order: the first that holds). ``journal`` is the
    publication's journal when already resolved (``None``: not in the registry)."""
    today = today or timezone.localdate()
    if journal is _UNSET:
        journal = _Lookup([publication], []).journal(publication)
    if journal is not None and journal.is_open_access:
        return OAStatus.GOLD
    if publication.licence:
        return OAStatus.HYBRID
    declared = _declared_copy(publication)
    if declared is not None and declared.url and (declared.open_on is None or declared.open_on <= today):
        return OAStatus.GREEN
    if deposits is None:
        deposits = list(publication.deposits.all()) if publication.pk else []
    for deposit in deposits:
        if not deposit.deleted and deposit.url and (deposit.embargo_until is None or deposit.embargo_until <= today):
            return OAStatus.GREEN
    if publication.oa_status == OAStatus.BRONZE:
        return OAStatus.BRONZE
    return OAStatus.CLOSED


def _summary(verdicts: list[str]) -> str:
    if not verdicts:
        return Compliance.UNKNOWN
    if Compliance.NOT_COMPLIANT in verdicts:
        return Compliance.NOT_COMPLIANT
    if Compliance.UNKNOWN in verdicts:
        return Compliance.UNKNOWN
    return Compliance.COMPLIANT


_FUNDING_FIELDS = ["policy_version", "verdict", "route", "reasons", "missing", "checked_at"]
_PUBLICATION_FIELDS = ["compliance", "oa_status", "checked_at", "updated_at"]


def _apply(publication, fundings, deposits, lookup, now, today=None) -> list[Funding]:
    today = today or timezone.localdate()
    evidence = _evidence(publication, lookup, deposits, today)
    changed = []
    for funding in fundings:
        verdict = _judge(evidence, funding.fund, lookup, funding.competition_date)
        funding.policy_version = verdict.policy_version
        funding.verdict = verdict.verdict
        funding.route = verdict.route
        funding.reasons = verdict.steps
        funding.missing = verdict.missing
        funding.checked_at = now
        changed.append(funding)
    publication.compliance = _summary([funding.verdict for funding in fundings])
    status = observed_oa_status(publication, journal=evidence.journal, deposits=deposits, today=today)
    if status != publication.oa_status:  # the OAI-PMH records show it: their datestamp moves
        publication.oa_status, publication.updated_at = status, now
    publication.checked_at = now
    return changed


def publication_recompute(publication) -> Publication:
    """Decide the verdict of each of ``publication``'s fundings and its summary; store them."""
    fundings = list(publication.fundings.select_related("fund"))
    deposits = list(publication.deposits.select_related("source"))
    lookup = _Lookup([publication], [funding.fund_id for funding in fundings])
    now = timezone.now()
    with transaction.atomic():
        changed = _apply(publication, fundings, deposits, lookup, now)
        rows.update_many(changed, _FUNDING_FIELDS)
        publication.save(update_fields=_PUBLICATION_FIELDS)
    return publication


def recompute(publications, *, chunk_size: int = 500, today: datetime.date | None = None) -> int:
    """``publication_recompute`` for every publication of the queryset, in batches (a fixed number of
    queries per batch), then the open dataset's refresh (``open_data_changed``). Returns how many
    publications were recomputed."""
    queryset = publications.select_related("journal").prefetch_related(
        Prefetch("fundings", queryset=Funding.objects.select_related("fund")),
        Prefetch("deposits", queryset=Deposit.objects.select_related("source"))).order_by("pk")
    count = 0
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:chunk_size])
        if not batch:
            if count:  # the published verdicts changed: the registry's open dataset follows
                core_services.open_data_changed("science")
            return count
        last_pk = batch[-1].pk
        fund_ids = {funding.fund_id for publication in batch for funding in publication.fundings.all()}
        lookup = _Lookup(batch, fund_ids)
        now = timezone.now()
        fundings = []
        for publication in batch:
            fundings += _apply(publication, list(publication.fundings.all()), list(publication.deposits.all()),
                               lookup, now, today)
        with transaction.atomic():  # one statement per table, run per row (bulk_update's CASE WHEN is slow)
            rows.update_many(fundings, _FUNDING_FIELDS)
            rows.update_many(batch, _PUBLICATION_FIELDS)
        count += len(batch)


def recompute_for_journals(*, journals=(), issns=(), publishers=(), ids=(), actor=None, reason: str = "") -> int:
    """Recompute the publications of these journals, ISSNs and publishers (after a registry change), and
    the publications ``ids``."""
    query = Q(pk__in=list(ids))
    journal_ids = [journal.pk for journal in journals]
    all_issns = set(issns)
    titles = set()
    all_publishers = {name for name in publishers if name}
    for journal in journals:
        all_issns |= set(journal.issns)
        titles.add(journal.title_normalized or title_normalize(journal.title))
        if journal.publisher:
            all_publishers.add(journal.publisher)
    if journal_ids:
        query |= Q(journal_id__in=journal_ids)
    if all_issns:
        query |= Q(issn__in=all_issns)
    for name in all_publishers:
        query |= Q(publisher__iexact=name) | Q(journal__publisher__iexact=name)
    publications = Publication.objects.filter(query)
    if titles:
        # A publication without a registry journal is looked up by its normalised title too.
        candidates = Publication.objects.filter(journal=None).exclude(journal_title="") \
            .values_list("pk", "journal_title")
        title_ids = [pk for pk, title in candidates if title_normalize(title) in titles]
        publications = Publication.objects.filter(query | Q(pk__in=title_ids))
    return _run(publications, actor=actor, reason=reason or "registry",
                data={"journals": len(journal_ids), "issns": len(all_issns), "publishers": len(all_publishers)})


def recompute_for_fund(fund, *, actor=None, reason: str = "") -> int:
    """Recompute every publication funded by ``fund`` (after a change to its policy versions)."""
    publications = Publication.objects.filter(fundings__fund=fund).distinct()
    return _run(publications, actor=actor, reason=reason or "policy", data={"fund": fund.slug})


#: Above this many publications, recomputing is left to a background task.
TASK_THRESHOLD = 200


def _run(publications, *, actor, reason, data) -> int:
    ids = list(publications.values_list("pk", flat=True).distinct())
    if len(ids) > TASK_THRESHOLD:
        recompute_task.enqueue(ids=ids, reason=reason, data=data)
        return len(ids)
    return recompute_ids(ids, actor=actor, reason=reason, data=data)


def recompute_ids(ids, *, actor=None, reason: str = "", data: dict | None = None, today=None) -> int:
    """Recompute the publications ``ids`` and audit the run with its counts."""
    before = dict(Funding.objects.filter(publication_id__in=ids).values_list("pk", "verdict"))
    count = recompute(Publication.objects.filter(pk__in=ids), today=today)
    after = dict(Funding.objects.filter(publication_id__in=ids).values_list("pk", "verdict"))
    changed = sum(1 for pk, verdict in after.items() if before.get(pk) != verdict)
    counts = {value: 0 for value in Compliance.values}
    for verdict in after.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    core_services.audit_append(actor=actor, action="science.verdicts.recompute", target=None,
                               data={"reason": reason, **(data or {}), "publications": count,
                                     "fundings": len(after), "changed": changed, "verdicts": counts})
    return count


@task()
def recompute_task(*, ids: list[int], reason: str = "", data: dict | None = None) -> int:
    """Background recomputing of many publications (``ouvert worker``; immediate in tests)."""
    return recompute_ids(ids, actor=None, reason=reason, data=data)


#: The versions of an article, as stored.
VERSIONS = tuple(Version.values)


def describe(data: dict) -> Publication:
    """An unsaved publication with these fields (for checking one that is not in the registry)."""
    return Publication(**data)


def evaluate_description(data: dict, fund) -> Verdict:
    """The verdict on a publication described by ``data`` (the fields of ``Publication``), never stored."""
    return evaluate(describe(data), fund)


def embargoes_lifted(*, today: datetime.date | None = None, days: int = 7) -> int:
    """Recompute the publications whose open copy opened in the last ``days`` days (a declared
    ``deposit_open_on`` or a harvested deposit's ``embargo_until``) and whose observed status is not yet
    green or better: their open-access status changes with time, not with their data. The periodic job
    ``science.embargoes_lifted`` runs it."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days)
    window = (Q(deposit_open_on__gt=since, deposit_open_on__lte=today)
              | Q(deposits__embargo_until__gt=since, deposits__embargo_until__lte=today, deposits__deleted=False))
    ids = list(Publication.objects.filter(window).exclude(oa_status__in=[OAStatus.GOLD, OAStatus.HYBRID,
                                                                         OAStatus.GREEN])
               .values_list("pk", flat=True).distinct())
    if not ids:
        return 0
    return recompute_ids(ids, reason="embargoes_lifted", data={"since": since.isoformat(), "today": today.isoformat()},
                         today=today)


def deposits_overdue(*, today: datetime.date | None = None, days: int = 7) -> int:
    """Recompute the publications still ``unknown`` whose deposit became overdue in the last ``days`` days
    (deadline of a policy version, or the publication date for rights retention, plus the grace): without
    any new data, a missing deposit turns into a failure (``*.deposit_overdue``). The periodic job
    ``science.deposits_overdue`` runs it. The windows are a few days wider than needed (months end on
    different days): recomputing a publication again changes nothing."""
    today = today or timezone.localdate()
    grace = datetime.timedelta(days=grace_days())
    since = today - datetime.timedelta(days=days)
    months = set(PolicyVersion.objects.values_list("max_embargo_months", flat=True)) | {0}
    slack = datetime.timedelta(days=3)
    window = Q()
    for count in months:
        window |= Q(published_on__gt=add_months(since - grace, -count) - slack,
                    published_on__lte=add_months(today - grace, -count) + slack)
    ids = list(Publication.objects.filter(window, compliance=Compliance.UNKNOWN, withdrawn_at__isnull=True)
               .values_list("pk", flat=True))
    if not ids:
        return 0
    return recompute_ids(ids, reason="deposits_overdue", data={"since": since.isoformat(), "today": today.isoformat()},
                         today=today)


__all__ += ["deposit_due", "deposits_overdue", "embargoes_lifted", "grace_days"]


def register() -> None:
    from ouvert.core import registry

    registry.register_periodic("science.embargoes_lifted", embargoes_lifted, every_seconds=6 * 3600)
    registry.register_periodic("science.deposits_overdue", deposits_overdue, every_seconds=6 * 3600)
