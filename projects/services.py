"""Writes that touch several rows of the projects app.

Every function is keyword-only, typed, atomic and validates with ``full_clean()``
before saving, so the same rules hold for web forms, imports and the admin.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_portal import uploads
from cluster_portal.concurrency import claim_version
from cluster_portal.fiscal import fiscal_year_label, format_yen
from cluster_portal.models import TransitionLog, assign_fields
from notifications import outbox, recipients
from projects import permissions
from projects.models import (
    Expenditure,
    JointResearchProject,
    Milestone,
    Outcome,
    OutcomeKind,
    Participation,
    ProgressReport,
    ProjectBudget,
    Receipt,
    ReportAttachment,
    ReportStatus,
)
from regions.models import Event, Grant, Organization


@transaction.atomic
def budget_allocate(
    *,
    project: JointResearchProject,
    fiscal_year: int,
    allocated: int,
    overrun_reason: str | None = None,
    expected_version: int | None = None,
    must_be_new: bool = False,
) -> ProjectBudget:
    """Set a project's allocation (配分額) for a fiscal year within the region's grant.

    執行額 is never set here: it is the sum of the budget's expenditure entries. An allocation
    cut below what is already executed needs a reason of its own, given with this edit (the
    reason recorded for an earlier overrun does not cover a new cut): ``ProjectBudget.clean()``'s
    rule, so the budgets import and the admin meet it too.

    The grant row is locked (SELECT ... FOR UPDATE on PostgreSQL) before the sum
    of allocations is checked, so two concurrent allocations to the same region
    and year are serialised and can never together exceed the grant.

    ``expected_version`` (from an edit form) makes the call refuse with
    ``StaleEdit`` when the budget was saved by someone else in the meantime;
    ``must_be_new`` (a "new allocation" form) refuses to overwrite an existing one.
    """
    try:
        grant = Grant.objects.select_for_update().get(region_id=project.region_id, fiscal_year=fiscal_year)
    except Grant.DoesNotExist:
        raise ValidationError(
            {"grant": _("この地域のこの年度の交付決定がないため、配分できません。")},
            code="no_grant",
        ) from None
    existing = ProjectBudget.objects.filter(project=project, grant=grant)
    budget_pk = existing.values_list("pk", flat=True).first()
    if must_be_new and budget_pk is not None:
        raise ValidationError(
            {"fiscal_year": _("この年度の配分は既に登録されています。配分の編集画面から変更してください。")},
            code="exists",
        )
    if budget_pk is None:
        budget = ProjectBudget(project=project, grant=grant)
    else:
        budget = claim_version(existing, pk=budget_pk, expected_version=expected_version)
    budget.allocated = allocated
    if overrun_reason is not None:
        budget.overrun_reason = overrun_reason
    budget.full_clean()
    budget.save()
    return budget


@dataclass(frozen=True)
class CopiedAllocation:
    """One row of a copy-forward: the project, the amount copied and the target grant left after it."""

    project: JointResearchProject
    allocated: int
    grant_left: int


@dataclass(frozen=True)
class CopyForwardResult:
    source_year: int
    target_year: int
    grant_amount: int
    grant_left: int
    rows: list[CopiedAllocation]

    @property
    def copied_total(self) -> int:
        return sum(row.allocated for row in self.rows)


class _DryRun(Exception):
    def __init__(self, result: CopyForwardResult):
        super().__init__()
        self.result = result


def _named_refusal(project: JointResearchProject, error: ValidationError) -> ValidationError:
    """The allocation rule's own message, prefixed with the project it refused."""
    return ValidationError(
        [
            ValidationError(
                _("%(project)s：%(message)s"),
                params={"project": f"{project.code} {project.title}", "message": message},
                code=getattr(error, "code", None) or "invalid",
            )
            for message in error.messages
        ]
    )


