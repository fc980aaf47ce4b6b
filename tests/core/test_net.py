"""``ouvert.core.net``, the one way out to the network: the address policy, the vetted lookup, one
request to the vetted address, redirects vetted hop by hop, and ``OUVERT_OUTBOUND_ALLOWED_HOSTS``;
through both callers (the link checker, ``quality.linkcheck``; harvesting and the datastore's
copies, ``harvest.http``), against a local HTTP server (never the network): a refused address is
never asked for."""

import ipaddress
import socket
import subprocess
import time

import pytest

from ouvert.core import net
from ouvert.harvest import http as harvest_http
from ouvert.quality import linkcheck
from tests.quality.linkserver import CSV, running


@pytest.fixture(scope="module")
def server():
    with running() as srv:
        yield srv


@pytest.fixture
def srv(server, settings):
    """The local server, its log emptied; nothing allowed by the settings."""
    server.reset()
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = []
    settings.OUVERT_HARVEST_TIMEOUT = 2
    return server


@pytest.fixture
def local(srv, settings):
    """The settings allow 127.0.0.1 (the local server), by network."""
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "127.0.0.1"
    return srv


def check(url, **kwargs):
    kwargs.setdefault("timeout", 2)
    return linkcheck.check_url(url, linkcheck.Config(**kwargs))


# --- The rules --------------------------------------------------------------------------

@pytest.mark.parametrize("address,forbidden", [
    ("8.8.8.8", False), ("132.203.250.1", False), ("2001:4860:4860::8888", False), ("2606:4700::1111", False),
    ("127.0.0.1", True), ("127.255.255.254", True), ("10.1.2.3", True), ("172.16.0.1", True),
    ("172.31.255.255", True), ("192.168.0.1", True), ("169.254.169.254", True), ("100.64.0.1", True),
    ("100.127.255.254", True), ("0.0.0.0", True), ("0.1.2.3", True), ("255.255.255.255", True),
    ("224.0.0.251", True), ("240.0.0.1", True), ("192.0.2.1", True), ("198.18.0.1", True), ("203.0.113.9", True),
    ("::1", True), ("::", True), ("fe80::1", True), ("fc00::1", True), ("fd12:3456::1", True), ("ff02::1", True),
    ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", True), ("::ffff:169.254.169.254", True),
    ("::ffff:8.8.8.8", True),  # IPv4-mapped: never a real destination on the wire
    ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
    ("2002:c0a8:101::", True),  # 6to4 wrapping 192.168.1.1
    ("64:ff9b::a9fe:a9fe", True),  # NAT64 wrapping 169.254.169.254
    ("64:ff9b::7f00:1", True),  # NAT64 wrapping 127.0.0.1
    ("2001:db8::1", True),
])
def test_address_rules(address, forbidden):
    assert net.address_forbidden(ipaddress.ip_address(address)) is forbidden
    assert net.address_forbidden(address) is forbidden
    assert linkcheck.address_forbidden is net.address_forbidden  # one policy, not a copy


@pytest.mark.parametrize("value,expected", [
    (None, ()),
    ("", ()),
    ([], ()),
    ("127.0.0.1", (ipaddress.ip_network("127.0.0.1/32"),)),
    ("10.20.0.0/16, Intranet.Example., [::1]", (ipaddress.ip_network("10.20.0.0/16"), "intranet.example",
                                                 ipaddress.ip_network("::1/128"))),
    ("a.example b.example,,c.example", ("a.example", "b.example", "c.example")),
    (["10.0.0.0/8", " localhost "], (ipaddress.ip_network("10.0.0.0/8"), "localhost")),
    ("192.168.1.7/24", (ipaddress.ip_network("192.168.1.0/24"),)),
])
def test_parse_allowed(value, expected):
    assert net.parse_allowed(value) == expected


def test_allowed_hosts_come_from_the_setting(settings):
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "donnees.intranet.example, 10.20.0.0/16"
    assert net.allowed_hosts() == ("donnees.intranet.example", ipaddress.ip_network("10.20.0.0/16"))
    del settings.OUVERT_OUTBOUND_ALLOWED_HOSTS
    assert net.allowed_hosts() == ()  # the default: nothing


