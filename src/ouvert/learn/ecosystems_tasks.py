"""Background tasks of the ecosystems part: thin wrappers around its services."""

from django_tasks import task


@task()
def conformity_check_task(resource_id: str, version_id: int) -> dict:
    """Validate a resource's served table against a standard version (``ecosystems.conformity_run``)."""
    from .ecosystems import conformity_run

    conformity = conformity_run(resource_id=resource_id, version_id=version_id)
    if conformity is None:
        return {"status": "missing"}
    return {"status": conformity.status, "errors": conformity.error_count}
