"""The ministry's spreadsheet exports of the selection workflow: proposals, selection decisions and
evaluations, as headers and rows for the one formula-safe writer (``cluster_portal.tabular``).

Read-only files (nothing imports them back), shaped as the import/export engine's exports are:
kinds and states as their labels (「採択」), or as their codes (``selected``) with ``codes``; every
amount in yen with a 「…（千円）」 column beside it (rounded half up, as the ministry's screens show
it); date-times in Japan time (``timezone.localtime``). The reviews and their statistics are
exported by ``regions.services.reviews`` (``review_export_table``, ``statistics_export_table``).
For ministry staff only: the decisions carry the internal note, which the applicant never sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.fiscal import _round_half_up
from regions.models import Call, Evaluation, Grant, Proposal, ProposalBudgetLine, SelectionDecision


@dataclass
class Table:
    """A data set for the writer: the headers, the rows and the XLSX sheet's name."""

    headers: list[str]
    rows: list[list]
    sheet: str

    def __len__(self) -> int:
        return len(self.rows)


def thousand_yen(amount: int | None) -> int | None:
    """Yen in 千円, rounded half up (None stays None), as the 「…（千円）」 columns show it."""
    return None if amount is None else _round_half_up(int(amount), 1000)


def local(moment):
    """A date-time in Japan time (the portal's TIME_ZONE); None stays None."""
    return timezone.localtime(moment) if moment else None


def _choice(instance, name: str, codes: bool):
    return getattr(instance, name) if codes else getattr(instance, f"get_{name}_display")()


def proposal_number(proposal: Proposal) -> str:
    """The number printed on the proposal as submitted (「公募コード-番号」)."""
    return f"{proposal.call.code}-{proposal.pk}"


def proposals_for_export(queryset):
    """``queryset`` of proposals with what the export reads, in one query per relation."""
    return (
        queryset.select_related("call", "region", "decision")
        .prefetch_related(Prefetch("budget_lines", queryset=ProposalBudgetLine.objects.order_by("fiscal_year")))
        .annotate(
            export_assigned=Count(
                "review_assignments", filter=Q(review_assignments__has_conflict=False), distinct=True
            ),
            export_submitted=Count(
                "review_assignments",
                filter=Q(review_assignments__has_conflict=False, review_assignments__submitted_at__isnull=False),
                distinct=True,
            ),
        )
    )


def proposal_table(queryset, *, codes: bool = False) -> Table:
    """One row per proposal of ``queryset`` (the ministry's list, filtered as it is): the call, the region,
    the state, the plan years, the requested total, the reviews submitted and the decision."""
    headers = [
        _("公募コード"),
        _("公募名"),
        _("提案書番号"),
        _("地域"),
        _("構想名"),
        _("テーマ・分野"),
        _("類型"),
        _("状態"),
        _("提出日時"),
        _("初年度"),
        _("最終年度"),
        _("要求額合計（円）"),
        _("要求額合計（千円）"),
        _("審査委員数"),
        _("提出済みの審査"),
        _("結果"),
    ]
    rows = []
    for proposal in proposals_for_export(queryset):
        lines = list(proposal.budget_lines.all())
        total = sum(line.requested_amount for line in lines)
        decision = getattr(proposal, "decision", None)
        rows.append(
            [
                proposal.call.code,
                proposal.call.title,
                proposal_number(proposal),
                proposal.region.display_name,
                proposal.title,
                proposal.theme,
                _choice(proposal, "cluster_type", codes),
                _choice(proposal, "status", codes),
                local(proposal.submitted_at),
                lines[0].fiscal_year if lines else None,
                lines[-1].fiscal_year if lines else None,
                total,
                thousand_yen(total),
                proposal.export_assigned,
                proposal.export_submitted,
                _choice(decision, "decision", codes) if decision else "",
            ]
        )
    return Table(headers, rows, _("提案書"))


#: the header of the internal note: it says who may read it, so a file passed on shows it too
INTERNAL_NOTE_HEADER = gettext_lazy("内部メモ（文部科学省のみ・申請者には通知されない）")


def decision_table(*, call: Call, codes: bool = False) -> Table:
    """One row per selection decision of ``call``: the result, the review rank and weighted total, the
    requested and granted amounts, the applicant-facing reason, the internal note (marked as ministry-only),
    who decided and when, and when the applicant was notified."""
    from regions.services.reviews import call_statistics

    _criteria, results = call_statistics(call=call)
    ranking = {proposal.pk: stats for proposal, stats in results}
    granted = dict(
        Grant.objects.filter(call=call)
        .order_by()
        .values("region")
        .annotate(total=Sum("amount"))
        .values_list("region", "total")
    )
    decisions = (
        SelectionDecision.objects.filter(proposal__call=call)
        .select_related("proposal__call", "proposal__region", "decided_by", "notified_by")
        .prefetch_related("proposal__budget_lines")
        .order_by("proposal__title", "proposal__pk")
    )
    headers = [
        _("公募コード"),
        _("提案書番号"),
        _("地域"),
        _("構想名"),
        _("結果"),
        _("審査の順位"),
        _("加重合計"),
        _("要求額合計（円）"),
        _("要求額合計（千円）"),
        _("交付決定額合計（円）"),
        _("交付決定額合計（千円）"),
        _("申請者に通知される理由"),
        str(INTERNAL_NOTE_HEADER),
        _("決定者"),
        _("決定日時"),
        _("申請者への通知日時"),
    ]
    rows = []
    for decision in decisions:
        proposal = decision.proposal
        requested = proposal.requested_total()
        grant_total = granted.get(proposal.region_id)
        stats = ranking.get(proposal.pk)
        rows.append(
            [
                call.code,
                proposal_number(proposal),
                proposal.region.display_name,
                proposal.title,
                _choice(decision, "decision", codes),
                stats.rank if stats else None,
                stats.weighted_total if stats else None,
                requested,
                thousand_yen(requested),
                grant_total,
                thousand_yen(grant_total),
                decision.reason,
                decision.internal_note,
                str(decision.decided_by),
                local(decision.decided_at),
                local(decision.notified_at),
            ]
        )
    return Table(headers, rows, _("採択決定"))


def evaluation_table(queryset=None, *, codes: bool = False) -> Table:
    """One row per evaluation (中間評価・事後評価): grade, recommended support and the evaluators' comments."""
    queryset = Evaluation.objects.all() if queryset is None else queryset
    headers = [
        _("地域"),
        _("評価の種類"),
        _("年度"),
        _("総合評価"),
        _("今後の支援"),
        _("国際競争力"),
        _("評価の概要"),
        _("評価日"),
        _("公開"),
    ]
    rows = [
        [
            evaluation.region.display_name,
            _choice(evaluation, "kind", codes),
            evaluation.fiscal_year,
            evaluation.grade,
            _choice(evaluation, "recommendation", codes),
            evaluation.international_competitiveness,
            evaluation.summary,
            evaluation.evaluated_on,
            evaluation.is_published if codes else (_("公開") if evaluation.is_published else _("非公開")),
        ]
        for evaluation in queryset.select_related("region").order_by("-fiscal_year", "region__name", "kind")
    ]
    return Table(headers, rows, _("評価"))
