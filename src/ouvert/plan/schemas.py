"""Input and output schemas, shared by the API and the CSV/JSON exports (one shape for both).

Every output carries both languages (``title_fr``, ``title_en``).
"""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from .models import TEXT_MAX_LENGTH, Status


class OrganisationRef(Schema):
    slug: str
    acronym: str
    name_fr: str
    name_en: str


class PlanOut(Schema):
    slug: str
    title_fr: str
    title_en: str
    summary_fr: str
    summary_en: str
    period_start: datetime.date
    period_end: datetime.date
    is_current: bool
    source_url: str


class ChallengeRef(Schema):
    number: int
    title_fr: str
    title_en: str


class CommitmentOut(Schema):
    plan: str
    number: int
    challenge: ChallengeRef
    title_fr: str
    title_en: str
    objective_fr: str
    objective_en: str
    why_fr: str
    why_en: str
    strands: list[str]

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_strands(obj) -> list[str]:
        return obj.strand_codes


class MilestoneOut(Schema):
    plan: str
    number: str
    commitment: int
    challenge: int
    strands: list[str]
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    due_date: datetime.date
    due_date_note_fr: str
    due_date_note_en: str
    lead: OrganisationRef
    collaborators: list[OrganisationRef]
    status: str
    status_label_fr: str
    status_label_en: str
    is_demo_status: bool
    is_late: bool
    completed_at: datetime.datetime | None
    last_update_at: datetime.datetime | None = None
    data_notes_fr: str
    data_notes_en: str

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_commitment(obj) -> int:
        return obj.commitment.number

    @staticmethod
    def resolve_challenge(obj) -> int:
        return obj.commitment.challenge.number

    @staticmethod
    def resolve_strands(obj) -> list[str]:
        return obj.commitment.strand_codes

    @staticmethod
    def resolve_collaborators(obj) -> list:
        return list(obj.collaborators.all())

    @staticmethod
    def resolve_is_late(obj) -> bool:
        return obj.late

    @staticmethod
    def resolve_status_label_fr(obj) -> str:
        return status_label(obj.status, "fr")

    @staticmethod
    def resolve_status_label_en(obj) -> str:
        return status_label(obj.status, "en")


def status_label(code: str, language: str) -> str:
    from django.utils.translation import override

    with override(language):
        return str(Status(code).label)


class EvidenceOut(Schema):
    url: str
    label: str


class ProgressUpdateOut(Schema):
    id: int
    milestone: str
    created_at: datetime.datetime
    author: str
    organisation: OrganisationRef | None
    text_fr: str
    text_en: str
    status_before: str
    status_after: str
    is_demo: bool
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_milestone(obj) -> str:
        return obj.milestone.number

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_label

    @staticmethod
    def resolve_evidence(obj) -> list:
        return list(obj.evidence.all())


class MeasureOut(Schema):
    key: str
    label_fr: str
    label_en: str
    value: float
    target: float | None
    reached_at: datetime.datetime | None
    updated_at: datetime.datetime


class MilestoneDetailOut(MilestoneOut):
    updates: list[ProgressUpdateOut]
    measures: list[MeasureOut] = []

    @staticmethod
    def resolve_updates(obj) -> list:
        return list(obj.updates.all())

    @staticmethod
    def resolve_measures(obj) -> list:
        return list(obj.measures.all())


class EvidenceIn(Schema):
    url: str = Field(..., max_length=500)
    label: str = Field("", max_length=300)


class ProgressUpdateIn(Schema):
    text_fr: str = Field(..., max_length=TEXT_MAX_LENGTH, description="Compte rendu en français")
    text_en: str = Field("", max_length=TEXT_MAX_LENGTH, description="Compte rendu en anglais")
    status: str = Field(..., description="not_started, limited, substantial ou completed")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)


class MilestonePatchIn(Schema):
    due_date: datetime.date | None = None
    due_date_note_fr: str | None = Field(None, max_length=200)
    due_date_note_en: str | None = Field(None, max_length=200)
    description_fr: str | None = Field(None, max_length=TEXT_MAX_LENGTH)
    description_en: str | None = Field(None, max_length=TEXT_MAX_LENGTH)


class CommitteeMemberOut(Schema):
    organisation: OrganisationRef
    seat: str
    mandate_start: datetime.date
    mandate_end: datetime.date
    role_fr: str
    role_en: str


class CommitteeOut(Schema):
    slug: str
    name_fr: str
    name_en: str
    mandate_fr: str
    mandate_en: str
    established_on: datetime.date | None
    notes_fr: str
    notes_en: str
    members: list[CommitteeMemberOut]

    @staticmethod
    def resolve_members(obj) -> list:
        return list(obj.memberships.all())


def milestone_rows(milestones) -> list[dict]:
    """Milestones as plain dictionaries (the API's shape), for the JSON and CSV exports."""
    return [MilestoneOut.from_orm(m).model_dump(mode="json") for m in milestones]


#: Columns of the milestones CSV export (page ``plan:export``).
MILESTONE_EXPORT_COLUMNS = [
    "plan", "number", "commitment", "challenge", "strands", "title_fr", "title_en", "description_fr",
    "description_en", "due_date", "due_date_note_fr", "due_date_note_en", "lead", "lead_name_fr",
    "lead_name_en", "collaborators", "status", "status_label_fr", "status_label_en", "is_demo_status",
    "is_late", "completed_at", "last_update_at", "data_notes_fr", "data_notes_en",
]

#: Columns of the milestones CSV published in the catalogue (open by default). Unlike the page
#: export, no ``is_late``: it changes with the calendar, not with the data, and the file is
#: refreshed only when the data changes (late = ``due_date`` passed and ``status`` not completed).
OPEN_DATA_MILESTONE_COLUMNS = [c for c in MILESTONE_EXPORT_COLUMNS if c != "is_late"]

#: Columns of the progress updates CSV published in the catalogue.
OPEN_DATA_UPDATE_COLUMNS = [
    "plan", "milestone", "created_at", "author", "organisation", "organisation_name_fr", "text_fr", "text_en",
    "status_before", "status_after", "is_demo", "evidence",
]


def milestone_flat_row(row: dict, columns: list[str] = OPEN_DATA_MILESTONE_COLUMNS) -> dict:
    """One ``milestone_rows`` dictionary as a CSV row (lists joined with « ; »)."""
    return {
        **{k: row[k] for k in columns if k in row and not isinstance(row[k], list | dict)},
        "strands": ";".join(row["strands"]),
        "lead": row["lead"]["acronym"] or row["lead"]["slug"],
        "lead_name_fr": row["lead"]["name_fr"],
        "lead_name_en": row["lead"]["name_en"],
        "collaborators": ";".join(c["acronym"] or c["slug"] for c in row["collaborators"]),
    }


def progress_update_rows(updates) -> list[dict]:
    """Progress updates as plain dictionaries (the API's shape plus the plan's slug)."""
    return [{"plan": u.milestone.plan.slug, **ProgressUpdateOut.from_orm(u).model_dump(mode="json")}
            for u in updates]


def progress_update_flat_row(row: dict) -> dict:
    organisation = row["organisation"] or {}
    return {
        **{k: row[k] for k in OPEN_DATA_UPDATE_COLUMNS if k in row and not isinstance(row[k], list | dict)},
        "organisation": organisation.get("acronym") or organisation.get("slug") or "",
        "organisation_name_fr": organisation.get("name_fr", ""),
        "evidence": " ".join(e["url"] for e in row["evidence"]),
    }