@transaction.atomic
def budgets_copy_forward(
    *, user, source_year: int, target_year: int, project_pks: list[int], dry_run: bool = False
) -> CopyForwardResult:
    """Copy the chosen projects' allocations (配分額) of ``source_year`` to ``target_year``, all or nothing.

    Each copy is an ordinary new allocation through :func:`budget_allocate` (``must_be_new``), so the rules
    are the allocation's own: the target year needs a grant of the region, the allocations of the year stay
    within it (the grant row is locked), and a project already allocated in the target year is refused. A
    refusal names the project and saves nothing. ``dry_run`` runs the same copy and rolls it back: the
    preview shows exactly what the confirmation would save, or its refusal. A project outside the user's
    region raises ``DoesNotExist`` (the view's 404).
    """
    permissions.require_workspace(user)
    if source_year == target_year:
        raise ValidationError(_("コピー元とコピー先には別の年度を選んでください。"), code="same_year")
    pks = sorted(set(project_pks))
    if not pks:
        raise ValidationError(_("コピーするプロジェクトを1件以上選んでください。"), code="no_projects")
    projects = JointResearchProject.objects.editable_by(user).in_bulk(pks)
    if len(projects) != len(pks):
        raise JointResearchProject.DoesNotExist
    sources = {
        budget.project_id: budget.allocated
        for budget in ProjectBudget.objects.editable_by(user).filter(project_id__in=pks, grant__fiscal_year=source_year)
    }
    ordered = sorted(projects.values(), key=lambda project: project.code)
    try:
        with transaction.atomic():
            rows = []
            grant = None
            for project in ordered:
                if project.pk not in sources:
                    raise ValidationError(
                        _("%(project)s：%(year)sの配分がないため、コピーできません。"),
                        params={"project": f"{project.code} {project.title}", "year": fiscal_year_label(source_year)},
                        code="no_source",
                    )
                try:
                    budget = budget_allocate(
                        project=project, fiscal_year=target_year, allocated=sources[project.pk], must_be_new=True
                    )
                except ValidationError as error:
                    raise _named_refusal(project, error) from None
                grant = budget.grant
                rows.append(CopiedAllocation(project, budget.allocated, grant.amount - grant.allocated_total()))
            result = CopyForwardResult(
                source_year=source_year,
                target_year=target_year,
                grant_amount=grant.amount,
                grant_left=rows[-1].grant_left,
                rows=rows,
            )
            if dry_run:
                raise _DryRun(result)
    except _DryRun as preview:
        return preview.result
    return result


# ---------------------------------------------------------------- helpers


# ---------------------------------------------------------------- organisations


@transaction.atomic
def organization_create(*, name: str, kind: str, name_en: str = "") -> Organization:
    """Register a new organisation (entered inline on a project form). The slug is generated."""
    name = (name or "").strip()
    organization = Organization(
        name=name, name_en=name_en.strip(), kind=kind, slug=f"org-{secrets.token_hex(6)}", is_generated=False
    )
    organization.full_clean()
    organization.save()
    return organization


# ---------------------------------------------------------------- projects and participants

PROJECT_FIELDS = (
    "code",
    "title",
    "title_en",
    "theme",
    "summary",
    "start_date",
    "end_date",
    "host_organization",
)


@dataclass(frozen=True)
class ParticipantInput:
    """One row of the participants formset: an existing organisation, or a new one to register."""

    role: str
    organization: Organization | None = None
    new_name: str = ""
    new_kind: str = ""


