"""Uses of software by public bodies: declaring, changing and withdrawing (members of the body only; public
bodies and municipalities, not universities), referents (five at most; e-mails for signed-in people only),
the lists with a constant number of queries, the pages and the API."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Membership
from ouvert.software import services
from ouvert.software.models import Referent, Usage

pytestmark = pytest.mark.django_db

DATA = {"purpose_fr": "Traitement de texte de tout le ministère.", "purpose_en": "Word processing.",
        "version": "24.2", "since": "2021-04-01",
        "referents": [{"name": "Julie Tremblay", "email": "julie.tremblay@mcn.example.org", "role": "Architecte"}]}


@pytest.fixture
def office(software_factory):
    return software_factory(slug="libreoffice", name="LibreOffice", licence="MPL-2.0",
                            repository_url="https://git.libreoffice.org/core")


def test_a_member_declares_a_use_with_referents_and_it_is_audited(office, mcn, body_member):
    usage = services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    assert (usage.organisation, usage.software, usage.version, usage.since.isoformat()) == (mcn, office, "24.2",
                                                                                          "2021-04-01")
    assert usage.purpose_fr == DATA["purpose_fr"] and usage.declared_by == body_member
    assert [(r.name, r.email, r.role) for r in usage.referents.all()] == [
        ("Julie Tremblay", "julie.tremblay@mcn.example.org", "Architecte")]
    entry = AuditEntry.objects.filter(action="software.usage.declare").get()
    assert entry.target_id == str(usage.pk) and entry.data["organisation"] == "mcn"


def _refreshes(callbacks):
    return "software" in [getattr(callback, "open_data_key", None) for callback in callbacks]


def test_declaring_a_use_refreshes_the_catalogue_dataset(office, mcn, body_member,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    assert _refreshes(callbacks)


@pytest.mark.parametrize("change", ["update", "withdraw"])
def test_changing_or_withdrawing_a_use_refreshes_it_too(change, office, mcn, body_member,
                                                        django_capture_on_commit_callbacks):
    # (made directly: a refresh already pending in the test's transaction would absorb the next one)
    usage = Usage.objects.create(software=office, organisation=mcn, purpose_fr="Bureautique.")
    with django_capture_on_commit_callbacks() as callbacks:
        if change == "update":
            services.usage_update(actor=body_member, usage=usage, data={**DATA, "version": "25.2"})
        else:
            services.usage_withdraw(actor=body_member, usage=usage)
    assert _refreshes(callbacks)


def test_a_municipality_declares_by_its_slug_too(office, montreal, city_member):
    usage = services.usage_declare(actor=city_member, software=office, organisation="ville-montreal",
                                   data={"purpose_fr": "Bureautique."})
    assert usage.organisation == montreal


def test_a_second_declaration_for_the_same_body_is_refused(office, mcn, body_member, body_admin):
    services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    with pytest.raises(ValidationError) as caught:
        services.usage_declare(actor=body_admin, software=office, organisation=mcn, data=DATA)
    assert "a déjà déclaré utiliser LibreOffice" in caught.value.message_dict["organisation"][0]
    assert Usage.objects.count() == 1


def test_who_may_declare(office, mcn, udem, stranger, city_member, platform_admin, make_user, team):
    with pytest.raises(PermissionDenied):
        services.usage_declare(actor=stranger, software=office, organisation=mcn, data=DATA)
    with pytest.raises(PermissionDenied):  # a member of another body
        services.usage_declare(actor=city_member, software=office, organisation=mcn, data=DATA)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.usage_declare(actor=AnonymousUser(), software=office, organisation=mcn, data=DATA)
    researcher = make_user(email="prof@udem.example.org")
    core_services.membership_set(user=researcher, organisation=udem, role=Membership.Role.ADMIN)
    with pytest.raises(ValidationError) as caught:  # a university is not a public body here
        services.usage_declare(actor=researcher, software=office, organisation=udem, data=DATA)
    assert "Seuls les ministères, organismes publics et municipalités" in caught.value.message_dict["organisation"][0]
    with pytest.raises(ValidationError):  # not even for a platform admin
        services.usage_declare(actor=platform_admin, software=office, organisation=udem, data=DATA)
    with pytest.raises(PermissionDenied):  # the platform's team does not speak for a body
        services.usage_declare(actor=team, software=office, organisation=mcn, data=DATA)
    assert Usage.objects.count() == 0
    assert services.usage_declare(actor=platform_admin, software=office, organisation=mcn, data=DATA).pk


def test_bad_input_is_reported_per_field_and_nothing_is_stored(office, mcn, body_member, software_factory):
    bad = {"purpose_fr": "  ", "version": "x" * 61, "since": "2999-01-01",
           "referents": [{"name": "", "email": "pas-un-courriel", "role": "r"}]}
    with pytest.raises(ValidationError) as caught:
        services.usage_declare(actor=body_member, software=office, organisation=mcn, data=bad)
    errors = caught.value.message_dict
    assert set(errors) >= {"purpose_fr", "version", "since", "referents.0.name", "referents.0.email"}
    assert errors["purpose_fr"] == ["L'utilisation (en français) est obligatoire."]
    with pytest.raises(ValidationError) as caught:
        services.usage_declare(actor=body_member, software=office, organisation=mcn,
                               data=dict(DATA, referents=[{"name": f"P{n}"} for n in range(6)]))
    assert caught.value.message_dict["referents"] == ["5 personnes-ressources au plus par utilisation."]
    with pytest.raises(ValidationError) as caught:
        services.usage_declare(actor=body_member, software=office, organisation=mcn,
                               data=dict(DATA, purpose_fr="a\x00b", since="hier"))
    assert set(caught.value.message_dict) == {"purpose_fr", "since"}
    word = software_factory(slug="word", name="Microsoft Word", licence="", is_proprietary=True)
    with pytest.raises(ValidationError) as caught:
        services.usage_declare(actor=body_member, software=word, organisation=mcn, data=DATA)
    assert "logiciel propriétaire" in caught.value.message_dict["software"][0]
    assert Usage.objects.count() == 0 and Referent.objects.count() == 0


def test_a_referent_links_only_to_an_account_of_that_body(office, mcn, body_member, body_admin, city_member):
    usage = services.usage_declare(actor=body_member, software=office, organisation=mcn, data=dict(
        DATA, referents=[{"user": body_admin.email, "role": "Direction"}]))
    referent = usage.referents.get()
    assert (referent.user, referent.name, referent.email) == (body_admin, body_admin.full_name, body_admin.email)
    with pytest.raises(ValidationError) as caught:
        services.usage_update(actor=body_member, usage=usage, data=dict(
            DATA, referents=[{"name": "X", "user": city_member.email}]))
    assert "Aucun compte de cet organisme" in caught.value.message_dict["referents.0.user"][0]
    assert usage.referents.get().user == body_admin


def test_update_replaces_fields_and_referents_then_withdraw(office, mcn, body_member, body_admin, city_member):
    usage = services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    changed = services.usage_update(actor=body_admin, usage=usage, data={
        "purpose_fr": "Rédaction des mémoires.", "version": "25.2", "since": "",
        "referents": [{"name": "A", "role": "Soutien"}, {"name": "B", "email": "b@mcn.example.org"}]})
    assert (changed.purpose_fr, changed.version, changed.since) == ("Rédaction des mémoires.", "25.2", None)
    assert [r.name for r in changed.referents.all()] == ["A", "B"]
    with pytest.raises(PermissionDenied):
        services.usage_update(actor=city_member, usage=usage, data=DATA)
    with pytest.raises(PermissionDenied):
        services.usage_withdraw(actor=city_member, usage=usage)
    services.usage_withdraw(actor=body_member, usage=usage)
    assert not Usage.objects.exists() and not Referent.objects.exists()
    assert set(AuditEntry.objects.filter(action__startswith="software.usage").values_list("action", flat=True)) == {
        "software.usage.declare", "software.usage.update", "software.usage.withdraw"}


def test_lists_and_counts(office, software_factory, mcn, montreal, body_member, city_member,
                          django_assert_num_queries):
    gimp = software_factory(slug="gimp", name="GIMP")
    services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    services.usage_declare(actor=city_member, software=office, organisation=montreal, data={"purpose_fr": "Bureau."})
    services.usage_declare(actor=body_member, software=gimp, organisation=mcn, data={"purpose_fr": "Images."})
    with django_assert_num_queries(2):
        usages = services.usage_list(office)
        assert [u.organisation.slug for u in usages] == ["mcn", "ville-montreal"]
        assert [[r.name for r in u.referents.all()] for u in usages] == [["Julie Tremblay"], []]
    with django_assert_num_queries(2):
        assert [u.software.name for u in services.usages_of_body(mcn)] == ["GIMP", "LibreOffice"]
    other = software_factory()
    with django_assert_num_queries(1):
        assert services.usage_counts([office.pk, gimp.pk, other.pk]) == {office.pk: 2, gimp.pk: 1, other.pk: 0}
    assert services.usage_counts_by_slug(["libreoffice", "inconnu"]) == {"libreoffice": 2}


# --- Pages --------------------------------------------------------------------------------------------

def test_the_uses_page_shows_emails_only_to_signed_in_people(client, office, mcn, body_member, stranger):
    services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    url = reverse("software:usage_list", kwargs={"slug": "libreoffice"})
    assert url == "/fr/logiciel-libre/catalogue/libreoffice/utilisations/"
    page = client.get(url).content.decode()
    assert "Ministère de la Cybersécurité et du Numérique" in page and "Julie Tremblay" in page
    assert "Architecte" in page and "julie.tremblay@mcn.example.org" not in page
    client.force_login(stranger)
    assert "julie.tremblay@mcn.example.org" in client.get(url).content.decode()
    assert client.get("/fr/logiciel-libre/catalogue/inconnu/utilisations/").status_code == 404


def test_declaring_editing_and_withdrawing_through_the_pages(client, office, mcn, body_member, stranger):
    create = reverse("software:usage_create", kwargs={"slug": "libreoffice"})
    assert client.get(create).status_code == 302  # to the sign-in page
    client.force_login(stranger)
    assert client.get(create).status_code == 403
    client.force_login(body_member)
    form = client.get(create).content.decode()
    assert 'value="mcn" selected' in form and 'for="u-referent-4-name"' in form
    response = client.post(create, {"organisation": "mcn", "purpose_fr": "", "referent-0-email": "mauvais"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "L&#x27;utilisation (en français) est obligatoire." in text and 'href="#u-purpose-fr"' in text
    assert 'aria-describedby="u-referent-0-email-erreur"' in text
    response = client.post(create, {"organisation": "mcn", "purpose_fr": "Bureautique.", "version": "7.6",
                                    "since": "2020-01-15", "referent-0-name": "Luc", "referent-0-role": "Soutien",
                                    "referent-0-email": "luc@mcn.example.org"})
    assert response.status_code == 302
    usage = Usage.objects.get()
    assert usage.version == "7.6" and usage.referents.get().email == "luc@mcn.example.org"
    edit = reverse("software:usage_edit", kwargs={"pk": usage.pk})
    assert 'value="Luc"' in client.get(edit).content.decode()
    assert client.post(edit, {"purpose_fr": "Tout le bureau.", "version": "7.6"}).status_code == 302
    usage.refresh_from_db()
    assert usage.purpose_fr == "Tout le bureau." and not usage.referents.exists()
    client.force_login(stranger)
    assert client.post(edit, {"purpose_fr": "piraté"}).status_code == 403
    assert client.post(reverse("software:usage_withdraw", kwargs={"pk": usage.pk})).status_code == 403
    client.force_login(body_member)
    assert client.post(reverse("software:usage_withdraw", kwargs={"pk": usage.pk})).status_code == 302
    assert not Usage.objects.exists()


def test_the_body_page_lists_its_software(client, office, mcn, body_member, udem):
    services.usage_declare(actor=body_member, software=office, organisation=mcn, data=DATA)
    page = client.get("/fr/logiciel-libre/organismes/mcn/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "LibreOffice" in text and "Traitement de texte de tout le ministère." in text
    assert client.get("/fr/logiciel-libre/organismes/udem/").status_code == 404
    assert client.get("/en/logiciel-libre/organismes/mcn/").status_code == 200


def test_the_uses_page_does_not_query_per_use(client, office, make_org, make_user, django_assert_max_num_queries):
    def add(n):
        org = make_org(slug=f"org-{n}", name_fr=f"Organisme {n}")
        user = make_user(email=f"m{n}@example.org")
        core_services.membership_set(user=user, organisation=org)
        services.usage_declare(actor=user, software=office, organisation=org, data=dict(
            DATA, referents=[{"name": "A", "email": f"a{n}@example.org"}, {"name": "B"}]))
    add(0)
    url = reverse("software:usage_list", kwargs={"slug": "libreoffice"})
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for n in range(1, 8):
        add(n)
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(baseline):
        assert client.get("/api/v1/software/usages?software=libreoffice").json()["count"] == 8


# --- API ----------------------------------------------------------------------------------------------

def test_the_api_lists_declares_changes_and_withdraws(client, office, mcn, body_member, stranger):
    token = core_services.token_create(user=body_member)
    auth = {"HTTP_AUTHORIZATION": token}
    payload = {"software": "libreoffice", "organisation": "mcn", **DATA}
    assert client.post("/api/v1/software/usages", json.dumps(payload), content_type="application/json").status_code == 401
    created = client.post("/api/v1/software/usages", json.dumps(payload), content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    again = client.post("/api/v1/software/usages", json.dumps(payload), content_type="application/json", **auth)
    assert again.status_code == 400 and "organisation" in again.json()["errors"]
    public = client.get("/api/v1/software/usages?software=libreoffice").json()
    assert public["results"][0]["referents"] == [{"name": "Julie Tremblay", "role": "Architecte"}]
    signed = client.get("/api/v1/software/usages?organisation=mcn", **auth).json()
    assert signed["results"][0]["referents"][0]["email"] == "julie.tremblay@mcn.example.org"
    patched = client.patch(f"/api/v1/software/usages/{pk}", json.dumps({"version": "25.8"}),
                           content_type="application/json", **auth)
    assert patched.status_code == 200 and patched.json()["version"] == "25.8"
    assert patched.json()["referents"][0]["name"] == "Julie Tremblay"
    bad = client.patch(f"/api/v1/software/usages/{pk}", json.dumps({"organisation": "autre"}),
                       content_type="application/json", **auth)
    assert bad.status_code == 400
    other = {"HTTP_AUTHORIZATION": core_services.token_create(user=stranger)}
    assert client.delete(f"/api/v1/software/usages/{pk}", **other).status_code == 403
    assert client.get("/api/v1/software/usage-counts?software=libreoffice,x").json() == {"libreoffice": 1}
    assert client.delete(f"/api/v1/software/usages/{pk}", **auth).status_code == 204
    assert client.get(f"/api/v1/software/usages/{pk}").status_code == 404
    assert client.get("/api/v1/software/usages").status_code == 400
