"""The report « Ce que nous avons entendu »: generated content (figures, themes, each proposal's answer,
surveys, opinion groups, satisfaction), the organiser's edits kept on regeneration unless asked,
publication, permissions, hostile Markdown, downloads (standalone HTML; PDF read back: no PDF library is
installed, so ``pdf_text`` below decodes fpdf2's output itself — Flate streams, the fonts' ToUnicode
maps, the ``Tj`` strings), pages and API."""

import re
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from ouvert.consult import services
from ouvert.consult.models import ProcessReport, SatisfactionResponse
from ouvert.core.models import AuditEntry

from .test_results_dashboard import build_results_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def results_data(process, citizen):
    data = build_results_data(process, citizen)
    SatisfactionResponse.objects.create(process=process, user=data["people"][0], score=4, comment="Bien")
    SatisfactionResponse.objects.create(process=process, user=data["people"][1], score=5)
    return data


# --- Reading a PDF back ------------------------------------------------------------------------------

def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}


def _stream(obj: bytes) -> bytes:
    m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", obj, re.S)
    if not m:
        return b""
    raw = m.group(1)
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return raw


def _pdf_string(data: bytes, start: int) -> tuple[bytes, int]:
    """The literal string that starts after ``(`` at ``start``, and the index after its ``)``."""
    out, i, depth = bytearray(), start, 1
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(data):
        c = data[i]
        if c == 0x5C:  # backslash
            nxt = data[i + 1]
            if nxt in escapes:
                out.append(escapes[nxt])
                i += 2
            elif 0x30 <= nxt <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4]).group(0)
                out.append(int(digits, 8))
                i += 1 + len(digits)
            else:
                out.append(nxt)
                i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1
    return bytes(out), i


def pdf_text(data: bytes) -> str:
    objects = _objects(data)
    fonts = {}
    for m in re.finditer(rb"/F(\d+) (\d+) 0 R", data):
        font = objects.get(int(m.group(2)), b"")
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
        if to_unicode is None:
            descendant = re.search(rb"/DescendantFonts \[(\d+) 0 R\]", font)
            font = objects.get(int(descendant.group(1)), b"") if descendant else b""
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
        cmap = {}
        if to_unicode:
            text = _stream(objects[int(to_unicode.group(1))])
            for a, b in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>", text):
                cmap[int(a, 16)] = bytes.fromhex(b.decode()).decode("utf-16-be")
        fonts[m.group(1).decode()] = cmap
    lines = []
    for obj in objects.values():
        content = _stream(obj)
        if b" Tj" not in content:
            continue
        font = None
        i = 0
        while i < len(content):
            tf = re.compile(rb"/F(\d+) [\d.]+ Tf").match(content, i)
            if tf:
                font = tf.group(1).decode()
                i = tf.end()
                continue
            if content[i] == 0x28:
                raw, i = _pdf_string(content, i + 1)
                cmap = fonts.get(font) or {}
                if cmap:
                    codes = [int.from_bytes(raw[k:k + 2], "big") for k in range(0, len(raw) - 1, 2)]
                    lines.append("".join(cmap.get(code, "") for code in codes))
                else:
                    lines.append(raw.decode("latin-1"))
                continue
            i += 1
    return " ".join("\n".join(lines).split())


# --- Generation ------------------------------------------------------------------------------------

def test_generate_content(process, results_data, organiser):
    report = services.report_generate(process=process, user=organiser)
    fr, en = report.body_fr, report.body_en
    assert fr.startswith("# Ce que nous avons entendu — ")
    assert "| Personnes participantes (au moins une action) | 6 |" in fr
    assert "| Propositions | 2 |" in fr and "| Appuis | 3 |" in fr
    # Themes: categories and frequent words (stop words removed).
    assert "| Transport | 1 |" in fr and "| Logement | 1 |" in fr
    assert "- pistes (" in fr and "- cyclables (" in fr
    assert "- des (" not in fr and "- les (" not in fr
    # Each proposal's official answer, grouped by status; hidden content absent.
    assert "### Retenues (1)" in fr and "Nous construirons vingt kilomètres de pistes." in fr
    assert "### Non retenues (1)" in fr and "Hors du mandat de cette consultation." in fr
    assert "Publicité cachée" not in fr and "Injure" not in fr
    assert "### Vos déplacements" in fr and "6 réponses." in fr
    assert "## Groupes d’opinion" in fr and "### L'avenir du transport" in fr
    assert "note moyenne 4,5 sur 5" in fr
    assert "| Survey responses | 6 |" in en and "mean score 4.5 out of 5" in en
    assert en.startswith("# What we heard — ") and "We will build twenty kilometres of lanes." in en
    assert report.figures["participants"] == 6 and report.figures["contributions"]["responses"] == 6
    assert report.published_at is None
    assert AuditEntry.objects.filter(action="consult.results.report_generate").count() == 1


