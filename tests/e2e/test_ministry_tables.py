"""Ministry tables keep their columns readable (issue 14, part 8): at 1280 px and at 375 px, in Japanese
and in English (/en/), the grant history's date column stays on one line beside a long amendment
reason, the review table's state (「審査中」) is never cut one character per line and its English
headers never break inside a word; the activity log reflows on a phone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.e2e.helpers import VIEWPORT, new_page
from tests.e2e.test_accessibility import staff_data
from tests.e2e.test_phone import LAYOUT_JS, MIN_CELL_PX, MIN_CHART_TEXT_PX, PHONE

pytestmark = pytest.mark.browser

# Texts of the matched elements that run over more than one line, and words broken inside.
READABLE_JS = """({oneLine, words}) => {
  const problems = [];
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };
  for (const el of document.querySelectorAll(oneLine)) {
    const count = lines(el);
    if (el.textContent.trim() && count > 1) problems.push(`"${el.textContent.trim()}" runs over ${count} lines`);
  }
  for (const el of document.querySelectorAll(words)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      let previousTop = null;
      for (let i = 0; i < node.length; i++) {
        if (!/[A-Za-z0-9]/.test(node.data[i])) { previousTop = null; continue; }
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (previousTop !== null && rect.top > previousTop + 2) {
          problems.push(`"${el.textContent.trim()}" breaks inside a word`);
          break;
        }
        previousTop = rect.top;
      }
    }
  }
  return problems;
}"""

LONG_REASON = (
    "中間評価の結果を踏まえ、研究開発の重点化に伴う事業計画の見直しにより、次年度以降の共同研究テーマを"
    "再編成するとともに、参画機関の役割分担を変更したため、交付決定額を減額する。"
) * 3


def tables_data():
    staff = staff_data()
    grant = staff["grant"]
    factories.GrantAmendmentFactory(
        grant=grant, previous_amount=grant.amount, new_amount=grant.amount, reason=LONG_REASON
    )
    assignment = staff["assignment"]
    for criterion in staff["call"].criteria.all():
        factories.ReviewFactory(assignment=assignment, criterion=criterion, score=4)
    assignment.conflict_declared_at = assignment.submitted_at = timezone.now()
    assignment.save()
    return staff


@pytest.mark.parametrize("language", ["ja", "en"])
def test_ministry_tables_keep_their_columns_readable(browser, live_server, login_as, language):
    staff = tables_data()
    prefix = "/en" if language == "en" else ""
    pages = {
        prefix + reverse("ministry:grant_detail", args=[staff["grant"].pk]): (
            "#history-heading ~ .table-wrap tbody th",
            "#history-heading ~ .table-wrap thead th",
        ),
        prefix + reverse("ministry:review_table", args=[staff["call"].code]): (
            ".review-table > tbody > tr > td:nth-child(3), .review-table td.number",
            ".review-table > thead th",
        ),
        prefix + reverse("ministry:activity_log"): (".activity-table time", ".activity-table thead th"),
    }
    findings: list[str] = []
    for viewport in (VIEWPORT, PHONE):
        context, page = new_page(browser, live_server, viewport=viewport)
        login_as(page, staff["ministry"])
        try:
            for url, (one_line, words) in pages.items():
                response = page.goto(url)
                assert response is not None and response.status == 200, url
                assert page.locator(one_line).count() > 0, f"{url}: nothing matches {one_line}"
                where = f"{url} at {viewport['width']} px"
                findings += [f"{where}: {p}" for p in page.evaluate(READABLE_JS, {"oneLine": one_line, "words": words})]
                if viewport is PHONE:
                    measured = page.evaluate(LAYOUT_JS, {"minCell": MIN_CELL_PX, "minText": MIN_CHART_TEXT_PX})
                    findings += [f"{where}: {problem}" for problem in measured["problems"]]
        finally:
            context.close()
    assert not findings, "\n".join(findings)
