"""The OAI-PMH 2.0 provider of the registry of funded publications (``/oai``, GET and POST).

- Records are the registry's publications; a withdrawn one (``withdrawn_at``) is a *deleted* record (header
  ``status="deleted"``, no metadata; ``deletedRecord`` is ``persistent``: it stays announced for good).
- Identifiers: ``oai:<repository id>:publication/<pk>``; the repository id is
  ``OUVERT_SCIENCE_OAI_REPOSITORY_ID``, or the host of ``OUVERT_BASE_URL``.
- Datestamp: ``Publication.updated_at`` in UTC, granularity ``YYYY-MM-DDThh:mm:ssZ``; ``from``/``until`` are
  accepted at that granularity or by day (both bounds inclusive; both must have the same granularity).
- Formats: ``oai_dc`` (unqualified Dublin Core, kept clean: no verdict in it) and ``oai_openaire`` (OpenAIRE
  Guidelines for Literature Repositories v4: DataCite creators with ORCID, funding references with the award
  number, COAR access rights, licence condition, COAR version, the open copy as ``oaire:file``).
- Sets, hierarchical (a record in ``fund:frqnt`` is in ``fund`` too): ``fund`` → ``fund:<fund slug>`` (the
  publications that fund financed) and ``year`` → ``year:<yyyy>`` (by publication year). A record's header
  lists its leaf sets.
- Lists are paged by ``OUVERT_SCIENCE_OAI_PAGE_SIZE`` in keyset order (datestamp, pk). Resumption tokens are
  opaque and signed; they carry the query (prefix, set, from, ``until`` — frozen at the first page to its time
  when absent, so that records changed during a harvest never shift the pages) and the position; they
  expire after ``TOKEN_LIFETIME`` (``expirationDate``). ``completeListSize`` is counted on the first page.
- Every protocol error is answered with HTTP 200 and its code (badVerb, badArgument, cannotDisseminateFormat,
  idDoesNotExist, noRecordsMatch, badResumptionToken); for badVerb and badArgument the ``request`` element
  carries no attribute, as the specification requires.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Exists, Min, OuterRef, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from .models import Author, Deposit, Fund, Funding, Publication

__all__ = ["OAI_FORMATS", "OAI_TOKEN_LIFETIME", "oai_identifier", "oai_repository_id", "oai_respond", "oai_sets"]

NS_OAI = "http://www.openarchives.org/OAI/2.0/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_OAIRE = "http://namespace.openaire.eu/schema/oaire/"
NS_DATACITE = "http://datacite.org/schema/kernel-4"
NS_OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
SCHEMA_OAI = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
SCHEMA_OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"


GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
#: How long a resumption token stays valid.
OAI_TOKEN_LIFETIME = datetime.timedelta(hours=24)
_TOKEN_SALT = "ouvert.science.oai.token"

VERBS = {
    # verb: (required arguments, optional arguments, exclusive argument)
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
}

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SECOND = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
_SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*$")
_REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(?:\.[a-zA-Z][a-zA-Z0-9\-]*)+$")
# Characters XML 1.0 forbids (C0 controls but tab, LF, CR; surrogates; U+FFFE, U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

COAR_ACCESS = {
    "open": ("http://purl.org/coar/access_right/c_abf2", "open access"),
    "embargoed": ("http://purl.org/coar/access_right/c_f1cf", "embargoed access"),
    "metadata": ("http://purl.org/coar/access_right/c_14cb", "metadata only access"),
}
COAR_VERSIONS = {
    "submitted": ("http://purl.org/coar/version/c_b1a7d7d4d402bcce", "AO"),
    "accepted": ("http://purl.org/coar/version/c_ab4af688f83e57aa", "AM"),
    "published": ("http://purl.org/coar/version/c_970fb48d4fbd8a85", "VoR"),
}
EU_REPO_VERSIONS = {"submitted": "info:eu-repo/semantics/submittedVersion",
                    "accepted": "info:eu-repo/semantics/acceptedVersion",
                    "published": "info:eu-repo/semantics/publishedVersion"}
COAR_JOURNAL_ARTICLE = "http://purl.org/coar/resource_type/c_6501"


class OAIError(Exception):
    """A protocol error: ``code`` and a message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def register() -> None:
    """Nothing to plug: the endpoint is in ``oai_urls`` (``/oai``)."""