def _replace_participations(project: JointResearchProject, participants: list[ParticipantInput]) -> None:
    seen: set[int] = set()
    rows = []
    for participant in participants:
        organization = participant.organization
        if organization is None:
            organization = organization_create(name=participant.new_name, kind=participant.new_kind)
        if organization.pk in seen:
            raise ValidationError(
                _("「%(name)s」が参画機関に重複しています。") % {"name": organization.name}, code="duplicate"
            )
        seen.add(organization.pk)
        rows.append(Participation(project=project, organization=organization, role=participant.role))
    for row in rows:
        # One row per organisation is ensured above (``seen``); the unique constraint would also
        # compare with the rows about to be replaced.
        row.full_clean(validate_unique=False, validate_constraints=False)
    # Only what changed is written, one row at a time, so the project's history lists each
    # participant added, removed or given another role once (not the whole roster every save).
    wanted = {row.organization_id: row for row in rows}
    existing = {participation.organization_id: participation for participation in project.participations.all()}
    for organization_id, participation in existing.items():
        if organization_id not in wanted:
            participation.delete()
    for organization_id, row in wanted.items():
        participation = existing.get(organization_id)
        if participation is None:
            row.save()
        elif participation.role != row.role:
            participation.role = row.role
            participation.save()


@transaction.atomic
def project_create(*, user, data: dict, participants: list[ParticipantInput]) -> JointResearchProject:
    """A new joint research project of the user's own region, with its participants."""
    permissions.require_workspace(user)
    project = JointResearchProject(region_id=user.region_id)
    assign_fields(project, data, PROJECT_FIELDS)
    project.full_clean()
    project.save()
    _replace_participations(project, participants)
    return project


@transaction.atomic
def project_update(
    *, user, project_pk: int, expected_version: int, data: dict, participants: list[ParticipantInput]
) -> JointResearchProject:
    """Save an edited project and its participants, unless someone saved it after the form was opened."""
    permissions.require_workspace(user)
    project = claim_version(
        JointResearchProject.objects.editable_by(user), pk=project_pk, expected_version=expected_version
    )
    assign_fields(project, data, PROJECT_FIELDS)
    project.full_clean()
    project.save()
    _replace_participations(project, participants)
    return project


@transaction.atomic
def project_change_status(*, user, project_pk: int, target: str, reason: str = "") -> JointResearchProject:
    project = claim_version(JointResearchProject.objects.editable_by(user), pk=project_pk, expected_version=None)
    JointResearchProject.workflow.apply(project, target, user=user, reason=reason)
    return project


# ---------------------------------------------------------------- publication


@transaction.atomic
def publication_set(*, user, obj: models.Model, publish: bool, reason: str = "") -> models.Model:
    """Publish or withdraw an object that has ``is_published`` (projects, results, coordinators, events).

    Headquarters staff decide for their own region; ministry staff may only withdraw.
    The change is logged in ``TransitionLog`` (published/unpublished) with who and why.
    """
    model = type(obj)
    locked = model.objects.select_for_update().get(pk=obj.pk)
    allowed = permissions.can_publish(user, locked) if publish else permissions.can_unpublish(user, locked)
    if not allowed:
        raise PermissionDenied
    if locked.is_published == publish:
        return locked
    locked = claim_version(model.objects.all(), pk=locked.pk, expected_version=None)
    locked.is_published = publish
    locked.save()
    TransitionLog.record(
        locked,
        source="unpublished" if publish else "published",
        target="published" if publish else "unpublished",
        user=user,
        reason=reason,
    )
    return locked


# ---------------------------------------------------------------- execution (執行)

EXPENDITURE_FIELDS = ("category", "amount", "spent_on", "description")


def _lock_budget(user, budget_pk: int) -> ProjectBudget:
    """Claim the budget whose 執行額 an entry changes (its version moves with the total)."""
    return claim_version(
        ProjectBudget.objects.editable_by(user).select_related("grant"), pk=budget_pk, expected_version=None
    )


