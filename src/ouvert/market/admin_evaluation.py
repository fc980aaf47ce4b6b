"""The evaluation part in Django's admin: the panels and the scores, read only (naming, declarations, scores,
consensus and award go through the services, which check, audit and publish them).

Scores appear only for opportunities whose deadline has come (none exists before, and the filter says so
in the query: the admin never tells anything of a sealed opportunity's proposals)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Evaluator, Opportunity, Score


@admin.register(Evaluator)
class EvaluatorAdmin(ReadOnlyAdmin):
    list_display = ("user", "opportunity", "is_chair", "named_at", "coi_declared_at", "has_conflict")
    list_filter = ("is_chair", "has_conflict")
    search_fields = ("user__email", "user__full_name", "opportunity__reference")
    list_select_related = ("user", "opportunity")
    fields = ("opportunity", "user", "is_chair", "named_at", "named_by", "coi_declared_at", "has_conflict",
              "coi_statement")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("proposal_label", "criterion", "evaluator_label", "score", "submitted_at")
    list_filter = ("submitted_at",)
    search_fields = ("proposal__opportunity__reference",)
    list_select_related = ("proposal__opportunity", "proposal__supplier", "criterion", "evaluator__user")
    fields = ("proposal", "criterion", "evaluator", "score", "comment", "updated_at", "submitted_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(Opportunity.opened_q(prefix="proposal__opportunity__"))

    @admin.display(description=_("proposition"), ordering="proposal_id")
    def proposal_label(self, obj):
        return f"{obj.proposal.opportunity.reference} — {obj.proposal.supplier.legal_name}"

    @admin.display(description=_("évaluateur"))
    def evaluator_label(self, obj):
        return obj.evaluator.user.email if obj.evaluator_id else _("consensus")
