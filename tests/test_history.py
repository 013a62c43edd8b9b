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


# ---------------------------------------------------------------- every editable record (issue 15, part 9)


def page(client, user, name, pk) -> str:
    client.force_login(user)
    return client.get(reverse(name, args=[pk])).content.decode()


def test_a_project_edit_shows_once_with_before_and_after_on_the_project_page(client, hq_user, region):
    project = factories.ProjectFactory(region=region, title="旧題")
    project.title = "新題"
    project.save()
    html = page(client, hq_user, "workspace:project_detail", project.pk)
    assert html.count("研究テーマ名: 旧題 → 新題") == 1


def test_a_project_state_change_is_listed_once_with_its_reason(hq_user, region):
    from projects.services import projects as project_services

    project = factories.ProjectFactory(region=region)
    project_services.project_change_status(user=hq_user, project_pk=project.pk, target="suspended", reason="装置の故障")
    timeline = history_timeline(project)
    state_changes = [change for entry in timeline for change in entry.changes if change.label == "状態"]
    assert state_changes == [("状態", "実施中", "中断")]  # the log's entry only, not the field change again
    assert [entry.kind for entry in timeline] == ["transition", "created"]
    assert timeline[0].note == "装置の故障"


def test_a_publication_is_listed_once(hq_user, region):
    from projects.services import projects as project_services

    outcome = factories.OutcomeFactory(project=factories.ProjectFactory(region=region), unpublished=True)
    project_services.publication_set(user=hq_user, obj=outcome, publish=True, reason="確認済み")
    timeline = history_timeline(outcome)
    assert [entry.kind for entry in timeline] == ["transition", "created"]
    assert timeline[0].changes == [("状態", "非公開", "公開")]


def test_participants_added_removed_and_given_another_role_each_show_once(client, hq_user, region):
    from projects.models import ParticipationRole
    from projects.services import projects as project_services
    from projects.services.projects import ParticipantInput

    project = factories.ProjectFactory(region=region)
    university = factories.OrganizationFactory(name="浜松大学")
    company = factories.OrganizationFactory(name="光電子株式会社", company=True)
    other = factories.OrganizationFactory(name="県工業技術研究所")
    data = {"code": project.code, "title": project.title, "theme": project.theme}
    data |= {"start_date": project.start_date, "end_date": project.end_date}
    update = lambda participants: project_services.project_update(  # noqa: E731
        user=hq_user,
        project_pk=project.pk,
        expected_version=type(project).objects.get(pk=project.pk).version,
        data=data,
        participants=participants,
    )
    update(
        [
            ParticipantInput(role=ParticipationRole.LEAD_UNIVERSITY, organization=university),
            ParticipantInput(role=ParticipationRole.COMPANY, organization=company),
        ]
    )
    update(
        [
            ParticipantInput(role=ParticipationRole.LEAD_UNIVERSITY, organization=university),
            ParticipantInput(role=ParticipationRole.PUBLIC_RESEARCH, organization=other),
        ]
    )
    html = page(client, hq_user, "workspace:project_detail", project.pk)
    lead = ParticipationRole.LEAD_UNIVERSITY.label
    assert html.count(f"参画: — → 浜松大学（{lead}）") == 1  # added once, not again on the second save
    assert html.count(f"参画: 光電子株式会社（{ParticipationRole.COMPANY.label}） → —") == 1
    assert html.count(f"参画: — → 県工業技術研究所（{ParticipationRole.PUBLIC_RESEARCH.label}）") == 1


def test_a_coordinator_and_an_activity_edit_show_on_the_coordinator_page(client, hq_user, region):
    coordinator = factories.CoordinatorFactory(region=region, expertise="光計測")
    activity = factories.CoordinationActivityFactory(coordinator=coordinator, title="企業訪問")
    coordinator.expertise = "画像処理"
    coordinator.save()
    activity.title = "共同研究の打合せ"
    activity.save()
    html = page(client, hq_user, "workspace:coordinator_detail", coordinator.pk)
    assert "光計測 → 画像処理" in html
    assert "企業訪問 → 共同研究の打合せ" in html


def test_an_event_edit_shows_on_the_event_page(client, hq_user, region):
    event = factories.EventFactory(region=region, venue="浜松市")
    event.venue = "静岡市"
    event.save()
    html = page(client, hq_user, "workspace:event_detail", event.pk)
    assert "浜松市 → 静岡市" in html


def test_the_headquarters_roster_keeps_history_with_before_and_after(region):
    member = factories.HeadquartersMemberFactory(headquarters=factories.HeadquartersFactory(region=region))
    member.name = "後任 太郎"
    member.save()
    headquarters = member.headquarters
    headquarters.address = "浜松市中区"
    headquarters.save()
    [changed, _created] = history_timeline(member)
    assert [(label, after) for label, _before, after in changed.changes] == [("氏名", "後任 太郎")]
    assert history_timeline(headquarters)[0].changes[0].after == "浜松市中区"


def test_the_roster_page_shows_each_roster_change_of_the_own_headquarters_only(client, hq_user, other_region):
    member = factories.HeadquartersMemberFactory(headquarters=hq_user.headquarters, name="前任 花子")
    member.name = "後任 太郎"
    member.save()
    elsewhere = factories.HeadquartersMemberFactory(
        headquarters=factories.HeadquartersFactory(region=other_region), name="他地域 次郎"
    )
    elsewhere.name = "他地域 三郎"
    elsewhere.save()
    member.delete()

    html = page_without_args(client, hq_user, "workspace:headquarters")

    assert html.count("氏名: 前任 花子 → 後任 太郎") == 1
    assert "本部の役員: — → 本部長 前任 花子" in html  # added
    assert "本部の役員: 本部長 後任 太郎 → —" in html  # removed
    assert "他地域" not in html


def page_without_args(client, user, name) -> str:
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()
