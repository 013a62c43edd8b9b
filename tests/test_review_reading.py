"""Reading reviews (issue 14, part 1): ministry staff read every review in full on the proposal page
and side by side per call, with the conflict declarations; reviewers never see another reviewer's
review before the decision, the applicant region never sees the reviews of its proposal; a reviewer
keeps a record of a declared conflict and may ask the ministry to lift a mistaken one; exports."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cluster_portal.models import TransitionLog
from regions.models import ConflictLiftRequest, LiftStatus, ProposalStatus, ReviewAssignment
from regions.services import reviews as review_services
from tests import factories
from tests.form_helpers import form_token

pytestmark = pytest.mark.django_db


def posted(prefix: str, **fields) -> dict:
    """A prefixed form (one per request on the page) as posted right after opening it."""
    return {f"{prefix}-form_token": form_token(), **{f"{prefix}-{name}": value for name, value in fields.items()}}


@pytest.fixture
def world(region, hq_user, reviewer_user):
    call = factories.CallFactory(code="read-call")
    originality = factories.ReviewCriterionFactory(call=call, name="独創性", weight=2, order=1)
    factories.ReviewCriterionFactory(call=call, name="実現性", weight=1, order=2)
    proposal = factories.ProposalFactory(call=call, region=region, title="読まれる構想", under_review=True)
    now = timezone.now()
    mine = factories.ReviewAssignmentFactory(
        proposal=proposal,
        reviewer=reviewer_user,
        conflict_declared_at=now,
        submitted_at=now,
        overall_comment="私の総評",
    )
    other = factories.ReviewAssignmentFactory(
        proposal=proposal,
        conflict_declared_at=now,
        submitted_at=now,
        overall_comment="他の委員の総評です",
        recommendation="conditional",
    )
    for assignment, comment in ((mine, "私のコメント"), (other, "他の委員の独創性コメント")):
        for criterion in call.criteria.all():
            factories.ReviewFactory(assignment=assignment, criterion=criterion, score=4, comment=comment)
    conflicted = factories.ReviewAssignmentFactory(
        proposal=proposal,
        conflict_declared_at=now,
        has_conflict=True,
        conflict_note="申請機関（札幌）と共同研究を実施中",
    )
    return {
        "call": call,
        "proposal": proposal,
        "mine": mine,
        "other": other,
        "conflicted": conflicted,
        "criterion": originality,
    }


def test_ministry_reads_every_review_in_full_on_the_proposal_page(client, ministry_user, world):
    client.force_login(ministry_user)
    page = client.get(world["proposal"].get_absolute_url()).content.decode()
    for text in (
        "他の委員の独創性コメント",
        "他の委員の総評です",
        "私の総評",
        "評点 4",
        "総合判定",
        "条件付きで推奨する",
        "申請機関（札幌）と共同研究を実施中",
    ):
        assert text in page
    assert timezone.localtime(world["other"].submitted_at).strftime("%Y-%m-%d %H:%M") in page


def test_ministry_reads_a_calls_reviews_side_by_side(client, ministry_user, world):
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:review_read", args=[world["call"].code])).content.decode()
    for text in (
        "読まれる構想",
        "他の委員の独創性コメント",
        "私のコメント",
        "申請機関（札幌）と共同研究を実施中",
        "総評",
    ):
        assert text in page
    declared = timezone.localtime(world["conflicted"].conflict_declared_at).strftime("%Y-%m-%d %H:%M")
    assert declared in page


def test_reviewer_never_sees_another_reviewers_review_before_the_decision(client, reviewer_user, world):
    client.force_login(reviewer_user)
    pages = [
        client.get(reverse("reviews:detail", args=[world["mine"].pk])),
        client.get(reverse("reviews:list")),
        client.get(world["proposal"].get_absolute_url()),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        assert "他の委員の独創性コメント" not in text and "他の委員の総評です" not in text
    assert "私のコメント" in pages[0].content.decode()
    # the other reviewer's 総合判定 is not shown either (only the reviewer's own form offers the choices)
    assert all("条件付きで推奨する" not in response.content.decode() for response in pages[1:])
    code = world["call"].code
    for url in (
        reverse("ministry:review_read", args=[code]),
        reverse("ministry:review_statistics", args=[code]),
        reverse("ministry:review_export", args=[code, "csv"]),
        reverse("ministry:statistics_export", args=[code, "xlsx"]),
    ):
        assert client.get(url).status_code == 403
    assert client.get(reverse("reviews:detail", args=[world["other"].pk])).status_code == 404


def test_headquarters_never_see_the_reviews_of_their_own_proposal(client, hq_user, world):
    client.force_login(hq_user)
    page = client.get(world["proposal"].get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    for secret in (
        "他の委員の独創性コメント",
        "私の総評",
        "申請機関（札幌）と共同研究を実施中",
        "審査内容（評点・コメント・総評）",
    ):
        assert secret not in text
    code = world["call"].code
    for url in (
        reverse("ministry:review_read", args=[code]),
        reverse("ministry:review_export", args=[code, "xlsx"]),
        reverse("ministry:statistics_export", args=[code, "csv"]),
    ):
        assert client.get(url).status_code == 403


def test_reviews_export_has_a_row_per_assignment_and_criterion_with_comments(client, ministry_user, world):
    client.force_login(ministry_user)
    response = client.get(reverse("ministry:review_export", args=[world["call"].code, "csv"]))
    assert response.status_code == 200 and 'filename="read-call-reviews.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:8] == ["公募コード", "提案書", "地域", "審査委員", "評価項目", "重み", "評点", "コメント"]
    scored = [row for row in body if row[4]]
    assert len(scored) == 4  # two reviewers × two criteria
    other = str(world["other"].reviewer)
    assert [other, "独創性", "2", "4", "他の委員の独創性コメント", "他の委員の総評です"] == scored[
        [row[3] for row in scored].index(other)
    ][3:9]
    conflict_rows = [row for row in body if not row[4]]
    assert len(conflict_rows) == 1 and conflict_rows[0][12] == "申請機関（札幌）と共同研究を実施中"
    assert header[9] == "総合判定"
    assert scored[[row[3] for row in scored].index(other)][9] == "条件付きで推奨する"
    assert client.get(reverse("ministry:review_export", args=[world["call"].code, "json"])).status_code == 404


def test_export_cells_are_formula_safe(client, ministry_user, world):
    review = world["other"].scores.get(criterion=world["criterion"])
    review.comment = '=HYPERLINK("http://example.com")'
    review.save()
    client.force_login(ministry_user)
    text = client.get(reverse("ministry:review_export", args=[world["call"].code, "csv"])).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


# --- the reviewer's record of a declared conflict and the lift request -------------------------------


def test_reviewer_keeps_a_read_only_record_of_their_declaration(client, world):
    reviewer = world["conflicted"].reviewer
    client.force_login(reviewer)
    page = client.get(reverse("reviews:list")).content.decode()
    assert "読まれる構想" in page and "申請機関（札幌）と共同研究を実施中" in page
    assert f'href="{reverse("reviews:detail", args=[world["conflicted"].pk])}"' not in page
    assert client.get(reverse("reviews:detail", args=[world["conflicted"].pk])).status_code == 404
    assert "他の委員の独創性コメント" not in page


def test_lift_request_approved_lets_the_reviewer_review_again(client, ministry_user, world):
    assignment = world["conflicted"]
    client.force_login(assignment.reviewer)
    url = reverse("reviews:conflict_lift", args=[assignment.pk])
    response = client.post(url, posted(f"lift-{assignment.pk}", reason="別の札幌の機関と取り違えました"))
    assert response.status_code == 302
    lift = ConflictLiftRequest.objects.get(assignment=assignment)
    assert lift.status == LiftStatus.PENDING and lift.declared_note == "申請機関（札幌）と共同研究を実施中"
    assert "審査待ち" in client.get(reverse("reviews:list")).content.decode()
    # only once pending: the form is gone and the service refuses a second request
    with pytest.raises(ValidationError):
        review_services.conflict_lift_request(user=assignment.reviewer, assignment=assignment, reason="再度")

    client.force_login(ministry_user)
    page = client.get(reverse("ministry:review_read", args=[world["call"].code])).content.decode()
    assert "別の札幌の機関と取り違えました" in page
    prefix = f"lift-{lift.pk}"
    response = client.post(
        reverse("ministry:conflict_lift_decide", args=[lift.pk]),
        posted(prefix, decision="approve", comment=""),
    )
    assert response.status_code == 302
    lift.refresh_from_db()
    assignment.refresh_from_db()
    assert lift.status == LiftStatus.APPROVED and lift.decided_by == ministry_user
    assert not assignment.has_conflict and assignment.conflict_declared_at is None
    states = list(TransitionLog.objects.filter(object_id=str(lift.pk)).values_list("target_state", flat=True))
    assert states == [LiftStatus.PENDING, LiftStatus.APPROVED]

    client.force_login(assignment.reviewer)
    assert client.get(reverse("reviews:detail", args=[assignment.pk])).status_code == 200


def test_rejecting_a_lift_needs_a_reason_and_keeps_the_conflict(client, ministry_user, world):
    assignment = world["conflicted"]
    lift = review_services.conflict_lift_request(user=assignment.reviewer, assignment=assignment, reason="誤り")
    client.force_login(ministry_user)
    prefix = f"lift-{lift.pk}"
    url = reverse("ministry:conflict_lift_decide", args=[lift.pk])
    refused = client.post(url, posted(prefix, decision="reject", comment=""))
    assert refused.status_code == 400 and "却下する理由" in refused.content.decode()
    lift.refresh_from_db()
    assert lift.status == LiftStatus.PENDING
    client.post(url, posted(prefix, decision="reject", comment="共同研究は継続中です"))
    lift.refresh_from_db()
    assignment.refresh_from_db()
    assert lift.status == LiftStatus.REJECTED and assignment.has_conflict
    client.force_login(assignment.reviewer)
    page = client.get(reverse("reviews:list")).content.decode()
    assert "共同研究は継続中です" in page and "却下" in page
    # rejected, no longer pending: the reviewer may ask once more
    assert "申告の取消しを申請する" in page


def test_only_the_declaring_reviewer_asks_and_only_the_ministry_decides(world, reviewer_user, ministry_user, hq_user):
    conflicted = world["conflicted"]
    with pytest.raises(PermissionDenied):
        review_services.conflict_lift_request(user=reviewer_user, assignment=conflicted, reason="他人の申告")
    with pytest.raises(ValidationError):  # no conflict declared on this one
        review_services.conflict_lift_request(user=reviewer_user, assignment=world["mine"], reason="理由")
    with pytest.raises(ValidationError):  # a reason is required
        review_services.conflict_lift_request(user=conflicted.reviewer, assignment=conflicted, reason="  ")
    lift = review_services.conflict_lift_request(user=conflicted.reviewer, assignment=conflicted, reason="誤り")
    for user in (conflicted.reviewer, hq_user):
        with pytest.raises(PermissionDenied):
            review_services.conflict_lift_decide(user=user, lift=lift, approve=True)
    review_services.conflict_lift_decide(user=ministry_user, lift=lift, approve=True)
    with pytest.raises(ValidationError):  # decided once
        review_services.conflict_lift_decide(user=ministry_user, lift=lift, approve=False, comment="やはり却下")


def test_no_lift_request_once_the_review_is_over(world):
    conflicted = world["conflicted"]
    proposal = world["proposal"]
    proposal.status = ProposalStatus.SELECTED
    proposal.save()
    with pytest.raises(ValidationError):
        review_services.conflict_lift_request(
            user=conflicted.reviewer, assignment=ReviewAssignment.objects.get(pk=conflicted.pk), reason="誤り"
        )
