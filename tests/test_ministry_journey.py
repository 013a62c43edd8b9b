"""The whole ministry workflow in one test, through the web pages:
headquarters drafts and submits → ministry assigns two reviewers → one declares a conflict,
the other scores → ministry decides 採択 → grants exist per fiscal year → the region's
public page shows it as active."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cluster_portal.models import TransitionLog
from regions.models import (
    Grant,
    Proposal,
    ProposalStatus,
    RegionStatus,
    ReviewAssignment,
    SelectionDecision,
)
from tests import factories
from tests.form_helpers import opened

pytestmark = pytest.mark.django_db


def open_call_with_budget(*, envelope=2_000_000_000):
    today = timezone.localdate()
    call = factories.CallFactory(
        fiscal_year=2030,
        opens_on=today - datetime.timedelta(days=5),
        closes_on=today + datetime.timedelta(days=5),
    )
    for order, (name, weight) in enumerate((("構想の独創性", 2), ("国際優位性", 2), ("予算計画の妥当性", 1))):
        factories.ReviewCriterionFactory(call=call, name=name, weight=weight, order=order)
    for year in range(2030, 2035):
        factories.CallBudgetFactory(call=call, fiscal_year=year, envelope=envelope)
    return call


def proposal_post_data(call, **overrides):
    data = {
        "title": "浜松オプトロニクスクラスター構想",
        "summary": "光技術の研究シーズを地域企業の事業化につなげる。",
        "theme": "光・電子技術",
        "target_industries": "医療機器、輸送機器",
        "cluster_type": "regional",
        "headquarters_roster": "本部長 浜松 太郎（中核機関 理事長）",
        "kpis": "特許出願100件",
        "related_measures": "経済産業省 産業クラスター計画と連携",
    }
    for year in range(call.fiscal_year, call.fiscal_year + 5):
        data[f"amount_{year}"] = "400,000,000"
    data.update(overrides)
    return opened(data)


def test_full_journey_from_draft_to_active_region_with_grants(
    client, django_capture_on_commit_callbacks, region, hq_user
):
    region.status = RegionStatus.PLANNING
    region.is_published = False
    region.save()
    hq_user.email = "hq@example.jp"
    hq_user.save()
    call = open_call_with_budget()
    ministry = factories.UserFactory(ministry=True, username="ministry-officer")
    reviewer_a = factories.UserFactory(reviewer=True, username="reviewer-a")
    reviewer_b = factories.UserFactory(reviewer=True, username="reviewer-b")

    # The public cannot see the planned region yet.
    assert client.get(region.get_absolute_url()).status_code == 404

    # 1. Headquarters drafts and submits.
    client.force_login(hq_user)
    response = client.post(reverse("proposals:create", args=[call.code]), proposal_post_data(call))
    proposal = Proposal.objects.get(call=call, region=region)
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.requested_total() == 5 * 400_000_000
    plan = SimpleUploadedFile("plan.pdf", factories.PDF_BYTES, content_type="application/pdf")
    client.post(reverse("proposals:attachment_upload", args=[proposal.pk]), opened({"file": plan}))
    assert proposal.attachments.count() == 1
    response = client.post(reverse("proposals:submit", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.submitted_at is not None
    # Submitting locks editing.
    client.post(
        reverse("proposals:edit", args=[proposal.pk]), opened(proposal_post_data(call, title="書き換え"), obj=proposal)
    )
    proposal.refresh_from_db()
    assert proposal.title == "浜松オプトロニクスクラスター構想"

    # 2. Ministry assigns two reviewers (the first assignment starts the review).
    client.force_login(ministry)
    for reviewer in (reviewer_a, reviewer_b):
        response = client.post(reverse("ministry:assign_reviewer", args=[proposal.pk]), opened(reviewer=reviewer.pk))
        assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW
    assert ReviewAssignment.objects.filter(proposal=proposal).count() == 2

    # 3. Reviewer A declares a conflict and is removed from the proposal.
    assignment_a = ReviewAssignment.objects.get(proposal=proposal, reviewer=reviewer_a)
    client.force_login(reviewer_a)
    response = client.post(
        reverse("reviews:conflict", args=[assignment_a.pk]), {"has_conflict": "yes", "conflict_note": "共同研究先"}
    )
    assert response.status_code == 302
    assert client.get(reverse("reviews:detail", args=[assignment_a.pk])).status_code == 404
    assert client.get(proposal.get_absolute_url()).status_code == 404

    # Reviewer B declares no conflict, then scores every criterion.
    assignment_b = ReviewAssignment.objects.get(proposal=proposal, reviewer=reviewer_b)
    client.force_login(reviewer_b)
    client.post(reverse("reviews:conflict", args=[assignment_b.pk]), {"has_conflict": "no"})
    scores = {}
    for criterion, score in zip(call.criteria.order_by("order"), (5, 4, 3), strict=True):
        scores[f"score_{criterion.pk}"] = str(score)
        scores[f"comment_{criterion.pk}"] = f"{criterion.name}について"
    response = client.post(
        reverse("reviews:detail", args=[assignment_b.pk]),
        opened({**scores, "overall_comment": "良い", "recommendation": "conditional"}, obj=assignment_b),
    )
    assert response.status_code == 302
    assignment_b.refresh_from_db()
    assert assignment_b.submitted_at is not None

    # The ministry's review table shows B's weighted mean: (5*2 + 4*2 + 3*1) / 5 = 4.20.
    client.force_login(ministry)
    table = client.get(reverse("ministry:review_table", args=[call.code]))
    assert "4.20" in table.content.decode()

    # 4. Ministry decides 採択.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ministry:decide", args=[proposal.pk]),
            opened(
                {
                    "decision": "selected",
                    "reason": "外部有識者の審査により採択",
                    "version": proposal.version,
                    "confirm": "1",
                }
            ),
        )
    assert response.status_code == 302
    decision = SelectionDecision.objects.get(proposal=proposal)
    assert decision.decision == "selected" and decision.decided_by == ministry
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SELECTED
    assert not mail.outbox  # recorded, not yet told: the notify step is deliberate
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ministry:decision_notify", args=[proposal.pk]))
    assert [message.to for message in mail.outbox] == [["hq@example.jp"]]
    assert "採択" in mail.outbox[0].subject

    # 5. Grants exist per fiscal year from the approved plan.
    grants = dict(Grant.objects.filter(region=region).values_list("fiscal_year", "amount"))
    assert grants == dict.fromkeys(range(2030, 2035), 400000000)
    assert set(Grant.objects.filter(region=region).values_list("call", flat=True)) == {call.pk}

    # Every transition is logged with who and why, and shows as the proposal's timeline.
    logs = list(TransitionLog.for_object(proposal).values_list("target_state", "actor__username"))
    assert logs == [
        ("submitted", "hq-a"),
        ("under_review", "ministry-officer"),
        ("selected", "ministry-officer"),
    ]
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "「審査中」→「採択」" in page

    # 6. The region's public page shows it as active.
    region.refresh_from_db()
    assert region.status == RegionStatus.ACTIVE
    assert region.selected_fiscal_year == 2030
    client.logout()
    response = client.get(region.get_absolute_url())
    assert response.status_code == 200
    assert "実施中" in response.content.decode()
