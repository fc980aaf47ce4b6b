"""Background tasks of harvesting: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def harvest_job_run_task(job_id: int) -> dict:
    from .services import harvest_job_run

    job = harvest_job_run(job_id=job_id)
    return {"status": job.status, **job.counts}
