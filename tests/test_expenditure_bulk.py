"""Bulk execution entry (/workspace/budgets/execution/bulk/): a grid of rows checked as one batch, with the
row and the column of every problem, recorded all or nothing, never twice; a block pasted from Excel."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cluster_portal.text import parse_tsv
from projects.models import Expenditure, ExpenseCategory, Receipt
from projects.services.execution import ExpenditureLine, expenditures_record_batch
from tests import factories
from workspace.forms import BULK_ROWS, pasted_rows_data

pytestmark = pytest.mark.django_db

URL = reverse("workspace:expenditure_bulk")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def grant(region):
    return factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)


@pytest.fixture
def budget(region, grant):
    project = factories.ProjectFactory(region=region, code="HAM-01", title="光計測")
    return factories.ProjectBudgetFactory(project=project, grant=grant, allocated=50_000_000)


@pytest.fixture
def small_budget(region, grant):
    project = factories.ProjectFactory(region=region, code="HAM-02", title="医療機器")
    return factories.ProjectBudgetFactory(project=project, grant=grant, allocated=1_000_000)


FIRST_TOKEN = "bulk-token-0123456789"


def grid(rows: list[dict], *, token=FIRST_TOKEN, total=None, **extra) -> dict:
    data = {
        "form_token": token,
        "year": "2008",
        "action": "save",
        "rows-TOTAL_FORMS": str(total if total is not None else max(len(rows), BULK_ROWS)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "200",
        **extra,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"rows-{index}-{name}"] = value
    return data


def line(budget, amount="10,000", spent_on="2008-07-01", category=ExpenseCategory.TRAVEL, description="出張"):
    return {
        "budget": str(budget.pk),
        "category": category,
        "amount": amount,
        "spent_on": spent_on,
        "description": description,
    }


def test_the_page_is_a_grid_of_empty_rows_without_javascript_and_more_rows_on_request(client, hq_user, budget):
    client.force_login(hq_user)
    page = client.get(URL).content.decode()
    assert 'name="rows-19-amount"' in page and 'name="rows-20-amount"' not in page
    assert "1行目 金額（円）" in page  # every cell has a label
    assert "HAM-01 光計測" in page
    page = client.get(URL + "?rows=60").content.decode()
    assert 'name="rows-59-amount"' in page and 'name="rows-60-amount"' not in page


def test_fifty_lines_with_one_bad_line_save_nothing_and_name_the_row_and_column(client, hq_user, budget):
    client.force_login(hq_user)
    rows = [line(budget, amount=f"{1000 + n:,}") for n in range(50)]
    rows[36]["amount"] = "12,34x"
    response = client.post(URL, grid(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "37行目「金額（円）」: " in page
    assert "1件の問題があります。何も登録されていません。" in page
    assert Expenditure.objects.count() == 0
    budget.refresh_from_db()
    assert budget.executed == 0
    # the rows typed stay on the page to be corrected
    assert 'value="12,34x"' in page and 'value="1,049"' in page


def test_fifty_good_lines_are_saved_as_one_batch_with_kernel_notations(client, hq_user, budget):
    client.force_login(hq_user)
    rows = [line(budget, amount=f"{1000 + n:,}") for n in range(48)]
    rows.append(line(budget, amount="1234円", spent_on="平成20年8月1日"))
    rows.append(line(budget, amount="２，０００", spent_on="H20.9.1"))
    response = client.post(URL, grid(rows), follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace:budget_overview")
    assert "50件の執行を登録しました。" in response.content.decode()
    assert Expenditure.objects.count() == 50
    assert Expenditure.objects.values("batch").distinct().count() == 1
    assert Expenditure.objects.filter(amount=1234, spent_on=datetime.date(2008, 8, 1)).exists()
    assert Expenditure.objects.filter(amount=2000, spent_on=datetime.date(2008, 9, 1)).exists()
    budget.refresh_from_db()
    assert budget.executed == sum(1000 + n for n in range(48)) + 1234 + 2000
    assert set(Expenditure.history.values_list("history_user", flat=True)) == {hq_user.pk}


def test_an_overrun_is_judged_on_the_whole_batch(client, hq_user, budget, small_budget):
    client.force_login(hq_user)
    rows = [line(budget), line(small_budget, amount="600,000"), line(small_budget, amount="600,000")]
    response = client.post(URL, grid(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "2、3行目: HAM-02 医療機器の執行額の合計（1,200,000円）が配分額（1,000,000円）を超えます。" in page
    assert Expenditure.objects.count() == 0  # the good line of the other budget is not kept either
    small_budget.refresh_from_db()
    assert small_budget.executed == 0


def test_the_entry_rules_are_checked_with_row_and_column(client, hq_user, budget, other_region):
    other_budget = factories.ProjectBudgetFactory(
        project=factories.ProjectFactory(region=other_region),
        grant=factories.GrantFactory(region=other_region, fiscal_year=2008),
    )
    client.force_login(hq_user)
    rows = [
        line(budget),
        line(budget, spent_on="2009-04-01"),  # next fiscal year
        {**line(budget), "budget": str(other_budget.pk)},  # another region's budget
        {**line(budget), "category": "food"},
        {**line(budget), "amount": ""},
    ]
    response = client.post(URL, grid(rows))
    page = response.content.decode()
    assert response.status_code == 400
    assert "3行目「プロジェクト」: " in page
    assert "4行目「費目」: " in page and "「food」は選べません" in page
    assert "5行目「金額（円）」: 金額を入力してください。" in page
    assert Expenditure.objects.count() == 0
    # once the form errors are fixed the domain's rule (date within the fiscal year) is named by row
    response = client.post(URL, grid(rows[:2]))
    assert response.status_code == 400
    assert "2行目「執行日」: 執行日は2008年度" in response.content.decode()
    assert Expenditure.objects.count() == 0


def test_an_empty_grid_records_nothing_and_says_so(client, hq_user, budget):
    client.force_login(hq_user)
    response = client.post(URL, grid([]))
    assert response.status_code == 400
    assert "登録する執行を1行以上入力してください。" in response.content.decode()


def test_a_double_submit_or_a_reload_records_the_batch_once(client, hq_user, budget):
    client.force_login(hq_user)
    data = grid([line(budget), line(budget, amount="20,000")])
    first = client.post(URL, data)
    assert first.status_code == 302
    second = client.post(URL, data, follow=True)
    assert "2回目の送信は処理しませんでした" in second.content.decode()
    assert Expenditure.objects.count() == 2
    budget.refresh_from_db()
    assert budget.executed == 30_000


def test_the_batch_key_stored_with_the_lines_refuses_a_second_recording(hq_user, budget):
    """Even when the one-time token is long forgotten, the same batch is never recorded twice."""
    lines = [one_line(budget)]
    first = expenditures_record_batch(user=hq_user, batch="batch-key-1", lines=lines)
    again = expenditures_record_batch(user=hq_user, batch="batch-key-1", lines=lines)
    assert [e.pk for e in again] == [e.pk for e in first]
    assert Expenditure.objects.count() == 1
    expenditures_record_batch(user=hq_user, batch="batch-key-2", lines=lines)
    assert Expenditure.objects.count() == 2


def test_a_row_can_carry_a_receipt_checked_by_content(client, hq_user, budget, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(hq_user)
    rows = [line(budget), line(budget, amount="3,000")]
    data = grid(rows)
    data["rows-1-receipt"] = SimpleUploadedFile("領収書.pdf", b"<html><body>not a pdf</body></html>")
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "2行目「領収書ファイル」: ファイルの内容が拡張子と一致しないか" in response.content.decode()
    assert Expenditure.objects.count() == 0 and Receipt.objects.count() == 0
    assert not list(tmp_path.rglob("*.*"))
    data = grid(rows, token="bulk-token-second-try")
    data["rows-1-receipt"] = SimpleUploadedFile("領収書.pdf", PDF)
    assert client.post(URL, data).status_code == 302
    receipt = Receipt.objects.get()
    assert receipt.expenditure.amount == 3000
    assert receipt.original_name == "領収書.pdf" and "領収書" not in receipt.file.name


def one_line(budget):
    return ExpenditureLine(row=1, budget_pk=budget.pk, category="travel", amount=5, spent_on=datetime.date(2008, 5, 1))


# ---------------------------------------------------------------- pasted from Excel


def test_parse_tsv_reads_what_spreadsheets_put_on_the_clipboard():
    text = (
        'HAM-01\t旅費\t"1,234"\t令和2年4月1日\t出張\r\n\r\nHAM-02\t設備費\t1234円\tR2.4.1\t"二行の\n内容 ""引用"""\r\n'
    )
    assert parse_tsv(text) == [
        ["HAM-01", "旅費", "1,234", "令和2年4月1日", "出張"],
        ["HAM-02", "設備費", "1234円", "R2.4.1", '二行の\n内容 "引用"'],
    ]
    assert parse_tsv("a\t\tc\n") == [["a", "", "c"]]
    assert parse_tsv('"tab\tinside"\tx') == [["tab\tinside", "x"]]
    assert parse_tsv("  \n\t\n") == []
    assert len(parse_tsv("x\n" * 50, max_rows=10)) == 10


