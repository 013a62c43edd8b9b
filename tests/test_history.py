"""History timelines (cluster_portal.history): simple-history's diff_against() shown as a person reads it."""

import datetime

import pytest
from django.urls import reverse

from cluster_portal.history import history_timeline
from cluster_portal.models import TransitionLog
from projects.models import OutcomeKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcome(region):
    return factories.OutcomeFactory(
        project=factories.ProjectFactory(region=region), kind=OutcomeKind.PAPER, occurred_on=datetime.date(2009, 7, 1)
    )


def test_outcome_page_shows_each_change_with_labels_dates_and_in_form_order(client, hq_user, outcome):
    outcome.kind = OutcomeKind.PATENT_APPLICATION
    outcome.occurred_on = datetime.date(2010, 1, 15)
    outcome.description = "出願した"
    outcome.save()
    client.force_login(hq_user)
    page = client.get(reverse("workspace:outcome_detail", args=[outcome.pk])).content.decode()
    kind = page.index("種別: 論文 → 特許出願")
    date = page.index("年月日: 2009年7月1日 → 2010年1月15日")
    description = page.index("概要: — → 出願した")
    assert kind < date < description  # the model's field order, not the alphabet


def test_a_save_that_changes_nothing_adds_no_entry_and_newest_comes_first(outcome):
    outcome.save()
    outcome.title = "改題した成果"
    outcome.save()
    TransitionLog.record(outcome, source="unpublished", target="published", reason="確認済み")
    timeline = history_timeline(outcome)
    assert [entry.kind for entry in timeline] == ["transition", "changed", "created"]
    assert timeline[0].changes == [("状態", "非公開", "公開")]
    assert timeline[0].note == "確認済み"
    [(label, _before, after)] = timeline[1].changes
    assert (label, after) == ("名称", "改題した成果")


def test_budget_amounts_show_as_yen_with_digit_grouping(region):
    budget = factories.ProjectBudgetFactory(project=factories.ProjectFactory(region=region), allocated=1_000_000)
    budget.allocated = 12_345_678
    budget.save()
    [changed, _created] = history_timeline(budget)
    assert ("配分額（円）", "1,000,000", "12,345,678") in changed.changes
