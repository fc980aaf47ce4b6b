"""One safe way out to the network: every outbound HTTP request of the platform goes through here
(the link checker ``quality.linkcheck``; harvesting and the datastore's copies of linked files,
``harvest.http``). No database here.

- **Only http and https**, an address of at most ``MAX_URL_LENGTH`` characters, a valid host name.
- **No SSRF.** Before every connection (every redirect hop too) the host name is resolved once
  (``resolve``) and refused (``FORBIDDEN_ADDRESS``, no request sent) if any of its addresses is not
  a public one (``address_forbidden``): private, loopback, link-local, multicast, reserved,
  unspecified, shared (100.64/10), documentation or benchmarking networks, or an IPv6 form wrapping
  one of those (IPv4-mapped, 6to4, NAT64, Teredo). Decimal, hex or octal forms of an address
  (``http://2130706433/``) are resolved like any name and refused the same way.
- **No DNS rebinding.** The connection goes to the vetted address itself (no second lookup that
  could answer differently), with the name in the ``Host`` header and, for HTTPS, in SNI and in the
  certificate check.
- **Allowed on purpose.** ``OUVERT_OUTBOUND_ALLOWED_HOSTS`` (host names, or IP networks in CIDR
  form; a list, or a string separated by commas or spaces; empty by default) exempts what an
  administrator allows (an intranet catalogue; tests allow ``127.0.0.1``). A name is exempt as
  such (whatever it designates); a network exempts the addresses in it, whatever the name.
- **Redirects** are followed by hand (``follow``: 301, 302, 303, 307, 308 with a ``Location``), at
  most ``max_redirects``, each hop vetted like the first address; an address seen twice in a chain
  is a ``REDIRECT_LOOP``. The hops are kept (``Chain``).
- **No proxy.** The environment's ``HTTP_PROXY``/``HTTPS_PROXY`` are not used: a proxy would
  resolve the names itself, after the check.
- **Timeouts**: ``timeout`` seconds to connect, and ``timeout`` seconds for each read (headers,
  then each part of a streamed body).

Failures raise ``NetError``: ``kind`` (one of the constants below, the link checker's outcomes), a
``message`` for people (French first), and ``url``, the address being asked for when it failed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import urllib3
from django.utils.translation import gettext as _
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from ouvert import __version__

__all__ = [
    "CONNECTION", "DNS", "FORBIDDEN_ADDRESS", "INVALID_URL", "REDIRECT_LOOP", "TIMEOUT", "TOO_MANY_REDIRECTS",
    "REDIRECT_STATUSES", "MAX_URL_LENGTH", "Chain", "NetError", "Response", "Target", "address_forbidden",
    "allowed_hosts", "follow", "parse_allowed", "request", "resolve", "target",
]

# The kinds of failure (the link checker's outcomes, ``LinkCheck.Outcome``).
INVALID_URL = "invalid_url"
DNS = "dns"
FORBIDDEN_ADDRESS = "forbidden_address"
TIMEOUT = "timeout"
CONNECTION = "connection"
REDIRECT_LOOP = "redirect_loop"
TOO_MANY_REDIRECTS = "too_many_redirects"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REDIRECTS = 5
MAX_URL_LENGTH = 2000
USER_AGENT = f"Ouvert/{__version__}"

#: Networks whose last 32 bits are an IPv4 address (RFC 6052 NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
#: Not public although Python may call them global (shared address space, benchmarking, documentation…).
_EXTRA_FORBIDDEN = tuple(ipaddress.ip_network(net) for net in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32", "2001:db8::/32", "fc00::/7", "fe80::/10",
    "ff00::/8", "::/128", "::1/128", "100::/64"))


class NetError(Exception):
    """A request that ended without an answer: ``kind`` (``INVALID_URL``, ``DNS``, ``FORBIDDEN_ADDRESS``,
    ``TIMEOUT``, ``CONNECTION``, ``REDIRECT_LOOP``, ``TOO_MANY_REDIRECTS``), ``message`` for people,
    ``url`` the address asked for when it failed (a redirect's target, possibly)."""

    def __init__(self, kind: str, message: str, *, url: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.url = url


# --- The policy: which addresses may be reached ----------------------------------------------

def parse_allowed(value) -> tuple:
    """Allowed hosts (a list, or a string separated by commas or spaces) → host names (lower case)
    and ``ipaddress`` networks."""
    if not value:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    parsed = []
    for item in items:
        if isinstance(item, ipaddress.IPv4Network | ipaddress.IPv6Network):
            parsed.append(item)
            continue
        text = str(item).strip().strip("[]").lower().rstrip(".")
        if not text:
            continue
        try:
            parsed.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            parsed.append(text)
    return tuple(parsed)


def allowed_hosts() -> tuple:
    """What the settings allow: ``OUVERT_OUTBOUND_ALLOWED_HOSTS``, parsed."""
    from django.conf import settings

    if not settings.configured:
        return ()
    return parse_allowed(getattr(settings, "OUVERT_OUTBOUND_ALLOWED_HOSTS", ()))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | str) -> bool:
    """Whether ``ip`` is not a public address (see the module's docstring)."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if ip.version == 6:
        inner = _embedded_ipv4(ip)
        if inner is not None and address_forbidden(inner):
            return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global or any(ip in net for net in _EXTRA_FORBIDDEN
                                                           if net.version == ip.version))


def resolve(host: str, port: int, *, allowed=()) -> list[str]:
    """The vetted addresses of ``host`` (one lookup), or ``NetError`` (``DNS``, ``FORBIDDEN_ADDRESS``).
    ``allowed`` (``parse_allowed``'s result) adds to what the settings allow."""
    name = host.lower().rstrip(".").strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise NetError(DNS, _("Nom de domaine introuvable : %(host)s (%(error)s).")
                       % {"host": name[:200], "error": str(exc)[:200]}) from None
    addresses = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise NetError(DNS, _("Nom de domaine introuvable : %(host)s.") % {"host": name[:200]})
    exempt = tuple(allowed) + allowed_hosts()
    if name in {item for item in exempt if isinstance(item, str)}:
        return addresses
    networks = [item for item in exempt if not isinstance(item, str)]
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if any(ip.version == net.version and ip in net for net in networks):
            continue
        if address_forbidden(ip):
            if address == name:
                message = _("Adresse interdite : %(address)s est une adresse privée, locale ou réservée ; "
                            "aucune requête n'y est envoyée.") % {"address": address}
            else:
                message = _("Adresse interdite : %(host)s désigne %(address)s, une adresse privée, locale ou "
                            "réservée ; aucune requête n'y est envoyée.") % {"host": name[:200], "address": address}
            raise NetError(FORBIDDEN_ADDRESS, message)
    return addresses


# --- Addresses --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """An address, checked and split: ``host`` is the name to resolve (IDNA-encoded), ``path`` the
    request's target (path and query, escaped)."""

    url: str
    scheme: str
    host: str
    port: int
    host_header: str
    path: str


_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$", re.IGNORECASE)


def target(url: str) -> Target:
    """``url`` checked (``NetError`` ``INVALID_URL``) and split."""
    if len(url) > MAX_URL_LENGTH:
        raise NetError(INVALID_URL, _("Adresse trop longue (plus de %(max)s caractères).") % {"max": MAX_URL_LENGTH},
                       url=url[:MAX_URL_LENGTH])
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise NetError(INVALID_URL, _("Adresse invalide : %(error)s.") % {"error": str(exc)[:200]}, url=url) \
            from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise NetError(INVALID_URL, _("Seules les adresses http et https sont permises (adresse en "
                                      "« %(scheme)s »).") % {"scheme": scheme[:20] or "?"}, url=url)
    host = parts.hostname or ""
    if not host:
        raise NetError(INVALID_URL, _("Adresse sans nom de domaine."), url=url)
    try:
        ipaddress.ip_address(host)
        ascii_host = host
    except ValueError:
        try:
            ascii_host = host.rstrip(".").encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = ""
        if not _HOST_NAME.match(ascii_host):
            raise NetError(INVALID_URL, _("Nom de domaine invalide : %(host)s.") % {"host": host[:200]},
                           url=url) from None
    port = port or (443 if scheme == "https" else 80)
    default_port = port == (443 if scheme == "https" else 80)
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    host_header = shown if default_port else f"{shown}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
    return Target(url=url, scheme=scheme, host=ascii_host, port=port, host_header=host_header, path=path)


def _loop_key(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # refused by ``target`` when asked for
        return url.strip()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


# --- One request --------------------------------------------------------------------------------

def _seconds(value: float) -> str:
    return f"{value:g}"


def _default_ca_certs() -> str | None:
    """The CA bundle when none is given: ``REQUESTS_CA_BUNDLE`` if set (as ``requests`` did), else the
    system's (None), else certifi's when the system has none."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        return bundle
    paths = ssl.get_default_verify_paths()
    if (paths.cafile and os.path.exists(paths.cafile)) or (paths.capath and os.path.isdir(paths.capath)):
        return None
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with requests
        return None
    return certifi.where()


def _pool(where: Target, address: str, timeout: float, ca_certs: str | None):
    timeouts = urllib3.Timeout(connect=timeout, read=timeout)
    if where.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, where.port, timeout=timeouts, maxsize=1, retries=False, cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs if ca_certs is not None else _default_ca_certs(),
            assert_hostname=where.host, server_hostname=where.host)
    return urllib3.HTTPConnectionPool(address, where.port, timeout=timeouts, maxsize=1, retries=False)


class Response:
    """An answer: ``status``, ``headers`` (names in lower case), ``url`` (after redirects, with ``follow``),
    ``redirects`` (the hops followed: ``[{"status", "url"}]``), and the body: ``content`` (read at once,
    unless streamed) or ``iter_content`` (streamed; ``NetError`` if the answer is cut or too slow).
    Close it (``close`` or ``with``) when streamed."""

    def __init__(self, raw, pool, *, url: str, timeout: float):
        self._raw = raw
        self._pool = pool
        self._timeout = timeout
        self.url = url
        self.status: int = raw.status
        self.headers: dict[str, str] = {key.lower(): value for key, value in raw.headers.items()}
        self.redirects: list[dict] = []
        self.content: bytes | None = None

    def iter_content(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """The body, decoded (gzip, deflate), in chunks of at most about ``chunk_size`` bytes."""
        if self.content is not None:
            yield self.content
            return
        if self._raw is None:
            raise NetError(CONNECTION, _("Connexion interrompue : la réponse est déjà fermée."), url=self.url)
        try:
            for chunk in self._raw.stream(chunk_size, decode_content=True):
                if chunk:
                    yield chunk
        except ReadTimeoutError:
            raise NetError(TIMEOUT, _("Pas de réponse après %(seconds)s secondes.")
                           % {"seconds": _seconds(self._timeout)}, url=self.url) from None
        except (HTTPError, OSError) as exc:
            raise NetError(CONNECTION, _("Connexion interrompue : %(error)s.") % {"error": str(exc)[:300]},
                           url=self.url) from None

    def read(self) -> bytes:
        """The whole body (no limit: for small answers; stream others)."""
        if self.content is None:
            self.content = b"".join(self.iter_content())
        return self.content

    def close(self) -> None:
        """Drop the connection (a body not read is not read)."""
        if self._raw is not None:
            self._raw.close()
            self._pool.close()
            self._raw = None

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def request(method: str, url: str, *, headers: dict | None = None, timeout: float = DEFAULT_TIMEOUT,
            stream: bool = False, allowed=(), ca_certs: str | None = None,
            slot: Callable[[str], contextlib.AbstractContextManager] | None = None) -> Response:
    """One request (no redirect followed) to a vetted address of ``url``'s host (the next one when a
    connection is refused), or ``NetError``. ``headers`` go with it (``Host``, ``Connection`` are set
    here; a ``User-Agent`` and ``Accept-Encoding: identity`` unless given). ``stream``: the body is left
    to read (close the response); otherwise it is read and the connection closed. ``allowed`` adds
    exemptions to the settings'; ``ca_certs`` a CA bundle for HTTPS; ``slot(host)`` a context held
    while connecting and waiting for the headers (the link checker's per-host limits)."""
    where = target(url)
    addresses = resolve(where.host, where.port, allowed=allowed)
    sent = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
    for key, value in (headers or {}).items():
        sent = {k: v for k, v in sent.items() if k.lower() != key.lower()}
        sent[key] = value
    sent = {k: v for k, v in sent.items() if k.lower() not in ("host", "connection")}
    sent.update({"Host": where.host_header, "Connection": "close"})
    refused = None
    with (slot(where.host) if slot is not None else contextlib.nullcontext()):
        for address in addresses:
            pool = _pool(where, address, timeout, ca_certs)
            try:
                raw = pool.urlopen(method, where.path, headers=sent, redirect=False, retries=False,
                                   preload_content=False, assert_same_host=False, release_conn=False)
            except NewConnectionError as exc:
                refused = exc
                pool.close()
                continue
            except ConnectTimeoutError:
                pool.close()
                raise NetError(TIMEOUT, _("Pas de connexion après %(seconds)s secondes.")
                               % {"seconds": _seconds(timeout)}, url=url) from None
            except ReadTimeoutError:
                pool.close()
                raise NetError(TIMEOUT, _("Pas de réponse après %(seconds)s secondes.")
                               % {"seconds": _seconds(timeout)}, url=url) from None
            except SSLError as exc:
                pool.close()
                raise NetError(CONNECTION, _("Échec de la connexion sécurisée (TLS) : %(error)s.")
                               % {"error": str(exc)[:300]}, url=url) from None
            except (HTTPError, OSError) as exc:
                pool.close()
                raise NetError(CONNECTION, _("Connexion interrompue : %(error)s.") % {"error": str(exc)[:300]},
                               url=url) from None
            response = Response(raw, pool, url=url, timeout=timeout)
            if not stream:
                try:
                    response.read()
                finally:
                    response.close()
            return response
    raise NetError(CONNECTION, _("Connexion impossible : %(error)s.") % {"error": str(refused)[:300]}, url=url)


# --- Redirects --------------------------------------------------------------------------------

@dataclass
class Chain:
    """The redirects of one address, hop by hop: shared by the requests that follow one another
    (the link checker's HEAD, then GET at the same address)."""

    max_redirects: int = DEFAULT_MAX_REDIRECTS
    hops: list[dict] = field(default_factory=list)
    seen: set = field(default_factory=set)


def follow(method: str, url: str, *, max_redirects: int = DEFAULT_MAX_REDIRECTS, chain: Chain | None = None,
           **kwargs) -> Response:
    """``request`` then its redirects, by hand: each hop is vetted (``resolve``) before it is asked for,
    at most ``max_redirects`` (``TOO_MANY_REDIRECTS``), an address seen twice is a ``REDIRECT_LOOP``.
    A 303 turns any method but ``HEAD`` into ``GET``. ``chain`` (a ``Chain``, its ``max_redirects``
    then counts) keeps the hops across calls. The answer's ``url`` is the last address, its
    ``redirects`` the hops; a ``NetError``'s ``url`` is the address that failed."""
    chain = chain if chain is not None else Chain(max_redirects=max_redirects)
    stream = kwargs.pop("stream", False)
    current = url
    chain.seen.add(_loop_key(url))
    while True:
        try:
            response = request(method, current, stream=True, **kwargs)  # a redirect's body is never read
        except NetError as exc:
            exc.url = current
            raise
        location = response.headers.get("location", "").strip()
        if response.status not in REDIRECT_STATUSES or not location:
            response.redirects = list(chain.hops)
            if not stream:
                try:
                    response.read()
                except NetError as exc:
                    exc.url = current
                    raise
                finally:
                    response.close()
            return response
        response.close()
        try:
            following = urljoin(current, location)
        except ValueError:
            following = location
        chain.hops.append({"status": response.status, "url": following[:MAX_URL_LENGTH]})
        key = _loop_key(following)
        if key in chain.seen:
            raise NetError(REDIRECT_LOOP, _("Boucle de redirections : %(url)s redirige vers une adresse déjà "
                                            "visitée.") % {"url": current[:300]}, url=current)
        if len(chain.hops) > chain.max_redirects:
            raise NetError(TOO_MANY_REDIRECTS, _("Plus de %(max)s redirections.") % {"max": chain.max_redirects},
                           url=current)
        chain.seen.add(key)
        if response.status == 303 and method != "HEAD":
            method = "GET"
        current = following
