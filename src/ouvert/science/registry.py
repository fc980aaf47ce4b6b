"""The registry of funded publications (see ``services``): declaring a publication (form, API, DOI look-up
through ``crossref``, CSV import), changing and withdrawing it, reading it, the public search with its facets
and exports, the reminders to corresponding authors of non-compliant publications, and the open dataset.

Every writing function takes keyword-only arguments, checks who acts (``access``), validates with a
``ValidationError`` whose messages name the field (or the line and column of an imported file), writes in
one transaction, asks ``compliance`` for the verdicts again, keeps the search index (kind
``science.publication``) in step, and bumps ``updated_at`` (the OAI-PMH datestamp) on every change.

Who: a signed-in person declares (and becomes ``declared_by``); the staff of an institution declare and
import for it; science managers for any. Changes as ``access.can_edit_publication`` says.

Dates: ``published_on`` and ``deposited_on`` are not in the future (Montreal's today); a copy is not open
before it is deposited (``deposit_open_on`` ≥ ``deposited_on``; an embargo's end may be in the future);
nothing before 1900. A deposited version or a deposit date needs the repository's address.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.models import Organisation
from ouvert.core.montreal import MONTREAL, today

from . import access, csvfile
from .csvfile import ImportTooLarge
from .identifiers import doi_normalize, issn_normalize, licence_normalize, orcid_normalize
from .models import Author, Compliance, Deposit, Fund, Funding, OAStatus, Publication, Reminder, Version

__all__ = [
    "CSV_COLUMNS", "EXPORT_COLUMNS", "MONTREAL", "OPEN_DATA_KEY", "SEARCH_KIND", "SORTS",
    "ImportTooLarge", "can_edit", "import_check_size", "reminder_days", "export_csv", "institution_choices", "publication_url", "export_json", "export_rows", "my_publications", "open_copies",
    "open_data_export", "publication_create", "publication_first_failure", "publication_get",
    "publication_import", "publication_index", "publication_reindex", "publication_list_queryset", "publication_search",
    "publication_update", "publication_values", "publication_withdraw", "reasons_text", "reminder_preview",
    "reminders_send", "today",
]

SEARCH_KIND = "science.publication"
OPEN_DATA_KEY = "science"
SORTS = ("relevance", "date", "-date", "title")

#: The columns of an import file (French, as people write them; see ``csvfile.column_key``), and what each
#: holds. ``doi``, ``titre`` and ``fonds`` are required.
CSV_COLUMNS = OrderedDict([
    ("doi", gettext_lazy("DOI de la publication (clé : une publication par DOI ; réimporter met à jour)")),
    ("titre", gettext_lazy("titre de la publication")),
    ("revue", gettext_lazy("titre de la revue")),
    ("issn", gettext_lazy("ISSN de la revue (1234-567X)")),
    ("editeur", gettext_lazy("éditeur")),
    ("date_publication", gettext_lazy("date de publication (AAAA-MM-JJ)")),
    ("licence", gettext_lazy("licence de l'article (CC BY 4.0, CC-BY-4.0 ou adresse de la licence)")),
    ("version_deposee", gettext_lazy("version déposée : soumise, acceptée ou publiée")),
    ("url_depot", gettext_lazy("adresse de la copie déposée")),
    ("date_depot", gettext_lazy("date du dépôt (AAAA-MM-JJ)")),
    ("depot_ouvert_le", gettext_lazy("date d'ouverture de la copie déposée (fin de l'embargo, AAAA-MM-JJ)")),
    ("licence_depot", gettext_lazy("licence de la copie déposée")),
    ("statut_acces", gettext_lazy("statut de libre accès observé : or, vert, hybride, bronze ou fermé")),
    ("fonds", gettext_lazy("sigle du fonds (FRQNT, FRQS, FRQSC) ; plusieurs séparés par « ; »")),
    ("numero_subvention", gettext_lazy("numéro de subvention ; plusieurs séparés par « ; », dans l'ordre des fonds")),
    ("date_concours", gettext_lazy("date de lancement du concours de la subvention (AAAA-MM-JJ, facultative)")),
    ("auteurs", gettext_lazy("auteurs séparés par « ; », l'ORCID entre chevrons, l'auteur de correspondance "
                             "marqué d'un astérisque : Chercheuse Tremblay* <0000-0002-1825-0097>; Autre Nom")),
    ("courriel_correspondance", gettext_lazy("courriel de l'auteur de correspondance (privé)")),
    ("etablissement", gettext_lazy("identifiant ou sigle de l'établissement")),
])
REQUIRED_COLUMNS = ("doi", "titre", "fonds")

#: The columns of exports and of the open dataset (never an e-mail).
EXPORT_COLUMNS = ["doi", "titre", "revue", "issn", "editeur", "date_publication", "licence", "version_deposee",
                  "url_depot", "date_depot", "depot_ouvert_le", "licence_depot", "statut_acces", "conformite",
                  "fonds", "numero_subvention", "verdicts", "auteurs", "orcid", "etablissement", "copies_ouvertes",
                  "adresse", "verifiee_le", "modifiee_le"]

TEXT_LIMITS = {"title": 1000, "journal_title": 500, "publisher": 300, "repository_url": 1000}
REASON_MAX = 500
MAX_AUTHORS = 500
MAX_FUNDINGS = 20
EARLIEST = datetime.date(1900, 1, 1)
#: SPDX identifiers accepted as they are, besides the Creative Commons licences ``licence_normalize`` reads.
KNOWN_SPDX = {"CC-PDDC", "PDDL-1.0", "ODC-By-1.0", "ODbL-1.0", "OGL-Canada-2.0", "etalab-2.0", "MIT", "Apache-2.0",
              "GPL-3.0-or-later", "LGPL-3.0-or-later", "BSD-3-Clause"}
VERSION_WORDS = {
    "submitted": Version.SUBMITTED, "soumis": Version.SUBMITTED, "soumise": Version.SUBMITTED,
    "preprint": Version.SUBMITTED, "prepublication": Version.SUBMITTED, "smur": Version.SUBMITTED,
    "accepted": Version.ACCEPTED, "accepte": Version.ACCEPTED, "acceptee": Version.ACCEPTED, "aam": Version.ACCEPTED,
    "am": Version.ACCEPTED, "manuscrit accepte": Version.ACCEPTED, "postprint": Version.ACCEPTED,
    "published": Version.PUBLISHED, "publie": Version.PUBLISHED, "publiee": Version.PUBLISHED, "vor": Version.PUBLISHED,
    "version publiee": Version.PUBLISHED, "version of record": Version.PUBLISHED,
}
OA_WORDS = {"gold": OAStatus.GOLD, "or": OAStatus.GOLD, "green": OAStatus.GREEN, "vert": OAStatus.GREEN,
            "hybrid": OAStatus.HYBRID, "hybride": OAStatus.HYBRID, "bronze": OAStatus.BRONZE,
            "closed": OAStatus.CLOSED, "ferme": OAStatus.CLOSED}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_url_validator = URLValidator(schemes=["http", "https"])


def register() -> None:
    """The open dataset of the registry (the module's one main-menu link, « Science ouverte », is the support
    part's; the registry's pages are in the module's own navigation)."""
    from ouvert.core import registry

    registry.register_open_data_publisher(OPEN_DATA_KEY, open_data_export)


# --- Helpers -------------------------------------------------------------------------------------

def _fold(value) -> str:
    return csvfile.column_key(str(value or ""))


def publication_url(publication: Publication, lang: str = "fr") -> str:
    return core_services.absolute_url("science:publication_detail", lang, pk=publication.pk)


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _clean_text(value, field: str, errors: dict, *, label, limit: int, required: bool = False) -> str:
    text = " ".join(str(value or "").split())
    if _CONTROL.search(str(value or "")):
        _add(errors, field, _("%(label)s contient des caractères de contrôle.") % {"label": label})
        return ""
    if required and not text:
        _add(errors, field, _("%(label)s est obligatoire.") % {"label": label})
    if len(text) > limit:
        _add(errors, field, _("%(label)s compte %(limit)s caractères au plus.") % {"label": label, "limit": limit})
    return text[:limit]


def _clean_date(value, field: str, errors: dict, *, label, future_ok: bool = False) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            _add(errors, field, _("%(label)s : date invalide (AAAA-MM-JJ attendu).") % {"label": label})
            return None
    if value < EARLIEST:
        _add(errors, field, _("%(label)s : date antérieure à 1900.") % {"label": label})
        return None
    if not future_ok and value > today():
        _add(errors, field, _("%(label)s : la date est dans le futur.") % {"label": label})
        return None
    return value


def _clean_url(value, field: str, errors: dict, *, label) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        _url_validator(text)
    except ValidationError:
        _add(errors, field, _("%(label)s : adresse web invalide (http:// ou https:// seulement).") % {"label": label})
        return ""
    if len(text) > TEXT_LIMITS["repository_url"]:
        _add(errors, field, _("%(label)s : adresse trop longue.") % {"label": label})
        return ""
    return text


def _clean_licence(value, field: str, errors: dict, *, label) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    spdx = licence_normalize(text)
    if spdx:
        return spdx
    known = {k.lower(): k for k in KNOWN_SPDX}
    if text.lower() in known:
        return known[text.lower()]
    _add(errors, field, _("%(label)s : « %(value)s » n'est pas une licence reconnue (écrivez par exemple CC BY 4.0, "
                          "CC-BY-4.0 ou l'adresse de la licence Creative Commons).") % {"label": label, "value": text[:100]})
    return ""


def _clean_choice(value, field: str, errors: dict, *, label, words: dict, choices) -> str:
    text = _fold(value)
    if not text:
        return ""
    if text in {c for c, _l in choices}:
        return text
    if text in words:
        return str(words[text])
    labels = {_fold(lbl): c for c, lbl in choices}
    if text in labels:
        return labels[text]
    _add(errors, field, _("%(label)s : « %(value)s » n'est pas une valeur permise (%(allowed)s).")
         % {"label": label, "value": str(value)[:60], "allowed": ", ".join(c for c, _l in choices)})
    return ""


def _fund_get(value) -> Fund | None:
    if isinstance(value, Fund):
        return value
    key = str(value or "").strip()
    if not key:
        return None
    return Fund.objects.filter(Q(slug__iexact=key) | Q(acronym__iexact=key)).first()


def _institution_get(value) -> Organisation | None:
    if isinstance(value, Organisation):
        return value
    key = str(value or "").strip()
    if not key:
        return None
    return (Organisation.objects.filter(kind=Organisation.Kind.UNIVERSITY)
            .filter(Q(slug__iexact=key) | Q(acronym__iexact=key) | Q(name_fr__iexact=key)).first())


def _clean_authors(rows, errors: dict) -> list[dict]:
    authors = []
    if rows is None:
        return authors
    if not isinstance(rows, list | tuple):
        _add(errors, "authors", _("Les auteurs doivent être une liste."))
        return authors
    if len(rows) > MAX_AUTHORS:
        _add(errors, "authors", _("%(n)s auteurs au plus.") % {"n": MAX_AUTHORS})
        return authors
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            _add(errors, "authors", _("Auteur %(n)s : données invalides.") % {"n": n})
            continue
        if not any(str(row.get(k) or "").strip() for k in ("name", "orcid", "affiliation", "email")):
            continue
        prefix = _("Auteur %(n)s") % {"n": n}
        name = _clean_text(row.get("name"), "authors", errors, label=prefix + " — " + _("nom"), limit=300, required=True)
        orcid = ""
        if str(row.get("orcid") or "").strip():
            orcid = orcid_normalize(str(row["orcid"])) or ""
            if not orcid:
                _add(errors, "authors", _("%(who)s : ORCID invalide « %(value)s » (seize chiffres, le dernier est une clé "
                                          "de contrôle, ex. 0000-0002-1825-0097).")
                     % {"who": prefix, "value": str(row["orcid"])[:40]})
        email = str(row.get("email") or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                _add(errors, "authors", _("%(who)s : courriel invalide.") % {"who": prefix})
                email = ""
        corresponding = row.get("is_corresponding") in (True, "on", "true", "1", 1, "True")
        authors.append({"name": name, "orcid": orcid, "email": email.lower(), "is_corresponding": corresponding,
                        "affiliation": _clean_text(row.get("affiliation"), "authors", errors,
                                                   label=prefix + " — " + _("affiliation"), limit=500)})
    return authors


def _clean_fundings(rows, errors: dict) -> list[dict]:
    fundings = []
    if not isinstance(rows, list | tuple):
        rows = []
    if len(rows) > MAX_FUNDINGS:
        _add(errors, "fundings", _("%(n)s financements au plus.") % {"n": MAX_FUNDINGS})
        return fundings
    seen = set()
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            _add(errors, "fundings", _("Financement %(n)s : données invalides.") % {"n": n})
            continue
        if not any(str(row.get(k) or "").strip() for k in ("fund", "grant_number", "competition_date")):
            continue
        prefix = _("Financement %(n)s") % {"n": n}
        fund = _fund_get(row.get("fund"))
        if fund is None:
            _add(errors, "fundings", _("%(who)s : choisissez un fonds connu (FRQNT, FRQS ou FRQSC) ; « %(value)s » "
                                       "n'en est pas un.") % {"who": prefix, "value": str(row.get("fund") or "")[:40]})
            continue
        grant = _clean_text(row.get("grant_number"), "fundings", errors, label=prefix + " — " + _("numéro de subvention"),
                            limit=100)
        competition = _clean_date(row.get("competition_date"), "fundings", errors,
                                  label=prefix + " — " + _("date de lancement du concours"))
        if (fund.pk, grant) in seen:
            _add(errors, "fundings", _("%(who)s : ce fonds et ce numéro de subvention sont déjà donnés.") % {"who": prefix})
            continue
        seen.add((fund.pk, grant))
        fundings.append({"fund": fund, "grant_number": grant, "competition_date": competition})
    if not fundings:
        _add(errors, "fundings", _("Donnez au moins un financement : le fonds (FRQNT, FRQS ou FRQSC) et le numéro de "
                                   "subvention."))
    return fundings


def _clean(data: dict, errors: dict, *, publication: Publication | None = None) -> dict:
    """The publication's fields, authors and fundings from ``data`` (form, API, CSV or DOI look-up)."""
    values: dict = {}
    doi_text = str(data.get("doi") or "").strip()
    values["doi"] = None
    if doi_text:
        values["doi"] = doi_normalize(doi_text)
        if values["doi"] is None:
            _add(errors, "doi", _("« %(value)s » n'est pas un DOI (il s'écrit 10.1234/abcd, avec ou sans https://doi.org/).")
                 % {"value": doi_text[:100]})
    values["title"] = _clean_text(data.get("title"), "title", errors, label=_("Le titre"), limit=1000, required=True)
    values["journal_title"] = _clean_text(data.get("journal_title"), "journal_title", errors, label=_("La revue"),
                                          limit=500)
    values["publisher"] = _clean_text(data.get("publisher"), "publisher", errors, label=_("L'éditeur"), limit=300)
    issn_text = str(data.get("issn") or "").strip()
    values["issn"] = ""
    if issn_text:
        values["issn"] = issn_normalize(issn_text) or ""
        if not values["issn"]:
            _add(errors, "issn", _("ISSN invalide « %(value)s » : huit caractères (1234-567X) dont le dernier est une clé "
                                   "de contrôle.") % {"value": issn_text[:20]})
    values["published_on"] = _clean_date(data.get("published_on"), "published_on", errors, label=_("Date de publication"))
    values["licence"] = _clean_licence(data.get("licence"), "licence", errors, label=_("Licence de l'article"))
    values["version_deposited"] = _clean_choice(data.get("version_deposited"), "version_deposited", errors,
                                                label=_("Version déposée"), words=VERSION_WORDS, choices=Version.choices)
    values["repository_url"] = _clean_url(data.get("repository_url"), "repository_url", errors,
                                          label=_("Adresse du dépôt"))
    values["deposited_on"] = _clean_date(data.get("deposited_on"), "deposited_on", errors, label=_("Date du dépôt"))
    values["deposit_open_on"] = _clean_date(data.get("deposit_open_on"), "deposit_open_on", errors,
                                            label=_("Ouverture de la copie déposée"), future_ok=True)
    values["deposit_licence"] = _clean_licence(data.get("deposit_licence"), "deposit_licence", errors,
                                               label=_("Licence de la copie déposée"))
    values["oa_status"] = _clean_choice(data.get("oa_status"), "oa_status", errors, label=_("Statut de libre accès"),
                                        words=OA_WORDS, choices=OAStatus.choices)
    if (values["version_deposited"] or values["deposited_on"] or values["deposit_open_on"]) and not values["repository_url"] \
            and "repository_url" not in errors:
        _add(errors, "repository_url", _("Donnez l'adresse de la copie déposée (la version, la date du dépôt ou son "
                                         "ouverture ont été données)."))
    if values["deposited_on"] and values["deposit_open_on"] and values["deposit_open_on"] < values["deposited_on"]:
        _add(errors, "deposit_open_on", _("La copie déposée ne peut pas être ouverte avant d'avoir été déposée."))
    institution_value = data.get("institution")
    values["institution"] = None
    if institution_value not in (None, ""):
        values["institution"] = _institution_get(institution_value)
        if values["institution"] is None:
            _add(errors, "institution", _("Établissement inconnu : « %(value)s » (un établissement est une université "
                                          "ou un centre de recherche inscrit sur la plateforme).")
                 % {"value": str(institution_value)[:100]})
    values["authors"] = _clean_authors(data.get("authors"), errors)
    if not values["authors"] and "authors" not in errors:
        _add(errors, "authors", _("Donnez au moins un auteur ou une autrice."))
    values["fundings"] = _clean_fundings(data.get("fundings"), errors)
    return values


def _doi_taken_message(doi: str, exclude_pk=None) -> str:
    other = Publication.objects.filter(doi=doi).exclude(pk=exclude_pk).first()
    if other is not None and other.withdrawn_at is None:
        return _("Ce DOI est déjà déclaré : « %(title)s » (%(url)s).") % {"title": other.title[:200],
                                                                         "url": publication_url(other)}
    return _("Ce DOI est déjà déclaré (publication retirée du registre) : adressez-vous aux gestionnaires.")


def _journal_for(values: dict):
    """The registry's journal of the publication (by ISSN, then by title), or ``None``."""
    from . import policy

    return policy.journal_lookup(issn=values.get("issn") or None, title=values.get("journal_title") or None)


def _recompute(publications: list[Publication]) -> None:
    from . import compliance

    if not publications:
        return
    if len(publications) == 1:
        compliance.publication_recompute(publications[0])
    else:
        compliance.recompute(Publication.objects.filter(pk__in=[p.pk for p in publications]))


def publication_index(publication: Publication) -> None:
    """The publication in the search index (title, authors, journal, DOI), or out of it once withdrawn."""
    if publication.withdrawn_at is not None:
        search.remove(SEARCH_KIND, publication.pk)
        return
    authors = list(publication.authors.all())
    fundings = list(publication.fundings.select_related("fund"))
    search.index(SEARCH_KIND, publication.pk, title=publication.title,
                 keywords=[a.name for a in authors] + [a.orcid for a in authors if a.orcid],
                 body=[publication.journal_title, publication.publisher, publication.doi or "", publication.issn,
                       *[f"{f.fund.acronym} {f.grant_number}" for f in fundings]])


def publication_reindex(progress=None) -> int:
    """Rebuild the search index of the registry (kind ``science.publication``) from the publications not
    withdrawn, in one transaction; returns how many were indexed."""
    qs = Publication.objects.filter(withdrawn_at__isnull=True).prefetch_related(
        "authors", Prefetch("fundings", queryset=Funding.objects.select_related("fund"))).order_by("pk")

    def items():
        for p in qs.iterator(chunk_size=500):
            authors = list(p.authors.all())
            yield p.pk, {"title": p.title, "keywords": [a.name for a in authors] + [a.orcid for a in authors if a.orcid],
                         "body": [p.journal_title, p.publisher, p.doi or "", p.issn,
                                  *[f"{f.fund.acronym} {f.grant_number}" for f in p.fundings.all()]]}
    return search.reindex(SEARCH_KIND, items(), progress=progress)


def _write_children(publication: Publication, values: dict) -> None:
    publication.authors.all().delete()
    Author.objects.bulk_create([Author(publication=publication, position=n, name=a["name"], orcid=a["orcid"],
                                       affiliation=a["affiliation"], is_corresponding=a["is_corresponding"],
                                       email=a["email"]) for n, a in enumerate(values["authors"])])
    publication.fundings.all().delete()
    Funding.objects.bulk_create([Funding(publication=publication, fund=f["fund"], grant_number=f["grant_number"],
                                         competition_date=f["competition_date"]) for f in values["fundings"]])


FIELDS = ("doi", "title", "journal_title", "issn", "publisher", "published_on", "licence", "version_deposited",
          "repository_url", "deposited_on", "deposit_open_on", "deposit_licence", "oa_status", "institution")


def _apply(publication: Publication, values: dict) -> None:
    for field in FIELDS:
        setattr(publication, field, values[field])


def institution_choices():
    """The institutions a publication may name (universities and research centres), by name."""
    return Organisation.objects.filter(kind=Organisation.Kind.UNIVERSITY).order_by("name_fr")


# --- Who ------------------------------------------------------------------------------------------

def can_edit(user, publication: Publication) -> bool:
    return publication.withdrawn_at is None and access.can_edit_publication(user, publication)


def _require_signed_in(actor) -> None:
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour déclarer une publication."))


# --- Writing --------------------------------------------------------------------------------------

def publication_create(*, actor, data: dict, source: str | None = None) -> Publication:
    """Declare a publication (see the module's docstring); ``data`` as ``publication_values`` gives it, with
    ``authors`` (name, orcid, affiliation, is_corresponding, email) and ``fundings`` (fund slug or acronym,
    grant_number, competition_date)."""
    _require_signed_in(actor)
    errors: dict = {}
    values = _clean(data or {}, errors)
    if values.get("institution") is None and not errors:
        staff = list(access.staff_institutions(actor)[:2])
        if len(staff) == 1:
            values["institution"] = staff[0]
    if values["doi"] and "doi" not in errors and Publication.objects.filter(doi=values["doi"]).exists():
        _add(errors, "doi", _doi_taken_message(values["doi"]))
    if errors:
        raise ValidationError(errors)
    source = source or str(data.get("source") or "") or Publication.Source.FORM
    if source not in Publication.Source.values or source == Publication.Source.DEMO:
        source = Publication.Source.FORM
    try:
        with transaction.atomic():
            now = timezone.now()
            publication = Publication(declared_by=actor, source=source, created_at=now, updated_at=now)
            _apply(publication, values)
            publication.journal = _journal_for(values)
            publication.save()
            _write_children(publication, values)
            _recompute([publication])
            publication.refresh_from_db()
            publication_index(publication)
            core_services.open_data_changed(OPEN_DATA_KEY)
    except IntegrityError:
        if values["doi"] and Publication.objects.filter(doi=values["doi"]).exists():
            raise ValidationError({"doi": [_doi_taken_message(values["doi"])]}) from None
        raise
    return publication


def publication_update(*, actor, publication: Publication, data: dict) -> Publication:
    """Change a publication: every field, its authors and fundings as ``data`` gives them (what the
    declaration form holds)."""
    if not access.is_signed_in(actor) or not access.can_edit_publication(actor, publication):
        raise PermissionDenied(_("Seuls la personne qui l'a déclarée, le personnel de son établissement et les "
                                 "gestionnaires des fonds modifient cette publication."))
    if publication.withdrawn_at is not None:
        raise ValidationError({"__all__": [_("Cette publication est retirée du registre : elle ne se modifie plus.")]})
    errors: dict = {}
    values = _clean(data or {}, errors, publication=publication)
    if values["doi"] and "doi" not in errors and Publication.objects.filter(doi=values["doi"]).exclude(
            pk=publication.pk).exists():
        _add(errors, "doi", _doi_taken_message(values["doi"], exclude_pk=publication.pk))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            locked = Publication.objects.select_for_update().get(pk=publication.pk)
            _apply(locked, values)
            locked.journal = _journal_for(values)
            locked.updated_at = timezone.now()
            locked.save()
            _write_children(locked, values)
            _recompute([locked])
            locked.refresh_from_db()
            publication_index(locked)
            core_services.open_data_changed(OPEN_DATA_KEY)
    except IntegrityError:
        raise ValidationError({"doi": [_doi_taken_message(values["doi"], exclude_pk=publication.pk)]}) from None
    publication.refresh_from_db()
    return publication


def publication_withdraw(*, actor, publication: Publication, reason: str) -> Publication:
    """Withdraw a publication from the registry (kept, announced as deleted by the OAI-PMH provider, out of
    the search, the lists and the open data), with its reason; audited."""
    if not access.is_signed_in(actor) or not access.can_edit_publication(actor, publication):
        raise PermissionDenied(_("Seuls la personne qui l'a déclarée, le personnel de son établissement et les "
                                 "gestionnaires des fonds retirent cette publication."))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Donnez le motif du retrait.")]})
    if len(reason) > REASON_MAX or _CONTROL.search(reason):
        raise ValidationError({"reason": [_("Le motif compte %(n)s caractères au plus, sans caractère de contrôle.")
                                          % {"n": REASON_MAX}]})
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if locked.withdrawn_at is not None:
            raise ValidationError({"__all__": [_("Cette publication est déjà retirée du registre.")]})
        now = timezone.now()
        locked.withdrawn_at, locked.withdrawn_reason, locked.updated_at = now, reason, now
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
        search.remove(SEARCH_KIND, locked.pk)
        core_services.audit_append(actor=actor, action="science.publication.withdraw", target=locked,
                                   data={"doi": locked.doi, "title": locked.title[:200], "reason": reason})
        core_services.open_data_changed(OPEN_DATA_KEY)
    publication.refresh_from_db()
    return publication


# --- Reading --------------------------------------------------------------------------------------

def _with_related(qs):
    return qs.select_related("journal", "institution", "declared_by").prefetch_related(
        Prefetch("authors", queryset=Author.objects.order_by("position", "pk")),
        Prefetch("fundings", queryset=Funding.objects.select_related("fund", "policy_version").order_by("fund__position", "pk")),
        Prefetch("deposits", queryset=Deposit.objects.filter(deleted=False).exclude(url="").select_related("source")
                 .order_by("-datestamp", "pk"), to_attr="open_deposits"),
    )


def publication_get(*, pk, user=None) -> Publication:
    """The publication ``pk`` with its authors, fundings and matched deposits (withdrawn ones too: their page
    says so); ``NotFound`` otherwise."""
    try:
        key = int(str(pk))
    except (TypeError, ValueError):
        key = None
    publication = _with_related(Publication.objects.filter(pk=key)).first() if key is not None else None
    if publication is None:
        raise core_services.NotFound(_("Publication « %(pk)s » introuvable.") % {"pk": str(pk)[:40]})
    return publication


def open_copies(publication: Publication) -> list[dict]:
    """Where the publication can be read: its DOI, the repository address declared, the deposits harvested
    and matched to it (``label``, ``url``, ``version``, ``licence``, ``repository``)."""
    copies = []
    if publication.doi:
        copies.append({"kind": "doi", "label": _("Version de l'éditeur (DOI)"), "url": f"https://doi.org/{publication.doi}",
                       "version": Version.PUBLISHED.label, "licence": publication.licence, "repository": publication.publisher})
    if publication.repository_url:
        copies.append({"kind": "repository", "label": _("Copie déposée"), "url": publication.repository_url,
                       "version": publication.get_version_deposited_display(), "licence": publication.deposit_licence,
                       "repository": "", "open_on": publication.deposit_open_on})
    deposits = getattr(publication, "open_deposits", None)
    if deposits is None:
        deposits = list(publication.deposits.filter(deleted=False).exclude(url="").select_related("source"))
    for deposit in deposits:
        if deposit.url == publication.repository_url:
            continue
        copies.append({"kind": "deposit", "label": _("Copie moissonnée"), "url": deposit.url,
                       "version": deposit.get_version_display(), "licence": deposit.licence,
                       "repository": deposit.source.name, "open_on": deposit.embargo_until})
    return copies


def my_publications(*, user):
    """What ``user`` declared, and their institutions' publications (withdrawn ones included), newest first."""
    if not access.is_signed_in(user):
        return Publication.objects.none()
    institutions = access.staff_institutions(user).values("pk")
    return _with_related(Publication.objects.filter(Q(declared_by=user) | Q(institution__in=institutions))
                         .order_by("-updated_at", "-pk"))


def _public():
    return Publication.objects.filter(withdrawn_at__isnull=True)


def _filters_clean(filters: dict) -> dict:
    errors: dict = {}
    clean: dict = {}
    fund = str(filters.get("fund") or "").strip()
    if fund:
        found = _fund_get(fund)
        if found is None:
            _add(errors, "fund", _("Fonds inconnu : « %(v)s ».") % {"v": fund[:40]})
        clean["fund"] = found
    year = str(filters.get("year") or "").strip()
    if year:
        if not year.isdigit() or not 1900 <= int(year) <= 2100:
            _add(errors, "year", _("Année invalide : « %(v)s ».") % {"v": year[:10]})
        else:
            clean["year"] = int(year)
    verdict = str(filters.get("verdict") or "").strip()
    if verdict:
        if verdict not in Compliance.values:
            _add(errors, "verdict", _("Verdict inconnu : « %(v)s » (%(allowed)s).")
                 % {"v": verdict[:30], "allowed": ", ".join(Compliance.values)})
        clean["verdict"] = verdict
    oa = str(filters.get("oa_status") or "").strip()
    if oa:
        if oa not in OAStatus.values:
            _add(errors, "oa_status", _("Statut de libre accès inconnu : « %(v)s » (%(allowed)s).")
                 % {"v": oa[:30], "allowed": ", ".join(OAStatus.values)})
        clean["oa_status"] = oa
    institution = str(filters.get("institution") or "").strip()
    if institution:
        found = _institution_get(institution)
        if found is None:
            _add(errors, "institution", _("Établissement inconnu : « %(v)s ».") % {"v": institution[:60]})
        clean["institution"] = found
    if errors:
        raise ValidationError(errors)
    return clean


def _filtered(qs, clean: dict, *, skip: str = ""):
    if clean.get("fund") is not None and skip != "fund":
        qs = qs.filter(Exists(Funding.objects.filter(publication=OuterRef("pk"), fund=clean["fund"])))
    if "year" in clean and skip != "year":
        qs = qs.filter(published_on__year=clean["year"])
    if "verdict" in clean and skip != "verdict":
        qs = qs.filter(compliance=clean["verdict"])
    if "oa_status" in clean and skip != "oa_status":
        qs = qs.filter(oa_status=clean["oa_status"])
    if clean.get("institution") is not None and skip != "institution":
        qs = qs.filter(institution=clean["institution"])
    return qs


def publication_list_queryset(*, q: str = "", filters: dict | None = None, sort: str = ""):
    """The public publications matching ``q`` (full text: title, authors, journal, DOI) and ``filters``
    (``fund``, ``year``, ``verdict``, ``oa_status``, ``institution``), sorted (``relevance`` when ``q`` is
    given, else ``date``: newest first; ``-date``: oldest first; ``title``). ``ValidationError`` on a bad
    filter or sort."""
    clean = _filters_clean(filters or {})
    sort = sort or ("relevance" if (q or "").strip() else "date")
    if sort not in SORTS:
        raise ValidationError({"sort": [_("Tri inconnu : « %(v)s » (%(allowed)s).") % {"v": sort[:20],
                                                                                     "allowed": ", ".join(SORTS)}]})
    qs = _filtered(_public(), clean)
    doi = doi_normalize(q) if (q or "").strip().lower().startswith(("10.", "doi:", "https://doi.org/", "http://dx.doi")) else None
    if doi:  # a DOI is looked up as it is, not as words
        return _with_related(qs.filter(doi=doi).order_by("-published_on", "-pk")), clean, _DoiMatch(doi)
    match = search.match(SEARCH_KIND, q or "")
    if match is not None:
        qs = match.apply(qs, rank="search_rank")
    elif sort == "relevance":
        sort = "date"
    order = {"relevance": ["-search_rank", "-published_on", "-pk"], "date": ["-published_on", "-pk"],
             "-date": ["published_on", "pk"], "title": ["title_normalized", "pk"]}[sort]
    return _with_related(qs.order_by(*order)), clean, match


class _DoiMatch:
    """A search by DOI, restricting facets the way a full-text match does."""

    def __init__(self, doi: str):
        self.doi = doi

    def restrict(self, queryset):
        return queryset.filter(doi=self.doi)


def publication_search(*, q: str = "", filters: dict | None = None, sort: str = "") -> dict:
    """``{"queryset", "facets", "filters", "sort"}``: the matching publications (see
    ``publication_list_queryset``) and, for each filter, the values found among them with their counts
    (counted in SQL: a handful of queries whatever the number of publications)."""
    qs, clean, match = publication_list_queryset(q=q, filters=filters, sort=sort)
    facets = {}
    for name in ("fund", "year", "verdict", "oa_status", "institution"):
        base = _filtered(_public(), clean, skip=name)
        if match is not None:
            base = match.restrict(base)
        base = base.order_by()
        if name == "fund":
            rows = (Funding.objects.filter(publication__in=base.values("pk")).order_by()
                    .values("fund__slug", "fund__acronym", "fund__position")
                    .annotate(n=Count("publication", distinct=True)).order_by("fund__position", "fund__acronym"))
            facets[name] = [{"value": r["fund__slug"], "label": r["fund__acronym"], "count": r["n"]} for r in rows]
        elif name == "year":
            rows = (base.exclude(published_on=None).annotate(y=ExtractYear("published_on")).values("y")
                    .annotate(n=Count("pk")).order_by("-y"))
            facets[name] = [{"value": str(r["y"]), "label": str(r["y"]), "count": r["n"]} for r in rows]
        elif name == "verdict":
            labels = dict(Compliance.choices)
            rows = base.values("compliance").annotate(n=Count("pk")).order_by("compliance")
            facets[name] = [{"value": r["compliance"], "label": str(labels.get(r["compliance"], r["compliance"])),
                             "count": r["n"]} for r in rows]
        elif name == "oa_status":
            labels = dict(OAStatus.choices)
            rows = base.exclude(oa_status="").values("oa_status").annotate(n=Count("pk")).order_by("oa_status")
            facets[name] = [{"value": r["oa_status"], "label": str(labels.get(r["oa_status"], r["oa_status"])),
                             "count": r["n"]} for r in rows]
        else:
            rows = (base.exclude(institution=None).values("institution__slug", "institution__name_fr",
                                                          "institution__acronym")
                    .annotate(n=Count("pk")).order_by("institution__name_fr"))
            facets[name] = [{"value": r["institution__slug"], "label": r["institution__acronym"] or r["institution__name_fr"],
                             "count": r["n"]} for r in rows]
    return {"queryset": qs, "facets": facets, "filters": clean, "sort": sort or ("relevance" if match else "date")}


# --- Verdicts as sentences -------------------------------------------------------------------------

def reasons_text(funding: Funding) -> list[dict]:
    """The steps of a funding's verdict as sentences in the active language: ``{"text", "ok"}`` (``ok``:
    True, False, or None for what is missing)."""
    from . import compliance

    outcomes = {"ok": True, "fail": False}
    return [{"text": compliance.reason_text(step), "ok": outcomes.get(step.get("outcome")), "code": step.get("code", "")}
            for step in funding.reasons or [] if isinstance(step, dict)]


def publication_first_failure(publication: Publication) -> str:
    """The first reason a non-compliant publication fails (the first failing step of its first non-compliant
    funding), in the active language; ``""`` if none."""
    for funding in publication.fundings.all():
        if funding.verdict != Compliance.NOT_COMPLIANT:
            continue
        steps = reasons_text(funding)
        for step in steps:
            if step["ok"] is False:
                return f"{funding.fund.acronym} : {step['text']}"
        if steps:
            return f"{funding.fund.acronym} : {steps[-1]['text']}"
    return ""


# --- Form values ---------------------------------------------------------------------------------

def publication_values(publication: Publication) -> dict:
    """What the declaration form shows for a stored publication (the services' ``data``)."""
    values = {field: getattr(publication, field) for field in FIELDS if field != "institution"}
    for field in ("published_on", "deposited_on", "deposit_open_on"):
        values[field] = values[field].isoformat() if values[field] else ""
    values["doi"] = publication.doi or ""
    values["institution"] = publication.institution.slug if publication.institution_id else ""
    values["authors"] = [{"name": a.name, "orcid": a.orcid, "affiliation": a.affiliation,
                          "is_corresponding": a.is_corresponding, "email": a.email} for a in publication.authors.all()]
    values["fundings"] = [{"fund": f.fund.slug, "grant_number": f.grant_number,
                           "competition_date": f.competition_date.isoformat() if f.competition_date else ""}
                          for f in publication.fundings.all()]
    return values


# --- CSV import -----------------------------------------------------------------------------------

_AUTHOR = re.compile(r"^(?P<star1>\*)?\s*(?P<name>[^<>*]*?)\s*(?P<star2>\*)?\s*(?:<(?P<orcid>[^<>]*)>)?\s*(?P<star3>\*)?$")


def _authors_from_cell(text: str, email: str) -> tuple[list[dict], list[str]]:
    authors, problems = [], []
    for part in [p.strip() for p in (text or "").split(";") if p.strip()]:
        found = _AUTHOR.match(part)
        if not found or not found.group("name"):
            problems.append(_("« %(v)s » : écrivez Nom <ORCID>, l'auteur de correspondance marqué d'un *.")
                            % {"v": part[:80]})
            continue
        authors.append({"name": found.group("name"), "orcid": found.group("orcid") or "", "affiliation": "",
                        "is_corresponding": bool(found.group("star1") or found.group("star2") or found.group("star3")),
                        "email": ""})
    if authors:
        corresponding = [a for a in authors if a["is_corresponding"]]
        if not corresponding:
            authors[0]["is_corresponding"] = True
            corresponding = [authors[0]]
        if email:
            corresponding[0]["email"] = email
    return authors, problems


COLUMN_FIELDS = {"doi": "doi", "titre": "title", "revue": "journal_title", "issn": "issn", "editeur": "publisher",
                 "date publication": "published_on", "licence": "licence", "version deposee": "version_deposited",
                 "url depot": "repository_url", "date depot": "deposited_on", "depot ouvert le": "deposit_open_on",
                 "licence depot": "deposit_licence", "statut acces": "oa_status", "etablissement": "institution"}
FIELD_COLUMNS = {field: next(name for name in CSV_COLUMNS if csvfile.column_key(name) == column)
                 for column, field in COLUMN_FIELDS.items()}
FIELD_COLUMNS.update({"authors": "auteurs", "fundings": "fonds"})
#: Fields an import compares to tell an unchanged row (the observed status is the verdicts' to set).
COMPARED = tuple(field for field in FIELDS if field != "oa_status")


def _row_data(row: dict) -> tuple[dict, list[tuple[str, str]]]:
    data = {field: row.get(column, "") for column, field in COLUMN_FIELDS.items()}
    problems: list[tuple[str, str]] = []
    authors, author_problems = _authors_from_cell(row.get("auteurs", ""), row.get("courriel correspondance", "").strip())
    problems += [("auteurs", p) for p in author_problems]
    data["authors"] = authors
    funds = [f.strip() for f in row.get("fonds", "").split(";") if f.strip()]
    grants = [g.strip() for g in row.get("numero subvention", "").split(";")]
    grants = grants if any(grants) else []
    if grants and len(grants) != len(funds):
        problems.append(("numero_subvention", _("%(g)s numéros de subvention pour %(f)s fonds : donnez-en un par fonds, "
                                                "dans le même ordre.") % {"g": len(grants), "f": len(funds)}))
    competition = row.get("date concours", "")
    data["fundings"] = [{"fund": fund, "grant_number": grants[n] if n < len(grants) else "",
                         "competition_date": competition} for n, fund in enumerate(funds)]
    return data, problems


def _error_lines(line: int, errors: dict) -> list[str]:
    lines = []
    for field, messages in errors.items():
        column = FIELD_COLUMNS.get(field, field)
        for message in messages:
            lines.append(_("Ligne %(line)s, colonne « %(column)s » : %(message)s")
                         % {"line": line, "column": column, "message": message})
    return lines


def _state(publication: Publication) -> tuple:
    return (tuple(getattr(publication, field + "_id" if field == "institution" else field) for field in COMPARED),
            tuple((a.name, a.orcid, a.affiliation, a.is_corresponding, a.email) for a in publication.authors.all()),
            tuple(sorted((f.fund_id, f.grant_number, f.competition_date) for f in publication.fundings.all())))


def _values_state(values: dict) -> tuple:
    fields = tuple((values[f].pk if values[f] is not None else None) if f == "institution" else values[f] for f in COMPARED)
    return (fields,
            tuple((a["name"], a["orcid"], a["affiliation"], a["is_corresponding"], a["email"]) for a in values["authors"]),
            tuple(sorted((f["fund"].pk, f["grant_number"], f["competition_date"]) for f in values["fundings"])))


def import_check_size(size: int) -> None:
    """``ImportTooLarge`` (HTTP 413) when an upload of ``size`` bytes is above the import limit."""
    csvfile.check_size(size)


def publication_import(*, actor, data: bytes, institution: Organisation | str | None = None) -> dict:
    """Import publications from a CSV file (columns: ``CSV_COLUMNS``), all or nothing: every problem is
    reported by line and column and nothing is written; otherwise one transaction creates the new DOIs and
    updates the known ones (a second identical import changes nothing), the verdicts are recomputed once
    for the imported set, and the open data refreshed once. Institution staff import for their institution
    (``institution``, or theirs when they have one); science managers for any. ``csvfile.ImportTooLarge``
    above the size limit. Returns ``{"created", "updated", "unchanged", "rows", "encoding", "delimiter"}``."""
    _require_signed_in(actor)
    manager = access.is_science_manager(actor)
    staff = list(access.staff_institutions(actor))
    if not manager and not staff:
        raise PermissionDenied(_("Seuls le personnel d'un établissement et les gestionnaires des fonds importent des "
                                 "publications. Déclarez les vôtres avec le formulaire."))
    default_institution = None
    if institution not in (None, ""):
        default_institution = _institution_get(institution)
        if default_institution is None:
            raise ValidationError({"institution": [_("Établissement inconnu : « %(v)s ».") % {"v": str(institution)[:60]}]})
        if not manager and default_institution not in staff:
            raise PermissionDenied(_("Vous n'importez que pour votre établissement."))
    elif not manager and len(staff) == 1:
        default_institution = staff[0]
    table = csvfile.read(data, required=list(REQUIRED_COLUMNS))
    if not table.rows:
        raise ValidationError({"file": [_("Le fichier ne contient aucune publication (seulement l'en-tête).")]})
    errors: list[str] = []
    planned: list[tuple[int, dict, Publication | None]] = []
    seen: dict[str, int] = {}
    funds = {}
    for fund in Fund.objects.all():
        funds.setdefault(fund.slug.lower(), fund)
        funds.setdefault(fund.acronym.lower(), fund)
    institutions = {}
    for organisation in Organisation.objects.filter(kind=Organisation.Kind.UNIVERSITY):
        for key in (organisation.slug, organisation.acronym, organisation.name_fr):
            if key:
                institutions.setdefault(key.lower(), organisation)
    existing = {p.doi: p for p in Publication.objects.filter(
        doi__in=[doi_normalize(row.get("doi")) for _line, row in table.rows if doi_normalize(row.get("doi"))])
        .prefetch_related("authors", "fundings")}
    for line, row in table.rows:
        data_row, problems = _row_data(row)
        for funding in data_row["fundings"]:  # known funds and institutions resolved once for the whole file
            funding["fund"] = funds.get(str(funding["fund"]).strip().lower(), funding["fund"])
        if data_row["institution"]:
            data_row["institution"] = institutions.get(str(data_row["institution"]).strip().lower(),
                                                       data_row["institution"])
        if not data_row["institution"] and default_institution is not None:
            data_row["institution"] = default_institution
        row_errors: dict = {}
        values = _clean(data_row, row_errors)
        for column, message in problems:
            row_errors.setdefault(column, []).append(message)
        if not str(row.get("doi") or "").strip():
            row_errors.setdefault("doi", []).append(_("Le DOI est obligatoire dans un import (il identifie la "
                                                      "publication)."))
        institution_value = values.get("institution")
        if institution_value is not None and not manager and institution_value not in staff:
            row_errors.setdefault("institution", []).append(_("Vous n'importez que pour votre établissement."))
        doi = values.get("doi")
        current = existing.get(doi) if doi else None
        if doi and doi in seen:
            row_errors.setdefault("doi", []).append(_("Ce DOI figure déjà à la ligne %(line)s.") % {"line": seen[doi]})
        elif doi:
            seen[doi] = line
        if current is not None:
            if current.withdrawn_at is not None:
                row_errors.setdefault("doi", []).append(_("Cette publication a été retirée du registre : elle ne se "
                                                          "réimporte pas."))
            elif not access.can_edit_publication(actor, current):
                row_errors.setdefault("doi", []).append(_("Ce DOI est déjà déclaré par quelqu'un d'autre, et vous ne "
                                                          "pouvez pas modifier sa déclaration."))
        errors += _error_lines(line, row_errors)
        if len(errors) > 500:
            break
        planned.append((line, values, current))
    if errors:
        raise ValidationError(errors[:500])
    created, updated, unchanged = [], [], 0
    with transaction.atomic():
        now = timezone.now()
        for _line, values, current in planned:
            if current is None:
                publication = Publication(declared_by=actor, source=Publication.Source.CSV, created_at=now, updated_at=now)
                _apply(publication, values)
                publication.journal = _journal_for(values)
                publication.save()
                _write_children(publication, values)
                created.append(publication)
            elif _state(current) == _values_state(values):
                unchanged += 1
            else:
                _apply(current, values)
                current.journal = _journal_for(values)
                current.updated_at = now
                current.save()
                _write_children(current, values)
                updated.append(current)
        changed = created + updated
        if changed:
            _recompute(changed)
            for publication in Publication.objects.filter(pk__in=[p.pk for p in changed]).prefetch_related(
                    "authors", Prefetch("fundings", queryset=Funding.objects.select_related("fund"))):
                publication_index(publication)
            core_services.open_data_changed(OPEN_DATA_KEY)
        report = {"created": len(created), "updated": len(updated), "unchanged": unchanged, "rows": len(planned),
                  "encoding": table.encoding, "delimiter": table.delimiter}
        core_services.audit_append(actor=actor, action="science.publication.import", target=default_institution,
                                   data=dict(report, dois=[p.doi for p in changed][:1000]))
    return report


# --- Exports and the open dataset ------------------------------------------------------------------

def _verdict_labels():
    return dict(Compliance.choices)


def export_rows(queryset) -> list[dict]:
    """One dict per publication (columns ``EXPORT_COLUMNS``), no e-mail; ``queryset`` as
    ``publication_list_queryset`` gives it (authors, fundings and deposits prefetched)."""
    labels = _verdict_labels()
    rows = []
    for p in queryset:
        authors = list(p.authors.all())
        fundings = list(p.fundings.all())
        copies = [c["url"] for c in open_copies(p) if c["kind"] != "doi"]
        rows.append({
            "doi": p.doi or "", "titre": p.title, "revue": p.journal_title, "issn": p.issn, "editeur": p.publisher,
            "date_publication": p.published_on.isoformat() if p.published_on else "", "licence": p.licence,
            "version_deposee": p.version_deposited, "url_depot": p.repository_url,
            "date_depot": p.deposited_on.isoformat() if p.deposited_on else "",
            "depot_ouvert_le": p.deposit_open_on.isoformat() if p.deposit_open_on else "",
            "licence_depot": p.deposit_licence, "statut_acces": p.oa_status, "conformite": p.compliance,
            "fonds": "; ".join(f.fund.acronym for f in fundings),
            "numero_subvention": "; ".join(f.grant_number for f in fundings),
            "verdicts": "; ".join(f"{f.fund.acronym}: {labels.get(f.verdict, f.verdict)}"
                                  + (f" ({f.route})" if f.route else "") for f in fundings),
            "auteurs": "; ".join(a.name for a in authors),
            "orcid": "; ".join(a.orcid for a in authors if a.orcid),
            "etablissement": p.institution.slug if p.institution_id else "",
            "copies_ouvertes": " ".join(copies), "adresse": publication_url(p),
            "verifiee_le": p.checked_at.isoformat() if p.checked_at else "",
            "modifiee_le": p.updated_at.isoformat() if p.updated_at else "",
        })
    return rows


def _csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = str(value if value is not None else "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(queryset) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(queryset):
        writer.writerow([_csv_safe(row[c]) for c in EXPORT_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def export_json(queryset) -> bytes:
    return json.dumps({"publications": export_rows(queryset)}, ensure_ascii=False, indent=1).encode("utf-8")


def open_data_export() -> dict | None:
    """What the science module publishes in the catalogue (open-data publisher ``science``): the registry
    with its verdicts (CSV and JSON, no e-mail) and the dashboard's figures per fund and year (CSV). ``None``
    while the registry is empty."""
    from . import dashboard

    qs = _with_related(_public().order_by("published_on", "pk"))
    if not qs.exists():
        return None
    first = _public().exclude(published_on=None).order_by("published_on").values_list("published_on", flat=True).first()
    with translation.override("fr"):
        figures = dashboard.figures_per_fund_year()
        return {
            "organisation": core_services.open_data_organisation(),
            "metadata": {
                "name": "registre-publications-financees-frq",
                "title_fr": "Registre des publications financées par les Fonds de recherche du Québec et leur conformité "
                            "au libre accès",
                "title_en": "Registry of publications funded by the Fonds de recherche du Québec and their open-access "
                            "compliance",
                "notes_fr": ("Les articles issus de recherches financées par les FRQ, déclarés par les chercheurs et les "
                             "établissements : DOI, titre, auteurs (ORCID), revue, dates, licence, copie déposée, statut de "
                             "libre accès observé, et le verdict de la politique de libre accès de chaque fonds (conforme, "
                             "non conforme, indéterminé) avec la voie retenue. Aucun courriel n'est publié. S'y ajoutent "
                             "les chiffres de conformité par fonds et par année. Mis à jour automatiquement."),
                "notes_en": ("Articles from research funded by the FRQ, declared by researchers and institutions: DOI, "
                             "title, authors (ORCID), journal, dates, licence, deposited copy, observed open-access status, "
                             "and the verdict of each fund's open-access policy (compliant, not compliant, unknown) with "
                             "the route. No e-mail is published. With the compliance figures per fund and year. Refreshed "
                             "automatically."),
                "licence": "CC-BY-4.0",
                "tags": ["libre accès", "science ouverte", "FRQ", "publications", "open access", "Plan S"],
                "themes": ["education-recherche"],
                "frequency": "IRREG",
                "languages": ["fr", "en"],
                "temporal_start": first.isoformat() if first else None,
                "spatial_name": "Québec",
                "url": core_services.absolute_url("science:publication_list") or settings.OUVERT_BASE_URL + "/",
            },
            "resources": [
                {"name_fr": "Publications et verdicts (CSV)", "name_en": "Publications and verdicts (CSV)",
                 "format": "CSV", "filename": "publications.csv", "content": export_csv(qs)},
                {"name_fr": "Publications et verdicts (JSON)", "name_en": "Publications and verdicts (JSON)",
                 "format": "JSON", "filename": "publications.json", "content": export_json(qs)},
                {"name_fr": "Conformité par fonds et par année (CSV)", "name_en": "Compliance per fund and year (CSV)",
                 "format": "CSV", "filename": "conformite-par-fonds-et-annee.csv",
                 "content": dashboard.figures_csv(figures)},
            ],
        }


# --- Reminders ------------------------------------------------------------------------------------

def reminder_days() -> int:
    """Days during which a publication is not reminded again to the same address."""
    return settings.OUVERT_SCIENCE_REMINDER_DAYS


def _reminder_scope(actor):
    """The publications ``actor`` may remind about: all for science managers, their institutions' for
    institution staff; ``PermissionDenied`` otherwise."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour envoyer des rappels."))
    if access.is_science_manager(actor):
        return _public()
    institutions = access.staff_institutions(actor)
    if not institutions.exists():
        raise PermissionDenied(_("Seuls les gestionnaires des fonds et le personnel des établissements envoient des "
                                 "rappels."))
    return _public().filter(institution__in=institutions.values("pk"))


def _reminder_targets(actor, *, publication_ids=None, filters: dict | None = None):
    scope = _reminder_scope(actor)
    if publication_ids:
        scope = scope.filter(compliance=Compliance.NOT_COMPLIANT)
        try:
            ids = [int(str(pk)) for pk in publication_ids]
        except ValueError:
            raise ValidationError({"publications": [_("Identifiants de publications invalides.")]}) from None
        qs = scope.filter(pk__in=ids)
        if qs.count() != len(set(ids)):
            raise ValidationError({"publications": [_("Certaines publications choisies ne sont pas non conformes ou ne "
                                                      "relèvent pas de vous.")]})
    else:
        from . import dashboard

        # As the dashboard counts: a chosen fund's own verdict, else the publication's.
        qs = dashboard.scope_filter(scope, filters or {}).filter(verdict=Compliance.NOT_COMPLIANT)
    return qs.prefetch_related(Prefetch("authors", queryset=Author.objects.filter(is_corresponding=True).exclude(email="")),
                               Prefetch("fundings", queryset=Funding.objects.select_related("fund")))


def _reminder_plan(actor, *, publication_ids=None, filters=None, now=None):
    """``(groups, skipped, without_address)``: for each corresponding address, the publications to remind
    it about; ``skipped``: (publication, address) pairs reminded within ``OUVERT_SCIENCE_REMINDER_DAYS``."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.OUVERT_SCIENCE_REMINDER_DAYS)
    publications = list(_reminder_targets(actor, publication_ids=publication_ids, filters=filters))
    recent = set(Reminder.objects.filter(publication__in=[p.pk for p in publications], sent_at__gte=since)
                 .values_list("publication_id", "email"))
    groups: dict[str, list] = OrderedDict()
    skipped = 0
    without_address = 0
    for publication in publications:
        authors = list(publication.authors.all())
        if not authors:
            without_address += 1
        for author in authors:
            if (publication.pk, author.email) in recent:
                skipped += 1
                continue
            groups.setdefault(author.email, []).append((publication, author))
    return groups, skipped, without_address


def reminder_preview(*, actor, publication_ids=None, filters=None) -> dict:
    groups, skipped, without = _reminder_plan(actor, publication_ids=publication_ids, filters=filters)
    return {"recipients": len(groups), "publications": sum(len(v) for v in groups.values()), "skipped": skipped,
            "without_address": without}


def _reminder_body(items: list, lang: str) -> str:
    with translation.override(lang):
        lines = []
        for publication, _author in items:
            reason = publication_first_failure(publication) or _("voir la page de la publication")
            lines.append(f"- {publication.title}" + (f" (doi:{publication.doi})" if publication.doi else ""))
            lines.append("  " + _("Motif : %(reason)s") % {"reason": reason})
            lines.append("  " + publication_url(publication, lang))
        assistant = core_services.absolute_url("science:assistant", lang)
        intro = _("Selon le registre des publications financées par les Fonds de recherche du Québec, les publications "
                  "suivantes, dont vous êtes l'auteur ou l'autrice de correspondance, ne sont pas conformes à la "
                  "politique de libre accès de leur fonds :")
        todo = _("Pour vous conformer : déposez le manuscrit accepté (ou la version publiée, si la licence le permet) "
                 "dans un dépôt ouvert, sous licence CC BY, sans embargo, puis indiquez son adresse sur la page de la "
                 "publication (ou demandez-le au personnel de votre établissement).")
        help_line = (_("Comment me conformer ? %(url)s") % {"url": assistant}) if assistant else ""
        return "\n".join([intro, "", *lines, "", todo, help_line]).strip()


def reminders_send(*, actor, publication_ids=None, filters: dict | None = None) -> dict:
    """Send one e-mail (French, then English) to each corresponding author of the chosen non-compliant
    publications (``publication_ids``, or every one matching the dashboard's ``filters``), listing them with
    their reason and what to do; a ``Reminder`` per publication and address; nobody is reminded twice of the
    same publication within ``OUVERT_SCIENCE_REMINDER_DAYS`` (counted in ``skipped``); audited. Returns
    ``{"sent", "publications", "skipped", "without_address"}``."""
    with transaction.atomic():
        scope_ids = list(_reminder_targets(actor, publication_ids=publication_ids, filters=filters)
                         .values_list("pk", flat=True))
        # Lock the publications: a second submit waits, then finds the reminders this one stored.
        list(Publication.objects.select_for_update().filter(pk__in=scope_ids).values_list("pk", flat=True))
        groups, skipped, without = _reminder_plan(actor, publication_ids=publication_ids, filters=filters)
        now = timezone.now()
        sent = 0
        reminders = []
        for email, items in groups.items():
            with translation.override("en"):
                subject_en = _("Open access: %(n)s publication(s) to make compliant") % {"n": len(items)}
            with translation.override("fr"):
                subject_fr = _("Libre accès : %(n)s publication(s) à rendre conforme(s)") % {"n": len(items)}
            subject = f"{subject_fr} / {subject_en}"
            body = (_reminder_body(items, "fr") + "\n\n" + "—" * 20 + "\n\n" + _reminder_body(items, "en"))
            EmailMessage(subject=subject, body=body, to=[email]).send()
            sent += 1
            for publication, author in items:
                steps = []
                for funding in publication.fundings.all():
                    if funding.verdict == Compliance.NOT_COMPLIANT:
                        steps += [s for s in funding.reasons or [] if isinstance(s, dict) and s.get("outcome") == "fail"][:1]
                reminders.append(Reminder(publication=publication, author=author, email=email, sent_at=now,
                                          sent_by=actor, reasons=steps))
        Reminder.objects.bulk_create(reminders)
        report = {"sent": sent, "publications": len(reminders), "skipped": skipped, "without_address": without}
        core_services.audit_append(actor=actor, action="science.reminder.send", target=None,
                                   data=dict(report, publication_ids=sorted({r.publication_id for r in reminders})[:1000]))
    return report
