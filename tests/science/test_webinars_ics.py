"""The webinars' iCalendar files (RFC 5545): one webinar's file (the join link only in a confirmed registrant's
own file), the feed of the upcoming and recent webinars, UID, DTSTART/DTEND in UTC, a cancelled webinar
(STATUS:CANCELLED, SEQUENCE bumped), escaping and folding; and the slides: accepted by content, size limit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Webinar
from tests.science.webinars_kit import *  # noqa: F403  (fixtures: webinar_factory, people, faq_entries…)
from tests.science.webinars_kit import DAY, JOIN_URL, odp_bytes, pdf_bytes, pptx_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("with_funds")]


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def event(lines: list[str], uid: str) -> dict:
    start = lines.index(f"UID:{uid}") - 1
    assert lines[start] == "BEGIN:VEVENT"
    end = lines.index("END:VEVENT", start)
    return dict(line.split(":", 1) for line in lines[start + 1:end])


def test_one_webinars_file_has_its_uid_times_in_utc_and_no_join_link(webinar_factory, settings):
    settings.OUVERT_BASE_URL = "https://ouvert.example.gouv.qc.ca"
    start = datetime.datetime(2030, 3, 14, 13, 0, tzinfo=services.MONTREAL)
    webinar = webinar_factory(starts_at=start, title_fr="Licences, embargos; et droits")
    text = services.webinar_ics(webinar)
    lines = unfold(text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    vevent = event(lines, f"science-webinar-{webinar.pk}@ouvert.example.gouv.qc.ca")
    assert vevent["DTSTART"] == "20300314T170000Z" and vevent["DTEND"] == "20300314T183000Z"
    assert vevent["SUMMARY"] == "Licences\\, embargos\\; et droits"
    assert vevent["STATUS"] == "CONFIRMED" and vevent["SEQUENCE"] == "0"
    assert vevent["URL"] == f"https://ouvert.example.gouv.qc.ca/fr/science-ouverte/webinaires/{webinar.slug}/"
    assert vevent["LOCATION"] == "En ligne"
    assert "Marie Lavoie (Bibliothèques de l'Université de Montréal)" in vevent["DESCRIPTION"]
    assert JOIN_URL not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_registrants_own_file_holds_the_join_link_only_once_confirmed(webinar_factory, people):
    webinar = webinar_factory(capacity=1)
    confirmed = services.registration_create(actor=people[0], webinar=webinar)
    waiting = services.registration_create(actor=people[1], webinar=webinar)
    own = event(unfold(services.webinar_ics(webinar, confirmed)), f"science-webinar-{webinar.pk}@127.0.0.1")
    assert own["LOCATION"] == JOIN_URL and JOIN_URL in own["DESCRIPTION"]
    assert JOIN_URL not in services.webinar_ics(webinar, waiting)


def test_a_cancelled_webinar_says_so_with_a_higher_sequence(webinar_factory, people, fund_staff):
    webinar = webinar_factory()
    registration = services.registration_create(actor=people[0], webinar=webinar)
    services.webinar_cancel(actor=fund_staff, webinar=webinar, reason="Reporté à l'automne.")
    webinar.refresh_from_db()
    for text in (services.webinar_ics(webinar), services.webinar_ics(webinar, registration),
                 services.webinars_feed_ics()):
        vevent = event(unfold(text), f"science-webinar-{webinar.pk}@127.0.0.1")
        assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == "1"
        assert vevent["SUMMARY"].startswith("Annulé : ")
        assert "Reporté à l'automne." in vevent["DESCRIPTION"]
        assert JOIN_URL not in text


def test_the_feed_holds_the_published_upcoming_and_recent_webinars(webinar_factory):
    upcoming = webinar_factory(starts_in=30 * DAY)
    recent = webinar_factory(starts_in=-30 * DAY)
    old = webinar_factory(starts_in=-400 * DAY)
    draft = webinar_factory(is_published=False)
    text = services.webinars_feed_ics()
    uids = [line for line in unfold(text) if line.startswith("UID:")]
    assert uids == [f"UID:science-webinar-{w.pk}@127.0.0.1" for w in (recent, upcoming)]
    assert old.pk and draft.pk
    assert JOIN_URL not in text


# --- Slides --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "make", "kind"), [("diapos.pdf", pdf_bytes, "pdf"), ("diapos.pptx", pptx_bytes, "pptx"),
                                                    ("diapos.odp", odp_bytes, "odp"), ("sans-extension", pdf_bytes, "pdf")])
def test_slides_are_accepted_by_their_content(webinar_factory, fund_staff, name, make, kind):
    webinar = webinar_factory(starts_in=-2 * DAY)
    content = make()
    services.recording_set(actor=fund_staff, webinar=webinar, recording_url="https://video.example.org/seance-1",
                           slides=upload(name, content))
    stored = Webinar.objects.get(pk=webinar.pk)
    assert stored.slides.name == f"science/webinars/{webinar.slug}.{kind}"
    assert stored.recording_url == "https://video.example.org/seance-1"
    with stored.slides.open("rb") as handle:
        assert handle.read() == content
    assert AuditEntry.objects.filter(action="science.webinar.recording").get().data["slides_format"] == kind


@pytest.mark.parametrize(("name", "content"), [
    ("faux.pdf", b"Ceci n'est pas un PDF, seulement du texte."),
    ("tronque.pdf", pdf_bytes()[:100]),
    ("archive.pptx", None),  # a ZIP without a presentation
    ("texte.odp", None),  # an OpenDocument text, not a presentation
    ("script.pdf", b"<script>alert(1)</script>"),
    ("vide.pdf", b""),
])
def test_impostor_slides_are_refused_and_nothing_is_stored(webinar_factory, fund_staff, name, content):
    import io
    import zipfile

    if content is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            if name.endswith(".odp"):
                archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
                archive.writestr("content.xml", "<office:document-content/>")
            else:
                archive.writestr("word/document.xml", "<w:document/>")
        content = out.getvalue()
    webinar = webinar_factory(starts_in=-2 * DAY)
    with pytest.raises(ValidationError) as caught:
        services.recording_set(actor=fund_staff, webinar=webinar, recording_url="https://video.example.org/1",
                               slides=upload(name, content))
    assert list(caught.value.message_dict) == ["slides"]
    stored = Webinar.objects.get(pk=webinar.pk)
    assert not stored.slides and stored.recording_url == ""


def test_slides_above_the_limit_are_refused_as_too_large(webinar_factory, fund_staff, settings):
    settings.OUVERT_SCIENCE_SLIDES_MAX_BYTES = 1024
    webinar = webinar_factory(starts_in=-2 * DAY)
    big = pdf_bytes() + b"%" + b"x" * 2000 + b"\n%%EOF\n"
    with pytest.raises(services.SlidesTooLarge):
        services.recording_set(actor=fund_staff, webinar=webinar, slides=upload("grosses.pdf", big))
    assert not Webinar.objects.get(pk=webinar.pk).slides
    assert services.slides_max_bytes() == 1024
    del settings.OUVERT_SCIENCE_SLIDES_MAX_BYTES
    assert services.slides_max_bytes() == 50 * 1024 * 1024


def test_replacing_the_slides_removes_the_old_file_and_links_are_checked(webinar_factory, fund_staff,
                                                                         django_capture_on_commit_callbacks):
    webinar = webinar_factory(starts_in=-2 * DAY)
    services.recording_set(actor=fund_staff, webinar=webinar, slides=upload("a.pdf", pdf_bytes()))
    first = Webinar.objects.get(pk=webinar.pk).slides
    storage, first_name = first.storage, first.name
    with django_capture_on_commit_callbacks(execute=True):
        services.recording_set(actor=fund_staff, webinar=webinar, slides=upload("b.odp", odp_bytes()))
    assert not storage.exists(first_name)
    with django_capture_on_commit_callbacks(execute=True):
        services.recording_set(actor=fund_staff, webinar=webinar, remove_slides=True,
                               slides_url="https://diapos.example.org/seance")
    stored = Webinar.objects.get(pk=webinar.pk)
    assert not stored.slides and stored.slides_url == "https://diapos.example.org/seance"
    with pytest.raises(ValidationError) as caught:
        services.recording_set(actor=fund_staff, webinar=webinar, recording_url="ftp://x", slides_url="pas une adresse")
    assert set(caught.value.message_dict) == {"recording_url", "slides_url"}
    assert timezone.now() > stored.starts_at
