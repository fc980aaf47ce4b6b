"""The results part in Django's admin: reports, satisfaction answers, suggestions."""

from django.contrib import admin

from .models import ProcessReport, SatisfactionResponse, Suggestion


@admin.register(ProcessReport)
class ProcessReportAdmin(admin.ModelAdmin):
    list_display = ("process", "generated_at", "edited_at", "published_at")
    list_filter = ("published_at",)
    search_fields = ("process__slug", "process__title_fr")
    raw_id_fields = ("process", "edited_by")
    readonly_fields = ("figures", "generated_at")
    list_select_related = ("process",)


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(admin.ModelAdmin):
    list_display = ("process", "score", "created_at")
    list_filter = ("score", "process")
    search_fields = ("comment",)
    raw_id_fields = ("process", "user")
    list_select_related = ("process",)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "process", "status", "is_public", "created_at", "answered_at")
    list_filter = ("status", "is_public")
    search_fields = ("body", "answer", "email")
    raw_id_fields = ("author", "process", "answered_by")
    list_select_related = ("process",)
