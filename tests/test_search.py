"""The site search shows what it finds: how many of how many, a link to all of them, matched terms
marked, quoted phrases, codes, DOIs and patent numbers, and an over-long query refused, never cut."""

import re

import pytest
from django.utils.html import escape

from cluster_portal.templatetags.portal import highlight
from cluster_portal.text import MAX_QUERY_LENGTH, excerpt, matched_spans, search_terms
from public.views.search import SHOWN_PER_KIND
from tests import factories

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


# --- the terms of a query ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("ナノ 材料", ["ナノ", "材料"]),
        ("ナノ　材料", ["ナノ", "材料"]),  # an ideographic space separates words too
        ('"ナノ 材料"', ["ナノ 材料"]),
        ("＂ナノ　材料＂ 光", ["ナノ 材料", "光"]),  # full-width quotes and space (NFKC)
        ("「医療 機器」 札幌", ["医療 機器", "札幌"]),
        ("“燃料 電池”", ["燃料 電池"]),
        ('"ナノ  材料', ["ナノ 材料"]),  # an unclosed quote runs to the end, spaces collapsed
        ('"" 光', ["光"]),  # an empty phrase is no term
        ("https://doi.org/10.1234/ABC.5", ["10.1234/ABC.5"]),
        ("doi:10.1234/abc", ["10.1234/abc"]),
        ("光 光", ["光"]),
        ("", []),
    ],
)
def test_search_terms(query, terms):
    assert search_terms(query) == terms


def test_matched_spans_compare_as_the_database_does_and_point_into_the_stored_text():
    # 「ﾅﾉ」 is 「ナノ」 in NFKC; 「ｶﾞ」 (two half-width characters) is one 「ガ」.
    assert matched_spans("ﾅﾉ材料とｶﾞラス", ["ナノ", "ガ"]) == [(0, 2), (5, 7)]
    assert matched_spans("Sapporo IT cluster", ["it"]) == [(8, 10)]
    assert matched_spans("ナノナノ", ["ナノナ", "ノナノ"]) == [(0, 4)]  # overlapping places merge
    assert matched_spans("材料", ["光"]) == []


def test_highlight_marks_the_matches_and_escapes_everything_else():
    assert str(highlight("<b>ﾅﾉ</b>粒子", ["ナノ"])) == "&lt;b&gt;<mark>ﾅﾉ</mark>&lt;/b&gt;粒子"
    assert str(highlight("<i>光</i>", [])) == escape("<i>光</i>")


def test_excerpt_is_around_the_first_match_or_empty():
    text = "あ" * 200 + "燃料電池" + "い" * 200
    part = excerpt(text, ["燃料電池"])
    assert "燃料電池" in part and part.startswith("…") and part.endswith("…") and len(part) <= 122
    assert excerpt(text, ["光"]) == ""


# --- the page ------------------------------------------------------------------------------------


def test_matched_terms_are_marked_in_titles_and_excerpts(client, region):
    project = factories.ProjectFactory(
        region=region, title="ﾅﾉ粒子の研究", summary="最初の文。" * 30 + "ナノ粒子を量産する工程を企業と開発する。"
    )
    factories.OutcomeFactory(project=project, title="粒子の製法", description="ナノ粒子の製法に関する特許")
    page = body(client.get("/search/", {"q": "ナノ"}))
    assert "<mark>ﾅﾉ</mark>粒子の研究" in page
    assert re.search(r'class="item-list__excerpt">…[^<]*<mark>ナノ</mark>粒子を量産', page)
    assert re.search(r'class="item-list__excerpt"><mark>ナノ</mark>粒子の製法に関する特許', page)


