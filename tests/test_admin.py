"""The Django admin: administrators only, every model reachable, no query per row."""

import itertools

import factory
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from factory.django import DjangoModelFactory

from cluster_portal.models import Role, TransitionLog, User
from cluster_portal.sites import PortalAdminSite
from coordinators.models import CoordinationActivity, Coordinator
from notifications.tasks import deliver_due_notifications
from projects.models import JointResearchProject, Outcome, ProgressReport, ReportStatus
from regions.models import Grant, GrantAmendment, Organization, Program, Proposal, ProposalStatus, Region
from tests import factories

PORTAL_APPS = ("cluster_portal", "regions", "projects", "coordinators")
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
WORKFLOW_MODELS = (Proposal, ProgressReport, Region, JointResearchProject)

_FACTORIES = {
    model_factory._meta.model: model_factory
    for model_factory in vars(factories).values()
    if isinstance(model_factory, type)
    and issubclass(model_factory, DjangoModelFactory)
    and model_factory._meta.model is not None
}
# Optional relations the factories leave empty, filled in so that changelist
# columns showing them are exercised by the query-count tests.
_OPTIONAL_RELATIONS = {
    Organization: {
        "prefecture": factory.SubFactory(factories.PrefectureFactory),
        "parent": factory.SubFactory(factories.OrganizationFactory),
    },
    Grant: {"call": factory.SubFactory(factories.CallFactory)},
    JointResearchProject: {"host_organization": factory.SubFactory(factories.OrganizationFactory)},
    Outcome: {"company": factory.SubFactory(factories.OrganizationFactory, company=True)},
    Coordinator: {"affiliation": factory.SubFactory(factories.OrganizationFactory)},
    CoordinationActivity: {"resulting_project": factory.SubFactory(factories.ProjectFactory)},
    User: {"hq": True},
}
_serial = itertools.count()


def build(model, **overrides):
    """One new row of ``model`` that shows up in its changelist, with its optional relations filled in."""
    if model is Group:
        return Group.objects.create(name=f"グループ{next(_serial)}")
    if model is Program:  # ProgramFactory gets or creates one program by its code
        return factories.ProgramFactory(code=f"phase-{next(_serial)}")
    if model is DBTaskResult:  # a task waiting in the database queue
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            return DBTaskResult.objects.get(pk=deliver_due_notifications.enqueue().id)
    if model is TransitionLog:
        return TransitionLog.record(
            factories.ProposalFactory(),
            source=ProposalStatus.DRAFT,
            target=ProposalStatus.SUBMITTED,
            user=factories.UserFactory(),
        )
    obj = _FACTORIES[model](**(overrides or _OPTIONAL_RELATIONS.get(model, {})))
    if model is CoordinationActivity:
        obj.organizations.add(factories.OrganizationFactory())
    return obj


