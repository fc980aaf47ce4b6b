"""The catalogue part in Django's admin: software entries and their status history (read only: statuses
change through ``catalogue.status_set``, on the pages or the API, audited with their reason).

Changes made here keep the catalogue in step: ``updated_at`` bumped, the search index and the open data
refreshed. The status fields are read only here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Software, StatusChange


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ("created_at", "status_before", "status_after", "reason", "last_recommended_version", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


#: What the catalogue checks here; the publisher, similar and replaced entries are choices of the form.
CATALOGUE_CHECKED = (
    "name", "short_description_fr", "short_description_en", "long_description_fr", "long_description_en",
    "function_fr", "function_en", "features_fr", "features_en", "categories", "licence", "is_proprietary",
    "latest_version", "release_date", "website_url", "repository_url", "wikidata_id", "software_type",
    "development_status", "platforms", "available_languages", "accessibility_url", "accessibility_fr",
    "accessibility_en", "from_quebec_public_body", "maintainer_name",
)


def _https_first(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SoftwareAdminForm(forms.ModelForm):
    """The entry's fields checked by the catalogue's own rules (SPDX licence, required unless proprietary,
    Wikidata identifier, categories, addresses, one entry per repository…) and written the way it writes them."""

    class Meta:
        model = Software
        fields = ("slug", *CATALOGUE_CHECKED, "logo", "publisher", "similar", "replaces", "publiccode", "is_demo")
        formfield_callback = _https_first

    def clean(self):
        from . import catalogue

        cleaned = super().clean()
        data = {key: cleaned[key] for key in CATALOGUE_CHECKED if key in cleaned}
        if not self.instance.pk and cleaned.get("slug"):
            data["slug"] = cleaned["slug"]
        try:
            values = catalogue.software_clean(data, software=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return cleaned
        cleaned.update({key: value for key, value in values.items() if key in cleaned})
        return cleaned


@admin.register(Software)
class SoftwareAdmin(admin.ModelAdmin):
    form = SoftwareAdminForm
    list_display = ("name", "slug", "licence", "is_proprietary", "status", "from_quebec_public_body", "publisher",
                    "updated_at")
    list_filter = ("status", "is_proprietary", "from_quebec_public_body", "software_type", "is_demo")
    search_fields = ("name", "slug", "short_description_fr", "short_description_en", "repository_url")
    list_select_related = ("publisher",)
    raw_id_fields = ("created_by",)
    filter_horizontal = ("similar", "replaces")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("status", "status_reason", "last_recommended_version", "created_by", "created_at",
                       "updated_at")
    inlines = [StatusChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "slug") if obj is not None else self.readonly_fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from . import catalogue, inventory

        software = form.instance
        with transaction.atomic():
            Software.objects.filter(pk=software.pk).update(updated_at=timezone.now())
            software.refresh_from_db()
            catalogue.software_index(software)
            if "repository_url" in form.changed_data:  # the inventory's repositories follow the address
                inventory.repositories_link(software=software)
            core_services.audit_append(actor=request.user, action="software.software.admin", target=software,
                                       data={"slug": software.slug, "change": bool(change)})
            core_services.open_data_changed(catalogue.OPEN_DATA_KEY)

    def delete_model(self, request, obj):
        from ouvert.core import search

        from . import catalogue

        with transaction.atomic():
            search.remove(catalogue.SEARCH_KIND, obj.pk)
            super().delete_model(request, obj)
            core_services.open_data_changed(catalogue.OPEN_DATA_KEY)

    def delete_queryset(self, request, queryset):
        from ouvert.core import search

        from . import catalogue

        with transaction.atomic():
            for pk in list(queryset.values_list("pk", flat=True)):
                search.remove(catalogue.SEARCH_KIND, pk)
            super().delete_queryset(request, queryset)
            core_services.open_data_changed(catalogue.OPEN_DATA_KEY)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("software", "status_before", "status_after", "created_at", "actor")
    list_filter = ("status_after",)
    search_fields = ("software__name", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("software", "actor")
