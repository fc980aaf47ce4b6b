"""The opinions part in Django's admin: conversations with their statements; votes and analyses read-only."""

from django.contrib import admin

from .models import Conversation, OpinionAnalysis, Statement


class StatementInline(admin.TabularInline):
    model = Statement
    fields = ("text", "is_seed", "status", "is_hidden", "agree_count", "disagree_count", "pass_count")
    readonly_fields = ("agree_count", "disagree_count", "pass_count")
    extra = 0
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "process", "slug", "participants_can_add", "premoderated", "votes_count", "is_demo")
    list_filter = ("participants_can_add", "premoderated", "is_demo")
    search_fields = ("title_fr", "title_en", "slug", "process__slug")
    list_select_related = ("process",)
    readonly_fields = ("votes_count", "created_at")
    raw_id_fields = ("process",)
    inlines = [StatementInline]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("text", "conversation", "is_seed", "status", "is_hidden", "agree_count", "disagree_count",
                    "pass_count")
    list_filter = ("status", "is_seed", "is_hidden")
    search_fields = ("text",)
    list_select_related = ("conversation",)
    readonly_fields = ("agree_count", "disagree_count", "pass_count", "created_at")
    raw_id_fields = ("conversation", "author")


@admin.register(OpinionAnalysis)
class OpinionAnalysisAdmin(admin.ModelAdmin):
    list_display = ("conversation", "participants", "votes_count", "computed_at", "duration_ms")
    readonly_fields = ("conversation", "participants", "votes_count", "result", "computed_at", "duration_ms")

    def has_add_permission(self, request):
        return False
