"""Template tags of the consult pages: ``{% process_nav process %}`` (the tabs of a process)."""

from django import template

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


@register.inclusion_tag("consult/_process_nav.html", takes_context=True)
def process_nav(context, process, current: str = ""):
    """The process's tabs: its page, each component used by one of its phases, its results."""
    used = {c for phase in process.phases.all() for c in (phase.components or [])}
    tabs = [(component.label, name) for component, name in TABS if component in used]
    return {"process": process, "tabs": tabs, "current": current, "phase": current_phase(process),
            "request": context.get("request")}
