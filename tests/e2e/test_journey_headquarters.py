"""Journey (b): a headquarters user logs in, adds a project with two participants, allocates budget,
submits a progress report and records a patent application — once with the mouse, once with the
keyboard only. Each step is checked on the page and in the database."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from projects.models import (
    Expenditure,
    Half,
    JointResearchProject,
    OutcomeKind,
    ParticipationRole,
    ProjectBudget,
    ReportStatus,
)
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


PASTE = """(el, text) => { const data = new DataTransfer(); data.setData("text/plain", text);
    el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true})); }"""
RECEIPT_PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_headquarters_copy_the_plan_enter_execution_in_bulk_with_a_receipt_and_read_the_budget(page, screenshots):
    """Issue 15: copy the plan forward → bulk execution (a block pasted from Excel, one row typed) → a receipt
    → the budget overview shows the executed amount and the receipt count."""
    data, user, secret, _university, _company = headquarters_user()
    region = data.hamamatsu.region
    factories.GrantFactory(region=region, fiscal_year=2010, amount=900_000_000)
    first, second = sorted(data.hamamatsu.projects, key=lambda project: project.code)[:2]
    shots = screenshots("headquarters-execution")
    login_through_form(page, user.username, secret, next_url="/workspace/budgets/")

    # Copy FY2009's allocations to FY2010.
    page.get_by_role("link", name="前年度の配分をコピー").click()
    expect(page.get_by_label("コピー先の年度")).to_have_value("2010")
    submit(page, page.get_by_role("button", name="プレビューする"))
    shots(page, "copy preview")
    submit(page, page.get_by_role("button", name=re.compile("件の配分を確定してコピーする")))
    expect(page.locator("main")).to_contain_text("配分をコピーしました。")
    copied = ProjectBudget.objects.filter(project__region=region, grant__fiscal_year=2010)
    assert copied.count() == len(data.hamamatsu.projects)

    # Bulk execution for FY2010: three lines pasted from Excel into the paste box, a fourth row by hand and paste.
    page.get_by_role("link", name="執行の一括登録").click()
    page.get_by_label("年度", exact=True).select_option("2010")
    submit(page, page.get_by_role("button", name="この年度の表を開く"))
    tsv = (
        f"{first.code}\t旅費\t1,234\t令和2年4月1日\t東京出張\r\n"  # an impossible FY2010 date first: refused
        f"{first.code}\t設備費\t250,000円\t2010/5/10\t計測器\r\n"
        f"{second.code}\t人件費\t300000\tH22.6.30\t6月分謝金\r\n"
    )
    page.locator("[name=pasted]").evaluate(PASTE, tsv)  # the paste box: the script fills the grid at once
    expect(page.locator("[data-bulk-status]")).to_contain_text("3行を表に貼り付けました")
    expect(page.locator("[name=rows-1-amount]")).to_have_value("250,000円")
    expect(page.locator("[name=rows-2-budget] option:checked")).to_contain_text(second.code)
    page.get_by_label("4行目 プロジェクト", exact=True).select_option(label=f"{second.code} {second.title}")
    page.get_by_label("4行目 費目", exact=True).select_option(label="旅費")
    page.get_by_label("4行目 金額（円）", exact=True).evaluate(
        PASTE, "８，０００\t2010-07-01\n"
    )  # two cells into the grid
    expect(page.get_by_label("4行目 執行日", exact=True)).to_have_value("2010-07-01")
    shots(page, "bulk grid filled")
    page.get_by_role("button", name="登録する").click()
    # 令和2年 is FY2020: the batch is refused with the row and the column, nothing recorded
    problems = page.locator("#bulk-problems")
    expect(problems).to_contain_text("1行目「執行日」")
    assert not Expenditure.objects.filter(budget__grant__fiscal_year=2010).exists()
    shots(page, "bulk refused")
    page.get_by_label("1行目 執行日", exact=True).fill("平成22年4月1日")
    submit(page, page.get_by_role("button", name="登録する"))
    expect(page.locator("main")).to_contain_text("4件の執行を登録しました。")
    lines = Expenditure.objects.filter(budget__grant__fiscal_year=2010)
    assert sorted(lines.values_list("amount", flat=True)) == [1234, 8000, 250_000, 300_000]
    assert lines.values("batch").distinct().count() == 1

    # A receipt for the equipment line, from the entry's page.
    page.goto("/workspace/budgets/")
    page.get_by_role("region", name="2010年度（平成22年度）").get_by_role(
        "link", name=f"{first.code} {first.title}"
    ).click()
    page.get_by_role("link", name=re.compile("修正.*設備費")).click()
    page.get_by_label("領収書ファイル").set_input_files(
        {"name": "計測器の領収書.pdf", "mimeType": "application/pdf", "buffer": RECEIPT_PDF}
    )
    submit(page, page.get_by_role("button", name="領収書を添付する"))
    expect(page.locator("main")).to_contain_text("計測器の領収書.pdf")
    shots(page, "receipt attached")

    # The overview in 円: the executed amount and the receipt count of the project.
    page.goto("/workspace/budgets/?unit=yen")
    year = page.get_by_role("region", name="2010年度（平成22年度）")
    row = year.locator("tbody tr", has_text=first.code)
    expect(row).to_contain_text("251,234")
    expect(row.locator("td").nth(-2)).to_have_text("1")
    shots(page, "overview")
    assert_no_page_problems(page)

    # The annual results report (実績報告書) of FY2010, printable, then as a PDF made by the job.
    page.goto("/workspace/annual-report/?fy=2010")
    expect(page.locator("main")).to_contain_text(first.title)
    shots(page, "annual report")
    page.get_by_role("button", name="PDFを作成").click()
    download_link = page.get_by_role("link", name=re.compile("をダウンロード"))
    expect(download_link).to_be_visible()
    with page.expect_download() as download_info:
        download_link.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
    assert first.title in text.replace("\n", "")