def label(model):
    return model._meta.label


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def model_admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def count_queries(client, url):
    """Queries of one request with an empty cache (cached list filters are computed again after a write)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response


# ---------------------------------------------------------------- the site


def test_admin_site_is_the_portal_site(admin_client):
    assert isinstance(admin.site, PortalAdminSite)
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "知的クラスター創成事業 ポータル 管理" in response.content.decode()


def test_every_portal_model_has_an_admin():
    models = {
        model
        for app_label in PORTAL_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical")  # simple_history's shadow tables
    }
    assert models - set(admin.site._registry) == set()


# ---------------------------------------------------------------- who may enter


@pytest.mark.django_db
def test_anonymous_user_is_redirected_to_admin_login(client):
    url = admin_url(Region, "changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("user_fixture", ["ministry_user", "hq_user", "reviewer_user"])
def test_non_administrator_is_redirected_to_admin_login(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    for url in (reverse("admin:index"), admin_url(Region, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(f"{reverse('admin:login')}?next=")


def test_staff_flag_without_administrator_role_does_not_open_the_admin(client, db):
    client.force_login(factories.UserFactory(ministry=True, is_staff=True))
    response = client.get(admin_url(Region, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_administrator_role_opens_the_admin_without_staff_flag(client, db):
    client.force_login(factories.UserFactory(role=Role.ADMINISTRATOR))
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_login_form_refuses_non_administrator(client, db):
    factories.UserFactory(ministry=True, is_staff=True, username="staff-ministry")
    response = client.post(reverse("admin:login"), {"username": "staff-ministry", "password": factories.TEST_PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_admin_login_form_accepts_administrator(client, admin_user):
    response = client.post(reverse("admin:login"), {"username": "admin", "password": factories.TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


# ---------------------------------------------------------------- every registered model


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_administrator_can_open_changelist_add_and_change_pages(admin_client, admin_user, model):
    obj = build(model)
    model_admin = admin.site._registry[model]
    can_add = model_admin.has_add_permission(model_admin_request(admin_user))

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = admin_url(model, "changelist")
    for _ in range(2):
        build(model)
    admin_client.get(url)  # warm per-process caches (content types) before counting
    few_queries, few = count_queries(admin_client, url)
    for _ in range(4):
        build(model)
    many_queries, many = count_queries(admin_client, url)

    assert many.context["cl"].result_count >= few.context["cl"].result_count + 4
    assert many_queries == few_queries


@pytest.mark.parametrize(
    "model", [model for model in REGISTERED if admin.site._registry[model].search_fields], ids=label
)
def test_changelist_search_with_japanese_text(admin_client, model):
    build(model)
    response = admin_client.get(admin_url(model, "changelist"), {"q": "知的クラスター 地域"})
    assert response.status_code == 200


def test_changelist_search_finds_rows_by_japanese_name_and_related_region(admin_client):
    sapporo = factories.RegionFactory(name="札幌")
    factories.RegionFactory(name="浜松")
    project = factories.ProjectFactory(region=sapporo)
    factories.ProjectFactory()

    regions = admin_client.get(admin_url(Region, "changelist"), {"q": "札幌"}).context["cl"]
    projects = admin_client.get(admin_url(JointResearchProject, "changelist"), {"q": "札幌"}).context["cl"]

    assert list(regions.result_list) == [sapporo]
    assert list(projects.result_list) == [project]


def _autocomplete_fields():
    """(model the field is on, field name) for every autocomplete field of every admin and inline."""
    for model_admin in admin.site._registry.values():
        for owner in (model_admin, *(inline(model_admin.model, admin.site) for inline in model_admin.inlines)):
            for field_name in owner.autocomplete_fields:
                yield owner.model, field_name


@pytest.mark.parametrize(
    ("model", "field_name"),
    sorted(set(_autocomplete_fields()), key=lambda pair: (label(pair[0]), pair[1])),
    ids=lambda value: label(value) if isinstance(value, type) else value,
)
def test_autocomplete_serves_every_autocomplete_field_without_a_query_per_result(admin_client, model, field_name):
    target = model._meta.get_field(field_name).remote_field.model
    url = reverse("admin:autocomplete")
    params = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name}
    limit = model._meta.get_field(field_name).get_limit_choices_to()  # e.g. reviewers only
    for _ in range(2):
        build(target, **limit)
    admin_client.get(url, params)
    with CaptureQueriesContext(connection) as few_queries:
        few = admin_client.get(url, params)
    for _ in range(4):
        build(target, **limit)
    with CaptureQueriesContext(connection) as many_queries:
        many = admin_client.get(url, params)

    assert few.status_code == many.status_code == 200
    assert len(many.json()["results"]) >= len(few.json()["results"]) + 4
    assert len(many_queries) == len(few_queries)


# ---------------------------------------------------------------- inlines


def _unused_fiscal_year():
    return 1990 + next(_serial) % 100


# Parent factory → adds one row to each inline of the parent's admin that has no
# autocomplete widget (those look up the selected option once per row).
INLINE_ROWS = {
    factories.CallFactory: lambda call: (
        factories.CallBudgetFactory(call=call, fiscal_year=_unused_fiscal_year()),
        factories.ReviewCriterionFactory(call=call),
    ),
    factories.HeadquartersFactory: lambda headquarters: factories.HeadquartersMemberFactory(headquarters=headquarters),
    factories.ProposalFactory: lambda proposal: factories.ProposalBudgetLineFactory(
        proposal=proposal, fiscal_year=_unused_fiscal_year()
    ),
    factories.ProgressReportFactory: lambda report: factories.MilestoneFactory(report=report),
    factories.ProjectBudgetFactory: lambda budget: factories.ExpenditureFactory(budget=budget),
    factories.GrantFactory: lambda grant: factories.GrantAmendmentFactory(grant=grant),
}


@pytest.mark.parametrize("parent_factory", INLINE_ROWS, ids=lambda factory: factory._meta.model.__name__)
def test_change_page_query_count_does_not_grow_with_inline_rows(admin_client, parent_factory):
    parent = parent_factory()
    url = admin_url(type(parent), "change", parent.pk)
    for _ in range(2):
        INLINE_ROWS[parent_factory](parent)
    admin_client.get(url)
    few_queries, _ = count_queries(admin_client, url)
    for _ in range(4):
        INLINE_ROWS[parent_factory](parent)
    many_queries, _ = count_queries(admin_client, url)
    assert many_queries == few_queries


def test_project_inlines_cost_only_the_autocomplete_lookup_per_row(admin_client):
    """Each autocomplete widget looks up its selected option (one query per row and
    widget, as Django renders it); labels and ``__str__`` add nothing per row."""
    project = factories.ProjectFactory()
    url = admin_url(JointResearchProject, "change", project.pk)

    def add_rows(count):
        for _ in range(count):
            factories.ParticipationFactory(project=project)
            grant = factories.GrantFactory(region=project.region, fiscal_year=_unused_fiscal_year())
            factories.ProjectBudgetFactory(project=project, grant=grant)

    add_rows(2)
    admin_client.get(url)
    few_queries, _ = count_queries(admin_client, url)
    add_rows(4)
    many_queries, _ = count_queries(admin_client, url)
    autocomplete_widgets_per_row = 2  # organization, grant
    assert many_queries - few_queries == 4 * autocomplete_widgets_per_row


def test_grant_amendments_are_shown_read_only_on_the_grant(admin_client):
    amendment = factories.GrantAmendmentFactory(reason="中間評価の結果による減額")
    response = admin_client.get(admin_url(Grant, "change", amendment.grant.pk))

    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.model is GrantAmendment
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    assert "中間評価の結果による減額" in response.content.decode()


# ---------------------------------------------------------------- workflow states


@pytest.mark.parametrize("model", WORKFLOW_MODELS, ids=label)
def test_workflow_status_is_read_only_on_change_but_settable_on_add(admin_client, model):
    obj = build(model)
    change = admin_client.get(admin_url(model, "change", obj.pk))
    add = admin_client.get(admin_url(model, "add"))

    assert "status" not in change.context["adminform"].form.fields
    assert "status" in change.context["adminform"].readonly_fields
    assert "status" in add.context["adminform"].form.fields


def test_progress_report_history_cannot_be_reverted(admin_client):
    report = factories.ProgressReportFactory(status=ReportStatus.DRAFT)
    report.status = ReportStatus.SUBMITTED
    report.save()
    draft_version = report.history.earliest()
    url = reverse("admin:projects_progressreport_simple_history", args=(report.pk, draft_version.history_id))

    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"project": report.project_id}).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# ---------------------------------------------------------------- read-only records


def test_transition_log_cannot_be_changed_or_deleted(admin_client):
    log = build(TransitionLog)
    assert admin_client.post(admin_url(TransitionLog, "change", log.pk), {"reason": "改ざん"}).status_code == 403
    assert admin_client.post(admin_url(TransitionLog, "delete", log.pk), {"post": "yes"}).status_code == 403
    log.refresh_from_db()
    assert log.reason == ""


# ---------------------------------------------------------------- users


def test_user_admin_shows_role_and_headquarters(admin_client):
    hq_user = factories.UserFactory(hq=True, display_name="本部 花子")
    changelist = admin_client.get(admin_url(User, "changelist"), {"role": Role.HEADQUARTERS})
    change = admin_client.get(admin_url(User, "change", hq_user.pk))

    assert list(changelist.context["cl"].result_list) == [hq_user]
    assert str(hq_user.headquarters) in changelist.content.decode()
    assert {"role", "headquarters", "display_name"} <= set(change.context["adminform"].form.fields)


def _new_user_data(**extra):
    password = "a-long-enough-passphrase-2008"
    return {"username": "new-user", "usable_password": "true", "password1": password, "password2": password, **extra}


def test_administrator_adds_headquarters_user_with_role(admin_client):
    headquarters = factories.HeadquartersFactory()
    data = _new_user_data(role=Role.HEADQUARTERS, headquarters=headquarters.pk, display_name="本部 次郎")

    response = admin_client.post(admin_url(User, "add"), data)

    assert response.status_code == 302
    user = User.objects.get(username="new-user")
    assert (user.role, user.headquarters, user.display_name) == (Role.HEADQUARTERS, headquarters, "本部 次郎")


def test_user_admin_refuses_headquarters_for_other_roles(admin_client):
    data = _new_user_data(role=Role.MINISTRY, headquarters=factories.HeadquartersFactory().pk)

    response = admin_client.post(admin_url(User, "add"), data)

    assert response.status_code == 200
    assert "headquarters" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="new-user").exists()
