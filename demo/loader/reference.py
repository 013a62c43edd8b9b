"""Reference data: prefectures, programmes (期), calls with their review criteria
and budget envelopes, and the demo pools of organisations per prefecture."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass

from demo.loader.base import DATA_DIR, DemoContext, demo, demo_en, rng_for, upsert
from demo.loader.vocabulary import COMPANY_STEMS, COMPANY_WORDS, UNIVERSITY_WORDS
from regions.models import (
    Call,
    CallBudget,
    CallStatus,
    Organization,
    OrganizationKind,
    Prefecture,
    Program,
    ReviewCriterion,
)

# About 500 million yen per region per year (MEXT outline); used for call envelopes.
YEN_PER_REGION_YEAR = 500_000_000
PROGRAM_YEARS = 5


def load_prefectures(*, ctx: DemoContext) -> dict[str, Prefecture]:
    """The 47 prefectures with their JIS X 0401 codes, from regions/data/prefectures.csv."""
    with (DATA_DIR / "prefectures.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) != 47:
        raise ValueError("prefectures.csv must list the 47 prefectures")
    for row in rows:
        ctx.prefectures[row["name"]] = upsert(
            ctx,
            Prefecture,
            lookup={"code": row["code"]},
            values={"name": row["name"], "name_en": row["name_en"], "area": row["area"]},
        )
    return ctx.prefectures


# ---------------------------------------------------------------------------
# Programmes and calls

PROGRAMS = (
    {
        "code": "phase-1",
        "name": "知的クラスター創成事業（第I期）",
        "name_en": "Knowledge Cluster Initiative (Phase I)",
        "start_fiscal_year": 2002,
        "end_fiscal_year": 2006,
        "description": (
            "2002年4月に12地域（10クラスター）を知的クラスター創成事業の対象地域に選定し、ほかに6地域を"
            "試行地域とした（30地域が応募）。1地域あたり年間約5億円を5年間、地方公共団体が指定した"
            "中核機関に補助した。事業全体の予算は2003年度69億円、2004年度90億円、2005・2006年度は"
            "約100億円。"
        ),
    },
    {
        "code": "phase-2",
        "name": "知的クラスター創成事業（第II期）",
        "name_en": "Knowledge Cluster Initiative (Phase II)",
        "start_fiscal_year": 2007,
        "end_fiscal_year": 2011,
        "description": (
            "2007年度から実施した第II期。2008年度の公募には6地域が提案し、外部有識者の審査により3地域を"
            "選定した。2010年度からは地域イノベーションクラスタープログラム、2011年度からは"
            "地域イノベーション戦略支援プログラムとして継続した。"
        ),
    },
    {
        "code": "global-hub",
        "name": "知的クラスター創成事業（グローバル拠点育成型）",
        "name_en": "Knowledge Cluster Initiative (Global Hub type)",
        "start_fiscal_year": 2009,
        "end_fiscal_year": 2013,
        "description": (
            "2009年度に公募したグローバル拠点育成型。6地域が応募し4地域を選定した。1地域あたり年間3億〜5億円程度。"
        ),
    },
    {
        "code": "demo",
        "name": "（デモ）画面確認用の事業",
        "name_en": "(Demo) programme for trying out the portal",
        "start_fiscal_year": 2026,
        "end_fiscal_year": None,
        "description": "公募・提案の画面を試すためにデモ用に作成した架空の事業です。実在の事業ではありません。",
    },
)


def upsert_programs(*, ctx: DemoContext) -> dict[str, Program]:
    for spec in PROGRAMS:
        values = {key: value for key, value in spec.items() if key != "code"}
        ctx.programs[spec["code"]] = upsert(ctx, Program, lookup={"code": spec["code"]}, values=values)
    return ctx.programs


@dataclass(frozen=True)
class CallSpec:
    code: str
    program: str
    fiscal_year: int
    title: str
    opens_on: datetime.date
    closes_on: datetime.date
    regions_funded: int  # how many regions the envelope is sized for
    status: str = CallStatus.CLOSED
    note: str = ""


# Selection years of the real regions (knowledge_clusters.csv). The dates of the
# application windows are demo values; the numbers of regions come from the MEXT
# outline (12 regions in April 2002, 6 in phase II FY2007, 3 in FY2008, 4 global hubs).
HISTORIC_CALLS = (
    CallSpec(
        "phase1-fy2002",
        "phase-1",
        2002,
        "知的クラスター創成事業 2002年度 対象地域の公募",
        datetime.date(2002, 1, 15),
        datetime.date(2002, 2, 28),
        12,
        note=(
            "2002年4月に12地域を選定し、ほかに6地域を試行地域とした（30地域が応募）。"
            "デモには資料のある地域と、採択されなかった応募（生成した12件）を収録した。"
        ),
    ),
    CallSpec(
        "phase1-fy2003",
        "phase-1",
        2003,
        "知的クラスター創成事業（第I期）2003年度 対象地域の選定",
        datetime.date(2003, 1, 15),
        datetime.date(2003, 2, 28),
        2,
    ),
    CallSpec(
        "phase1-fy2004",
        "phase-1",
        2004,
        "知的クラスター創成事業（第I期）2004年度 対象地域の選定",
        datetime.date(2004, 1, 15),
        datetime.date(2004, 2, 27),
        2,
        note="岐阜・大垣地域は資料に選定年度がないため、2004年度の選定として収録した（デモ上の仮定）。",
    ),
    CallSpec(
        "phase2-fy2007",
        "phase-2",
        2007,
        "知的クラスター創成事業（第II期）2007年度 公募",
        datetime.date(2007, 1, 10),
        datetime.date(2007, 2, 28),
        6,
    ),
    CallSpec(
        "phase2-fy2008",
        "phase-2",
        2008,
        "知的クラスター創成事業（第II期）2008年度 公募",
        datetime.date(2008, 4, 1),
        datetime.date(2008, 5, 30),
        3,
        note="6地域が提案し、外部有識者による審査を経て3地域を選定した（2008年7月公表）。",
    ),
    CallSpec(
        "global-hub-fy2009",
        "global-hub",
        2009,
        "知的クラスター創成事業（グローバル拠点育成型）2009年度 公募",
        datetime.date(2009, 4, 1),
        datetime.date(2009, 5, 29),
        4,
        note="6地域が応募し、4地域を選定した。",
    ),
)

CRITERIA = (
    ("構想の独創性", 2),
    ("国際優位性", 2),
    ("地域の主体性・実施体制", 2),
    ("事業化の見通し", 2),
    ("予算計画の妥当性", 1),
)


def open_call_spec(*, today: datetime.date, fiscal_year: int) -> CallSpec:
    """A call open today, so the ministry and headquarters screens have something current.

    The window runs from the first day of this month to the last day of next month,
    so reruns within a month leave it unchanged.
    """
    opens_on = today.replace(day=1)
    after_next = (opens_on + datetime.timedelta(days=62)).replace(day=1)
    return CallSpec(
        f"demo-fy{fiscal_year}",
        "demo",
        fiscal_year,
        f"（デモ）{fiscal_year}年度 地域クラスター構想の公募（画面確認用）",
        opens_on,
        after_next - datetime.timedelta(days=1),
        2,
        status=CallStatus.OPEN,
        note="画面確認用の架空の公募です。",
    )


def upsert_call(*, ctx: DemoContext, spec: CallSpec) -> Call:
    description = (
        f"{spec.note}受付期間と予算枠はデモ用に設定した値です（予算枠は1地域あたり年間約5億円として算出）。"
    ).strip()
    call = upsert(
        ctx,
        Call,
        lookup={"code": spec.code},
        values={
            "program": ctx.programs[spec.program],
            "title": spec.title,
            "fiscal_year": spec.fiscal_year,
            "opens_on": spec.opens_on,
            "closes_on": spec.closes_on,
            "status": spec.status,
            "description": description,
        },
    )
    for order, (name, weight) in enumerate(CRITERIA, start=1):
        if spec.program == "global-hub" and name == "国際優位性":
            weight = 3
        upsert(
            ctx,
            ReviewCriterion,
            lookup={"call": call, "name": name},
            values={"weight": weight, "max_score": 5, "order": order},
        )
    for fiscal_year in range(spec.fiscal_year, spec.fiscal_year + PROGRAM_YEARS):
        upsert(
            ctx,
            CallBudget,
            lookup={"call": call, "fiscal_year": fiscal_year},
            values={"envelope": spec.regions_funded * YEN_PER_REGION_YEAR},
            defer=True,
        )
    ctx.calls[spec.code] = call
    return call


def upsert_calls(*, ctx: DemoContext, fiscal_year: int) -> dict[str, Call]:
    current = open_call_spec(today=ctx.today, fiscal_year=fiscal_year)
    for spec in (*HISTORIC_CALLS, current):
        upsert_call(ctx=ctx, spec=spec)
    # The open demo call of an earlier fiscal year (from a run last year) is closed now.
    Call.objects.filter(program__code="demo", status=CallStatus.OPEN).exclude(code=current.code).update(
        status=CallStatus.CLOSED
    )
    return ctx.calls


# ---------------------------------------------------------------------------
# Organisations


def prefecture_stem(prefecture: Prefecture) -> str:
    """静岡県 → 静岡, 京都府 → 京都, 東京都 → 東京, 北海道 stays."""
    name = prefecture.name
    return name if name == "北海道" else name[:-1]


def local_government(*, ctx: DemoContext, prefecture: Prefecture) -> Organization:
    """The prefectural government: a fact, it designates the core institution."""
    if prefecture.name in ctx.governments:
        return ctx.governments[prefecture.name]
    ctx.governments[prefecture.name] = upsert(
        ctx,
        Organization,
        lookup={"name": prefecture.name, "kind": OrganizationKind.LOCAL_GOVERNMENT},
        values={"name_en": f"{prefecture.name_en} Prefecture", "prefecture": prefecture, "is_generated": False},
        create_values={"slug": f"pref-{prefecture.name_en.lower()}"},
    )
    return ctx.governments[prefecture.name]


@dataclass
class OrganizationPool:
    """Generated organisations of one or more prefectures that a region's projects draw on."""

    universities: list  # research centres of the universities (hosts of joint research)
    companies: list
    public_research: list

    def __add__(self, other: OrganizationPool) -> OrganizationPool:
        return OrganizationPool(
            self.universities + other.universities,
            self.companies + other.companies,
            self.public_research + other.public_research,
        )


