"""The open data: what each downloadable table holds, shared by the CSV/JSON downloads,
the search-result downloads and the JSON API, so that all of them give the same numbers.

A dataset is a list of columns (stable ASCII key, Japanese header, English header,
type, description) and a function that turns one row of its queryset into values.
Querysets contain published rows only and carry what the row function reads, so a
dump is a fixed number of queries however many rows it has.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import BigIntegerField, Count, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cluster_portal.fiscal import fiscal_year_of
from cluster_portal.models import scalar_aggregate
from cluster_portal.tabular.widgets import ja
from projects.models import JointResearchProject, Outcome, Participation, ProjectBudget
from regions.models import Event, Grant, Organization, Prefecture, Region


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Japanese header (the CSV's header row)
    label_en: str
    type: str  # string | integer | date | datetime | list (JSON Schema-ish, for the data dictionary)
    description: object = ""
    nullable: bool = False
    #: a kind or state: ``{code: label}``; CSV downloads write the Japanese label unless ``?codes=1``,
    #: JSON and the API always the code
    choices: dict | None = None

    def csv_value(self, value, *, codes: bool = False):
        if self.choices is None or codes or value in (None, ""):
            return value
        label = self.choices.get(value)
        return value if label is None else ja(label)


@dataclass(frozen=True)
class Dataset:
    key: str
    title: object
    description: object
    columns: tuple[Column, ...]
    queryset: Callable[[], QuerySet]
    row: Callable[[object], dict]
    cursor_field: str  # ordering and ``after`` cursor of complete dumps and the API

    def headers(self) -> list[str]:
        return [column.label for column in self.columns]

    def csv_row(self, obj, *, codes: bool = False) -> list:
        """One row of the CSV download: the JSON row's values, kinds and states as labels unless ``codes``."""
        row = self.row(obj)
        return [column.csv_value(row[column.key], codes=codes) for column in self.columns]


def _choices(model, name) -> dict:
    return dict(model._meta.get_field(name).choices)


def _iso(value):
    return value.isoformat() if value else None


def _slug(obj):
    return obj.slug if obj else None


def _name(obj):
    return obj.name if obj else None


# --- organisations that may be shown publicly ----------------------------------------------------


def public_organizations() -> QuerySet:
    """Organisations linked to something published: a participation, a host or core role, a result."""
    from coordinators.models import Coordinator

    linked = (
        Q(pk__in=Participation.objects.published().values("organization_id"))
        | Q(pk__in=JointResearchProject.objects.published().values("host_organization_id"))
        | Q(pk__in=Region.objects.published().values("core_institution_id"))
        | Q(pk__in=Region.objects.published().values("designated_by_id"))
        | Q(pk__in=Outcome.objects.published().exclude(company=None).values("company_id"))
        | Q(pk__in=Coordinator.objects.published().exclude(affiliation=None).values("affiliation_id"))
    )
    return Organization.objects.filter(linked)


# --- querysets -----------------------------------------------------------------------------------


def _sum_of(queryset, field):
    """The sum of ``field`` over ``queryset`` (correlated with the row), NULL when it has no row: per row
    returned, so a page of the API reads only its own rows' grants or budgets."""
    return scalar_aggregate(queryset, Sum(field), BigIntegerField())


def cluster_queryset():
    return (
        Region.objects.published()
        .select_related("program", "core_institution", "designated_by")
        .prefetch_related(Prefetch("prefectures", queryset=Prefecture.objects.order_by("code")))
        .annotate(granted_total=_sum_of(Grant.objects.filter(region=OuterRef("pk")), "amount"))
        .order_by("slug")
    )


def project_queryset():
    return (
        JointResearchProject.objects.published()
        .select_related("region", "host_organization")
        .annotate(
            allocated_total=_sum_of(ProjectBudget.objects.filter(project=OuterRef("pk")), "allocated"),
            executed_total=_sum_of(ProjectBudget.objects.filter(project=OuterRef("pk")), "executed"),
        )
        .order_by("code")
    )


