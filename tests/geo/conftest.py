"""Test kit of the geo module: the catalogue's fixtures (``tests/catalog/conftest.py``), shared rather
than copied, and ``GEO_CORPUS``: the real layers of ``../shared/corpus/geo/`` copied under
``tests/geo/data/`` (see its ``SOURCES.md``)."""

from pathlib import Path

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

GEO_DATA = Path(__file__).parent / "data"
