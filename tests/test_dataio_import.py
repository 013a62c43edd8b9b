"""Bulk import: every bad file gets a clear Japanese error and leaves the database byte-for-byte unchanged."""

import datetime
import io

import openpyxl
import pytest
from django.test import override_settings

from cluster_portal.tabular import files
from cluster_portal.tabular.services import ERROR, NEW, UNCHANGED, UPDATE, data_import
from projects.models import JointResearchProject, Outcome, ProjectBudget, ProjectStatus
from regions.models import Grant, Organization, OrganizationKind
from tests import factories

pytestmark = pytest.mark.django_db

PROJECT_HEADER = "プロジェクトコード,地域,研究テーマ名,開始日,終了日,実施拠点（大学の共同研究センター等）"
BUDGET_HEADER = "プロジェクトコード,年度,配分額（円）,執行額（円）"


def csv_bytes(*lines, encoding="utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(user, resource, data, *, file_format="csv", encoding="auto", dry_run=False):
    return data_import(
        user=user, resource=resource, data=data, file_format=file_format, encoding=encoding, dry_run=dry_run
    )


def messages(report) -> list[str]:
    return [str(issue) for issue in report.errors]


def assert_refused(report, before, after, *fragments):
    """The import failed with every fragment in its messages, and nothing was written."""
    assert not report.ok
    assert not report.committed
    text = "\n".join(messages(report))
    for fragment in fragments:
        assert fragment in text, text
    assert after == before


@pytest.fixture
def funded_project(region):
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=1_000_000)
    project = factories.ProjectFactory(region=region, code="P-1")
    return project, grant


# --- encodings -----------------------------------------------------------------------------------


def test_cp932_file_with_rare_kanji_and_half_width_katakana_imports_exactly(admin_user, region):
    name = "髙﨑ﾃｸﾉ株式会社"
    data = csv_bytes("名称,種別,英語名", f"{name},company,Takasaki Techno", encoding="cp932")

    report = run(admin_user, "organizations", data)

    assert report.ok, messages(report)
    assert report.encoding == files.CP932
    organization = Organization.objects.get(kind=OrganizationKind.COMPANY, name_en="Takasaki Techno")
    assert organization.name == name


def test_cp932_file_imports_when_cp932_is_declared(admin_user, region):
    data = csv_bytes("名称,種別", "﨑岡ﾗﾎﾞ,company", encoding="cp932")
    report = run(admin_user, "organizations", data, encoding="shift_jis")
    assert report.ok, messages(report)
    assert Organization.objects.filter(name="﨑岡ﾗﾎﾞ").exists()


def test_utf8_with_bom_is_detected_and_reported(admin_user, region):
    data = csv_bytes("名称,種別", "静岡大学,university", encoding="utf-8-sig")
    report = run(admin_user, "organizations", data)
    assert report.ok, messages(report)
    assert report.encoding == files.UTF8_BOM
    assert Organization.objects.filter(name="静岡大学").exists()


def test_cp932_file_declared_as_utf8_is_refused(admin_user, region, db_snapshot):
    data = csv_bytes("名称,種別", "髙﨑大学,university", encoding="cp932")
    before = db_snapshot()
    report = run(admin_user, "organizations", data, encoding="utf-8")
    assert_refused(report, before, db_snapshot(), "UTF-8 として読み取れません", "Shift_JIS")


def test_utf8_file_declared_as_cp932_is_refused_not_garbled(admin_user, region, db_snapshot):
    data = csv_bytes("名称,種別", "静岡大学,university")
    before = db_snapshot()
    report = run(admin_user, "organizations", data, encoding="cp932")
    assert_refused(report, before, db_snapshot(), "UTF-8 で保存されているようです")


# --- columns -------------------------------------------------------------------------------------


def test_missing_required_column_is_refused(admin_user, region, db_snapshot):
    data = csv_bytes("プロジェクトコード,地域,開始日", f"P-9,{region.slug},2008-04-01")
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "1行目: 必須の列「研究テーマ名」がありません。")


