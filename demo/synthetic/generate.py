"""Building the synthetic regions, organisations, grants, projects, participations, budgets,
results and coordinators."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from cluster_portal import integrity
from cluster_portal.models import Role, User
from coordinators.models import Coordinator, CoordinatorKind
from demo.loader.base import DemoContext, fiscal_year_end, fiscal_year_start, rng_for, split_amount, thousands
from demo.loader.reference import load_prefectures
from demo.loader.vocabulary import (
    COMPANY_STEMS,
    COMPANY_WORDS,
    FIELDS,
    GIVEN_NAMES,
    SURNAMES,
    TITLE_SUFFIXES,
    UNIVERSITY_WORDS,
)
from demo.synthetic.inventory import synthetic_exists
from demo.synthetic.plan import (
    CALL_CODE,
    CODE_ALPHABET,
    COMPANIES_PER_REGION,
    COORDINATOR_CODE_PREFIX,
    DECIDER_USERNAME,
    DEFAULT_BATCH_SIZE,
    FIRST_FISCAL_YEAR,
    FISCAL_YEARS,
    GRANT_NOTE,
    LAST_FISCAL_YEAR,
    OUTCOME_HAS_CODE,
    OUTCOME_WEIGHTS,
    PROGRAM_CODE,
    PROJECT_CODE_PREFIX,
    PUBLIC_RESEARCH_PER_REGION,
    SLUG_PREFIX,
    SOURCE,
    SYNTHETIC,
    UNIVERSITIES_PER_REGION,
    YEN_PER_REGION_YEAR,
    Scale,
    SyntheticDataError,
    _share,
    synthetic,
    synthetic_en,
)
from demo.synthetic.writer import BulkWriter, _validate
from projects.models import (
    Expenditure,
    ExpenseCategory,
    JointResearchProject,
    Outcome,
    OutcomeKind,
    Participation,
    ParticipationRole,
    ProjectBudget,
    ProjectStatus,
)
from regions.models import (
    Call,
    CallBudget,
    CallStatus,
    ClusterType,
    Decision,
    Grant,
    Headquarters,
    Organization,
    OrganizationKind,
    Prefecture,
    Program,
    Proposal,
    ProposalBudgetLine,
    ProposalStatus,
    Region,
    RegionStatus,
    SelectionDecision,
)

# ---------------------------------------------------------------------------
# Generating


@dataclass
class RegionPool:
    government: Organization
    core: Organization
    universities: list[Organization]
    companies: list[Organization]
    public_research: list[Organization]


def _organizations(*, number: int, prefecture: Prefecture, writer: BulkWriter, rng) -> RegionPool:
    tag = f"S{number:04d}"
    slug = f"{SLUG_PREFIX}r{number:04d}"

    def org(kind: str, suffix: str, name: str, name_en: str) -> Organization:
        return Organization(
            name=synthetic(f"{name}（{tag}）"),
            name_en=synthetic_en(f"{name_en} ({tag})"),
            kind=kind,
            slug=f"{slug}-{suffix}",
            prefecture=prefecture,
            is_generated=True,
        )

    government = org(
        OrganizationKind.LOCAL_GOVERNMENT,
        "gov",
        f"{prefecture.name}産業振興部",
        f"{prefecture.name_en} industry bureau",
    )
    core = org(
        OrganizationKind.CORE_INSTITUTION,
        "core",
        f"{prefecture.name}科学技術振興財団",
        f"{prefecture.name_en} Science and Technology Foundation",
    )
    universities = []
    for index in range(UNIVERSITIES_PER_REGION):
        word, word_en = rng.choice(UNIVERSITY_WORDS)
        universities.append(
            org(
                OrganizationKind.UNIVERSITY,
                f"u{index + 1}",
                f"{prefecture.name}{word}大学 共同研究センター{index + 1}",
                f"{prefecture.name_en} University of {word_en}, Joint Research Centre {index + 1}",
            )
        )
    companies = []
    for index in range(COMPANIES_PER_REGION):
        stem, stem_en = rng.choice(COMPANY_STEMS)
        word, word_en = rng.choice(COMPANY_WORDS)
        companies.append(
            org(
                OrganizationKind.COMPANY,
                f"c{index + 1:02d}",
                f"{stem}{word}株式会社 {index + 1:02d}",
                f"{stem_en} {word_en} Co., Ltd. {index + 1:02d}",
            )
        )
    public_research = [
        org(
            OrganizationKind.PUBLIC_RESEARCH,
            f"p{index + 1}",
            f"{prefecture.name}工業技術センター{index + 1}",
            f"{prefecture.name_en} Industrial Technology Centre {index + 1}",
        )
        for index in range(PUBLIC_RESEARCH_PER_REGION)
    ]
    writer.create([government, core, *universities, *companies, *public_research])
    return RegionPool(government, core, universities, companies, public_research)


def _region(*, number: int, program: Program, prefectures: list[Prefecture], pool: RegionPool, rng) -> Region:
    field_code = rng.choice(sorted(FIELDS))
    theme = FIELDS[field_code][0]
    prefecture = prefectures[0]
    region = Region(
        slug=f"{SLUG_PREFIX}r{number:04d}",
        name=synthetic(f"{prefecture.name}第{number}地域"),
        name_en=synthetic_en(f"{prefecture.name_en} area {number}"),
        program=program,
        cluster_name=synthetic(f"{prefecture.name}{theme}クラスター{number}"),
        cluster_name_en=synthetic_en(f"{prefecture.name_en} {field_code} cluster {number}"),
        theme=theme,
        theme_en=field_code,
        concept=synthetic(
            f"{prefecture.name}の大学の研究シーズと企業のニーズを結び、{theme}の産業集積をつくる（負荷試験用の架空の構想）。"
        ),
        cluster_type=ClusterType.GLOBAL if rng.random() < 0.2 else ClusterType.REGIONAL,
        status=RegionStatus.ACTIVE if rng.random() < 0.7 else RegionStatus.COMPLETED,
        core_institution=pool.core,
        designated_by=pool.government,
        selected_fiscal_year=FIRST_FISCAL_YEAR,
        start_fiscal_year=FIRST_FISCAL_YEAR,
        end_fiscal_year=LAST_FISCAL_YEAR,
        is_published=rng.random() < 0.9,
        source=SOURCE,
    )
    _validate(region)
    region.save()
    region.prefectures.set(prefectures)
    return region


def _selection(*, program: Program, regions: int) -> tuple[Call, User]:
    """The one synthetic call every synthetic region was selected on, with an envelope per fiscal
    year sized for all regions, and the inactive ministry user who records the decisions."""
    call = Call(
        program=program,
        code=CALL_CODE,
        title=synthetic("負荷試験用の公募"),
        fiscal_year=FIRST_FISCAL_YEAR,
        opens_on=datetime.date(FIRST_FISCAL_YEAR - 1, 12, 1),
        closes_on=datetime.date(FIRST_FISCAL_YEAR, 2, 28),
        status=CallStatus.CLOSED,
        description=synthetic("manage.py generate_data が生成した公募です。"),
    )
    _validate(call)
    call.save()
    CallBudget.objects.bulk_create(
        CallBudget(call=call, fiscal_year=year, envelope=regions * YEN_PER_REGION_YEAR)
        for year in range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1)
    )
    decider = User(username=DECIDER_USERNAME, role=Role.MINISTRY, is_active=False, last_name=SYNTHETIC)
    decider.set_unusable_password()
    decider.save()
    return call, decider


def _proposal(*, call: Call, region: Region, decider: User, writer: BulkWriter, rng) -> None:
    """The region's selected proposal, recorded before its grants (a grant needs it): it asked for
    520–620 million yen a year, more than any synthetic grant (at most 500 million)."""
    proposal = Proposal(
        call=call,
        region=region,
        title=region.cluster_name,
        summary=region.concept,
        theme=region.theme,
        cluster_type=region.cluster_type,
        status=ProposalStatus.SELECTED,
        submitted_at=datetime.datetime(FIRST_FISCAL_YEAR, 2, 20, 10, tzinfo=datetime.UTC),
        created_by=decider,
    )
    writer.create([proposal])
    for year in range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1):
        amount = thousands(rng.uniform(520e6, 620e6))
        writer.add(ProposalBudgetLine(proposal=proposal, fiscal_year=year, requested_amount=amount))
    decision = SelectionDecision(
        proposal=proposal, decision=Decision.SELECTED, reason=synthetic("負荷試験用の採択"), decided_by=decider
    )
    writer.create([decision])
    # decided_at is auto_now_add: the selection is dated before the first grant afterwards
    SelectionDecision.objects.filter(pk=decision.pk).update(
        decided_at=datetime.datetime(FIRST_FISCAL_YEAR, 3, 20, 10, tzinfo=datetime.UTC)
    )


def _grants(*, region: Region, call: Call, writer: BulkWriter, rng) -> dict[int, Grant]:
    grants = {}
    for fiscal_year in range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1):
        grants[fiscal_year] = Grant(
            region=region,
            call=call,
            fiscal_year=fiscal_year,
            amount=thousands(rng.uniform(300e6, 500e6)),
            decided_on=fiscal_year_start(fiscal_year) + datetime.timedelta(days=rng.randint(0, 30)),
            note=GRANT_NOTE,
        )
    writer.create(list(grants.values()))
    return grants


def _projects(*, number: int, region: Region, count: int, pool: RegionPool, writer: BulkWriter, rng):
    """``count`` projects spread over the twenty fiscal years, each running one to five years."""
    projects = []
    years = {}
    topics = [(label, topic, topic_en) for label, _keywords, items in FIELDS.values() for topic, topic_en in items]
    for index in range(count):
        start_year = FIRST_FISCAL_YEAR + (index * FISCAL_YEARS) // count
        end_year = min(LAST_FISCAL_YEAR, start_year + rng.randint(0, 4))
        label, topic, topic_en = rng.choice(topics)
        suffix, suffix_en = rng.choice(TITLE_SUFFIXES)
        if end_year < LAST_FISCAL_YEAR:
            status = ProjectStatus.COMPLETED
        else:
            status = ProjectStatus.SUSPENDED if rng.random() < 0.05 else ProjectStatus.ACTIVE
        project = JointResearchProject(
            region=region,
            code=f"{PROJECT_CODE_PREFIX}{number:04d}-{index + 1:05d}",
            title=synthetic(f"{topic}{suffix}"),
            title_en=synthetic_en(suffix_en.format(topic_en)),
            theme=label,
            summary=synthetic(
                f"{topic}について、大学の研究シーズと企業のニーズを結ぶ共同研究を行う（負荷試験用の架空の研究）。"
            ),
            status=status,
            start_date=fiscal_year_start(start_year) + datetime.timedelta(days=rng.randint(0, 60)),
            end_date=fiscal_year_end(end_year),
            host_organization=rng.choice(pool.universities),
            is_published=region.is_published and rng.random() < 0.9,
        )
        projects.append(project)
        years[project.code] = (start_year, end_year)
    writer.create(projects)
    return projects, years


def _participations(*, project: JointResearchProject, per_project: int, pool: RegionPool, writer: BulkWriter, rng):
    """The host university leads; companies, other universities and public research institutes join."""
    chosen = [(project.host_organization, ParticipationRole.LEAD_UNIVERSITY)]
    others = (
        [(org, ParticipationRole.COMPANY) for org in pool.companies]
        + [(org, ParticipationRole.UNIVERSITY) for org in pool.universities if org != project.host_organization]
        + [(org, ParticipationRole.PUBLIC_RESEARCH) for org in pool.public_research]
    )
    chosen += rng.sample(others, min(per_project - 1, len(others)))
    for organization, role in chosen[:per_project]:
        writer.add(Participation(project=project, organization=organization, role=role))
    return [organization for organization, role in chosen if role == ParticipationRole.COMPANY]


def _budgets(*, grants: dict[int, Grant], projects, years, writer: BulkWriter, rng) -> None:
    """Per fiscal year, 80–98 % of the grant split among the projects running that year."""
    for fiscal_year, grant in grants.items():
        running = [p for p in projects if years[p.code][0] <= fiscal_year <= years[p.code][1]]
        if not running:
            continue
        total = thousands(grant.amount * rng.uniform(0.80, 0.98))
        budgets = []
        for project, allocated in zip(running, split_amount(rng, total, len(running)), strict=True):
            executed = thousands(allocated * rng.uniform(0.85, 1.0)) if fiscal_year < LAST_FISCAL_YEAR else 0
            budgets.append(ProjectBudget(project=project, grant=grant, allocated=allocated, executed=executed))
        writer.create(budgets)
        _expenditures(budgets=budgets, fiscal_year=fiscal_year, writer=writer, rng=rng)


def _expenditures(*, budgets: list[ProjectBudget], fiscal_year: int, writer: BulkWriter, rng) -> None:
    """Execution entries whose sum is each budget's 執行額 (the derived value is never written alone)."""
    categories = list(ExpenseCategory.values)
    first = fiscal_year_start(fiscal_year)
    for budget in budgets:
        if not budget.executed:
            continue
        for amount in split_amount(rng, budget.executed, rng.randint(1, 3)):
            writer.add(
                Expenditure(
                    budget=budget,
                    category=rng.choice(categories),
                    amount=amount,
                    spent_on=first + datetime.timedelta(days=rng.randint(0, 364)),
                    description=synthetic("負荷試験用の執行"),
                )
            )


