"""What the webinars' and FAQ's tests share: a webinar made through the services (by the FRQ's staff), people
to register, slides files of each accepted kind (and impostors), and FAQ entries."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ouvert.science import services

JOIN_URL = "https://visio.example.org/salle-libre-acces-42"
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def with_funds(funds):
    """The FRQ's funds exist: its staff (``fund_staff``) are science managers only then."""
    return funds


@pytest.fixture
def webinar_factory(db, with_funds, fund_staff):
    counter = iter(range(1, 100000))

    def make(*, capacity=2, starts_in=7 * DAY, duration=90 * 60, speakers=None, **fields):
        n = next(counter)
        start = fields.pop("starts_at", None) or timezone.now() + starts_in
        data = {"title_fr": f"Déposer son manuscrit accepté ({n})", "title_en": f"Depositing your accepted manuscript ({n})",
                "description_fr": "Comment **déposer** le manuscrit accepté dans le dépôt institutionnel, sans embargo.",
                "starts_at": start, "ends_at": start + datetime.timedelta(seconds=duration), "capacity": capacity,
                "join_url": JOIN_URL, "is_published": True, "registration_open": True, "language": "fr"}
        data.update(fields)
        if speakers is None:
            speakers = [{"name": "Marie Lavoie", "affiliation": "Bibliothèques de l'Université de Montréal",
                         "bio_fr": "Bibliothécaire spécialiste du libre accès."}]
        return services.webinar_create(actor=fund_staff, data=data, speakers=speakers)
    return make


@pytest.fixture
def people(make_user):
    """Five signed-in people, in the order they register."""
    return [make_user(email=f"participante{n}@example.org", full_name=f"Participante {n}") for n in range(1, 6)]


def pdf_bytes() -> bytes:
    """A small valid PDF (one empty page), written by hand with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pptx_bytes() -> bytes:
    """The parts an OOXML presentation package holds at least (ECMA-376 part 2)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+'
                         'xml"/></Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/relationships"/>')
        archive.writestr("ppt/presentation.xml", '<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://'
                         'schemas.openxmlformats.org/presentationml/2006/main"/>')
    return out.getvalue()


def odp_bytes() -> bytes:
    """An OpenDocument presentation written by odfpy."""
    from odf.draw import Page
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout

    document = OpenDocumentPresentation()
    layout = PageLayout(name="Mise-en-page")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    document.presentation.addElement(Page(masterpagename=master))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


FAQ_ENTRIES = [
    {"category_fr": "La politique", "category_en": "The policy", "slug": "libre-acces-immediat",
     "question_fr": "Que veut dire « libre accès immédiat » ?", "question_en": "What does immediate open access mean?",
     "answer_fr": "L'article est lisible par tous dès sa publication, **sans embargo**, sous une licence ouverte.",
     "answer_en": "The article can be read by anyone from publication day, **without an embargo**, under an open licence."},
    {"category_fr": "La politique", "category_en": "The policy", "slug": "embargo-editeur",
     "question_fr": "Mon éditeur impose un embargo de douze mois : que faire ?",
     "question_en": "My publisher imposes a twelve-month embargo: what can I do?",
     "answer_fr": "Appliquez la stratégie de rétention des droits : la licence CC BY du manuscrit accepté prime.",
     "answer_en": "Use the rights retention strategy: the CC BY licence on the accepted manuscript comes first."},
    {"category_fr": "Déposer", "category_en": "Depositing", "slug": "ou-deposer",
     "question_fr": "Où déposer mon manuscrit accepté ?", "question_en": "Where do I deposit my accepted manuscript?",
     "answer_fr": "Dans le dépôt institutionnel de votre université (Papyrus, Corpus, Espace…).",
     "answer_en": "In your university's institutional repository (Papyrus, Corpus, Espace…)."},
]


@pytest.fixture
def faq_entries(with_funds, fund_staff):
    return [services.faq_create(actor=fund_staff, data=dict(entry)) for entry in FAQ_ENTRIES]
