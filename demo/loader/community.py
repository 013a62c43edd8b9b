"""Generated people and activities around one region: coordinators and advisors
with their seeds-needs meetings, forums and result presentations, evaluations
and related measures of other ministries and the prefecture."""

from __future__ import annotations

import datetime

from coordinators.models import ActivityResult, CoordinationActivity, Coordinator, CoordinatorKind
from demo.loader.base import DemoContext, day_in_fiscal_year, demo, rng_for, upsert
from demo.loader.research import ProjectInfo, RegionPlan
from demo.loader.vocabulary import FIELDS, person
from regions.models import (
    Evaluation,
    EvaluationKind,
    Event,
    EventKind,
    Grade,
    Headquarters,
    MeasureKind,
    Prefecture,
    Recommendation,
    RelatedMeasure,
)

# ---------------------------------------------------------------------------
# Coordinators and their activities


def upsert_coordinators(*, ctx: DemoContext, plan: RegionPlan, infos: list[ProjectInfo]) -> list[Coordinator]:
    """One to three science & technology coordinators and one patent attorney (弁理士)."""
    rng = rng_for("coordinators", plan.region.slug)
    start, end = plan.years
    prefix = plan.code_prefix.lower()
    expertise = "、".join(FIELDS[code][0] for code in plan.fields) + "、技術移転"
    specs = [(f"{prefix}-c{n:02d}", CoordinatorKind.COORDINATOR) for n in range(1, rng.randint(1, 3) + 1)]
    specs.append((f"{prefix}-pa01", CoordinatorKind.PATENT_ATTORNEY))
    coordinators = []
    for code, kind in specs:
        name, name_en = person(rng)
        attorney = kind == CoordinatorKind.PATENT_ATTORNEY
        coordinator = upsert(
            ctx,
            Coordinator,
            lookup={"code": code},
            values={
                "region": plan.region,
                "kind": kind,
                "name": name,
                "name_en": name_en,
                "expertise": "特許・知的財産" if attorney else expertise,
                "affiliation": None if attorney else plan.region.core_institution,
                "term_start": datetime.date(start, 4, 1),
                "term_end": datetime.date(end + 1, 3, 31),
                "profile": (
                    "（デモ）特許事務所に所属する弁理士。共同研究の成果の特許化を助言する。"
                    if attorney
                    else "（デモ）企業の研究開発部門の出身。大学の研究シーズと企業のニーズを結ぶ「目利き」。"
                ),
                "is_published": rng.random() > 0.1,
                "is_generated": True,
            },
        )
        upsert_activities(ctx=ctx, plan=plan, coordinator=coordinator, infos=infos, attorney=attorney)
        coordinators.append(coordinator)
    return coordinators


def upsert_activities(*, ctx, plan: RegionPlan, coordinator: Coordinator, infos: list[ProjectInfo], attorney: bool):
    """Seeds-needs meetings; those that started joint research link to the project they led to."""
    rng = rng_for("activities", coordinator.code)
    start, end = plan.years
    used_days = set()
    for _ in range(rng.randint(1, 2) if attorney else rng.randint(2, 5)):
        info = rng.choice(infos)
        if attorney:
            result = rng.choice((ActivityResult.CONTINUED, ActivityResult.LICENSE))
        else:
            result = rng.choice(
                (
                    ActivityResult.JOINT_RESEARCH,
                    ActivityResult.JOINT_RESEARCH,
                    ActivityResult.CONTINUED,
                    ActivityResult.LICENSE,
                    ActivityResult.NO_MATCH,
                )
            )
        if result == ActivityResult.JOINT_RESEARCH:
            # before the project it led to, but never before the coordinator's term began
            held_on = info.project.start_date - datetime.timedelta(days=rng.randint(20, 150))
            if coordinator.term_start and held_on < coordinator.term_start:
                held_on = coordinator.term_start + datetime.timedelta(days=rng.randint(0, 20))
        else:
            held_on = day_in_fiscal_year(rng, rng.randint(start, end))
        while held_on in used_days:
            held_on += datetime.timedelta(days=1)
        used_days.add(held_on)
        title = (
            demo(f"{info.topic}に関する特許出願の相談") if attorney else demo(f"{info.topic}に関するシーズ・ニーズ面談")
        )
        activity = upsert(
            ctx,
            CoordinationActivity,
            lookup={"coordinator": coordinator, "held_on": held_on, "title": title},
            values={
                "result": result,
                "note": "（デモ）大学の研究者と企業の技術者が面談し、共同研究の可能性を検討した。",
                "resulting_project": info.project if result == ActivityResult.JOINT_RESEARCH else None,
            },
        )
        activity.organizations.set([info.lead, rng.choice(info.companies)])


# ---------------------------------------------------------------------------
# Events

# kind, Japanese and English label, year of the five (0-based), months (13–15 = January–March)
EVENT_PLAN = (
    (EventKind.FORUM, "フォーラム", "Forum", 0, 9, 12),
    (EventKind.RESULTS, "成果発表会", "Results presentation", 4, 13, 14),
    (EventKind.SEMINAR, "技術セミナー", "Technology seminar", 2, 6, 8),
    (EventKind.EXHIBITION, "展示会出展", "Exhibition", 3, 10, 11),
)


