"""DOI look-up: a publication's metadata from Crossref's REST API (``/works/{doi}``), turned into what the
declaration form takes (see ``registry.publication_create``), for the person to confirm.

``crossref_lookup(doi)`` fetches ``settings.OUVERT_SCIENCE_CROSSREF_URL + doi`` through the harvester's
``http_get`` (vetted addresses, timeout, size limit) and gives ``crossref_parse(payload)``:

- ``title``, ``journal_title`` (``container-title``), ``issn`` (the electronic one first, from ``issn-type``;
  every valid ISSN in ``issns``), ``publisher``;
- ``published_on``: the earliest of ``published-online``, ``published-print``, ``published`` and ``issued``;
  a partial date (``[[2017, 6]]``, ``[[2004]]``) gives the first day of the month or year, and a note says so;
- ``authors``: « given family » (or the organisation's ``name``), the ORCID iD from its URL, the
  affiliations, and the first author (``sequence: first``) ticked as corresponding author (to confirm);
- ``licence``: the SPDX identifier of the version of record's licence (``content-version`` ``vor`` or
  ``unspecified``) when it applies from publication (no delay); ``deposit_licence`` and ``deposit_open_on``:
  the accepted manuscript's (``am``) licence and its start; text-mining licences (``tdm``) are ignored and a
  licence that is not Creative Commons (or applies only later) is reported in ``notes``;
- ``links``: the publisher's addresses of the work (landing page, full-text links with their version);
- ``fundings``: each ``funder`` recognised as one of the funds (by acronym, French or English name, or one of
  the funds' former names), one row per award number; the others are listed in ``notes``.

Errors are ``ValidationError`` on ``doi`` with a message a person can act on: not a DOI, unknown to
Crossref (404), Crossref unreachable or slow, an answer that is not a Crossref work.
"""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .identifiers import doi_normalize, issn_normalize, licence_normalize, orcid_normalize, title_normalize
from .models import Fund

__all__ = ["FUND_ALIASES", "crossref_lookup", "crossref_parse"]

#: Former names and acronyms of the funds (as funders still write them), by fund slug.
FUND_ALIASES = {
    "frqnt": ["FQRNT", "Fonds québécois de la recherche sur la nature et les technologies",
              "Fonds de recherche du Québec - Nature et technologies", "Fonds de Recherche du Québec - Nature et Technologie",
              "Fonds de recherche Nature et technologies"],
    "frqs": ["FRSQ", "Fonds de la recherche en santé du Québec", "Fonds de recherche du Québec - Santé",
             "Fonds de Recherche du Québec - Santé", "Fonds de recherche Santé"],
    "frqsc": ["FQRSC", "Fonds québécois de la recherche sur la société et la culture",
              "Fonds de recherche du Québec - Société et culture", "Fonds de recherche Société et culture"],
}

_TAG = re.compile(r"<[^>]+>")


def _text(value) -> str:
    """Crossref's text: the first of a list, markup (JATS, MathML) dropped, entities decoded, spaces collapsed."""
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), "")
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _date(value) -> tuple[datetime.date, int] | None:
    """``{"date-parts": [[2017, 6]]}`` → ``(date(2017, 6, 1), 2)`` (the number of parts given), or ``None``."""
    try:
        parts = [int(part) for part in (value or {}).get("date-parts", [[]])[0] if part is not None]
    except (TypeError, ValueError, IndexError, AttributeError):
        return None
    if not parts:
        return None
    try:
        return datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1), len(parts[:3])
    except ValueError:
        return None


def _fund_keys() -> dict[str, str]:
    """Normalised names → fund slug: each fund's acronym, names and former names."""
    keys: dict[str, str] = {}
    for fund in Fund.objects.all():
        for name in (fund.acronym, fund.name_fr, fund.name_en, fund.slug, *FUND_ALIASES.get(fund.slug, [])):
            key = title_normalize(name)
            if key:
                keys.setdefault(key, fund.slug)
    return keys


