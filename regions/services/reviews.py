"""Review (審査): reviewer assignment, conflict-of-interest declarations, scores, the review table, reminders.

The review table: a reviewer's *weighted mean* is sum(score × weight) / sum(weight) over the
criteria they scored; a proposal's weighted mean is the plain mean of its reviewers' weighted
means (submitted reviews only); its *spread* is max − min of those reviewers' weighted means
(0 with one reviewer, empty with none). Reviews are *missing* for every assignment without a
declared conflict whose scores are not submitted (including undeclared conflicts).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.concurrency import claim_version
from cluster_portal.models import Role, TransitionLog, User
from notifications import outbox, recipients
from regions import permissions
from regions.models import (
    Call,
    ConflictLiftRequest,
    LiftStatus,
    Proposal,
    ProposalStatus,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewRecommendation,
    SelectionDecision,
    call_day,
)
from regions.services import review_statistics

# Why a user of another role may not do this (PermissionDenied).
ASSIGNMENTS_DENIED = gettext_lazy("審査委員を割り当てる権限がありません。")


@transaction.atomic
def assignment_create(*, user, proposal: Proposal, reviewer: User) -> ReviewAssignment:
    """Assign a reviewer; the first assignment moves a submitted proposal to 審査中 (logged)."""
    permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not permissions.can_assign_reviewers(user, proposal):
        raise ValidationError(
            _("「%(status)s」の提案書には審査委員を割り当てられません。") % {"status": proposal.get_status_display()},
            code="bad_state",
        )
    if reviewer.role != Role.REVIEWER or not reviewer.is_active:
        raise ValidationError({"reviewer": _("審査委員の役割を持つユーザーを選んでください。")})
    conflict = assignment_conflict(proposal=proposal, reviewer=reviewer)
    if conflict:
        raise ValidationError({"reviewer": conflict}, code="conflict")
    assignment = ReviewAssignment(proposal=proposal, reviewer=reviewer)
    assignment.full_clean()
    assignment.save()
    outbox.notify(
        "review_assigned",
        [reviewer],
        context={"title": proposal.title, "call": proposal.call.title, "call_obj": proposal.call, "proposal": proposal},
        path=reverse("reviews:detail", kwargs={"pk": assignment.pk}),
    )
    if proposal.status == ProposalStatus.SUBMITTED:
        Proposal.workflow.apply(
            proposal, ProposalStatus.UNDER_REVIEW, user=user, reason=_("審査委員の割り当てにより審査を開始")
        )
    return assignment


def assignment_conflict(*, proposal: Proposal, reviewer: User, declared: set[tuple[int, int]] | None = None) -> str:
    """Why ``reviewer`` may not review ``proposal`` (empty when they may).

    Known conflicts are the declared ones (an assignment with 利害関係あり stays on record). Nothing
    in the data model links a reviewer to an organisation, so an affiliation with the applicant or
    a participant cannot be detected automatically; the reviewer's declaration is the rule.
    ``declared`` (pairs of proposal id and reviewer id) saves a query per cell on the bulk grid."""
    if declared is None:
        has_conflict = ReviewAssignment.objects.filter(proposal=proposal, reviewer=reviewer, has_conflict=True).exists()
    else:
        has_conflict = (proposal.pk, reviewer.pk) in declared
    if has_conflict:
        return _("%(reviewer)s は「%(title)s」について利害関係を申告しているため割り当てられません。") % {
            "reviewer": reviewer,
            "title": proposal.title,
        }
    return ""


@transaction.atomic
def assignment_remove(*, user, assignment: ReviewAssignment) -> None:
    """Remove an assignment that has no scores yet."""
    permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.scores.exists():
        raise ValidationError(_("評点が登録された割り当ては解除できません。"), code="has_scores")
    assignment.delete()


def _load_own_assignment(user, assignment: ReviewAssignment, expected_version: int | None = None) -> ReviewAssignment:
    assignment = claim_version(
        ReviewAssignment.objects.select_related("proposal__call"), pk=assignment.pk, expected_version=expected_version
    )
    if not permissions.is_reviewer(user) or assignment.reviewer_id != user.pk:
        raise PermissionDenied(_("この審査を行う権限がありません。"))
    return assignment


@transaction.atomic
def conflict_declare(*, user, assignment: ReviewAssignment, has_conflict: bool, note: str = "") -> ReviewAssignment:
    """The reviewer declares (once) whether they have a conflict of interest; a conflict removes them."""
    assignment = _load_own_assignment(user, assignment)
    if assignment.conflict_declared_at is not None:
        raise ValidationError(_("利害関係の申告は既に済んでいます。"), code="already_declared")
    if assignment.proposal.status != ProposalStatus.UNDER_REVIEW:
        raise ValidationError(_("この提案書の審査は終了しています。"), code="review_closed")
    if has_conflict and not note.strip():
        raise ValidationError({"conflict_note": _("利害関係の内容を入力してください。")})
    assignment.has_conflict = has_conflict
    assignment.conflict_note = note.strip() if has_conflict else ""
    assignment.conflict_declared_at = timezone.now()
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def review_save(
    *,
    user,
    assignment: ReviewAssignment,
    scores: dict[int, tuple[int, str]],
    overall_comment: str = "",
    recommendation: str = "",
    today: datetime.date | None = None,
    expected_version: int | None = None,
) -> ReviewAssignment:
    """Save every criterion's score and comment, the 総評 and the 総合判定 at once; editable until the
    review closes.

    ``scores`` maps criterion id → (score, comment). Every criterion of the call must be
    scored within its scale and the recommendation must be one of ``ReviewRecommendation``;
    otherwise nothing is saved. ``expected_version`` (from the score
    form) refuses with ``StaleEdit`` when the scores were saved after the form was opened.
    """
    assignment = _load_own_assignment(user, assignment, expected_version)
    today = today or call_day()
    if assignment.conflict_declared_at is None:
        raise ValidationError(_("採点の前に利害関係の有無を申告してください。"), code="undeclared")
    if not permissions.can_review(user, assignment):
        raise ValidationError(_("この提案書の審査は終了しているか、利害関係により担当から外れています。"))
    if not assignment.proposal.call.is_review_open(today):
        raise ValidationError(
            _("審査締切日（%(day)s）を過ぎたため、評点を変更できません。延長は文部科学省の担当者にご相談ください。")
            % {"day": assignment.proposal.call.review_closes_on.isoformat()},
            code="review_closed",
        )
    criteria = list(assignment.proposal.call.criteria.all())
    errors = {}
    for criterion in criteria:
        score, _comment = scores.get(criterion.pk, (None, ""))
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= criterion.max_score:
            errors[f"score_{criterion.pk}"] = _("評点は1〜%(max)dで入力してください。") % {"max": criterion.max_score}
    if recommendation not in ReviewRecommendation.values:
        errors["recommendation"] = _("総合判定（採択を推奨する・条件付きで推奨する・推奨しない）を選んでください。")
    if set(scores) - {criterion.pk for criterion in criteria}:
        errors["__all__"] = _("この公募にない評価項目が含まれています。")
    if errors:
        raise ValidationError(errors)
    existing = {review.criterion_id: review for review in assignment.scores.all()}
    for criterion in criteria:
        score, comment = scores[criterion.pk]
        review = existing.get(criterion.pk) or Review(assignment=assignment, criterion=criterion)
        review.score = score
        review.comment = comment
        review.full_clean()
        review.save()
    assignment.overall_comment = overall_comment
    assignment.recommendation = recommendation
    assignment.submitted_at = timezone.now()
    assignment.full_clean()
    assignment.save()
    return assignment


# --- the review table ----------------------------------------------------------------------------


def weighted_mean(reviews: list[Review], criteria: dict[int, ReviewCriterion]) -> float | None:
    total_weight = sum(criteria[review.criterion_id].weight for review in reviews if review.criterion_id in criteria)
    if not total_weight:
        return None
    weighted = sum(
        review.score * criteria[review.criterion_id].weight for review in reviews if review.criterion_id in criteria
    )
    return weighted / total_weight


@dataclass
class ReviewerRow:
    assignment: ReviewAssignment
    scores: list[int | None]
    mean: float | None
    is_missing: bool


@dataclass
class ProposalRow:
    proposal: Proposal
    reviewers: list[ReviewerRow] = field(default_factory=list)
    mean: float | None = None
    spread: float | None = None
    missing: int = 0
    conflicts: int = 0


SORT_KEYS = {
    "title": lambda row: row.proposal.title,
    "region": lambda row: row.proposal.region.name,
    "status": lambda row: row.proposal.status,
    "mean": lambda row: (row.mean is None, -(row.mean or 0)),
    "spread": lambda row: (row.spread is None, -(row.spread or 0)),
    "missing": lambda row: -row.missing,
}
DEFAULT_SORT = "mean"


def review_table(*, call: Call, sort: str = DEFAULT_SORT) -> tuple[list[ReviewCriterion], list[ProposalRow]]:
    """Per proposal of ``call``: every reviewer's scores, the weighted mean, spread and missing reviews.

    Four queries whatever the number of proposals and reviewers. ``sort`` is a key of
    ``SORT_KEYS``, optionally prefixed with ``-`` to reverse; unknown keys use the default.
    """
    criteria = list(call.criteria.all())
    by_id = {criterion.pk: criterion for criterion in criteria}
    proposals = (
        Proposal.objects.filter(call=call)
        .exclude(status__in=(ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN))
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "review_assignments",
                queryset=ReviewAssignment.objects.select_related("reviewer").prefetch_related("scores"),
            )
        )
    )
    rows = []
    for proposal in proposals:
        row = ProposalRow(proposal=proposal)
        means = []
        for assignment in proposal.review_assignments.all():
            if assignment.has_conflict:
                row.conflicts += 1
                continue
            reviews = list(assignment.scores.all())
            by_criterion = {review.criterion_id: review.score for review in reviews}
            is_missing = assignment.submitted_at is None
            mean = None if is_missing else weighted_mean(reviews, by_id)
            if mean is not None:
                means.append(mean)
            row.missing += int(is_missing)
            row.reviewers.append(
                ReviewerRow(
                    assignment=assignment,
                    scores=[by_criterion.get(criterion.pk) for criterion in criteria],
                    mean=mean,
                    is_missing=is_missing,
                )
            )
        if means:
            row.mean = sum(means) / len(means)
            row.spread = max(means) - min(means)
        rows.append(row)
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, sort = DEFAULT_SORT, DEFAULT_SORT
    rows.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))
    return criteria, rows


def late_assignments(*, call: Call):
    """Assignments of proposals under review in ``call`` without a submitted review or a declared conflict."""
    return (
        ReviewAssignment.objects.filter(
            proposal__call=call,
            proposal__status=ProposalStatus.UNDER_REVIEW,
            has_conflict=False,
            submitted_at__isnull=True,
        )
        .select_related("reviewer", "proposal")
        .order_by("reviewer__username", "proposal__title")
    )


def late_assignments_by_reviewer(*, call: Call) -> list[list[ReviewAssignment]]:
    """``late_assignments`` grouped per reviewer (each group is one reviewer's open proposals)."""
    by_reviewer: dict[int, list[ReviewAssignment]] = {}
    for assignment in late_assignments(call=call):
        by_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
    return list(by_reviewer.values())


def reminder_interval() -> datetime.timedelta:
    """How long after a reminder the same assignment is not reminded again (REVIEW_REMINDER_MIN_INTERVAL_HOURS)."""
    return datetime.timedelta(hours=settings.REVIEW_REMINDER_MIN_INTERVAL_HOURS)


@dataclass
class ReminderResult:
    """What ``assignments_remind`` did: the reviewers reminded (with their assignments) and what it skipped, why."""

    sent: dict[User, list[ReviewAssignment]] = field(default_factory=dict)
    skipped: list[tuple[ReviewAssignment, str]] = field(default_factory=list)
    notifications: int = 0


def _skip_reason(assignment: ReviewAssignment, now: datetime.datetime, interval: datetime.timedelta) -> str:
    if assignment.has_conflict:
        return _("利害関係を申告済みです。")
    if assignment.submitted_at is not None:
        return _("審査は提出済みです。")
    if assignment.proposal.status != ProposalStatus.UNDER_REVIEW:
        return _("提案書が審査中ではありません。")
    if not assignment.reviewer.is_active or not assignment.reviewer.email:
        return _("審査委員のメールアドレスが登録されていません。")
    if assignment.last_reminded_at is not None and now - assignment.last_reminded_at < interval:
        return _("前回の督促（%(when)s）から%(hours)d時間以内です。") % {
            "when": timezone.localtime(assignment.last_reminded_at).strftime("%Y-%m-%d %H:%M"),
            "hours": interval.total_seconds() // 3600,
        }
    return ""


@transaction.atomic
def assignments_remind(
    *,
    user,
    assignments,
    kind: str = "review_reminder",
    context: dict | None = None,
    dedupe_key: str = "",
    now: datetime.datetime | None = None,
) -> ReminderResult:
    """Remind the reviewers of ``assignments``: one notification per reviewer and call, listing their open proposals.

    The one reminder mechanism: the review table's button, the bulk reminder page and the
    scheduled review-deadline notice (``send_reminders``, ``user=None``) all come here. An
    assignment is skipped (with the reason) when its review is submitted, a conflict was declared,
    the proposal is not under review, the reviewer has no e-mail address, or it was reminded less
    than ``REVIEW_REMINDER_MIN_INTERVAL_HOURS`` ago. A reminded assignment records ``last_reminded_at``.
    """
    if user is not None:
        permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    now = now or timezone.now()
    interval = reminder_interval()
    pks = [assignment.pk for assignment in assignments]
    locked = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("reviewer", "proposal__call")
        .order_by("reviewer__username", "proposal__title", "pk")
    )
    result = ReminderResult()
    groups: dict[tuple[int, int], list[ReviewAssignment]] = {}
    for assignment in locked:
        reason = _skip_reason(assignment, now, interval)
        if reason:
            result.skipped.append((assignment, reason))
        else:
            groups.setdefault((assignment.reviewer_id, assignment.proposal.call_id), []).append(assignment)
    for group in groups.values():
        reviewer, call = group[0].reviewer, group[0].proposal.call
        created = outbox.notify(
            kind,
            [reviewer],
            context={**(context or {}), "call": call.title, "call_obj": call, "assignments": group},
            path=reverse("reviews:list"),
            dedupe_key=dedupe_key,
        )
        if not created:
            result.skipped += [(assignment, _("同じ通知は送信済みです。")) for assignment in group]
            continue
        result.notifications += len(created)
        ReviewAssignment.objects.filter(pk__in=[assignment.pk for assignment in group]).update(last_reminded_at=now)
        result.sent.setdefault(reviewer, []).extend(group)
    return result