@pytest.mark.parametrize("host", [
    "127.0.0.1", "localhost", "LocalHost.", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "::1",
    "::ffff:127.0.0.1", "169.254.169.254", "10.0.0.1", "100.64.0.1", "0.0.0.0", "0",
])
def test_resolve_refuses_local_and_private_addresses(srv, host):
    with pytest.raises(net.NetError) as refused:
        net.resolve(host, 80)
    assert refused.value.kind == net.FORBIDDEN_ADDRESS
    assert refused.value.message.startswith("Adresse interdite : ")
    assert "aucune requête n'y est envoyée" in refused.value.message


def test_resolve_allowed_by_name_or_network(srv, settings):
    assert net.resolve("127.0.0.1", 80, allowed=net.parse_allowed("127.0.0.0/8")) == ["127.0.0.1"]
    assert "127.0.0.1" in net.resolve("localhost", 80, allowed=net.parse_allowed("localhost"))
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.0/8"]
    assert net.resolve("2130706433", 80) == ["127.0.0.1"]  # the network exempts the address, whatever its form
    with pytest.raises(net.NetError):
        net.resolve("10.0.0.1", 80)  # what is not in it still is refused
    with pytest.raises(net.NetError) as unknown:
        net.resolve("nom.invalid", 80)
    assert unknown.value.kind == net.DNS and "introuvable" in unknown.value.message


# --- One request, redirects ---------------------------------------------------------------------

