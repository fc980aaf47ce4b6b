"""The policy part in Django's admin: funds, policy versions, the journal registry and the publishers'
self-archiving policies, with lists, filters and search. A change saved here is audited and has the
verdicts that depend on it recomputed, as through the pages and the API (routes and licences of a policy
version are validated the same way)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from . import compliance
from .identifiers import licence_normalize
from .models import ArchivingPolicy, Fund, Journal, PolicyVersion


class PolicyVersionForm(forms.ModelForm):
    url = forms.URLField(label=PolicyVersion._meta.get_field("url").verbose_name, required=False, max_length=500,
                         assume_scheme="https")

    class Meta:
        model = PolicyVersion
        fields = ("fund", "code", "title_fr", "title_en", "summary_fr", "summary_en", "url", "effective_from",
                  "max_embargo_months", "licences", "routes", "rights_retention_fr", "rights_retention_en")

    def clean_routes(self):
        try:
            return compliance.validate_routes(self.cleaned_data.get("routes"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("routes", exc.messages)) from None

    def clean_licences(self):
        value = self.cleaned_data.get("licences") or []
        if not isinstance(value, list):
            raise ValidationError(_("Une liste d'identifiants SPDX, ex. [\"CC-BY-4.0\"]."))
        result = []
        for item in value:
            spdx = licence_normalize(str(item))
            if spdx is None:
                raise ValidationError(_("Licence non reconnue : « %(value)s ».") % {"value": item})
            result.append(spdx)
        return result


class _Audited:
    action = ""
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _recompute(self, obj, actor, before=None):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        core_services.audit_append(actor=request.user, action=f"{self.action}.{'update' if change else 'create'}",
                                   target=obj, data={"admin": True, "changed": sorted(form.changed_data)})
        self._recompute(obj, request.user, before)

    def delete_model(self, request, obj):
        core_services.audit_append(actor=request.user, action=f"{self.action}.delete", target=obj,
                                   data={"admin": True, "label": str(obj)})
        super().delete_model(request, obj)
        self._recompute(obj, request.user, None)

    def delete_queryset(self, request, queryset):
        for obj in list(queryset):
            self.delete_model(request, obj)


class PolicyVersionInline(admin.TabularInline):
    model = PolicyVersion
    form = PolicyVersionForm
    extra = 0
    fields = ("code", "title_fr", "effective_from", "max_embargo_months")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # through the version's own page: validated, audited, verdicts recomputed

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(_Audited, admin.ModelAdmin):
    action = "science.fund"
    list_display = ("acronym", "name_fr", "slug", "organisation", "position")
    search_fields = ("acronym", "name_fr", "name_en", "slug")
    list_select_related = ("organisation",)
    inlines = [PolicyVersionInline]

    def _recompute(self, obj, actor, before=None):
        pass  # a fund's own fields decide no verdict


@admin.register(PolicyVersion)
class PolicyVersionAdmin(_Audited, admin.ModelAdmin):
    action = "science.policy"
    form = PolicyVersionForm
    list_display = ("fund", "code", "title_fr", "effective_from", "max_embargo_months")
    list_filter = ("fund", "max_embargo_months")
    search_fields = ("code", "title_fr", "title_en")
    date_hierarchy = "effective_from"
    list_select_related = ("fund",)
    readonly_fields = ("created_at",)

    def _recompute(self, obj, actor, before=None):
        compliance.recompute_for_fund(obj.fund, actor=actor, reason="policy.admin")


@admin.register(Journal)
class JournalAdmin(_Audited, admin.ModelAdmin):
    action = "science.journal"
    list_display = ("title", "issn_print", "issn_electronic", "publisher", "is_open_access", "registry",
                    "transformative", "apc", "updated_at")
    list_filter = ("is_open_access", "transformative", "apc", "registry", "source")
    search_fields = ("title", "title_normalized", "issn_print", "issn_electronic", "publisher")
    readonly_fields = ("title_normalized", "updated_at")

    def _recompute(self, obj, actor, before=None):
        journals = [obj] if obj.pk else []
        issns = list(obj.issns) + (list(before.issns) if before else [])
        publishers = [obj.publisher] + ([before.publisher] if before else [])
        compliance.recompute_for_journals(journals=journals, issns=issns, publishers=publishers, actor=actor,
                                          reason="journal.admin")


@admin.register(ArchivingPolicy)
class ArchivingPolicyAdmin(_Audited, admin.ModelAdmin):
    action = "science.archiving"
    list_display = ("__str__", "version", "embargo_months", "licence", "source", "updated_at")
    list_filter = ("version", "embargo_months", "source")
    search_fields = ("publisher", "journal__title", "journal__issn_print", "journal__issn_electronic")
    raw_id_fields = ("journal",)
    list_select_related = ("journal",)

    def _recompute(self, obj, actor, before=None):
        journals = [p.journal for p in (obj, before) if p is not None and p.journal_id]
        publishers = [p.publisher for p in (obj, before) if p is not None and p.publisher]
        compliance.recompute_for_journals(journals=journals, publishers=publishers, actor=actor,
                                          reason="archiving.admin")