def reviewers_remind(*, user, call: Call, now: datetime.datetime | None = None) -> ReminderResult:
    """Remind every late reviewer of ``call`` (the review table's button), under the reminder interval."""
    permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    return assignments_remind(user=user, assignments=list(late_assignments(call=call)), now=now)


# --- lifting a mistaken conflict declaration -------------------------------------------------------


@transaction.atomic
def conflict_lift_request(*, user, assignment: ReviewAssignment, reason: str) -> ConflictLiftRequest:
    """The reviewer who declared a conflict asks the ministry to lift it (logged).

    Only the assignment's own reviewer, only on a declared conflict, only while the proposal is
    under review, and only one request pending at a time.
    """
    assignment = _load_own_assignment(user, assignment)
    if not assignment.has_conflict:
        raise ValidationError(_("利害関係を申告していないため、取消しを申請できません。"), code="no_conflict")
    if assignment.proposal.status != ProposalStatus.UNDER_REVIEW:
        raise ValidationError(_("この提案書の審査は終了しています。"), code="review_closed")
    if not reason.strip():
        raise ValidationError({"reason": _("取消しを求める理由を入力してください。")})
    if assignment.lift_requests.filter(status=LiftStatus.PENDING).exists():
        raise ValidationError(_("この申告には審査待ちの取消し申請が既にあります。"), code="already_pending")
    request = ConflictLiftRequest(
        assignment=assignment,
        reason=reason.strip(),
        declared_note=assignment.conflict_note,
        declared_at=assignment.conflict_declared_at,
    )
    request.full_clean()
    request.save()
    TransitionLog.record(request, source="", target=LiftStatus.PENDING, user=user, reason=request.reason)
    proposal = assignment.proposal
    outbox.notify(
        "conflict_lift_requested",
        recipients.ministry_staff(),
        context={"title": proposal.title, "proposal": proposal, "reviewer": user, "reason": request.reason},
        path=reverse("ministry:review_read", kwargs={"code": proposal.call.code}),
    )
    return request


