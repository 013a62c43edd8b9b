"""Excel-friendly exports (issue 15, part 7): labels with the codes available, 千円 beside 円,
formula-like text shown as typed in XLSX, sheets named after the data set, and an import
preview that shows what it read."""

import csv
import datetime
import io
import json
import shutil
import subprocess

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cluster_portal.tabular import registry, writers
from cluster_portal.tabular.services import NEW, UPDATE, data_export, data_import
from projects.models import Expenditure, ExpenseCategory, OutcomeKind
from tests import factories
from tests.test_dataio_export import populate

pytestmark = pytest.mark.django_db

EXPENDITURE_HEADER = "執行コード,プロジェクトコード,年度,費目,執行日,金額（円）,内容"
FORMULA_LIKE = ["=1+1", "+81-3-1234", "-2+3 マイナス始まり", "@SUM(A1)"]


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_bytes(*lines) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture
def budget(region):
    grant = factories.GrantFactory(region=region, fiscal_year=2020, amount=10_000_000)
    project = factories.ProjectFactory(region=region, code="P-1")
    return factories.ProjectBudgetFactory(project=project, grant=grant, allocated=1_000_000, executed=0)


# --- labels by default, codes on request ----------------------------------------------------------


def test_staff_exports_write_labels_and_the_codes_option_writes_codes(admin_user, region):
    populate(region)
    Expenditure.objects.update(category=ExpenseCategory.PERSONNEL)

    [entry] = csv_rows(data_export(user=admin_user, resource="expenditures", file_format="csv").content)
    [result] = csv_rows(data_export(user=admin_user, resource="outcomes", file_format="csv").content)
    assert (entry["費目"], result["種別"]) == ("人件費", "特許登録")

    [entry] = csv_rows(data_export(user=admin_user, resource="expenditures", file_format="csv", codes=True).content)
    [result] = csv_rows(data_export(user=admin_user, resource="outcomes", file_format="csv", codes=True).content)
    assert (entry["費目"], result["種別"]) == ("personnel", "patent_granted")

    sheet = openpyxl.load_workbook(
        io.BytesIO(data_export(user=admin_user, resource="outcomes", file_format="xlsx").content)
    ).active
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("種別") + 1).value == "特許登録"
    payload = json.loads(data_export(user=admin_user, resource="outcomes", file_format="json").content)
    assert payload[0]["種別"] == "特許登録"


@pytest.mark.parametrize("codes", [False, True], ids=["labels", "codes"])
def test_an_export_with_labels_or_codes_reimports_with_no_changes(admin_user, region, codes, db_snapshot):
    populate(region)
    exported = {
        spec.name: data_export(user=admin_user, resource=spec.name, file_format="xlsx", codes=codes).content
        for spec in registry.SPECS
    }
    before = db_snapshot()
    for spec in registry.SPECS:
        report = data_import(
            user=admin_user, resource=spec.name, data=exported[spec.name], file_format="xlsx", dry_run=False
        )
        assert report.ok, (spec.name, [str(issue) for issue in report.errors])
        assert (report.new, report.updated, report.unchanged) == (0, 0, report.total), spec.name
    assert db_snapshot() == before


def test_the_import_reads_a_kind_given_as_label_or_as_code(admin_user, budget):
    data = csv_bytes(
        EXPENDITURE_HEADER, ",P-1,2020,人件費,2020-06-01,1000,研究員", ",P-1,2020,personnel,2020-06-02,2000,研究員"
    )
    report = data_import(user=admin_user, resource="expenditures", data=data, file_format="csv", dry_run=False)
    assert report.ok, [str(issue) for issue in report.errors]
    assert set(Expenditure.objects.values_list("category", flat=True)) == {ExpenseCategory.PERSONNEL}


