"""The world the permission matrix runs against (tests/test_permission_matrix.py).

Two regions built from tests/factories.py:

- region A (published): a published and an unpublished project, a grant, a budget with an
  expenditure, progress reports (draft, submitted with an attachment, accepted), a published
  result and an unpublished patent application, a private coordinator with an activity,
  a published and an unpublished event, an evaluation, and three proposals (a draft with an
  attachment, a submitted one, one under review with an attachment) to three calls, and a call
  still in preparation (announced to nobody but the ministry);
- region B (unpublished): the region of the second headquarters user, with a project and a
  draft proposal of its own (so the 404 shows both ways).

The users are the roles of the matrix: anonymous, a reviewer assigned to A's proposal under
review (conflict declared: none), a second reviewer who declared a conflict on it, a
headquarters user of A and one of B, ministry staff and an administrator.

``SAMPLES`` names every sample object a URL of the table can use; ``url_kwargs`` turns a
sample into the URL's keyword arguments.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from dataio.models import DataJob, JobKind, JobStatus
from notifications.models import Notification
from projects.models import OutcomeKind, ReportStatus
from regions.models import CallStatus, ConflictLiftRequest, ProposalStatus
from tests import factories

ROLES = ("anonymous", "reviewer", "reviewer_conflict", "hq_a", "hq_b", "ministry", "administrator")


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role → User (anonymous: None)
    samples: dict = field(default_factory=dict)  # sample key → model instance, string or kwargs dict
    files: list = field(default_factory=list)  # stored files to delete when the world goes


def build_world() -> World:
    world = World()
    today = timezone.localdate()

    region_a = factories.RegionFactory(slug="matrix-a", name="地域A")
    region_b = factories.RegionFactory(slug="matrix-b", name="地域B", is_published=False)
    hq_a = factories.HeadquartersFactory(region=region_a)
    hq_b = factories.HeadquartersFactory(region=region_b)

    reviewer = factories.UserFactory(reviewer=True, username="matrix-reviewer")
    reviewer_conflict = factories.UserFactory(reviewer=True, username="matrix-reviewer-conflict")
    world.users = {
        "anonymous": None,
        "reviewer": reviewer,
        "reviewer_conflict": reviewer_conflict,
        "hq_a": factories.UserFactory(hq=True, headquarters=hq_a, username="matrix-hq-a"),
        "hq_b": factories.UserFactory(hq=True, headquarters=hq_b, username="matrix-hq-b"),
        "ministry": factories.UserFactory(ministry=True, username="matrix-ministry"),
        "administrator": factories.UserFactory(administrator=True, username="matrix-admin"),
    }

    # projects, money, reports, results
    project_published = factories.ProjectFactory(region=region_a, code="MX-A-PUB")
    project_unpublished = factories.ProjectFactory(region=region_a, code="MX-A-PRIV", unpublished=True)
    organization = factories.OrganizationFactory(slug="matrix-university")
    factories.ParticipationFactory(project=project_published, organization=organization)
    grant = factories.GrantFactory(region=region_a, fiscal_year=2008, amount=500_000_000)
    budget = factories.ProjectBudgetFactory(project=project_unpublished, grant=grant, allocated=100_000_000)
    expenditure = factories.ExpenditureFactory(budget=budget)
    receipt = factories.ReceiptFactory(expenditure=expenditure)
    world.files.append(receipt.file.name)
    report_draft = factories.ProgressReportFactory(project=project_published, fiscal_year=2008)
    report_submitted = factories.ProgressReportFactory(
        project=project_published, fiscal_year=2009, status=ReportStatus.SUBMITTED
    )
    factories.ProgressReportFactory(project=project_published, fiscal_year=2010, accepted=True)
    report_attachment = factories.ReportAttachmentFactory(report=report_submitted)
    draft_attachment = factories.ReportAttachmentFactory(report=report_draft)
    world.files += [report_attachment.file.name, draft_attachment.file.name]
    outcome_published = factories.OutcomeFactory(project=project_published)
    outcome_unpublished = factories.OutcomeFactory(
        project=project_unpublished, patent=True, unpublished=True, kind=OutcomeKind.PATENT_APPLICATION
    )

    # region B's own private data, to show the 404 the other way round
    project_b = factories.ProjectFactory(region=region_b, code="MX-B-PROJ")

    # coordinators and events
    coordinator = factories.CoordinatorFactory(region=region_a, is_published=False)
    activity = factories.CoordinationActivityFactory(coordinator=coordinator)
    event_published = factories.EventFactory(region=region_a)
    event_unpublished = factories.EventFactory(region=region_a, is_published=False)
    evaluation = factories.EvaluationFactory(region=region_a, is_published=False)
    support_decision = factories.SupportDecisionFactory(
        evaluation__region=region_a, evaluation__fiscal_year=2010, evaluation__is_published=False
    )

    # calls and proposals
    call_open = factories.CallFactory(
        code="matrix-open",
        fiscal_year=today.year,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=10),
        status=CallStatus.OPEN,
    )
    call_draft = factories.CallFactory(code="matrix-call-draft")
    call_submitted = factories.CallFactory(code="matrix-call-submitted")
    call_review = factories.CallFactory(code="matrix-call-review", status=CallStatus.CLOSED)
    call_in_preparation = factories.CallFactory(code="matrix-call-in-preparation", status=CallStatus.DRAFT)
    factories.ReviewCriterionFactory(call=call_review)
    proposal_draft = factories.ProposalFactory(call=call_draft, region=region_a)
    proposal_submitted = factories.ProposalFactory(
        call=call_submitted, region=region_a, status=ProposalStatus.SUBMITTED
    )
    proposal_review = factories.ProposalFactory(call=call_review, region=region_a, status=ProposalStatus.UNDER_REVIEW)
    proposal_b_draft = factories.ProposalFactory(call=call_draft, region=region_b)
    attachment_draft = factories.ProposalAttachmentFactory(proposal=proposal_draft)
    attachment_review = factories.ProposalAttachmentFactory(proposal=proposal_review)
    world.files += [attachment_draft.file.name, attachment_review.file.name]
    now = timezone.now()
    assignment_clean = factories.ReviewAssignmentFactory(
        proposal=proposal_review, reviewer=reviewer, conflict_declared_at=now
    )
    assignment_conflicted = factories.ReviewAssignmentFactory(
        proposal=proposal_review, reviewer=reviewer_conflict, conflict_declared_at=now, conflicted=True
    )

    # the conflicted reviewer asked the ministry to lift their declaration (issue 14)
    lift_pending = ConflictLiftRequest.objects.create(
        assignment=assignment_conflicted,
        reason="誤って申告しました",
        declared_note=assignment_conflicted.conflict_note,
        declared_at=now,
    )

    call_decided = factories.CallFactory(status=CallStatus.CLOSED)
    proposal_decided = factories.ProposalFactory(call=call_decided, region=region_a, status=ProposalStatus.SELECTED)
    factories.SelectionDecisionFactory(proposal=proposal_decided, decided_by=world.users["ministry"])
    notification = Notification.objects.create(
        kind="report_accepted", recipient=world.users["hq_a"], subject="通知", body_text="本文", url="/workspace/"
    )
    output = default_storage.save("dataio/exports/matrix-export", ContentFile(b"code\n"))
    world.files.append(output)
    job = DataJob.objects.create(
        kind=JobKind.EXPORT,
        status=JobStatus.DONE,
        user=world.users["hq_a"],
        resource="projects",
        file_format="csv",
        output=output,
        output_name="projects.csv",
        output_type="text/csv",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )

    pdf_output = default_storage.save("dataio/exports/matrix-report.pdf", ContentFile(b"%PDF-1.7\n"))
    world.files.append(pdf_output)
    pdf_job = DataJob.objects.create(
        kind=JobKind.PDF,
        status=JobStatus.DONE,
        user=world.users["hq_a"],
        resource="annual_report",
        file_format="pdf",
        result={"region_id": region_a.pk, "fiscal_year": grant.fiscal_year},
        output=pdf_output,
        output_name="実績報告書.pdf",
        output_type="application/pdf",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    world.samples = {
        "proposal_a_decided": proposal_decided,
        "notification_hq_a": notification,
        "job_hq_a_export": job,
        "job_hq_a_pdf": pdf_job,
        # regions (the region's slug), projects (their code or pk)
        "region_a": region_a,
        "region_b_unpublished": region_b,
        "project_a_published": project_published,
        "project_a_unpublished": project_unpublished,
        "project_b": project_b,
        "organization_public": organization,
        "grant_a": grant,
        "budget_a": budget,
        "expenditure_a": expenditure,
        "receipt_a": receipt,
        "report_a_draft": report_draft,
        "report_a_submitted": report_submitted,
        "report_attachment_a_submitted": report_attachment,
        "report_attachment_a_draft": draft_attachment,
        "outcome_a_published": outcome_published,
        "outcome_a_unpublished_patent": outcome_unpublished,
        "coordinator_a_unpublished": coordinator,
        "activity_a": activity,
        "event_a_published": event_published,
        "event_a_unpublished": event_unpublished,
        "evaluation_a": evaluation,
        "support_evaluation_a": support_decision.evaluation,
        "call_open": call_open,
        "call_of_review": call_review,
        "call_in_preparation": call_in_preparation,
        "proposal_a_draft": proposal_draft,
        "proposal_a_submitted": proposal_submitted,
        "proposal_a_under_review": proposal_review,
        "proposal_b_draft": proposal_b_draft,
        "assignment_clean": assignment_clean,
        "assignment_conflicted": assignment_conflicted,
        "lift_request_pending": lift_pending,
        # a call's reviews and statistics as files (the extension is a fixed word, not an id)
        "call_of_review_csv": {"code": call_review.code, "extension": "csv"},
        "call_of_review_xlsx": {"code": call_review.code, "extension": "xlsx"},
        "call_in_preparation_csv": {"code": call_in_preparation.code, "extension": "csv"},
        # the ministry's files of every proposal and evaluation (no object: the file type only)
        "export_csv": {"extension": "csv"},
        "export_xlsx": {"extension": "xlsx"},
        # URLs with several arguments
        "annual_report_a_2008": {"slug": region_a.slug, "fiscal_year": grant.fiscal_year},
        "attachment_of_a_draft": {"pk": proposal_draft.pk, "attachment_pk": attachment_draft.pk},
        "attachment_of_a_under_review": {"pk": proposal_review.pk, "attachment_pk": attachment_review.pk},
        "assignment_of_a_under_review": {"pk": proposal_review.pk, "assignment_pk": assignment_clean.pk},
        "publish_project_a_unpublished": {"kind": "project", "pk": project_unpublished.pk, "action": "publish"},
        "unpublish_project_a_published": {"kind": "project", "pk": project_published.pk, "action": "unpublish"},
        "opendata_projects_csv": {"key": "projects", "extension": "csv"},
        "sitemap_results": {"section": "results"},
        "english_api_address": {"rest": "api/v1/clusters"},
        "sitemap_events": {"section": "events"},
        # data sets of /data/ (by name): headquarters may import projects, not grants
        "dataset_projects": "projects",
        "reset_link_invalid": {"uidb64": "MQ", "token": "set-password"},
        "dataset_grants": "grants",
    }
    return world


# How a sample object fills each URL keyword argument.
_ATTRIBUTE_OF_KWARG = {
    "pk": "pk",
    "project_pk": "pk",
    "budget_pk": "pk",
    "coordinator_pk": "pk",
    "object_id": "pk",
    "slug": "slug",
    "code": "code",  # projects, calls; a region's code is its slug (see below)
    "call_code": "code",
    "identifier": "code",
}


def url_kwargs(world: World, sample: str | None, kwarg_names) -> dict:
    """The keyword arguments for a URL taking ``kwarg_names``, from the named sample."""
    if sample is None:
        return {}
    value = world.samples[sample]
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        return dict.fromkeys(kwarg_names, value)
    kwargs = {}
    for name in kwarg_names:
        attribute = _ATTRIBUTE_OF_KWARG[name]
        if attribute == "code" and not hasattr(value, "code"):
            attribute = "slug"  # regions and organisations: the public code is the slug
        kwargs[name] = getattr(value, attribute)
    return kwargs


@contextlib.contextmanager
def world_in_transaction(django_db_blocker, prepare=None):
    """The world, built in a transaction rolled back afterwards, with one signed-in session per role
    (``world.sessions``); ``prepare(world)`` may change it first. Stored files are deleted at the end."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            if prepare is not None:
                prepare(built)
            built.sessions = {}
            for role, user in built.users.items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    built.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield built
            transaction.set_rollback(True)
        for name in built.files:
            default_storage.delete(name)