def _parse_funders(funders, notes: list[str]) -> list[dict]:
    keys = _fund_keys()
    rows: list[dict] = []
    for funder in funders if isinstance(funders, list) else []:
        if not isinstance(funder, dict):
            continue
        name = _text(funder.get("name"))
        slug = keys.get(title_normalize(name))
        if slug is None:
            if name:
                notes.append(_("Financeur non reconnu comme l'un des fonds : « %(name)s ». Ajoutez le fonds vous-même "
                               "s'il s'agit d'un financement du FRQ.") % {"name": name})
            continue
        awards = [" ".join(str(a).split()) for a in funder.get("award") or [] if str(a).strip()]
        for award in awards or [""]:
            row = {"fund": slug, "grant_number": award[:100]}
            if row not in rows:
                rows.append(row)
    return rows


def _parse_licences(licences, published_on, notes: list[str]) -> dict:
    found = {"licence": "", "deposit_licence": "", "deposit_open_on": ""}
    for entry in sorted((e for e in licences or [] if isinstance(e, dict)),
                        key=lambda e: (_date(e.get("start")) or (datetime.date.max, 0))[0]):
        version = (entry.get("content-version") or "").lower()
        if version == "tdm":
            continue
        url = str(entry.get("URL") or "")
        spdx = licence_normalize(url)
        start = _date(entry.get("start"))
        delay = entry.get("delay-in-days") or 0
        if spdx is None:
            notes.append(_("Licence non reconnue comme licence Creative Commons (%(version)s) : %(url)s")
                         % {"version": version or "?", "url": url[:300]})
            continue
        if version == "am":
            if not found["deposit_licence"]:
                found["deposit_licence"] = spdx
                found["deposit_open_on"] = start[0].isoformat() if start else ""
        elif not found["licence"]:
            if isinstance(delay, int) and delay > 0:
                notes.append(_("La licence %(licence)s de la version publiée ne s'applique qu'à partir du %(date)s "
                               "(%(days)s jours après la publication).")
                             % {"licence": spdx, "date": start[0].isoformat() if start else "?", "days": delay})
            else:
                found["licence"] = spdx
    return found


