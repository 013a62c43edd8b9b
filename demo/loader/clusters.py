"""The real regions of knowledge_clusters.csv, their core institutions and
headquarters, and the generated applicant regions that were not selected."""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass

from django.utils.text import slugify

from demo.loader.base import DATA_DIR, DemoContext, demo, demo_en, rng_for, upsert
from demo.loader.reference import PROGRAM_YEARS, local_government
from demo.loader.vocabulary import person
from regions.models import (
    ClusterType,
    Headquarters,
    HeadquartersMember,
    Organization,
    OrganizationKind,
    Position,
    Region,
    RegionStatus,
)

CSV_PATH = DATA_DIR / "knowledge_clusters.csv"

PROGRAM_OF_PHASE = {"I": "phase-1", "II": "phase-2", "II-global-hub": "global-hub"}
SLUG_SUFFIX_OF_PHASE = {"I": "1", "II": "2", "II-global-hub": "global"}
CODE_SUFFIX_OF_PHASE = {"I": "1", "II": "2", "II-global-hub": "G"}
CALL_PREFIX_OF_PROGRAM = {"phase-1": "phase1", "phase-2": "phase2", "global-hub": "global-hub"}
# Words skipped when a project-code prefix is taken from a slug ("greater-sendai" → SEN).
CODE_STOPWORDS = {"greater", "all", "of", "prefecture", "central", "around", "city"}
# The CSV does not give every selection year. The generated projects and grants of such a
# region need five years, so they assume these; the region's own year fields stay empty.
ASSUMED_START_OF_PHASE = {"I": 2004, "II": 2007, "II-global-hub": 2009}
# A cluster name followed by its field in brackets: 「…クラスター(ライフサイエンス)」.
FIELD_SUFFIX = re.compile(r"^(?P<name>.*?)\s*[(（](?P<field>[^()（）]+)[)）]\s*$")
LEGAL_FORMS = re.compile(r"^(公益財団法人|一般財団法人|財団法人|株式会社|[(（](財|株)[)）])")


@dataclass(frozen=True)
class ClusterRow:
    """One row of knowledge_clusters.csv (empty cells are unknown, not empty)."""

    phase: str
    fiscal_year_selected: int | None
    region_ja: str
    region_en: str
    prefectures: tuple[str, ...]
    core_institution_ja: str
    theme_ja: str
    theme_en: str
    source: str

    @property
    def program_code(self) -> str:
        return PROGRAM_OF_PHASE[self.phase]

    @property
    def slug(self) -> str:
        base = re.sub(r"-area$", "", slugify(self.region_en))
        return f"{base}-{SLUG_SUFFIX_OF_PHASE[self.phase]}"

    @property
    def code_prefix(self) -> str:
        """Prefix of the region's project codes, e.g. HAM2 for Hamamatsu phase II."""
        words = [word for word in slugify(self.region_en).split("-") if word not in CODE_STOPWORDS]
        return f"{words[0][:3].upper()}{CODE_SUFFIX_OF_PHASE[self.phase]}"

    @property
    def call_code(self) -> str:
        """The call the region was selected on (the assumed first year where the CSV gives none)."""
        return f"{CALL_PREFIX_OF_PROGRAM[self.program_code]}-fy{self.years[0]}"

    @property
    def years(self) -> tuple[int, int]:
        """First and last fiscal year of the five funded years (assumed when the CSV has no year)."""
        start = self.fiscal_year_selected or ASSUMED_START_OF_PHASE[self.phase]
        return start, start + PROGRAM_YEARS - 1

    @property
    def names(self) -> dict[str, str]:
        """cluster_name / theme in both languages from theme_ja / theme_en.

        A trailing bracket holds the field (分野): 「東海広域ナノテクものづくりクラスター
        (ナノテクノロジー・材料、環境)」 gives the cluster name and the theme.
        """
        match = FIELD_SUFFIX.match(self.theme_ja)
        if not match:
            return {"cluster_name": self.theme_ja, "theme": "", "cluster_name_en": self.theme_en, "theme_en": ""}
        name, field = match.group("name").strip(), match.group("field").strip()
        if not name:
            return {"cluster_name": "", "theme": field, "cluster_name_en": "", "theme_en": self.theme_en}
        match_en = FIELD_SUFFIX.match(self.theme_en)
        if match_en:
            name_en, field_en = match_en.group("name").strip(), match_en.group("field").strip()
        else:
            name_en, field_en = self.theme_en, ""
        return {"cluster_name": name, "theme": field, "cluster_name_en": name_en, "theme_en": field_en}

    @property
    def cluster_type(self) -> str:
        """Global-hub rows are global (a fact). For phase II the split is a demo choice:
        regions spanning several prefectures or a wide area (広域, 全域, several cities) are global."""
        if self.phase == "II-global-hub":
            return ClusterType.GLOBAL
        wide = len(self.prefectures) > 1 or any(mark in self.region_ja for mark in ("広域", "全域", "・"))
        return ClusterType.GLOBAL if self.phase == "II" and wide else ClusterType.REGIONAL


