"""Exports of a process's components (CSV, JSON, XLSX) and the open dataset of anonymised results.

Two versions of every table:

- **full**, for the process's managers: every column, the authors' names, e-mails and ids, hidden content
  (marked ``is_hidden``);
- **public, anonymised**, for everyone who can see the process: no name, e-mail or user id; each
  participant is a pseudonym (``P-`` + 12 hex digits) that is the same across the tables of one process
  and different in every other process, computed with a keyed hash (HMAC-SHA-256 with the platform's
  secret key): it cannot be worked out from the user id. Anonymous surveys' responses get their own
  pseudonym (``R-…``) that links to nothing else. Hidden content and socio-demographic answers (only
  shown aggregated, on the dashboard) are left out.

Rows are produced lazily (``iterator()``), so that the views stream big exports.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from . import access
from .models import (
    Answer,
    Comment,
    Conversation,
    Debate,
    Meeting,
    Process,
    Proposal,
    Question,
    Response,
    Statement,
    StatementVote,
    Survey,
    TargetKind,
)

__all__ = ["EXPORT_COMPONENTS", "EXPORT_FORMATS", "ExportTable", "export_components", "export_csv_chunks",
           "export_json_chunks", "export_table", "export_xlsx_bytes", "participant_pseudonym"]

#: Components that can be exported (plus ``responses-<survey slug>``, one per survey).
EXPORT_COMPONENTS = ("proposals", "supports", "comments", "arguments", "statements", "votes", "meetings")
EXPORT_FORMATS = ("csv", "json", "xlsx")
CHUNK = 500


@dataclass
class ExportTable:
    component: str
    columns: list[str]
    rows: Iterable[list]
    filename: str
    public: bool


def participant_pseudonym(process_id: int, user_id: int | None, *, prefix: str = "P") -> str:
    """A stable pseudonym of a person within one process, not derivable from the user id."""
    if user_id is None:
        return ""
    key = str(settings.SECRET_KEY).encode()
    digest = hmac.new(key, f"ouvert.consult.pseudonym:{process_id}:{user_id}".encode(), hashlib.sha256)
    return f"{prefix}-{digest.hexdigest()[:12]}"


def _respondent_pseudonym(process_id: int, respondent: str) -> str:
    key = str(settings.SECRET_KEY).encode()
    digest = hmac.new(key, f"ouvert.consult.respondent:{process_id}:{respondent}".encode(), hashlib.sha256)
    return f"R-{digest.hexdigest()[:12]}"


def _iso(value) -> str:
    return value.isoformat() if value else ""


def export_components(process: Process, *, user) -> list[dict]:
    """The tables that ``user`` may export from ``process`` (with their labels)."""
    manager = access.can_manage(user, process)
    labels = {
        "proposals": _("Propositions (avec réponses et nombres d'appuis)"),
        "supports": _("Appuis par proposition"),
        "comments": _("Commentaires"),
        "arguments": _("Arguments des débats"),
        "statements": _("Énoncés d'opinion"),
        "votes": _("Votes sur les énoncés (matrice)"),
        "meetings": _("Rencontres"),
    }
    rows = [{"component": c, "label": labels[c]} for c in EXPORT_COMPONENTS]
    surveys = Survey.objects.filter(process=process).order_by("position", "pk")
    if not manager:
        surveys = surveys.filter(results_public=True)
    for survey in surveys:
        rows.append({"component": f"responses-{survey.slug}",
                     "label": _("Réponses au questionnaire « %(title)s »") % {"title": survey.title}})
    return rows


def export_table(*, process: Process, user, component: str, public: bool | None = None) -> ExportTable:
    """The table ``component`` of ``process`` as ``user`` may export it: the full version for its
    managers (unless ``public``), the anonymised one for everyone else."""
    if not access.can_view(user, process):
        raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": process.slug})
    manager = access.can_manage(user, process)
    if public is None:
        public = not manager
    if not public and not manager:
        raise PermissionDenied(_("Seuls les organisateurs de la consultation obtiennent l'export complet."))
    builders = {"proposals": _proposals, "supports": _supports, "comments": _comments, "arguments": _arguments,
                "statements": _statements, "votes": _votes, "meetings": _meetings}
    if component in builders:
        columns, rows = builders[component](process, public)
    elif component.startswith("responses-"):
        survey = Survey.objects.filter(process=process, slug=component.removeprefix("responses-")).first()
        if survey is None or (not survey.results_public and not manager):
            raise core_services.NotFound(_("Questionnaire introuvable."))
        columns, rows = _responses(process, survey, public)
    else:
        raise core_services.NotFound(_("Export « %(name)s » inconnu : choisissez parmi %(names)s.") % {
            "name": component, "names": ", ".join((*EXPORT_COMPONENTS, "responses-<questionnaire>"))})
    suffix = "" if public else "-complet"
    return ExportTable(component=component, columns=columns, rows=rows,
                       filename=f"{process.slug}-{component}{suffix}", public=public)


# --- Tables ----------------------------------------------------------------------------------------

def _person_columns(public: bool) -> list[str]:
    return ["participant"] if public else ["participant", "user_id", "name", "email"]


def _person(process_id: int, user, public: bool) -> list:
    pseudonym = participant_pseudonym(process_id, user.pk if user else None)
    if public:
        return [pseudonym]
    return [pseudonym, user.pk if user else "", (user.full_name if user else ""), (user.email if user else "")]


def _proposals(process: Process, public: bool):
    columns = ["number", "title", "body", "category", "status", "answer_fr", "answer_en", "answered_at",
               "supports_count", "comments_count", "address", "latitude", "longitude", "created_at",
               *_person_columns(public)]
    if not public:
        columns.append("is_hidden")
    qs = Proposal.objects.filter(process=process).select_related("category", "author").order_by("number")
    if public:
        qs = qs.filter(is_hidden=False)

    def rows():
        for p in qs.iterator(chunk_size=CHUNK):
            row = [p.number, p.title, p.body, p.category.name_fr if p.category_id else "", p.status, p.answer_fr,
                   p.answer_en, _iso(p.answered_at), p.supports_count, p.comments_count, p.address,
                   p.latitude if p.latitude is not None else "", p.longitude if p.longitude is not None else "",
                   _iso(p.created_at), *_person(process.pk, p.author, public)]
            if not public:
                row.append(p.is_hidden)
            yield row

    return columns, rows()


def _supports(process: Process, public: bool):
    columns = ["number", "title", "status", "supports_count", "threshold", "threshold_reached"]
    qs = Proposal.objects.filter(process=process).order_by("-supports_count", "number")
    if public:
        qs = qs.filter(is_hidden=False)
    threshold = process.support_threshold

    def rows():
        for p in qs.values_list("number", "title", "status", "supports_count").iterator(chunk_size=CHUNK):
            yield [*p, threshold or "", bool(threshold) and p[3] >= threshold]

    return columns, rows()


def _comment_rows(process: Process, public: bool, qs, extra):
    from .results import visible_comments

    columns = ["id", "target_kind", "target_id", "parent_id", "depth", "stance", "body", "upvotes", "downvotes",
               "created_at", *extra[0], *_person_columns(public)]
    if not public:
        columns.append("is_hidden")

    def rows():
        visible = qs.filter(pk__in=visible_comments(process).values("pk")) if public else qs
        for c in visible.select_related("author").order_by("pk").iterator(chunk_size=CHUNK):
            row = [c.pk, c.target_kind, c.target_id, c.parent_id or "", c.depth, c.stance,
                   "" if c.deleted_at else c.body, c.upvotes, c.downvotes, _iso(c.created_at), *extra[1](c),
                   *_person(process.pk, c.author, public)]
            if not public:
                row.append(c.is_hidden)
            yield row

    return columns, rows()


def _comments(process: Process, public: bool):
    qs = Comment.objects.filter(process=process).exclude(target_kind=TargetKind.DEBATE)
    return _comment_rows(process, public, qs, ([], lambda c: []))


def _arguments(process: Process, public: bool):
    debates = {d.pk: d.title_fr for d in Debate.objects.filter(process=process)}
    qs = Comment.objects.filter(process=process, target_kind=TargetKind.DEBATE)
    return _comment_rows(process, public, qs, (["debate"], lambda c: [debates.get(c.target_id, "")]))


def _statements(process: Process, public: bool):
    columns = ["id", "conversation", "text", "is_seed", "status", "agree", "disagree", "pass", "created_at",
               *_person_columns(public)]
    if not public:
        columns.append("is_hidden")
    qs = Statement.objects.filter(conversation__process=process).select_related("conversation", "author") \
        .order_by("conversation_id", "pk")
    if public:
        qs = qs.filter(is_hidden=False, status=Statement.Status.ACCEPTED)

    def rows():
        for s in qs.iterator(chunk_size=CHUNK):
            row = [s.pk, s.conversation.slug, s.text, s.is_seed, s.status, s.agree_count, s.disagree_count,
                   s.pass_count, _iso(s.created_at), *_person(process.pk, s.author, public)]
            if not public:
                row.append(s.is_hidden)
            yield row

    return columns, rows()


def _votes(process: Process, public: bool):
    """One row per participant, one column per statement: 1 agree, -1 disagree, 0 pass, empty: no vote."""
    statements = Statement.objects.filter(conversation__process=process).order_by("conversation_id", "pk")
    if public:
        statements = statements.filter(is_hidden=False, status=Statement.Status.ACCEPTED)
    ids = list(statements.values_list("pk", flat=True))
    index = {pk: i for i, pk in enumerate(ids)}
    slugs = dict(Conversation.objects.filter(process=process).values_list("pk", "slug"))
    columns = [*_person_columns(public), "conversation", *[f"statement_{pk}" for pk in ids]]

    def rows():
        from django.contrib.auth import get_user_model

        current, row, conversation, person = None, None, None, []
        votes = StatementVote.objects.filter(statement_id__in=ids).order_by("conversation_id", "user_id") \
            .values_list("conversation_id", "user_id", "statement_id", "value")
        people = {}
        if not public:
            user_ids = StatementVote.objects.filter(statement_id__in=ids).values("user_id")
            people = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids).only("pk", "full_name",
                                                                                              "email")}
        for conversation_id, user_id, statement_id, value in votes.iterator(chunk_size=CHUNK * 4):
            if (conversation_id, user_id) != current:
                if row is not None:
                    yield [*person, conversation, *row]
                current = (conversation_id, user_id)
                conversation = slugs.get(conversation_id, "")
                person = _person(process.pk, people.get(user_id) or _Ref(user_id), public)
                row = [""] * len(ids)
            row[index[statement_id]] = value
        if row is not None:
            yield [*person, conversation, *row]

    return columns, rows()


class _Ref:
    """A person known only by id (public tables need nothing else)."""

    def __init__(self, pk):
        self.pk, self.full_name, self.email = pk, "", ""


def _meetings(process: Process, public: bool):
    columns = ["id", "title_fr", "title_en", "mode", "starts_at", "ends_at", "place", "address", "latitude",
               "longitude", "capacity", "registrations_count", "attendees_count", "minutes_published_at"]
    if not public:
        columns += ["online_url"]

    def rows():
        for m in Meeting.objects.filter(process=process).order_by("starts_at", "pk").iterator(chunk_size=CHUNK):
            row = [m.pk, m.title_fr, m.title_en, m.mode, _iso(m.starts_at), _iso(m.ends_at), m.place, m.address,
                   m.latitude if m.latitude is not None else "", m.longitude if m.longitude is not None else "",
                   m.capacity, m.registrations_count, m.attendees_count if m.attendees_count is not None else "",
                   _iso(m.minutes_published_at)]
            if not public:
                row.append(m.online_url)
            yield row

    return columns, rows()


def _answer_text(question: Question, value, file_name: str, public: bool) -> str:
    if question.kind == Question.Kind.FILE:
        if not file_name:
            return ""
        return _("fichier joint") if public else file_name
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _responses(process: Process, survey: Survey, public: bool):
    """One row per response, one column per question (``q<position>``; choices as their keys)."""
    questions = list(survey.questions.order_by("position", "pk"))
    if public:
        questions = [q for q in questions if not q.is_demographic]
    qindex = {q.pk: i for i, q in enumerate(questions)}
    columns = ["response", "created_at"]
    if not public:
        columns += ["user_id", "name", "email", "demographics_consent"]
    columns += [f"q{q.position} {q.text_fr}"[:200] for q in questions]

    def rows():
        responses = Response.objects.filter(survey=survey).select_related("user").order_by("pk")
        for chunk in _chunks(responses.iterator(chunk_size=CHUNK), CHUNK):
            answers: dict[int, list] = {}
            for response_id, question_id, value, file_name in (
                    Answer.objects.filter(response__in=[r.pk for r in chunk], question_id__in=list(qindex))
                    .values_list("response_id", "question_id", "value", "file")):
                answers.setdefault(response_id, [""] * len(questions))[qindex[question_id]] = _answer_text(
                    questions[qindex[question_id]], value, file_name, public)
            for r in chunk:
                if survey.anonymous or r.user_id is None:
                    pseudonym = _respondent_pseudonym(process.pk, r.respondent)
                else:
                    pseudonym = participant_pseudonym(process.pk, r.user_id)
                row = [pseudonym, _iso(r.created_at)]
                if not public:
                    user = r.user
                    row += [user.pk if user else "", user.full_name if user else "", user.email if user else "",
                            r.demographics_consent]
                yield row + answers.get(r.pk, [""] * len(questions))

    return columns, rows()


def _chunks(iterator: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- Formats ---------------------------------------------------------------------------------------

def _cell(value):
    if value is None:
        return ""
    return value


def export_csv_chunks(table: ExportTable) -> Iterator[str]:
    """The table as CSV text, a few hundred lines at a time (UTF-8 with a byte-order mark for
    spreadsheet software)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow(table.columns)
    count = 0
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_json_chunks(table: ExportTable) -> Iterator[str]:
    """The table as a JSON array of objects, streamed."""
    yield "["
    first = True
    for row in table.rows:
        yield ("" if first else ",\n") + json.dumps(dict(zip(table.columns, row, strict=True)), ensure_ascii=False,
                                                     default=str)
        first = False
    yield "]\n"


