"""Bulk export: Japanese headers, YYYY-MM-DD dates, integer yen, formula escaping, scope, and the round trip."""

import csv
import datetime
import io
import json

import openpyxl
import pytest

from cluster_portal.tabular import files, registry
from cluster_portal.tabular.errors import DataFileError
from cluster_portal.tabular.services import data_export, data_import
from projects.models import OutcomeKind, ParticipationRole
from regions.models import Position
from tests import factories

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example")', "+81-3-1234", "-1", "@SUM(A1)", "\tTAB", "\rCR"]


def csv_rows(content: bytes, encoding="utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding))))


def populate(region):
    """A region with a row of every kind the import/export covers, including formula-like text."""
    headquarters = factories.HeadquartersFactory(region=region)
    factories.HeadquartersMemberFactory(headquarters=headquarters, position=Position.DIRECTOR, name="=本部長")
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=300_000_000)
    company = factories.OrganizationFactory(company=True, name="+株式会社プラス")
    project = factories.ProjectFactory(
        region=region, code="RT-1", title="-マイナスで始まるテーマ", summary="@メンション"
    )
    factories.ParticipationFactory(project=project, organization=company, role=ParticipationRole.COMPANY)
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=123_456_789, executed=100_000_000)
    factories.ExpenditureFactory(
        budget=budget, amount=100_000_000, spent_on=datetime.date(2008, 6, 1), description="試作"
    )
    factories.OutcomeFactory(
        project=project,
        kind=OutcomeKind.PATENT_GRANTED,
        application_number="特願2009-1",
        registration_number="特許1",
        country="JP",
        company=company,
        title="\t特許",
    )
    coordinator = factories.CoordinatorFactory(region=region, affiliation=company)
    activity = factories.CoordinationActivityFactory(coordinator=coordinator, resulting_project=project)
    activity.organizations.set([company, project.region.core_institution])
    event = factories.EventFactory(region=region, attendance=120)
    event.presented_projects.set([project])
    return project


def test_export_uses_japanese_headers_iso_dates_and_integer_yen(admin_user, region):
    populate(region)
    exported = data_export(user=admin_user, resource="budgets", file_format="csv")
    rows = csv_rows(exported.content)
    assert exported.content.startswith(files.BOM)
    assert rows[0] == [
        "プロジェクトコード",
        "年度",
        "配分額（円）",
        "配分額（千円）",
        "執行額（円）",
        "執行額（千円）",
        "執行額が配分額を超える理由",
    ]
    # 千円 beside 円, rounded half up as the dashboard and the ministry's forms round
    assert rows[1][:6] == ["RT-1", "2008", "123456789", "123457", "100000000", "100000"]

    projects = csv_rows(data_export(user=admin_user, resource="projects", file_format="csv").content)
    start = projects[0].index("開始日")
    assert projects[1][start] == "2008-04-01"


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_export_escapes_cells_excel_would_run_as_formulas(admin_user, region, text):
    factories.ProjectFactory(region=region, code="F-1", title=text)
    rows = csv_rows(data_export(user=admin_user, resource="projects", file_format="csv").content)
    title = rows[1][rows[0].index("研究テーマ名")]
    assert title == "'" + text


def test_xlsx_export_never_writes_formulas_and_keeps_types(admin_user, region):
    project = populate(region)
    project.title = "=1+1"
    project.save()
    workbook = openpyxl.load_workbook(
        io.BytesIO(data_export(user=admin_user, resource="projects", file_format="xlsx").content)
    )
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    row = dict(zip(headers, sheet[2], strict=False))
    assert all(cell.data_type != "f" for cells in sheet.iter_rows() for cell in cells)
    # a string cell shown as typed (quotePrefix, as Excel marks a typed 「'=1+1」), no visible apostrophe
    assert row["研究テーマ名"].value == "=1+1"
    assert row["研究テーマ名"].data_type == "s"
    assert row["研究テーマ名"].quotePrefix
    assert row["開始日"].value == datetime.datetime(2008, 4, 1)
    assert row["開始日"].number_format == "yyyy-mm-dd"

    budgets = openpyxl.load_workbook(
        io.BytesIO(data_export(user=admin_user, resource="budgets", file_format="xlsx").content)
    ).active
    assert budgets.cell(row=2, column=3).value == 123_456_789
    assert isinstance(budgets.cell(row=2, column=3).value, int)


def test_json_export_has_japanese_keys_numbers_and_iso_dates(admin_user, region):
    populate(region)
    payload = json.loads(data_export(user=admin_user, resource="budgets", file_format="json").content)
    assert payload[0]["配分額（円）"] == 123_456_789
    assert payload[0]["年度"] == 2008


def test_cp932_export_of_a_character_shift_jis_cannot_hold_is_refused_clearly(admin_user, region):
    factories.ProjectFactory(region=region, title="𠮷野家との共同研究")
    with pytest.raises(DataFileError, match="Shift_JIS（CP932）で表せません"):
        data_export(user=admin_user, resource="projects", file_format="csv", encoding=files.CP932)


def test_cp932_export_keeps_rare_kanji(admin_user, region):
    factories.ProjectFactory(region=region, title="髙﨑ﾃｸﾉとの研究")
    content = data_export(user=admin_user, resource="projects", file_format="csv", encoding=files.CP932).content
    assert "髙﨑ﾃｸﾉとの研究" in content.decode("cp932")


def test_hq_export_contains_only_their_own_region(hq_user, region, other_region):
    factories.ProjectFactory(region=region, code="MINE")
    factories.ProjectFactory(region=other_region, code="THEIRS", is_published=True)
    codes = [row[0] for row in csv_rows(data_export(user=hq_user, resource="projects", file_format="csv").content)[1:]]
    assert codes == ["MINE"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_round_trip_of_every_data_set_reports_everything_unchanged(admin_user, region, file_format, db_snapshot):
    populate(region)
    exported = {
        spec.name: data_export(user=admin_user, resource=spec.name, file_format=file_format).content
        for spec in registry.SPECS
    }
    before = db_snapshot()
    for spec in registry.SPECS:
        report = data_import(
            user=admin_user, resource=spec.name, data=exported[spec.name], file_format=file_format, dry_run=False
        )
        assert report.ok, (spec.name, [str(issue) for issue in report.errors])
        assert (report.new, report.updated) == (0, 0), (spec.name, [(row.line, row.changed) for row in report.rows])
        assert report.unchanged == report.total > 0, spec.name
    assert db_snapshot() == before


def test_round_trip_through_cp932_csv(admin_user, region):
    factories.ProjectFactory(region=region, code="SJ-1", title="髙﨑ﾃｸﾉ")
    content = data_export(user=admin_user, resource="projects", file_format="csv", encoding=files.CP932).content
    report = data_import(user=admin_user, resource="projects", data=content, file_format="csv", dry_run=False)
    assert report.encoding == files.CP932
    assert (report.new, report.updated, report.unchanged) == (0, 0, 1)


def test_edited_export_reimports_as_updates_of_the_changed_columns(admin_user, region):
    factories.ProjectFactory(region=region, code="ED-1", title="元のテーマ")
    rows = csv_rows(data_export(user=admin_user, resource="projects", file_format="csv").content)
    rows[1][rows[0].index("研究テーマ名")] = "直したテーマ"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    report = data_import(
        user=admin_user, resource="projects", data=buffer.getvalue().encode(), file_format="csv", dry_run=True
    )
    assert report.updated == 1
    assert report.rows[0].changed == ["研究テーマ名"]
