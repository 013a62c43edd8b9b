"""Ministry pages: dashboard, calls, review table and reminders, selection, grants, evaluations."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from regions.models import (
    Call,
    CallBudget,
    Evaluation,
    Grant,
    GrantAmendment,
    ProposalStatus,
    RegionStatus,
    ReviewCriterion,
    SelectionDecision,
)
from tests import factories
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(db):
    return open_call_with_budget(envelope=1_000_000_000)


@pytest.fixture
def proposal(call, region):
    proposal = factories.ProposalFactory(call=call, region=region, under_review=True)
    for year in range(2030, 2035):
        factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=year, requested_amount=300_000_000)
    return proposal


def scored_assignment(proposal, scores, **kwargs):
    assignment = factories.ReviewAssignmentFactory(
        proposal=proposal, conflict_declared_at=timezone.now(), submitted_at=timezone.now(), **kwargs
    )
    for criterion, score in zip(proposal.call.criteria.order_by("order"), scores, strict=True):
        factories.ReviewFactory(assignment=assignment, criterion=criterion, score=score)
    return assignment


def ministry_urls(call, proposal, grant, evaluation):
    return [
        ("get", reverse("ministry:dashboard")),
        ("get", reverse("ministry:call_list")),
        ("get", reverse("ministry:call_create")),
        ("get", reverse("ministry:call_detail", args=[call.code])),
        ("get", reverse("ministry:call_edit", args=[call.code])),
        ("get", reverse("ministry:review_table", args=[call.code])),
        ("post", reverse("ministry:review_remind", args=[call.code])),
        ("get", reverse("ministry:proposal_list")),
        ("post", reverse("ministry:assign_reviewer", args=[proposal.pk])),
        ("post", reverse("ministry:decide", args=[proposal.pk])),
        ("get", reverse("ministry:grant_list")),
        ("get", reverse("ministry:grant_create")),
        ("get", reverse("ministry:grant_detail", args=[grant.pk])),
        ("get", reverse("ministry:evaluation_list")),
        ("get", reverse("ministry:evaluation_create")),
        ("get", reverse("ministry:evaluation_edit", args=[evaluation.pk])),
    ]


@pytest.fixture
def every_url(call, proposal):
    grant = factories.GrantFactory(region=proposal.region, call=call, fiscal_year=2030, amount=1)
    evaluation = factories.EvaluationFactory(region=proposal.region)
    return ministry_urls(call, proposal, grant, evaluation)


# --- permissions ---------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login_from_every_ministry_page(client, every_url):
    for method, url in every_url:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["reviewer_user", "hq_user", "admin_user"])
def test_only_ministry_staff_may_use_ministry_pages(client, every_url, role, request, proposal):
    client.force_login(request.getfixturevalue(role))
    for method, url in every_url:
        # a proposal not assigned to the reviewer is outside their scope: 404, never 403 (issue 18)
        about_the_proposal = url.startswith(reverse("ministry:proposal_list")) and url != reverse(
            "ministry:proposal_list"
        )
        expected = 404 if role == "reviewer_user" and about_the_proposal else 403
        assert getattr(client, method)(url).status_code == expected, url
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW
    assert not SelectionDecision.objects.exists()


def test_ministry_user_opens_every_page(client, every_url, ministry_user):
    client.force_login(ministry_user)
    for method, url in every_url:
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_only_ministry_staff_can_decide(client, proposal, hq_user, reviewer_user):
    data = {"decision": "selected", "reason": "理由", "version": proposal.version}
    factories.ReviewAssignmentFactory(proposal=proposal, reviewer=reviewer_user)
    for user in (hq_user, reviewer_user):
        client.force_login(user)
        assert client.post(reverse("ministry:decide", args=[proposal.pk]), opened(data)).status_code == 403
    assert not SelectionDecision.objects.exists()
    assert not Grant.objects.exists()


def test_nav_links_follow_the_role(client, ministry_user, reviewer_user, hq_user):
    for user, label, url in (
        (ministry_user, "文科省業務", reverse("ministry:dashboard")),
        (reviewer_user, "審査", reverse("reviews:list")),
        (hq_user, "提案書", reverse("proposals:list")),
    ):
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert f'<a href="{url}"' in page and label in page
    client.logout()
    page = client.get(reverse("home")).content.decode()
    assert reverse("ministry:dashboard") not in page


# --- dashboard and lists -------------------------------------------------------------------------


def test_dashboard_shows_calls_states_reviews_decisions_envelopes_and_evaluations(
    client, ministry_user, proposal, call
):
    scored_assignment(proposal, (4, 4, 4))
    factories.ReviewAssignmentFactory(proposal=proposal)  # missing
    factories.GrantFactory(region=proposal.region, call=call, fiscal_year=2030, amount=250_000_000)
    factories.EvaluationFactory(grade="S", recommendation="focus")
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:dashboard")).content.decode()
    assert call.title in page
    assert f"{reverse('ministry:proposal_list')}?status=under_review" in page
    assert "2030年度" in page
    assert "1,000,000" in page and "250,000" in page and "750,000" in page  # envelope, granted, remaining (千円)
    assert "グローバル拠点としての重点支援の候補：1地域" in page
    for name in ("call_list", "proposal_list", "grant_list", "evaluation_list"):
        assert reverse(f"ministry:{name}") in page


def _populate(count, call):
    for _ in range(count):
        proposal = factories.ProposalFactory(call=call, under_review=True)
        scored_assignment(proposal, (3, 4, 5))
        factories.ReviewAssignmentFactory(proposal=proposal)
        factories.GrantFactory(region=proposal.region, call=call, fiscal_year=2031, amount=1_000)
        factories.EvaluationFactory(region=proposal.region)
        factories.CallFactory()


@pytest.mark.parametrize(
    "name, needs_call",
    [
        ("dashboard", False),
        ("call_list", False),
        ("call_detail", True),
        ("review_table", True),
        ("proposal_list", False),
        ("grant_list", False),
        ("evaluation_list", False),
        ("activity_log", False),
    ],
)
def test_list_pages_use_a_fixed_number_of_queries(client, ministry_user, call, name, needs_call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ministry_user)
    url = reverse(f"ministry:{name}", args=[call.code] if needs_call else [])

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    _populate(2, call)
    small = count()
    _populate(8, call)
    assert count() == small


# --- calls ---------------------------------------------------------------------------------------


def call_form_data(**overrides):
    data = {
        "program": factories.ProgramFactory().pk,
        "code": "phase-3-fy2031",
        "title": "第III期 2031年度 公募",
        "fiscal_year": "2031",
        "opens_on": "2031-04-01",
        "closes_on": "2031-05-31",
        "review_closes_on": "2031-06-30",
        "status": "open",
        "description": "",
        "criteria_text": (
            "構想の独創性,2\n国際優位性,2\n地域の主体性・実施体制,2\n事業化の見通し,2\n予算計画の妥当性,1,5"
        ),
        "budgets_text": "2031,1500000000\n2032,1,500,000,000",
    }
    data.update(overrides)
    return opened(data)


def test_ministry_opens_a_call_with_criteria_and_envelopes(client, ministry_user):
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:call_create"), call_form_data())
    call = Call.objects.get(code="phase-3-fy2031")
    assert response.status_code == 302 and response["Location"] == call.get_absolute_url()
    assert list(call.criteria.values_list("name", "weight", "max_score")) == [
        ("構想の独創性", 2, 5),
        ("国際優位性", 2, 5),
        ("地域の主体性・実施体制", 2, 5),
        ("事業化の見通し", 2, 5),
        ("予算計画の妥当性", 1, 5),
    ]
    assert dict(call.budgets.values_list("fiscal_year", "envelope")) == {2031: 1_500_000_000, 2032: 1_500_000_000}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"criteria_text": "構想の独創性,0"}, "1行目"),
        ({"criteria_text": "構想の独創性,1,6"}, "1行目"),
        ({"criteria_text": "A,1\nA,2"}, "評価項目の名称が重複しています。"),
        ({"budgets_text": "2031,-5"}, "1行目"),
        ({"budgets_text": "abc"}, "1行目"),
        ({"closes_on": "2031-03-01"}, "受付締切日は受付開始日以降にしてください。"),
        ({"review_closes_on": "2031-05-01"}, "審査締切日は受付締切日以降にしてください。"),
    ],
)
def test_bad_call_input_saves_nothing(client, ministry_user, overrides, message):
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:call_create"), call_form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Call.objects.filter(code="phase-3-fy2031").exists()
    assert not ReviewCriterion.objects.filter(call__code="phase-3-fy2031").exists()


def test_call_edit_cannot_drop_envelope_below_granted(client, ministry_user, call, region):
    factories.GrantFactory(region=region, call=call, fiscal_year=2030, amount=800_000_000)
    client.force_login(ministry_user)
    data = call_form_data(
        title=call.title,
        opens_on=call.opens_on.isoformat(),
        closes_on=call.closes_on.isoformat(),
        review_closes_on="",
        criteria_text="\n".join(f"{c.name},{c.weight}" for c in call.criteria.all()),
        budgets_text="2030,500000000",
    )
    response = client.post(reverse("ministry:call_edit", args=[call.code]), opened(data, obj=call))
    assert response.status_code == 400
    assert "交付決定済みの額の合計を下回れません" in response.content.decode()
    assert CallBudget.objects.get(call=call, fiscal_year=2030).envelope == 1_000_000_000


# --- review table and reminders ------------------------------------------------------------------


def test_review_table_shows_weighted_means_spread_and_missing_reviews(client, ministry_user, proposal, call):
    strong = scored_assignment(proposal, (5, 5, 5))
    weak = scored_assignment(proposal, (3, 3, 1))  # (6 + 6 + 1) / 5 = 2.6
    late = factories.ReviewAssignmentFactory(proposal=proposal)
    factories.ReviewAssignmentFactory(proposal=proposal, conflicted=True, conflict_declared_at=timezone.now())
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:review_table", args=[call.code])).content.decode()
    assert "3.80" in page  # mean of 5.00 and 2.60
    assert "2.40" in page  # spread
    assert "未提出 1" in page
    assert "利害関係で除外 1" in page
    for assignment in (strong, weak, late):
        assert str(assignment.reviewer) in page


def test_review_table_sorts_by_column(client, ministry_user, call, region, other_region):
    low = factories.ProposalFactory(call=call, region=region, under_review=True, title="低い構想")
    high = factories.ProposalFactory(call=call, region=other_region, under_review=True, title="高い構想")
    scored_assignment(low, (2, 2, 2))
    scored_assignment(high, (5, 5, 5))
    client.force_login(ministry_user)
    url = reverse("ministry:review_table", args=[call.code])
    by_mean = client.get(url, {"sort": "mean"}).content.decode()
    assert by_mean.index("高い構想") < by_mean.index("低い構想")
    reversed_page = client.get(url, {"sort": "-mean"}).content.decode()
    assert reversed_page.index("低い構想") < reversed_page.index("高い構想")
    assert 'aria-sort="descending"' in reversed_page
    assert client.get(url, {"sort": "nonsense"}).status_code == 200


def test_remind_sends_one_email_per_late_reviewer(
    client, ministry_user, call, proposal, other_region, django_capture_on_commit_callbacks
):
    second = factories.ProposalFactory(call=call, region=other_region, under_review=True)
    late = factories.UserFactory(reviewer=True, username="late-reviewer")
    factories.ReviewAssignmentFactory(proposal=proposal, reviewer=late)
    factories.ReviewAssignmentFactory(proposal=second, reviewer=late)
    scored_assignment(proposal, (4, 4, 4))
    factories.ReviewAssignmentFactory(proposal=second, conflicted=True, conflict_declared_at=timezone.now())
    client.force_login(ministry_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ministry:review_remind", args=[call.code]), follow=True)
    assert "1 名に督促の通知を送りました" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["late-reviewer@example.jp"]
    assert proposal.title in mail.outbox[0].body and second.title in mail.outbox[0].body


def test_reminder_is_post_only(client, ministry_user, call):
    client.force_login(ministry_user)
    assert client.get(reverse("ministry:review_remind", args=[call.code])).status_code == 405
    assert not mail.outbox


# --- selection -----------------------------------------------------------------------------------


def test_second_decision_gets_a_clear_message_and_is_not_recorded(
    client, ministry_user, proposal, django_capture_on_commit_callbacks
):
    other_ministry = factories.UserFactory(ministry=True, username="ministry-2")
    version = proposal.version
    client.force_login(ministry_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("ministry:decide", args=[proposal.pk]),
            opened({"decision": "selected", "reason": "採択", "version": version, "confirm": "1"}),
        )
    client.force_login(other_ministry)
    response = client.post(
        reverse("ministry:decide", args=[proposal.pk]),
        opened({"decision": "not_selected", "reason": "不採択", "version": version, "confirm": "1"}),
        follow=True,
    )
    assert "この提案書は既に他の担当者が決定しています。" in response.content.decode()
    decision = SelectionDecision.objects.get(proposal=proposal)
    assert (decision.decision, decision.decided_by) == ("selected", ministry_user)


def test_not_selected_creates_no_grants_and_keeps_region_planning(
    client, ministry_user, proposal, hq_user, django_capture_on_commit_callbacks
):
    proposal.region.status = RegionStatus.PLANNING
    proposal.region.save()
    client.force_login(ministry_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("ministry:decide", args=[proposal.pk]),
            opened(
                {
                    "decision": "not_selected",
                    "reason": "事業化の見通しが不十分",
                    "version": proposal.version,
                    "confirm": "1",
                }
            ),
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.NOT_SELECTED
    assert not Grant.objects.exists()
    proposal.region.refresh_from_db()
    assert proposal.region.status == RegionStatus.PLANNING
    assert not mail.outbox  # the applicant hears only at the deliberate notify step
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ministry:decision_notify", args=[proposal.pk]), follow=True)
    assert "採択の結果を申請者に通知しました。" in response.content.decode()
    assert mail.outbox[0].to == [hq_user.email]
    assert "不採択" in mail.outbox[0].subject
    assert "事業化の見通しが不十分" in mail.outbox[0].body
    again = client.post(reverse("ministry:decision_notify", args=[proposal.pk]), follow=True)
    assert "この決定は既に申請者に通知しています。" in again.content.decode()
    assert len(mail.outbox) == 1


def test_decision_needs_a_reason(client, ministry_user, proposal):
    client.force_login(ministry_user)
    response = client.post(
        reverse("ministry:decide", args=[proposal.pk]), opened({"decision": "selected", "reason": "", "version": 1})
    )
    assert response.status_code == 400
    assert not SelectionDecision.objects.exists()


def test_selection_over_envelope_is_refused_and_nothing_is_saved(client, ministry_user, proposal, call, other_region):
    factories.GrantFactory(region=other_region, call=call, fiscal_year=2032, amount=800_000_000)
    client.force_login(ministry_user)
    response = client.post(
        reverse("ministry:decide", args=[proposal.pk]),
        opened({"decision": "selected", "reason": "採択", "version": proposal.version, "confirm": "1"}),
    )
    assert response.status_code == 400
    assert "2032年度の予算枠を超えます" in response.content.decode()
    assert not SelectionDecision.objects.exists()
    assert Grant.objects.filter(region=proposal.region).count() == 0
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW


def test_assigning_reviewers_only_offers_reviewers(client, ministry_user, proposal, hq_user):
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:assign_reviewer", args=[proposal.pk]), opened(reviewer=hq_user.pk))
    assert response.status_code == 400
    assert not proposal.review_assignments.exists()


def test_assigning_to_a_draft_is_not_found(client, ministry_user, call, other_region):
    draft = factories.ProposalFactory(call=call, region=other_region)
    reviewer = factories.UserFactory(reviewer=True)
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:assign_reviewer", args=[draft.pk]), opened(reviewer=reviewer.pk))
    assert response.status_code == 404  # a draft is the region's own until it is submitted
    assert not draft.review_assignments.exists()


# --- grants --------------------------------------------------------------------------------------


def grant_data(region, call, **overrides):
    """The grant form's fields for ``region`` on ``call``, after recording that ``region`` was selected there."""
    factories.selected_region(call, region)
    data = {
        "region": region.pk,
        "call": call.pk,
        "fiscal_year": "2030",
        "amount": "600,000,000",
        "decided_on": "2030-04-10",
        "note": "",
    }
    data.update(overrides)
    return opened(data)


