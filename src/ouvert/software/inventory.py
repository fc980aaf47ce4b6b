"""The inventory of public bodies' own code repositories (on the government forge or elsewhere), imported by
the platform's free-software team from a list, searchable with filters, and linked to the catalogue.

Import (``repositories_import``, team only): a list in one of three forms, told apart by the file's name (and,
failing that, by its first characters):

- CSV (``CSV_COLUMNS``; French or English column names; UTF-8 or Windows-1252; comma, semicolon or tab), read by
  ``ouvert.core.csvfile``;
- JSON: a list of objects with the same keys in English (``url``, ``name``, ``description``, ``organisation``,
  ``forge``, ``owner``, ``language``, ``licence``, ``topics``, ``last_activity``, ``archived``), or an object with
  that list under ``repositories``;
- the Canadian Open Resource Exchange YAML (``schemaVersion: '1.0'``, ``adminCode``, ``releases``, bilingual
  ``en``/``fr`` fields): each release is one repository (its ``repositoryURL``; name and description in French
  when present; the first ``languages``; the ``spdxID`` of its licences joined by ``AND``; its French ``tags``
  as topics; ``date.metadataLastUpdated`` as the last activity; ``status`` « Archived » or « Retired »). The
  organisation is the one chosen at import, else ``ORE_ORGANISATIONS`` (the ``adminCode`` → organisation slug
  mapping, extended by the ``OUVERT_SOFTWARE_ORE_ORGANISATIONS`` setting), else the organisation whose slug is
  the ``adminCode``. The YAML is read safely: no tags, no aliases (``&``/``*``: no « billion laughs »), one
  document.

All or nothing: every problem is reported by line (CSV), entry (JSON) or release (YAML) and nothing is written;
otherwise one transaction creates the new addresses and updates the known ones (a repository is known by its
address, normalised by ``repository_url_normalize``: ``HTTP://GitHub.com/Org/Repo.git/`` is
``https://github.com/Org/Repo``); importing the same list again changes nothing. Files above
``OUVERT_SOFTWARE_IMPORT_MAX_BYTES`` (5 MiB by default) are refused (``ImportTooLarge``, HTTP 413).

A repository is linked to the catalogue's entry whose ``repository_url`` is the same address (normalised), at
import and on demand (``repositories_link``). Search: full text (kind ``software_repository``: name,
description, topics, language, organisation, owner) with filters (organisation, language, licence identifier,
archived, forge) and facets, a constant number of queries.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import OrderedDict
from urllib.parse import urlsplit, urlunsplit

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import csvfile, search
from ouvert.core import services as core_services
from ouvert.core.csvfile import ImportTooLarge
from ouvert.core.models import Organisation

from . import access
from .models import CodeRepository, Software
from .spdx import licence_expression_normalize, licence_identifiers

__all__ = ["INVENTORY_CSV_COLUMNS", "INVENTORY_OPEN_DATA_KEY", "INVENTORY_SEARCH_KIND", "ImportTooLarge",
           "ORE_ORGANISATIONS", "import_max_bytes", "inventory_check_size", "inventory_filter_choices",
           "repositories_import", "repositories_link", "repositories_of_body", "repository_get",
           "repositories_matching", "repository_reindex", "repository_search", "repository_url_normalize"]

INVENTORY_SEARCH_KIND = "software_repository"
INVENTORY_OPEN_DATA_KEY = "software_inventory"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_ERRORS = 500
MAX_ROWS = 20_000
MAX_TOPICS = 30
SORTS = ("relevance", "name", "activity")

#: The ``adminCode`` of an Open Resource Exchange file → the slug of the organisation it belongs to here.
ORE_ORGANISATIONS = {"city-of-montreal-qc": "ville-de-montreal"}

#: The columns of a CSV list: the French name, its English synonym, and what it holds.
INVENTORY_CSV_COLUMNS = OrderedDict([
    ("url", ("url", gettext_lazy("adresse du dépôt (http:// ou https://) ; obligatoire ; la clé : réimporter met à "
                                 "jour"))),
    ("nom", ("name", gettext_lazy("nom du dépôt ; obligatoire"))),
    ("description", ("description", gettext_lazy("description"))),
    ("organisme", ("organisation", gettext_lazy("identifiant de l'organisme (par défaut : celui choisi à l'import)"))),
    ("forge", ("forge", gettext_lazy("forge (github.com, gitlab.com…) ; par défaut : le domaine de l'adresse"))),
    ("compte", ("owner", gettext_lazy("compte ou groupe sur la forge ; par défaut : tiré de l'adresse"))),
    ("langage", ("language", gettext_lazy("langage principal"))),
    ("licence", ("licence", gettext_lazy("licence, expression SPDX (MIT, GPL-3.0-or-later, LiLiQ-R-1.1…)"))),
    ("sujets", ("topics", gettext_lazy("sujets séparés par « ; »"))),
    ("derniere_activite", ("last_activity", gettext_lazy("date de la dernière activité (AAAA-MM-JJ)"))),
    ("archive", ("archived", gettext_lazy("archivé : oui ou non (yes/no, true/false, 1/0)"))),
])
#: English keys (JSON, and the CSV's English column names) → the field.
_KEYS = {"url": "url", "name": "name", "description": "description", "organisation": "organisation",
         "organization": "organisation", "forge": "forge", "owner": "owner", "language": "language",
         "licence": "licence", "license": "licence", "topics": "topics", "last_activity": "last_activity",
         "archived": "archived"}
_CSV_KEYS = {csvfile.column_key(fr): _KEYS[en] for fr, (en, _help) in INVENTORY_CSV_COLUMNS.items()}
_CSV_KEYS.update({csvfile.column_key(en): field for en, field in _KEYS.items()})
_CSV_KEYS.update({"derniere activite": "last_activity", "archivee": "archived", "organisation": "organisation",
                  "langage principal": "language"})
_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_FALSE = {"non", "n", "no", "false", "faux", "0", ""}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_url_validator = URLValidator(schemes=["http", "https"])
LIMITS = {"name": 200, "description": 5000, "forge": 100, "owner": 200, "language": 60, "topic": 60}


def register() -> None:
    """The open dataset of the inventory (its menu link is the catalogue's: the inventory is searched with it)."""
    from ouvert.core import registry

    registry.register_open_data_publisher(INVENTORY_OPEN_DATA_KEY, open_data_export)


def import_max_bytes() -> int:
    return int(getattr(settings, "OUVERT_SOFTWARE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def inventory_check_size(size: int) -> None:
    """``ImportTooLarge`` (HTTP 413) above ``OUVERT_SOFTWARE_IMPORT_MAX_BYTES``."""
    csvfile.check_size(size, import_max_bytes())


# --- Addresses ---------------------------------------------------------------------------------------

def repository_url_normalize(value) -> str:
    """A repository's address as the inventory knows it: ``https``, the host in lower case without ``www.`` or
    a default port, no query, fragment, trailing ``/`` or ``.git``; ``""`` for anything that is not an
    ``http(s)`` address."""
    text = str(value or "").strip()
    if not text or _CONTROL.search(text) or any(char.isspace() for char in text):
        return ""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    if path.lower().endswith(".git"):
        path = path[:-4].rstrip("/")
    return urlunsplit(("https", host, path, "", ""))


def _url_parts(url: str) -> tuple[str, str]:
    """``(forge, owner)`` read from a normalised address."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    return parts.netloc, segments[0] if len(segments) > 1 else ""


# --- Reading the three forms -------------------------------------------------------------------------

def _yaml_load(text: str):
    """The document, read by PyYAML's safe loader — libyaml's (C) when installed, several times faster on a
    forge's list — after a first pass over its events refuses aliases (``*name``): an alias bomb never expands."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, _("les alias YAML (*nom) ne sont pas acceptés"),
                                              event.start_mark)
    return yaml.load(text, Loader=loader)  # noqa: S506 — a safe loader, and no alias


def _detect(data: bytes, filename: str) -> str:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".json"):
        return "json"
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    if head.startswith((b"---", b"schemaVersion", b"adminCode", b"%YAML")):
        return "yaml"
    return "csv"


def _decode_text(data: bytes, what: str) -> str:
    if b"\x00" in data[:4096]:
        raise ValidationError({"file": [_("Le fichier %(what)s contient des octets nuls : ce n'est pas un fichier "
                                          "texte.") % {"what": what}]})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": [_("Le fichier %(what)s doit être en UTF-8 (octet illisible à la position "
                                          "%(position)s).") % {"what": what, "position": exc.start}]}) from None


