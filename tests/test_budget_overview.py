"""The budget at a glance: rate, remaining, per-category totals, flags, totals rows, one unit per page
(千円 by default, 円 on request) and a multi-year summary equal to the ministry's grant table."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import ExpenseCategory
from tests import factories

pytestmark = pytest.mark.django_db

URL = "workspace:budget_overview"


def cells(page: str, heading: str) -> list[str]:
    """The cells of the table row whose header cell contains ``heading`` (tags stripped)."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        header = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        if header and heading in re.sub(r"<[^>]+>", "", header.group(1)):
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row {heading!r}")


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    end = page.find("</section>", start)
    return page[start:end]


@pytest.fixture(autouse=True)
def autumn_2008(monkeypatch):
    """Today is in the second quarter of FY2008 unless a test says otherwise."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2008, 10, 1))


@pytest.fixture
def year(region):
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)
    fuel = factories.ProjectFactory(region=region, code="P-A1", title="燃料電池")
    image = factories.ProjectFactory(region=region, code="P-A2", title="画像診断")
    fuel_budget = factories.ProjectBudgetFactory(project=fuel, grant=grant, allocated=40_000_000, executed=10_001_500)
    factories.ExpenditureFactory(budget=fuel_budget, category=ExpenseCategory.EQUIPMENT, amount=8_000_000)
    factories.ExpenditureFactory(budget=fuel_budget, category=ExpenseCategory.TRAVEL, amount=2_001_500)
    image_budget = factories.ProjectBudgetFactory(
        project=image, grant=grant, allocated=10_000_000, executed=12_000_000, overrun_reason="装置の故障"
    )
    factories.ExpenditureFactory(budget=image_budget, category=ExpenseCategory.EQUIPMENT, amount=12_000_000)
    return grant


def overview(client, user, **params):
    client.force_login(user)
    response = client.get(reverse(URL), params)
    assert response.status_code == 200
    return response.content.decode()


def test_each_project_shows_rate_remaining_and_category_totals_in_thousands(client, hq_user, year):
    page = overview(client, hq_user)
    assert "このページの金額の単位：千円" in page
    fy = section(page, "fy-2008")
    # 配分額, 執行額, 執行率, 残り, 設備費, 人件費, 旅費, 委託費, その他, 注意
    # the categories, then 領収書（件） and 注意
    assert cells(fy, "P-A1") == ["40,000", "10,002", "25.0%", "29,999", "8,000", "0", "2,002", "0", "0", "0", "—"]
    assert cells(fy, "P-A2")[:5] == ["10,000", "12,000", "120.0%", "-2,000", "12,000"]


def test_the_totals_row_adds_up_the_year(client, hq_user, year):
    fy = section(overview(client, hq_user), "fy-2008")
    assert cells(fy, "合計")[:7] == ["50,000", "22,002", "44.0%", "27,999", "20,000", "0", "2,002"]


def test_the_unit_switch_shows_yen_figures(client, hq_user, year):
    page = overview(client, hq_user, unit="yen")
    assert "このページの金額の単位：円" in page
    fy = section(page, "fy-2008")
    assert cells(fy, "P-A1")[:4] == ["40,000,000", "10,001,500", "25.0%", "29,998,500"]
    assert "千円で表示する" in page


def test_an_overspent_project_is_flagged(client, hq_user, year):
    fy = section(overview(client, hq_user), "fy-2008")
    assert cells(fy, "P-A2")[-1] == "超過"


def test_underspent_is_flagged_only_once_the_last_quarter_has_begun(client, hq_user, year, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2008, 12, 31))
    assert cells(section(overview(client, hq_user), "fy-2008"), "P-A1")[-1] == "—"  # 25 % in December: not yet
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2009, 1, 1))
    assert cells(section(overview(client, hq_user), "fy-2008"), "P-A1")[-1] == "執行遅れ"  # 25 % from January


def test_half_executed_is_not_underspent(client, hq_user, region, monkeypatch):
    from django.utils import timezone

    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)
    project = factories.ProjectFactory(region=region, code="P-H")
    factories.ProjectBudgetFactory(project=project, grant=grant, allocated=10_000_000, executed=5_000_000)
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2009, 3, 1))
    assert cells(section(overview(client, hq_user), "fy-2008"), "P-H")[-1] == "—"


def test_the_multi_year_summary_equals_the_ministrys_grant_table(client, hq_user, ministry_user, region, year):
    factories.GrantFactory(region=region, fiscal_year=2009, amount=87_654_321)
    factories.GrantFactory(region=factories.RegionFactory(), fiscal_year=2009, amount=1_000_000)
    summary = section(overview(client, hq_user), "fy-summary")
    assert cells(summary, "2008年度")[:3] == ["100,000", "50,000", "50,000"]
    assert cells(summary, "2009年度")[:3] == ["87,654", "0", "87,654"]
    assert cells(summary, "合計")[:3] == ["187,654", "50,000", "137,654"]

    client.force_login(ministry_user)
    ministry = client.get(reverse("ministry:grant_list")).content.decode()
    rows = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", ministry, re.S)
    ]
    granted = {row[1][:6]: row[3] for row in rows if len(row) == 5 and row[0] == region.display_name}
    assert granted == {"2008年度": "100,000", "2009年度": "87,654"}
    for label, amount in granted.items():
        assert cells(summary, label)[0] == amount


def add_projects(region, grant, count):
    for _ in range(count):
        budget = factories.ProjectBudgetFactory(
            project=factories.ProjectFactory(region=region), grant=grant, allocated=1_000_000, executed=500_000
        )
        factories.ExpenditureFactory(budget=budget, amount=500_000)


def test_query_count_does_not_grow_with_the_number_of_projects(client, hq_user, region, year):
    client.force_login(hq_user)
    client.get(reverse(URL))  # warm the session

    def queries() -> int:
        cache.clear()  # the tables are cached until the data changes: count the request that renders them
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse(URL)).status_code == 200
        return len(context.captured_queries)

    before = queries()
    add_projects(region, year, 15)
    add_projects(region, factories.GrantFactory(region=region, fiscal_year=2009), 10)
    assert queries() == before