def test_grant_within_envelope_is_saved_and_page_shows_remaining(client, ministry_user, call, region):
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:grant_create"), grant_data(region, call))
    assert response.status_code == 302
    assert Grant.objects.get(region=region, fiscal_year=2030).amount == 600_000_000
    page = client.get(reverse("ministry:grant_list")).content.decode()
    assert "600,000" in page and "400,000" in page  # granted and remaining in 千円


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"amount": "-1"}, "金額は0円以上の整数（円）で入力してください。"),
        ({"amount": "abc"}, "金額は0円以上の整数（円）で入力してください。"),
        ({"amount": "1,000,000,001"}, "2030年度の予算枠を超えます"),
        ({"fiscal_year": "2040"}, "この公募には2040年度（令和22年度）の予算枠がありません（予算枠のある年度："),
    ],
)
def test_bad_grant_input_saves_nothing(client, ministry_user, call, region, overrides, message):
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:grant_create"), grant_data(region, call, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Grant.objects.exists()


def test_second_grant_exceeding_the_envelope_is_refused(client, ministry_user, call, region, other_region):
    factories.GrantFactory(region=other_region, call=call, fiscal_year=2030, amount=700_000_000)
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:grant_create"), grant_data(region, call, amount="300,000,001"))
    assert response.status_code == 400
    assert "残り 300,000,000円" in response.content.decode()
    assert Grant.objects.filter(call=call, fiscal_year=2030).count() == 1


