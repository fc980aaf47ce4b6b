"""The rules of the metadata quality score: pure functions over a dataset's facts, no database.

Two families of checks, both listed in ``DatasetScore.checks`` as
``{"id", "dimension", "points", "max", "passed", "fix"}`` (``fix``: ``{"code", "params"}`` or None;
its text is rendered in the reader's language by ``fix_text``, never stored):

1. data.europa.eu's **Metadata Quality Assessment** (MQA), 405 points over five dimensions
   (https://data.europa.eu/mqa/methodology). The indicators and their points are the MQA's; how each
   is read from Ouvert's metadata is said in ``CHECKS`` below. Indicators that the MQA measures on
   distributions (format, media type, download URL, availability, size…) give their points in
   proportion to the share of the dataset's active resources that pass (rounded down): 2 of 3
   resources with a format give 13 of 20 points. A dataset without resources gets none of them.

   ``dcat_ap_compliance`` is a fast check, not a SHACL validation (pyshacl is far too slow to run per
   dataset; the DCAT-AP export itself is validated by the catalogue's tests): it passes when the
   properties DCAT-AP 3 makes mandatory come from the publisher's own metadata — ``dct:title``
   (the French title), ``dct:description`` (a description in French or English: the export falls back
   on the title, which the shapes accept but says nothing), and ``dcat:accessURL`` for every
   distribution (a link's address or an uploaded file). The other mandatory classes (publisher,
   catalogue, licence document types) the export always writes.

2. **udata-style checks** (dimension ``udata``, one point each, outside the 405): description long
   enough, resources documented, open licence, update frequency respected, temporal and spatial
   coverage, open format, all resources available.

Ratings (``Rating``): excellent 351–405, good 221–350, sufficient 121–220, bad 0–120.

Availability of resources: an uploaded file is available (the platform serves it); a link is
available when the link checker's latest state says so (``LinkState.available``); a link not yet
checked (no state, or ``available`` empty) is *unknown*: it earns no points and the fix says it is
waiting for its first check.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

# --- Dimensions, checks, ratings ------------------------------------------------------------

#: The five MQA dimensions and their maximum points (405 in all).
DIMENSIONS = {"findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75,
              "contextuality": 20}
MAX_POINTS = sum(DIMENSIONS.values())
UDATA = "udata"

DIMENSION_LABELS = {
    "findability": gettext_lazy("Repérabilité"),
    "accessibility": gettext_lazy("Accessibilité"),
    "interoperability": gettext_lazy("Interopérabilité"),
    "reusability": gettext_lazy("Réutilisabilité"),
    "contextuality": gettext_lazy("Contexte"),
    UDATA: gettext_lazy("Bonnes pratiques"),
}


@dataclass(frozen=True)
class Check:
    id: str
    dimension: str
    max: int
    label: object  # a lazily translated string


#: The MQA indicators, in the methodology's order, with their points.
CHECKS = [
    # Findability (100)
    Check("keywords", "findability", 30, gettext_lazy("Mots-clés")),  # tags, or keywords per language
    Check("categories", "findability", 30, gettext_lazy("Thèmes")),  # themes, or EU data themes (extras)
    Check("spatial", "findability", 20, gettext_lazy("Couverture géographique")),  # name, bbox or spatial URI
    Check("temporal", "findability", 20, gettext_lazy("Couverture temporelle")),  # start or end date
    # Accessibility (100)
    Check("access_url_status", "accessibility", 50, gettext_lazy("Ressources accessibles")),
    Check("download_url", "accessibility", 20, gettext_lazy("Adresse de téléchargement")),
    Check("download_url_status", "accessibility", 30, gettext_lazy("Téléchargements accessibles")),
    # Interoperability (110)
    Check("format", "interoperability", 20, gettext_lazy("Format déclaré")),
    Check("media_type", "interoperability", 10, gettext_lazy("Type de média déclaré")),
    Check("format_vocabulary", "interoperability", 10, gettext_lazy("Format du vocabulaire européen")),
    Check("non_proprietary", "interoperability", 20, gettext_lazy("Format non propriétaire")),
    Check("machine_readable", "interoperability", 20, gettext_lazy("Format lisible par machine")),
    Check("dcat_ap_compliance", "interoperability", 30, gettext_lazy("Conformité DCAT-AP")),
    # Reusability (75)
    Check("licence", "reusability", 20, gettext_lazy("Licence")),
    Check("licence_vocabulary", "reusability", 10, gettext_lazy("Licence reconnue")),
    Check("access_rights", "reusability", 10, gettext_lazy("Droits d’accès")),
    Check("access_rights_vocabulary", "reusability", 5, gettext_lazy("Droits d’accès du vocabulaire européen")),
    Check("contact_point", "reusability", 20, gettext_lazy("Point de contact")),
    Check("publisher", "reusability", 10, pgettext_lazy("publisher", "Éditeur")),
    # Contextuality (20)
    Check("rights", "contextuality", 5, gettext_lazy("Conditions d’utilisation")),
    Check("byte_size", "contextuality", 5, gettext_lazy("Taille des fichiers")),
    Check("issued", "contextuality", 5, gettext_lazy("Date de publication")),
    Check("modified", "contextuality", 5, gettext_lazy("Date de modification")),
]

#: The udata-style checks (one point each, not part of the 405).
UDATA_CHECKS = [
    Check("udata.description_length", UDATA, 1, gettext_lazy("Description assez longue")),
    Check("udata.resources_documented", UDATA, 1, gettext_lazy("Ressources décrites")),
    Check("udata.open_licence", UDATA, 1, gettext_lazy("Licence ouverte")),
    Check("udata.frequency_respected", UDATA, 1, gettext_lazy("Fréquence de mise à jour respectée")),
    Check("udata.temporal_coverage", UDATA, 1, gettext_lazy("Couverture temporelle")),
    Check("udata.spatial_coverage", UDATA, 1, gettext_lazy("Couverture géographique")),
    Check("udata.open_format", UDATA, 1, gettext_lazy("Formats ouverts")),
    Check("udata.all_resources_available", UDATA, 1, gettext_lazy("Toutes les ressources disponibles")),
]

CHECKS_BY_ID = {check.id: check for check in CHECKS + UDATA_CHECKS}
assert sum(c.max for c in CHECKS) == MAX_POINTS
for _dimension, _max in DIMENSIONS.items():
    assert sum(c.max for c in CHECKS if c.dimension == _dimension) == _max, _dimension

#: (rating, lowest points), best first: excellent 351–405, good 221–350, sufficient 121–220, bad 0–120.
RATING_THRESHOLDS = [("excellent", 351), ("good", 221), ("sufficient", 121), ("bad", 0)]
RATINGS = [name for name, _low in RATING_THRESHOLDS]


def rating_for(points: int) -> str:
    for name, low in RATING_THRESHOLDS:
        if points >= low:
            return name
    return "bad"


# --- Vocabularies ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FileType:
    """An entry of the EU Publications Office's file-type authority table, as the scores read it."""

    code: str  # the EU file-type code (http://publications.europa.eu/resource/authority/file-type/<code>)
    label: str  # how the fixes name it
    non_proprietary: bool
    machine_readable: bool
    #: a file one downloads (False: a web page or a service endpoint)
    is_file: bool = True