@transaction.atomic
def conflict_lift_decide(*, user, lift: ConflictLiftRequest, approve: bool, comment: str = "") -> ConflictLiftRequest:
    """Ministry staff approve (the declaration is cleared: the reviewer declares again and may
    review) or reject (a comment is required) a pending request; logged in TransitionLog."""
    permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    lift = ConflictLiftRequest.objects.select_for_update().select_related("assignment__proposal").get(pk=lift.pk)
    if lift.status != LiftStatus.PENDING:
        raise ValidationError(_("この取消し申請は既に判断されています。"), code="already_decided")
    assignment = ReviewAssignment.objects.select_for_update().get(pk=lift.assignment_id)
    if approve and lift.assignment.proposal.status != ProposalStatus.UNDER_REVIEW:
        raise ValidationError(_("この提案書の審査は終了しているため、申告を取り消せません。"), code="review_closed")
    target = LiftStatus.APPROVED if approve else LiftStatus.REJECTED
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("却下する理由を入力してください。")})
    lift.decided_by = user
    lift.decided_at = timezone.now()
    lift.decision_comment = comment.strip()
    ConflictLiftRequest.workflow.apply(lift, target, user=user, reason=lift.decision_comment)
    if approve:
        assignment.has_conflict = False
        assignment.conflict_note = ""
        assignment.conflict_declared_at = None
        assignment.full_clean()
        assignment.save()
    proposal = lift.assignment.proposal
    outbox.notify(
        "conflict_lift_decided",
        [assignment.reviewer],
        context={"title": proposal.title, "proposal": proposal, "approved": approve, "comment": lift.decision_comment},
        path=reverse("reviews:detail", kwargs={"pk": assignment.pk}),
    )
    return lift


