"""The teaching section (section pédagogique, milestone 1.1): learning paths made of Markdown files of
the repository (``content/<path>/<page>.fr.md`` and ``.en.md``), a glossary and a FAQ
(``content/glossaire.<lang>.md``, ``content/faq.<lang>.md``), full-text search over all of it (an index
in memory, built once per process and language), and the reading progress of signed-in people
(``ReadingProgress``, the only thing stored).

Pages
    Each file starts with a small front matter between ``---`` lines: ``title``, ``summary``, ``order``,
    ``level``, ``duration`` (minutes) and ``glossary`` (identifiers of the glossary terms it uses,
    comma-separated). A path's own description is ``content/<path>/_path.<lang>.md``.

Placeholders
    ``{{ adresse }}`` (the instance's base address), ``{{ jeu_exemple }}`` (a real public dataset that has a
    DataStore table), ``{{ ressource_exemple }}`` (its resource with the table) and
    ``{{ exemples_reutilisations }}`` (a Markdown list of published reuses, or datasets when there are none)
    are replaced at render time. The example dataset is chosen by ``example_dataset()``:
    ``OUVERT_LEARN_EXAMPLE_DATASET`` (setting or environment variable: a dataset name) pins it; otherwise it
    is the first public dataset, by name, whose first tabular resource has a served DataStore table.

Runnable examples
    A fenced block whose language is ``curl``, ``python`` or ``r`` is runnable: the test suite runs each of
    them against a live test instance. Its expected output is a comment line in the block:
    ``# attendu : <texte>`` (French) or ``# expected: <text>`` (English); the output must contain it.

Links to the glossary are written ``[terme](glossaire:identifiant)``.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import markdown as _markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from ouvert.core.services import NotFound

from .models import ReadingProgress

__all__ = [
    "LANGUAGES", "RUNNABLE_LANGUAGES", "SEARCH_MAX_LENGTH", "LearningPath", "Page", "Term", "Example",
    "teaching_paths", "teaching_path", "teaching_page", "teaching_glossary", "teaching_faq",
    "teaching_render", "teaching_examples", "teaching_placeholders", "teaching_example_dataset",
    "teaching_search", "teaching_progress", "teaching_path_progress", "teaching_mark_read",
    "teaching_mark_unread", "teaching_reload", "teaching_language",
]

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LANGUAGES = ("fr", "en")
RUNNABLE_LANGUAGES = ("curl", "python", "r")
SEARCH_MAX_LENGTH = 200
EXPECT_RE = re.compile(r"^\s*#\s*(?:attendu\s*:|expected\s*:)\s*(?P<text>.+?)\s*$", re.MULTILINE | re.IGNORECASE)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
FENCE_RE = re.compile(r"^```(?P<lang>[A-Za-z0-9_+-]*)[^\n]*\n(?P<code>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
ENTRY_RE = re.compile(r"^## (?P<title>.+?) \{#(?P<id>[a-z0-9-]+)\}\s*$", re.MULTILINE)
GLOSSARY_LINK_RE = re.compile(r"\]\(glossaire:(?P<id>[a-z0-9-]+)\)")


def teaching_language(language: str | None = None) -> str:
    language = (language or get_language() or "fr")[:2]
    return language if language in LANGUAGES else "fr"


# --- Content ----------------------------------------------------------------------------------------

@dataclass
class Example:
    """A runnable fenced block of a page."""

    page: str  # "<path>/<page>"
    language: str  # "fr" | "en"
    kind: str  # "curl" | "python" | "r"
    number: int  # 1, 2… within the page and language
    code: str
    expected: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.language}:{self.number}-{self.kind}"


@dataclass
class Page:
    path: str
    slug: str
    language: str
    title: str
    summary: str
    order: int
    level: str
    duration: int
    glossary: list[str]
    body: str  # the Markdown, placeholders unreplaced

    @property
    def key(self) -> str:
        return f"{self.path}/{self.slug}"

    def url(self) -> str:
        with override(self.language):
            return reverse("learn:teaching_page", kwargs={"path": self.path, "page": self.slug})


@dataclass
class LearningPath:
    slug: str
    language: str
    title: str
    summary: str
    audience: str
    order: int
    body: str
    pages: list[Page] = field(default_factory=list)

    def url(self) -> str:
        with override(self.language):
            return reverse("learn:teaching_path", kwargs={"path": self.slug})

    def page(self, slug: str) -> Page | None:
        return next((page for page in self.pages if page.slug == slug), None)

    def neighbours(self, slug: str) -> tuple[Page | None, Page | None]:
        index = next((i for i, page in enumerate(self.pages) if page.slug == slug), None)
        if index is None:
            return None, None
        return (self.pages[index - 1] if index > 0 else None,
                self.pages[index + 1] if index + 1 < len(self.pages) else None)


@dataclass
class Term:
    """A glossary term or a FAQ question."""

    id: str
    title: str
    body: str


def _front_matter(text: str, source: Path) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise ValueError(f"{source}: no front matter")
    end = text.index("\n---\n", 4)
    meta = {}
    for line in text[4:end].splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _sep, value = line.partition(":")
        meta[key.strip()] = value.strip()
    return meta, text[end + 5:].lstrip("\n")


def _read(source: Path) -> tuple[dict, str]:
    return _front_matter(source.read_text(encoding="utf-8"), source)


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _entries(source: Path) -> list[Term]:
    """``## Title {#id}`` sections of a glossary or FAQ file."""
    if not source.exists():
        return []
    text = source.read_text(encoding="utf-8")
    matches = list(ENTRY_RE.finditer(text))
    entries = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        entries.append(Term(id=match["id"], title=match["title"].strip(), body=text[match.end():end].strip()))
    return entries


