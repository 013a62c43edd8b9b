"""Shared setup of the headquarters workspace tests: one populated region and its URLs."""

import datetime

from django.urls import reverse

from projects.models import ParticipationRole
from tests import factories


def populate(region, *, projects=2):
    """A region with grant, projects, participants, budgets, expenditures, reports, results, coordinators, events."""
    grant = region.grants.filter(fiscal_year=2008).first() or factories.GrantFactory(
        region=region, fiscal_year=2008, amount=300_000_000
    )
    created = []
    for _ in range(projects):
        project = factories.ProjectFactory(region=region, host_organization=factories.OrganizationFactory())
        factories.ParticipationFactory(project=project, role=ParticipationRole.LEAD_UNIVERSITY)
        factories.ParticipationFactory(
            project=project, organization=factories.OrganizationFactory(company=True), role=ParticipationRole.COMPANY
        )
        budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=50_000_000, executed=2_000_000)
        factories.ExpenditureFactory(budget=budget, amount=1_000_000)
        factories.ExpenditureFactory(budget=budget, amount=1_000_000)
        report = factories.ProgressReportFactory(project=project, due_on=datetime.date(2008, 10, 31))
        factories.MilestoneFactory(report=report)
        factories.ReportAttachmentFactory(report=report)
        outcome = factories.OutcomeFactory(project=project, patent=True, unpublished=True)
        coordinator = factories.CoordinatorFactory(region=region, affiliation=factories.OrganizationFactory())
        activity = factories.CoordinationActivityFactory(coordinator=coordinator, resulting_project=project)
        activity.organizations.add(factories.OrganizationFactory(), factories.OrganizationFactory(company=True))
        event = factories.EventFactory(region=region)
        event.presented_projects.add(project)
        created.append(
            {
                "project": project,
                "budget": budget,
                "expenditure": budget.expenditures.first(),
                "report": report,
                "attachment": report.attachments.first(),
                "outcome": outcome,
                "coordinator": coordinator,
                "activity": activity,
                "event": event,
            }
        )
    return {"grant": grant, "rows": created, **created[0]}


def object_urls(objects) -> list[tuple[str, str]]:
    """(name, url) of every page and form target that concerns one region's objects."""
    project = objects["project"]
    budget = objects["budget"]
    report = objects["report"]
    outcome = objects["outcome"]
    coordinator = objects["coordinator"]
    event = objects["event"]
    return [
        ("project_detail", reverse("workspace:project_detail", args=[project.pk])),
        ("project_edit", reverse("workspace:project_edit", args=[project.pk])),
        ("project_status", reverse("workspace:project_status", args=[project.pk])),
        ("project_publish", reverse("workspace:publication", args=["project", project.pk, "unpublish"])),
        ("budget_create", reverse("workspace:budget_create", args=[project.pk])),
        ("budget_detail", reverse("workspace:budget_detail", args=[budget.pk])),
        ("budget_edit", reverse("workspace:budget_edit", args=[budget.pk])),
        ("expenditure_create", reverse("workspace:expenditure_create", args=[budget.pk])),
        ("expenditure_edit", reverse("workspace:expenditure_edit", args=[objects["expenditure"].pk])),
        ("report_create", reverse("workspace:report_create", args=[project.pk])),
        ("report_detail", reverse("workspace:report_detail", args=[report.pk])),
        ("report_edit", reverse("workspace:report_edit", args=[report.pk])),
        ("report_submit", reverse("workspace:report_submit", args=[report.pk])),
        ("report_attach", reverse("workspace:report_attach", args=[report.pk])),
        ("attachment_download", reverse("workspace:attachment_download", args=[objects["attachment"].pk])),
        ("outcome_create", reverse("workspace:outcome_create", args=[project.pk])),
        ("outcome_detail", reverse("workspace:outcome_detail", args=[outcome.pk])),
        ("outcome_edit", reverse("workspace:outcome_edit", args=[outcome.pk])),
        ("outcome_grant", reverse("workspace:outcome_grant", args=[outcome.pk])),
        ("outcome_publish", reverse("workspace:publication", args=["outcome", outcome.pk, "publish"])),
        ("coordinator_detail", reverse("workspace:coordinator_detail", args=[coordinator.pk])),
        ("coordinator_edit", reverse("workspace:coordinator_edit", args=[coordinator.pk])),
        ("coordinator_publish", reverse("workspace:publication", args=["coordinator", coordinator.pk, "unpublish"])),
        ("activity_create", reverse("workspace:activity_create", args=[coordinator.pk])),
        ("activity_edit", reverse("workspace:activity_edit", args=[objects["activity"].pk])),
        ("event_detail", reverse("workspace:event_detail", args=[event.pk])),
        ("event_edit", reverse("workspace:event_edit", args=[event.pk])),
        ("event_publish", reverse("workspace:publication", args=["event", event.pk, "unpublish"])),
    ]


LIST_URLS = [
    "workspace:dashboard",
    "workspace:project_list",
    "workspace:budget_overview",
    "workspace:report_list",
    "workspace:outcome_list",
    "workspace:coordinator_list",
    "workspace:event_list",
    "workspace:project_create",
    "workspace:coordinator_create",
    "workspace:event_create",
    "workspace:organization_search",
]
