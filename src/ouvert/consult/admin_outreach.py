"""The outreach part in Django's admin: meetings (with their registrations), follows, notification
preferences and e-mail subscriptions (the confirmation token is stored hashed and never shown)."""

from django.contrib import admin

from .models import Follow, Meeting, MeetingRegistration, NotificationSetting, Subscription


class RegistrationInline(admin.TabularInline):
    model = MeetingRegistration
    extra = 0
    fields = ("user", "code", "created_at")
    readonly_fields = ("user", "code", "created_at")
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "process", "mode", "starts_at", "place", "capacity", "registrations_count",
                    "attendees_count", "is_demo")
    list_filter = ("mode", "registration_open", "is_demo")
    search_fields = ("title_fr", "title_en", "place", "address", "process__slug")
    date_hierarchy = "starts_at"
    raw_id_fields = ("process",)
    readonly_fields = ("registrations_count", "created_at")
    inlines = [RegistrationInline]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("user", "process", "target_kind", "target_id", "created_at")
    list_filter = ("target_kind",)
    search_fields = ("user__email", "process__slug")
    raw_id_fields = ("user", "process")


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ("user", "frequency", "last_digest_at")
    list_filter = ("frequency",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "language", "confirmed_at", "last_sent_at", "created_at")
    list_filter = ("language",)
    search_fields = ("email",)
    exclude = ("token_hash",)
    raw_id_fields = ("user",)
