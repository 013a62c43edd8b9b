"""``manage.py load_demo``: the real regions, generated data that says so, rules that hold,
and a second run that leaves the same database.

The command runs once for the whole module (it takes a few seconds); the module's
transaction is rolled back afterwards, and every test runs in its own savepoint.
"""

import csv
import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from cluster_portal.fiscal import fiscal_year_of
from cluster_portal.models import Role, User
from coordinators.models import CoordinationActivity, Coordinator
from demo.loader.clusters import CSV_PATH, ClusterRow, read_cluster_rows, status_for
from projects.models import JointResearchProject, Outcome, OutcomeKind, ProjectBudget
from regions.models import (
    Call,
    Decision,
    Event,
    Grant,
    HeadquartersMember,
    Organization,
    OrganizationKind,
    Prefecture,
    Proposal,
    ProposalStatus,
    Region,
    RegionStatus,
    ReviewAssignment,
)

pytestmark = pytest.mark.django_db

USERNAMES = ("ministry", "reviewer", "reviewer2", "admin", "hq-hamamatsu", "hq-sapporo")


def run_load_demo(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", "--allow-without-debug", *args, stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    """username → password from the login table at the end of the output."""
    passwords = {}
    for line in output.splitlines():
        words = line.split()
        if words and words[0] in USERNAMES:
            passwords[words[0]] = words[-1]
    return passwords


def row_counts() -> dict[str, int]:
    models = [
        model
        for app_label in ("regions", "projects", "coordinators")
        for model in apps.get_app_config(app_label).get_models()
    ]
    counts = {model._meta.label: model._default_manager.count() for model in [*models, User]}
    for model in models:
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            counts[through._meta.label] = through._default_manager.count()
    return counts


def money_sums() -> dict[str, int]:
    return {
        "grants": Grant.objects.aggregate(total=Sum("amount"))["total"],
        "allocated": ProjectBudget.objects.aggregate(total=Sum("allocated"))["total"],
        "executed": ProjectBudget.objects.aggregate(total=Sum("executed"))["total"],
    }


@pytest.fixture(scope="module")
def first_output(django_db_setup, django_db_blocker):
    """Output of one load_demo run; its rows stay for the module and are rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_load_demo()
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------
# Idempotent and deterministic


def test_second_run_gives_same_counts_codes_and_amounts(first_output):
    counts, sums = row_counts(), money_sums()
    codes = set(JointResearchProject.objects.values_list("code", flat=True))
    slugs = set(Region.objects.values_list("slug", flat=True))
    grant_amounts = set(Grant.objects.values_list("region__slug", "fiscal_year", "amount"))

    second_output = run_load_demo()

    assert row_counts() == counts
    assert money_sums() == sums
    assert set(JointResearchProject.objects.values_list("code", flat=True)) == codes
    assert set(Region.objects.values_list("slug", flat=True)) == slugs
    assert set(Grant.objects.values_list("region__slug", "fiscal_year", "amount")) == grant_amounts
    assert "Rows created 0," in second_output
    # 22 real regions and 17 generated applicants that were not selected (FY2002: 12, FY2008: 3, FY2009: 2)
    assert counts["regions.Region"] == 39
    assert counts["projects.JointResearchProject"] >= 22 * 5
    assert sums["grants"] > 0 and sums["allocated"] > 0


def test_amounts_are_integer_yen_and_grants_within_program_facts(first_output):
    for amount in Grant.objects.values_list("amount", flat=True):
        assert isinstance(amount, int)
        assert 300_000_000 <= amount <= 500_000_000
    assert Grant.objects.filter(region__slug="hamamatsu-2").count() == 5


# ---------------------------------------------------------------------------
# Facts


def test_every_csv_row_is_a_published_region(first_output):
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert len(csv_rows) == 22
    program_of_phase = {"I": "phase-1", "II": "phase-2", "II-global-hub": "global-hub"}
    for row in csv_rows:
        region = Region.objects.get(name=row["region_ja"], program__code=program_of_phase[row["phase"]])
        assert region.is_published
        assert region.source == row["source"]
        assert region.name_en == row["region_en"]
        expected_year = int(row["fiscal_year_selected"]) if row["fiscal_year_selected"] else None
        assert region.selected_fiscal_year == expected_year
        assert sorted(p.name for p in region.prefectures.all()) == sorted(row["prefectures"].split("・"))
        assert region.designated_by.name == row["prefectures"].split("・")[0]
        assert region.designated_by.kind == OrganizationKind.LOCAL_GOVERNMENT
        if row["core_institution_ja"]:
            assert not region.core_institution.is_generated
        else:
            assert region.core_institution.is_generated
            assert region.core_institution.name.startswith("（デモ）")
    assert Region.objects.filter(is_published=True).count() == 22


def test_known_regions_carry_their_facts(first_output):
    hamamatsu = Region.objects.get(name="浜松地域")
    assert hamamatsu.cluster_name == "浜松オプトロニクスクラスター"
    assert [p.name for p in hamamatsu.prefectures.all()] == ["静岡県"]
    assert hamamatsu.slug == "hamamatsu-1"
    assert hamamatsu.core_institution.name == "(財)浜松地域テクノポリス推進機構"
    hamamatsu_2 = Region.objects.get(slug="hamamatsu-2")
    assert hamamatsu_2.name == "静岡県浜松地域"
    assert hamamatsu_2.core_institution == hamamatsu.core_institution  # one institution, two spellings in the CSV
    sendai = Region.objects.get(name="広域仙台地域")
    assert sendai.core_institution.name == "(株)インテリジェント・コスモス研究機構"
    assert sendai.program.code == "phase-2"
    tokai = Region.objects.get(slug="greater-tokai-2")
    assert tokai.cluster_name == "東海広域ナノテクものづくりクラスター"
    assert tokai.theme == "ナノテクノロジー・材料、環境"
    assert Region.objects.filter(program__code="global-hub", cluster_type="global").count() == 4


def test_all_47_prefectures_with_jis_codes(first_output):
    assert Prefecture.objects.count() == 47
    assert list(Prefecture.objects.values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 48)]
    assert Prefecture.objects.get(code="01").name == "北海道"
    assert Prefecture.objects.get(code="13").name == "東京都"
    assert Prefecture.objects.get(code="47").name == "沖縄県"
    assert set(Prefecture.objects.values_list("area", flat=True)) == {
        "北海道",
        "東北",
        "関東",
        "中部",
        "近畿",
        "中国",
        "四国",
        "九州・沖縄",
    }


