"""Django admin for the datastore: tables are read-only reports of their ingestions; "Intégrer de
nouveau" asks for a new ingestion of the resources' current sources (through the services). Saved
visualisations are listed read-only; "Supprimer" deletes them through their service (permissions
checked: editors of the dataset's organisation and platform admins)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ouvert.core.admin_base import ReadOnlyAdmin, ReadOnlyInline

from . import services, visualisations
from .models import Datastore, DatastoreTable, Visualisation


class DatastoreTableInline(ReadOnlyInline):
    model = DatastoreTable
    fields = ["id", "origin", "version", "source_url", "status", "attempts", "rows", "error_code", "created_at",
              "finished_at"]
    readonly_fields = fields


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


@admin.register(Visualisation)
class VisualisationAdmin(ReadOnlyAdmin):
    list_display = ["title_fr", "dataset", "resource", "created_by", "created_at", "modified_at"]
    search_fields = ["title_fr", "title_en", "dataset__name", "resource__id"]
    list_select_related = ["dataset", "resource", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "dataset", "resource", "title_fr", "title_en", "description_fr", "description_en",
                       "chart", "view", "created_by", "created_at", "modified_at"]
    actions = ["delete_through_service"]

    @admin.action(description=_("Supprimer"))
    def delete_through_service(self, request, queryset):
        count = 0
        for visualisation in queryset.select_related("resource", "resource__dataset"):
            try:
                visualisations.visualisation_delete(actor=request.user, visualisation=visualisation)
            except PermissionDenied as exc:
                self.message_user(request, f"{visualisation.title_fr} : {exc}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, ngettext("%(n)d visualisation supprimée.", "%(n)d visualisations supprimées.",
                                                count) % {"n": count}, messages.SUCCESS)
