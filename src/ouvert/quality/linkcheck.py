"""The link checker: one URL → a ``LinkResult``, safely and politely. No database here.

- **What is asked.** ``HEAD`` first; ``GET`` when the ``HEAD`` answer is an error (405 and 501 say
  that ``HEAD`` is refused; many servers also answer other errors to ``HEAD`` alone), at the same
  address. A ``GET`` is streamed: its body is never read, the connection is closed once the status
  and headers are in.
- **Redirects** are followed by hand (301, 302, 303, 307, 308 with a ``Location``), at most
  ``max_redirects``; an address seen twice in the chain is a ``redirect_loop``. Each hop is kept.
- **No SSRF**: every request goes through ``ouvert.core.net``, the platform's one way out to the
  network (see its docstring): only ``http`` and ``https``; before every connection (every redirect
  hop too) the host name is resolved once and refused (``forbidden_address``, no request made) if
  any of its addresses is not a public one; the connection goes to the vetted address itself (no
  DNS rebinding). What ``OUVERT_OUTBOUND_ALLOWED_HOSTS`` allows is exempt, and so are ``allowed``
  names and networks of the ``Config`` (for a caller that allows more, such as a test).
- **Timeouts**: ``timeout`` seconds to connect and ``timeout`` seconds to read the answer's
  headers, for each request.
- **Politeness** (``HostLimiter``): at most ``concurrency`` requests at once to one host name and
  ``delay`` seconds between the starts of two requests to it, across a whole batch
  (``check_many``, a small thread pool).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from ouvert import __version__
from ouvert.core import net
from ouvert.core.net import address_forbidden, parse_allowed  # noqa: F401  (the policy, in one place)

# The outcomes, as ``LinkCheck.Outcome`` names them (kept as plain strings: no Django model here).
OK = "ok"
HTTP_ERROR = "http_error"
TIMEOUT = "timeout"
CONNECTION = "connection"
DNS = net.DNS
REDIRECT_LOOP = net.REDIRECT_LOOP
TOO_MANY_REDIRECTS = net.TOO_MANY_REDIRECTS
FORBIDDEN_ADDRESS = net.FORBIDDEN_ADDRESS
INVALID_URL = net.INVALID_URL

REDIRECT_STATUSES = net.REDIRECT_STATUSES
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_HOST_CONCURRENCY = 2
DEFAULT_HOST_DELAY = 1.0
DEFAULT_WORKERS = 8
MAX_URL_LENGTH = net.MAX_URL_LENGTH


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
    the address rules (``parse_allowed``), besides what ``OUVERT_OUTBOUND_ALLOWED_HOSTS`` allows;
    ``ca_certs``: a CA bundle for HTTPS (the system's when None)."""

    timeout: float = DEFAULT_TIMEOUT
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    allowed: tuple = ()
    user_agent: str = f"Ouvert/{__version__} (link checker)"
    ca_certs: str | None = None


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

def _length(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def check_url(url: str, config: Config | None = None, limiter: HostLimiter | None = None) -> LinkResult:
    """Check ``url``: see the module's docstring. Never raises for what the remote end does."""
    config = config or Config()
    result = LinkResult(url=url)
    started = time.monotonic()
    chain = net.Chain(max_redirects=config.max_redirects)
    options = {"headers": {"User-Agent": config.user_agent, "Accept": "*/*", "Accept-Encoding": "identity"},
               "timeout": config.timeout, "stream": True, "allowed": tuple(config.allowed),
               "ca_certs": config.ca_certs, "slot": limiter.slot if limiter is not None else None}
    method = "HEAD"
    try:
        with net.follow(method, url, chain=chain, **options) as response:
            pass  # the status and the headers are in; the body is never read
        if response.status >= 400:
            method = "GET"  # HEAD refused (405, 501) or unreliable: ask again, for real
            with net.follow(method, response.url, chain=chain, **options) as response:
                pass
        result.status = response.status
        result.final_url = response.url[:MAX_URL_LENGTH]
        result.content_type = response.headers.get("content-type", "")[:200]
        result.content_length = _length(response.headers.get("content-length"))
        if 200 <= response.status < 300:
            result.outcome = OK
        else:
            result.outcome = HTTP_ERROR
            result.message = _("Le serveur a répondu %(status)s.") % {"status": response.status}
    except net.NetError as exc:
        result.outcome = exc.kind
        result.message = exc.message[:500]
        result.final_url = exc.url[:MAX_URL_LENGTH] if exc.url and exc.url != url else ""
    result.redirects = list(chain.hops)
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
