"""Bulk import/export of 執行（費目別）: the budget must exist, dates in its fiscal year, 執行額 follows."""

import csv
import datetime
import io

import pytest

from cluster_portal.tabular import registry
from cluster_portal.tabular.services import ERROR, data_export, data_import
from projects.models import Expenditure, ExpenseCategory, ProjectBudget
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "執行コード,プロジェクトコード,年度,費目,執行日,金額（円）,内容"


def csv_bytes(*lines) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def run(user, data, *, dry_run=False, file_format="csv"):
    return data_import(user=user, resource="expenditures", data=data, file_format=file_format, dry_run=dry_run)


def messages(report) -> list[str]:
    return [str(issue) for issue in report.errors]


def assert_refused(report, before, after, *fragments):
    assert not report.ok
    assert not report.committed
    text = "\n".join(messages(report))
    for fragment in fragments:
        assert fragment in text, text
    assert after == before


@pytest.fixture
def budget(region):
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=10_000_000)
    project = factories.ProjectFactory(region=region, code="P-1")
    return factories.ProjectBudgetFactory(project=project, grant=grant, allocated=1_000_000, executed=0)


def test_expenditures_are_registered_for_the_data_pages_and_the_command():
    spec = registry.get("expenditures")
    assert str(spec.label) == "執行（費目別）"
    assert spec.resource_class._meta.model is Expenditure


def test_import_creates_entries_and_sets_the_budgets_executed_amount(admin_user, budget):
    data = csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,300000,分析装置", ",P-1,2008年度,travel,2009/3/31,50000,出張")

    report = run(admin_user, data)

    assert report.ok and report.committed, messages(report)
    assert report.new == 2
    entries = Expenditure.objects.filter(budget=budget).order_by("spent_on")
    assert [(e.category, e.amount, e.description) for e in entries] == [
        (ExpenseCategory.EQUIPMENT, 300_000, "分析装置"),
        (ExpenseCategory.TRAVEL, 50_000, "出張"),
    ]
    budget.refresh_from_db()
    assert budget.executed == 350_000


def test_executed_amount_includes_entries_already_in_the_database(admin_user, budget):
    factories.ExpenditureFactory(budget=budget, amount=100_000, spent_on=datetime.date(2008, 5, 1), description="既存")
    report = run(admin_user, csv_bytes(HEADER, ",P-1,2008,人件費,2008-07-01,200000,研究員"))
    assert report.ok, messages(report)
    budget.refresh_from_db()
    assert budget.executed == 300_000


def exported_rows(user) -> list[list[str]]:
    content = data_export(user=user, resource="expenditures", file_format="csv").content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def rows_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def test_a_file_without_codes_adds_its_lines_each_time(admin_user, budget):
    """Blank codes are new entries: the same new line imported twice is two entries (as the form allows)."""
    data = csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,300000,分析装置")
    assert run(admin_user, data).ok
    second = run(admin_user, data)
    assert second.ok and second.new == 1, messages(second)
    budget.refresh_from_db()
    assert budget.executed == 600_000


def test_two_identical_lines_are_two_entries_and_their_export_reimports_unchanged(admin_user, budget, db_snapshot):
    line = ",P-1,2008,設備費,2008-06-01,1000,試薬"
    assert run(admin_user, csv_bytes(HEADER, line, line)).ok
    assert Expenditure.objects.filter(budget=budget).count() == 2
    rows = exported_rows(admin_user)
    assert len({row[0] for row in rows[1:]}) == 2  # each entry has its own code
    before = db_snapshot()

    report = run(admin_user, rows_csv(rows))

    assert report.ok, messages(report)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 2)
    assert db_snapshot() == before


def test_correcting_the_description_in_the_export_updates_the_entry(admin_user, budget):
    """Export → correct 内容 in Excel → import: the same entry, 執行額 counted once."""
    factories.ExpenditureFactory(
        budget=budget, amount=300_000, spent_on=datetime.date(2008, 6, 1), description="分折装置"
    )
    rows = exported_rows(admin_user)
    code = rows[1][0]
    rows[1][-1] = "分析装置"

    report = run(admin_user, rows_csv(rows))

    assert (report.new, report.updated) == (0, 1), messages(report)
    entry = Expenditure.objects.get(budget=budget)
    assert (entry.code, entry.description) == (code, "分析装置")
    budget.refresh_from_db()
    assert budget.executed == 300_000


