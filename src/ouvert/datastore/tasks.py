"""Background tasks of the datastore: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def ingest_table_task(table_id: int) -> dict:
    from .services import ingestion_run

    table = ingestion_run(table_id=table_id)
    if table is None:
        return {"status": "missing"}
    return {"status": table.status, "rows": table.rows, "error": table.error_code}


@task()
def validate_table_task(table_id: int) -> dict:
    from .services import validation_run

    table = validation_run(table_id=table_id)
    if table is None:
        return {"status": "missing"}
    return {"valid": table.validation_valid, "errors": table.validation_errors}