def _recompute_executed(budget: ProjectBudget, overrun_reason: str | None) -> ProjectBudget:
    """執行額 is the sum of the entries; above 配分額 it needs a recorded reason."""
    budget.executed = budget.expenditures.aggregate(total=models.Sum("amount"))["total"] or 0
    if overrun_reason is not None and overrun_reason.strip():
        budget.overrun_reason = overrun_reason.strip()
    try:
        budget.full_clean()
    except ValidationError as error:
        if "overrun_reason" in error.message_dict:
            raise ValidationError(
                {
                    "overrun_reason": _(
                        "執行額の合計（%(executed)s）が配分額（%(allocated)s）を超えます。理由を入力してください。"
                    )
                    % {"executed": f"{budget.executed:,}円", "allocated": f"{budget.allocated:,}円"}
                },
                code="overrun",
            ) from None
        raise
    budget.save()
    return budget


@transaction.atomic
def budget_recompute_executed(*, budget_pk: int) -> ProjectBudget:
    """執行額 = the sum of the budget's entries, recomputed under the budget's row lock (for the admin,
    which edits entries directly); refused when the sum exceeds 配分額 without a recorded reason."""
    budget = ProjectBudget.objects.select_for_update(of=("self",)).select_related("grant", "project").get(pk=budget_pk)
    return _recompute_executed(budget, None)


@transaction.atomic
def expenditure_create(*, user, budget_pk: int, data: dict, overrun_reason: str = "") -> Expenditure:
    """Add an execution entry and update the budget's 執行額 (the budget row is locked meanwhile)."""
    permissions.require_workspace(user)
    budget = _lock_budget(user, budget_pk)
    expenditure = Expenditure(budget=budget)
    assign_fields(expenditure, data, EXPENDITURE_FIELDS)
    expenditure.full_clean()
    expenditure.save()
    _recompute_executed(budget, overrun_reason)
    return expenditure


@transaction.atomic
def expenditure_update(
    *, user, expenditure_pk: int, expected_version: int, data: dict, overrun_reason: str = ""
) -> Expenditure:
    """Correct an execution entry (entries are never deleted); the budget's 執行額 follows."""
    permissions.require_workspace(user)
    budget_pk = Expenditure.objects.editable_by(user).values_list("budget_id", flat=True).get(pk=expenditure_pk)
    budget = _lock_budget(user, budget_pk)
    expenditure = claim_version(
        Expenditure.objects.editable_by(user), pk=expenditure_pk, expected_version=expected_version
    )
    assign_fields(expenditure, data, EXPENDITURE_FIELDS)
    expenditure.full_clean()
    expenditure.save()
    _recompute_executed(budget, overrun_reason)
    return expenditure


@dataclass(frozen=True)
class ExpenditureLine:
    """One row of a bulk execution entry: its row number on the page (for messages), the budget and the entry."""

    row: int
    budget_pk: int
    category: str
    amount: int
    spent_on: datetime.date
    description: str = ""
    receipts: tuple = ()


def _row_messages(row: int, error: ValidationError, model) -> list[ValidationError]:
    """「3行目「金額（円）」: …」 for each message of a row's refusal."""
    found = []
    for name, messages in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
        try:
            column = str(model._meta.get_field(name).verbose_name) if name else ""
        except Exception:
            column = ""
        for message in messages:
            if column:
                text = _("%(row)d行目「%(column)s」: %(message)s") % {"row": row, "column": column, "message": message}
            else:
                text = _("%(row)d行目: %(message)s") % {"row": row, "message": message}
            found.append(ValidationError(text, code="row"))
    return found