def test_opinion_groups_in_the_report(process, results_data, organiser, make_user):
    """Two camps vote opposite ways on the same statements: the report names two opinion groups, each with
    the statements it agrees on, and the statement everyone agrees with as consensus."""
    from ouvert.consult import opinions
    from ouvert.consult.models import StatementVote

    conversation = opinions.conversation_create(actor=organiser, process=process, data={
        "slug": "tramway", "title_fr": "Le tramway", "seeds": [
            "Le tramway est prioritaire.", "Il faut plus de stationnement.", "Les autobus doivent être gratuits.",
            "Il faut élargir l'autoroute.", "Les pistes cyclables sont utiles.", "Le péage urbain est juste.",
            "Le vélo d'hiver est possible."]})
    statements = list(conversation.statements.order_by("pk"))
    camp_a = [1, -1, 1, -1, 1, 1, 1]
    camp_b = [-1, 1, -1, 1, -1, -1, 1]
    votes = []
    for n in range(24):
        person = make_user(email=f"votant{n}@example.org")
        pattern = camp_a if n < 12 else camp_b
        votes += [StatementVote(statement=s, conversation=conversation, user=person, value=v)
                  for s, v in zip(statements, pattern, strict=True)]
    StatementVote.objects.bulk_create(votes)
    groups = opinions.opinion_groups(conversation=conversation, refresh=True)
    assert groups["status"] == "ok" and len(groups["groups"]) == 2
    fr = services.report_generate(process=process, user=organiser).body_fr
    assert "24 personnes réparties en 2 groupes d’opinion" in fr
    assert "d’accord avec « Le tramway est prioritaire. »" in fr
    assert "d’accord avec « Il faut plus de stationnement. »" in fr
    assert "Points de consensus entre les groupes" in fr and "« Le vélo d'hiver est possible. »" in fr


def test_participant_markdown_cannot_break_the_report(process, results_data, organiser):
    p1 = results_data["proposals"][0]
    p1.title = "# Titre [lien](javascript:alert(1)) <script>x</script> | col"
    p1.save()
    fr = services.report_generate(process=process, user=organiser).body_fr
    assert "\n# Titre" not in fr and r"\[lien\]" in fr and r"\<script\>" in fr and r"\| col" in fr
    client = Client()
    client.force_login(organiser)
    html = client.get(f"/fr/consultations/{process.slug}/rapport/").content.decode()
    assert "<script>x</script>" not in html and 'href="javascript' not in html


def test_regenerate_keeps_edits_unless_asked(process, results_data, organiser):
    services.report_generate(process=process, user=organiser)
    services.report_update(process=process, user=organiser, body_fr="# Mon rapport\n\nTexte révisé.", body_en="")
    SatisfactionResponse.objects.create(process=process, user=results_data["people"][2], score=1)
    report = services.report_generate(process=process, user=organiser)
    assert report.kept_edits and report.body_fr == "# Mon rapport\n\nTexte révisé."
    assert report.figures["satisfaction"]["count"] == 3  # the figures are refreshed
    report = services.report_generate(process=process, user=organiser, replace_edits=True)
    assert not report.kept_edits and report.body_fr.startswith("# Ce que nous avons entendu")


def test_permissions_and_validation(process, results_data, organiser, mamh_member, citizen):
    for person in (mamh_member, citizen(50), None):
        with pytest.raises(PermissionDenied):
            services.report_generate(process=process, user=person)
    with pytest.raises(ValidationError):
        services.report_publish(process=process, user=organiser)  # nothing to publish yet
    services.report_generate(process=process, user=organiser)
    with pytest.raises(ValidationError) as exc:
        services.report_update(process=process, user=organiser, body_fr="   ", body_en="x")
    assert "body_fr" in exc.value.message_dict
    assert ProcessReport.objects.get(process=process).body_fr.startswith("# Ce que nous avons entendu")
    with pytest.raises(ValidationError):
        services.report_update(process=process, user=organiser, body_fr="x" * 200_001)


def test_publish_notifies_and_shows(process, results_data, organiser):
    from ouvert.consult.outreach import follow
    from ouvert.core.models import Notification

    follower = results_data["people"][0]
    follow(user=follower, process=process)
    services.report_generate(process=process, user=organiser)
    assert services.report_get(process=process, user=None) is None  # not published: hidden from the public
    assert Client().get(f"/fr/consultations/{process.slug}/rapport/").status_code == 404
    services.report_publish(process=process, user=organiser)
    assert Notification.objects.filter(recipient=follower, subject__contains="rapport").count() == 1
    html = Client().get(f"/fr/consultations/{process.slug}/rapport/").content.decode()
    assert "<h1>Ce que nous avons entendu" in html and "Nous construirons vingt kilomètres" in html
    assert "<table>" in html
    services.report_publish(process=process, user=organiser)  # again: no second notification
    assert Notification.objects.filter(recipient=follower, subject__contains="rapport").count() == 1
    services.report_unpublish(process=process, user=organiser)
    assert services.report_get(process=process, user=None) is None