def test_request_reaches_an_allowed_address_and_reads_or_streams_the_body(local):
    answer = net.request("GET", local.url("/ok"))
    assert answer.status == 200 and answer.content == CSV and answer.headers["content-type"].startswith("text/csv")
    with net.request("GET", local.url("/ok"), stream=True, headers={"User-Agent": "Essai/1"}) as streamed:
        assert b"".join(streamed.iter_content(4)) == CSV
    assert local.headers[1]["User-Agent"] == "Essai/1" and local.headers[1]["Host"] == f"127.0.0.1:{local.port}"
    assert local.headers[0]["Accept-Encoding"] == "identity" and local.headers[0]["Connection"] == "close"
    # A compressed answer, when asked for, is decoded.
    compressed = net.request("GET", local.url("/gzip"), headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip" and compressed.content == CSV


def test_a_refused_address_is_never_asked_for(srv):
    with pytest.raises(net.NetError) as refused:
        net.request("GET", srv.url("/ok"))
    assert refused.value.kind == net.FORBIDDEN_ADDRESS and srv.requests == []


def test_follow_keeps_the_hops_and_vets_each_one(local, settings):
    answer = net.follow("GET", local.url("/chain/2"))
    assert answer.status == 200 and answer.url == local.url("/ok") and answer.content == CSV
    assert answer.redirects == [{"status": 302, "url": local.url("/chain/1")},
                                {"status": 302, "url": local.url("/chain/0")},
                                {"status": 302, "url": local.url("/ok")}]

    # localhost is allowed by name, 127.0.0.1 itself is not: the redirect's target is refused, not asked for.
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["localhost"]
    local.reset()
    start = local.url(f"/to?url={local.url('/ok')}", host="localhost")
    chain = net.Chain()
    with pytest.raises(net.NetError) as refused:
        net.follow("GET", start, chain=chain)
    assert refused.value.kind == net.FORBIDDEN_ADDRESS and refused.value.url == local.url("/ok")
    assert chain.hops == [{"status": 302, "url": local.url("/ok")}]
    assert local.paths() == [f"/to?url={local.url('/ok')}"]


def test_follow_stops_loops_and_long_chains(local):
    with pytest.raises(net.NetError) as loop:
        net.follow("GET", local.url("/loop/a"))
    assert loop.value.kind == net.REDIRECT_LOOP and local.paths() == ["/loop/a", "/loop/b"]
    local.reset()
    with pytest.raises(net.NetError) as long_chain:
        net.follow("GET", local.url("/chain/9"), max_redirects=3)
    assert long_chain.value.kind == net.TOO_MANY_REDIRECTS and len(local.requests) == 4


def test_a_303_turns_into_a_get(local):
    see_other = f"/to?status=303&url={local.url('/ok')}"
    answer = net.follow("POST", local.url(see_other))
    assert answer.status == 200 and local.methods() == [("POST", see_other), ("GET", "/ok")]
    local.reset()
    assert net.follow("HEAD", local.url(see_other)).status == 200
    assert local.methods() == [("HEAD", see_other), ("HEAD", "/ok")]
    local.reset()
    net.follow("GET", local.url(f"/to?status=307&url={local.url('/ok')}"))
    assert [method for method, _path in local.methods()] == ["GET", "GET"]


@pytest.mark.parametrize("url", ["ftp://example.org/f.csv", "file:///etc/passwd", "gopher://127.0.0.1:70/",
                                 "http:///sans-nom", "http://exa mple.org/", "http://example.org:99999/",
                                 "http://[::1/", "http://" + "a" * 2100 + ".org/"])
def test_invalid_addresses(url):
    with pytest.raises(net.NetError) as invalid:
        net.request("GET", url)
    assert invalid.value.kind == net.INVALID_URL and invalid.value.message


def test_timeouts(local):
    started = time.monotonic()
    with pytest.raises(net.NetError) as slow:
        net.request("GET", local.url("/slow/2"), timeout=0.3)
    assert slow.value.kind == net.TIMEOUT and "0.3" in slow.value.message
    assert time.monotonic() - started < 1.5


def test_one_lookup_and_the_connection_goes_to_the_vetted_address(local, settings, monkeypatch):
    """DNS rebinding: a name that first designates an allowed address, then another one. One lookup is
    made per request and the connection goes to the address it vetted."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.255.255.1", "10.255.255.1"])
    lookups = []

    def fake_dns(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    answer = net.request("GET", local.url("/ok", host="rebind.example"), timeout=1)
    assert answer.status == 200 and lookups == ["rebind.example"]
    assert local.headers[0]["Host"] == f"rebind.example:{local.port}"
    # The next request looks up again, and the new answer is vetted: refused, nothing sent.
    local.reset()
    with pytest.raises(net.NetError) as refused:
        net.request("GET", local.url("/ok", host="rebind.example"))
    assert refused.value.kind == net.FORBIDDEN_ADDRESS and "10.255.255.1" in refused.value.message
    assert local.requests == []


# --- Through both callers ----------------------------------------------------------------------

FORBIDDEN = [
    lambda s: s.url("/ok"),
    lambda s: f"http://localhost:{s.port}/ok",
    lambda s: f"http://2130706433:{s.port}/ok",  # 127.0.0.1, decimal
    lambda s: f"http://0x7f000001:{s.port}/ok",  # hex
    lambda s: f"http://0177.0.0.1:{s.port}/ok",  # octal
    lambda s: f"http://[::1]:{s.port}/ok",
    lambda s: f"http://[::ffff:127.0.0.1]:{s.port}/ok",  # IPv4-mapped IPv6
    lambda s: "http://169.254.169.254/latest/meta-data/",
    lambda s: "http://10.0.0.1/",
    lambda s: "http://100.64.0.1/",
    lambda s: "http://localhost:5432/",
]


@pytest.mark.parametrize("make_url", FORBIDDEN)
def test_the_link_checker_refuses_without_a_request(srv, make_url):
    result = check(make_url(srv))
    assert result.outcome == "forbidden_address" and not result.available
    assert result.message.startswith("Adresse interdite") and srv.requests == []


@pytest.mark.parametrize("make_url", FORBIDDEN)
def test_harvesting_refuses_without_a_request(srv, make_url, tmp_path):
    url = make_url(srv)
    with pytest.raises(harvest_http.HarvestHTTPError) as refused:
        harvest_http.get(url)
    assert refused.value.message.startswith(f"{url} : adresse interdite : ")
    with pytest.raises(harvest_http.HarvestHTTPError) as copied:
        harvest_http.fetch_to_file(url, tmp_path / "copie", max_bytes=1000)
    assert "adresse interdite" in copied.value.message and not (tmp_path / "copie").exists()
    assert srv.requests == []


def test_a_redirect_to_a_forbidden_address_is_refused_by_both(srv, settings, tmp_path):
    # A source allowed by name (a "public" one, for the test) redirecting to 127.0.0.1 or to the cloud metadata.
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "localhost"
    for target in (srv.url("/ok"), "http://169.254.169.254/latest/meta-data/"):
        srv.reset()
        start = srv.url(f"/to?url={target}", host="localhost")
        result = check(start)
        assert result.outcome == "forbidden_address" and result.redirects == [{"status": 302, "url": target}]
        assert result.final_url == target
        with pytest.raises(harvest_http.HarvestHTTPError) as refused:
            harvest_http.fetch_to_file(start, tmp_path / "copie", max_bytes=1000)
        assert refused.value.message.startswith(f"{target} : adresse interdite : ")
        assert refused.value.url == target and not (tmp_path / "copie").exists()
        assert srv.paths() == [f"/to?url={target}"] * 2  # the redirecting address only, once per caller


def test_the_setting_allows_for_both_callers(local, tmp_path):
    assert check(local.url("/ok")).available  # allowed by the settings, not by the Config
    answer = harvest_http.get(local.url("/ok"), params={"q": "é t", "vide": None})
    assert answer.status == 200 and answer.body == CSV and answer.url == local.url("/ok?q=%C3%A9+t")
    seen = []
    fetched = harvest_http.fetch_to_file(local.url("/chain/1"), tmp_path / "copie", max_bytes=1000,
                                         progress=seen.append)
    assert fetched["url"] == local.url("/ok") and fetched["size"] == len(CSV) and seen[-1] == len(CSV)
    assert (tmp_path / "copie").read_bytes() == CSV and fetched["content_type"].startswith("text/csv")


def test_harvesting_keeps_its_messages(local, settings, tmp_path):
    settings.OUVERT_HARVEST_TIMEOUT = 0.3
    with pytest.raises(harvest_http.HarvestHTTPError) as slow:
        harvest_http.get(local.url("/slow/2"))
    assert "pas de réponse après 0.3 secondes" in slow.value.message
    settings.OUVERT_HARVEST_TIMEOUT = 2
    with pytest.raises(harvest_http.HarvestHTTPError) as missing:
        harvest_http.get(local.url("/status/404"))
    assert missing.value.status == 404 and "le serveur a répondu 404" in missing.value.message
    with pytest.raises(harvest_http.HarvestHTTPError) as loop:
        harvest_http.get(local.url("/loop/a"))
    assert "boucle de redirections" in loop.value.message
    with pytest.raises(harvest_http.HarvestHTTPError) as big:
        harvest_http.fetch_to_file(local.url("/ok"), tmp_path / "copie", max_bytes=5)
    assert "trop volumineuse" in big.value.message and not (tmp_path / "copie").exists()
    with pytest.raises(harvest_http.HarvestHTTPError) as scheme:
        harvest_http.get("file:///etc/passwd")
    assert "seules les adresses http et https" in scheme.value.message
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(harvest_http.HarvestHTTPError) as closed:
        harvest_http.get(f"http://127.0.0.1:{port}/")
    assert "connexion impossible" in closed.value.message
    # Compressed answers are decoded, as before.
    assert harvest_http.get(local.url("/gzip")).body == CSV


# --- HTTPS: the vetted address, the name in SNI and in the certificate check ------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_harvesting_over_https_checks_the_certificate_for_the_name(certificate, settings, monkeypatch):
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = "localhost, 127.0.0.1"
    settings.OUVERT_HARVEST_TIMEOUT = 2
    with running(tls=certificate) as tls_server:
        # An unknown certificate (not in the system's store) is refused.
        with pytest.raises(harvest_http.HarvestHTTPError) as unknown:
            harvest_http.get(tls_server.url("/ok", host="localhost"))
        assert "connexion impossible" in unknown.value.message and "TLS" in unknown.value.message
        # Trusted through REQUESTS_CA_BUNDLE (as with requests before), reached by name at the vetted address.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
        assert harvest_http.get(tls_server.url("/ok", host="localhost")).body == CSV
        assert tls_server.headers[-1]["Host"] == f"localhost:{tls_server.port}"
        # The certificate names localhost, not 127.0.0.1: asked by address, the check fails.
        with pytest.raises(harvest_http.HarvestHTTPError) as mismatch:
            harvest_http.get(tls_server.url("/ok"))
        assert "TLS" in mismatch.value.message