# --- reading the reviews ---------------------------------------------------------------------------


@dataclass
class ReviewSheet:
    """One proposal's reviews side by side: reviewers (no conflict) as columns, criteria as rows."""

    proposal: Proposal
    criteria: list[ReviewCriterion]
    reviewers: list[ReviewAssignment] = field(default_factory=list)
    rows: list[tuple[ReviewCriterion, list[Review | None]]] = field(default_factory=list)
    conflicts: list[ReviewAssignment] = field(default_factory=list)


def _assignments_prefetch():
    return Prefetch(
        "review_assignments",
        queryset=ReviewAssignment.objects.select_related("reviewer")
        .prefetch_related(
            "scores", Prefetch("lift_requests", queryset=ConflictLiftRequest.objects.select_related("decided_by"))
        )
        .order_by("reviewer__username", "pk"),
    )


def review_sheets(*, call: Call | None = None, proposal: Proposal | None = None) -> list[ReviewSheet]:
    """Every review in full (scores, comments, 総評, submission time) and every conflict declaration
    of ``call``'s proposals under review or decided — or of one ``proposal``. For ministry screens only."""
    if proposal is not None:
        proposals = Proposal.objects.filter(pk=proposal.pk)
        call = proposal.call
    else:
        proposals = Proposal.objects.filter(call=call).exclude(
            status__in=(ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN)
        )
    criteria = list(call.criteria.all())
    sheets = []
    for item in proposals.select_related("region").prefetch_related(_assignments_prefetch()).order_by("title", "pk"):
        sheet = ReviewSheet(proposal=item, criteria=criteria)
        for assignment in item.review_assignments.all():
            (sheet.conflicts if assignment.has_conflict else sheet.reviewers).append(assignment)
        by_assignment = {
            assignment.pk: {review.criterion_id: review for review in assignment.scores.all()}
            for assignment in sheet.reviewers
        }
        sheet.rows = [
            (criterion, [by_assignment[assignment.pk].get(criterion.pk) for assignment in sheet.reviewers])
            for criterion in criteria
        ]
        sheets.append(sheet)
    return sheets