def test_grant_amendment_keeps_history_and_respects_envelope(client, ministry_user, call, region, other_region):
    factories.selected_region(call, region)
    grant = factories.GrantFactory(region=region, call=call, fiscal_year=2030, amount=500_000_000)
    factories.GrantFactory(region=other_region, call=call, fiscal_year=2030, amount=400_000_000)
    client.force_login(ministry_user)
    url = reverse("ministry:grant_detail", args=[grant.pk])
    response = client.post(url, opened({"new_amount": "450000000", "reason": "中間評価の結果による減額", "version": 1}))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.amount == 450_000_000
    amendment = GrantAmendment.objects.get(grant=grant)
    assert (amendment.previous_amount, amendment.new_amount, amendment.amended_by) == (
        500_000_000,
        450_000_000,
        ministry_user,
    )
    response = client.post(url, opened({"new_amount": "700000000", "reason": "増額", "version": grant.version}))
    assert response.status_code == 400
    assert "予算枠を超えます" in response.content.decode()
    response = client.post(url, opened({"new_amount": "400000000", "reason": "減額", "version": 1}))
    assert response.status_code == 409  # a stale form: the conflict page, both amounts side by side
    assert "あなたの変更は<strong>保存されていません</strong>" in response.content.decode()
    assert "450,000,000" in response.content.decode()
    grant.refresh_from_db()
    assert grant.amount == 450_000_000
    assert GrantAmendment.objects.count() == 1
    assert "中間評価の結果による減額" in client.get(url).content.decode()


