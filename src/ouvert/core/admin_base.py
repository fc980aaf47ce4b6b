"""Shared admin bases (one level only, as every app's admin.py uses them the same way)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the admin may look at but never add, change or delete: changes go through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The records of an object, newest first, each linking to its own read-only page."""

    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-id"]

    def has_add_permission(self, request, obj=None):
        return False
