"""Accessibility (JIS X 8341-3:2016 level AA, i.e. WCAG 2.0 AA): axe-core on every public page and the
main staff pages, failing on any violation of impact "serious" or "critical", plus the checks axe
cannot make alone: every chart has a text alternative and a table next to it, every form field has a
label. Each test scans a group of pages and lists every violation found, page by page, in one message.

axe-core is the copy inside axe-playwright-python: nothing is fetched at test time.
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from dataio.models import DataJob, JobKind, JobStatus
from tests import factories
from tests.e2e.data import password, public_data
from tests.e2e.helpers import FOCUS_STATE_JS, focus_is_visible, new_page, wait_for_visible_focus

pytestmark = pytest.mark.browser

FAILING_IMPACTS = {"serious", "critical"}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}

# Charts and maps (svg) need a text alternative, charts a table with the same numbers on the page;
# form fields need a label. axe checks the label rule too; this states the portal's own rule.
PAGE_RULES_JS = """() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 140);
  for (const svg of document.querySelectorAll('main svg')) {
    if (svg.closest('[aria-hidden="true"]')) continue;
    const named = svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby')
      || svg.querySelector(':scope > title');
    if (!named) problems.push('chart or map without a text alternative (a title): ' + describe(svg));
    // A picture is role="img"; one with links inside (a clickable map) must not be, or the links vanish.
    const interactive = svg.querySelector('a[href], [tabindex]');
    if (!interactive && svg.getAttribute('role') !== 'img') {
      problems.push('chart without role="img": ' + describe(svg));
    }
    if (svg.classList.contains('chart') && !document.querySelector('main table')) {
      problems.push('chart without a table alternative on the page: ' + describe(svg));
    }
  }
  const fields = document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea');
  for (const field of fields) {
    const labelled = (field.labels && field.labels.length) || field.getAttribute('aria-label')
      || field.getAttribute('aria-labelledby');
    if (!labelled) problems.push('form field without a label: ' + describe(field));
  }
  return problems;
}"""


def scan(page, url, axe, findings, *, expected_status=200):
    response = page.goto(url)
    status = response.status if response else None
    if status != expected_status:
        findings.append(f"{url}: HTTP {status} (expected {expected_status})")
        return
    results = axe.run(page, options=AXE_OPTIONS)
    for violation in results.response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        more = len(violation["nodes"]) - 5
        findings.append(
            f"{url}: [{violation['impact']}] {violation['id']} — {violation['help']} — {targets}"
            + (f" (+{more} more)" if more > 0 else "")
        )
    for problem in page.evaluate(PAGE_RULES_JS):
        findings.append(f"{url}: {problem}")


def scan_all(page, urls, *, expected=None):
    axe = Axe()
    findings: list[str] = []
    for url in urls:
        scan(page, url, axe, findings, expected_status=(expected or {}).get(url, 200))
    assert not findings, f"{len(findings)} accessibility problem(s):\n" + "\n".join(findings)


def tab_through(page, url, findings, *, max_stops=400):
    """Tab from the top of the page to the end; every stop must show a visible focus indicator."""
    page.goto(url)
    stops = 0
    first = None
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE_JS)
        if state is None:  # focus left the document: the end of the page
            break
        key = (state["tag"], state["id"], state["name"], state["href"], state["text"])
        if key == first:  # wrapped round to the first stop
            break
        first = first or key
        stops += 1
        state = wait_for_visible_focus(page, state)
        if not focus_is_visible(state):
            findings.append(f"{url}: Tab stop {stops} shows no focus indicator: {state}")
    assert stops > 0, f"{url}: Tab reached nothing"


def staff_data():
    """Public data plus what the staff pages list: users of each role, a call with a proposal under review."""
    data = public_data()
    region = data.hamamatsu.region
    hq_user = factories.UserFactory(hq=True, username="hq-hamamatsu", headquarters=region.headquarters)
    ministry = factories.UserFactory(ministry=True, username="ministry")
    reviewer = factories.UserFactory(reviewer=True, username="reviewer")
    today = timezone.localdate()
    call = factories.CallFactory(
        code="phase-2-2030",
        title="知的クラスター創成事業 公募",
        fiscal_year=2030,
        opens_on=today - datetime.timedelta(days=5),
        closes_on=today + datetime.timedelta(days=5),
    )
    for order, name in enumerate(("構想の独創性", "国際優位性")):
        factories.ReviewCriterionFactory(call=call, name=name, order=order)
    factories.CallBudgetFactory(call=call, fiscal_year=2030)
    proposal = factories.ProposalFactory(call=call, under_review=True, title="新しいクラスター構想")
    factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2030)
    assignment = factories.ReviewAssignmentFactory(proposal=proposal, reviewer=reviewer)
    own_proposal = factories.ProposalFactory(call=call, region=region, title="浜松の次期構想")
    project = data.hamamatsu.projects[0]
    report = factories.ProgressReportFactory(project=project, fiscal_year=2009)
    budget = project.budgets.order_by("pk").first()
    expenditure = factories.ExpenditureFactory(
        budget=budget, amount=1_000, spent_on=datetime.date(budget.grant.fiscal_year, 6, 1)
    )
    factories.ReceiptFactory(expenditure=expenditure)
    coordinator = region.coordinators.first()
    event = region.events.first()
    return {
        "data": data,
        "hq_user": hq_user,
        "ministry": ministry,
        "reviewer": reviewer,
        "call": call,
        "proposal": proposal,
        "assignment": assignment,
        "own_proposal": own_proposal,
        "project": project,
        "report": report,
        "budget": budget,
        "expenditure": expenditure,
        "coordinator": coordinator,
        "event": event,
        "grant": data.hamamatsu.grants[2008],
    }


def test_public_pages_have_no_serious_accessibility_violations(page):
    data = public_data()
    region = data.hamamatsu.region
    project = data.hamamatsu.projects[0]
    organization = project.host_organization
    missing = "/clusters/no-such-cluster/"
    urls = [
        "/",
        reverse("regions:list"),
        reverse("regions:list") + "?prefecture=22",
        region.get_absolute_url(),
        project.get_absolute_url(),
        reverse("public:organization_list"),
        reverse("public:organization_detail", args=[organization.slug]),
        reverse("public:result_list"),
        reverse("public:result_list") + f"?cluster={region.slug}&kind=patent_application",
        reverse("projects:list"),
        reverse("projects:list") + f"?cluster={region.slug}&q=" + "センサ",
        reverse("public:result_detail", args=[data.patent.code]),
        reverse("public:event_list"),
        reverse("public:funding_flow"),
        reverse("public:search"),
        reverse("public:search") + "?q=" + "浜松",
        reverse("public:opendata"),
        reverse("public:accessibility"),
        reverse("public:privacy"),
        reverse("public:contact"),
        reverse("login"),
        missing,
    ]
    scan_all(page, urls, expected={missing: 404})


def test_english_home_page_has_no_serious_accessibility_violations(browser, live_server):
    public_data()
    context, page = new_page(browser, live_server, extra_http_headers={"Accept-Language": "en"})
    try:
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        scan_all(page, ["/", reverse("regions:list")])
    finally:
        context.close()


def test_headquarters_pages_have_no_serious_accessibility_violations(page, login_as):
    staff = staff_data()
    login_as(page, staff["hq_user"])
    project, report = staff["project"], staff["report"]
    later = timezone.now() + datetime.timedelta(hours=1)
    common = {"user": staff["hq_user"], "resource": "projects", "file_format": "csv", "expires_at": later}
    running = DataJob.objects.create(kind=JobKind.IMPORT, status=JobStatus.RUNNING, filename="projects.csv", **common)
    exported = DataJob.objects.create(
        kind=JobKind.EXPORT, status=JobStatus.DONE, total=12, output="x", output_name="projects.csv", **common
    )
    factories.NotificationFactory(recipient=staff["hq_user"], url=reverse("workspace:report_list"))
    urls = [
        reverse("workspace:dashboard"),
        reverse("workspace:project_list"),
        reverse("workspace:project_create"),
        reverse("workspace:project_detail", args=[project.pk]),
        reverse("workspace:project_edit", args=[project.pk]),
        reverse("workspace:budget_overview"),
        reverse("workspace:budget_overview") + "?unit=yen",
        reverse("workspace:budget_copy_forward"),
        reverse("workspace:budget_copy_forward")
        + f"?source_year={staff['budget'].grant.fiscal_year}&target_year={staff['budget'].grant.fiscal_year + 1}"
        + f"&projects={project.pk}&action=preview",
        reverse("workspace:budget_create", args=[project.pk]),
        reverse("workspace:budget_detail", args=[staff["budget"].pk]),
        reverse("workspace:expenditure_create", args=[staff["budget"].pk]),
        reverse("workspace:expenditure_bulk"),
        reverse("workspace:expenditure_bulk") + f"?year={staff['budget'].grant.fiscal_year}&rows=3",
        reverse("workspace:expenditure_edit", args=[staff["expenditure"].pk]),
        reverse("workspace:report_list"),
        reverse("workspace:report_create", args=[project.pk]),
        reverse("workspace:report_detail", args=[report.pk]),
        reverse("workspace:report_edit", args=[report.pk]),
        reverse("workspace:outcome_list"),
        reverse("workspace:outcome_create", args=[project.pk]),
        reverse("workspace:outcome_detail", args=[staff["data"].patent.pk]),
        reverse("workspace:event_list"),
        reverse("workspace:event_create"),
        reverse("workspace:coordinator_list"),
        reverse("workspace:coordinator_create"),
        reverse("workspace:coordinator_detail", args=[staff["coordinator"].pk]),
        reverse("workspace:activity_create", args=[staff["coordinator"].pk]),
        reverse("workspace:headquarters"),
        reverse("workspace:activity_create", args=[staff["coordinator"].pk]) + "?org_q=%E5%A4%A7%E5%AD%A6",
        reverse("proposals:list"),
        reverse("proposals:detail", args=[staff["own_proposal"].pk]),
        reverse("proposals:edit", args=[staff["own_proposal"].pk]),
        reverse("dataio:index"),
        reverse("dataio:import", args=["projects"]),
        reverse("dataio:job", args=[running.pk]),
        reverse("dataio:job", args=[exported.pk]),
        reverse("notifications:list"),
        reverse("notifications:settings"),
        reverse("two_factor:account"),
        reverse("two_factor:setup"),  # the opt-in set-up page (secret, QR code, code field)
    ]
    scan_all(page, urls)


def test_ministry_pages_have_no_serious_accessibility_violations(page, login_as):
    staff = staff_data()
    login_as(page, staff["ministry"])
    call = staff["call"]
    urls = [
        reverse("ministry:dashboard"),
        reverse("ministry:call_list"),
        reverse("ministry:call_create"),
        reverse("ministry:call_detail", args=[call.code]),
        reverse("ministry:review_table", args=[call.code]),
        reverse("ministry:proposal_list"),
        reverse("proposals:detail", args=[staff["proposal"].pk]),
        reverse("ministry:grant_list"),
        reverse("ministry:grant_create"),
        reverse("ministry:grant_detail", args=[staff["grant"].pk]),
        reverse("ministry:evaluation_list"),
        reverse("ministry:evaluation_create"),
        reverse("workspace:ministry"),
        reverse("ministry:activity_log"),
        reverse("ministry:activity_log") + "?kind=review&since=2000-01-01&until=bad",
        reverse("ministry:activity_log") + "?since=2027-05-01&until=2027-04-01",  # a period that ends first
        reverse("dataio:index"),
        reverse("dataio:import", args=["grants"]),
        reverse("two_factor:account"),
    ]
    scan_all(page, urls)


def test_bulk_work_pages_have_no_serious_accessibility_violations(page, login_as):
    """The assignment grid (with a declared conflict), bulk reminders and their result, bulk state
    changes with a refusal, the reviewers' workload and the review-deadline extension."""
    staff = staff_data()
    call = staff["call"]
    submitted = factories.ProposalFactory(call=call, submitted=True, title="提出済みの構想")
    factories.ReviewAssignmentFactory(
        proposal=submitted, reviewer=factories.UserFactory(reviewer=True, username="reviewer-2"), conflicted=True
    )
    login_as(page, staff["ministry"])
    urls = [
        reverse("ministry:bulk_assign", args=[call.code]),
        reverse("ministry:bulk_remind", args=[call.code]),
        reverse("ministry:bulk_status", args=[call.code]),
        reverse("ministry:reviewer_workload"),
        reverse("ministry:review_deadline", args=[call.code]),
    ]
    scan_all(page, urls)
    # the pages as re-shown after a POST: the reminder result, the refused state change
    axe = Axe()
    findings: list[str] = []
    page.goto(reverse("ministry:bulk_remind", args=[call.code]))
    page.get_by_label("reviewer（新しいクラスター構想）に督促する").check()
    page.get_by_role("button", name="選んだ審査委員に督促する").click()
    assert page.get_by_text("督促の結果").is_visible()
    findings += serious_violations(page, axe)
    page.goto(reverse("ministry:bulk_status", args=[call.code]))
    page.get_by_label("新しいクラスター構想 を選ぶ").check()
    page.get_by_role("button", name="選んだ提案書の状態を変更する").click()
    assert page.get_by_text("「審査中」から「審査中」へは変更できません。", exact=False).is_visible()
    findings += serious_violations(page, axe)
    assert not findings, "\n".join(findings)


