"""The comments part in Django's admin: comments, reports, moderation states and blocks (read mostly:
hiding, unhiding and blocking go through the moderation page, which audits them)."""

from django.contrib import admin

from .models import Block, Comment, Flag, Moderation


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("pk", "process", "target_kind", "target_id", "author", "depth", "upvotes", "downvotes",
                    "is_hidden", "deleted_at", "created_at")
    list_filter = ("target_kind", "is_hidden", "is_demo")
    search_fields = ("body", "author__email", "process__slug")
    raw_id_fields = ("process", "parent", "author")
    readonly_fields = ("upvotes", "downvotes", "is_hidden", "created_at", "edited_at", "deleted_at")
    list_select_related = ("process", "author")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("pk", "process", "target_kind", "target_id", "reason", "reporter", "created_at")
    list_filter = ("reason", "target_kind")
    search_fields = ("details", "reporter__email")
    raw_id_fields = ("process", "reporter")
    list_select_related = ("process", "reporter")


@admin.register(Moderation)
class ModerationAdmin(admin.ModelAdmin):
    list_display = ("pk", "process", "target_kind", "target_id", "reports_count", "hidden_at",
                    "hidden_automatically", "reviewed_at", "reviewed_by")
    list_filter = ("target_kind", "hidden_automatically")
    raw_id_fields = ("process", "reviewed_by")
    readonly_fields = ("reports_count", "hidden_at", "hidden_automatically", "reviewed_at", "reviewed_by")
    list_select_related = ("process", "reviewed_by")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("user", "reason", "blocked_by", "created_at", "lifted_at")
    search_fields = ("user__email", "reason")
    raw_id_fields = ("user", "blocked_by")
    readonly_fields = ("created_at",)
    list_select_related = ("user", "blocked_by")