def _outcomes(*, project: JointResearchProject, count: int, companies, years, writer: BulkWriter, rng) -> None:
    kinds = [kind for kind, _weight in OUTCOME_WEIGHTS]
    weights = [weight for _kind, weight in OUTCOME_WEIGHTS]
    start_year, end_year = years
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        fiscal_year = rng.randint(start_year, min(end_year + 1, LAST_FISCAL_YEAR))
        occurred_on = fiscal_year_start(fiscal_year) + datetime.timedelta(days=rng.randint(0, 364))
        number = f"{project.code}-{index + 1:02d}"
        outcome = Outcome(
            project=project,
            kind=kind,
            title=synthetic(f"{project.title.removeprefix(SYNTHETIC)}の成果 {index + 1}"),
            title_en=synthetic_en(f"Result {index + 1} of {project.code}"),
            occurred_on=occurred_on,
            is_published=project.is_published and rng.random() < 0.9,
        )
        if OUTCOME_HAS_CODE:
            outcome.code = "R-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
        if kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED):
            outcome.country = "JP"
            outcome.application_number = f"合成特願{occurred_on.year}-{number}"
            outcome.applicants = outcome.inventors = SYNTHETIC.strip("（）")
        if kind == OutcomeKind.PATENT_GRANTED:
            outcome.registration_number = f"合成特許{number}"
            outcome.granted_on = occurred_on + datetime.timedelta(days=rng.randint(400, 1200))
        elif kind == OutcomeKind.PAPER:
            outcome.doi = f"10.99999/syn.{number.lower()}"
        elif kind in (OutcomeKind.LICENSE, OutcomeKind.COMMERCIALIZATION) and companies:
            outcome.company = rng.choice(companies)
            if kind == OutcomeKind.COMMERCIALIZATION:
                outcome.product = synthetic(f"製品 {number}")
        writer.add(outcome)


