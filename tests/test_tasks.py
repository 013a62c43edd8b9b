"""The task queue behind the outbox: the database backend (default) with its worker, the Redis
backend (django-tasks-rq with an RQ worker) as the scale-out option, and two workers on
PostgreSQL running each task once."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from notifications import outbox
from notifications.models import DeliveryStatus, Notification
from tests import factories
from tests.test_two_instances import database_url, redis_db_number, redis_reachable

ROOT = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def notify(users):
    return outbox.notify("report_accepted", users, context={"title": "P-1 試験"}, path="/workspace/reports/")


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_database_queue_holds_the_delivery_until_the_worker_runs(django_capture_on_commit_callbacks):
    user = factories.UserFactory(username="queued")
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notify([user])
    assert not mail.outbox  # the request returned without touching SMTP
    assert Notification.objects.get(pk=row.pk).status == DeliveryStatus.PENDING
    # the worker closes "old" connections between tasks; the test's connection must stay open
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert Notification.objects.get(pk=row.pk).status == DeliveryStatus.SENT
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.django_db
@pytest.mark.skipif(not redis_reachable(), reason="Redis is not reachable on 127.0.0.1:6379")
def test_redis_backend_delivers_through_an_rq_worker(settings, django_capture_on_commit_callbacks):
    import django_rq
    from rq import SimpleWorker

    db = redis_db_number()
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:6379/{db}"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    queue = django_rq.get_queue("default")
    queue.empty()
    user = factories.UserFactory(username="rq-user")
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notify([user])
    assert queue.count == 1 and not mail.outbox
    from django_tasks_rq.backend import Job

    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(
        burst=True
    )  # in-process: sees the test's data
    assert Notification.objects.get(pk=row.pk).status == DeliveryStatus.SENT
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_run_each_task_once(tmp_path):
    users = [factories.UserFactory(username=f"many-{n}") for n in range(40)]
    with override_settings(TASKS=DATABASE_TASKS):
        rows = notify(users)  # autocommit: each row and its task are committed at once
        from django_tasks_db.models import DBTaskResult

        assert DBTaskResult.objects.ready().count() == len(users)
    url = database_url()
    mail_dir = tempfile.mkdtemp(prefix="cluster-portal-mail-", dir=tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cluster_portal.settings",
            "DEBUG": "true",
            "DATABASE_URL": url,
            "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: an absolute path
            "TASK_BACKEND": "database",
        }
    )
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "-v0"]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]  # noqa: S603
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    delivered = Notification.objects.filter(pk__in=[row.pk for row in rows])
    assert set(delivered.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(delivered.values_list("attempts", flat=True)) == {1}
    messages = "".join(path.read_text() for path in Path(mail_dir).iterdir())
    assert messages, list(Path(mail_dir).iterdir())
    for user in users:
        assert messages.count(f"To: {user.email}") == 1, messages[:500]
