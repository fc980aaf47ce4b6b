"""Django admin for the geo layers: read-only reports of the conversions; « Convertir de nouveau » asks
for a new conversion of the resources' current sources (through the services)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ouvert.core.admin_base import ReadOnlyAdmin, ReadOnlyInline

from . import layers
from .models import GeoLayer, GeoResource


class GeoLayerInline(ReadOnlyInline):
    model = GeoLayer
    fields = ["id", "version", "source_url", "source_format", "status", "attempts", "feature_count", "source_crs",
              "crs_assumed", "error_code", "created_at", "finished_at"]
    readonly_fields = fields


@admin.register(GeoResource)
class GeoResourceAdmin(ReadOnlyAdmin):
    list_display = ["resource", "current_layer", "modified_at"]
    search_fields = ["resource__id", "resource__name_fr", "resource__dataset__name"]
    readonly_fields = ["resource", "current_layer", "style", "created_at", "modified_at"]
    inlines = [GeoLayerInline]
    actions = ["convert_again"]

    @admin.action(description=_("Convertir de nouveau"))
    def convert_again(self, request, queryset):
        count = 0
        for geo in queryset.select_related("resource", "resource__current_version"):
            with transaction.atomic():
                if layers.layer_request(resource=geo.resource, force=True) is not None:
                    count += 1
        self.message_user(request, _("%(count)d conversion(s) demandée(s).") % {"count": count}, messages.SUCCESS)


@admin.register(GeoLayer)
class GeoLayerAdmin(ReadOnlyAdmin):
    list_display = ["id", "geo", "source_format", "status", "attempts", "feature_count", "source_crs", "crs_assumed",
                    "error_code", "created_at", "finished_at"]
    list_filter = ["status", "source_format", "crs_assumed", "error_code"]
    search_fields = ["geo__resource__id", "source_url", "source_name"]
    readonly_fields = [field.name for field in GeoLayer._meta.fields]
