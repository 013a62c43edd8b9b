"""What the synthetic dataset contains and how it is named: counts per scale, the prefixes
that mark every generated row, and the notes it carries."""

from __future__ import annotations

import math
from dataclasses import dataclass

from projects.models import (
    Outcome,
    OutcomeKind,
)

SYNTHETIC = "（合成）"
SYNTHETIC_EN = "(Synthetic) "
PROGRAM_CODE = "synthetic"
CALL_CODE = "synthetic-selection"
DECIDER_USERNAME = "syn-ministry"  # the (inactive) ministry user who records the synthetic selection
SLUG_PREFIX = "syn-"
PROJECT_CODE_PREFIX = "SYN-"
COORDINATOR_CODE_PREFIX = "syn-c"
FIRST_FISCAL_YEAR = 2002
FISCAL_YEARS = 20
LAST_FISCAL_YEAR = FIRST_FISCAL_YEAR + FISCAL_YEARS - 1

# Per unit of scale.
REGIONS_PER_SCALE = 10
YEN_PER_REGION_YEAR = 500_000_000  # the envelope of the synthetic call per region and year (grants are 300–500M)
PROJECTS_PER_SCALE = 1_000
COORDINATORS_PER_SCALE = 50
PARTICIPATIONS_PER_PROJECT = 4
OUTCOMES_PER_PROJECT = 10

# Each region's pool of organisations.
UNIVERSITIES_PER_REGION = 4
COMPANIES_PER_REGION = 16
PUBLIC_RESEARCH_PER_REGION = 2

DEFAULT_BATCH_SIZE = 2_000
SOURCE = "合成データ（manage.py generate_data で生成。実在の地域・機関・人物ではありません）"
GRANT_NOTE = "合成データ（負荷試験用に生成した金額です）"
CHANGE_REASON = "合成データの生成（generate_data）"

# Outcome kinds and their weights (papers and presentations are the most common results).
OUTCOME_WEIGHTS = (
    (OutcomeKind.PAPER, 35),
    (OutcomeKind.PRESENTATION, 25),
    (OutcomeKind.PATENT_APPLICATION, 18),
    (OutcomeKind.PATENT_GRANTED, 8),
    (OutcomeKind.LICENSE, 5),
    (OutcomeKind.COMMERCIALIZATION, 5),
    (OutcomeKind.STARTUP, 2),
    (OutcomeKind.AWARD, 2),
)


# Outcomes carry a random public code ("R-" + 10 characters) by default; synthetic ones get
# codes of the same shape drawn from the region's random stream, so they are deterministic too.
OUTCOME_HAS_CODE = any(f.name == "code" for f in Outcome._meta.concrete_fields)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class SyntheticDataError(Exception):
    """The generator produced data that break a rule (a bug in this module, not in the database)."""


def synthetic(text: str) -> str:
    return f"{SYNTHETIC}{text}"


def synthetic_en(text: str) -> str:
    return f"{SYNTHETIC_EN}{text}"


# ---------------------------------------------------------------------------
# Sizes


def _scaled(per_scale: int, scale: float) -> int:
    return max(1, round(per_scale * scale))


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind one run creates."""

    regions: int
    projects: int
    coordinators: int
    participations_per_project: int = PARTICIPATIONS_PER_PROJECT
    outcomes_per_project: int = OUTCOMES_PER_PROJECT
    fiscal_years: int = FISCAL_YEARS

    @classmethod
    def from_factor(cls, scale: float, *, regions: int | None = None) -> Scale:
        """Scale 1 ≈ 10 regions, 1,000 projects, 50 coordinators; ``regions`` overrides the region count."""
        if not math.isfinite(scale) or scale <= 0:
            raise ValueError("scale must be a positive number")
        if regions is not None and regions < 1:
            raise ValueError("regions must be at least 1")
        return cls(
            regions=regions if regions is not None else _scaled(REGIONS_PER_SCALE, scale),
            projects=_scaled(PROJECTS_PER_SCALE, scale),
            coordinators=_scaled(COORDINATORS_PER_SCALE, scale),
        )

    @property
    def participations(self) -> int:
        return self.projects * self.participations_per_project

    @property
    def outcomes(self) -> int:
        return self.projects * self.outcomes_per_project


def _share(total: int, parts: int, index: int) -> int:
    """The ``index``-th of ``parts`` near-equal integer shares of ``total`` (0-based)."""
    base, remainder = divmod(total, parts)
    return base + (1 if index < remainder else 0)
