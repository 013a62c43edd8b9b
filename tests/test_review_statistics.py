"""Statistics and ranking of a call's reviews (regions/services/review_statistics.py) against
figures computed by hand from a small fixture, and the page and exports showing the same figures.

The fixture: criteria A (weight 2) and B (weight 1); reviewers R1, R2, R3.

    proposal  R1 (A, B)  R2 (A, B)  R3 (A, B)
    P1        5, 4       3, 4       4, 3
    P2        4, 5       4, 3       —
    P3        3, 3       2, 2       5, 4
    P4        4, 5       4, 3       —          (the same scores as P2: a tie)
    P5        —          —          —          (no review submitted: no rank)

By hand (population standard deviation, rounded half up to 2 places):

- P1 A: 5, 3, 4 → mean 4, median 4, sd √(2/3) = 0.82, 3–5 (range 2: disagreement);
     B: 4, 4, 3 → mean 11/3 = 3.67, median 4, sd √(2/9) = 0.47, 3–4; total 2·4 + 11/3 = 11.67.
- P2 A: 4, 4 → 4, 4, sd 0, 4–4; B: 5, 3 → 4, 4, sd 1, 3–5 (disagreement); total 2·4 + 4 = 12.00.
- P3 A: 3, 2, 5 → mean 10/3 = 3.33, median 3, sd √(14/9) = 1.25, 2–5 (disagreement);
     B: 3, 2, 4 → 3, 3, sd √(2/3) = 0.82, 2–4 (disagreement); total 20/3 + 3 = 9.67.
- P4 = P2: total 12.00.  Ranks: P2 1, P4 1 (tie), P1 3, P3 4, P5 none.

z-scores. Each reviewer's weighted mean x = (2A + B)/3:
R1: P1 14/3, P2 13/3, P3 9/3, P4 13/3 → mean 49/12, sd √59/12 → z = 7/√59 = 0.9113,
    3/√59 = 0.3906, −13/√59 = −1.6925, 0.3906.
R2: P1 10/3, P2 11/3, P3 6/3, P4 11/3 → mean 9.5/3, sd √4.25/3 → z = 0.5/√4.25 = 0.2425,
    1.5/√4.25 = 0.7276, −3.5/√4.25 = −1.6977, 0.7276.
R3: P1 11/3, P3 14/3 → z = −1, +1.
Mean z: P1 (0.9113 + 0.2425 − 1)/3 = 0.05; P2 (0.3906 + 0.7276)/2 = 0.56; P3 (−1.6925 − 1.6977 + 1)/3
= −0.80; P4 0.56. z ranks: P2 1, P4 1, P1 3, P3 4.
"""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from regions.models import ProposalStatus
from regions.services import review_statistics as rs
from tests import factories

A = rs.Criterion(key="A", name="A", weight=2)
B = rs.Criterion(key="B", name="B", weight=1)
SCORES = {
    "P1": {"R1": (5, 4), "R2": (3, 4), "R3": (4, 3)},
    "P2": {"R1": (4, 5), "R2": (4, 3)},
    "P3": {"R1": (3, 3), "R2": (2, 2), "R3": (5, 4)},
    "P4": {"R1": (4, 5), "R2": (4, 3)},
    "P5": {},
}


def d(text):
    return Decimal(text)


@pytest.fixture
def results():
    reviews = [
        rs.ReviewerScores(proposal=p, reviewer=r, scores={"A": a, "B": b})
        for p, by_reviewer in SCORES.items()
        for r, (a, b) in by_reviewer.items()
    ]
    return {row.proposal: row for row in rs.compute([A, B], list(SCORES), reviews)}


def figures(stat):
    return (stat.count, stat.mean, stat.median, stat.stdev, stat.minimum, stat.maximum, stat.disagrees)


def test_per_criterion_statistics_match_the_hand_computed_values(results):
    p1_a, p1_b = results["P1"].criteria
    assert figures(p1_a) == (3, d("4.00"), d("4.00"), d("0.82"), 3, 5, True)
    assert figures(p1_b) == (3, d("3.67"), d("4.00"), d("0.47"), 3, 4, False)
    p2_a, p2_b = results["P2"].criteria
    assert figures(p2_a) == (2, d("4.00"), d("4.00"), d("0.00"), 4, 4, False)
    assert figures(p2_b) == (2, d("4.00"), d("4.00"), d("1.00"), 3, 5, True)
    p3_a, p3_b = results["P3"].criteria
    assert figures(p3_a) == (3, d("3.33"), d("3.00"), d("1.25"), 2, 5, True)
    assert figures(p3_b) == (3, d("3.00"), d("3.00"), d("0.82"), 2, 4, True)


def test_weighted_totals_and_ranks_with_a_tie_and_an_unreviewed_proposal(results):
    totals = {key: (row.weighted_total, row.rank, row.tied) for key, row in results.items()}
    assert totals == {
        "P1": (d("11.67"), 3, False),
        "P2": (d("12.00"), 1, True),
        "P3": (d("9.67"), 4, False),
        "P4": (d("12.00"), 1, True),
        "P5": (None, None, False),
    }
    assert [stat.count for stat in results["P5"].criteria] == [0, 0]
    assert not results["P5"].disagrees and results["P5"].z_mean is None


def test_rows_come_in_rank_order_unranked_last():
    reviews = [rs.ReviewerScores(proposal=p, reviewer="R1", scores={"A": a}) for p, a in (("x", 2), ("y", 5))]
    ordered = rs.compute([A], ["none", "x", "y"], reviews)
    assert [row.proposal for row in ordered] == ["y", "x", "none"]


