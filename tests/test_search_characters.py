"""Search by words of any length finds the same rows on SQLite and PostgreSQL, best matches first.

On PostgreSQL a word of one or two characters also passes the character prefilter
(``cluster_portal.text.HasCharacters``, answered by the GIN character indexes of
projects/migrations/0015 and regions/migrations/0014); on SQLite there is none. Both databases are
held to the same oracle, the comparison written in Python (NFKC, then upper case, substring), on the
demo data: so the PostgreSQL path agrees with the SQLite fallback, and with and without the prefilter.
tests/test_search_indexes.py checks that the plans use the indexes.
"""

import unicodedata

import pytest
from django.db import connection
from django.urls import reverse

from cluster_portal import text
from projects.models import JointResearchProject, Outcome
from public.datasets import public_organizations
from public.views.browse import PER_PAGE
from public.views.search import matches, search_sections
from regions.models import Event
from tests import factories

FIXED_WORDS = ["光", "医療", "センサ", "ｾﾝｻ", "ナノ材料", "ナノ", "材料", "iot", "IoT", "ｉｏｔ", "研究", "開発"]


def fold(value) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).upper()


def oracle(queryset, fields, query) -> set[int]:
    """The ids of ``queryset``'s rows where every term of ``query`` is in one of ``fields`` (Python)."""
    terms = [fold(term) for term in text.search_terms(query)]
    found = set()
    for row in queryset.values("pk", *fields):
        folded = [fold(row[field]) for field in fields]
        if all(any(term in value for value in folded) for term in terms):
            found.add(row["pk"])
    return found


def searched():
    """(name, published queryset, searched fields) of every kind the site searches with an index."""
    return [
        ("projects", JointResearchProject.objects.published(), JointResearchProject.objects.none().search_fields),
        ("results", Outcome.objects.published(), Outcome.objects.none().search_fields),
        ("organizations", public_organizations(), public_organizations().search_fields),
        ("events", Event.objects.all(), Event.objects.none().search_fields),
    ]


def without_prefilter(monkeypatch):
    monkeypatch.setattr(text, "CHARACTER_PREFILTER_MAX_LENGTH", 0)


@pytest.mark.django_db
def test_the_prefilter_is_used_on_postgresql_for_words_of_one_or_two_characters(monkeypatch):
    sql = {word: str(JointResearchProject.objects.search(word).query) for word in ["光", "医療", "センサ"]}
    if connection.vendor == "postgresql":
        assert "@>" in sql["光"] and "@>" in sql["医療"]
    else:
        assert "@>" not in sql["光"]
    assert "@>" not in sql["センサ"]  # served by the trigram indexes
    without_prefilter(monkeypatch)
    assert "@>" not in str(JointResearchProject.objects.search("光").query)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "word"),
    [("光センサの研究", "光"), ("高感度の光", "光"), ("医療機器", "医療"), ("先端医療", "医療"), ("ｾﾝｻ材料", "センサ")],
)
def test_words_at_the_start_and_end_of_a_title_are_found(region, title, word):
    project = factories.ProjectFactory(region=region, title=title)
    factories.ProjectFactory(region=region, title="関係のない課題")
    assert list(JointResearchProject.objects.published().filter(region=region).search(word)) == [project]
    assert list(matches(word)["projects"].filter(region=region)) == [project]


@pytest.fixture
def ranked(region):
    """Projects matching 「ナノ 材料」 in every rank, their codes in the reverse order."""
    summary = {"summary": "関係のない要約"}
    return [
        factories.ProjectFactory(region=region, code="P5", title="ナノ 材料", **summary),  # the title is the query
        factories.ProjectFactory(region=region, code="P4", title="新しいナノ 材料の開発", **summary),  # phrase
        factories.ProjectFactory(region=region, code="P3", title="材料とナノ技術", **summary),  # every word
        factories.ProjectFactory(region=region, code="P2", title="共同研究", summary="ナノ 材料を使う"),
        factories.ProjectFactory(region=region, code="P1", title="ナノ研究", summary="材料の評価"),
    ]


def test_site_search_ranks_exact_phrase_and_title_matches_first(ranked):
    sections = {section["kind"]: section for section in search_sections.uncached("ナノ 材料")}
    assert sections["projects"]["items"] == ranked
    assert sections["projects"]["count"] == len(ranked)
    projects = matches("ナノ 材料")["projects"].filter(region=ranked[0].region)
    assert list(projects.order_by("search_rank", "code")) == ranked
    # Without a search the order is the code's, so the rank is what put them in this order.
    assert list(JointResearchProject.objects.filter(pk__in=[p.pk for p in ranked]).order_by("code")) == ranked[::-1]


def test_project_list_ranks_matches_first(client, ranked):
    response = client.get(reverse("projects:list"), {"q": "ナノ 材料", "cluster": ranked[0].region.slug})
    assert list(response.context["page"].object_list) == ranked


def test_admin_search_normalises_and_searches_related_fields(admin_client, region):
    project = factories.ProjectFactory(region=region, title="センサ網の研究", summary="光ファイバ")
    other = factories.ProjectFactory(region=region, title="別の研究")
    outcome = factories.OutcomeFactory(project=project, title="成果A")
    factories.OutcomeFactory(project=other, title="成果B")
    url = reverse("admin:projects_jointresearchproject_changelist")

    def found(url, query):
        rows = admin_client.get(url, {"q": query}).context["cl"].result_list
        return [row for row in rows if row in (project, other, outcome)]

    assert found(url, "ｾﾝｻ") == [project]  # half-width finds full-width
    assert found(url, "光") == [project]  # a word of one character, in the summary
    assert found(url, "センサ 光") == [project]  # every word, in different fields
    assert found(url, f'"{region.name}"') == sorted([project, other], key=lambda p: p.code)  # region__name
    assert found(url, "存在しない") == []
    outcomes = reverse("admin:projects_outcome_changelist")
    assert found(outcomes, project.code) == [outcome]  # project__code


@pytest.mark.django_db
def test_searched_project_list_pages_hold_every_match_once_best_first(client, region):
    """The list's count and page rows come from one search (``paginate_counted``): page 1 and 2 together
    are every match, in rank order, and a page past the end shows the last page."""
    exact = factories.ProjectFactory(region=region, code="Z99", title="光")
    others = [
        factories.ProjectFactory(region=region, code=f"A{n:02}", title=f"光の研究{n}") for n in range(PER_PAGE + 2)
    ]
    factories.ProjectFactory(region=region, code="B00", title="音の研究")
    url = reverse("projects:list")
    first = client.get(url, {"q": "光", "cluster": region.slug})
    second = client.get(url, {"q": "光", "cluster": region.slug, "page": "2"})
    beyond = client.get(url, {"q": "光", "cluster": region.slug, "page": "9"})
    shown = list(first.context["page"].object_list) + list(second.context["page"].object_list)
    assert shown == [exact, *others]
    total = PER_PAGE + 3
    assert f"{total}件中 1〜{PER_PAGE}件を表示" in first.content.decode()
    assert f"{total}件中 {PER_PAGE + 1}〜{total}件を表示" in second.content.decode()
    assert list(beyond.context["page"].object_list) == others[PER_PAGE - 1 :]