# --- Identifiers -----------------------------------------------------------------------------------

def oai_repository_id() -> str:
    """``OUVERT_SCIENCE_OAI_REPOSITORY_ID``, or the host of ``OUVERT_BASE_URL``."""
    configured = (getattr(settings, "OUVERT_SCIENCE_OAI_REPOSITORY_ID", "") or "").strip()
    if configured:
        return configured
    return (urlsplit(settings.OUVERT_BASE_URL).hostname or "localhost").lower()


def oai_identifier(publication_or_pk) -> str:
    pk = getattr(publication_or_pk, "pk", publication_or_pk)
    return f"oai:{oai_repository_id()}:publication/{pk}"


def _publication_pk(identifier: str) -> int | None:
    prefix = f"oai:{oai_repository_id()}:publication/"
    if not identifier.startswith(prefix):
        return None
    rest = identifier[len(prefix):]
    if not rest.isascii() or not rest.isdigit() or len(rest) > 18:
        return None
    return int(rest)


# --- Text and dates --------------------------------------------------------------------------------

def _clean(value) -> str:
    """``value`` as text XML 1.0 can carry (forbidden characters dropped)."""
    return _NOT_XML.sub("", str(value))


def _datestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(value: str, name: str) -> tuple[datetime.datetime, str]:
    """``(moment, granularity)`` of a ``from``/``until`` argument; ``until`` by day or second is the end of that
    day or second (inclusive bounds). ``badArgument`` otherwise."""
    day, second = _DAY.match(value), _SECOND.match(value)
    try:
        if day:
            moment = datetime.datetime(*map(int, day.groups()), tzinfo=datetime.UTC)
            if name == "until":
                moment += datetime.timedelta(days=1) - datetime.timedelta(microseconds=1)
            return moment, "day"
        if second:
            moment = datetime.datetime(*map(int, second.groups()), tzinfo=datetime.UTC)
            if name == "until":
                moment += datetime.timedelta(seconds=1) - datetime.timedelta(microseconds=1)
            return moment, "second"
    except (ValueError, OverflowError):
        pass
    raise OAIError("badArgument", _("« %(name)s » n'est pas une date valide (AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ssZ) : "
                                    "« %(value)s ».") % {"name": name, "value": value[:40]})


# --- Formats ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    prefix: str
    schema: str
    namespace: str


OAI_FORMATS = {
    "oai_dc": Format("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", NS_OAI_DC),
    "oai_openaire": Format("oai_openaire", "https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd", NS_OAIRE),
}

_CC_ELEMENTS = re.compile(r"^CC-((?:BY|NC|ND|SA)(?:-(?:BY|NC|ND|SA))*)-(\d\.\d)$")


def licence_url(spdx: str) -> str:
    """The Creative Commons deed of an SPDX identifier (``""`` for another licence)."""
    if spdx == "CC0-1.0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    found = _CC_ELEMENTS.match(spdx or "")
    if not found:
        return ""
    return f"https://creativecommons.org/licenses/{found.group(1).lower()}/{found.group(2)}/"


def _site_url(publication: Publication) -> str:
    try:
        path = reverse("science:publication_detail", kwargs={"pk": publication.pk})
    except NoReverseMatch:
        return ""
    return settings.OUVERT_BASE_URL + path


@dataclass(frozen=True)
class _Copy:
    url: str
    version: str
    licence: str
    open_on: datetime.date | None
    deposited_on: datetime.date | None = None


