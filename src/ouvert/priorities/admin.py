"""Read-only admin views: every change goes through ``services`` (workflow, audit log, notifications)."""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Ballot, Campaign, Candidate, Criterion, DataRequest, RequestComment, RequestEvent


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "from_status", "to_status", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ["title_fr", "status", "organisation", "theme", "support_count", "created_at", "is_demo"]
    list_filter = ["status", "is_demo"]
    search_fields = ["title_fr", "description_fr"]
    inlines = [EventInline]


@admin.register(RequestComment)
class RequestCommentAdmin(ReadOnlyAdmin):
    list_display = ["request", "created_at", "hidden_at"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["name_fr", "weight", "position"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0
    fields = ["title_fr", "holder", "position"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["title_fr", "organisation", "method", "audience", "opens_at", "closes_at", "results_at"]
    inlines = [CriterionInline, CandidateInline]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "created_at", "updated_at"]