def pending_lift_requests(*, call: Call):
    """The requests to lift a conflict awaiting the ministry in ``call``, oldest first."""
    return (
        ConflictLiftRequest.objects.filter(assignment__proposal__call=call, status=LiftStatus.PENDING)
        .select_related("assignment__reviewer", "assignment__proposal")
        .order_by("requested_at", "pk")
    )


# --- statistics and the exports --------------------------------------------------------------------


def call_statistics(
    *, call: Call
) -> tuple[list[ReviewCriterion], list[tuple[Proposal, review_statistics.ProposalStats]]]:
    """``review_statistics.compute`` on the submitted reviews (without a conflict) of ``call``."""
    criteria = list(call.criteria.all())
    proposals = list(
        Proposal.objects.filter(call=call)
        .exclude(status__in=(ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN))
        .select_related("region")
        .order_by("title", "pk")
    )
    assignments = ReviewAssignment.objects.filter(
        proposal__in=proposals, has_conflict=False, submitted_at__isnull=False
    ).prefetch_related("scores")
    reviews = [
        review_statistics.ReviewerScores(
            proposal=assignment.proposal_id,
            reviewer=assignment.reviewer_id,
            scores={review.criterion_id: review.score for review in assignment.scores.all()},
        )
        for assignment in assignments
    ]
    results = review_statistics.compute(
        [review_statistics.Criterion(key=c.pk, name=c.name, weight=c.weight) for c in criteria],
        [proposal.pk for proposal in proposals],
        reviews,
    )
    by_pk = {proposal.pk: proposal for proposal in proposals}
    return criteria, [(by_pk[row.proposal], row) for row in results]