_T, _F = True, False
#: code -> FileType (a subset of the authority table: the formats open-data portals use).
FILE_TYPES = {ft.code: ft for ft in [
    FileType("CSV", "CSV", _T, _T), FileType("TSV", "TSV", _T, _T), FileType("JSON", "JSON", _T, _T),
    FileType("JSON_LD", "JSON-LD", _T, _T), FileType("GEOJSON", "GeoJSON", _T, _T),
    FileType("XML", "XML", _T, _T), FileType("XLSX", "XLSX", _F, _T), FileType("XLS", "XLS", _F, _T),
    FileType("ODS", "ODS", _T, _T), FileType("PDF", "PDF", _T, _F), FileType("ZIP", "ZIP", _T, _F),
    FileType("SHP", "Shapefile", _F, _T), FileType("HTML", "HTML", _T, _F, _F),
    FileType("XHTML", "XHTML", _T, _F, _F), FileType("TXT", "TXT", _T, _F),
    FileType("RDF_XML", "RDF/XML", _T, _T), FileType("RDF_TURTLE", "Turtle", _T, _T),
    FileType("RDF_N_TRIPLES", "N-Triples", _T, _T), FileType("N3", "N3", _T, _T),
    FileType("PARQUET", "Parquet", _T, _T), FileType("KML", "KML", _T, _T), FileType("KMZ", "KMZ", _T, _T),
    FileType("GPKG", "GeoPackage", _T, _T), FileType("GML", "GML", _T, _T),
    FileType("WMS_SRVC", "WMS", _T, _T, _F), FileType("WFS_SRVC", "WFS", _T, _T, _F),
    FileType("REST", "API", _T, _T, _F), FileType("DOCX", "DOCX", _F, _F), FileType("DOC", "DOC", _F, _F),
    FileType("ODT", "ODT", _T, _F), FileType("TIFF", "TIFF", _T, _F), FileType("GEOTIFF", "GeoTIFF", _T, _T),
    FileType("JPEG", "JPEG", _T, _F), FileType("PNG", "PNG", _T, _F), FileType("GIF", "GIF", _T, _F),
    FileType("SVG", "SVG", _T, _F), FileType("NETCDF", "NetCDF", _T, _T), FileType("GTFS", "GTFS", _T, _T),
    FileType("MDB", "MDB", _F, _T), FileType("DBF", "DBF", _T, _T), FileType("SQL", "SQL", _T, _T),
    FileType("ATOM", "Atom", _T, _T), FileType("RSS", "RSS", _T, _T), FileType("YAML", "YAML", _T, _T),
    FileType("7Z", "7z", _T, _F), FileType("TAR", "TAR", _T, _F), FileType("GZIP", "GZIP", _T, _F),
    FileType("PPTX", "PPTX", _F, _F), FileType("PPT", "PPT", _F, _F), FileType("ODP", "ODP", _T, _F),
]}