def _open_copy(publication: Publication, today: datetime.date) -> _Copy | None:
    """The copy in a repository: the one declared, else a harvested deposit matched to the publication (one open
    today first, else one under embargo)."""
    if publication.repository_url:
        return _Copy(publication.repository_url, publication.version_deposited, publication.deposit_licence,
                     publication.deposit_open_on, publication.deposited_on)
    deposits = [deposit for deposit in publication.deposits.all() if deposit.url and not deposit.deleted]
    deposits.sort(key=lambda deposit: (deposit.embargo_until is not None and deposit.embargo_until > today,
                                       deposit.pk))
    if not deposits:
        return None
    deposit = deposits[0]
    return _Copy(deposit.url, deposit.version, deposit.licence, deposit.embargo_until)


def _access(publication: Publication, copy: _Copy | None, today: datetime.date) -> str:
    if publication.oa_status in ("gold", "hybrid", "bronze"):
        return "open"
    if copy is not None:
        return "embargoed" if copy.open_on and copy.open_on > today else "open"
    if publication.oa_status == "green":
        return "open"
    return "metadata"


def _sub(parent, tag: str, text=None, nsmap=None, **attrs):
    element = etree.SubElement(parent, tag, {key: _clean(value) for key, value in attrs.items() if value},
                               nsmap=nsmap)
    if text is not None:
        element.text = _clean(text)
    return element


def _grant_relation(funding: Funding) -> str:
    funder = (funding.fund.organisation.acronym if funding.fund.organisation_id and funding.fund.organisation.acronym
              else "FRQ")
    parts = [funder, funding.fund.acronym, funding.grant_number]
    return "info:eu-repo/grantAgreement/" + "/".join(quote(part, safe="-._~ ") for part in parts)


def _journal_source(publication: Publication) -> str:
    issn = publication.issn or (publication.journal.issns[0] if publication.journal_id and publication.journal.issns
                                else "")
    title = publication.journal_title or (publication.journal.title if publication.journal_id else "")
    if title and issn:
        return f"{title}, ISSN {issn}"
    return title or (f"ISSN {issn}" if issn else "")


def _oai_dc(parent, publication: Publication, today: datetime.date) -> None:
    copy = _open_copy(publication, today)
    root = _sub(parent, f"{{{NS_OAI_DC}}}dc", nsmap={"oai_dc": NS_OAI_DC, "dc": NS_DC, "xsi": NS_XSI}, **{f"{{{NS_XSI}}}schemaLocation":
                                                f"{NS_OAI_DC} {OAI_FORMATS['oai_dc'].schema}"})
    dc = f"{{{NS_DC}}}"
    _sub(root, dc + "title", publication.title)
    for author in publication.authors.all():
        _sub(root, dc + "creator", author.name)
    if publication.doi:
        _sub(root, dc + "identifier", f"https://doi.org/{publication.doi}")
    if copy is not None:
        _sub(root, dc + "identifier", copy.url)
    site = _site_url(publication)
    if site:
        _sub(root, dc + "identifier", site)
    if publication.published_on:
        _sub(root, dc + "date", publication.published_on.isoformat())
    if publication.publisher:
        _sub(root, dc + "publisher", publication.publisher)
    source = _journal_source(publication)
    if source:
        _sub(root, dc + "source", source)
    licence = publication.licence or (copy.licence if copy else "")
    if licence:
        _sub(root, dc + "rights", licence_url(licence) or licence)
    _sub(root, dc + "rights", "info:eu-repo/semantics/" + {"open": "openAccess", "embargoed": "embargoedAccess",
                                                          "metadata": "closedAccess"}[_access(publication, copy, today)])
    _sub(root, dc + "type", "info:eu-repo/semantics/article")
    if copy is not None and copy.version in EU_REPO_VERSIONS:
        _sub(root, dc + "type", EU_REPO_VERSIONS[copy.version])
    for funding in publication.fundings.all():
        if funding.grant_number:
            _sub(root, dc + "relation", _grant_relation(funding))