def test_changed_amount_updates_the_entry_and_the_executed_amount(admin_user, budget):
    assert run(admin_user, csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,300000,分析装置")).ok
    code = Expenditure.objects.get().code
    report = run(admin_user, csv_bytes(HEADER, f"{code},P-1,2008,設備費,2008-06-01,400000,分析装置"))
    assert (report.new, report.updated) == (0, 1), messages(report)
    budget.refresh_from_db()
    assert budget.executed == 400_000


def test_a_code_the_portal_never_issued_is_refused(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, "X-ZZZZZZZZZZ,P-1,2008,設備費,2008-06-01,1000,A"))
    assert_refused(report, before, db_snapshot(), "2行目 執行コード: 「X-ZZZZZZZZZZ」は登録されていないコードです。")


def test_an_entry_does_not_move_to_another_year_by_import(admin_user, budget, db_snapshot):
    grant = factories.GrantFactory(region=budget.project.region, fiscal_year=2009, amount=10_000_000)
    factories.ProjectBudgetFactory(project=budget.project, grant=grant, allocated=1_000_000, executed=0)
    entry = factories.ExpenditureFactory(budget=budget, amount=1000, spent_on=datetime.date(2008, 6, 1))
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, f"{entry.code},P-1,2009,設備費,2009-06-01,1000,A"))
    assert_refused(report, before, db_snapshot(), "2行目 年度: 登録済みの行の「年度」は取込では変更できません。")


def test_a_file_without_the_code_column_is_refused_with_what_to_do(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(
        admin_user, csv_bytes("プロジェクトコード,年度,費目,執行日,金額（円）,内容", "P-1,2008,設備費,2008-06-01,1,A")
    )
    assert_refused(report, before, db_snapshot(), "必須の列「執行コード」がありません。新しい行はこの列を空欄にします")


def test_unknown_budget_is_refused_and_nothing_is_saved(admin_user, budget, db_snapshot):
    data = csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,1000,A", ",P-1,2009,設備費,2009-06-01,1000,B")
    before = db_snapshot()
    report = run(admin_user, data)
    assert_refused(
        report, before, db_snapshot(), "3行目 年度: プロジェクト「P-1」の2009年度の予算（配分）が登録されていません。"
    )


def test_unknown_or_missing_project_is_refused(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, ",P-X,2008,設備費,2008-06-01,1000,A", ",,2008,設備費,2008-06-01,1000,B"))
    assert_refused(
        report,
        before,
        db_snapshot(),
        "2行目 プロジェクトコード: 「P-X」という",
        "3行目 プロジェクトコード: プロジェクトコードを入力してください。",
    )


def test_date_outside_the_fiscal_year_is_refused(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, ",P-1,2008,設備費,2009-04-01,1000,翌年度"))
    assert_refused(report, before, db_snapshot(), "2行目 執行日: 執行日は", "期間内の日付にしてください")


def test_negative_amount_is_refused(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,-1,A"))
    assert_refused(report, before, db_snapshot(), "2行目 金額（円）:")


def test_unknown_category_is_refused(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, ",P-1,2008,交際費,2008-06-01,1000,A"))
    assert_refused(report, before, db_snapshot(), "2行目 費目:")


def test_duplicate_code_inside_the_file_is_refused(admin_user, budget, db_snapshot):
    entry = factories.ExpenditureFactory(budget=budget, amount=1000, spent_on=datetime.date(2008, 6, 1))
    data = csv_bytes(
        HEADER, f"{entry.code},P-1,2008,設備費,2008-06-01,1000,A", f"{entry.code},P-1,2008,設備費,2008-06-01,2000,B"
    )
    before = db_snapshot()
    report = run(admin_user, data)
    assert_refused(report, before, db_snapshot(), "3行目 執行コード: 2行目と同じキー")


