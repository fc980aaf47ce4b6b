"""The debates part in Django's admin: read-only (debates are created, edited and closed through the
services, which audit each change; paragraphs come from splitting the draft's source)."""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Debate, DraftText, Paragraph


@admin.register(Debate)
class DebateAdmin(ReadOnlyAdmin):
    list_display = ["title_fr", "process", "closed_at", "comments_count", "is_hidden", "is_demo", "created_at"]
    list_filter = ["is_hidden", "is_demo"]
    search_fields = ["title_fr", "title_en", "process__slug"]
    list_select_related = ["process"]


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    extra = 0
    can_delete = False
    fields = ["position", "is_heading", "text_fr", "comments_count"]
    readonly_fields = fields
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DraftText)
class DraftTextAdmin(ReadOnlyAdmin):
    list_display = ["title_fr", "process", "slug", "version", "is_demo", "created_at"]
    list_filter = ["is_demo"]
    search_fields = ["title_fr", "slug", "process__slug"]
    list_select_related = ["process"]
    inlines = [ParagraphInline]
