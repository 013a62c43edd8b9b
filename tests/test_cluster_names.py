"""Two clusters with the same name are told apart wherever a cluster is named (Region.display_name):
lists, dropdowns, search, the API. 「徳島地域」 was selected in phase I (2002) and as a global hub
(2009); "Hamamatsu area" is the English name of both 浜松地域 (phase I) and 静岡県浜松地域 (phase II)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes(db):
    phase_1 = factories.ProgramFactory(code="phase-1", name="第I期", name_en="Phase I", start_fiscal_year=2002)
    hub = factories.ProgramFactory(code="global-hub", name="グローバル拠点育成型", name_en="Global hub")
    first = factories.RegionFactory(
        slug="tokushima", name="徳島地域", name_en="Tokushima area", program=phase_1,
        selected_fiscal_year=2002, start_fiscal_year=2002, end_fiscal_year=2006,
    )  # fmt: skip
    second = factories.RegionFactory(
        slug="tokushima-hub", name="徳島地域", name_en="Tokushima", program=hub,
        selected_fiscal_year=2009, start_fiscal_year=2009, end_fiscal_year=2013,
    )  # fmt: skip
    hamamatsu_1 = factories.RegionFactory(
        slug="hamamatsu", name="浜松地域", name_en="Hamamatsu area", program=phase_1,
        selected_fiscal_year=2002, start_fiscal_year=2002, end_fiscal_year=2006,
    )  # fmt: skip
    hamamatsu_2 = factories.RegionFactory(slug="hamamatsu-2", name="静岡県浜松地域", name_en="Hamamatsu area")
    for region in (first, second, hamamatsu_1, hamamatsu_2):
        factories.ProjectFactory(region=region, title=f"{region.slug} の共同研究")
    return first, second, hamamatsu_1, hamamatsu_2


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)]


def test_a_shared_name_carries_phase_and_years_and_a_unique_name_stays_plain(namesakes):
    first, second, hamamatsu_1, hamamatsu_2 = namesakes
    with translation.override("ja"):
        assert first.display_name == "徳島地域（第I期、2002〜2006年度）"
        assert second.display_name == "徳島地域（グローバル拠点育成型、2009〜2013年度）"
        assert hamamatsu_1.display_name == "浜松地域"
        assert str(second) == second.display_name
    with translation.override("en"):
        assert first.display_name == "Tokushima area"
        assert hamamatsu_1.display_name != hamamatsu_2.display_name
        assert hamamatsu_1.display_name.startswith("Hamamatsu area")
        assert "Phase I" in hamamatsu_1.display_name


@pytest.mark.parametrize(
    "url_name", ["projects:list", "public:result_list", "public:event_list", "public:funding_flow"]
)
def test_the_cluster_dropdowns_tell_namesakes_apart(client, namesakes, url_name):
    labels = options(client.get(reverse(url_name)).content.decode(), "cluster")
    tokushima = [label for label in labels if label.startswith("徳島地域")]
    assert tokushima == ["徳島地域（第I期、2002〜2006年度）", "徳島地域（グローバル拠点育成型、2009〜2013年度）"]
    assert "浜松地域" in labels


def test_the_cluster_list_and_the_project_list_name_both_distinctly(client, namesakes):
    for url in (reverse("regions:list"), reverse("projects:list")):
        page = client.get(url).content.decode()
        assert "徳島地域（第I期、2002〜2006年度）" in page, url
        assert "徳島地域（グローバル拠点育成型、2009〜2013年度）" in page, url


def test_search_results_name_both_distinctly(client, namesakes):
    page = client.get(reverse("public:search"), {"q": "徳島"}).content.decode()
    page = re.sub(r"</?mark>", "", page)  # the matched word is marked
    assert "徳島地域（第I期、2002〜2006年度）" in page
    assert "徳島地域（グローバル拠点育成型、2009〜2013年度）" in page


def test_the_api_gives_a_distinct_display_name_in_both_languages(client, namesakes):
    rows = {row["code"]: row for row in client.get("/api/v1/clusters").json()["data"]}
    assert rows["tokushima"]["name"] == rows["tokushima-hub"]["name"] == "徳島地域"
    assert rows["tokushima"]["display_name"] != rows["tokushima-hub"]["display_name"]
    assert rows["tokushima-hub"]["display_name"] == "徳島地域（グローバル拠点育成型、2009〜2013年度）"
    assert rows["hamamatsu"]["display_name"] == "浜松地域"
    assert rows["hamamatsu"]["display_name_en"] != rows["hamamatsu-2"]["display_name_en"]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Clusters"]
    assert {"display_name", "display_name_en"} <= set(schema["required"])


def test_renaming_a_namesake_drops_the_phase_at_once(client, namesakes):
    first, second, *_ = namesakes
    second.name = "徳島地域（グローバル拠点）"
    second.save()
    first.refresh_from_db()
    with translation.override("ja"):
        assert first.display_name == "徳島地域"