class _Content:
    """Everything read from ``CONTENT_DIR`` for one language (read once per process)."""

    def __init__(self, language: str):
        self.language = language
        self.paths: list[LearningPath] = []
        for folder in sorted(p for p in CONTENT_DIR.iterdir() if p.is_dir() and SLUG_RE.match(p.name)):
            meta_file = folder / f"_path.{language}.md"
            if not meta_file.exists():
                continue
            meta, body = _read(meta_file)
            learning_path = LearningPath(slug=folder.name, language=language, title=meta.get("title", folder.name),
                                         summary=meta.get("summary", ""), audience=meta.get("audience", ""),
                                         order=_int(meta.get("order"), 100), body=body)
            for source in folder.glob(f"*.{language}.md"):
                slug = source.name[: -len(f".{language}.md")]
                if slug.startswith("_") or not SLUG_RE.match(slug):
                    continue
                meta, body = _read(source)
                learning_path.pages.append(Page(
                    path=folder.name, slug=slug, language=language, title=meta.get("title", slug),
                    summary=meta.get("summary", ""), order=_int(meta.get("order"), 100), level=meta.get("level", ""),
                    duration=_int(meta.get("duration")),
                    glossary=[t.strip() for t in meta.get("glossary", "").split(",") if t.strip()], body=body))
            learning_path.pages.sort(key=lambda page: (page.order, page.slug))
            self.paths.append(learning_path)
        self.paths.sort(key=lambda p: (p.order, p.slug))
        self.glossary = sorted(_entries(CONTENT_DIR / f"glossaire.{language}.md"),
                               key=lambda term: _fold(term.title))
        self.faq = _entries(CONTENT_DIR / f"faq.{language}.md")
        self._index = None

    def path(self, slug: str) -> LearningPath | None:
        return next((p for p in self.paths if p.slug == slug), None)


_contents: dict[str, _Content] = {}
_lock = threading.Lock()


def _content(language: str | None = None) -> _Content:
    language = teaching_language(language)
    found = _contents.get(language)
    if found is None:
        with _lock:
            found = _contents.get(language)
            if found is None:
                found = _contents[language] = _Content(language)
    return found


def teaching_reload() -> None:
    """Forget what was read (the files and the search index): read again at the next call."""
    with _lock:
        _contents.clear()
    _example_cache.clear()


def teaching_paths(language: str | None = None) -> list[LearningPath]:
    return _content(language).paths


def teaching_path(slug: str, language: str | None = None) -> LearningPath:
    found = _content(language).path(str(slug)[:100])
    if found is None:
        raise NotFound(_("Parcours « %(path)s » introuvable.") % {"path": str(slug)[:100]})
    return found


def teaching_page(path: str, page: str, language: str | None = None) -> tuple[LearningPath, Page]:
    learning_path = teaching_path(path, language)
    found = learning_path.page(str(page)[:100])
    if found is None:
        raise NotFound(_("Page « %(page)s » introuvable dans le parcours « %(path)s ».")
                       % {"page": str(page)[:100], "path": learning_path.slug})
    return learning_path, found


