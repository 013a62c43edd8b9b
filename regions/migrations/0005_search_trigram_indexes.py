"""Trigram (pg_trgm) indexes for the public text search of organisations and events.

PostgreSQL only: on SQLite and any other database this migration does nothing. The public search
(cluster_portal/public/text.py ``text_q``/``search``: site search, organisation list, events, API)
filters with ``UPPER(normalize(COALESCE(field, ''), NFKC)::text) LIKE UPPER('%word%')``; a GIN index
with ``gin_trgm_ops`` on exactly that expression lets PostgreSQL answer it with a bitmap index scan
instead of normalising every row. If the search expression changes, these indexes stop matching:
tests/test_search_indexes.py checks the plans by index name. The same operation (cluster_portal/migration_operations.py), for projects and
results, is in projects/migrations/0006_search_trigram_indexes.py.

Regions get no such index: ``RegionQuerySet.search`` ORs the name fields with a prefecture subquery
(``id IN (SELECT …)``), which no index can answer, so PostgreSQL scans the (small) region table
whatever indexes exist.

The indexes are not declared in the models' Meta (SQLite cannot build them); ``makemigrations``
therefore never sees them.
"""

from django.db import migrations

from cluster_portal.migration_operations import PostgresTrigramSearchIndexes

# (model, searched field, index name); the expression is text_q's: UPPER(normalize(COALESCE(field, ''), NFKC))
INDEXES = [
    ("Organization", "name", "organization_name_nfkc_trgm_idx"),
    ("Organization", "name_en", "organization_name_en_nfkc_trgm_idx"),
    ("Event", "title", "event_title_nfkc_trgm_idx"),
    ("Event", "title_en", "event_title_en_nfkc_trgm_idx"),
    ("Event", "venue", "event_venue_nfkc_trgm_idx"),
    ("Event", "organizer", "event_organizer_nfkc_trgm_idx"),
    ("Event", "description", "event_description_nfkc_trgm_idx"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0004_organization_kind_name_index"),
    ]

    operations = [
        PostgresTrigramSearchIndexes("regions", INDEXES),
    ]
