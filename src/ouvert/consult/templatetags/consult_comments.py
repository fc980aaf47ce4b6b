"""Template tags of the comments part: ``{% flag_context process kind id as f %}`` (what the report
form ``consult/comments/_flag.html`` needs: whether the person may report, already did, the reasons)."""

from django import template

from ..models import Flag, TargetKind

register = template.Library()


@register.simple_tag(takes_context=True)
def flag_context(context, process, kind, target_id, reported=None):
    """``reported`` (True/False) when the caller already knows it (a thread reads the person's reports of
    all its comments in one query); otherwise it is looked up."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    if not isinstance(reported, bool):
        reported = signed_in and Flag.objects.filter(reporter=user, target_kind=str(kind),
                                                     target_id=target_id).exists()
    label = TargetKind(kind).label if kind in TargetKind.values else ""
    return {"can_report": signed_in and not reported, "reported": reported, "reasons": Flag.Reason.choices,
            "kind_label": label}
