"""A local HTTP server for the link checker's tests (a thread, ``http.server``, on 127.0.0.1; never the
network). It records every request (method, path, start time) and the most requests it ever served
at once, and answers by path:

- ``/ok`` (``/ok.csv``, ``/data.csv``…): 200, ``text/csv``, 17 bytes (``Content-Length``);
- ``/status/<code>``: that status (``/status/404``, ``/status/500``…);
- ``/slow/<seconds>``: waits, then 200;
- ``/hold/<seconds>``: 200 after ``seconds``: for counting concurrent requests;
- ``/chain/<n>``: 302 to ``/chain/<n-1>`` … ``/chain/0`` → ``/ok``;
- ``/loop/a`` ↔ ``/loop/b``: a redirect loop;
- ``/to?url=…``: 302 (or ``&status=…``: 301, 303, 307…) to ``url`` (anywhere: a forbidden address);
- ``/html``: 200 ``text/html``; ``/short``: 200 ``text/csv`` with ``Content-Length: 5``;
- ``/nohead``: HEAD → 405, GET → 200 ``text/csv``;
- ``/switch``: the status in ``server.switch_status`` (200 by default): a link that breaks and recovers;
- ``/big``: HEAD → 405; GET → 200 with a 20 MB body sent slowly (a check must not read it);
- ``/gzip``: the CSV compressed (``Content-Encoding: gzip``) when the client accepts it, plain otherwise.
"""

from __future__ import annotations

import contextlib
import gzip
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

CSV = b"code,nom\n1,Quebec\n"


class _Handler(BaseHTTPRequestHandler):
    server_version = "linkserver/1"

    def log_message(self, *args):  # quiet
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def do_POST(self):  # for redirects that change the method (303)
        self._serve(head=False)

    def _serve(self, *, head: bool):
        server: LinkServer = self.server.owner
        server._enter(self.command, self.path, dict(self.headers))
        self._left = False
        try:
            self._route(head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self._leave()

    def _leave(self):
        # Before the answer goes out: a client that got its answer may already send the next request.
        if not self._left:
            self._left = True
            self.server.owner._leave()

    def send_response(self, *args, **kwargs):
        self._leave()
        super().send_response(*args, **kwargs)

    def _send(self, status: int, *, content_type: str = "", body: bytes = b"", head: bool = False,
              length: int | None = None, location: str = ""):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _route(self, head: bool):
        parts = urlsplit(self.path)
        path = parts.path
        if path in ("/ok", "/ok.csv", "/data.csv") or path.startswith("/ok/"):
            return self._send(200, content_type="text/csv; charset=utf-8", body=CSV, head=head)
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            return self._send(code, content_type="text/plain", body=b"status", head=head)
        if path.startswith("/switch"):
            code = self.server.owner.switch_status
            return self._send(code, content_type="text/csv", body=CSV if code == 200 else b"error", head=head)
        if path.startswith("/slow/") or path.startswith("/hold/"):
            time.sleep(float(path.rsplit("/", 1)[1]))
            return self._send(200, content_type="text/csv", body=CSV, head=head)
        if path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            return self._send(302, location="/ok" if n <= 0 else f"/chain/{n - 1}", head=head)
        if path == "/loop/a":
            return self._send(302, location="/loop/b", head=head)
        if path == "/loop/b":
            return self._send(301, location="/loop/a", head=head)
        if path == "/to":
            query = parse_qs(parts.query)
            return self._send(int(query.get("status", ["302"])[0]), location=query["url"][0], head=head)
        if path == "/gzip":
            if "gzip" not in self.headers.get("Accept-Encoding", ""):
                return self._send(200, content_type="text/csv", body=CSV, head=head)
            body = gzip.compress(CSV)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return None
        if path == "/html":
            return self._send(200, content_type="text/html; charset=utf-8", body=b"<html></html>", head=head)
        if path == "/short":
            return self._send(200, content_type="text/csv", body=b"a,b\n1", head=head)
        if path == "/nohead":
            if head:
                return self._send(405, content_type="text/plain", body=b"no", head=True)
            return self._send(200, content_type="text/csv", body=CSV)
        if path == "/big":
            if head:
                return self._send(405, content_type="text/plain", body=b"no", head=True)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(20 * 1024 * 1024))
            self.end_headers()
            if not head:
                for _ in range(20 * 16):
                    self.wfile.write(b"x" * 65536)
                    self.server.owner.body_bytes_sent += 65536
                    time.sleep(0.01)
            return None
        return self._send(404, content_type="text/plain", body=b"not found", head=head)