def _oai_openaire(parent, publication: Publication, today: datetime.date) -> None:
    oaire, datacite, dc = f"{{{NS_OAIRE}}}", f"{{{NS_DATACITE}}}", f"{{{NS_DC}}}"
    copy = _open_copy(publication, today)
    root = _sub(parent, oaire + "resource", nsmap={"oaire": NS_OAIRE, "datacite": NS_DATACITE,
                                                   "dc": NS_DC, "xsi": NS_XSI}, **{f"{{{NS_XSI}}}schemaLocation":
                                               f"{NS_OAIRE} {OAI_FORMATS['oai_openaire'].schema}"})
    authors = list(publication.authors.all())
    if authors:
        creators = _sub(root, datacite + "creators")
        for author in authors:
            creator = _sub(creators, datacite + "creator")
            _sub(creator, datacite + "creatorName", author.name, nameType="Personal")
            if author.orcid:
                _sub(creator, datacite + "nameIdentifier", author.orcid, nameIdentifierScheme="ORCID",
                     schemeURI="https://orcid.org")
            if author.affiliation:
                _sub(creator, datacite + "affiliation", author.affiliation)
    fundings = list(publication.fundings.all())
    if fundings:
        references = _sub(root, oaire + "fundingReferences")
        for funding in fundings:
            reference = _sub(references, oaire + "fundingReference")
            _sub(reference, oaire + "funderName", funding.fund.name_fr)
            if funding.fund.url:
                _sub(reference, oaire + "funderIdentifier", funding.fund.url, funderIdentifierType="Other")
            _sub(reference, oaire + "fundingStream", funding.fund.acronym)
            if funding.grant_number:
                _sub(reference, oaire + "awardNumber", funding.grant_number)
    if copy is not None:
        alternates = _sub(root, datacite + "alternateIdentifiers")
        _sub(alternates, datacite + "alternateIdentifier", copy.url, alternateIdentifierType="URL")
    issn = publication.issn or (publication.journal.issns[0] if publication.journal_id and publication.journal.issns
                                else "")
    if issn:
        related = _sub(root, datacite + "relatedIdentifiers")
        _sub(related, datacite + "relatedIdentifier", issn, relatedIdentifierType="ISSN", relationType="IsPartOf")
    dates = []
    if publication.published_on:
        dates.append(("Issued", publication.published_on))
    if copy is not None and copy.open_on:
        dates.append(("Available", copy.open_on))
    if dates:
        element = _sub(root, datacite + "dates")
        for kind, value in dates:
            _sub(element, datacite + "date", value.isoformat(), dateType=kind)
    titles = _sub(root, datacite + "titles")
    _sub(titles, datacite + "title", publication.title)
    _sub(root, dc + "language", "und")  # ISO 639-2 « undetermined »: the registry does not record it
    if publication.publisher:
        _sub(root, dc + "publisher", publication.publisher)
    _sub(root, oaire + "resourceType", "journal article", resourceTypeGeneral="literature", uri=COAR_JOURNAL_ARTICLE)
    if publication.doi:
        _sub(root, datacite + "identifier", publication.doi, identifierType="DOI")
    else:
        _sub(root, datacite + "identifier", _site_url(publication) or oai_identifier(publication),
             identifierType="URL")
    access = _access(publication, copy, today)
    uri, label = COAR_ACCESS[access]
    _sub(root, datacite + "rights", label, rightsURI=uri)
    source = _journal_source(publication)
    if source:
        _sub(root, dc + "source", source)
    title = publication.journal_title or (publication.journal.title if publication.journal_id else "")
    if title:
        _sub(root, oaire + "citationTitle", title)
    if copy is not None and copy.version in COAR_VERSIONS:
        version_uri, version_label = COAR_VERSIONS[copy.version]
        _sub(root, oaire + "version", version_label, uri=version_uri)
    if copy is not None:
        _sub(root, oaire + "file", copy.url, accessRightsURI=uri, objectType="fulltext")
    licence = publication.licence or (copy.licence if copy else "")
    if licence:
        start = publication.published_on if publication.licence else (copy.open_on or copy.deposited_on)
        _sub(root, oaire + "licenseCondition", licence, uri=licence_url(licence),
             startDate=start.isoformat() if start else "")


