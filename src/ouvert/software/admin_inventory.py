"""The inventory of code repositories in Django's admin. A change made here is reindexed for the search and
refreshes the open data; imports go through the import page or the API."""

from django.contrib import admin
from django.db import models, transaction

from ouvert.core import search
from ouvert.core import services as core_services

from .models import CodeRepository


@admin.register(CodeRepository)
class CodeRepositoryAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "forge", "language", "licence", "archived", "software", "last_activity")
    list_filter = ("archived", "forge", "is_demo", ("organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "url", "description", "owner")
    list_select_related = ("organisation", "software")
    raw_id_fields = ("organisation", "software")
    readonly_fields = ("imported_at",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        from . import inventory

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            inventory.repository_index(CodeRepository.objects.select_related("organisation").get(pk=obj.pk))
            core_services.open_data_changed(inventory.INVENTORY_OPEN_DATA_KEY)

    def delete_model(self, request, obj):
        from . import inventory

        with transaction.atomic():
            search.remove(inventory.INVENTORY_SEARCH_KIND, obj.pk)
            super().delete_model(request, obj)
            core_services.open_data_changed(inventory.INVENTORY_OPEN_DATA_KEY)

    def delete_queryset(self, request, queryset):
        from . import inventory

        with transaction.atomic():
            for pk in queryset.values_list("pk", flat=True):
                search.remove(inventory.INVENTORY_SEARCH_KIND, pk)
            super().delete_queryset(request, queryset)
            core_services.open_data_changed(inventory.INVENTORY_OPEN_DATA_KEY)