#: How publishers write formats -> EU code (formats equal to a code map to themselves).
FORMAT_ALIASES = {
    "JSON-LD": "JSON_LD", "JSONLD": "JSON_LD", "GEO+JSON": "GEOJSON", "RDF": "RDF_XML", "RDF/XML": "RDF_XML",
    "RDF+XML": "RDF_XML", "OWL": "RDF_XML", "TTL": "RDF_TURTLE", "TURTLE": "RDF_TURTLE", "NT": "RDF_N_TRIPLES",
    "N-TRIPLES": "RDF_N_TRIPLES", "SHAPEFILE": "SHP", "ESRI SHAPEFILE": "SHP", "HTM": "HTML", "TEXT": "TXT",
    "GEOPACKAGE": "GPKG", "WMS": "WMS_SRVC", "WFS": "WFS_SRVC", "API": "REST", "ESRI REST": "REST",
    "TIF": "TIFF", "JPG": "JPEG", "NC": "NETCDF", "YML": "YAML", "GZ": "GZIP", "EXCEL": "XLSX",
}

#: What to publish instead of a format that is not open (udata's "open format").
SUGGESTIONS = {"SHP": "GeoJSON", "MDB": "CSV"}
DEFAULT_SUGGESTION = "CSV"

#: The EU access-right authority table.
ACCESS_RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"
ACCESS_RIGHTS_CODES = ("PUBLIC", "RESTRICTED", "NON_PUBLIC")
EU_DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?", re.IGNORECASE)
#: Licences that say nothing (CKAN's "not specified").
UNSPECIFIED_LICENCES = {"", "notspecified"}

#: udata: a description shorter than this many characters is too short.
DESCRIPTION_MIN_LENGTH = 100

