"""The filters of the public lists, declared once per resource for the HTML list and the JSON API.

Each ``FilterSet`` names the query parameters of one resource (clusters, projects, organisations,
results, events), how each is validated and what it narrows. The two users differ only in how
they treat a value they cannot use:

- the API (``public.views.api``) builds the FilterSet with ``for_api``; each form field is also
  the parameter's published schema (``public.api_parameters.field_schema``); a value outside it is
  400 and a code naming no row (cluster, organisation, programme, prefecture) is 404; its form
  fields accept any well-formed value (any fiscal year from 1990 to 2100, any theme);
- the HTML list passes ``offered`` (the rows it may list, or the years to offer): the parameters
  whose values come from the data (fiscal years, themes, programmes, prefectures) become selects
  of the values found; an invalid value is dropped, so it does not narrow the list, and the list
  says so (``templates/includes/ignored_notice.html``).

``params()`` gives the valid values as plain codes, a stable cache key; ``apply(queryset, params)``
narrows any queryset by them (the list, its CSV download, its cached pages and facet counts).
The text search (``q``) is the querysets' ``search`` (``cluster_portal.text``).
"""

import django_filters
from django import forms
from django.db import models
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_of
from cluster_portal.text import MAX_QUERY_LENGTH
from projects.models import JointResearchProject, Outcome, OutcomeKind, Participation, ProjectStatus
from regions.models import (
    ClusterType,
    Event,
    EventKind,
    Organization,
    OrganizationKind,
    Prefecture,
    Program,
    Region,
    RegionStatus,
)

ALL = _("すべて")
# The message of a query longer than the search takes: never cut silently (cluster_portal.text).
QUERY_TOO_LONG = _("キーワードは%(limit_value)d文字以内で入力してください（入力は%(show_value)d文字です）。")
FISCAL_YEARS = {"min_value": 1990, "max_value": 2100}


def choices(text_choices) -> list:
    return [("", ALL), *text_choices.choices]


def fiscal_year_choices(years) -> list:
    from cluster_portal.templatetags.portal import fiscal_year

    return [("", ALL), *((year, fiscal_year(year)) for year in years)]


def by_key(lookup: str, value, key: str) -> dict:
    """``{lookup: row}`` for a row (what a model choice gives), ``{lookup__key: code}`` for a code."""
    return {lookup: value} if isinstance(value, models.Model) else {f"{lookup}__{key}": value}


def project_ids_q(organization) -> Q:
    """Projects an organisation takes part in or hosts."""
    return Q(pk__in=Participation.objects.filter(organization=organization).values("project_id")) | Q(
        host_organization=organization
    )


def localized_themes(pairs) -> list[tuple[str, str]]:
    """(theme, label) choices from (theme, theme_en) rows: the English theme when English is active
    and one is recorded (the first non-empty one), else the Japanese theme; the value stays Japanese."""
    from cluster_portal.templatetags.portal import is_english

    english: dict[str, str] = {}
    for theme, theme_en in pairs:
        if theme_en and not english.get(theme):
            english[theme] = theme_en
        english.setdefault(theme, "")
    return [(theme, (label if is_english() and label else theme)) for theme, label in english.items()]


class LocalizedChoiceField(forms.ModelChoiceField):
    """A model choice labelled by the row's name in the current language."""

    def label_from_instance(self, obj):
        from cluster_portal.templatetags.portal import localized

        return localized(obj, "name")


class FieldFilter(django_filters.Filter):
    """A filter whose form field is exactly ``field_class(label=…, **kwargs)``, as a hand-written form has it."""

    def __init__(self, field_class, *, label, field_name=None, method=None, **kwargs):
        super().__init__(field_name=field_name, label=label, method=method, **kwargs)
        self.field_class = field_class


def query_field(**kwargs) -> forms.CharField:
    """The form field of a search query (``q``): at most ``MAX_QUERY_LENGTH`` characters, refused beyond."""
    kwargs.setdefault("required", False)
    return forms.CharField(
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": QUERY_TOO_LONG},
        widget=forms.SearchInput,
        **kwargs,
    )


