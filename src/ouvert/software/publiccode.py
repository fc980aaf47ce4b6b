"""``publiccode.yml`` (https://github.com/publiccodeyml/publiccode.yml): reading a file safely, validating it
against the standard (every problem at its key path, errors and warnings), importing it into the catalogue,
and writing one for any entry of the catalogue.

- ``publiccode_read(data)``: the document in a file (bytes or text) of at most
  ``OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES`` (``PubliccodeTooLarge`` above: HTTP 413), UTF-8 (a BOM is fine), a
  YAML mapping; aliases, nodes and nesting are counted before anything is built, so an alias bomb or a
  thousand-level nesting is refused instead of exhausting the machine. ``ValidationError({"file": …})``
  otherwise (YAML syntax errors say the line and the column).
- ``publiccode_validate(data) -> Report``: ``ok``, ``errors`` and ``warnings`` (``Problem(path, message)``, the
  path written ``description.fr.longDescription`` or ``maintenance.contacts[0].email``) and the document.
  Versions ``0`` to ``0.4`` of the standard are read; unknown and deprecated keys are warnings; country
  sections (``it:``, ``fr:``) are kept and accepted.
- ``publiccode_import(actor=…, data=…, software=None)``: the free-software team creates or updates an entry
  (found by its repository address) from a file without errors; the document is kept in ``Software.publiccode``.
- ``publiccode_generate(software) -> str``: a ``publiccode.yml`` (version 0.4) in French and English; what had
  to be filled in is said in the file's leading comment.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from ouvert.core import services as core_services

from . import access, spdx
from .models import DevelopmentStatus, Software, SoftwareType
from .vocabulary import CATEGORIES

__all__ = ["PUBLICCODE_VERSION", "Problem", "PubliccodeTooLarge", "Report", "publiccode_check_size", "publiccode_export",
           "publiccode_filename", "publiccode_generate", "publiccode_import", "publiccode_max_bytes", "publiccode_read",
           "publiccode_validate"]

#: The version of the standard the files this module writes follow.
PUBLICCODE_VERSION = "0.4"
DEFAULT_MAX_BYTES = 512 * 1024
#: Limits on what a YAML file may hold before it is built (a publiccode.yml is a few hundred nodes deep of 4).
MAX_DEPTH = 20
MAX_ALIASES = 100
MAX_NODES = 20_000

PLATFORMS = ("web", "windows", "mac", "linux", "ios", "android")
MAINTENANCE_TYPES = ("internal", "contract", "community", "none")
SCOPES = ("agriculture", "culture", "defence", "education", "emergency-services", "employment", "energy",
          "environment", "finance-and-economic-development", "foreign-affairs", "healthcare", "infrastructures",
          "justice", "local-authorities", "manufacturing", "research", "science-and-technology", "security",
          "society", "sport", "tourism", "transportation", "welfare")
SOFTWARE_TYPES = tuple(SoftwareType.values)
DEVELOPMENT_STATUSES = tuple(DevelopmentStatus.values)

TOP_KEYS = ("publiccodeYmlVersion", "name", "applicationSuite", "url", "landingURL", "isBasedOn",
            "softwareVersion", "releaseDate", "logo", "platforms", "categories", "usedBy", "fundedBy", "roadmap",
            "developmentStatus", "softwareType", "intendedAudience", "description", "legal", "maintenance",
            "localisation", "dependsOn", "organisation", "organizationUri")
DEPRECATED_TOP_KEYS = ("monochromeLogo", "inputTypes", "outputTypes")
DESCRIPTION_KEYS = ("localisedName", "shortDescription", "longDescription", "documentation", "apiDocumentation",
                    "features", "screenshots", "videos", "awards")
LEGAL_KEYS = ("license", "mainCopyrightOwner", "repoOwner")
SHORT_MAX, LONG_MIN, LONG_MAX, GENERIC_MAX = 150, 150, 10_000, 35
#: The catalogue keeps features of at most this many characters.
FEATURE_MAX = 300

VERSION_RE = re.compile(r"^0(?:\.(\d+)(?:\.\d+)?)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COUNTRY_RE = re.compile(r"^[a-z]{2}$")
# BCP 47 (RFC 5646) language tags: language[-script][-region](-variant)*(-extension)*[-x-private]; the
# language is 2 or 3 letters (the 4 to 8 letter forms the grammar reserves are registered for no language).
BCP47_RE = re.compile(
    r"^[a-z]{2,3}(?:-[a-z]{3}){0,3}"
    r"(?:-[a-z]{4})?"
    r"(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?$", re.IGNORECASE)


class PubliccodeTooLarge(Exception):
    """A file above ``OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES`` (HTTP 413)."""

    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(_("Le fichier pèse %(size)s octets ; un publiccode.yml en pèse au plus %(limit)s.")
                         % {"size": size, "limit": limit})


@dataclass
class Problem:
    path: str
    message: str

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    document: dict | None = None
    version: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and self.document is not None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "version": self.version or None,
                "errors": [p.as_dict() for p in self.errors], "warnings": [p.as_dict() for p in self.warnings]}

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(path, message))


def publiccode_max_bytes() -> int:
    return int(getattr(settings, "OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES", DEFAULT_MAX_BYTES))


def publiccode_check_size(size: int) -> None:
    limit = publiccode_max_bytes()
    if size > limit:
        raise PubliccodeTooLarge(size, limit)


# --- Reading -----------------------------------------------------------------------------------------

def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(_("Le fichier est en UTF-16 ; un publiccode.yml s'écrit en UTF-8. Enregistrez-le en "
                            "UTF-8 et recommencez."))
    if b"\x00" in data[:8192]:
        raise _file_error(_("Ce fichier n'est pas un fichier texte (il contient des octets nuls) : un "
                            "publiccode.yml est un fichier texte YAML en UTF-8."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _file_error(_("Le fichier n'est pas en UTF-8 (octet illisible à la ligne %(line)s, position "
                            "%(position)s) : il est sans doute en Latin-1 ou en Windows-1252. Enregistrez-le en "
                            "UTF-8 et recommencez.") % {"line": line, "position": exc.start}) from None


def _syntax_error(exc: yaml.YAMLError) -> ValidationError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return _file_error(_("Erreur de syntaxe YAML à la ligne %(line)s, colonne %(column)s : %(problem)s.")
                           % {"line": mark.line + 1, "column": mark.column + 1, "problem": problem})
    return _file_error(_("Erreur de syntaxe YAML : %(problem)s.") % {"problem": problem})


def _check_events(text: str) -> None:
    """Walk the parser's events (a flat stream: nothing is built) and refuse deep nesting, many aliases and
    huge documents before the composer, which is recursive, and the constructor see them."""
    depth = aliases = count = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
        count += 1
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _file_error(_("Le fichier imbrique plus de %(max)s niveaux (ligne %(line)s) : un "
                                    "publiccode.yml n'en a pas besoin.")
                                  % {"max": MAX_DEPTH, "line": event.start_mark.line + 1 if event.start_mark else "?"})
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _file_error(_("Le fichier contient plus de %(max)s alias YAML (*nom) : refusé, c'est la "
                                    "forme d'une « bombe » d'alias.") % {"max": MAX_ALIASES})
        if count > MAX_NODES * 3:
            raise _file_error(_("Le fichier contient trop d'éléments (plus de %(max)s).") % {"max": MAX_NODES})


def _expanded_size(node, sizes: dict, active: set) -> int:
    """The number of nodes ``node`` stands for once its aliases are expanded (shared nodes counted each time
    they are used, as a reader of the document would), without expanding them."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in active:
        raise _file_error(_("Le fichier contient un alias YAML qui se contient lui-même (structure récursive)."))
    active.add(key)
    total = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            total += _expanded_size(child, sizes, active)
            if total > MAX_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        for child_key, child_value in node.value:
            total += _expanded_size(child_key, sizes, active) + _expanded_size(child_value, sizes, active)
            if total > MAX_NODES:
                break
    active.discard(key)
    sizes[key] = total
    if total > MAX_NODES:
        raise _file_error(_("Une fois ses alias YAML développés, le fichier compterait plus de %(max)s éléments : "
                            "refusé (« bombe » d'alias).") % {"max": MAX_NODES})
    return total


