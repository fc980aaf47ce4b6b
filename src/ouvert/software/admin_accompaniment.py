"""Accompaniment requests in Django's admin, read only: triage, notes and documents go through the pages or
the API (the moves are checked, audited, notified and feed milestone 5.3); the admin looks and searches."""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin, ReadOnlyInline

from .models import AccompanimentEvent, AccompanimentRequest


class AccompanimentEventInline(ReadOnlyInline):
    model = AccompanimentEvent
    fields = ("created_at", "kind", "status_before", "status_after", "text", "is_internal", "file_name", "actor")
    readonly_fields = fields
    show_change_link = False
    ordering = ["created_at", "pk"]


@admin.register(AccompanimentRequest)
class AccompanimentRequestAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "organisation", "status", "created_at", "completed_at", "is_demo")
    list_filter = ("status", "is_demo")
    search_fields = ("reference", "title", "need", "organisation__name_fr", "software_name")
    list_select_related = ("organisation",)
    date_hierarchy = "created_at"
    inlines = [AccompanimentEventInline]


@admin.register(AccompanimentEvent)
class AccompanimentEventAdmin(ReadOnlyAdmin):
    list_display = ("request", "kind", "status_after", "is_internal", "actor", "created_at")
    list_filter = ("kind", "is_internal")
    list_select_related = ("request", "actor")
