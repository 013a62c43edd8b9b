"""Every invariant × every path that can write the data it covers (README "Invariants").

For each invariant ``check_integrity`` knows (``cluster_portal.integrity``), each write path — the
screen's form, the import engine, the Django admin and the domain service — either has an attempt
here to break it, which must be refused with the rule's message and leave every portal table as it
was (row counts and a checksum, ``db_snapshot``), or says why that path cannot write the value at
all. An invariant added to the registry without its row here fails ``test_the_matrix_is_complete``.

The attempts edit one world (``world``): a region selected on a call with envelopes for FY2030–2034,
its grant, project, budget, entries, report, result, coordinator, activity and evaluation.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cluster_portal import integrity
from cluster_portal.fields import YEN_MAX
from cluster_portal.tabular.services import data_export, data_import
from coordinators import services as coordinator_services
from coordinators.models import Coordinator
from projects.services import budgets as budget_services
from projects.services import execution as execution_services
from projects.services import outcomes as outcome_services
from projects.services import reports as report_services
from regions.models import CallStatus, Recommendation, SupportDecision
from regions.services import evaluations as evaluation_services
from regions.services import grants as grant_services
from regions.services import support as support_services
from tests import factories
from tests.abuse_helpers import build_world, fill, post_form

pytestmark = pytest.mark.django_db

PATHS = ("form", "import", "admin", "service")
TOO_MUCH = str(YEN_MAX + 1)
RANGE = "10兆円（10,000,000,000,000円）以下の整数"


@dataclass(frozen=True)
class Attempt:
    """Try to break the invariant through one path; ``run`` returns the text the user is shown."""

    run: Callable[[dict], str]
    expect: str
    #: state the attempt starts from, set before the snapshot
    prepare: Callable[[dict], None] | None = None


@dataclass(frozen=True)
class NotAWritePath:
    """The path cannot write the value the invariant covers (and why)."""

    reason: str


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(region, other_region, hq_user, ministry_user, reviewer_user, admin_user):
    world = build_world(region=region, other_region=other_region, hq_user=hq_user, reviewer_user=reviewer_user)
    world["users"] = {"headquarters": hq_user, "ministry": ministry_user, "admin": admin_user}
    world["never_applied"] = factories.RegionFactory(slug="never-applied")
    world["organization"] = factories.OrganizationFactory()
    world["draft_call"] = draft = factories.CallFactory(fiscal_year=2030, status=CallStatus.DRAFT, code="DRAFT-1")
    factories.CallBudgetFactory(call=draft, fiscal_year=2030, envelope=2_000_000_000)
    factories.selected_region(draft, region)
    Coordinator.objects.filter(pk=world["coordinator"].pk).update(
        term_start=datetime.date(2008, 4, 1), term_end=datetime.date(2012, 3, 31)
    )
    world["coordinator"].refresh_from_db()
    world["clients"] = {}
    for role, user in world["users"].items():
        client = Client(raise_request_exception=False)
        client.force_login(user)  # before the snapshot: a login writes last_login
        world["clients"][role] = client
    return world


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


# ---------------------------------------------------------------- the four paths


def messages_of(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


def service(call: Callable[[dict], object]) -> Callable[[dict], str]:
    def run(world):
        try:
            call(world)
        except ValidationError as error:
            return messages_of(error)
        raise AssertionError("the service accepted it")

    return run


def page_text(response) -> str:
    assert response.status_code < 500, response.status_code
    return response.content.decode()


def form(role: str, page: Callable[[dict], str], changes: Callable[[dict], dict]) -> Callable[[dict], str]:
    """Open the screen's form as its user would, keep what it shows, change ``changes``, submit."""

    def run(world):
        client = world["clients"][role]
        url = page(world)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        data, _ = fill(post_form(response.content.decode(), url, url), None, overrides=changes(world))
        response = client.post(url, data)
        # the portal answers a refused form with 400 and the form again, its errors beside the fields
        assert response.status_code == 400, f"{url} accepted it ({response.status_code})"
        return page_text(response)

    return run


