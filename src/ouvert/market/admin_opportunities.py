"""The opportunities part in Django's admin: opportunities (criteria and attachments inline), skills,
buyers' settings, addenda (read only: they are public once written) and questions.

Nothing here counts or lists proposals. Status changes go through the services (the pages and the API),
which audit them and publish their OCDS release: the status is read only here."""

from django.contrib import admin
from django.db import models

from ouvert.core import services as core_services
from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Addendum, Attachment, BuyerSettings, Criterion, Follow, Opportunity, Question, Skill


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("position", "name_fr", "name_en", "weight", "description_fr", "description_en")

    def _frozen(self, obj):
        return obj is not None and obj.status != Opportunity.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("title", "file", "size", "sha256", "created_at")
    readonly_fields = ("file", "size", "sha256", "created_at")

    def has_add_permission(self, request, obj=None):
        return False  # through the services: size and SHA-256 are computed there


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("reference", "title_fr", "buyer", "status", "price", "deadline", "published_at")
    list_filter = ("status", "remote_ok", "licence", ("buyer", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "title_fr", "title_en")
    date_hierarchy = "published_at"
    raw_id_fields = ("created_by",)
    filter_horizontal = ("skills",)
    inlines = [CriterionInline, AttachmentInline]
    list_select_related = ("buyer",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("reference", "status", "created_at", "updated_at", "submitted_for_review_at", "published_at",
                       "closed_at", "awarded_at", "cancelled_at", "status_reason")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Opportunity.Status.DRAFT:
            # Frozen once submitted: changes after publication are addenda.
            fields += [f.name for f in Opportunity._meta.fields if f.name not in fields and f.name != "id"]
            fields.append("skills")
        return fields

    def has_add_permission(self, request):
        return False  # a reference, an audit entry and the rules: through the services

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.status == Opportunity.Status.DRAFT and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # A draft corrected here is audited like one changed through the services (which check it again at review).
        super().save_model(request, obj, form, change)
        core_services.audit_append(actor=request.user, action="market.opportunities.admin_change", target=obj,
                                   data={"reference": obj.reference, "fields": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        core_services.audit_append(actor=request.user, action="market.opportunities.admin_delete", target=obj,
                                   data={"reference": obj.reference, "title": obj.title_fr})
        super().delete_model(request, obj)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_fr", "name_en")
    search_fields = ("slug", "name_fr", "name_en")


@admin.register(BuyerSettings)
class BuyerSettingsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "default_licence", "contact_email")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation",)


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyAdmin):
    list_display = ("opportunity", "number", "kind", "published_at", "new_deadline")
    list_filter = ("kind",)
    search_fields = ("opportunity__reference", "body_fr")
    list_select_related = ("opportunity",)


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("opportunity", "status", "asked_at", "answered_at")
    list_filter = ("status",)
    search_fields = ("opportunity__reference", "body")
    list_select_related = ("opportunity",)


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ("opportunity", "user", "created_at")
    search_fields = ("opportunity__reference", "user__email")
    list_select_related = ("opportunity", "user")
