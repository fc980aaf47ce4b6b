"""The link checker: one URL → a ``LinkResult``, safely and politely. No database here.

- **What is asked.** ``HEAD`` first; ``GET`` when the ``HEAD`` answer is an error (405 and 501 say
  that ``HEAD`` is refused; many servers also answer other errors to ``HEAD`` alone), at the same
  address. A ``GET`` is streamed: its body is never read, the connection is closed once the status
  and headers are in.
- **Redirects** are followed by hand (301, 302, 303, 307, 308 with a ``Location``), at most
  ``max_redirects``; an address seen twice in the chain is a ``redirect_loop``. Each hop is kept.
- **No SSRF.** Only ``http`` and ``https``. Before every connection (every redirect hop too) the
  host name is resolved once and refused (``forbidden_address``, no request made) if any of its
  addresses is not a public one: private, loopback, link-local, multicast, reserved, unspecified,
  shared (100.64/10), or an IPv6 form wrapping one of those (IPv4-mapped, 6to4, NAT64). The
  connection then goes to the vetted address itself (no second lookup that DNS rebinding could
  answer differently), with the name in the ``Host`` header and, for HTTPS, in SNI and the
  certificate check. Decimal, hex or octal forms of an address are resolved like any name and
  refused the same way. ``allowed`` names (host names, or IP networks in CIDR form) are exempt:
  what an administrator allows on purpose (tests allow ``127.0.0.1``).
- **Timeouts**: ``timeout`` seconds to connect and ``timeout`` seconds to read the answer's
  headers, for each request.
- **Politeness** (``HostLimiter``): at most ``concurrency`` requests at once to one host name and
  ``delay`` seconds between the starts of two requests to it, across a whole batch
  (``check_many``, a small thread pool).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
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

# The outcomes, as ``LinkCheck.Outcome`` names them (kept as plain strings: no Django model here).
OK = "ok"
HTTP_ERROR = "http_error"
TIMEOUT = "timeout"
CONNECTION = "connection"
DNS = "dns"
REDIRECT_LOOP = "redirect_loop"
TOO_MANY_REDIRECTS = "too_many_redirects"
FORBIDDEN_ADDRESS = "forbidden_address"
INVALID_URL = "invalid_url"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_HOST_CONCURRENCY = 2
DEFAULT_HOST_DELAY = 1.0
DEFAULT_WORKERS = 8
MAX_URL_LENGTH = 2000

#: Networks whose last 32 bits are an IPv4 address (RFC 6052 NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
#: Not public although Python may call them global (shared address space, benchmarking, documentation…).
_EXTRA_FORBIDDEN = tuple(ipaddress.ip_network(net) for net in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32", "2001:db8::/32", "fc00::/7", "fe80::/10",
    "ff00::/8", "::/128", "::1/128", "100::/64"))


@dataclass
class LinkResult:
    """What one check found. ``outcome`` is one of ``LinkCheck.Outcome``'s values."""

    url: str
    outcome: str = OK
    status: int | None = None
    final_url: str = ""
    redirects: list[dict] = field(default_factory=list)
    content_type: str = ""
    content_length: int | None = None
    response_ms: int | None = None
    message: str = ""
    method: str = ""

    @property
    def available(self) -> bool:
        return self.outcome == OK


@dataclass(frozen=True)
class Config:
    """How to check: see the module's docstring. ``allowed``: host names and IP networks exempt from
    the address rules; ``ca_certs``: a CA bundle for HTTPS (the system's when None)."""

    timeout: float = DEFAULT_TIMEOUT
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    allowed: tuple = ()
    user_agent: str = f"Ouvert/{__version__} (link checker)"
    ca_certs: str | None = None

    @property
    def allowed_names(self) -> frozenset:
        return frozenset(item for item in self.allowed if isinstance(item, str))

    @property
    def allowed_networks(self) -> tuple:
        return tuple(item for item in self.allowed if not isinstance(item, str))


def parse_allowed(value) -> tuple:
    """``OUVERT_LINKCHECK_ALLOWED_HOSTS`` (a list, or a string separated by commas or spaces) →
    host names (lower case) and ``ipaddress`` networks."""
    if not value:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    parsed = []
    for item in items:
        text = str(item).strip().strip("[]").lower().rstrip(".")
        if not text:
            continue
        try:
            parsed.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            parsed.append(text)
    return tuple(parsed)


class CheckError(Exception):
    """A check that ends without an HTTP answer to report: ``outcome`` and a message for people."""

    def __init__(self, outcome: str, message: str):
        super().__init__(message)
        self.outcome = outcome
        self.message = message


# --- Addresses --------------------------------------------------------------------------

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