def export_xlsx_bytes(table: ExportTable) -> bytes:
    """The table as an Excel workbook (openpyxl's write-only mode: constant memory per row)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.component[:31])
    sheet.append(table.columns)
    for row in table.rows:
        sheet.append([_xlsx_cell(v) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _xlsx_cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return ""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value  # never a formula from participants' text
    return value


def table_csv_bytes(table: ExportTable) -> bytes:
    return "".join(export_csv_chunks(table)).encode("utf-8")


# --- Open data -------------------------------------------------------------------------------------

OPEN_DATA_RESOURCES = [
    # component, file name, French name, English name
    ("proposals", "propositions", "Propositions", "Proposals"),
    ("comments", "commentaires", "Commentaires", "Comments"),
    ("arguments", "arguments-debats", "Arguments des débats", "Debate arguments"),
    ("statements", "enonces", "Énoncés d'opinion", "Opinion statements"),
    ("meetings", "rencontres", "Rencontres", "Meetings"),
]


def _open_data_processes():
    from .results import results_processes_in_report_phase

    return list(results_processes_in_report_phase())


def open_data_export() -> dict | None:
    """The anonymised results of every public process whose report phase has begun, as one dataset
    (open-data publisher ``consult-results``): a table of the processes with their figures, then one
    CSV per component with a ``process`` column, so that a process entering its report phase adds rows
    and never changes the shape of the dataset. ``None`` while there is no such process."""
    from ouvert.core.models import Organisation

    from .results import CONTRIBUTION_TYPES, contribution_querysets, satisfaction_summary

    organisation = core_services.open_data_organisation()
    if not Organisation.objects.filter(slug=organisation).exists():
        return None
    processes = _open_data_processes()
    if not processes:
        return None
    from .models import Participation

    summary_columns = ["process", "title_fr", "title_en", "organisation", "theme", "territory", "mode",
                       "starts_on", "ends_on", "participants", *[k for k, _l in CONTRIBUTION_TYPES],
                       "satisfaction_mean", "satisfaction_count", "report_published_at", "is_demo"]
    summary_rows = []
    tables: dict[str, tuple[list, list]] = {}
    survey_rows = []
    vote_rows = []
    for process in processes:
        counts = {k: qs.count() for k, qs in contribution_querysets(process).items()}
        satisfaction = satisfaction_summary(process)
        report = getattr(process, "report", None) if _has_report(process) else None
        summary_rows.append([process.slug, process.title_fr, process.title_en, process.organisation.slug,
                             process.theme, process.territory, process.mode, _iso(process.starts_on),
                             _iso(process.ends_on), Participation.objects.filter(process=process).count(),
                             *[counts[k] for k, _l in CONTRIBUTION_TYPES],
                             satisfaction["mean"] if satisfaction["mean"] is not None else "", satisfaction["count"],
                             _iso(report.published_at) if report else "", process.is_demo])
        for component, *_names in OPEN_DATA_RESOURCES:
            table = export_table(process=process, user=None, component=component, public=True) \
                if access.can_view(None, process) else None
            if table is None:
                continue
            columns, rows = tables.setdefault(component, (["process", *table.columns], []))
            rows.extend([process.slug, *row] for row in table.rows)
        for survey in Survey.objects.filter(process=process, results_public=True).order_by("position", "pk"):
            table = export_table(process=process, user=None, component=f"responses-{survey.slug}", public=True)
            for row in table.rows:
                for column, value in zip(table.columns[2:], row[2:], strict=True):
                    if value != "":
                        survey_rows.append([process.slug, survey.slug, row[0], column, value])
        votes = export_table(process=process, user=None, component="votes", public=True)
        statement_columns = votes.columns[2:]
        for row in votes.rows:
            for column, value in zip(statement_columns, row[2:], strict=True):
                if value != "":
                    vote_rows.append([process.slug, row[1], row[0], column.removeprefix("statement_"), value])

    def csv_of(columns, rows) -> bytes:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        return buffer.getvalue().encode("utf-8")

    resources = [{"name_fr": "Consultations et chiffres de participation", "name_en": "Consultations and "
                  "participation figures", "format": "CSV", "filename": "consultations.csv",
                  "content": csv_of(summary_columns, summary_rows)}]
    for component, filename, name_fr, name_en in OPEN_DATA_RESOURCES:
        if component in tables:
            columns, rows = tables[component]
            resources.append({"name_fr": f"{name_fr} (anonymisé)", "name_en": f"{name_en} (anonymised)",
                              "format": "CSV", "filename": f"{filename}.csv", "content": csv_of(columns, rows)})
    resources.append({"name_fr": "Réponses aux questionnaires (format long, anonymisé)",
                      "name_en": "Survey answers (long format, anonymised)", "format": "CSV",
                      "filename": "reponses-questionnaires.csv",
                      "content": csv_of(["process", "survey", "response", "question", "answer"], survey_rows)})
    resources.append({"name_fr": "Votes sur les énoncés (format long, anonymisé)",
                      "name_en": "Statement votes (long format, anonymised)", "format": "CSV",
                      "filename": "votes-enonces.csv",
                      "content": csv_of(["process", "conversation", "participant", "statement", "vote"], vote_rows)})
    return {
        "organisation": organisation,
        "metadata": {
            "name": "resultats-consultations-publiques",
            "title_fr": "Résultats des consultations publiques",
            "title_en": "Results of public consultations",
            "notes_fr": ("Les résultats anonymisés des consultations publiques de la plateforme, publiés "
                         "automatiquement dès que l'étape du rapport d'une consultation commence : chiffres de "
                         "participation, propositions avec les réponses officielles, commentaires, arguments, "
                         "réponses aux questionnaires, énoncés d'opinion et votes, rencontres. Chaque "
                         "participant est un pseudonyme propre à la consultation (aucun nom, courriel ni "
                         "identifiant); le contenu masqué par la modération et les réponses "
                         "sociodémographiques sont exclus. La colonne `process` donne la consultation; "
                         "`is_demo` marque le contenu de démonstration."),
            "notes_en": ("Anonymised results of the platform's public consultations, published automatically "
                         "when a consultation's report phase begins: participation figures, proposals with "
                         "official answers, comments, arguments, survey answers, opinion statements and votes, "
                         "meetings. Each participant is a pseudonym specific to the consultation (no name, "
                         "e-mail or id); moderated content and socio-demographic answers are excluded. The "
                         "`process` column names the consultation."),
            "tags": ["consultations", "participation publique", "gouvernement ouvert"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
        },
        "resources": resources,
    }


def _has_report(process: Process) -> bool:
    from .models import ProcessReport

    return ProcessReport.objects.filter(process=process).exists()