def _links(work: dict) -> list[dict]:
    """The publisher's addresses of the work: its landing page (``resource.primary``), then its ``link`` entries
    (full text for text mining or similarity checking), each once."""
    links: list[dict] = []
    primary = ((work.get("resource") or {}).get("primary") or {}).get("URL") if isinstance(work.get("resource"), dict) else None
    if isinstance(primary, str) and primary.startswith(("http://", "https://")):
        links.append({"url": primary, "content_type": "text/html", "version": "vor", "application": "landing"})
    for link in work.get("link") or []:
        url = link.get("URL") if isinstance(link, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")) and url not in [x["url"] for x in links]:
            links.append({"url": url, "content_type": str(link.get("content-type") or ""),
                          "version": str(link.get("content-version") or ""),
                          "application": str(link.get("intended-application") or "")})
    return links


def crossref_parse(payload, *, doi: str | None = None) -> dict:
    """The declaration form's data from one Crossref work answer (see the module's docstring); ``notes``
    lists what the person should check. ``ValidationError`` when ``payload`` is not a Crossref work."""
    if (not isinstance(payload, dict) or payload.get("status") != "ok" or payload.get("message-type") != "work"
            or not isinstance(payload.get("message"), dict)):
        raise ValidationError({"doi": [_("La réponse de Crossref n'est pas la notice d'une publication (« work »).")]})
    work = payload["message"]
    notes: list[str] = []
    found_doi = doi_normalize(str(work.get("DOI") or "")) or doi or ""

    dates = [d for d in (_date(work.get(key)) for key in ("published-online", "published-print", "published", "issued"))
             if d]
    published_on = ""
    if dates:
        day, precision = min(dates, key=lambda d: (d[0], -d[1]))
        published_on = day.isoformat()
        if precision < 3:
            notes.append(_("Crossref ne donne que %(what)s de publication : le %(date)s est proposé, corrigez-le si vous "
                           "connaissez le jour exact.")
                         % {"what": _("le mois") if precision == 2 else _("l'année"), "date": published_on})
    else:
        notes.append(_("Crossref ne donne pas de date de publication."))

    issns: list[str] = []
    typed = [(t.get("type"), t.get("value")) for t in work.get("issn-type") or [] if isinstance(t, dict)]
    for _type, value in sorted(typed, key=lambda t: 0 if t[0] == "electronic" else 1):
        issn = issn_normalize(value)
        if issn and issn not in issns:
            issns.append(issn)
    for value in work.get("ISSN") or []:
        issn = issn_normalize(value)
        if issn and issn not in issns:
            issns.append(issn)

    authors = []
    for author in work.get("author") or []:
        if not isinstance(author, dict):
            continue
        name = " ".join(part for part in (_text(author.get("given")), _text(author.get("family"))) if part)
        name = name or _text(author.get("name"))
        if not name:
            continue
        orcid = orcid_normalize(str(author.get("ORCID") or ""))
        if author.get("ORCID") and not orcid:
            notes.append(_("ORCID invalide ignoré pour %(name)s : %(orcid)s") % {"name": name, "orcid": author["ORCID"]})
        affiliations = [_text(a.get("name")) for a in author.get("affiliation") or [] if isinstance(a, dict)]
        authors.append({"name": name[:300], "orcid": orcid or "", "affiliation": "; ".join(a for a in affiliations if a)[:500],
                        "is_corresponding": author.get("sequence") == "first", "email": ""})
    if authors and not any(a["is_corresponding"] for a in authors):
        authors[0]["is_corresponding"] = True
    if authors:
        notes.append(_("Le premier auteur est proposé comme auteur de correspondance : vérifiez-le et ajoutez son courriel."))

    data = {
        "doi": found_doi,
        "title": _text(work.get("title"))[:1000],
        "journal_title": _text(work.get("container-title"))[:500],
        "issn": issns[0] if issns else "",
        "issns": issns,
        "publisher": _text(work.get("publisher"))[:300],
        "published_on": published_on,
        "authors": authors,
        "fundings": _parse_funders(work.get("funder"), notes),
        "type": str(work.get("type") or ""),
        "links": _links(work),
        "source": "crossref",
    }
    data.update(_parse_licences(work.get("license"), published_on, notes))
    if not data["title"]:
        notes.append(_("Crossref ne donne pas de titre."))
    if not data["fundings"]:
        notes.append(_("Aucun des fonds n'est nommé par Crossref : choisissez le fonds et le numéro de subvention."))
    data["notes"] = notes
    return data


def crossref_lookup(doi) -> dict:
    """The form data of the publication ``doi`` according to Crossref (see the module's docstring)."""
    from ouvert.harvest import services as harvest_services

    normalized = doi_normalize(str(doi or ""))
    if normalized is None:
        raise ValidationError({"doi": [_("« %(doi)s » n'est pas un DOI (il s'écrit 10.1234/abcd, avec ou sans "
                                         "https://doi.org/).") % {"doi": str(doi or "")[:100]}]})
    url = settings.OUVERT_SCIENCE_CROSSREF_URL + quote(normalized, safe="/:;()")
    try:
        answer = harvest_services.http_get(url, accept="application/json", ok_statuses=(200, 404))
        if answer.status == 404:
            raise ValidationError({"doi": [_("Crossref ne connaît pas le DOI %(doi)s : vérifiez-le, ou remplissez le "
                                             "formulaire vous-même.") % {"doi": normalized}]})
        payload = answer.json()
    except harvest_services.HarvestHTTPError as exc:
        raise ValidationError({"doi": [_("Crossref n'a pas pu répondre (%(error)s). Réessayez plus tard ou remplissez "
                                         "le formulaire vous-même.") % {"error": exc.message[:300]}]}) from None
    return crossref_parse(payload, doi=normalized)
