"""Django admin for harvesting: sources are created and changed through the services; jobs
and their objects are read-only reports. "Moissonner maintenant" enqueues a job."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import services
from .models import HarvestJob, HarvestObject, HarvestSource


@admin.register(HarvestSource)
class HarvestSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "type", "url", "organisation", "frequency", "active"]
    list_filter = ["type", "frequency", "active"]
    search_fields = ["name", "title", "url"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_at", "created_by"]
    actions = ["harvest_now"]

    def save_model(self, request, obj, form, change):
        if change:
            services.source_update(actor=request.user, source=obj, title=obj.title, url=obj.url,
                                   frequency=obj.frequency, config=obj.config, active=obj.active,
                                   organisation=obj.organisation)
        else:
            saved = services.source_create(actor=request.user, name=obj.name, title=obj.title, type=obj.type,
                                           url=obj.url, organisation=obj.organisation, frequency=obj.frequency,
                                           config=obj.config, active=obj.active)
            obj.pk = saved.pk

    @admin.action(description=_("Moissonner maintenant"))
    def harvest_now(self, request, queryset):
        from .tasks import harvest_job_run_task

        for source in queryset:
            try:
                job, _created = services.job_create(actor=request.user, source=source)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{source.name} : {exc}", messages.ERROR)
                continue
            transaction.on_commit(lambda pk=job.pk: harvest_job_run_task.enqueue(job_id=pk))
            self.message_user(request, _("%(source)s : moisson n° %(job)s en file.") % {"source": source.name,
                                                                                        "job": job.pk})


class HarvestObjectInline(admin.TabularInline):
    model = HarvestObject
    extra = 0
    can_delete = False
    fields = ["guid", "remote_name", "action", "status", "error", "dataset"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HarvestJob)
class HarvestJobAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "status", "full", "created_at", "finished_at", "created", "updated", "deleted",
                    "unchanged", "errors"]
    list_filter = ["status", "source"]
    inlines = [HarvestObjectInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in HarvestJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(HarvestObject)
class HarvestObjectAdmin(admin.ModelAdmin):
    list_display = ["guid", "remote_name", "job", "action", "status"]
    list_filter = ["status", "action"]
    search_fields = ["guid", "remote_name"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in HarvestObject._meta.fields]

    def has_add_permission(self, request):
        return False
