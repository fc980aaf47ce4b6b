"""Template tags of the proposals part, for the opportunity page (``market/proposals/_opened.html`` and
``market/proposals/_opportunity_actions.html`` include them):

- ``{% opened_receipts opportunity as rows %}``: after the deadline, the receipts of the opened proposals
  with their check (``[]`` before: nothing about proposals shows until then);
- ``{% my_proposals opportunity as rows %}``: the signed-in person's suppliers and their own proposal to
  the opportunity (nothing about anyone else's).
"""

from django import template

from .. import proposals

register = template.Library()


@register.simple_tag
def opened_receipts(opportunity):
    return proposals.opened_receipts(opportunity)


@register.simple_tag(takes_context=True)
def my_proposals(context, opportunity):
    request = context.get("request")
    return proposals.my_proposals(opportunity, getattr(request, "user", None))