def participation_queryset():
    return (
        Participation.objects.published()
        .select_related("project", "project__region", "organization", "organization__prefecture")
        .order_by("pk")
    )


def budget_queryset():
    return ProjectBudget.objects.published().select_related("project", "project__region", "grant").order_by("pk")


def grant_queryset():
    return Grant.objects.published().select_related("region").order_by("pk")


def result_queryset():
    return Outcome.objects.published().select_related("project", "project__region", "company").order_by("code")


def event_queryset():
    return (
        Event.objects.published()
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "presented_projects",
                queryset=JointResearchProject.objects.published().order_by("code"),
                to_attr="public_presented_projects",
            )
        )
        .order_by("code")
    )


def organization_queryset():
    return (
        public_organizations()
        .select_related("prefecture", "parent")
        .annotate(
            project_count=Count(
                "participations",
                filter=Q(participations__project__in=JointResearchProject.objects.published()),
                distinct=True,
            )
        )
        .order_by("slug")
    )


# --- rows ----------------------------------------------------------------------------------------


def _display_name(region, language: str) -> str:
    with translation.override(language):
        return str(region.display_name)


def cluster_row(region) -> dict:
    prefectures = list(region.prefectures.all())
    return {
        "code": region.slug,
        "name": region.name,
        "name_en": region.name_en,
        "cluster_name": region.cluster_name,
        "cluster_name_en": region.cluster_name_en,
        "display_name": _display_name(region, "ja"),
        "display_name_en": _display_name(region, "en"),
        "program": region.program.code,
        "program_name": region.program.name,
        "cluster_type": region.cluster_type,
        "status": region.status,
        "theme": region.theme,
        "theme_en": region.theme_en,
        "prefectures": [prefecture.code for prefecture in prefectures],
        "prefecture_names": [prefecture.name for prefecture in prefectures],
        "core_institution": _slug(region.core_institution),
        "core_institution_name": _name(region.core_institution),
        "designated_by": _slug(region.designated_by),
        "designated_by_name": _name(region.designated_by),
        "selected_fiscal_year": region.selected_fiscal_year,
        "start_fiscal_year": region.start_fiscal_year,
        "end_fiscal_year": region.end_fiscal_year,
        "granted_total": region.granted_total or 0,
        "concept": region.concept,
        "source": region.source,
        "updated_at": _iso(region.updated_at),
    }


def project_row(project) -> dict:
    return {
        "code": project.code,
        "cluster": project.region.slug,
        "title": project.title,
        "title_en": project.title_en,
        "theme": project.theme,
        "status": project.status,
        "start_date": _iso(project.start_date),
        "end_date": _iso(project.end_date),
        "host_organization": _slug(project.host_organization),
        "host_organization_name": _name(project.host_organization),
        "allocated_total": project.allocated_total or 0,
        "executed_total": project.executed_total or 0,
        "summary": project.summary,
        "updated_at": _iso(project.updated_at),
    }


def participation_row(participation) -> dict:
    organization = participation.organization
    return {
        "project": participation.project.code,
        "cluster": participation.project.region.slug,
        "organization": organization.slug,
        "organization_name": organization.name,
        "organization_name_en": organization.name_en,
        "organization_kind": organization.kind,
        "organization_prefecture": organization.prefecture.code if organization.prefecture else None,
        "role": participation.role,
    }


def budget_row(budget) -> dict:
    return {
        "project": budget.project.code,
        "cluster": budget.project.region.slug,
        "fiscal_year": budget.grant.fiscal_year,
        "allocated": budget.allocated,
        "executed": budget.executed,
        "updated_at": _iso(budget.updated_at),
    }


def grant_row(grant) -> dict:
    return {
        "cluster": grant.region.slug,
        "fiscal_year": grant.fiscal_year,
        "granted": grant.amount,
        "decided_on": _iso(grant.decided_on),
        "updated_at": _iso(grant.updated_at),
    }