def address_forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``ip`` is not a public address (see the module's docstring)."""
    if ip.version == 6:
        inner = _embedded_ipv4(ip)
        if inner is not None and address_forbidden(inner):
            return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global or any(ip in net for net in _EXTRA_FORBIDDEN
                                                           if net.version == ip.version))


def _address_allowed(ip, config: Config) -> bool:
    return any(ip.version == net.version and ip in net for net in config.allowed_networks)


def resolve(host: str, port: int, config: Config) -> list[str]:
    """The vetted addresses of ``host`` (one lookup), or ``CheckError`` (``dns``, ``forbidden_address``)."""
    name = host.lower().rstrip(".")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise CheckError(DNS, _("Nom de domaine introuvable : %(host)s (%(error)s).")
                         % {"host": name[:200], "error": str(exc)[:200]}) from None
    addresses = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise CheckError(DNS, _("Nom de domaine introuvable : %(host)s.") % {"host": name[:200]})
    if name in config.allowed_names:
        return addresses
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if not _address_allowed(ip, config) and address_forbidden(ip):
            if address == name:
                message = _("Adresse interdite : %(address)s est une adresse privée, locale ou réservée ; "
                            "elle n'est pas vérifiée.") % {"address": address}
            else:
                message = _("Adresse interdite : %(host)s désigne %(address)s, une adresse privée, locale ou "
                            "réservée ; elle n'est pas vérifiée.") % {"host": name[:200], "address": address}
            raise CheckError(FORBIDDEN_ADDRESS, message)
    return addresses


# --- Politeness --------------------------------------------------------------------------

class HostLimiter:
    """At most ``concurrency`` requests at once per host name, and ``delay`` seconds between the starts
    of two requests to the same host; thread-safe, shared by a whole batch."""

    def __init__(self, concurrency: int = DEFAULT_HOST_CONCURRENCY, delay: float = DEFAULT_HOST_DELAY,
                 sleep: Callable[[float], None] = time.sleep):
        self.concurrency = max(1, int(concurrency))
        self.delay = max(0.0, float(delay))
        self._sleep = sleep
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        key = host.lower().rstrip(".")
        with self._lock:
            semaphore = self._semaphores.setdefault(key, threading.BoundedSemaphore(self.concurrency))
        semaphore.acquire()
        try:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(key, now))
                self._next_start[key] = start + self.delay
            if start > now:
                self._sleep(start - now)
            yield
        finally:
            semaphore.release()


# --- One check ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # the name to resolve, IDNA-encoded
    port: int
    host_header: str
    path: str


_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$", re.IGNORECASE)


def _target(url: str) -> _Target:
    if len(url) > MAX_URL_LENGTH:
        raise CheckError(INVALID_URL, _("Adresse trop longue (plus de %(max)s caractères).")
                         % {"max": MAX_URL_LENGTH})
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise CheckError(INVALID_URL, _("Adresse invalide : %(error)s.") % {"error": str(exc)[:200]}) from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise CheckError(INVALID_URL, _("Seules les adresses http et https sont vérifiées (adresse en "
                                        "« %(scheme)s »).") % {"scheme": scheme[:20] or "?"})
    host = parts.hostname or ""
    if not host:
        raise CheckError(INVALID_URL, _("Adresse sans nom de domaine."))
    try:
        ipaddress.ip_address(host)
        ascii_host = host
    except ValueError:
        try:
            ascii_host = host.rstrip(".").encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = ""
        if not _HOST_NAME.match(ascii_host):
            raise CheckError(INVALID_URL, _("Nom de domaine invalide : %(host)s.") % {"host": host[:200]}) \
                from None
    port = port or (443 if scheme == "https" else 80)
    default_port = port == (443 if scheme == "https" else 80)
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    host_header = shown if default_port else f"{shown}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
    return _Target(url=url, scheme=scheme, host=ascii_host, port=port, host_header=host_header, path=path)


def _loop_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _pool(target: _Target, address: str, config: Config):
    timeout = urllib3.Timeout(connect=config.timeout, read=config.timeout)
    if target.scheme == "https":
        server_name = target.host
        return urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, maxsize=1, retries=False, cert_reqs="CERT_REQUIRED",
            ca_certs=config.ca_certs, assert_hostname=server_name, server_hostname=server_name)
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)