def test_unknown_columns_are_ignored_with_a_warning(admin_user, region):
    data = csv_bytes(PROJECT_HEADER + ",メモ", f"P-9,{region.slug},テーマ,2008-04-01,,,社内用メモ")
    report = run(admin_user, "projects", data)
    assert report.ok, messages(report)
    assert any("「メモ」は使わない列のため無視しました" in str(issue) for issue in report.warnings)
    assert JointResearchProject.objects.filter(code="P-9").exists()


def test_english_headers_are_accepted(admin_user, region):
    data = csv_bytes("code,region,title,start_date", f"P-EN,{region.slug},English headers,2008-04-01")
    report = run(admin_user, "projects", data)
    assert report.ok, messages(report)
    assert JointResearchProject.objects.get(code="P-EN").title == "English headers"


# --- values --------------------------------------------------------------------------------------


def test_bad_date_is_refused_with_row_and_column(admin_user, region, db_snapshot):
    data = csv_bytes(PROJECT_HEADER, f"P-1,{region.slug},テーマ,2008-04-01,,", f"P-2,{region.slug},テーマ,2008-13-45,,")
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "3行目 開始日: 2008年13月45日 という日付はありません。")


def test_end_date_before_start_date_is_refused(admin_user, region, db_snapshot):
    data = csv_bytes(PROJECT_HEADER, f"P-1,{region.slug},テーマ,2008-04-01,2008-03-31,")
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "2行目 終了日: 終了日は開始日以降にしてください。")


def test_negative_amount_is_refused(admin_user, funded_project, db_snapshot):
    data = csv_bytes(BUDGET_HEADER, "P-1,2008,-1,0")
    before = db_snapshot()
    report = run(admin_user, "budgets", data)
    assert_refused(
        report,
        before,
        db_snapshot(),
        "2行目 配分額（円）: 金額は0円以上、10兆円（10,000,000,000,000円）以下の整数で入力してください。",
    )


def test_non_numeric_amount_is_refused(admin_user, funded_project, db_snapshot):
    data = csv_bytes(BUDGET_HEADER, "P-1,2008,百万円,0")
    before = db_snapshot()
    report = run(admin_user, "budgets", data)
    assert_refused(
        report,
        before,
        db_snapshot(),
        "2行目 配分額（円）: 金額は円単位の数字で入力してください（「千円」などの単位は付けられません）。",
    )


def test_decimal_amount_is_refused(admin_user, funded_project, db_snapshot):
    data = csv_bytes(BUDGET_HEADER, "P-1,2008,1000.5,0")
    before = db_snapshot()
    report = run(admin_user, "budgets", data)
    assert_refused(report, before, db_snapshot(), "整数で入力してください")


def test_thousands_separators_and_full_width_digits_are_normalised(admin_user, funded_project):
    project, grant = funded_project
    data = csv_bytes(BUDGET_HEADER, 'P-1,２００８,"1,234",０')
    report = run(admin_user, "budgets", data)
    assert report.ok, messages(report)
    budget = ProjectBudget.objects.get(project=project, grant=grant)
    assert (budget.allocated, budget.executed) == (1234, 0)


def test_misplaced_thousands_separator_is_refused(admin_user, funded_project, db_snapshot):
    data = csv_bytes(BUDGET_HEADER, 'P-1,2008,"12,34",0')
    before = db_snapshot()
    report = run(admin_user, "budgets", data)
    assert_refused(report, before, db_snapshot(), "金額は半角または全角の数字（円単位の整数）で入力してください")


def test_unknown_organisation_is_refused(admin_user, region, db_snapshot):
    data = csv_bytes(PROJECT_HEADER, f"P-1,{region.slug},テーマ,2008-04-01,,存在しない大学")
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "機関「存在しない大学」は登録されていません")


def test_ambiguous_organisation_needs_its_kind(admin_user, region):
    factories.OrganizationFactory(name="浜松ホトニクス", kind=OrganizationKind.COMPANY)
    factories.OrganizationFactory(name="浜松ホトニクス", kind=OrganizationKind.OTHER)
    header = PROJECT_HEADER + ",実施拠点（大学の共同研究センター等）の種別"
    ambiguous = run(admin_user, "projects", csv_bytes(header, f"P-1,{region.slug},テーマ,2008-04-01,,浜松ホトニクス,"))
    assert "種別の列で種別を指定してください" in "\n".join(messages(ambiguous))
    chosen = run(admin_user, "projects", csv_bytes(header, f"P-1,{region.slug},テーマ,2008-04-01,,浜松ホトニクス,企業"))
    assert chosen.ok, messages(chosen)
    assert JointResearchProject.objects.get(code="P-1").host_organization.kind == OrganizationKind.COMPANY


