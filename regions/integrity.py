"""Invariants of the regions app (calls, selection, grants, evaluations), checked against a
live database by ``manage.py check_integrity`` (see ``cluster_portal.integrity``)."""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch, Q, Sum

from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_label, format_yen
from cluster_portal.integrity import invariant
from regions.models import (
    CallBudget,
    CallStatus,
    Decision,
    Evaluation,
    Grant,
    GrantAmendment,
    SelectionDecision,
    SupportDecision,
    SupportStatus,
)


def _grant(grant) -> str:
    return f"交付決定 {grant.region.slug} {fiscal_year_label(grant.fiscal_year)}"


@invariant(
    "grant.traces_to_selection",
    "A grant belongs to a call on which the region's proposal was selected (採択).",
)
def _grant_traces_to_selection():
    selected = SelectionDecision.objects.filter(
        decision=Decision.SELECTED, proposal__region=OuterRef("region"), proposal__call=OuterRef("call")
    )
    grants = Grant.objects.select_related("region").filter(Q(call__isnull=True) | ~Exists(selected))
    for grant in grants.order_by("region__slug", "fiscal_year"):
        if grant.call_id is None:
            yield _grant(grant), "公募（採択の記録）にひもづいていません"
        else:
            yield _grant(grant), "この公募で採択された記録がありません"


@invariant("grant.call_covers_year", "A grant's fiscal year is one of its call's envelope years.")
def _grant_call_covers_year():
    envelope = CallBudget.objects.filter(call=OuterRef("call"), fiscal_year=OuterRef("fiscal_year"))
    grants = Grant.objects.select_related("region", "call").filter(call__isnull=False).filter(~Exists(envelope))
    for grant in grants.order_by("region__slug", "fiscal_year"):
        yield _grant(grant), f"公募 {grant.call.code} にこの年度の予算枠がありません"


@invariant("grant.call_not_draft", "No grant counts against a call that is still a draft.")
def _grant_call_not_draft():
    for grant in Grant.objects.select_related("region", "call").filter(call__status=CallStatus.DRAFT):
        yield _grant(grant), f"公募 {grant.call.code} は下書きです"


@invariant("call.envelope_not_exceeded", "The grants of a call's fiscal year never exceed its envelope (予算枠).")
def _call_envelope_not_exceeded():
    rows = (
        Grant.objects.filter(call__isnull=False)
        .values("call__code", "call_id", "fiscal_year")
        .order_by("call__code", "fiscal_year")
        .annotate(granted=Sum("amount"))
    )
    envelopes = {(e.call_id, e.fiscal_year): e.envelope for e in CallBudget.objects.all()}
    for row in rows:
        envelope = envelopes.get((row["call_id"], row["fiscal_year"]))
        if envelope is not None and row["granted"] > envelope:
            yield (
                f"公募 {row['call__code']} {fiscal_year_label(row['fiscal_year'])}",
                f"交付決定の合計 {row['granted']:,} 円 > 予算枠 {envelope:,} 円",
            )


@invariant("evaluation.dated_in_or_after_year", "An evaluation is dated in or after the fiscal year it evaluates.")
def _evaluation_dated():
    years = Evaluation.objects.filter(evaluated_on__isnull=False).values_list("fiscal_year", flat=True).distinct()
    for year in sorted(set(years)):
        first, _last = fiscal_year_bounds(year)
        early = Evaluation.objects.select_related("region").filter(fiscal_year=year, evaluated_on__lt=first)
        for evaluation in early:
            yield (
                f"評価 {evaluation.region.slug} {evaluation.kind} {fiscal_year_label(year)}",
                f"評価日 {evaluation.evaluated_on} は{fiscal_year_label(year)}の開始（{first}）より前です",
            )


@invariant(
    "support.amendments_match_decision",
    "A confirmed support decision (重点支援の決定) raised its region's grant by its annual amount exactly once "
    "in each fiscal year of its range; a draft amended no grant.",
)
def _support_amendments_match_decision():
    amendments = GrantAmendment.objects.select_related("grant").order_by("grant__fiscal_year", "pk")
    decisions = (
        SupportDecision.objects.select_related("evaluation__region")
        .prefetch_related(Prefetch("amendments", queryset=amendments))
        .order_by("evaluation__region__slug", "evaluation__fiscal_year", "evaluation__kind")
    )
    for decision in decisions:
        evaluation = decision.evaluation
        year_label = fiscal_year_label(evaluation.fiscal_year)
        record = f"重点支援の決定 {evaluation.region.slug} {evaluation.kind} {year_label}"
        found = list(decision.amendments.all())
        if decision.status != SupportStatus.CONFIRMED:
            if found:
                yield record, f"下書きなのに交付決定の変更が{len(found)}件あります"
            continue
        by_year = defaultdict(list)
        for amendment in found:
            if amendment.grant.region_id != evaluation.region_id:
                yield record, f"他の地域の交付決定（{fiscal_year_label(amendment.grant.fiscal_year)}）を変更しています"
            elif amendment.grant.fiscal_year not in decision.fiscal_years:
                yield record, f"決定の年度の範囲外の{fiscal_year_label(amendment.grant.fiscal_year)}を変更しています"
            else:
                by_year[amendment.grant.fiscal_year].append(amendment)
        for year in decision.fiscal_years:
            year_amendments = by_year.get(year, [])
            if not year_amendments:
                yield record, f"{fiscal_year_label(year)}の交付決定の増額がありません"
            elif len(year_amendments) > 1:
                count = len(year_amendments)
                yield record, f"{fiscal_year_label(year)}の交付決定の変更が{count}件あります（1件のはず）"
            else:
                added = year_amendments[0].new_amount - year_amendments[0].previous_amount
                if added != decision.annual_amount:
                    yield (
                        record,
                        f"{fiscal_year_label(year)}の増額 {format_yen(added)} ≠ "
                        f"決定の追加交付額 {format_yen(decision.annual_amount)}",
                    )