_WRITERS = {"oai_dc": _oai_dc, "oai_openaire": _oai_openaire}


# --- Queries ---------------------------------------------------------------------------------------

def _records():
    return (Publication.objects.select_related("journal")
            .prefetch_related(Prefetch("authors", queryset=Author.objects.order_by("position", "pk")),
                              Prefetch("deposits", queryset=Deposit.objects.filter(deleted=False).order_by("pk")),
                              Prefetch("fundings", queryset=Funding.objects.select_related("fund__organisation")
                                       .order_by("fund__position", "fund__acronym", "grant_number", "pk"))))


def _set_filter(spec: str) -> Q | None:
    """The condition of set ``spec`` (``None``: no such set)."""
    head, _sep, tail = spec.partition(":")
    if head == "fund":
        funded = Funding.objects.filter(publication=OuterRef("pk"))
        if not tail:
            return Q(Exists(funded))
        if ":" in tail or not Fund.objects.filter(slug=tail).exists():
            return None
        return Q(Exists(funded.filter(fund__slug=tail)))
    if head == "year":
        if not tail:
            return Q(published_on__isnull=False)
        if not (len(tail) == 4 and tail.isascii() and tail.isdigit()):
            return None
        return Q(published_on__year=int(tail))
    return None


def _set_specs(publication: Publication) -> list[str]:
    specs = sorted({f"fund:{funding.fund.slug}" for funding in publication.fundings.all()})
    if publication.published_on:
        specs.append(f"year:{publication.published_on.year:04d}")
    return specs


# --- The response ----------------------------------------------------------------------------------

class _Response:
    def __init__(self, base_url: str):
        self.root = etree.Element(f"{{{NS_OAI}}}OAI-PMH", {f"{{{NS_XSI}}}schemaLocation": f"{NS_OAI} {SCHEMA_OAI}"},
                                  nsmap={None: NS_OAI, "xsi": NS_XSI})
        _sub(self.root, f"{{{NS_OAI}}}responseDate", _datestamp(timezone.now()))
        self.request = _sub(self.root, f"{{{NS_OAI}}}request", base_url)

    def echo(self, arguments: dict[str, str]) -> None:
        for key, value in arguments.items():
            self.request.set(key, _clean(value))

    def element(self, tag: str):
        return _sub(self.root, f"{{{NS_OAI}}}{tag}")

    def error(self, error: OAIError) -> None:
        _sub(self.root, f"{{{NS_OAI}}}error", error.message, code=error.code)

    def bytes(self) -> bytes:
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(self.root, encoding="UTF-8")


