"""Printed documents (README "Printing and PDF"): the annual results report (実績報告書) of a region and a
fiscal year, made by the worker, and a proposal as submitted (e-Rad style), rendered in the request.

The PDFs are read back with pypdf: the text a reader gets must carry the Japanese titles and the right
amounts (computed from the rows below, never typed in). The engine never requests anything from outside.
"""

from __future__ import annotations

import datetime
import io
import socket
from urllib.parse import quote

import pytest
from django.urls import reverse

from cluster_portal import pdf
from coordinators.annual_report import annual_report
from dataio.models import DataJob, JobKind, JobStatus
from projects.models import ExpenseCategory, OutcomeKind, ParticipationRole, ProjectBudget
from projects.services import execution as execution_services
from regions.models import ProposalStatus
from tests import factories

pytestmark = pytest.mark.django_db

needs_weasyprint = pytest.mark.skipif(
    bool(pdf.unavailable_reason()), reason=pdf.unavailable_reason() or "WeasyPrint available"
)

FISCAL_YEAR = 2008
TITLES = ("燃料電池用ナノ材料の共同研究", "光センサーによる医療診断システム")


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """The extracted text without line breaks and spaces (a long title may wrap inside a table cell)."""
    return "".join(text.split())


def digits(amount: int) -> str:
    return f"{amount:,}"


@pytest.fixture
def report_world(region, other_region):
    """Region ``region`` in FY2008: two projects with participants, allocations and expenditures in several
    categories, patents, a paper, an event and a coordinator's activity; and another region's project."""
    grant = factories.GrantFactory(region=region, fiscal_year=FISCAL_YEAR, amount=300_000_000)
    university = factories.OrganizationFactory(name="北海道テスト大学")
    company = factories.OrganizationFactory(company=True, name="株式会社テスト光学")
    projects = []
    spending = (
        [(ExpenseCategory.EQUIPMENT, 12_345_678), (ExpenseCategory.PERSONNEL, 3_000_001)],
        [(ExpenseCategory.EQUIPMENT, 7_654_321), (ExpenseCategory.TRAVEL, 456_789)],
    )
    for index, title in enumerate(TITLES):
        project = factories.ProjectFactory(region=region, code=f"RPT-{index}", title=title)
        factories.ParticipationFactory(project=project, organization=university, role=ParticipationRole.LEAD_UNIVERSITY)
        factories.ParticipationFactory(project=project, organization=company, role=ParticipationRole.COMPANY)
        budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=100_000_000 + index * 23_456)
        for category, amount in spending[index]:
            factories.ExpenditureFactory(budget=budget, category=category, amount=amount)
        execution_services.budget_recompute_executed(budget_pk=budget.pk)
        projects.append(project)
    factories.OutcomeFactory(
        project=projects[0],
        kind=OutcomeKind.PATENT_APPLICATION,
        title="ナノ粒子の製造方法",
        application_number="特願2008-123456",
        occurred_on=datetime.date(2008, 10, 1),
    )
    factories.OutcomeFactory(
        project=projects[1],
        kind=OutcomeKind.PAPER,
        title="光センサーの感度向上",
        doi="10.1234/cluster.2008.42",
        occurred_on=datetime.date(2009, 1, 15),
    )
    factories.EventFactory(region=region, title="札幌クラスターフォーラム2008", starts_on=datetime.date(2008, 11, 20))
    coordinator = factories.CoordinatorFactory(region=region, name="目利き 太郎")
    activity = factories.CoordinationActivityFactory(coordinator=coordinator, title="企業ニーズ面談（光学）")
    activity.organizations.add(company)
    other = factories.ProjectFactory(region=other_region, code="OTHER-1", title="他地域の共同研究テーマ")
    factories.ProjectBudgetFactory(
        project=other, grant=factories.GrantFactory(region=other_region, fiscal_year=FISCAL_YEAR)
    )
    return {"grant": grant, "projects": projects}


def expected_totals(region) -> tuple[int, int]:
    budgets = ProjectBudget.objects.filter(project__region=region, grant__fiscal_year=FISCAL_YEAR)
    return sum(b.allocated for b in budgets), sum(b.executed for b in budgets)