class SearchFilter(FieldFilter):
    """``q``: every word in one of the searched fields, NFKC-normalised (``queryset.search``)."""

    def __init__(self):
        super().__init__(query_field, label=_("キーワード"))

    def filter(self, qs, value):
        return qs.search(value) if value else qs


class KeyFilter(FieldFilter):
    """A related row given by its code or slug (``key``)."""

    def __init__(self, field_class=forms.CharField, *, field_name, key, **kwargs):
        super().__init__(field_class, field_name=field_name, **kwargs)
        self.key = key

    def filter(self, qs, value):
        return qs if value in EMPTY_VALUES else qs.filter(**by_key(self.field_name, value, self.key))


class ClusterFilter(KeyFilter):
    """``cluster``: a published cluster by its code (slug)."""

    def __init__(self, field_name):
        super().__init__(
            forms.ModelChoiceField,
            field_name=field_name,
            key="slug",
            label=_("クラスター"),
            queryset=Region.objects.published().order_by("name"),
            to_field_name="slug",
            empty_label=ALL,
        )


class SortFilter(FieldFilter):
    """``sort`` of an HTML list: an order, not a filter (``PublicFilterSet.sorted``); never in ``params()``."""

    def __init__(self, orders: dict, order_choices: list):
        super().__init__(forms.ChoiceField, label=_("並び順"), choices=order_choices)
        self.orders = orders

    def filter(self, qs, value):
        return qs


class PublicFilterSet(django_filters.FilterSet):
    api_names: dict[str, str] = {}  # filter name → API parameter name, where they differ

    def __init__(self, data=None, queryset=None, *, offered=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.offered = offered

    @classmethod
    def for_api(cls, query, queryset):
        """The FilterSet of the API's query string (``api_names`` renamed), validated as the API does."""
        return cls({name: query.get(cls.api_names.get(name, name), "") for name in cls.base_filters}, queryset)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            if self.offered is not None:
                form.fields.update(self.offer(self.offered))
        return self._form

    def offer(self, offered) -> dict:
        """Form fields of the HTML list that replace declared ones: selects of the values in the data."""
        return {}

    def params(self) -> dict:
        """The valid, non-empty filter values, rows as their codes (a stable cache key); no sort."""
        self.is_valid()
        values = {}
        for name, value in getattr(self.form, "cleaned_data", {}).items():
            item = self.filters[name]
            if value in EMPTY_VALUES or isinstance(item, SortFilter):
                continue
            values[name] = getattr(value, item.key) if isinstance(value, models.Model) else value
        return values

    def sorted(self, queryset):
        """``queryset`` in the order of the list's ``sort`` (its first order when none or an invalid one)."""
        self.is_valid()
        orders = self.filters["sort"].orders
        sort = getattr(self.form, "cleaned_data", {}).get("sort", "")
        order = orders.get(sort, orders[""])
        if not sort and "search_rank" in queryset.query.annotations:  # searched: the best matches first
            order = ("search_rank", *order)
        return queryset.order_by(*order)

    @classmethod
    def apply(cls, queryset, params: dict):
        """``queryset`` narrowed by ``params`` (``params()`` of a FilterSet of this class)."""
        filters = cls(queryset=queryset).filters
        for name, value in params.items():
            queryset = filters[name].filter(queryset, value)
        return queryset

    @property
    def qs(self):
        return self.apply(self.queryset.all(), self.params())

    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.form.fields if not isinstance(self.filters[name], SortFilter))


# --- clusters --------------------------------------------------------------------------------------

REGION_ORDERS = {
    "": ("program__start_fiscal_year", "selected_fiscal_year", "name"),
    "name": ("name", "pk"),
    "-selected": ("-selected_fiscal_year", "name", "pk"),
    "selected": ("selected_fiscal_year", "name", "pk"),
    "-granted": ("-granted_total", "name", "pk"),
}
REGION_ORDER_CHOICES = [
    ("", _("事業の期・採択年度順")),
    ("name", _("地域名順")),
    ("-selected", _("採択年度の新しい順")),
    ("selected", _("採択年度の古い順")),
    ("-granted", _("交付決定額の多い順")),
]


