"""Template tags of the consult pages: ``{% process_nav process tab %}`` (the tabs of a process) and
``{{ text|consult_markdown }}`` (organisers' Markdown, sanitised)."""

from django import template
from django.urls import reverse

from ouvert.core.markdown import render_markdown

from ..access import current_phase
from ..models import Phase

register = template.Library()

#: The tab of each component: (component, URL name under ``consult:``).
TABS = [
    (Phase.Component.MEETINGS, "meetings"),
    (Phase.Component.PROPOSALS, "proposals"),
    (Phase.Component.SURVEYS, "surveys"),
    (Phase.Component.DEBATES, "debates"),
    (Phase.Component.DRAFTS, "drafts"),
    (Phase.Component.OPINIONS, "conversations"),
]


def _url(name: str, slug: str) -> str:
    """The address of a section of the process ``slug``."""
    return reverse(f"consult:{name}", kwargs={"slug": slug})


@register.inclusion_tag("consult/_process_nav.html", takes_context=True)
def process_nav(context, process, current: str = ""):
    """The process's tabs: its page, each component used by one of its phases, its results."""
    used = {c for phase in process.phases.all() for c in (phase.components or [])}
    tabs = [(component.label, name, _url(name, process.slug)) for component, name in TABS if component in used]
    return {"process": process, "tabs": [t for t in tabs if t[2]], "current": current,
            "phase": current_phase(process), "results_url": _url("results", process.slug),
            "request": context.get("request")}


@register.filter
def consult_markdown(text):
    """Markdown written by an organiser or a participant, through the platform's sanitiser."""
    return render_markdown(text or "")
