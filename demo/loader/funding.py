"""Grants (交付決定額) per region and fiscal year, and one amendment with its history."""

from __future__ import annotations

import datetime

from demo.loader.base import DemoContext, at_tokyo, rng_for, thousands, upsert
from regions.models import Call, Grant, GrantAmendment, Region

GRANT_NOTE = "金額はデモ用に生成した値です（実際の交付決定額ではありません）。"


def upsert_grants(
    *, ctx: DemoContext, region: Region, years: tuple[int, int], call: Call | None, global_hub: bool
) -> dict[int, Grant]:
    """One grant per fiscal year of the region's five years.

    About 500 million yen a year per region (global-hub type 300–500 million); the first
    year is smaller because it starts after the selection. Every amount stays within the
    call's envelope of 500 million yen per region and year.
    """
    rng = rng_for("grants", region.slug)
    start, end = years
    grants = {}
    for fiscal_year in range(start, end + 1):
        if global_hub:
            amount = rng.uniform(300e6, 480e6)
        elif fiscal_year == start:
            amount = rng.uniform(340e6, 450e6)
        else:
            amount = rng.uniform(420e6, 500e6)
        if fiscal_year == start:
            decided_on = datetime.date(fiscal_year, 8, 1) + datetime.timedelta(days=rng.randint(0, 30))
        else:
            decided_on = datetime.date(fiscal_year, 4, 1) + datetime.timedelta(days=rng.randint(0, 20))
        grants[fiscal_year] = upsert(
            ctx,
            Grant,
            lookup={"region": region, "fiscal_year": fiscal_year},
            values={"call": call, "amount": thousands(amount), "decided_on": decided_on, "note": GRANT_NOTE},
        )
    return grants


def upsert_amendment(*, ctx: DemoContext, grant: Grant, decrease: int, reason: str) -> GrantAmendment:
    """A grant reduced after its first decision: the amendment keeps the earlier amount.

    ``amended_at`` is set on creation by the model (auto_now_add), so the historical
    date is written afterwards with a queryset update.
    """
    amendment = upsert(
        ctx,
        GrantAmendment,
        lookup={"grant": grant, "new_amount": grant.amount},
        values={
            "previous_amount": grant.amount + decrease,
            "reason": reason,
            "amended_by": ctx.users["ministry"],
        },
    )
    amended_at = at_tokyo(datetime.date(grant.fiscal_year, 10, 1), 15)
    if amendment.amended_at != amended_at:
        GrantAmendment.objects.filter(pk=amendment.pk).update(amended_at=amended_at)
    return amendment
