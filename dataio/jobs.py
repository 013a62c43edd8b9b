"""Long imports and exports as background tasks, with progress and a result kept for a while.

The page starts a job and shows its progress (``views.job_detail``); the worker runs it
(``tasks.run_data_job`` → ``run``). The rules are those of ``cluster_portal.tabular.services``:
a preview saves nothing, an import saves everything or nothing. Small previews and exports run
at once inside the request (``DATAIO_INLINE_PREVIEW_BYTES``, ``DATAIO_INLINE_EXPORT_ROWS``); every
confirm step is a task.

Progress while a job runs is written to a small file through the storage API (the worker and the
web servers already share that storage for the uploaded file): the import itself runs inside one
transaction, so a progress column on the job row would stay invisible until the commit. A job
whose progress has not moved for ``DATAIO_JOB_STALE_SECONDS`` lost its worker (killed, restarted):
its transaction was rolled back by the database, so it is marked failed with a message saying
nothing was saved.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import secrets
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_portal import pdf
from cluster_portal.tabular import registry
from cluster_portal.tabular.services import data_export, data_import, report_to_dict
from dataio.models import DataJob, JobKind, JobStatus

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 200
SHOWN_ERRORS = 200
INTERRUPTED = "処理が中断されました（サーバーの再起動など）。何も保存していません。もう一度お試しください。"


def retention() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.DATAIO_JOB_RETENTION_HOURS)


def inline_preview(size: int) -> bool:
    return size <= settings.DATAIO_INLINE_PREVIEW_BYTES


def inline_export(user, resource: str) -> bool:
    spec = registry.get(resource)
    return spec.resource(user=user).export_queryset(user).count() <= settings.DATAIO_INLINE_EXPORT_ROWS


def _enqueue(job: DataJob) -> None:
    from dataio.tasks import run_data_job

    def send():
        try:
            run_data_job.enqueue(str(job.pk))
        except Exception:
            logger.exception("Could not enqueue data job %s", job.pk)
            DataJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED,
                message=_("処理を開始できませんでした。しばらくしてからもう一度お試しください。"),
                finished_at=timezone.now(),
            )

    transaction.on_commit(send)


# --- starting -----------------------------------------------------------------------------------


class StorageFailed(Exception):
    """The uploaded file could not be kept (storage full or read-only); nothing was saved."""


def start_preview(*, user, resource: str, data: bytes, file_format: str, encoding: str, filename: str) -> DataJob:
    """Keep the file and preview it: at once for a small file, else by the worker."""
    name = f"dataio/pending/{secrets.token_urlsafe(24)}"
    try:
        source = default_storage.save(name, ContentFile(data))
    except OSError:
        logger.exception("The uploaded %s file could not be stored", resource)
        with contextlib.suppress(OSError):
            default_storage.delete(name)  # a partly written file
        raise StorageFailed from None
    job = DataJob.objects.create(
        kind=JobKind.PREVIEW,
        user=user,
        resource=resource,
        file_format=file_format,
        encoding=encoding,
        filename=filename,
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        expires_at=timezone.now() + retention(),
    )
    if inline_preview(len(data)):
        run(job.pk)
        job.refresh_from_db()
    else:
        _enqueue(job)
    return job


class NotConfirmable(Exception):
    """The preview cannot be confirmed (already confirmed, expired, had errors, not the user's)."""


@transaction.atomic
def start_import(*, user, preview_id) -> DataJob:
    """Confirm a preview: the import runs as a task on the very file that was previewed (single use)."""
    preview = (
        DataJob.objects.select_for_update()
        .filter(pk=preview_id, user=user, kind=JobKind.PREVIEW, status=JobStatus.DONE, expires_at__gt=timezone.now())
        .first()
    )
    if preview is None or not preview.result.get("ok") or _already_confirmed(preview):
        raise NotConfirmable
    if not default_storage.exists(preview.source):
        raise NotConfirmable
    job = DataJob.objects.create(
        kind=JobKind.IMPORT,
        user=user,
        resource=preview.resource,
        file_format=preview.file_format,
        encoding=preview.encoding,
        filename=preview.filename,
        source=preview.source,
        sha256=preview.sha256,
        preview=preview,
        total=preview.total,
        expires_at=timezone.now() + retention(),
    )
    _enqueue(job)
    return job


def _already_confirmed(preview: DataJob) -> bool:
    return DataJob.objects.filter(preview=preview).exists()


def start_export(*, user, resource: str, file_format: str, encoding: str, codes: bool = False) -> DataJob:
    job = DataJob.objects.create(
        kind=JobKind.EXPORT,
        user=user,
        resource=resource,
        file_format=file_format,
        encoding=encoding,
        codes=codes,
        expires_at=timezone.now() + retention(),
    )
    _enqueue(job)
    return job


#: The documents a PDF job can produce (``DataJob.resource`` of a job of kind PDF).
ANNUAL_REPORT = "annual_report"
PROPOSAL = "proposal"
REVIEW_SUMMARY = "review_summary"


def _start_pdf(*, user, document: str, filename: str, params: dict) -> DataJob:
    job = DataJob.objects.create(
        kind=JobKind.PDF,
        user=user,
        resource=document,
        file_format="pdf",
        filename=filename,
        result=params,
        total=1,
        expires_at=timezone.now() + retention(),
    )
    _enqueue(job)
    return job


def start_annual_report_pdf(*, user, region, fiscal_year: int) -> DataJob:
    """The 実績報告書 PDF of ``region`` for ``fiscal_year``, made by the worker (the caller checked the permission)."""
    from coordinators.annual_report import annual_report_filename

    return _start_pdf(
        user=user,
        document=ANNUAL_REPORT,
        filename=annual_report_filename(region, fiscal_year),
        params={"region_id": region.pk, "fiscal_year": fiscal_year},
    )


def start_proposal_pdf(*, user, proposal) -> DataJob:
    """The PDF of a proposal as submitted (e-Rad style), made by the worker (the caller checked the permission)."""
    return _start_pdf(
        user=user,
        document=PROPOSAL,
        filename=proposal_filename(proposal),
        params={"proposal_id": proposal.pk},
    )


def start_review_summary_pdf(*, user, call) -> DataJob:
    """The review summary (審査結果の総括) of ``call`` as a PDF, made by the worker (the caller checked that the
    user is ministry staff: the reviews in full are for the ministry only)."""
    return _start_pdf(
        user=user,
        document=REVIEW_SUMMARY,
        filename=review_summary_filename(call),
        params={"call_id": call.pk, "call_code": call.code},
    )


def review_summary_filename(call) -> str:
    return f"審査結果総括_{call.code}.pdf"


def proposal_filename(proposal) -> str:
    return f"提案書_{proposal.region.name}_{proposal.call.code}.pdf"


def _document(job: DataJob) -> tuple[str, dict]:
    """The template and context of a PDF job's document, read afresh from the database."""
    if job.resource == ANNUAL_REPORT:
        from coordinators.annual_report import annual_report
        from regions.models import Region

        region = Region.objects.get(pk=job.result["region_id"])
        context = {"report": annual_report(region, job.result["fiscal_year"]), "generated_on": timezone.localdate()}
        return "reports/annual_report_pdf.html", context
    if job.resource == PROPOSAL:
        from regions.models import Proposal
        from regions.selectors import proposal_print_context

        proposal = Proposal.objects.select_related("call__program", "region").get(pk=job.result["proposal_id"])
        return "reports/proposal_pdf.html", proposal_print_context(proposal)
    if job.resource == REVIEW_SUMMARY:
        from regions.models import Call
        from regions.services.reviews import review_summary

        call = Call.objects.select_related("program").get(pk=job.result["call_id"])
        return "reports/review_summary_pdf.html", review_summary(call=call)
    raise ValueError(f"unknown PDF document {job.resource!r}")


# --- progress -----------------------------------------------------------------------------------


def _progress_name(job_id) -> str:
    return f"dataio/progress/{job_id}.json"


class Progress:
    """Writes rows done / total for the page, at most every half second (and at the end)."""

    def __init__(self, job_id):
        self.name = _progress_name(job_id)
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.5:
            return
        self.last = now
        write_progress(self.name, done, total)


def write_progress(name: str, done: int, total: int) -> None:
    payload = json.dumps({"done": done, "total": total, "at": timezone.now().isoformat()}).encode()
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(payload))
    except OSError:
        logger.warning("Could not write the progress of %s", name, exc_info=True)