def test_per_reviewer_z_scores_match_the_hand_computed_values(results):
    z = {key: (row.z_mean, row.z_rank) for key, row in results.items()}
    assert z == {
        "P1": (d("0.05"), 3),
        "P2": (d("0.56"), 1),
        "P3": (d("-0.80"), 4),
        "P4": (d("0.56"), 1),
        "P5": (None, None),
    }


def test_a_reviewer_with_one_proposal_or_equal_scores_has_z_zero():
    reviews = [
        rs.ReviewerScores(proposal="only", reviewer="R1", scores={"A": 5}),
        rs.ReviewerScores(proposal="x", reviewer="R2", scores={"A": 3}),
        rs.ReviewerScores(proposal="y", reviewer="R2", scores={"A": 3}),
    ]
    assert {row.proposal: row.z_mean for row in rs.compute([A], ["only", "x", "y"], reviews)} == {
        "only": d("0.00"),
        "x": d("0.00"),
        "y": d("0.00"),
    }


def test_disagreement_needs_the_threshold_and_two_reviewers():
    assert rs.DISAGREEMENT_THRESHOLD == 2  # documented on the page and in the README
    below = [rs.ReviewerScores(proposal="p", reviewer=r, scores={"A": s}) for r, s in (("R1", 4), ("R2", 3))]
    alone = [rs.ReviewerScores(proposal="p", reviewer="R1", scores={"A": 1})]
    assert not rs.compute([A], ["p"], below)[0].disagrees
    assert not rs.compute([A], ["p"], alone)[0].disagrees


def test_rounding_is_half_up_and_never_minus_zero():
    from fractions import Fraction

    assert rs.round_figure(Fraction(1, 8)) == d("0.13")  # 0.125 → 0.13 (half up, not to even)
    assert str(rs.round_figure(-0.001)) == "0.00"


# --- the same figures on the page and in the exports ----------------------------------------------


@pytest.fixture
def scored_call(db):
    """P1–P3 of the fixture above, stored: R3 declared a conflict on P2 (excluded)."""
    call = factories.CallFactory(code="stats-call")
    crit_a = factories.ReviewCriterionFactory(call=call, name="独創性", weight=2, order=1)
    crit_b = factories.ReviewCriterionFactory(call=call, name="実現性", weight=1, order=2)
    reviewers = {name: factories.UserFactory(reviewer=True, username=name) for name in ("R1", "R2", "R3")}
    now = timezone.now()
    proposals = {}
    for title in ("P1", "P2", "P3"):
        proposal = factories.ProposalFactory(call=call, title=title, status=ProposalStatus.UNDER_REVIEW)
        proposals[title] = proposal
        for name, (a, b) in SCORES[title].items():
            assignment = factories.ReviewAssignmentFactory(
                proposal=proposal, reviewer=reviewers[name], conflict_declared_at=now, submitted_at=now
            )
            factories.ReviewFactory(assignment=assignment, criterion=crit_a, score=a, comment=f"{title}{name}A")
            factories.ReviewFactory(assignment=assignment, criterion=crit_b, score=b)
    factories.ReviewAssignmentFactory(
        proposal=proposals["P2"], reviewer=reviewers["R3"], conflict_declared_at=now, conflicted=True
    )
    return call


def test_statistics_page_shows_the_hand_computed_figures(client, ministry_user, scored_call):
    client.force_login(ministry_user)
    page = client.get(reverse("ministry:review_statistics", args=[scored_call.code])).content.decode()
    for figure in ("11.67", "12.00", "9.67", "3.67", "0.47", "1.25", "母標準偏差", "相違あり"):
        assert figure in page
    assert "標準化得点（zの平均）</th>" not in page  # raw figures only until asked
    normalised = client.get(reverse("ministry:review_statistics", args=[scored_call.code]), {"normalise": "1"})
    assert "標準化得点（zの平均）</th>" in normalised.content.decode()


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_statistics_exports_hold_the_figures_of_the_page(client, ministry_user, scored_call):
    from regions.services.reviews import call_statistics

    client.force_login(ministry_user)
    _criteria, results = call_statistics(call=scored_call)
    on_page = {
        (p.title, stat.criterion.name): (row.rank, row.weighted_total, stat.mean, stat.stdev)
        for p, row in results
        for stat in row.criteria
    }
    assert on_page[("P2", "独創性")] == (1, d("12.00"), d("4.00"), d("0.00"))
    page = client.get(reverse("ministry:review_statistics", args=[scored_call.code])).content.decode()
    for _rank, total, mean, stdev in on_page.values():
        assert str(total) in page and str(mean) in page and str(stdev) in page

    rows = _csv_rows(client.get(reverse("ministry:statistics_export", args=[scored_call.code, "csv"])))
    header, body = rows[0], rows[1:]
    col = {name: header.index(name) for name in ("順位", "提案書", "評価項目", "加重合計", "平均", "標準偏差（母）")}
    in_csv = {
        (r[col["提案書"]], r[col["評価項目"]]): (
            int(r[col["順位"]]),
            d(r[col["加重合計"]]),
            d(r[col["平均"]]),
            d(r[col["標準偏差（母）"]]),
        )
        for r in body
    }
    assert in_csv == on_page

    response = client.get(reverse("ministry:statistics_export", args=[scored_call.code, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    xrows = list(sheet.iter_rows(values_only=True))
    in_xlsx = {
        (r[col["提案書"]], r[col["評価項目"]]): (
            r[col["順位"]],
            d(str(r[col["加重合計"]])).quantize(d("0.01")),
            d(str(r[col["平均"]])).quantize(d("0.01")),
            d(str(r[col["標準偏差（母）"]])).quantize(d("0.01")),
        )
        for r in xrows[1:]
    }
    assert in_xlsx == on_page
    assert isinstance(xrows[1][col["加重合計"]], (int, float))  # numbers stay numbers
