"""Statistics and ranking of a call's reviews (審査結果の統計と順位), in pure Python.

No database here: the caller passes the criteria and each reviewer's submitted scores
(``regions.services.reviews.call_statistics`` loads them); every figure is computed with
the standard library's ``statistics`` module on exact fractions and rounded once, at the end,
to ``DECIMALS`` places (half up), so the page and the exports show the same numbers.

The method (also explained on the page, in Japanese):

- per proposal and criterion, over the reviewers who submitted: mean, median, the
  **population** standard deviation (``statistics.pstdev``: divided by n, because the
  reviewers of a proposal are the whole panel, not a sample; 0 with one reviewer), min and max;
- **disagreement**: max − min ≥ ``DISAGREEMENT_THRESHOLD`` points on a criterion (two or more
  reviewers);
- **weighted total** = Σ (criterion weight × criterion mean) over the criteria scored;
- **rank**: by weighted total, highest first, compared after rounding to ``DECIMALS`` places
  (the figure shown); equal totals share a rank and the next rank is skipped (1, 2, 2, 4:
  "standard competition ranking"); proposals without a submitted review have no rank;
- **per-reviewer normalisation** (z-scores): for each reviewer, their weighted mean of one
  proposal x = Σ(weight × score) ÷ Σ weight; over all the proposals of the call they scored,
  z = (x − the reviewer's mean) ÷ the reviewer's population standard deviation (z = 0 when they
  scored one proposal only or gave every proposal the same x). A proposal's normalised score is
  the mean z of its reviewers, ranked like the weighted total. This removes a lenient or a
  severe reviewer's offset; it does not replace the raw figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

#: Reviewers disagree on a criterion when max − min of their scores reaches this many points.
DISAGREEMENT_THRESHOLD = 2
#: Decimal places of every figure shown and exported (and of the comparison for ranks).
DECIMALS = 2
_QUANTUM = Decimal(1).scaleb(-DECIMALS)


@dataclass(frozen=True)
class Criterion:
    key: Hashable
    name: str
    weight: int


@dataclass(frozen=True)
class ReviewerScores:
    """One reviewer's submitted scores on one proposal: criterion key → score."""

    proposal: Hashable
    reviewer: Hashable
    scores: dict


@dataclass
class CriterionStats:
    criterion: Criterion
    count: int = 0
    mean: Decimal | None = None
    median: Decimal | None = None
    stdev: Decimal | None = None
    minimum: int | None = None
    maximum: int | None = None
    disagrees: bool = False


@dataclass
class ProposalStats:
    proposal: Hashable
    reviewer_count: int = 0
    criteria: list[CriterionStats] = field(default_factory=list)
    weighted_total: Decimal | None = None
    rank: int | None = None
    z_mean: Decimal | None = None
    z_rank: int | None = None
    #: another proposal shares this rank (by weighted total)
    tied: bool = False

    @property
    def disagrees(self) -> bool:
        return any(stat.disagrees for stat in self.criteria)


def round_figure(value) -> Decimal | None:
    """A Fraction, int or float rounded half up to ``DECIMALS`` places (None stays None)."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    result = exact.quantize(_QUANTUM, rounding=ROUND_HALF_UP)
    return result + 0 if result else Decimal(0).quantize(_QUANTUM)  # never "-0.00"


def competition_ranks(values: dict[Hashable, Decimal | None]) -> dict[Hashable, int | None]:
    """1, 2, 2, 4 ranking of ``values`` (highest first); None values get no rank."""
    ranked = sorted((value for value in values.values() if value is not None), reverse=True)
    first_position = {}
    for position, value in enumerate(ranked, start=1):
        first_position.setdefault(value, position)
    return {key: (None if value is None else first_position[value]) for key, value in values.items()}


def _reviewer_mean(scores: dict, weights: dict) -> Fraction | None:
    scored = [key for key in scores if key in weights]
    total_weight = sum(weights[key] for key in scored)
    if not total_weight:
        return None
    return Fraction(sum(weights[key] * scores[key] for key in scored), total_weight)


def _z_scores(reviews: Sequence[ReviewerScores], weights: dict) -> dict[tuple, float]:
    """(proposal, reviewer) → z of the reviewer's weighted mean among the proposals they scored."""
    by_reviewer: dict[Hashable, dict[Hashable, Fraction]] = {}
    for review in reviews:
        mean = _reviewer_mean(review.scores, weights)
        if mean is not None:
            by_reviewer.setdefault(review.reviewer, {})[review.proposal] = mean
    z = {}
    for reviewer, means in by_reviewer.items():
        values = list(means.values())
        centre = statistics.mean(values)
        spread = statistics.pstdev(values)
        for proposal, value in means.items():
            z[(proposal, reviewer)] = 0.0 if not spread else float(value - centre) / spread
    return z


def compute(
    criteria: Sequence[Criterion], proposals: Iterable[Hashable], reviews: Sequence[ReviewerScores]
) -> list[ProposalStats]:
    """The statistics of every proposal, in rank order (unranked last, then in the given order)."""
    weights = {criterion.key: criterion.weight for criterion in criteria}
    order = list(proposals)
    by_proposal: dict[Hashable, list[ReviewerScores]] = {proposal: [] for proposal in order}
    for review in reviews:
        by_proposal.setdefault(review.proposal, []).append(review)
    z = _z_scores(reviews, weights)
    results = []
    for proposal, its_reviews in by_proposal.items():
        row = ProposalStats(proposal=proposal, reviewer_count=len(its_reviews))
        total = None
        for criterion in criteria:
            scores = [review.scores[criterion.key] for review in its_reviews if criterion.key in review.scores]
            stat = CriterionStats(criterion=criterion, count=len(scores))
            if scores:
                exact = [Fraction(score) for score in scores]
                mean = statistics.mean(exact)
                stat.mean = round_figure(mean)
                stat.median = round_figure(statistics.median(exact))
                stat.stdev = round_figure(statistics.pstdev(exact))
                stat.minimum, stat.maximum = min(scores), max(scores)
                stat.disagrees = len(scores) > 1 and stat.maximum - stat.minimum >= DISAGREEMENT_THRESHOLD
                total = (total or 0) + criterion.weight * mean
            row.criteria.append(stat)
        row.weighted_total = round_figure(total)
        zs = [z[(proposal, review.reviewer)] for review in its_reviews if (proposal, review.reviewer) in z]
        row.z_mean = round_figure(statistics.fmean(zs)) if zs else None
        results.append(row)
    ranks = competition_ranks({index: row.weighted_total for index, row in enumerate(results)})
    z_ranks = competition_ranks({index: row.z_mean for index, row in enumerate(results)})
    rank_counts: dict[int, int] = {}
    for index, row in enumerate(results):
        row.rank, row.z_rank = ranks[index], z_ranks[index]
        if row.rank is not None:
            rank_counts[row.rank] = rank_counts.get(row.rank, 0) + 1
    for row in results:
        row.tied = row.rank is not None and rank_counts[row.rank] > 1
    position = {proposal: index for index, proposal in enumerate(by_proposal)}
    results.sort(key=lambda row: (row.rank is None, row.rank or 0, position[row.proposal]))
    return results
