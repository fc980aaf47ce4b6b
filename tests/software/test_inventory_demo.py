"""The demo loaders of the uses and of the inventory: real Montréal repositories, fictional uses clearly marked,
both idempotent."""

import pytest

from ouvert.core.models import AuditEntry
from ouvert.software import demo_inventory, demo_usage
from ouvert.software.models import CodeRepository, Usage

pytestmark = pytest.mark.django_db


def test_the_inventory_demo_loads_twice(software_factory):
    software_factory(slug="workit", name="WorkIt", repository_url="https://github.com/VilledeMontreal/workit")
    first = demo_inventory.load()
    assert first["created"] == 2 and first["linked"] == 1
    audits = AuditEntry.objects.count()
    second = demo_inventory.load()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    assert AuditEntry.objects.count() == audits  # the second run imports nothing
    assert set(CodeRepository.objects.values_list("name", "is_demo", "organisation__slug")) == {
        ("CKAN-Extension-Territoire", True, "ville-de-montreal"), ("WorkIt", True, "ville-de-montreal")}


def test_the_usage_demo_loads_twice(software_factory):
    for slug in ("c", "a", "b", "d"):
        software_factory(slug=slug, name=slug.upper(), is_demo=True)
    software_factory(slug="reel", name="Réel")  # not a demo entry: left alone
    assert demo_usage.load() == {"created": 3, "kept": 0}
    assert demo_usage.load() == {"created": 0, "kept": 3}
    usages = list(Usage.objects.order_by("software__slug"))
    assert [u.software.slug for u in usages] == ["a", "b", "c"]
    assert all(u.is_demo and "démonstration" in u.purpose_fr and u.referents.count() == 1 for u in usages)
