"""HTTP for harvesting: timeouts, a User-Agent, a size limit, and errors a person can read.

Everything goes through ``get`` (a whole answer) or ``fetch_to_file`` (streamed to a file); they raise
``HarvestHTTPError`` (a message saying which address failed and why) and never read more than
``max_bytes``. Settings: ``OUVERT_HARVEST_TIMEOUT`` (seconds, default 30) and
``OUVERT_HARVEST_MAX_BYTES`` (default 50 MB per answer).

Every request goes through ``ouvert.core.net`` (no SSRF): a private, local or reserved address
(``http://localhost:5432``, ``http://169.254.169.254/…``, ``http://10.0.0.1``…) is refused before
anything is sent (« adresse interdite »), and so is every redirect hop leading to one, unless
``OUVERT_OUTBOUND_ALLOWED_HOSTS`` allows it; at most ``MAX_REDIRECTS`` redirects.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

from ouvert import __version__
from ouvert.core import net

USER_AGENT = f"Ouvert/{__version__} (moissonneur; +https://github.com/ouvert)"
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_REDIRECTS = 10


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


def _with_params(url: str, params: dict | None) -> str:
    """``url`` with ``params`` added to its query (as ``requests`` does: ``None`` values left out)."""
    pairs = [(key, value) for key, value in (params or {}).items() if value is not None]
    if not pairs:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url  # refused by ``net`` with its reason
    query = "&".join(part for part in (parts.query, urlencode(pairs, doseq=True)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _net_error(url: str, exc: net.NetError) -> HarvestHTTPError:
    """``HarvestHTTPError`` for ``net``'s failure: the address asked for (a redirect's target, possibly)
    and why."""
    failed = exc.url or url
    if exc.kind == net.TIMEOUT:
        message = _("%(url)s : pas de réponse après %(seconds)s secondes.") % {"url": failed[:300],
                                                                               "seconds": _timeout()}
    elif exc.kind in (net.DNS, net.CONNECTION):
        message = _("%(url)s : connexion impossible (%(error)s).") % {"url": failed[:300],
                                                                      "error": exc.message[:300]}
    else:  # forbidden address, invalid address, redirect loop, too many redirects
        message = _("%(url)s : %(error)s") % {"url": failed[:300], "error": _lower_first(exc.message[:400])}
    return HarvestHTTPError(message, url=failed)


@contextlib.contextmanager
def _open(url: str, *, params: dict | None = None, accept: str = "*/*"):
    """The streamed answer (``net.Response``) to a GET of ``url`` (redirects followed, each hop vetted),
    or ``HarvestHTTPError``."""
    try:
        response = net.follow("GET", _with_params(url, params), max_redirects=MAX_REDIRECTS, timeout=_timeout(),
                              stream=True, headers={"User-Agent": USER_AGENT, "Accept": accept,
                                                    "Accept-Encoding": "gzip, deflate"})
    except net.NetError as exc:
        raise _net_error(url, exc) from None
    with response:
        yield response


def _chunks(response: net.Response, limit: int, chunk_size: int) -> Iterator[bytes]:
    """The body of ``response`` in chunks, never more than ``limit`` bytes (``HarvestHTTPError`` beyond,
    as soon as the declared or the read size says so)."""
    final = response.url
    declared = response.headers.get("content-length", "").strip()
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
    except net.NetError as exc:
        raise HarvestHTTPError(_("%(url)s : réponse interrompue (%(error)s).")
                               % {"url": final[:300], "error": exc.message[:300]}, url=final) from None


def _status_error(response: net.Response) -> HarvestHTTPError:
    return HarvestHTTPError(_("%(url)s : le serveur a répondu %(status)s.")
                            % {"url": response.url[:300], "status": response.status},
                            url=response.url, status=response.status)


def get(url: str, *, params: dict | None = None, accept: str = "*/*", ok_statuses=(200,)) -> Answer:
    """GET ``url``; the whole body (at most ``OUVERT_HARVEST_MAX_BYTES``) or ``HarvestHTTPError``."""
    with _open(url, params=params, accept=accept) as response:
        body = b"".join(_chunks(response, _max_bytes(), 65536))
        if response.status not in ok_statuses:
            raise _status_error(response)
        return Answer(url=response.url, status=response.status,
                      content_type=response.headers.get("content-type", ""), body=body)


def fetch_to_file(url: str, path, *, max_bytes: int, progress: Callable[[int], None] | None = None) -> dict:
    """Download ``url`` into the file ``path``, streamed: at most ``max_bytes`` (``HarvestHTTPError``
    beyond, and the partial file is removed); ``progress(bytes)`` is called along the way. Returns
    ``{"url" (after redirects), "size", "sha256", "content_type"}``."""
    digest, size = hashlib.sha256(), 0
    with _open(url) as response:
        if response.status != 200:
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
                "content_type": response.headers.get("content-type", "")}
