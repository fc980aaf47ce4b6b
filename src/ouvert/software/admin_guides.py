"""The practice guides in Django's admin: read only (edits go through the team's page, which checks the text,
previews it, audits the change and reindexes the guide; the shipped guides are loaded by the sync)."""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Guide


@admin.register(Guide)
class GuideAdmin(ReadOnlyAdmin):
    list_display = ("title_fr", "topic", "position", "updated_at")
    list_filter = ("topic",)
    search_fields = ("title_fr", "title_en", "slug")
    ordering = ("position", "pk")
    fields = ("slug", "topic", "position", "title_fr", "title_en", "summary_fr", "summary_en", "body_fr", "body_en",
              "updated_at", "source_hash", "is_demo")
    readonly_fields = fields
