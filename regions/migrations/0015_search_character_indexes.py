"""Character (GIN) indexes for searching organisations and events by words of one or two characters.

As projects/migrations/0018_search_character_indexes: one GIN index per model on the single characters
of all its searched fields (``cluster_portal.text.characters_sql``), for the search's ``HasCharacters``
prefilter, PostgreSQL only. Regions get none: their search ORs in a prefecture subquery, so no index
can answer it (and the table is small).
"""

from django.db import migrations

from cluster_portal.migration_operations import PostgresCharacterSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0014_support_decision"),
    ]

    operations = [
        PostgresCharacterSearchIndex("regions", "Organization", ["name", "name_en"], "organization_search_chars_idx"),
        PostgresCharacterSearchIndex(
            "regions",
            "Event",
            ["title", "title_en", "venue", "organizer", "description"],
            "event_search_chars_idx",
        ),
    ]
