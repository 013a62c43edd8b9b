"""Bulk work of the ministry on a call (issue 14, part 3): the assignment grid, bulk reminders under
the reminder interval, bulk state changes through the workflow, and the reviewers' workload."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from regions.models import CallStatus, ProposalStatus, ReviewAssignment
from regions.services import bulk as bulk_services
from regions.services import reviews as review_services
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2008, 7, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def call(db):
    return factories.CallFactory(
        code="bulk-call", status=CallStatus.CLOSED, review_closes_on=datetime.date(2008, 7, 31)
    )


@pytest.fixture
def proposals(call):
    return [
        factories.ProposalFactory(call=call, title=f"提案{n}", status=ProposalStatus.SUBMITTED) for n in range(1, 4)
    ]


@pytest.fixture
def reviewers(db):
    return [factories.UserFactory(reviewer=True, username=f"rev{n}") for n in range(1, 4)]


# --- (a) the assignment grid ---------------------------------------------------------------------


def grid_post(client, call, pairs):
    return client.post(
        reverse("ministry:bulk_assign", args=[call.code]), {"cell": [f"{p.pk}-{r.pk}" for p, r in pairs]}
    )


def test_grid_assigns_many_at_once_and_resubmitting_it_creates_no_duplicate(
    client, ministry_user, call, proposals, reviewers
):
    client.force_login(ministry_user)
    pairs = [(proposals[0], reviewers[0]), (proposals[0], reviewers[1]), (proposals[1], reviewers[2])]
    response = grid_post(client, call, pairs)
    assert response.status_code == 302
    assert ReviewAssignment.objects.count() == 3
    proposals[0].refresh_from_db()
    assert proposals[0].status == ProposalStatus.UNDER_REVIEW  # the first assignment starts the review
    again = client.post(
        reverse("ministry:bulk_assign", args=[call.code]), {"cell": [f"{p.pk}-{r.pk}" for p, r in pairs]}, follow=True
    )
    assert ReviewAssignment.objects.count() == 3
    assert "0 件を割り当てました（割り当て済みのため変更なし：3 件）" in again.content.decode()


def test_grid_disables_and_explains_a_declared_conflict(client, ministry_user, call, proposals, reviewers):
    factories.ReviewAssignmentFactory(
        proposal=proposals[0], reviewer=reviewers[0], has_conflict=True, conflict_note="申請機関と共同研究を実施中"
    )
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:bulk_assign", args=[call.code])).content.decode()
    key = f"{proposals[0].pk}-{reviewers[0].pk}"
    assert f'id="cell-{key}" disabled aria-describedby="conflict-{key}"' in page
    assert f'value="{key}"' not in page  # the conflicted cell cannot be ticked
    assert f'value="{proposals[0].pk}-{reviewers[1].pk}"' in page
    assert "申請機関と共同研究を実施中" in page
    assert "rev1 は「提案1」について利害関係を申告しているため割り当てられません。" in page


def test_grid_with_a_conflicted_cell_saves_nothing(client, ministry_user, call, proposals, reviewers):
    factories.ReviewAssignmentFactory(proposal=proposals[1], reviewer=reviewers[1], conflicted=True)
    client.force_login(ministry_user)
    response = grid_post(client, call, [(proposals[0], reviewers[0]), (proposals[1], reviewers[1])])
    assert response.status_code == 400
    assert "rev2 は「提案2」について利害関係を申告しているため割り当てられません。" in response.content.decode()
    assert not ReviewAssignment.objects.filter(reviewer=reviewers[0]).exists()  # all or nothing
    proposals[0].refresh_from_db()
    assert proposals[0].status == ProposalStatus.SUBMITTED


def test_the_service_refuses_a_conflict_whatever_the_page_offers(ministry_user, call, proposals, reviewers):
    factories.ReviewAssignmentFactory(proposal=proposals[0], reviewer=reviewers[0], conflicted=True)
    with pytest.raises(ValidationError, match="利害関係を申告している"):
        bulk_services.assignments_create_bulk(
            user=ministry_user,
            call=call,
            pairs={(proposals[0].pk, reviewers[0].pk), (proposals[1].pk, reviewers[0].pk)},
        )
    assert ReviewAssignment.objects.filter(has_conflict=False).count() == 0


def test_grid_refuses_a_proposal_of_another_call_and_a_non_reviewer(ministry_user, call, proposals, reviewers):
    elsewhere = factories.ProposalFactory(status=ProposalStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="この公募にない提案書"):
        bulk_services.assignments_create_bulk(user=ministry_user, call=call, pairs={(elsewhere.pk, reviewers[0].pk)})
    with pytest.raises(ValidationError, match="審査委員の役割を持たない"):
        bulk_services.assignments_create_bulk(
            user=ministry_user, call=call, pairs={(proposals[0].pk, ministry_user.pk)}
        )
    assert not ReviewAssignment.objects.exists()


# --- (b) reminders under the interval ------------------------------------------------------------


def reminders_of(user):
    return Notification.objects.filter(recipient=user, kind__in=("review_reminder", "review_deadline")).count()


def test_reminder_is_sent_then_skipped_within_the_interval_then_sent_after_it(ministry_user, call, settings):
    settings.REVIEW_REMINDER_MIN_INTERVAL_HOURS = 24
    assignment = factories.ReviewAssignmentFactory(proposal__call=call)
    first = review_services.assignments_remind(user=ministry_user, assignments=[assignment], now=NOW)
    assert list(first.sent) == [assignment.reviewer] and reminders_of(assignment.reviewer) == 1
    assignment.refresh_from_db()
    assert assignment.last_reminded_at == NOW
    soon = review_services.assignments_remind(
        user=ministry_user, assignments=[assignment], now=NOW + datetime.timedelta(hours=23, minutes=59)
    )
    assert not soon.sent and "から24時間以内です" in soon.skipped[0][1]
    assert reminders_of(assignment.reviewer) == 1
    later = review_services.assignments_remind(
        user=ministry_user, assignments=[assignment], now=NOW + datetime.timedelta(hours=24)
    )
    assert list(later.sent) == [assignment.reviewer] and reminders_of(assignment.reviewer) == 2


def test_submitted_and_conflicted_assignments_are_skipped_with_the_reason(ministry_user, call):
    done = factories.ReviewAssignmentFactory(proposal__call=call, submitted_at=NOW)
    conflicted = factories.ReviewAssignmentFactory(proposal__call=call, conflicted=True)
    result = review_services.assignments_remind(user=ministry_user, assignments=[done, conflicted], now=NOW)
    assert not result.sent
    assert {reason for _assignment, reason in result.skipped} == {"審査は提出済みです。", "利害関係を申告済みです。"}


def test_bulk_reminder_page_says_who_was_skipped_and_why(client, ministry_user, call):
    late = factories.ReviewAssignmentFactory(proposal__call=call, reviewer__username="late-one")
    recent = factories.ReviewAssignmentFactory(
        proposal__call=call, reviewer__username="recent-one", last_reminded_at=timezone.now()
    )
    client.force_login(ministry_user)
    url = reverse("ministry:bulk_remind", args=[call.code])
    assert "late-one" in client.get(url).content.decode()
    page = client.post(url, {"assignment": [late.pk, recent.pk]}).content.decode()
    assert "1 名に督促の通知を送りました。" in page
    assert "recent-one" in page and "時間以内です。" in page
    assert reminders_of(late.reviewer) == 1 and reminders_of(recent.reviewer) == 0


def test_review_table_button_and_scheduled_notice_share_the_interval(client, ministry_user, call):
    call.review_closes_on = timezone.localdate() + datetime.timedelta(days=3)
    call.save()
    assignment = factories.ReviewAssignmentFactory(proposal__call=call, reviewer__username="shared")
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:review_remind", args=[call.code]), follow=True)
    assert "1 名に督促の通知を送りました" in response.content.decode()
    call_command("send_reminders", stdout=io.StringIO())  # the deadline notice comes within the interval
    assert reminders_of(assignment.reviewer) == 1
    again = client.post(reverse("ministry:review_remind", args=[call.code]), follow=True).content.decode()
    assert "shared（" in again and "時間以内です。" in again
    assert reminders_of(assignment.reviewer) == 1
    ReviewAssignment.objects.filter(pk=assignment.pk).update(
        last_reminded_at=timezone.now() - datetime.timedelta(hours=73)
    )
    call_command("send_reminders", stdout=io.StringIO())
    assert Notification.objects.filter(recipient=assignment.reviewer, kind="review_deadline").count() == 1


# --- (c) bulk state changes ----------------------------------------------------------------------


def test_bulk_status_moves_submitted_proposals_to_under_review(client, ministry_user, call, proposals):
    client.force_login(ministry_user)
    response = client.post(
        reverse("ministry:bulk_status", args=[call.code]),
        {"proposal": [proposals[0].pk, proposals[1].pk], "target": ProposalStatus.UNDER_REVIEW},
        follow=True,
    )
    assert "2 件の提案書を「審査中」に変更しました。" in response.content.decode()
    statuses = [p.status for p in type(proposals[0]).objects.filter(pk__in=[p.pk for p in proposals]).order_by("pk")]
    assert statuses == [ProposalStatus.UNDER_REVIEW, ProposalStatus.UNDER_REVIEW, ProposalStatus.SUBMITTED]


def test_bulk_status_names_the_proposal_that_cannot_move_and_moves_none(client, ministry_user, call, proposals):
    proposals[1].status = ProposalStatus.WITHDRAWN
    proposals[1].save()
    client.force_login(ministry_user)
    response = client.post(
        reverse("ministry:bulk_status", args=[call.code]),
        {"proposal": [proposals[0].pk, proposals[1].pk], "target": ProposalStatus.UNDER_REVIEW},
    )
    assert response.status_code == 400
    assert "「提案2」" in response.content.decode()
    assert "「取り下げ」から「審査中」へは変更できません。" in response.content.decode()
    proposals[0].refresh_from_db()
    assert proposals[0].status == ProposalStatus.SUBMITTED


def test_bulk_status_offers_no_decision(ministry_user, call, proposals):
    assert bulk_services.bulk_targets() == [ProposalStatus.UNDER_REVIEW]
    with pytest.raises(ValidationError, match="一括で変更できる状態"):
        bulk_services.proposals_transition_bulk(
            user=ministry_user, call=call, proposal_ids={proposals[0].pk}, target=ProposalStatus.SELECTED
        )


# --- (d) workload --------------------------------------------------------------------------------


def test_workload_numbers_match_a_hand_built_fixture(client, ministry_user, call):
    other_call = factories.CallFactory(review_closes_on=datetime.date(2099, 1, 1))
    busy = factories.UserFactory(reviewer=True, username="busy")
    idle = factories.UserFactory(reviewer=True, username="idle")
    reminded = datetime.datetime(2008, 7, 20, 3, 0, tzinfo=datetime.UTC)
    factories.ReviewAssignmentFactory(proposal__call=call, reviewer=busy, submitted_at=NOW)  # submitted
    factories.ReviewAssignmentFactory(proposal__call=call, reviewer=busy, last_reminded_at=reminded)  # overdue
    factories.ReviewAssignmentFactory(proposal__call=call, reviewer=busy, conflicted=True)  # conflict
    factories.ReviewAssignmentFactory(proposal__call=other_call, reviewer=busy)  # open, not overdue
    today = datetime.date(2008, 8, 1)  # the day after the review deadline of ``call``
    rows = {row.username: row for row in bulk_services.reviewer_workload(today=today)[0]}
    assert (rows["busy"].assigned, rows["busy"].submitted, rows["busy"].overdue, rows["busy"].conflicts) == (3, 1, 1, 1)
    assert rows["busy"].last_reminded == reminded
    assert (rows["idle"].assigned, rows["idle"].overdue, rows["idle"].last_reminded) == (0, 0, None)
    on_deadline = {row.username: row for row in bulk_services.reviewer_workload(today=datetime.date(2008, 7, 31))[0]}
    assert on_deadline["busy"].overdue == 0  # due until the end of the deadline day
    one_call = {row.username: row for row in bulk_services.reviewer_workload(call=other_call, today=today)[0]}
    assert (one_call["busy"].assigned, one_call["busy"].conflicts) == (1, 0)
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:reviewer_workload"), {"sort": "-assigned"}).content.decode()
    assert page.index("busy") < page.index("idle")
    assert 'aria-sort="descending"' in page
    page = client.get(reverse("ministry:reviewer_workload"), {"sort": "assigned"}).content.decode()
    assert page.index("idle") < page.index("busy")
    assert idle.username in client.get(reverse("ministry:reviewer_workload"), {"call": call.code}).content.decode()
