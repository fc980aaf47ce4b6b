"""The OCDS checks of the market tests: the Open Contracting Partnership's validator (``libcoveocds``),
offline, against the standard's zip in ``data/`` (it never downloads the schema)."""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path

import jsonref
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

STANDARD_ZIP = Path(__file__).resolve().parent / "data" / "standard-1__1__5.zip"


def cove_config() -> LibCoveOCDSConfig:
    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = "file://" + str(STANDARD_ZIP)
    return config


class _StandardFromZip:
    """What ``jsonref`` fetches, served from the standard's zip. libcoveocds 0.17 reads its schemas from
    ``standard_zip`` but, for a record package, still dereferences the record package schema's ``$ref`` to
    ``https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json``
    over the network; the tests have none. Any other address fails as it would offline."""

    PREFIX = "https://standard.open-contracting.org/schema/1__1__5/"

    class _Response:
        def __init__(self, data: bytes):
            self._data = data

        def raise_for_status(self):
            return None

        def json(self, **kwargs):
            return json.loads(self._data, **kwargs)

    def get(self, uri, *args, **kwargs):
        for prefix in (self.PREFIX, self.PREFIX.replace("https:", "http:")):
            if uri.startswith(prefix):
                with zipfile.ZipFile(STANDARD_ZIP) as archive:
                    return self._Response(archive.read(f"standard-1__1__5/schema/{uri[len(prefix):]}"))
        raise ConnectionError(f"no network in the tests: {uri}")


@contextlib.contextmanager
def _offline_standard():
    saved = jsonref.requests
    jsonref.requests = _StandardFromZip()
    try:
        yield
    finally:
        jsonref.requests = saved


def cove(package: dict, *, record_pkg: bool | None = None) -> dict:
    """libcoveocds' report on ``package`` (a release package or a record package)."""
    if record_pkg is None:
        record_pkg = "records" in package
    with _offline_standard():
        return ocds_json_output(json_data=package, lib_cove_ocds_config=cove_config(), record_pkg=record_pkg)


def _versioned_language_variant(field: dict) -> bool:
    """libcoveocds reports the versions (``releaseID``, ``releaseDate``, ``releaseTag``, ``value``) of a
    language variant such as ``title_en`` (a ``patternProperties`` field of the release schema) in a
    versioned release as fields it does not know: the versioned release schema has no pattern properties.
    Those are not additional fields."""
    parent = field["path"].rsplit("/", 1)[-1]
    return (field["path"].startswith("/records/versionedRelease/") and parent.endswith("_en")
            and field["field_name"] in ("releaseID", "releaseDate", "releaseTag", "value"))


def assert_valid(package: dict, *, record_pkg: bool | None = None) -> dict:
    """No validation error, no value outside a closed codelist, no field the schema does not know, no
    deprecated field."""
    report = cove(package, record_pkg=record_pkg)
    assert report["validation_errors"] == [], report["validation_errors"]
    assert report["additional_closed_codelist_values"] == {}, report["additional_closed_codelist_values"]
    unknown = [f for f in report["all_additional_fields"] if not _versioned_language_variant(f)]
    assert unknown == [], unknown
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


# --- Driving an opportunity through its events (models directly, as the fixtures do) -----------------

def close(opportunity, clock):
    """The deadline comes: the opportunity goes to evaluation (release ``tenderUpdate``)."""
    from django.utils import timezone

    from ouvert.market import ocds
    from ouvert.market.models import Opportunity

    clock.move_to(opportunity.deadline, tick=False)
    opportunity.status = Opportunity.Status.EVALUATION
    opportunity.closed_at = timezone.now()
    opportunity.save()
    return ocds.release_add(opportunity, ["tenderUpdate"])


def award(opportunity, proposal, clock, *, value="45000.00", days=5):
    """Award ``proposal`` ``days`` after the deadline (releases ``award`` and ``contract``)."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from ouvert.market import ocds
    from ouvert.market.models import Contract, Opportunity

    clock.move_to(opportunity.deadline + datetime.timedelta(days=days), tick=False)
    contract = Contract.objects.create(opportunity=opportunity, proposal=proposal, value=Decimal(value),
                                       awarded_at=timezone.now())
    opportunity.status = Opportunity.Status.AWARDED
    opportunity.awarded_at = timezone.now()
    opportunity.save()
    ocds.release_add(opportunity, ["award", "contract"])
    return contract
