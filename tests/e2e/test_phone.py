"""Phones (issue 17, WCAG 2.1 1.4.10 reflow): every public page at 375×812 CSS px.

The pages come from the sitemaps (every kind of public page, one object of each kind) and from the
public URL configuration (every page without an argument that answers HTML), so a new public page is
covered without editing this file; a few filtered and searched pages are added. On each page: no
horizontal scroll of the page, no table cell squeezed below a readable width unless it sits in its
own scrolling container, codes, dates and amounts on one line, chart labels of at least 12 px, a
header of at most a quarter of the screen, and no serious axe-core violation at that width.
A full-page screenshot of each goes to artifacts/screenshots/phone/ (and, at desktop width, to
artifacts/screenshots/phone-desktop/, to compare by eye).
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from public.sitemaps import SITEMAPS
from tests import factories
from tests.e2e.data import public_data
from tests.e2e.helpers import VIEWPORT, Screenshots, assert_no_page_problems, new_page
from tests.e2e.test_accessibility import scan

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
MIN_CELL_PX = 48
MIN_CHART_TEXT_PX = 12
MAX_HEADER_SHARE = 0.25

# Everything a reader would notice on a narrow screen, measured in the page.
LAYOUT_JS = """({minCell, minText}) => {
  const problems = [];
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const describe = (el) => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 120);
  const viewport = document.documentElement.clientWidth;
  const pageWidth = document.scrollingElement.scrollWidth;
  if (pageWidth > viewport + 1) {
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.right > viewport + 1 && !el.closest('.table-scroll, .chart-scroll') && visible(el);
    }).slice(0, 3).map(describe);
    problems.push(`the page scrolls sideways: ${pageWidth} px wide in a ${viewport} px screen; ${wide.join(' | ')}`);
  }
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (!visible(cell) || cell.closest('.table-scroll')) continue;
    const width = cell.getBoundingClientRect().width;
    if (width < minCell) problems.push(`a table cell only ${Math.round(width)} px wide: ${describe(cell)}`);
  }
  // codes, dates and amounts on one line (the reported 「AI/C/1-/00/1」)
  const oneLine = 'main td.code, main .data-table time, main .data-table .number, main .data-table .nowrap';
  for (const el of document.querySelectorAll(oneLine)) {
    if (!visible(el) || !el.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (tops.size > 1) problems.push(`"${el.textContent.trim()}" is broken over ${tops.size} lines`);
  }
  for (const text of document.querySelectorAll('main svg.chart text')) {
    if (!visible(text)) continue;
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    if (size < minText) problems.push(`chart text drawn at ${size.toFixed(1)} px: "${text.textContent}"`);
  }
  const header = document.querySelector('.site-header');
  return {problems, headerHeight: header ? header.getBoundingClientRect().height : 0};
}"""


def phone_data():
    data = public_data()
    # a result whose DOI is as long as real ones: it must stay on one line
    factories.OutcomeFactory(
        project=data.hamamatsu.projects[0], kind="paper", title="光センサの長期安定性", doi="10.1016/j.snb.2009.04.012"
    )
    return data


def public_page_urls(data) -> list[str]:
    urls: list[str] = []
    for sitemap_class in SITEMAPS.values():
        sitemap = sitemap_class()
        items = list(sitemap.items())
        # every page without an object; for the others one object of each kind is enough
        for item in items if isinstance(items[0], str) else items[:1]:
            urls.append(sitemap.location(item))
    # every page of the public URL configuration that takes no argument (HTML only, checked on visit)
    for pattern in get_resolver("public.urls").url_patterns:
        if isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
            try:
                urls.append(reverse(f"public:{pattern.name}"))
            except Exception:  # noqa: S112 (a regex route such as the /api/ catch-all: not a page)
                continue
    region = data.hamamatsu.region
    urls += [
        reverse("regions:list") + "?prefecture=22",
        reverse("projects:list") + f"?cluster={region.slug}",
        reverse("public:result_list") + f"?cluster={region.slug}",
        reverse("public:search") + "?q=" + "浜松",
        reverse("public:search") + "?q=" + "センサ",
        reverse("public:funding_flow") + f"?cluster={region.slug}",
        region.get_absolute_url(),
        data.hamamatsu.projects[0].get_absolute_url(),
        reverse("public:result_detail", args=[data.patent.code]),
    ]
    # only what a browser shows as a page (not the feeds, the API, robots.txt, the iCalendar…)
    client = Client()
    return [url for url in dict.fromkeys(urls) if "text/html" in client.get(url).headers.get("Content-Type", "")]


def visit(page, url):
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"


def test_every_public_page_reflows_on_a_phone(browser, live_server):
    data = phone_data()
    urls = public_page_urls(data)
    context, page = new_page(browser, live_server, viewport=PHONE)
    shots = Screenshots("phone")
    findings: list[str] = []
    seen = 0
    try:
        for url in urls:
            visit(page, url)
            seen += 1
            shots(page, url.strip("/").replace("/", "-") or "home")
            measured = page.evaluate(LAYOUT_JS, {"minCell": MIN_CELL_PX, "minText": MIN_CHART_TEXT_PX})
            findings += [f"{url}: {problem}" for problem in measured["problems"]]
            if measured["headerHeight"] > PHONE["height"] * MAX_HEADER_SHARE:
                findings.append(f"{url}: the header is {measured['headerHeight']:.0f} px tall")
        assert_no_page_problems(page)
    finally:
        context.close()
    assert seen >= 15, f"only {seen} public pages visited: {urls}"
    assert not findings, f"{len(findings)} reflow problem(s) at 375 px:\n" + "\n".join(findings)


def test_the_phone_menu_opens_without_javascript_and_desktop_shows_it_at_once(browser, live_server):
    phone_data()
    context, page = new_page(browser, live_server, viewport=PHONE, java_script_enabled=False)
    try:
        page.goto("/")
        menu_link = page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="資金の流れ")
        assert not menu_link.is_visible(), "the phone header shows the whole menu"
        page.locator(".site-menu > summary").click()
        assert menu_link.is_visible(), "the menu button does not open the menu"
        with page.expect_navigation():
            menu_link.click()
        assert page.url.endswith(reverse("public:funding_flow"))
        # the table leads on a phone: it comes above the diagram
        table_top = page.locator("#flow-table").bounding_box()["y"]
        assert table_top < page.locator("svg.chart--sankey").bounding_box()["y"]
    finally:
        context.close()
    context, page = new_page(browser, live_server, viewport=VIEWPORT, java_script_enabled=False)
    try:
        page.goto("/")
        assert not page.locator(".site-menu > summary").is_visible()
        nav = page.get_by_role("navigation", name="メインメニュー")
        assert nav.get_by_role("link", name="資金の流れ").is_visible()
        assert page.get_by_label("言語").is_visible()
        # on a wide screen the diagram comes first, then its table
        page.goto(reverse("public:funding_flow"))
        assert page.locator("svg.chart--sankey").bounding_box()["y"] < page.locator("#flow-table").bounding_box()["y"]
    finally:
        context.close()


def test_public_pages_on_a_phone_have_no_serious_accessibility_violations(browser, live_server):
    data = phone_data()
    context, page = new_page(browser, live_server, viewport=PHONE)
    desktop_context, desktop = new_page(browser, live_server)
    desktop_shots = Screenshots("phone-desktop")
    axe = Axe()
    findings: list[str] = []
    try:
        for url in public_page_urls(data):
            scan(page, url, axe, findings)
            # the same page at desktop width, for comparing the screenshots by eye
            desktop.goto(url)
            desktop_shots(desktop, url.strip("/").replace("/", "-") or "home")
    finally:
        context.close()
        desktop_context.close()
    assert not findings, f"{len(findings)} accessibility problem(s) at 375 px:\n" + "\n".join(findings)