def _coordinators(*, region: Region, first_number: int, count: int, pool: RegionPool, writer: BulkWriter, rng):
    kinds = [CoordinatorKind.COORDINATOR, CoordinatorKind.COORDINATOR, CoordinatorKind.PATENT_ATTORNEY]
    kinds.append(CoordinatorKind.ADVISOR)
    for offset in range(count):
        surname, surname_en = rng.choice(SURNAMES)
        given, given_en = rng.choice(GIVEN_NAMES)
        start_year = rng.randint(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR)
        writer.add(
            Coordinator(
                region=region,
                code=f"{COORDINATOR_CODE_PREFIX}{first_number + offset:05d}",
                kind=kinds[offset % len(kinds)],
                name=synthetic(f"{surname} {given}"),
                name_en=f"{given_en} {surname_en} (synthetic)",
                expertise=f"{region.theme}、技術移転",
                affiliation=pool.core,
                term_start=fiscal_year_start(start_year),
                term_end=fiscal_year_end(min(LAST_FISCAL_YEAR, start_year + rng.randint(1, 5))),
                profile=synthetic("負荷試験用の架空の人物です。"),
                is_published=region.is_published,
                is_generated=True,
            )
        )


@dataclass
class GenerationReport:
    scale: Scale
    created: Counter
    seconds: Counter
    elapsed: float


