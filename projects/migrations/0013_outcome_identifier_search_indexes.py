"""Trigram (pg_trgm) indexes for searching results by their code, DOI and patent numbers.

The site search and the results browser find a result by its result code (``R-…``), its DOI and its
application or registration number (``OutcomeQuerySet.search_fields``). As in
0006_search_trigram_indexes, each index is on the search's exact expression
(``UPPER(normalize(COALESCE(field, ''), NFKC))``), PostgreSQL only; tests/test_search_indexes.py
checks by name that the plans use them.
"""

from django.db import migrations

from cluster_portal.migration_operations import PostgresTrigramSearchIndexes

INDEXES = [
    ("Outcome", "code", "outcome_code_nfkc_trgm_idx"),
    ("Outcome", "doi", "outcome_doi_nfkc_trgm_idx"),
    ("Outcome", "application_number", "outcome_application_number_nfkc_trgm_idx"),
    ("Outcome", "registration_number", "outcome_registration_number_nfkc_trgm_idx"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0012_history_of_editable_records"),
    ]

    operations = [
        PostgresTrigramSearchIndexes("projects", INDEXES),
    ]
