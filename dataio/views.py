"""Import and export pages for headquarters staff, the ministry and administrators (/data/).

upload → preview (dry run: new / update / unchanged / error per row) → confirm →
import, all or nothing. Each step is a ``DataJob`` (dataio/jobs.py) owned by the user: a small
file is previewed within the request, a large one by the worker; the confirmed import always runs
as a task, and the job page (/data/jobs/<id>/) shows its progress and result. The uploaded file
waits between preview and confirm in the default storage under a random name.
"""

import logging
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cluster_portal import uploads
from cluster_portal.guards import headquarters_or_ministry_required, ministry_required
from cluster_portal.tabular import limits, permissions, registry
from cluster_portal.tabular.errors import DataFileError
from cluster_portal.tabular.services import ERROR, data_export, report_from_dict
from dataio import jobs
from dataio.forms import ExportForm, ImportForm
from dataio.models import DataJob, JobKind, JobStatus
from regions import permissions as region_permissions
from regions.models import Call, Grant, Proposal, Region

logger = logging.getLogger(__name__)


def _require_dataio(user) -> None:
    if not permissions.can_use_dataio(user):
        raise PermissionDenied


def _columns(spec):
    resource = spec.resource()
    required = set(resource.required_columns())
    keys = {field.column_name for field in resource.key_fields()}
    return [
        {
            "name": name,
            "required": name in required,
            "key": name in keys,
            "blank_is_new": getattr(field, "blank_is_new", False),
            "aliases": field.aliases,
        }
        for name, field in ((field.column_name, field) for field in resource.get_export_fields())
    ]