def test_public_csv_downloads_write_labels_codes_on_request_and_json_keeps_codes(client, region):
    project = factories.ProjectFactory(region=region, code="PUB-1", is_published=True)
    factories.OutcomeFactory(
        project=project,
        kind=OutcomeKind.PATENT_GRANTED,
        application_number="特願2020-1",
        registration_number="特許1",
        country="JP",
    )
    url = reverse("public:opendata_download", args=["results", "csv"])

    def download(params=None):
        response = client.get(url, params or {})
        return csv_rows(body(response))

    assert [row["種別"] for row in download()] == ["特許登録"]
    assert [row["種別"] for row in download({"codes": "1"})] == ["patent_granted"]
    listed = client.get(reverse("public:result_list"), {"format": "csv"})
    assert [row["種別"] for row in csv_rows(body(listed))] == ["特許登録"]
    response = client.get(reverse("public:opendata_download", args=["results", "json"]))
    assert json.loads(body(response))["data"][0]["kind"] == "patent_granted"
    assert f"{url}?codes=1" in client.get(reverse("public:opendata")).content.decode()


def test_the_export_page_offers_codes(client, admin_user, region):
    populate(region)
    client.force_login(admin_user)
    url = reverse("dataio:export", args=["outcomes"])
    assert "コード（英字）で出力する" in client.get(url).content.decode()
    labelled = csv_rows(client.get(url, {"file_format": "csv", "encoding": "utf-8-sig"}).content)
    coded = csv_rows(client.get(url, {"file_format": "csv", "encoding": "utf-8-sig", "codes": "on"}).content)
    assert (labelled[0]["種別"], coded[0]["種別"]) == ("特許登録", "patent_granted")


# --- 千円 beside 円 ---------------------------------------------------------------------------------


def test_budget_and_grant_exports_add_thousand_yen_columns_that_the_import_ignores_with_a_note(admin_user, region):
    populate(region)  # grant 300,000,000 円; budget 123,456,789 円 allocated
    [grant] = csv_rows(data_export(user=admin_user, resource="grants", file_format="csv").content)
    assert (grant["交付決定額（円）"], grant["交付決定額（千円）"]) == ("300000000", "300000")

    content = data_export(user=admin_user, resource="budgets", file_format="xlsx").content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    assert headers.index("配分額（千円）") == headers.index("配分額（円）") + 1
    sheet.cell(row=2, column=headers.index("配分額（千円）") + 1).value = 1  # edited by mistake: not read
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = data_import(user=admin_user, resource="budgets", data=buffer.getvalue(), file_format="xlsx", dry_run=True)
    assert report.ok and report.unchanged == 1
    notes = [str(issue) for issue in report.warnings]
    assert any("「配分額（千円）」は千円単位の参考の列のため読み込みません" in note for note in notes), notes
    assert any("「配分額（円）」の列（円単位）から読み込みます" in note for note in notes), notes


# --- formula-like text in XLSX -----------------------------------------------------------------------


def formula_workbook(admin_user, region):
    project = factories.ProjectFactory(region=region, code="F-0", title="ふつうのテーマ")
    for number, title in enumerate(FORMULA_LIKE, start=1):
        factories.ProjectFactory(region=region, code=f"F-{number}", title=title, start_date=project.start_date)
    return data_export(user=admin_user, resource="projects", file_format="xlsx").content