def admin(obj_key: str, changes: Callable[[dict], dict]) -> Callable[[dict], str]:
    """The object's admin change form, submitted as the browser would with ``changes``."""

    def run(world):
        obj = world[obj_key]
        client = world["clients"]["admin"]
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        data, _ = fill(post_form(response.content.decode(), url, url), None, overrides=changes(world))
        data.pop("_continue", None)
        response = client.post(url, data)
        assert response.status_code == 200, f"{url} accepted it ({response.status_code})"
        return page_text(response)

    return run


def imported(resource: str, row_of: Callable[[dict, dict], bool], changes: Callable[[dict], dict]):
    """The data set as exported, cut to the object's row with ``changes`` typed over it, imported back."""

    def run(world):
        user = world["users"]["admin"]
        exported = data_export(user=user, resource=resource, file_format="csv").content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(exported)))
        matching = [row for row in rows if row_of(world, row)]
        assert len(matching) == 1, (resource, rows)
        row = {**matching[0], **changes(world)}
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(row)
        report = data_import(
            user=user, resource=resource, data=out.getvalue().encode("utf-8"), file_format="csv", dry_run=False
        )
        assert not report.ok and not report.committed, f"{resource} import accepted it"
        return " ".join(str(issue) for issue in report.errors)

    return run


def url(name: str, key: str | None = None, attribute: str = "pk") -> Callable[[dict], str]:
    return lambda world: reverse(name, args=[getattr(world[key], attribute)] if key else [])


def project_row(world, row) -> bool:
    return row.get("プロジェクトコード") == world["project"].code


def grant_row(world, row) -> bool:
    return row["地域"] == world["other_region"].slug and row["年度"] == "2030"


def budget_row(world, row) -> bool:
    return row["プロジェクトコード"] == world["project"].code and row["年度"] == "2008"


def code_row(key: str, column: str):
    return lambda world, row: row[column] == world[key].code


def expenditure(**data):
    def call(world):
        entry = world["expenditure"]
        values = {
            "category": entry.category,
            "amount": entry.amount,
            "spent_on": entry.spent_on,
            "description": "",
            **data,
        }
        execution_services.expenditure_create(
            user=world["users"]["headquarters"], budget_pk=entry.budget_id, data=values
        )

    return call


def grant(region_key="region", call_key="grant_call", fiscal_year=2031, amount=1_000):
    def call(world):
        grant_services.grant_create(
            user=world["users"]["ministry"],
            region=world[region_key],
            call=world[call_key],
            fiscal_year=fiscal_year,
            amount=amount,
        )

    return call


def grant_form(region_key="region", call_key="grant_call", fiscal_year="2031", amount="1000"):
    return form(
        "ministry",
        url("ministry:grant_create"),
        lambda world: {
            "region": str(world[region_key].pk),
            "call": str(world[call_key].pk),
            "fiscal_year": fiscal_year,
            "amount": amount,
        },
    )


def grant_import(region_key="region", call_key="grant_call", fiscal_year="2031", amount="1000"):
    return imported(
        "grants",
        grant_row,
        lambda world: {
            "地域": world[region_key].slug,
            "公募": world[call_key].code,
            "年度": fiscal_year,
            "交付決定額（円）": amount,
        },
    )


def grant_admin(**changes):
    def values(world):
        resolved = {}
        for name, value in changes.items():
            resolved[name] = str(world[value].pk) if isinstance(value, str) and value in world else value
        return resolved

    return admin("ministry_grant", values)


NOT_SELECTED = "この地域はこの公募で採択されていません"
NO_ENVELOPE_YEAR = "この公募には2040年度（令和22年度）の予算枠がありません（予算枠のある年度：2030年度（令和12年度）"
DRAFT = "下書きの公募には交付決定を登録できません"
ENVELOPE = "2031年度の予算枠を超えます（予算枠 2,000,000,000円、交付決定済み 0円、残り 2,000,000,000円）"
OVERRUN = "配分額（50,000,000円）を超えます"
IN_YEAR = "執行日は2008年度（平成20年度）の期間内の日付にしてください"
REPORT_PERIOD = "プロジェクトの実施期間（2008年度（平成20年度）〜2011年度（平成23年度））"
FUTURE = "より後の日付は入力できません"
TERM = "任期（2008-04-01〜2012-03-31）内の日付"
EVALUATED = "2009年度（平成21年度）の開始（2009-04-01）以降の日付"
WITHIN_GRANT = "配分額が交付決定額を超えます。この年度に配分できる残りは300,000,000円です。"