def _arguments(params) -> tuple[str, dict[str, str]]:
    """The verb and the arguments of the request, checked against the verb's (``badVerb``, ``badArgument``).
    ``params`` is a ``QueryDict`` (or ``{name: [values]}``)."""
    if hasattr(params, "lists"):
        lists = {key: list(values) for key, values in params.lists()}
    else:
        lists = {key: list(values) if isinstance(values, list | tuple) else [values] for key, values in params.items()}
    verbs = lists.pop("verb", [])
    if not verbs:
        raise OAIError("badVerb", _("Argument « verb » manquant."))
    if len(verbs) > 1:
        raise OAIError("badVerb", _("Argument « verb » répété."))
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", _("Verbe inconnu : « %(verb)s ».") % {"verb": verb[:60]})
    required, optional, exclusive = VERBS[verb]
    allowed = required | optional | ({exclusive} if exclusive else set())
    illegal = sorted(key for key in lists if key not in allowed)
    if illegal:
        raise OAIError("badArgument", _("Argument illégal pour %(verb)s : %(names)s.")
                       % {"verb": verb, "names": ", ".join(f"« {name[:40]} »" for name in illegal[:5])})
    repeated = sorted(key for key, values in lists.items() if len(values) > 1)
    if repeated:
        raise OAIError("badArgument", _("Argument répété : %(names)s.")
                       % {"names": ", ".join(f"« {name} »" for name in repeated)})
    arguments = {key: values[0] for key, values in lists.items()}
    empty = sorted(key for key, value in arguments.items() if not value.strip())
    if empty:
        raise OAIError("badArgument", _("Argument vide : %(names)s.") % {"names": ", ".join(f"« {n} »" for n in empty)})
    if exclusive and exclusive in arguments:
        if len(arguments) > 1:
            raise OAIError("badArgument", _("« resumptionToken » est exclusif : aucun autre argument que le verbe."))
        return verb, arguments
    missing = sorted(required - set(arguments))
    if missing:
        raise OAIError("badArgument", _("Argument requis manquant : %(names)s.")
                       % {"names": ", ".join(f"« {name} »" for name in missing)})
    return verb, arguments


def oai_respond(params, *, base_url: str) -> bytes:
    """The whole OAI-PMH answer (UTF-8 XML) to a request whose arguments are ``params`` (GET or POST ``QueryDict``,
    or ``{name: [values]}``); ``base_url`` is the endpoint's address (the ``request`` element)."""
    response = _Response(base_url)
    try:
        verb, arguments = _arguments(params)
    except OAIError as error:
        response.error(error)  # badVerb / badArgument: the request element without attributes
        return response.bytes()
    try:
        {"Identify": _identify, "ListMetadataFormats": _list_metadata_formats, "ListSets": _list_sets,
         "ListIdentifiers": _list, "ListRecords": _list, "GetRecord": _get_record}[verb](response, verb, arguments)
    except OAIError as error:
        response = _Response(base_url)
        if error.code not in ("badArgument", "badVerb"):
            response.echo({"verb": verb, **arguments})
        response.error(error)
    return response.bytes()


def _identify(response: _Response, verb: str, arguments: dict) -> None:
    response.echo({"verb": verb})
    identify = response.element("Identify")
    oai = f"{{{NS_OAI}}}"
    _sub(identify, oai + "repositoryName", _("Ouvert — registre des publications financées par les Fonds de "
                                             "recherche du Québec"))
    _sub(identify, oai + "baseURL", response.request.text)
    _sub(identify, oai + "protocolVersion", "2.0")
    from .faq import support_contact_email

    admin = support_contact_email() or _email_address(settings.DEFAULT_FROM_EMAIL)
    _sub(identify, oai + "adminEmail", admin)
    earliest = Publication.objects.aggregate(earliest=Min("updated_at"))["earliest"] or timezone.now()
    _sub(identify, oai + "earliestDatestamp", _datestamp(earliest))
    _sub(identify, oai + "deletedRecord", "persistent")
    _sub(identify, oai + "granularity", GRANULARITY)
    repository_id = oai_repository_id()
    if _REPOSITORY_ID.match(repository_id):
        description = _sub(identify, oai + "description")
        ident = f"{{{NS_OAI_ID}}}"
        element = _sub(description, ident + "oai-identifier", nsmap={None: NS_OAI_ID, "xsi": NS_XSI},
                       **{f"{{{NS_XSI}}}schemaLocation": f"{NS_OAI_ID} {SCHEMA_OAI_ID}"})
        _sub(element, ident + "scheme", "oai")
        _sub(element, ident + "repositoryIdentifier", repository_id)
        _sub(element, ident + "delimiter", ":")
        _sub(element, ident + "sampleIdentifier", oai_identifier(1))


