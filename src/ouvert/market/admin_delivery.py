"""The delivery part in Django's admin: contracts and deliveries, read only (award, deliveries, decisions and
payment go through the services, which check, audit, notify and publish them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ouvert.core.admin_base import ReadOnlyAdmin, ReadOnlyInline

from .models import Contract, Delivery


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ("delivered_at", "repository_url", "merge_request_url", "decision", "decided_at")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("opportunity", "supplier", "value", "awarded_at", "status", "payment_status", "accepted_at",
                    "paid_at")
    list_filter = ("status", "payment_status")
    search_fields = ("opportunity__reference", "proposal__supplier__legal_name")
    list_select_related = ("opportunity", "proposal__supplier")
    inlines = [DeliveryInline]

    @admin.display(description=_("fournisseur"), ordering="proposal__supplier__legal_name")
    def supplier(self, obj):
        return obj.proposal.supplier.legal_name


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("contract", "delivered_at", "repository_url", "decision", "decided_at")
    list_filter = ("decision",)
    search_fields = ("contract__opportunity__reference", "repository_url")
    list_select_related = ("contract__opportunity", "contract__proposal__supplier")