SUPPORT_OVERRUN = "どの年度の交付決定も変更していません"
SUPPORT_CONFIRMED = "確定した決定による交付決定の変更は追加できません"


def support_draft(world):
    """The region's 重点支援 evaluation with a draft support decision for FY2031–2032 of 1,000,000 yen a
    year: FY2031's grant leaves room in the envelope, FY2032's does not (a confirm would amend one year)."""
    ministry = world["users"]["ministry"]
    for year, amount in ((2031, 1_000), (2032, 1_999_999_500)):
        grant_services.grant_create(
            user=ministry, region=world["region"], call=world["grant_call"], fiscal_year=year, amount=amount
        )
    type(world["evaluation"]).objects.filter(pk=world["evaluation"].pk).update(recommendation=Recommendation.FOCUS)
    world["evaluation"].refresh_from_db()
    world["support"] = support_services.support_decision_save(
        user=ministry,
        evaluation=world["evaluation"],
        start_fiscal_year=2031,
        end_fiscal_year=2032,
        annual_amount=1_000_000,
        reason="世界水準の拠点として重点的に支援する。",
    )


def support_confirmed(world):
    """The draft above, confirmable: FY2032's grant lowered so that both years fit, then confirmed."""
    support_draft(world)
    grant = world["region"].grants.get(fiscal_year=2032)
    type(grant).objects.filter(pk=grant.pk).update(amount=1_000)
    world["support"] = support_services.support_decision_confirm(
        user=world["users"]["ministry"], decision=world["support"], expected_version=world["support"].version
    )


def support_confirm_form(world) -> str:
    """The summary page's 「確定する」 form, submitted as the browser would."""
    client = world["clients"]["ministry"]
    page_url = reverse("ministry:support_decision", args=[world["evaluation"].pk])
    confirm_url = reverse("ministry:support_confirm", args=[world["evaluation"].pk])
    response = client.get(page_url)
    assert response.status_code == 200, response.status_code
    data, _ = fill(post_form(response.content.decode(), page_url, confirm_url), None)
    response = client.post(confirm_url, data)
    assert response.status_code == 400, f"{confirm_url} accepted it ({response.status_code})"
    return page_text(response)


def extra_support_amendment(world):
    """A second increase of FY2031 attributed to the confirmed decision, through the one amendment path."""
    grant = world["region"].grants.get(fiscal_year=2031)
    grant_services.grant_amend(
        user=world["users"]["ministry"],
        grant=grant,
        new_amount=grant.amount + 1_000_000,
        reason="重点支援の追加",
        support_decision=SupportDecision.objects.get(pk=world["support"].pk),
    )


