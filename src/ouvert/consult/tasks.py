"""Background tasks of the consult module: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def followers_notify(*, process_id: int, target_kind: str, target_id: int, subject: str, body: str = "",
                     url: str = "", exclude_id: int | None = None, also_ids: list[int] | None = None) -> int:
    from .outreach import followers_notify_now

    return followers_notify_now(process_id=process_id, target_kind=target_kind, target_id=target_id,
                                subject=subject, body=body, url=url, exclude_id=exclude_id, also_ids=also_ids or ())
