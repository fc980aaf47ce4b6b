"""The accompaniment pages with Django's client: the offer and its form, my body's requests, the team's queue
with filters, a request's page with its history, triage, notes, documents (content, size, rights), query
counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ouvert.software import services
from ouvert.software.models import AccompanimentEvent, AccompanimentRequest

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DATA = {"title": "Adopter Nextcloud", "need": "Partager des fichiers entre directions."}


@pytest.fixture
def req(body_member, mcn):
    return services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA)


def _detail(req):
    return reverse("software:accompaniment_detail", kwargs={"reference": req.reference})


def test_offer_page_for_everyone(client):
    html = client.get(reverse("software:accompaniment")).content.decode()
    assert "<h1>Accompagnement des organismes publics</h1>" in html
    assert "Connectez-vous" in html and 'name="need"' not in html


def test_request_through_the_form(client, body_member, team):
    client.force_login(body_member)
    html = client.get(reverse("software:accompaniment")).content.decode()
    assert 'for="acc-title"' in html and 'name="need"' in html
    response = client.post(reverse("software:accompaniment"), {
        "organisation": "mcn", "title": "Adopter Nextcloud", "need": "Partager des fichiers",
        "software_name": "Nextcloud", "wished_start": "2026-03-01"})
    req = AccompanimentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(req)
    html = client.get(reverse("software:accompaniment")).content.decode()
    assert req.reference in html and "Soumise" in html


def test_request_form_errors(client, body_member, stranger):
    client.force_login(body_member)
    response = client.post(reverse("software:accompaniment"), {"organisation": "mcn", "title": "",
                                                               "need": "", "wished_start": "demain"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#acc-title"' in html and 'id="acc-need-err"' in html and 'href="#acc-wished-start"' in html
    client.force_login(stranger)
    response = client.post(reverse("software:accompaniment"), {"organisation": "mcn", **DATA})
    assert response.status_code == 400
    assert not AccompanimentRequest.objects.exists()


def test_request_page_rights(client, req, body_admin, city_member, team):
    assert client.get(_detail(req)).status_code == 302
    client.force_login(city_member)
    assert client.get(_detail(req)).status_code == 404
    client.force_login(body_admin)
    html = client.get(_detail(req)).content.decode()
    assert req.title in html and 'id="traiter"' not in html
    assert client.post(reverse("software:accompaniment_move", kwargs={"reference": req.reference}),
                       {"status": "accepted"}).status_code == 403
    assert client.get(reverse("software:accompaniment_queue")).status_code == 403
    client.force_login(team)
    html = client.get(_detail(req)).content.decode()
    assert 'id="traiter"' in html and 'value="accepted"' in html and 'value="declined"' in html


def test_triage_through_the_pages(client, req, team, body_member):
    client.force_login(team)
    url = reverse("software:accompaniment_move", kwargs={"reference": req.reference})
    response = client.post(url, {"status": "declined", "reason": ""})
    assert response.status_code == 400 and 'href="#move-reason"' in response.content.decode()
    response = client.post(url, {"status": "completed"})
    assert response.status_code == 400 and "ne peut pas passer" in response.content.decode()
    assert client.post(url, {"status": "accepted"}).status_code == 302
    assert client.post(url, {"status": "in_progress"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "in_progress"
    queue = client.get(reverse("software:accompaniment_queue") + "?status=in_progress").content.decode()
    assert req.reference in queue and "En cours (1)" in queue
    assert req.reference not in client.get(reverse("software:accompaniment_queue") + "?status=submitted"
                                           ).content.decode().split("<tbody>")[-1]
    assert client.get(reverse("software:accompaniment_queue") + "?status=nope").status_code == 400


def test_notes_internal_hidden_from_the_body(client, req, team, body_member):
    client.force_login(team)
    client.post(reverse("software:accompaniment_note", kwargs={"reference": req.reference}),
                {"text": "Secret de l'équipe", "internal": "on"})
    client.post(reverse("software:accompaniment_note", kwargs={"reference": req.reference}),
                {"text": "Nous vous rappelons lundi."})
    assert "Secret de l" in client.get(_detail(req)).content.decode()
    client.force_login(body_member)
    html = client.get(_detail(req)).content.decode()
    assert "Secret de l" not in html and "Nous vous rappelons lundi." in html
    response = client.post(reverse("software:accompaniment_note", kwargs={"reference": req.reference}),
                           {"text": "Merci", "internal": "on"})
    assert response.status_code == 403
    response = client.post(reverse("software:accompaniment_note", kwargs={"reference": req.reference}),
                           {"text": ""})
    assert response.status_code == 400


def test_documents_upload_and_download(client, req, team, body_member, city_member, settings):
    client.force_login(body_member)
    url = reverse("software:accompaniment_document_add", kwargs={"reference": req.reference})
    response = client.post(url, {"file": SimpleUploadedFile("../../etc/rapport.pdf", PDF)})
    assert response.status_code == 302
    event = AccompanimentEvent.objects.get(kind="document")
    assert event.file_name == "rapport.pdf"
    download = reverse("software:accompaniment_document", kwargs={"reference": req.reference, "pk": event.pk})
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert 'attachment; filename="rapport.pdf"' in response["Content-Disposition"]
    response = client.post(url, {"file": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf")})
    assert response.status_code == 400 and "reconnu par son contenu" in response.content.decode()
    settings.OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES = 50
    response = client.post(url, {"file": SimpleUploadedFile("gros.pdf", PDF + b" " * 100)})
    assert response.status_code == 413 and "taille maximale" in response.content.decode()
    assert AccompanimentEvent.objects.filter(kind="document").count() == 1
    client.force_login(city_member)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302


def test_internal_document_hidden_from_the_body(client, req, team, body_member):
    internal = services.accompaniment_document_add(actor=team, request=req, upload=("notes.pdf", PDF), internal=True)
    client.force_login(body_member)
    assert "notes.pdf" not in client.get(_detail(req)).content.decode()
    assert client.get(reverse("software:accompaniment_document", kwargs={"reference": req.reference,
                                                                          "pk": internal.pk})).status_code == 404


def test_queue_and_mine_query_counts(client, team, body_member, mcn, django_assert_max_num_queries):
    for _n in range(2):
        services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA)
    for user, url in ((team, reverse("software:accompaniment_queue")),
                      (body_member, reverse("software:accompaniment"))):
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(30) as first:
            client.get(url)
        for _n in range(5):
            services.accompaniment_request(actor=body_member, organisation=mcn, data=DATA)
        with django_assert_max_num_queries(len(first.captured_queries)):
            html = client.get(url).content.decode()
        assert html.count("ACC-") >= 7


def test_admin_is_read_only(client, platform_admin, req):
    client.force_login(platform_admin)
    assert req.reference in client.get(reverse("admin:software_accompanimentrequest_changelist")).content.decode()
    response = client.get(reverse("admin:software_accompanimentrequest_change", args=[req.pk]))
    assert response.status_code == 200 and "Demande soumise." in response.content.decode()
    assert client.post(reverse("admin:software_accompanimentrequest_change", args=[req.pk]),
                       {"status": "completed"}).status_code == 403
    req.refresh_from_db()
    assert req.status == "submitted"