@login_required
def index(request):
    _require_dataio(request.user)
    rows = [
        {
            "spec": spec,
            "can_import": permissions.can_import(request.user, spec),
            "can_export": permissions.can_export(request.user, spec),
        }
        for spec in registry.SPECS
    ]
    rows = [row for row in rows if row["can_import"] or row["can_export"]]
    return render(
        request,
        "dataio/index.html",
        {
            "rows": rows,
            "max_megabytes": limits.megabytes(limits.max_bytes()),
            "max_rows": limits.max_rows(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request, name):
    """Small exports download at once; a large one is prepared by the worker after a POST (a GET starts
    no work) and downloaded from its job page."""
    spec = registry.get_or_404(name)  # an unknown data set is a 404 for everyone (the not-found rule)
    _require_dataio(request.user)
    if not permissions.can_export(request.user, spec):
        raise PermissionDenied
    form = ExportForm(request.GET or None)
    context = {"spec": spec, "form": form, "columns": _columns(spec)}
    if form.is_bound and form.is_valid():
        options = {
            "user": request.user,
            "resource": spec.name,
            "file_format": form.cleaned_data["file_format"],
            "encoding": form.cleaned_data["encoding"],
            "codes": form.cleaned_data["codes"],
        }
        if not jobs.inline_export(request.user, spec.name):
            if request.method == "POST":
                return redirect("dataio:job", pk=jobs.start_export(**options).pk)
            return render(request, "dataio/export.html", {**context, "large": True})
        try:
            exported = data_export(**options)
        except DataFileError as error:
            form.add_error("encoding", error.issues[0].message)
        else:
            response = HttpResponse(exported.content, content_type=exported.content_type)
            response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
            return response
    return render(request, "dataio/export.html", context)


def _context(spec, **extra):
    return {
        "spec": spec,
        "columns": _columns(spec),
        "max_megabytes": limits.megabytes(limits.max_bytes()),
        "max_rows": limits.max_rows(),
        **extra,
    }


def _report_context(report: dict) -> dict:
    """What the report section of the import and job pages shows, from ``report_to_dict``."""
    restored = report_from_dict(report)
    return {
        "report": restored,
        "error_rows": report["error_rows"],
        "error_count": report["error_count"],
        "preview_rows": restored.rows,
        "hidden_rows": report["hidden_rows"],
        "shown_errors": restored.errors,
        "hidden_errors": max(report["error_count"] - len(report["errors"]), 0),
        "ERROR": ERROR,
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, name):
    spec = registry.get_or_404(name)  # an unknown data set is a 404 for everyone (the not-found rule)
    _require_dataio(request.user)
    if not permissions.can_import(request.user, spec):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.start_preview(
                user=request.user,
                resource=spec.name,
                data=upload.read(),
                file_format=form.cleaned_data["file_format"],
                encoding=form.cleaned_data["encoding"],
                filename=upload.name,
            )
        except jobs.StorageFailed:  # storage full or read-only: say so, keep nothing
            form.add_error(None, uploads.storage_failed_message())
            return render(request, "dataio/import.html", _context(spec, form=form), status=503)
        if not job.is_finished:  # a large file: the worker previews it, the job page shows progress
            return redirect("dataio:job", pk=job.pk)
        ok = job.status == JobStatus.DONE
        return render(
            request,
            "dataio/import.html",
            _context(
                spec,
                form=form,
                token=str(job.pk) if ok else None,
                filename=upload.name,
                **_report_context(job.result),
            ),
            status=200 if ok else 422,
        )
    return render(request, "dataio/import.html", _context(spec, form=form), status=422 if form.errors else 200)


@login_required
@require_POST
def import_confirm(request, name):
    """Confirm a preview: the import runs as a task; the job page follows it."""
    spec = registry.get_or_404(name)  # an unknown data set is a 404 for everyone (the not-found rule)
    _require_dataio(request.user)
    if not permissions.can_import(request.user, spec):
        raise PermissionDenied
    try:
        job = jobs.start_import(user=request.user, preview_id=uuid.UUID(request.POST.get("token", "")))
    except (ValueError, jobs.NotConfirmable):
        messages.error(request, _("確認の有効期限が切れたか、既に取り込み済みです。もう一度ファイルを選んでください。"))
        return redirect("dataio:import", name=spec.name)
    return redirect("dataio:job", pk=job.pk)


def _own_job(request, pk) -> DataJob:
    """The user's own job (another user's, or an expired one, is not found, whatever the role)."""
    job = get_object_or_404(DataJob, pk=pk, user=request.user, expires_at__gt=timezone.now())
    _require_dataio(request.user)
    return jobs.fail_if_interrupted(job)


def _annual_report_region(user, slug) -> Region:
    """The region whose 実績報告書 ``user`` may read (the ministry: every region; headquarters: its own), else 404."""
    region = get_object_or_404(Region, slug=slug)
    if not region_permissions.can_view_annual_report(user, region):
        raise Http404
    return region


@require_POST
@headquarters_or_ministry_required.of(Region, kwarg="slug", field="slug")
def annual_report_pdf(request, slug, fiscal_year):
    """「PDFを作成」 of the 実績報告書: the worker makes it; the job page shows progress and then the download."""
    region = _annual_report_region(request.user, slug)
    if not Grant.objects.of_region(region.pk).filter(fiscal_year=fiscal_year).exists():
        raise Http404
    job = jobs.start_annual_report_pdf(user=request.user, region=region, fiscal_year=fiscal_year)
    return redirect("dataio:job", pk=job.pk)


def _printable_proposal(user, pk) -> Proposal:
    """The proposal if ``user`` may print it (the ministry from its submission on, its region always), else 404."""
    proposal = Proposal.objects.visible_to(user).select_related("call", "region").filter(pk=pk).first()
    if proposal is None or not region_permissions.can_print_proposal(user, proposal):
        raise Http404
    return proposal


@require_POST
@headquarters_or_ministry_required.of(Proposal)
def proposal_pdf(request, pk):
    """「PDFを作成」 of a proposal as submitted (e-Rad style): made by the worker, downloaded from the job page."""
    proposal = _printable_proposal(request.user, pk)
    return redirect("dataio:job", pk=jobs.start_proposal_pdf(user=request.user, proposal=proposal).pk)


@require_POST
@ministry_required.of(Call, kwarg="code", field="code")
def review_summary_pdf(request, code):
    """「PDFを作成」 of a call's review summary (every review in full: ministry staff only)."""
    call = get_object_or_404(Call, code=code)
    return redirect("dataio:job", pk=jobs.start_review_summary_pdf(user=request.user, call=call).pk)


def _pdf_job_visible(request, job: DataJob) -> None:
    """A PDF job's document stays readable only while its user may still read it (checked again on each view)."""
    if job.resource == jobs.ANNUAL_REPORT:
        region = Region.objects.filter(pk=job.result.get("region_id")).first()
        if region is None or not region_permissions.can_view_annual_report(request.user, region):
            raise Http404
    elif job.resource == jobs.PROPOSAL:
        _printable_proposal(request.user, job.result.get("proposal_id"))
    elif job.resource == jobs.REVIEW_SUMMARY:
        if not request.user.is_ministry or not Call.objects.filter(pk=job.result.get("call_id")).exists():
            raise Http404
    else:
        raise Http404


@login_required
def job_detail(request, pk):
    job = _own_job(request, pk)
    if job.kind == JobKind.PDF:
        _pdf_job_visible(request, job)
        return render(request, "dataio/pdf_job.html", {"job": job, "progress": jobs.read_progress(job)})
    spec = registry.get_or_404(job.resource)
    context = _context(spec, job=job, progress=jobs.read_progress(job), filename=job.filename)
    if job.result:
        context.update(_report_context(job.result))
        context["failed"] = job.kind == JobKind.IMPORT and job.status == JobStatus.FAILED
        if job.kind == JobKind.PREVIEW and job.status == JobStatus.DONE and not hasattr(job, "confirmed_by"):
            context["token"] = str(job.pk)
    return render(request, "dataio/job.html", context)


@login_required
def job_progress(request, pk):
    """Progress for the page's script: ``{"status", "done", "total", "finished"}``."""
    job = _own_job(request, pk)
    progress = jobs.read_progress(job)
    return JsonResponse(
        {"status": job.status, "done": progress["done"], "total": progress["total"], "finished": job.is_finished},
        headers={"Cache-Control": "no-store"},
    )


@login_required
def job_download(request, pk):
    job = _own_job(request, pk)
    if job.kind == JobKind.PDF:
        _pdf_job_visible(request, job)
    if job.kind not in (JobKind.EXPORT, JobKind.PDF) or job.status != JobStatus.DONE or not job.output:
        raise Http404
    try:
        stored = default_storage.open(job.output, "rb")
    except OSError:
        raise Http404 from None
    return FileResponse(stored, as_attachment=True, filename=job.output_name, content_type=job.output_type)