#: Update frequency -> (period, tolerance): the data is late after period + tolerance without change.
FREQUENCY_PERIODS = {
    "DAILY": (datetime.timedelta(days=1), datetime.timedelta(days=1)),
    "WEEKLY": (datetime.timedelta(days=7), datetime.timedelta(days=3)),
    "MONTHLY": (datetime.timedelta(days=31), datetime.timedelta(days=7)),
    "QUARTERLY": (datetime.timedelta(days=92), datetime.timedelta(days=15)),
    "ANNUAL": (datetime.timedelta(days=366), datetime.timedelta(days=30)),
}
#: Frequencies without a period: declared, they are respected (continuous, irregular, never updated).
FREQUENCIES_WITHOUT_PERIOD = {"CONT", "IRREG", "NEVER"}
FREQUENCY_LABELS = {
    "DAILY": gettext_lazy("quotidienne"), "WEEKLY": gettext_lazy("hebdomadaire"),
    "MONTHLY": gettext_lazy("mensuelle"), "QUARTERLY": gettext_lazy("trimestrielle"),
    "ANNUAL": gettext_lazy("annuelle"),
}


def file_type(fmt: str) -> FileType | None:
    """The EU file type a resource's declared format names, or None."""
    key = (fmt or "").strip().lstrip(".").upper()
    key = FORMAT_ALIASES.get(key, key)
    return FILE_TYPES.get(key)


def is_open_format(fmt: str) -> bool:
    found = file_type(fmt)
    return found is not None and found.non_proprietary and found.machine_readable


def _suggestion(found: FileType | None) -> str:
    return SUGGESTIONS.get(found.code, DEFAULT_SUGGESTION) if found is not None else DEFAULT_SUGGESTION


def _format_label(fmt: str) -> str:
    found = file_type(fmt)
    return found.label if found is not None else (fmt or "").strip()[:50]


# --- Evaluation ------------------------------------------------------------------------------

def _fix(code: str, **params) -> dict:
    return {"code": code, "params": params}


def _share(max_points: int, passing: int, total: int) -> int:
    return (max_points * passing) // total if total else 0


def _availability(resource: dict, links: dict) -> bool | None:
    """True, False, or None when unknown (a link not checked yet)."""
    if resource["kind"] == "upload":
        return True
    state = links.get(resource["id"])
    if state is None:
        state = links.get(str(resource["id"]))
    return state


def _has_download_url(resource: dict) -> bool:
    if resource["kind"] == "upload":
        return True
    if not (resource.get("url") or "").strip():
        return False
    found = file_type(resource.get("format") or "")
    if found is not None:
        return found.is_file
    return bool((resource.get("format") or "").strip())


def _keywords(facts: dict) -> bool:
    if facts.get("tag_count"):
        return True
    keywords = facts.get("keywords") or {}
    return any(isinstance(words, list) and any(isinstance(w, str) and w.strip() for w in words)
               for words in keywords.values())


def _description_length(facts: dict) -> int:
    return max(facts.get("notes_fr_length") or 0, facts.get("notes_en_length") or 0)


