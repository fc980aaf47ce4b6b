"""Fixtures shared by every test module."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded files go to a fresh folder for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(db):
    from ouvert.core import services

    counter = {"n": 0}

    def make(email=None, password="motdepasse-Tres-Solide-42", **kwargs):
        counter["n"] += 1
        return services.user_upsert(email=email or f"personne{counter['n']}@example.org",
                                    password=password, **kwargs)

    return make