def _program() -> Program:
    program = Program(
        code=PROGRAM_CODE,
        name=synthetic("負荷試験用の事業"),
        name_en=synthetic_en("programme for load tests"),
        start_fiscal_year=FIRST_FISCAL_YEAR,
        end_fiscal_year=LAST_FISCAL_YEAR,
        description=synthetic("manage.py generate_data が生成した負荷試験用のデータです。実在の事業ではありません。"),
    )
    _validate(program)
    program.save()
    return program


# The invariants that bulk inserts could break without the one-row services noticing; they are
# checked for the whole run at once, by the same checks as ``manage.py check_integrity``.
CHECKED_INVARIANTS = (
    "budget.within_grant",
    "budget.grant_of_own_region",
    "budget.overrun_has_reason",
    "budget.executed_is_sum",
    "expenditure.in_fiscal_year",
    "grant.traces_to_selection",
    "grant.call_covers_year",
    "call.envelope_not_exceeded",
)


def _check_rules() -> None:
    marks = (SLUG_PREFIX, PROJECT_CODE_PREFIX, CALL_CODE)
    found = [v for v in integrity.violations(CHECKED_INVARIANTS) if any(mark in v.record for mark in marks)]
    if found:
        raise SyntheticDataError("; ".join(str(violation) for violation in found[:5]))


