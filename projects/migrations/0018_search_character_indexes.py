"""Character (GIN) indexes for searching projects and results by words of one or two characters.

The trigram indexes (0006, 0013) cannot serve a word shorter than three characters, and most Japanese
search words are (光, 医療, 材料). One GIN index per model on the single characters of all its searched
fields, ``cluster_portal.text.characters_sql(fields)``, answers the search's ``HasCharacters`` prefilter
(``text_q``); the LIKE on each field keeps the result exact. PostgreSQL only; tests/test_search_indexes.py
checks that the fields are the querysets' ``character_index`` and that the plans use the indexes.
"""

from django.db import migrations

from cluster_portal.migration_operations import PostgresCharacterSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0017_outcome_project_date_index"),
    ]

    operations = [
        PostgresCharacterSearchIndex(
            "projects",
            "JointResearchProject",
            ["code", "title", "title_en", "theme", "summary"],
            "project_search_chars_idx",
        ),
        PostgresCharacterSearchIndex(
            "projects",
            "Outcome",
            [
                "title",
                "title_en",
                "description",
                "product",
                "applicants",
                "inventors",
                "code",
                "doi",
                "application_number",
                "registration_number",
            ],
            "outcome_search_chars_idx",
        ),
    ]