def _as_aware(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


def last_update(facts: dict) -> datetime.datetime | None:
    """When the dataset or one of its resources last changed."""
    moments = [_as_aware(facts.get("modified_at"))] + [_as_aware(r.get("modified_at")) for r in facts["resources"]]
    moments = [m for m in moments if isinstance(m, datetime.datetime)]
    return max(moments) if moments else None


def evaluate(facts: dict, links: dict | None = None, *, now: datetime.datetime | None = None) -> dict:
    """Score one dataset: ``facts`` as ``catalog.services.dataset_facts`` gives them, ``links`` its
    link resources' availability (``{resource id: True | False | None}``), ``now`` the moment the
    update frequency is judged against (now by default).

    Returns ``{"points", "max_points", "rating", "dimensions": {dimension: points},
    "udata_passed", "udata_total", "checks": [...]}``. Fixes are built only for the checks that fail
    (``make_fix`` below are functions): scoring 100,000 datasets is mostly passing checks.
    """
    links = links or {}
    now = _as_aware(now) or datetime.datetime.now(datetime.UTC)
    resources = facts.get("resources") or []
    total = len(resources)
    results: dict[str, tuple[int, dict | None]] = {}

    def binary(check_id: str, ok: bool, make_fix):
        results[check_id] = (CHECKS_BY_ID[check_id].max, None) if ok else (0, make_fix())

    def shared(check_id: str, passing: list[int], make_fix):
        """Points in proportion to the resources passing; the fix when one does not."""
        if not total:
            results[check_id] = (0, _fix("add_resource"))
        elif len(passing) == total:
            results[check_id] = (CHECKS_BY_ID[check_id].max, None)
        else:
            results[check_id] = (_share(CHECKS_BY_ID[check_id].max, len(passing), total), make_fix())

    # Findability
    binary("keywords", _keywords(facts), lambda: _fix("add_keywords"))
    eu_themes = EU_DATA_THEME in (facts.get("extra_theme") or "")
    binary("categories", bool(facts.get("theme_count")) or eu_themes, lambda: _fix("add_themes"))
    spatial = bool((facts.get("spatial_name") or "").strip()) or bool(facts.get("has_bbox")) \
        or bool(facts.get("extra_spatial_uri"))
    binary("spatial", spatial, lambda: _fix("add_spatial"))
    temporal = bool(facts.get("temporal_start") or facts.get("temporal_end"))
    binary("temporal", temporal, lambda: _fix("add_temporal"))

    # Accessibility
    numbers = [r["number"] for r in resources]
    state = {r["number"]: _availability(r, links) for r in resources}
    types = {r["number"]: file_type(r.get("format") or "") for r in resources}
    formats = {r["number"]: (r.get("format") or "").strip() for r in resources}

    def failing(passing: list[int]) -> list[int]:
        kept = set(passing)
        return [n for n in numbers if n not in kept]

    def links_fix(among: list[int]) -> dict:
        return _fix("links", broken=[n for n in among if state[n] is False],
                    unchecked=[n for n in among if state[n] is None])

    def download_fix() -> dict:
        fix = links_fix(downloadable)
        fix["params"]["missing"] = failing(downloadable)
        return fix

    def format_items(passing: list[int]) -> list[dict]:
        return [{"number": n, "format": types[n].label if types[n] is not None else formats[n][:50],
                 "suggestion": _suggestion(types[n])} for n in failing(passing)]

    available = [n for n in numbers if state[n] is True]
    shared("access_url_status", available, lambda: links_fix(numbers))
    downloadable = [r["number"] for r in resources if _has_download_url(r)]
    shared("download_url", downloadable, lambda: _fix("no_download_url", numbers=failing(downloadable)))
    shared("download_url_status", [n for n in downloadable if state[n] is True], download_fix)

    # Interoperability
    with_format = [n for n in numbers if formats[n]]
    shared("format", with_format, lambda: _fix("add_format", numbers=failing(with_format)))
    with_media_type = [r["number"] for r in resources if MEDIA_TYPE.fullmatch((r.get("media_type") or "").strip())]
    shared("media_type", with_media_type, lambda: _fix("add_media_type", numbers=failing(with_media_type)))
    in_vocabulary = [n for n in numbers if types[n] is not None]
    shared("format_vocabulary", in_vocabulary, lambda: _fix("format_not_in_vocabulary", resources=[
        {"number": n, "format": formats[n][:50]} for n in failing(in_vocabulary)]))
    non_proprietary = [n for n in numbers if types[n] is not None and types[n].non_proprietary]
    shared("non_proprietary", non_proprietary,
           lambda: _fix("proprietary_format", resources=format_items(non_proprietary)))
    machine_readable = [n for n in numbers if types[n] is not None and types[n].machine_readable]
    shared("machine_readable", machine_readable,
           lambda: _fix("not_machine_readable", resources=format_items(machine_readable)))
    missing = []
    if not facts.get("title_fr_length"):
        missing.append("title")
    if not _description_length(facts):
        missing.append("description")
    no_access = [r["number"] for r in resources if r["kind"] != "upload" and not (r.get("url") or "").strip()]
    if no_access:
        missing.append("access_url")
    binary("dcat_ap_compliance", not missing, lambda: _fix("dcat_ap_missing", missing=missing, numbers=no_access))

    # Reusability
    licence = facts.get("licence_id") or ""
    binary("licence", licence not in UNSPECIFIED_LICENCES, lambda: _fix("choose_licence"))
    binary("licence_vocabulary", bool(facts.get("licence_url")),
           lambda: _fix("licence_not_in_vocabulary", licence=licence))
    access_rights = facts.get("extra_access_rights") or ""
    binary("access_rights", bool(access_rights), lambda: _fix("add_access_rights"))
    binary("access_rights_vocabulary", access_rights.rstrip("/") in _ACCESS_RIGHTS_URIS,
           lambda: _fix("access_rights_not_in_vocabulary", value=access_rights[:200]) if access_rights
           else _fix("add_access_rights"))
    contact = bool(facts.get("maintainer") or facts.get("maintainer_email") or facts.get("author")
                   or facts.get("author_email"))
    binary("contact_point", contact, lambda: _fix("add_contact_point"))
    binary("publisher", bool(facts.get("organisation_id")), lambda: _fix("add_publisher"))

    # Contextuality
    binary("rights", bool(facts.get("extra_rights")), lambda: _fix("add_rights"))
    sized = [r["number"] for r in resources if r.get("size") is not None]
    shared("byte_size", sized, lambda: _fix("add_byte_size", numbers=failing(sized)))
    binary("issued", facts.get("created_at") is not None, lambda: _fix("add_issued"))
    binary("modified", facts.get("modified_at") is not None, lambda: _fix("add_modified"))

    # udata-style checks: (passed, make_fix)
    length = _description_length(facts)
    undocumented = [r["number"] for r in resources if not r.get("described")]
    open_formats = [n for n in numbers if types[n] is not None and types[n].non_proprietary
                    and types[n].machine_readable]
    no_resource = lambda: _fix("add_resource")  # noqa: E731
    udata = {
        "udata.description_length": (
            length >= DESCRIPTION_MIN_LENGTH,
            lambda: _fix("description_too_short", length=length, min=DESCRIPTION_MIN_LENGTH)),
        "udata.resources_documented": (
            bool(resources) and not undocumented,
            (lambda: _fix("describe_resources", numbers=undocumented)) if resources else no_resource),
        "udata.open_licence": (
            bool(facts.get("licence_is_open")) and licence not in UNSPECIFIED_LICENCES,
            lambda: _fix("choose_open_licence", licence=licence)),
        "udata.frequency_respected": _frequency(facts, now),
        "udata.temporal_coverage": (temporal, lambda: _fix("add_temporal")),
        "udata.spatial_coverage": (spatial, lambda: _fix("add_spatial")),
        "udata.open_format": (
            bool(resources) and len(open_formats) == total,
            (lambda: _fix("resource_not_open_format", resources=format_items(open_formats))) if resources
            else no_resource),
        "udata.all_resources_available": (
            bool(resources) and len(available) == total,
            (lambda: links_fix(numbers)) if resources else no_resource),
    }

    checks, dimensions = [], dict.fromkeys(DIMENSIONS, 0)
    for check in CHECKS:
        points, fix = results[check.id]
        dimensions[check.dimension] += points
        passed = points == check.max
        checks.append({"id": check.id, "dimension": check.dimension, "points": points, "max": check.max,
                       "passed": passed, "fix": None if passed else fix})
    udata_passed = 0
    for check in UDATA_CHECKS:
        ok, make_fix = udata[check.id]
        ok = bool(ok)
        udata_passed += ok
        checks.append({"id": check.id, "dimension": UDATA, "points": int(ok), "max": 1, "passed": ok,
                       "fix": None if ok else make_fix()})
    points = sum(dimensions.values())
    return {"points": points, "max_points": MAX_POINTS, "rating": rating_for(points), "dimensions": dimensions,
            "udata_passed": udata_passed, "udata_total": len(UDATA_CHECKS), "checks": checks}


_ACCESS_RIGHTS_URIS = frozenset(ACCESS_RIGHTS + code for code in ACCESS_RIGHTS_CODES)


def _frequency(facts: dict, now: datetime.datetime):
    """``(passed, make_fix)`` of ``udata.frequency_respected``."""
    frequency = facts.get("frequency") or ""
    if frequency in FREQUENCIES_WITHOUT_PERIOD:
        return True, None
    if frequency not in FREQUENCY_PERIODS:  # none, or "UNKNOWN"
        return False, lambda: _fix("add_frequency")
    period, tolerance = FREQUENCY_PERIODS[frequency]
    last = last_update(facts)
    if last is None:
        return False, lambda: _fix("add_frequency")
    late = now - last
    if late <= period + tolerance:
        return True, None
    return False, lambda: _fix("frequency_late", frequency=frequency, days=late.days,
                               max_days=(period + tolerance).days)


# --- Fix texts -------------------------------------------------------------------------------

def _join(numbers) -> str:
    """``[1, 2, 3]`` -> "1, 2 et 3" (in the active language)."""
    items = [str(n) for n in numbers]
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s et %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _links_text(params: dict) -> str:
    parts = []
    if params.get("missing"):
        parts.append(ngettext(
            "La ressource %(numbers)s n’a pas d’adresse de téléchargement direct : téléversez le fichier ou "
            "donnez l’adresse du fichier lui-même.",
            "Les ressources %(numbers)s n’ont pas d’adresse de téléchargement direct : téléversez les fichiers ou "
            "donnez l’adresse des fichiers eux-mêmes.", len(params["missing"])) % {"numbers": _join(params["missing"])})
    if params.get("broken"):
        parts.append(ngettext(
            "Le lien de la ressource %(numbers)s est brisé : corrigez son adresse ou téléversez le fichier.",
            "Les liens des ressources %(numbers)s sont brisés : corrigez leur adresse ou téléversez les fichiers.",
            len(params["broken"])) % {"numbers": _join(params["broken"])})
    if params.get("unchecked"):
        parts.append(ngettext(
            "Le lien de la ressource %(numbers)s n’a pas encore été vérifié : ses points viendront après la "
            "prochaine vérification des liens.",
            "Les liens des ressources %(numbers)s n’ont pas encore été vérifiés : leurs points viendront après la "
            "prochaine vérification des liens.", len(params["unchecked"])) % {"numbers": _join(params["unchecked"])})
    return " ".join(parts)


def _formats_text(items: list[dict], code: str) -> str:
    sentences = []
    for item in items or []:
        values = {"number": item.get("number"), "format": item.get("format") or "",
                  "suggestion": item.get("suggestion") or DEFAULT_SUGGESTION}
        if not values["format"]:
            sentences.append(_("La ressource %(number)s n’a pas de format déclaré : indiquez-le "
                               "(par exemple %(suggestion)s).") % values)
        elif code == "proprietary_format":
            sentences.append(_("La ressource %(number)s est en %(format)s, un format propriétaire : publiez aussi "
                               "un %(suggestion)s.") % values)
        elif code == "not_machine_readable":
            sentences.append(_("La ressource %(number)s est un %(format)s, illisible par machine : publiez un "
                               "%(suggestion)s.") % values)
        else:
            sentences.append(_("La ressource %(number)s est un %(format)s : publiez un %(suggestion)s.") % values)
    return " ".join(sentences)


_MISSING_LABELS = {
    "title": gettext_lazy("le titre en français"),
    "description": gettext_lazy("une description"),
    "access_url": gettext_lazy("l’adresse d’accès de chaque ressource"),
}


def fix_text(fix: dict | None) -> str:
    """The fix to make, in the active language ("" when there is none)."""
    if not fix:
        return ""
    code, params = fix.get("code"), fix.get("params") or {}
    simple = {
        "add_keywords": _("Ajoutez des mots-clés."),
        "add_themes": _("Classez le jeu de données dans au moins un thème."),
        "add_spatial": _("Indiquez la couverture géographique : un lieu nommé ou un rectangle englobant."),
        "add_temporal": _("Indiquez la couverture temporelle : une date de début ou de fin."),
        "add_resource": _("Ajoutez au moins une ressource : un fichier ou un lien vers les données."),
        "choose_licence": _("Choisissez une licence : la licence n’est pas précisée."),
        "add_access_rights": _("Déclarez les droits d’accès : ajoutez le champ libre « access_rights » avec "
                               "l’adresse du vocabulaire européen, par exemple "
                               "http://publications.europa.eu/resource/authority/access-right/PUBLIC."),
        "add_contact_point": _("Ajoutez un point de contact."),
        "add_publisher": _("Indiquez l’éditeur du jeu de données."),
        "add_rights": _("Précisez les conditions d’utilisation : ajoutez le champ libre « rights » (par exemple "
                        "« Attribution requise »)."),
        "add_issued": _("Indiquez la date de publication."),
        "add_modified": _("Indiquez la date de dernière modification."),
        "add_frequency": _("Indiquez la fréquence de mise à jour."),
    }
    if code in simple:
        return simple[code]
    if code == "links":
        return _links_text(params)
    if code == "no_download_url":
        return _links_text({"missing": params.get("numbers") or []})
    if code == "add_format":
        numbers = params.get("numbers") or []
        return ngettext("Indiquez le format de la ressource %(numbers)s.",
                        "Indiquez le format des ressources %(numbers)s.", len(numbers)) % {"numbers": _join(numbers)}
    if code == "add_media_type":
        numbers = params.get("numbers") or []
        return ngettext("Indiquez le type de média de la ressource %(numbers)s (par exemple text/csv).",
                        "Indiquez le type de média des ressources %(numbers)s (par exemple text/csv).", len(numbers)) % {"numbers": _join(numbers)}
    if code == "add_byte_size":
        numbers = params.get("numbers") or []
        return ngettext("Indiquez la taille en octets de la ressource %(numbers)s.",
                        "Indiquez la taille en octets des ressources %(numbers)s.", len(numbers)) % {"numbers": _join(numbers)}
    if code == "describe_resources":
        numbers = params.get("numbers") or []
        return ngettext("Décrivez la ressource %(numbers)s.",
                        "Décrivez les ressources %(numbers)s.", len(numbers)) % {"numbers": _join(numbers)}
    if code == "format_not_in_vocabulary":
        return " ".join(
            (_("Le format de la ressource %(number)s (« %(format)s ») n’est pas dans le vocabulaire européen des "
               "types de fichiers : utilisez un nom reconnu (CSV, JSON, GeoJSON, XLSX…).")
             if item.get("format") else
             _("La ressource %(number)s n’a pas de format : indiquez-en un du vocabulaire européen (CSV, JSON, "
               "GeoJSON…).")) % {"number": item.get("number"), "format": item.get("format")}
            for item in params.get("resources") or [])
    if code in ("proprietary_format", "not_machine_readable", "resource_not_open_format"):
        return _formats_text(params.get("resources"), code)
    if code == "dcat_ap_missing":
        labels = [str(_MISSING_LABELS.get(key, key)) for key in params.get("missing") or []]
        return _("Il manque des propriétés obligatoires de DCAT-AP : %(missing)s.") % {"missing": ", ".join(labels)}
    if code == "licence_not_in_vocabulary":
        return _("La licence « %(licence)s » n’a pas d’adresse officielle : choisissez une licence reconnue "
                 "(par exemple CC BY 4.0).") % {"licence": params.get("licence") or ""}
    if code == "access_rights_not_in_vocabulary":
        return _("Les droits d’accès « %(value)s » ne viennent pas du vocabulaire européen : utilisez "
                 "http://publications.europa.eu/resource/authority/access-right/ suivi de PUBLIC, RESTRICTED ou "
                 "NON_PUBLIC.") % {"value": params.get("value") or ""}
    if code == "description_too_short":
        return _("La description compte %(length)s caractères : écrivez-en au moins %(min)s (ce que contiennent "
                 "les données, d’où elles viennent, comment les lire).") % {
                     "length": params.get("length", 0), "min": params.get("min", DESCRIPTION_MIN_LENGTH)}
    if code == "choose_open_licence":
        return _("La licence « %(licence)s » n’est pas ouverte : choisissez une licence ouverte (par exemple "
                 "CC BY 4.0).") % {"licence": params.get("licence") or ""}
    if code == "frequency_late":
        label = FREQUENCY_LABELS.get(params.get("frequency"), params.get("frequency") or "")
        return _("Dernière mise à jour il y a %(days)s jours pour une fréquence %(frequency)s (au plus %(max)s "
                 "jours) : publiez les données récentes ou corrigez la fréquence.") % {
                     "days": params.get("days", 0), "frequency": label, "max": params.get("max_days", 0)}
    return ""


def check_label(check_id: str) -> str:
    check = CHECKS_BY_ID.get(check_id)
    return str(check.label) if check is not None else check_id


def dimension_label(dimension: str) -> str:
    return str(DIMENSION_LABELS.get(dimension, dimension))