def _entries_csv(data: bytes) -> list[tuple[str, dict]]:
    table = csvfile.read(data, max_bytes=import_max_bytes())
    known = [column for column in table.columns if column in _CSV_KEYS]
    if "url" not in [_CSV_KEYS[c] for c in known]:
        raise ValidationError({"file": [_("Colonne manquante : url (colonnes trouvées : %(found)s).")
                                        % {"found": ", ".join(c for c in table.columns if c)[:300] or "—"}]})
    entries = []
    for line, row in table.rows:
        entry = {}
        for column, value in row.items():
            field = _CSV_KEYS.get(column)
            if field and (value or field not in entry):
                entry[field] = value
        entries.append((_("Ligne %(n)s") % {"n": line}, entry))
    return entries


def _entries_json(data: bytes) -> list[tuple[str, dict]]:
    text = _decode_text(data, "JSON")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = _(" (ligne %(line)s, colonne %(col)s)") % {"line": exc.lineno, "col": exc.colno} \
            if isinstance(exc, json.JSONDecodeError) else ""
        raise ValidationError({"file": [_("Le fichier JSON est illisible%(where)s.") % {"where": where}]}) from None
    if isinstance(document, dict) and isinstance(document.get("repositories"), list):
        document = document["repositories"]
    if not isinstance(document, list):
        raise ValidationError({"file": [_("Le fichier JSON doit contenir une liste d'objets (ou un objet dont "
                                          "« repositories » est cette liste).")]})
    entries = []
    for number, item in enumerate(document, start=1):
        label = _("Entrée %(n)s") % {"n": number}
        if not isinstance(item, dict):
            entries.append((label, None))
            continue
        entry = {}
        unknown = []
        for key, value in item.items():
            field = _KEYS.get(str(key).strip().lower())
            if field is None:
                unknown.append(str(key)[:40])
            else:
                entry[field] = value
        if unknown:
            entry["__unknown__"] = unknown
        entries.append((label, entry))
    return entries


