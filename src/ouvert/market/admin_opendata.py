"""The open-data part in Django's admin: the OCDS releases, read only (a release is written by its event
and never changed nor removed; a correction is a new release)."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("release_id", "opportunity", "date", "tag_list")
    list_filter = ("date",)
    search_fields = ("release_id", "opportunity__reference")
    date_hierarchy = "date"
    list_select_related = ("opportunity",)
    fields = ("release_id", "opportunity", "date", "tags", "pretty_data")
    readonly_fields = fields

    @admin.display(description=_("étiquettes"))
    def tag_list(self, obj):
        return ", ".join(obj.tags or [])

    @admin.display(description=_("publication OCDS"))
    def pretty_data(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.data, ensure_ascii=False, indent=2))

    def get_queryset(self, request):
        return super().get_queryset(request).defer("compiled")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