def review_export_table(*, call: Call) -> tuple[list[str], list[list]]:
    """One row per assignment × criterion (score and comment, with the 総評 and submission time);
    one row per declared conflict with its note. Headers and rows for ``tabular``'s writer."""
    headers = [
        _("公募コード"),
        _("提案書"),
        _("地域"),
        _("審査委員"),
        _("評価項目"),
        _("重み"),
        _("評点"),
        _("コメント"),
        _("総評"),
        _("総合判定"),
        _("審査提出日時"),
        _("利害関係"),
        _("利害関係の内容"),
        _("利害関係の申告日時"),
    ]
    rows = []
    for sheet in review_sheets(call=call):
        proposal = sheet.proposal
        base = [call.code, proposal.title, proposal.region.display_name]
        for index, assignment in enumerate(sheet.reviewers):
            submitted = timezone.localtime(assignment.submitted_at) if assignment.submitted_at else None
            for criterion, reviews in sheet.rows:
                review = reviews[index]
                rows.append(
                    [
                        *base,
                        str(assignment.reviewer),
                        criterion.name,
                        criterion.weight,
                        review.score if review else None,
                        review.comment if review else "",
                        assignment.overall_comment,
                        assignment.get_recommendation_display(),
                        submitted,
                        _("なし") if assignment.conflict_declared_at else _("未申告"),
                        "",
                        timezone.localtime(assignment.conflict_declared_at)
                        if assignment.conflict_declared_at
                        else None,
                    ]
                )
        for assignment in sheet.conflicts:
            rows.append(
                [
                    *base,
                    str(assignment.reviewer),
                    "",
                    None,
                    None,
                    "",
                    "",
                    "",
                    None,
                    _("あり（審査から除外）"),
                    assignment.conflict_note,
                    timezone.localtime(assignment.conflict_declared_at) if assignment.conflict_declared_at else None,
                ]
            )
    return headers, rows