def _region_prefecture(queryset, name, value):
    # A subquery rather than a join, so that a region of several prefectures is listed once.
    through = Region.prefectures.through.objects.filter(**by_key("prefecture", value, "code"))
    return queryset.filter(pk__in=through.values("region_id"))


class RegionFilter(PublicFilterSet):
    """Clusters: the cluster list (/clusters/) and /api/v1/clusters."""

    q = SearchFilter()
    program = KeyFilter(
        forms.ModelChoiceField,
        field_name="program",
        key="code",
        label=_("事業（期）"),
        queryset=Program.objects.all(),
        to_field_name="code",
        widget=forms.TextInput,
    )
    fiscal_year = FieldFilter(
        forms.IntegerField, field_name="selected_fiscal_year", label=_("採択年度"), **FISCAL_YEARS
    )
    prefecture = KeyFilter(
        forms.ModelChoiceField,
        field_name="prefectures",
        key="code",
        label=_("都道府県"),
        method=_region_prefecture,
        queryset=Prefecture.objects.all(),
        to_field_name="code",
        widget=forms.TextInput,
    )
    theme = FieldFilter(forms.CharField, label=_("テーマ・分野"), max_length=200)
    cluster_type = FieldFilter(forms.ChoiceField, label=_("類型"), choices=choices(ClusterType))
    status = FieldFilter(forms.ChoiceField, label=_("状態"), choices=choices(RegionStatus))

    class Meta:
        model = Region
        fields = []

    def offer(self, regions) -> dict:
        years = regions.exclude(selected_fiscal_year=None).order_by("selected_fiscal_year")
        years = years.values_list("selected_fiscal_year", flat=True).distinct()
        pairs = regions.exclude(theme="").order_by("theme").values_list("theme", "theme_en").distinct()
        themes = localized_themes(pairs)
        return {
            "program": LocalizedChoiceField(
                label=_("事業（期）"),
                queryset=Program.objects.all(),
                to_field_name="code",
                required=False,
                empty_label=ALL,
            ),
            "fiscal_year": forms.TypedChoiceField(
                label=_("採択年度"), coerce=int, required=False, empty_value=None, choices=fiscal_year_choices(years)
            ),
            "prefecture": LocalizedChoiceField(
                label=_("都道府県"),
                queryset=Prefecture.objects.all(),
                to_field_name="code",
                required=False,
                empty_label=ALL,
            ),
            "theme": forms.ChoiceField(label=_("テーマ・分野"), required=False, choices=[("", ALL), *themes]),
        }


class RegionListFilter(RegionFilter):
    """The cluster list's filters and its order."""

    sort = SortFilter(REGION_ORDERS, REGION_ORDER_CHOICES)


# --- projects --------------------------------------------------------------------------------------

PROJECT_ORDERS = {
    "": ("code", "pk"),
    "-start": ("-start_date", "code", "pk"),
    "start": ("start_date", "code", "pk"),
    "title": ("title", "code", "pk"),
}
PROJECT_ORDER_CHOICES = [
    ("", _("プロジェクトコード順")),
    ("-start", _("開始日の新しい順")),
    ("start", _("開始日の古い順")),
    ("title", _("テーマ名順")),
]


class OrganizationCodeFilter(FieldFilter):
    """``organization``: the rows of an organisation given by its code (slug); an unknown code is invalid."""

    key = "slug"

    def __init__(self, organization_q):
        super().__init__(
            forms.ModelChoiceField,
            label=_("機関コード"),
            queryset=Organization.objects.all(),
            to_field_name="slug",
            widget=forms.TextInput,
        )
        self.organization_q = organization_q

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        organization = value if isinstance(value, Organization) else Organization.objects.filter(slug=value).first()
        return qs.none() if organization is None else qs.filter(self.organization_q(organization))


