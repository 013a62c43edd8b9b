"""Trigram (pg_trgm) indexes for the public text search of joint research projects and results.

PostgreSQL only: on SQLite and any other database this migration does nothing. The public search
(cluster_portal/public/text.py ``text_q``/``search``: site search, project list, results browser, API)
filters with ``UPPER(normalize(COALESCE(field, ''), NFKC)::text) LIKE UPPER('%word%')``; a GIN index
with ``gin_trgm_ops`` on exactly that expression lets PostgreSQL answer it with a bitmap index scan
instead of normalising every row. If the search expression changes, these indexes stop matching:
tests/test_search_indexes.py checks the plans by index name. The same operation (cluster_portal/migration_operations.py), for regions,
organisations and events, is in regions/migrations/0005_search_trigram_indexes.py.

The indexes are not declared in the models' Meta (SQLite cannot build them); ``makemigrations``
therefore never sees them.
"""

from django.db import migrations

from cluster_portal.migration_operations import PostgresTrigramSearchIndexes

# (model, searched field, index name); the expression is text_q's: UPPER(normalize(COALESCE(field, ''), NFKC))
INDEXES = [
    ("JointResearchProject", "code", "project_code_nfkc_trgm_idx"),
    ("JointResearchProject", "title", "project_title_nfkc_trgm_idx"),
    ("JointResearchProject", "title_en", "project_title_en_nfkc_trgm_idx"),
    ("JointResearchProject", "theme", "project_theme_nfkc_trgm_idx"),
    ("JointResearchProject", "summary", "project_summary_nfkc_trgm_idx"),
    ("Outcome", "title", "outcome_title_nfkc_trgm_idx"),
    ("Outcome", "title_en", "outcome_title_en_nfkc_trgm_idx"),
    ("Outcome", "description", "outcome_description_nfkc_trgm_idx"),
    ("Outcome", "product", "outcome_product_nfkc_trgm_idx"),
    ("Outcome", "applicants", "outcome_applicants_nfkc_trgm_idx"),
    ("Outcome", "inventors", "outcome_inventors_nfkc_trgm_idx"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_report_attachment_checks"),
    ]

    operations = [
        PostgresTrigramSearchIndexes("projects", INDEXES),
    ]
