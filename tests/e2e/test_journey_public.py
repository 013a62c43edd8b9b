"""Journey (c): a public visitor finds a cluster from the map, filters the cluster's projects in the
project list, filters the cluster's results, opens one on its own page and downloads the CSV — once
with the mouse, once with the keyboard only.
"""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.data import public_data
from tests.e2e.helpers import assert_no_page_problems

pytestmark = pytest.mark.browser

CSV_LINK = "この検索結果をCSVでダウンロード（全項目）"


def assert_csv_has_only_the_filtered_result(download, data):
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    assert data.patent.title in text
    assert data.patent.application_number in text
    assert data.sapporo_patent.title not in text, "the CSV ignores the cluster filter"
    assert data.paper.title not in text, "the CSV ignores the kind filter"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1, rows


def test_public_visitor_finds_cluster_on_map_filters_results_and_downloads_csv(page, screenshots):
    data = public_data()
    shots = screenshots("public")

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("知的クラスター創成事業")
    shots(page, "home with map")

    # The map: 静岡県 is marked and links to the clusters of that prefecture.
    shizuoka = page.locator("svg.japan-map a.japan-map__link[href$='prefecture=22']")
    expect(shizuoka).to_have_count(1)
    shizuoka.click()
    page.wait_for_url("**/clusters/?prefecture=22")
    expect(page.get_by_label("都道府県")).to_have_value("22")
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(data.hamamatsu.region.name)
    expect(page.locator("main")).not_to_contain_text(data.sapporo.region.name)
    shots(page, "clusters of shizuoka")

    page.get_by_role("link", name=data.hamamatsu.region.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.hamamatsu.region.name)
    for project in data.hamamatsu.projects:
        expect(page.get_by_role("link", name=project.title)).to_be_visible()
    shots(page, "cluster detail")

    # The cluster's projects in the project list, then only those matching a keyword.
    page.get_by_role("link", name="このクラスターのプロジェクト一覧").click()
    expect(page.get_by_label("クラスター")).to_have_value(data.hamamatsu.region.slug)
    projects = page.locator("table", has=page.locator("caption", has_text="プロジェクトの一覧"))
    expect(projects.locator("tbody tr")).to_have_count(len(data.hamamatsu.projects))
    expect(page.locator("main")).not_to_contain_text(data.sapporo.projects[0].title)
    page.get_by_label("キーワード").fill("イメージセンサ")
    page.locator("form.filter-form").get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**q=**")
    expect(projects.locator("tbody tr")).to_have_count(1)
    expect(projects).to_contain_text(data.patent.project.title)
    expect(page.get_by_label("クラスター")).to_have_value(data.hamamatsu.region.slug)
    shots(page, "projects filtered")
    projects.get_by_role("link", name=data.hamamatsu.region.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.hamamatsu.region.name)

    # All results of the cluster, then only its patent applications.
    page.get_by_role("link", name="この地域の成果をすべて見る").click()
    expect(page.get_by_label("クラスター")).to_have_value(data.hamamatsu.region.slug)
    expect(page.locator("main")).to_contain_text(data.paper.title)
    page.get_by_label("種別").select_option(label="特許出願")
    page.locator("form.filter-form").get_by_role("button", name="絞り込む").click()
    page.wait_for_load_state()
    table = page.locator("table", has=page.locator("caption", has_text="成果の一覧"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(data.patent.title)
    expect(table).to_contain_text(data.patent.application_number)
    expect(page.locator("main")).not_to_contain_text(data.sapporo_patent.title)
    shots(page, "results filtered")

    # Open the result: its own page shows the application number and links to its project.
    results_url = page.url
    table.get_by_role("link", name=data.patent.title).click()
    page.wait_for_url(f"**/results/{data.patent.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.patent.title)
    expect(page.locator("main")).to_contain_text(data.patent.application_number)
    expect(page.locator("main").get_by_role("link", name=data.patent.project.title)).to_be_visible()
    shots(page, "result page")

    page.goto(results_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=CSV_LINK).click()
    assert_csv_has_only_the_filtered_result(download_info.value, data)
    shots(page, "after csv download")
    assert_no_page_problems(page)


def test_public_journey_with_the_keyboard_only(page, screenshots, keyboard):
    data = public_data()
    shots = screenshots("public-keyboard")
    keys = keyboard(page)

    page.goto("/")
    # The skip link comes first and moves to the main content.
    first = keys.tab_to(tag="a")
    assert first["text"] == "本文へ移動", f"the first Tab stop is not the skip link: {first}"
    shots(page, "skip link focused")

    keys.activate(tag="a", href_end="/clusters/", href="prefecture=22")
    page.wait_for_url("**/clusters/?prefecture=22")
    expect(page.locator("table.data-table tbody tr")).to_have_count(1)
    shots(page, "clusters of shizuoka")

    keys.activate(tag="a", text=data.hamamatsu.region.name, href_end=f"/clusters/{data.hamamatsu.region.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.hamamatsu.region.name)

    keys.activate(tag="a", text="このクラスターのプロジェクト一覧")
    expect(page.get_by_label("クラスター")).to_have_value(data.hamamatsu.region.slug)
    keys.type_into("イメージセンサ", tag="input", name="q")
    keys.tab_to(tag="button", text="絞り込む")
    keys.press("Enter")
    page.wait_for_url("**q=**")
    projects = page.locator("table", has=page.locator("caption", has_text="プロジェクトの一覧"))
    expect(projects.locator("tbody tr")).to_have_count(1)
    expect(projects).to_contain_text(data.patent.project.title)
    shots(page, "projects filtered")
    keys.activate(tag="a", text=data.hamamatsu.region.name, href_end=f"/clusters/{data.hamamatsu.region.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.hamamatsu.region.name)

    keys.activate(tag="a", text="この地域の成果をすべて見る")
    expect(page.get_by_label("クラスター")).to_have_value(data.hamamatsu.region.slug)
    keys.choose("特許出願", name="kind")
    keys.tab_to(tag="button", text="絞り込む")
    keys.press("Enter")
    page.wait_for_url("**kind=patent_application**")
    table = page.locator("table", has=page.locator("caption", has_text="成果の一覧"))
    expect(table.locator("tbody tr")).to_have_count(1)
    shots(page, "results filtered")

    with page.expect_download() as download_info:
        keys.tab_to(tag="a", text=CSV_LINK)
        keys.press("Enter")
    assert_csv_has_only_the_filtered_result(download_info.value, data)

    keys.activate(tag="a", text=data.patent.title, href_end=f"/results/{data.patent.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.patent.title)
    expect(page.locator("main")).to_contain_text(data.patent.application_number)
    shots(page, "result page")
    keys.activate(tag="a", href_end=data.patent.project.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.patent.project.title)
    assert_no_page_problems(page)