def _project_fiscal_year(queryset, name, value):
    first, last = fiscal_year_bounds(value)
    return queryset.filter(start_date__lte=last).exclude(end_date__lt=first)


class ProjectFilter(PublicFilterSet):
    """Joint research projects: the project list (/projects/) and /api/v1/projects."""

    q = SearchFilter()
    cluster = ClusterFilter("region")
    theme = FieldFilter(forms.CharField, label=_("分野"), max_length=100)
    status = FieldFilter(forms.ChoiceField, label=_("状態"), choices=choices(ProjectStatus))
    fiscal_year = FieldFilter(forms.IntegerField, label=_("実施年度"), method=_project_fiscal_year, **FISCAL_YEARS)
    organization = OrganizationCodeFilter(project_ids_q)

    class Meta:
        model = JointResearchProject
        fields = []

    def offer(self, projects) -> dict:
        projects = projects.order_by()
        themes = projects.exclude(theme="").values_list("theme", flat=True).distinct().order_by("theme")
        span = projects.aggregate(first=Min("start_date"), last=Max(Coalesce("end_date", "start_date")))
        years = []
        if span["first"] and span["last"]:
            years = range(fiscal_year_of(span["last"]), fiscal_year_of(span["first"]) - 1, -1)
        return {
            "theme": forms.ChoiceField(
                label=_("分野"), required=False, choices=[("", ALL), *((theme, theme) for theme in themes)]
            ),
            "fiscal_year": forms.TypedChoiceField(
                label=_("実施年度"), coerce=int, required=False, empty_value=None, choices=fiscal_year_choices(years)
            ),
        }


class ProjectListFilter(ProjectFilter):
    """The project list's filters and its order."""

    sort = SortFilter(PROJECT_ORDERS, PROJECT_ORDER_CHOICES)


# --- organisations ---------------------------------------------------------------------------------


class OrganizationFilter(PublicFilterSet):
    """Organisations: the organisation list (/organizations/) and /api/v1/organizations."""

    q = SearchFilter()
    kind = FieldFilter(forms.ChoiceField, label=_("種別"), choices=choices(OrganizationKind))

    class Meta:
        model = Organization
        fields = []


# --- results ---------------------------------------------------------------------------------------


def _result_fiscal_year(queryset, name, value):
    first, last = fiscal_year_bounds(value)
    return queryset.filter(occurred_on__gte=first, occurred_on__lte=last)


def _result_organization_q(organization) -> Q:
    """Results of a company, or of the projects an organisation takes part in or hosts."""
    return Q(company=organization) | Q(project__in=JointResearchProject.objects.filter(project_ids_q(organization)))


class ResultFilter(PublicFilterSet):
    """Results (成果): the results browser (/results/) and /api/v1/results (where ``year`` is ``fiscal_year``)."""

    api_names = {"year": "fiscal_year"}

    q = SearchFilter()
    kind = FieldFilter(forms.ChoiceField, label=_("種別"), choices=choices(OutcomeKind))
    year = FieldFilter(forms.IntegerField, label=_("年度"), method=_result_fiscal_year, **FISCAL_YEARS)
    cluster = ClusterFilter("project__region")
    organization = OrganizationCodeFilter(_result_organization_q)

    class Meta:
        model = Outcome
        fields = []

    def offer(self, years) -> dict:
        return {
            "year": forms.TypedChoiceField(
                label=_("年度"), coerce=int, required=False, empty_value=None, choices=fiscal_year_choices(years)
            )
        }


# --- events ----------------------------------------------------------------------------------------


class EventFilter(PublicFilterSet):
    """Events: the event list (/events/) and /api/v1/events."""

    q = SearchFilter()
    kind = FieldFilter(forms.ChoiceField, label=_("種別"), choices=choices(EventKind))
    cluster = ClusterFilter("region")

    class Meta:
        model = Event
        fields = []