def read_progress(job: DataJob) -> dict:
    """``{"done", "total", "at"}`` of a job: final numbers once finished, the progress file while running."""
    if job.is_finished or job.status == JobStatus.QUEUED:
        return {"done": job.done, "total": job.total, "at": None}
    try:
        with default_storage.open(_progress_name(job.pk), "rb") as stored:
            data = json.loads(stored.read())
    except (OSError, ValueError):
        return {"done": 0, "total": job.total, "at": job.started_at.isoformat() if job.started_at else None}
    return data


def fail_if_interrupted(job: DataJob) -> DataJob:
    """A running job whose progress has not moved for DATAIO_JOB_STALE_SECONDS lost its worker."""
    if job.status != JobStatus.RUNNING:
        return job
    at = read_progress(job).get("at")
    last = datetime.datetime.fromisoformat(at) if at else job.started_at
    if last and timezone.now() - last > datetime.timedelta(seconds=settings.DATAIO_JOB_STALE_SECONDS):
        DataJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, message=_(INTERRUPTED), finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job


# --- running ------------------------------------------------------------------------------------


def run(job_id) -> str:
    """Run a queued job once (a second call, or a second worker, finds it claimed and does nothing)."""
    claimed = DataJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "claimed"
    job = DataJob.objects.select_related("user").get(pk=job_id)
    try:
        if job.kind == JobKind.EXPORT:
            _run_export(job)
        elif job.kind == JobKind.PDF:
            _run_pdf(job)
        else:
            _run_import(job)
    except Exception:
        logger.exception("Data job %s failed", job.pk)
        DataJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            message=_("処理中に予期しないエラーが発生しました。何も保存していません。"),
            finished_at=timezone.now(),
        )
        return JobStatus.FAILED
    finally:
        with contextlib.suppress(OSError):
            default_storage.delete(_progress_name(job.pk))
    return JobStatus.DONE