@transaction.atomic
def synthetic_data_generate(
    *,
    scale: Scale,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Create the synthetic dataset in one transaction. Refuses if synthetic rows exist
    (call ``synthetic_data_flush()`` first). ``progress(done, total)`` is called after each region."""
    if synthetic_exists():
        raise SyntheticDataError("synthetic rows exist already; flush them first")
    started = time.monotonic()
    writer = BulkWriter(batch_size=batch_size)
    prefectures = load_prefectures(ctx=DemoContext(today=datetime.date(LAST_FISCAL_YEAR + 1, 3, 31)))
    prefecture_list = [prefectures[name] for name in sorted(prefectures, key=lambda n: prefectures[n].code)]
    program = _program()
    call, decider = _selection(program=program, regions=scale.regions)
    coordinator_number = 1
    for region_index in range(scale.regions):
        number = region_index + 1
        rng = rng_for("synthetic", number)
        first = prefecture_list[region_index % len(prefecture_list)]
        region_prefectures = [first]
        if rng.random() < 0.3:
            region_prefectures.append(rng.choice([p for p in prefecture_list if p != first]))
        pool = _organizations(number=number, prefecture=first, writer=writer, rng=rng)
        region = _region(number=number, program=program, prefectures=region_prefectures, pool=pool, rng=rng)
        Headquarters.objects.create(region=region, name=synthetic(f"{first.name}第{number}地域クラスター本部"))
        _proposal(call=call, region=region, decider=decider, writer=writer, rng=rng)
        grants = _grants(region=region, call=call, writer=writer, rng=rng)
        project_count = _share(scale.projects, scale.regions, region_index)
        if project_count:
            projects, years = _projects(
                number=number, region=region, count=project_count, pool=pool, writer=writer, rng=rng
            )
            _budgets(grants=grants, projects=projects, years=years, writer=writer, rng=rng)
            for project in projects:
                companies = _participations(
                    project=project,
                    per_project=scale.participations_per_project,
                    pool=pool,
                    writer=writer,
                    rng=rng,
                )
                _outcomes(
                    project=project,
                    count=scale.outcomes_per_project,
                    companies=companies,
                    years=years[project.code],
                    writer=writer,
                    rng=rng,
                )
        coordinator_count = _share(scale.coordinators, scale.regions, region_index)
        _coordinators(
            region=region, first_number=coordinator_number, count=coordinator_count, pool=pool, writer=writer, rng=rng
        )
        coordinator_number += coordinator_count
        if progress is not None:
            progress(number, scale.regions)
    writer.flush()
    _check_rules()
    writer.created["regions.Region"] += scale.regions
    writer.created["regions.Headquarters"] += scale.regions
    writer.created["regions.Program"] += 1
    return GenerationReport(
        scale=scale, created=writer.created, seconds=writer.seconds, elapsed=time.monotonic() - started
    )
