"""The report « Ce que nous avons entendu » of a process: generated from the data in French and English
Markdown, edited by the organiser, published, downloaded as a standalone HTML file or a PDF.

Generated sections: participation figures (a table), main themes (proposal categories and the most
frequent meaningful words of proposals and comments, stop words removed), each proposal's official
answer grouped by status, survey highlights (from the surveys part's ``survey_results``), opinion groups
(from the opinions part's ``opinion_groups``, when that part is installed), satisfaction. Participants'
text is escaped so that it cannot change the report's structure; the Markdown is sanitised when shown.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import access
from .models import Category, Conversation, Process, ProcessReport, Proposal, Survey

__all__ = ["REPORT_STOP_WORDS", "report_frequent_words", "report_generate", "report_get", "report_html",
           "report_pdf", "report_publish", "report_unpublish", "report_update"]

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REPORT_MAX_CHARS = 200_000

#: French (and a few English) words too common to say anything about a consultation's themes.
REPORT_STOP_WORDS = frozenset("""
a à afin ai aie aient aies ait alors après as au aucun aucune aupres auprès aura aurai auraient aurais aurait
aussi autre autres aux avaient avais avait avant avec avez aviez avoir avons ayant bien bon c ça car ce ceci
cela celle celles celui cependant ces cet cette ceux chaque chez ci comme comment contre d dans de depuis des
deux devrait doit donc dont du elle elles en encore entre es est et étaient étais était été être eu eux fait
faire faut fois font ici il ils j je jusqu l la là le les leur leurs lors lui m ma mais me même mêmes mes
moi moins mon n ne ni non nos notre nous on ont ou où par parce pas peu peut peuvent plus pour pourquoi
pourrait qu quand que quel quelle quelles quels qui quoi sa sans se selon ses si sien sinon soit son sont
sous sur ta tant te tes toi ton tous tout toute toutes très tu un une unes uns vers via voici voilà vos
votre vous y aussi ainsi alors beaucoup bref cas certain certaines certains chose choses déjà donc dès
également entre etc faudrait fin jamais leurs mieux moins nombre nouveau nouvelle nouvelles nouveaux oui
parfois partout peut-être plupart plusieurs pourtant puis quelque quelques rien souvent surtout toujours
trop vraiment afin cette avoir être faire the and for that with this are from have not but you your our
""".split())

WORD_RE = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœæ][a-zàâäçéèêëîïôöùûüÿœæ'’-]+", re.IGNORECASE)
MD_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")

#: The contribution types in the English report (whatever the translations installed).
ENGLISH_TYPES = {"proposals": "Proposals", "supports": "Supports", "comments": "Comments",
                 "arguments": "Debate arguments", "paragraph_comments": "Paragraph comments",
                 "responses": "Survey responses", "statements": "Statements proposed",
                 "statement_votes": "Votes on statements", "registrations": "Meeting registrations"}

STATUS_ORDER = [Proposal.Status.IMPLEMENTED, Proposal.Status.ACCEPTED, Proposal.Status.EVALUATING,
                Proposal.Status.REJECTED, Proposal.Status.PUBLISHED]


def _md(text: str) -> str:
    """Participants' text in one Markdown line, its special characters escaped."""
    text = " ".join(str(text or "").split())
    return MD_SPECIAL_RE.sub(r"\\\1", text)


def _md_block(text: str) -> str:
    """Organiser or participant text kept on several lines but escaped."""
    return "\n".join(_md(line) for line in str(text or "").splitlines() if line.strip())


def report_frequent_words(process: Process, *, limit: int = 15) -> list[tuple[str, int]]:
    """The most frequent meaningful words of the process's visible proposals and comments."""
    from .results import visible_comments

    counter: Counter = Counter()
    texts = list(Proposal.objects.filter(process=process, is_hidden=False).values_list("title", "body"))
    texts += [(body, "") for body in visible_comments(process).values_list("body", flat=True)]
    for title, body in texts:
        for word in WORD_RE.findall(f"{title} {body}".lower()):
            word = word.strip("-'’").replace("’", "'")
            if "'" in word:
                word = word.split("'")[-1]
            if len(word) < 4 or word in REPORT_STOP_WORDS:
                continue
            counter[word] += 1
    return counter.most_common(limit)


