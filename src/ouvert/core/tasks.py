"""Background tasks of the core module: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def notification_send_email(notification_id: int) -> bool:
    from .services import notification_send_email as send

    return send(notification_id=notification_id)