def _bilingual(value, prefer: str = "fr") -> str:
    if isinstance(value, dict):
        for lang in (prefer, "en" if prefer == "fr" else "fr"):
            text = value.get(lang)
            if isinstance(text, str) and text.strip():
                return text.strip()
        return ""
    return value.strip() if isinstance(value, str) else ""


def _ore_organisation(admin_code: str) -> str:
    mapping = dict(ORE_ORGANISATIONS)
    mapping.update(getattr(settings, "OUVERT_SOFTWARE_ORE_ORGANISATIONS", {}) or {})
    return mapping.get(admin_code, admin_code)


def _entries_ore(data: bytes) -> tuple[list[tuple[str, dict]], str]:
    text = _decode_text(data, "YAML")
    try:
        document = _yaml_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" (ligne %(line)s)") % {"line": mark.line + 1} if mark is not None else ""
        problem = getattr(exc, "problem", None) or ""
        raise ValidationError({"file": [_("Le fichier YAML est illisible%(where)s : %(problem)s.")
                                        % {"where": where, "problem": str(problem)[:200]}]}) from None
    except RecursionError:
        raise ValidationError({"file": [_("Le fichier YAML est imbriqué trop profondément.")]}) from None
    if not isinstance(document, dict) or not isinstance(document.get("releases"), list):
        raise ValidationError({"file": [_("Ce fichier YAML n'est pas une liste de l'Échange de ressources ouvertes "
                                          "du Canada (schemaVersion « 1.0 », adminCode, releases).")]})
    if str(document.get("schemaVersion", "")) != "1.0":
        raise ValidationError({"file": [_("Version de schéma non prise en charge : « %(v)s » (1.0 attendue).")
                                        % {"v": str(document.get("schemaVersion", ""))[:20]}]})
    admin_code = str(document.get("adminCode") or "").strip()[:100]
    entries = []
    for number, release in enumerate(document["releases"], start=1):
        label = _("Version %(n)s (releases[%(i)s])") % {"n": number, "i": number - 1}
        if not isinstance(release, dict):
            entries.append((label, None))
            continue
        name = _bilingual(release.get("name"))
        if name:
            label = f"{label} « {name[:60]} »"
        licences = [str(item.get("spdxID") or "").strip() for item in release.get("licences") or []
                    if isinstance(item, dict)]
        licences = [value for value in licences if value]
        tags = release.get("tags")
        topics = tags.get("fr") or tags.get("en") if isinstance(tags, dict) else None
        languages = release.get("languages") if isinstance(release.get("languages"), list) else []
        dates = release.get("date") if isinstance(release.get("date"), dict) else {}
        status = str(release.get("status") or "").strip().lower()
        entries.append((label, {
            "url": _bilingual(release.get("repositoryURL"), "en"),
            "name": name,
            "description": _bilingual((release.get("description") or {}).get("whatItDoes")
                                      if isinstance(release.get("description"), dict) else None),
            "language": str(languages[0]) if languages else "",
            "licence": " AND ".join(dict.fromkeys(licences)) if len(licences) > 1 else (licences[0] if licences else ""),
            "topics": [str(t) for t in topics] if isinstance(topics, list) else [],
            "last_activity": dates.get("metadataLastUpdated") or dates.get("created") or "",
            "archived": status in ("archived", "retired", "archivé", "retiré"),
        }))
    return entries, admin_code