def test_unknown_region_is_refused(admin_user, region, db_snapshot):
    data = csv_bytes(PROJECT_HEADER, "P-1,no-such-region,テーマ,2008-04-01,,")
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(
        report, before, db_snapshot(), "2行目 地域: 「no-such-region」という地域（クラスター）は登録されていません。"
    )


def test_duplicate_key_inside_the_file_is_refused(admin_user, region, db_snapshot):
    data = csv_bytes(
        PROJECT_HEADER,
        f"P-1,{region.slug},テーマ,2008-04-01,,",
        f"P-2,{region.slug},テーマ,2008-04-01,,",
        f"P-1,{region.slug},別のテーマ,2008-04-01,,",
    )
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "4行目 プロジェクトコード: 2行目と同じキー（P-1）です")


def test_duplicate_application_number_inside_the_file_is_refused(admin_user, funded_project, db_snapshot):
    header = "成果コード,プロジェクトコード,種別,名称,年月日,出願番号,出願国"
    data = csv_bytes(
        header,
        ",P-1,patent_application,発明A,2009-01-10,特願2009-000001,JP",
        ",P-1,patent_application,発明B,2009-02-10,特願2009-000001,JP",
    )
    before = db_snapshot()
    report = run(admin_user, "outcomes", data)
    assert_refused(report, before, db_snapshot(), "3行目", "この出願番号は既に登録されています。")


def test_application_number_of_another_outcome_in_the_database_is_refused(admin_user, funded_project, db_snapshot):
    project, _grant = funded_project
    factories.OutcomeFactory(project=project, patent=True, application_number="特願2009-000001", country="JP")
    data = csv_bytes(
        "成果コード,プロジェクトコード,種別,名称,年月日,出願番号,出願国",
        ",P-1,特許出願,別の発明,2009-01-10,特願2009-000001,JP",
    )
    before = db_snapshot()
    report = run(admin_user, "outcomes", data)
    assert_refused(report, before, db_snapshot(), "2行目 出願番号: この出願番号は既に登録されています。")


def test_patent_without_application_number_is_refused_by_the_model_rule(admin_user, funded_project, db_snapshot):
    data = csv_bytes("成果コード,プロジェクトコード,種別,名称,年月日", ",P-1,patent_application,発明,2009-01-10")
    before = db_snapshot()
    report = run(admin_user, "outcomes", data)
    assert_refused(report, before, db_snapshot(), "2行目 出願番号: 特許には出願番号を入力してください。")


def test_allocation_over_the_grant_on_row_9999_of_10000_saves_nothing(admin_user, region, db_snapshot):
    projects = JointResearchProject.objects.bulk_create(
        JointResearchProject(region=region, code=f"B{n:05d}", title=f"テーマ{n}", start_date=datetime.date(2008, 4, 1))
        for n in range(10_000)
    )
    # Room for 9,998 allocations of 1,000 yen: the 9,999th data row overflows the grant.
    Grant.objects.create(region=region, fiscal_year=2008, amount=9_998 * 1_000 + 500)
    lines = [BUDGET_HEADER] + [f"{project.code},2008,1000,0" for project in projects]
    before = db_snapshot()

    report = run(admin_user, "budgets", csv_bytes(*lines))

    after = db_snapshot()
    assert_refused(report, before, after, "10,000行目 配分額（円）: 配分額が交付決定額を超えます。")
    assert report.errors[0].line == 10_000  # the 9,999th data row; the header is row 1
    assert ProjectBudget.objects.count() == 0


def test_allocations_within_the_grant_import_and_reimport_unchanged(admin_user, funded_project):
    data = csv_bytes(BUDGET_HEADER, "P-1,2008,1000000,0")
    first = run(admin_user, "budgets", data)
    second = run(admin_user, "budgets", data)
    assert first.ok and first.new == 1, messages(first)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 1)


# --- empty and limits ----------------------------------------------------------------------------