def teaching_glossary(language: str | None = None) -> list[Term]:
    return _content(language).glossary


def teaching_faq(language: str | None = None) -> list[Term]:
    return _content(language).faq


# --- The example dataset and the placeholders ----------------------------------------------------------

_example_cache: dict = {}
EXAMPLE_TTL = 300.0


def _pinned_example() -> str:
    return (getattr(settings, "OUVERT_LEARN_EXAMPLE_DATASET", "") or os.environ.get("OUVERT_LEARN_EXAMPLE_DATASET", "")
            ).strip()


def teaching_example_dataset(*, fresh: bool = False) -> dict | None:
    """``{"dataset": name, "resource": resource id, "title_fr", "title_en"}`` of the example dataset, or
    ``None`` when the instance has none. Pinned by ``OUVERT_LEARN_EXAMPLE_DATASET``; otherwise the first
    public dataset by name whose first tabular resource has a served DataStore table. Kept 5 minutes."""
    from ouvert.catalog import services as catalog_services
    from ouvert.datastore import services as datastore_services

    now = time.monotonic()
    cached = _example_cache.get("example")
    if cached is not None and not fresh and now - cached[0] < EXAMPLE_TTL:
        return cached[1]
    public = catalog_services.dataset_visible_queryset(None, include_private=False, include_drafts=False)
    pinned = _pinned_example()
    if pinned:
        public = public.filter(name=pinned)
    found = None
    datasets = public.order_by("name").only("id", "name", "title_fr", "title_en")
    start = 0
    while found is None:
        chunk = list(datasets[start:start + 200])
        if not chunk:
            break
        facts = datastore_services.table_facts_for_datasets([d.pk for d in chunk])
        for dataset in chunk:
            served = [f for f in facts.get(dataset.pk, []) if f["rows"] is not None]
            if served:
                found = {"dataset": dataset.name, "resource": served[0]["resource_id"],
                         "title_fr": dataset.title_fr, "title_en": dataset.title_en or dataset.title_fr}
                break
        start += 200
    _example_cache["example"] = (now, found)
    return found


def _reuse_examples(language: str) -> str:
    """A Markdown list of published reuses (links to their pages), or of datasets when there is none."""
    from ouvert.catalog import services as catalog_services

    lines = []
    reuse_list = getattr(catalog_services, "reuse_list", None)
    if reuse_list is not None:
        for reuse in reuse_list()[:6]:
            title = (reuse.title_en or reuse.title_fr) if language == "en" else reuse.title_fr
            lines.append(f"- [{_md_escape(title)}](/{language}/catalogue/reutilisations/{reuse.name}/)")
    if lines:
        return "\n".join(lines)
    datasets = (catalog_services.dataset_visible_queryset(None, include_private=False, include_drafts=False)
                .order_by("-modified_at").only("name", "title_fr", "title_en")[:6])
    for dataset in datasets:
        title = (dataset.title_en or dataset.title_fr) if language == "en" else dataset.title_fr
        lines.append(f"- [{_md_escape(title)}](/{language}/catalogue/jeux/{dataset.name}/)")
    if not lines:
        return _("_Aucune réutilisation n’est encore publiée sur cette plateforme._") if language == "fr" \
            else "_No reuse is published on this platform yet._"
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return re.sub(r"([\\\[\]()*_`<>])", r"\\\1", text or "")


def teaching_placeholders(*, base_url: str | None = None, language: str | None = None) -> dict:
    """The values of the placeholders (``adresse``, ``jeu_exemple``, ``ressource_exemple``): the instance's
    base address (``base_url``, else ``OUVERT_BASE_URL``) and the example dataset."""
    example = teaching_example_dataset() or {}
    return {
        "adresse": (base_url or settings.OUVERT_BASE_URL).rstrip("/"),
        "jeu_exemple": example.get("dataset", "jeu-exemple"),
        "ressource_exemple": example.get("resource", "00000000-0000-0000-0000-000000000000"),
    }


