"""The processes part in Django's admin: processes (with phases and documents inline), invitations,
verifications, and participations (read only)."""

from django.contrib import admin
from django.db import models

from .models import Invitation, Participation, Phase, Process, ProcessDocument, Verification


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ("kind", "starts_on", "ends_on", "components", "position", "title_fr", "title_en")


class DocumentInline(admin.TabularInline):
    model = ProcessDocument
    extra = 0
    fields = ("title_fr", "title_en", "file", "url", "position")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("slug", "title_fr", "organisation", "mode", "visibility", "starts_on", "ends_on", "published_at",
                    "is_demo")
    list_filter = ("mode", "visibility", "influence", "is_demo", "organisation")
    search_fields = ("slug", "title_fr", "title_en", "theme", "territory")
    date_hierarchy = "starts_on"
    raw_id_fields = ("created_by",)
    inlines = [PhaseInline, DocumentInline]
    readonly_fields = ("created_at", "modified_at")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "process", "invited_by", "created_at", "accepted_at")
    list_filter = ("accepted_at",)
    search_fields = ("email", "process__slug")
    raw_id_fields = ("user", "invited_by", "process")
    readonly_fields = ("token_hash",)


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = ("user", "postal_code", "verified_at")
    search_fields = ("user__email", "postal_code")
    raw_id_fields = ("user",)


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ("process", "user", "first_action_at", "last_action_at", "actions", "supports_used",
                    "proposals_made")
    list_filter = ("process",)
    search_fields = ("user__email", "process__slug")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
