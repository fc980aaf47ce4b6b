"""HTTP for harvesting: timeouts, a User-Agent, a size limit, and errors a person can read.

Everything goes through ``get``; it raises ``HarvestHTTPError`` (a message saying which
address failed and why) and never reads more than ``max_bytes``. Settings:
``OUVERT_HARVEST_TIMEOUT`` (seconds, default 30) and ``OUVERT_HARVEST_MAX_BYTES`` (default
50 MB per answer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from ouvert import __version__

USER_AGENT = f"Ouvert/{__version__} (moissonneur; +https://github.com/ouvert)"
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class HarvestHTTPError(Exception):
    """A remote answer that could not be had or read; ``message`` is for people."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status


@dataclass
class Answer:
    url: str
    status: int
    content_type: str
    body: bytes

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise HarvestHTTPError(_("%(url)s : la réponse n'est pas du JSON valide (%(error)s).")
                                   % {"url": self.url[:300], "error": str(exc)[:200]}, url=self.url) from None


def _timeout() -> float:
    return float(getattr(settings, "OUVERT_HARVEST_TIMEOUT", DEFAULT_TIMEOUT))


def _max_bytes() -> int:
    return int(getattr(settings, "OUVERT_HARVEST_MAX_BYTES", DEFAULT_MAX_BYTES))


def get(url: str, *, params: dict | None = None, accept: str = "*/*", ok_statuses=(200,)) -> Answer:
    """GET ``url``; the whole body (at most ``OUVERT_HARVEST_MAX_BYTES``) or ``HarvestHTTPError``."""
    limit = _max_bytes()
    try:
        response = requests.get(url, params=params, timeout=_timeout(), stream=True, allow_redirects=True,
                                headers={"User-Agent": USER_AGENT, "Accept": accept})
    except requests.Timeout:
        raise HarvestHTTPError(_("%(url)s : pas de réponse après %(seconds)s secondes.")
                               % {"url": url[:300], "seconds": _timeout()}, url=url) from None
    except requests.RequestException as exc:
        raise HarvestHTTPError(_("%(url)s : connexion impossible (%(error)s).")
                               % {"url": url[:300], "error": str(exc)[:300]}, url=url) from None
    with response:
        final = response.url
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise HarvestHTTPError(_("%(url)s : réponse trop volumineuse (%(size)s octets, au plus %(max)s).")
                                   % {"url": final[:300], "size": declared, "max": limit}, url=final)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > limit:
                    raise HarvestHTTPError(_("%(url)s : réponse trop volumineuse (plus de %(max)s octets).")
                                           % {"url": final[:300], "max": limit}, url=final)
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise HarvestHTTPError(_("%(url)s : réponse interrompue (%(error)s).")
                                   % {"url": final[:300], "error": str(exc)[:300]}, url=final) from None
        body = b"".join(chunks)
        if response.status_code not in ok_statuses:
            raise HarvestHTTPError(_("%(url)s : le serveur a répondu %(status)s.")
                                   % {"url": final[:300], "status": response.status_code},
                                   url=final, status=response.status_code)
        return Answer(url=final, status=response.status_code,
                      content_type=response.headers.get("Content-Type", ""), body=body)
