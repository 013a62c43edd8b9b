"""Every CSV/XLSX the portal writes escapes text a spreadsheet would run as a formula, the same way.

The public open-data downloads and the import/export engine share one writer
(``cluster_portal.tabular.writers``); a result titled ``=1+1`` reaches a visitor's
Excel as the text ``'=1+1``, exactly as the engine's own export writes it.
"""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from cluster_portal.tabular import writers
from cluster_portal.tabular.services import data_export
from tests import factories

pytestmark = pytest.mark.django_db

FORMULAS = ["=1+1", '=HYPERLINK("http://evil.example")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
SEARCH_WORD = "式検索"


def public_rows(client, url, params=None) -> list[dict]:
    response = client.get(url, params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def engine_csv_rows(user, resource) -> list[dict]:
    content = data_export(user=user, resource=resource, file_format="csv").content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def engine_xlsx_column(user, resource, header) -> list:
    content = data_export(user=user, resource=resource, file_format="xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[1]]
    assert all(cell.data_type != "f" for cells in sheet.iter_rows() for cell in cells)
    return [row[headers.index(header)] for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def formula_outcomes(db):
    project = factories.ProjectFactory(code="F-1", title="=1+1", summary=SEARCH_WORD)
    for title in FORMULAS:
        factories.OutcomeFactory(project=project, title=title, description=SEARCH_WORD)
    return project


RESULT_DOWNLOADS = {
    "opendata-results": (reverse("public:opendata_download", args=["results", "csv"]), {}),
    "results-list": (reverse("public:result_list"), {"format": "csv"}),
    "search-results": (reverse("public:search"), {"q": SEARCH_WORD, "type": "results", "format": "csv"}),
}
PROJECT_DOWNLOADS = {
    "opendata-projects": (reverse("public:opendata_download", args=["projects", "csv"]), {}),
    "project-list": (reverse("projects:list"), {"format": "csv"}),
    "search-projects": (reverse("public:search"), {"q": SEARCH_WORD, "type": "projects", "format": "csv"}),
}


@pytest.mark.parametrize("url, params", RESULT_DOWNLOADS.values(), ids=RESULT_DOWNLOADS.keys())
def test_result_titles_starting_like_formulas_are_escaped_in_every_public_csv(
    client, admin_user, formula_outcomes, url, params
):
    public = sorted(row["名称"] for row in public_rows(client, url, params))
    assert public == sorted("'" + title for title in FORMULAS)
    assert public == sorted(row["名称"] for row in engine_csv_rows(admin_user, "outcomes"))
    # XLSX has cell types: the same titles are string cells, as typed, with no apostrophe
    # (XML reads a lone CR back as LF).
    assert sorted(title.replace("\r", "\n") for title in FORMULAS) == sorted(
        engine_xlsx_column(admin_user, "outcomes", "名称")
    )


@pytest.mark.parametrize("url, params", PROJECT_DOWNLOADS.values(), ids=PROJECT_DOWNLOADS.keys())
def test_project_title_starting_like_a_formula_is_escaped_in_every_public_csv(
    client, admin_user, formula_outcomes, url, params
):
    [row] = public_rows(client, url, params)
    [exported] = engine_csv_rows(admin_user, "projects")
    assert row["研究テーマ名"] == exported["研究テーマ名"] == "'=1+1"


def test_plain_text_and_numbers_are_written_unchanged():
    text = writers.csv_text(["数", "文字", "一覧"], [[-5, "-5", ["=a", "b"]], [0, "浜松", None]])
    assert list(csv.reader(io.StringIO(text))) == [["数", "文字", "一覧"], ["-5", "'-5", "'=a;b"], ["0", "浜松", ""]]
    sheet = openpyxl.load_workbook(io.BytesIO(writers.xlsx_bytes(["数", "文字"], [[-5, "-5"]]))).active
    assert [(cell.value, cell.data_type) for cell in sheet[2]] == [(-5, "n"), ("-5", "s")]
