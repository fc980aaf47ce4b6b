"""The uses of software by public bodies in Django's admin, with their referents inline. Declaring, changing
and withdrawing go through the pages or the API (checked and audited); the admin corrects."""

from django.contrib import admin

from .models import Referent, Usage


class ReferentInline(admin.TabularInline):
    model = Referent
    extra = 0
    max_num = 5
    fields = ("position", "name", "role", "email", "user")
    raw_id_fields = ("user",)


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin):
    list_display = ("software", "organisation", "version", "since", "updated_at", "is_demo")
    list_filter = ("is_demo", ("organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("software__name", "organisation__name_fr", "purpose_fr", "referents__name")
    list_select_related = ("software", "organisation")
    raw_id_fields = ("software", "organisation", "declared_by")
    readonly_fields = ("created_at", "updated_at")
    inlines = [ReferentInline]
