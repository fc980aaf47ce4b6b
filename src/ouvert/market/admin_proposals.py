"""Suppliers, proposals and sealed submissions in Django's admin.

Suppliers are listed (changes to their members go through the supplier's page or core's memberships).
Proposals and submissions appear only once their opportunity's deadline has come — before, the admin shows
nothing, not even their number — and never with their content: no ciphertext, no key, only the receipt and
the SHA-256 of the sealed content. Everything is read-only: no adding, changing or deleting.
"""

from django.contrib import admin

from ouvert.core.admin_base import ReadOnlyAdmin

from .models import Opportunity, Proposal, Submission, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "neq", "is_sme", "is_startup", "contact_email", "created_at")
    list_filter = ("is_sme", "is_startup")
    search_fields = ("legal_name", "neq", "organisation__slug", "contact_email")
    fields = ("organisation", "legal_name", "neq", "is_sme", "is_startup", "contact_name", "contact_email",
              "contact_phone", "address", "created_at")
    readonly_fields = ("organisation", "neq", "created_at")

    def has_add_permission(self, request):
        return False  # registration goes through the service (organisation, first admin, audit)

    def save_model(self, request, obj, form, change):
        # Through the service: the change is audited and a new legal name renames the organisation.
        from .suppliers import PROFILE_FIELDS, supplier_update

        supplier_update(user=request.user, supplier=Supplier.objects.get(pk=obj.pk),
                        data={f: getattr(obj, f) for f in PROFILE_FIELDS if f in form.changed_data})

    def has_delete_permission(self, request, obj=None):
        return False


def _opened(queryset, prefix: str):
    """Only what belongs to an opportunity whose proposals may be opened."""
    return queryset.filter(Opportunity.opened_q(prefix=prefix))


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("opportunity", "supplier", "status", "created_at", "updated_at", "disqualified_at", "rank")
    list_filter = ("status",)
    search_fields = ("opportunity__reference", "supplier__legal_name", "supplier__neq")
    fields = ("opportunity", "supplier", "status", "draft_revision", "created_by", "created_at", "updated_at",
              "disqualified_at", "disqualification_reason", "total_score", "rank")
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return _opened(super().get_queryset(request), "opportunity__").select_related("opportunity", "supplier")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "version", "receipt", "submitted_at", "superseded_at", "withdrawn_at")
    search_fields = ("receipt", "sealed_sha256", "proposal__opportunity__reference", "proposal__supplier__legal_name")
    fields = ("proposal", "version", "draft_revision", "receipt", "sealed_sha256", "key_id", "submitted_at",
              "submitted_by", "coi_attested", "terms_accepted", "superseded_at", "withdrawn_at")
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return (_opened(super().get_queryset(request), "proposal__opportunity__")
                .select_related("proposal__opportunity", "proposal__supplier").defer("sealed", "wrapped_key"))
