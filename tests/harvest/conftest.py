"""Test kit of harvesting: remote catalogues served by local HTTP servers, from recorded answers.

- ``fake_ckan``: a CKAN Action API (``package_list``, ``package_search``, ``package_show``)
  answering from real ``package_show`` results (``data/ckan/``, copied from
  ``../shared/corpus/ckan/``); tests change, add and remove packages between two runs, and
  read ``fake_ckan.calls`` to see what a run asked for.
- ``static_server``: serves files (``static_server.put(path, body, content_type, status, headers=)``),
  for DCAT catalogues, broken answers and redirects (``headers={"Location": …}``).

Both servers listen on 127.0.0.1, which the platform refuses to reach unless allowed
(``ouvert.core.net``): their fixtures allow it (``allow_local_outbound``, the root conftest's).
- ``canada_packages``: the 127 real open.canada.ca ``package_show`` results.
- ``harvest_org``: the organisation that owns what is harvested.
"""

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

# The catalogue's test kit (publishers, editors, themes, datasets made by the real services).
from tests.catalog.conftest import (  # noqa: F401
    admin_user,
    dataset_factory,
    editor,
    member,
    other_org,
    other_org_editor,
    publisher_org,
    theme_factory,
)

DATA = Path(__file__).parent / "data"
CKAN_DATA = DATA / "ckan"
DCAT_DATA = DATA / "dcat"

_RANGE = re.compile(r"metadata_modified:\[(\S+) TO \*\]")
_ORG = re.compile(r"organization:([\w-]+)")


class _Server:
    def __init__(self, handler_factory):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_factory(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeCkan(_Server):
    """A CKAN site holding ``packages`` (id → package_show result)."""

    def __init__(self):
        self.packages: dict[str, dict] = {}
        self.calls: list[tuple[str, dict]] = []
        self.fail_show: set[str] = set()
        super().__init__(_ckan_handler)

    def add(self, package: dict) -> dict:
        self.packages[package["id"]] = copy.deepcopy(package)
        return self.packages[package["id"]]

    def calls_to(self, name: str) -> list[dict]:
        return [params for action, params in self.calls if action == name]

    # --- the actions -------------------------------------------------------------
    def package_list(self, params):
        names = sorted(p["name"] for p in self.packages.values())
        offset = int(params.get("offset", 0))
        limit = int(params["limit"]) if "limit" in params else None
        return names[offset:offset + limit] if limit is not None else names[offset:]

    def package_search(self, params):
        fq = params.get("fq", "")
        found = list(self.packages.values())
        since = _RANGE.search(fq)
        if since:
            bound = since.group(1).rstrip("Z")
            found = [p for p in found if p["metadata_modified"] >= bound]
        org = _ORG.search(fq)
        if org:
            found = [p for p in found if (p.get("organization") or {}).get("name") == org.group(1)]
        found.sort(key=lambda p: (p["metadata_modified"], p["id"]))
        rows, start = int(params.get("rows", 10)), int(params.get("start", 0))
        return {"count": len(found), "results": found[start:start + rows], "sort": params.get("sort", ""),
                "facets": {}, "search_facets": {}}

    def package_show(self, params):
        wanted = params.get("id")
        for package in self.packages.values():
            if wanted in (package["id"], package["name"]) and wanted not in self.fail_show:
                return package
        return None


def _ckan_handler(server: FakeCkan):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            match = re.fullmatch(r"/api/3/action/(\w+)", parts.path)
            if not match or not hasattr(server, match.group(1)):
                return self._send(404, {"success": False, "error": {"__type": "Not Found Error",
                                                                    "message": "Action inconnue"}})
            name = match.group(1)
            server.calls.append((name, params))
            result = getattr(server, name)(params)
            if result is None:
                return self._send(404, {"help": "", "success": False,
                                        "error": {"__type": "Not Found Error", "message": "Not found"}})
            self._send(200, {"help": f"{server.url}/api/3/action/help_show?name={name}", "success": True,
                             "result": result})

        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class StaticServer(_Server):
    def __init__(self):
        self.files: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []
        super().__init__(_static_handler)

    def put(self, path: str, body: bytes, content_type: str = "text/turtle", status: int = 200,
            headers: dict | None = None):
        self.files[path] = (status, content_type, body, dict(headers or {}))
        return f"{self.url}{path}"


def _static_handler(server: StaticServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            server.requests.append(self.path)
            status, content_type, body, *more = server.files.get(self.path.split("?")[0],
                                                                 (404, "text/plain", b"introuvable"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (more[0] if more else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def fake_ckan(allow_local_outbound):
    server = FakeCkan()
    yield server
    server.close()


@pytest.fixture
def static_server(allow_local_outbound):
    server = StaticServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def canada_packages():
    answers = json.loads((CKAN_DATA / "open_canada_package_show_responses_x127.json").read_text(encoding="utf-8"))
    return [answer["result"] for answer in answers]


@pytest.fixture
def harvest_org(make_org):
    return make_org(slug="donnees-canada", name_fr="Gouvernement du Canada (moissonné)",
                    name_en="Government of Canada (harvested)")


@pytest.fixture
def ckan_source(db, fake_ckan, harvest_org):
    from ouvert.harvest import services

    return services.source_create(actor=None, name="canada", title="Portail du Canada", type="ckan",
                                  url=f"{fake_ckan.url}/", organisation=harvest_org, config={"rows": 4})