def result_row(outcome) -> dict:
    return {
        "id": outcome.code,
        "project": outcome.project.code,
        "cluster": outcome.project.region.slug,
        "kind": outcome.kind,
        "title": outcome.title,
        "title_en": outcome.title_en,
        "occurred_on": _iso(outcome.occurred_on),
        "fiscal_year": fiscal_year_of(outcome.occurred_on),
        "application_number": outcome.application_number,
        "registration_number": outcome.registration_number,
        "granted_on": _iso(outcome.granted_on),
        "country": outcome.country,
        "applicants": outcome.applicants,
        "inventors": outcome.inventors,
        "doi": outcome.doi,
        "product": outcome.product,
        "company": _slug(outcome.company),
        "company_name": _name(outcome.company),
        "description": outcome.description,
        "updated_at": _iso(outcome.updated_at),
    }


def event_row(event) -> dict:
    return {
        "id": event.code,
        "cluster": event.region.slug,
        "kind": event.kind,
        "title": event.title,
        "title_en": event.title_en,
        "starts_on": _iso(event.starts_on),
        "ends_on": _iso(event.ends_on),
        "venue": event.venue,
        "organizer": event.organizer,
        "attendance": event.attendance,
        "presented_projects": [project.code for project in event.public_presented_projects],
        "description": event.description,
        "updated_at": _iso(event.updated_at),
    }


def organization_row(organization) -> dict:
    return {
        "code": organization.slug,
        "name": organization.name,
        "name_en": organization.name_en,
        "kind": organization.kind,
        "prefecture": organization.prefecture.code if organization.prefecture else None,
        "parent": _slug(organization.parent),
        "url": organization.url,
        "project_count": organization.project_count,
    }


# --- columns -------------------------------------------------------------------------------------

S, INT, D, T, L = "string", "integer", "date", "datetime", "list"
UPDATED = Column("updated_at", "更新日時", "Updated at", T, _("この行が最後に更新された日時（ISO 8601）"))

CLUSTER_COLUMNS = (
    Column(
        "code", "クラスターコード", "Cluster code", S, _("クラスター（地域）の識別子。URLにも使われ、変わりません。")
    ),
    Column("name", "地域名", "Region name", S),
    Column("name_en", "地域名（英語）", "Region name (English)", S),
    Column("cluster_name", "クラスター名", "Cluster name", S),
    Column("cluster_name_en", "クラスター名（英語）", "Cluster name (English)", S),
    Column(
        "display_name",
        "表示名",
        "Display name",
        S,
        _("ポータルでの表示名。同じ地域名のクラスターが複数あるときは事業（期）と年度を添えて区別します。"),
    ),
    Column("display_name_en", "表示名（英語）", "Display name (English)", S),
    Column("program", "事業（期）コード", "Program code", S, _("phase-1（第I期）、phase-2（第II期）など")),
    Column("program_name", "事業（期）", "Program", S),
    Column(
        "cluster_type",
        "類型",
        "Type",
        S,
        _("global（グローバル型）または regional（地域特性型）"),
        choices=_choices(Region, "cluster_type"),
    ),
    Column(
        "status",
        "状態",
        "Status",
        S,
        _("planning / active / completed / discontinued"),
        choices=_choices(Region, "status"),
    ),
    Column("theme", "テーマ・分野", "Theme", S),
    Column("theme_en", "テーマ・分野（英語）", "Theme (English)", S),
    Column(
        "prefectures", "都道府県コード", "Prefecture codes", L, _("JIS X 0401 の都道府県コード。CSVでは「;」区切り")
    ),
    Column("prefecture_names", "都道府県", "Prefectures", L),
    Column("core_institution", "中核機関コード", "Core institution code", S, nullable=True),
    Column("core_institution_name", "中核機関", "Core institution", S, nullable=True),
    Column("designated_by", "指定した地方公共団体コード", "Designating government code", S, nullable=True),
    Column("designated_by_name", "指定した地方公共団体", "Designating government", S, nullable=True),
    Column("selected_fiscal_year", "採択年度", "Selected (FY)", INT, nullable=True),
    Column("start_fiscal_year", "事業開始年度", "Start (FY)", INT, nullable=True),
    Column("end_fiscal_year", "事業終了年度", "End (FY)", INT, nullable=True),
    Column("granted_total", "交付決定額の累計（円）", "Total granted (yen)", INT),
    Column("concept", "クラスター構想", "Concept", S),
    Column("source", "出典", "Source", S),
    UPDATED,
)

