"""The identifiers of scholarly publishing, normalised one way for every part (declarations, imports,
DOI look-up, harvested deposits, the journal registry): DOI, ISSN, ORCID, and titles for matching."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["doi_normalize", "doi_find", "issn_normalize", "orcid_normalize", "title_normalize", "licence_normalize"]

_DOI_PREFIXES = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/|info:doi/)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dX])$")
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$", re.IGNORECASE)


def doi_normalize(value: str | None) -> str | None:
    """``10.1234/abc`` (lower-case, no resolver prefix, no trailing punctuation) or ``None`` when
    ``value`` is not a DOI. DOIs are case-insensitive (DOI Handbook 2.4)."""
    text = _DOI_PREFIXES.sub("", (value or "").strip()).strip().rstrip(".,;")
    text = text.replace("%2F", "/").replace("%2f", "/")
    if not _DOI.match(text) or len(text) > 255:
        return None
    return text.lower()


def doi_find(text: str | None) -> str | None:
    """The first DOI written anywhere in ``text`` (a harvested identifier, a URL, a citation)."""
    found = _DOI_IN_TEXT.search(text or "")
    return doi_normalize(found.group(1)) if found else None


def issn_check_digit(first7: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first7, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def issn_normalize(value: str | None) -> str | None:
    """``1234-567X`` when ``value`` is an ISSN with a valid check digit (ISO 3297), else ``None``."""
    found = _ISSN.match((value or "").strip().upper().replace(" ", ""))
    if not found:
        return None
    digits = found.group(1) + found.group(2)
    if issn_check_digit(digits[:7]) != digits[7]:
        return None
    return f"{digits[:4]}-{digits[4:]}"


def orcid_normalize(value: str | None) -> str | None:
    """``0000-0002-1825-0097`` when ``value`` is an ORCID iD (bare or as its URL) with a valid checksum
    (ISO 7064 11,2), else ``None``."""
    found = _ORCID.match((value or "").strip())
    if not found:
        return None
    digits = "".join(found.groups()).upper()
    total = 0
    for digit in digits[:15]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if ("X" if check == 10 else str(check)) != digits[15]:
        return None
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


def title_normalize(value: str | None) -> str:
    """A title reduced for matching: accents and case folded, punctuation and markup dropped, spaces
    collapsed (« L’Accès  libre : un bilan. » → « l acces libre un bilan »)."""
    text = re.sub(r"<[^>]+>", " ", value or "")
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae"))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(re.findall(r"[^\W_]+", text))[:1000]


_CC_URL = re.compile(r"creativecommons\.org/(?:licenses|licences)/([a-z-]+)/(\d\.\d)", re.IGNORECASE)
_CC_ZERO_URL = re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.IGNORECASE)
_CC_TEXT = re.compile(r"^(?:licen[cs]e\s*:?\s*)?(?:creative\s+commons\s+|cc[\s_-]*)"
                      r"((?:by|attribution)(?:[\s_-]*(?:nc|sa|nd))*)(?:[\s_-]*v?(\d\.\d|\d))?(?:\s+international)?$",
                      re.IGNORECASE)
_CC_VERSIONS = {"1": "1.0", "2": "2.0", "3": "3.0", "4": "4.0"}


def licence_normalize(value: str | None) -> str | None:
    """The SPDX identifier of a Creative Commons licence written as its URL (``https://creativecommons.org/
    licenses/by/4.0/``), its SPDX id (``CC-BY-4.0``) or its name (``CC BY 4.0``, ``CC-BY-NC-ND``, ``CC0``);
    ``None`` for anything else (all rights reserved, ``info:eu-repo/semantics/openAccess``…). Without a
    version, 4.0 is meant (the current one)."""
    text = " ".join((value or "").split())
    if not text:
        return None
    if _CC_ZERO_URL.search(text) or re.fullmatch(r"cc[\s_-]*0(?:[\s_-]*1\.0)?|cc[\s_-]*zero", text, re.IGNORECASE):
        return "CC0-1.0"
    found = _CC_URL.search(text)
    if found:
        elements, version = found.group(1).lower().split("-"), found.group(2)
    else:
        found = _CC_TEXT.match(text)
        if not found:
            return None
        words = re.split(r"[\s_-]+", found.group(1).lower().replace("attribution", "by"))
        elements, version = words, _CC_VERSIONS.get(found.group(2) or "4", found.group(2) or "4.0")
    if elements[0] != "by" or len(set(elements)) != len(elements) or not set(elements) <= {"by", "nc", "sa", "nd"}:
        return None
    if "sa" in elements and "nd" in elements:
        return None
    order = [part for part in ("by", "nc", "nd", "sa") if part in elements]
    return "CC-" + "-".join(part.upper() for part in order) + f"-{version}"