def _generated_org(ctx, *, slug, name, name_en, kind, prefecture, parent=None) -> Organization:
    return upsert(
        ctx,
        Organization,
        lookup={"slug": slug},
        values={
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "prefecture": prefecture,
            "parent": parent,
            "is_generated": True,
        },
    )


def organization_pool(*, ctx: DemoContext, prefecture: Prefecture) -> OrganizationPool:
    """Two universities (with their joint research centres), eight companies and one
    public research institute per prefecture, all generated and marked 「（デモ）」."""
    rng = rng_for("pool", prefecture.code)
    stem = prefecture_stem(prefecture)
    key = prefecture.name_en.lower()
    centres = []
    for index, (word, word_en) in enumerate(rng.sample(UNIVERSITY_WORDS, 2), start=1):
        university = _generated_org(
            ctx,
            slug=f"demo-{key}-univ-{index}",
            name=demo(f"{stem}{word}大学"),
            name_en=demo_en(f"{prefecture.name_en} University of {word_en}"),
            kind=OrganizationKind.UNIVERSITY,
            prefecture=prefecture,
        )
        centres.append(
            _generated_org(
                ctx,
                slug=f"demo-{key}-univ-{index}-crc",
                name=f"{university.name} 地域共同研究センター",
                name_en=f"{university.name_en}, Cooperative Research Center",
                kind=OrganizationKind.UNIVERSITY,
                prefecture=prefecture,
                parent=university,
            )
        )
    companies = []
    pairs = [(s, w) for s in COMPANY_STEMS for w in COMPANY_WORDS]
    for index, ((company_stem, stem_en), (word, word_en)) in enumerate(rng.sample(pairs, 8), start=1):
        companies.append(
            _generated_org(
                ctx,
                slug=f"demo-{key}-co-{index}",
                name=demo(f"{stem}{company_stem}{word}株式会社"),
                name_en=demo_en(f"{prefecture.name_en} {stem_en} {word_en} Co., Ltd."),
                kind=OrganizationKind.COMPANY,
                prefecture=prefecture,
            )
        )
    institute = _generated_org(
        ctx,
        slug=f"demo-{key}-pri-1",
        name=demo(f"{prefecture.name}先端技術研究所"),
        name_en=demo_en(f"{prefecture.name_en} Institute of Advanced Technology"),
        kind=OrganizationKind.PUBLIC_RESEARCH,
        prefecture=prefecture,
    )
    return OrganizationPool(centres, companies, [institute])
