"""The public text search is answered by the pg_trgm indexes (PostgreSQL only).

regions/migrations/0005_search_trigram_indexes.py and projects/migrations/0006_search_trigram_indexes.py
build GIN trigram indexes on the exact expressions the search filters with
(``UPPER(normalize(COALESCE(field, ''), NFKC)::text) LIKE …``). An index on a different expression
is silently ignored, so these tests EXPLAIN the querysets the portal really builds, with sequential
scans disabled, and require every searched field's index by name. If the search expression in
cluster_portal/public/text.py changes, they fail until the indexes are rebuilt to match.

Regions have no trigram index (see the regions migration): their search ORs in a prefecture
subquery, which no index can answer.
"""

import pytest
from django.db import connection, transaction

from projects.models import JointResearchProject, Outcome, OutcomeQuerySet, ProjectQuerySet
from public.views.browse import filter_events, filter_results, organization_rows
from public.views.projects import filter_projects
from public.views.search import matches
from regions.models import Event, EventQuerySet, Organization, OrganizationQuerySet
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def index_names(prefix: str, fields: list[str]) -> set[str]:
    return {f"{prefix}_{field}_nfkc_trgm_idx" for field in fields}


PROJECT_INDEXES = index_names("project", ProjectQuerySet.search_fields)
RESULT_INDEXES = index_names("outcome", OutcomeQuerySet.search_fields)
ORGANIZATION_INDEXES = index_names("organization", OrganizationQuerySet.search_fields)
EVENT_INDEXES = index_names("event", EventQuerySet.search_fields)
ALL_INDEXES = PROJECT_INDEXES | RESULT_INDEXES | ORGANIZATION_INDEXES | EVENT_INDEXES
BACKGROUND_ROWS = 5_000


def plan(queryset) -> str:
    """The EXPLAIN of ``queryset`` with sequential scans disabled (so a matching trigram index is used)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def used(text: str, names: set[str]) -> set[str]:
    return {name for name in names if f" on {name}" in text}


def assert_uses(queryset, names: set[str]):
    """``queryset``'s plan scans every index in ``names`` (a bitmap index scan per searched field)."""
    text = plan(queryset)
    assert used(text, names) == names, f"missing {sorted(names - used(text, names))} in:\n{text}"


def copies(template, count: int, **unique: str):
    """``count`` copies of ``template``'s row, inserted in one statement (``unique``: field -> SQL of ``g``)."""
    model = type(template)
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(unique.get(field.name, quote(field.column)) for field in fields)
    table = quote(model._meta.db_table)
    # Identifiers come from the model and are quoted; the SQL in ``unique`` is the test's own.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table}, generate_series(1, %s) AS g "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, template.pk])


@pytest.fixture
def published_data(region):
    """A few matching rows among many that do not match, analysed, as on a real database.

    On small tables the planner rightly prefers a full scan (of the table, the sort column's index or
    ``is_published``'s) to the trigram scans; on tables of realistic size only the trigram indexes
    narrow the rows down.
    """
    organization = factories.OrganizationFactory(name="ｾﾝｻ技術研究所")
    project = factories.ProjectFactory(region=region, title="センサ技術の共同研究", host_organization=organization)
    factories.OutcomeFactory(project=project, title="ナノ粒子センサ", company=organization)
    factories.EventFactory(region=region, title="センサ技術フォーラム")
    background = factories.ProjectFactory(region=region, title="背景研究")
    copies(background, BACKGROUND_ROWS, code="'B' || g", title="'背景研究' || g")
    outcome = factories.OutcomeFactory(project=background, title="背景成果")
    copies(outcome, BACKGROUND_ROWS, code="'RB' || g", title="'背景成果' || g")
    other = factories.OrganizationFactory(name="背景機関", company=True)
    copies(other, BACKGROUND_ROWS, name="'背景機関' || g", slug="'background-' || g")
    event = factories.EventFactory(region=region, title="背景行事")
    copies(event, BACKGROUND_ROWS, code="'EB' || g", title="'背景行事' || g")
    with connection.cursor() as cursor:
        # Rows inserted after CREATE INDEX wait in each GIN index's pending list, which the planner
        # prices as a full scan; merge them, as autovacuum would, then gather the statistics.
        for name in ALL_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
        for model in (Organization, Event, JointResearchProject, Outcome):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return project


def test_every_trigram_index_exists_and_is_valid():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE %s",
            ["%_nfkc_trgm_idx"],
        )
        rows = {name: (valid, definition) for name, valid, definition in cursor.fetchall()}
    assert set(rows) == ALL_INDEXES
    for valid, definition in rows.values():
        assert valid
        assert "USING gin" in definition and "gin_trgm_ops" in definition and "NORMALIZE(" in definition.upper()


@pytest.mark.parametrize("query", ["センサ", "ｾﾝｻ", "ＳＥＮＳＯＲ", "センサ 技術"])
def test_site_search_uses_the_trigram_indexes(published_data, query):
    found = matches(query)
    expected = {
        "projects": PROJECT_INDEXES,
        "organizations": ORGANIZATION_INDEXES,
        "results": RESULT_INDEXES,
    }
    for kind, names in expected.items():
        assert_uses(found[kind], names)


