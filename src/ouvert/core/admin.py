"""Django admin for core. Changes that the services audit go through the services here too."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_base import ReadOnlyAdmin
from .models import ApiToken, AuditEntry, Membership, Notification, Organisation, PeriodicRun, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["user", "role", "is_respondent", "created_at"]
    can_delete = False
    verbose_name_plural = _("adhésions (modifiables dans « Adhésions »)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_superuser", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profil"), {"fields": ("full_name", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "acronym", "kind", "parent", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name_fr", "name_en", "acronym", "slug"]
    prepopulated_fields = {"slug": ["name_fr"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        saved = services.organisation_upsert(
            actor=request.user, slug=obj.slug, name_fr=obj.name_fr, name_en=obj.name_en, acronym=obj.acronym,
            kind=obj.kind, website=obj.website, description_fr=obj.description_fr,
            description_en=obj.description_en, parent=obj.parent, is_demo=obj.is_demo)
        obj.pk = saved.pk


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_respondent"]
    list_filter = ["role", "is_respondent", "organisation__kind"]
    search_fields = ["user__email", "organisation__name_fr", "organisation__acronym"]
    autocomplete_fields = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        saved = services.membership_set(user=obj.user, organisation=obj.organisation, role=obj.role,
                                        is_respondent=obj.is_respondent, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.membership_remove(user=obj.user, organisation=obj.organisation, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organisation"):
            self.delete_model(request, membership)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["seq", "created_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_id"]

    def get_queryset(self, request):
        # Entries that would reveal a fact still sealed (a bid before its deadline) stay out of sight.
        from . import registry

        return registry.audit_hidden(super().get_queryset(request))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "created_at", "read_at", "emailed_at"]
    search_fields = ["subject", "recipient__email"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # A notification that would reveal a fact still sealed (who bids before the deadline) stays out of sight.
        return super().get_queryset(request).exclude(sealed_until__gt=timezone.now())


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "prefix", "name"]
    readonly_fields = ["user", "name", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    """Periodic jobs: when each last ran and its last error (written by the scheduler only)."""

    list_display = ["name", "last_run_at", "last_finished_at", "last_error"]
    readonly_fields = ["name", "last_run_at", "last_finished_at", "last_error"]

    def has_add_permission(self, request):
        return False