def read_cluster_rows() -> list[ClusterRow]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = [
            ClusterRow(
                phase=row["phase"].strip(),
                fiscal_year_selected=int(row["fiscal_year_selected"]) if row["fiscal_year_selected"].strip() else None,
                region_ja=row["region_ja"].strip(),
                region_en=row["region_en"].strip(),
                prefectures=tuple(name.strip() for name in row["prefectures"].split("・") if name.strip()),
                core_institution_ja=row["core_institution_ja"].strip(),
                theme_ja=row["theme_ja"].strip(),
                theme_en=row["theme_en"].strip(),
                source=row["source"].strip(),
            )
            for row in csv.DictReader(handle)
        ]
    for attribute in ("slug", "code_prefix"):
        values = [getattr(row, attribute) for row in rows]
        if len(set(values)) != len(values):
            raise ValueError(f"knowledge_clusters.csv gives duplicate {attribute}s: {sorted(values)}")
    return rows


def status_for(*, start: int, end: int, fiscal_year: int) -> str:
    if end < fiscal_year:
        return RegionStatus.COMPLETED
    if start <= fiscal_year:
        return RegionStatus.ACTIVE
    return RegionStatus.PLANNING


def core_institution(*, ctx: DemoContext, row: ClusterRow, cores: dict) -> Organization:
    """The core institution named in the CSV (a fact), or a generated one named after the region.

    The CSV spells some institutions differently per phase (「(財)」 and 「財団法人」); they are
    one organisation, kept under the spelling of its first row.
    """
    prefecture = ctx.prefectures[row.prefectures[0]]
    if not row.core_institution_ja:
        return upsert(
            ctx,
            Organization,
            lookup={"slug": f"demo-core-{row.slug}"},
            values={
                "name": demo(f"{row.region_ja} 中核機関"),
                "name_en": demo_en(f"core institution of {row.region_en}"),
                "kind": OrganizationKind.CORE_INSTITUTION,
                "prefecture": prefecture,
                "is_generated": True,
            },
        )
    identity = LEGAL_FORMS.sub("", row.core_institution_ja)
    if identity not in cores:
        cores[identity] = upsert(
            ctx,
            Organization,
            lookup={"name": row.core_institution_ja, "kind": OrganizationKind.CORE_INSTITUTION},
            values={"prefecture": prefecture, "is_generated": False},
            create_values={"slug": f"core-{row.slug}"},
        )
    return cores[identity]


def concept_text(*, row: ClusterRow) -> str:
    subject = row.names["cluster_name"] or row.names["theme"] or row.region_ja
    return (
        f"（デモ用の説明文）{'・'.join(row.prefectures)}の大学・公設試験研究機関と企業が連携し、"
        f"「{subject}」の形成を目指す構想です。構想の内容は出典を参照してください。"
    )


def upsert_region(*, ctx: DemoContext, row: ClusterRow, core: Organization, fiscal_year: int) -> Region:
    start, end = row.years
    known = row.fiscal_year_selected is not None
    region = upsert(
        ctx,
        Region,
        lookup={"slug": row.slug},
        values={
            "name": row.region_ja,
            "name_en": row.region_en,
            "program": ctx.programs[row.program_code],
            **row.names,
            "concept": concept_text(row=row),
            "cluster_type": row.cluster_type,
            "status": status_for(start=start, end=end, fiscal_year=fiscal_year),
            "core_institution": core,
            "designated_by": local_government(ctx=ctx, prefecture=ctx.prefectures[row.prefectures[0]]),
            "selected_fiscal_year": row.fiscal_year_selected,
            "start_fiscal_year": start if known else None,
            "end_fiscal_year": end if known else None,
            "is_published": True,
            "source": row.source,
        },
    )
    region.prefectures.set([ctx.prefectures[name] for name in row.prefectures])
    return region


