"""Journey (b): a headquarters user logs in, adds a project with two participants, allocates budget,
submits a progress report and records a patent application — once with the mouse, once with the
keyboard only. Each step is checked on the page and in the database."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Half, JointResearchProject, OutcomeKind, ParticipationRole, ReportStatus
from tests import factories
from tests.e2e.data import password, public_data
from tests.e2e.helpers import assert_no_page_problems, login_through_form, submit

pytestmark = pytest.mark.browser

NEW_PROJECT = {
    "code": "HAM-10",
    "title": "テラヘルツ波による非破壊検査装置の開発",
    "theme": "光・電子技術",
    "summary": "大学のテラヘルツ光源を地域企業の検査装置に応用する。",
    "start_date": "2009-04-01",
    "end_date": "2012-03-31",
}
PATENT = {"title": "テラヘルツ波検査方法", "application_number": "特願2009-777001", "occurred_on": "2009-10-01"}
ALLOCATED = 30_000_000


def headquarters_user():
    data = public_data()
    region = data.hamamatsu.region
    secret = password()
    user = factories.UserFactory(
        hq=True,
        username="hq-hamamatsu",
        display_name="浜松 本部職員",
        headquarters=region.headquarters,
        password=secret,
    )
    university = data.hamamatsu.projects[0].host_organization
    company = data.hamamatsu.projects[0].participations.get(role=ParticipationRole.COMPANY).organization
    return data, user, secret, university, company


def assert_saved(region, university, company):
    project = JointResearchProject.objects.get(code=NEW_PROJECT["code"])
    assert project.region == region
    assert project.title == NEW_PROJECT["title"]
    roles = {(p.organization_id, p.role) for p in project.participations.all()}
    assert roles == {(university.pk, ParticipationRole.LEAD_UNIVERSITY), (company.pk, ParticipationRole.COMPANY)}
    budgets = list(project.budgets.select_related("grant"))
    assert [(b.grant.fiscal_year, b.allocated) for b in budgets] == [(2009, ALLOCATED)]
    reports = list(project.reports.all())
    assert [(r.fiscal_year, r.half, r.status) for r in reports] == [(2009, Half.FIRST, ReportStatus.SUBMITTED)]
    outcome = project.outcomes.get()
    assert (outcome.kind, outcome.title, outcome.application_number) == (
        OutcomeKind.PATENT_APPLICATION,
        PATENT["title"],
        PATENT["application_number"],
    )
    return project


def test_headquarters_user_adds_project_allocates_reports_and_records_patent(page, screenshots):
    data, user, secret, university, company = headquarters_user()
    shots = screenshots("headquarters")

    login_through_form(page, user.username, secret, next_url="/workspace/")
    expect(page).to_have_url(re.compile(r"/workspace/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.hamamatsu.region.cluster_name)
    shots(page, "dashboard")

    # A new project with two participants.
    page.get_by_role("navigation", name="本部ワークスペースのメニュー").get_by_role("link", name="共同研究").click()
    page.get_by_role("link", name="プロジェクトを登録する").click()
    form = page.locator("main form.form")
    form.get_by_label("プロジェクトコード").fill(NEW_PROJECT["code"])
    form.get_by_label("研究テーマ名").fill(NEW_PROJECT["title"])
    form.get_by_label("分野").fill(NEW_PROJECT["theme"])
    form.get_by_label("概要").fill(NEW_PROJECT["summary"])
    form.get_by_label("開始日").fill(NEW_PROJECT["start_date"])
    form.get_by_label("終了日").fill(NEW_PROJECT["end_date"])
    form.locator("[name=participants-0-organization]").fill(university.name)
    form.locator("[name=participants-0-role]").select_option(label="代表大学")
    form.locator("[name=participants-1-organization]").fill(company.name)
    form.locator("[name=participants-1-role]").select_option(label="企業")
    shots(page, "project form filled")
    submit(page, form.get_by_role("button", name="保存する"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_PROJECT["title"])
    main = page.locator("main")
    expect(main).to_contain_text(university.name)
    expect(main).to_contain_text(company.name)
    shots(page, "project saved")

    # Budget for FY2009 from the region's grant.
    page.get_by_role("link", name="配分額を登録する").click()
    page.get_by_label("年度").select_option(label="2009年度（平成21年度）")
    page.get_by_label("配分額（円）").fill(f"{ALLOCATED:,}")
    shots(page, "allocation form")
    submit(page, page.locator("main form").get_by_role("button", name="保存する"))
    expect(page.locator("main")).to_contain_text("30,000,000")
    shots(page, "allocation saved")

    # A progress report: saved as a draft, then submitted.
    page.locator("main .eyebrow").get_by_role("link", name=NEW_PROJECT["code"]).click()
    page.get_by_role("link", name="進捗報告を作成する").click()
    report = page.locator("main form")
    report.get_by_label("年度").fill("2009")
    report.get_by_label("期間").select_option(label="上半期")
    report.get_by_label("進捗の概要").fill("光源の試作を完了し、企業と評価を始めた。")
    report.locator("[name=milestones-0-title]").fill("光源の試作")
    report.locator("[name=milestones-0-is_achieved]").check()
    submit(page, report.get_by_role("button", name="下書きとして保存する"))
    expect(page.get_by_role("button", name="提出する")).to_be_visible()
    shots(page, "report draft")
    submit(page, page.get_by_role("button", name="提出する"))
    expect(page.locator("main")).to_contain_text("提出済み")
    shots(page, "report submitted")

    # A patent application: back to the project through the project list.
    page.get_by_role("navigation", name="本部ワークスペースのメニュー").get_by_role("link", name="共同研究").click()
    page.get_by_role("link", name=NEW_PROJECT["code"], exact=True).click()
    page.get_by_role("link", name="成果を登録する").click()
    outcome = page.locator("main form")
    outcome.get_by_label("種別").select_option(label="特許出願")
    outcome.locator("[name=title]").fill(PATENT["title"])
    outcome.get_by_label("年月日").fill(PATENT["occurred_on"])
    outcome.get_by_label("出願番号").fill(PATENT["application_number"])
    outcome.get_by_label("出願国").fill("JP")
    outcome.get_by_label("出願人").fill(university.name)
    outcome.get_by_label("発明者").fill("光 太郎")
    shots(page, "patent form")
    submit(page, outcome.get_by_role("button", name="保存する"))
    expect(page.locator("main")).to_contain_text(PATENT["application_number"])
    shots(page, "patent saved")

    assert_saved(data.hamamatsu.region, university, company)
    assert_no_page_problems(page)


def test_headquarters_journey_with_the_keyboard_only(page, screenshots, keyboard):
    data, user, secret, university, company = headquarters_user()
    shots = screenshots("headquarters-keyboard")
    keys = keyboard(page)

    page.goto("/")
    keys.activate(tag="a", text="ログイン")
    keys.type_into(user.username, label="ユーザー名")
    keys.type_into(secret, label="パスワード")
    keys.submit(tag="button", text="ログイン")
    keys.activate(tag="a", text="本部ワークスペース")
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.hamamatsu.region.cluster_name)
    shots(page, "dashboard")

    keys.activate(tag="a", href_end="/workspace/projects/")
    keys.activate(tag="a", text="プロジェクトを登録する")
    keys.type_into(NEW_PROJECT["code"], name="code")
    keys.type_into(NEW_PROJECT["title"], name="title")
    keys.type_into(NEW_PROJECT["theme"], name="theme")
    keys.type_into(NEW_PROJECT["summary"], name="summary")
    keys.type_date(NEW_PROJECT["start_date"], name="start_date")
    keys.type_date(NEW_PROJECT["end_date"], name="end_date")
    keys.type_into(university.name, name="participants-0-organization")
    keys.choose("代表大学", name="participants-0-role")
    keys.type_into(company.name, name="participants-1-organization")
    keys.choose("企業", name="participants-1-role")
    shots(page, "project form filled")
    keys.submit(tag="button", text="保存する")
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_PROJECT["title"])
    shots(page, "project saved")

    keys.activate(tag="a", text="配分額を登録する")
    keys.choose("2009年度", name="fiscal_year")
    keys.type_into(str(ALLOCATED), name="allocated")
    shots(page, "allocation form")
    keys.submit(tag="button", text="保存する")
    expect(page.locator("main")).to_contain_text("30,000,000")

    keys.activate(tag="a", text=NEW_PROJECT["code"])
    keys.activate(tag="a", text="進捗報告を作成する")
    keys.type_into("2009", name="fiscal_year")
    keys.choose("上半期", name="half")
    keys.type_into("光源の試作を完了し、企業と評価を始めた。", name="narrative")
    keys.type_into("光源の試作", name="milestones-0-title")
    keys.toggle(name="milestones-0-is_achieved")
    assert page.locator("[name=milestones-0-is_achieved]").is_checked()
    keys.submit(tag="button", text="下書きとして保存する")
    keys.submit(tag="button", text="提出する")
    expect(page.locator("main")).to_contain_text("提出済み")
    shots(page, "report submitted")

    keys.activate(tag="a", href_end="/workspace/projects/")
    keys.activate(tag="a", text=NEW_PROJECT["code"])
    keys.activate(tag="a", text="成果を登録する")
    keys.choose("特許出願", name="kind")
    keys.type_into(PATENT["title"], name="title")
    keys.type_date(PATENT["occurred_on"], name="occurred_on")
    keys.type_into(PATENT["application_number"], name="application_number")
    keys.type_into("JP", name="country")
    keys.type_into(university.name, name="applicants")
    keys.type_into("光 太郎", name="inventors")
    shots(page, "patent form")
    keys.submit(tag="button", text="保存する")
    expect(page.locator("main")).to_contain_text(PATENT["application_number"])
    shots(page, "patent saved")

    assert_saved(data.hamamatsu.region, university, company)
    assert_no_page_problems(page)