def make_report_pdf(client, user, region, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dataio:annual_report_pdf", args=[region.slug, FISCAL_YEAR]))
    assert response.status_code == 302
    job = DataJob.objects.get(user=user, kind=JobKind.PDF)
    assert response["Location"] == reverse("dataio:job", args=[job.pk])
    return job


# --- the annual results report -------------------------------------------------------------------


def test_report_totals_equal_the_budget_overview(client, hq_user, region, report_world):
    client.force_login(hq_user)
    overview = client.get(reverse("workspace:budget_overview"))
    _grant, _rows, totals = next(year for year in overview.context["years"] if year[0].fiscal_year == FISCAL_YEAR)
    report = annual_report(region, FISCAL_YEAR)
    assert (report.totals.allocated, report.totals.executed) == (totals.allocated, totals.executed)
    assert report.totals.by_category == totals.by_category
    assert (report.totals.allocated, report.totals.executed) == expected_totals(region)


def test_headquarters_print_their_report_from_the_dashboard(client, hq_user, region, report_world):
    client.force_login(hq_user)
    dashboard = client.get(reverse("workspace:dashboard"), {"fy": FISCAL_YEAR}).content.decode()
    url = reverse("workspace:annual_report")
    assert f'href="{url}?fy={FISCAL_YEAR}"' in dashboard
    page = client.get(url, {"fy": FISCAL_YEAR})
    assert page.status_code == 200
    html = page.content.decode()
    allocated, executed = expected_totals(region)
    shown = (*TITLES, "北海道テスト大学", "特願2008-123456", "10.1234/cluster.2008.42", "札幌クラスターフォーラム2008")
    for text in shown:
        assert text in html
    assert digits(allocated) in html and digits(executed) in html
    assert "他地域の共同研究テーマ" not in html
    assert "css/print.css" in html and "PDFを作成" in html
    assert client.get(url, {"fy": 1999}).status_code == 404  # no grant that year


@needs_weasyprint
def test_the_report_pdf_is_made_by_the_worker_with_the_projects_and_totals(
    client, hq_user, region, report_world, django_capture_on_commit_callbacks
):
    job = make_report_pdf(client, hq_user, region, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    page = client.get(reverse("dataio:job", args=[job.pk])).content.decode()
    download_url = reverse("dataio:job_download", args=[job.pk])
    assert download_url in page
    response = client.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert quote(f"実績報告書_{region.name}_{FISCAL_YEAR}年度.pdf") in response["Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content))
    allocated, executed = expected_totals(region)
    equipment = 12_345_678 + 7_654_321
    for expected in (*TITLES, "特願2008-123456", "10.1234/cluster.2008.42", "目利き 太郎"):
        assert flat(expected) in flat(text)
    for amount in (allocated, executed, equipment, report_world["grant"].amount):
        assert digits(amount) in text
    assert "他地域の共同研究テーマ" not in flat(text)
    assert "1 / " in text  # page numbers n / N


def test_the_job_page_waits_while_the_worker_has_not_run(client, hq_user, region, report_world):
    client.force_login(hq_user)
    response = client.post(reverse("dataio:annual_report_pdf", args=[region.slug, FISCAL_YEAR]))
    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "開始を待っています" in page
    job = DataJob.objects.get(kind=JobKind.PDF)
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 404


def test_a_get_starts_no_pdf(client, hq_user, region, report_world):
    client.force_login(hq_user)
    assert client.get(reverse("dataio:annual_report_pdf", args=[region.slug, FISCAL_YEAR])).status_code == 405
    assert not DataJob.objects.exists()


def test_other_regions_headquarters_get_404(client, other_hq_user, region, report_world):
    client.force_login(other_hq_user)
    assert client.post(reverse("dataio:annual_report_pdf", args=[region.slug, FISCAL_YEAR])).status_code == 404
    assert not DataJob.objects.exists()
    ministry_page = reverse("ministry:annual_report", args=[region.slug, FISCAL_YEAR])
    assert client.get(ministry_page).status_code in (403, 404)


@needs_weasyprint
def test_the_ministry_reads_every_regions_report(
    client, ministry_user, hq_user, region, report_world, django_capture_on_commit_callbacks
):
    client.force_login(ministry_user)
    grant_page = client.get(reverse("ministry:grant_detail", args=[report_world["grant"].pk])).content.decode()
    url = reverse("ministry:annual_report", args=[region.slug, FISCAL_YEAR])
    assert url in grant_page
    html = client.get(url).content.decode()
    assert all(title in html for title in TITLES)
    job = make_report_pdf(client, ministry_user, region, django_capture_on_commit_callbacks)
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 200
    client.force_login(hq_user)  # the ministry's job is the ministry's own
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 404


def test_a_job_of_a_user_moved_to_another_region_is_no_longer_downloadable(
    client, hq_user, region, other_region, report_world, django_capture_on_commit_callbacks
):
    client.force_login(hq_user)
    response = client.post(reverse("dataio:annual_report_pdf", args=[region.slug, FISCAL_YEAR]))
    job = DataJob.objects.get(kind=JobKind.PDF)
    DataJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, output="dataio/exports/none")
    hq_user.headquarters = factories.HeadquartersFactory(region=other_region)
    hq_user.save()
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 404


# --- the proposal as submitted -------------------------------------------------------------------


@pytest.fixture
def proposal(region):
    proposal = factories.ProposalFactory(
        region=region, status=ProposalStatus.SUBMITTED, title="さっぽろバイオクラスター構想「Bio-S」"
    )
    proposal.submitted_at = datetime.datetime(2008, 5, 20, 14, 30, tzinfo=datetime.UTC)
    proposal.save()
    for offset, amount in enumerate((480_000_000, 512_345_000, 499_999_999)):
        factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2008 + offset, requested_amount=amount)
    proposal.participants.add(factories.OrganizationFactory(name="札幌テスト医科大学"))
    factories.ProposalAttachmentFactory(proposal=proposal, original_name="構想調書.pdf")
    return proposal


@needs_weasyprint
def test_the_proposal_pdf_has_its_title_amounts_and_attachments(
    client, ministry_user, proposal, django_capture_on_commit_callbacks
):
    client.force_login(ministry_user)
    detail = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    print_url = reverse("proposals:print", args=[proposal.pk])
    assert print_url in detail
    assert reverse("dataio:proposal_pdf", args=[proposal.pk]) in client.get(print_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("dataio:proposal_pdf", args=[proposal.pk]))
    job = DataJob.objects.get(kind=JobKind.PDF, user=ministry_user)
    assert started["Location"] == reverse("dataio:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert print_url in client.get(started["Location"]).content.decode()  # back to the printable page
    response = client.get(reverse("dataio:job_download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert quote(f"提案書_{proposal.region.name}_{proposal.call.code}.pdf") in response["Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content))
    lines = list(proposal.budget_lines.all())
    assert flat(proposal.title) in flat(text)
    for amount in [line.requested_amount for line in lines] + [sum(line.requested_amount for line in lines)]:
        assert digits(amount) in text
    for expected in (proposal.call.title, "札幌テスト医科大学", "構想調書.pdf", "2008年5月20日"):
        assert flat(expected) in flat(text)


def test_the_printable_proposal_page(client, hq_user, proposal):
    client.force_login(hq_user)
    html = client.get(reverse("proposals:print", args=[proposal.pk])).content.decode()
    assert proposal.title in html and digits(proposal.requested_total()) in html
    assert "css/print.css" in html and "構想調書.pdf" in html


def test_a_draft_is_printed_only_by_its_region(client, hq_user, ministry_user, proposal):
    proposal.status = ProposalStatus.DRAFT
    proposal.save()
    client.force_login(ministry_user)
    assert client.get(reverse("proposals:print", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("dataio:proposal_pdf", args=[proposal.pk])).status_code == 404
    assert not DataJob.objects.exists()
    client.force_login(hq_user)
    assert client.get(reverse("proposals:print", args=[proposal.pk])).status_code == 200
    assert client.post(reverse("dataio:proposal_pdf", args=[proposal.pk])).status_code == 302


def test_a_proposal_pdf_job_follows_the_proposal_back_to_draft(client, ministry_user, proposal):
    """The download checks the permission again: a proposal no longer submitted is the region's own again."""
    client.force_login(ministry_user)
    started = client.post(reverse("dataio:proposal_pdf", args=[proposal.pk]))
    job = DataJob.objects.get(kind=JobKind.PDF)
    DataJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, output="dataio/exports/none")
    type(proposal).objects.filter(pk=proposal.pk).update(status=ProposalStatus.DRAFT)
    assert client.get(started["Location"]).status_code == 404
    assert client.get(reverse("dataio:job_download", args=[job.pk])).status_code == 404


def test_reviewers_and_other_regions_cannot_print_a_proposal(client, reviewer_user, other_hq_user, proposal):
    """An assigned reviewer reads the proposal on its page (so is told 403 here); another region never knows it."""
    factories.ReviewAssignmentFactory(proposal=proposal, reviewer=reviewer_user)
    for user, status in ((reviewer_user, 403), (other_hq_user, 404)):
        client.force_login(user)
        assert client.get(reverse("proposals:print", args=[proposal.pk])).status_code == status
        assert client.post(reverse("dataio:proposal_pdf", args=[proposal.pk])).status_code == status
    assert not DataJob.objects.exists()


# --- the engine ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/style.css",
        "http://127.0.0.1:8000/static/css/print.css",
        "file:///etc/passwd",
        pdf.BASE_URL + "media/secret.pdf",
        pdf.BASE_URL + "static/../../cluster_portal/settings.py",
    ],
)
def test_the_fetcher_refuses_anything_but_the_projects_static_files(url):
    with pytest.raises(pdf.ExternalRequestRefused):
        pdf.fetch_static(url)


