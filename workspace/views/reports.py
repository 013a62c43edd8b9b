"""Progress reports (進捗報告): draft → submitted → accepted, or returned → resubmitted.

Headquarters write drafts and returned reports; once submitted a report is
read-only to them. Ministry staff read submitted reports here and accept or return them on
the ministry's review page (``ministry/views/reports.py``, mounted under /workspace/).
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.concurrency import OneTimeTokenForm
from cluster_portal.guards import headquarters_or_ministry_required, headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.models import TransitionLog
from cluster_portal.web import conflict_response, filtered, run_once
from projects import permissions
from projects.models import JointResearchProject, ProgressReport, ReportAttachment, ReportStatus
from projects.services import reports as report_services
from workspace.filters import ReportFilter
from workspace.forms import AttachmentForm, MilestoneFormSet, ReportForm, milestone_initial


@headquarters_required
def report_list(request):
    reports = (
        ProgressReport.objects.editable_by(request.user)
        .select_related("project")
        .order_by("-fiscal_year", "-half", "project__code")
    )
    reports, chosen = filtered(ReportFilter, request, reports)
    return render(
        request,
        "workspace/report_list.html",
        {"reports": reports, "status": chosen["status"] or "", "statuses": ReportStatus.choices},
    )


def _render_report_form(request, form, formset, project, report=None, status=200):
    return render(
        request,
        "workspace/report_form.html",
        {"form": form, "formset": formset, "project": project, "report": report},
        status=status,
    )


REPORT_DATA = ("fiscal_year", "half", "due_on", "narrative", "problems", "next_steps", "public_summary")


@headquarters_required.of(JointResearchProject, kwarg="project_pk")
def report_create(request, project_pk):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.editable_by(user), pk=project_pk)
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, project=project)
    formset = MilestoneFormSet(data, prefix="milestones")
    if data is not None and form.is_valid() & formset.is_valid():

        def create() -> str:
            report = report_services.report_create(
                user=user,
                project=project,
                data={name: form.cleaned_data[name] for name in REPORT_DATA},
                milestones=formset.milestones(),
            )
            return reverse("workspace:report_detail", args=[report.pk])

        response = run_once(request, form, create, success_message=_("進捗報告（下書き）を作成しました。"))
        if response is not None:
            return response
    return _render_report_form(request, form, formset, project, status=400 if data is not None else 200)


@headquarters_required.of(ProgressReport)
def report_edit(request, pk):
    user = request.user
    report = get_object_or_404(ProgressReport.objects.editable_by(user).select_related("project"), pk=pk)
    if not permissions.can_edit_report(user, report):
        messages.error(request, _("提出済み・受理済みの報告は編集できません。"))
        return redirect("workspace:report_detail", pk=report.pk)
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, instance=report)
    formset = MilestoneFormSet(data, initial=None if data else milestone_initial(report), prefix="milestones")
    if data is not None and form.is_valid() & formset.is_valid():

        def update() -> str:
            report_services.report_update(
                user=user,
                report_pk=report.pk,
                expected_version=form.cleaned_data["version"],
                data={name: form.cleaned_data[name] for name in REPORT_DATA},
                milestones=formset.milestones(),
            )
            return reverse("workspace:report_detail", args=[report.pk])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(
                request, form, back_url=reverse("workspace:report_edit", args=[report.pk]), fields=REPORT_DATA
            ),
            success_message=_("進捗報告を保存しました。"),
        )
        if response is not None:
            return response
    return _render_report_form(request, form, formset, report.project, report, status=400 if data is not None else 200)


def _report_scope(user):
    return ProgressReport.objects.visible_to(user) if user.is_ministry else ProgressReport.objects.editable_by(user)


def visible_report_attachments(user):
    """An attachment is seen through its report (the not-found rule of cluster_portal/guards.py)."""
    return ReportAttachment.objects.filter(report__in=ProgressReport.objects.visible_to(user))


@headquarters_or_ministry_required.of(ProgressReport)
def report_detail(request, pk):
    user = request.user
    report = get_object_or_404(_report_scope(user).select_related("project", "project__region"), pk=pk)
    if user.is_ministry and report.status == ReportStatus.DRAFT:
        raise Http404  # drafts belong to the headquarters until submitted
    context = {
        "report": report,
        "milestones": report.milestones.all(),
        "attachments": report.attachments.select_related("uploaded_by"),
        "comments": [log for log in TransitionLog.for_object(report) if log.reason],
        "timeline": history_timeline(report),
        "can_edit": permissions.can_edit_report(user, report),
        "can_submit": permissions.can_submit_report(user, report),
        "can_review": permissions.can_review_report(user, report),
        "submit_form": OneTimeTokenForm(),
        "attachment_form": AttachmentForm() if permissions.can_edit_report(user, report) else None,
    }
    return render(request, "workspace/report_detail.html", context)


@require_POST
@headquarters_required.of(ProgressReport)
def report_submit(request, pk):
    user = request.user
    report = get_object_or_404(ProgressReport.objects.editable_by(user), pk=pk)
    form = OneTimeTokenForm(request.POST)
    if form.is_valid():

        def submit() -> str:
            report_services.report_submit(user=user, report_pk=report.pk)
            return reverse("workspace:report_detail", args=[report.pk])

        response = run_once(request, form, submit, success_message=_("進捗報告を提出しました。"))
        if response is not None:
            return response
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("workspace:report_detail", pk=report.pk)


@require_POST
@headquarters_required.of(ProgressReport)
def report_attach(request, pk):
    user = request.user
    report = get_object_or_404(ProgressReport.objects.editable_by(user), pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():

        def attach() -> str:
            report_services.report_attach(
                user=user, report_pk=report.pk, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
            )
            return reverse("workspace:report_detail", args=[report.pk])

        response = run_once(request, form, attach, success_message=_("資料を添付しました。"))
        if response is not None:
            return response
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("workspace:report_detail", pk=report.pk)


@headquarters_or_ministry_required.of(visible_report_attachments)
def attachment_download(request, pk):
    """Attachments are private: served only to those who may see the report, as a download."""
    user = request.user
    scope = ReportAttachment.objects.filter(report__in=_report_scope(user))
    attachment = get_object_or_404(scope.select_related("report"), pk=pk)
    if user.is_ministry and attachment.report.status == ReportStatus.DRAFT:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response
