"""The processes part's pages: the wizard end to end (with the principles panel changing as the process is
configured), the process page, private processes, invitations, verification, follows, guides, the list of
processes one manages."""

import datetime
import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ouvert.consult import processes
from ouvert.consult.models import Follow, Invitation, Process, Verification

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _wizard(slug, step):
    return reverse("consult:wizard", kwargs={"slug": slug, "step": step})


def _unmet(response) -> set[str]:
    """The keys of the principles the panel shows as not yet satisfied."""
    html = response.content.decode()
    return set(re.findall(r'consult-principle--todo" data-principle="(\w+)"', html))


def test_wizard_end_to_end(client, organiser, mamh, citizen):
    client.force_login(organiser)
    response = client.get(reverse("consult:process_new"))
    assert response.status_code == 200
    assert "L&#x27;engagement des autorités compétentes" in response.content.decode()
    assert len(_unmet(response)) >= 6

    response = client.post(reverse("consult:process_new"), {
        "organisation": "mamh", "title_fr": "Politique du logement étudiant", "influence": "consult",
        "summary_fr": "Comment loger les étudiantes et étudiants à un prix abordable ?",
        "decision_fr": "La ministre adoptera un plan d'action sur le logement étudiant à l'automne."})
    assert response.status_code == 302
    process = Process.objects.get()
    assert process.slug == "politique-du-logement-etudiant" and process.published_at is None
    assert response["Location"] == _wizard(process.slug, "calendrier")
    response = client.get(_wizard(process.slug, "calendrier"))
    before = _unmet(response)
    assert {"feedback", "mechanisms", "promotion"} <= before
    assert 'href="/fr/consultations/guides/planifier-une-consultation/"' in response.content.decode()

    today = timezone.localdate()
    calendar = {"starts_on": today.isoformat(), "ends_on": (today + 150 * DAY).isoformat()}
    for kind, start, end in [("information", 0, 13), ("contribution", 14, 60), ("analysis", 61, 90),
                             ("report", 91, 150)]:
        calendar.update({f"{kind}-enabled": "on", f"{kind}-starts_on": (today + start * DAY).isoformat(),
                         f"{kind}-ends_on": (today + end * DAY).isoformat()})
    response = client.post(_wizard(process.slug, "calendrier"), calendar)
    assert response.status_code == 302 and response["Location"] == _wizard(process.slug, "participation")
    assert process.phases.count() == 4
    response = client.get(_wizard(process.slug, "participation"))
    after = _unmet(response)
    assert "feedback" not in after and before - after

    response = client.post(_wizard(process.slug, "participation"), {
        "mode": "hybrid", "visibility": "public", "verification": "account", "support_limit": "5",
        "support_threshold": "20", "proposal_limit": "0", "auto_hide_threshold": "3", "amendments_enabled": "on"})
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.mode == "hybrid" and process.amendments_enabled and process.support_limit == 5

    response = client.post(_wizard(process.slug, "composantes"), {
        "components-information": ["meetings"], "components-contribution": ["proposals", "supports", "surveys"]})
    assert response.status_code == 302
    assert process.phases.get(kind="contribution").components == ["proposals", "supports", "surveys"]

    response = client.post(_wizard(process.slug, "information"), {
        "theme": "habitation", "territory": "Ensemble du Québec", "contact_name": "Équipe",
        "contact_email": "logement@mamh.example.org", "categories": "Prix des loyers | Rent\nRésidences"})
    assert response.status_code == 302
    assert [c.name_fr for c in process.categories.all()] == ["Prix des loyers", "Résidences"]
    response = client.post(_wizard(process.slug, "information"), {
        "action": "document", "document_title_fr": "Portrait du logement étudiant",
        "document_url": "https://example.org/portrait"})
    assert response.status_code == 302 and process.documents.count() == 1

    response = client.get(_wizard(process.slug, "principes"))
    assert {"engagement", "participants", "evaluation"} <= _unmet(response)
    assert "promotion" not in _unmet(response)  # theme and territory given
    response = client.post(_wizard(process.slug, "principes"), {"action": "publish"})
    assert response.status_code == 400
    assert "Principe non encore respecté" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert Process.objects.get().published_at is None

    response = client.post(_wizard(process.slug, "objet"), {
        "title_fr": "Politique du logement étudiant", "influence": "consult",
        "summary_fr": "Comment loger les étudiantes et étudiants à un prix abordable ?",
        "description_fr": "Le contexte, les enjeux et le déroulement de la consultation. " * 5,
        "decision_fr": "La ministre adoptera un plan d'action sur le logement étudiant à l'automne."})
    assert response.status_code == 302
    notes = {"principle-engagement": "Réponse publique à chaque proposition.",
             "principle-participants": "Modération chaque jour ouvrable.",
             "principle-evaluation": "Questionnaire de satisfaction et bilan publié."}
    response = client.post(_wizard(process.slug, "principes"), {"action": "save", **notes})
    response = client.get(_wizard(process.slug, "principes"))
    assert _unmet(response) == set()
    response = client.post(_wizard(process.slug, "principes"), {"action": "publish", **notes})
    assert response.status_code == 302 and response["Location"] == reverse("consult:process",
                                                                          kwargs={"slug": process.slug})
    assert Process.objects.get().published_at is not None

    client.force_login(citizen(1))
    page = client.get(reverse("consult:process", kwargs={"slug": process.slug})).content.decode()
    assert "Politique du logement étudiant" in page and "Portrait du logement étudiant" in page
    assert "Consultation : recueillir des avis" in page and "Configurer" not in page


