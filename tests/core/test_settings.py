"""Settings driven by the environment: storage, cache, OpenID Connect (read in child processes)."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .conftest import run_python

READ_SETTINGS = """
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.cache import cache
print(json.dumps({"storage": default_storage.__class__.__name__,  # LazyObject proxies __class__
                  "storage_backend": settings.STORAGES["default"]["BACKEND"],
                  "bucket": getattr(default_storage, "bucket_name", None),
                  "endpoint": getattr(default_storage, "endpoint_url", None),
                  "cache": settings.CACHES["default"]["BACKEND"],
                  "cache_location": str(settings.CACHES["default"].get("LOCATION", "")),
                  "media_root": str(settings.MEDIA_ROOT)}))
"""


def _settings(tmp_path, **env):
    return json.loads(run_python(tmp_path, READ_SETTINGS, env_extra=env).strip().splitlines()[-1])


def test_default_storage_is_the_data_folder_and_cache_is_file_based(tmp_path):
    values = _settings(tmp_path)
    assert values["storage"] == "FileSystemStorage"
    assert values["media_root"] == str(tmp_path / "media")
    assert values["cache"].endswith("FileBasedCache") and values["cache_location"] == str(tmp_path / "cache")


def test_s3_storage_is_selected_by_environment(tmp_path):
    values = _settings(tmp_path, OUVERT_S3_BUCKET="ouvert-fichiers", OUVERT_S3_ENDPOINT_URL="http://minio.local:9000",
                       OUVERT_S3_ACCESS_KEY="cle", OUVERT_S3_SECRET_KEY="secret")
    assert values["storage_backend"] == "storages.backends.s3.S3Storage"
    assert values["storage"] == "S3Storage"
    assert values["bucket"] == "ouvert-fichiers" and values["endpoint"] == "http://minio.local:9000"


def test_redis_cache_is_selected_by_environment(tmp_path):
    values = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/1")
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_secret_key_is_generated_once_into_the_data_folder(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_python(tmp_path, code).strip()
    assert len(first) >= 50 and (tmp_path / "secret_key").read_text().strip() == first
    assert run_python(tmp_path, code).strip() == first


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_required_settings(tmp_path, missing):
    import subprocess
    import sys

    from .conftest import ouvert_env

    env = ouvert_env(tmp_path, OUVERT_ENV="production", SECRET_KEY="x" * 60, ALLOWED_HOSTS="ouvert.example.org")
    del env[missing]
    result = subprocess.run([sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
                             "'ouvert.settings'; django.setup()"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and missing in result.stderr


def test_file_saved_through_default_storage_lands_under_media_root(settings, tmp_path):
    name = default_storage.save("essais/bonjour.txt", ContentFile(b"Bonjour"))
    path = settings.MEDIA_ROOT / name
    assert path.read_bytes() == b"Bonjour"
    assert str(path).startswith(str(tmp_path))
    assert default_storage.url(name) == f"/media/{name}"


def test_openid_connect_provider_from_environment_appears_on_the_login_page(demo_dir):
    """With the OIDC_* variables set, the sign-in page offers the government login (no network)."""
    data_dir, _ = demo_dir
    env = {"OUVERT_ENV": "test", "OIDC_SERVER_URL": "https://auth.example.gouv.qc.ca/realms/quebec",
           "OIDC_CLIENT_ID": "ouvert", "OIDC_CLIENT_SECRET": "s3cret", "OIDC_PROVIDER_ID": "clicsequr",
           "OIDC_NAME": "ClicSÉQUR"}
    html = run_python(data_dir, """
from django.test import Client
response = Client().get("/fr/compte/login/")
assert response.status_code == 200, response.status_code
print(response.content.decode())
""", env_extra=env)
    assert "ClicSÉQUR" in html
    assert "/fr/compte/oidc/clicsequr/login/" in html
    without = run_python(data_dir, """
from django.test import Client
print(Client().get("/fr/compte/login/").content.decode())
""", env_extra={"OUVERT_ENV": "test"})
    assert "ClicSÉQUR" not in without and "/oidc/" not in without


READ_PG_SETTINGS = """
from django.db import connection
with connection.cursor() as cursor:
    values = {}
    for name in ("random_page_cost", "jit"):
        cursor.execute("SELECT current_setting(%s)", [name])
        values[name] = cursor.fetchone()[0]
print(json.dumps(values))
"""


def test_postgresql_connections_get_the_planner_settings(tmp_path):
    import os
    from urllib.parse import urlsplit

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    url = urlsplit(database_url)._replace(path="/postgres").geturl()  # settings only: any database will do

    def read(**env):
        return json.loads(run_python(tmp_path, READ_PG_SETTINGS, env_extra={"DATABASE_URL": url, **env})
                          .strip().splitlines()[-1])

    assert read() == {"random_page_cost": "1.1", "jit": "off"}
    assert read(OUVERT_PG_OPTIONS="-c random_page_cost=2") == {"random_page_cost": "2", "jit": read(
        OUVERT_PG_OPTIONS="")["jit"]}


PG_KEPT_CONNECTION = """
import json, time
import django
django.setup()
import psycopg
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection


def pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request():
    request_finished.send(sender=None)
    request_started.send(sender=None)


out = {"engine": settings.DATABASES["default"]["ENGINE"],
       "binding": settings.DATABASES["default"]["OPTIONS"].get("server_side_binding", False)}
round_trips = []
usable = connection.is_usable
connection.is_usable = lambda: round_trips.append(1) or usable()  # the full check: SELECT 1
request_started.send(sender=None)
first = pid()
next_request()
out["kept"] = pid() == first and not round_trips  # a quiet connection is kept, checked without a query
other = psycopg.connect(host=settings.DATABASES["default"]["HOST"], port=settings.DATABASES["default"]["PORT"] or 5432,
                        user=settings.DATABASES["default"]["USER"], dbname=settings.DATABASES["default"]["NAME"],
                        autocommit=True)
other.execute("SELECT pg_terminate_backend(%s)", [first])  # the server ends the session between two requests
time.sleep(0.3)
next_request()
second = pid()  # the next request gets a new connection instead of an error
out["replaced"] = second != first and len(round_trips) == 1  # the server's goodbye led to the full check
print(json.dumps(out))
"""


def test_postgresql_kept_connections_checked_without_a_round_trip(tmp_path):
    import os
    from urllib.parse import urlsplit

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    url = urlsplit(database_url)._replace(path="/postgres").geturl()

    def read(**env):
        return json.loads(run_python(tmp_path, PG_KEPT_CONNECTION, env_extra={"DATABASE_URL": url, **env})
                          .strip().splitlines()[-1])

    assert read() == {"engine": "ouvert.core.postgresql", "binding": True, "kept": True, "replaced": True}
    assert read(OUVERT_PG_PREPARED="0")["binding"] is False
