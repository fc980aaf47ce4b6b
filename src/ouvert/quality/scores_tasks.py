"""Background tasks of the quality scores: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def scores_recompute_task() -> int:
    """Rescore every dataset (the daily ``quality.scores_refresh`` job enqueues it)."""
    from .scoring import scores_recompute

    return scores_recompute()
