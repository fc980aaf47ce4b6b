"""The proposals part in Django's admin."""

from django.contrib import admin

from .models import Amendment, Category, Proposal, Support


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "process", "position")
    list_filter = ("process",)
    search_fields = ("name_fr", "name_en")


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "process", "status", "supports_count", "comments_count", "is_hidden",
                    "created_at")
    list_filter = ("status", "is_hidden", "is_demo", "process")
    search_fields = ("title", "body")
    raw_id_fields = ("author", "answered_by", "category", "process")
    readonly_fields = ("supports_count", "comments_count", "number")
    list_select_related = ("process",)


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin):
    list_display = ("proposal", "user", "created_at")
    raw_id_fields = ("proposal", "process", "user")
    list_select_related = ("proposal",)

    def has_change_permission(self, request, obj=None):
        return False  # the counts move with the rows: supports are given and taken back by their person


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    list_display = ("title", "proposal", "status", "is_hidden", "created_at")
    list_filter = ("status", "is_hidden")
    raw_id_fields = ("proposal", "author")
