"""Subprocess fixtures: the ``ouvert`` command run against a real data folder (SQLite).

One data folder is migrated and loaded once per session (``ouvert demo --no-serve``) and
shared by the command-line tests, which keeps the suite fast.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OUVERT = Path(sys.executable).with_name("ouvert")


#: Variables of the machine running the tests that must not leak into a child's settings.
HOST_SETTINGS = {"PYTEST_VERSION", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
                 "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DEFAULT_FROM_EMAIL",
                 "LOG_LEVEL", "DATABASE_CONN_MAX_AGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES"}


def ouvert_env(data_dir, **extra) -> dict:
    """A clean environment for a child process: development profile, SQLite in ``data_dir``."""
    env = {k: v for k, v in os.environ.items()
           if k not in HOST_SETTINGS and not k.startswith(("OUVERT_", "OIDC_", "PYTEST_", "EMAIL_", "SECURE_"))}
    env.update({"OUVERT_DATA_DIR": str(data_dir), "OUVERT_ENV": "development", "LANG": "C.UTF-8",
                "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_ouvert(data_dir, *args, env_extra=None, input=None, timeout=120):
    command = [str(OUVERT)] if OUVERT.exists() else [sys.executable, "-m", "ouvert.cli"]
    return subprocess.run([*command, *args], env=ouvert_env(data_dir, **(env_extra or {})),
                          capture_output=True, text=True, input=input, timeout=timeout,
                          start_new_session=True)  # no controlling terminal: getpass reads stdin


def run_python(data_dir, code, env_extra=None, timeout=60):
    """Run ``code`` in a child process with Django set up on ``data_dir``; returns its stdout."""
    prelude = "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ouvert.settings'); django.setup()\n"
    result = subprocess.run([sys.executable, "-c", prelude + code], env=ouvert_env(data_dir, **(env_extra or {})),
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


COUNT_ROWS = """
from django.apps import apps
print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models()
                  if m._meta.app_label not in {"sessions", "django_tasks_database", "admin"}}))
"""


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A data folder after a first ``ouvert demo --no-serve``: (path, first run's result)."""
    data_dir = tmp_path_factory.mktemp("ouvert-data")
    first = run_ouvert(data_dir, "demo", "--no-serve", timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    return data_dir, first


@pytest.fixture
def copy_of_demo_dir(demo_dir, tmp_path):
    """A private copy of the shared data folder, for tests that damage it."""
    target = tmp_path / "data"
    shutil.copytree(demo_dir[0], target, ignore=shutil.ignore_patterns("static", "cache"))
    return target


def counts(data_dir) -> dict:
    return json.loads(run_python(data_dir, COUNT_ROWS).strip().splitlines()[-1])
