"""Run in a subprocess by ``test_proposals_concurrency``: four threads submit the same draft revision at once
against a SQLite FILE database (as installed: WAL, IMMEDIATE transactions, busy timeout). The test database
of pytest-django on SQLite lives in memory with a shared cache, where a second writer gets « database table
is locked » at once instead of waiting: the file is what production runs. Prints one JSON object."""

import datetime
import json
import os
import sys
import threading


def main(path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from ouvert.core import services as core_services
    from ouvert.market import proposals
    from ouvert.market.models import Criterion, Opportunity, Proposal, Submission, Supplier

    buyer = core_services.organisation_upsert(slug="mcn", name_fr="MCN", kind="public_body")
    org = core_services.organisation_upsert(slug="logilibre", name_fr="Logilibre", kind="supplier")
    supplier = Supplier.objects.create(organisation=org, legal_name="Logilibre", neq="1171234567")
    user = core_services.user_upsert(email="equipe@logilibre.example.com")
    core_services.membership_set(user=user, organisation=org, role="admin")
    now = timezone.now()
    opportunity = Opportunity.objects.create(reference="DAN-RACE-0001", buyer=buyer, title_fr="Course", price=1000,
                                             status="published", published_at=now - datetime.timedelta(days=1),
                                             deadline=now + datetime.timedelta(days=10))
    criterion = Criterion.objects.create(opportunity=opportunity, name_fr="Démarche", weight=100)
    content = {"summary": "R", "approach": "A", "team": "T", "schedule": "S", "criteria": {str(criterion.pk): "C"}}
    draft = proposals.proposal_draft_save(opportunity=opportunity, supplier=supplier, user=user, content=content)
    connections.close_all()

    barrier = threading.Barrier(4)
    results: list = [None] * 4

    def run(i):
        try:
            barrier.wait(timeout=30)
            proposal = Proposal.objects.select_related("opportunity", "supplier").get(pk=draft.pk)
            got = proposals.proposal_submit(proposal=proposal, user=user, draft_revision=1,
                                            no_conflict_of_interest=True, terms_accepted=True)
            results[i] = {"receipt": got.submission.receipt, "created": got.created}
        except Exception as exc:  # noqa: BLE001 — reported to the test
            results[i] = {"error": repr(exc)}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    print(json.dumps({"results": results, "submissions": Submission.objects.filter(proposal=draft).count()}))


if __name__ == "__main__":
    main(sys.argv[1])
