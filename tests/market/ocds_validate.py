"""The OCDS checks of the market tests: the Open Contracting Partnership's validator (``libcoveocds``),
offline, against the standard's zip in ``data/`` (it never downloads the schema)."""

from __future__ import annotations

from pathlib import Path

from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

STANDARD_ZIP = Path(__file__).resolve().parent / "data" / "standard-1__1__5.zip"


def cove_config() -> LibCoveOCDSConfig:
    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = "file://" + str(STANDARD_ZIP)
    return config


def cove(package: dict, *, record_pkg: bool | None = None) -> dict:
    """libcoveocds' report on ``package`` (a release package or a record package)."""
    if record_pkg is None:
        record_pkg = "records" in package
    return ocds_json_output(json_data=package, lib_cove_ocds_config=cove_config(), record_pkg=record_pkg)


def assert_valid(package: dict, *, record_pkg: bool | None = None) -> dict:
    """No validation error, no value outside a closed codelist, no field the schema does not know, no
    deprecated field."""
    report = cove(package, record_pkg=record_pkg)
    assert report["validation_errors"] == [], report["validation_errors"]
    assert report["additional_closed_codelist_values"] == {}, report["additional_closed_codelist_values"]
    assert report["all_additional_fields"] == [], report["all_additional_fields"]
    assert report["deprecated_fields"] == [], report["deprecated_fields"]
    return report


def wrap(*releases: dict) -> dict:
    """A minimal release package around ``releases`` (for checking single releases)."""
    return {"uri": "https://ouvert.example.org/api/v1/market/ocds/releases.json",
            "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1",
            "publisher": {"name": "Ouvert", "uri": "https://ouvert.example.org"},
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "publicationPolicy": "https://ouvert.example.org/fr/marches/donnees-ouvertes/politique/",
            "releases": list(releases)}
