"""Generated joint research of one region: projects and participants, budgets
allocated within the grants and their execution, progress reports and outcomes.

All of it is demo data: titles carry 「（デモ）」, patent numbers 「デモ特願…」 and
DOIs use the test prefix 10.5555.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from demo.loader.base import (
    DemoContext,
    DemoDataError,
    at_tokyo,
    day_in_fiscal_year,
    demo,
    demo_en,
    fiscal_year_end,
    rng_for,
    split_amount,
    thousands,
    upsert,
)
from demo.loader.reference import OrganizationPool
from demo.loader.vocabulary import MILESTONE_STAGES, TITLE_SUFFIXES, person, topics_for
from projects.models import (
    Expenditure,
    ExpenseCategory,
    Half,
    JointResearchProject,
    Milestone,
    Outcome,
    OutcomeKind,
    Participation,
    ParticipationRole,
    ProgressReport,
    ProjectBudget,
    ProjectStatus,
    ReportStatus,
)
from projects.services.budgets import budget_allocate
from projects.services.execution import budget_recompute_executed
from regions.models import Grant, Organization, OrganizationKind, Region

PATENT_ASPECTS = ("製造方法", "測定装置", "制御方法", "組成物", "解析システム")
PAPER_ASPECTS = (("特性評価", "Characterisation"), ("設計手法", "Design method"), ("応用事例", "Applications"))
EXPENSE_NOTES = {
    ExpenseCategory.EQUIPMENT: "（デモ）試作・評価用の装置",
    ExpenseCategory.PERSONNEL: "（デモ）研究員の人件費",
    ExpenseCategory.TRAVEL: "（デモ）共同研究先との打合せ旅費",
    ExpenseCategory.CONTRACT: "（デモ）企業への試作委託",
    ExpenseCategory.OTHER: "（デモ）消耗品・会議費",
}
OVERRUN_REASON = "（デモ）装置の価格上昇により設備費が配分額を上回った。差額は中核機関の自己資金で負担。"


@dataclass
class RegionPlan:
    """What the research generator needs to know about one real region."""

    region: Region
    code_prefix: str
    years: tuple[int, int]
    fields: tuple[str, ...]
    pool: OrganizationPool
    grants: dict[int, Grant]
    showcase: bool = False  # regions of the demo headquarters users get every state to look at


@dataclass
class ProjectInfo:
    project: JointResearchProject
    topic: str
    topic_en: str
    first_year: int
    last_year: int
    lead: Organization
    companies: list = field(default_factory=list)


def project_status(*, start: datetime.date, end: datetime.date, today: datetime.date) -> str:
    if end < today:
        return ProjectStatus.COMPLETED
    if start > today:
        return ProjectStatus.PLANNED
    return ProjectStatus.ACTIVE


def upsert_projects(*, ctx: DemoContext, plan: RegionPlan) -> list[ProjectInfo]:
    """Five to eight joint research projects with their participants (codes like HAM2-001)."""
    rng = rng_for("projects", plan.region.slug)
    start, end = plan.years
    topics = rng.sample(topics_for(plan.fields), k=min(rng.randint(5, 8), len(topics_for(plan.fields))))
    private_index = len(topics) - 1 if plan.showcase or rng.random() < 0.2 else None
    infos = []
    for index, (field_label, topic, topic_en) in enumerate(topics):
        suffix, suffix_en = rng.choice(TITLE_SUFFIXES)
        first_year = min(start + rng.choice((0, 0, 0, 1, 1, 2)), end)
        last_year = min(end, first_year + rng.randint(1, 4))
        start_date = datetime.date(first_year, rng.choice((4, 5, 6, 7, 10)), 1)
        end_date = fiscal_year_end(last_year)
        lead = rng.choice(plan.pool.universities)
        companies = rng.sample(plan.pool.companies, rng.randint(2, 4))
        project = upsert(
            ctx,
            JointResearchProject,
            lookup={"code": f"{plan.code_prefix}-{index + 1:03d}"},
            values={
                "region": plan.region,
                "title": demo(f"{topic}{suffix}"),
                "title_en": demo_en(suffix_en.format(topic_en)),
                "theme": field_label,
                "summary": (
                    f"デモ用に生成した共同研究プロジェクトです（実在の研究課題ではありません）。"
                    f"{lead.name}を拠点に、企業{len(companies)}社と公設試験研究機関が参画し、"
                    f"{topic}の研究開発と特許化、事業化を進める。"
                ),
                "status": project_status(start=start_date, end=end_date, today=ctx.today),
                "start_date": start_date,
                "end_date": end_date,
                "host_organization": lead,
                "is_published": index != private_index,
            },
        )
        upsert_participations(ctx=ctx, project=project, plan=plan, lead=lead, companies=companies, rng=rng)
        infos.append(ProjectInfo(project, topic, topic_en, first_year, last_year, lead, companies))
    return infos


def upsert_participations(*, ctx, project, plan, lead, companies, rng: random.Random) -> None:
    members = [(lead, ParticipationRole.LEAD_UNIVERSITY)]
    others = [centre for centre in plan.pool.universities if centre != lead]
    if others and rng.random() < 0.5:
        members.append((rng.choice(others), ParticipationRole.UNIVERSITY))
    members += [(company, ParticipationRole.COMPANY) for company in companies]
    if rng.random() < 0.7:
        members.append((rng.choice(plan.pool.public_research), ParticipationRole.PUBLIC_RESEARCH))
    for organization, role in members:
        upsert(
            ctx,
            Participation,
            lookup={"project": project, "organization": organization},
            values={"role": role},
            defer=True,
        )


# ---------------------------------------------------------------------------
# Budgets and execution


def allocate_budgets(*, ctx: DemoContext, plan: RegionPlan, infos: list[ProjectInfo], fiscal_year_now: int) -> None:
    """Each year 72–88 % of the grant goes to the projects running that year (the rest funds the
    headquarters and coordinators). Allocations go through ``budget_allocate`` so the grant rule
    is checked as for any other allocation; a budget already holding the values is left alone."""
    rng = rng_for("budgets", plan.region.slug)
    for fiscal_year, grant in sorted(plan.grants.items()):
        running = [info for info in infos if info.first_year <= fiscal_year <= info.last_year]
        if not running:
            continue
        shares = split_amount(rng, thousands(grant.amount * rng.uniform(0.72, 0.88)), len(running))
        wanted = []
        for info, allocated in zip(running, shares, strict=True):
            reason = ""
            if fiscal_year < fiscal_year_now:
                ratio = rng.uniform(0.9, 1.0)
                if rng.random() < 0.03:
                    ratio, reason = 1.03, OVERRUN_REASON
            else:
                ratio = 0.5 if fiscal_year == fiscal_year_now else 0.0
            wanted.append((info, allocated, thousands(allocated * ratio), reason))
        existing = {
            budget.project_id: budget for budget in ProjectBudget.objects.filter(grant=grant).order_by("project__code")
        }
        # Lower allocations first, so a changed plan never exceeds the grant on the way.
        wanted.sort(key=lambda item: item[1] - getattr(existing.get(item[0].project.pk), "allocated", 0))
        for info, allocated, executed, reason in wanted:
            budget = existing.get(info.project.pk)
            if budget and (budget.allocated, budget.executed, budget.overrun_reason) == (allocated, executed, reason):
                ctx.unchanged[ProjectBudget._meta.label] += 1
                continue
            counter = ctx.updated if budget else ctx.created
            # 執行額 is never written: the entries are, and the domain sums them
            budget = budget_allocate(
                project=info.project, fiscal_year=fiscal_year, allocated=allocated, overrun_reason=reason
            )
            upsert_expenditures(
                ctx=ctx, budget=budget, executed=executed, project=info.project, fiscal_year=fiscal_year
            )
            budget_recompute_executed(budget_pk=budget.pk)
            counter[ProjectBudget._meta.label] += 1


def upsert_expenditures(
    *, ctx: DemoContext, budget: ProjectBudget, executed: int, project: JointResearchProject, fiscal_year: int
) -> None:
    """Two to four entries in different expense categories that add up to ``executed``."""
    rng = rng_for("expenditures", project.code, fiscal_year)
    categories = rng.sample(list(ExpenseCategory.values), rng.randint(2, 4))
    amounts = split_amount(rng, executed, len(categories))
    for category, amount in zip(categories, amounts, strict=True):
        if executed == 0:
            break
        upsert(
            ctx,
            Expenditure,
            lookup={"budget": budget, "category": category},
            values={
                "amount": amount,
                "spent_on": day_in_fiscal_year(rng, fiscal_year),
                "description": EXPENSE_NOTES[category],
            },
        )


# ---------------------------------------------------------------------------
# Progress reports


def report_halves(info: ProjectInfo, today: datetime.date):
    """(fiscal year, half, due date) of every half-year the project ran, up to today."""
    for fiscal_year in range(info.first_year, info.last_year + 1):
        halves = (
            (Half.FIRST, datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year, 10, 31)),
            (Half.SECOND, datetime.date(fiscal_year, 10, 1), datetime.date(fiscal_year + 1, 4, 30)),
        )
        for half, begins, due_on in halves:
            if begins <= today and due_on > info.project.start_date:
                yield fiscal_year, half, due_on


def upsert_reports(*, ctx: DemoContext, info: ProjectInfo, last_status: str) -> None:
    """Half-year reports, accepted with a public summary, except the last one may be in another state."""
    rng = rng_for("reports", info.project.code)
    halves = list(report_halves(info, ctx.today))
    for position, (fiscal_year, half, due_on) in enumerate(halves):
        status = last_status if position == len(halves) - 1 else ReportStatus.ACCEPTED
        half_label = "上半期" if half == Half.FIRST else "下半期"
        report = upsert(
            ctx,
            ProgressReport,
            lookup={"project": info.project, "fiscal_year": fiscal_year, "half": half},
            values={
                "due_on": due_on,
                "status": status,
                "narrative": f"（デモ）{info.topic}について、{fiscal_year}年度{half_label}は試作と評価を進めた。",
                "problems": rng.choice(
                    ("（デモ）特になし。", "（デモ）評価装置の納期が遅れた。", "（デモ）量産時のコストが課題。")
                ),
                "next_steps": "（デモ）企業での実証試験に向けて仕様を詰める。",
                "public_summary": (
                    f"（デモ）{info.topic}の研究開発が計画どおり進んだ（{fiscal_year}年度{half_label}）。"
                    if status == ReportStatus.ACCEPTED
                    else ""
                ),
                "submitted_at": None
                if status == ReportStatus.DRAFT
                else at_tokyo(due_on - datetime.timedelta(days=rng.randint(1, 10)), 16),
            },
        )
        for stage in rng.sample(MILESTONE_STAGES, rng.randint(1, 2)):
            achieved = rng.random() < 0.8
            upsert(
                ctx,
                Milestone,
                lookup={"report": report, "title": f"（デモ）{stage}"},
                values={
                    "planned": f"（デモ）{info.topic}の{stage}を行う。",
                    "achieved": f"（デモ）{stage}を完了した。" if achieved else "（デモ）次期に持ち越し。",
                    "is_achieved": achieved,
                },
                defer=True,
            )


# ---------------------------------------------------------------------------
# Outcomes


def _occurred(rng: random.Random, info: ProjectInfo, today: datetime.date) -> datetime.date:
    day = day_in_fiscal_year(rng, rng.randint(info.first_year, info.last_year))
    return min(max(day, info.project.start_date), today)


def upsert_outcomes(*, ctx: DemoContext, info: ProjectInfo, hide_one: bool) -> None:
    """Patents (some granted), papers, presentations and now and then a licence, a product,
    a start-up or an award. ``hide_one`` keeps the first patent an unpublished application."""
    rng = rng_for("outcomes", info.project.code)
    project, today = info.project, ctx.today
    university = info.lead.parent or info.lead
    company = info.companies[0]
    hidden = hide_one
    for number, aspect in enumerate(rng.sample(PATENT_ASPECTS, rng.randint(1, 3)), start=1):
        filed_on = _occurred(rng, info, today)
        granted_on = filed_on + datetime.timedelta(days=rng.randint(3 * 365, 5 * 365))
        granted = granted_on <= today and rng.random() < 0.3 and not hidden
        if granted:
            ctx.registration_number += 1
        upsert(
            ctx,
            Outcome,
            # Clearly fake numbers, stable per project: 「デモ特願2009-HAM2-002-1」.
            lookup={"country": "JP", "application_number": f"デモ特願{filed_on.year}-{project.code}-{number}"},
            values={
                "project": project,
                "kind": OutcomeKind.PATENT_GRANTED if granted else OutcomeKind.PATENT_APPLICATION,
                "title": demo(f"{info.topic}の{aspect}"),
                "occurred_on": filed_on,
                "registration_number": f"デモ特許第{ctx.registration_number:07d}号" if granted else "",
                "granted_on": granted_on if granted else None,
                "applicants": f"{university.name}、{company.name}",
                "inventors": "、".join(person(rng)[0] for _ in range(2)),
                "company": company,
                "is_published": not hidden and rng.random() > 0.04,
            },
            defer=True,
        )
        hidden = False
    for aspect, aspect_en in rng.sample(PAPER_ASPECTS, rng.randint(1, 3)):
        day = _occurred(rng, info, today)
        ctx.doi_numbers[day.year] += 1
        _other(
            ctx,
            info,
            OutcomeKind.PAPER,
            demo(f"{info.topic}の{aspect}"),
            day,
            title_en=demo_en(f"{aspect_en} of {info.topic_en}"),
            doi=f"10.5555/demo.{day.year}.{ctx.doi_numbers[day.year]:03d}",
            rng=rng,
        )
    for number in range(1, rng.randint(1, 3) + 1):
        title = demo(f"{info.topic}に関する学会発表（{number}）")
        _other(ctx, info, OutcomeKind.PRESENTATION, title, _occurred(rng, info, today), rng=rng)
    if rng.random() < 0.25:
        title = demo(f"{info.topic}に関する技術のライセンス")
        _other(ctx, info, OutcomeKind.LICENSE, title, _occurred(rng, info, today), company=company, rng=rng)
    if rng.random() < 0.25:
        product = demo(f"{info.topic}の製品")
        _other(
            ctx,
            info,
            OutcomeKind.COMMERCIALIZATION,
            demo(f"{info.topic}の製品化"),
            _occurred(rng, info, today),
            company=rng.choice(info.companies),
            product=product,
            rng=rng,
        )
    if rng.random() < 0.08:
        startup = upsert(
            ctx,
            Organization,
            lookup={"slug": f"demo-startup-{project.code.lower()}"},
            values={
                "name": demo(f"{project.code}発ベンチャー株式会社"),
                "name_en": demo_en(f"{project.code} spin-off Co., Ltd."),
                "kind": OrganizationKind.COMPANY,
                "prefecture": info.lead.prefecture,
                "is_generated": True,
            },
        )
        title = demo(f"{info.topic}の大学発ベンチャー設立")
        _other(ctx, info, OutcomeKind.STARTUP, title, _occurred(rng, info, today), company=startup, rng=rng)
    if rng.random() < 0.2:
        title = demo(f"{info.topic}の研究に対する学会賞")
        _other(ctx, info, OutcomeKind.AWARD, title, _occurred(rng, info, today), rng=rng)


def _other(ctx, info: ProjectInfo, kind: str, title: str, occurred_on, *, rng: random.Random, **values) -> Outcome:
    if not title.startswith("（デモ）"):
        raise DemoDataError(f"Generated outcome title must be marked as demo: {title}")
    return upsert(
        ctx,
        Outcome,
        lookup={"project": info.project, "kind": kind, "title": title},
        values={
            "occurred_on": occurred_on,
            "description": "デモ用に生成した成果です（実在の成果ではありません）。",
            "is_published": rng.random() > 0.04,
            **values,
        },
        defer=True,
    )


def upsert_research(*, ctx: DemoContext, plan: RegionPlan, fiscal_year_now: int) -> list[ProjectInfo]:
    """Everything of one region's joint research, in dependency order."""
    infos = upsert_projects(ctx=ctx, plan=plan)
    allocate_budgets(ctx=ctx, plan=plan, infos=infos, fiscal_year_now=fiscal_year_now)
    rng = rng_for("report-states", plan.region.slug)
    showcase_states = [ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.DRAFT]
    for index, info in enumerate(infos):
        if plan.showcase and index < len(showcase_states):
            last_status = showcase_states[index]
        elif rng.random() < 0.06:
            last_status = rng.choice(showcase_states)
        else:
            last_status = ReportStatus.ACCEPTED
        upsert_reports(ctx=ctx, info=info, last_status=last_status)
        upsert_outcomes(ctx=ctx, info=info, hide_one=plan.showcase and index == 0)
    return infos
