"""Every notification kind end to end through the outbox: the change writes the row, the delivery task
sends the mail after the commit (locmem backend) to the right people, with a link to the page, as
plain text plus HTML; and the recipient sees it on their notifications page."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import DeliveryStatus, Notification
from projects.models import ReportStatus
from projects.services import reports as report_services
from regions.services import grants as grant_services
from regions.services import proposals as proposal_services
from regions.services import reviews as review_services
from regions.services import selection as selection_services
from tests import factories

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.go.jp"
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def hq_staff(region, username):
    return factories.UserFactory(hq=True, username=username, headquarters=factories.HeadquartersFactory(region=region))


def sent_to(email):
    return [message for message in mail.outbox if email in message.to]


def assert_delivered(user, kind, path, *, subject_has=""):
    messages = sent_to(user.email)
    assert len(messages) == 1, [m.subject for m in mail.outbox]
    message = messages[0]
    assert subject_has in message.subject
    assert SITE + path in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and SITE + path in html
    row = Notification.objects.get(recipient=user, kind=kind)
    assert row.status == DeliveryStatus.SENT and row.url == path


# --- each kind ------------------------------------------------------------------------------------


def test_reviewer_assigned(ministry_user, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(submitted=True)
    reviewer = factories.UserFactory(reviewer=True, username="rev-a")
    with django_capture_on_commit_callbacks(execute=True):
        assignment = review_services.assignment_create(user=ministry_user, proposal=proposal, reviewer=reviewer)
    assert_delivered(
        reviewer, "review_assigned", reverse("reviews:detail", args=[assignment.pk]), subject_has=proposal.title
    )
    assert not sent_to(ministry_user.email)


def test_reviewer_reminded(ministry_user, django_capture_on_commit_callbacks):
    assignment = factories.ReviewAssignmentFactory(reviewer=factories.UserFactory(reviewer=True, username="late"))
    with django_capture_on_commit_callbacks(execute=True):
        assert len(review_services.reviewers_remind(user=ministry_user, call=assignment.proposal.call).sent) == 1
    assert_delivered(assignment.reviewer, "review_reminder", reverse("reviews:list"))
    assert assignment.proposal.title in sent_to(assignment.reviewer.email)[0].body


def test_review_deadline_near_is_sent_once(django_capture_on_commit_callbacks):
    call = factories.CallFactory(review_closes_on=TODAY + datetime.timedelta(days=3))
    open_one = factories.ReviewAssignmentFactory(proposal__call=call)
    done = factories.ReviewAssignmentFactory(proposal__call=call, submitted_at=timezone.now())
    conflicted = factories.ReviewAssignmentFactory(proposal__call=call, conflicted=True)
    for _ in range(2):  # cron runs it again: nothing new
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", date=TODAY, stdout=io.StringIO())
    assert_delivered(open_one.reviewer, "review_deadline", reverse("reviews:list"), subject_has="3日")
    assert not sent_to(done.reviewer.email) and not sent_to(conflicted.reviewer.email)


def test_conflict_lift_request_alerts_the_ministry_and_the_decision_reaches_the_reviewer(
    ministry_user, django_capture_on_commit_callbacks
):
    reviewer = factories.UserFactory(reviewer=True, username="lifter")
    assignment = factories.ReviewAssignmentFactory(reviewer=reviewer, conflicted=True)
    proposal = assignment.proposal
    with django_capture_on_commit_callbacks(execute=True):
        lift = review_services.conflict_lift_request(user=reviewer, assignment=assignment, reason="機関名の取り違え")
    assert_delivered(
        ministry_user,
        "conflict_lift_requested",
        reverse("ministry:review_read", args=[proposal.call.code]),
        subject_has=proposal.title,
    )
    assert "機関名の取り違え" in sent_to(ministry_user.email)[0].body
    assert not sent_to(reviewer.email)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review_services.conflict_lift_decide(user=ministry_user, lift=lift, approve=False, comment="共同研究は継続中")
    assert_delivered(reviewer, "conflict_lift_decided", reverse("reviews:detail", args=[assignment.pk]))
    body = sent_to(reviewer.email)[0].body
    assert "却下されました" in body and "共同研究は継続中" in body


def test_proposal_submitted_receipt_and_ministry_alert(ministry_user, region, django_capture_on_commit_callbacks):
    author = hq_staff(region, "author")
    colleague = hq_staff(region, "colleague")
    outsider = hq_staff(factories.RegionFactory(), "outsider")
    call = factories.CallFactory(opens_on=TODAY, closes_on=TODAY + datetime.timedelta(days=30))
    proposal = factories.ProposalFactory(call=call, region=region, created_by=author)
    line = factories.ProposalBudgetLineFactory(proposal=proposal)
    factories.CallBudgetFactory(call=call, fiscal_year=line.fiscal_year)  # the plan fits the call's envelope
    factories.ProposalAttachmentFactory(proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.proposal_submit(user=author, proposal=proposal, today=TODAY)
    path = proposal.get_absolute_url()
    assert_delivered(author, "proposal_received", path, subject_has="受け付けました")
    assert_delivered(colleague, "proposal_received", path)
    assert_delivered(ministry_user, "proposal_submitted", path, subject_has=proposal.title)
    assert not sent_to(outsider.email)


def test_decision_notified_only_at_the_notify_step(ministry_user, hq_user, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(region=hq_user.headquarters.region, under_review=True)
    with django_capture_on_commit_callbacks(execute=True):
        decision = selection_services.proposal_decide(
            user=ministry_user, proposal=proposal, decision="not_selected", reason="計画の具体性が不足"
        )
    assert not mail.outbox and not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.decision_notify(user=ministry_user, decision=decision)
    assert_delivered(hq_user, "decision_notified", proposal.get_absolute_url(), subject_has="不採択")
    assert "計画の具体性が不足" in mail.outbox[0].body


def test_grant_registered_and_amended(ministry_user, hq_user, django_capture_on_commit_callbacks):
    region = hq_user.headquarters.region
    budget = factories.CallBudgetFactory(fiscal_year=2008)
    factories.selected_region(budget.call, region=region)
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_services.grant_create(
            user=ministry_user, region=region, call=budget.call, fiscal_year=2008, amount=100_000_000
        )
    assert_delivered(hq_user, "grant_registered", reverse("workspace:budget_overview"), subject_has="2008")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grant_services.grant_amend(user=ministry_user, grant=grant, new_amount=90_000_000, reason="予算の見直し")
    message = sent_to(hq_user.email)[0]
    assert "予算の見直し" in message.body and "90,000,000" in message.body


def test_report_submitted_returned_and_accepted(ministry_user, hq_user, django_capture_on_commit_callbacks):
    project = factories.ProjectFactory(region=hq_user.headquarters.region)
    report = factories.ProgressReportFactory(project=project)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_submit(user=hq_user, report_pk=report.pk)
    assert_delivered(ministry_user, "report_submitted", reverse("workspace:report_review", args=[report.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_review(user=ministry_user, report_pk=report.pk, accept=False, comment="数値の根拠を")
    assert_delivered(hq_user, "report_returned", reverse("workspace:report_detail", args=[report.pk]))
    assert "数値の根拠を" in sent_to(hq_user.email)[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_submit(user=hq_user, report_pk=report.pk)
        report_services.report_review(user=ministry_user, report_pk=report.pk, accept=True)
    assert [m.subject for m in sent_to(hq_user.email)] == [f"【受理】進捗報告「{project.code} {project.title}」"]


def test_report_due_and_overdue_each_once(hq_user, django_capture_on_commit_callbacks):
    project = factories.ProjectFactory(region=hq_user.headquarters.region)
    due_soon = factories.ProgressReportFactory(project=project, due_on=TODAY + datetime.timedelta(days=5))
    late = factories.ProgressReportFactory(project=project, half="H2", due_on=TODAY - datetime.timedelta(days=1))
    factories.ProgressReportFactory(
        project=project, fiscal_year=2009, due_on=TODAY + datetime.timedelta(days=5), status=ReportStatus.SUBMITTED
    )
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", date=TODAY, stdout=io.StringIO())
    subjects = sorted(m.subject for m in sent_to(hq_user.email))
    assert len(subjects) == 2
    assert any("提出期限まで5日" in s for s in subjects) and any("提出期限超過" in s for s in subjects)
    assert Notification.objects.get(kind="report_due").url == reverse("workspace:report_detail", args=[due_soon.pk])
    assert Notification.objects.get(kind="report_overdue").url == reverse("workspace:report_detail", args=[late.pk])


def test_call_closing_reaches_regions_with_a_draft(django_capture_on_commit_callbacks):
    call = factories.CallFactory(opens_on=TODAY - datetime.timedelta(days=30), closes_on=TODAY + datetime.timedelta(2))
    drafting = factories.RegionFactory()
    submitted = factories.RegionFactory()
    writer = hq_staff(drafting, "writer")
    done = hq_staff(submitted, "done")
    factories.ProposalFactory(call=call, region=drafting)
    factories.ProposalFactory(call=call, region=submitted, submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", date=TODAY, stdout=io.StringIO())
    assert_delivered(writer, "call_closing", reverse("proposals:list"), subject_has="2日")
    assert not sent_to(done.email)


# --- language, muting, the portal page ------------------------------------------------------------


def test_english_user_gets_english_mail(ministry_user, hq_user, django_capture_on_commit_callbacks):
    hq_user.language = "en"
    hq_user.save()
    report = factories.ProgressReportFactory(project=factories.ProjectFactory(region=hq_user.headquarters.region))
    report.status = ReportStatus.SUBMITTED
    report.save()
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_review(user=ministry_user, report_pk=report.pk, accept=False, comment="再確認")
    message = sent_to(hq_user.email)[0]
    assert message.subject.startswith("[Returned] Progress report")
    assert "returned" in message.body and "再確認" in message.body
    assert Notification.objects.get(recipient=hq_user).language == "en"


def test_muted_kind_is_listed_but_not_mailed_and_essential_kinds_cannot_be_muted(
    client, ministry_user, hq_user, django_capture_on_commit_callbacks
):
    client.force_login(hq_user)
    response = client.post(reverse("notifications:settings"), {"language": "ja", "mailed": []})
    assert response.status_code == 302
    report = factories.ProgressReportFactory(project=factories.ProjectFactory(region=hq_user.headquarters.region))
    for accept in (True, False):
        report.status = ReportStatus.SUBMITTED
        report.save()
        with django_capture_on_commit_callbacks(execute=True):
            report_services.report_review(user=ministry_user, report_pk=report.pk, accept=accept, comment="確認")
        report.refresh_from_db()
    # accepted is muted (listed, not mailed); returned is essential (mailed anyway)
    assert [m.subject.split("】")[0] for m in sent_to(hq_user.email)] == ["【差し戻し"]
    assert Notification.objects.get(kind="report_accepted").status == DeliveryStatus.SKIPPED
    page = client.get(reverse("notifications:list")).content.decode()
    assert "【受理】" in page and "【差し戻し】" in page and "メール送信なし" in page


def test_notifications_page_shows_only_own_and_marks_read(client, hq_user, other_hq_user, ministry_user):
    mine = Notification.objects.create(
        kind="report_accepted", recipient=hq_user, subject="自分の通知", body_text="本文", url="/workspace/reports/"
    )
    Notification.objects.create(kind="report_accepted", recipient=other_hq_user, subject="他地域の通知", body_text="x")
    client.force_login(hq_user)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "自分の通知" in page and "他地域の通知" not in page
    assert "未読 1件" in client.get(reverse("home")).content.decode()
    others = Notification.objects.get(recipient=other_hq_user)
    assert client.get(reverse("notifications:open", args=[others.pk])).status_code == 404
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/workspace/reports/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "未読 1件" not in client.get(reverse("home")).content.decode()


def test_notification_pages_need_sign_in(client):
    for name in ("notifications:list", "notifications:settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- faults that must be survived ---------------------------------------------------------------


def test_smtp_refusing_keeps_the_decision_and_sends_later(
    client, ministry_user, hq_user, django_capture_on_commit_callbacks
):
    proposal = factories.ProposalFactory(region=hq_user.headquarters.region, under_review=True)
    decision = factories.SelectionDecisionFactory(proposal=proposal, decided_by=ministry_user)
    client.force_login(ministry_user)
    refusing = override_settings(EMAIL_BACKEND="tests.mail_backends.RefusingBackend")
    with refusing, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ministry:decision_notify", args=[proposal.pk]), follow=True)
    assert response.status_code == 200
    assert "採択の結果を申請者に通知しました。" in response.content.decode()
    decision.refresh_from_db()
    assert decision.notified_at is not None
    row = Notification.objects.get(recipient=hq_user)
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and "Connection refused" in row.last_error
    assert row.next_attempt_at > timezone.now()  # back-off
    call_command("send_reminders", stdout=io.StringIO())
    assert not mail.outbox  # not due yet
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    call_command("send_reminders", stdout=io.StringIO())  # SMTP is back
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and len(sent_to(hq_user.email)) == 1


def test_after_the_last_attempt_the_row_is_failed_and_an_administrator_resends_it(
    client, hq_user, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    row = Notification.objects.create(
        kind="report_accepted", recipient=hq_user, email=hq_user.email, subject="件名", body_text="本文"
    )
    from notifications import outbox

    with override_settings(EMAIL_BACKEND="tests.mail_backends.RefusingBackend"):
        assert outbox.deliver(row.pk) == DeliveryStatus.PENDING
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert outbox.deliver(row.pk) == DeliveryStatus.FAILED
    admin = factories.UserFactory(administrator=True, username="admin")
    client.force_login(admin)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "ConnectionRefusedError" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "resend", "_selected_action": [row.pk]}, follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and len(mail.outbox) == 1


def test_delivering_twice_sends_once(hq_user):
    from notifications import outbox

    row = Notification.objects.create(
        kind="report_accepted", recipient=hq_user, email=hq_user.email, subject="件名", body_text="本文"
    )
    assert outbox.deliver(row.pk) == DeliveryStatus.SENT
    assert outbox.deliver(row.pk) == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_leaves_no_notification(ministry_user):
    proposal = factories.ProposalFactory(submitted=True)
    reviewer = factories.UserFactory(reviewer=True, username="rev-b")
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        review_services.assignment_create(user=ministry_user, proposal=proposal, reviewer=reviewer)
        raise RuntimeError("the request failed after the assignment")
    assert not Notification.objects.exists()


def test_settings_list_only_the_kinds_of_the_users_role(client, hq_user, reviewer_user):
    client.force_login(hq_user)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "進捗報告の受理" in page and "審査の督促" not in page and "サーバーエラー" not in page
    client.force_login(reviewer_user)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "審査の督促" in page and "進捗報告の受理" not in page
