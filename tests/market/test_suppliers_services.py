"""Supplier organisations: registration by NEQ (format, uniqueness), the first admin, the profile, members and
their roles (the last admin cannot leave) — through the services, the pages and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from proposals_kit import api

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Membership, Organisation
from ouvert.market import suppliers
from ouvert.market.models import Supplier

pytestmark = pytest.mark.django_db


def _register(user, **overrides):
    data = {"legal_name": "Code Boréal inc.", "neq": "1172 345-678", "is_sme": True, "contact_phone": "418 555-0100"}
    data.update(overrides)
    return suppliers.supplier_register(user=user, **data)


def test_registration_creates_the_organisation_the_supplier_and_its_first_admin(stranger):
    supplier = _register(stranger)
    assert supplier.neq == "1172345678" and supplier.is_sme and not supplier.is_startup
    org = supplier.organisation
    assert (org.slug, org.kind, org.name_fr) == ("code-boreal-inc", "supplier", "Code Boréal inc.")
    assert Membership.objects.get(organisation=org).role == Membership.Role.ADMIN
    assert supplier.contact_email == stranger.email
    entry = AuditEntry.objects.get(action="market.suppliers.register")
    assert entry.actor == stranger and entry.data["neq"] == "1172345678"
    other = _register(stranger, legal_name="Code Boréal inc.", neq="2272345678")
    assert other.organisation.slug == "code-boreal-inc-2"


@pytest.mark.parametrize("neq", ["", "123", "12345678901", "117234567a", "117-234-56"])
def test_a_malformed_neq_is_refused_naming_the_field(stranger, neq):
    with pytest.raises(ValidationError) as refused:
        _register(stranger, neq=neq)
    assert "neq" in refused.value.message_dict and "dix chiffres" in refused.value.message_dict["neq"][0]
    assert not Supplier.objects.exists() and not Organisation.objects.filter(kind="supplier").exists()


def test_a_second_registration_of_one_neq_is_refused_clearly(stranger, make_user):
    _register(stranger)
    with pytest.raises(ValidationError) as refused:
        _register(make_user(email="autre@example.org"), legal_name="Autre nom", neq="1172345678")
    assert "déjà inscrite" in refused.value.message_dict["neq"][0]
    assert Supplier.objects.count() == 1 and Organisation.objects.filter(kind="supplier").count() == 1


def test_bad_profile_fields_are_refused_and_nothing_is_stored(stranger):
    with pytest.raises(ValidationError) as refused:
        _register(stranger, legal_name="", contact_email="pas-un-courriel", address="x" * 301)
    assert set(refused.value.message_dict) == {"legal_name", "contact_email", "address"}
    assert not Supplier.objects.exists()


def test_anonymous_cannot_register():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _register(AnonymousUser())


def test_admins_manage_members_and_the_last_admin_cannot_leave(stranger, make_user):
    supplier = _register(stranger)
    editor = make_user(email="edition@boreal.example.com")
    member = make_user(email="lecture@boreal.example.com")
    suppliers.supplier_member_set(user=stranger, supplier=supplier, email="EDITION@boreal.example.com",
                                  role="editor")
    suppliers.supplier_member_set(user=stranger, supplier=supplier, email=member.email, role="member")
    roles = {m.user.email: m.role for m in suppliers.supplier_members(supplier=supplier, user=member)}
    assert roles == {stranger.email: "admin", editor.email: "editor", member.email: "member"}
    with pytest.raises(PermissionDenied):  # an editor does not manage members
        suppliers.supplier_member_set(user=editor, supplier=supplier, email=member.email, role="admin")
    with pytest.raises(ValidationError) as refused:
        suppliers.supplier_member_set(user=stranger, supplier=supplier, email="personne@nulle.part", role="member")
    assert "email" in refused.value.message_dict
    with pytest.raises(ValidationError):
        suppliers.supplier_member_set(user=stranger, supplier=supplier, email=member.email, role="chef")
    for attempt in (lambda: suppliers.supplier_member_remove(user=stranger, supplier=supplier, email=stranger.email),
                    lambda: suppliers.supplier_member_set(user=stranger, supplier=supplier, email=stranger.email,
                                                          role="member")):
        with pytest.raises(ValidationError, match="dernière personne"):
            attempt()
    assert suppliers.supplier_member_remove(user=member, supplier=supplier, email=member.email)  # leaves
    suppliers.supplier_member_set(user=stranger, supplier=supplier, email=editor.email, role="admin")
    assert suppliers.supplier_member_remove(user=stranger, supplier=supplier, email=stranger.email)  # now may leave
    assert {m.user.email for m in Membership.objects.filter(organisation=supplier.organisation)} == {editor.email}
    assert AuditEntry.objects.filter(action="market.suppliers.leave").count() == 2  # both left by themselves


def test_the_profile_is_edited_by_its_admins_only_and_renames_the_organisation(stranger, make_user):
    supplier = _register(stranger)
    outsider = make_user(email="dehors@example.org")
    with pytest.raises(core_services.NotFound):
        suppliers.supplier_get(slug=supplier.organisation.slug, user=outsider)
    with pytest.raises(PermissionDenied):
        suppliers.supplier_update(user=outsider, supplier=supplier, data={"legal_name": "Pirate"})
    with pytest.raises(ValidationError) as refused:
        suppliers.supplier_update(user=stranger, supplier=supplier, data={"neq": "9999999999"})
    assert "neq" in refused.value.message_dict
    updated = suppliers.supplier_update(user=stranger, supplier=supplier,
                                        data={"legal_name": "Code Boréal coop", "is_startup": True})
    assert updated.legal_name == "Code Boréal coop" and updated.is_startup
    assert Organisation.objects.get(pk=supplier.organisation_id).name_fr == "Code Boréal coop"
    assert AuditEntry.objects.filter(action="market.suppliers.update").count() == 1


# --- Pages ------------------------------------------------------------------------------------

def test_the_registration_page_registers_and_redisplays_errors(client, stranger):
    assert client.get("/fr/marches/fournisseurs/inscription/").status_code == 302  # sign in first
    client.force_login(stranger)
    page = client.get("/fr/marches/fournisseurs/inscription/")
    assert page.status_code == 200 and b'for="f-neq"' in page.content
    refused = client.post("/fr/marches/fournisseurs/inscription/",
                          {"legal_name": "<script>alert(1)</script>", "neq": "12"})
    assert refused.status_code == 400 and "dix chiffres" in refused.content.decode()
    assert b"<script>alert(1)</script>" not in refused.content and b"&lt;script&gt;" in refused.content
    assert not Supplier.objects.exists()
    done = client.post("/fr/marches/fournisseurs/inscription/",
                       {"legal_name": "<b>Boréal</b>", "neq": "117-234-5678", "is_sme": "on"})
    assert done.status_code == 302 and done["Location"].endswith("/fournisseurs/bborealb/")
    page = client.get(done["Location"])
    assert page.status_code == 200 and b"&lt;b&gt;Bor\xc3\xa9al&lt;/b&gt;" in page.content
    again = client.post("/fr/marches/fournisseurs/inscription/", {"legal_name": "Autre", "neq": "1172345678"})
    assert again.status_code == 400 and "déjà inscrite" in again.content.decode()


def test_the_supplier_page_manages_members(client, stranger, make_user):
    supplier = _register(stranger)
    colleague = make_user(email="collegue@boreal.example.com")
    url = f"/fr/marches/fournisseurs/{supplier.organisation.slug}/"
    client.force_login(colleague)
    assert client.get(url).status_code == 404  # not a member: nothing to see
    client.force_login(stranger)
    assert client.post(url, {"action": "member_set", "email": colleague.email, "role": "editor"}).status_code == 302
    assert Membership.objects.get(user=colleague).role == "editor"
    refused = client.post(url, {"action": "member_remove", "email": stranger.email})
    assert refused.status_code == 400 and "dernière personne" in refused.content.decode()
    client.force_login(colleague)
    page = client.get(url)
    assert page.status_code == 200 and b"Modifier le profil" not in page.content
    assert client.post(url, {"action": "profile", "legal_name": "X"}).status_code == 403


# --- API --------------------------------------------------------------------------------------

def test_the_api_registers_reads_and_manages_members(stranger, make_user):
    colleague = make_user(email="collegue@boreal.example.com")
    assert api().post("/api/v1/market/suppliers", {}, content_type="application/json").status_code == 401
    client = api(stranger)
    bad = client.post("/api/v1/market/suppliers", {"legal_name": "Boréal", "neq": "abc"},
                      content_type="application/json")
    assert bad.status_code == 400 and "neq" in bad.json()["errors"]
    done = client.post("/api/v1/market/suppliers", {"legal_name": "Boréal", "neq": "1172345678", "is_sme": True},
                       content_type="application/json")
    assert done.status_code == 201 and done.json()["slug"] == "boreal" and done.json()["neq"] == "1172345678"
    assert [s["slug"] for s in client.get("/api/v1/market/suppliers/mine").json()] == ["boreal"]
    members = client.put("/api/v1/market/suppliers/boreal/members", {"email": colleague.email, "role": "member"},
                         content_type="application/json")
    assert members.status_code == 200 and {m["email"] for m in members.json()} == {stranger.email, colleague.email}
    other = api(colleague)
    assert other.get("/api/v1/market/suppliers/boreal").status_code == 200
    assert other.patch("/api/v1/market/suppliers/boreal", {"legal_name": "X"},
                       content_type="application/json").status_code == 403
    assert api(make_user(email="x@example.org")).get("/api/v1/market/suppliers/boreal").status_code == 404
    patched = client.patch("/api/v1/market/suppliers/boreal", {"contact_phone": "514 555-0199", "neq": "1"},
                           content_type="application/json")
    assert patched.status_code == 400 and "neq" in patched.json()["errors"]
    patched = client.patch("/api/v1/market/suppliers/boreal", {"contact_phone": "514 555-0199"},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["contact_phone"] == "514 555-0199"
    assert other.delete(f"/api/v1/market/suppliers/boreal/members/{colleague.email}").status_code == 204
    assert client.delete(f"/api/v1/market/suppliers/boreal/members/{stranger.email}").status_code == 400


def test_the_admin_changes_a_supplier_through_the_service(client, stranger, platform_admin):
    supplier = _register(stranger)
    client.force_login(platform_admin)
    url = f"/fr/admin/market/supplier/{supplier.pk}/change/"
    assert client.get(url).status_code == 200
    data = {"legal_name": "Boréal renommée", "is_sme": "on", "contact_name": "", "contact_email": stranger.email,
            "contact_phone": "", "address": ""}
    assert client.post(url, data).status_code == 302
    supplier.refresh_from_db()
    assert supplier.legal_name == "Boréal renommée" and supplier.neq == "1172345678"
    assert Organisation.objects.get(pk=supplier.organisation_id).name_fr == "Boréal renommée"
    assert AuditEntry.objects.get(action="market.suppliers.update").actor == platform_admin
    assert client.get("/fr/admin/market/supplier/add/").status_code == 403