def test_empty_file_is_refused(admin_user, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, "projects", b"")
    assert_refused(report, before, db_snapshot(), "ファイルが空です")


def test_file_with_only_headers_is_refused(admin_user, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, "projects", csv_bytes(PROJECT_HEADER))
    assert_refused(report, before, db_snapshot(), "データ行がありません")


@override_settings(DATAIO_MAX_BYTES=1024)
def test_file_over_the_size_limit_is_refused_before_parsing(admin_user, region, db_snapshot, monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("parsed a file over the limit")

    monkeypatch.setattr(files, "_read_csv", must_not_parse)
    before = db_snapshot()
    report = run(admin_user, "projects", b"x" * 1025)
    assert_refused(report, before, db_snapshot(), "ファイルが大きすぎます", "1KB" if False else "MB以下")


@override_settings(DATAIO_MAX_ROWS=3)
def test_file_with_too_many_rows_is_refused(admin_user, region, db_snapshot):
    lines = [PROJECT_HEADER] + [f"P-{n},{region.slug},テーマ,2008-04-01,," for n in range(4)]
    before = db_snapshot()
    report = run(admin_user, "projects", csv_bytes(*lines))
    assert_refused(report, before, db_snapshot(), "行数が多すぎます", "3行以下")


# --- XLSX and JSON -------------------------------------------------------------------------------


def xlsx_bytes(rows, *, merge=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_imports_with_date_cells(admin_user, region):
    data = xlsx_bytes(
        [
            ["プロジェクトコード", "地域", "研究テーマ名", "開始日"],
            ["P-X", region.slug, "Excelから", datetime.datetime(2008, 4, 1)],
        ]
    )
    report = run(admin_user, "projects", data, file_format="xlsx")
    assert report.ok, messages(report)
    assert JointResearchProject.objects.get(code="P-X").start_date == datetime.date(2008, 4, 1)


def test_xlsx_with_formulas_is_refused(admin_user, funded_project, db_snapshot):
    data = xlsx_bytes([["プロジェクトコード", "年度", "配分額（円）"], ["P-1", 2008, "=1000*2"]])
    before = db_snapshot()
    report = run(admin_user, "budgets", data, file_format="xlsx")
    assert_refused(report, before, db_snapshot(), "2行目 配分額（円）: 数式（C2）は取り込めません")


def test_xlsx_with_merged_cells_is_refused(admin_user, region, db_snapshot):
    data = xlsx_bytes(
        [
            ["プロジェクトコード", "地域", "研究テーマ名", "開始日"],
            ["P-1", region.slug, "テーマ", "2008-04-01"],
            ["P-2", None, "テーマ", "2008-04-01"],
        ],
        merge="B2:B3",
    )
    before = db_snapshot()
    report = run(admin_user, "projects", data, file_format="xlsx")
    assert_refused(report, before, db_snapshot(), "結合されたセル（B2:B3）は取り込めません")


def test_broken_xlsx_is_refused(admin_user, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, "projects", b"PK\x03\x04 not really a workbook", file_format="xlsx")
    assert_refused(report, before, db_snapshot(), "Excel（.xlsx）ファイルとして読み取れません")


def test_json_that_is_not_a_list_of_rows_is_refused(admin_user, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, "projects", b'{"code": "P-1"}', file_format="json")
    assert_refused(report, before, db_snapshot(), "JSON は、1行を1つのオブジェクトとする配列")


# --- preview -------------------------------------------------------------------------------------


def test_preview_lists_new_update_unchanged_and_error_rows_without_saving(admin_user, region, db_snapshot):
    factories.ProjectFactory(region=region, code="P-1", title="古いテーマ", start_date=datetime.date(2008, 4, 1))
    factories.ProjectFactory(region=region, code="P-2", title="そのまま", start_date=datetime.date(2008, 4, 1))
    data = csv_bytes(
        "プロジェクトコード,地域,研究テーマ名,開始日",
        f"P-1,{region.slug},新しいテーマ,2008-04-01",
        f"P-2,{region.slug},そのまま,2008-04-01",
        f"P-3,{region.slug},新規,2008-04-01",
        f"P-4,{region.slug},日付なし,",
    )
    before = db_snapshot()

    report = run(admin_user, "projects", data, dry_run=True)

    assert db_snapshot() == before
    assert [(row.line, row.status) for row in report.rows] == [(2, UPDATE), (3, UNCHANGED), (4, NEW), (5, ERROR)]
    assert report.rows[0].changed == ["研究テーマ名"]
    assert (report.new, report.updated, report.unchanged, report.error_rows) == (1, 1, 1, 1)
    assert "5行目 開始日:" in messages(report)[0]


def test_workflow_status_of_an_existing_project_cannot_be_changed_by_import(admin_user, region, db_snapshot):
    factories.ProjectFactory(region=region, code="P-1", status=ProjectStatus.ACTIVE)
    data = csv_bytes("プロジェクトコード,地域,研究テーマ名,開始日,状態", f"P-1,{region.slug},テーマ,2008-04-01,完了")
    before = db_snapshot()
    report = run(admin_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "2行目 状態: 登録済みの行の「状態」は取込では変更できません")


def test_registered_grant_amount_changes_only_through_an_amendment(admin_user, region, db_snapshot):
    factories.GrantFactory(region=region, fiscal_year=2008, amount=500)
    data = csv_bytes("地域,年度,交付決定額（円）", f"{region.slug},2008,600")
    before = db_snapshot()
    report = run(admin_user, "grants", data)
    assert_refused(report, before, db_snapshot(), "交付決定額（円）」は取込では変更できません")


def test_outcomes_import_in_bulk_with_history(admin_user, funded_project):
    lines = ["成果コード,プロジェクトコード,種別,名称,年月日,出願番号,出願国"] + [
        f",P-1,patent_application,発明{n},2009-01-10,特願2009-{n:06d},JP" for n in range(30)
    ]
    report = run(admin_user, "outcomes", csv_bytes(*lines))
    assert report.ok and report.new == 30, messages(report)
    assert Outcome.history.filter(history_type="+").count() == 30
    assert Outcome.history.first().history_user == admin_user


# --- headquarters scope ---------------------------------------------------------------------------


def test_hq_user_importing_a_row_of_another_region_gets_an_error_not_a_skip(hq_user, region, other_region, db_snapshot):
    data = csv_bytes(
        PROJECT_HEADER,
        f"P-1,{region.slug},自分の地域,2008-04-01,,",
        f"P-2,{other_region.slug},他の地域,2008-04-01,,",
    )
    before = db_snapshot()
    report = run(hq_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "3行目 地域: 他の地域を指しています")


def test_hq_user_cannot_update_another_regions_existing_row(hq_user, region, other_region, db_snapshot):
    factories.ProjectFactory(region=other_region, code="P-B")
    data = csv_bytes(PROJECT_HEADER, f"P-B,{region.slug},乗っ取り,2008-04-01,,")
    before = db_snapshot()
    report = run(hq_user, "projects", data)
    assert_refused(report, before, db_snapshot(), "2行目 プロジェクトコード: 他の地域のデータです")


def test_hq_user_budget_row_for_another_regions_project_is_an_error(hq_user, region, other_region, db_snapshot):
    factories.GrantFactory(region=other_region, fiscal_year=2008)
    factories.ProjectFactory(region=other_region, code="P-B")
    before = db_snapshot()
    report = run(hq_user, "budgets", csv_bytes(BUDGET_HEADER, "P-B,2008,1000,0"))
    assert_refused(report, before, db_snapshot(), "2行目 プロジェクトコード: 他の地域を指しています")


def test_hq_user_imports_own_regions_projects(hq_user, region):
    report = run(hq_user, "projects", csv_bytes(PROJECT_HEADER, f"P-1,{region.slug},自分の地域,2008-04-01,,"))
    assert report.ok, messages(report)
    assert JointResearchProject.objects.get(code="P-1").region == region


def test_ministry_user_imports_for_every_region(ministry_user, region, other_region):
    data = csv_bytes(
        PROJECT_HEADER,
        f"P-1,{region.slug},A,2008-04-01,,",
        f"P-2,{other_region.slug},B,2008-04-01,,",
    )
    report = run(ministry_user, "projects", data)
    assert report.ok and report.new == 2, messages(report)
