"""Long imports and exports run as tasks (dataio/jobs.py): the page shows progress and the result,
the all-or-nothing rule holds when the worker dies, results stay for a set time and belong to their
user, and a web import of 10,000 rows gives what the command line gives."""

import datetime
import io
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dataio import jobs
from dataio.models import DataJob, JobKind, JobStatus
from projects.models import JointResearchProject
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "プロジェクトコード,地域,研究テーマ名,開始日"


def csv_of(region, count: int) -> bytes:
    lines = [HEADER] + [f"J-{n:05d},{region.slug},研究テーマ{n},2008-04-01" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def upload(client, content: bytes):
    return client.post(
        reverse("dataio:import", args=["projects"]),
        {"file": SimpleUploadedFile("projects.csv", content, content_type="text/csv"), "file_format": "csv"}
        | {"encoding": "auto"},
    )


@override_settings(DATAIO_INLINE_PREVIEW_BYTES=0)
def test_a_large_file_is_previewed_by_the_worker_and_the_page_follows_it(
    client, hq_user, region, django_capture_on_commit_callbacks
):
    client.force_login(hq_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, csv_of(region, 3))
    assert response.status_code == 302
    job = DataJob.objects.get()
    assert response["Location"] == reverse("dataio:job", args=[job.pk])
    waiting = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in waiting  # refreshes without JavaScript
    assert "js/job-progress.js" in waiting and "開始を待っています" in waiting
    progress = client.get(reverse("dataio:job_progress", args=[job.pk])).json()
    assert progress == {"status": "queued", "done": 0, "total": 0, "finished": False}
    for callback in callbacks:  # the worker picks the task up
        callback()
    preview = client.get(response["Location"]).content.decode()
    assert "プレビュー（まだ保存していません）" in preview and "取込を確定する" in preview
    assert "refresh" not in preview
    assert not JointResearchProject.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("dataio:confirm", args=["projects"]), {"token": str(job.pk)})
    done = client.get(confirmed["Location"]).content.decode()
    assert "取り込みました（新規 3件、更新 0件、変更なし 0件）" in done
    assert JointResearchProject.objects.filter(region=region).count() == 3
    assert not default_storage.exists(job.source)  # the file is not kept after the import


def test_progress_while_running_is_shown_in_rows(client, hq_user, region):
    job = DataJob.objects.create(
        kind=JobKind.IMPORT,
        status=JobStatus.RUNNING,
        user=hq_user,
        resource="projects",
        file_format="csv",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    jobs.write_progress(f"dataio/progress/{job.pk}.json", 1_234, 10_000)
    client.force_login(hq_user)
    assert client.get(reverse("dataio:job_progress", args=[job.pk])).json()["done"] == 1_234
    page = client.get(reverse("dataio:job", args=[job.pk])).content.decode()
    assert "1,234 / 10,000 行" in page and "何も保存しません" in page
    default_storage.delete(f"dataio/progress/{job.pk}.json")


def test_a_job_belongs_to_its_user(client, hq_user, other_hq_user, ministry_user, region):
    job = jobs.start_export(user=hq_user, resource="projects", file_format="csv", encoding="utf-8-sig")
    for user in (other_hq_user, ministry_user):
        client.force_login(user)
        for name in ("dataio:job", "dataio:job_progress", "dataio:job_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404
    client.force_login(hq_user)
    assert client.get(reverse("dataio:job", args=[uuid.uuid4()])).status_code == 404


def test_worker_killed_mid_import_saves_nothing_and_the_page_says_so(
    client, hq_user, region, settings, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(hq_user)
    preview = upload(client, csv_of(region, 300))
    token = preview.context["token"]

    def killed(self, done, total):
        if done >= 150:
            raise SystemExit("worker killed")  # not an Exception: nothing in the job marks it failed

    monkeypatch.setattr(jobs.Progress, "__call__", killed)
    with django_capture_on_commit_callbacks(execute=True):  # the task backend records the crash
        client.post(reverse("dataio:confirm", args=["projects"]), {"token": token})
    job = DataJob.objects.get(kind=JobKind.IMPORT)
    assert job.status == JobStatus.RUNNING
    assert not JointResearchProject.objects.exists()  # the import's transaction never committed
    settings.DATAIO_JOB_STALE_SECONDS = 0
    page = client.get(reverse("dataio:job", args=[job.pk])).content.decode()
    assert "処理が中断されました" in page and "何も保存していません" in page
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_an_error_in_a_job_fails_it_with_a_message(client, hq_user, region, monkeypatch):
    job = jobs.start_export(user=hq_user, resource="projects", file_format="csv", encoding="utf-8-sig")

    def broken(**kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(jobs, "data_export", broken)
    assert jobs.run(job.pk) == JobStatus.FAILED
    assert jobs.run(job.pk) == "claimed"  # run once only
    client.force_login(hq_user)
    page = client.get(reverse("dataio:job", args=[job.pk])).content.decode()
    assert "処理中に予期しないエラーが発生しました。何も保存していません。" in page
    assert "disk gone" not in page


@override_settings(DATAIO_INLINE_EXPORT_ROWS=1)
def test_a_large_export_is_prepared_by_the_worker_and_kept_for_a_while(
    client, hq_user, region, django_capture_on_commit_callbacks
):
    factories.ProjectFactory(region=region, code="X-1")
    factories.ProjectFactory(region=region, code="X-2")
    client.force_login(hq_user)
    url = reverse("dataio:export", args=["projects"]) + "?file_format=csv&encoding=utf-8-sig"
    notice = client.get(url).content.decode()
    assert "バックグラウンドで作成します" in notice and not DataJob.objects.exists()  # a GET starts nothing
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url)
    job = DataJob.objects.get()
    assert started["Location"] == reverse("dataio:job", args=[job.pk])
    page = client.get(started["Location"]).content.decode()
    assert "ファイルができました（2行）" in page
    download = client.get(reverse("dataio:job_download", args=[job.pk]))
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "X-1" in body and "X-2" in body
    assert download["Content-Disposition"].startswith("attachment")
    # past its retention the result is gone, and pruning removes the file
    DataJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 404
    assert jobs.prune() == 1
    assert not default_storage.exists(job.output) and not DataJob.objects.exists()


def test_web_import_of_10000_rows_as_a_task_matches_the_command_line(
    client, hq_user, region, tmp_path, django_capture_on_commit_callbacks
):
    content = csv_of(region, 10_000)
    assert len(content) > 256 * 1024  # above the inline threshold: the preview is a task too
    client.force_login(hq_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content)
    preview_job = DataJob.objects.get(kind=JobKind.PREVIEW)
    assert response["Location"] == reverse("dataio:job", args=[preview_job.pk])
    assert preview_job.status == JobStatus.DONE and preview_job.result["new"] == 10_000
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dataio:confirm", args=["projects"]), {"token": str(preview_job.pk)})
    job = DataJob.objects.get(kind=JobKind.IMPORT)
    assert job.status == JobStatus.DONE and job.result["new"] == 10_000 and job.result["committed"]
    assert JointResearchProject.objects.filter(region=region).count() == 10_000
    # the command line, given the same file, finds every row already there and unchanged
    path = tmp_path / "projects.csv"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_data", str(path), resource="projects", dry_run=True, stdout=out, stderr=io.StringIO())
    assert "変更なし 10,000" in out.getvalue() or "unchanged 10,000" in out.getvalue(), out.getvalue()