def test_a_quoted_phrase_finds_the_words_in_that_order_only(client, region):
    factories.ProjectFactory(region=region, title="ナノ 材料の評価")
    factories.ProjectFactory(region=region, title="材料 ナノの評価")
    words = client.get("/search/", {"q": "ナノ 材料"}).context["sections"][1]
    phrase = client.get("/search/", {"q": '"ナノ 材料"'}).context["sections"][1]
    assert words["count"] == 2
    assert [project.title for project in phrase["items"]] == ["ナノ 材料の評価"]
    # The project list takes the same query (the section's "see all" link).
    listed = client.get("/projects/", {"q": "「ナノ 材料」"}).context["page"].object_list
    assert [project.title for project in listed] == ["ナノ 材料の評価"]


@pytest.mark.parametrize("field", ["code", "doi", "application_number", "registration_number"], ids=lambda field: field)
def test_results_are_found_by_code_doi_and_patent_numbers(client, region, field):
    project = factories.ProjectFactory(region=region)
    wanted = factories.OutcomeFactory(
        project=project,
        patent=True,
        title="探す成果",
        doi="10.5555/cluster.2009.17",
        registration_number="特許第4123456号",
    )
    factories.OutcomeFactory(project=project, patent=True, title="別の成果", doi="10.5555/other.1")
    typed = {
        "code": wanted.code.lower(),
        "doi": "https://doi.org/10.5555/cluster.2009.17",
        "application_number": wanted.application_number.removeprefix("特願"),
        "registration_number": "４１２３４５６",  # full-width digits
    }[field]
    response = client.get("/search/", {"q": typed})
    results = response.context["sections"][3]
    assert [outcome.title for outcome in results["items"]] == ["探す成果"]
    assert "<mark>" in body(response)


def test_a_long_section_says_how_many_it_shows_and_links_to_all_of_them(client, region):
    project = factories.ProjectFactory(region=region, title="関係のない題")
    total = SHOWN_PER_KIND + 5
    for number in range(total):
        factories.OutcomeFactory(project=project, title=f"センサ{number}")
    response = client.get("/search/", {"q": "センサ"})
    page = body(response)
    results = response.context["sections"][3]
    assert results["count"] == total and len(results["items"]) == SHOWN_PER_KIND
    assert f"{total}件中{SHOWN_PER_KIND}件を表示しています。" in page
    link = re.search(r'<a class="button button--secondary" href="([^"]+)">すべて見る（(\d+)件）</a>', page)
    assert link is not None and int(link.group(2)) == total
    listed = client.get(link.group(1).replace("&amp;", "&"))
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == total


def test_a_short_section_does_not_claim_to_be_cut(client, region):
    factories.ProjectFactory(region=region, title="センサ網")
    page = body(client.get("/search/", {"q": "センサ"}))
    assert "件を表示しています" not in page
    assert "すべて見る（1件）" in page


def test_an_over_long_query_is_refused_with_the_limit_and_never_cut(client, region):
    factories.ProjectFactory(region=region, title="ナ" * MAX_QUERY_LENGTH)
    response = client.get("/search/", {"q": "ナ" * 150})
    page = body(response)
    assert response.status_code == 400
    assert f"キーワードは{MAX_QUERY_LENGTH}文字以内で入力してください（入力は150文字です）。" in page
    assert "ナ" * 150 in page  # what was typed stays in the box to be shortened
    ascii_query = client.get("/search/", {"q": "a" * 1500})
    assert ascii_query.status_code == 400
    assert "（入力は1500文字です）" in body(ascii_query)
    assert 'aria-invalid="true"' in page
    assert "検索結果" not in page  # nothing searched with a cut query
    # Exactly the limit is searched.
    response = client.get("/search/", {"q": "ナ" * MAX_QUERY_LENGTH})
    assert response.status_code == 200 and response.context["sections"][1]["count"] == 1


def test_the_lists_refuse_an_over_long_query_with_the_limit_too(client, region):
    factories.ProjectFactory(region=region)
    page = body(client.get("/projects/", {"q": "ナ" * 150}))
    assert f"キーワードは{MAX_QUERY_LENGTH}文字以内で入力してください（入力は150文字です）。" in page


def test_the_api_refuses_an_over_long_query(client):
    response = client.get("/api/v1/projects", {"q": "ナ" * (MAX_QUERY_LENGTH + 1)})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
