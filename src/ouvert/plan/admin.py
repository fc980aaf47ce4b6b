from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import (
    ActionPlan,
    Challenge,
    Commitment,
    CommitmentStrand,
    Committee,
    CommitteeMembership,
    EvidenceLink,
    Milestone,
    MilestoneMeasure,
    ProgressUpdate,
)


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["slug", "title_fr", "period_start", "period_end", "is_current"]


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "title_fr"]
    list_filter = ["plan"]


class CommitmentStrandInline(admin.TabularInline):
    model = CommitmentStrand
    extra = 0


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "title_fr", "challenge"]
    list_filter = ["plan"]
    inlines = [CommitmentStrandInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    """Status changes go through the progress-update service (audit log, history): read-only here."""

    list_display = ["number", "title_fr", "due_date", "lead", "status", "is_demo_status"]
    list_filter = ["plan", "status", "is_demo_status", "lead"]
    search_fields = ["number", "title_fr", "title_en"]
    filter_horizontal = ["collaborators"]
    readonly_fields = ["status", "is_demo_status", "completed_at", "updated_at"]
    list_select_related = ["lead"]


class EvidenceLinkInline(admin.TabularInline):
    model = EvidenceLink
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    """Progress updates are history: shown, never edited or deleted."""

    list_display = ["milestone", "created_at", "author_label", "status_before", "status_after", "is_demo"]
    list_filter = ["status_after", "is_demo"]
    list_select_related = ["milestone"]
    inlines = [EvidenceLinkInline]



class CommitteeMembershipInline(admin.TabularInline):
    model = CommitteeMembership
    extra = 0
    autocomplete_fields = []


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "plan", "established_on"]
    inlines = [CommitteeMembershipInline]


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(admin.ModelAdmin):
    list_display = ["committee", "organisation", "seat", "mandate_start", "mandate_end"]
    list_filter = ["committee", "seat"]
    list_select_related = ["committee", "organisation"]


@admin.register(MilestoneMeasure)
class MilestoneMeasureAdmin(ReadOnlyAdmin):
    """Measures are fed by the platform's modules (``milestone_measure_set``): read only here."""

    list_display = ["milestone", "key", "value", "target", "reached_at", "updated_at"]
    list_filter = ["key"]
    list_select_related = ["milestone"]
