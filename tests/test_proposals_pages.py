"""Headquarters proposal pages: drafting, bad input, attachments, submission, withdrawal and who may see what."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cluster_portal.models import TransitionLog
from regions.models import Proposal, ProposalAttachment, ProposalBudgetLine, ProposalStatus
from tests import factories
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget, proposal_post_data

pytestmark = pytest.mark.django_db

PDF = factories.PDF_BYTES


def zip_bytes(entry: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, "<xml/>")
    return buffer.getvalue()


@pytest.fixture
def call(db):
    return open_call_with_budget()


@pytest.fixture
def draft(call, region, hq_user):
    proposal = factories.ProposalFactory(call=call, region=region, created_by=hq_user)
    for year in range(call.fiscal_year, call.fiscal_year + 5):
        factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=year, requested_amount=100_000_000)
    return proposal


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, proposal, name, content, content_type="application/pdf"):
    return client.post(
        reverse("proposals:attachment_upload", args=[proposal.pk]),
        opened({"file": SimpleUploadedFile(name, content, content_type=content_type)}),
        follow=True,
    )


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("proposals:list", []),
        ("proposals:detail", ["pk"]),
        ("proposals:edit", ["pk"]),
        ("proposals:attachment", ["pk", "attachment"]),
    ],
)
def test_anonymous_users_are_sent_to_login(client, draft, name, args):
    attachment = factories.ProposalAttachmentFactory(proposal=draft)
    values = {"pk": draft.pk, "attachment": attachment.pk}
    url = reverse(name, args=[values[arg] for arg in args])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["proposals:submit", "proposals:withdraw", "proposals:attachment_upload"])
def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, draft, name):
    response = client.post(reverse(name, args=[draft.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


@pytest.mark.parametrize(
    "name, method",
    [
        ("proposals:detail", "get"),
        ("proposals:edit", "get"),
        ("proposals:submit", "post"),
        ("proposals:withdraw", "post"),
        ("proposals:attachment_upload", "post"),
    ],
)
def test_hq_user_cannot_see_other_regions_proposal(client, draft, other_hq_user, name, method):
    client.force_login(other_hq_user)
    response = getattr(client, method)(reverse(name, args=[draft.pk]))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


def test_hq_user_cannot_download_other_regions_attachment(client, draft, other_hq_user):
    attachment = factories.ProposalAttachmentFactory(proposal=draft)
    client.force_login(other_hq_user)
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_reviewer_cannot_open_unassigned_proposal(client, draft, reviewer_user):
    client.force_login(reviewer_user)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_reviewer_cannot_use_the_headquarters_list(client, reviewer_user):
    client.force_login(reviewer_user)
    assert client.get(reverse("proposals:list")).status_code == 403


def test_ministry_user_neither_sees_nor_edits_nor_submits_a_regions_draft(client, draft, ministry_user):
    client.force_login(ministry_user)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("proposals:edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("proposals:submit", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


def test_hq_list_shows_only_own_region_and_open_calls(client, draft, hq_user, other_region, call):
    other = factories.ProposalFactory(call=call, region=other_region, title="他地域の構想")
    second_call = open_call_with_budget()
    client.force_login(hq_user)
    page = client.get(reverse("proposals:list")).content.decode()
    assert draft.title in page
    assert other.title not in page
    assert reverse("proposals:create", args=[second_call.code]) in page
    assert reverse("proposals:create", args=[call.code]) not in page  # already applied


def test_proposal_list_query_count_does_not_grow_with_rows(client, hq_user, region, django_assert_max_num_queries):
    client.force_login(hq_user)
    for _ in range(3):
        factories.ProposalFactory(region=region)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("proposals:list")).status_code == 200
    for _ in range(20):
        factories.ProposalFactory(region=region)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("proposals:list")).status_code == 200


# --- drafting and bad input ----------------------------------------------------------------------


def test_draft_keeps_input_on_validation_error_and_saves_nothing(client, call, hq_user):
    client.force_login(hq_user)
    data = proposal_post_data(call, title="", amount_2030="-5", amount_2031="abc")
    response = client.post(reverse("proposals:create", args=[call.code]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "要求額は0円以上の整数（円）で入力してください。" in page
    assert "光技術の研究シーズを地域企業の事業化につなげる。" in page  # the user's text is kept
    assert 'value="abc"' in page
    assert 'aria-describedby="id_amount_2030_error"' in page or "id_amount_2030_error" in page
    assert not Proposal.objects.exists()
    assert not ProposalBudgetLine.objects.exists()


@pytest.mark.parametrize("amount", ["-1", "1.5", "１０万", "1e9", ""])
def test_requested_amounts_must_be_non_negative_integers(client, draft, hq_user, amount):
    client.force_login(hq_user)
    data = proposal_post_data(draft.call, amount_2030=amount)
    response = client.post(reverse("proposals:edit", args=[draft.pk]), opened(data, obj=draft))
    if amount == "":
        # An empty year is allowed in a draft (the line is removed); submission needs a plan.
        assert response.status_code == 302
        assert not draft.budget_lines.filter(fiscal_year=2030).exists()
        return
    assert response.status_code == 400
    assert draft.budget_lines.get(fiscal_year=2030).requested_amount == 100_000_000
    draft.refresh_from_db()
    assert draft.title != "浜松オプトロニクスクラスター構想"


def test_edit_accepts_amounts_with_commas_and_full_width_digits(client, draft, hq_user):
    client.force_login(hq_user)
    data = proposal_post_data(draft.call, amount_2030="１２３，０００")
    response = client.post(reverse("proposals:edit", args=[draft.pk]), opened(data, obj=draft))
    assert response.status_code == 302
    assert draft.budget_lines.get(fiscal_year=2030).requested_amount == 123_000


def test_cannot_create_proposal_outside_call_dates(client, hq_user):
    closed = factories.CallFactory(opens_on=datetime.date(2008, 4, 1), closes_on=datetime.date(2008, 5, 31))
    client.force_login(hq_user)
    response = client.post(reverse("proposals:create", args=[closed.code]), proposal_post_data(closed), follow=True)
    assert "この公募は受付期間外のため、提案書を作成できません。" in response.content.decode()
    assert not Proposal.objects.exists()


def test_submitting_outside_call_dates_is_refused_with_a_message(client, draft, hq_user):
    call = draft.call
    call.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    call.opens_on = call.closes_on - datetime.timedelta(days=30)
    call.save()
    client.force_login(hq_user)
    response = client.post(reverse("proposals:submit", args=[draft.pk]), follow=True)
    assert "受付期間" in response.content.decode() and "外のため提出できません" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT
    assert draft.submitted_at is None
    assert not TransitionLog.for_object(draft).exists()


def test_submit_without_the_required_attachment_is_refused(client, draft, hq_user):
    client.force_login(hq_user)
    response = client.post(reverse("proposals:submit", args=[draft.pk]), follow=True)
    assert "添付ファイル（PDF・Word・Excel）を1つ以上添付してから提出してください" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at) == (ProposalStatus.DRAFT, None)


def test_submit_locks_editing_and_withdraw_is_allowed_before_decision(client, draft, hq_user):
    client.force_login(hq_user)
    upload(client, draft, "plan.pdf", factories.PDF_BYTES)
    client.post(reverse("proposals:submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SUBMITTED
    response = client.post(
        reverse("proposals:edit", args=[draft.pk]), opened(proposal_post_data(draft.call), obj=draft), follow=True
    )
    assert "「提出済み」の提案書は編集できません。" in response.content.decode()
    response = client.post(reverse("proposals:withdraw", args=[draft.pk]), {"reason": "体制を見直すため"})
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.WITHDRAWN
    log = TransitionLog.for_object(draft).last()
    assert (log.target_state, log.actor, log.reason) == ("withdrawn", hq_user, "体制を見直すため")


def test_withdraw_after_decision_is_an_illegal_transition(client, draft, hq_user):
    draft.status = ProposalStatus.SELECTED
    draft.save()
    client.force_login(hq_user)
    response = client.post(reverse("proposals:withdraw", args=[draft.pk]), follow=True)
    assert "「採択」から「取り下げ」へは変更できません。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SELECTED


def test_submission_without_a_plan_is_refused(client, call, region, hq_user):
    proposal = factories.ProposalFactory(call=call, region=region)
    client.force_login(hq_user)
    response = client.post(reverse("proposals:submit", args=[proposal.pk]), follow=True)
    assert "5か年計画の年度別要求額を入力してから提出してください。" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_stale_edit_is_refused_and_keeps_the_newer_version(client, draft, hq_user):
    client.force_login(hq_user)
    opened_at = draft.version  # the form is opened ...
    first = opened(proposal_post_data(draft.call, title="先に保存した題名"), obj=draft)
    assert client.post(reverse("proposals:edit", args=[draft.pk]), first).status_code == 302  # ... someone saves
    data = opened(proposal_post_data(draft.call, title="古い画面からの保存"), version=opened_at)
    response = client.post(reverse("proposals:edit", args=[draft.pk]), data)
    assert response.status_code == 409  # the conflict page, both versions side by side
    page = response.content.decode()
    assert "古い画面からの保存" in page and "先に保存した題名" in page
    draft.refresh_from_db()
    assert draft.title == "先に保存した題名"


# --- attachments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("計画書.pdf", PDF, "pdf"),
        ("計画書.docx", zip_bytes("word/document.xml"), "docx"),
        ("予算.xlsx", zip_bytes("xl/workbook.xml"), "xlsx"),
        ("旧形式.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "xls"),
    ],
)
def test_pdf_word_and_excel_attachments_are_accepted_by_content(client, draft, hq_user, name, content, kind):
    client.force_login(hq_user)
    upload(client, draft, name, content)
    attachment = ProposalAttachment.objects.get(proposal=draft)
    assert (attachment.kind, attachment.original_name, attachment.size) == (kind, name, len(content))
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize(
    "name, content",
    [
        ("偽物.pdf", b"MZ\x90\x00 this is an executable"),
        ("script.pdf", b"<script>alert(1)</script>"),
        ("archive.docx", zip_bytes("other/file.txt")),
        ("broken.xlsx", b"PK\x03\x04 not really a zip"),
        ("empty.pdf", b""),
    ],
)
def test_non_office_file_renamed_pdf_is_rejected_and_nothing_saved(client, draft, hq_user, name, content):
    client.force_login(hq_user)
    response = upload(client, draft, name, content)
    page = response.content.decode()
    expected = "ファイルは空です" if not content else "PDF、Word、Excel のファイルだけを添付できます"
    assert expected in page
    assert not ProposalAttachment.objects.exists()


def test_oversized_attachment_is_rejected_and_nothing_saved(client, draft, hq_user, settings):
    settings.PROPOSAL_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(hq_user)
    response = upload(client, draft, "大きい.pdf", PDF + b"0" * 2048)
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not ProposalAttachment.objects.exists()


def test_attachment_download_is_forced_and_not_sniffed(client, draft, hq_user, ministry_user):
    attachment = factories.ProposalAttachmentFactory(proposal=draft, original_name="計画書.pdf")
    draft.status = ProposalStatus.SUBMITTED  # the ministry sees it from its submission on
    draft.save()
    for user in (hq_user, ministry_user):
        client.force_login(user)
        response = client.get(attachment.get_absolute_url())
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_attachments_cannot_be_added_after_submission(client, draft, hq_user):
    draft.status = ProposalStatus.SUBMITTED
    draft.save()
    client.force_login(hq_user)
    response = upload(client, draft, "追加.pdf", PDF)
    assert "「提出済み」の提案書は編集できません。" in response.content.decode()
    assert not ProposalAttachment.objects.exists()


def test_applicant_can_delete_a_draft_attachment(client, draft, hq_user, django_capture_on_commit_callbacks):
    client.force_login(hq_user)
    upload(client, draft, "計画書.pdf", PDF)
    attachment = ProposalAttachment.objects.get()
    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("proposals:attachment_delete", args=[draft.pk, attachment.pk]))
    assert not ProposalAttachment.objects.exists()
    assert not storage.exists(name)