def test_publish_with_confirmation(client, organiser, process_factory):
    process = process_factory(published_at=None)
    client.force_login(organiser)
    response = client.post(_wizard(process.slug, "principes"), {"action": "publish", "confirm": "on"})
    assert response.status_code == 302
    assert Process.objects.get(pk=process.pk).published_at is not None
    response = client.post(_wizard(process.slug, "principes"), {"action": "unpublish"})
    assert Process.objects.get(pk=process.pk).published_at is None


def test_wizard_errors_keep_data_and_say_why(client, organiser, process_factory):
    process = process_factory(published_at=None)
    client.force_login(organiser)
    response = client.post(_wizard(process.slug, "calendrier"), {
        "starts_on": "2030-01-01", "ends_on": "2029-01-01", "information-enabled": "on",
        "information-starts_on": "2030-01-05", "information-ends_on": "2030-01-10"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "La fin doit suivre le début" in html and 'value="2030-01-05"' in html
    assert process.phases.count() == 4
    response = client.post(_wizard(process.slug, "information"), {"theme": "transport", "categories": "A\na"})
    assert response.status_code == 400 and "double" in response.content.decode()
    assert Process.objects.get(pk=process.pk).theme == "habitation"
    response = client.post(_wizard(process.slug, "participation"), {"mode": "hologramme", "support_limit": "x"})
    assert response.status_code == 400
    assert Process.objects.get(pk=process.pk).mode == "digital"
    response = client.post(_wizard(process.slug, "information"), {
        "action": "document", "document_title_fr": "Faux", "document_file":
        __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile("faux.pdf", b"<html>")})
    assert response.status_code == 400 and "ne correspond pas" in response.content.decode()
    response = client.post(_wizard(process.slug, "participation"), {"action": "invite", "emails": "a@b.org\nnul"})
    assert response.status_code == 400 and not Invitation.objects.exists()
    assert client.get(_wizard(process.slug, "inconnue")).status_code == 404


def test_new_process_double_submit_and_hostile_text(client, organiser):
    client.force_login(organiser)
    data = {"organisation": "mamh", "title_fr": "<script>alert(1)</script> Logement", "influence": "consult",
            "slug": "logement", "description_fr": "**Gras** <script>alert(2)</script> [x](javascript:alert(3))"}
    assert client.post(reverse("consult:process_new"), data).status_code == 302
    response = client.post(reverse("consult:process_new"), data)
    assert response.status_code == 400 and "déjà" in response.content.decode()
    assert Process.objects.count() == 1
    assert client.post(reverse("consult:process_new"), {**data, "organisation": "autre"}).status_code == 400
    html = client.get(reverse("consult:process", kwargs={"slug": "logement"})).content.decode()
    assert "<script>alert" not in html and "javascript:alert" not in html and "<strong>Gras</strong>" in html


def test_wizard_and_creation_refused_to_others(client, process, mamh_member, citizen):
    client.force_login(mamh_member)
    assert client.get(_wizard(process.slug, "objet")).status_code == 403
    assert client.post(_wizard(process.slug, "objet"), {"title_fr": "Piraté"}).status_code == 403
    assert client.get(reverse("consult:process_new")).status_code == 403
    assert Process.objects.get(pk=process.pk).title_fr != "Piraté"
    client.logout()
    assert client.get(_wizard(process.slug, "objet")).status_code == 302  # to the login page


def test_process_page(client, process, organiser, citizen):
    processes.document_add(actor=organiser, process=process, title_fr="Portrait", url="https://example.org/d")
    processes.category_set(actor=organiser, process=process, names=["Loyers"])
    processes.process_principles_set(actor=organiser, process=process,
                                     notes={"participants": "Modération <b>chaque</b> jour."})
    response = client.get(reverse("consult:process", kwargs={"slug": process.slug}))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert process.title_fr in html and "Portrait" in html and "Loyers" in html
    assert 'aria-current="step"' in html and "Ce que vous pouvez faire maintenant" in html
    assert "Connectez-vous" in html
    assert "Nos engagements" in html and "Modération <b>chaque</b> jour." in html  # escaped, then unescaped here
    assert "<b>chaque</b>" not in response.content.decode()
    client.force_login(organiser)
    html = client.get(reverse("consult:process", kwargs={"slug": process.slug})).content.decode()
    assert "Principes directeurs" in html and _wizard(process.slug, "objet") in html


def test_private_and_draft_processes_are_hidden(client, process_factory, citizen, organiser):
    private = process_factory(visibility=Process.Visibility.PRIVATE)
    draft = process_factory(published_at=None)
    client.force_login(citizen(1))
    for p in (private, draft):
        assert client.get(reverse("consult:process", kwargs={"slug": p.slug})).status_code == 404
        assert client.post(reverse("consult:follow", kwargs={"slug": p.slug})).status_code == 404
    client.force_login(organiser)
    assert client.get(reverse("consult:process", kwargs={"slug": private.slug})).status_code == 200


def test_invitation_flow_over_http(client, process_factory, organiser, citizen, django_capture_on_commit_callbacks):
    process = process_factory(visibility=Process.Visibility.PRIVATE)
    guest, other = citizen(1), citizen(2)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_wizard(process.slug, "participation"), {"action": "invite", "emails": guest.email})
    assert response.status_code == 302
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    client.force_login(other)
    assert client.get(path).status_code == 200  # GET changes nothing
    response = client.post(path)
    assert response.status_code == 403 and "autre adresse" in response.content.decode()
    client.force_login(guest)
    assert client.get(reverse("consult:process", kwargs={"slug": process.slug})).status_code == 404
    response = client.post(path)
    assert response.status_code == 302
    assert client.get(reverse("consult:process", kwargs={"slug": process.slug})).status_code == 200
    client.force_login(other)
    assert client.post(path).status_code == 400  # used
    assert client.post("/fr/consultations/invitation/inconnu/").status_code == 404
    client.force_login(organiser)
    invitation = Invitation.objects.get()
    client.post(_wizard(process.slug, "participation"), {"action": "revoke", "invitation": invitation.pk})
    assert not Invitation.objects.exists()


def test_verification_page(client, process_factory, citizen):
    process = process_factory(verification=Process.Verification.POSTAL_CODE)
    person = citizen(1)
    client.force_login(person)
    html = client.get(reverse("consult:process", kwargs={"slug": process.slug})).content.decode()
    assert reverse("consult:verification") in html
    url = reverse("consult:verification")
    response = client.post(url, {"postal_code": "K1A 0B1"})
    assert response.status_code == 400 and "commence par G, H ou J" in response.content.decode()
    assert not Verification.objects.exists()
    target = reverse("consult:process", kwargs={"slug": process.slug})
    response = client.post(url, {"postal_code": "g1r4s9", "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert Verification.objects.get().postal_code == "G1R 4S9"
    response = client.post(url, {"postal_code": "H2X 1Y4", "next": "https://evil.example/"})
    assert response["Location"] == url
    client.logout()
    assert client.get(url).status_code == 302


def test_follow_and_unfollow(client, process, citizen):
    url = reverse("consult:follow", kwargs={"slug": process.slug})
    assert client.post(url).status_code == 302 and not Follow.objects.exists()
    client.force_login(citizen(1))
    client.post(url)
    client.post(url)
    assert Follow.objects.count() == 1
    assert "Ne plus suivre" in client.get(reverse("consult:process", kwargs={"slug": process.slug})).content.decode()
    client.post(url, {"on": "0"})
    assert not Follow.objects.exists()
    assert client.get(url).status_code == 405


def test_guides_pages(client):
    response = client.get(reverse("consult:guides"))
    assert response.status_code == 200 and "Les sept principes directeurs" in response.content.decode()
    response = client.get(reverse("consult:guide", kwargs={"slug": "sept-principes"}))
    assert response.status_code == 200 and "<h2" in response.content.decode()
    assert client.get(reverse("consult:guide", kwargs={"slug": "inconnu"})).status_code == 404
    response = client.get("/en/consultations/guides/sept-principes/")
    assert response.status_code == 200 and "guiding principles" in response.content.decode()


def test_manage_page_lists_drafts_without_n_plus_one(client, organiser, process_factory,
                                                     django_assert_max_num_queries):
    for n in range(6):
        process_factory(published_at=None if n % 2 else timezone.now())
    client.force_login(organiser)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("consult:manage"))
    html = response.content.decode()
    assert response.status_code == 200 and html.count("Brouillon") >= 3 and "Créer une consultation" in html


def test_admin_pages(client, process, moderator, organiser, citizen):
    from ouvert.consult import services

    services.participation_record(process=process, user=citizen(1))
    processes.invitation_create(actor=organiser, process=process, email="invitee@example.org")
    services.verification_set(user=citizen(2), postal_code="G1R 4S9")
    client.force_login(moderator)
    for name in ("process", "invitation", "verification", "participation"):
        assert client.get(reverse(f"admin:consult_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:consult_process_change", args=[process.pk])).status_code == 200
    assert client.get(reverse("admin:consult_participation_add")).status_code == 403


def test_process_page_offers_the_satisfaction_survey_after_taking_part(client, process, citizen):
    from ouvert.consult import services

    person = citizen(1)
    client.force_login(person)
    url = reverse("consult:process", kwargs={"slug": process.slug})
    assert 'name="score"' not in client.get(url).content.decode()
    services.participation_record(process=process, user=person)
    assert 'name="score"' in client.get(url).content.decode()
    services.satisfaction_submit(process=process, user=person, score=4, comment="Clair et simple.")
    assert 'name="score"' not in client.get(url).content.decode()