def test_downloads_html_and_pdf(process, results_data, organiser):
    services.report_generate(process=process, user=organiser)
    services.report_publish(process=process, user=organiser)
    client = Client()
    response = client.get(f"/fr/consultations/{process.slug}/rapport/telecharger.html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "attachment" in response["Content-Disposition"]
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html and "<style>" in html
    assert "<h2>Participation</h2>" in html and "Nous construirons vingt kilomètres de pistes." in html
    assert "<script" not in html and "http" not in html.split("<main>")[0].replace("http-equiv", "")
    english = client.get(f"/fr/consultations/{process.slug}/rapport/telecharger.html?langue=en").content.decode()
    assert '<html lang="en">' in english and "What we heard" in english

    response = client.get(f"/fr/consultations/{process.slug}/rapport/telecharger.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-") and b"DejaVu" in data
    assert len(re.findall(rb"/Type /Page\b", data)) >= 1
    text = pdf_text(data)
    assert "Ce que nous avons entendu" in text
    assert "Personnes participantes (au moins une action)" in text
    assert "Nous construirons vingt kilomètres de pistes." in text
    assert "Retenues (1)" in text and "Vos déplacements" in text
    text_en = pdf_text(client.get(f"/fr/consultations/{process.slug}/rapport/telecharger.pdf?langue=en").content)
    assert "What we heard" in text_en and "We will build twenty kilometres of lanes." in text_en


def test_pdf_falls_back_to_a_core_font(process, results_data, organiser, monkeypatch, tmp_path):
    from ouvert.consult import results_report

    monkeypatch.setattr(results_report, "FONT_DIR", tmp_path)
    report = services.report_generate(process=process, user=organiser)
    data = services.report_pdf(report)
    assert data.startswith(b"%PDF-") and b"DejaVu" not in data and b"Helvetica" in data
    assert "Ce que nous avons entendu" in pdf_text(data)


def test_download_of_an_unpublished_report_is_for_managers(process, results_data, organiser):
    services.report_generate(process=process, user=organiser)
    assert Client().get(f"/fr/consultations/{process.slug}/rapport/telecharger.pdf").status_code == 404
    client = Client()
    client.force_login(organiser)
    assert client.get(f"/fr/consultations/{process.slug}/rapport/telecharger.pdf").status_code == 200


def test_edit_page_generate_preview_save_publish(process, results_data, organiser, citizen):
    url = f"/fr/consultations/{process.slug}/rapport/modifier/"
    outsider = Client()
    outsider.force_login(citizen(60))
    assert outsider.get(url).status_code == 403
    assert outsider.post(url, {"action": "generate"}).status_code == 403
    client = Client()
    client.force_login(organiser)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "generate"}).status_code == 302
    report = ProcessReport.objects.get(process=process)
    response = client.post(url, {"action": "preview", "body_fr": "# Aperçu\n\n**gras** <script>x</script>",
                                 "body_en": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>gras</strong>" in html and "<script>x</script>" not in html
    report.refresh_from_db()
    assert report.edited_at is None  # a preview saves nothing
    response = client.post(url, {"action": "save", "body_fr": "", "body_en": "x"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert client.post(url, {"action": "publish", "body_fr": "# Rapport final\n\nMerci.", "body_en": "# Final"}) \
        .status_code == 302
    report.refresh_from_db()
    assert report.published_at is not None and report.body_fr == "# Rapport final\n\nMerci."
    assert client.post(url, {"action": "bogus"}).status_code == 400


def test_api_report(process, results_data, organiser, citizen):
    base = f"/api/v1/consult/processes/{process.slug}/report"
    anonymous = Client()
    assert anonymous.get(base).status_code == 404
    assert anonymous.post(f"{base}/generate", content_type="application/json").status_code == 401
    someone = Client()
    someone.force_login(citizen(70))
    assert someone.post(f"{base}/generate", {}, content_type="application/json").status_code == 403
    client = Client()
    client.force_login(organiser)
    data = client.post(f"{base}/generate", {}, content_type="application/json").json()
    assert data["body_fr"].startswith("# Ce que nous avons entendu") and data["kept_edits"] is False
    response = client.put(base, {"body_fr": "", "body_en": ""}, content_type="application/json")
    assert response.status_code == 400 and "body_fr" in response.json()["errors"]
    assert client.put(base, {"body_fr": "# Édité", "body_en": "# Edited"}, content_type="application/json") \
        .json()["body_fr"] == "# Édité"
    assert client.post(f"{base}/generate", {}, content_type="application/json").json()["kept_edits"] is True
    assert client.post(f"{base}/publish").json()["published_at"]
    assert anonymous.get(base).json()["body_en"] == "# Edited"


def test_pdf_of_any_markdown_the_organiser_writes(process, results_data, organiser):
    """Tables the HTML layout cannot handle still give a PDF (the text, plainly)."""
    services.report_generate(process=process, user=organiser)
    body = ("# Rapport « spécial »\n\n<table><tr><td>seule</td></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 | 3 |\n\n- élément\n\n```\ncode\n```\n")
    report = services.report_update(process=process, user=organiser, body_fr=body)
    text = pdf_text(services.report_pdf(report))
    assert "Rapport « spécial »" in text and "élément" in text