MATRIX: dict[str, dict[str, Attempt | NotAWritePath]] = {
    "money.range": {
        "form": Attempt(
            form("headquarters", url("workspace:budget_edit", "budget"), lambda world: {"allocated": TOO_MUCH}),
            RANGE,
        ),
        "import": Attempt(imported("budgets", budget_row, lambda world: {"配分額（円）": TOO_MUCH}), RANGE),
        "admin": Attempt(admin("budget", lambda world: {"allocated": TOO_MUCH}), RANGE),
        "service": Attempt(service(grant(amount=YEN_MAX + 1)), RANGE),
    },
    "budget.within_grant": {
        "form": Attempt(
            form("headquarters", url("workspace:budget_edit", "budget"), lambda world: {"allocated": "400000000"}),
            WITHIN_GRANT,
        ),
        "import": Attempt(imported("budgets", budget_row, lambda world: {"配分額（円）": "400000000"}), WITHIN_GRANT),
        "admin": Attempt(admin("budget", lambda world: {"allocated": "400000000"}), WITHIN_GRANT),
        "service": Attempt(
            service(
                lambda world: budget_services.budget_allocate(
                    project=world["project"],
                    fiscal_year=2008,
                    allocated=400_000_000,
                    expected_version=world["budget"].version,
                )
            ),
            WITHIN_GRANT,
        ),
    },
    "budget.grant_of_own_region": {
        "form": NotAWritePath("the allocation form names a fiscal year; the grant is the project's region's"),
        "import": NotAWritePath("the budgets import names project and year; the grant is looked up in its region"),
        "admin": Attempt(
            admin("budget", lambda world: {"grant": str(world["ministry_grant"].pk)}),
            "プロジェクトの地域の交付決定を選んでください",
        ),
        "service": NotAWritePath("budget_allocate takes the project and year and finds the region's grant itself"),
    },
    "budget.overrun_has_reason": {
        "form": Attempt(
            form(
                "headquarters",
                url("workspace:expenditure_create", "budget"),
                lambda world: {"amount": "60000000", "spent_on": "2008-06-01", "category": "equipment"},
            ),
            OVERRUN,
        ),
        "import": Attempt(
            imported(  # a new entry (blank code) on top of what is already spent
                "expenditures",
                code_row("expenditure", "執行コード"),
                lambda world: {"執行コード": "", "金額（円）": "60000000"},
            ),
            "配分額（50,000,000円）を超えます",
        ),
        "admin": Attempt(admin("expenditure", lambda world: {"amount": "60000000"}), "予算に理由を入力してください"),
        "service": Attempt(service(expenditure(amount=60_000_000)), OVERRUN),
    },
    "budget.executed_is_sum": {
        "form": NotAWritePath("no form has a 執行額 field; the entries are its only input"),
        "import": Attempt(
            imported("budgets", budget_row, lambda world: {"執行額（円）": "999"}),
            "この予算の執行の合計は2,000,000円、ファイルでは999円",
        ),
        "admin": NotAWritePath("執行額 is read-only in the admin (test_money_flow_rules::test_admin_shows_executed…)"),
        "service": NotAWritePath("budget_allocate has no 執行額 parameter; expenditure services recompute it"),
    },
    "rollups.match_base_tables": {
        "form": NotAWritePath("no form writes a rollup; every save of a grant, budget, result or project refreshes it"),
        "import": NotAWritePath("the import engine rebuilds the rollups after its writes (tests/test_rollups.py)"),
        "admin": NotAWritePath(
            "the rollups are read-only in the admin; its saves refresh them (tests/test_rollups.py)"
        ),
        "service": NotAWritePath("no service writes a rollup; projects.rollups refreshes them on every save"),
    },
    "expenditure.in_fiscal_year": {
        "form": Attempt(
            form(
                "headquarters",
                url("workspace:expenditure_edit", "expenditure"),
                lambda world: {"spent_on": "2009-04-01"},
            ),
            IN_YEAR,
        ),
        "import": Attempt(
            imported("expenditures", code_row("expenditure", "執行コード"), lambda world: {"執行日": "2009-04-01"}),
            IN_YEAR,
        ),
        "admin": Attempt(admin("expenditure", lambda world: {"spent_on": "2009-04-01"}), IN_YEAR),
        "service": Attempt(service(expenditure(spent_on=datetime.date(2009, 4, 1))), IN_YEAR),
    },
    "grant.traces_to_selection": {
        "form": Attempt(grant_form(region_key="never_applied"), NOT_SELECTED),
        "import": Attempt(grant_import(region_key="never_applied"), NOT_SELECTED),
        "admin": Attempt(grant_admin(region="never_applied"), NOT_SELECTED),
        "service": Attempt(service(grant(region_key="never_applied")), NOT_SELECTED),
    },
    "grant.call_covers_year": {
        "form": Attempt(grant_form(fiscal_year="2040"), NO_ENVELOPE_YEAR),
        "import": Attempt(grant_import(fiscal_year="2040"), NO_ENVELOPE_YEAR),
        "admin": Attempt(grant_admin(fiscal_year="2040"), NO_ENVELOPE_YEAR),
        "service": Attempt(service(grant(fiscal_year=2040)), NO_ENVELOPE_YEAR),
    },
    "grant.call_not_draft": {
        "form": Attempt(grant_form(call_key="draft_call", fiscal_year="2030"), DRAFT),
        "import": Attempt(grant_import(call_key="draft_call", fiscal_year="2030"), DRAFT),
        "admin": Attempt(grant_admin(call="draft_call"), DRAFT),
        "service": Attempt(service(grant(call_key="draft_call", fiscal_year=2030)), DRAFT),
    },
    "call.envelope_not_exceeded": {
        "form": Attempt(grant_form(amount="2000000001"), ENVELOPE),
        "import": Attempt(grant_import(amount="2000000001"), ENVELOPE),
        "admin": NotAWritePath("a grant's amount changes only by amendment; the admin field is read-only"),
        "service": Attempt(service(grant(amount=2_000_000_001)), ENVELOPE),
    },
    "report.fiscal_year_in_period": {
        "form": Attempt(
            form("headquarters", url("workspace:report_edit", "report"), lambda world: {"fiscal_year": "2100"}),
            REPORT_PERIOD,
        ),
        "import": NotAWritePath("progress reports are not an import data set (cluster_portal/tabular/registry.py)"),
        "admin": Attempt(admin("report", lambda world: {"fiscal_year": "2100"}), REPORT_PERIOD),
        "service": Attempt(
            service(
                lambda world: report_services.report_create(
                    user=world["users"]["headquarters"],
                    project=world["project"],
                    data={"fiscal_year": 2100, "half": "H1", "narrative": "進捗"},
                    milestones=[],
                )
            ),
            REPORT_PERIOD,
        ),
    },
    "outcome.not_in_future": {
        "form": Attempt(
            form("headquarters", url("workspace:outcome_edit", "outcome"), lambda world: {"occurred_on": "2099-01-01"}),
            FUTURE,
        ),
        "import": Attempt(
            imported("outcomes", code_row("outcome", "成果コード"), lambda world: {"年月日": "2099-01-01"}), FUTURE
        ),
        "admin": Attempt(admin("outcome", lambda world: {"occurred_on": "2099-01-01"}), FUTURE),
        "service": Attempt(
            service(
                lambda world: outcome_services.outcome_create(
                    user=world["users"]["headquarters"],
                    project=world["project"],
                    data={"kind": "paper", "title": "未来の論文", "occurred_on": datetime.date(2099, 1, 1)},
                )
            ),
            FUTURE,
        ),
    },
    "activity.within_term": {
        "form": Attempt(
            form("headquarters", url("workspace:activity_edit", "activity"), lambda world: {"held_on": "1990-01-01"}),
            TERM,
        ),
        "import": Attempt(
            imported(
                "coordination-activities", code_row("activity", "活動コード"), lambda world: {"実施日": "1990-01-01"}
            ),
            TERM,
        ),
        "admin": Attempt(admin("activity", lambda world: {"held_on": "1990-01-01"}), TERM),
        "service": Attempt(
            service(
                lambda world: coordinator_services.activity_create(
                    user=world["users"]["headquarters"],
                    coordinator=world["coordinator"],
                    data={"held_on": datetime.date(1990, 1, 1), "title": "面談", "result": "continued"},
                    organizations=[world["organization"]],
                )
            ),
            TERM,
        ),
    },
    "evaluation.dated_in_or_after_year": {
        "form": Attempt(
            form(
                "ministry", url("ministry:evaluation_edit", "evaluation"), lambda world: {"evaluated_on": "2001-06-01"}
            ),
            EVALUATED,
        ),
        "import": NotAWritePath("evaluations are not an import data set (cluster_portal/tabular/registry.py)"),
        "admin": Attempt(admin("evaluation", lambda world: {"evaluated_on": "2001-06-01"}), EVALUATED),
        "service": Attempt(
            service(
                lambda world: evaluation_services.evaluation_save(
                    user=world["users"]["ministry"],
                    evaluation=world["evaluation"],
                    region=world["region"],
                    kind=world["evaluation"].kind,
                    fiscal_year=world["evaluation"].fiscal_year,
                    grade="A",
                    summary="順調",
                    recommendation="continue",
                    evaluated_on=datetime.date(2001, 6, 1),
                )
            ),
            EVALUATED,
        ),
    },
}