def test_pasted_rows_become_the_grid_with_codes_and_labels_resolved():
    budgets = [(7, "HAM-01 光計測"), (8, "HAM-02 医療機器")]
    data = pasted_rows_data(
        [
            ["HAM-02", "人件費", "1,234", "H20.5.1", "謝金", "ignored"],
            ["HAM-01 光計測", "travel", "5"],
            ["XYZ", "食費"],
        ],
        budgets=budgets,
        extra=2,
    )
    assert data["rows-TOTAL_FORMS"] == "5"
    assert (data["rows-0-budget"], data["rows-0-category"], data["rows-0-amount"]) == ("8", "personnel", "1,234")
    assert data["rows-0-spent_on"] == "H20.5.1" and data["rows-0-description"] == "謝金"
    assert (data["rows-1-budget"], data["rows-1-category"]) == ("7", "travel")
    assert (data["rows-2-budget"], data["rows-2-category"]) == ("XYZ", "食費")  # kept, refused by name later


def test_a_block_pasted_into_the_box_is_read_on_the_server_for_confirmation(client, hq_user, budget, small_budget):
    client.force_login(hq_user)
    pasted = "HAM-01\t旅費\t1,234\t平成20年7月1日\t出張\nHAM-02\t設備費\t56,000円\tH20.8.1\t部品\n"
    data = grid([], action="paste", pasted=pasted)
    response = client.post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2行を表に読み込みました。" in page
    assert f'<option value="{small_budget.pk}" selected>' in page
    assert 'value="56,000円"' in page
    assert Expenditure.objects.count() == 0  # nothing is recorded before the confirmation
    confirm = pasted_rows_data(parse_tsv(pasted), budgets=[(budget.pk, "HAM-01"), (small_budget.pk, "HAM-02")])
    response = client.post(URL, {**grid([]), **confirm})
    assert response.status_code == 302
    assert sorted(Expenditure.objects.values_list("amount", flat=True)) == [1234, 56000]


def test_a_pasted_block_with_a_bad_cell_is_shown_with_its_row_and_column(client, hq_user, budget):
    client.force_login(hq_user)
    pasted = "HAM-01\t旅費\t1,234\t2008-07-01\n" * 2 + "HAM-01\t旅費\t1,234\t令和0年1月1日\n"
    response = client.post(URL, grid([], action="paste", pasted=pasted))
    page = response.content.decode()
    assert "3行目「執行日」: " in page
    assert Expenditure.objects.count() == 0


def test_another_regions_headquarters_cannot_record_into_this_regions_budget(client, other_hq_user, budget):
    client.force_login(other_hq_user)
    lines = [one_line(budget)]
    with pytest.raises(type(budget).DoesNotExist):
        expenditures_record_batch(user=other_hq_user, batch="foreign", lines=lines)
    response = client.post(URL, grid([line(budget)]))
    assert response.status_code == 400  # not a choice of their grid
    assert Expenditure.objects.count() == 0
