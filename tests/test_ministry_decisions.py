"""Decisions with care (issue 14, part 4): decide → summary → confirm → correct → notify, then locked;
the internal note never reaches the applicant; the plan's years must fit the call's envelope; grade C
never comes with 重点支援; call titles are unique per program."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from regions.models import Call, Evaluation, Grant, ProposalStatus, SelectionDecision
from regions.services import proposals as proposal_services
from tests import factories
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget

pytestmark = pytest.mark.django_db

NOTE = "審査委員の評価は低いが政策的に配慮した（内部）"


@pytest.fixture
def proposal(region):
    call = open_call_with_budget(envelope=1_000_000_000)
    proposal = factories.ProposalFactory(call=call, region=region, under_review=True)
    for year in range(2030, 2035):
        factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=year, requested_amount=300_000_000)
    return proposal


def test_decide_shows_a_summary_and_only_confirm_records_once(
    client, ministry_user, hq_user, proposal, django_capture_on_commit_callbacks
):
    client.force_login(ministry_user)
    url = reverse("ministry:decide", args=[proposal.pk])
    data = opened({"decision": "not_selected", "reason": "事業化の見通しが不十分", "internal_note": NOTE}, obj=proposal)
    summary = client.post(url, data)
    assert summary.status_code == 200
    page = summary.content.decode()
    assert (
        "まだ何も記録していません" in page and "申請者に通知される理由" in page and "内部メモ（文部科学省のみ）" in page
    )
    assert not SelectionDecision.objects.exists()  # nothing takes effect before confirm
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**data, "confirm": "1"}).status_code == 302
        again = client.post(url, {**data, "confirm": "1"}, follow=True)  # a reload of the confirm
    assert "2回目の送信は処理しませんでした" in again.content.decode()
    decision = SelectionDecision.objects.get()
    assert (decision.decision, decision.internal_note) == ("not_selected", NOTE)
    assert not mail.outbox  # the applicant hears only at the notify step

    # correction before notification: 不採択 → 採択, history kept
    proposal.refresh_from_db()
    correction = opened(
        {"decision": "selected", "reason": "再審議の結果、採択", "internal_note": NOTE, "correction": "True"},
        obj=proposal,
    )
    assert client.post(url, correction).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {**correction, "confirm": "1"})
        assert confirmed.status_code == 302, confirmed.context["decision_form"].errors
    decision.refresh_from_db()
    assert decision.decision == "selected" and decision.reason == "再審議の結果、採択"
    assert decision.history.count() == 2
    assert Grant.objects.filter(region=proposal.region).count() == 5
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SELECTED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ministry:decision_notify", args=[proposal.pk]))
    assert len(mail.outbox) >= 1
    assert all(NOTE not in message.body for message in mail.outbox)
    assert any("再審議の結果、採択" in message.body for message in mail.outbox)

    # locked after notification
    proposal.refresh_from_db()
    late = opened(
        {"decision": "selected", "reason": "後からの訂正", "correction": "True", "confirm": "1"}, obj=proposal
    )
    response = client.post(url, late, follow=True)
    assert "既に申請者に通知したため、訂正できません" in response.content.decode()
    decision.refresh_from_db()
    assert decision.reason == "再審議の結果、採択"
    assert "申請者に通知したため、この決定は訂正できません" in client.get(proposal.get_absolute_url()).content.decode()

    # the applicant's page never shows the internal note
    client.force_login(hq_user)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert NOTE not in page


def test_a_selected_region_becomes_public_only_when_the_applicant_is_notified(
    client, ministry_user, django_capture_on_commit_callbacks
):
    applicant = factories.RegionFactory(unpublished=True, status="planning")
    call = open_call_with_budget(envelope=1_000_000_000)
    proposal = factories.ProposalFactory(call=call, region=applicant, under_review=True)
    factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2030, requested_amount=300_000_000)
    client.force_login(ministry_user)
    data = opened({"decision": "selected", "reason": "構想が優れている", "confirm": "1"}, obj=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("ministry:decide", args=[proposal.pk]), data).status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == "active" and not applicant.is_published  # decided, not yet announced
    client.logout()
    assert client.get(applicant.get_absolute_url()).status_code == 404

    client.force_login(ministry_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ministry:decision_notify", args=[proposal.pk]))
    applicant.refresh_from_db()
    assert applicant.is_published
    client.logout()
    assert client.get(applicant.get_absolute_url()).status_code == 200


def test_plan_years_outside_the_calls_envelope_are_refused_when_saved(hq_user, region):
    call = open_call_with_budget(envelope=1_000)  # envelopes for some years only
    covered = sorted(call.budgets.values_list("fiscal_year", flat=True))
    outside = max(proposal_services.plan_years(call))
    call.budgets.filter(fiscal_year=outside).delete()
    proposal = factories.ProposalFactory(call=call, region=region, created_by=hq_user)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        proposal_services.proposal_update(
            user=hq_user, proposal=proposal, fields={"title": proposal.title}, amounts={outside: 100}
        )
    message = excinfo.value.message_dict["budget"][0]
    assert f"{outside}年度はこの公募の予算枠の対象外です" in message
    assert f"{covered[0]}年度" in message
    assert not proposal.budget_lines.exists()


def test_grade_c_with_focused_support_is_refused(region):
    evaluation = factories.EvaluationFactory.build(region=region, grade="C", recommendation="focus")
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        evaluation.full_clean()
    assert "総合評価Cの地域に「重点支援」は選べません" in excinfo.value.message_dict["recommendation"][0]
    assert not Evaluation.objects.exists()


def test_call_titles_are_unique_per_program():
    call = factories.CallFactory(title="同じ名前の公募")
    twin = factories.CallFactory.build(program=call.program, title="同じ名前の公募", code="twin-call")
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        twin.full_clean()
    assert "同じ公募名の公募が既にあります" in " ".join(excinfo.value.messages)
    assert Call.objects.count() == 1