def _email_address(value: str) -> str:
    found = re.search(r"<([^>]+)>", value or "")
    return found.group(1) if found else (value or "").strip()


def _list_metadata_formats(response: _Response, verb: str, arguments: dict) -> None:
    if "identifier" in arguments:
        pk = _publication_pk(arguments["identifier"])
        if pk is None or not Publication.objects.filter(pk=pk).exists():
            raise OAIError("idDoesNotExist", _("Identifiant inconnu : « %(id)s ».") % {"id": arguments["identifier"][:200]})
    response.echo({"verb": verb, **arguments})
    element = response.element("ListMetadataFormats")
    oai = f"{{{NS_OAI}}}"
    for fmt in OAI_FORMATS.values():
        item = _sub(element, oai + "metadataFormat")
        _sub(item, oai + "metadataPrefix", fmt.prefix)
        _sub(item, oai + "schema", fmt.schema)
        _sub(item, oai + "metadataNamespace", fmt.namespace)


def oai_sets() -> list[tuple[str, str]]:
    """Every set: ``(setSpec, setName)``."""
    sets = [("fund", _("Par fonds de recherche"))]
    sets += [(f"fund:{fund.slug}", fund.name_fr) for fund in Fund.objects.order_by("position", "acronym")]
    sets.append(("year", _("Par année de publication")))
    years = (Publication.objects.exclude(published_on=None).dates("published_on", "year", order="ASC"))
    sets += [(f"year:{day.year:04d}", _("Publiées en %(year)s") % {"year": day.year}) for day in years]
    return sets


def _list_sets(response: _Response, verb: str, arguments: dict) -> None:
    if "resumptionToken" in arguments:
        # The list of sets always fits in one response: no token was ever given for it.
        raise OAIError("badResumptionToken", _("Jeton de reprise invalide : la liste des ensembles tient en une page."))
    response.echo({"verb": verb})
    element = response.element("ListSets")
    oai = f"{{{NS_OAI}}}"
    for spec, name in oai_sets():
        item = _sub(element, oai + "set")
        _sub(item, oai + "setSpec", spec)
        _sub(item, oai + "setName", name)


def _header(parent, publication: Publication) -> None:
    oai = f"{{{NS_OAI}}}"
    header = _sub(parent, oai + "header", status="deleted" if publication.withdrawn_at else "")
    _sub(header, oai + "identifier", oai_identifier(publication))
    _sub(header, oai + "datestamp", _datestamp(publication.updated_at))
    for spec in _set_specs(publication):
        _sub(header, oai + "setSpec", spec)


def _record(parent, publication: Publication, prefix: str, today: datetime.date) -> None:
    record = _sub(parent, f"{{{NS_OAI}}}record")
    _header(record, publication)
    if not publication.withdrawn_at:
        metadata = _sub(record, f"{{{NS_OAI}}}metadata")
        _WRITERS[prefix](metadata, publication, today)


def _format(prefix: str) -> str:
    if prefix not in OAI_FORMATS:
        raise OAIError("cannotDisseminateFormat", _("Format de métadonnées non offert : « %(prefix)s » (offerts : "
                                                    "%(formats)s).") % {"prefix": prefix[:60],
                                                                        "formats": ", ".join(OAI_FORMATS)})
    return prefix


def _get_record(response: _Response, verb: str, arguments: dict) -> None:
    prefix = _format(arguments["metadataPrefix"])
    pk = _publication_pk(arguments["identifier"])
    publication = _records().filter(pk=pk).first() if pk is not None else None
    if publication is None:
        raise OAIError("idDoesNotExist", _("Identifiant inconnu : « %(id)s ».") % {"id": arguments["identifier"][:200]})
    response.echo({"verb": verb, **arguments})
    _record(response.element("GetRecord"), publication, prefix, timezone.localdate())


def _token_dumps(state: dict) -> str:
    return signing.dumps(state, salt=_TOKEN_SALT, compress=True)