def test_real_regions_status_follows_their_years(first_output):
    fiscal_year = fiscal_year_of(timezone.localdate())
    for region in Region.objects.filter(is_published=True):
        start = region.start_fiscal_year or region.grants.order_by("fiscal_year").first().fiscal_year
        end = region.end_fiscal_year or start + 4
        assert region.status == status_for(start=start, end=end, fiscal_year=fiscal_year)
    if fiscal_year > 2013:
        assert set(Region.objects.filter(is_published=True).values_list("status", flat=True)) == {
            RegionStatus.COMPLETED
        }


# ---------------------------------------------------------------------------
# Rules of the money flow


def test_allocations_stay_within_each_grant_and_execution_adds_up(first_output):
    grants = Grant.objects.annotate(allocated=Sum("budgets__allocated"))
    assert grants.exists()
    for grant in grants:
        assert (grant.allocated or 0) <= grant.amount, grant
    for budget in ProjectBudget.objects.select_related("project", "grant").annotate(spent=Sum("expenditures__amount")):
        assert budget.project.region_id == budget.grant.region_id
        assert (budget.spent or 0) == budget.executed
        if budget.executed > budget.allocated:
            assert budget.overrun_reason


def test_project_codes_and_outcome_identifiers(first_output):
    assert JointResearchProject.objects.get(code="HAM2-001").region.slug == "hamamatsu-2"
    for code in JointResearchProject.objects.values_list("code", flat=True):
        assert re.fullmatch(r"[A-Z]{3}[12G]-\d{3}", code)
    papers = Outcome.objects.filter(kind=OutcomeKind.PAPER)
    assert papers.exists()
    for doi in papers.values_list("doi", flat=True):
        assert re.fullmatch(r"10\.5555/demo\.\d{4}\.\d{3,}", doi)
    granted = Outcome.objects.filter(kind=OutcomeKind.PATENT_GRANTED)
    assert granted.exists() and not granted.filter(registration_number="").exists()
    assert CoordinationActivity.objects.exclude(resulting_project=None).exists()


# ---------------------------------------------------------------------------
# Generated data is marked