def test_xlsx_cells_that_start_like_formulas_are_string_cells_without_apostrophe(admin_user, region):
    sheet = openpyxl.load_workbook(io.BytesIO(formula_workbook(admin_user, region))).active
    headers = [cell.value for cell in sheet[1]]
    cells = {row[0].value: row[headers.index("研究テーマ名")] for row in sheet.iter_rows(min_row=2)}
    for number, title in enumerate(FORMULA_LIKE, start=1):
        cell = cells[f"F-{number}"]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (title, "s", True)
    assert not cells["F-0"].quotePrefix  # plain text is plain
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_the_xlsx_text_as_typed_and_computes_nothing(admin_user, region, tmp_path):
    source = tmp_path / "projects.xlsx"
    source.write_bytes(formula_workbook(admin_user, region))
    subprocess.run(  # noqa: S603 (a fixed command on a file this test wrote)
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    rows = list(csv.DictReader(io.StringIO((tmp_path / "projects.csv").read_text(encoding="utf-8"))))
    shown = {row["プロジェクトコード"]: row["研究テーマ名"] for row in rows}
    assert [shown[f"F-{number}"] for number in range(1, len(FORMULA_LIKE) + 1)] == FORMULA_LIKE


def test_csv_keeps_the_apostrophe_and_text_that_already_starts_with_one_survives():
    values = ["=1+1", "'=1+1", "''-2", "'plain", "plain"]
    text = writers.csv_text(["文字"], [[value] for value in values])
    written = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert written == ["'=1+1", "''=1+1", "'''-2", "'plain", "plain"]
    assert [writers.unescape_formula(value) for value in written] == values


# --- sheet names --------------------------------------------------------------------------------------


def test_every_xlsx_export_has_a_sheet_named_after_its_data_set(admin_user, region):
    populate(region)
    titles = {}
    for spec in registry.SPECS:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data_export(user=admin_user, resource=spec.name, file_format="xlsx").content)
        )
        [title] = workbook.sheetnames
        assert title == spec.sheet and 0 < len(title) <= 31 and not set(title) & set("\\/?*[]:"), spec.name
        titles[spec.name] = title
    assert titles["expenditures"] == "執行実績"
    assert titles["outcomes"] == "成果・特許等"
    assert titles["budgets"] == "配分額・執行額"
    assert len(set(titles.values())) == len(titles)


def test_sheet_titles_follow_the_spreadsheet_rules():
    assert writers.sheet_title("成果[特許]/論文:2020?*") == "成果・特許・・論文・2020・・"
    assert writers.sheet_title("あ" * 40) == "あ" * 31
    assert writers.sheet_title("'") == "Sheet1"


# --- the preview shows what it read ------------------------------------------------------------------


def test_preview_shows_parsed_values_of_new_rows_and_before_and_after_of_changed_rows(admin_user, budget):
    entry = factories.ExpenditureFactory(
        budget=budget, category=ExpenseCategory.TRAVEL, amount=5000, spent_on=datetime.date(2020, 5, 1)
    )
    data = csv_bytes(
        EXPENDITURE_HEADER,
        ',P-1,R2,人件費,R2.4.1,"1,234",研究員',
        f"{entry.code},P-1,令和2年度,旅費,2020-05-01,５，０００円,出張（東京）",
    )
    report = data_import(user=admin_user, resource="expenditures", data=data, file_format="csv", dry_run=True)
    assert report.ok, [str(issue) for issue in report.errors]
    new, update = report.rows
    assert new.status == NEW
    values = {column: after for column, _before, after in new.values}
    assert values["執行日"] == "2020-04-01"
    assert values["金額（円）"] == "1234"
    assert values["費目"] == "人件費（personnel）"
    assert values["年度"] == "2020"
    assert update.status == UPDATE
    assert update.values == [("内容", "", "出張（東京）")]
    assert not Expenditure.objects.filter(description="研究員").exists()


def test_preview_page_lists_the_values_and_the_sheets_it_does_not_read(client, admin_user, budget):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "執行実績"
    sheet.append(EXPENDITURE_HEADER.split(","))
    sheet.append(["", "P-1", "R2", "人件費", "R2.4.1", "1,234", "研究員"])
    workbook.create_sheet("集計")
    workbook.create_sheet("メモ")
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(admin_user)
    response = client.post(
        reverse("dataio:import", args=["expenditures"]),
        {
            "file": SimpleUploadedFile("execution.xlsx", buffer.getvalue()),
            "file_format": "auto",
            "encoding": "auto",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2枚目以降のシート（「集計」、「メモ」）は読み込みません" in page
    assert "1枚目のシート「執行実績」だけを読み込みます" in page
    assert "金額（円）</span>: 1234" in page
    assert "執行日</span>: 2020-04-01" in page
    assert not Expenditure.objects.exists()
