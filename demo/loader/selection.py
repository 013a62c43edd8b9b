"""Proposals, reviews and selection decisions: every grant of the demo traces to one.

Every real region has the proposal it was selected on (採択), on the call of its selection
year, asking for somewhat more than it was then granted each year — so the funding flow
narrows from request to selection to grant. The applicants that were not selected are
generated, unpublished regions (``clusters.APPLICANTS_NOT_SELECTED``).

FY2008 phase II call (facts): six regions proposed and three were selected by an
external expert committee (東海広域, 富山・石川地域, 京都およびけいはんな学研地域;
MEXT press release of July 2008); its proposals carry reviews. Texts, scores, requested
amounts and the announcement dates other than FY2008's are demo values.
"""

from __future__ import annotations

import datetime

from demo.loader.base import DemoContext, at_tokyo, demo, rng_for, thousands, upsert
from demo.loader.clusters import APPLICANTS_NOT_SELECTED, applicant_slug
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
# When each call's selection was announced: FY2008 from the press release, the others demo values.
ANNOUNCED_ON = {
    "phase1-fy2002": datetime.date(2002, 4, 30),
    "phase1-fy2003": datetime.date(2003, 4, 25),
    "phase1-fy2004": datetime.date(2004, 4, 23),
    "phase2-fy2007": datetime.date(2007, 4, 20),
    FY2008_CALL: datetime.date(2008, 7, 15),
    "global-hub-fy2009": datetime.date(2009, 7, 10),
}
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
    requested: dict[int, int] | None = None,
) -> Proposal:
    """A proposal with its requested amount per fiscal year (``requested``, or random demo values
    for the call's five years)."""
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
    if requested is None:
        years = range(call.fiscal_year, call.fiscal_year + PROGRAM_YEARS)
        requested = {fiscal_year: thousands(rng.uniform(480e6, 600e6)) for fiscal_year in years}
    for fiscal_year, amount in requested.items():
        upsert(
            ctx,
            ProposalBudgetLine,
            lookup={"proposal": proposal, "fiscal_year": fiscal_year},
            values={"requested_amount": amount},
            defer=True,
        )
    return proposal


def submitted_on(call: Call) -> datetime.date:
    return call.closes_on - datetime.timedelta(days=2)


def upsert_selected_proposal(
    *, ctx: DemoContext, call: Call, region: Region, pool: OrganizationPool, years: tuple[int, int]
) -> Proposal:
    """The proposal a real region was selected on, recorded before its grants (a grant needs it).

    It asked for 520–620 million yen a year, more than any grant of the demo (at most 500
    million), and the ministry's decision is dated at the call's announcement."""
    rng = rng_for("requested", call.code, region.slug)
    proposal = upsert_proposal(
        ctx=ctx,
        call=call,
        region=region,
        pool=pool,
        status=ProposalStatus.SELECTED,
        submitted_on=submitted_on(call),
        requested={year: thousands(rng.uniform(520e6, 620e6)) for year in range(years[0], years[1] + 1)},
    )
    upsert_decision(ctx=ctx, proposal=proposal, selected=True)
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
                "recommendation": "" if conflict else ("recommend" if strong else "not_recommended"),
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
    decided_at = at_tokyo(ANNOUNCED_ON[proposal.call.code], 14)
    if decision.decided_at != decided_at:
        SelectionDecision.objects.filter(pk=decision.pk).update(decided_at=decided_at)
    return decision


def upsert_applicants_not_selected(*, ctx: DemoContext, regions: dict[str, Region], pools: dict[str, OrganizationPool]):
    """The generated applicants of each call that were not selected; on the FY2008 call every one
    of the six proposals (the three selected too) carries the reviewers' scores."""
    for call_code, applicants in APPLICANTS_NOT_SELECTED.items():
        call = ctx.calls[call_code]
        for letter, _prefecture in applicants:
            slug = applicant_slug(call.fiscal_year, letter)
            proposal = upsert_proposal(
                ctx=ctx,
                call=call,
                region=regions[slug],
                pool=pools[slug],
                status=ProposalStatus.NOT_SELECTED,
                submitted_on=submitted_on(call),
            )
            if call_code == FY2008_CALL:
                upsert_reviews(ctx=ctx, proposal=proposal, strong=False)
            upsert_decision(ctx=ctx, proposal=proposal, selected=False)
    fy2008 = ctx.calls[FY2008_CALL]
    for slug in FY2008_SELECTED:
        upsert_reviews(ctx=ctx, proposal=Proposal.objects.get(call=fy2008, region=regions[slug]), strong=True)


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
