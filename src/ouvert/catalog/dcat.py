"""DCAT-AP 3.0.1: the catalogue as RDF (Turtle, JSON-LD, RDF/XML), and DCAT-AP files imported as datasets.

Serialisation follows the mapping of ckanext-dcat's ``euro_dcat_ap_3`` profile, adjusted so that
the output passes the official DCAT-AP 3.0.1 SHACL shapes (which check ``rdf:type`` of every
object, without inference): every node we point to carries the class the shapes ask for
(``foaf:Agent``, ``vcard:Kind``, ``dct:LicenseDocument``, ``dct:MediaTypeOrExtent``…).

URIs (all under ``OUVERT_BASE_URL``):

- the catalogue: ``<base>/catalog``; its home page ``<base>/``;
- a dataset: ``<base>/dataset/<uuid>`` (stable across renames; ``dcat_urls`` answers it with a
  303 to its RDF), unless it was imported, in which case the URI it had at its source (kept in
  ``extras["uri"]``) is used again, as ckanext-dcat does;
- a distribution: ``<base>/dataset/<uuid>/resource/<uuid>`` (or its source URI, kept in
  ``extra_fields["uri"]``);
- a publisher: its organisation page, ``<base>/fr/organisations/<slug>/``;
- a theme: ``<base>/theme/<name>`` in the concept scheme ``<base>/themes``.

Import (``dcat_import``) turns each ``dcat:Dataset`` of a file into a dataset of one organisation
through ``services.dataset_create``/``dataset_update``, matching earlier imports on the dataset
URI (``extras["uri"]``) or ``dct:identifier`` (``extras["identifier"]``). Values the model has
no field for are kept in ``extras`` under ckanext-dcat's keys (``issued``, ``modified``,
``publisher_name``, ``publisher_uri``, ``theme``, ``license_uri``, ``spatial_uri``…).
Literals in French go to the ``_fr`` fields and in English to ``_en``; when a text has no French
value, the untagged one (else the English one, else any other language) fills the ``_fr``
field, and every language found is kept in ``extra_fields["title_translated"]`` /
``["notes_translated"]`` when there are languages other than French and English.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from ouvert.core import services as core_services

from . import ckan_dict
from .models import Dataset, DatasetNameRedirect, Licence, Resource, Theme

DCT = DCTERMS
#: An open namespace: rdflib's own ``DCAT`` is DCAT 2, without DCAT 3's ``dcat:version``.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SCHEMA = Namespace("http://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCATAP = Namespace("http://data.europa.eu/r5r/")

NAMESPACES = {
    "dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "locn": LOCN, "gsp": GSP,
    "adms": ADMS, "owl": OWL, "skos": SKOS, "xsd": XSD, "rdfs": RDFS, "hydra": HYDRA, "dcatap": DCATAP,
}

EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

#: Datasets per page of ``/catalog.*`` (ckanext-dcat's default).
PAGE_SIZE = 100

#: The serialisations offered: URL suffix -> (rdflib format, content type).
FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
}
_FORMAT_ALIASES = {"turtle": "turtle", "ttl": "turtle", "xml": "xml", "rdf": "xml", "rdf/xml": "xml",
                   "json-ld": "json-ld", "jsonld": "json-ld"}

#: ISO 639-1 -> EU "language" authority code (the official languages of the EU, and Canada's).
LANGUAGE_CODES = {
    "fr": "FRA", "en": "ENG", "de": "DEU", "es": "SPA", "it": "ITA", "nl": "NLD", "pt": "POR", "sv": "SWE",
    "da": "DAN", "fi": "FIN", "pl": "POL", "cs": "CES", "el": "ELL", "hu": "HUN", "ro": "RON", "sk": "SLK",
    "sl": "SLV", "bg": "BUL", "et": "EST", "lv": "LAV", "lt": "LIT", "ga": "GLE", "mt": "MLT", "hr": "HRV",
    "iu": "IKU", "cr": "CRE", "oj": "OJI", "ar": "ARA", "zh": "ZHO",
}
_LANGUAGE_FROM_EU = {v: k for k, v in LANGUAGE_CODES.items()}

#: Resource format (as CKAN writes it) -> (EU "file-type" code, IANA media type or "").
FILE_TYPES = {
    "CSV": ("CSV", "text/csv"), "JSON": ("JSON", "application/json"),
    "GEOJSON": ("GEOJSON", "application/geo+json"), "XML": ("XML", "application/xml"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"), "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "PDF": ("PDF", "application/pdf"), "ZIP": ("ZIP", "application/zip"), "SHP": ("SHP", ""),
    "HTML": ("HTML", "text/html"), "TXT": ("TXT", "text/plain"), "RDF": ("RDF_XML", "application/rdf+xml"),
    "TTL": ("RDF_TURTLE", "text/turtle"), "JSON-LD": ("JSON_LD", "application/ld+json"),
    "PARQUET": ("PARQUET", "application/vnd.apache.parquet"), "KML": ("KML", "application/vnd.google-earth.kml+xml"),
    "GPKG": ("GPKG", "application/geopackage+sqlite3"), "WMS": ("WMS_SRVC", ""), "WFS": ("WFS_SRVC", ""),
    "API": ("REST", ""),
}
_FORMAT_FROM_EU = {code: fmt for fmt, (code, _mt) in FILE_TYPES.items()}
_FORMAT_FROM_MEDIA_TYPE = {mt: fmt for fmt, (_code, mt) in FILE_TYPES.items() if mt}

#: The EU data themes (DCAT-AP's recommended theme vocabulary) with their French and English labels.
EU_DATA_THEMES = {
    "AGRI": ("Agriculture, pêche, sylviculture et alimentation", "Agriculture, fisheries, forestry and food"),
    "ECON": ("Économie et finances", "Economy and finance"),
    "EDUC": ("Éducation, culture et sport", "Education, culture and sport"),
    "ENER": ("Énergie", "Energy"),
    "ENVI": ("Environnement", "Environment"),
    "GOVE": ("Gouvernement et secteur public", "Government and public sector"),
    "HEAL": ("Santé", "Health"),
    "INTR": ("Questions internationales", "International issues"),
    "JUST": ("Justice, système juridique et sécurité publique", "Justice, legal system and public safety"),
    "OP_DATPRO": ("Données provisoires", "Provisional data"),
    "REGI": ("Régions et villes", "Regions and cities"),
    "SOCI": ("Population et société", "Population and society"),
    "TECH": ("Science et technologie", "Science and technology"),
    "TRAN": ("Transports", "Transport"),
}

#: Licence addresses seen in the wild that name a licence of the registry.
LICENCE_ALIASES = {
    EU_LICENCE + "CC0": "CC0-1.0", EU_LICENCE + "CC_BY_4_0": "CC-BY-4.0", EU_LICENCE + "CC_BYSA_4_0": "CC-BY-SA-4.0",
    EU_LICENCE + "ODC_BL": "ODbL-1.0", EU_LICENCE + "ODC_BY": "ODC-BY-1.0", EU_LICENCE + "ODC_PDDL": "PDDL-1.0",
    "http://dcat-ap.de/def/licenses/cc-zero": "CC0-1.0", "http://dcat-ap.de/def/licenses/cc-by-4.0": "CC-BY-4.0",
    "http://dcat-ap.de/def/licenses/cc-by-sa-4.0": "CC-BY-SA-4.0", "http://dcat-ap.de/def/licenses/odbl": "ODbL-1.0",
    "http://dcat-ap.de/def/licenses/odby": "ODC-BY-1.0", "http://dcat-ap.de/def/licenses/odcpddl": "PDDL-1.0",
    "http://spdx.org/licenses/CC0-1.0": "CC0-1.0", "http://spdx.org/licenses/CC-BY-4.0": "CC-BY-4.0",
    "http://spdx.org/licenses/CC-BY-SA-4.0": "CC-BY-SA-4.0", "http://spdx.org/licenses/ODbL-1.0": "ODbL-1.0",
    "http://spdx.org/licenses/PDDL-1.0": "PDDL-1.0", "http://spdx.org/licenses/ODC-By-1.0": "ODC-BY-1.0",
    "http://open.canada.ca/en/open-government-licence-canada": "OGL-Canada-2.0",
}

#: Dublin Core Collection frequencies (older DCAT files) -> our codes.
_CLD_FREQUENCIES = {
    "continuous": "CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "quarterly": "QUARTERLY",
    "annual": "ANNUAL", "irregular": "IRREG",
}


# --- URIs -------------------------------------------------------------------------------

def base_url() -> str:
    return settings.OUVERT_BASE_URL.rstrip("/")


def external_uri(value: str) -> URIRef:
    """An address given by a publisher or a source, percent-encoded where it is not a valid IRI.

    Real catalogues hold addresses with spaces or quotes (open.canada.ca, for one); RDF needs them
    encoded, or the serialisers refuse the whole graph.
    """
    return URIRef(quote(str(value).strip(), safe=":/?#[]@!$&'()*+,;=%~"))


def catalog_uri() -> URIRef:
    return URIRef(f"{base_url()}/catalog")


def dataset_uri(dataset: Dataset) -> URIRef:
    source_uri = (dataset.extras or {}).get("uri") if isinstance(dataset.extras, dict) else None
    if isinstance(source_uri, str) and _is_url(source_uri):
        return external_uri(source_uri)
    return URIRef(f"{base_url()}/dataset/{dataset.id}")


def distribution_uri(resource: Resource) -> URIRef:
    source_uri = (resource.extra_fields or {}).get("uri") if isinstance(resource.extra_fields, dict) else None
    if isinstance(source_uri, str) and _is_url(source_uri):
        return external_uri(source_uri)
    return URIRef(f"{base_url()}/dataset/{resource.dataset_id}/resource/{resource.id}")


def organisation_uri(organisation) -> URIRef:
    with translation.override("fr"):
        try:
            path = reverse("core:organisation", kwargs={"slug": organisation.slug})
        except NoReverseMatch:
            path = f"/organisations/{organisation.slug}/"
    return URIRef(base_url() + path)


def theme_uri(theme: Theme) -> URIRef:
    return URIRef(f"{base_url()}/theme/{theme.name}")


def themes_scheme_uri() -> URIRef:
    return URIRef(f"{base_url()}/themes")


def dataset_rdf_url(dataset: Dataset, fmt: str = "ttl") -> str:
    return f"{base_url()}/dataset/{dataset.name}.{fmt}"


_url_validator = URLValidator(schemes=["http", "https", "ftp", "ftps"])
_email_validator = EmailValidator()


def _is_url(value: str) -> bool:
    try:
        _url_validator(value)
    except ValidationError:
        return False
    return True


# --- Reading the catalogue --------------------------------------------------------------

def parse_modified_since(value: str | None) -> datetime.datetime | None:
    """``modified_since`` as a date (``2024-01-31``) or a date and time (ISO 8601); naive means local time."""
    value = (value or "").strip()
    if not value:
        return None
    moment = None
    try:
        moment = parse_datetime(value.replace(" ", "+", 1) if re.search(r"T\d.* \d", value) else value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({"modified_since": _(
            "« %(value)s » n'est pas une date : écrivez par exemple 2024-01-31 ou 2024-01-31T12:00:00Z.")
            % {"value": value[:100]}})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def dcat_datasets(*, q: str = "", fq: str = "", modified_since: str | None = None):
    """The public, published datasets that the DCAT endpoints show, filtered and in their order.

    ``q`` and ``fq`` mean what they mean in ``package_search`` (full text, most relevant first;
    CKAN's filter syntax), ``modified_since`` is a date or an ISO 8601 date and time. Without
    ``q``, the most recently modified come first. Raises ``ValidationError`` on bad input.
    """
    from django.db.models import F

    from .package_search import RANK, search_queryset

    moment = parse_modified_since(modified_since)
    qs, has_rank = search_queryset(user=None, params={"q": q or "", "fq": fq or ""})
    if moment is not None:
        qs = qs.filter(modified_at__gte=moment)
    ordering = [F(RANK).desc()] if has_rank else []
    return qs.order_by(*ordering, F("modified_at").desc(), F("name").asc())


@dataclass
class CatalogPage:
    """One page of the catalogue: its datasets and what the hydra paging needs."""

    datasets: list
    count: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))




def dcat_catalog_page(*, page=1, q: str = "", fq: str = "", modified_since: str | None = None,
                      per_page: int | None = None) -> CatalogPage:
    """A page of ``dcat_datasets`` (``PAGE_SIZE`` per page); a page past the last one is a
    ``ValidationError`` (page 1 always exists, empty or not)."""
    page = core_services.page_number(page)
    per_page = per_page or PAGE_SIZE
    qs = dcat_datasets(q=q, fq=fq, modified_since=modified_since)
    count = qs.count()
    result = CatalogPage(datasets=[], count=count, page=page, per_page=per_page)
    if page > result.last_page:
        raise ValidationError({"page": _("La page %(page)s n'existe pas : la dernière est la page %(last)s.")
                               % {"page": page, "last": result.last_page}})
    offset = (page - 1) * per_page
    result.datasets = list(ckan_dict.dataset_prefetch(qs)[offset:offset + per_page])
    return result


def dcat_dataset_get(*, name_or_id) -> Dataset:
    """A public, published dataset by name, old name or id (``NotFound`` otherwise)."""
    from .selectors import dataset_get

    dataset = dataset_get(name_or_id=name_or_id, user=None)
    return ckan_dict.dataset_prefetch(Dataset.objects.filter(pk=dataset.pk)).get()


# --- Serialisation ----------------------------------------------------------------------

def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in NAMESPACES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def _add_texts(graph: Graph, subject, predicate, fr: str, en: str, fallback_fr: str = "", fallback_en: str = ""):
    fr = (fr or "").strip() or (fallback_fr or "").strip()
    en = (en or "").strip() or (fallback_en or "").strip()
    if fr:
        graph.add((subject, predicate, Literal(fr, lang="fr")))
    if en:
        graph.add((subject, predicate, Literal(en, lang="en")))


def _datetime_literal(value: datetime.datetime) -> Literal:
    if timezone.is_aware(value):
        value = value.astimezone(datetime.UTC)
    return Literal(value.replace(microsecond=0).isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def _publisher(graph: Graph, organisation) -> URIRef:
    agent = organisation_uri(organisation)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    _add_texts(graph, agent, FOAF.name, organisation.name_fr, organisation.name_en)
    if organisation.website:
        graph.add((agent, FOAF.homepage, external_uri(organisation.website)))
    return agent


def _licence_node(graph: Graph, licence: Licence, source_uri: str = "") -> URIRef | BNode:
    if licence.url:
        node = external_uri(licence.url)
    elif source_uri and _is_url(source_uri):
        node = external_uri(source_uri)
    else:
        node = BNode(f"licence-{slugify(licence.id)}")
        graph.add((node, DCT.identifier, Literal(licence.id)))
    graph.add((node, RDF.type, DCT.LicenseDocument))
    _add_texts(graph, node, RDFS.label, licence.title_fr, licence.title_en)
    return node


def _theme_concept(graph: Graph, theme: Theme) -> URIRef:
    node = theme_uri(theme)
    graph.add((node, RDF.type, SKOS.Concept))
    _add_texts(graph, node, SKOS.prefLabel, theme.title_fr, theme.title_en, theme.name, "")
    scheme = themes_scheme_uri()
    graph.add((node, SKOS.inScheme, scheme))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCT.title, Literal("Thèmes", lang="fr")))
    graph.add((scheme, DCT.title, Literal("Themes", lang="en")))
    return node


def _json_list(value) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            loaded = json.loads(value)
        except ValueError:
            return []
        return loaded if isinstance(loaded, list) else []
    return []


def _wkt_bbox(west: float, south: float, east: float, north: float) -> str:
    return (f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))")


def _resource_access_url(resource: Resource, dataset: Dataset) -> str:
    if resource.kind == Resource.Kind.UPLOAD:

        resource.dataset = dataset  # no query for the dataset's name
        return ckan_dict.resource_download_url(resource)
    return resource.url or str(distribution_uri(resource))


def _distribution(graph: Graph, resource: Resource, dataset: Dataset, licence_node) -> URIRef:
    node = distribution_uri(resource)
    graph.add((node, RDF.type, DCAT.Distribution))
    _add_texts(graph, node, DCT.title, resource.name_fr, resource.name_en)
    _add_texts(graph, node, DCT.description, resource.description_fr, resource.description_en)
    access_url = _resource_access_url(resource, dataset)
    graph.add((node, DCAT.accessURL, external_uri(access_url)))
    if resource.url or resource.kind == Resource.Kind.UPLOAD:
        graph.add((node, DCAT.downloadURL, external_uri(access_url)))
    fmt = (resource.format or "").strip()
    media_type = (resource.media_type or "").strip().lower()
    known = FILE_TYPES.get(fmt.upper().lstrip("."))
    if known is not None:
        format_node = URIRef(EU_FILE_TYPE + known[0])
        graph.add((node, DCT.format, format_node))
        graph.add((format_node, RDF.type, DCT.MediaTypeOrExtent))
        media_type = media_type or known[1]
    elif fmt:
        format_node = BNode()
        graph.add((node, DCT.format, format_node))
        graph.add((format_node, RDF.type, DCT.MediaTypeOrExtent))
        graph.add((format_node, RDFS.label, Literal(fmt)))
    if re.fullmatch(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*", media_type):
        media_node = URIRef(IANA_MEDIA_TYPES + media_type)
        graph.add((node, DCAT.mediaType, media_node))
        graph.add((media_node, RDF.type, DCT.MediaType))
    size = resource.size
    version = resource.current_version if resource.current_version_id else None
    if size is None and version is not None:
        size = version.size
    if size is not None and size >= 0:
        graph.add((node, DCAT.byteSize, Literal(str(size), datatype=XSD.nonNegativeInteger)))
    # ``extra_fields["hash"]``: checksums imported before links had ``sha256`` (only SHA-256 ones pass below).
    kept = resource.extra_fields.get("hash") if isinstance(resource.extra_fields, dict) else ""
    sha256 = str(resource.sha256 or (version.sha256 if version is not None else "") or kept or "").lower()
    if re.fullmatch(r"[0-9a-f]{64}", sha256):
        checksum = BNode(f"checksum-{resource.id}")
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
        graph.add((checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))
    graph.add((node, DCT.license, licence_node))
    graph.add((node, DCT.issued, _datetime_literal(resource.created_at)))
    graph.add((node, DCT.modified, _datetime_literal(resource.modified_at)))
    return node


_LANG_TAG = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*")


def _dataset_texts(dataset: Dataset, field: str) -> list:
    """The literals of a dataset's title or description, with their true language tags.

    An imported dataset whose source had no French text keeps the texts as the source tagged
    them (``extra_fields["<field>_translated"]``, "" for untagged): its ``_fr`` field holds a
    stand-in, not French, and is not tagged ``@fr`` unless someone changed it since.
    """
    fr = (getattr(dataset, f"{field}_fr") or "").strip()
    en = (getattr(dataset, f"{field}_en") or "").strip()
    extra = dataset.extra_fields if isinstance(dataset.extra_fields, dict) else {}
    translations = extra.get(f"{field}_translated")
    translations = {str(k): v.strip() for k, v in translations.items() if isinstance(v, str) and v.strip()} \
        if isinstance(translations, dict) else {}
    translations = {k: v for k, v in translations.items() if k == "" or _LANG_TAG.fullmatch(k)}
    texts = {}
    if fr and ("fr" in translations or fr not in translations.values()):
        texts["fr"] = fr
    if en:
        texts["en"] = en
    for lang, text in translations.items():
        if lang not in ("fr", "en"):  # for French and English the fields are the truth (they may be edited)
            texts.setdefault(lang, text)
    if not texts and fr:
        texts["fr"] = fr
    return [Literal(text, lang=lang or None) for lang, text in sorted(texts.items())]


# --- Extension hook: what other modules add to the graph ------------------------------------
#: ``func(graph, pairs)``: adds to ``graph`` what another module knows of its datasets; ``pairs`` is
#: the list of ``(dataset, node)`` of the graph (``node`` the dataset's URI). Called once per graph
#: build — for one dataset (``dataset_graph``) or a whole page of the catalogue (``catalog_graph``) —
#: so that a contributor reads its own data for every dataset at once (no query per dataset).
#: The quality module adds W3C DQV quality measurements. A contributor that fails is logged and
#: left out: the catalogue's graph is still served.
DCAT_CONTRIBUTORS: list = []


def dcat_contributor_register(func) -> None:
    """Add ``func(graph, pairs)`` to ``DCAT_CONTRIBUTORS`` (once)."""
    if func not in DCAT_CONTRIBUTORS:
        DCAT_CONTRIBUTORS.append(func)


def _contribute(graph: Graph, pairs: list) -> None:
    import logging

    if not pairs:
        return
    for func in list(DCAT_CONTRIBUTORS):
        try:
            func(graph, pairs)
        except Exception:
            logging.getLogger("ouvert.catalog.dcat").exception("DCAT contributor %r failed", func)


def dataset_graph(dataset: Dataset, graph: Graph | None = None, *, contribute: bool = True) -> Graph:
    """Add ``dataset`` as a ``dcat:Dataset`` (with its distributions) to ``graph`` (a new one by default),
    with what ``DCAT_CONTRIBUTORS`` add (unless ``contribute`` is false: ``catalog_graph`` calls them
    once for the whole page).

    Expects ``ckan_dict.dataset_prefetch`` (it reads ``dataset.active_resources`` when present).
    """
    graph = graph if graph is not None else new_graph()
    _dataset_graph(dataset, graph)
    if contribute:
        _contribute(graph, [(dataset, dataset_uri(dataset))])
    return graph


def _dataset_graph(dataset: Dataset, graph: Graph) -> Graph:
    node = dataset_uri(dataset)
    extras = dataset.extras if isinstance(dataset.extras, dict) else {}
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCT.identifier, Literal(str(extras.get("identifier") or dataset.id))))
    titles = _dataset_texts(dataset, "title")
    for literal in titles:
        graph.add((node, DCT.title, literal))
    # dct:description is mandatory in DCAT-AP: a dataset without one is described by its title.
    for literal in _dataset_texts(dataset, "notes") or titles:
        graph.add((node, DCT.description, literal))
    graph.add((node, DCT.publisher, _publisher(graph, dataset.organisation)))

    keywords = dataset.keywords if isinstance(dataset.keywords, dict) else {}
    seen = set()
    for lang, words in sorted(keywords.items()):
        if isinstance(words, list) and re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*", str(lang)):
            for word in words:
                if isinstance(word, str) and word.strip():
                    graph.add((node, DCAT.keyword, Literal(word.strip(), lang=lang)))
                    seen.add(word.strip())
    for tag in dataset.tags.all():
        if tag.name not in seen:
            graph.add((node, DCAT.keyword, Literal(tag.name)))

    for theme in dataset.themes.all():
        graph.add((node, DCAT.theme, _theme_concept(graph, theme)))
    for uri in _json_list(extras.get("theme")):
        code = str(uri).rsplit("/", 1)[-1]
        if isinstance(uri, str) and uri.startswith(EU_DATA_THEME) and code in EU_DATA_THEMES:
            concept = external_uri(uri)
            graph.add((node, DCAT.theme, concept))
            graph.add((concept, RDF.type, SKOS.Concept))
            graph.add((concept, SKOS.prefLabel, Literal(EU_DATA_THEMES[code][0], lang="fr")))
            graph.add((concept, SKOS.prefLabel, Literal(EU_DATA_THEMES[code][1], lang="en")))

    contact_name = dataset.maintainer or dataset.author
    contact_email = dataset.maintainer_email or dataset.author_email
    if contact_name or contact_email:
        contact = BNode(f"contact-{dataset.id}")
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, VCARD.fn, Literal(contact_name or dataset.organisation.name_fr)))
        if contact_email:
            graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{contact_email}")))

    if dataset.frequency:
        frequency = URIRef(EU_FREQUENCY + dataset.frequency)
        graph.add((node, DCT.accrualPeriodicity, frequency))
        graph.add((frequency, RDF.type, DCT.Frequency))

    if dataset.temporal_start or dataset.temporal_end:
        period = BNode(f"temporal-{dataset.id}")
        graph.add((node, DCT.temporal, period))
        graph.add((period, RDF.type, DCT.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, Literal(dataset.temporal_start.isoformat(), datatype=XSD.date)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, Literal(dataset.temporal_end.isoformat(), datatype=XSD.date)))

    bbox = (dataset.bbox_west, dataset.bbox_south, dataset.bbox_east, dataset.bbox_north)
    spatial_uri = extras.get("spatial_uri") if isinstance(extras.get("spatial_uri"), str) else ""
    if dataset.spatial_name or all(v is not None for v in bbox) or (spatial_uri and _is_url(spatial_uri)):
        location = external_uri(spatial_uri) if spatial_uri and _is_url(spatial_uri) else BNode(f"spatial-{dataset.id}")
        graph.add((node, DCT.spatial, location))
        graph.add((location, RDF.type, DCT.Location))
        if dataset.spatial_name:
            graph.add((location, SKOS.prefLabel, Literal(dataset.spatial_name, lang="fr")))
        if all(v is not None for v in bbox):
            graph.add((location, DCAT.bbox, Literal(_wkt_bbox(*bbox), datatype=GSP.wktLiteral)))

    for code in dataset.languages if isinstance(dataset.languages, list) else []:
        eu_code = LANGUAGE_CODES.get(str(code).lower())
        if eu_code:
            language = URIRef(EU_LANGUAGE + eu_code)
            graph.add((node, DCT.language, language))
            graph.add((language, RDF.type, DCT.LinguisticSystem))

    if dataset.version:
        graph.add((node, OWL.versionInfo, Literal(dataset.version)))
        graph.add((node, DCAT.version, Literal(dataset.version)))
    graph.add((node, DCT.issued, _datetime_literal(dataset.created_at)))
    graph.add((node, DCT.modified, _datetime_literal(dataset.modified_at)))
    if dataset.url and _is_url(dataset.url):
        page = external_uri(dataset.url)
        graph.add((node, DCAT.landingPage, page))
        graph.add((page, RDF.type, FOAF.Document))

    licence_node = _licence_node(graph, dataset.licence, str(extras.get("license_uri") or ""))
    for resource in ckan_dict.active_resources(dataset):
        graph.add((node, DCAT.distribution, _distribution(graph, resource, dataset, licence_node)))
    return graph


def catalog_graph(datasets, *, page: CatalogPage | None = None, page_url: str = "",
                  query: dict | None = None) -> Graph:
    """The ``dcat:Catalog`` of the platform with ``datasets``, and hydra paging when ``page`` is given.

    ``page_url`` is the address of the page without its query string (``…/catalog.ttl``),
    ``query`` the other query parameters to keep in the paging links (``q``, ``fq``…).
    """
    graph = new_graph()
    catalog = catalog_uri()
    graph.add((catalog, RDF.type, DCAT.Catalog))
    site_name = _site_name()
    graph.add((catalog, DCT.title, Literal(f"Catalogue de données ouvertes – {site_name}", lang="fr")))
    graph.add((catalog, DCT.title, Literal(f"Open data catalogue – {site_name}", lang="en")))
    graph.add((catalog, DCT.description, Literal(
        f"Les jeux de données ouverts publiés sur {site_name}, en DCAT-AP 3.", lang="fr")))
    graph.add((catalog, DCT.description, Literal(
        f"The open datasets published on {site_name}, as DCAT-AP 3.", lang="en")))
    publisher = URIRef(f"{base_url()}/#publisher")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(site_name)))
    graph.add((catalog, DCT.publisher, publisher))
    homepage = URIRef(f"{base_url()}/")
    graph.add((catalog, FOAF.homepage, homepage))
    graph.add((homepage, RDF.type, FOAF.Document))
    for code in ("FRA", "ENG"):
        language = URIRef(EU_LANGUAGE + code)
        graph.add((catalog, DCT.language, language))
        graph.add((language, RDF.type, DCT.LinguisticSystem))
    scheme = themes_scheme_uri()
    graph.add((catalog, DCAT.themeTaxonomy, scheme))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCT.title, Literal("Thèmes", lang="fr")))
    graph.add((scheme, DCT.title, Literal("Themes", lang="en")))
    newest = None
    pairs = []
    for dataset in datasets:
        dataset_graph(dataset, graph, contribute=False)
        node = dataset_uri(dataset)
        graph.add((catalog, DCAT.dataset, node))
        pairs.append((dataset, node))
        newest = dataset.modified_at if newest is None or dataset.modified_at > newest else newest
    _contribute(graph, pairs)
    if newest is not None:
        graph.add((catalog, DCT.modified, _datetime_literal(newest)))
    if page is not None:
        _add_paging(graph, page, page_url or f"{base_url()}/catalog.ttl", query or {})
    return graph


def _site_name() -> str:
    from django.contrib.sites.models import Site

    try:
        name = Site.objects.filter(pk=settings.SITE_ID).values_list("name", flat=True).first()
    except Exception:  # the sites table may not exist before migrations
        name = None
    return name or "Ouvert"


def _add_paging(graph: Graph, page: CatalogPage, page_url: str, query: dict):
    """hydra paging as ckanext-dcat writes it (``PagedCollection`` with ``nextPage``…), plus DCAT-AP's
    newer ``hydra:next``/``previous``/``first``/``last`` that recent harvesters read first."""
    def url(number: int) -> URIRef:
        params = {k: v for k, v in query.items() if v not in (None, "") and k != "page"}
        params["page"] = number
        return URIRef(f"{page_url}?{urlencode(params)}")

    node = url(page.page)
    graph.add((node, RDF.type, HYDRA.PagedCollection))
    graph.add((node, HYDRA.totalItems, Literal(page.count, datatype=XSD.integer)))
    graph.add((node, HYDRA.itemsPerPage, Literal(page.per_page, datatype=XSD.integer)))
    links = [(HYDRA.firstPage, HYDRA.first, 1), (HYDRA.lastPage, HYDRA.last, page.last_page)]
    if page.page < page.last_page:
        links.append((HYDRA.nextPage, HYDRA.next, page.page + 1))
    if page.page > 1:
        links.append((HYDRA.previousPage, HYDRA.previous, page.page - 1))
    for old, new, number in links:
        graph.add((node, old, url(number)))
        graph.add((node, new, url(number)))


def next_page_url(graph: Graph) -> str | None:
    """The next page of a paged DCAT catalogue (hydra, as ckanext-dcat and Ouvert write it), or None.

    Reads ``hydra:next`` (DCAT-AP's recommendation, on a ``PartialCollectionView`` or a
    ``PagedCollection``) and the older ``hydra:nextPage``.
    """
    for kind in (HYDRA.PartialCollectionView, HYDRA.PagedCollection):
        for node in sorted(graph.subjects(RDF.type, kind), key=str):
            value = _value(graph, node, HYDRA.next, HYDRA.nextPage)
            if value is not None and _is_url(str(value)):
                return str(value)
    return None


def serialize(graph: Graph, fmt: str) -> bytes:
    """``graph`` as ``ttl``, ``jsonld`` or ``rdf`` (RDF/XML), UTF-8."""
    rdflib_format = FORMATS[fmt][0]
    if rdflib_format == "json-ld":
        context = {prefix: str(ns) for prefix, ns in NAMESPACES.items()}
        return graph.serialize(format="json-ld", context=context, auto_compact=True,
                               indent=2, ensure_ascii=False).encode("utf-8")
    return graph.serialize(format=rdflib_format, encoding="utf-8")


# --- Import -----------------------------------------------------------------------------

@dataclass
class ParsedDistribution:
    node: object
    data: dict


@dataclass
class ParsedDataset:
    """One ``dcat:Dataset`` of a file, as ``data`` for ``dataset_create`` and its distributions."""

    node: object
    uri: str
    identifier: str
    data: dict
    distributions: list = field(default_factory=list)
    licence_uri: str = ""
    #: What was left out (distributions without an address), to show in the report.
    warnings: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.data.get("title_fr") or self.data.get("title_en") or self.identifier or self.uri


@dataclass
class DcatImportReport:
    """What ``dcat_import`` did: names created and updated, the error of every dataset that failed,
    and what was left out of the datasets imported (``warnings``: {"name", "messages"})."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.errors)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "errors": self.errors, "warnings": self.warnings,
                "count_created": len(self.created), "count_updated": len(self.updated),
                "count_errors": len(self.errors)}


