"""The surveys part in Django's admin: read-only (every change goes through ``surveys``: validation, the
questions frozen once answered, the audit log). Responses show no identity beyond what is stored (none for
anonymous surveys)."""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Question, Response, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    can_delete = False
    fields = ["position", "kind", "text_fr", "required", "is_demographic", "condition"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["title_fr", "process", "slug", "anonymous", "results_public", "is_demo"]
    list_filter = ["anonymous", "results_public", "is_demo"]
    search_fields = ["title_fr", "slug", "process__slug"]
    inlines = [QuestionInline]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["survey", "created_at", "demographics_consent", "is_demo"]
    list_filter = ["demographics_consent", "is_demo"]
    exclude = ["user"]
