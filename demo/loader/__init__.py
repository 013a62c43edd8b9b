"""Build the demo database: real facts where the sources give them, clearly marked
generated data everywhere else.

Facts: the 47 prefectures, the programmes and their budgets, and the regions of
regions/data/knowledge_clusters.csv (name, phase, selection year, prefectures,
core institution, cluster name, source) with the prefectural government that
designates the core institution. Generated (deterministic, seed ``SEED``): people,
projects, money, reports, outcomes, coordinators, events, evaluations, and the
applicants of the FY2002, FY2008 and FY2009 calls that were not selected. Generated names carry 「（デモ）」
and generated organisations, members and coordinators have ``is_generated=True``.

``build_demo()`` is idempotent: every row is found again through a natural key
and saved only when it differs, so a second run leaves the same database (only
the demo users' passwords change).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from cluster_portal.fiscal import fiscal_year_of
from demo.loader.base import SEED, DemoContext, flush
from demo.loader.clusters import (
    APPLICANTS_NOT_SELECTED,
    ClusterRow,
    core_institution,
    read_cluster_rows,
    upsert_applicant_region,
    upsert_headquarters,
    upsert_region,
)
from demo.loader.community import upsert_coordinators, upsert_evaluations, upsert_events, upsert_measures
from demo.loader.funding import upsert_amendment, upsert_grants
from demo.loader.reference import OrganizationPool, load_prefectures, organization_pool, upsert_calls, upsert_programs
from demo.loader.research import RegionPlan, upsert_research
from demo.loader.selection import upsert_applicants_not_selected, upsert_open_call_draft, upsert_selected_proposal
from demo.loader.users import DEMO_USERS, upsert_users
from demo.loader.vocabulary import fields_for

__all__ = ["DEMO_USERS", "SEED", "DemoContext", "build_demo"]

# The regions of the demo headquarters users show every state (unpublished rows,
# reports waiting or returned) so the screens have something to demonstrate.
SHOWCASE_REGIONS = ("hamamatsu-2", "central-hokkaido-around-sapporo-2")


def _pool(*, ctx: DemoContext, pools: dict, prefecture_names) -> OrganizationPool:
    result = OrganizationPool([], [], [])
    for name in prefecture_names:
        if name not in pools:
            pools[name] = organization_pool(ctx=ctx, prefecture=ctx.prefectures[name])
        result = result + pools[name]
    return result


def _build_region(*, ctx: DemoContext, row: ClusterRow, region, headquarters, pool, fiscal_year_now: int) -> None:
    call = ctx.calls[row.call_code]
    upsert_selected_proposal(ctx=ctx, call=call, region=region, pool=pool, years=row.years)
    grants = upsert_grants(
        ctx=ctx, region=region, years=row.years, call=call, global_hub=row.program_code == "global-hub"
    )
    plan = RegionPlan(
        region=region,
        code_prefix=row.code_prefix,
        years=row.years,
        fields=fields_for(f"{row.theme_ja} {row.region_ja}"),
        pool=pool,
        grants=grants,
        showcase=row.slug in SHOWCASE_REGIONS,
    )
    infos = upsert_research(ctx=ctx, plan=plan, fiscal_year_now=fiscal_year_now)
    upsert_coordinators(ctx=ctx, plan=plan, infos=infos)
    upsert_events(ctx=ctx, plan=plan, infos=infos, headquarters=headquarters)
    upsert_evaluations(ctx=ctx, plan=plan, fiscal_year_now=fiscal_year_now)
    upsert_measures(ctx=ctx, plan=plan)
    if plan.showcase:
        # A grant reduced in its third year, so the amendment history has an example.
        upsert_amendment(
            ctx=ctx,
            grant=grants[row.years[0] + 2],
            decrease=20_000_000,
            reason="（デモ）中間評価の結果を踏まえ、交付決定額を減額した。",
        )
    flush(ctx)


@transaction.atomic
def build_demo(*, today: datetime.date | None = None, password: str | None = None) -> DemoContext:
    """Create or update the whole demo database in one transaction; returns the run's context
    (counts of created/updated rows and the logins of the demo users)."""
    today = today or timezone.localdate()
    fiscal_year_now = fiscal_year_of(today)
    ctx = DemoContext(today=today, password=password)
    load_prefectures(ctx=ctx)
    upsert_programs(ctx=ctx)
    upsert_calls(ctx=ctx, fiscal_year=fiscal_year_now)
    flush(ctx)  # the envelopes (CallBudget) are written now: every grant is validated against them

    rows = read_cluster_rows()
    cores: dict = {}
    pools: dict = {}
    built = []
    regions = {}
    region_pools = {}
    for row in rows:
        core = core_institution(ctx=ctx, row=row, cores=cores)
        region = upsert_region(ctx=ctx, row=row, core=core, fiscal_year=fiscal_year_now)
        headquarters = upsert_headquarters(ctx=ctx, region=region, years=row.years)
        regions[row.slug] = region
        region_pools[row.slug] = _pool(ctx=ctx, pools=pools, prefecture_names=row.prefectures)
        built.append((row, region, headquarters))
    for call_code, applicants in APPLICANTS_NOT_SELECTED.items():
        for letter, prefecture_name in applicants:
            region = upsert_applicant_region(
                ctx=ctx, call=ctx.calls[call_code], letter=letter, prefecture_name=prefecture_name
            )
            regions[region.slug] = region
            region_pools[region.slug] = _pool(ctx=ctx, pools=pools, prefecture_names=[prefecture_name])

    upsert_users(ctx=ctx)
    for row, region, headquarters in built:
        _build_region(
            ctx=ctx,
            row=row,
            region=region,
            headquarters=headquarters,
            pool=region_pools[row.slug],
            fiscal_year_now=fiscal_year_now,
        )
    upsert_applicants_not_selected(ctx=ctx, regions=regions, pools=region_pools)
    open_call = ctx.calls[f"demo-fy{fiscal_year_now}"]
    upsert_open_call_draft(ctx=ctx, call=open_call, region=regions["hamamatsu-2"], pool=region_pools["hamamatsu-2"])
    flush(ctx)
    return ctx
