"""Journey (a): a ministry officer logs in, reviews the score table, selects a region and sets its grant —
once with the mouse, once with the keyboard only; journey (c): an officer runs a call from bulk assignment
to a confirmed 重点支援 support decision. Each step is checked on the page and in the database."""

import base64
import re

import pytest
from playwright.sync_api import expect

from regions.models import (
    Decision,
    Evaluation,
    Grant,
    GrantAmendment,
    ProposalStatus,
    RegionStatus,
    ReviewAssignment,
    SelectionDecision,
    SupportDecision,
    SupportStatus,
)
from tests import factories
from tests.e2e.data import selection_data
from tests.e2e.helpers import assert_no_page_problems, authenticator_code, login_through_form, submit

pytestmark = pytest.mark.browser

REASON = "外部有識者による審査の結果、構想の独創性と国際優位性が高く評価されたため。"
AMEND_REASON = "初年度の設備整備費を上積みするため。"
NEW_AMOUNT = 450_000_000


def assert_selected_with_amended_grant(data):
    decision = SelectionDecision.objects.get(proposal=data.winner)
    assert (decision.decision, decision.decided_by_id) == (Decision.SELECTED, data.ministry.pk)
    data.winner.refresh_from_db()
    data.winner.region.refresh_from_db()
    assert data.winner.status == ProposalStatus.SELECTED
    assert data.winner.region.status == RegionStatus.ACTIVE
    data.runner_up.refresh_from_db()
    assert data.runner_up.status == ProposalStatus.UNDER_REVIEW, "only the chosen proposal is decided"
    grants = dict(Grant.objects.filter(region=data.winner.region).values_list("fiscal_year", "amount"))
    assert grants == {2030: NEW_AMOUNT, 2031: 400_000_000, 2032: 400_000_000}
    amendment = GrantAmendment.objects.get(grant__region=data.winner.region)
    assert (amendment.previous_amount, amendment.new_amount, amendment.reason) == (
        400_000_000,
        NEW_AMOUNT,
        AMEND_REASON,
    )
    assert amendment.amended_by_id == data.ministry.pk


