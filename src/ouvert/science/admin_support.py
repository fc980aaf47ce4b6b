"""The support part in Django's admin: the FAQ (each change reindexed in the search and audited, like the
pages do), the webinars with their speakers, and their registrations (read only: registering, cancelling and
promoting from the waiting list go through the services, which keep the capacity and send the e-mails)."""

from django.contrib import admin
from django.db import models, transaction

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.admin_base import ReadOnlyAdmin, ReadOnlyInline

from . import faq, webinars
from .models import FaqEntry, Registration, Speaker, Webinar


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question_fr", "category_fr", "position", "is_published", "updated_at")
    list_editable = ("position", "is_published")
    list_filter = ("is_published", "category_fr")
    search_fields = ("question_fr", "question_en", "answer_fr", "answer_en", "slug")
    prepopulated_fields = {"slug": ("question_fr",)}
    fields = ("slug", "category_fr", "category_en", "question_fr", "question_en", "answer_fr", "answer_en",
              "position", "is_published")

    def has_module_permission(self, request):
        return faq.access.is_science_manager(request.user) and super().has_module_permission(request)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        faq._index(obj)
        core_services.audit_append(actor=request.user, action="science.faq.update" if change else "science.faq.create",
                                   target=obj, data={"fields": sorted(form.changed_data), "via": "admin"})

    @transaction.atomic
    def delete_model(self, request, obj):
        pk = obj.pk
        core_services.audit_append(actor=request.user, action="science.faq.delete", target=obj,
                                   data={"slug": obj.slug, "via": "admin"})
        super().delete_model(request, obj)
        search.remove(faq.FAQ_SEARCH_KIND, pk)

    def delete_queryset(self, request, queryset):
        for obj in list(queryset):
            self.delete_model(request, obj)


class SpeakerInline(admin.StackedInline):
    model = Speaker
    extra = 0
    fields = ("position", "name", "affiliation", "bio_fr", "bio_en")


class RegistrationInline(ReadOnlyInline):
    model = Registration
    fields = ("user", "status", "created_at", "promoted_at", "cancelled_at", "reminder_sent_at", "attended")
    readonly_fields = fields
    show_change_link = False
    ordering = ["created_at", "pk"]


@admin.register(Webinar)
class WebinarAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "starts_at", "capacity", "is_published", "registration_open", "cancelled_at")
    list_filter = ("is_published", "registration_open", "language")
    search_fields = ("title_fr", "title_en", "slug")
    date_hierarchy = "starts_at"
    raw_id_fields = ("created_by",)
    list_select_related = ("organiser",)
    inlines = [SpeakerInline, RegistrationInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Cancelling (with its e-mails) goes through the pages or the services.
    readonly_fields = ("cancelled_at", "cancel_reason", "created_at", "created_by")

    def has_module_permission(self, request):
        return faq.access.is_science_manager(request.user) and super().has_module_permission(request)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:  # seats added go to the people waiting, in order
            webinars._promote(Webinar.objects.select_for_update().get(pk=obj.pk))
        core_services.audit_append(actor=request.user,
                                   action="science.webinar.update" if change else "science.webinar.create",
                                   target=obj, data={"fields": sorted(form.changed_data), "via": "admin"})


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ("webinar", "user", "status", "created_at", "attended")
    list_filter = ("status", "attended")
    search_fields = ("user__email", "webinar__title_fr")
    list_select_related = ("webinar", "user")
