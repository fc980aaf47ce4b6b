"""Test kit of the quality module: the catalogue's (``tests/catalog/conftest.py``: ``publisher_org``,
``editor``, ``member``, ``other_org``, ``other_org_editor``, ``admin_user``, ``theme_factory``,
``dataset_factory``), shared rather than copied."""

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
