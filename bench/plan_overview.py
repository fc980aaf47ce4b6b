"""Benchmark: the plan overview (selector + page) with the real plan, then 10x the milestones.

Baseline in the same run: the same rows read naively (no select_related/prefetch_related),
which is what the page would cost with an N+1 pattern. Prints one JSON object.

    OUVERT_ENV=test .venv/bin/python bench/plan_overview.py
"""

import datetime
import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
os.environ.setdefault("OUVERT_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def measure(func, repeat=20):
    with CaptureQueriesContext(connection) as ctx:
        func()
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    return {"queries": len(ctx.captured_queries), "ms": round(1000 * (time.perf_counter() - start) / repeat, 2)}


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from ouvert.core.models import Organisation
        from ouvert.plan import selectors
        from ouvert.plan.demo import load_plan_data
        from ouvert.plan.models import Commitment, Milestone

        plan = load_plan_data()

        def optimised():
            data = selectors.plan_overview(plan=plan)
            for m in data.milestones:
                (m.lead.label, [c.label for c in m.collaborators.all()], m.commitment.strand_labels,
                 m.commitment.challenge.title, m.late)

        def naive():
            for m in Milestone.objects.filter(plan=plan):
                (m.lead.label, [c.label for c in m.collaborators.all()],
                 [s.strand for s in m.commitment.strand_links.all()], m.commitment.challenge.title, m.late)

        result = {"bench": "plan_overview", "milestones_16": {"optimised": measure(optimised),
                                                              "naive_baseline": measure(naive)}}
        commitment = Commitment.objects.get(plan=plan, number=5)
        orgs = list(Organisation.objects.all()[:4])
        for i in range(144):
            m = Milestone.objects.create(plan=plan, commitment=commitment, number=f"5.{10 + i}", position=10 + i,
                                         title_fr=f"Jalon {i}", due_date=datetime.date(2023, 3, 31),
                                         lead=orgs[i % 2])
            m.collaborators.set(orgs[2:])
        result["milestones_160"] = {"optimised": measure(optimised), "naive_baseline": measure(naive)}
        result["database"] = connection.vendor
        print(json.dumps(result))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
