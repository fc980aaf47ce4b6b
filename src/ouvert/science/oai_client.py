"""Harvesting deposits from institutional repositories over OAI-PMH 2.0, and matching them to the registry's
publications.

- A ``RepositorySource`` is a repository to harvest (base URL, metadata format, set); science managers
  manage them (``access.is_science_manager``).
- ``harvest(actor=, source=)`` runs one ``HarvestRun``: Identify first (the base URL must answer OAI-PMH; its
  granularity is learnt), then ListRecords with ``from`` = the source's ``harvested_until`` (written at the
  source's granularity; none on the first or a full run) and ``until`` = now, following resumption tokens
  until an empty one. Each page is stored in its own transaction: a failure (an OAI error other than
  ``noRecordsMatch``, an HTTP error, a timeout, malformed XML, a document with a DTD — never resolved —, a
  broken token chain) ends the run with a message a person can read, keeps the deposits already stored and
  the last resumption token (the next run resumes from it), and leaves ``harvested_until`` where it was. On
  success ``harvested_until`` moves to the ``until`` sent, or to the first page's ``responseDate`` if the
  repository's clock is behind ours (the specification's advice).
- Records without identifier or datestamp are skipped, counted (``skipped``) with a warning. A deleted record
  marks its deposit deleted and unlinks it from its publication.
- Formats read: ``oai_dc`` (title, DOI in any identifier or relation, the open copy's URL, rights → SPDX licence,
  version and embargo from the ``info:eu-repo`` vocabulary, dates), ``oai_openaire`` (OpenAIRE v4) and ``arXiv``.
- Matching: by DOI, else by exact normalised title when exactly one publication has it (``matched_by``); a link
  made by hand (``deposit_link``) is kept by later harvests. The publications whose deposits changed are
  recomputed once per run (``compliance.recompute``).
- One run at a time per source: the claim is a row (``HarvestRun`` in state *running*, unique per source);
  a run left *running* for ``STALE_AFTER`` (a worker that died) is marked failed by the next claim.
- Periodic job ``science.oai_harvest`` (every hour): the active sources whose ``every_hours`` have passed.
"""

from __future__ import annotations

import datetime
import logging
import re

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ouvert.core import rows
from ouvert.core import services as core_services

from . import access
from .identifiers import doi_find, doi_normalize, licence_normalize, title_normalize
from .models import Deposit, HarvestRun, Publication, RepositorySource, Version

__all__ = [
    "HARVEST_FORMATS", "deposit_get", "deposit_link", "deposit_list", "deposit_unlink", "harvest", "harvest_document",
    "harvest_due", "harvest_request", "harvest_run_list", "oai_parse_record", "repository_create", "repository_get", "repository_list",
    "repository_update",
]

logger = logging.getLogger(__name__)

#: What a harvest writes on a deposit it already knows.
_DEPOSIT_FIELDS = ["datestamp", "set_specs", "harvested_at", "deleted", "title", "title_normalized", "doi", "url",
                   "version", "licence", "rights", "date", "embargo_until", "metadata", "publication", "matched_by"]

NS_OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS_DC = "{http://purl.org/dc/elements/1.1/}"
NS_OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
NS_OAIRE = "{http://namespace.openaire.eu/schema/oaire/}"
NS_DATACITE = "{http://datacite.org/schema/kernel-4}"
NS_ARXIV = "{http://arxiv.org/OAI/arXiv/}"

#: A run still « running » after this long was abandoned (its worker died): the next claim fails it.
STALE_AFTER = datetime.timedelta(hours=6)
#: At most this many pages in one run (a repository whose tokens never end).
MAX_PAGES = 10000
MAX_WARNINGS = 50

_SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_VERSION = re.compile(r"info:eu-repo/semantics/(accepted|published|submitted)Version", re.IGNORECASE)
_EMBARGO = re.compile(r"info:eu-repo/date/embargoEnd/(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_SECOND = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z\s*$")
_COAR_VERSIONS = {"c_b1a7d7d4d402bcce": Version.SUBMITTED, "c_ab4af688f83e57aa": Version.ACCEPTED,
                  "c_970fb48d4fbd8a85": Version.PUBLISHED}
_COAR_EMBARGOED = "c_f1cf"


