"""Background tasks of the outbox (django-tasks: the backport of Django 6's ``django.tasks``)."""

from django_tasks import task

from notifications import outbox


@task()
def deliver_notification(notification_id: int) -> str:
    return outbox.deliver(notification_id)


@task()
def deliver_due_notifications() -> int:
    return outbox.deliver_due()