MATRIX["support.amendments_match_decision"] = {
    # confirming amends every year or none: FY2032 over its envelope must not leave FY2031 amended
    "form": Attempt(support_confirm_form, SUPPORT_OVERRUN, support_draft),
    "import": NotAWritePath(
        "no import data set writes support decisions or grant amendments; the grants import never changes a "
        "registered amount (GrantResource.protected_on_update)"
    ),
    "admin": NotAWritePath(
        "support decisions and grant amendments are read-only in the admin (ReadOnlyAdminMixin): confirming "
        "happens only on the ministry's pages"
    ),
    "service": Attempt(service(extra_support_amendment), SUPPORT_CONFIRMED, support_confirmed),
}


def explained_overrun(world):
    """An earlier overrun, explained: the budget already carries a reason (which must not cover a new cut)."""
    type(world["budget"]).objects.filter(pk=world["budget"].pk).update(overrun_reason="以前の超過の理由")
    world["budget"].refresh_from_db()


# Rules of one edit rather than of the stored data (check_integrity cannot see them afterwards).
CUT = "配分額を執行額（2,000,000円）より少なくするには、この変更の理由を入力してください。"
EDIT_RULES: dict[str, dict[str, Attempt | NotAWritePath]] = {
    # an allocation cut below what is already executed carries its own reason, not an older one
    "budget.cut_below_executed_needs_its_own_reason": {
        "form": Attempt(
            form("headquarters", url("workspace:budget_edit", "budget"), lambda world: {"allocated": "1000000"}),
            CUT,
            explained_overrun,
        ),
        "import": Attempt(
            imported("budgets", budget_row, lambda world: {"配分額（円）": "1000000"}), CUT, explained_overrun
        ),
        "admin": Attempt(admin("budget", lambda world: {"allocated": "1000000"}), CUT, explained_overrun),
        "service": Attempt(
            service(
                lambda world: budget_services.budget_allocate(
                    project=world["project"],
                    fiscal_year=2008,
                    allocated=1_000_000,
                    overrun_reason="以前の超過の理由",
                    expected_version=world["budget"].version,
                )
            ),
            CUT,
            explained_overrun,
        ),
    },
}

