"""The registry part in Django's admin: publications (authors inline; fundings inline with their verdict read
only — verdicts are computed by ``compliance``) and reminders (read only: they record e-mails sent).

Changes made here keep the registry in step: the verdicts are recomputed, the search index and the open
data refreshed, and ``updated_at`` (the OAI-PMH datestamp) bumped. Withdrawing goes through the pages or the
API (audited, with its reason): the withdrawal fields are read only here."""

from django.contrib import admin
from django.db import models, transaction
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Author, Funding, Publication, Reminder


class AuthorInline(admin.TabularInline):
    model = Author
    extra = 0
    fields = ("position", "name", "orcid", "affiliation", "is_corresponding", "email")


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 0
    fields = ("fund", "grant_number", "competition_date", "policy_version", "verdict", "route", "reasons", "missing",
              "checked_at")
    readonly_fields = ("policy_version", "verdict", "route", "reasons", "missing", "checked_at")


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("title", "doi", "published_on", "compliance", "oa_status", "institution", "source", "withdrawn_at")
    list_filter = ("compliance", "oa_status", "source", ("institution", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "doi", "journal_title")
    date_hierarchy = "published_on"
    raw_id_fields = ("declared_by", "journal")
    list_select_related = ("institution",)
    inlines = [AuthorInline, FundingInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("compliance", "oa_status", "checked_at", "created_at", "updated_at", "withdrawn_at",
                       "withdrawn_reason", "source")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from . import compliance, registry

        publication = form.instance
        with transaction.atomic():
            Publication.objects.filter(pk=publication.pk).update(updated_at=timezone.now())
            compliance.publication_recompute(publication)
            registry.publication_index(publication)
            core_services.open_data_changed(registry.OPEN_DATA_KEY)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("email", "publication", "sent_at", "sent_by")
    search_fields = ("email", "publication__title", "publication__doi")
    date_hierarchy = "sent_at"
    list_select_related = ("publication", "sent_by")