def statistics_export_table(*, call: Call) -> tuple[list[str], list[list]]:
    """The statistics page as one row per proposal × criterion, the same rounded figures."""
    _criteria, results = call_statistics(call=call)
    headers = [
        _("順位"),
        _("提案書"),
        _("地域"),
        _("審査委員数"),
        _("加重合計"),
        _("標準化得点（zの平均）"),
        _("標準化得点の順位"),
        _("評価項目"),
        _("重み"),
        _("評点の数"),
        _("平均"),
        _("中央値"),
        _("標準偏差（母）"),
        _("最小"),
        _("最大"),
        _("意見の相違"),
    ]
    rows = []
    for proposal, row in results:
        for stat in row.criteria:
            rows.append(
                [
                    row.rank,
                    proposal.title,
                    proposal.region.display_name,
                    row.reviewer_count,
                    row.weighted_total,
                    row.z_mean,
                    row.z_rank,
                    stat.criterion.name,
                    stat.criterion.weight,
                    stat.count,
                    stat.mean,
                    stat.median,
                    stat.stdev,
                    stat.minimum,
                    stat.maximum,
                    _("あり") if stat.disagrees else "",
                ]
            )
    return headers, rows


# --- the call's review summary (printable page and PDF) ----------------------------------------------


@dataclass
class SummaryEntry:
    """One proposal of a call's review summary: its statistics (rank, weighted total, per criterion),
    its requested total and every review in full (reviewers as columns, as on the reading page)."""

    proposal: Proposal
    stats: review_statistics.ProposalStats
    sheet: ReviewSheet
    requested_total: int
    decision: object | None = None


def review_summary(*, call: Call) -> dict:
    """The review summary of ``call`` (審査結果の総括), in rank order: what the statistics page and the
    reading page show, together, for the ministry's printable page and PDF. Ministry only."""
    criteria, results = call_statistics(call=call)
    sheets = {sheet.proposal.pk: sheet for sheet in review_sheets(call=call)}
    requested = {
        proposal.pk: proposal.requested_total()
        for proposal in Proposal.objects.filter(pk__in=sheets).prefetch_related("budget_lines")
    }
    decisions = {
        decision.proposal_id: decision
        for decision in SelectionDecision.objects.filter(proposal__in=list(sheets)).only("proposal", "decision")
    }
    entries = [
        SummaryEntry(
            proposal=proposal,
            stats=stats,
            sheet=sheets[proposal.pk],
            requested_total=requested.get(proposal.pk, 0),
            decision=decisions.get(proposal.pk),
        )
        for proposal, stats in results
        if proposal.pk in sheets
    ]
    return {
        "call": call,
        "criteria": criteria,
        "entries": entries,
        "requested_sum": sum(entry.requested_total for entry in entries),
        "threshold": review_statistics.DISAGREEMENT_THRESHOLD,
        "decimals": review_statistics.DECIMALS,
        "printed_at": timezone.localtime(),
    }
