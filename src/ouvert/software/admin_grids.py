"""The evaluation grids in Django's admin: a grid with its criteria and candidates inline (the admin
corrects; bodies make and score their grids through the pages or the API), and the scores, read only."""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Candidate, Criterion, Grid, Score


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("position", "name", "weight", "description")


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0
    fields = ("position", "name", "software", "is_free", "licence", "notes")
    raw_id_fields = ("software",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "visibility", "is_template", "scale_max", "updated_at", "is_demo")
    list_filter = ("visibility", "is_template", "is_demo")
    search_fields = ("title", "needs", "organisation__name_fr")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "created_by", "copied_from")
    readonly_fields = ("created_at", "updated_at")
    inlines = [CriterionInline, CandidateInline]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "criterion", "value", "evidence_url")
    search_fields = ("candidate__name", "criterion__name", "candidate__grid__title")
    list_select_related = ("candidate", "criterion")