def test_overrun_without_a_reason_fails_the_whole_import(admin_user, budget, db_snapshot):
    data = csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,600000,A", ",P-1,2008,設備費,2008-07-01,600000,B")
    before = db_snapshot()

    report = run(admin_user, data)

    assert_refused(report, before, db_snapshot(), "3行目 金額（円）: P-1 の2008年度の執行額の合計（1,200,000円）")
    assert [row.status for row in report.rows][-1] == ERROR
    assert not Expenditure.objects.exists()


def test_overrun_is_reported_in_the_preview_too(admin_user, budget, db_snapshot):
    before = db_snapshot()
    report = run(admin_user, csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,1000001,A"), dry_run=True)
    assert_refused(report, before, db_snapshot(), "配分額（1,000,000円）を超えます")


def test_overrun_with_a_recorded_reason_imports(admin_user, budget):
    ProjectBudget.objects.filter(pk=budget.pk).update(overrun_reason="追加の試作のため")
    report = run(admin_user, csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,1200000,A"))
    assert report.ok, messages(report)
    budget.refresh_from_db()
    assert budget.executed == 1_200_000


def test_hq_user_importing_another_regions_rows_gets_an_error(hq_user, budget, other_region, db_snapshot):
    grant = factories.GrantFactory(region=other_region, fiscal_year=2008)
    other = factories.ProjectBudgetFactory(
        project=factories.ProjectFactory(region=other_region, code="P-B"), grant=grant
    )
    data = csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,1000,自分", ",P-B,2008,設備費,2008-06-01,1000,他地域")
    before = db_snapshot()

    report = run(hq_user, data)

    assert_refused(report, before, db_snapshot(), "3行目 プロジェクトコード: 他の地域を指しています")
    assert not other.expenditures.exists()


def test_hq_user_imports_and_exports_own_regions_entries_only(hq_user, budget, other_region):
    factories.ExpenditureFactory(budget__project__region=other_region, description="他地域")
    assert run(hq_user, csv_bytes(HEADER, ",P-1,2008,設備費,2008-06-01,1000,自分")).ok
    rows = list(
        csv.reader(
            io.StringIO(
                data_export(user=hq_user, resource="expenditures", file_format="csv").content.decode("utf-8-sig")
            )
        )
    )
    assert [row[-1] for row in rows[1:]] == ["自分"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_export_then_import_reports_nothing_new_or_updated(admin_user, budget, file_format, db_snapshot):
    factories.ExpenditureFactory(budget=budget, category=ExpenseCategory.PERSONNEL, amount=400_000, description="")
    factories.ExpenditureFactory(budget=budget, amount=100_000, spent_on=datetime.date(2009, 3, 31), description="装置")
    exported = data_export(user=admin_user, resource="expenditures", file_format=file_format)
    before = db_snapshot()

    report = run(admin_user, exported.content, file_format=file_format)

    assert report.ok, messages(report)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 2)
    assert db_snapshot() == before


def test_export_writes_the_documented_columns(admin_user, budget):
    factories.ExpenditureFactory(budget=budget, category=ExpenseCategory.TRAVEL, amount=12_345, description="出張")
    content = data_export(user=admin_user, resource="expenditures", file_format="csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == HEADER.split(",")
    code = Expenditure.objects.get(budget=budget).code
    assert rows[1] == [code, "P-1", "2008", "旅費", "2008-06-01", "12345", "出張"]
    coded = data_export(user=admin_user, resource="expenditures", file_format="csv", codes=True).content
    assert list(csv.reader(io.StringIO(coded.decode("utf-8-sig"))))[1][3] == "travel"


def test_import_of_many_rows_uses_a_bounded_number_of_queries(admin_user, budget, django_assert_max_num_queries):
    lines = [HEADER] + [f",P-1,2008,設備費,2008-06-01,1,行{n}" for n in range(200)]
    with django_assert_max_num_queries(46):  # 40, plus the rollups' rebuild after the import (a constant 6)
        report = run(admin_user, csv_bytes(*lines))
    assert report.ok and report.new == 200, messages(report)
    budget.refresh_from_db()
    assert budget.executed == 200
