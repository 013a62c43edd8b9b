"""The program-wide chart and table by fiscal year on the funding-flow page (資金の流れ): the table's
numbers are the sums of the published grants and budgets, and the chart names its axes."""

import re

import pytest

from projects.models import ProjectBudget
from regions.models import Grant
from tests import factories
from tests.test_public_pages import populate_region

pytestmark = pytest.mark.django_db


def row_of(page: str, label: str) -> list[str]:
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', page, re.S)
    assert row, label
    return re.findall(r"<td>([^<]*)</td>", row.group(1))


def thousands(yen: int) -> str:
    return f"{(yen + 500) // 1000:,}"


def test_program_wide_rows_are_the_sums_over_published_regions(client):
    first = populate_region(projects=2)
    populate_region(projects=1)
    hidden = factories.RegionFactory(is_published=False)
    factories.GrantFactory(region=hidden, fiscal_year=2007, amount=999_000_000)
    page = client.get("/funding/").content.decode()
    section = page[page.index('id="by-year-heading"') :]
    for year, label in ((2007, "2007年度（平成19年度）"), (2008, "2008年度（平成20年度）")):
        granted = sum(Grant.objects.published().filter(fiscal_year=year).values_list("amount", flat=True))
        budgets = ProjectBudget.objects.published().filter(grant__fiscal_year=year)
        allocated = sum(budgets.values_list("allocated", flat=True))
        executed = sum(budgets.values_list("executed", flat=True))
        assert row_of(section, label) == [thousands(granted), thousands(allocated), thousands(executed)]
    # The unpublished region's grant is in no row.
    assert thousands(999_000_000) not in section
    # One cluster: its own rows only.
    own = client.get("/funding/", {"cluster": first.slug}).content.decode()
    own_section = own[own.index('id="by-year-heading"') :]
    granted_2007 = sum(Grant.objects.filter(region=first, fiscal_year=2007).values_list("amount", flat=True))
    assert row_of(own_section, "2007年度（平成19年度）")[0] == thousands(granted_2007)


def test_the_chart_labels_both_axes_and_has_its_table(client):
    populate_region(projects=1)
    page = client.get("/funding/").content.decode()
    chart = re.search(r'<svg class="chart"[^>]*aria-labelledby="program-funding-chart-title.*?</svg>', page, re.S)
    assert chart, "program-wide chart missing"
    svg = chart.group(0)
    assert "金額（百万円）" in svg and ">年度<" in svg
    assert ">2007年度<" in svg and ">2008年度<" in svg
    assert 'id="by-year-caption"' in page  # the table with the same numbers


def test_the_years_follow_the_chosen_span(client):
    populate_region(projects=1)
    page = client.get("/funding/", {"start": 2008, "end": 2008}).content.decode()
    section = page[page.index('id="by-year-heading"') :]
    assert "2008年度（平成20年度）" in section and "2007年度（平成19年度）" not in section
