"""Reviewer pages: only assigned proposals, conflict declaration first, scores within the scale,
never another reviewer's scores, editing until the review closes."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from regions.models import Review, ReviewAssignment
from tests import factories
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(db):
    return open_call_with_budget()


@pytest.fixture
def proposal(call, region):
    return factories.ProposalFactory(call=call, region=region, under_review=True, title="審査対象の構想")


@pytest.fixture
def assignment(proposal, reviewer_user):
    return factories.ReviewAssignmentFactory(proposal=proposal, reviewer=reviewer_user)


@pytest.fixture
def declared(assignment):
    assignment.conflict_declared_at = timezone.now()
    assignment.save()
    return assignment


def score_data(call, scores, comment="コメント"):
    """The score form of the call's (one) assignment, as posted right after opening it."""
    data = {"overall_comment": "総評", "recommendation": "recommend"}
    for criterion, score in zip(call.criteria.order_by("order"), scores, strict=True):
        data[f"score_{criterion.pk}"] = str(score)
        data[f"comment_{criterion.pk}"] = comment
    return opened(data, obj=ReviewAssignment.objects.get(proposal__call=call))


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reviews:list", "reviews:detail"])
def test_anonymous_users_are_sent_to_login(client, assignment, name):
    url = reverse(name) if name == "reviews:list" else reverse(name, args=[assignment.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["ministry_user", "hq_user"])
def test_only_reviewers_use_reviewer_pages(client, assignment, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reviews:list")).status_code == 403
    # who reviews what is confidential: the ministry knows the assignment (403), headquarters do not (404)
    expected = 403 if role == "ministry_user" else 404
    assert client.get(reverse("reviews:detail", args=[assignment.pk])).status_code == expected


def test_reviewer_cannot_open_unassigned_proposal(client, assignment, call, other_region):
    unassigned = factories.ProposalFactory(call=call, region=other_region, under_review=True)
    someone_elses = factories.ReviewAssignmentFactory(proposal=unassigned)
    client.force_login(assignment.reviewer)
    assert client.get(unassigned.get_absolute_url()).status_code == 404
    assert client.get(reverse("reviews:detail", args=[someone_elses.pk])).status_code == 404
    assert client.post(reverse("reviews:conflict", args=[someone_elses.pk]), {"has_conflict": "no"}).status_code == 404
    someone_elses.refresh_from_db()
    assert someone_elses.conflict_declared_at is None


def test_reviewer_list_shows_only_own_assignments(client, assignment, call, other_region):
    other = factories.ProposalFactory(call=call, region=other_region, under_review=True, title="他の委員の担当")
    factories.ReviewAssignmentFactory(proposal=other)
    client.force_login(assignment.reviewer)
    page = client.get(reverse("reviews:list")).content.decode()
    assert "審査対象の構想" in page
    assert "他の委員の担当" not in page


def test_reviewer_list_query_count_does_not_grow_with_rows(client, reviewer_user, django_assert_max_num_queries):
    client.force_login(reviewer_user)
    factories.ReviewAssignmentFactory(reviewer=reviewer_user)
    with django_assert_max_num_queries(6):
        client.get(reverse("reviews:list"))
    for _ in range(15):
        factories.ReviewAssignmentFactory(reviewer=reviewer_user)
    with django_assert_max_num_queries(6):
        client.get(reverse("reviews:list"))


def test_reviewer_never_sees_other_reviewers_scores(client, declared, proposal, call):
    other = factories.ReviewAssignmentFactory(proposal=proposal, conflict_declared_at=timezone.now())
    for criterion in call.criteria.all():
        factories.ReviewFactory(assignment=other, criterion=criterion, score=1, comment="他委員の秘密のコメント")
    other.submitted_at = timezone.now()
    other.save()
    client.force_login(declared.reviewer)
    for url in (
        reverse("reviews:detail", args=[declared.pk]),
        proposal.get_absolute_url(),
        reverse("reviews:list"),
    ):
        page = client.get(url).content.decode()
        assert "他委員の秘密のコメント" not in page
        assert str(other.reviewer) not in page
    assert client.get(reverse("ministry:review_table", args=[call.code])).status_code == 403


# --- conflict of interest ------------------------------------------------------------------------


def test_scoring_needs_a_conflict_declaration_first(client, assignment, call):
    client.force_login(assignment.reviewer)
    page = client.get(reverse("reviews:detail", args=[assignment.pk])).content.decode()
    assert "利害関係の申告" in page
    assert "評点を保存する" not in page
    response = client.post(reverse("reviews:detail", args=[assignment.pk]), score_data(call, (5, 5, 5)))
    assert response.status_code == 400
    assert "採点の前に利害関係の有無を申告してください。" in response.content.decode()
    assert not Review.objects.exists()


def test_declared_conflict_removes_the_reviewer(client, assignment, proposal):
    client.force_login(assignment.reviewer)
    response = client.post(
        reverse("reviews:conflict", args=[assignment.pk]), {"has_conflict": "yes", "conflict_note": "共同研究先"}
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.has_conflict and assignment.conflict_declared_at is not None
    assert client.get(reverse("reviews:detail", args=[assignment.pk])).status_code == 404
    assert client.get(proposal.get_absolute_url()).status_code == 404
    # the list keeps a read-only record of the declaration (issue 14), no longer a link to the proposal
    page = client.get(reverse("reviews:list")).content.decode()
    assert "利害関係を申告した提案書" in page and "共同研究先" in page
    assert f'href="{reverse("reviews:detail", args=[assignment.pk])}"' not in page


def test_conflict_needs_a_note_and_nothing_is_saved_without_it(client, assignment):
    client.force_login(assignment.reviewer)
    response = client.post(reverse("reviews:conflict", args=[assignment.pk]), {"has_conflict": "yes"})
    assert response.status_code == 400
    assert "利害関係の内容を入力してください。" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.conflict_declared_at is None and not assignment.has_conflict


# --- scores --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["0", "6", "-1", "abc", "", "3.5"])
def test_scores_outside_the_scale_are_refused_and_nothing_saved(client, declared, call, bad):
    client.force_login(declared.reviewer)
    data = score_data(call, (4, 4, 4))
    first = call.criteria.order_by("order").first()
    data[f"score_{first.pk}"] = bad
    response = client.post(reverse("reviews:detail", args=[declared.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "評点は1〜5で入力してください。" in page
    assert f'id="id_score_{first.pk}_error"' in page
    assert "総評" in page  # the form keeps the reviewer's input
    assert not Review.objects.exists()
    declared.refresh_from_db()
    assert declared.submitted_at is None


def test_a_review_needs_its_overall_recommendation_and_keeps_it(client, declared, call):
    client.force_login(declared.reviewer)
    url = reverse("reviews:detail", args=[declared.pk])
    data = score_data(call, (4, 4, 4))
    del data["recommendation"]
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "総合判定（採択を推奨する・条件付きで推奨する・推奨しない）を選んでください。" in refused.content.decode()
    assert not Review.objects.exists()
    assert client.post(url, {**data, "recommendation": "nonsense"}).status_code == 400
    assert client.post(url, {**data, "recommendation": "conditional"}).status_code == 302
    declared.refresh_from_db()
    assert declared.recommendation == "conditional" and declared.submitted_at is not None
    page = client.get(url).content.decode()
    assert re.search(r'value="conditional"[^>]*\bchecked', page)  # the saved choice comes back into the form


def test_criterion_with_a_smaller_scale_is_enforced(client, declared, call):
    criterion = call.criteria.order_by("order").last()
    criterion.max_score = 3
    criterion.save()
    client.force_login(declared.reviewer)
    response = client.post(reverse("reviews:detail", args=[declared.pk]), score_data(call, (5, 5, 4)))
    assert response.status_code == 400
    assert "評点は1〜3で入力してください。" in response.content.decode()
    assert not Review.objects.exists()


def test_reviewer_can_edit_scores_until_review_closes(client, declared, call):
    client.force_login(declared.reviewer)
    url = reverse("reviews:detail", args=[declared.pk])
    assert client.post(url, score_data(call, (3, 3, 3))).status_code == 302
    assert client.post(url, score_data(call, (5, 4, 3))).status_code == 302
    assert sorted(Review.objects.values_list("score", flat=True)) == [3, 4, 5]
    call.review_closes_on = timezone.localdate() - datetime.timedelta(days=1)
    call.closes_on = call.review_closes_on
    call.opens_on = call.closes_on - datetime.timedelta(days=10)
    call.save()
    page = client.get(url).content.decode()
    assert "審査期間が終了したため、修正できません。" in page
    response = client.post(url, score_data(call, (1, 1, 1)))
    assert response.status_code == 400
    assert "を過ぎたため、評点を変更できません。" in response.content.decode()
    assert sorted(Review.objects.values_list("score", flat=True)) == [3, 4, 5]


def test_scores_are_locked_after_the_decision(client, declared, call, proposal):
    client.force_login(declared.reviewer)
    url = reverse("reviews:detail", args=[declared.pk])
    client.post(url, score_data(call, (3, 3, 3)))
    proposal.status = "selected"
    proposal.save()
    response = client.post(url, score_data(call, (5, 5, 5)))
    assert response.status_code == 400
    assert sorted(Review.objects.values_list("score", flat=True)) == [3, 3, 3]
    assert ReviewAssignment.objects.get(pk=declared.pk).submitted_at is not None