@transaction.atomic
def expenditures_record_batch(*, user, batch: str, lines: list[ExpenditureLine]) -> list[Expenditure]:
    """Record many execution entries (and their receipts) at once: all of them, or none.

    ``batch`` is the page's one-time key, stored on every line: a batch already recorded (a double
    click, a reload, a resubmitted page) returns its lines and records nothing again. The budgets
    concerned are locked (in pk order) before anything is checked; every line is validated by the
    entry's own rules and every refusal is named by row and column. 執行額 is recomputed per budget
    once all its lines are in, so an overrun is judged on the batch as a whole: the batch is refused
    when it takes a budget above 配分額 (a reason for an overrun is given through the single entry form).
    """
    permissions.require_workspace(user)
    if not batch:
        raise ValidationError(_("送信内容が正しくありません。ページを開き直してください。"), code="no_batch")
    if not lines:
        raise ValidationError(_("登録する執行を1行以上入力してください。"), code="empty")
    already = Expenditure.objects.filter(batch=batch).order_by("pk")
    if already.exists():
        return list(already)
    budgets = {pk: _lock_budget(user, pk) for pk in sorted({line.budget_pk for line in lines})}
    if already.exists():  # the same batch recorded while this one waited for the budgets' locks
        return list(already)
    errors: list[ValidationError] = []
    entries = []
    for line in sorted(lines, key=lambda item: item.row):
        expenditure = Expenditure(budget=budgets[line.budget_pk], batch=batch)
        assign_fields(expenditure, vars(line), EXPENDITURE_FIELDS)
        try:
            expenditure.full_clean()
        except ValidationError as error:
            errors += _row_messages(line.row, error, Expenditure)
        receipts = []
        for upload in line.receipts:
            receipt = Receipt(expenditure=expenditure, file=upload, original_name=upload.name[:200], uploaded_by=user)
            try:
                receipt.full_clean(exclude=["expenditure"])
            except ValidationError as error:
                errors += _row_messages(line.row, error, Receipt)
            receipts.append((receipt, upload))
        entries.append((line, expenditure, receipts))
    if errors:
        raise ValidationError(errors)
    stored = []
    try:
        for _line, expenditure, receipts in entries:
            expenditure.save()
            for receipt, upload in receipts:
                receipt.expenditure = expenditure
                uploads.store(receipt.file, upload.name, upload)
                stored.append(receipt.file)
                receipt.save()
        for budget in budgets.values():
            try:
                _recompute_executed(budget, None)
            except ValidationError:
                rows = "、".join(str(line.row) for line, *_rest in entries if line.budget_pk == budget.pk)
                errors.append(
                    ValidationError(
                        _(
                            "%(rows)s行目: %(project)sの執行額の合計（%(executed)s）が配分額（%(allocated)s）を"
                            "超えます。超える分は理由を添えて執行の個別登録から入力してください。"
                        )
                        % {
                            "rows": rows,
                            "project": f"{budget.project.code} {budget.project.title}",
                            "executed": format_yen(budget.executed),
                            "allocated": format_yen(budget.allocated),
                        },
                        code="overrun",
                    )
                )
        if errors:
            raise ValidationError(errors)
    except Exception:
        for field_file in stored:
            uploads.discard(field_file)
        raise
    return [expenditure for _line, expenditure, _receipts in entries]


@transaction.atomic
def receipt_attach(*, user, expenditure_pk: int, file) -> Receipt:
    """Attach a receipt (PDF or image, checked by content) to one of the region's execution entries."""
    permissions.require_workspace(user)
    expenditure = Expenditure.objects.editable_by(user).select_for_update().get(pk=expenditure_pk)
    receipt = Receipt(expenditure=expenditure, file=file, original_name=file.name[:200], uploaded_by=user)
    receipt.full_clean()
    uploads.store(receipt.file, file.name, file)  # storage refused: ValidationError, nothing kept
    try:
        receipt.save()
    except Exception:
        uploads.discard(receipt.file)
        raise
    return receipt


@transaction.atomic
def receipt_delete(*, user, receipt_pk: int) -> Expenditure:
    """Remove a receipt attached by mistake; its history row (who, when, which file) stays. The stored
    file is removed once the deletion is committed."""
    permissions.require_workspace(user)
    receipt = Receipt.objects.editable_by(user).select_for_update().select_related("expenditure").get(pk=receipt_pk)
    expenditure = receipt.expenditure
    field_file = receipt.file
    receipt.delete()
    transaction.on_commit(lambda: uploads.discard(field_file))
    return expenditure