# --- evaluations ---------------------------------------------------------------------------------


def test_published_evaluation_appears_on_public_cluster_page(client, ministry_user, region):
    client.force_login(ministry_user)
    data = {
        "region": region.pk,
        "kind": "interim",
        "fiscal_year": "2030",
        "grade": "S",
        "international_competitiveness": "世界水準",
        "summary": "世界的な拠点として発展しつつある。",
        "recommendation": "focus",
        "evaluated_on": "2030-12-01",
        "is_published": "on",
    }
    assert client.post(reverse("ministry:evaluation_create"), opened(data)).status_code == 302
    evaluation = Evaluation.objects.get(region=region)
    assert evaluation.is_published
    client.logout()
    assert "世界的な拠点として発展しつつある。" in client.get(region.get_absolute_url()).content.decode()


def test_unpublished_evaluation_stays_private(client, ministry_user, region):
    factories.EvaluationFactory(region=region, summary="非公開の評価概要", is_published=False)
    assert "非公開の評価概要" not in client.get(region.get_absolute_url()).content.decode()


def test_duplicate_evaluation_is_refused(client, ministry_user, region):
    factories.EvaluationFactory(region=region, kind="interim", fiscal_year=2030)
    client.force_login(ministry_user)
    data = {
        "region": region.pk,
        "kind": "interim",
        "fiscal_year": "2030",
        "grade": "A",
        "summary": "重複",
        "recommendation": "continue",
    }
    assert client.post(reverse("ministry:evaluation_create"), opened(data)).status_code == 400
    assert Evaluation.objects.count() == 1


def test_ranking_orders_regions_and_marks_global_candidates(client, ministry_user):
    first = factories.EvaluationFactory(grade="S", recommendation="focus", fiscal_year=2030).region
    second = factories.EvaluationFactory(grade="A", recommendation="continue").region
    third = factories.EvaluationFactory(grade="C", recommendation="reduce").region
    improved = factories.EvaluationFactory(grade="C", recommendation="end", fiscal_year=2009).region
    factories.EvaluationFactory(region=improved, grade="A", recommendation="focus", fiscal_year=2011, kind="final")
    client.force_login(ministry_user)
    response = client.get(reverse("ministry:evaluation_list"))
    ranking = response.context["ranking"]
    assert [row.region for row in ranking] == [first, improved, second, third]
    assert [row.is_global_candidate for row in ranking] == [True, True, False, False]
