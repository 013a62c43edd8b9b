"""Evaluations (中間評価・事後評価) and the program-level ranking that steers later funding.

Ranking: each region by its latest evaluation (latest fiscal year, 事後評価 before 中間評価
within a year), ordered by grade (S, A, B, C), then recommendation (重点支援 first), then name.
A region is a *candidate for world-level (global) focused support* when its latest
evaluation is graded S or A and recommends 重点支援.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy

from cluster_portal.concurrency import claim_version
from regions import permissions
from regions.models import Evaluation, EvaluationKind, Grade, Recommendation, Region

EVALUATION_FIELDS = (
    "region",
    "kind",
    "fiscal_year",
    "grade",
    "international_competitiveness",
    "summary",
    "recommendation",
    "evaluated_on",
    "is_published",
)
GRADE_RANK = {code: rank for rank, code in enumerate(Grade.values)}
RECOMMENDATION_RANK = {code: rank for rank, code in enumerate(Recommendation.values)}
GLOBAL_CANDIDATE_GRADES = (Grade.S, Grade.A)


# Why a user of another role may not do this (PermissionDenied).
EVALUATIONS_DENIED = gettext_lazy("評価を記録する権限がありません。")


@transaction.atomic
def evaluation_save(
    *,
    user,
    evaluation: Evaluation | None = None,
    region: Region,
    kind: str,
    fiscal_year: int,
    grade: str,
    summary: str,
    recommendation: str,
    international_competitiveness: str = "",
    evaluated_on: datetime.date | None = None,
    is_published: bool = False,
    expected_version: int | None = None,
) -> Evaluation:
    """Create or update an evaluation; published summaries appear on the public cluster page.

    An update with ``expected_version`` (from the edit form) refuses with ``StaleEdit`` when someone
    saved the evaluation after the form was opened."""
    permissions.require_ministry(user, EVALUATIONS_DENIED)
    if evaluation is None:
        evaluation = Evaluation()
    else:
        evaluation = claim_version(Evaluation.objects.all(), pk=evaluation.pk, expected_version=expected_version)
    evaluation.region = region
    evaluation.kind = kind
    evaluation.fiscal_year = fiscal_year
    evaluation.grade = grade
    evaluation.summary = summary
    evaluation.recommendation = recommendation
    evaluation.international_competitiveness = international_competitiveness
    evaluation.evaluated_on = evaluated_on
    evaluation.is_published = is_published
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@dataclass(frozen=True)
class RankingRow:
    rank: int
    region: Region
    evaluation: Evaluation

    @property
    def is_global_candidate(self) -> bool:
        return (
            self.evaluation.grade in GLOBAL_CANDIDATE_GRADES and self.evaluation.recommendation == Recommendation.FOCUS
        )


def _latest_key(evaluation: Evaluation):
    return (evaluation.fiscal_year, evaluation.kind == EvaluationKind.FINAL, evaluation.pk)


def evaluation_ranking() -> list[RankingRow]:
    """Regions ranked by their latest evaluation, in one query."""
    latest: dict[int, Evaluation] = {}
    for evaluation in Evaluation.objects.select_related("region__program"):
        current = latest.get(evaluation.region_id)
        if current is None or _latest_key(evaluation) > _latest_key(current):
            latest[evaluation.region_id] = evaluation
    ordered = sorted(
        latest.values(),
        key=lambda e: (GRADE_RANK.get(e.grade, 99), RECOMMENDATION_RANK.get(e.recommendation, 99), e.region.name),
    )
    rows = []
    previous, rank = None, 0
    for position, evaluation in enumerate(ordered, start=1):
        key = (evaluation.grade, evaluation.recommendation)
        if key != previous:
            rank, previous = position, key
        rows.append(RankingRow(rank=rank, region=evaluation.region, evaluation=evaluation))
    return rows