# ---------------------------------------------------------------- progress reports

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


# ---------------------------------------------------------------- results (成果)

OUTCOME_FIELDS = (
    "kind",
    "title",
    "title_en",
    "occurred_on",
    "description",
    "application_number",
    "country",
    "applicants",
    "inventors",
    "registration_number",
    "granted_on",
    "doi",
    "product",
    "company",
)


def _check_outcome_project(user, project: JointResearchProject) -> JointResearchProject:
    return JointResearchProject.objects.editable_by(user).get(pk=project.pk)


@transaction.atomic
def outcome_create(*, user, project: JointResearchProject, data: dict) -> Outcome:
    permissions.require_workspace(user)
    outcome = Outcome(project=_check_outcome_project(user, project))
    assign_fields(outcome, data, (*OUTCOME_FIELDS, "is_published"))
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def outcome_update(*, user, outcome_pk: int, expected_version: int, data: dict) -> Outcome:
    permissions.require_workspace(user)
    outcome = claim_version(Outcome.objects.editable_by(user), pk=outcome_pk, expected_version=expected_version)
    if "project" in data:
        outcome.project = _check_outcome_project(user, data["project"])
    assign_fields(outcome, data, OUTCOME_FIELDS)
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def outcome_grant_patent(
    *, user, outcome_pk: int, expected_version: int, registration_number: str, granted_on: datetime.date
) -> Outcome:
    """A patent application becomes a granted patent: same row, same application data, no re-entry."""
    permissions.require_workspace(user)
    outcome = claim_version(Outcome.objects.editable_by(user), pk=outcome_pk, expected_version=expected_version)
    if outcome.kind != OutcomeKind.PATENT_APPLICATION:
        raise ValidationError(_("特許出願の成果だけを登録済みにできます。"), code="not_application")
    if granted_on and outcome.occurred_on and granted_on < outcome.occurred_on:
        raise ValidationError({"granted_on": _("登録日は出願日以降にしてください。")})
    outcome.kind = OutcomeKind.PATENT_GRANTED
    outcome.registration_number = registration_number.strip()
    outcome.granted_on = granted_on
    outcome.full_clean()
    outcome.save()
    return outcome


# ---------------------------------------------------------------- events (regions.Event)
# Forums and results presentations (フォーラム・成果発表会) entered by headquarters staff. They
# live here, not in regions, because an event names the projects it presented. Publication
# goes through ``publication_set`` like every publishable object.

EVENT_FIELDS = ("kind", "title", "title_en", "starts_on", "ends_on", "venue", "organizer", "attendance", "description")


def _own_projects(user, projects) -> list[JointResearchProject]:
    projects = list(projects or [])
    own = set(
        JointResearchProject.objects.editable_by(user)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    if any(project.pk not in own for project in projects):
        raise ValidationError({"presented_projects": _("自地域のプロジェクトだけを選べます。")}, code="foreign_project")
    return projects


@transaction.atomic
def event_create(*, user, data: dict, presented_projects=()) -> Event:
    """A forum or results presentation of the user's own region (unpublished until published)."""
    permissions.require_workspace(user)
    event = Event(region_id=user.region_id, is_published=False)
    assign_fields(event, data, EVENT_FIELDS)
    event.full_clean()
    projects = _own_projects(user, presented_projects)
    event.save()
    event.presented_projects.set(projects)
    return event


@transaction.atomic
def event_update(*, user, event_pk: int, expected_version: int, data: dict, presented_projects=()) -> Event:
    """Save an edited event unless someone saved it after the form was opened (``StaleEdit``)."""
    permissions.require_workspace(user)
    event = claim_version(Event.objects.editable_by(user), pk=event_pk, expected_version=expected_version)
    assign_fields(event, data, EVENT_FIELDS)
    event.full_clean()
    projects = _own_projects(user, presented_projects)
    event.save()
    event.presented_projects.set(projects)
    return event


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
