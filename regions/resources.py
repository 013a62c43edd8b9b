"""Import/export resources of the regions app (see ``cluster_portal.tabular``).

Natural keys: organisation = name + kind; region = slug; headquarters = region;
headquarters member = region + position + name; grant = region + fiscal year;
and events in ``projects.resources``.
"""

from django.utils.text import slugify

from cluster_portal.tabular.columns import column, key_column
from cluster_portal.tabular.resources import PortalResource
from cluster_portal.tabular.widgets import KeyForeignKeyWidget, KeyManyToManyWidget
from regions.columns import organization_columns
from regions.models import (
    Call,
    Grant,
    Headquarters,
    HeadquartersMember,
    Organization,
    Prefecture,
    Program,
    Region,
)


class PrefectureWidget(KeyForeignKeyWidget):
    """A prefecture by JIS code (「01」 or 「1」) or by name (「北海道」)."""

    def __init__(self):
        super().__init__(Prefecture, "code")

    def prime(self, values) -> None:
        if self.cache:
            return
        for prefecture in Prefecture.objects.all():
            self.cache[prefecture.code] = prefecture
            self.cache[prefecture.name] = prefecture

    def key(self, value) -> str:
        text = super().key(value)
        return text.zfill(2) if text.isdigit() else text

    def clean(self, value, row=None, **kwargs):
        self.prime([])
        return super().clean(value, row, **kwargs)


class PrefecturesWidget(KeyManyToManyWidget):
    def __init__(self):
        super().__init__(Prefecture, "code")
        self.keys = PrefectureWidget()


def region_column(model, name="region", **kwargs):
    return key_column(model, name, Region, "slug", **kwargs)


class OrganizationResource(PortalResource):
    name = column(Organization, "name")
    kind = column(Organization, "kind")
    name_en = column(Organization, "name_en")
    slug = column(Organization, "slug", required=False)
    prefecture = column(Organization, "prefecture", PrefectureWidget())
    parent, parent_kind = organization_columns(Organization, "parent")
    url = column(Organization, "url")

    region_path = None
    select_related = ("prefecture", "parent")

    class Meta:
        model = Organization
        import_id_fields = ("name", "kind")
        fields = ("name", "kind", "name_en", "slug", "prefecture", "parent", "parent_kind", "url")

    def import_instance(self, instance, row, **kwargs):
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            if not instance.slug and instance.name and instance.kind:
                instance.slug = self.new_slug(instance)

    @staticmethod
    def new_slug(organization) -> str:
        """A stable identifier for an organisation imported without one: its English name, or name and kind."""
        import hashlib

        digest = hashlib.sha256(f"{organization.name}|{organization.kind}".encode()).hexdigest()[:8]
        base = slugify(organization.name_en)[:100] or f"org-{organization.kind.replace('_', '-')}"
        return f"{base}-{digest}"


class RegionResource(PortalResource):
    slug = column(Region, "slug")
    name = column(Region, "name")
    name_en = column(Region, "name_en")
    program = key_column(Region, "program", Program, "code")
    cluster_name = column(Region, "cluster_name")
    cluster_name_en = column(Region, "cluster_name_en")
    theme = column(Region, "theme")
    theme_en = column(Region, "theme_en")
    concept = column(Region, "concept")
    concept_en = column(Region, "concept_en")
    cluster_type = column(Region, "cluster_type")
    status = column(Region, "status")
    prefectures = column(Region, "prefectures", PrefecturesWidget(), required=True)
    core_institution, core_institution_kind = organization_columns(Region, "core_institution")
    designated_by, designated_by_kind = organization_columns(Region, "designated_by")
    selected_fiscal_year = column(Region, "selected_fiscal_year")
    start_fiscal_year = column(Region, "start_fiscal_year")
    end_fiscal_year = column(Region, "end_fiscal_year")
    is_published = column(Region, "is_published")
    source = column(Region, "source")

    region_path = ("pk",)
    region_field = "slug"
    protected_on_update = ("status",)
    select_related = ("program", "core_institution", "designated_by")
    prefetch_related = ("prefectures",)

    class Meta:
        model = Region
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "name",
            "name_en",
            "program",
            "cluster_name",
            "cluster_name_en",
            "theme",
            "theme_en",
            "concept",
            "concept_en",
            "cluster_type",
            "status",
            "prefectures",
            "core_institution",
            "core_institution_kind",
            "designated_by",
            "designated_by_kind",
            "selected_fiscal_year",
            "start_fiscal_year",
            "end_fiscal_year",
            "is_published",
            "source",
        )


class HeadquartersResource(PortalResource):
    region = region_column(Headquarters)
    name = column(Headquarters, "name")
    address = column(Headquarters, "address")

    select_related = ("region",)

    class Meta:
        model = Headquarters
        import_id_fields = ("region",)
        fields = ("region", "name", "address")


class HeadquartersMemberResource(PortalResource):
    """The headquarters roster (本部長・事業総括・研究統括 …), one row per person and position."""

    headquarters = column(
        HeadquartersMember,
        "headquarters",
        KeyForeignKeyWidget(Headquarters, "region__slug", select_related=("region",)),
        header="地域",
    )
    position = column(HeadquartersMember, "position")
    name = column(HeadquartersMember, "name")
    affiliation = column(HeadquartersMember, "affiliation")
    term_start = column(HeadquartersMember, "term_start")
    term_end = column(HeadquartersMember, "term_end")

    region_path = ("headquarters", "region_id")
    region_field = "headquarters"
    select_related = ("headquarters__region",)

    class Meta:
        model = HeadquartersMember
        import_id_fields = ("headquarters", "position", "name")
        fields = ("headquarters", "position", "name", "affiliation", "term_start", "term_end")


class GrantResource(PortalResource):
    """交付決定額 per region and fiscal year. A registered amount changes only through an amendment (変更)."""

    region = region_column(Grant)
    fiscal_year = column(Grant, "fiscal_year")
    amount = column(Grant, "amount", required=True)
    call = key_column(Grant, "call", Call, "code")
    decided_on = column(Grant, "decided_on")
    note = column(Grant, "note")

    protected_on_update = ("amount",)
    select_related = ("region", "call")
    thousand_yen_fields = ("amount",)

    class Meta:
        model = Grant
        import_id_fields = ("region", "fiscal_year")
        fields = ("region", "fiscal_year", "amount", "call", "decided_on", "note")

    def row_errors(self, instance, row, errors) -> dict:
        """A new grant under a call locks the call's envelope for the year (as ``grant_create`` does);
        ``Grant.clean()``, run next by the row's validation, then sums it under the lock."""
        if instance.pk is not None or not instance.call_id or errors or instance.fiscal_year is None:
            return {}
        from regions.services.grants import lock_envelope

        lock_envelope(call=instance.call, fiscal_year=instance.fiscal_year)
        return {}
