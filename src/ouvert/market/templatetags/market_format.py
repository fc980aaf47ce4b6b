"""Filters that write amounts and instants the module's way (``formats``): ``{% load market_format %}``,
``{{ contract.value|money }}`` → « 45 000 $ », ``{{ opportunity.deadline|montreal }}`` → « 15 décembre 2026 à
14 h 00 (heure de Montréal) »."""

from django import template

from .. import formats

register = template.Library()


@register.filter
def money(value):
    return "" if value in (None, "") else formats.money(value)


@register.filter
def montreal(value):
    return formats.montreal_text(value)


@register.simple_tag
def ceiling():
    """The ceiling of an opportunity's price (``OUVERT_MARKET_CEILING``), written as an amount."""
    from django.conf import settings

    return formats.money(settings.OUVERT_MARKET_CEILING)


@register.simple_tag
def min_posting_days():
    """The minimum posting period in days (``OUVERT_MARKET_MIN_POSTING_DAYS``)."""
    from django.conf import settings

    return settings.OUVERT_MARKET_MIN_POSTING_DAYS
