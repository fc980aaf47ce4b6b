"""Background tasks of the catalogue: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def open_data_refresh_task(key: str) -> str | None:
    """Refresh the dataset of the open-data publisher ``key``; returns its id (or None)."""
    from .services import open_data_refresh

    dataset = open_data_refresh(key)
    return str(dataset.pk) if dataset is not None else None


def open_data_enqueue(key: str) -> None:
    """The refresher registered in ``core.registry``: ``open_data_changed(key)`` ends here."""
    open_data_refresh_task.enqueue(key)
