"""Markdown rendered to HTML that is safe to show, for every module.

Publishers (and harvested catalogues) write Markdown; it may contain raw HTML, which is kept
only when harmless: ``nh3`` (an allow-list sanitiser) removes scripts, event handlers, styles,
frames and ``javascript:`` links. Links open safely (``rel="nofollow noopener noreferrer"``).
Participants' text (comments, proposals) is rendered with ``participant=True``: no images,
headings or tables, only http(s) and mailto links, marked ``ugc``. Text that would make
Python-Markdown take seconds or overflow the stack (deep nesting, thousands of brackets) is
shown escaped instead, so one post cannot turn a page into an error.
"""

from __future__ import annotations

import re

import markdown as _markdown
import nh3
from django.utils.html import escape, linebreaks
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
#: What participants' Markdown may produce.
PARTICIPANT_TAGS = ALLOWED_TAGS - {"img", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr",
                                   "td", "th"}
PARTICIPANT_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
#: Above this many characters the text is not rendered as Markdown (shown escaped instead).
MAX_MARKDOWN_LENGTH = 200_000
#: Ten block markers in a row (``> > >``, ``1. 1. 1.``, ``- - -``…) nest too deep for Python-Markdown,
#: which then takes seconds or overflows the stack.
DEEP_NESTING = re.compile(r"(?:(?:>|[*+-]|\d{1,9}[.)])[ \t]*){10,}")
MAX_BRACKETS = 2000


def too_complex(text: str) -> bool:
    """Whether ``text`` is too long or too deeply nested to be rendered as Markdown in a request."""
    return (len(text) > MAX_MARKDOWN_LENGTH or text.count("[") > MAX_BRACKETS
            or text.count("(") > 4 * MAX_BRACKETS or DEEP_NESTING.search(text) is not None)


def sanitise_html(html: str) -> str:
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel="nofollow noopener noreferrer",
                     clean_content_tags={"script", "style"}, strip_comments=True)


def render_markdown(text: str | None, *, participant: bool = False) -> SafeString:
    """Markdown → sanitised HTML, marked safe for templates (``participant``: the participants' subset)."""
    text = text or ""
    if too_complex(text):
        return mark_safe(linebreaks(escape(text)))  # noqa: S308 — escaped
    try:
        html = _markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    except RecursionError:  # nesting the check above did not catch
        return mark_safe(linebreaks(escape(text)))  # noqa: S308 — escaped
    if participant:
        return mark_safe(nh3.clean(  # noqa: S308 — sanitised here
            html, tags=set(PARTICIPANT_TAGS), attributes={k: set(v) for k, v in PARTICIPANT_ATTRIBUTES.items()},
            url_schemes={"http", "https", "mailto"}, link_rel="nofollow ugc noopener noreferrer",
            clean_content_tags={"script", "style"}, strip_comments=True))
    return mark_safe(sanitise_html(html))  # noqa: S308 — sanitised just above


def markdown_to_text(text: str | None) -> str:
    """The plain text of a Markdown description (for search snippets, ``schema:description``)."""
    return nh3.clean(render_markdown(text), tags=set()).strip()
