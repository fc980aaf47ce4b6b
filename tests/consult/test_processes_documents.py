"""Uploaded documents are served by ``consult:document`` to the people who may see the consultation only:
a private consultation's file is 404 for outsiders, 200 for invited people and managers; drafts only for
managers; the stored name is random (never derived from the uploaded one); the pages and the API link the
view, never the storage address."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ouvert.consult import processes
from ouvert.consult.models import Invitation, Process

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _upload(process, organiser, name="Rapport annuel 2025 — version finale.pdf", content=PDF, title="Rapport"):
    return processes.document_add(actor=organiser, process=process, title_fr=title,
                                  file=SimpleUploadedFile(name, content))


def _url(document):
    return reverse("consult:document", kwargs={"slug": document.process.slug, "pk": document.pk})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _invite(process, user):
    return Invitation.objects.create(process=process, email=user.email, user=user, token_hash=user.email,
                                     accepted_at=timezone.now())


def test_stored_name_is_random_and_not_derived_from_the_uploaded_name(process, organiser):
    names = set()
    for _n in range(2):
        document = _upload(process, organiser, name="Budget confidentiel du ministère.pdf")
        stored = Path(document.file.name)
        assert stored.parent.as_posix() == "consult/documents"
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.name), stored.name
        assert "budget" not in document.file.name.lower() and "confidentiel" not in document.file.name.lower()
        names.add(document.file.name)
    assert len(names) == 2  # the same uploaded name twice: two unrelated random names
    assert Path(django_settings.MEDIA_ROOT, document.file.name).read_bytes() == PDF


def test_public_document_downloads_with_the_right_bytes_and_headers(client, process, organiser):
    document = _upload(process, organiser, title="Portrait de l'habitation")
    response = client.get(_url(document))
    assert response.status_code == 200
    assert _body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "/" not in disposition
    expected = processes.document_download_name(document)
    assert expected.endswith(".pdf") and "/" not in expected and '"' not in expected
    assert expected in disposition or "filename*=utf-8''" in disposition
    assert client.head(_url(document)).status_code == 200
    assert client.post(_url(document)).status_code == 405


def test_private_document_is_404_for_outsiders_and_200_for_invited_people_and_managers(
        client, process_factory, organiser, citizen):
    private = process_factory(visibility=Process.Visibility.PRIVATE)
    document = _upload(private, organiser)
    url = _url(document)
    assert client.get(url).status_code == 404  # anonymous
    outsider = citizen(1)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    _invite(private, citizen(2))
    client.force_login(citizen(2))
    response = client.get(url)
    assert response.status_code == 200 and _body(response) == PDF
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    client.force_login(organiser)
    response = client.get(url)
    assert response.status_code == 200 and _body(response) == PDF
    # Another consultation's address does not open it, nor does a made-up number.
    other = process_factory()
    assert client.get(reverse("consult:document", kwargs={"slug": other.slug, "pk": document.pk})).status_code == 404
    assert client.get(reverse("consult:document", kwargs={"slug": private.slug, "pk": 987654})).status_code == 404


def test_draft_document_only_for_managers(client, process_factory, organiser, mamh_member, citizen):
    draft = process_factory(published_at=None)
    document = _upload(draft, organiser)
    for person in (citizen(1), mamh_member):
        client.force_login(person)
        assert client.get(_url(document)).status_code == 404
    client.force_login(organiser)
    assert client.get(_url(document)).status_code == 200


def test_link_documents_and_missing_files_are_404(client, process, organiser):
    link = processes.document_add(actor=organiser, process=process, title_fr="Lien", url="https://example.org/d")
    assert client.get(_url(link)).status_code == 404
    document = _upload(process, organiser)
    Path(django_settings.MEDIA_ROOT, document.file.name).unlink()
    assert client.get(_url(document)).status_code == 404


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("données.csv", "commune;logements\nLévis;1200\n".encode(), "text/csv"),
    ("note.txt", b"Bonjour", "text/plain"),
])
def test_content_type_follows_the_checked_type(client, process, organiser, name, content, content_type):
    document = _upload(process, organiser, name=name, content=content)
    response = client.get(_url(document))
    assert response["Content-Type"] == content_type and _body(response) == content


def test_download_name_is_safe(process, organiser):
    document = _upload(process, organiser, name='..\\..\\etc\\pa"ss\r\nwd;x.pdf', title='Un "titre"\r\n/../x')
    name = processes.document_download_name(document)
    assert name.endswith(".pdf")
    assert not re.search(r'[\x00-\x1f"/\\;]', name) and ".." not in name


def test_pages_and_api_link_the_view_not_the_storage(client, process_factory, organiser, citizen):
    private = process_factory(visibility=Process.Visibility.PRIVATE)
    document = _upload(private, organiser, title="Étude d'impact")
    _invite(private, citizen(1))
    client.force_login(citizen(1))
    html = client.get(reverse("consult:process", kwargs={"slug": private.slug})).content.decode()
    assert f'href="{_url(document)}"' in html and "/media/" not in html and document.file.name not in html
    body = client.get(f"/api/v1/consult/processes/{private.slug}").json()
    assert [d["url"] for d in body["documents"]] == [_url(document)]
    client.force_login(organiser)
    html = client.get(reverse("consult:wizard", kwargs={"slug": private.slug, "step": "information"})).content.decode()
    assert f'href="{_url(document)}"' in html and document.file.name not in html
