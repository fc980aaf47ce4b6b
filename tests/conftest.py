"""Fixtures shared by every test module."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded files, and the data folder (the datastore's work folders, DuckDB's temporary files), go to
    fresh folders for each test: two runs at once (SQLite and PostgreSQL) never share them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache holds allauth's rate-limit counters: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _french_by_default():
    """Each test starts in the platform's default language, whatever page an earlier test asked for."""
    from django.utils import translation

    with translation.override("fr"):
        yield


@pytest.fixture
def make_user(db):
    from ouvert.core import services

    counter = {"n": 0}

    def make(email=None, password="motdepasse-Tres-Solide-42", **kwargs):
        counter["n"] += 1
        return services.user_upsert(email=email or f"personne{counter['n']}@example.org",
                                    password=password, **kwargs)

    return make


@pytest.fixture
def make_org(db):
    from ouvert.core import services

    counter = {"n": 0}

    def make(slug=None, kind="public_body", **kwargs):
        counter["n"] += 1
        slug = slug or f"organisme-{counter['n']}"
        kwargs.setdefault("name_fr", f"Organisme {counter['n']}")
        return services.organisation_upsert(slug=slug, kind=kind, **kwargs)

    return make


@pytest.fixture
def allow_local_outbound(settings):
    """The platform may reach servers the test starts on the loopback (127.0.0.1, ::1; ``localhost``, the
    live server's name, designates them) through ``OUVERT_OUTBOUND_ALLOWED_HOSTS``: every outbound
    request to a local address is refused otherwise (``ouvert.core.net``). Explicit: only tests that
    ask for it, or for a fixture that starts a local server, get it."""
    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1", "::1"]
    return settings
