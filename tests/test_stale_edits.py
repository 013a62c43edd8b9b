"""No lost updates, no double submissions, one guard per role — on the ministry pages as in the workspace.

Stale edits: two sessions open the same edit form, the first saves, the second saves → the
second gets the conflict page (409) with both versions and the database keeps the first save.
Double submissions: the same create form posted twice (same ``form_token``) creates one row.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import ReportStatus
from regions.models import Call, Evaluation, Grant, Proposal, Review, ReviewAssignment
from tests import factories
from tests.abuse_helpers import fill, post_form
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget, proposal_post_data

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_form(client: Client, url: str, target: str | None = None) -> dict:
    """The data the browser would send back unchanged from the form on ``url`` (hidden fields included)."""
    response = client.get(url)
    assert response.status_code == 200, url
    data, _carried = fill(post_form(response.content.decode(), url, target or url), None)
    return data


def assert_conflict(response, mine: str, theirs: str):
    assert response.status_code == 409
    page = response.content.decode()
    assert "あなたの変更は<strong>保存されていません</strong>" in page
    assert mine in page and theirs in page


# ---------------------------------------------------------------- stale edits


def test_second_save_of_a_call_edit_gets_the_conflict_page_and_the_first_save_stays(ministry_user):
    call = open_call_with_budget()
    other_ministry = factories.UserFactory(ministry=True, username="ministry-2")
    first, second = signed_in(ministry_user), signed_in(other_ministry)
    url = reverse("ministry:call_edit", args=[call.code])
    first_form, second_form = open_form(first, url), open_form(second, url)
    assert first.post(url, {**first_form, "title": "先に保存した公募名"}).status_code == 302
    response = second.post(url, {**second_form, "title": "後から保存した公募名", "budgets_text": "2030,1"})
    assert_conflict(response, "後から保存した公募名", "先に保存した公募名")
    call.refresh_from_db()
    assert call.title == "先に保存した公募名"
    assert call.budgets.get(fiscal_year=2030).envelope == 2_000_000_000  # nothing of the second save


def test_second_save_of_an_evaluation_edit_gets_the_conflict_page_and_the_first_save_stays(ministry_user):
    evaluation = factories.EvaluationFactory(summary="元の概要", grade="B")
    client = signed_in(ministry_user)  # the same officer in two browser tabs
    url = reverse("ministry:evaluation_edit", args=[evaluation.pk])
    tab_1, tab_2 = open_form(client, url), open_form(client, url)
    assert client.post(url, {**tab_1, "summary": "先に保存した概要"}).status_code == 302
    response = client.post(url, {**tab_2, "summary": "後から保存した概要", "grade": "S"})
    assert_conflict(response, "後から保存した概要", "先に保存した概要")
    evaluation.refresh_from_db()
    assert (evaluation.summary, evaluation.grade) == ("先に保存した概要", "B")


def test_second_save_of_a_review_score_form_gets_the_conflict_page_and_the_first_scores_stay(reviewer_user, region):
    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, region=region, under_review=True)
    assignment = factories.ReviewAssignmentFactory(
        proposal=proposal, reviewer=reviewer_user, conflict_declared_at=timezone.now()
    )
    client = signed_in(reviewer_user)
    url = reverse("reviews:detail", args=[assignment.pk])
    tab_1, tab_2 = open_form(client, url), open_form(client, url)
    criteria = list(call.criteria.order_by("order"))
    scores_1 = {f"score_{criterion.pk}": "4" for criterion in criteria}
    scores_2 = {f"score_{criterion.pk}": "1" for criterion in criteria}
    assert (
        client.post(
            url, {**tab_1, **scores_1, "overall_comment": "先の総評", "recommendation": "recommend"}
        ).status_code
        == 302
    )
    response = client.post(
        url, {**tab_2, **scores_2, "overall_comment": "後の総評", "recommendation": "not_recommended"}
    )
    assert_conflict(response, "後の総評", "先の総評")
    assert set(Review.objects.filter(assignment=assignment).values_list("score", flat=True)) == {4}
    assert ReviewAssignment.objects.get(pk=assignment.pk).overall_comment == "先の総評"


def test_second_grant_amendment_from_the_same_page_gets_the_conflict_page(ministry_user, region):
    call = open_call_with_budget()
    factories.selected_region(call, region)
    grant = factories.GrantFactory(region=region, call=call, fiscal_year=2030, amount=500_000_000)
    client = signed_in(ministry_user)
    url = reverse("ministry:grant_detail", args=[grant.pk])
    tab_1, tab_2 = open_form(client, url), open_form(client, url)
    assert client.post(url, {**tab_1, "new_amount": "450000000", "reason": "減額"}).status_code == 302
    response = client.post(url, {**tab_2, "new_amount": "400000000", "reason": "さらに減額"})
    assert_conflict(response, "400,000,000", "450,000,000")
    grant.refresh_from_db()
    assert grant.amount == 450_000_000
    assert grant.amendments.count() == 1


def test_second_save_of_a_proposal_edit_gets_the_conflict_page(hq_user, region):
    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, region=region, created_by=hq_user, title="元の構想名")
    client = signed_in(hq_user)
    url = reverse("proposals:edit", args=[proposal.pk])
    tab_1, tab_2 = open_form(client, url), open_form(client, url)
    assert client.post(url, {**tab_1, "title": "先に保存した構想名"}).status_code == 302
    response = client.post(url, {**tab_2, "title": "後から保存した構想名"})
    assert_conflict(response, "後から保存した構想名", "先に保存した構想名")
    proposal.refresh_from_db()
    assert proposal.title == "先に保存した構想名"


# ---------------------------------------------------------------- double submissions


def post_twice(client: Client, url: str, data: dict):
    first = client.post(url, data)
    second = client.post(url, data)  # the double click: same form, same token
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.status_code == 302 and second["Location"] == first["Location"]
    return second


def test_double_post_of_a_new_call_creates_one_call(ministry_user):
    program = factories.ProgramFactory()
    data = opened(
        program=program.pk,
        code="phase-3-fy2031",
        title="第III期 公募",
        fiscal_year="2031",
        opens_on="2031-04-01",
        closes_on="2031-05-31",
        status="open",
        criteria_text="構想の独創性,2",
        budgets_text="2031,1000000",
    )
    post_twice(signed_in(ministry_user), reverse("ministry:call_create"), data)
    assert Call.objects.filter(code="phase-3-fy2031").count() == 1


def test_double_post_of_a_new_grant_creates_one_grant(ministry_user, region):
    call = open_call_with_budget()
    factories.selected_region(call, region)
    data = opened(region=region.pk, call=call.pk, fiscal_year="2031", amount="1,000", decided_on="2031-04-10")
    post_twice(signed_in(ministry_user), reverse("ministry:grant_create"), data)
    assert Grant.objects.filter(region=region, fiscal_year=2031).count() == 1


def test_double_post_of_a_new_evaluation_creates_one_evaluation(ministry_user, region):
    data = opened(
        region=region.pk, kind="interim", fiscal_year="2030", grade="A", summary="概要", recommendation="focus"
    )
    post_twice(signed_in(ministry_user), reverse("ministry:evaluation_create"), data)
    assert Evaluation.objects.filter(region=region).count() == 1


def test_double_post_of_a_new_proposal_creates_one_proposal(hq_user, region):
    call = open_call_with_budget()
    post_twice(signed_in(hq_user), reverse("proposals:create", args=[call.code]), proposal_post_data(call))
    assert Proposal.objects.filter(call=call, region=region).count() == 1


def test_double_post_of_a_reviewer_assignment_creates_one_assignment(ministry_user, reviewer_user, region):
    proposal = factories.ProposalFactory(call=open_call_with_budget(), region=region, submitted=True)
    url = reverse("ministry:assign_reviewer", args=[proposal.pk])
    post_twice(signed_in(ministry_user), url, opened(reviewer=reviewer_user.pk))
    assert ReviewAssignment.objects.filter(proposal=proposal).count() == 1


# ---------------------------------------------------------------- one guard per role


def guarded_urls(region):
    """(url, roles that may open it) for one page of every guard."""
    proposal = factories.ProposalFactory(call=open_call_with_budget(), region=region, submitted=True)
    report = factories.ProgressReportFactory(project=factories.ProjectFactory(region=region))
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now() - datetime.timedelta(days=1)
    report.save()
    return [
        (reverse("ministry:dashboard"), {"ministry"}),
        (reverse("ministry:call_create"), {"ministry"}),
        (reverse("reviews:list"), {"reviewer"}),
        (reverse("workspace:dashboard"), {"headquarters"}),
        (reverse("workspace:ministry"), {"ministry"}),
        (reverse("workspace:report_review", args=[report.pk]), {"ministry"}),
        (reverse("workspace:report_detail", args=[report.pk]), {"headquarters", "ministry"}),
        (reverse("proposals:list"), {"headquarters", "ministry"}),
        (reverse("proposals:detail", args=[proposal.pk]), {"headquarters", "ministry"}),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, region):
    for url, _roles in guarded_urls(region):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_other_roles_get_403_and_the_right_role_gets_the_page(hq_user, ministry_user, reviewer_user, region):
    users = {"headquarters": hq_user, "ministry": ministry_user, "reviewer": reviewer_user}
    urls = guarded_urls(region)
    outside_a_reviewers_scope = {url for url, _roles in urls if re.search(r"/(proposals|reports)/\d+/", url)}
    for role, user in users.items():
        client = signed_in(user)
        for url, roles in urls:
            status = client.get(url).status_code
            if role in roles:
                assert status == 200, (role, url)
            elif role == "reviewer" and url in outside_a_reviewers_scope:
                # an unassigned proposal, an unpublished report: they do not exist for a reviewer (issue 18)
                assert status == 404, (role, url)
            else:
                assert status == 403, (role, url)


def test_the_moved_ministry_pages_keep_their_addresses():
    assert reverse("workspace:ministry") == "/workspace/ministry/"
    assert reverse("workspace:report_review", args=[7]) == "/workspace/reports/7/review/"
    assert reverse("proposals:edit", args=[7]) == "/proposals/7/edit/"


def test_double_post_of_a_proposal_attachment_adds_one_attachment(hq_user, region):
    from django.core.files.uploadedfile import SimpleUploadedFile

    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, region=region, created_by=hq_user)
    client = signed_in(hq_user)
    url = reverse("proposals:attachment_upload", args=[proposal.pk])
    token = opened()["form_token"]
    for _ in range(2):
        plan = SimpleUploadedFile("plan.pdf", factories.PDF_BYTES, content_type="application/pdf")
        assert client.post(url, {"form_token": token, "file": plan}).status_code == 302
    assert proposal.attachments.count() == 1
