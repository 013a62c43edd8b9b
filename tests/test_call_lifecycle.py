"""A call's lifecycle follows its dates in Japan (issue 14, part 5): accepting until 23:59 JST of the
closing date, then in review until the review deadline, then closed; reviews read-only after the
deadline unless the ministry extends it (logged)."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from regions.models import CALL_TIME_ZONE, CallPhase, CallStatus, ReviewDeadlineExtension, call_day
from regions.services import calls as call_services
from regions.services import proposals as proposal_services
from regions.services import reviews as review_services
from tests import factories

pytestmark = pytest.mark.django_db

CLOSES = datetime.date(2026, 3, 31)
DAY_BEFORE, DAY_AFTER = CLOSES - datetime.timedelta(days=1), CLOSES + datetime.timedelta(days=1)


@pytest.fixture
def call(db):
    return factories.CallFactory(
        title="期限つきの公募",
        opens_on=datetime.date(2026, 3, 1),
        closes_on=CLOSES,
        review_closes_on=datetime.date(2026, 4, 30),
        status=CallStatus.OPEN,
    )


def test_the_day_in_japan_decides_not_the_server_clock():
    last_minute = datetime.datetime(2026, 3, 31, 14, 59, 59, tzinfo=datetime.UTC)  # 23:59:59 JST
    assert call_day(last_minute) == CLOSES
    assert call_day(last_minute + datetime.timedelta(seconds=1)) == DAY_AFTER  # 00:00 JST on 1 April


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (datetime.date(2026, 2, 28), CallPhase.UPCOMING),
        (DAY_BEFORE, CallPhase.ACCEPTING),
        (CLOSES, CallPhase.ACCEPTING),
        (DAY_AFTER, CallPhase.REVIEWING),
        (datetime.date(2026, 4, 30), CallPhase.REVIEWING),
        (datetime.date(2026, 5, 1), CallPhase.CLOSED),
    ],
)
def test_phase_follows_the_dates(call, day, phase):
    assert call.phase(day) == phase


def test_hand_set_status_cannot_reopen_a_call_and_can_close_it_early(call):
    call.status = CallStatus.CLOSED
    assert call.phase(DAY_BEFORE) == CallPhase.REVIEWING
    call.status = CallStatus.DRAFT
    assert call.phase(DAY_BEFORE) == CallPhase.DRAFT


@pytest.mark.parametrize(("day", "shown"), [(DAY_BEFORE, True), (CLOSES, True), (DAY_AFTER, False)])
def test_open_calls_lists_show_a_call_only_until_its_closing_date(client, call, hq_user, ministry_user, day, shown):
    moment = datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=CALL_TIME_ZONE)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        client.force_login(hq_user)
        hq_page = client.get(reverse("proposals:list")).content.decode()
        client.force_login(ministry_user)
        dashboard = client.get(reverse("ministry:dashboard")).content.decode()
    assert ("期限つきの公募" in hq_page) is shown
    assert ("期限つきの公募" in dashboard) is shown


@pytest.mark.parametrize(("day", "accepted"), [(DAY_BEFORE, True), (CLOSES, True), (DAY_AFTER, False)])
def test_submission_is_refused_after_the_closing_date(call, hq_user, day, accepted):
    proposal = factories.ProposalFactory(call=call, region=hq_user.headquarters.region, created_by=hq_user)
    line = factories.ProposalBudgetLineFactory(proposal=proposal)
    factories.CallBudgetFactory(call=call, fiscal_year=line.fiscal_year)  # the years must fit the envelope
    factories.ProposalAttachmentFactory(proposal=proposal)
    if accepted:
        assert proposal_services.proposal_submit(user=hq_user, proposal=proposal, today=day).status == "submitted"
    else:
        with pytest.raises(ValidationError, match="受付期間（2026-03-01〜2026-03-31）外のため提出できません"):
            proposal_services.proposal_submit(user=hq_user, proposal=proposal, today=day)


# --- the review deadline and its extension --------------------------------------------------------


@pytest.fixture
def declared(call):
    criterion = factories.ReviewCriterionFactory(call=call)
    assignment = factories.ReviewAssignmentFactory(
        proposal__call=call, conflict_declared_at=datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC)
    )
    return assignment, criterion


def test_review_is_read_only_after_the_deadline_and_editable_after_an_extension(client, declared, ministry_user):
    assignment, criterion = declared
    call = assignment.proposal.call
    scores = {criterion.pk: (4, "良い")}
    review_services.review_save(
        user=assignment.reviewer,
        assignment=assignment,
        scores=scores,
        recommendation="recommend",
        today=datetime.date(2026, 4, 30),
    )
    with pytest.raises(ValidationError, match="審査締切日（2026-04-30）を過ぎたため"):
        review_services.review_save(
            user=assignment.reviewer,
            assignment=assignment,
            scores=scores,
            recommendation="recommend",
            today=datetime.date(2026, 5, 1),
        )
    call_services.review_deadline_extend(
        user=ministry_user,
        call=call,
        new_date=datetime.date(2026, 5, 15),
        reason="審査委員の追加のため",
        today=datetime.date(2026, 5, 1),
    )
    review_services.review_save(
        user=assignment.reviewer,
        assignment=assignment,
        scores={criterion.pk: (2, "")},
        recommendation="conditional",
        today=datetime.date(2026, 5, 1),
    )
    assert assignment.scores.get().score == 2
    extension = ReviewDeadlineExtension.objects.get()
    assert (extension.previous_date, extension.new_date, extension.extended_by) == (
        datetime.date(2026, 4, 30),
        datetime.date(2026, 5, 15),
        ministry_user,
    )


def test_reviewer_page_is_read_only_after_the_deadline(client, call, declared):
    assignment, _criterion = declared
    call.review_closes_on = call_day() - datetime.timedelta(days=1)
    call.closes_on = call.opens_on = call.review_closes_on
    call.save()
    client.force_login(assignment.reviewer)
    page = client.get(reverse("reviews:detail", args=[assignment.pk])).content.decode()
    assert "審査期間が終了したため、修正できません。" in page
    assert "評点を保存する" not in page


def test_extension_page_logs_the_new_date_and_refuses_an_earlier_one(client, call, ministry_user):
    call.opens_on, call.closes_on, call.review_closes_on = (
        datetime.date(2020, 1, 1),
        datetime.date(2020, 1, 31),
        datetime.date(2020, 2, 28),
    )
    call.save()
    client.force_login(ministry_user)
    url = reverse("ministry:review_deadline", args=[call.code])
    today = call_day()
    response = client.post(url, {"new_date": "2020-03-01", "reason": "延長"})
    assert response.status_code == 400
    assert f"新しい審査締切日は{today.isoformat()}以降の日付にしてください。" in response.content.decode()
    response = client.post(url, {"new_date": (today + datetime.timedelta(days=14)).isoformat(), "reason": ""})
    assert response.status_code == 400 and not ReviewDeadlineExtension.objects.exists()
    new_date = today + datetime.timedelta(days=14)
    response = client.post(
        url, {"new_date": new_date.isoformat(), "reason": "追加の審査委員を依頼したため"}, follow=True
    )
    page = response.content.decode()
    assert "審査締切日を延長しました。" in page and "追加の審査委員を依頼したため" in page
    call.refresh_from_db()
    assert call.review_closes_on == new_date and call.phase() == CallPhase.REVIEWING
