"""Migration operations shared by the portal's apps.

``PostgresTrigramSearchIndexes``: GIN trigram indexes (pg_trgm) on the expression the public text
search filters with (cluster_portal/text.py ``text_q``: ``UPPER(normalize(COALESCE(field, ''),
NFKC))``), created on PostgreSQL only — on SQLite and other databases the operation does nothing.
Used by projects/0006 and regions/0005; tests/test_search_indexes.py checks that the search's query
plans use them.
"""

from django.db import migrations


class PostgresTrigramSearchIndexes(migrations.operations.base.Operation):
    """Create (or drop) GIN trigram indexes on ``UPPER(normalize(COALESCE(field, ''), NFKC))``; PostgreSQL only."""

    reversible = True

    def __init__(self, app_label, indexes):
        self.app_label = app_label
        self.indexes = indexes

    def deconstruct(self):
        return self.__class__.__name__, [self.app_label, self.indexes], {}

    def state_forwards(self, app_label, state):
        pass  # database-only: the model state does not change

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        # Trusted extension on PostgreSQL 13+; IF NOT EXISTS needs no privilege when a DBA installed it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        quote = schema_editor.quote_name
        tables = []
        for model_name, field_name, index_name in self.indexes:
            model = to_state.apps.get_model(self.app_label, model_name)
            table = quote(model._meta.db_table)
            column = quote(model._meta.get_field(field_name).column)
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(index_name)} ON {table} "
                f"USING gin ((UPPER(normalize(COALESCE({column}, ''), NFKC))) gin_trgm_ops)"
            )
            if table not in tables:
                tables.append(table)
        # Statistics on the new index expressions, so the planner estimates matches well right away
        # (otherwise it guesses until autovacuum next analyses the table).
        for table in tables:
            schema_editor.execute(f"ANALYZE {table}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for _model_name, _field_name, index_name in self.indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name)}")
        # pg_trgm stays installed: other database objects may use it.

    def describe(self):
        return f"Create {len(self.indexes)} trigram search indexes (PostgreSQL only)"

    @property
    def migration_name_fragment(self):
        return "search_trigram_indexes"


class PostgresCharacterSearchIndex(migrations.operations.base.Operation):
    """Create (or drop) a GIN index on the characters of a model's searched fields; PostgreSQL only.

    The expression is ``cluster_portal.text.characters_sql(fields)``: the single characters of
    ``UPPER(normalize(COALESCE(field, ''), NFKC))`` of every field, as one ``text[]``. It answers the
    search's ``HasCharacters`` prefilter for words of one or two characters (光, 医療), which the
    trigram indexes cannot serve; being an expression index, PostgreSQL keeps it in step with the
    rows on every write. ``fields`` must be the model's ``character_index`` in the same order
    (tests/test_search_indexes.py checks it and the plans). On SQLite the operation does nothing:
    the search there has no prefilter.
    """

    reversible = True

    def __init__(self, app_label, model_name, fields, index_name):
        self.app_label = app_label
        self.model_name = model_name
        self.fields = list(fields)
        self.index_name = index_name

    def deconstruct(self):
        return self.__class__.__name__, [self.app_label, self.model_name, self.fields, self.index_name], {}

    def state_forwards(self, app_label, state):
        pass  # database-only: the model state does not change

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        from cluster_portal.text import characters_sql

        quote = schema_editor.quote_name
        model = to_state.apps.get_model(self.app_label, self.model_name)
        table = quote(model._meta.db_table)
        columns = [quote(model._meta.get_field(field).column) for field in self.fields]
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(self.index_name)} ON {table} USING gin (({characters_sql(columns)}))"
        )
        schema_editor.execute(f"ANALYZE {table}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(self.index_name)}")

    def describe(self):
        return f"Create the character search index {self.index_name} (PostgreSQL only)"

    @property
    def migration_name_fragment(self):
        return "search_character_index"