class HarvestFailure(Exception):
    """Why a run stops; ``message`` is for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def register() -> None:
    from ouvert.core import registry

    registry.register_periodic("science.oai_harvest", harvest_due, every_seconds=3600)


# --- Parsing ---------------------------------------------------------------------------------------

def _parse(body: bytes, url: str):
    """The root of an OAI-PMH answer, parsed without resolving any entity or DTD; ``HarvestFailure`` if the
    document is not well-formed, has a DTD, or is not OAI-PMH."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise HarvestFailure(_("%(url)s : document refusé (il déclare une DTD ou des entités, qui ne sont jamais "
                               "résolues).") % {"url": url[:300]}) from None
    except SafeET.ParseError as exc:
        raise HarvestFailure(_("%(url)s : XML mal formé (%(error)s).") % {"url": url[:300], "error": str(exc)[:200]}
                             ) from None
    if root.tag != f"{NS_OAI}OAI-PMH":
        raise HarvestFailure(_("%(url)s : la réponse n'est pas un document OAI-PMH 2.0.") % {"url": url[:300]})
    return root


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _moment(value: str) -> datetime.datetime | None:
    """An OAI datestamp (``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ``) as a UTC datetime, else ``None``."""
    found = _SECOND.match(value or "") or _DAY.match(value or "")
    if not found:
        return None
    try:
        return datetime.datetime(*map(int, found.groups()), tzinfo=datetime.UTC)
    except ValueError:
        return None


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _http_url(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 1000 or not value.lower().startswith(("http://", "https://")):
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value


def _is_doi_url(value: str) -> bool:
    return bool(re.match(r"^https?://(dx\.)?doi\.org/", value, re.IGNORECASE))


def _eu_repo(values: list[str]) -> tuple[str, datetime.date | None]:
    version, embargo = "", None
    for value in values:
        if not version and (found := _VERSION.search(value)):
            version = found.group(1).lower()
        if embargo is None and (found := _EMBARGO.search(value)):
            embargo = _date(found.group(1))
    return version, embargo


def _parse_oai_dc(metadata) -> dict:
    dc = metadata.find(f"{NS_OAI_DC}dc")
    if dc is None:
        return {}
    values: dict[str, list[str]] = {}
    for element in dc:
        if not isinstance(element.tag, str) or not element.tag.startswith(NS_DC):
            continue
        text = _text(element)
        if text:
            values.setdefault(element.tag[len(NS_DC):], []).append(text)
    identifiers, relations = values.get("identifier", []), values.get("relation", [])
    doi = next((found for found in map(doi_find, identifiers + relations) if found), None)
    url = next((u for u in map(_http_url, identifiers) if u and not _is_doi_url(u)), "")
    rights = values.get("rights", [])
    licence = next((found for found in map(licence_normalize, rights) if found), None)
    version, embargo = _eu_repo(values.get("type", []) + values.get("description", []) + values.get("date", [])
                                + rights + relations)
    dates = [value for value in values.get("date", []) if not _EMBARGO.search(value)]
    return {"title": (values.get("title") or [""])[0], "doi": doi, "url": url, "licence": licence,
            "rights": "; ".join(rights), "version": version, "embargo_until": embargo,
            "date": dates[0] if dates else "", "metadata": values}


def _parse_oai_openaire(metadata) -> dict:
    resource = metadata.find(f"{NS_OAIRE}resource")
    if resource is None:
        return {}
    title = _text(resource.find(f"{NS_DATACITE}titles/{NS_DATACITE}title")) or _text(resource.find(f"{NS_DC}title"))
    doi, urls = None, []
    for element in ([resource.find(f"{NS_DATACITE}identifier")]
                    + resource.findall(f"{NS_DATACITE}alternateIdentifiers/{NS_DATACITE}alternateIdentifier")):
        if element is None:
            continue
        kind = (element.get("identifierType") or element.get("alternateIdentifierType") or "").upper()
        if kind == "DOI" and doi is None:
            doi = doi_normalize(_text(element))
        elif kind in ("URL", "HANDLE"):
            urls.append(_text(element))
    files = [_text(element) for element in resource.findall(f"{NS_OAIRE}file")]
    url = next((u for u in map(_http_url, files + urls) if u and not _is_doi_url(u)), "")
    condition = resource.find(f"{NS_OAIRE}licenseCondition")
    raw = [value for value in ((condition.get("uri") or "") if condition is not None else "", _text(condition)) if value]
    licence = next((found for found in map(licence_normalize, raw) if found), None)
    version_element = resource.find(f"{NS_OAIRE}version")
    version = ""
    if version_element is not None:
        version = _COAR_VERSIONS.get((version_element.get("uri") or "").rstrip("/").rsplit("/", 1)[-1], "")
    dates = {element.get("dateType"): _text(element) for element in resource.findall(f"{NS_DATACITE}dates/{NS_DATACITE}date")}
    rights = resource.find(f"{NS_DATACITE}rights")
    embargo = None
    if rights is not None and (rights.get("rightsURI") or "").endswith(_COAR_EMBARGOED):
        embargo = _date(dates.get("Available", ""))
    return {"title": title, "doi": doi, "url": url, "licence": licence, "rights": "; ".join(raw),
            "version": version, "embargo_until": embargo, "date": dates.get("Issued", ""),
            "metadata": {"title": [title], "creator": [_text(e) for e in resource.iter(f"{NS_DATACITE}creatorName")],
                         "date": [value for value in dates.values() if value]}}


def _parse_arxiv(metadata) -> dict:
    record = metadata.find(f"{NS_ARXIV}arXiv")
    if record is None:
        return {}

    def value(name):
        return _text(record.find(f"{NS_ARXIV}{name}"))

    identifier = value("id")
    licence_url = value("license")
    return {"title": value("title"), "doi": doi_find(value("doi")), "licence": licence_normalize(licence_url),
            "url": _http_url(f"https://arxiv.org/abs/{identifier}") if identifier else "", "rights": licence_url,
            "version": "", "embargo_until": None, "date": value("created"),
            "metadata": {"title": [value("title")], "doi": [value("doi")], "journal-ref": [value("journal-ref")],
                         "creator": [" ".join(_text(part) for part in (author.find(f"{NS_ARXIV}keyname"),
                                                                      author.find(f"{NS_ARXIV}forenames")) if part is not None)
                                     for author in record.iter(f"{NS_ARXIV}author")]}}


#: The metadata formats the harvester reads.
HARVEST_FORMATS = {"oai_dc": _parse_oai_dc, "oai_openaire": _parse_oai_openaire, "arXiv": _parse_arxiv}


def oai_parse_record(record, prefix: str) -> dict:
    """What a harvested ``record`` element says: ``identifier``, ``datestamp``, ``deleted``, ``set_specs`` and,
    unless deleted, the fields of its metadata (``title``, ``doi``, ``url``, ``licence``, ``rights``,
    ``version``, ``embargo_until``, ``date``, ``metadata``)."""
    header = record.find(f"{NS_OAI}header")
    if header is None:
        return {"identifier": "", "datestamp": None, "deleted": False, "set_specs": []}
    fields = {"identifier": _text(header.find(f"{NS_OAI}identifier")),
              "datestamp": _moment(_text(header.find(f"{NS_OAI}datestamp"))),
              "deleted": header.get("status") == "deleted",
              "set_specs": [_text(spec) for spec in header.findall(f"{NS_OAI}setSpec")][:50]}
    metadata = record.find(f"{NS_OAI}metadata")
    if not fields["deleted"] and metadata is not None:
        fields.update(HARVEST_FORMATS[prefix](metadata))
    return fields


# --- Permissions and repositories ------------------------------------------------------------------

def _check_manager(actor) -> None:
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour gérer le moissonnage des dépôts."))
    if not access.is_science_manager(actor):
        raise PermissionDenied(_("Seules les personnes qui gèrent la science ouverte (fonds, administration) "
                                 "gèrent le moissonnage des dépôts."))


def repository_list(*, actor):
    """The repositories, with their last run (``last_status``, ``last_started_at``) and counts of deposits
    (``deposit_count``, ``unmatched_count``)."""
    _check_manager(actor)
    last = HarvestRun.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-pk")
    return (RepositorySource.objects.select_related("organisation")
            .annotate(last_status=Subquery(last.values("status")[:1]),
                      last_started_at=Subquery(last.values("started_at")[:1]),
                      deposit_count=Count("deposits", distinct=True),
                      unmatched_count=Count("deposits", filter=Q(deposits__publication=None, deposits__deleted=False),
                                            distinct=True))
            .order_by("name", "pk"))


def repository_get(*, actor, slug: str) -> RepositorySource:
    _check_manager(actor)
    source = RepositorySource.objects.select_related("organisation").filter(slug=str(slug)[:60]).first()
    if source is None:
        raise core_services.NotFound(_("Dépôt introuvable : « %(slug)s ».") % {"slug": str(slug)[:60]})
    return source


REPOSITORY_FIELDS = ("slug", "name", "base_url", "metadata_prefix", "set_spec", "organisation", "is_active",
                     "every_hours")


def _clean_repository(data: dict, source: RepositorySource | None) -> dict:
    errors: dict[str, list[str]] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    values = {}
    slug = str(data.get("slug", source.slug if source else "") or "").strip()
    if not slug:
        fail("slug", _("Entrez un identifiant (lettres, chiffres, tirets)."))
    elif len(slug) > 60 or not _SLUG.match(slug):
        fail("slug", _("Un identifiant s'écrit en lettres non accentuées, chiffres, tirets (60 caractères au plus)."))
    elif RepositorySource.objects.filter(slug=slug).exclude(pk=source.pk if source else None).exists():
        fail("slug", _("Cet identifiant est déjà pris par un autre dépôt."))
    values["slug"] = slug
    name = " ".join(str(data.get("name", source.name if source else "") or "").split())
    if not name:
        fail("name", _("Entrez le nom du dépôt."))
    elif len(name) > 300:
        fail("name", _("300 caractères au plus."))
    values["name"] = name
    base_url = str(data.get("base_url", source.base_url if source else "") or "").strip()
    if not base_url:
        fail("base_url", _("Entrez l'adresse OAI-PMH du dépôt (https://…)."))
    elif not _http_url(base_url) or "?" in base_url or "#" in base_url:
        fail("base_url", _("L'adresse OAI-PMH est une adresse http(s) sans paramètres (1000 caractères au plus)."))
    values["base_url"] = base_url
    prefix = str(data.get("metadata_prefix", source.metadata_prefix if source else "oai_dc") or "oai_dc").strip()
    if prefix not in HARVEST_FORMATS:
        fail("metadata_prefix", _("Formats lus : %(formats)s.") % {"formats": ", ".join(HARVEST_FORMATS)})
    values["metadata_prefix"] = prefix
    set_spec = str(data.get("set_spec", source.set_spec if source else "") or "").strip()
    if set_spec and (len(set_spec) > 200 or not _SET_SPEC.match(set_spec)):
        fail("set_spec", _("Un ensemble s'écrit comme « hdl_1866_123 » ou « com:thesis » (200 caractères au plus)."))
    values["set_spec"] = set_spec
    every = data.get("every_hours", source.every_hours if source else 24)
    try:
        every = int(every)
        if not 1 <= every <= 24 * 365:
            raise ValueError
    except (TypeError, ValueError):
        fail("every_hours", _("Entrez un nombre d'heures entre 1 et 8760."))
    values["every_hours"] = every
    active = data.get("is_active", source.is_active if source else True)
    values["is_active"] = active if isinstance(active, bool) else str(active).lower() in ("1", "true", "on", "oui")
    organisation = data.get("organisation", source.organisation if source else None)
    if isinstance(organisation, str):
        organisation = organisation.strip()
        if organisation:
            try:
                organisation = core_services.organisation_get(slug=organisation)
            except core_services.NotFound:
                fail("organisation", _("Établissement inconnu : « %(slug)s ».") % {"slug": organisation[:60]})
                organisation = None
        else:
            organisation = None
    values["organisation"] = organisation
    if errors:
        raise ValidationError(errors)
    return values


def repository_create(*, actor, data: dict) -> RepositorySource:
    _check_manager(actor)
    values = _clean_repository(data, None)
    with transaction.atomic():
        source = RepositorySource.objects.create(**values)
        core_services.audit_append(actor=actor, action="science.repository.create", target=source,
                                   data={"slug": source.slug, "base_url": source.base_url})
    return source


def repository_update(*, actor, source: RepositorySource, data: dict) -> RepositorySource:
    _check_manager(actor)
    values = _clean_repository(data, source)
    changed = {name: value for name, value in values.items() if getattr(source, name) != value}
    if not changed:
        return source
    with transaction.atomic():
        for name, value in changed.items():
            setattr(source, name, value)
        if {"base_url", "metadata_prefix", "set_spec"} & set(changed):
            source.harvested_until = None  # another feed: the next run harvests it whole
        source.save()
        core_services.audit_append(actor=actor, action="science.repository.update", target=source,
                                   data={name: str(value) for name, value in changed.items()})
    return source


def harvest_run_list(*, actor, source: RepositorySource, limit: int = 50):
    _check_manager(actor)
    return list(HarvestRun.objects.filter(source=source).order_by("-started_at", "-pk")[:limit])


def deposit_list(*, actor, source: RepositorySource | None = None, unmatched: bool = False):
    """Harvested deposits (of ``source``), with their publication; ``unmatched``: those alive and linked to no
    publication."""
    _check_manager(actor)
    queryset = Deposit.objects.select_related("source", "publication")
    if source is not None:
        queryset = queryset.filter(source=source)
    if unmatched:
        queryset = queryset.filter(publication=None, deleted=False)
    return queryset.order_by("-datestamp", "-pk")


def deposit_get(*, actor, pk) -> Deposit:
    _check_manager(actor)
    try:
        deposit = Deposit.objects.select_related("source", "publication").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        deposit = None
    if deposit is None:
        raise core_services.NotFound(_("Notice moissonnée introuvable."))
    return deposit


def _recompute(publication_ids) -> None:
    """The publications whose deposits changed: their OAI-PMH datestamp moves (their records show the open copy)
    and their verdicts are recomputed."""
    ids = {pk for pk in publication_ids if pk}
    if ids:
        from . import compliance

        Publication.objects.filter(pk__in=ids).update(updated_at=timezone.now())
        compliance.recompute(Publication.objects.filter(pk__in=ids))


def deposit_link(*, actor, deposit: Deposit, publication) -> Deposit:
    """Link ``deposit`` to ``publication`` (a ``Publication``, its pk or its DOI) by hand: later harvests keep
    the link. Audited; both publications' verdicts are recomputed."""
    _check_manager(actor)
    if deposit.deleted:
        raise ValidationError({"publication": [_("Cette notice a été supprimée à la source : elle ne se rattache "
                                                 "plus.")]})
    target = publication if isinstance(publication, Publication) else _find_publication(publication)
    if target.withdrawn_at:
        raise ValidationError({"publication": [_("Cette publication est retirée du registre.")]})
    before = deposit.publication_id
    with transaction.atomic():
        deposit.publication, deposit.matched_by = target, Deposit.Match.MANUAL
        deposit.save(update_fields=["publication", "matched_by"])
        core_services.audit_append(actor=actor, action="science.deposit.link", target=deposit,
                                   data={"publication": target.pk, "before": before})
    _recompute({before, target.pk})
    return deposit


def deposit_unlink(*, actor, deposit: Deposit) -> Deposit:
    """Undo a link (by hand or automatic); a later harvest may match it again, unless it was unlinked by
    hand: then it stays unlinked (``matched_by`` « manual » without publication)."""
    _check_manager(actor)
    before = deposit.publication_id
    if before is None:
        return deposit
    with transaction.atomic():
        deposit.publication, deposit.matched_by = None, Deposit.Match.MANUAL
        deposit.save(update_fields=["publication", "matched_by"])
        core_services.audit_append(actor=actor, action="science.deposit.unlink", target=deposit,
                                   data={"publication": before})
    _recompute({before})
    return deposit


def _find_publication(value) -> Publication:
    text = str(value or "").strip()
    publication = None
    if text.isdigit():
        publication = Publication.objects.filter(pk=int(text)).first()
    elif doi := doi_normalize(text):
        publication = Publication.objects.filter(doi=doi).first()
    if publication is None:
        raise ValidationError({"publication": [_("Aucune publication du registre pour « %(value)s » (numéro ou "
                                                 "DOI).") % {"value": text[:100]}]})
    return publication


# --- Harvesting ------------------------------------------------------------------------------------

def _claim(source: RepositorySource) -> HarvestRun:
    now = timezone.now()
    HarvestRun.objects.filter(source=source, status=HarvestRun.Status.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=HarvestRun.Status.FAILED, finished_at=now,
        error=_("Moissonnage interrompu (resté en cours plus de %(hours)s heures).")
        % {"hours": int(STALE_AFTER.total_seconds() // 3600)})
    try:
        with transaction.atomic():
            return HarvestRun.objects.create(source=source, status=HarvestRun.Status.RUNNING, started_at=now)
    except IntegrityError:
        raise ValidationError(_("Un moissonnage de ce dépôt est déjà en cours.")) from None


def _format(moment: datetime.datetime, granularity: str) -> str:
    moment = moment.astimezone(datetime.UTC)
    if granularity == RepositorySource.Granularity.DAY:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Harvest:
    """One run: its requests, its pages, what it touched."""

    def __init__(self, run: HarvestRun, source: RepositorySource):
        self.run, self.source = run, source
        self.touched: set[int] = set()

    def fetch(self, params: dict):
        from ouvert.harvest import services as harvest_services

        try:
            answer = harvest_services.http_get(self.source.base_url, params=params,
                                               accept="text/xml, application/xml;q=0.9, */*;q=0.1")
        except harvest_services.HarvestHTTPError as exc:
            raise HarvestFailure(exc.message) from None
        root = _parse(answer.body, answer.url)
        errors = [(error.get("code") or "", _text(error)) for error in root.findall(f"{NS_OAI}error")]
        return root, errors

    def warn(self, message: str) -> None:
        if len(self.run.warnings) < MAX_WARNINGS:
            self.run.warnings = [*self.run.warnings, message[:500]]

    def identify(self) -> None:
        root, errors = self.fetch({"verb": "Identify"})
        identify = root.find(f"{NS_OAI}Identify")
        if errors or identify is None:
            raise HarvestFailure(_("%(url)s ne répond pas comme un dépôt OAI-PMH à Identify%(error)s.")
                                 % {"url": self.source.base_url[:300],
                                    "error": f" ({errors[0][0]} : {errors[0][1][:200]})" if errors else ""})
        granularity = _text(identify.find(f"{NS_OAI}granularity"))
        if granularity in RepositorySource.Granularity.values and granularity != self.source.granularity:
            self.source.granularity = granularity
            RepositorySource.objects.filter(pk=self.source.pk).update(granularity=granularity)

    def first_params(self, full: bool, now: datetime.datetime) -> dict:
        source, run = self.source, self.run
        params = {"verb": "ListRecords", "metadataPrefix": source.metadata_prefix}
        if source.set_spec:
            params["set"] = source.set_spec
        if source.harvested_until and not full:
            params["from"] = run.from_param = _format(source.harvested_until, source.granularity)
        params["until"] = run.until_param = _format(now, source.granularity)
        return params

    def page(self, root, records) -> str:
        """Store one page (one transaction); the next token (``""`` at the end)."""
        run, source = self.run, self.source
        token_element = records.find(f"{NS_OAI}resumptionToken")
        token = _text(token_element)
        parsed = []
        for record in records.findall(f"{NS_OAI}record"):
            fields = oai_parse_record(record, source.metadata_prefix)
            if not fields["identifier"] or fields["datestamp"] is None or len(fields["identifier"]) > 500:
                run.skipped += 1
                self.warn(_("Page %(page)s : notice ignorée, sans identifiant ou sans date (« %(id)s »).")
                          % {"page": run.pages + 1, "id": fields["identifier"][:100]})
                continue
            parsed.append(fields)
        parsed = list({fields["identifier"]: fields for fields in parsed}.values())  # a record twice: the last
        with transaction.atomic():
            existing = {deposit.identifier: deposit for deposit in Deposit.objects.filter(
                source=source, identifier__in=[fields["identifier"] for fields in parsed])}
            matcher = _Matcher(parsed)
            stored = [self.store(fields, existing.get(fields["identifier"]), matcher) for fields in parsed]
            # One INSERT for the new deposits, one UPDATE statement for the known ones (not one save() each).
            Deposit.objects.bulk_create([deposit for deposit in stored if deposit.pk is None])
            rows.update_many([deposit for deposit in stored if deposit.pk is not None], _DEPOSIT_FIELDS)
            run.pages += 1
            run.resumption_token = token[:1000]
            run.save()
        return token

    def store(self, fields: dict, deposit: Deposit | None, matcher: _Matcher) -> Deposit:
        """``deposit`` (new when ``None``) with the record's fields, ready to be written by ``page``."""
        run = self.run
        if deposit is None:
            deposit = Deposit(source=self.source, identifier=fields["identifier"])
        before = (deposit.publication_id, deposit.deleted, deposit.url, deposit.version, deposit.licence,
                  deposit.embargo_until)
        deposit.datestamp, deposit.set_specs = fields["datestamp"], fields["set_specs"]
        deposit.harvested_at = timezone.now()
        run.records += 1
        if fields["deleted"]:
            run.deleted += 1
            deposit.deleted, deposit.publication, deposit.matched_by = True, None, ""
        else:
            deposit.deleted = False
            deposit.title = fields.get("title", "")[:1000]
            deposit.doi = (fields.get("doi") or "")[:255]
            deposit.url = fields.get("url", "")
            deposit.version = fields.get("version", "")
            deposit.licence = (fields.get("licence") or "")[:60]
            deposit.rights = fields.get("rights", "")[:1000]
            deposit.date = fields.get("date", "")[:40]
            deposit.embargo_until = fields.get("embargo_until")
            deposit.metadata = {key: [value[:2000] for value in values[:50]]
                                for key, values in fields.get("metadata", {}).items()}
            if deposit.matched_by != Deposit.Match.MANUAL:
                deposit.publication_id, deposit.matched_by = matcher.match(deposit)
            if deposit.publication_id:
                run.matched += 1
        deposit.title_normalized = title_normalize(deposit.title)
        after = (deposit.publication_id, deposit.deleted, deposit.url, deposit.version, deposit.licence,
                 deposit.embargo_until)
        if after != before:
            self.touched |= {pk for pk in (before[0], after[0]) if pk}
        return deposit

    def run_pages(self, params: dict, *, resumed: bool, full: bool, now) -> datetime.datetime | None:
        """Follow the list to its end; the first page's ``responseDate``."""
        first_date, seen = None, set()
        while True:
            if self.run.pages >= MAX_PAGES:
                raise HarvestFailure(_("Plus de %(max)s pages : moissonnage arrêté.") % {"max": MAX_PAGES})
            root, errors = self.fetch(params)
            codes = {code for code, _message in errors}
            if resumed and "badResumptionToken" in codes:
                # The token kept from the interrupted run has expired: start the list again.
                self.warn(_("Le jeton de reprise du moissonnage interrompu a expiré : la liste est reprise du début."))
                params, resumed = self.first_params(full, now), False
                continue
            if errors:
                if "noRecordsMatch" in codes and "resumptionToken" not in params:
                    return _moment(_text(root.find(f"{NS_OAI}responseDate")))
                code, message = errors[0]
                raise HarvestFailure(_("Le dépôt a répondu par l'erreur OAI-PMH « %(code)s » : %(message)s")
                                     % {"code": code[:60], "message": message[:300] or "—"})
            records = root.find(f"{NS_OAI}ListRecords")
            if records is None:
                raise HarvestFailure(_("Réponse inattendue à ListRecords (ni notices ni erreur)."))
            if first_date is None and not resumed:
                first_date = _moment(_text(root.find(f"{NS_OAI}responseDate")))
            token = self.page(root, records)
            if not token:
                return first_date
            if token in seen:
                raise HarvestFailure(_("Le dépôt renvoie deux fois le même jeton de reprise : moissonnage arrêté."))
            seen.add(token)
            params, resumed = {"verb": "ListRecords", "resumptionToken": token}, False


class _Matcher:
    """The publications a page's deposits may match: by DOI, then by a normalised title that exactly one
    publication has (two queries per page)."""

    def __init__(self, parsed: list[dict]):
        dois = {fields["doi"] for fields in parsed if fields.get("doi")}
        titles = {title_normalize(fields.get("title", "")) for fields in parsed} - {""}
        alive = Publication.objects.filter(withdrawn_at=None)
        self.by_doi = dict(alive.filter(doi__in=dois).values_list("doi", "pk")) if dois else {}
        self.by_title: dict[str, list[int]] = {}
        if titles:
            for title, pk in alive.filter(title_normalized__in=titles).values_list("title_normalized", "pk"):
                self.by_title.setdefault(title, []).append(pk)

    def match(self, deposit: Deposit) -> tuple[int | None, str]:
        if deposit.doi and deposit.doi in self.by_doi:
            return self.by_doi[deposit.doi], Deposit.Match.DOI
        candidates = self.by_title.get(title_normalize(deposit.title), [])
        if len(candidates) == 1:
            return candidates[0], Deposit.Match.TITLE
        return None, ""


def harvest(*, actor, source: RepositorySource, full: bool = False) -> HarvestRun:
    """Harvest ``source`` now (a science manager; ``actor=None`` for the periodic job). ``ValidationError`` if a
    run of this source is already going on. Returns the run, done or failed."""
    if actor is not None:
        _check_manager(actor)
    previous = HarvestRun.objects.filter(source=source).order_by("-started_at", "-pk").first()
    run = _claim(source)
    work = _Harvest(run, source)
    now = run.started_at
    resume = (not full and previous is not None and previous.status == HarvestRun.Status.FAILED
              and previous.resumption_token)
    try:
        if resume:
            # Kept until a page is stored: a resumed run that fails at once can still be resumed.
            run.from_param, run.until_param = previous.from_param, previous.until_param
            run.resumption_token = previous.resumption_token
            run.warnings = [_("Reprise du moissonnage interrompu le %(date)s.")
                            % {"date": timezone.localtime(previous.started_at).strftime("%Y-%m-%d %H:%M")}]
        work.identify()
        if resume:
            params = {"verb": "ListRecords", "resumptionToken": previous.resumption_token}
        else:
            params = work.first_params(full, now)
        first_date = work.run_pages(params, resumed=bool(resume), full=full, now=now)
    except HarvestFailure as failure:
        run.status, run.error = HarvestRun.Status.FAILED, failure.message
    except Exception:  # a bug: the run is failed (never left running), the worker goes on
        logger.exception("science: harvest of %s failed", source.slug)
        run.status, run.error = HarvestRun.Status.FAILED, _("Erreur interne pendant le moissonnage (voir le journal).")
    else:
        run.status, run.resumption_token = HarvestRun.Status.DONE, ""
        until = _moment(run.until_param) or now
        if run.until_param and _DAY.match(run.until_param):
            until = now  # « until » by day means the whole day, of which only up to now exists
        harvested_until = min(until, first_date) if first_date else until
        RepositorySource.objects.filter(pk=source.pk).update(harvested_until=harvested_until)
        source.harvested_until = harvested_until
    run.finished_at = timezone.now()
    run.save()
    try:
        _recompute(work.touched)
    finally:
        core_services.audit_append(actor=actor, action="science.harvest.run", target=source, data={
            "run": run.pk, "status": run.status, "from": run.from_param, "until": run.until_param,
            "pages": run.pages, "records": run.records, "deleted": run.deleted, "matched": run.matched,
            "skipped": run.skipped, "error": run.error[:300]})
    return run


def harvest_document(*, actor, source: RepositorySource, body: bytes) -> HarvestRun:
    """Harvest ``source`` from one ``ListRecords`` response given as bytes (a file the repository exported; the
    demo, which has no network) instead of over HTTP: the same parsing, storing, matching, recomputing and audit
    as ``harvest`` (a science manager; ``ValidationError`` if a run of this source is going on). The run fails
    with a readable message for a document that is not OAI-PMH, answers an OAI error, or has a resumption token
    (the rest of the list would be missing). The source's ``harvested_until`` is left as it is: the next
    harvest over HTTP asks for everything it has not fetched itself."""
    if actor is not None:
        _check_manager(actor)
    run = _claim(source)
    work = _Harvest(run, source)
    try:
        root = _parse(body, source.base_url)
        errors = [(error.get("code") or "", _text(error)) for error in root.findall(f"{NS_OAI}error")]
        if errors:
            code, message = errors[0]
            raise HarvestFailure(_("Le document contient l'erreur OAI-PMH « %(code)s » : %(message)s")
                                 % {"code": code[:60], "message": message[:300] or "—"})
        records = root.find(f"{NS_OAI}ListRecords")
        if records is None:
            raise HarvestFailure(_("Le document n'est pas une réponse à ListRecords."))
        if _text(records.find(f"{NS_OAI}resumptionToken")):
            raise HarvestFailure(_("Le document annonce une suite (jeton de reprise) : il ne contient pas toute la "
                                   "liste."))
        work.page(root, records)
    except HarvestFailure as failure:
        run.status, run.error = HarvestRun.Status.FAILED, failure.message
    else:
        run.status, run.resumption_token = HarvestRun.Status.DONE, ""
    run.finished_at = timezone.now()
    run.save()
    try:
        _recompute(work.touched)
    finally:
        core_services.audit_append(actor=actor, action="science.harvest.run", target=source, data={
            "run": run.pk, "status": run.status, "document": True, "pages": run.pages, "records": run.records,
            "deleted": run.deleted, "matched": run.matched, "skipped": run.skipped, "error": run.error[:300]})
    return run


def harvest_due() -> list[HarvestRun]:
    """The periodic job: harvest each active source whose ``every_hours`` have passed since its last run (a
    source being harvested by another worker is left to it)."""
    now = timezone.now()
    runs = []
    last = HarvestRun.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-pk")
    for source in (RepositorySource.objects.filter(is_active=True)
                   .annotate(last_started_at=Subquery(last.values("started_at")[:1])).order_by("pk")):
        if source.last_started_at and source.last_started_at > now - datetime.timedelta(hours=source.every_hours):
            continue
        try:
            runs.append(harvest(actor=None, source=source))
        except ValidationError:
            continue
    return runs


@task()
def harvest_task(source_id: int, actor_id: int | None = None, full: bool = False) -> int | None:
    """``harvest`` in the background (``ouvert worker``); the run's pk, or ``None`` when the source is gone or
    already being harvested."""
    source = RepositorySource.objects.filter(pk=source_id).first()
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    if source is None:
        return None
    try:
        return harvest(actor=actor, source=source, full=full).pk
    except (ValidationError, PermissionDenied):
        return None


def harvest_request(*, actor, source: RepositorySource, full: bool = False) -> None:
    """« Harvest now »: a science manager queues a run of ``source`` (``ValidationError`` if one is going on)."""
    _check_manager(actor)
    if HarvestRun.objects.filter(source=source, status=HarvestRun.Status.RUNNING).exists():
        raise ValidationError(_("Un moissonnage de ce dépôt est déjà en cours."))
    harvest_task.enqueue(source.pk, actor.pk, bool(full))