def _substitute(text: str, values: dict) -> str:
    return PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def teaching_examples(language: str | None = None, *, placeholders: dict | None = None) -> list[Example]:
    """The runnable blocks of every page (of one language, or of both when ``language`` is ``"all"``),
    placeholders replaced when ``placeholders`` is given."""
    languages = LANGUAGES if language == "all" else (teaching_language(language),)
    found = []
    for lang in languages:
        for learning_path in teaching_paths(lang):
            for page in learning_path.pages:
                number = 0
                for match in FENCE_RE.finditer(page.body):
                    kind = match["lang"].lower()
                    if kind not in RUNNABLE_LANGUAGES:
                        continue
                    number += 1
                    code = match["code"]
                    expected = EXPECT_RE.search(code)
                    if placeholders is not None:
                        code = _substitute(code, placeholders)
                    found.append(Example(page=page.key, language=lang, kind=kind, number=number, code=code,
                                         expected=_substitute(expected["text"], placeholders or {}) if expected
                                         else ""))
    return found


# --- Rendering --------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4", "hr", "i",
    "img", "kbd", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title"}, "td": {"align"}, "th": {"align"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "code": {"class"}, "ol": {"start"},
}
CODE_CLASS_RE = re.compile(r'<pre><code class="language-(?P<lang>[a-z0-9_+-]+)">')
LABELS = {"curl": "curl (shell)", "python": "Python", "r": "R", "sql": "SQL", "text": "", "csv": "CSV",
          "json": "JSON", "shell": "shell", "bash": "shell"}


def _sanitise(html_text: str) -> str:
    return nh3.clean(html_text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel=None,
                     clean_content_tags={"script", "style"}, strip_comments=True,
                     attribute_filter=_attribute_filter)


def _attribute_filter(tag, attribute, value):
    if tag == "code" and attribute == "class":
        return value if re.fullmatch(r"language-[a-z0-9_+-]+", value) else None
    return value


@dataclass
class Rendered:
    html: SafeString
    toc: list[dict]  # [{"id", "title", "children": [...]}]


def teaching_render(text: str, *, language: str | None = None, base_url: str | None = None,
                    placeholders: dict | None = None) -> Rendered:
    """Markdown of the section → sanitised HTML with heading anchors, a table of contents and code blocks
    with a copy button; placeholders and glossary links replaced."""
    language = teaching_language(language)
    values = placeholders if placeholders is not None else teaching_placeholders(base_url=base_url, language=language)
    if "exemples_reutilisations" in text:
        values = {**values, "exemples_reutilisations": _reuse_examples(language)}
    text = _substitute(text, values)
    with override(language):
        glossary_url = reverse("learn:teaching_glossary")
    text = GLOSSARY_LINK_RE.sub(lambda m: f"]({glossary_url}#{m['id']})", text)
    md = _markdown.Markdown(extensions=["extra", "sane_lists", "toc"], output_format="html",
                            extension_configs={"toc": {"toc_depth": "2-3", "permalink": False,
                                                       "slugify": _slugify}})
    body = _sanitise(md.convert(text))
    copy, copied = (_("Copier le code"), _("Code copié")) if language == "fr" else ("Copy the code", "Code copied")
    example_label = _("Exemple") if language == "fr" else "Example"
    counter = {"n": 0}

    def code_block(match):
        counter["n"] += 1
        lang = match["lang"]
        label = LABELS.get(lang, lang)
        return (f'<div class="code-example" data-code-language="{html.escape(lang)}">'
                f'<div class="code-toolbar"><span class="code-language">{html.escape(label or example_label)}</span>'
                f'<button type="button" class="copy-button" data-copy-target="code-{counter["n"]}" '
                f'data-copied="{html.escape(copied)}">{html.escape(copy)}</button></div>'
                f'<pre tabindex="0" id="code-{counter["n"]}" role="region" '
                f'aria-label="{html.escape(example_label)} {counter["n"]} ({html.escape(label or lang)})">'
                f'<code class="language-{lang}">')

    body = CODE_CLASS_RE.sub(code_block, body)
    body = re.sub(r"(<div class=\"code-example\"[^>]*>.*?</pre>)", r"\1</div>", body, flags=re.DOTALL)
    toc = [{"id": t["id"], "title": html.unescape(t["name"]),
            "children": [{"id": c["id"], "title": html.unescape(c["name"])} for c in t.get("children", [])]}
           for t in md.toc_tokens]
    return Rendered(html=mark_safe(body), toc=toc)  # noqa: S308 — sanitised above, our own markup added


def _slugify(value: str, separator: str) -> str:
    value = _fold(value)
    value = re.sub(r"[^\w\s-]", "", value).strip()
    return re.sub(r"[\s_-]+", separator, value)[:80] or "section"