def serious_violations(page, axe) -> list[str]:
    """axe on the page as it is now (after a POST), serious and critical findings only."""
    results = axe.run(page, options=AXE_OPTIONS)
    return [
        f"{page.url}: [{violation['impact']}] {violation['id']} — {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ] + [f"{page.url}: {problem}" for problem in page.evaluate(PAGE_RULES_JS)]


def _reviews_to_read(staff):
    """The staff data's proposal with one submitted review, a declared conflict and a pending lift request."""
    from regions.models import ConflictLiftRequest

    now = timezone.now()
    assignment = staff["assignment"]
    assignment.conflict_declared_at = now
    assignment.submitted_at = now
    assignment.overall_comment = "総評：地域の強みが明確。"
    assignment.save()
    for criterion in staff["call"].criteria.all():
        factories.ReviewFactory(assignment=assignment, criterion=criterion, score=4, comment="根拠が具体的。")
    conflicted_reviewer = factories.UserFactory(reviewer=True, username="reviewer-conflict")
    conflicted = factories.ReviewAssignmentFactory(
        proposal=staff["proposal"], reviewer=conflicted_reviewer, conflict_declared_at=now, conflicted=True
    )
    ConflictLiftRequest.objects.create(
        assignment=conflicted,
        reason="別の機関と取り違えました",
        declared_note=conflicted.conflict_note,
        declared_at=now,
    )
    return conflicted_reviewer


def test_review_reading_and_statistics_pages_have_no_serious_accessibility_violations(page, login_as):
    staff = staff_data()
    conflicted_reviewer = _reviews_to_read(staff)
    login_as(page, staff["ministry"])
    code = staff["call"].code
    scan_all(
        page,
        [
            reverse("ministry:review_read", args=[code]),
            reverse("ministry:review_statistics", args=[code]),
            reverse("ministry:review_statistics", args=[code]) + "?normalise=1",
            reverse("ministry:review_summary", args=[code]),
            reverse("proposals:detail", args=[staff["proposal"].pk]),
        ],
    )
    page.context.clear_cookies()
    login_as(page, conflicted_reviewer)
    scan_all(page, [reverse("reviews:list")])


def test_printed_document_pages_have_no_serious_accessibility_violations(page, login_as):
    """The printable 実績報告書 (headquarters and ministry), the printable proposal and the PDF job pages."""
    staff = staff_data()
    region = staff["data"].hamamatsu.region
    later = timezone.now() + datetime.timedelta(hours=1)
    common = {"kind": JobKind.PDF, "resource": "annual_report", "file_format": "pdf", "expires_at": later}
    params = {"region_id": region.pk, "fiscal_year": 2008}
    queued = DataJob.objects.create(user=staff["hq_user"], filename="実績報告書.pdf", result=params, **common)
    done = DataJob.objects.create(
        user=staff["hq_user"], status=JobStatus.DONE, output="x", output_name="実績報告書.pdf", result=params, **common
    )
    login_as(page, staff["hq_user"])
    scan_all(
        page,
        [
            reverse("workspace:annual_report") + "?fy=2008",
            reverse("proposals:print", args=[staff["own_proposal"].pk]),
            reverse("dataio:job", args=[queued.pk]),
            reverse("dataio:job", args=[done.pk]),
        ],
    )
    summary = DataJob.objects.create(
        user=staff["ministry"],
        status=JobStatus.DONE,
        output="x",
        output_name="審査結果総括.pdf",
        **{**common, "resource": "review_summary"},
        result={"call_id": staff["call"].pk, "call_code": staff["call"].code},
    )
    page.context.clear_cookies()
    login_as(page, staff["ministry"])
    scan_all(
        page,
        [
            reverse("ministry:annual_report", args=[region.slug, 2008]),
            reverse("proposals:print", args=[staff["proposal"].pk]),
            reverse("dataio:job", args=[summary.pk]),
        ],
    )


def test_two_factor_sign_in_pages_have_no_serious_accessibility_violations(page):
    """The set-up page a ministry user meets after the password, and the code page of one with an app."""
    secret = password()
    factories.UserFactory(ministry=True, username="ministry-new", password=secret)
    with_app = factories.UserFactory(ministry=True, username="ministry-app", password=secret)
    factories.TOTPDeviceFactory(user=with_app)
    for username, url in (
        ("ministry-new", reverse("two_factor:setup")),
        ("ministry-app", reverse("two_factor:verify")),
    ):
        page.context.clear_cookies()
        page.goto(reverse("login"))
        page.get_by_label("ユーザー名").fill(username)
        page.get_by_label("パスワード").fill(secret)
        with page.expect_navigation():
            page.locator("main form").get_by_role("button", name="ログイン").click()
        assert page.url.split("?")[0].endswith(url)
        scan_all(page, [url])


def test_reviewer_pages_have_no_serious_accessibility_violations(page, login_as):
    staff = staff_data()
    login_as(page, staff["reviewer"])
    urls = [reverse("reviews:list"), reverse("reviews:detail", args=[staff["assignment"].pk])]
    scan_all(page, urls)


def test_every_tab_stop_shows_a_visible_focus_indicator(page, login_as):
    staff = staff_data()
    findings: list[str] = []
    region = staff["data"].hamamatsu.region
    for url in ("/", reverse("regions:list"), region.get_absolute_url(), reverse("public:result_list")):
        tab_through(page, url, findings)
    login_as(page, staff["hq_user"])
    for url in (reverse("workspace:dashboard"), reverse("workspace:project_create")):
        tab_through(page, url, findings)
    assert not findings, "\n".join(findings)


def test_decision_and_support_decision_pages_have_no_serious_accessibility_violations(page, login_as):
    """decide → summary → confirm → notify on the proposal page, then the support decision of a 重点支援
    evaluation: its form (also with errors), the draft's summary, a refused confirmation, the confirmed
    decision, the grant history that marks its amendment, the cluster page and the funding flow."""
    from regions.models import Grant, Recommendation
    from regions.services import support as support_services
    from tests.e2e.data import selection_data

    data = selection_data()
    login_as(page, data.ministry)
    axe = Axe()
    findings: list[str] = []
    scan(page, reverse("proposals:detail", args=[data.winner.pk]), axe, findings)
    decision = page.locator("form[action$='/decide/']")
    decision.get_by_label("採択", exact=True).check()
    decision.get_by_label("理由").fill("構想の独創性が高いため。")
    decision.get_by_label("内部メモ（文部科学省のみ）").fill("予算枠の残りに注意。")
    decision.get_by_role("button", name="決定の内容を確認する").click()
    assert page.get_by_text("確定すると登録される交付決定").is_visible()
    findings += serious_violations(page, axe)  # the summary
    page.get_by_role("button", name="確定する").click()
    assert page.get_by_role("button", name="申請者に通知する").is_visible()
    findings += serious_violations(page, axe)  # recorded, before the notify step
    page.get_by_role("button", name="申請者に通知する").click()
    findings += serious_violations(page, axe)  # notified

    region = data.winner.region
    evaluation = factories.EvaluationFactory(
        region=region, fiscal_year=2030, grade="S", recommendation=Recommendation.FOCUS
    )
    edit_url = reverse("ministry:support_edit", args=[evaluation.pk])
    summary_url = reverse("ministry:support_decision", args=[evaluation.pk])
    scan(page, summary_url, axe, findings)  # nothing recorded yet
    scan(page, edit_url, axe, findings)
    page.get_by_label("追加交付の開始年度").fill("2031")
    page.get_by_label("追加交付の終了年度").fill("2035")
    page.get_by_label("追加交付額（各年度、円）").fill("0")
    page.get_by_role("button", name="下書きを保存して確認へ進む").click()
    assert page.get_by_role("alert").first.is_visible()
    findings += serious_violations(page, axe)  # the form with its errors
    draft = support_services.support_decision_save(
        user=data.ministry,
        evaluation=evaluation,
        start_fiscal_year=2031,
        end_fiscal_year=2032,
        annual_amount=1_700_000_000,
        reason="世界水準のクラスターとして重点支援する。",
    )
    scan(page, summary_url, axe, findings)  # the draft's summary, one year short of envelope
    page.get_by_role("button", name="確定する").click()
    assert page.get_by_text("どの年度の交付決定も変更していません").is_visible()
    findings += serious_violations(page, axe)  # the refused confirmation
    support_services.support_decision_save(
        user=data.ministry,
        evaluation=evaluation,
        start_fiscal_year=2031,
        end_fiscal_year=2032,
        annual_amount=100_000_000,
        reason="世界水準のクラスターとして重点支援する。",
        expected_version=draft.version,
    )
    draft.refresh_from_db()
    support_services.support_decision_confirm(user=data.ministry, decision=draft)
    grant = Grant.objects.get(region=region, fiscal_year=2031)
    for url in (
        summary_url,
        reverse("ministry:evaluation_edit", args=[evaluation.pk]),
        reverse("ministry:evaluation_list"),
        reverse("ministry:grant_detail", args=[grant.pk]),
        region.get_absolute_url(),
        reverse("public:funding_flow") + "?start=2030&end=2032",
    ):
        scan(page, url, axe, findings)
    assert not findings, f"{len(findings)} accessibility problem(s):\n" + "\n".join(findings)