def upsert_events(
    *, ctx: DemoContext, plan: RegionPlan, infos: list[ProjectInfo], headquarters: Headquarters
) -> list[Event]:
    """Two to four forums and result presentations, each presenting some published projects."""
    rng = rng_for("events", plan.region.slug)
    start, _end = plan.years
    prefecture = plan.region.prefectures.order_by("code").first()
    count = rng.randint(2, 4)
    private_index = count - 1 if plan.showcase or rng.random() < 0.15 else None
    events = []
    display = plan.region.cluster_name or plan.region.name
    for index, (kind, label, label_en, year_offset, first_month, last_month) in enumerate(EVENT_PLAN[:count]):
        fiscal_year = start + year_offset
        starts_on = day_in_fiscal_year(rng, fiscal_year, first_month=first_month, last_month=last_month)
        ends_on = starts_on + datetime.timedelta(days=2) if kind == EventKind.EXHIBITION else starts_on
        event = upsert(
            ctx,
            Event,
            lookup={"region": plan.region, "title": demo(f"{display} {label} {fiscal_year}")},
            values={
                "kind": kind,
                "title_en": f"(Demo) {plan.region.name_en} {label_en} {fiscal_year}",
                "starts_on": starts_on,
                "ends_on": ends_on,
                "venue": demo(f"{prefecture.name}内の会議場"),
                "organizer": headquarters.name,
                "attendance": rng.randint(80, 600),
                "description": "デモ用に生成した催しです（実在の開催記録ではありません）。",
                "is_published": index != private_index,
            },
        )
        shown = [info.project for info in infos if info.project.is_published and info.project.start_date <= starts_on]
        event.presented_projects.set(rng.sample(shown, min(len(shown), rng.randint(1, 3))))
        events.append(event)
    return events


# ---------------------------------------------------------------------------
# Evaluations

INTERIM_RECOMMENDATION = {
    Grade.S: Recommendation.FOCUS,
    Grade.A: Recommendation.CONTINUE,
    Grade.B: Recommendation.CONTINUE,
    Grade.C: Recommendation.REDUCE,
}


def upsert_evaluations(*, ctx: DemoContext, plan: RegionPlan, fiscal_year_now: int) -> list[Evaluation]:
    """A mid-term evaluation in year 3 and a final evaluation after the last year for some regions.

    The timing follows the programme; grades and texts are generated and say so.
    """
    rng = rng_for("evaluations", plan.region.slug)
    start, end = plan.years
    planned = []
    if plan.showcase or rng.random() < 0.8:
        planned.append((EvaluationKind.INTERIM, start + 2, datetime.date(start + 2, 12, 10)))
    if end + 1 <= fiscal_year_now and (plan.showcase or rng.random() < 0.6):
        planned.append((EvaluationKind.FINAL, end + 1, datetime.date(end + 1, 9, 30)))
    evaluations = []
    for kind, fiscal_year, evaluated_on in planned:
        grade = rng.choices((Grade.S, Grade.A, Grade.B, Grade.C), weights=(1, 4, 4, 1))[0]
        interim = kind == EvaluationKind.INTERIM
        evaluations.append(
            upsert(
                ctx,
                Evaluation,
                lookup={"region": plan.region, "kind": kind, "fiscal_year": fiscal_year},
                values={
                    "grade": grade,
                    "international_competitiveness": "（デモ）特定の技術分野で国際的な競争力が見込まれる。",
                    "summary": (
                        "（デモ）この評価はデモ用に生成したもので、実際の評価結果ではありません。"
                        "自己評価を外部有識者の委員会が検証した、という流れを示します。"
                    ),
                    "recommendation": INTERIM_RECOMMENDATION[grade] if interim else Recommendation.END,
                    "evaluated_on": evaluated_on,
                    "is_published": rng.random() > 0.1,
                },
            )
        )
    return evaluations


# ---------------------------------------------------------------------------
# Related measures

# Regional bureau of METI in charge of each prefecture (JIS code ranges).
METI_BUREAUS = (
    ((1,), "北海道経済産業局"),
    (range(2, 8), "東北経済産業局"),
    ((*range(8, 16), 19, 20, 22), "関東経済産業局"),
    ((16, 17, 21, 23, 24), "中部経済産業局"),
    ((18, *range(25, 31)), "近畿経済産業局"),
    (range(31, 36), "中国経済産業局"),
    (range(36, 40), "四国経済産業局"),
    (range(40, 47), "九州経済産業局"),
    ((47,), "沖縄総合事務局"),
)


def meti_bureau(prefecture: Prefecture) -> str:
    code = int(prefecture.code)
    return next(name for codes, name in METI_BUREAUS if code in codes)


def upsert_measures(*, ctx: DemoContext, plan: RegionPlan) -> list[RelatedMeasure]:
    """METI's Industrial Cluster Plan (2001–2020) of the region's bureau, a JST programme and,
    for some regions, the prefecture's own measure. The links themselves are demo values."""
    rng = rng_for("measures", plan.region.slug)
    start, end = plan.years
    prefecture = plan.region.prefectures.order_by("code").first()
    specs = [
        (
            MeasureKind.METI_CLUSTER,
            f"産業クラスター計画（{meti_bureau(prefecture)}）",
            "経済産業省の地域経済産業局が推進する産業クラスター計画。（デモ）この地域との連携内容はデモ用の記述です。",
            2001,
            2020,
        ),
        (
            MeasureKind.JST,
            "（デモ）JSTの研究開発事業との連携",
            "（デモ）知的クラスターの研究成果をJSTの研究開発事業で育成する連携の例です。",
            start,
            end,
        ),
    ]
    if rng.random() < 0.5:
        specs.append(
            (
                MeasureKind.LOCAL,
                demo(f"{prefecture.name}の産学官連携推進施策"),
                "（デモ）県の独自施策による事業化支援の例です。",
                start,
                end + 2,
            )
        )
    return [
        upsert(
            ctx,
            RelatedMeasure,
            lookup={"region": plan.region, "kind": kind, "name": name},
            values={"description": description, "start_fiscal_year": first, "end_fiscal_year": last},
            defer=True,
        )
        for kind, name, description, first, last in specs
    ]