class LinkServer:
    """``with LinkServer() as server: server.url("/ok")``. ``tls=(certfile, keyfile)`` serves HTTPS."""

    def __init__(self, host: str = "127.0.0.1", tls: tuple[str, str] | None = None):
        self.host = host
        self.tls = tls
        self.requests: list[tuple[str, str, float]] = []
        self.headers: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.body_bytes_sent = 0
        #: what ``/switch`` answers (a link that breaks and comes back).
        self.switch_status = 200
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- bookkeeping, called by the handler threads --
    def _enter(self, method: str, path: str, headers: dict):
        with self._lock:
            self.requests.append((method, path, time.monotonic()))
            self.headers.append(headers)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self):
        with self._lock:
            self.in_flight -= 1

    def reset(self, wait: float = 5.0):
        """Forget what was asked, once the requests of earlier tests (a slow answer…) are over."""
        deadline = time.monotonic() + wait
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        with self._lock:
            self.requests.clear()
            self.headers.clear()
            self.max_in_flight = 0

    # -- lifecycle --
    def start(self) -> LinkServer:
        server_class = type("_Server", (ThreadingHTTPServer,), {"daemon_threads": True})
        if ":" in self.host:
            import socket

            server_class.address_family = socket.AF_INET6
        self._httpd = server_class((self.host, 0), _Handler)
        self._httpd.owner = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LinkServer:
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/ok", host: str | None = None) -> str:
        host = host or self.host
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{shown}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return [path for _method, path, _at in self.requests]

    def methods(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(method, path) for method, path, _at in self.requests]


@contextlib.contextmanager
def running(**kwargs):
    server = LinkServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()


# --- pytest fixtures for the link checker's tests (``from tests.quality.linkserver import *``) ---------


@pytest.fixture(scope="session")
def link_server():
    with running() as server:
        yield server


@pytest.fixture
def srv(link_server):
    """The local server, its request log emptied, its ``/switch`` answering 200."""
    link_server.reset()
    link_server.switch_status = 200
    return link_server


@pytest.fixture
def links_settings(settings):
    """The checker may reach the local server (127.0.0.1), quickly: no delay, short timeouts. The
    datastore does not copy the linked files (it would ask the server too). The address is allowed under
    ``OUVERT_OUTBOUND_ALLOWED_HOSTS``: ``test_links_services`` empties it to see the refusal."""
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUVERT_LINKCHECK_HOST_DELAY = 0
    settings.OUVERT_LINKCHECK_TIMEOUT = 1
    settings.OUVERT_DATASTORE_INGEST_LINKS = False
    return settings


@pytest.fixture
def linked(dataset_factory, srv, links_settings):
    """``linked(path="/ok", **resource_data)`` → ``(dataset, resource)``: a dataset with one link to the local
    server (``title_fr``, ``private``, ``state`` go to the dataset; ``dataset=`` adds the resource to an
    existing dataset instead)."""
    from ouvert.catalog import services as catalog_services

    def make(path="/ok", *, dataset=None, actor=None, **data):
        dataset_data = {key: data.pop(key) for key in ("title_fr", "private", "state") if key in data}
        data.setdefault("name_fr", "Données")
        data.setdefault("format", "CSV")
        data["url"] = srv.url(path)
        if dataset is None:
            kwargs = {"actor": actor} if actor is not None else {}
            dataset = dataset_factory(resources=[data], **dataset_data, **kwargs)
            resource = dataset.resources.get()
        else:
            resource = catalog_services.resource_create(actor=actor, dataset=dataset, data=data)
        return dataset, resource

    return make