def test_project_list_search_uses_the_trigram_indexes(published_data, region):
    queryset = filter_projects(JointResearchProject.objects.published(), {"q": "センサ", "cluster": region})
    assert_uses(queryset, PROJECT_INDEXES)


def test_results_browser_search_uses_the_trigram_indexes(published_data):
    assert_uses(filter_results({"q": "ナノ粒子"}), RESULT_INDEXES)
    queryset = Outcome.objects.published().search("ﾅﾉ粒子")
    assert_uses(queryset, RESULT_INDEXES)


def test_organization_list_search_uses_the_trigram_indexes(published_data):
    assert_uses(organization_rows("", "センサ技術"), ORGANIZATION_INDEXES)


def test_event_search_uses_the_trigram_indexes(published_data):
    assert_uses(filter_events({"q": "フォーラム"}), EVENT_INDEXES)
    assert_uses(Event.objects.all().search("ﾌｫｰﾗﾑ"), EVENT_INDEXES)


def test_search_with_indexes_still_finds_across_width_and_case(published_data):
    """Same results as before the indexes: half-width and full-width forms, any case, every word."""
    assert list(matches("ｾﾝｻ")["projects"]) == [published_data]
    assert list(matches("センサ 共同研究")["projects"]) == [published_data]
    assert not matches("センサ 存在しない語")["projects"].exists()
    assert matches("ﾅﾉ粒子")["results"].count() == 1
    assert matches("センサ技術研究所")["organizations"].count() == 1


# --- the character indexes: words of one or two characters (projects/0015, regions/0014) ----------------

CHARACTER_INDEXES = {
    "project_search_chars_idx": (JointResearchProject, "projects", "0018_search_character_indexes"),
    "outcome_search_chars_idx": (Outcome, "projects", "0018_search_character_indexes"),
    "organization_search_chars_idx": (Organization, "regions", "0015_search_character_indexes"),
    "event_search_chars_idx": (Event, "regions", "0015_search_character_indexes"),
}


def test_every_character_index_covers_its_querysets_searched_fields_in_order():
    """The index expression lists the fields of ``character_index`` (= ``search_fields``), in order:
    otherwise the prefilter's expression differs from the index's and PostgreSQL ignores the index."""
    import importlib

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE %s",
            ["%_search_chars_idx"],
        )
        rows = {name: (valid, definition) for name, valid, definition in cursor.fetchall()}
    assert set(rows) == set(CHARACTER_INDEXES)
    for name, (model, app, migration) in CHARACTER_INDEXES.items():
        queryset = model.objects.none()
        assert queryset.character_index == queryset.search_fields
        operations = importlib.import_module(f"{app}.migrations.{migration}").Migration.operations
        (operation,) = [operation for operation in operations if operation.index_name == name]
        assert tuple(operation.fields) == queryset.character_index
        valid, definition = rows[name]
        assert valid and "USING gin" in definition and "regexp_split_to_array" in definition
        columns = [model._meta.get_field(field).column for field in queryset.character_index]
        positions = [definition.index(f"COALESCE({column},") for column in columns]
        assert positions == sorted(positions), definition


@pytest.fixture
def short_word_data(published_data, region):
    """Rows with 光 and 医療 (at the start and the end of titles) among the background rows, analysed."""
    factories.ProjectFactory(region=region, title="光通信の共同研究")
    factories.ProjectFactory(region=region, title="地域医療", summary="遠隔診療")
    company = factories.OrganizationFactory(name="光学研究所", company=True)
    factories.OutcomeFactory(project=published_data, title="医療用センサ", description="光を使う", company=company)
    factories.EventFactory(region=region, title="医療フォーラム")
    with connection.cursor() as cursor:
        for name in CHARACTER_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
        for model in (Organization, Event, JointResearchProject, Outcome):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@pytest.mark.parametrize("query", ["光", "医療"])
def test_site_search_for_short_words_uses_the_character_indexes(short_word_data, query):
    found = matches(query)
    expected = {
        "projects": {"project_search_chars_idx"},
        "organizations": {"organization_search_chars_idx"},
        "results": {"outcome_search_chars_idx"},
    }
    for kind, names in expected.items():
        assert_uses(found[kind], names)
    assert_uses(filter_projects(JointResearchProject.objects.published(), {"q": query}), expected["projects"])
    assert_uses(Event.objects.all().search(query), {"event_search_chars_idx"})


def test_short_words_are_found_with_and_without_the_prefilter(short_word_data, monkeypatch):
    from cluster_portal import text

    queries = ["光", "医療", "通信", "診療", "ｾﾝｻ 光", "光通信", "地域医療"]
    with_prefilter = {
        query: {kind: set(qs.values_list("pk", flat=True)) for kind, qs in matches(query).items()} for query in queries
    }
    monkeypatch.setattr(text, "CHARACTER_PREFILTER_MAX_LENGTH", 0)
    without = {
        query: {kind: set(qs.values_list("pk", flat=True)) for kind, qs in matches(query).items()} for query in queries
    }
    assert with_prefilter == without
    assert len(with_prefilter["光"]["projects"]) == 1 and len(with_prefilter["医療"]["projects"]) == 1
    assert len(with_prefilter["光"]["results"]) == 1 and len(with_prefilter["医療"]["results"]) == 1
    assert len(with_prefilter["光"]["organizations"]) == 1
