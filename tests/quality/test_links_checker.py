"""The link checker (``quality.linkcheck``) against a local HTTP server (never the network): answers,
redirects, timeouts, HEAD refused, the SSRF rules (no request made), HTTPS with the vetted address,
and the per-host politeness of a batch."""

import ipaddress
import socket
import subprocess
import time

import pytest

from ouvert.quality import linkcheck
from tests.quality.linkserver import CSV, running

LOCAL = linkcheck.parse_allowed(["127.0.0.1"])


@pytest.fixture(scope="module")
def server():
    with running() as srv:
        yield srv


@pytest.fixture
def srv(server):
    server.reset()
    return server


def check(url, **kwargs):
    kwargs.setdefault("allowed", LOCAL)
    kwargs.setdefault("timeout", 2)
    return linkcheck.check_url(url, linkcheck.Config(**kwargs))


def test_200_with_type_length_and_time(srv):
    result = check(srv.url("/ok"))
    assert result.outcome == "ok" and result.available and result.status == 200
    assert result.content_type == "text/csv; charset=utf-8" and result.content_length == len(CSV)
    assert result.final_url == srv.url("/ok") and result.redirects == [] and result.message == ""
    assert result.response_ms is not None and result.response_ms < 2000
    assert srv.methods() == [("HEAD", "/ok")]  # HEAD answered: no GET


@pytest.mark.parametrize("code", [404, 410, 500, 503])
def test_http_errors_are_confirmed_by_a_get(srv, code):
    result = check(srv.url(f"/status/{code}"))
    assert result.outcome == "http_error" and not result.available and result.status == code
    assert str(code) in result.message
    assert srv.methods() == [("HEAD", f"/status/{code}"), ("GET", f"/status/{code}")]


def test_head_refused_then_get(srv):
    result = check(srv.url("/nohead"))
    assert result.outcome == "ok" and result.status == 200 and result.method == "GET"
    assert result.content_type == "text/csv" and result.content_length == len(CSV)
    assert srv.methods() == [("HEAD", "/nohead"), ("GET", "/nohead")]


def test_get_body_is_not_read(srv):
    started = time.monotonic()
    result = check(srv.url("/big"))
    elapsed = time.monotonic() - started
    assert result.outcome == "ok" and result.content_length == 20 * 1024 * 1024 and result.method == "GET"
    assert elapsed < 2  # sending the whole body takes the server more than 3 s
    time.sleep(0.3)
    assert srv.body_bytes_sent < 20 * 1024 * 1024


def test_slow_answer_times_out(srv):
    started = time.monotonic()
    result = check(srv.url("/slow/2"), timeout=0.4)
    assert result.outcome == "timeout" and not result.available and result.status is None
    assert "0.4" in result.message
    assert time.monotonic() - started < 1.5


def test_connection_refused(srv):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nobody listens there any more
    result = check(f"http://127.0.0.1:{port}/x")
    assert result.outcome == "connection" and not result.available


def test_redirect_chain_is_followed_and_kept(srv):
    result = check(srv.url("/chain/3"))
    assert result.outcome == "ok" and result.status == 200
    assert result.redirects == [{"status": 302, "url": srv.url("/chain/2")},
                                {"status": 302, "url": srv.url("/chain/1")},
                                {"status": 302, "url": srv.url("/chain/0")},
                                {"status": 302, "url": srv.url("/ok")}]
    assert result.final_url == srv.url("/ok")


def test_too_many_redirects(srv):
    result = check(srv.url("/chain/9"), max_redirects=5)
    assert result.outcome == "too_many_redirects" and not result.available
    assert len(result.redirects) == 6
    assert len(srv.requests) == 6  # the 7th address is never asked for


def test_redirect_loop(srv):
    result = check(srv.url("/loop/a"))
    assert result.outcome == "redirect_loop" and not result.available
    assert [hop["url"] for hop in result.redirects] == [srv.url("/loop/b"), srv.url("/loop/a")]
    assert srv.paths() == ["/loop/a", "/loop/b"]


def test_wrong_content_type_is_reported_as_served(srv):
    result = check(srv.url("/html"))
    assert result.outcome == "ok" and result.content_type.startswith("text/html")


def test_user_agent_names_ouvert(srv):
    check(srv.url("/ok"), user_agent="Ouvert/9 (link checker; +https://donnees.example.org)")
    assert srv.headers[0]["User-Agent"] == "Ouvert/9 (link checker; +https://donnees.example.org)"
    assert srv.headers[0]["Host"] == f"127.0.0.1:{srv.port}"


# --- SSRF -------------------------------------------------------------------------------

@pytest.mark.parametrize("make_url", [
    lambda s: s.url("/ok"),
    lambda s: f"http://localhost:{s.port}/ok",
    lambda s: f"http://2130706433:{s.port}/ok",  # 127.0.0.1, decimal
    lambda s: f"http://0x7f000001:{s.port}/ok",  # hex
    lambda s: f"http://0177.0.0.1:{s.port}/ok",  # octal
    lambda s: f"http://127.1:{s.port}/ok",
    lambda s: f"http://[::1]:{s.port}/ok",
    lambda s: f"http://[::ffff:127.0.0.1]:{s.port}/ok",  # IPv4-mapped
    lambda s: "http://169.254.169.254/latest/meta-data/",
    lambda s: "http://10.0.0.1/",
    lambda s: "http://192.168.1.1/",
    lambda s: "http://[fd00::1]/",
    lambda s: "http://0.0.0.0/",
    lambda s: "http://224.0.0.1/",
    lambda s: "http://100.64.0.1/",
])
def test_private_addresses_are_refused_without_a_request(srv, make_url):
    result = check(make_url(srv), allowed=())
    assert result.outcome == "forbidden_address" and not result.available
    assert "Adresse interdite" in result.message
    assert srv.requests == []


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_is_refused_without_a_request():
    with running(host="::1") as server6:
        result = check(server6.url("/ok"), allowed=())
        assert result.outcome == "forbidden_address" and server6.requests == []
        # Allowed on purpose, the same address is reached: the refusal above was the rule, not the network.
        assert check(server6.url("/ok"), allowed=linkcheck.parse_allowed("::1")).available
        assert len(server6.requests) == 1