def test_ministry_officer_reviews_scores_selects_region_and_sets_grant(page, screenshots):
    data = selection_data()
    shots = screenshots("ministry")

    login_through_form(page, data.ministry.username, data.password, next_url="/ministry/")
    expect(page).to_have_url(re.compile(r"/ministry/$"))
    shots(page, "dashboard")

    # The score table of the call: weighted means, best first.
    ministry_nav = page.get_by_role("navigation", name="文科省業務のメニュー")
    ministry_nav.get_by_role("link", name="公募").click()
    page.get_by_role("link", name=data.call.title).click()
    page.get_by_role("navigation", name="審査結果の画面と出力").get_by_role("link", name="審査一覧表").click()
    table = page.locator("table.review-table")
    rows = table.locator(":scope > tbody > tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(":scope > th")).to_have_text(data.winner.title)
    expect(rows.nth(0).locator(":scope > td").nth(2)).to_have_text("4.10")
    expect(rows.nth(1).locator(":scope > th")).to_have_text(data.runner_up.title)
    expect(rows.nth(1).locator(":scope > td").nth(2)).to_have_text("2.70")
    shots(page, "score table")

    # Select the best-scored proposal.
    rows.nth(0).get_by_role("link", name=data.winner.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(data.winner.title)
    decision = page.locator("form[action$='/decide/']")
    decision.get_by_label("採択", exact=True).check()
    decision.get_by_label("理由").fill(REASON)
    shots(page, "decision form")
    # decide → the summary to check → confirm (nothing is recorded before the confirmation)
    submit(page, decision.get_by_role("button", name="決定の内容を確認する"))
    expect(page.locator("main")).to_contain_text(REASON)
    shots(page, "decision summary")
    submit(page, page.get_by_role("button", name="確定する"))
    expect(page.locator(".messages")).to_contain_text("採択の結果を記録")
    shots(page, "decision recorded")

    # Its grants now exist per fiscal year; raise the first year's.
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="文科省業務").click()
    page.get_by_role("navigation", name="文科省業務のメニュー").get_by_role("link", name="交付決定").click()
    grant = Grant.objects.get(region=data.winner.region, fiscal_year=2030)
    grant_rows = page.locator("table tbody tr", has=page.get_by_role("link", name=data.winner.region.name))
    expect(grant_rows).to_have_count(3)
    shots(page, "grant list")
    page.locator(f"a[href$='/ministry/grants/{grant.pk}/']").click()
    amend = page.locator("main form", has=page.get_by_role("button", name="変更する"))
    amend.get_by_label("変更後の額（円）").fill(f"{NEW_AMOUNT:,}")
    amend.get_by_label("変更理由").fill(AMEND_REASON)
    submit(page, amend.get_by_role("button", name="変更する"))
    expect(page.locator(".messages")).to_contain_text("交付決定額を変更しました")
    expect(page.locator("main")).to_contain_text("450,000,000円")
    shots(page, "grant amended")

    assert_selected_with_amended_grant(data)
    assert_no_page_problems(page)


def test_ministry_journey_with_the_keyboard_only(page, screenshots, keyboard):
    data = selection_data()
    shots = screenshots("ministry-keyboard")
    keys = keyboard(page)

    page.goto("/")
    keys.activate(tag="a", text="ログイン")
    keys.type_into(data.ministry.username, label="ユーザー名")
    keys.type_into(data.password, label="パスワード")
    keys.submit(tag="button", text="ログイン")
    # Two-factor set-up with the keyboard: the secret is read off the page as an authenticator app would.
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    keys.type_into(authenticator_code(key), name="code")
    keys.submit(tag="button", text="設定を完了する")
    expect(page.locator("ol.recovery-codes > li")).to_have_count(10)
    keys.activate(tag="a", text="控えたので次へ進む")
    keys.activate(tag="a", text="文科省業務")
    keys.activate(tag="a", href_end="/ministry/calls/")
    keys.activate(tag="a", text=data.call.title)
    keys.activate(tag="a", text="審査一覧表")
    expect(page.locator("table.review-table > tbody > tr").first).to_contain_text("4.10")
    shots(page, "score table")

    keys.activate(tag="a", text=data.winner.title)
    # Radio buttons: Tab reaches the group, the arrow keys or Space choose.
    keys.tab_to(tag="input", type="radio", name="decision")
    if not page.get_by_label("採択", exact=True).is_checked():
        keys.press("Space")
    while not page.get_by_label("採択", exact=True).is_checked():
        keys.press("ArrowDown")
        assert keys.presses < 400, "the arrow keys never reached 採択"
    keys.type_into(REASON, name="reason")
    shots(page, "decision form")
    keys.submit(tag="button", text="決定の内容を確認する")
    keys.submit(tag="button", text="確定する")
    expect(page.locator(".messages")).to_contain_text("採択の結果を記録")

    keys.activate(tag="a", text="文科省業務")
    keys.activate(tag="a", href_end="/ministry/grants/")
    grant = Grant.objects.get(region=data.winner.region, fiscal_year=2030)
    keys.activate(tag="a", href_end=f"/ministry/grants/{grant.pk}/")
    keys.type_into(str(NEW_AMOUNT), name="new_amount")
    keys.type_into(AMEND_REASON, name="reason")
    keys.submit(tag="button", text="変更する")
    expect(page.locator(".messages")).to_contain_text("交付決定額を変更しました")
    shots(page, "grant amended")

    assert_selected_with_amended_grant(data)
    assert_no_page_problems(page)


SUPPORT_REASON = "中間評価で国際競争力が高く評価され、グローバル拠点として重点的に支援するため。"
SUPPORT_AMOUNT = 100_000_000


def test_officer_runs_a_call_from_assignment_to_focused_support(page, screenshots):
    """Journey (c): open the call → assign a third reviewer in bulk → read the reviews → statistics and rank →
    decide → summary → confirm → notify → the grants → an interim evaluation with 重点支援 → record and
    confirm the support decision → the amendment shows in the grant history and on the public cluster page."""
    data = selection_data()
    extra = factories.UserFactory(reviewer=True, username="reviewer-3", display_name="審査委員 3")
    shots = screenshots("ministry-focused-support")
    login_through_form(page, data.ministry.username, data.password, next_url="/ministry/")

    # Open the call and assign the third reviewer to both proposals in one step.
    page.get_by_role("navigation", name="文科省業務のメニュー").get_by_role("link", name="公募").click()
    page.get_by_role("link", name=data.call.title).click()
    page.get_by_role("link", name="審査委員の一括割り当て").click()
    for proposal in (data.winner, data.runner_up):
        page.get_by_label(f"{proposal.title} に {extra} を割り当てる").check()
    submit(page, page.get_by_role("button", name="まとめて割り当てる"))
    assert ReviewAssignment.objects.filter(reviewer=extra, proposal__call=data.call).count() == 2
    shots(page, "bulk assigned")

    # Read the reviews, then rank with the statistics.
    page.goto(f"/ministry/calls/{data.call.code}/reviews/read/")
    expect(page.locator("main")).to_contain_text(data.winner.title)
    page.get_by_role("link", name="統計と順位", exact=True).click()
    ranking = page.locator("section[aria-labelledby='ranking-heading'] table tbody tr")
    expect(ranking.first).to_contain_text(data.winner.title)
    shots(page, "ranking")

    # decide → summary → confirm → notify
    ranking.first.get_by_role("link", name=data.winner.title).click()
    decision = page.locator("form[action$='/decide/']")
    decision.get_by_label("採択", exact=True).check()
    decision.get_by_label("理由").fill(REASON)
    submit(page, decision.get_by_role("button", name="決定の内容を確認する"))
    expect(page.locator("main")).to_contain_text("確定すると登録される交付決定")
    submit(page, page.get_by_role("button", name="確定する"))
    expect(page.locator(".messages")).to_contain_text("採択の結果を記録")
    submit(page, page.get_by_role("button", name="申請者に通知する"))
    expect(page.locator(".messages")).to_contain_text("申請者に通知しました")
    assert SelectionDecision.objects.get(proposal=data.winner).notified_at is not None
    shots(page, "notified")

    # The grants the selection registered.
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="文科省業務").click()
    page.get_by_role("navigation", name="文科省業務のメニュー").get_by_role("link", name="交付決定").click()
    expect(page.locator("table tbody tr", has=page.get_by_role("link", name=data.winner.region.name))).to_have_count(3)

    # An interim evaluation with 重点支援.
    page.get_by_role("navigation", name="文科省業務のメニュー").get_by_role("link", name="評価").click()
    page.get_by_role("link", name="評価を記録").click()
    form = page.locator("main form")
    region = data.winner.region
    region.refresh_from_db()
    form.get_by_label("地域").select_option(label=region.display_name)
    form.get_by_label("評価の種類").select_option(label="中間評価")
    form.get_by_label("年度").fill("2030")
    form.get_by_label("総合評価").select_option(label="S")
    form.get_by_label("評価の概要").fill("光技術の事業化が進み、国際競争力が高い。")
    form.get_by_label("今後の支援").select_option(label="重点支援")
    form.get_by_label("公開").check()
    submit(page, form.get_by_role("button", name="保存する"))
    evaluation = Evaluation.objects.get(region=region)
    page.get_by_role("link", name=f"{region.display_name}の重点支援の決定").click()

    # Record the support decision, review the summary, confirm.
    page.get_by_role("link", name="重点支援の決定を記録").click()
    support = page.locator("main form")
    support.get_by_label("追加交付の開始年度").fill("2031")
    support.get_by_label("追加交付の終了年度").fill("2032")
    support.get_by_label("追加交付額（各年度、円）").fill(f"{SUPPORT_AMOUNT:,}")
    support.get_by_label("重点支援の理由（文部科学省内の記録）").fill(SUPPORT_REASON)
    submit(page, support.get_by_role("button", name="下書きを保存して確認へ進む"))
    expect(page.locator("main")).to_contain_text("確定すると変更される交付決定")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    assert not GrantAmendment.objects.filter(grant__region=region).exists(), "a draft changes no grant"
    shots(page, "support summary")
    submit(page, page.get_by_role("button", name="確定する"))
    expect(page.locator(".messages")).to_contain_text("重点支援の決定を確定しました")
    shots(page, "support confirmed")
    grants = dict(Grant.objects.filter(region=region).values_list("fiscal_year", "amount"))
    assert grants == {2030: 400_000_000, 2031: 500_000_000, 2032: 500_000_000}
    assert SupportDecision.objects.get(evaluation=evaluation).status == SupportStatus.CONFIRMED

    # The amendment in the grant history, and on the public cluster page.
    page.get_by_role("link", name="2031年度（令和13年度）の交付決定").click()
    history = page.locator("section[aria-labelledby='history-heading']")
    expect(history).to_contain_text("重点支援による追加交付")
    expect(history).to_contain_text("500,000")
    page.goto(region.get_absolute_url())
    public_support = page.locator("main table", has=page.get_by_text("重点支援による追加交付（千円）"))
    expect(public_support).to_contain_text("100,000")
    expect(public_support).to_contain_text("200,000")
    shots(page, "public cluster page")
    assert_no_page_problems(page)
