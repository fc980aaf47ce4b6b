"""Django admin for quality: every record is read-only (scores, snapshots and link checks are computed;
certifications change through the « Données de référence » pages or the API, which apply the rules,
record the history and notify the publisher)."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Certification, CertificationEvent, DatasetScore, LinkCheck, LinkState, QualitySnapshot


@admin.register(DatasetScore)
class DatasetScoreAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "organisation", "points", "max_points", "rating", "udata_passed", "udata_total",
                    "computed_at"]
    list_filter = ["rating"]
    search_fields = ["dataset__name", "dataset__title_fr", "organisation__slug"]
    list_select_related = ["dataset", "organisation"]
    readonly_fields = [field.name for field in DatasetScore._meta.fields]
    ordering = ["points"]


@admin.register(QualitySnapshot)
class QualitySnapshotAdmin(ReadOnlyAdmin):
    list_display = ["date", "organisation", "datasets", "average_points", "excellent", "good", "sufficient", "bad",
                    "broken_links", "certified"]
    list_filter = ["date"]
    search_fields = ["organisation__slug"]
    list_select_related = ["organisation"]
    readonly_fields = [field.name for field in QualitySnapshot._meta.fields]
    ordering = ["-date"]


@admin.register(LinkCheck)
class LinkCheckAdmin(ReadOnlyAdmin):
    list_display = ["url", "checked_at", "outcome", "available", "status", "response_ms"]
    list_filter = ["outcome", "available"]
    search_fields = ["url", "resource__id", "resource__dataset__name"]
    readonly_fields = [field.name for field in LinkCheck._meta.fields]
    date_hierarchy = "checked_at"


@admin.register(LinkState)
class LinkStateAdmin(ReadOnlyAdmin):
    list_display = ["resource", "organisation", "available", "broken_since", "consecutive_failures", "notified_at",
                    "next_check_at"]
    list_filter = ["available"]
    search_fields = ["resource__id", "resource__url", "resource__dataset__name", "organisation__slug"]
    list_select_related = ["resource", "organisation"]
    readonly_fields = [field.name for field in LinkState._meta.fields]


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "status", "certified_at", "certified_by", "failing_since", "ended_at", "evaluated_at",
                    "page"]
    list_filter = ["status"]
    search_fields = ["dataset__name", "dataset__title_fr"]
    list_select_related = ["dataset", "certified_by"]
    readonly_fields = [field.name for field in Certification._meta.fields] + ["history"]

    @admin.display(description=_("page"))
    def page(self, obj):
        url = reverse("quality:reference_dataset", kwargs={"name": obj.dataset.name})
        return format_html('<a href="{}">{}</a>', url, _("Critères, certifier ou retirer"))

    @admin.display(description=_("historique"))
    def history(self, obj):
        events = CertificationEvent.objects.filter(dataset_id=obj.dataset_id).select_related("actor")[:50]
        return format_html_join(
            "", "<p>{} — {} — {} {}</p>",
            ((timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.get_kind_display(),
              e.actor or _("la plateforme"), e.reason) for e in events))


@admin.register(CertificationEvent)
class CertificationEventAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "kind", "at", "actor"]
    list_filter = ["kind"]
    search_fields = ["dataset__name", "reason"]
    list_select_related = ["dataset", "actor"]
    readonly_fields = [field.name for field in CertificationEvent._meta.fields]
    date_hierarchy = "at"
