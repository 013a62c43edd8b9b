"""The one text normaliser (cluster_portal.text) and its uses: search, lookups by name, imports."""

import sys

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Value

from cluster_portal.tabular.columns import header_key
from cluster_portal.tabular.widgets import ChoiceWidget, IntegerValueWidget
from cluster_portal.text import WHITESPACE_RUN, Normalized, normalize, normalize_query
from projects.models import JointResearchProject
from regions.columns import OrganizationWidget
from regions.models import Organization, OrganizationKind, Region
from tests import factories
from workspace.forms import OrganizationLookupField

NORMALIZED = [
    # (typed or stored, normalised)
    ("ナノテク", "ナノテク"),
    ("ﾅﾉﾃｸ", "ナノテク"),  # half-width katakana
    ("ｶﾞｽ", "ガス"),  # with a voiced mark
    ("ＩＴ融合", "IT融合"),  # full-width letters
    ("２００８年度", "2008年度"),  # full-width digits
    ("（デモ）静岡先端技術大学", "(デモ)静岡先端技術大学"),  # full-width brackets
    ("ＡＢＣ　研究所", "ABC 研究所"),  # ideographic space U+3000
    ("  ABC   研究所  ", "ABC 研究所"),  # trimmed, a run of spaces collapsed
    ("\u3000\u3000札幌\u3000\u3000北海道\u3000", "札幌 北海道"),
    ("第1行\n\t第2行\r\n", "第1行 第2行"),  # line breaks and tabs
    ("A\u00a0B\u2003C\u202fD", "A B C D"),  # no-break, em and narrow no-break spaces
    ("㈱センサ", "(株)センサ"),
    ("①", "1"),
    ("", ""),
    ("\u3000 \t", ""),
    (None, ""),
    (2008, "2008"),
    (0, "0"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZED)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(("text", "expected"), NORMALIZED)
def test_normalize_is_idempotent(text, expected):
    assert normalize(normalize(text)) == expected


def test_the_white_space_class_is_every_character_python_counts_as_white_space():
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
    assert normalize(f"a{every}b") == "a b"
    assert normalize(every) == ""
    assert WHITESPACE_RUN.startswith("[") and WHITESPACE_RUN.endswith("]+")


def test_a_search_query_is_normalised_but_never_cut():
    assert normalize_query("ﾅ" * 500) == "ナ" * 500
    assert normalize_query("　ＩＴ　") == "IT"


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "expected"), [case for case in NORMALIZED if isinstance(case[0], str)])
def test_the_database_expression_normalises_as_python_does(text, expected):
    """``Normalized`` in SQL (SQLite function, or PostgreSQL normalize/regexp_replace) equals ``normalize``."""
    value = Organization.objects.annotate(key=Normalized(Value(text))).values_list("key", flat=True)
    factories.OrganizationFactory()
    assert list(value) == [expected]


@pytest.mark.django_db
def test_named_finds_organisations_by_their_normalised_name_in_the_database():
    stored = factories.OrganizationFactory(name="\u3000（デモ）ＡＢＣ　　研究所\n")
    factories.OrganizationFactory(name="(デモ)ABC研究所")
    assert list(Organization.objects.named(["(デモ)ABC 研究所"])) == [stored]
    assert list(Organization.objects.named(["（デモ）ＡＢＣ　研究所", "", "存在しない"])) == [stored]
    assert not Organization.objects.named([""]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["ナノ", "ﾅﾉ", "ナノ　材料", "  ﾅﾉ   材料 ", "ＮＡＮＯ", "nano material"])
def test_search_finds_across_widths_spaces_and_case(query):
    project = factories.ProjectFactory(title="ナノ材料の共同研究", title_en="Nano material research")
    factories.ProjectFactory(title="レーザー加工", theme="光技術")
    assert list(JointResearchProject.objects.search(query)) == [project]


@pytest.mark.django_db
def test_cluster_search_also_finds_by_prefecture_in_either_width():
    aichi = factories.PrefectureFactory(code="23", name="愛知県", name_en="Aichi")
    region = factories.RegionFactory(name="知多地域", prefectures=[aichi])
    factories.RegionFactory(name="札幌地域", prefectures=[factories.PrefectureFactory(code="01", name="北海道")])

    for query in ("愛知", "ＡＩＣＨＩ", "aichi 知多", "知多　愛知"):
        assert list(Region.objects.search(query)) == [region], query
    assert not Region.objects.search("愛知 札幌").exists()


@pytest.mark.django_db
def test_workspace_organisation_search_finds_across_widths(client, hq_user):
    factories.OrganizationFactory(name="（デモ）ＡＢＣ精密株式会社", company=True)
    client.force_login(hq_user)
    for query in ("ABC精密", "ＡＢＣ精密", "(デモ) abc", "精密　（デモ）"):
        page = client.get("/workspace/organizations/", {"q": query}).content.decode()
        assert "（デモ）ＡＢＣ精密株式会社" in page, query


@pytest.mark.parametrize(
    ("header", "column"),
    [("プロジェクト コード", "プロジェクトコード"), ("ＣＯＤＥ", "code"), ("Start_Date", "startdate")],
)
def test_import_headers_compare_normalised(header, column):
    assert header_key(header) == header_key(column)


def test_import_numbers_and_choices_are_normalised():
    assert IntegerValueWidget(suffix="年度").clean("２００８　年度") == 2008
    assert ChoiceWidget(OrganizationKind).clean("　大学等　") == OrganizationKind.UNIVERSITY


@pytest.mark.django_db
def test_import_finds_an_organisation_by_its_name_in_either_width():
    organization = factories.OrganizationFactory(name="（デモ）静岡先端技術大学")
    widget = OrganizationWidget()
    assert widget.clean("(デモ)静岡先端技術大学") == organization
    assert widget.clean("（デモ）静岡先端技術大学　") == organization
    with pytest.raises(ValueError, match="登録されていません"):
        widget.clean("(デモ)静岡先端技術")


# --- the workspace's organisation inputs ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("（デモ）静岡先端技術大学", "（デモ）静岡先端技術大学"),
        ("（デモ）静岡先端技術大学", "(デモ)静岡先端技術大学"),
        ("ＡＢＣ　研究所", "ABC 研究所"),
        ("ABC 研究所", "ＡＢＣ　研究所"),
        ("ABC  研究所", "\u3000ABC\u3000研究所 "),
        ("ｾﾝｻ技術研究所", "センサ技術研究所"),
        ("センサ技術研究所", "ｾﾝｻ技術研究所"),
    ],
)
def test_lookup_field_compares_normalised_names(stored, typed):
    organization = factories.OrganizationFactory(name=stored)
    assert OrganizationLookupField().clean(typed) == organization


@pytest.mark.django_db
def test_lookup_of_a_shared_name_asks_for_the_kind_and_accepts_it_in_either_width():
    university = factories.OrganizationFactory(name="（デモ）共同研究センター")
    company = factories.OrganizationFactory(name="（デモ）共同研究センター", company=True)
    field = OrganizationLookupField()
    with pytest.raises(ValidationError, match="複数"):
        field.clean("(デモ)共同研究センター")
    assert field.clean(f"（デモ）共同研究センター（{company.get_kind_display()}）") == company
    assert field.clean(f"(デモ)共同研究センター({university.get_kind_display()})") == university


@pytest.mark.django_db
def test_lookup_still_refuses_an_unknown_name():
    factories.OrganizationFactory(name="（デモ）静岡先端技術大学")
    with pytest.raises(ValidationError, match="登録されていません"):
        OrganizationLookupField().clean("（デモ）静岡先端技術大")