def test_the_fetcher_serves_the_print_stylesheet():
    content, mime_type = pdf.fetch_static(pdf.BASE_URL + "static/css/print.css")
    assert b"@page" in content and mime_type == "text/css"


@needs_weasyprint
def test_rendering_makes_no_network_connection(monkeypatch):
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    content = pdf.html_to_pdf(
        '<html lang="ja"><link rel="stylesheet" href="https://example.com/x.css">'
        '<body><img src="http://example.com/logo.png" alt=""><p>日本語の本文</p></body></html>'
    )
    assert "日本語の本文" in pdf_text(content)
    assert attempts == []


@pytest.mark.parametrize(
    ("filename", "ascii_part"),
    [
        ("提案書_札幌地域_2008.pdf", 'filename="2008.pdf"'),
        ('a"b;c\r\n.pdf', 'filename="abc.pdf"'),
        ("report.pdf", 'filename="report.pdf"'),
    ],
)
def test_the_download_name_is_safe_and_keeps_japanese(filename, ascii_part):
    header = pdf.content_disposition(filename)
    assert header.startswith("attachment; ") and ascii_part in header
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 2
    kept = filename.replace('"', "").replace(";", "").replace("\r\n", "")
    assert header.endswith("filename*=UTF-8''" + quote(kept, safe=""))
