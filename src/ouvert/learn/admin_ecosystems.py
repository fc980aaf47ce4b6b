"""The ecosystems part in Django's admin: standards (versions checked when saved), ecosystems with their
organisations, people and datasets, and publications (the attached PDF checked)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import ecosystems as eco
from .models import (
    Conformity,
    Ecosystem,
    EcosystemContact,
    EcosystemDataset,
    EcosystemOrganisation,
    Publication,
    Standard,
    StandardVersion,
)


class StandardVersionForm(forms.ModelForm):
    class Meta:
        model = StandardVersion
        fields = ["version", "status", "schema", "changelog_fr", "changelog_en", "released_on"]


    def clean_version(self):
        import re

        from .models import SEMVER_RE

        value = self.cleaned_data["version"]
        if not re.match(SEMVER_RE, value or ""):
            raise ValidationError("Version sémantique attendue (MAJEURE.MINEURE.CORRECTIF, par exemple 1.2.0).")
        return value

    def clean_schema(self):
        schema = self.cleaned_data.get("schema")
        if self.instance.pk and self.instance.status != "draft" and schema != self.instance.schema:
            raise ValidationError("Le schéma d'une version publiée ne change plus : créez une nouvelle version.")
        try:
            return eco.schema_check(schema)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["schema"]) from None

    def save(self, commit=True):
        import re

        from .models import SEMVER_RE

        match = re.match(SEMVER_RE, self.instance.version)
        self.instance.major, self.instance.minor, self.instance.patch = (int(match.group(i)) for i in (1, 2, 3))
        return super().save(commit)


class StandardVersionInline(admin.StackedInline):
    model = StandardVersion
    form = StandardVersionForm
    extra = 0


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "title_fr", "domain", "maintainer", "is_demo"]
    search_fields = ["name", "title_fr", "title_en"]
    readonly_fields = ["created_at", "modified_at"]
    inlines = [StandardVersionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from django.db import transaction

        transaction.on_commit(lambda: eco.conformity_request(standard_ids=[form.instance.pk]))


class OrganisationInline(admin.TabularInline):
    model = EcosystemOrganisation
    extra = 0
    autocomplete_fields = ["organisation"]


class ContactInline(admin.TabularInline):
    model = EcosystemContact
    extra = 0


class DatasetInline(admin.TabularInline):
    model = EcosystemDataset
    extra = 0
    raw_id_fields = ["dataset"]
    fields = ["dataset", "standard_version", "declared_at"]
    readonly_fields = ["declared_at"]


@admin.register(Ecosystem)
class EcosystemAdmin(admin.ModelAdmin):
    list_display = ["name", "title_fr", "domain", "is_demo"]
    search_fields = ["name", "title_fr", "title_en"]
    filter_horizontal = ["standards"]
    readonly_fields = ["created_at", "modified_at"]
    raw_id_fields = ["reuses"]
    inlines = [OrganisationInline, ContactInline, DatasetInline]


class PublicationForm(forms.ModelForm):
    class Meta:
        model = Publication
        fields = ["slug", "title_fr", "title_en", "authors", "institution", "published_on", "date_is_planned",
                  "summary_fr", "summary_en", "findings_fr", "findings_en", "document", "ecosystems", "source_note"]

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if upload and upload is not self.instance.document and hasattr(upload, "size"):
            if upload.size > eco.MAX_DOCUMENT_BYTES:
                raise ValidationError(f"Le document dépasse {eco.MAX_DOCUMENT_BYTES // 2**20} Mio.")
            upload.seek(0)
            head = upload.read(5)
            upload.seek(0)
            if head != b"%PDF-":
                raise ValidationError("Le document doit être un fichier PDF.")
        return upload

    def save(self, commit=True):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "size") and "document" in self.changed_data:
            self.instance.document_size = document.size
            self.instance.document_type = "application/pdf"
        elif not document:
            self.instance.document_size = None
            self.instance.document_type = ""
        return super().save(commit)


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    form = PublicationForm
    list_display = ["title_fr", "institution", "published_on"]
    filter_horizontal = ["ecosystems"]
    readonly_fields = ["document_size", "document_type", "created_at", "modified_at"]


@admin.register(Conformity)
class ConformityAdmin(admin.ModelAdmin):
    list_display = ["resource", "standard_version", "status", "error_count", "checked_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Conformity._meta.fields]

    def has_add_permission(self, request):
        return False