def _can_manage_or_403(user, process: Process) -> None:
    if not access.can_manage(user, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation préparent son rapport."))


def report_get(*, process: Process, user) -> ProcessReport | None:
    """The report as ``user`` may see it: published for everyone, in preparation for the managers."""
    if not access.can_view(user, process):
        raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": process.slug})
    report = ProcessReport.objects.filter(process=process).first()
    if report is None:
        return None
    if report.published_at is None and not access.can_manage(user, process):
        return None
    return report


# --- Generation ------------------------------------------------------------------------------------

def survey_results_for(survey: Survey, user) -> dict | None:
    """The surveys part's results of ``survey`` as ``user`` may see them, or ``None`` when they may not."""
    from .surveys import survey_results

    try:
        return survey_results(survey=survey, user=user)
    except (PermissionDenied, core_services.NotFound):
        return None


def _opinion_groups(conversation: Conversation) -> dict:
    from .opinions import opinion_groups

    return opinion_groups(conversation=conversation)


def _generate(process: Process, user, lang: str, dashboard: dict) -> str:
    """The report's Markdown in ``lang`` (``fr`` or ``en``)."""
    with translation.override(lang):
        english = lang == "en"

        def tr(fr: str, en: str) -> str:
            return en if english else fr

        def pick(obj, field: str) -> str:
            return (getattr(obj, f"{field}_en", "") if english else "") or getattr(obj, f"{field}_fr", "")

        lines: list[str] = []
        title = pick(process, "title")
        lines += [f"# {tr('Ce que nous avons entendu', 'What we heard')} — {_md(title)}", ""]
        org = process.organisation
        org_name = (getattr(org, "name_en", "") if english else "") or getattr(org, "name_fr", "") or org.slug
        period = ""
        if process.starts_on and process.ends_on:
            period = tr(f" du {process.starts_on:%Y-%m-%d} au {process.ends_on:%Y-%m-%d}",
                        f" from {process.starts_on:%Y-%m-%d} to {process.ends_on:%Y-%m-%d}")
        lines += [tr(f"Consultation menée par {_md(org_name)}{period}.",
                     f"Consultation led by {_md(org_name)}{period}."), ""]
        decision = pick(process, "decision")
        if decision:
            lines += [f"## {tr('La décision que la consultation éclaire', 'The decision the consultation informs')}",
                      "", _md_block(decision), ""]

        # Participation figures.
        lines += [f"## {tr('Participation', 'Participation')}", "",
                  f"| {tr('Indicateur', 'Figure')} | {tr('Nombre', 'Count')} |", "|---|---:|",
                  f"| {tr('Personnes participantes (au moins une action)', 'Participants (at least one action)')} "
                  f"| {dashboard['participants']} |"]
        from .results import CONTRIBUTION_TYPES

        counts = {row["key"]: row["count"] for row in dashboard["contributions"]}
        for key, label in CONTRIBUTION_TYPES:
            lines.append(f"| {ENGLISH_TYPES[key] if english else label} | {counts.get(key, 0)} |")
        lines += [f"| **{tr('Total des contributions', 'Total contributions')}** | "
                  f"**{dashboard['contributions_total']}** |", ""]

        # Main themes.
        categories = list(Category.objects.filter(process=process).order_by("position", "name_fr"))
        lines += [f"## {tr('Thèmes principaux', 'Main themes')}", ""]
        if categories:
            from django.db.models import Count, Q

            counts = dict(Category.objects.filter(process=process).annotate(
                n=Count("proposals", filter=Q(proposals__is_hidden=False))).values_list("pk", "n"))
            lines += [f"| {tr('Catégorie', 'Category')} | {tr('Propositions', 'Proposals')} |", "|---|---:|"]
            for category in sorted(categories, key=lambda c: -counts.get(c.pk, 0)):
                lines.append(f"| {_md(pick(category, 'name'))} | {counts.get(category.pk, 0)} |")
            lines.append("")
        words = report_frequent_words(process)
        if words:
            lines += [tr("Les mots qui reviennent le plus souvent dans les propositions et les commentaires :",
                         "The words that come up most often in proposals and comments (in French):"), ""]
            lines += [f"- {_md(word)} ({n})" for word, n in words]
            lines.append("")
        elif not categories:
            lines += [tr("Aucune proposition ni aucun commentaire n'a été reçu.", "No proposal or comment was received."),
                      ""]

        # Proposals and their answers.
        proposals = list(Proposal.objects.filter(process=process, is_hidden=False)
                         .exclude(status=Proposal.Status.WITHDRAWN).order_by("-supports_count", "number"))
        if proposals:
            lines += [f"## {tr('Les propositions et nos réponses', 'Proposals and our answers')}", ""]
            labels = {
                Proposal.Status.IMPLEMENTED: tr("Réalisées", "Implemented"),
                Proposal.Status.ACCEPTED: tr("Retenues", "Accepted"),
                Proposal.Status.EVALUATING: tr("En évaluation", "Being evaluated"),
                Proposal.Status.REJECTED: tr("Non retenues", "Not accepted"),
                Proposal.Status.PUBLISHED: tr("Sans réponse pour l'instant", "Not answered yet"),
            }
            for status in STATUS_ORDER:
                group = [p for p in proposals if p.status == status]
                if not group:
                    continue
                lines += [f"### {labels[status]} ({len(group)})", ""]
                for p in group:
                    supports = tr(f"{p.supports_count} appui{'s' if p.supports_count > 1 else ''}",
                                  f"{p.supports_count} support{'s' if p.supports_count != 1 else ''}")
                    lines.append(f"- **n° {p.number} — {_md(p.title)}** ({supports})")
                    answer = pick(p, "answer")
                    if answer:
                        lines.append(f"  {tr('Réponse', 'Answer')} : {_md(answer)}" if not english
                                     else f"  Answer: {_md(answer)}")
                lines.append("")

        # Surveys.
        surveys = list(Survey.objects.filter(process=process).order_by("position", "pk"))
        if surveys:
            lines += [f"## {tr('Questionnaires', 'Surveys')}", ""]
            for survey in surveys:
                count = survey.responses.count()
                lines += [f"### {_md(pick(survey, 'title'))}", "",
                          tr(f"{count} réponse{'s' if count > 1 else ''}.", f"{count} response{'s' if count != 1 else ''}."),
                          ""]
                results = survey_results_for(survey, user) if count else None
                for item in (results or {}).get("results", results.get("questions", []) if results else []):
                    if not isinstance(item, dict) or item.get("is_demographic"):
                        continue
                    text = item.get("text") or ""
                    if item.get("mean") is not None:
                        lines.append(f"- {_md(text)} : {tr('moyenne', 'mean')} {item['mean']}")
                    elif item.get("rows") and all("count" in r for r in item["rows"]):
                        key = "borda" if item.get("kind") == "ranking" else "count"
                        top = sorted(item["rows"], key=lambda r: -(r.get(key) or 0))[:3]
                        parts = ", ".join(f"{_md(r.get('label', ''))} ({r.get('count', 0)})" for r in top)
                        lines.append(f"- {_md(text)} : {parts}")
                lines.append("")

        # Opinion groups.
        conversations = list(Conversation.objects.filter(process=process).order_by("pk"))
        if conversations:
            lines += [f"## {tr('Groupes d’opinion', 'Opinion groups')}", ""]
            for conversation in conversations:
                lines += [f"### {_md(pick(conversation, 'title'))}", ""]
                groups = _opinion_groups(conversation)
                if not groups or not groups.get("groups"):
                    lines += [tr("Pas assez de votes pour dégager des groupes d’opinion.",
                                 "Not enough votes to find opinion groups."), ""]
                else:
                    lines += [tr(f"{groups.get('participants', 0)} personnes réparties en {len(groups['groups'])} "
                                 "groupes d’opinion selon leurs votes.",
                                 f"{groups.get('participants', 0)} people in {len(groups['groups'])} opinion "
                                 "groups from their votes."), ""]
                    for group in groups["groups"]:
                        lines.append(f"- **{tr('Groupe', 'Group')} {_md(group.get('name', ''))}** "
                                     f"({group.get('size', 0)} {tr('personnes', 'people')}) : "
                                     + "; ".join(f"{_direction(r.get('direction'), english)} « {_md(r.get('text'))} » "
                                                 f"({r.get('percent')} %)"
                                                 for r in group.get("representative", [])[:3]))
                    if groups.get("consensus"):
                        lines += ["", f"{tr('Points de consensus entre les groupes', 'Consensus across groups')} :"]
                        lines += [f"- {_direction(r.get('direction'), english)} « {_md(r.get('text'))} »"
                                  for r in groups["consensus"][:5]]
                    lines.append("")

        # Satisfaction.
        satisfaction = dashboard["satisfaction"]
        lines += [f"## {tr('Satisfaction des participants', 'Participant satisfaction')}", ""]
        if satisfaction["count"]:
            mean_fr = f"{satisfaction['mean']:.1f}".replace(".", ",")
            lines += [tr(f"{satisfaction['count']} personnes ont évalué leur expérience : note moyenne "
                         f"{mean_fr} sur 5.",
                         f"{satisfaction['count']} people rated their experience: mean score "
                         f"{satisfaction['mean']:.1f} out of 5."), ""]
        else:
            lines += [tr("Aucune évaluation de l'expérience n'a été reçue.", "No experience rating was received."), ""]
        return "\n".join(lines).strip() + "\n"


def _direction(direction, english: bool) -> str:
    if direction in ("agree", 1, "1"):
        return "agree with" if english else "d’accord avec"
    if direction in ("disagree", -1, "-1"):
        return "disagree with" if english else "en désaccord avec"
    return ""


def report_generate(*, process: Process, user, replace_edits: bool = False) -> ProcessReport:
    """Generate (or regenerate) the report from the data. An organiser's edits are kept (only the figures
    are refreshed) unless ``replace_edits``; audited."""
    from .results import process_dashboard

    _can_manage_or_403(user, process)
    dashboard = process_dashboard(process=process, user=user)  # its figures never count hidden content
    body_fr = _generate(process, user, "fr", dashboard)
    body_en = _generate(process, user, "en", dashboard)
    figures = {"participants": dashboard["participants"],
               "contributions": {row["key"]: row["count"] for row in dashboard["contributions"]},
               "satisfaction": {"count": dashboard["satisfaction"]["count"],
                                "mean": dashboard["satisfaction"]["mean"]}}
    with transaction.atomic():
        report, created = ProcessReport.objects.select_for_update().get_or_create(process=process)
        kept = report.edited_at is not None and not replace_edits and not created
        if not kept:
            report.body_fr, report.body_en = body_fr, body_en
            report.edited_at, report.edited_by = None, None
        report.figures = figures
        report.generated_at = timezone.now()
        report.save()
        core_services.audit_append(actor=user, action="consult.results.report_generate", target=report,
                                   data={"process": process.slug, "kept_edits": kept})
    report.kept_edits = kept
    return report


def report_update(*, process: Process, user, body_fr: str, body_en: str = "") -> ProcessReport:
    """The organiser's edit of the report's French and English Markdown (audited)."""
    _can_manage_or_403(user, process)
    body_fr, body_en = (body_fr or "").strip(), (body_en or "").strip()
    errors = {}
    if not body_fr:
        errors["body_fr"] = [_("Le rapport en français ne peut pas être vide.")]
    for field, value in (("body_fr", body_fr), ("body_en", body_en)):
        if len(value) > REPORT_MAX_CHARS:
            errors[field] = [_("Le rapport dépasse %(n)s caractères.") % {"n": REPORT_MAX_CHARS}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report, _created = ProcessReport.objects.select_for_update().get_or_create(process=process)
        report.body_fr, report.body_en = body_fr, body_en
        report.edited_at, report.edited_by = timezone.now(), user
        report.save()
        core_services.audit_append(actor=user, action="consult.results.report_update", target=report,
                                   data={"process": process.slug, "chars_fr": len(body_fr), "chars_en": len(body_en)})
    return report


def report_publish(*, process: Process, user) -> ProcessReport:
    """Publish the report: everyone sees it and downloads it; followers are told; the results' open
    dataset is refreshed (audited)."""
    from .outreach import followers_notify
    from .results import RESULTS_OPEN_DATA_KEY, safe_reverse

    _can_manage_or_403(user, process)
    with transaction.atomic():
        report = ProcessReport.objects.select_for_update().filter(process=process).first()
        if report is None or not report.body_fr.strip():
            raise ValidationError({"__all__": [_("Générez ou écrivez le rapport avant de le publier.")]})
        first = report.published_at is None
        report.published_at = timezone.now()
        report.save(update_fields=["published_at"])
        core_services.audit_append(actor=user, action="consult.results.report_publish", target=report,
                                   data={"process": process.slug})
        if first:
            followers_notify(process=process, target_kind="process", target_id=process.pk,
                             subject=_("Le rapport de la consultation « %(title)s » est publié")
                             % {"title": process.title_fr},
                             body=_("Découvrez ce que l'organisme a entendu et ses réponses."),
                             url=safe_reverse("consult:report", slug=process.slug), exclude=user)
        core_services.open_data_changed(RESULTS_OPEN_DATA_KEY)
    return report


def report_unpublish(*, process: Process, user) -> ProcessReport:
    _can_manage_or_403(user, process)
    with transaction.atomic():
        report = ProcessReport.objects.select_for_update().filter(process=process).first()
        if report is None or report.published_at is None:
            raise ValidationError({"__all__": [_("Le rapport n'est pas publié.")]})
        report.published_at = None
        report.save(update_fields=["published_at"])
        core_services.audit_append(actor=user, action="consult.results.report_unpublish", target=report,
                                   data={"process": process.slug})
    return report


# --- Downloads -------------------------------------------------------------------------------------

def _body(report: ProcessReport, lang: str) -> str:
    return (report.body_en if lang == "en" else "") or report.body_fr


HTML_STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5;
color:#1a1a1a}h1,h2,h3{line-height:1.25}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #888;padding:.3rem .6rem;text-align:left}td[align=right]{text-align:right}
footer{margin-top:3rem;font-size:.9rem;color:#444;border-top:1px solid #ccc;padding-top:.5rem}
"""


def report_html(report: ProcessReport, *, lang: str = "fr") -> str:
    """The report as one standalone HTML file (sanitised Markdown, inline style, no external resource)."""
    process = report.process
    title = (process.title_en if lang == "en" else "") or process.title_fr
    heading = "What we heard" if lang == "en" else "Ce que nous avons entendu"
    published = report.published_at.date().isoformat() if report.published_at else ""
    note = (f"Published on {published}." if lang == "en" else f"Publié le {published}.") if published else (
        "Draft — not published." if lang == "en" else "Version de travail — non publiée.")
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html_lib.escape(heading)} — {html_lib.escape(title)}</title>\n<style>{HTML_STYLE}</style>\n"
            f"</head>\n<body>\n<main>\n{render_markdown(_body(report, lang))}\n</main>\n"
            f"<footer><p>{html_lib.escape(note)} {html_lib.escape(process.organisation.slug.upper())}</p></footer>\n"
            f"</body>\n</html>\n")


def _pdf_fonts(pdf) -> str:
    """DejaVu Sans (accents, « ») when installed, else the core Helvetica font."""
    regular = FONT_DIR / "DejaVuSans.ttf"
    if not regular.exists():
        return "helvetica"
    pdf.add_font("DejaVu", "", str(regular))
    for style, name in (("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf"),
                        ("BI", "DejaVuSans-BoldOblique.ttf")):
        path = FONT_DIR / name
        pdf.add_font("DejaVu", style, str(path if path.exists() else regular))
    return "DejaVu"


def _core_font_text(text: str) -> str:
    """Text that the core fonts (Latin-1) can draw."""
    replacements = {"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-", "…": "...", "œ": "oe",
                    "Œ": "OE", "\u202f": " ", "\u00a0": " "}
    for a, b in replacements.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def _pdf_table(match) -> str:
    """A table with column widths (fpdf2 wants them): the first column wider."""
    inner = match.group(1)
    first_row = re.search(r"<tr>(.*?)</tr>", inner, re.S)
    cells = re.findall(r"<t[hd]\b", first_row.group(1)) if first_row else []
    n = len(cells)
    if n < 2:
        return f'<table width="100%">{inner}</table>'
    first = 70 if n == 2 else 40
    rest = (100 - first) // (n - 1)
    widths = [first] + [rest] * (n - 1)
    index = iter(widths)

    def cell(m):
        return f'<{m.group(1)} width="{next(index, rest)}%"'

    row = re.sub(r"<(t[hd])(?=[\s>])", cell, first_row.group(1))
    inner = inner[:first_row.start(1)] + row + inner[first_row.end(1):]
    return f'<table width="100%">{inner}</table>'


def _plain_pdf(report: ProcessReport, lang: str, *, family_probe: str):
    """The report's Markdown as text lines (headings in bold): when the HTML layout fails."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    family = _pdf_fonts(pdf)
    pdf.add_page()
    for line in _body(report, lang).splitlines():
        heading = re.match(r"^(#{1,6})\s+(.*)", line)
        text = heading.group(2) if heading else line
        if family != "DejaVu":
            text = _core_font_text(text)
        pdf.set_font(family, "B" if heading else "", 16 - 2 * len(heading.group(1)) if heading else 11)
        pdf.multi_cell(0, 6, text or " ", new_x="LMARGIN", new_y="NEXT")
    return pdf


def report_pdf(report: ProcessReport, *, lang: str = "fr") -> bytes:
    """The report as a PDF (fpdf2): real headings (and the PDF outline), lists and tables of figures."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    process = report.process
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    family = _pdf_fonts(pdf)
    title = (process.title_en if lang == "en" else "") or process.title_fr
    pdf.set_title(("What we heard — " if lang == "en" else "Ce que nous avons entendu — ") + title)
    pdf.set_author(process.organisation.slug.upper())
    pdf.set_lang("en-CA" if lang == "en" else "fr-CA")
    pdf.add_page()
    pdf.set_font(family, size=11)
    html = str(render_markdown(_body(report, lang)))
    # fpdf2's HTML renderer: no <thead>/<tbody> nesting issues, but it wants plain cells.
    html = re.sub(r"</?(thead|tbody)>", "", html)
    html = re.sub(r' align="(left|right|center)"', "", html)
    html = re.sub(r"<table>(.*?)</table>", _pdf_table, html, flags=re.S)
    if family != "DejaVu":
        html = _core_font_text(html)
    tag_styles = {
        "h1": FontFace(family=family, emphasis="BOLD", size_pt=18),
        "h2": FontFace(family=family, emphasis="BOLD", size_pt=14),
        "h3": FontFace(family=family, emphasis="BOLD", size_pt=12),
    }
    try:
        pdf.write_html(html, font_family=family, tag_styles=tag_styles)
    except Exception:  # noqa: BLE001 — Markdown the HTML renderer cannot lay out: the text, plainly
        import logging

        logging.getLogger("ouvert.consult").warning("report %s: PDF as plain text", report.pk, exc_info=True)
        pdf = _plain_pdf(report, lang, family_probe=family)
        family = pdf.font_family or family
    published = report.published_at.date().isoformat() if report.published_at else ""
    if published:
        pdf.ln(4)
        pdf.set_font(family, size=9)
        note = f"Published on {published}." if lang == "en" else f"Publié le {published}."
        pdf.multi_cell(0, 5, note if family == "DejaVu" else _core_font_text(note))
    return bytes(pdf.output())
