"""The ministry's activity log (/ministry/activity/, issue 14 part 10): who did what and when across
calls, proposals, reviews, decisions, grants and evaluations — filtered, newest first, each row linking
to its object, a review's scores and comments never shown; and the ministry menu and dashboard that
lead to every ministry page (part 8)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regions.models import CALL_TIME_ZONE, Call, Proposal, ProposalStatus, ReviewAssignment
from regions.services import reviews as review_services
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("ministry:activity_log")


def saved_by(obj, user, **changes):
    """Save ``obj`` with ``changes`` as ``user`` did (simple-history's ``_history_user``)."""
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._history_user = user
    obj.save()
    return obj


def rows_of(client, query="") -> list[str]:
    """The text of each row of the log's table (header excluded)."""
    page = client.get(URL + query)
    assert page.status_code == 200
    html = page.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return body.split("<tr>")[1:]


@pytest.fixture
def officer(db):
    return factories.UserFactory(ministry=True, username="officer", last_name="文科", first_name="太郎")


@pytest.fixture
def world(officer):
    """A call, a proposal under review with a submitted review (score and comment), two regions."""
    call = factories.CallFactory(title="第II期 2008年度 公募")
    reviewer = factories.UserFactory(reviewer=True, username="shinsa")
    proposal = factories.ProposalFactory(call=call, under_review=True, title="徳島健康・医療クラスター構想")
    assignment = factories.ReviewAssignmentFactory(proposal=proposal, reviewer=reviewer)
    criterion = factories.ReviewCriterionFactory(call=call, name="構想の独創性")
    factories.ReviewFactory(assignment=assignment, criterion=criterion, score=2, comment="独創性に乏しいと考える")
    saved_by(
        assignment,
        reviewer,
        conflict_declared_at=timezone.now(),
        submitted_at=timezone.now(),
        overall_comment="総評：実施体制に不安がある",
    )
    other = factories.ProposalFactory(title="浜松オプトロニクス構想", submitted=True)
    return {"call": call, "proposal": proposal, "assignment": assignment, "reviewer": reviewer, "other": other}


def test_only_ministry_staff_open_the_activity_log(client, world, reviewer_user, hq_user, admin_user):
    assert client.get(URL).status_code == 302
    for user in (reviewer_user, hq_user, admin_user):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_a_submitted_review_is_told_without_its_scores_or_comments_before_the_decision(client, officer, world):
    client.force_login(officer)
    html = client.get(URL).content.decode()
    assert "審査を提出" in html
    assert "審査委員を割り当て" in html
    assert "shinsa" in html  # who did it
    assert world["proposal"].status == ProposalStatus.UNDER_REVIEW
    for secret in ("独創性に乏しいと考える", "総評：実施体制に不安がある", "構想の独創性"):
        assert secret not in html


def test_rows_are_newest_first_and_link_to_their_object(client, officer, world):
    call, proposal = world["call"], world["proposal"]
    grant = factories.GrantFactory(region=proposal.region, call=call)
    evaluation = factories.EvaluationFactory(region=proposal.region)
    saved_by(call, officer, title="第II期 2008年度 公募（改）")
    client.force_login(officer)
    rows = rows_of(client)
    assert "公募" in rows[0] and "第II期 2008年度 公募（改）" in rows[0]  # the latest change first
    assert "公募名：第II期 2008年度 公募 → 第II期 2008年度 公募（改）" in rows[0]
    html = "".join(rows)
    for url in (
        reverse("ministry:call_detail", args=[call.code]),
        reverse("proposals:detail", args=[proposal.pk]),
        reverse("ministry:grant_detail", args=[grant.pk]),
        reverse("ministry:evaluation_edit", args=[evaluation.pk]),
    ):
        assert f'href="{url}"' in html
    times = [row.split('datetime="', 1)[1].split('"', 1)[0] for row in rows]
    assert times == sorted(times, reverse=True)


def test_a_state_change_shows_the_reason_the_workflow_logged(client, officer, world):
    proposal = world["other"]
    Proposal.workflow.apply(proposal, ProposalStatus.UNDER_REVIEW, user=officer, reason="書面審査へ進める")
    client.force_login(officer)
    rows = rows_of(client, "?action=status")
    assert len(rows) == 1
    assert "状態を変更" in rows[0] and "書面審査へ進める" in rows[0] and "提出済み" in rows[0]


def test_filter_by_kind_call_region_user_and_action(client, officer, world):
    call, other = world["call"], world["other"]
    saved_by(other, officer, theme="光技術")
    client.force_login(officer)
    reviews = rows_of(client, "?kind=review")
    assert reviews and all("審査" in row and "徳島健康・医療クラスター構想" in row for row in reviews)
    by_call = "".join(rows_of(client, f"?call={call.code}"))
    assert "徳島健康・医療クラスター構想" in by_call and "浜松オプトロニクス構想" not in by_call
    by_region = "".join(rows_of(client, f"?region={other.region.slug}"))
    assert "浜松オプトロニクス構想" in by_region and "徳島健康・医療クラスター構想" not in by_region
    by_user = rows_of(client, "?user=officer")
    assert len(by_user) == 1 and "テーマ・分野：ナノテクノロジー → 光技術" in by_user[0]
    submitted = rows_of(client, "?action=submitted")
    assert len(submitted) == 1 and "審査を提出" in submitted[0]


def test_date_range_is_read_in_japan_time(client, officer, world):
    call = world["call"]
    # 2026-04-01 00:30 JST is still 31 March in UTC
    early = datetime.datetime(2026, 4, 1, 0, 30, tzinfo=CALL_TIME_ZONE)
    Call.history.update(history_date=early)
    assert Call.history.filter(id=call.pk).exists()
    client.force_login(officer)
    on_the_day = rows_of(client, "?kind=call&since=2026-04-01&until=2026年4月1日")
    assert on_the_day and all("2026-04-01 00:30" in row for row in on_the_day)
    assert rows_of(client, "?kind=call&until=2026-03-31") == []
    assert rows_of(client, "?kind=call&since=2026-04-02") == []


def test_an_unreadable_filter_value_is_ignored_and_said_so(client, officer, world):
    client.force_login(officer)
    page = client.get(URL + "?kind=nothing&since=昨日").content.decode()
    assert "認識できない値のため無視しました" in page
    assert "審査を提出" in page


def test_a_period_that_ends_before_it_starts_is_ignored_and_said_so_naming_both_dates(client, officer, world):
    call = world["call"]
    Call.history.update(history_date=datetime.datetime(2027, 4, 10, 12, 0, tzinfo=CALL_TIME_ZONE))
    client.force_login(officer)
    response = client.get(URL + "?kind=call&since=2027-05-01&until=令和9年4月1日")
    assert response.status_code == 200
    page = response.content.decode()
    notice = page.split('role="status"', 1)[1].split("</div>", 1)[0]
    assert "開始日（2027-05-01）が終了日（2027-04-01）より後です。期間の条件を無視して表示しています。" in notice
    # the contradictory period is dropped, the other filters still apply: the call's rows, nothing else
    rows = rows_of(client, "?kind=call&since=2027-05-01&until=2027-04-01")
    assert rows and rows == rows_of(client, "?kind=call")
    assert any(call.title in row for row in rows)
    assert "認識できない値" not in notice
    # a period in order is no notice
    assert 'role="status"' not in client.get(URL + "?kind=call&since=2027-04-01&until=2027-05-01").content.decode()


def test_the_log_is_paginated(client, officer, world):
    for number in range(55):
        factories.CallFactory(title=f"追加の公募{number}")
    client.force_login(officer)
    assert len(rows_of(client)) == 50
    assert len(rows_of(client, "?page=2")) > 0
    assert "?page=2" in client.get(URL).content.decode()


def lift_requested(proposal, reason="申告は誤りでした。共同研究の相手は別の機関です。"):
    """A reviewer of ``proposal`` who declared a conflict and asks the ministry to lift it."""
    assignment = factories.ReviewAssignmentFactory(
        proposal=proposal, conflicted=True, conflict_declared_at=timezone.now(), conflict_note="共同研究を実施中"
    )
    return review_services.conflict_lift_request(user=assignment.reviewer, assignment=assignment, reason=reason)


def test_conflict_lift_requests_are_logged_request_approval_and_rejection_linking_the_reading_page(
    client, officer, world
):
    proposal = world["proposal"]
    approved = lift_requested(proposal)
    review_services.conflict_lift_decide(user=officer, lift=approved, approve=True)
    rejected = lift_requested(proposal, reason="利害関係はありません")
    review_services.conflict_lift_decide(user=officer, lift=rejected, approve=False, comment="共同研究の記録があります")
    client.force_login(officer)

    rows = rows_of(client, "?kind=conflict_lift")
    assert len(rows) == 4
    assert all("利害関係申告の取消し申請" in row and proposal.title in row for row in rows)
    reading = reverse("ministry:review_read", args=[world["call"].code]) + f"#sheet-{proposal.pk}"
    assert all(f'href="{reading}"' in row for row in rows)
    (rejection,) = rows_of(client, "?kind=conflict_lift&action=lift_rejected")
    assert "取消しを却下" in rejection and str(officer) in rejection and "共同研究の記録があります" in rejection
    assert f"審査委員：{rejected.assignment.reviewer}" in rejection
    (approval,) = rows_of(client, "?action=lift_approved")
    assert "取消しを承認" in approval
    requests = rows_of(client, "?action=lift_requested")
    assert len(requests) == 2 and all("取消しを申請" in row for row in requests)
    assert str(approved.assignment.reviewer) in "".join(requests)
    # filtered by the call and the region of the request's proposal, like every other row
    assert len(rows_of(client, f"?kind=conflict_lift&call={world['call'].code}")) == 4
    assert rows_of(client, f"?kind=conflict_lift&region={world['other'].region.slug}") == []
    # the scored review of the same proposal stays untold
    page = client.get(URL).content.decode()
    assert "独創性に乏しいと考える" not in page and "総評：実施体制に不安がある" not in page


def test_a_deleted_lift_request_keeps_its_steps_without_a_link(client, officer, world):
    lift = lift_requested(world["proposal"])
    lift.assignment.delete()  # the request goes with its assignment; its logged step stays
    client.force_login(officer)
    (row,) = rows_of(client, "?kind=conflict_lift")
    assert "取消しを申請" in row and "（削除された申請）" in row and "<a " not in row.split("</th>")[0]


def grow(count):
    """``count`` more rows of every kind the log shows, by several users."""
    for _ in range(count):
        user = factories.UserFactory(ministry=True)
        call = factories.CallFactory()
        saved_by(call, user, title=f"{call.title}（改）")
        proposal = factories.ProposalFactory(call=call, under_review=True)
        assignment = factories.ReviewAssignmentFactory(proposal=proposal)
        saved_by(assignment, assignment.reviewer, submitted_at=timezone.now(), conflict_declared_at=timezone.now())
        decision = factories.SelectionDecisionFactory(proposal=proposal)
        saved_by(decision, user, notified_at=timezone.now())
        grant = factories.GrantFactory(region=proposal.region, call=call)
        saved_by(grant, user, amount=400_000_000)
        evaluation = factories.EvaluationFactory(region=proposal.region)
        saved_by(evaluation, user, is_published=False)
        lift = lift_requested(proposal)
        review_services.conflict_lift_decide(user=user, lift=lift, approve=False, comment="記録があります")
        Proposal.workflow.apply(proposal, ProposalStatus.SELECTED, user=user, reason="採択")


def test_the_log_makes_the_same_number_of_queries_for_few_and_many_rows(client, officer):
    client.force_login(officer)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(URL).status_code == 200
        return len(context.captured_queries)

    grow(1)
    few = count()
    grow(6)
    assert ReviewAssignment.history.count() >= 14
    assert count() == few


# --- the ministry menu and dashboard (part 8) -----------------------------------------------------

MENU_PAGES = ("ministry:activity_log", "ministry:reviewer_workload", "workspace:ministry")


@pytest.mark.parametrize("page_name", ["ministry:dashboard", "ministry:call_list", "ministry:grant_list", *MENU_PAGES])
def test_the_ministry_menu_leads_to_every_ministry_list(client, officer, page_name):
    client.force_login(officer)
    html = client.get(reverse(page_name)).content.decode()
    menu = html.split('aria-label="文科省業務のメニュー"', 1)[1].split("</nav>", 1)[0]
    for name in (
        "ministry:dashboard",
        "ministry:call_list",
        "ministry:proposal_list",
        "ministry:grant_list",
        "ministry:evaluation_list",
        *MENU_PAGES,
    ):
        assert f'href="{reverse(name)}"' in menu, name


def test_the_dashboard_leads_to_the_report_queue_the_log_and_each_reviewing_calls_pages(client, officer, world):
    factories.ProgressReportFactory(submitted=True)
    client.force_login(officer)
    html = client.get(reverse("ministry:dashboard")).content.decode()
    panels = html.split('aria-label="文科省業務のメニュー"', 1)[1].split("</nav>", 1)[1]  # outside the menu
    assert "確認待ちの進捗報告：1件" in panels
    code = world["call"].code
    for url in (
        reverse("workspace:ministry"),
        reverse("ministry:activity_log"),
        reverse("ministry:reviewer_workload"),
        reverse("ministry:review_table", args=[code]),
        reverse("ministry:review_statistics", args=[code]),
        reverse("ministry:bulk_assign", args=[code]),
        reverse("ministry:bulk_remind", args=[code]),
        reverse("ministry:bulk_status", args=[code]),
    ):
        assert f'href="{url}"' in panels, url


def test_the_grant_form_tells_two_calls_of_one_title_apart(client, officer):
    phase_1 = factories.ProgramFactory(code="phase-1", name="第I期")
    phase_2 = factories.ProgramFactory(code="phase-2", name="第II期")
    first = factories.CallFactory(title="2008年度 公募", program=phase_1)
    second = factories.CallFactory(title="2008年度 公募", program=phase_2)
    client.force_login(officer)
    html = client.get(reverse("ministry:grant_create")).content.decode()
    assert f'<option value="{first.pk}">2008年度 公募（第I期）</option>' in html
    assert f'<option value="{second.pk}">2008年度 公募（第II期）</option>' in html


def test_the_activity_filter_names_regions_that_share_a_name_with_their_phase(client, officer):
    phase_1 = factories.ProgramFactory(code="phase-1", name="第I期")
    phase_2 = factories.ProgramFactory(code="phase-2", name="第II期")
    factories.RegionFactory(name="徳島地域", slug="tokushima-1", program=phase_1)
    factories.RegionFactory(name="徳島地域", slug="tokushima-2", program=phase_2)
    client.force_login(officer)
    html = client.get(URL).content.decode()
    assert "徳島地域（第I期、" in html and "徳島地域（第II期、" in html


def test_a_draft_proposal_stays_out_of_the_log_until_it_is_submitted(client, officer):
    draft = factories.ProposalFactory(title="まだ下書きの構想")
    saved_by(draft, draft.created_by, theme="下書き中のテーマ")
    client.force_login(officer)
    assert "まだ下書きの構想" not in client.get(URL).content.decode()
    Proposal.workflow.apply(draft, ProposalStatus.SUBMITTED, reason="")
    rows = rows_of(client, "?kind=proposal")
    assert len(rows) == 1 and "まだ下書きの構想" in rows[0] and "状態を変更" in rows[0]
    assert "下書き中のテーマ" not in rows[0]
