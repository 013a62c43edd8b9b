"""Ministry exports and print (issue 14, part 7): proposals (filtered as the list is), a call's reviews,
decisions and evaluations as CSV and Excel through the one formula-safe writer, read back as a user
would (csv, openpyxl); the call's review summary as a printable page and a PDF made by the worker,
read back with pypdf. Ministry staff only: reviewers and headquarters never get them."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from cluster_portal import pdf
from dataio.models import DataJob, JobKind, JobStatus
from regions.models import Decision, EvaluationKind, Grade, ProposalStatus, Recommendation
from tests import factories

pytestmark = pytest.mark.django_db

needs_weasyprint = pytest.mark.skipif(
    bool(pdf.unavailable_reason()), reason=pdf.unavailable_reason() or "WeasyPrint available"
)

INJECTION = '=HYPERLINK("http://evil.example/","click")'
TITLE_A = "札幌ナノテク・バイオクラスター構想"
TITLE_B = "浜松オプトロニクス医療機器構想"


@pytest.fixture
def world(region, other_region, reviewer_user):
    call = factories.CallFactory(code="exp-call", title="知的クラスター創成事業（第II期）公募")
    originality = factories.ReviewCriterionFactory(call=call, name="独創性", weight=2, order=1)
    feasibility = factories.ReviewCriterionFactory(call=call, name="実現性", weight=1, order=2)
    first = factories.ProposalFactory(call=call, region=region, title=TITLE_A, status=ProposalStatus.SELECTED)
    second = factories.ProposalFactory(call=call, region=other_region, title=TITLE_B, under_review=True)
    draft = factories.ProposalFactory(region=region, title="まだ下書きの構想")
    for proposal, amounts in ((first, (480_000_000, 512_345_500)), (second, (300_000_000,))):
        for offset, amount in enumerate(amounts):
            factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2008 + offset, requested_amount=amount)
    now = timezone.now()
    other_reviewer = factories.UserFactory(reviewer=True, display_name="審査委員乙")
    scores = {  # reviewer → proposal → (originality, feasibility)
        reviewer_user: {first: (5, 4), second: (3, 3)},
        other_reviewer: {first: (4, 4), second: (2, 3)},
    }
    for reviewer, by_proposal in scores.items():
        for proposal, (score_o, score_f) in by_proposal.items():
            assignment = factories.ReviewAssignmentFactory(
                proposal=proposal,
                reviewer=reviewer,
                conflict_declared_at=now,
                submitted_at=now,
                overall_comment=f"{reviewer}の総評：{proposal.title}",
            )
            factories.ReviewFactory(assignment=assignment, criterion=originality, score=score_o, comment=INJECTION)
            factories.ReviewFactory(assignment=assignment, criterion=feasibility, score=score_f, comment="実現性は十分")
    factories.ReviewAssignmentFactory(
        proposal=first, conflict_declared_at=now, has_conflict=True, conflict_note="申請機関（札幌）と共同研究を実施中"
    )
    decision = factories.SelectionDecisionFactory(
        proposal=first,
        decision=Decision.SELECTED,
        reason="産学官の体制が優れている",
        internal_note="審査委員の評価は高いが予算枠に注意",
    )
    factories.GrantFactory(region=region, call=call, fiscal_year=2008, amount=450_000_000)
    factories.GrantFactory(region=region, call=call, fiscal_year=2009, amount=500_000_400)
    evaluation = factories.EvaluationFactory(
        region=region,
        kind=EvaluationKind.INTERIM,
        fiscal_year=2009,
        grade=Grade.S,
        recommendation=Recommendation.FOCUS,
        summary="+国際的な拠点形成が進んでいる",
        international_competitiveness="ナノ材料で世界水準",
    )
    return {
        "call": call,
        "first": first,
        "second": second,
        "draft": draft,
        "decision": decision,
        "evaluation": evaluation,
    }


def read_csv(response) -> list[dict]:
    content = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def read_xlsx(response):
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return sheet, [dict(zip(headers, row, strict=True)) for row in rows[1:]]


# --- proposals -------------------------------------------------------------------------------------


def test_the_proposal_list_exports_what_it_lists_with_labels_and_amounts(client, ministry_user, world):
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:proposal_list"), {"call": "exp-call"}).content.decode()
    csv_url = reverse("ministry:proposal_export", args=["csv"])
    assert f'href="{csv_url}?call=exp-call"' in page
    assert "この一覧の提案書のCSV（2件）" in page and "この一覧の提案書のExcel（.xlsx、2件）" in page

    response = client.get(csv_url, {"call": "exp-call"})
    assert response["Content-Type"].startswith("text/csv")
    assert "exp-call-proposals-" in response["Content-Disposition"]
    rows = {row["構想名"]: row for row in read_csv(response)}
    assert set(rows) == {TITLE_A, TITLE_B}  # never a draft, never another call
    first = rows[TITLE_A]
    assert first["状態"] == "採択" and first["結果"] == "採択" and first["類型"] == "地域特性型"
    assert first["要求額合計（円）"] == "992345500" and first["要求額合計（千円）"] == "992346"
    assert (first["初年度"], first["最終年度"]) == ("2008", "2009")
    assert first["審査委員数"] == "2" and first["提出済みの審査"] == "2"
    assert first["提案書番号"] == f"exp-call-{world['first'].pk}"

    sheet, xlsx_rows = read_xlsx(
        client.get(reverse("ministry:proposal_export", args=["xlsx"]), {"status": "under_review"})
    )
    assert sheet.title == "提案書"
    assert [row["構想名"].value for row in xlsx_rows] == [TITLE_B]
    assert xlsx_rows[0]["要求額合計（円）"].value == 300_000_000


def test_codes_on_request(client, ministry_user, world):
    client.force_login(ministry_user)
    rows = read_csv(client.get(reverse("ministry:proposal_export", args=["csv"]), {"call": "exp-call", "codes": "1"}))
    assert {row["状態"] for row in rows} == {"selected", "under_review"}


def test_an_unknown_file_type_is_not_found(client, ministry_user, world):
    client.force_login(ministry_user)
    assert client.get(reverse("ministry:proposal_export", args=["csv"]).replace(".csv", ".json")).status_code == 404
    assert client.get(reverse("ministry:decision_export", args=["exp-call", "pdf"])).status_code == 404


# --- reviews ---------------------------------------------------------------------------------------


def test_the_review_export_has_scores_comments_and_conflicts_and_is_formula_safe(client, ministry_user, world):
    client.force_login(ministry_user)
    rows = read_csv(client.get(reverse("ministry:review_export", args=["exp-call", "csv"])))
    scored = [row for row in rows if row["提案書"] == TITLE_A and row["評価項目"] == "独創性"]
    assert sorted(row["評点"] for row in scored) == ["4", "5"]
    assert all(row["コメント"] == "'" + INJECTION for row in scored)  # CSV: the apostrophe in front
    assert any(row["総評"].endswith(f"の総評：{TITLE_A}") for row in scored)
    conflict = [row for row in rows if row["利害関係"].startswith("あり")]
    assert [row["利害関係の内容"] for row in conflict] == ["申請機関（札幌）と共同研究を実施中"]

    sheet, xlsx_rows = read_xlsx(client.get(reverse("ministry:review_export", args=["exp-call", "xlsx"])))
    assert sheet.title == "審査内容"
    comment = next(row["コメント"] for row in xlsx_rows if row["評価項目"].value == "独創性")
    assert comment.value == INJECTION and comment.data_type == "s" and comment.quotePrefix  # text, never a formula
    submitted = next(row["審査提出日時"] for row in xlsx_rows if row["審査提出日時"].value)
    assert submitted.number_format == "yyyy-mm-dd hh:mm"


# --- decisions -------------------------------------------------------------------------------------


def test_the_decision_export_has_amounts_the_reason_and_the_marked_internal_note(client, ministry_user, world):
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:call_detail", args=["exp-call"])).content.decode()
    assert reverse("ministry:decision_export", args=["exp-call", "xlsx"]) in page
    assert "この公募の採択決定のExcel（.xlsx、1件）" in page
    assert reverse("ministry:review_summary", args=["exp-call"]) in page

    rows = read_csv(client.get(reverse("ministry:decision_export", args=["exp-call", "csv"])))
    assert len(rows) == 1
    row = rows[0]
    assert row["構想名"] == TITLE_A and row["結果"] == "採択" and row["審査の順位"] == "1"
    assert row["加重合計"] == "13.00"  # 2 × mean(5, 4) + 1 × mean(4, 4)
    assert row["要求額合計（千円）"] == "992346"
    assert row["交付決定額合計（円）"] == "950000400" and row["交付決定額合計（千円）"] == "950000"
    assert row["申請者に通知される理由"] == "産学官の体制が優れている"
    assert row["内部メモ（文部科学省のみ・申請者には通知されない）"] == "審査委員の評価は高いが予算枠に注意"
    decided = timezone.localtime(world["decision"].decided_at)
    assert row["決定日時"].startswith(decided.strftime("%Y-%m-%dT%H:%M")) and row["決定日時"].endswith("+09:00")

    sheet, xlsx_rows = read_xlsx(client.get(reverse("ministry:decision_export", args=["exp-call", "xlsx"])))
    assert sheet.title == "採択決定"
    assert xlsx_rows[0]["決定日時"].value.strftime("%Y-%m-%d %H:%M") == decided.strftime("%Y-%m-%d %H:%M")


# --- evaluations -----------------------------------------------------------------------------------


def test_the_evaluation_export_has_grade_support_and_comments(client, ministry_user, world):
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:evaluation_list")).content.decode()
    assert "評価のCSV（1件）" in page
    rows = read_csv(client.get(reverse("ministry:evaluation_export", args=["csv"])))
    assert rows[0]["総合評価"] == "S" and rows[0]["今後の支援"] == "重点支援" and rows[0]["評価の種類"] == "中間評価"
    assert rows[0]["評価の概要"] == "'+国際的な拠点形成が進んでいる"
    assert rows[0]["国際競争力"] == "ナノ材料で世界水準" and rows[0]["公開"] == "公開"
    sheet, xlsx_rows = read_xlsx(client.get(reverse("ministry:evaluation_export", args=["xlsx"])))
    assert sheet.title == "評価" and xlsx_rows[0]["評価の概要"].value == "+国際的な拠点形成が進んでいる"


# --- permissions -----------------------------------------------------------------------------------


def export_urls(code: str) -> list[str]:
    return [
        reverse("ministry:proposal_export", args=["csv"]),
        reverse("ministry:evaluation_export", args=["xlsx"]),
        reverse("ministry:decision_export", args=[code, "csv"]),
        reverse("ministry:review_export", args=[code, "xlsx"]),
        reverse("ministry:review_summary", args=[code]),
    ]


def test_reviewers_and_headquarters_never_get_the_exports_or_the_summary(
    client, reviewer_user, hq_user, other_hq_user, world
):
    """The applicant region's headquarters, another region's and an assigned reviewer (before and after the
    decision) are refused every file and the summary; the PDF job cannot be started either."""
    for user in (reviewer_user, hq_user, other_hq_user):
        client.force_login(user)
        for url in export_urls("exp-call"):
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(reverse("dataio:review_summary_pdf", args=["exp-call"])).status_code == 403
    assert not DataJob.objects.exists()
    client.logout()
    for url in export_urls("exp-call"):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_review_summary_pdf_job_is_the_ministrys_only(client, ministry_user, world):
    client.force_login(ministry_user)
    started = client.post(reverse("dataio:review_summary_pdf", args=["exp-call"]))
    job = DataJob.objects.get(kind=JobKind.PDF)
    assert started["Location"] == reverse("dataio:job", args=[job.pk])
    DataJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, output="dataio/exports/none")
    ministry_user.role = "administrator"  # no longer ministry staff: the reviews in full are not for them
    ministry_user.save()
    assert client.get(started["Location"]).status_code == 404
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 404


# --- the review summary ----------------------------------------------------------------------------


def test_the_printable_review_summary(client, ministry_user, world):
    client.force_login(ministry_user)
    html = client.get(reverse("ministry:review_summary", args=["exp-call"])).content.decode()
    assert "css/print.css" in html and reverse("dataio:review_summary_pdf", args=["exp-call"]) in html
    assert html.index(TITLE_A) < html.index(TITLE_B)  # rank order
    for text in ("13.00", "8.00", "992,345,500", "実現性は十分", "申請機関（札幌）と共同研究を実施中", "審査委員乙"):
        assert text in html
    assert world["draft"].title not in html


@needs_weasyprint
def test_the_review_summary_pdf_has_the_call_titles_and_amounts(
    client, ministry_user, world, django_capture_on_commit_callbacks
):
    client.force_login(ministry_user)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("dataio:review_summary_pdf", args=["exp-call"]))
    job = DataJob.objects.get(kind=JobKind.PDF, user=ministry_user)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert reverse("ministry:review_summary", args=["exp-call"]) in client.get(started["Location"]).content.decode()
    response = client.get(reverse("dataio:job_download", args=[job.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert quote("審査結果総括_exp-call.pdf") in response["Content-Disposition"]
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", "", text)
    for expected in (world["call"].title, TITLE_A, TITLE_B, "992,345,500", "300,000,000", "13.00", "実現性は十分"):
        assert re.sub(r"\s+", "", expected) in flat, expected