def _read_source(job: DataJob) -> bytes | None:
    try:
        with default_storage.open(job.source, "rb") as stored:
            data = stored.read()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == job.sha256 else None


def _run_import(job: DataJob) -> None:
    data = _read_source(job)
    if data is None:
        DataJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            message=_("ファイルを確認できませんでした。もう一度ファイルを選んでください。"),
            finished_at=timezone.now(),
        )
        return
    report = data_import(
        user=job.user,
        resource=job.resource,
        data=data,
        file_format=job.file_format,
        encoding=job.encoding,
        dry_run=job.kind == JobKind.PREVIEW,
        progress=Progress(job.pk),
    )
    result = report_to_dict(report, max_rows=PREVIEW_ROWS, max_errors=SHOWN_ERRORS)
    result["ok"] = report.ok
    if job.kind == JobKind.IMPORT:
        default_storage.delete(job.source)  # the import is done (or refused): the file is not kept
    elif not report.ok:
        default_storage.delete(job.source)
    DataJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE
        if (report.ok and (job.kind == JobKind.PREVIEW or report.committed))
        else JobStatus.FAILED,
        total=report.total,
        done=report.total,
        result=result,
        finished_at=timezone.now(),
    )


def _run_export(job: DataJob) -> None:
    exported = data_export(
        user=job.user, resource=job.resource, file_format=job.file_format, encoding=job.encoding, codes=job.codes
    )
    name = default_storage.save(f"dataio/exports/{secrets.token_urlsafe(24)}", ContentFile(exported.content))
    DataJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        output=name,
        output_name=exported.filename,
        output_type=exported.content_type,
        total=exported.rows,
        done=exported.rows,
        finished_at=timezone.now(),
    )


def _run_pdf(job: DataJob) -> None:
    reason = pdf.unavailable_reason()
    if reason:
        logger.error("PDF job %s cannot run: %s", job.pk, reason)
        DataJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            message=_("PDFを作成する機能がこのサーバーで利用できません。管理者に連絡してください。"),
            finished_at=timezone.now(),
        )
        return
    template_name, context = _document(job)
    content = pdf.render_pdf(template_name, context)
    name = default_storage.save(f"dataio/exports/{secrets.token_urlsafe(24)}", ContentFile(content))
    DataJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        output=name,
        output_name=job.filename,
        output_type="application/pdf",
        done=1,
        finished_at=timezone.now(),
    )


# --- housekeeping -------------------------------------------------------------------------------


def prune(now=None) -> int:
    """Delete expired jobs and their files; fail running jobs whose worker died. Returns how many were deleted."""
    now = now or timezone.now()
    for job in DataJob.objects.filter(status=JobStatus.RUNNING):
        fail_if_interrupted(job)
    expired = list(DataJob.objects.filter(expires_at__lte=now))
    for job in expired:
        for name in {job.source, job.output, _progress_name(job.pk)} - {""}:
            if (
                name
                and not DataJob.objects.filter(source=name).exclude(pk=job.pk).exclude(expires_at__lte=now).exists()
            ):
                try:
                    default_storage.delete(name)
                except OSError:
                    logger.warning("Could not delete %s", name, exc_info=True)
    DataJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)
