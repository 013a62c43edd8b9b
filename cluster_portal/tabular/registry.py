"""Every importable/exportable data set, by the name used in URLs and ``--resource``.

``hq`` says what headquarters staff may do with it (always limited to their own
region); the ministry and administrators may import and export everything.
"""

from dataclasses import dataclass
from functools import cached_property

from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from cluster_portal.tabular.widgets import ja
from cluster_portal.tabular.writers import sheet_title


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    path: str
    label: str
    hq_import: bool
    hq_export: bool
    #: the XLSX sheet's name (Japanese whatever the language, like the headers); the label when empty
    sheet_name: str = ""

    @property
    def sheet(self) -> str:
        return sheet_title(self.sheet_name or ja(self.label))

    @cached_property
    def resource_class(self):
        return import_string(self.path)

    def resource(self, *, user=None):
        return self.resource_class(user=user)


SPECS = [
    ResourceSpec("organizations", "regions.resources.OrganizationResource", _("機関"), False, True, sheet_name="機関"),
    ResourceSpec(
        "regions", "regions.resources.RegionResource", _("地域（クラスター）"), False, True, sheet_name="地域"
    ),
    ResourceSpec(
        "headquarters",
        "regions.resources.HeadquartersResource",
        _("クラスター本部"),
        True,
        True,
        sheet_name="クラスター本部",
    ),
    ResourceSpec(
        "headquarters-members",
        "regions.resources.HeadquartersMemberResource",
        _("本部の役員（名簿）"),
        True,
        True,
        sheet_name="本部役員名簿",
    ),
    ResourceSpec("grants", "regions.resources.GrantResource", _("交付決定"), False, True, sheet_name="交付決定"),
    ResourceSpec(
        "projects",
        "projects.resources.ProjectResource",
        _("共同研究プロジェクト"),
        True,
        True,
        sheet_name="共同研究プロジェクト",
    ),
    ResourceSpec(
        "participations", "projects.resources.ParticipationResource", _("参画機関"), True, True, sheet_name="参画機関"
    ),
    ResourceSpec(
        "budgets",
        "projects.resources.ProjectBudgetResource",
        _("プロジェクト予算（配分額・執行額）"),
        True,
        True,
        sheet_name="配分額・執行額",
    ),
    ResourceSpec(
        "expenditures", "projects.resources.ExpenditureResource", _("執行（費目別）"), True, True, sheet_name="執行実績"
    ),
    ResourceSpec(
        "outcomes",
        "projects.resources.OutcomeResource",
        _("成果（特許・論文等）"),
        True,
        True,
        sheet_name="成果・特許等",
    ),
    ResourceSpec(
        "coordinators",
        "coordinators.resources.CoordinatorResource",
        _("コーディネータ・アドバイザー"),
        True,
        True,
        sheet_name="コーディネータ",
    ),
    ResourceSpec(
        "coordination-activities",
        "coordinators.resources.CoordinationActivityResource",
        _("コーディネート活動"),
        True,
        True,
        sheet_name="コーディネート活動",
    ),
    ResourceSpec(
        "events",
        "projects.resources.EventResource",
        _("フォーラム・イベント"),
        True,
        True,
        sheet_name="フォーラム・イベント",
    ),
]
BY_NAME = {spec.name: spec for spec in SPECS}


def get(name: str) -> ResourceSpec:
    try:
        return BY_NAME[name]
    except KeyError:
        raise LookupError(name) from None


def get_or_404(name: str) -> ResourceSpec:
    try:
        return get(name)
    except LookupError:
        raise Http404 from None


def for_model(model) -> ResourceSpec | None:
    for spec in SPECS:
        if spec.resource_class._meta.model is model:
            return spec
    return None