def test_generated_organisations_people_and_coordinators_are_marked(first_output):
    csv_institutions = {row.core_institution_ja for row in read_cluster_rows() if row.core_institution_ja}
    for organization in Organization.objects.all():
        factual = organization.kind == OrganizationKind.LOCAL_GOVERNMENT or organization.name in csv_institutions
        assert organization.is_generated is not factual, organization.name
        if organization.is_generated:
            assert organization.name.startswith("（デモ）"), organization.name
    assert Organization.objects.filter(is_generated=True).count() > 100
    assert not HeadquartersMember.objects.filter(is_generated=False).exists()
    assert not Coordinator.objects.filter(is_generated=False).exists()
    assert not JointResearchProject.objects.exclude(title__startswith="（デモ）").exists()
    assert not Outcome.objects.exclude(title__startswith="（デモ）").exists()


def test_fy2008_call_has_six_proposals_three_selected(first_output):
    proposals = Proposal.objects.filter(call__code="phase2-fy2008")
    assert proposals.count() == 6
    selected = proposals.filter(decision__decision=Decision.SELECTED)
    assert set(selected.values_list("region__name", flat=True)) == {
        "東海広域",
        "富山・石川地域",
        "京都およびけいはんな学研地域",
    }
    assert set(selected.values_list("status", flat=True)) == {ProposalStatus.SELECTED}
    for proposal in proposals.filter(decision__decision=Decision.NOT_SELECTED):
        assert proposal.status == ProposalStatus.NOT_SELECTED
        assert not proposal.region.is_published
        assert proposal.region.status == RegionStatus.PLANNING
        assert proposal.region.name.startswith("（デモ）")
    assignments = ReviewAssignment.objects.filter(proposal__in=proposals).annotate(n=Count("scores"))
    assert set(assignments.values_list("reviewer__username", flat=True)) == {"reviewer", "reviewer2"}
    for assignment in assignments:
        assert assignment.n == (0 if assignment.has_conflict else 5)


def test_an_open_call_accepts_proposals_today_with_a_draft(first_output):
    today = timezone.localdate()
    open_calls = Call.objects.accepting_on(today)
    assert open_calls.count() == 1
    draft = Proposal.objects.get(call=open_calls.get())
    assert draft.status == ProposalStatus.DRAFT
    assert draft.region.slug == "hamamatsu-2"
    assert draft.created_by.username == "hq-hamamatsu"


def test_some_rows_stay_unpublished_to_show_visibility(first_output):
    assert JointResearchProject.objects.filter(is_published=False, region__slug="hamamatsu-2").exists()
    assert Outcome.objects.filter(is_published=False, project__region__slug="hamamatsu-2").exists()
    assert Event.objects.filter(is_published=False, region__slug="hamamatsu-2").exists()
    assert JointResearchProject.objects.published().count() < JointResearchProject.objects.count()


# ---------------------------------------------------------------------------
# Demo users and passwords


def test_demo_users_cover_every_role(first_output):
    users = {user.username: user for user in User.objects.filter(username__in=USERNAMES)}
    assert set(users) == set(USERNAMES)
    assert {user.role for user in users.values()} == set(Role.values)
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["reviewer"].role == users["reviewer2"].role == Role.REVIEWER
    hamamatsu, sapporo = users["hq-hamamatsu"], users["hq-sapporo"]
    assert hamamatsu.role == sapporo.role == Role.HEADQUARTERS
    assert hamamatsu.headquarters.region.slug == "hamamatsu-2"
    assert sapporo.headquarters.region.slug == "central-hokkaido-around-sapporo-2"
    assert hamamatsu.region_id != sapporo.region_id
    for username in USERNAMES:
        assert username in first_output


def test_each_run_prints_new_random_passwords_that_work(first_output):
    first = printed_passwords(first_output)
    second = printed_passwords(run_load_demo())
    assert set(first) == set(second) == set(USERNAMES)
    for username in USERNAMES:
        assert first[username] != second[username]
        user = User.objects.get(username=username)
        assert user.check_password(second[username])
        assert not user.check_password(first[username])
    assert len(set(second.values())) == len(USERNAMES)


def test_password_option_sets_the_given_password(first_output):
    output = run_load_demo("--password", "given-pass-for-test")
    assert set(printed_passwords(output).values()) == {"given-pass-for-test"}
    for user in User.objects.filter(username__in=USERNAMES):
        assert user.check_password("given-pass-for-test")


def test_demo_password_environment_variable(first_output, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "env-pass-for-test")
    output = run_load_demo()
    assert set(printed_passwords(output).values()) == {"env-pass-for-test"}
    assert User.objects.get(username="ministry").check_password("env-pass-for-test")