# --- Checking one entry -----------------------------------------------------------------------------

def _text(value, field: str, errors: dict, *, label, limit: int, required: bool = False) -> str:
    raw = "" if value is None else str(value)
    if _CONTROL.search(raw):
        errors.setdefault(field, []).append(_("%(label)s contient des caractères de contrôle.") % {"label": label})
        return ""
    text = " ".join(raw.split())
    if required and not text:
        errors.setdefault(field, []).append(_("%(label)s est obligatoire.") % {"label": label})
    if len(text) > limit:
        errors.setdefault(field, []).append(_("%(label)s compte %(limit)s caractères au plus.")
                                            % {"label": label, "limit": limit})
        return ""
    return text


def _date(value, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        text = str(value).strip()
        try:
            value = datetime.date.fromisoformat(text[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}([T ].*)?$", text) \
                else datetime.date.fromisoformat(text)
        except ValueError:
            errors.setdefault(field, []).append(_("date invalide « %(v)s » (AAAA-MM-JJ attendu)") % {"v": text[:30]})
            return None
    if value.year < 1970 or value > timezone.localdate():
        errors.setdefault(field, []).append(_("date hors limites « %(v)s » (de 1970 à aujourd'hui)")
                                            % {"v": value.isoformat()})
        return None
    return value


def _bool(value, field: str, errors: dict) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = csvfile.column_key(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.setdefault(field, []).append(_("« %(v)s » : oui ou non attendu") % {"v": str(value)[:20]})
    return False


def _topics(value, field: str, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(";")
    topics = []
    for item in items:
        if not isinstance(item, str | int | float):
            errors.setdefault(field, []).append(_("un sujet doit être un texte"))
            return []
        text = " ".join(str(item).split())
        if _CONTROL.search(str(item)):
            errors.setdefault(field, []).append(_("un sujet contient des caractères de contrôle"))
            return []
        if text and text not in topics:
            topics.append(text[:LIMITS["topic"]])
    if len(topics) > MAX_TOPICS:
        errors.setdefault(field, []).append(_("%(n)s sujets au plus") % {"n": MAX_TOPICS})
        return []
    return topics


def _clean_entry(entry: dict, organisations: dict, default_org: Organisation | None) -> tuple[dict, dict]:
    errors: dict = {}
    for key in entry.get("__unknown__", []):
        errors.setdefault(key, []).append(_("clé inconnue"))
    raw_url = entry.get("url")
    url = repository_url_normalize(raw_url) if isinstance(raw_url, str) else ""
    if not str(raw_url or "").strip():
        errors.setdefault("url", []).append(_("l'adresse est obligatoire"))
    elif not url or len(url) > 500:
        errors.setdefault("url", []).append(_("« %(v)s » n'est pas une adresse web http:// ou https:// valide")
                                            % {"v": str(raw_url)[:80]})
    else:
        try:
            _url_validator(url)
        except ValidationError:
            errors.setdefault("url", []).append(_("« %(v)s » n'est pas une adresse web http:// ou https:// valide")
                                                % {"v": str(raw_url)[:80]})
            url = ""
    forge_default, owner_default = _url_parts(url) if url else ("", "")
    values = {
        "url": url,
        "name": _text(entry.get("name"), "name", errors, label=_("le nom"), limit=LIMITS["name"], required=True),
        "description": _text(entry.get("description"), "description", errors, label=_("la description"),
                             limit=LIMITS["description"]),
        "forge": _text(entry.get("forge"), "forge", errors, label=_("la forge"), limit=LIMITS["forge"]).lower()
        or forge_default,
        "owner": _text(entry.get("owner"), "owner", errors, label=_("le compte"), limit=LIMITS["owner"]) or owner_default,
        "language": _text(entry.get("language"), "language", errors, label=_("le langage"), limit=LIMITS["language"]),
        "topics": _topics(entry.get("topics"), "topics", errors),
        "last_activity": _date(entry.get("last_activity"), "last_activity", errors),
        "archived": _bool(entry.get("archived"), "archived", errors),
    }
    try:
        values["licence"] = licence_expression_normalize(entry.get("licence") if isinstance(entry.get("licence"), str)
                                                         else "", "licence")
    except ValidationError as exc:
        errors.setdefault("licence", []).extend(exc.message_dict.get("licence", exc.messages))
        values["licence"] = ""
    org_value = entry.get("organisation")
    org_text = str(org_value or "").strip() if isinstance(org_value, str | int) else ""
    if org_text:
        values["organisation"] = organisations.get(org_text.lower())
        if values["organisation"] is None:
            errors.setdefault("organisation", []).append(_("organisme inconnu « %(v)s » (un identifiant d'organisme "
                                                           "public ou de municipalité)") % {"v": org_text[:60]})
    else:
        values["organisation"] = default_org
    return values, errors


# --- Importing ---------------------------------------------------------------------------------------

def _bodies() -> dict:
    found = {}
    for organisation in Organisation.objects.filter(kind__in=access.BODY_KINDS):
        for key in (organisation.slug, organisation.acronym):
            if key:
                found.setdefault(key.lower(), organisation)
    return found


def _software_by_url() -> dict[str, int]:
    found: dict[str, int] = {}
    for pk, url in Software.objects.exclude(repository_url="").order_by("pk").values_list("pk", "repository_url"):
        key = repository_url_normalize(url)
        if key:
            found.setdefault(key, pk)
    return found


FIELDS = ("name", "description", "organisation", "forge", "owner", "language", "licence", "topics", "last_activity",
          "archived")


def _state(repository: CodeRepository) -> tuple:
    return tuple(repository.organisation_id if f == "organisation" else getattr(repository, f) for f in FIELDS) + (
        repository.software_id,)


def _values_state(values: dict) -> tuple:
    return tuple(values[f].pk if f == "organisation" and values[f] is not None else values[f] for f in FIELDS) + (
        values["software_id"],)


def _index_items(queryset):
    for r in queryset:
        yield r.pk, _document(r)


def _document(r: CodeRepository) -> dict:
    org = r.organisation
    return {"title": r.name, "keywords": [*r.topics, r.language],
            "body": [r.description, r.owner, r.forge, *([org.name_fr, org.name_en, org.acronym] if org else [])]}


def repository_index(repository: CodeRepository) -> None:
    search.index(INVENTORY_SEARCH_KIND, repository.pk, **_document(repository))


def repository_reindex(progress=None) -> int:
    """Rebuild the inventory's search index (kind ``software_repository``); returns how many were indexed."""
    return search.reindex(INVENTORY_SEARCH_KIND, _index_items(
        CodeRepository.objects.select_related("organisation").order_by("pk").iterator(chunk_size=500)),
        progress=progress)


def _require_team(actor) -> None:
    if not access.is_software_team(actor):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme importe l'inventaire des dépôts "
                                 "de code."))


def repositories_import(*, actor, data: bytes, filename: str = "", organisation: Organisation | str | None = None,
                        is_demo: bool = False) -> dict:
    """Import a list of repositories (see the module's docstring), all or nothing. ``organisation`` (an
    ``Organisation`` or its slug) is the default body of rows without one, and the body of an Open Resource
    Exchange file. Returns ``{"format", "created", "updated", "unchanged", "linked", "rows"}``."""
    _require_team(actor)
    inventory_check_size(len(data))
    bodies = _bodies()
    default_org = None
    if isinstance(organisation, Organisation):
        default_org = organisation
    elif str(organisation or "").strip():
        default_org = bodies.get(str(organisation).strip().lower())
        if default_org is None:
            raise ValidationError({"organisation": [_("Organisme inconnu : « %(v)s » (un ministère, organisme public "
                                                      "ou municipalité).") % {"v": str(organisation)[:60]}]})
    if default_org is not None and default_org.kind not in access.BODY_KINDS:
        raise ValidationError({"organisation": [_("« %(v)s » n'est pas un organisme public ni une municipalité.")
                                                % {"v": default_org.name_fr[:60]}]})
    kind = _detect(data, filename)
    if not data.strip():
        raise ValidationError({"file": [_("Le fichier est vide.")]})
    if kind == "csv":
        entries = _entries_csv(data)
    elif kind == "json":
        entries = _entries_json(data)
    else:
        entries, admin_code = _entries_ore(data)
        if default_org is None:
            default_org = bodies.get(_ore_organisation(admin_code).lower())
            if default_org is None:
                raise ValidationError({"organisation": [_(
                    "Le fichier est celui de « %(code)s » (adminCode), qui ne correspond à aucun organisme de la "
                    "plateforme : choisissez l'organisme à l'import.") % {"code": admin_code[:60] or "?"}]})
    if not entries:
        raise ValidationError({"file": [_("Le fichier ne contient aucun dépôt.")]})
    if len(entries) > MAX_ROWS:
        raise ValidationError({"file": [_("%(n)s dépôts au plus par import.") % {"n": MAX_ROWS}]})
    errors: list[str] = []
    planned: list[dict] = []
    seen: dict[str, str] = {}
    software_urls = _software_by_url()
    for label, entry in entries:
        if entry is None:
            errors.append(_("%(where)s : un objet est attendu.") % {"where": label})
            continue
        values, row_errors = _clean_entry(entry, bodies, default_org)
        url = values["url"]
        if url and url in seen:
            row_errors.setdefault("url", []).append(_("cette adresse figure déjà : %(where)s") % {"where": seen[url]})
        elif url:
            seen[url] = label
        for field, messages in row_errors.items():
            for message in messages:
                errors.append(_("%(where)s, %(field)s : %(message)s") % {"where": label, "field": field,
                                                                       "message": message})
        if len(errors) >= MAX_ERRORS:
            break
        values["software_id"] = software_urls.get(url)
        planned.append(values)
    if errors:
        raise ValidationError(errors[:MAX_ERRORS])
    existing = {r.url: r for r in CodeRepository.objects.filter(url__in=[v["url"] for v in planned])}
    now = timezone.now()
    try:
        report = _write(actor, planned, existing, now, kind=kind, default_org=default_org, filename=filename,
                        is_demo=is_demo)
    except IntegrityError:  # another import created one of these addresses at the same instant
        raise ValidationError({"file": [_("Un autre import des mêmes dépôts vient d'avoir lieu : réimportez le "
                                          "fichier (les dépôts déjà connus seront mis à jour).")]}) from None
    return report


def _write(actor, planned, existing, now, *, kind, default_org, filename, is_demo) -> dict:
    unchanged = linked = 0
    new, changed = [], []
    for values in planned:
        current = existing.get(values["url"])
        if current is not None and values["software_id"] is None and current.software_id is not None:
            values["software_id"] = current.software_id  # a link made by hand survives a re-import
        if current is not None and _state(current) == _values_state(values):
            unchanged += 1
            continue
        repository = current or CodeRepository(url=values["url"], is_demo=is_demo)
        for field in FIELDS:
            setattr(repository, field, values[field])
        if values["software_id"] and repository.software_id != values["software_id"]:
            linked += 1
        repository.software_id = values["software_id"]
        repository.imported_at = now
        (changed if current is not None else new).append(repository)
    created, updated = len(new), len(changed)
    with transaction.atomic():
        CodeRepository.objects.bulk_create(new, batch_size=1000)
        CodeRepository.objects.bulk_update(changed, [*FIELDS, "software", "imported_at"], batch_size=500)
        search.index_many(INVENTORY_SEARCH_KIND, ((r.pk, _document(r)) for r in [*new, *changed]))
        report = {"format": kind, "created": created, "updated": updated, "unchanged": unchanged, "linked": linked,
                  "rows": len(planned)}
        if created or updated:
            core_services.open_data_changed(INVENTORY_OPEN_DATA_KEY)
        core_services.audit_append(actor=actor, action="software.inventory.import", target=default_org,
                                   data=dict(report, filename=str(filename or "")[:200]))
    return report


def repositories_link(*, actor=None, software: Software | None = None) -> dict:
    """Link the inventory's repositories to the catalogue's entries by address (normalised): those of
    ``software`` alone, or every entry. A repository whose entry no longer names it is unlinked. The team (or
    the platform itself, ``actor`` None, when an entry's address changes). Returns ``{"linked", "unlinked"}``."""
    if actor is not None:
        _require_team(actor)
    by_url = _software_by_url()
    if software is not None:
        key = repository_url_normalize(software.repository_url)
        targets = CodeRepository.objects.filter(Q(software=software) | Q(url=key) if key else Q(software=software))
        by_url = {key: software.pk} if key else {}
    else:
        targets = CodeRepository.objects.filter(Q(software__isnull=False) | Q(url__in=list(by_url)))
    linked = unlinked = 0
    with transaction.atomic():
        for repository in targets.only("pk", "url", "software_id"):
            wanted = by_url.get(repository.url)
            if wanted != repository.software_id:
                if wanted is None:
                    unlinked += 1
                else:
                    linked += 1
                CodeRepository.objects.filter(pk=repository.pk).update(software_id=wanted)
        if (linked or unlinked) and actor is not None:
            core_services.audit_append(actor=actor, action="software.inventory.link", target=software,
                                       data={"linked": linked, "unlinked": unlinked})
        if linked or unlinked:
            core_services.open_data_changed(INVENTORY_OPEN_DATA_KEY)
    return {"linked": linked, "unlinked": unlinked}


# --- Reading and searching ---------------------------------------------------------------------------

def repository_get(*, pk) -> CodeRepository:
    try:
        repository = CodeRepository.objects.select_related("organisation", "software").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        repository = None
    if repository is None:
        raise core_services.NotFound(_("Dépôt introuvable."))
    return repository


def repositories_of_body(organisation: Organisation, limit: int = 50) -> list[CodeRepository]:
    """The first ``limit`` repositories of ``organisation`` (active ones first, by name)."""
    return list(CodeRepository.objects.filter(organisation=organisation).select_related("software")
                .order_by("archived", "name", "pk")[:limit])


def _licence_q(identifier: str) -> Q:
    """Licence expressions naming ``identifier`` (identifiers are separated by spaces and parentheses in a
    normalised expression)."""
    q = Q(licence__iexact=identifier)
    for before in ("", " ", "("):
        for after in ("", " ", ")"):
            if before == after == "":
                continue
            if before == "":
                q |= Q(licence__istartswith=identifier + after)
            elif after == "":
                q |= Q(licence__iendswith=before + identifier)
            else:
                q |= Q(licence__icontains=before + identifier + after)
    return q


def _filters_clean(filters: dict) -> dict:
    errors: dict = {}
    clean: dict = {}
    org = str(filters.get("organisation") or "").strip()
    if org:
        found = Organisation.objects.filter(slug=org[:100]).first()
        if found is None:
            errors["organisation"] = [_("Organisme inconnu : « %(v)s ».") % {"v": org[:60]}]
        clean["organisation"] = found
    for name, limit in (("language", 60), ("forge", 100), ("licence", 100)):
        text = " ".join(str(filters.get(name) or "").split())
        if len(text) > limit or _CONTROL.search(text):
            errors[name] = [_("Filtre « %(name)s » trop long ou illisible.") % {"name": name}]
        elif text:
            clean[name] = text
    archived = str(filters.get("archived") or "").strip().lower()
    if archived:
        if archived in ("oui", "yes", "true", "1"):
            clean["archived"] = True
        elif archived in ("non", "no", "false", "0"):
            clean["archived"] = False
        else:
            errors["archived"] = [_("« archived » vaut oui ou non.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _filtered(qs, clean: dict, *, skip: str = ""):
    if clean.get("organisation") is not None and skip != "organisation":
        qs = qs.filter(organisation=clean["organisation"])
    if "language" in clean and skip != "language":
        qs = qs.filter(language__iexact=clean["language"])
    if "forge" in clean and skip != "forge":
        qs = qs.filter(forge__iexact=clean["forge"])
    if "licence" in clean and skip != "licence":
        qs = qs.filter(_licence_q(clean["licence"]))
    if "archived" in clean and skip != "archived":
        qs = qs.filter(archived=clean["archived"])
    return qs


def repository_search(*, q: str = "", filters: dict | None = None, sort: str = "") -> dict:
    """``{"queryset", "facets", "filters", "sort"}``: the repositories matching ``q`` (full text) and ``filters``
    (``organisation`` slug, ``language``, ``forge``, ``licence`` identifier, ``archived`` oui/non), sorted
    (``relevance`` when ``q`` is given, else ``name``; ``activity``: latest activity first), with each filter's
    values and counts among the matches (a handful of queries whatever the number of repositories).
    ``ValidationError`` for a bad filter or sort."""
    clean = _filters_clean(filters or {})
    q = str(q or "")[:500]
    sort = sort or ("relevance" if q.strip() else "name")
    if sort not in SORTS:
        raise ValidationError({"sort": [_("Tri inconnu : « %(v)s » (%(allowed)s).")
                                        % {"v": sort[:20], "allowed": ", ".join(SORTS)}]})
    base = CodeRepository.objects.all()
    match = search.match(INVENTORY_SEARCH_KIND, q)
    qs = _filtered(base, clean)
    if match is not None:
        qs = match.apply(qs, rank="search_rank")
    elif sort == "relevance":
        sort = "name"
    order = {"relevance": ["-search_rank", "name", "pk"], "name": ["name", "pk"],
             "activity": [F("last_activity").desc(nulls_last=True), "name", "pk"]}[sort]
    qs = qs.select_related("organisation", "software").order_by(*order)
    facets = {}
    for name in ("organisation", "language", "licence", "forge", "archived"):
        scope = _filtered(base, clean, skip=name)
        if match is not None:
            scope = match.restrict(scope)
        scope = scope.order_by()
        if name == "organisation":
            rows = (scope.exclude(organisation=None).values("organisation__slug", "organisation__name_fr",
                                                             "organisation__acronym")
                    .annotate(n=Count("pk")).order_by("organisation__name_fr"))
            facets[name] = [{"value": r["organisation__slug"], "label": r["organisation__name_fr"], "count": r["n"]}
                            for r in rows]
        elif name == "licence":
            counts: dict[str, int] = {}
            for expression, n in scope.exclude(licence="").values("licence").annotate(n=Count("pk")).values_list(
                    "licence", "n"):
                for identifier in dict.fromkeys(licence_identifiers(expression)):
                    counts[identifier] = counts.get(identifier, 0) + n
            facets[name] = [{"value": k, "label": k, "count": v} for k, v in sorted(counts.items(),
                                                                                    key=lambda i: (-i[1], i[0]))]
        elif name == "archived":
            rows = dict(scope.values("archived").annotate(n=Count("pk")).values_list("archived", "n"))
            facets[name] = [{"value": "non", "label": _("Actifs"), "count": rows.get(False, 0)},
                            {"value": "oui", "label": _("Archivés"), "count": rows.get(True, 0)}]
        else:
            rows = scope.exclude(**{name: ""}).values(name).annotate(n=Count("pk")).order_by("-n", name)
            facets[name] = [{"value": r[name], "label": r[name], "count": r["n"]} for r in rows[:50]]
    return {"queryset": qs, "facets": facets, "filters": clean, "sort": sort}


def repositories_matching(q: str, *, limit: int = 5) -> dict:
    """``{"count", "items"}``: the inventory's repositories matching ``q`` (full text), the ``limit`` best first —
    what the catalogue's search shows of the inventory (two queries; nothing without ``q``)."""
    match = search.match(INVENTORY_SEARCH_KIND, str(q or "")[:500])
    if match is None:
        return {"count": 0, "items": []}
    qs = match.apply(CodeRepository.objects.all(), rank="search_rank")
    return {"count": qs.count(),
            "items": list(qs.select_related("organisation", "software").order_by("-search_rank", "name", "pk")[:limit])}


def inventory_filter_choices() -> dict:
    """The bodies that have repositories (for the import page's and search page's lists)."""
    return {"bodies": list(Organisation.objects.filter(kind__in=access.BODY_KINDS).order_by("name_fr"))}


# --- Open data ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = ["url", "nom", "description", "organisme", "organisme_nom", "forge", "compte", "langage", "licence",
                  "sujets", "derniere_activite", "archive", "logiciel_catalogue"]


def _export_rows(queryset) -> list[dict]:
    return [{"url": r.url, "nom": r.name, "description": r.description,
             "organisme": r.organisation.slug if r.organisation_id else "",
             "organisme_nom": r.organisation.name_fr if r.organisation_id else "", "forge": r.forge, "compte": r.owner,
             "langage": r.language, "licence": r.licence, "sujets": ";".join(r.topics),
             "derniere_activite": r.last_activity.isoformat() if r.last_activity else "",
             "archive": "oui" if r.archived else "non", "logiciel_catalogue": r.software.slug if r.software_id else ""}
            for r in queryset]


def _csv_safe(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(queryset) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in _export_rows(queryset):
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


def export_json(queryset) -> bytes:
    return json.dumps({"repositories": _export_rows(queryset)}, ensure_ascii=False, indent=1).encode("utf-8")


def open_data_export() -> dict | None:
    """The inventory as an open dataset (CSV and JSON); ``None`` while it is empty."""
    qs = CodeRepository.objects.select_related("organisation", "software").order_by("url")
    if not qs.exists():
        return None
    return {
        "organisation": core_services.open_data_organisation(),
        "metadata": {
            "name": "inventaire-depots-code-organismes-publics",
            "title_fr": "Inventaire des dépôts de code source des organismes publics",
            "title_en": "Inventory of public bodies' source-code repositories",
            "notes_fr": ("Les dépôts de code publiés par les ministères, organismes publics et municipalités, sur la "
                         "forge gouvernementale ou ailleurs : adresse, nom, description, organisme, forge, compte, "
                         "langage, licence (SPDX), sujets, dernière activité, archivé ou non, et le logiciel du "
                         "catalogue auquel le dépôt correspond. Mis à jour automatiquement."),
            "notes_en": ("Source-code repositories published by ministries, public bodies and municipalities, on the "
                         "government forge or elsewhere: address, name, description, body, forge, account, language, "
                         "licence (SPDX), topics, last activity, archived or not, and the catalogue entry it matches. "
                         "Refreshed automatically."),
            "licence": "CC-BY-4.0",
            "tags": ["logiciel libre", "code source", "open source", "free software"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
            "spatial_name": "Québec",
            "url": core_services.absolute_url("software:inventory") or settings.OUVERT_BASE_URL + "/",
        },
        "resources": [
            {"name_fr": "Dépôts de code (CSV)", "name_en": "Code repositories (CSV)", "format": "CSV",
             "filename": "depots-de-code.csv", "content": export_csv(qs)},
            {"name_fr": "Dépôts de code (JSON)", "name_en": "Code repositories (JSON)", "format": "JSON",
             "filename": "depots-de-code.json", "content": export_json(qs)},
        ],
    }