def test_redirect_from_an_allowed_host_to_a_forbidden_one(srv):
    # localhost is allowed by name; 127.0.0.1 itself is not: the redirect's target is refused.
    allowed = linkcheck.parse_allowed("localhost")
    result = check(srv.url(f"/to?url={srv.url('/ok')}", host="localhost"), allowed=allowed)
    assert result.outcome == "forbidden_address"
    assert result.redirects == [{"status": 302, "url": srv.url("/ok")}]
    assert srv.paths() == [f"/to?url={srv.url('/ok')}"]  # one request, not two

    srv.reset()
    result = check(srv.url("/to?url=http://169.254.169.254/latest/"))
    assert result.outcome == "forbidden_address" and len(srv.requests) == 1


def test_allowed_hosts_by_name_and_network(srv):
    assert check(f"http://localhost:{srv.port}/ok", allowed=linkcheck.parse_allowed("localhost")).available
    assert check(srv.url("/ok"), allowed=linkcheck.parse_allowed("127.0.0.0/8, intranet.example")).available
    assert not check(srv.url("/ok"), allowed=linkcheck.parse_allowed("10.0.0.0/8")).available


@pytest.mark.parametrize("url,outcome", [
    ("ftp://ftp.example.org/file.csv", "invalid_url"),
    ("file:///etc/passwd", "invalid_url"),
    ("gopher://127.0.0.1:70/", "invalid_url"),
    ("http:///nohost", "invalid_url"),
    ("http://exa mple.org/", "invalid_url"),
    ("http://example.org:99999/", "invalid_url"),
    ("http://" + "a" * 2100 + ".org/", "invalid_url"),
    ("http://name.invalid/", "dns"),
])
def test_invalid_addresses(url, outcome):
    result = check(url, allowed=())
    assert result.outcome == outcome and not result.available and result.message


@pytest.mark.parametrize("address,forbidden", [
    ("8.8.8.8", False), ("132.203.250.1", False), ("2001:4860:4860::8888", False),
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.0.1", True), ("169.254.1.1", True),
    ("100.64.0.1", True), ("0.0.0.0", True), ("255.255.255.255", True), ("224.0.0.251", True), ("240.0.0.1", True),
    ("::1", True), ("::", True), ("fe80::1", True), ("fc00::1", True), ("ff02::1", True),
    ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", True),
    ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
    ("2002:c0a8:101::", True),  # 6to4 wrapping 192.168.1.1
    ("64:ff9b::a9fe:a9fe", True),  # NAT64 wrapping 169.254.169.254
    ("2001:db8::1", True),
])
def test_address_rules(address, forbidden):
    assert linkcheck.address_forbidden(ipaddress.ip_address(address)) is forbidden


# --- HTTPS: the vetted address, the name in SNI and in the certificate check ------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_https_connects_to_the_vetted_address_with_the_name(certificate):
    with running(tls=certificate) as tls_server:
        allowed = linkcheck.parse_allowed("localhost")
        result = check(tls_server.url("/ok", host="localhost"), allowed=allowed, ca_certs=certificate[0])
        assert result.outcome == "ok" and result.status == 200
        assert tls_server.headers[0]["Host"] == f"localhost:{tls_server.port}"
        # The certificate names localhost, not 127.0.0.1: asked by address, the check fails.
        result = check(tls_server.url("/ok"), allowed=LOCAL, ca_certs=certificate[0])
        assert result.outcome == "connection" and "TLS" in result.message
        # Without the CA, an unknown certificate is refused.
        result = check(tls_server.url("/ok", host="localhost"), allowed=allowed)
        assert result.outcome == "connection"


# --- Politeness -------------------------------------------------------------------------

def test_a_host_never_sees_more_than_n_concurrent_requests(srv):
    limiter = linkcheck.HostLimiter(concurrency=2, delay=0)
    items = [(n, srv.url(f"/hold/0.3?n={n}")) for n in range(8)]
    results = dict(linkcheck.check_many(items, linkcheck.Config(allowed=LOCAL), workers=8, limiter=limiter))
    assert len(results) == 8 and all(r.available for r in results.values())
    assert srv.max_in_flight == 2  # never more, and the pool did run two at once


def test_the_delay_between_requests_to_a_host_holds(srv):
    limiter = linkcheck.HostLimiter(concurrency=4, delay=0.25)
    items = [(n, srv.url(f"/ok?n={n}")) for n in range(4)]
    results = dict(linkcheck.check_many(items, linkcheck.Config(allowed=LOCAL), workers=4, limiter=limiter))
    assert all(r.available for r in results.values())
    starts = sorted(at for _method, _path, at in srv.requests)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 4 and min(gaps) >= 0.24


def test_hosts_are_limited_separately(srv):
    # Two names of the same server: each has its own limit, so four requests can run at once.
    limiter = linkcheck.HostLimiter(concurrency=2, delay=0)
    allowed = linkcheck.parse_allowed("127.0.0.1, localhost")
    items = [(n, srv.url(f"/hold/0.5?n={n}", host="localhost" if n % 2 else "127.0.0.1")) for n in range(4)]
    results = dict(linkcheck.check_many(items, linkcheck.Config(allowed=allowed), workers=4, limiter=limiter))
    assert all(r.available for r in results.values())
    assert srv.max_in_flight == 4