CASES = [
    (code, path, entry)
    for code, row in {**MATRIX, **EDIT_RULES}.items()
    for path, entry in row.items()
    if isinstance(entry, Attempt)
]


def test_the_matrix_is_complete():
    """Every invariant has a row, and every row names all four paths."""
    assert set(MATRIX) == {check.code for check in integrity.invariants()}
    for code, row in {**MATRIX, **EDIT_RULES}.items():
        assert tuple(row) == PATHS, code
        assert all(isinstance(entry, (Attempt, NotAWritePath)) for entry in row.values()), code
    assert len(CASES) >= 40


@pytest.mark.parametrize(("code", "path", "attempt"), CASES, ids=[f"{code}-{path}" for code, path, _ in CASES])
def test_every_write_path_refuses_to_break_the_invariant(world, db_snapshot, code, path, attempt):
    if attempt.prepare is not None:
        attempt.prepare(world)
    before = db_snapshot()

    shown = attempt.run(world)

    assert attempt.expect in shown, errors_in(shown) if path in ("form", "admin") else shown
    assert db_snapshot() == before, f"{code} through {path}: something was written"


def errors_in(page: str) -> str:
    """The error lines of a rendered form page (for a readable failure)."""
    found = re.findall(r'<ul class="(?:field__errors|errorlist)[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    return "\n".join(found) or page[:2000]
