"""Import and export pages for headquarters staff, the ministry and administrators (/data/).

upload → preview (dry run: new / update / unchanged / error per row) → confirm →
import, all or nothing. The uploaded file waits between preview and confirm in
the default storage under a random name bound to the user's session.
"""

import contextlib
import hashlib
import logging
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cluster_portal import uploads
from cluster_portal.tabular import limits, permissions, registry
from cluster_portal.tabular.errors import DataFileError
from cluster_portal.tabular.services import ERROR, UNCHANGED, data_export, data_import
from dataio.forms import ExportForm, ImportForm

logger = logging.getLogger(__name__)

SESSION_KEY = "dataio_pending"
PREVIEW_ROWS = 200
SHOWN_ERRORS = 200


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
def export(request, name):
    spec = registry.get_or_404(name)  # an unknown data set is a 404 for everyone (the not-found rule)
    _require_dataio(request.user)
    if not permissions.can_export(request.user, spec):
        raise PermissionDenied
    form = ExportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        try:
            exported = data_export(
                user=request.user,
                resource=spec.name,
                file_format=form.cleaned_data["file_format"],
                encoding=form.cleaned_data["encoding"],
            )
        except DataFileError as error:
            form.add_error("encoding", error.issues[0].message)
        else:
            response = HttpResponse(exported.content, content_type=exported.content_type)
            response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
            return response
    return render(request, "dataio/export.html", {"spec": spec, "form": form, "columns": _columns(spec)})


def _pending(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _store_pending(request, spec, data: bytes, file_format: str, encoding: str, filename: str) -> str:
    token = secrets.token_urlsafe(24)
    try:
        default_storage.save(f"dataio/pending/{token}", ContentFile(data))
    except OSError:
        with contextlib.suppress(OSError):
            default_storage.delete(f"dataio/pending/{token}")  # a partly written file
        raise
    pending = _pending(request)
    for old in list(pending):  # one pending file per user and data set
        if pending[old]["resource"] == spec.name:
            default_storage.delete(f"dataio/pending/{old}")
            del pending[old]
    pending[token] = {
        "resource": spec.name,
        "file_format": file_format,
        "encoding": encoding,
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": filename,
    }
    request.session[SESSION_KEY] = pending
    return token


def _context(spec, **extra):
    return {
        "spec": spec,
        "columns": _columns(spec),
        "max_megabytes": limits.megabytes(limits.max_bytes()),
        "max_rows": limits.max_rows(),
        **extra,
    }


def _report_context(report):
    shown = [row for row in report.rows if row.status != UNCHANGED]
    return {
        "report": report,
        "preview_rows": shown[:PREVIEW_ROWS],
        "hidden_rows": max(len(shown) - PREVIEW_ROWS, 0),
        "shown_errors": report.errors[:SHOWN_ERRORS],
        "hidden_errors": max(len(report.errors) - SHOWN_ERRORS, 0),
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
        data = form.cleaned_data["file"].read()
        file_format = form.cleaned_data["file_format"]
        encoding = form.cleaned_data["encoding"]
        report = data_import(
            user=request.user, resource=spec.name, data=data, file_format=file_format, encoding=encoding, dry_run=True
        )
        token = None
        if report.ok:
            try:
                token = _store_pending(request, spec, data, file_format, encoding, form.cleaned_data["file"].name)
            except OSError:  # storage full or read-only: say so, keep nothing
                logger.exception("The uploaded %s file could not be stored for confirmation", spec.name)
                form.add_error(None, uploads.storage_failed_message())
                return render(request, "dataio/import.html", _context(spec, form=form), status=503)
        return render(
            request,
            "dataio/import.html",
            _context(spec, form=form, token=token, filename=form.cleaned_data["file"].name, **_report_context(report)),
            status=200 if report.ok else 422,
        )
    return render(request, "dataio/import.html", _context(spec, form=form), status=422 if form.errors else 200)


@login_required
@require_POST
def import_confirm(request, name):
    spec = registry.get_or_404(name)  # an unknown data set is a 404 for everyone (the not-found rule)
    _require_dataio(request.user)
    if not permissions.can_import(request.user, spec):
        raise PermissionDenied
    token = request.POST.get("token", "")
    pending = _pending(request)
    entry = pending.pop(token, None) if token else None
    request.session[SESSION_KEY] = pending
    path = f"dataio/pending/{token}"
    if entry is None or entry["resource"] != spec.name or not default_storage.exists(path):
        messages.error(request, _("確認の有効期限が切れたか、既に取り込み済みです。もう一度ファイルを選んでください。"))
        return redirect("dataio:import", name=spec.name)
    with default_storage.open(path, "rb") as stored:
        data = stored.read()
    default_storage.delete(path)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        messages.error(request, _("ファイルを確認できませんでした。もう一度ファイルを選んでください。"))
        return redirect("dataio:import", name=spec.name)
    report = data_import(
        user=request.user,
        resource=spec.name,
        data=data,
        file_format=entry["file_format"],
        encoding=entry["encoding"],
        dry_run=False,
    )
    if report.committed:
        messages.success(
            request,
            _("%(label)sを取り込みました（新規 %(new)s件、更新 %(updated)s件、変更なし %(unchanged)s件）。")
            % {
                "label": spec.label,
                "new": f"{report.new:,}",
                "updated": f"{report.updated:,}",
                "unchanged": f"{report.unchanged:,}",
            },
        )
        return redirect("dataio:index")
    return render(
        request,
        "dataio/import.html",
        _context(spec, form=ImportForm(), filename=entry["filename"], failed=True, **_report_context(report)),
        status=422,
    )
