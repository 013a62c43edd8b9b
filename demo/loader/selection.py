"""Proposals, reviews and selection decisions.

FY2008 phase II call (facts): six regions proposed and three were selected by an
external expert committee (東海広域, 富山・石川地域, 京都およびけいはんな学研地域;
MEXT press release of July 2008). The three others are generated, unpublished regions.
Texts, scores and requested amounts are demo values.
"""

from __future__ import annotations

import datetime

from demo.loader.base import DemoContext, at_tokyo, demo, rng_for, thousands, upsert
from demo.loader.reference import PROGRAM_YEARS, OrganizationPool
from regions.models import (
    Call,
    Decision,
    Proposal,
    ProposalBudgetLine,
    ProposalStatus,
    Region,
    Review,
    ReviewAssignment,
    SelectionDecision,
)

FY2008_CALL = "phase2-fy2008"
FY2008_SELECTED = ("greater-tokai-2", "toyama-ishikawa-2", "kyoto-keihanna-2")
FY2008_DECIDED_AT = at_tokyo(datetime.date(2008, 7, 15), 14)
# reviewer2 declares a conflict of interest on one application (and does not score it).
CONFLICTS = {("reviewer2", "demo-fy2008-applicant-c")}


def proposal_title(region: Region) -> str:
    return region.cluster_name or f"{region.name} 知的クラスター構想"


def upsert_proposal(
    *,
    ctx: DemoContext,
    call: Call,
    region: Region,
    pool: OrganizationPool,
    status: str,
    submitted_on: datetime.date | None,
    title: str = "",
    created_by=None,
) -> Proposal:
    rng = rng_for("proposal", call.code, region.slug)
    proposal = upsert(
        ctx,
        Proposal,
        lookup={"call": call, "region": region},
        values={
            "title": title or proposal_title(region),
            "summary": (
                f"（デモ用の生成文）{region.name}の大学の研究シーズと地域企業のニーズを結び、"
                "産学官共同研究から事業化までを一貫して進める構想。クラスター本部が研究と事業化を統括し、"
                "科学技術コーディネータが企業との橋渡しを担う。"
            ),
            "theme": region.theme or region.cluster_name or "（デモ）未定",
            "target_industries": "（デモ）地域の製造業・医療関連産業",
            "cluster_type": region.cluster_type,
            "kpis": "（デモ）5年間で特許出願100件、事業化20件、大学発ベンチャー3社",
            "status": status,
            "submitted_at": at_tokyo(submitted_on) if submitted_on else None,
            "created_by": created_by,
        },
    )
    participants = [region.core_institution, *pool.universities[:2], *rng.sample(pool.companies, 3)]
    proposal.participants.set([org for org in participants if org is not None])
    for fiscal_year in range(call.fiscal_year, call.fiscal_year + PROGRAM_YEARS):
        upsert(
            ctx,
            ProposalBudgetLine,
            lookup={"proposal": proposal, "fiscal_year": fiscal_year},
            values={"requested_amount": thousands(rng.uniform(480e6, 600e6))},
            defer=True,
        )
    return proposal


def upsert_reviews(*, ctx: DemoContext, proposal: Proposal, strong: bool) -> None:
    """Both reviewers are assigned; each declares conflicts, then scores every criterion."""
    rng = rng_for("reviews", proposal.call.code, proposal.region.slug)
    criteria = list(proposal.call.criteria.order_by("order"))
    for username in ("reviewer", "reviewer2"):
        conflict = (username, proposal.region.slug) in CONFLICTS
        assignment = upsert(
            ctx,
            ReviewAssignment,
            lookup={"proposal": proposal, "reviewer": ctx.users[username]},
            values={
                "conflict_declared_at": at_tokyo(datetime.date(2008, 6, 2), 11),
                "has_conflict": conflict,
                "conflict_note": "（デモ）申請機関と共同研究を行っているため。" if conflict else "",
                "submitted_at": None if conflict else at_tokyo(datetime.date(2008, 6, 20), 17),
                "overall_comment": ""
                if conflict
                else (
                    "（デモ）構想は明確で、実施体制も整っている。"
                    if strong
                    else "（デモ）事業化の道筋に具体性が不足している。"
                ),
            },
        )
        if conflict:
            continue
        for criterion in criteria:
            score = rng.choice((4, 4, 5)) if strong else rng.choice((2, 3, 3, 4))
            upsert(
                ctx,
                Review,
                lookup={"assignment": assignment, "criterion": criterion},
                values={"score": score, "comment": f"（デモ）{criterion.name}の評価コメント。"},
                defer=True,
            )


def upsert_decision(*, ctx: DemoContext, proposal: Proposal, selected: bool) -> SelectionDecision:
    """The ministry's decision; ``decided_at`` (auto_now_add) is set to the announcement date afterwards."""
    decision = upsert(
        ctx,
        SelectionDecision,
        lookup={"proposal": proposal},
        values={
            "decision": Decision.SELECTED if selected else Decision.NOT_SELECTED,
            "reason": (
                "外部有識者による審査の結果、採択とした。（理由の文面はデモ用）"
                if selected
                else "外部有識者による審査の結果、不採択とした。（理由の文面はデモ用）"
            ),
            "decided_by": ctx.users["ministry"],
        },
    )
    if decision.decided_at != FY2008_DECIDED_AT:
        SelectionDecision.objects.filter(pk=decision.pk).update(decided_at=FY2008_DECIDED_AT)
    return decision


def upsert_fy2008_selection(*, ctx: DemoContext, regions: dict[str, Region], pools: dict[str, OrganizationPool]):
    """The six FY2008 proposals with their reviews and decisions (three selected)."""
    call = ctx.calls[FY2008_CALL]
    applicants = [slug for slug in regions if slug.startswith("demo-fy2008-applicant-")]
    for slug in (*FY2008_SELECTED, *applicants):
        selected = slug in FY2008_SELECTED
        proposal = upsert_proposal(
            ctx=ctx,
            call=call,
            region=regions[slug],
            pool=pools[slug],
            status=ProposalStatus.SELECTED if selected else ProposalStatus.NOT_SELECTED,
            submitted_on=datetime.date(2008, 5, 28),
        )
        upsert_reviews(ctx=ctx, proposal=proposal, strong=selected)
        upsert_decision(ctx=ctx, proposal=proposal, selected=selected)


def upsert_open_call_draft(*, ctx: DemoContext, call: Call, region: Region, pool: OrganizationPool) -> Proposal:
    """A draft proposal to the call open now, written by the region's headquarters user."""
    return upsert_proposal(
        ctx=ctx,
        call=call,
        region=region,
        pool=pool,
        status=ProposalStatus.DRAFT,
        submitted_on=None,
        title=demo(f"{proposal_title(region)} 次期構想（下書き）"),
        created_by=ctx.users["hq-hamamatsu"],
    )
