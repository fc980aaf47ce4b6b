"""Load the real 2021-2023 plan, and (in demo mode only) illustrative progress and demo accounts.

- ``load_plan_data()`` loads only the real plan from ``data/plan-2021-2023.json``: organisations,
  challenges, commitments, milestones, committee. Tests use it as their fixture.
- ``load(stdout)`` is the demo loader run by ``ouvert demo``: the real plan, then demo accounts
  and the illustrative statuses of ``data/demo-progress-2021-2023.json`` (flagged as demo data).

Both are idempotent: running them twice changes nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction

from ouvert.core import services as core_services

from .models import (
    ActionPlan,
    Challenge,
    Commitment,
    CommitmentStrand,
    Committee,
    CommitteeMembership,
    Milestone,
    Status,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
PLAN_FILE = DATA_DIR / "plan-2021-2023.json"
DEMO_PROGRESS_FILE = DATA_DIR / "demo-progress-2021-2023.json"

#: Password of every demo account (documented in the README; demo mode only).
DEMO_PASSWORD = "demo-ouvert-2021"
DEMO_ADMIN_EMAIL = "admin@demo.ouvert.local"
DEMO_RESPONDENTS = [
    # (e-mail, full name, organisation slug)
    ("repondant.sct@demo.ouvert.local", "Répondante SCT (démo)", "sct"),
    ("repondant.banq@demo.ouvert.local", "Répondant BAnQ (démo)", "banq"),
    ("repondant.frq@demo.ouvert.local", "Répondante FRQ (démo)", "frq"),
    ("repondant.mce-scg@demo.ouvert.local", "Répondant MCE-SCG (démo)", "mce-scg"),
]


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _upsert(model, lookup: dict, values: dict):
    """Create or update ``model`` by ``lookup``; saves only when something changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj
    changed = [f for f, v in values.items() if getattr(obj, f) != v]
    if changed:
        for f in changed:
            setattr(obj, f, values[f])
        obj.full_clean()
        obj.save(update_fields=changed)
    return obj


@transaction.atomic
def load_plan_data(path: Path = PLAN_FILE, stdout=None) -> ActionPlan:
    """Load the real plan (no accounts, no statuses). Idempotent."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    orgs = {}
    for item in data["organisations"]:
        orgs[item["slug"]] = core_services.organisation_upsert(
            slug=item["slug"], name_fr=item["name_fr"], name_en=item.get("name_en", ""),
            acronym=item.get("acronym", ""), kind=item["kind"], website=item.get("website", ""),
            parent=orgs.get(item["parent"]) if item.get("parent") else None, is_demo=False,
        )

    p = data["plan"]
    plan = _upsert(ActionPlan, {"slug": p["slug"]}, {
        "title_fr": p["title_fr"], "title_en": p["title_en"], "summary_fr": p["summary_fr"],
        "summary_en": p["summary_en"], "period_start": _date(p["period_start"]),
        "period_end": _date(p["period_end"]), "is_current": p["is_current"], "source_url": p["source_url"],
    })
    if plan.is_current:
        ActionPlan.objects.exclude(pk=plan.pk).filter(is_current=True).update(is_current=False)

    challenges = {}
    for c in data["challenges"]:
        challenges[c["number"]] = _upsert(Challenge, {"plan": plan, "number": c["number"]}, {
            k: c[k] for k in ("title_fr", "title_en", "description_fr", "description_en")})

    commitments = {}
    for c in data["commitments"]:
        commitment = _upsert(Commitment, {"plan": plan, "number": c["number"]}, {
            "challenge": challenges[c["challenge"]],
            **{k: c[k] for k in ("title_fr", "title_en", "objective_fr", "objective_en", "why_fr", "why_en")}})
        commitment.strand_links.exclude(strand__in=c["strands"]).delete()
        for strand in c["strands"]:
            CommitmentStrand.objects.get_or_create(commitment=commitment, strand=strand)
        commitments[c["number"]] = commitment

    for m in data["milestones"]:
        milestone = _upsert(Milestone, {"plan": plan, "number": m["number"]}, {
            "commitment": commitments[m["commitment"]],
            "position": int(m["number"].split(".")[1]),
            "due_date": _date(m["due_date"]),
            "lead": orgs[m["lead"]],
            **{k: m.get(k, "") for k in ("title_fr", "title_en", "description_fr", "description_en",
                                         "due_date_note_fr", "due_date_note_en", "data_notes_fr",
                                         "data_notes_en")},
        })
        wanted = {orgs[slug].pk for slug in m["collaborators"]}
        if set(milestone.collaborators.values_list("pk", flat=True)) != wanted:
            milestone.collaborators.set(wanted)

    c = data["committee"]
    committee = _upsert(Committee, {"slug": c["slug"]}, {
        "plan": plan, "established_on": _date(c["established_on"]),
        **{k: c[k] for k in ("name_fr", "name_en", "mandate_fr", "mandate_en", "notes_fr", "notes_en")}})
    for position, member in enumerate(c["members"], start=1):
        _upsert(CommitteeMembership, {"committee": committee, "organisation": orgs[member["organisation"]]}, {
            "seat": member["seat"], "mandate_start": _date(c["mandate_start"]),
            "mandate_end": _date(c["mandate_end"]), "role_fr": member["role_fr"], "role_en": member["role_en"],
            "position": position,
        })
    _write(stdout, f"plan {plan.slug}: {len(challenges)} défis, {len(commitments)} engagements, "
                   f"{len(data['milestones'])} jalons, {len(c['members'])} membres du comité")
    return plan


def _demo_accounts(stdout=None) -> dict:
    admin = core_services.user_upsert(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD,
                                      full_name="Administratrice (démo)", is_superuser=True)
    people = {"admin": admin}
    for email, name, org_slug in DEMO_RESPONDENTS:
        user = core_services.user_upsert(email=email, password=DEMO_PASSWORD, full_name=name)
        org = core_services.organisation_get(slug=org_slug)
        if not core_services.user_is_respondent(user, org):
            core_services.membership_set(user=user, organisation=org, role="editor", is_respondent=True)
        people[org_slug] = user
    _write(stdout, f"comptes de démonstration : {len(people)} (mot de passe « {DEMO_PASSWORD} »)")
    return people


def load_demo_progress(plan: ActionPlan, people: dict, path: Path = DEMO_PROGRESS_FILE, stdout=None) -> int:
    """Illustrative progress, through the same service as real reports, flagged as demo data."""
    from .services import progress_update_create

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    created = 0
    for item in data["milestones"]:
        milestone = Milestone.objects.select_related("plan", "lead").get(plan=plan, number=item["number"])
        if milestone.updates.exists():
            continue  # already loaded (or real reports exist): never overwrite history
        author = people.get(milestone.lead.slug) or people["admin"]
        for step in item["updates"]:
            assert step["status"] in Status.values
            progress_update_create(actor=author, milestone=milestone, text_fr=step["text_fr"],
                                   text_en=step["text_en"], status=step["status"],
                                   evidence=step.get("evidence", []), is_demo=True)
            created += 1
    _write(stdout, f"comptes rendus de démonstration ajoutés : {created}")
    return created


def load(stdout=None) -> None:
    """The demo loader (``ouvert demo``): the real plan, demo accounts, illustrative progress."""
    plan = load_plan_data(stdout=stdout)
    with transaction.atomic():
        people = _demo_accounts(stdout)
        load_demo_progress(plan, people, stdout=stdout)