PROJECT_COLUMNS = (
    Column("code", "プロジェクトコード", "Project code", S),
    Column("cluster", "クラスターコード", "Cluster code", S),
    Column("title", "研究テーマ名", "Title", S),
    Column("title_en", "研究テーマ名（英語）", "Title (English)", S),
    Column("theme", "分野", "Field", S),
    Column(
        "status",
        "状態",
        "Status",
        S,
        _("planned / active / suspended / completed"),
        choices=_choices(JointResearchProject, "status"),
    ),
    Column("start_date", "開始日", "Start date", D),
    Column("end_date", "終了日", "End date", D, nullable=True),
    Column("host_organization", "実施拠点コード", "Host organisation code", S, nullable=True),
    Column("host_organization_name", "実施拠点", "Host organisation", S, nullable=True),
    Column("allocated_total", "配分額の累計（円）", "Total allocated (yen)", INT),
    Column("executed_total", "執行額の累計（円）", "Total executed (yen)", INT),
    Column("summary", "概要", "Summary", S),
    UPDATED,
)

PARTICIPATION_COLUMNS = (
    Column("project", "プロジェクトコード", "Project code", S),
    Column("cluster", "クラスターコード", "Cluster code", S),
    Column("organization", "機関コード", "Organisation code", S),
    Column("organization_name", "機関名", "Organisation", S),
    Column("organization_name_en", "機関名（英語）", "Organisation (English)", S),
    Column(
        "organization_kind",
        "機関の種別",
        "Organisation kind",
        S,
        _("university / company / public_research など"),
        choices=_choices(Organization, "kind"),
    ),
    Column("organization_prefecture", "機関の所在都道府県コード", "Organisation prefecture", S, nullable=True),
    Column(
        "role",
        "役割",
        "Role",
        S,
        _("lead_university / university / company / public_research / other"),
        choices=_choices(Participation, "role"),
    ),
)

BUDGET_COLUMNS = (
    Column("project", "プロジェクトコード", "Project code", S),
    Column("cluster", "クラスターコード", "Cluster code", S),
    Column("fiscal_year", "年度", "Fiscal year", INT, _("4月〜翌年3月の年度（西暦）")),
    Column("allocated", "配分額（円）", "Allocated (yen)", INT),
    Column("executed", "執行額（円）", "Executed (yen)", INT),
    UPDATED,
)

GRANT_COLUMNS = (
    Column("cluster", "クラスターコード", "Cluster code", S),
    Column("fiscal_year", "年度", "Fiscal year", INT),
    Column("granted", "交付決定額（円）", "Granted (yen)", INT),
    Column("decided_on", "交付決定日", "Decided on", D, nullable=True),
    UPDATED,
)

RESULT_COLUMNS = (
    Column("id", "成果ID", "Result ID", S),
    Column("project", "プロジェクトコード", "Project code", S),
    Column("cluster", "クラスターコード", "Cluster code", S),
    Column(
        "kind",
        "種別",
        "Kind",
        S,
        _("patent_application / patent_granted / license / commercialization / startup / paper / presentation / award"),
        choices=_choices(Outcome, "kind"),
    ),
    Column("title", "名称", "Title", S),
    Column("title_en", "名称（英語）", "Title (English)", S),
    Column("occurred_on", "年月日", "Date", D, _("出願日・発表日・発売日など")),
    Column("fiscal_year", "年度", "Fiscal year", INT),
    Column("application_number", "出願番号", "Application number", S),
    Column("registration_number", "登録番号", "Registration number", S),
    Column("granted_on", "登録日", "Granted on", D, nullable=True),
    Column("country", "出願国", "Country", S),
    Column("applicants", "出願人", "Applicants", S),
    Column("inventors", "発明者", "Inventors", S),
    Column("doi", "DOI", "DOI", S),
    Column("product", "製品・サービス名", "Product", S),
    Column("company", "企業コード", "Company code", S, nullable=True),
    Column("company_name", "企業", "Company", S, nullable=True),
    Column("description", "概要", "Description", S),
    UPDATED,
)