def _request(method: str, target: _Target, addresses: list[str], config: Config,
             limiter: HostLimiter | None) -> tuple[int, dict]:
    """One request to the vetted ``addresses`` (the next one when a connection is refused); returns the
    status and the headers; the body is never read."""
    headers = {"Host": target.host_header, "User-Agent": config.user_agent, "Accept": "*/*",
               "Accept-Encoding": "identity", "Connection": "close"}
    refused = None
    with (limiter.slot(target.host) if limiter is not None else contextlib.nullcontext()):
        for address in addresses:
            pool = _pool(target, address, config)
            try:
                response = pool.urlopen(method, target.path, headers=headers, redirect=False, retries=False,
                                        preload_content=False, assert_same_host=False, release_conn=False)
            except NewConnectionError as exc:
                refused = exc
                pool.close()
                continue
            except ConnectTimeoutError:
                pool.close()
                raise CheckError(TIMEOUT, _("Pas de connexion après %(seconds)s secondes.") % {
                    "seconds": _seconds(config.timeout)}) from None
            except ReadTimeoutError:
                pool.close()
                raise CheckError(TIMEOUT, _("Pas de réponse après %(seconds)s secondes.") % {
                    "seconds": _seconds(config.timeout)}) from None
            except SSLError as exc:
                pool.close()
                raise CheckError(CONNECTION, _("Échec de la connexion sécurisée (TLS) : %(error)s.")
                                 % {"error": str(exc)[:300]}) from None
            except (HTTPError, OSError) as exc:
                pool.close()
                raise CheckError(CONNECTION, _("Connexion interrompue : %(error)s.") % {"error": str(exc)[:300]}) \
                    from None
            try:
                return response.status, {key.lower(): value for key, value in response.headers.items()}
            finally:
                response.close()
                pool.close()
    raise CheckError(CONNECTION, _("Connexion impossible : %(error)s.") % {"error": str(refused)[:300]})


def _seconds(value: float) -> str:
    return f"{value:g}"


def _length(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def check_url(url: str, config: Config | None = None, limiter: HostLimiter | None = None) -> LinkResult:
    """Check ``url``: see the module's docstring. Never raises for what the remote end does."""
    config = config or Config()
    result = LinkResult(url=url)
    started = time.monotonic()
    current, method = url, "HEAD"
    seen = set()
    try:
        seen.add(_loop_key(url))
        while True:
            target = _target(current)
            addresses = resolve(target.host, target.port, config)
            status, headers = _request(method, target, addresses, config, limiter)
            location = headers.get("location", "").strip()
            if status in REDIRECT_STATUSES and location:
                following = urljoin(current, location)
                result.redirects.append({"status": status, "url": following[:MAX_URL_LENGTH]})
                key = _loop_key(following)
                if key in seen:
                    raise CheckError(REDIRECT_LOOP, _("Boucle de redirections : %(url)s redirige vers une "
                                                      "adresse déjà visitée.") % {"url": current[:300]})
                if len(result.redirects) > config.max_redirects:
                    raise CheckError(TOO_MANY_REDIRECTS, _("Plus de %(max)s redirections.") % {
                        "max": config.max_redirects})
                seen.add(key)
                current = following
                continue
            if method == "HEAD" and status >= 400:
                method = "GET"  # HEAD refused (405, 501) or unreliable: ask again, for real
                continue
            break
        result.method = method
        result.status = status
        result.final_url = current[:MAX_URL_LENGTH]
        result.content_type = headers.get("content-type", "")[:200]
        result.content_length = _length(headers.get("content-length"))
        if 200 <= status < 300:
            result.outcome = OK
        else:
            result.outcome = HTTP_ERROR
            result.message = _("Le serveur a répondu %(status)s.") % {"status": status}
    except CheckError as exc:
        result.outcome = exc.outcome
        result.message = exc.message[:500]
        result.final_url = current[:MAX_URL_LENGTH] if current != url else ""
        result.method = method
    result.response_ms = int((time.monotonic() - started) * 1000)
    return result


def check_many(items: Iterable[tuple], config: Config | None = None, *, workers: int = DEFAULT_WORKERS,
               limiter: HostLimiter | None = None) -> Iterator[tuple]:
    """Check ``(key, url)`` pairs with a pool of ``workers`` threads sharing one ``limiter`` (the per-host
    limits); yields ``(key, LinkResult)`` as each check ends. Hosts are interleaved so that one busy
    host does not hold every thread."""
    config = config or Config()
    limiter = limiter or HostLimiter()
    queues: dict[str, list] = {}
    for key, url in items:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        queues.setdefault(host, []).append((key, url))
    ordered = []
    while queues:
        for host in list(queues):
            ordered.append(queues[host].pop(0))
            if not queues[host]:
                del queues[host]
    if not ordered:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(int(workers), len(ordered))),
                            thread_name_prefix="ouvert-linkcheck") as pool:
        futures = {pool.submit(check_url, url, config, limiter): key for key, url in ordered}
        for future in as_completed(futures):
            yield futures[future], future.result()
