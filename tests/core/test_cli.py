"""The ``ouvert`` command, run in child processes against a real SQLite data folder."""

import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from .conftest import OUVERT, counts, ouvert_env, run_ouvert, run_python

ADMIN_PASSWORD = "Mot-de-passe-Admin-2021"


def test_demo_second_run_skips_work_and_keeps_data(demo_dir):
    data_dir, first = demo_dir
    assert "migrations : 0 " not in first.stdout  # the first run migrated
    before = counts(data_dir)
    second = run_ouvert(data_dir, "demo", "--no-serve")
    assert second.returncode == 0, second.stderr
    assert "migrations : 0 appliquée(s)" in second.stdout
    assert "fichiers statiques : à jour" in second.stdout
    assert counts(data_dir) == before
    site = run_python(data_dir, "from django.contrib.sites.models import Site; print(Site.objects.get().domain)")
    assert site.strip() == "127.0.0.1:8000"


def test_createadmin_validates_then_creates_and_promotes(demo_dir):
    data_dir, _ = demo_dir
    weak = run_ouvert(data_dir, "createadmin", "--email", "chef@example.org", "--password", "123")
    assert weak.returncode == 2 and "password" in weak.stderr
    bad_email = run_ouvert(data_dir, "createadmin", "--email", "pas-une-adresse", "--password", ADMIN_PASSWORD)
    assert bad_email.returncode == 2 and "email" in bad_email.stderr
    missing = run_ouvert(data_dir, "createadmin")
    assert missing.returncode == 2 and "--email" in missing.stderr

    created = run_ouvert(data_dir, "createadmin", "--email", "chef@example.org", "--password", ADMIN_PASSWORD)
    assert created.returncode == 0, created.stderr
    assert "chef@example.org" in created.stdout
    # Asked twice on standard input when --password is absent; a mismatch is refused.
    mismatch = run_ouvert(data_dir, "createadmin", "--email", "chef@example.org", input="Aaa-111-bbb\nAutre-222\n")
    assert mismatch.returncode == 2 and "correspondent pas" in mismatch.stderr
    again = run_ouvert(data_dir, "createadmin", "--email", "chef@example.org",
                       input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert again.returncode == 0 and "promu" in again.stdout
    state = run_python(data_dir, """
from ouvert.core.models import User
from allauth.account.models import EmailAddress
u = User.objects.get(email="chef@example.org")
print(u.is_superuser, u.check_password("Mot-de-passe-Admin-2021"), EmailAddress.objects.get(user=u).verified)
""")
    assert state.split() == ["True", "True", "True"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def server(demo_dir):
    """``ouvert serve`` on a free port (gunicorn, DEBUG off, whitenoise)."""
    data_dir, _ = demo_dir
    port = _free_port()
    command = [str(OUVERT)] if OUVERT.exists() else [__import__("sys").executable, "-m", "ouvert.cli"]
    process = subprocess.Popen([*command, "serve", "--port", str(port), "--workers", "1"],
                               env=ouvert_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("ouvert serve did not start: " + (process.stdout.read() if process.stdout else ""))
    yield base
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_token_create_then_use_it_against_the_served_api_then_revoke(demo_dir, server):
    data_dir, _ = demo_dir
    assert run_ouvert(data_dir, "createadmin", "--email", "robot@example.org",
                      "--password", ADMIN_PASSWORD).returncode == 0
    created = run_ouvert(data_dir, "token", "create", "robot@example.org", "--name", "essai")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("ouv_") and "\n" not in token

    status, body = _get(f"{server}/api/v1/core/me", {"Authorization": token})
    assert status == 200 and '"email": "robot@example.org"' in body.replace('":"', '": "')
    assert _get(f"{server}/api/v1/core/me")[0] == 401
    # DEBUG is off and static files are served by whitenoise.
    status, page = _get(f"{server}/fr/inexistant/")
    assert status == 404 and "Traceback" not in page
    assert _get(f"{server}/static/ninja/swagger-ui.css")[0] == 200

    revoked = run_ouvert(data_dir, "token", "revoke", "robot@example.org", token[:8])
    assert revoked.returncode == 0, revoked.stderr
    assert _get(f"{server}/api/v1/core/me", {"Authorization": token})[0] == 401
    again = run_ouvert(data_dir, "token", "revoke", "robot@example.org", token[:8])
    assert again.returncode == 2


def test_token_for_unknown_email_is_a_clear_error(demo_dir):
    result = run_ouvert(demo_dir[0], "token", "create", "personne@nulle-part.org")
    assert result.returncode == 2
    assert "personne@nulle-part.org" in result.stderr and "Traceback" not in result.stderr


def test_audit_verify_ok_then_tampered(copy_of_demo_dir):
    data_dir = copy_of_demo_dir
    for n in range(3):
        run_python(data_dir, f"from ouvert.core import services; services.audit_append(actor=None, action='t{n}')")
    ok = run_ouvert(data_dir, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK, ") and "entrées" in ok.stdout
    total = int(ok.stdout.split()[1])
    assert total >= 3

    with sqlite3.connect(data_dir / "ouvert.sqlite3") as db:
        db.execute("UPDATE core_auditentry SET data = ? WHERE seq = ?", ['{"forged": true}', total - 1])
    tampered = run_ouvert(data_dir, "audit", "verify")
    assert tampered.returncode == 1
    assert f"n° {total - 1}" in tampered.stderr and "contenu modifié" in tampered.stderr


def test_worker_runs_queued_tasks(copy_of_demo_dir):
    data_dir = copy_of_demo_dir
    run_python(data_dir, """
from ouvert.core import services
user = services.user_upsert(email="lecteur@example.org")
services.notify(recipients=[user], subject="Bonjour", body="Un message.")
""")
    pending = ("from ouvert.core.models import Notification; "
               "print(Notification.objects.get(recipient__email='lecteur@example.org').emailed_at is None)")
    assert run_python(data_dir, pending).strip() == "True"  # queued, not sent yet
    result = run_ouvert(data_dir, "worker", "--batch", "--no-startup-delay")
    assert result.returncode == 0, result.stderr
    assert run_python(data_dir, pending).strip() == "False"
    assert "Subject: Bonjour" in result.stdout and "To: lecteur@example.org" in result.stdout  # console e-mail


def test_check_and_manage_passthrough(demo_dir):
    data_dir, _ = demo_dir
    check = run_ouvert(data_dir, "check")
    assert check.returncode == 0 and "no issues" in check.stdout
    # Development settings are not production settings: --deploy fails on its warnings.
    dev_deploy = run_ouvert(data_dir, "check", "--deploy")
    assert dev_deploy.returncode != 0 and "security" in (dev_deploy.stdout + dev_deploy.stderr)
    manage = run_ouvert(data_dir, "manage", "showmigrations", "core")
    assert manage.returncode == 0 and "[X] 0001_initial" in manage.stdout


def test_check_deploy_is_clean_with_production_settings(demo_dir):
    import secrets

    result = run_ouvert(demo_dir[0], "check", "--deploy", env_extra={
        "OUVERT_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "ouvert.example.org", "OUVERT_BASE_URL": "https://ouvert.example.org"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("args", [["serve", "--port", "abc"], ["serve", "--port", "70000"], ["frobnicate"],
                                  ["token"], ["serve", "--workers", "0"], ["serve", "--threads", "0"]])
def test_bad_arguments_exit_2(demo_dir, args):
    result = run_ouvert(demo_dir[0], *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip()


def test_demo_serves_the_datastore_pages_after_loading(demo_dir):
    """``ouvert demo`` loads (DuckDB ingestions, charts) then serves: the loading runs in a child
    process, since gunicorn's forked workers hang on DuckDB state inherited from their parent."""
    import re

    data_dir, _ = demo_dir
    port = _free_port()
    command = [str(OUVERT)] if OUVERT.exists() else [__import__("sys").executable, "-m", "ouvert.cli"]
    process = subprocess.Popen([*command, "demo", "--port", str(port), "--workers", "1"], env=ouvert_env(data_dir),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("ouvert demo did not serve")
        status, page = _get(f"{base}/fr/catalogue/jeux/comptage-velos-pistes-cyclables-2012/")
        assert status == 200
        preview = re.search(r'href="([^"]*/apercu/)"', page).group(1)
        status, page = _get(base + preview)  # hung (timeout) when the workers inherited DuckDB
        assert status == 200 and "Berri 1" in page
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_serve_with_threads_keeps_connections_alive(demo_dir):
    """``--threads 2``: gthread workers answer several requests on one kept-alive connection."""
    import http.client

    data_dir, _ = demo_dir
    port = _free_port()
    command = [str(OUVERT)] if OUVERT.exists() else [__import__("sys").executable, "-m", "ouvert.cli"]
    process = subprocess.Popen([*command, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
                               env=ouvert_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("ouvert serve --threads 2 did not start")
            time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            assert (response.getheader("Connection") or "").lower() != "close"
        conn.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
