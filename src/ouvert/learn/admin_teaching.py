"""The teaching part in Django's admin: the pages read (for support; the content itself is in files)."""

from django.contrib import admin

from .models import ReadingProgress


@admin.register(ReadingProgress)
class ReadingProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "path", "page", "read_at")
    list_filter = ("path",)
    search_fields = ("user__email", "page")
    list_select_related = ("user",)
    readonly_fields = ("user", "path", "page", "read_at")

    def has_add_permission(self, request):
        return False
