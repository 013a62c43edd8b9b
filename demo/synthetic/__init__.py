"""A large synthetic dataset for load tests and benchmarks (``manage.py generate_data``).

Scale 1 is about 10 regions, 1,000 joint research projects, 4,000 participations,
10,000 results (outcomes), 20 fiscal years of grants and budgets per region and 50
coordinators; every count grows linearly with the scale (scale 10: 100 regions,
10,000 projects, 40,000 participations, 100,000 results, 500 coordinators).

The data are deterministic: every region draws from its own random stream seeded
with the demo seed (``demo.loader.base.rng_for``), so two runs at the same scale
give the same rows, codes and amounts on any machine and any database.

Every generated row is recognisable and can be removed again:

* names start with 「（合成）」 (English "(Synthetic) "), so nobody mistakes them for real data;
* regions and organisations have slugs ``syn-…``, projects codes ``SYN-…``, coordinators
  codes ``syn-c…`` and the programme code ``synthetic``; ``load_demo`` never uses these
  prefixes (its slugs are real place names or ``demo-…``, its codes ``HAM2-001`` and the like).

Rows are written with ``bulk_create`` in batches (with their history records where the
model keeps history), not through the one-row services: that is what makes scale 10 a
matter of minutes. The rules those services enforce still hold: every object passes its
model validation (``clean()`` and field validators) before it is queued, the database
constraints check the rest, and allocations are drawn so that a region's allocations in
a fiscal year never exceed its grant — checked again at the end, with the other invariants
that bulk inserts could break, by the checks of ``manage.py check_integrity``
(``generate.CHECKED_INVARIANTS``).

Modules: ``plan`` (sizes and names), ``writer`` (bulk inserts), ``generate`` (the rows),
``inventory`` (what is there, and its removal); the public names are importable from here."""

from demo.synthetic.generate import GenerationReport, RegionPool, synthetic_data_generate
from demo.synthetic.inventory import (
    grant_rule_violations,
    synthetic_counts,
    synthetic_data_flush,
    synthetic_exists,
    synthetic_fingerprint,
    synthetic_querysets,
    synthetic_summary,
)
from demo.synthetic.plan import (
    CHANGE_REASON,
    CODE_ALPHABET,
    COMPANIES_PER_REGION,
    COORDINATOR_CODE_PREFIX,
    COORDINATORS_PER_SCALE,
    DEFAULT_BATCH_SIZE,
    FIRST_FISCAL_YEAR,
    FISCAL_YEARS,
    GRANT_NOTE,
    LAST_FISCAL_YEAR,
    OUTCOME_HAS_CODE,
    OUTCOME_WEIGHTS,
    OUTCOMES_PER_PROJECT,
    PARTICIPATIONS_PER_PROJECT,
    PROGRAM_CODE,
    PROJECT_CODE_PREFIX,
    PROJECTS_PER_SCALE,
    PUBLIC_RESEARCH_PER_REGION,
    REGIONS_PER_SCALE,
    SLUG_PREFIX,
    SOURCE,
    SYNTHETIC,
    SYNTHETIC_EN,
    UNIVERSITIES_PER_REGION,
    Scale,
    SyntheticDataError,
    synthetic,
    synthetic_en,
)
from demo.synthetic.writer import BulkWriter

__all__ = [
    "CHANGE_REASON",
    "CODE_ALPHABET",
    "COMPANIES_PER_REGION",
    "COORDINATORS_PER_SCALE",
    "COORDINATOR_CODE_PREFIX",
    "DEFAULT_BATCH_SIZE",
    "FIRST_FISCAL_YEAR",
    "FISCAL_YEARS",
    "GRANT_NOTE",
    "LAST_FISCAL_YEAR",
    "OUTCOMES_PER_PROJECT",
    "OUTCOME_HAS_CODE",
    "OUTCOME_WEIGHTS",
    "PARTICIPATIONS_PER_PROJECT",
    "PROGRAM_CODE",
    "PROJECTS_PER_SCALE",
    "PROJECT_CODE_PREFIX",
    "PUBLIC_RESEARCH_PER_REGION",
    "REGIONS_PER_SCALE",
    "SLUG_PREFIX",
    "SOURCE",
    "SYNTHETIC",
    "SYNTHETIC_EN",
    "UNIVERSITIES_PER_REGION",
    "BulkWriter",
    "GenerationReport",
    "RegionPool",
    "Scale",
    "SyntheticDataError",
    "grant_rule_violations",
    "synthetic",
    "synthetic_counts",
    "synthetic_data_flush",
    "synthetic_data_generate",
    "synthetic_en",
    "synthetic_exists",
    "synthetic_fingerprint",
    "synthetic_querysets",
    "synthetic_summary",
]
