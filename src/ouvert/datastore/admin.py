"""Django admin for the datastore: tables are read-only reports of their ingestions; "Intégrer de
nouveau" asks for a new ingestion of the resources' current sources (through the services)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ouvert.core.admin_base import ReadOnlyAdmin

from . import services
from .models import Datastore, DatastoreTable


class DatastoreTableInline(admin.TabularInline):
    model = DatastoreTable
    fields = ["id", "origin", "version", "source_url", "status", "attempts", "rows", "error_code", "created_at",
              "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Datastore)
class DatastoreAdmin(ReadOnlyAdmin):
    list_display = ["resource", "current_table", "modified_at"]
    search_fields = ["resource__id", "resource__name_fr", "resource__dataset__name"]
    readonly_fields = ["resource", "current_table", "schema", "created_at", "modified_at"]
    inlines = [DatastoreTableInline]
    actions = ["ingest_again"]

    @admin.action(description=_("Intégrer de nouveau"))
    def ingest_again(self, request, queryset):
        count = 0
        for datastore in queryset.select_related("resource", "resource__current_version"):
            with transaction.atomic():
                if services.ingestion_request(resource=datastore.resource, force=True) is not None:
                    count += 1
        self.message_user(request, _("%(count)d intégration(s) demandée(s).") % {"count": count}, messages.SUCCESS)


@admin.register(DatastoreTable)
class DatastoreTableAdmin(ReadOnlyAdmin):
    list_display = ["id", "datastore", "origin", "status", "attempts", "rows", "error_code", "created_at", "finished_at"]
    list_filter = ["status", "origin", "error_code"]
    search_fields = ["datastore__resource__id", "source_url", "source_name"]
    readonly_fields = [field.name for field in DatastoreTable._meta.fields]