def _token_loads(token: str, verb: str) -> dict:
    bad = OAIError("badResumptionToken", _("Jeton de reprise invalide ou expiré : recommencez la liste sans jeton."))
    if len(token) > 2000:
        raise bad
    try:
        state = signing.loads(token, salt=_TOKEN_SALT, max_age=OAI_TOKEN_LIFETIME)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise bad from None
    try:
        if state["verb"] != verb or state["prefix"] not in OAI_FORMATS:
            raise bad
        state["after"] = (datetime.datetime.fromisoformat(state["after"][0]), int(state["after"][1]))
        state["until"] = datetime.datetime.fromisoformat(state["until"])
        state["from"] = datetime.datetime.fromisoformat(state["from"]) if state.get("from") else None
        state["cursor"], state["size"] = int(state["cursor"]), int(state["size"])
    except (KeyError, TypeError, ValueError, IndexError):
        raise bad from None
    return state


def _list(response: _Response, verb: str, arguments: dict) -> None:
    now = timezone.now()
    if "resumptionToken" in arguments:
        state = _token_loads(arguments["resumptionToken"], verb)
        prefix, spec, start, until = state["prefix"], state.get("set") or "", state["from"], state["until"]
        after, cursor, size = state["after"], state["cursor"], state["size"]
    else:
        prefix = _format(arguments["metadataPrefix"])
        spec = arguments.get("set", "")
        if spec and not _SET_SPEC.match(spec):
            raise OAIError("badArgument", _("« set » mal formé : « %(set)s ».") % {"set": spec[:100]})
        start = until = None
        if "from" in arguments:
            start, start_granularity = _parse_date(arguments["from"], "from")
        if "until" in arguments:
            until, until_granularity = _parse_date(arguments["until"], "until")
        if start is not None and until is not None:
            if start_granularity != until_granularity:
                raise OAIError("badArgument", _("« from » et « until » doivent avoir la même granularité."))
            if start > until:
                raise OAIError("badArgument", _("« from » est postérieur à « until »."))
        if until is None or until > now:
            until = now  # frozen for the whole list: records changed later wait for the next harvest
        after, cursor, size = None, 0, None
    queryset = _records().filter(updated_at__lte=until)
    if start is not None:
        queryset = queryset.filter(updated_at__gte=start)
    if spec:
        condition = _set_filter(spec)
        if condition is None:
            raise OAIError("noRecordsMatch", _("Aucun ensemble « %(set)s » : aucune notice.") % {"set": spec[:100]})
        queryset = queryset.filter(condition)
    if size is None:
        size = queryset.count()
    if after is not None:
        queryset = queryset.filter(Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1]))
    page_size = max(1, int(settings.OUVERT_SCIENCE_OAI_PAGE_SIZE))
    rows = list(queryset.order_by("updated_at", "pk")[:page_size + 1])
    more, rows = len(rows) > page_size, rows[:page_size]
    if not rows:
        raise OAIError("noRecordsMatch", _("Aucune notice ne répond à ces critères."))
    response.echo({"verb": verb, **arguments})
    element = response.element(verb)
    today = timezone.localdate()
    for publication in rows:
        if verb == "ListRecords":
            _record(element, publication, prefix, today)
        else:
            _header(element, publication)
    if more:
        last = rows[-1]
        token = _token_dumps({"verb": verb, "prefix": prefix, "set": spec, "from": start.isoformat() if start else "",
                              "until": until.isoformat(), "after": [last.updated_at.isoformat(), last.pk],
                              "cursor": cursor + len(rows), "size": size})
        _sub(element, f"{{{NS_OAI}}}resumptionToken", token, completeListSize=str(size), cursor=str(cursor),
             expirationDate=_datestamp(now + OAI_TOKEN_LIFETIME))
    elif after is not None:
        _sub(element, f"{{{NS_OAI}}}resumptionToken", "", completeListSize=str(size), cursor=str(cursor))
