"""Template tags for the base layout: main navigation, language switch target, optional links.

Templates receive prepared data: these tags only turn the core registry and the current
request into plain values for ``base.html`` and ``includes/``.
"""

import logging

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The main navigation from ``ouvert.core.registry.menu_links()``.

    Returns a list of ``{"label", "url", "current"}``; ``current`` is ``"page"`` on the
    link's own page, ``"true"`` inside its section (for ``aria-current``), else ``""``.
    A link whose URL name does not resolve is left out (and logged), so that one module's
    mistake never breaks every page.
    """
    from ouvert.core.registry import menu_links

    request = context.get("request")
    path = request.path if request is not None else ""
    items = []
    for link in menu_links():
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            logger.warning("Menu link %r does not resolve; left out of the navigation.", link.url_name)
            continue
        items.append({"label": link.label, "url": url, "current": ""})
    # Only the most specific link containing the current page is marked: the page itself,
    # or its section (never the language root "/fr/", which contains everything).
    candidates = [item for item in items
                  if path == item["url"] or (item["url"].rstrip("/").count("/") > 1 and path.startswith(item["url"]))]
    if candidates:
        best = max(candidates, key=lambda item: len(item["url"]))
        best["current"] = "page" if path == best["url"] else "true"
    return items


@register.simple_tag(takes_context=True)
def switch_language_path(context, language_code):
    """The current page's address in ``language_code`` (``/fr/plan/…`` → ``/en/plan/…``).

    Computed while the page's own language is active, so that ``translate_url`` can
    resolve the path; the query string is kept. Falls back to swapping the language
    prefix, then to the language's home page.
    """
    request = context.get("request")
    if request is None:
        return f"/{language_code}/"
    full_path = request.get_full_path()
    translated = translate_url(full_path, language_code)
    if translated != full_path:
        return translated
    current = get_language() or settings.LANGUAGE_CODE
    prefix = f"/{current}/"
    if full_path.startswith(prefix):
        return f"/{language_code}/{full_path[len(prefix):]}"
    return f"/{language_code}/"


@register.simple_tag
def optional_url(url_name, *args):
    """``reverse(url_name)`` or ``""`` when that page does not exist (a module not installed)."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""
