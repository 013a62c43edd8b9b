"""Import/export resources of the coordinators app (see ``cluster_portal.tabular``).

Natural keys: coordinator = code; coordination activity = coordinator code + date + title.
"""

from cluster_portal.tabular.columns import code_column, column, key_column
from cluster_portal.tabular.resources import PortalResource
from coordinators.models import CoordinationActivity, Coordinator
from projects.models import JointResearchProject
from regions.columns import organization_columns, organizations_column
from regions.models import Region


class CoordinatorResource(PortalResource):
    """科学技術コーディネータ and advisors such as patent attorneys (弁理士)."""

    code = column(Coordinator, "code")
    region = key_column(Coordinator, "region", Region, "slug")
    kind = column(Coordinator, "kind")
    name = column(Coordinator, "name")
    name_en = column(Coordinator, "name_en")
    expertise = column(Coordinator, "expertise")
    affiliation, affiliation_kind = organization_columns(Coordinator, "affiliation")
    term_start = column(Coordinator, "term_start")
    term_end = column(Coordinator, "term_end")
    profile = column(Coordinator, "profile")
    is_published = column(Coordinator, "is_published")

    select_related = ("region", "affiliation")

    class Meta:
        model = Coordinator
        import_id_fields = ("code",)
        fields = (
            "code",
            "region",
            "kind",
            "name",
            "name_en",
            "expertise",
            "affiliation",
            "affiliation_kind",
            "term_start",
            "term_end",
            "profile",
            "is_published",
        )


class CoordinationActivityResource(PortalResource):
    """Seeds-needs matching activities; the organisations met are names separated by 「;」.

    Natural key: the 活動コード (blank for a new activity); an activity keeps its coordinator.
    """

    code = code_column(CoordinationActivity)
    coordinator = key_column(CoordinationActivity, "coordinator", Coordinator, "code")
    held_on = column(CoordinationActivity, "held_on")
    title = column(CoordinationActivity, "title")
    organizations = organizations_column(CoordinationActivity, "organizations", required=False)
    result = column(CoordinationActivity, "result")
    note = column(CoordinationActivity, "note")
    resulting_project = key_column(CoordinationActivity, "resulting_project", JointResearchProject, "code")

    region_path = ("coordinator", "region_id")
    region_field = "coordinator"
    select_related = ("coordinator", "resulting_project")
    prefetch_related = ("organizations",)
    protected_on_update = ("coordinator",)

    class Meta:
        model = CoordinationActivity
        import_id_fields = ("code",)
        fields = ("code", "coordinator", "held_on", "title", "organizations", "result", "note", "resulting_project")
