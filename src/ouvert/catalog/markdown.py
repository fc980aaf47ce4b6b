"""Descriptions in Markdown, rendered to HTML that is safe to show.

Publishers (and harvested catalogues) write Markdown; it may contain raw HTML, which is kept
only when harmless: ``nh3`` (an allow-list sanitiser) removes scripts, event handlers, styles,
frames and ``javascript:`` links. Links open safely (``rel="nofollow noopener noreferrer"``).
"""

from __future__ import annotations

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "ftp"})
#: Above this many characters the text is not rendered as Markdown (shown escaped instead).
MAX_MARKDOWN_LENGTH = 200_000


def sanitise_html(html: str) -> str:
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel="nofollow noopener noreferrer",
                     clean_content_tags={"script", "style"}, strip_comments=True)


def render_markdown(text: str | None) -> SafeString:
    """Markdown → sanitised HTML, marked safe for templates."""
    text = text or ""
    if len(text) > MAX_MARKDOWN_LENGTH:
        from django.utils.html import escape, linebreaks

        return mark_safe(linebreaks(escape(text)))
    html = _markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return mark_safe(sanitise_html(html))  # noqa: S308 — sanitised just above


def markdown_to_text(text: str | None) -> str:
    """The plain text of a Markdown description (for search snippets, ``schema:description``)."""
    return nh3.clean(render_markdown(text), tags=set()).strip()
