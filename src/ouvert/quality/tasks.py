"""Background tasks of the quality module: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def links_check_task(due_only: bool = True, resource_ids: list[str] | None = None) -> dict:
    """Check the due links (or all, or ``resource_ids``), then prune the old checks."""
    from .availability import links_check, links_prune

    summary = links_check(resource_ids=resource_ids, due_only=due_only, sync=False)
    summary["pruned"] = links_prune()
    return summary
