"""The oai part in Django's admin: the repositories harvested over OAI-PMH (editable; each change audited),
their runs and the harvested deposits (read only: harvests and links by hand go through the services, which
match, recompute the verdicts and audit)."""

from django.contrib import admin
from django.db import models

from ouvert.core import services as core_services
from ouvert.core.admin_base import ReadOnlyAdmin, ReadOnlyInline

from .models import Deposit, HarvestRun, RepositorySource


class HarvestRunInline(ReadOnlyInline):
    model = HarvestRun
    fields = ("started_at", "status", "from_param", "until_param", "pages", "records", "deleted", "matched",
              "skipped", "error")
    readonly_fields = fields
    ordering = ("-started_at",)
    max_num = 0


@admin.register(RepositorySource)
class RepositorySourceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "base_url", "metadata_prefix", "set_spec", "granularity", "harvested_until",
                    "is_active", "every_hours")
    list_filter = ("is_active", "metadata_prefix")
    search_fields = ("name", "slug", "base_url")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation",)
    readonly_fields = ("granularity", "harvested_until", "created_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [HarvestRunInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        core_services.audit_append(actor=request.user, action="science.repository.admin_change" if change
                                   else "science.repository.admin_create", target=obj,
                                   data={field: str(form.cleaned_data.get(field)) for field in form.changed_data})

    def delete_model(self, request, obj):
        core_services.audit_append(actor=request.user, action="science.repository.admin_delete", target=obj,
                                   data={"slug": obj.slug, "base_url": obj.base_url})
        super().delete_model(request, obj)


@admin.register(HarvestRun)
class HarvestRunAdmin(ReadOnlyAdmin):
    list_display = ("source", "started_at", "status", "pages", "records", "deleted", "matched", "skipped",
                    "finished_at")
    list_filter = ("status", "source")
    search_fields = ("source__name", "error")
    list_select_related = ("source",)


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "source", "title", "doi", "version", "licence", "deleted", "publication",
                    "matched_by", "datestamp")
    list_filter = ("source", "deleted", "matched_by", "version")
    search_fields = ("identifier", "title", "doi")
    list_select_related = ("source", "publication")