# ---------------------------------------------------------------------------
# Reading the CSV (no database)


def _row(**overrides) -> ClusterRow:
    values = {
        "phase": "II",
        "fiscal_year_selected": 2008,
        "region_ja": "東海広域",
        "region_en": "Greater Tokai",
        "prefectures": ("愛知県", "岐阜県"),
        "core_institution_ja": "",
        "theme_ja": "",
        "theme_en": "",
        "source": "",
    }
    return ClusterRow(**{**values, **overrides})


@pytest.mark.parametrize(
    ("theme_ja", "theme_en", "expected"),
    [
        (
            "浜松オプトロニクスクラスター",
            "Hamamatsu Optronics Cluster",
            ("浜松オプトロニクスクラスター", "", "Hamamatsu Optronics Cluster", ""),
        ),
        (
            "福岡先端システムLSI開発クラスター(情報通信)",
            "Advanced system-LSI cluster (ICT)",
            ("福岡先端システムLSI開発クラスター", "情報通信", "Advanced system-LSI cluster", "ICT"),
        ),
        ("(ナノテク・環境)", "nanotech & environment", ("", "ナノテク・環境", "", "nanotech & environment")),
        (
            "京都ナノテク事業創成クラスター(ナノテク)",
            "Kyoto Nanotech Business Creation Cluster",
            ("京都ナノテク事業創成クラスター", "ナノテク", "Kyoto Nanotech Business Creation Cluster", ""),
        ),
        ("", "", ("", "", "", "")),
    ],
)
def test_theme_splits_into_cluster_name_and_field(theme_ja, theme_en, expected):
    names = _row(theme_ja=theme_ja, theme_en=theme_en).names
    assert (names["cluster_name"], names["theme"], names["cluster_name_en"], names["theme_en"]) == expected


def test_slugs_and_code_prefixes_are_stable_ascii():
    assert _row(region_en="Hamamatsu area", phase="II").slug == "hamamatsu-2"
    assert _row(region_en="Hamamatsu area", phase="II").code_prefix == "HAM2"
    assert _row(region_en="Greater Sendai", phase="II").code_prefix == "SEN2"
    assert _row(region_en="Tokushima", phase="II-global-hub").slug == "tokushima-global"
    rows = read_cluster_rows()
    assert len({row.slug for row in rows}) == len(rows) == 22
    assert all(row.slug.isascii() for row in rows)


def test_load_demo_refuses_to_run_with_debug_off_unless_told(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    before = row_counts()
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo", stdout=io.StringIO())
    assert row_counts() == before


# ---------------------------------------------------------------------------
# Integrity: every grant traces to a recorded selection, and the money narrows stage by stage


def test_demo_passes_every_invariant(first_output):
    out = io.StringIO()
    call_command("check_integrity", stdout=out, stderr=out)
    assert "invariants hold." in out.getvalue()


def test_every_real_region_was_selected_on_the_call_of_its_grants(first_output):
    for grant in Grant.objects.select_related("region", "call"):
        proposal = Proposal.objects.get(region=grant.region, call=grant.call)
        assert proposal.decision.decision == Decision.SELECTED, grant


def test_selection_rounds_have_the_numbers_of_the_sources(first_output):
    """FY2002: the regions the sources name plus 12 not selected; FY2008: 6 proposals, 3 selected;
    FY2009 global hubs: 6 applied, 4 selected."""
    fy2008 = Proposal.objects.filter(call__code="phase2-fy2008")
    fy2009 = Proposal.objects.filter(call__code="global-hub-fy2009")
    fy2002 = Proposal.objects.filter(call__code="phase1-fy2002")
    assert (fy2008.count(), fy2008.filter(decision__decision=Decision.SELECTED).count()) == (6, 3)
    assert (fy2009.count(), fy2009.filter(decision__decision=Decision.SELECTED).count()) == (6, 4)
    assert fy2002.filter(decision__decision=Decision.NOT_SELECTED).count() == 12


def test_funding_flow_narrows_from_request_to_execution(first_output):
    from public.stats import fiscal_year_span, funding_flow

    first, last = fiscal_year_span()
    for start, end in [(first, last), *((year, year) for year in range(first, last + 1))]:
        flow = funding_flow(start, end)
        stages = [flow.requested, flow.selected, flow.granted, flow.allocated, flow.executed]
        assert stages == sorted(stages, reverse=True), (start, end, stages)
    whole = funding_flow(first, last)
    assert whole.granted > 0 and whole.selected > whole.granted