EVENT_COLUMNS = (
    Column("id", "イベントID", "Event ID", S),
    Column("cluster", "クラスターコード", "Cluster code", S),
    Column(
        "kind", "種別", "Kind", S, _("forum / results / seminar / exhibition / other"), choices=_choices(Event, "kind")
    ),
    Column("title", "名称", "Title", S),
    Column("title_en", "名称（英語）", "Title (English)", S),
    Column("starts_on", "開催日", "Starts on", D),
    Column("ends_on", "終了日", "Ends on", D, nullable=True),
    Column("venue", "会場", "Venue", S),
    Column("organizer", "主催", "Organiser", S),
    Column("attendance", "参加者数", "Attendance", INT, nullable=True),
    Column("presented_projects", "発表したプロジェクト", "Presented projects", L),
    Column("description", "概要", "Description", S),
    UPDATED,
)

ORGANIZATION_COLUMNS = (
    Column("code", "機関コード", "Organisation code", S),
    Column("name", "機関名", "Name", S),
    Column("name_en", "機関名（英語）", "Name (English)", S),
    Column(
        "kind",
        "種別",
        "Kind",
        S,
        _("local_government / core_institution / university / company / public_research / economic / other"),
        choices=_choices(Organization, "kind"),
    ),
    Column("prefecture", "所在都道府県コード", "Prefecture code", S, nullable=True),
    Column("parent", "上位組織コード", "Parent organisation code", S, nullable=True),
    Column("url", "ウェブサイト", "Website", S),
    Column("project_count", "参画プロジェクト数", "Projects", INT),
)

DATASETS = {
    dataset.key: dataset
    for dataset in (
        Dataset(
            "clusters",
            _("クラスター"),
            _("公開されているクラスター（地域）"),
            CLUSTER_COLUMNS,
            cluster_queryset,
            cluster_row,
            "slug",
        ),
        Dataset(
            "projects",
            _("共同研究プロジェクト"),
            _("公開されている産学官共同研究プロジェクト"),
            PROJECT_COLUMNS,
            project_queryset,
            project_row,
            "code",
        ),
        Dataset(
            "participations",
            _("参画機関"),
            _("プロジェクトごとの参画機関と役割"),
            PARTICIPATION_COLUMNS,
            participation_queryset,
            participation_row,
            "pk",
        ),
        Dataset(
            "grants",
            _("交付決定額"),
            _("クラスターごと・年度ごとの交付決定額"),
            GRANT_COLUMNS,
            grant_queryset,
            grant_row,
            "pk",
        ),
        Dataset(
            "budgets",
            _("配分額と執行額"),
            _("プロジェクトごと・年度ごとの配分額と執行額"),
            BUDGET_COLUMNS,
            budget_queryset,
            budget_row,
            "pk",
        ),
        Dataset(
            "results",
            _("成果"),
            _("特許、ライセンス、製品化、起業、論文などの成果"),
            RESULT_COLUMNS,
            result_queryset,
            result_row,
            "code",
        ),
        Dataset(
            "events",
            _("フォーラム・イベント"),
            _("フォーラム、成果発表会などのイベント"),
            EVENT_COLUMNS,
            event_queryset,
            event_row,
            "code",
        ),
        Dataset(
            "organizations",
            _("機関"),
            _("公開されているプロジェクトやクラスターに関わる大学・企業・公設試験研究機関など"),
            ORGANIZATION_COLUMNS,
            organization_queryset,
            organization_row,
            "slug",
        ),
    )
}
