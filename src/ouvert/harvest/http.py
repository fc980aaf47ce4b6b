"""HTTP for harvesting: timeouts, a User-Agent, a size limit, and errors a person can read.

Everything goes through ``get`` (a whole answer) or ``fetch_to_file`` (streamed to a file); they raise ``HarvestHTTPError`` (a message saying which
address failed and why) and never reads more than ``max_bytes``. Settings:
``OUVERT_HARVEST_TIMEOUT`` (seconds, default 30) and ``OUVERT_HARVEST_MAX_BYTES`` (default
50 MB per answer).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

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


@contextlib.contextmanager
def _open(url: str, *, params: dict | None = None, accept: str = "*/*"):
    """The streamed answer to a GET of ``url`` (redirects followed), or ``HarvestHTTPError``."""
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
        yield response


def _chunks(response, limit: int, chunk_size: int) -> Iterator[bytes]:
    """The body of ``response`` in chunks, never more than ``limit`` bytes (``HarvestHTTPError`` beyond,
    as soon as the declared or the read size says so)."""
    final = response.url
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HarvestHTTPError(_("%(url)s : réponse trop volumineuse (%(size)s octets, au plus %(max)s).")
                               % {"url": final[:300], "size": declared, "max": limit}, url=final)
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=chunk_size):
            size += len(chunk)
            if size > limit:
                raise HarvestHTTPError(_("%(url)s : réponse trop volumineuse (plus de %(max)s octets).")
                                       % {"url": final[:300], "max": limit}, url=final)
            yield chunk
    except requests.RequestException as exc:
        raise HarvestHTTPError(_("%(url)s : réponse interrompue (%(error)s).")
                               % {"url": final[:300], "error": str(exc)[:300]}, url=final) from None


def _status_error(response) -> HarvestHTTPError:
    return HarvestHTTPError(_("%(url)s : le serveur a répondu %(status)s.")
                            % {"url": response.url[:300], "status": response.status_code},
                            url=response.url, status=response.status_code)


def get(url: str, *, params: dict | None = None, accept: str = "*/*", ok_statuses=(200,)) -> Answer:
    """GET ``url``; the whole body (at most ``OUVERT_HARVEST_MAX_BYTES``) or ``HarvestHTTPError``."""
    with _open(url, params=params, accept=accept) as response:
        body = b"".join(_chunks(response, _max_bytes(), 65536))
        if response.status_code not in ok_statuses:
            raise _status_error(response)
        return Answer(url=response.url, status=response.status_code,
                      content_type=response.headers.get("Content-Type", ""), body=body)


def fetch_to_file(url: str, path, *, max_bytes: int, progress: Callable[[int], None] | None = None) -> dict:
    """Download ``url`` into the file ``path``, streamed: at most ``max_bytes`` (``HarvestHTTPError``
    beyond, and the partial file is removed); ``progress(bytes)`` is called along the way. Returns
    ``{"url" (after redirects), "size", "sha256", "content_type"}``."""
    digest, size = hashlib.sha256(), 0
    with _open(url) as response:
        if response.status_code != 200:
            raise _status_error(response)
        try:
            with open(path, "wb") as out:
                for chunk in _chunks(response, max_bytes, 1024 * 1024):
                    size += len(chunk)
                    digest.update(chunk)
                    out.write(chunk)
                    if progress is not None:
                        progress(size)
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        return {"url": response.url, "size": size, "sha256": digest.hexdigest(),
                "content_type": response.headers.get("Content-Type", "")}