def _reject_remote_contexts(value, path="@context"):
    """JSON-LD remote contexts would make the parser fetch a URL: refuse them (inline the context)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                contexts = item if isinstance(item, list) else [item]
                for context in contexts:
                    if isinstance(context, str):
                        raise ValidationError({"data": _(
                            "Le contexte JSON-LD « %(url)s » est distant : Ouvert ne télécharge rien pendant "
                            "une importation. Incluez le contexte dans le fichier.") % {"url": context[:200]}})
                    _reject_remote_contexts(context, path)
            else:
                _reject_remote_contexts(item, path)
    elif isinstance(value, list):
        for item in value:
            _reject_remote_contexts(item, path)


def dcat_parse_graph(data: bytes | str, format: str) -> Graph:
    """Parse a DCAT file (``turtle``, ``xml``, ``json-ld``) into a graph; ``ValidationError`` if it is not one."""
    rdflib_format = _FORMAT_ALIASES.get((format or "").lower().strip())
    if rdflib_format is None:
        raise ValidationError({"format": _("Format « %(format)s » inconnu : choisissez turtle, xml ou json-ld.")
                               % {"format": str(format)[:50]}})
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise ValidationError({"data": _("Le fichier est vide.")})
    if rdflib_format == "json-ld":
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError({"data": _("Le fichier n'est pas du JSON-LD valide : %(error)s")
                                   % {"error": str(exc)[:300]}}) from None
        _reject_remote_contexts(document)
    graph = Graph()
    try:
        graph.parse(data=data, format=rdflib_format)
    except Exception as exc:  # rdflib raises a different exception type per parser
        names = {"turtle": "Turtle", "xml": "RDF/XML", "json-ld": "JSON-LD"}
        raise ValidationError({"data": _("Le fichier n'est pas du %(format)s valide : %(error)s")
                               % {"format": names[rdflib_format], "error": str(exc).strip()[:300]}}) from None
    return graph


def _texts_by_language(graph: Graph, subject, predicate) -> dict:
    """{language or "": [texts]} of the literals of ``subject predicate``, sorted for stable results."""
    texts: dict = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and str(value).strip():
            texts.setdefault((value.language or "").lower(), []).append(str(value).strip())
    return {lang: sorted(values) for lang, values in texts.items()}


def _bilingual(texts: dict) -> tuple[str, str, dict]:
    """(French text, English text, {language: text}) from ``_texts_by_language``.

    Without a French text, the untagged one (else another language's, else the English one)
    stands in for it: ``title_fr`` is the dataset's required main title.
    """
    def pick(lang):
        if texts.get(lang):
            return texts[lang][0]
        return next((values[0] for key, values in sorted(texts.items()) if key.startswith(lang + "-")), "")

    french, english = pick("fr"), pick("en")
    if not french:
        others = [values[0] for key, values in sorted(texts.items()) if key and not key.startswith("en")]
        french = (texts.get("") or [""])[0] or (others[0] if others else "") or english
    return french, english, {lang: values[0] for lang, values in texts.items() if lang}


def _value(graph: Graph, subject, *predicates):
    for predicate in predicates:
        values = sorted(graph.objects(subject, predicate), key=str)
        if values:
            return values[0]
    return None


def _label(graph: Graph, node) -> str:
    for predicate in (SKOS.prefLabel, RDFS.label, FOAF.name, LOCN.geographicName, DCT.title):
        texts = _texts_by_language(graph, node, predicate)
        if texts:
            return _bilingual(texts)[0]
    return ""


def _to_date(value) -> datetime.date | None:
    if value is None:
        return None
    python = value.toPython() if isinstance(value, Literal) else value
    if isinstance(python, datetime.datetime):
        return python.date()
    if isinstance(python, datetime.date):
        return python
    text = str(value).strip()
    try:
        return parse_date(text[:10]) if re.match(r"\d{4}-\d{2}-\d{2}", text) else \
            (datetime.date(int(text), 1, 1) if re.fullmatch(r"\d{4}", text) else None)
    except ValueError:
        return None


def _temporal(graph: Graph, node) -> tuple:
    for period in sorted(graph.objects(node, DCT.temporal), key=str):
        start = _value(graph, period, DCAT.startDate, SCHEMA.startDate)
        end = _value(graph, period, DCAT.endDate, SCHEMA.endDate)
        if start is None:
            beginning = _value(graph, period, TIME.hasBeginning)
            start = _value(graph, beginning, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime, TIME.inXSDDate) \
                if beginning is not None else None
        if end is None:
            ending = _value(graph, period, TIME.hasEnd)
            end = _value(graph, ending, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime, TIME.inXSDDate) \
                if ending is not None else None
        start, end = _to_date(start), _to_date(end)
        if start or end:
            if start and end and end < start:
                start, end = end, start
            return start, end
    return None, None


_CRS84 = {"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"}


def _coordinates_bbox(pairs) -> tuple | None:
    pairs = [(x, y) for x, y in pairs if -180 <= x <= 180 and -90 <= y <= 90]
    if not pairs:
        return None
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    return min(xs), min(ys), max(xs), max(ys)


def _geometry_bbox(literal) -> tuple | None:
    """(west, south, east, north) of a WKT or GeoJSON literal in WGS 84, or None."""
    text = str(literal).strip()
    if text.startswith("{"):
        try:
            geometry = json.loads(text)
        except ValueError:
            return None
        numbers = []

        def walk(value):
            if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, (int, float)) for v in value[:2]):
                numbers.append((float(value[0]), float(value[1])))
            elif isinstance(value, list):
                for item in value:
                    walk(item)
        walk(geometry.get("coordinates") if isinstance(geometry, dict) else None)
        return _coordinates_bbox(numbers)
    crs = re.match(r"<([^>]*)>\s*", text)
    if crs:
        if crs.group(1) not in _CRS84:
            return None
        text = text[crs.end():]
    if not re.match(r"(?i)(MULTI)?(POLYGON|POINT|LINESTRING)|ENVELOPE", text):
        return None
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text)]
    if text.upper().startswith("ENVELOPE") and len(numbers) == 4:  # ENVELOPE(minX, maxX, maxY, minY)
        return _coordinates_bbox([(numbers[0], numbers[3]), (numbers[1], numbers[2])])
    return _coordinates_bbox(list(zip(numbers[0::2], numbers[1::2], strict=False)))


def _spatial(graph: Graph, node) -> dict:
    result = {}
    for location in sorted(graph.objects(node, DCT.spatial), key=str):
        if "name" not in result:
            label = _label(graph, location)
            if label:
                result["name"] = label[:300]
        if "bbox" not in result:
            for predicate in (DCAT.bbox, LOCN.geometry):
                for literal in sorted(graph.objects(location, predicate), key=str):
                    bbox = _geometry_bbox(literal) if isinstance(literal, Literal) else None
                    if bbox:
                        result["bbox"] = bbox
                        break
                if "bbox" in result:
                    break
        if "uri" not in result and isinstance(location, URIRef):
            result["uri"] = str(location)
    return result


def _frequency(graph: Graph, node) -> tuple[str, str]:
    """(our frequency code or "", the source's URI or text when it has no code of ours)."""
    value = _value(graph, node, DCT.accrualPeriodicity)
    if value is None:
        return "", ""
    text = str(value)
    code = text.rsplit("/", 1)[-1]
    if text.startswith(EU_FREQUENCY) and code in Dataset.Frequency.values:
        return code, ""
    if text.startswith("http://purl.org/cld/freq/") and code in _CLD_FREQUENCIES:
        return _CLD_FREQUENCIES[code], ""
    duration = _value(graph, value, RDF.value)
    if duration is not None:
        for unit, counts in ((TIME.years, {1: "ANNUAL"}), (TIME.months, {1: "MONTHLY", 3: "QUARTERLY", 12: "ANNUAL"}),
                             (TIME.weeks, {1: "WEEKLY"}), (TIME.days, {1: "DAILY", 7: "WEEKLY"})):
            amount = _value(graph, duration, unit)
            if amount is not None:
                try:
                    number = float(str(amount))
                except ValueError:
                    continue
                if number.is_integer() and int(number) in counts:
                    return counts[int(number)], ""
    return "", text if isinstance(value, URIRef) else ""


def _languages(graph: Graph, node) -> list:
    codes = []
    for value in sorted(graph.objects(node, DCT.language), key=str):
        text = str(value).strip()
        tail = text.rstrip("/").rsplit("/", 1)[-1]
        code = ""
        if text.startswith(EU_LANGUAGE):
            code = _LANGUAGE_FROM_EU.get(tail.upper(), "")
        elif re.fullmatch(r"[a-zA-Z]{2}", tail):
            code = tail.lower()
        elif re.fullmatch(r"[a-zA-Z]{2}-[a-zA-Z]{2}", tail):
            code = tail[:2].lower()
        if code and code not in codes:
            codes.append(code)
    return codes


def _contact(graph: Graph, node) -> tuple[str, str]:
    contact = _value(graph, node, DCAT.contactPoint, ADMS.contactPoint)
    if contact is None:
        return "", ""
    name = _label(graph, contact) or str(_value(graph, contact, VCARD.fn, VCARD["organization-name"]) or "")
    email = str(_value(graph, contact, VCARD.hasEmail) or "")
    if email.lower().startswith("mailto:"):
        email = email[7:]
    try:
        _email_validator(email)
    except ValidationError:
        email = ""
    return name.strip()[:300], email


def _normalised_url(value: str) -> str:
    value = value.strip().lower()
    value = re.sub(r"^https?://", "", value)
    value = re.sub(r"^www\.", "", value)
    return value.rstrip("/")


def _licence_match(graph: Graph, value, licences: list) -> tuple[Licence | None, str]:
    """(the registry's licence named by ``value`` or None, the source's URI or text)."""
    if value is None:
        return None, ""
    candidates = [str(value)] + [str(v) for v in graph.objects(value, SKOS.exactMatch)]
    by_url = {_normalised_url(lic.url): lic for lic in licences if lic.url}
    by_id = {lic.id.lower(): lic for lic in licences}
    aliases = {_normalised_url(k): v for k, v in LICENCE_ALIASES.items()}
    for candidate in candidates:
        key = _normalised_url(candidate)
        if key in by_url:
            return by_url[key], str(value)
        if key in aliases and aliases[key].lower() in by_id:
            return by_id[aliases[key].lower()], str(value)
        if candidate.strip().lower() in by_id:
            return by_id[candidate.strip().lower()], str(value)
    return None, str(value)


def _media_type_and_format(graph: Graph, distribution) -> tuple[str, str]:
    media_type = ""
    value = _value(graph, distribution, DCAT.mediaType)
    if value is not None:
        text = str(value)
        for prefix in (IANA_MEDIA_TYPES, "http://www.iana.org/assignments/media-types/"):
            if text.startswith(prefix):
                text = text[len(prefix):]
        if re.fullmatch(r"[\w.+-]+/[\w.+-]+", text):
            media_type = text.lower()
    fmt = ""
    for value in sorted(graph.objects(distribution, DCT.format), key=str):
        text = str(value).strip()
        if isinstance(value, URIRef) and text.startswith(EU_FILE_TYPE):
            code = text[len(EU_FILE_TYPE):]
            fmt = _FORMAT_FROM_EU.get(code, code)
        elif isinstance(value, URIRef) or isinstance(value, BNode):
            fmt = _label(graph, value)
            inner = _value(graph, value, RDF.value)
            if inner is not None and not media_type and re.fullmatch(r"[\w.+-]+/[\w.+-]+", str(inner)):
                media_type = str(inner).lower()
            if not fmt and isinstance(value, URIRef):
                fmt = text.rstrip("/").rsplit("/", 1)[-1]
        elif re.fullmatch(r"[\w.+-]+/[\w.+-]+", text):
            media_type = media_type or text.lower()
            fmt = _FORMAT_FROM_MEDIA_TYPE.get(text.lower(), fmt)
        else:
            fmt = text
        if fmt:
            break
    if not fmt and media_type:
        fmt = _FORMAT_FROM_MEDIA_TYPE.get(media_type, "")
    return media_type[:200], fmt.upper()[:50] if fmt else ""


def _checksum(graph: Graph, distribution) -> str:
    for checksum in graph.objects(distribution, SPDX.checksum):
        algorithm = str(_value(graph, checksum, SPDX.algorithm) or "").lower()
        value = str(_value(graph, checksum, SPDX.checksumValue) or "").strip().lower()
        if re.search(r"sha[-_/]?256$", algorithm) and re.fullmatch(r"[0-9a-f]{64}", value):
            return value
    return ""


def _distribution_data(graph: Graph, distribution) -> dict:
    name_fr, name_en, _names = _bilingual(_texts_by_language(graph, distribution, DCT.title))
    description_fr, description_en, _d = _bilingual(_texts_by_language(graph, distribution, DCT.description))
    url = ""
    for predicate in (DCAT.downloadURL, DCAT.accessURL):
        for value in sorted(graph.objects(distribution, predicate), key=str):
            if _is_url(str(value).strip()):
                url = str(value).strip()
                break
        if url:
            break
    media_type, fmt = _media_type_and_format(graph, distribution)
    size = None
    value = _value(graph, distribution, DCAT.byteSize)
    if value is not None:
        try:
            number = float(str(value))
        except ValueError:
            number = -1
        if number >= 0 and number.is_integer():
            size = int(number)
    extra_fields = {}
    if isinstance(distribution, URIRef):
        extra_fields["uri"] = str(distribution)
    # A SHA-256 checksum: a link's ``sha256`` (the services keep it for links, compute it for files).
    checksum = _checksum(graph, distribution)
    data = {"name_fr": name_fr[:500], "name_en": name_en[:500], "description_fr": description_fr,
            "description_en": description_en, "url": url, "format": fmt, "media_type": media_type,
            "size": size, "sha256": checksum, "extra_fields": extra_fields}
    return {k: v for k, v in data.items() if v not in (None, "") or k in ("url",)}


def _publisher_of(graph: Graph, node) -> tuple[str, str]:
    publisher = _value(graph, node, DCT.publisher)
    if publisher is None:
        return "", ""
    return _label(graph, publisher), str(publisher) if isinstance(publisher, URIRef) else ""


def dcat_parse(graph: Graph) -> list[ParsedDataset]:
    """Every ``dcat:Dataset`` of ``graph`` as ``ParsedDataset`` (``data`` in the services' field names)."""
    licences = list(Licence.objects.all())
    parsed = []
    for node in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
        title_texts = _texts_by_language(graph, node, DCT.title)
        notes_texts = _texts_by_language(graph, node, DCT.description)
        title_fr, title_en, _titles = _bilingual(title_texts)
        notes_fr, notes_en, _notes = _bilingual(notes_texts)
        identifier = str(_value(graph, node, DCT.identifier) or "").strip()
        uri = str(node) if isinstance(node, URIRef) else ""
        extras: dict = {}
        extra_fields: dict = {}
        if uri:
            extras["uri"] = uri
        if identifier:
            extras["identifier"] = identifier
        for key, texts in (("title_translated", title_texts), ("notes_translated", notes_texts)):
            languages = {lang: values[0] for lang, values in texts.items()}
            if languages and ("fr" not in languages or set(languages) - {"fr", "en"}):
                extra_fields[key] = languages

        keywords: dict = {}
        tags = []
        for value in sorted(graph.objects(node, DCAT.keyword), key=str):
            if isinstance(value, Literal) and str(value).strip():
                word = str(value).strip()[:100]
                if value.language:
                    keywords.setdefault(value.language.lower(), []).append(word)
                if word.lower() not in {t.lower() for t in tags}:
                    tags.append(word)

        themes = sorted(str(v) for v in graph.objects(node, DCAT.theme) if isinstance(v, URIRef))
        if themes:
            extras["theme"] = json.dumps(themes)
        for key, predicate in (("issued", DCT.issued), ("modified", DCT.modified)):
            value = _value(graph, node, predicate)
            if value is not None:
                extras[key] = str(value)
        publisher_name, publisher_uri = _publisher_of(graph, node)
        if publisher_name:
            extras["publisher_name"] = publisher_name
        if publisher_uri:
            extras["publisher_uri"] = publisher_uri
        maintainer, maintainer_email = _contact(graph, node)
        frequency, frequency_source = _frequency(graph, node)
        if frequency_source:
            extras["frequency"] = frequency_source
        temporal_start, temporal_end = _temporal(graph, node)
        spatial = _spatial(graph, node)
        if spatial.get("uri"):
            extras["spatial_uri"] = spatial["uri"]
        version = str(_value(graph, node, DCAT.version, OWL.versionInfo, ADMS.version) or "").strip()[:100]
        landing = str(_value(graph, node, DCAT.landingPage) or "").strip()

        distributions, skipped = [], []
        for d in sorted(graph.objects(node, DCAT.distribution), key=str):
            item = ParsedDistribution(node=d, data=_distribution_data(graph, d))
            (distributions if item.data.get("url") else skipped).append(item)
        licence_value = _value(graph, node, DCT.license)
        if licence_value is None:
            licence_value = next((v for d in distributions for v in sorted(graph.objects(d.node, DCT.license),
                                                                          key=str)), None)
        licence, licence_source = _licence_match(graph, licence_value, licences)
        if licence is None and licence_source:
            licence = next((lic for lic in licences if lic.id == "notspecified"), None)
            extras["license_uri"] = licence_source

        data = {
            "title_fr": title_fr, "title_en": title_en, "notes_fr": notes_fr, "notes_en": notes_en,
            "tags": tags, "keywords": keywords, "maintainer": maintainer, "maintainer_email": maintainer_email,
            "frequency": frequency, "temporal_start": temporal_start, "temporal_end": temporal_end,
            "spatial_name": spatial.get("name", ""), "languages": _languages(graph, node), "version": version,
            "url": landing if _is_url(landing) and len(landing) <= 1000 else "",
            "extras": extras, "extra_fields": extra_fields,
        }
        if spatial.get("bbox"):
            data["bbox_west"], data["bbox_south"], data["bbox_east"], data["bbox_north"] = spatial["bbox"]
        if licence is not None:
            data["licence"] = licence.id
        warnings = [_("Distribution « %(uri)s » laissée de côté : elle n'a pas d'adresse (dcat:accessURL "
                      "ni dcat:downloadURL).") % {"uri": str(d.node) if isinstance(d.node, URIRef) else _("anonyme")}
                    for d in skipped]
        parsed.append(ParsedDataset(node=node, uri=uri, identifier=identifier, data=data,
                                    distributions=distributions, licence_uri=licence_source, warnings=warnings))
    return parsed


def _unique_name(title: str, identifier: str, taken: set) -> str:
    base = slugify(title)[:90].strip("-_") or slugify(identifier.rsplit("/", 1)[-1])[:90].strip("-_")
    base = base if len(base) >= 2 else "jeu-de-donnees"
    name, number = base, 1
    while name in taken or Dataset.objects.filter(name=name).exists() \
            or DatasetNameRedirect.objects.filter(old_name=name).exists():
        number += 1
        name = f"{base}-{number}"
    taken.add(name)
    return name


def _find_existing(organisation, item: ParsedDataset) -> Dataset | None:
    condition = Q()
    if item.uri:
        condition |= Q(extras__uri=item.uri)
    if item.identifier:
        condition |= Q(extras__identifier=item.identifier)
    if not condition:
        return None
    return (Dataset.objects.filter(organisation=organisation).exclude(state=Dataset.State.DELETED)
            .filter(condition).order_by("created_at").first())


def _resources_for_update(existing: Dataset, distributions: list) -> list:
    """Resource ``data`` for ``dataset_update``: a distribution imported before keeps its resource
    (matched on its source URI, else on its address); the others are new; missing ones go."""
    current = list(existing.resources.filter(state=Resource.State.ACTIVE).order_by("position", "created_at"))
    used, items = set(), []
    for distribution in distributions:
        data = dict(distribution.data)
        uri = data.get("extra_fields", {}).get("uri")
        match = next((r for r in current if r.pk not in used and uri
                      and (r.extra_fields or {}).get("uri") == uri), None)
        if match is None and not uri and data.get("url"):
            match = next((r for r in current if r.pk not in used and r.url == data["url"]), None)
        if match is not None:
            used.add(match.pk)
            data["id"] = str(match.pk)
        items.append(data)
    return items


def _error_messages(exc: Exception) -> dict | list:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    if isinstance(exc, PermissionDenied):
        return {"__all__": [str(exc) or _("Permission refusée.")]}
    return {"__all__": [getattr(exc, "message", None) or str(exc)]}


def dcat_import(*, actor, organisation, data: bytes | str, format: str) -> DcatImportReport:
    """Import every ``dcat:Dataset`` of a DCAT file as a dataset of ``organisation``.

    A dataset imported before (same URI or ``dct:identifier`` in this organisation) is updated,
    its resources matched on their source URI; the others are created. Each dataset is written
    in its own transaction: one that fails is reported (``report.errors``) and the others go on.
    A file that cannot be read, or holds no ``dcat:Dataset``, is a ``ValidationError`` and
    nothing is written. The actor must be allowed to publish for the organisation.
    """
    from . import policy, services

    if not policy.can_edit_organisation_datasets(actor, organisation):
        raise PermissionDenied(_("Vous devez être éditrice ou éditeur de cette organisation pour y importer "
                                 "des jeux de données."))
    graph = dcat_parse_graph(data, format)
    items = dcat_parse(graph)
    if not items:
        raise ValidationError({"data": _("Le fichier ne contient aucun jeu de données (aucun dcat:Dataset).")})
    report = DcatImportReport()
    taken: set = set()
    for item in items:
        try:
            if not item.data["title_fr"]:
                raise ValidationError({"title_fr": _("Le jeu de données n'a pas de titre (dct:title).")})
            with transaction.atomic():
                existing = _find_existing(organisation, item)
                if existing is None:
                    values = dict(item.data, name=_unique_name(item.data["title_fr"], item.identifier, taken),
                                  resources=[d.data for d in item.distributions])
                    dataset = services.dataset_create(actor=actor, organisation=organisation, data=values)
                    report.created.append(dataset.name)
                else:
                    values = dict(item.data, resources=_resources_for_update(existing, item.distributions))
                    values["extras"] = {**(existing.extras or {}), **item.data["extras"]}
                    values["extra_fields"] = {**(existing.extra_fields or {}), **item.data["extra_fields"]}
                    dataset = services.dataset_update(actor=actor, dataset=existing, data=values, partial=True)
                    report.updated.append(dataset.name)
            if item.warnings:
                report.warnings.append({"name": dataset.name, "messages": item.warnings})
        except (ValidationError, PermissionDenied) as exc:
            report.errors.append({"identifier": item.identifier or item.uri, "title": item.label,
                                  "errors": _error_messages(exc)})
    return report
