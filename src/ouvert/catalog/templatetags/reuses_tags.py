"""Reuse counts in the catalogue's lists, in one query per list:
``{% load reuses_tags %}{% reuse_counts datasets as counts %}`` then ``{{ counts|reuse_count:d.name }}``."""

from django import template

register = template.Library()


@register.simple_tag
def reuse_counts(items) -> dict:
    """``{dataset name: published reuses}`` of ``items`` (datasets, or ``package_search`` rows with a name)."""
    from ouvert.catalog import services

    names = []
    for item in items or []:
        name = item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
        if name:
            names.append(name)
    return services.reuse_counts_by_name(names)


@register.filter
def reuse_count(counts, name) -> int:
    return (counts or {}).get(name, 0)


@register.simple_tag
def reuse_total() -> int:
    from ouvert.catalog import services

    return services.reuse_total()