def _plain(value):
    """The document as values JSON and both databases store (dates become ``YYYY-MM-DD`` text, keys text,
    infinite numbers text); a NUL character (``"\\0"`` in YAML), which PostgreSQL cannot store, is refused."""
    if isinstance(value, dict):
        return {_plain(key) if isinstance(key, str) else str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        if "\x00" in value:
            raise _file_error(_("Le fichier contient un caractère nul (\\0) : il n'est pas accepté."))
        return value
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, bytes):
        return _plain(value.decode("utf-8", "replace"))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def publiccode_read(data: bytes | str) -> dict:
    """The document in ``data`` as plain values (see the module's docstring)."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    publiccode_check_size(len(raw))
    text = _decode(data)
    if not text.strip():
        raise _file_error(_("Le fichier est vide."))
    try:
        _check_events(text)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _expanded_size(node, {}, set())
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        if "nesting depth" in str(getattr(exc, "problem", "")):
            raise _file_error(_("Le fichier imbrique plus de %(max)s niveaux : un publiccode.yml n'en a pas besoin.")
                              % {"max": MAX_DEPTH}) from None
        raise _syntax_error(exc) from None
    except RecursionError:
        raise _file_error(_("Le fichier imbrique trop de niveaux.")) from None
    if not isinstance(document, dict):
        kind = {list: _("une liste"), str: _("un texte"), type(None): _("rien")}.get(type(document), _("une valeur"))
        raise _file_error(_("Un publiccode.yml est un dictionnaire de clés (publiccodeYmlVersion, name, url…) ; "
                            "ce fichier contient %(kind)s au premier niveau.") % {"kind": kind})
    return _plain(document)


# --- Validation --------------------------------------------------------------------------------------

def _is_url(value, schemes=("http", "https")) -> bool:
    if not isinstance(value, str) or not value or any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.netloc)


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_date(value) -> bool:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_language_tag(value) -> bool:
    return isinstance(value, str) and bool(BCP47_RE.match(value))


def _language_hint(value) -> str:
    if isinstance(value, str) and "_" in value and is_language_tag(value.replace("_", "-")):
        return _(" (écrivez « %(tag)s »)") % {"tag": value.replace("_", "-")}
    return ""


class _Checker:
    def __init__(self, report: Report):
        self.report = report

    def error(self, path, message):
        self.report.error(path, message)

    def warn(self, path, message):
        self.report.warn(path, message)

    def required(self, section: dict, key: str, path: str) -> bool:
        if key not in section or section[key] is None or section[key] == "" or section[key] == []:
            self.error(path, _("Clé obligatoire absente."))
            return False
        return True

    def text(self, section: dict, key: str, path: str, *, required=False, max_length=None) -> None:
        if key not in section:
            if required:
                self.error(path, _("Clé obligatoire absente."))
            return
        value = section[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.warn(path, _("Valeur numérique : écrivez-la entre guillemets (« \"%(value)s\" ») pour qu'elle soit "
                              "lue comme un texte.") % {"value": value})
            return
        if not _is_text(value):
            self.error(path, _("Un texte non vide est attendu."))
            return
        if max_length and len(value.strip()) > max_length:
            self.error(path, _("%(length)s caractères : %(max)s au plus.") % {"length": len(value.strip()),
                                                                              "max": max_length})

    def url(self, section: dict, key: str, path: str, *, required=False, schemes=("http", "https")) -> None:
        if key not in section:
            if required:
                self.error(path, _("Clé obligatoire absente."))
            return
        if not _is_url(section[key], schemes):
            self.error(path, _("« %(value)s » n'est pas une adresse web valide (https://…).")
                       % {"value": str(section[key])[:120]})

    def date(self, section: dict, key: str, path: str, *, required=False) -> None:
        if key not in section:
            if required:
                self.error(path, _("Clé obligatoire absente."))
            return
        if not _is_date(section[key]):
            self.error(path, _("« %(value)s » n'est pas une date AAAA-MM-JJ (par exemple 2024-05-31).")
                       % {"value": str(section[key])[:60]})

    def mapping(self, section: dict, key: str, path: str, *, required=False) -> dict | None:
        if key not in section:
            if required:
                self.error(path, _("Section obligatoire absente."))
            return None
        value = section[key]
        if not isinstance(value, dict):
            self.error(path, _("Une section (des clés et leurs valeurs) est attendue."))
            return None
        return value

    def text_list(self, section: dict, key: str, path: str, *, allow_single=False, check=None) -> list:
        if key not in section:
            return []
        value = section[key]
        if allow_single and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(path, _("Une liste est attendue."))
            return []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not _is_text(item):
                self.error(item_path, _("Un texte non vide est attendu."))
            elif check is not None:
                check(item, item_path)
        return value

    def unknown_keys(self, section: dict, known, path: str, deprecated=()) -> None:
        for key in section:
            if key in known:
                continue
            key_path = f"{path}.{key}" if path else str(key)
            if key in deprecated:
                self.warn(key_path, _("Clé dépréciée par le standard : elle est lue mais ne sera plus reconnue."))
            else:
                self.warn(key_path, _("Clé inconnue du standard : elle est conservée mais ignorée."))


def _check_version(check: _Checker, document: dict) -> str:
    if "publiccodeYmlVersion" not in document:
        check.error("publiccodeYmlVersion", _("Clé obligatoire absente."))
        return ""
    value = document["publiccodeYmlVersion"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        check.warn("publiccodeYmlVersion", _("La version s'écrit entre guillemets (« \"%(value)s\" »).")
                   % {"value": value})
        value = str(value)
    match = VERSION_RE.match(value) if isinstance(value, str) else None
    if not match:
        check.error("publiccodeYmlVersion", _("Version du standard inconnue « %(value)s » : 0, 0.2, 0.3 ou 0.4 "
                                              "sont attendues.") % {"value": str(value)[:40]})
        return ""
    minor = int(match.group(1) or 0)
    if minor > 4:
        check.warn("publiccodeYmlVersion", _("Version %(value)s plus récente que celles que la plateforme connaît "
                                             "(jusqu'à 0.4) : le fichier est vérifié selon la 0.4.") % {"value": value})
    return value


def _check_licence(check: _Checker, value, path: str) -> None:
    if not _is_text(value):
        check.error(path, _("Un texte non vide est attendu (une expression de licence SPDX)."))
        return
    written = " ".join(value.split())
    try:
        normalized = spdx.licence_expression_normalize(written, field=path)
    except ValidationError as exc:
        for message in exc.message_dict.get(path, exc.messages):
            check.error(path, message)
        return
    if normalized == written:
        return
    if normalized.casefold() == written.casefold():
        check.error(path, _("« %(value)s » : le standard exige les identifiants SPDX avec leur casse exacte ; "
                            "écrivez « %(hint)s ».") % {"value": written[:80], "hint": normalized})
    else:
        check.warn(path, _("« %(value)s » s'écrit aujourd'hui « %(hint)s » dans la liste SPDX.")
                   % {"value": written[:80], "hint": normalized})


def _check_description(check: _Checker, document: dict) -> None:
    description = check.mapping(document, "description", "description", required=True)
    if description is None:
        return
    if not description:
        check.error("description", _("Au moins une langue est obligatoire (par exemple « fr: »)."))
        return
    for lang, section in description.items():
        path = f"description.{lang}"
        if not is_language_tag(lang):
            check.error(path, _("« %(value)s » n'est pas une étiquette de langue BCP 47 (fr, en, fr-CA…)%(hint)s.")
                        % {"value": str(lang)[:40], "hint": _language_hint(lang)})
        if not isinstance(section, dict):
            check.error(path, _("Une section (des clés et leurs valeurs) est attendue."))
            continue
        check.text(section, "localisedName", f"{path}.localisedName")
        check.text(section, "shortDescription", f"{path}.shortDescription", required=True, max_length=SHORT_MAX)
        if check.required(section, "longDescription", f"{path}.longDescription"):
            value = section["longDescription"]
            if not _is_text(value):
                check.error(f"{path}.longDescription", _("Un texte non vide est attendu."))
            else:
                length = len(value.strip())
                if length < LONG_MIN or length > LONG_MAX:
                    check.error(f"{path}.longDescription",
                                _("%(length)s caractères : la description longue en compte de %(min)s à %(max)s.")
                                % {"length": length, "min": LONG_MIN, "max": LONG_MAX})
        if check.required(section, "features", f"{path}.features"):
            check.text_list(section, "features", f"{path}.features")
        check.url(section, "documentation", f"{path}.documentation")
        check.url(section, "apiDocumentation", f"{path}.apiDocumentation")
        check.text_list(section, "screenshots", f"{path}.screenshots")
        check.text_list(section, "videos", f"{path}.videos", check=lambda value, p: None if _is_url(value) else
                        check.error(p, _("« %(value)s » n'est pas une adresse web valide.") % {"value": value[:120]}))
        check.text_list(section, "awards", f"{path}.awards")
        if "genericName" in section:
            check.text(section, "genericName", f"{path}.genericName")
            value = section["genericName"]
            if isinstance(value, str) and len(value.strip()) > GENERIC_MAX:
                check.warn(f"{path}.genericName", _("Plus de %(max)s caractères.") % {"max": GENERIC_MAX})
        check.unknown_keys(section, DESCRIPTION_KEYS, path, deprecated=("genericName",))


def _check_maintenance(check: _Checker, document: dict) -> None:
    maintenance = check.mapping(document, "maintenance", "maintenance", required=True)
    if maintenance is None:
        return
    kind = maintenance.get("type")
    if "type" not in maintenance:
        check.error("maintenance.type", _("Clé obligatoire absente."))
    elif kind not in MAINTENANCE_TYPES:
        check.error("maintenance.type", _("« %(value)s » n'est pas une valeur permise (%(allowed)s).")
                    % {"value": str(kind)[:60], "allowed": ", ".join(MAINTENANCE_TYPES)})
    for key, needed_for in (("contacts", ("internal", "community")), ("contractors", ("contract",))):
        value = maintenance.get(key)
        if kind in needed_for and not value:
            check.error(f"maintenance.{key}", _("Obligatoire quand maintenance.type vaut « %(type)s ».")
                        % {"type": kind})
        if value is None:
            continue
        if not isinstance(value, list):
            check.error(f"maintenance.{key}", _("Une liste est attendue."))
            continue
        for index, item in enumerate(value):
            path = f"maintenance.{key}[{index}]"
            if not isinstance(item, dict):
                check.error(path, _("Une section (name, email…) est attendue."))
                continue
            check.text(item, "name", f"{path}.name", required=True)
            if "email" in item:
                try:
                    validate_email(item["email"] if isinstance(item["email"], str) else "")
                except ValidationError:
                    check.error(f"{path}.email", _("« %(value)s » n'est pas une adresse courriel valide.")
                                % {"value": str(item["email"])[:120]})
            if key == "contacts":
                check.text(item, "phone", f"{path}.phone")
                check.text(item, "affiliation", f"{path}.affiliation")
                check.unknown_keys(item, ("name", "email", "phone", "affiliation"), path)
            else:
                check.date(item, "until", f"{path}.until", required=True)
                check.url(item, "website", f"{path}.website")
                check.unknown_keys(item, ("name", "email", "website", "until", "organisation"), path)
    check.unknown_keys(maintenance, ("type", "contacts", "contractors"), "maintenance")


def _check_localisation(check: _Checker, document: dict) -> None:
    localisation = document.get("localisation")
    if localisation is None:
        check.error("localisation.localisationReady", _("Clé obligatoire absente (section localisation)."))
        check.error("localisation.availableLanguages", _("Clé obligatoire absente (section localisation)."))
        return
    if not isinstance(localisation, dict):
        check.error("localisation", _("Une section (des clés et leurs valeurs) est attendue."))
        return
    if "localisationReady" not in localisation:
        check.error("localisation.localisationReady", _("Clé obligatoire absente."))
    elif not isinstance(localisation["localisationReady"], bool):
        check.error("localisation.localisationReady", _("Une valeur vraie ou fausse (true, false) est attendue."))
    if check.required(localisation, "availableLanguages", "localisation.availableLanguages"):
        check.text_list(localisation, "availableLanguages", "localisation.availableLanguages",
                        check=lambda value, path: None if is_language_tag(value) else check.error(
                            path, _("« %(value)s » n'est pas une étiquette de langue BCP 47 (fr, en, fr-CA…)%(hint)s.")
                            % {"value": value[:40], "hint": _language_hint(value)}))
    check.unknown_keys(localisation, ("localisationReady", "availableLanguages"), "localisation")


def _check_organisations(check: _Checker, value, path: str, *, as_list: bool) -> None:
    items = value if as_list else [value]
    if as_list and not isinstance(value, list):
        check.error(path, _("Une liste est attendue."))
        return
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]" if as_list else path
        if not isinstance(item, dict):
            check.error(item_path, _("Une section (name, uri) est attendue."))
            continue
        check.text(item, "name", f"{item_path}.name", required=as_list)
        check.text(item, "uri", f"{item_path}.uri")
        check.unknown_keys(item, ("name", "uri"), item_path)


def _check_audience(check: _Checker, document: dict) -> None:
    audience = check.mapping(document, "intendedAudience", "intendedAudience")
    if audience is None:
        return

    def country(value, path):
        if COUNTRY_RE.match(value):
            return
        if COUNTRY_RE.match(value.lower()):
            check.warn(path, _("Les codes de pays s'écrivent en minuscules (« %(code)s »).") % {"code": value.lower()})
        else:
            check.error(path, _("« %(value)s » n'est pas un code de pays ISO 3166-1 à deux lettres.")
                        % {"value": value[:40]})

    def scope(value, path):
        if value not in SCOPES:
            check.error(path, _("« %(value)s » n'est pas un domaine de la liste du standard (par exemple "
                                "education, healthcare, local-authorities).") % {"value": value[:60]})

    check.text_list(audience, "countries", "intendedAudience.countries", check=country)
    check.text_list(audience, "unsupportedCountries", "intendedAudience.unsupportedCountries", check=country)
    check.text_list(audience, "scope", "intendedAudience.scope", check=scope)
    check.unknown_keys(audience, ("countries", "unsupportedCountries", "scope"), "intendedAudience")


def _check_depends(check: _Checker, document: dict) -> None:
    depends = check.mapping(document, "dependsOn", "dependsOn")
    if depends is None:
        return
    for kind in ("open", "proprietary", "hardware"):
        items = depends.get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            check.error(f"dependsOn.{kind}", _("Une liste est attendue."))
            continue
        for index, item in enumerate(items):
            path = f"dependsOn.{kind}[{index}]"
            if not isinstance(item, dict):
                check.error(path, _("Une section (name, version…) est attendue."))
                continue
            check.text(item, "name", f"{path}.name", required=True)
            for key in ("version", "versionMin", "versionMax"):
                check.text(item, key, f"{path}.{key}")
            if "optional" in item and not isinstance(item["optional"], bool):
                check.error(f"{path}.optional", _("Une valeur vraie ou fausse (true, false) est attendue."))
            check.unknown_keys(item, ("name", "version", "versionMin", "versionMax", "optional"), path)
    check.unknown_keys(depends, ("open", "proprietary", "hardware"), "dependsOn")


def _check_document(report: Report, document: dict) -> None:
    check = _Checker(report)
    report.version = _check_version(check, document)
    check.text(document, "name", "name", required=True)
    check.text(document, "applicationSuite", "applicationSuite")
    check.url(document, "url", "url", required=True, schemes=("http", "https", "git", "ssh", "svn", "git+ssh"))
    check.url(document, "landingURL", "landingURL")
    check.url(document, "roadmap", "roadmap")
    if "isBasedOn" in document:
        check.text_list(document, "isBasedOn", "isBasedOn", allow_single=True)
    check.text(document, "softwareVersion", "softwareVersion")
    check.date(document, "releaseDate", "releaseDate")
    if "logo" in document:
        check.text(document, "logo", "logo")
        logo = document["logo"]
        if isinstance(logo, str) and "://" in logo and not _is_url(logo):
            check.error("logo", _("« %(value)s » n'est pas une adresse web valide.") % {"value": logo[:120]})
    if check.required(document, "platforms", "platforms"):
        check.text_list(document, "platforms", "platforms", allow_single=True)
    check.text_list(document, "categories", "categories", check=lambda value, path: None if value in CATEGORIES
                    else check.error(path, _("« %(value)s » n'est pas une catégorie de la liste du standard.")
                                     % {"value": value[:60]}))
    check.text_list(document, "usedBy", "usedBy")
    if "fundedBy" in document:
        _check_organisations(check, document["fundedBy"], "fundedBy", as_list=True)
    if "organisation" in document:
        _check_organisations(check, document["organisation"], "organisation", as_list=False)
    check.text(document, "organizationUri", "organizationUri")
    for key, allowed in (("developmentStatus", DEVELOPMENT_STATUSES), ("softwareType", SOFTWARE_TYPES)):
        if check.required(document, key, key) and document[key] not in allowed:
            check.error(key, _("« %(value)s » n'est pas une valeur permise (%(allowed)s).")
                        % {"value": str(document[key])[:60], "allowed": ", ".join(allowed)})
    _check_audience(check, document)
    _check_description(check, document)
    if "legal" not in document:
        check.error("legal.license", _("Clé obligatoire absente (section legal)."))
    legal = check.mapping(document, "legal", "legal")
    if legal is not None:
        if "license" not in legal:
            check.error("legal.license", _("Clé obligatoire absente."))
        else:
            _check_licence(check, legal["license"], "legal.license")
        check.text(legal, "mainCopyrightOwner", "legal.mainCopyrightOwner")
        check.text(legal, "repoOwner", "legal.repoOwner")
        check.unknown_keys(legal, LEGAL_KEYS, "legal", deprecated=("authorsFile",))
    _check_maintenance(check, document)
    _check_localisation(check, document)
    _check_depends(check, document)
    for key in document:
        if key in TOP_KEYS:
            continue
        if not isinstance(key, str):
            check.warn(str(key), _("Clé inconnue du standard : elle est conservée mais ignorée."))
        elif COUNTRY_RE.match(key):
            if not isinstance(document[key], dict):
                check.error(key, _("Une section propre au pays est attendue (des clés et leurs valeurs)."))
        elif COUNTRY_RE.match(key.lower()):
            check.warn(key, _("Section propre à un pays : son nom s'écrit en minuscules (« %(code)s ») depuis la "
                              "version 0.2.") % {"code": key.lower()})
        elif key in DEPRECATED_TOP_KEYS:
            check.warn(key, _("Clé dépréciée par le standard : elle est lue mais ne sera plus reconnue."))
        else:
            check.warn(key, _("Clé inconnue du standard : elle est conservée mais ignorée."))


def _not_publiccode(document: dict) -> str | None:
    """Why ``document`` is not a publiccode.yml at all (rather than a faulty one), or ``None``."""
    if "publiccodeYmlVersion" in document:
        return None
    if "schemaVersion" in document and ("releases" in document or "adminCode" in document):
        return _("Ce fichier n'est pas un publiccode.yml : c'est un fichier de l'Échange de ressources ouvertes du "
                 "gouvernement du Canada (schemaVersion, adminCode, releases). Un publiccode.yml commence par la "
                 "clé publiccodeYmlVersion.")
    if not {"name", "url", "description"} & set(document):
        return _("Ce fichier n'est pas un publiccode.yml : il n'a ni publiccodeYmlVersion, ni name, ni url, ni "
                 "description (clés trouvées : %(keys)s).") % {"keys": ", ".join(str(k) for k in list(document)[:10])}
    return None


def publiccode_validate(data: bytes | str) -> Report:
    """Read ``data`` and check it against the standard. A file that cannot be read (encoding, YAML syntax,
    not a mapping) gives a report with one error at the path ``file``; ``PubliccodeTooLarge`` above the limit."""
    report = Report()
    try:
        document = publiccode_read(data)
    except ValidationError as exc:
        for message in exc.message_dict.get("file", exc.messages):
            report.error("file", message)
        return report
    reason = _not_publiccode(document)
    if reason:
        report.error("file", reason)
        return report
    report.document = document
    _check_document(report, document)
    return report


# --- Import ------------------------------------------------------------------------------------------

def _pick_language(description: dict, primary: str) -> dict:
    """The description section in language ``primary`` (``fr`` before ``fr-CA`` before any ``fr-…``)."""
    tags = [tag for tag in description if isinstance(tag, str) and tag.lower().split("-")[0] == primary]
    tags.sort(key=lambda tag: (tag.lower() != primary, tag.lower() not in (f"{primary}-ca",), tag.lower()))
    for tag in tags:
        if isinstance(description[tag], dict):
            return description[tag]
    return {}


def _clean_text(value, limit: int) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _maintainer(document: dict) -> str:
    maintenance = document.get("maintenance") or {}
    legal = document.get("legal") or {}
    if maintenance.get("type") == "contract":
        names = [c.get("name") for c in maintenance.get("contractors") or [] if isinstance(c, dict)]
    elif legal.get("repoOwner"):
        names = [legal["repoOwner"]]
    else:
        names = [c.get("name") for c in maintenance.get("contacts") or [] if isinstance(c, dict)]
    return ", ".join(str(name).strip() for name in names if name)[:200]


def software_data(document: dict) -> tuple[dict, list[str]]:
    """What ``catalogue.software_save`` takes, from a valid document, and the notes a person should read
    (what was not imported, such as the logo's address). Only what the file says: an empty value is left out, so
    that an update keeps the entry's own."""
    description = document.get("description") or {}
    french, english = _pick_language(description, "fr"), _pick_language(description, "en")
    notes = []
    if not french and not english:
        notes.append(_("Le fichier ne décrit le logiciel ni en français ni en anglais (langues : %(langs)s) : "
                       "les descriptions sont à écrire.") % {"langs": ", ".join(map(str, description))})
    platforms = document.get("platforms") or []
    data = {
        "name": _clean_text(document.get("name"), 200),
        "short_description_fr": _clean_text(french.get("shortDescription"), 300),
        "short_description_en": _clean_text(english.get("shortDescription"), 300),
        "long_description_fr": (french.get("longDescription") or "").strip(),
        "long_description_en": (english.get("longDescription") or "").strip(),
        "function_fr": _clean_text(french.get("genericName"), 200),
        "function_en": _clean_text(english.get("genericName"), 200),
        "features_fr": [_clean_text(f, FEATURE_MAX) for f in french.get("features") or []],
        "features_en": [_clean_text(f, FEATURE_MAX) for f in english.get("features") or []],
        "categories": list(document.get("categories") or []),
        "licence": spdx.licence_expression_normalize(" ".join(document["legal"]["license"].split())),
        "latest_version": str(document.get("softwareVersion") or "")[:60],
        "release_date": document.get("releaseDate") or None,
        "website_url": document.get("landingURL") or "",
        "repository_url": document["url"] if _is_url(document["url"]) else "",
        "software_type": document["softwareType"],
        "development_status": document["developmentStatus"],
        "platforms": [platforms] if isinstance(platforms, str) else list(platforms),
        "available_languages": list((document.get("localisation") or {}).get("availableLanguages") or []),
        "maintainer_name": _maintainer(document),
        "publiccode": document,
    }
    # What the file does not say leaves the entry as it is (an update keeps the team's French text, its site…).
    data = {key: value for key, value in data.items() if value not in ("", None, [])}
    if not data.get("repository_url"):
        notes.append(_("L'adresse du dépôt « %(url)s » n'est pas une adresse web : elle n'est pas reprise.")
                     % {"url": document["url"]})
    logo = document.get("logo")
    if logo:
        notes.append(_("Logo indiqué par le fichier : %(logo)s (il n'est pas téléchargé ; déposez-le sur la fiche "
                       "si vous le voulez).") % {"logo": logo})
    return data, notes


def _repository_lock(url: str) -> None:
    """Serialise two imports of the same repository (a double submit): PostgreSQL takes an advisory lock for
    the transaction; SQLite transactions are ``IMMEDIATE`` (see settings) and already serialised."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def publiccode_import(*, actor, data: bytes | str, software: Software | None = None) -> Software:
    """Create or update an entry from a ``publiccode.yml`` (the free-software team only). A file with errors is
    refused (``ValidationError`` by key path); an entry with the same repository address is updated. The
    returned entry carries ``publiccode_notes`` (what a person should check) and ``publiccode_created``."""
    from . import catalogue

    if not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme importe des publiccode.yml."))
    report = publiccode_validate(data)
    if not report.ok:
        raise ValidationError(_group(report.errors))
    values, notes = software_data(report.document)
    with transaction.atomic():
        if software is None and values.get("repository_url"):
            _repository_lock(catalogue.normalize_repository_url(values["repository_url"]))
            software = catalogue.software_by_repository(values["repository_url"])
        elif software is None:
            # A repository known by a non-web address (git://, ssh://): the entry imported from the same file.
            address = str(report.document["url"])
            _repository_lock(address)
            software = Software.objects.filter(publiccode__url=address).order_by("pk").first()
        created = software is None
        saved = catalogue.software_save(actor=actor, data=values, software=software)
        core_services.audit_append(actor=actor, action="software.publiccode.import", target=saved,
                                   data={"created": created, "version": report.version,
                                         "warnings": len(report.warnings)})
    saved.publiccode_notes = notes
    saved.publiccode_created = created
    saved.publiccode_warnings = report.warnings
    return saved


def _group(problems: list[Problem]) -> dict:
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(problem.message)
    return grouped


# --- Export ------------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _represent_text(dumper, value: str):
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def _entry_url(software: Software) -> str:
    try:
        with override("fr"):
            path = reverse("software:publiccode_export", kwargs={"slug": software.slug}).rsplit("/publiccode.yml", 1)[0]
    except NoReverseMatch:
        path = f"/fr/logiciel-libre/catalogue/{software.slug}"
    return f"{settings.OUVERT_BASE_URL}{path}/"


def _long_description(long: str, short: str, software: Software, lang: str) -> tuple[str, bool]:
    """A long description of at least ``LONG_MIN`` characters: the entry's, else completed from its facts."""
    text = (long or "").strip()
    if len(text) >= LONG_MIN:
        return text[:LONG_MAX], False
    parts = [text or short.strip() or software.name]
    with override(lang):
        parts.append(_("%(name)s est un logiciel libre publié sous la licence %(licence)s.")
                     % {"name": software.name, "licence": software.licence})
        parts.append(_("Sa fiche au catalogue du logiciel libre des organismes publics : %(url)s")
                     % {"url": _entry_url(software)})
    text = "\n\n".join(part for part in parts if part)
    while len(text) < LONG_MIN:
        text += "\n\n" + _entry_url(software)
    return text, True


def publiccode_generate(software: Software) -> str:
    """A ``publiccode.yml`` (version 0.4) for ``software`` (see the module's docstring). A proprietary product
    has none (``ValidationError``)."""
    if software.is_proprietary or not software.licence:
        raise ValidationError({"licence": [_("« %(name)s » n'est pas un logiciel libre : il n'a pas de "
                                             "publiccode.yml.") % {"name": software.name}]})
    stored = software.publiccode if isinstance(software.publiccode, dict) else {}
    filled: list[str] = []
    document: dict = {"publiccodeYmlVersion": PUBLICCODE_VERSION, "name": str(software.name)}
    if software.repository_url:
        document["url"] = software.repository_url
    else:
        document["url"] = software.website_url or _entry_url(software)
        filled.append("url")
    if software.website_url:
        document["landingURL"] = software.website_url
    if software.latest_version:
        document["softwareVersion"] = software.latest_version
    if software.release_date:
        document["releaseDate"] = software.release_date.isoformat()
    for key in ("applicationSuite", "isBasedOn", "logo", "usedBy", "fundedBy", "roadmap", "organisation"):
        if key in stored:
            document[key] = stored[key]
    if software.platforms:
        document["platforms"] = list(software.platforms)
    else:
        document["platforms"] = ["web"] if software.software_type == SoftwareType.WEB else ["linux", "windows", "mac"]
        filled.append("platforms")
    if software.categories:
        document["categories"] = [c for c in software.categories if c in CATEGORIES]
    if software.development_status:
        document["developmentStatus"] = software.development_status
    else:
        document["developmentStatus"] = (DevelopmentStatus.STABLE.value if software.latest_version
                                         else DevelopmentStatus.DEVELOPMENT.value)
        filled.append("developmentStatus")
    if software.software_type:
        document["softwareType"] = software.software_type
    else:
        document["softwareType"] = SoftwareType.OTHER.value
        filled.append("softwareType")
    if "intendedAudience" in stored:
        document["intendedAudience"] = stored["intendedAudience"]

    description = {}
    stored_description = stored.get("description") if isinstance(stored.get("description"), dict) else {}
    for tag, section in stored_description.items():
        if isinstance(tag, str) and tag.lower().split("-")[0] not in ("fr", "en") and isinstance(section, dict):
            description[tag] = {key: value for key, value in section.items() if key in DESCRIPTION_KEYS}
    languages = [(lang, getattr(software, f"short_description_{lang}"), getattr(software, f"long_description_{lang}"),
                  getattr(software, f"features_{lang}"), getattr(software, f"function_{lang}"))
                 for lang in ("fr", "en")]
    present = [item for item in languages if item[1] or item[2]]
    if not present and not description:
        present = [languages[0]]
    for lang, short, long, features, _function in present:
        section = {"localisedName": software.name}
        short_text = " ".join((short or "").split()) or " ".join(long.split())[:SHORT_MAX] or software.name
        if len(short_text) > SHORT_MAX:
            short_text = short_text[:SHORT_MAX - 1].rstrip() + "…"
            filled.append(f"description.{lang}.shortDescription")
        elif not short:
            filled.append(f"description.{lang}.shortDescription")
        section["shortDescription"] = short_text
        section["longDescription"], completed = _long_description(long, short_text, software, lang)
        if completed:
            filled.append(f"description.{lang}.longDescription")
        clean_features = [f for f in (features or []) if isinstance(f, str) and f.strip()]
        if not clean_features:
            clean_features = [short_text]
            filled.append(f"description.{lang}.features")
        section["features"] = clean_features
        stored_section = _pick_language(stored_description, lang)
        for key in ("documentation", "apiDocumentation", "screenshots", "videos", "awards"):
            if key in stored_section:
                section[key] = stored_section[key]
        description[lang] = section
    document["description"] = description

    stored_legal = stored.get("legal") if isinstance(stored.get("legal"), dict) else {}
    legal = {"license": software.licence}
    for key in ("mainCopyrightOwner", "repoOwner"):
        if stored_legal.get(key):
            legal[key] = stored_legal[key]
    maintenance = stored.get("maintenance") if isinstance(stored.get("maintenance"), dict) else None
    if maintenance is None:
        maintenance = {"type": "none"}
        filled.append("maintenance.type")
        if software.maintainer_name:
            legal["repoOwner"] = software.maintainer_name
    elif software.maintainer_name and software.maintainer_name != _maintainer({"maintenance": maintenance,
                                                                                 "legal": stored_legal}):
        legal["repoOwner"] = software.maintainer_name
    document["legal"] = legal
    document["maintenance"] = maintenance
    stored_localisation = stored.get("localisation") if isinstance(stored.get("localisation"), dict) else {}
    languages_available = list(software.available_languages or [])
    if not languages_available:
        languages_available = [lang for lang, *_rest in present] or ["fr"]
        filled.append("localisation.availableLanguages")
    ready = stored_localisation.get("localisationReady")
    document["localisation"] = {"localisationReady": ready if isinstance(ready, bool) else len(languages_available) > 1,
                                "availableLanguages": languages_available}
    if "dependsOn" in stored:
        document["dependsOn"] = stored["dependsOn"]
    for key, value in stored.items():
        if isinstance(key, str) and COUNTRY_RE.match(key) and key not in document:
            document[key] = value

    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    lines = [_("# publiccode.yml de « %(name)s », écrit par le catalogue du logiciel libre : %(url)s")
             % {"name": software.name, "url": _entry_url(software)}]
    if filled:
        lines.append(_("# Valeurs complétées faute d'information au catalogue (à vérifier) : %(keys)s")
                     % {"keys": ", ".join(dict.fromkeys(filled))})
    else:
        lines.append(_("# Toutes les valeurs viennent de la fiche du catalogue."))
    return "\n".join(lines) + "\n" + body


def publiccode_filename(software: Software) -> str:
    return f"{software.slug}-publiccode.yml"


def publiccode_export(slug) -> tuple[str, str]:
    """``(file name, text)`` of the ``publiccode.yml`` of the entry ``slug`` (anyone may read it);
    ``core_services.NotFound`` for an unknown entry or a proprietary product (which has none)."""
    software = Software.objects.filter(slug=str(slug or "")[:100]).first()
    if software is None:
        raise core_services.NotFound(_("Logiciel « %(slug)s » introuvable au catalogue.") % {"slug": str(slug)[:60]})
    try:
        return publiccode_filename(software), publiccode_generate(software)
    except ValidationError as exc:
        raise core_services.NotFound(exc.messages[0]) from None


def register() -> None:
    """Menu links, periodic jobs, open data and demo content of this part: none (the validation and import
    pages are linked from the catalogue's pages)."""
