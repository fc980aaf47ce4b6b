"""Django admin for the catalogue.

Datasets and resources are changed through the services (permissions, validation, activity,
search index); the admin lists them, and offers soft delete, restore and purge as actions.
Themes and licences are registries kept by platform admins.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ouvert.core.admin_base import ReadOnlyAdmin

from . import services
from .models import Activity, Dataset, Licence, Resource, ResourceVersion, Reuse, Theme


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ["id", "title_fr", "is_open", "is_default", "position"]
    list_editable = ["position"]
    search_fields = ["id", "title_fr", "title_en"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "title_fr", "title_en"]
    search_fields = ["name", "title_fr", "title_en"]
    prepopulated_fields = {"name": ["title_fr"]}

    def save_model(self, request, obj, form, change):
        saved = services.theme_upsert(actor=request.user, name=obj.name, title_fr=obj.title_fr,
                                      title_en=obj.title_en, description_fr=obj.description_fr,
                                      description_en=obj.description_en, image_url=obj.image_url)
        obj.pk = saved.pk


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    can_delete = False
    fields = ["position", "name_fr", "kind", "format", "size", "sha256", "state"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, func, done_message):
    count = 0
    for dataset in queryset:
        try:
            func(actor=request.user, dataset=dataset)
            count += 1
        except (PermissionDenied, ValidationError) as exc:
            modeladmin.message_user(request, f"{dataset.name} : {'; '.join(getattr(exc, 'messages', [str(exc)]))}",
                                    messages.ERROR)
    if count:
        modeladmin.message_user(request, done_message(count), messages.SUCCESS)


@admin.action(description=_("Supprimer (restaurable)"))
def delete_softly(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.dataset_delete,
         lambda n: ngettext("%(n)d jeu de données supprimé.", "%(n)d jeux de données supprimés.", n) % {"n": n})


@admin.action(description=_("Restaurer"))
def restore(modeladmin, request, queryset):
    _run(modeladmin, request, queryset.filter(state=Dataset.State.DELETED), services.dataset_restore,
         lambda n: ngettext("%(n)d jeu de données restauré.", "%(n)d jeux de données restaurés.", n) % {"n": n})


@admin.action(description=_("Effacer définitivement"))
def purge(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.dataset_purge,
         lambda n: ngettext("%(n)d jeu de données effacé.", "%(n)d jeux de données effacés.", n) % {"n": n})


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ["name", "title_fr", "organisation", "state", "private", "modified_at"]
    list_filter = ["state", "private", "licence", "organisation"]
    search_fields = ["name", "title_fr", "title_en"]
    list_select_related = ["organisation"]
    date_hierarchy = "modified_at"
    inlines = [ResourceInline]
    actions = [delete_softly, restore, purge]


@admin.register(ResourceVersion)
class ResourceVersionAdmin(ReadOnlyAdmin):
    list_display = ["resource", "number", "filename", "size", "sha256", "created_at"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["resource"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "activity_type", "dataset", "actor"]
    list_filter = ["activity_type"]
    list_select_related = ["dataset", "actor"]
    readonly_fields = ["dataset", "organisation", "actor", "activity_type", "timestamp", "snapshot", "diff"]


@admin.register(Reuse)
class ReuseAdmin(admin.ModelAdmin):
    """Reuses, read only: they are proposed, edited and moderated on the site (or through the API), where
    the services check links, images and datasets; the « publish » action goes through the same service
    (notification, audit log, open data)."""

    list_display = ["title_fr", "kind", "status", "submitted_by", "created_at", "published_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "title_fr", "title_en", "url", "author_name"]
    readonly_fields = ["id", "name", "kind", "title_fr", "title_en", "description_fr", "description_en", "url",
                       "author_name", "datasets", "image", "thumbnail", "status", "moderation_note", "moderated_by",
                       "moderated_at", "submitted_by", "created_at", "modified_at", "published_at"]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        services.reuse_delete(actor=request.user, reuse=obj)

    def delete_queryset(self, request, queryset):
        for reuse in queryset:
            services.reuse_delete(actor=request.user, reuse=reuse)

    @admin.action(description=_("Publier les réutilisations choisies"))
    def publish(self, request, queryset):
        done = 0
        for reuse in queryset.exclude(status=Reuse.Status.PUBLISHED):
            try:
                services.reuse_moderate(actor=request.user, reuse=reuse, decision="publish")
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{reuse.name} : {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, ngettext("%(n)d réutilisation publiée.", "%(n)d réutilisations publiées.", done)
                          % {"n": done})