HQ_POSITIONS = (
    (Position.DIRECTOR, "（デモ）地元経済団体 会長"),
    (Position.PROGRAM_MANAGER, "（デモ）中核機関 事業総括"),
    (Position.RESEARCH_DIRECTOR, "（デモ）地元大学 教授"),
)


def upsert_headquarters(*, ctx: DemoContext, region: Region, years: tuple[int, int]) -> Headquarters:
    """The cluster headquarters and its roster (本部長・事業総括・研究統括), names generated.

    In some regions the 本部長 changes after two years, so the roster shows terms.
    """
    rng = rng_for("hq", region.slug)
    start, end = years
    headquarters = upsert(
        ctx,
        Headquarters,
        lookup={"region": region},
        values={
            "name": f"{region.name} 知的クラスター本部",
            "address": "・".join(p.name for p in region.prefectures.order_by("code")),
        },
    )
    first_day, last_day = datetime.date(start, 4, 1), datetime.date(end + 1, 3, 31)
    for position, affiliation in HQ_POSITIONS:
        terms = [(first_day, last_day)]
        if position == Position.DIRECTOR and rng.random() < 0.4:
            terms = [(first_day, datetime.date(start + 2, 3, 31)), (datetime.date(start + 2, 4, 1), last_day)]
        for term_start, term_end in terms:
            upsert(
                ctx,
                HeadquartersMember,
                lookup={"headquarters": headquarters, "position": position, "term_start": term_start},
                values={
                    "name": person(rng)[0],
                    "affiliation": affiliation,
                    "term_end": term_end,
                    "is_generated": True,
                },
                defer=True,
            )
    return headquarters


# Applicants that were not selected, per call: generated, never published. They make the
# selection rounds of the sources complete in number: FY2002 (30 applied; the demo holds the
# regions the sources name, the 12 generated here were not selected), FY2008 (6 proposals,
# 3 selected) and FY2009 global hubs (6 applied, 4 selected).
APPLICANTS_NOT_SELECTED = {
    "phase1-fy2002": tuple(
        zip(
            "abcdefghijkl",
            (
                *("岩手県", "秋田県", "山形県", "茨城県", "群馬県", "山梨県"),
                *("三重県", "滋賀県", "広島県", "香川県", "長崎県", "鹿児島県"),
            ),
            strict=True,
        )
    ),
    "phase2-fy2008": (("a", "新潟県"), ("b", "岡山県"), ("c", "熊本県")),
    "global-hub-fy2009": (("a", "青森県"), ("b", "愛媛県")),
}


def applicant_slug(call_year: int, letter: str) -> str:
    return f"demo-fy{call_year}-applicant-{letter}"


def upsert_applicant_region(*, ctx: DemoContext, call, letter: str, prefecture_name: str) -> Region:
    prefecture = ctx.prefectures[prefecture_name]
    slug = applicant_slug(call.fiscal_year, letter)
    core = upsert(
        ctx,
        Organization,
        lookup={"slug": f"demo-core-{slug}"},
        values={
            "name": demo(f"{prefecture.name} 応募地域{letter.upper()} 中核機関"),
            "name_en": demo_en(f"core institution of applicant region {letter.upper()} ({prefecture.name_en})"),
            "kind": OrganizationKind.CORE_INSTITUTION,
            "prefecture": prefecture,
            "is_generated": True,
        },
    )
    region = upsert(
        ctx,
        Region,
        lookup={"slug": slug},
        values={
            "name": demo(f"応募地域{letter.upper()}（{prefecture.name}）"),
            "name_en": demo_en(f"applicant region {letter.upper()} ({prefecture.name_en})"),
            "program": call.program,
            "cluster_name": demo(f"{prefecture.name}地域クラスター構想"),
            "cluster_name_en": demo_en(f"{prefecture.name_en} cluster concept"),
            "concept": (
                f"（デモ用の説明文）{call.fiscal_year}年度の公募で採択されなかった提案を示すために生成した架空の地域です。"
            ),
            "cluster_type": ClusterType.REGIONAL,
            "status": RegionStatus.PLANNING,
            "core_institution": core,
            "designated_by": local_government(ctx=ctx, prefecture=prefecture),
            "is_published": False,
            "source": "",
        },
    )
    region.prefectures.set([prefecture])
    return region
