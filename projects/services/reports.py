"""Progress reports: writing, submitting, reviewing and attaching files, and the notices of reports due.

Every function is keyword-only, typed, atomic and validates with ``full_clean()`` before saving,
so the same rules hold for web forms, imports and the admin."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_portal import uploads
from cluster_portal.concurrency import claim_version
from cluster_portal.models import assign_fields
from notifications import outbox, recipients
from projects import permissions
from projects.models import (
    JointResearchProject,
    Milestone,
    ProgressReport,
    ReportAttachment,
    ReportStatus,
)

REPORT_FIELDS = ("fiscal_year", "half", "due_on", "narrative", "problems", "next_steps", "public_summary")


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    planned: str = ""
    achieved: str = ""
    is_achieved: bool = False


def _replace_milestones(report: ProgressReport, milestones: list[MilestoneInput]) -> None:
    report.milestones.all().delete()
    rows = [Milestone(report=report, **vars(milestone)) for milestone in milestones]
    for row in rows:
        row.full_clean()
    Milestone.objects.bulk_create(rows)


@transaction.atomic
def report_create(
    *, user, project: JointResearchProject, data: dict, milestones: list[MilestoneInput]
) -> ProgressReport:
    """A draft half-year progress report of one of the user's projects."""
    permissions.require_workspace(user)
    project = JointResearchProject.objects.editable_by(user).get(pk=project.pk)
    report = ProgressReport(project=project, status=ReportStatus.DRAFT)
    assign_fields(report, data, REPORT_FIELDS)
    report.full_clean()
    report.save()
    _replace_milestones(report, milestones)
    return report


def _not_editable(report: ProgressReport) -> ValidationError:
    return ValidationError(
        _("「%(status)s」の報告は編集できません。差戻しされた報告と下書きだけを編集できます。")
        % {"status": report.get_status_display()},
        code="locked",
    )


@transaction.atomic
def report_update(
    *, user, report_pk: int, expected_version: int, data: dict, milestones: list[MilestoneInput]
) -> ProgressReport:
    """Save a draft or returned report; submitted and accepted reports are locked."""
    permissions.require_workspace(user)
    report = claim_version(ProgressReport.objects.editable_by(user), pk=report_pk, expected_version=expected_version)
    if not report.is_editable:
        raise _not_editable(report)
    assign_fields(report, data, REPORT_FIELDS)
    report.full_clean()
    report.save()
    _replace_milestones(report, milestones)
    return report


@transaction.atomic
def report_submit(*, user, report_pk: int) -> ProgressReport:
    """draft → submitted, or returned → submitted (resubmission)."""
    permissions.require_workspace(user)
    report = claim_version(ProgressReport.objects.editable_by(user), pk=report_pk, expected_version=None)
    report.submitted_at = timezone.now()
    ProgressReport.workflow.apply(report, ReportStatus.SUBMITTED, user=user)
    outbox.notify(
        "report_submitted",
        recipients.ministry_staff(),
        context=_report_context(report),
        path=reverse("workspace:report_review", kwargs={"pk": report.pk}),
    )
    return report


def _report_context(report: ProgressReport, **extra) -> dict:
    project = report.project
    return {
        "title": f"{project.code} {project.title}",
        "region": project.region.name,
        "report": report,
        **extra,
    }


@transaction.atomic
def report_review(*, user, report_pk: int, accept: bool, comment: str = "") -> ProgressReport:
    """Ministry staff accept a submitted report or return it with comments (the comment is required)."""
    report = claim_version(ProgressReport.objects.visible_to(user), pk=report_pk, expected_version=None)
    target = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    ProgressReport.workflow.apply(report, target, user=user, reason=comment.strip())
    outbox.notify(
        "report_accepted" if accept else "report_returned",
        recipients.headquarters_staff(report.project.region_id),
        context=_report_context(report, comment=comment.strip()),
        path=reverse("workspace:report_detail", kwargs={"pk": report.pk}),
    )
    return report


@transaction.atomic
def report_attach(*, user, report_pk: int, title: str, file) -> ReportAttachment:
    permissions.require_workspace(user)
    report = ProgressReport.objects.editable_by(user).select_for_update().get(pk=report_pk)
    if not report.is_editable:
        raise _not_editable(report)
    attachment = ReportAttachment(report=report, title=title, file=file, uploaded_by=user)
    attachment.full_clean()
    uploads.store(attachment.file, file.name, file)  # storage full or read-only: ValidationError, nothing kept
    try:
        attachment.save()
    except Exception:
        uploads.discard(attachment.file)
        raise
    return attachment


# --- scheduled notices (send_reminders) -------------------------------------------------------------


def reports_due(*, today: datetime.date, days: int) -> int:
    """Reports not yet submitted: a notice ``days`` before the due date, and one when it has passed.

    Deduplicated by report and due date, so running this every few minutes sends each notice once."""
    created = 0
    open_reports = ProgressReport.objects.filter(
        status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED], due_on__isnull=False
    ).select_related("project__region")
    for report in open_reports.filter(due_on__lte=today + datetime.timedelta(days)):
        overdue = report.due_on < today
        kind = "report_overdue" if overdue else "report_due"
        created += len(
            outbox.notify(
                kind,
                recipients.headquarters_staff(report.project.region_id),
                context=_report_context(report, days=(report.due_on - today).days),
                path=reverse("workspace:report_detail", kwargs={"pk": report.pk}),
                dedupe_key=f"{kind}:{report.pk}:{report.due_on:%Y%m%d}",
            )
        )
    return created