# --- Search -----------------------------------------------------------------------------------------

def _fold_char(char: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    return folded if len(folded) == 1 else char.lower()[:1] or " "


def _fold(text: str) -> str:
    """Lower case without accents, same length as ``text`` (positions map one to one)."""
    return "".join(_fold_char(c) for c in text)


WORD_RE = re.compile(r"\w+")
STOP_WORDS = frozenset(
    "le la les un une des de du d l et ou en a au aux ce ces cet cette est sont pour par sur dans avec que qui "
    "ne pas se sa son ses leur leurs plus the an of and or to in on for is are be by with as at it its this that "
    "from".split())


def _stem(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    return word


def _terms(text: str) -> list[str]:
    return [_stem(w) for w in WORD_RE.findall(_fold(text)) if w not in STOP_WORDS]


@dataclass
class _Doc:
    kind: str  # "page" | "path" | "glossary" | "faq"
    title: str
    url: str
    text: str  # plain text
    context: str  # the path's title, or "Glossaire" / "FAQ"
    title_terms: frozenset
    terms: dict  # term -> count


def _plain(markdown_text: str) -> str:
    text = FENCE_RE.sub(lambda m: m["code"], markdown_text)
    text = PLACEHOLDER_RE.sub(" ", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[#*_`>|{}]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _doc(kind, title, url, body, context) -> _Doc:
    text = _plain(body)
    counts: dict = {}
    for term in _terms(text):
        counts[term] = counts.get(term, 0) + 1
    return _Doc(kind=kind, title=title, url=url, text=text, context=context,
                title_terms=frozenset(_terms(title)), terms=counts)


def _index(language: str) -> list[_Doc]:
    content = _content(language)
    if content._index is not None:
        return content._index
    with override(language):
        glossary_url = reverse("learn:teaching_glossary")
        faq_url = reverse("learn:teaching_faq")
    docs = []
    for learning_path in content.paths:
        docs.append(_doc("path", learning_path.title, learning_path.url(),
                         f"{learning_path.summary}\n{learning_path.body}", learning_path.title))
        for page in learning_path.pages:
            docs.append(_doc("page", page.title, page.url(), f"{page.summary}\n{page.body}", learning_path.title))
    glossary_label = "Glossaire" if language == "fr" else "Glossary"
    for term in content.glossary:
        docs.append(_doc("glossary", term.title, f"{glossary_url}#{term.id}", term.body, glossary_label))
    for question in content.faq:
        docs.append(_doc("faq", question.title, f"{faq_url}#{question.id}", question.body, "FAQ"))
    content._index = docs
    return docs


def _matches(query_term: str, terms) -> int:
    """How often ``query_term`` occurs (exact, or as a prefix when it has 3 letters or more)."""
    if isinstance(terms, dict):
        if len(query_term) >= 3:
            return sum(count for term, count in terms.items() if term.startswith(query_term))
        return terms.get(query_term, 0)
    return sum(1 for term in terms if term == query_term or (len(query_term) >= 3 and term.startswith(query_term)))


def _excerpt(text: str, query_terms: list[str], width: int = 220) -> SafeString:
    folded = _fold(text)
    positions = []
    for term in query_terms:
        for match in re.finditer(rf"\b{re.escape(term)}\w*", folded):
            positions.append((match.start(), match.end()))
    positions.sort()
    start = max(0, positions[0][0] - width // 3) if positions else 0
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + width)
    parts, cursor = [], start
    for begin, finish in positions:
        if begin < cursor or begin >= end:
            continue
        finish = min(finish, end)
        parts.append(html.escape(text[cursor:begin]))
        parts.append(f"<mark>{html.escape(text[begin:finish])}</mark>")
        cursor = finish
    parts.append(html.escape(text[cursor:end]))
    return mark_safe(("… " if start else "") + "".join(parts) + (" …" if end < len(text) else ""))  # noqa: S308


def teaching_search(query, language: str | None = None, *, limit: int = 20) -> list[dict]:
    """Pages, paths, glossary terms and FAQ answers containing every word of ``query`` (accents and
    case folded, plural ``s``/``x`` ignored, prefixes of 3 letters or more), best first: words in the
    title count most. Each result: ``kind``, ``title``, ``url``, ``context``, ``excerpt`` (HTML, the words
    in ``<mark>``), ``score``. ``ValidationError`` when the query is too long or holds control characters."""
    language = teaching_language(language)
    query = "" if query is None else str(query)
    if len(query) > SEARCH_MAX_LENGTH:
        raise ValidationError({"q": [_("La recherche est limitée à %(n)s caractères.") % {"n": SEARCH_MAX_LENGTH}]})
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in query):
        raise ValidationError({"q": [_("La recherche contient des caractères de contrôle.")]})
    query_terms = list(dict.fromkeys(_terms(query)))[:12]
    if not query_terms:
        return []
    results = []
    for doc in _index(language):
        score = 0.0
        for term in query_terms:
            in_title = _matches(term, doc.title_terms)
            in_text = _matches(term, doc.terms)
            if not in_title and not in_text:
                break
            score += 10 * bool(in_title) + min(in_text, 10) + (2 if doc.kind in ("glossary", "faq") and in_title else 0)
        else:
            results.append((score, doc))
    results.sort(key=lambda item: (-item[0], item[1].title))
    return [{"kind": doc.kind, "title": doc.title, "url": doc.url, "context": doc.context, "score": score,
             "excerpt": _excerpt(doc.text, query_terms)} for score, doc in results[:limit]]


# --- Reading progress -------------------------------------------------------------------------------

def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def teaching_progress(user) -> dict[str, set[str]]:
    """``{path: {pages read}}`` of ``user`` (one query; empty for anonymous visitors). Pages no longer in
    the content are left out."""
    if not _signed_in(user):
        return {}
    known = {p.slug: {page.slug for page in p.pages} for p in teaching_paths("fr")}
    read: dict[str, set[str]] = {slug: set() for slug in known}
    for path, page in ReadingProgress.objects.filter(user=user).values_list("path", "page"):
        if page in known.get(path, ()):
            read[path].add(page)
    return read


def teaching_path_progress(user, learning_path: LearningPath, progress: dict | None = None) -> dict | None:
    """``{"read", "total", "percent", "next"}`` (``next``: the first unread page, or ``None``), or ``None``
    for anonymous visitors."""
    if not _signed_in(user):
        return None
    read = (progress if progress is not None else teaching_progress(user)).get(learning_path.slug, set())
    total = len(learning_path.pages)
    done = sum(1 for page in learning_path.pages if page.slug in read)
    following = next((page for page in learning_path.pages if page.slug not in read), None)
    return {"read": done, "total": total, "percent": round(100 * done / total) if total else 0, "next": following,
            "pages": read}


def _check(user, path: str, page: str) -> None:
    if not _signed_in(user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Connectez-vous pour suivre votre progression."))
    teaching_page(path, page, "fr")


def teaching_mark_read(*, user, path: str, page: str) -> bool:
    """Mark a page read; ``True`` when it was not yet (idempotent). ``NotFound`` for an unknown page."""
    _check(user, path, page)
    try:
        with transaction.atomic():
            _obj, created = ReadingProgress.objects.get_or_create(user=user, path=path, page=page)
    except IntegrityError:  # the same page marked at the same time
        return False
    return created


def teaching_mark_unread(*, user, path: str, page: str) -> bool:
    """Mark a page unread; ``True`` when it was read."""
    _check(user, path, page)
    deleted, _detail = ReadingProgress.objects.filter(user=user, path=path, page=page).delete()
    return bool(deleted)


def register() -> None:
    """This part's registrations, from ``hooks.register``: the menu link and the demo loader."""
    from django.utils.translation import gettext_lazy

    from ouvert.core import registry

    registry.register_menu_link(gettext_lazy("Apprendre"), "learn:teaching_home", order=58)
    registry.register_demo_loader("learn-teaching", _demo_load, order=70)


def _demo_load(stdout=None) -> None:
    """The content is the demo: this only checks that the example dataset exists (the datastore's demo,
    run before, ingests the Montréal bike counts) and says which one the tutorials use."""
    example = teaching_example_dataset(fresh=True)
    if stdout is not None:
        if example:
            stdout.write(f"apprendre : les exemples utilisent le jeu « {example['dataset']} » "
                         f"(ressource {example['resource']})\n")
        else:
            stdout.write("apprendre : aucun jeu public n'a de table dans le magasin de données ; les exemples "
                         "de code n'auront pas de jeu réel\n")
