from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cluster_portal.tabular.admin import DataIOAdminMixin
from coordinators.models import CoordinationActivity, Coordinator


@admin.register(Coordinator)
class CoordinatorAdmin(DataIOAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "region", "affiliation", "expertise", "term_start", "term_end", "is_published")
    list_filter = ("kind", "is_published", "region")
    list_select_related = ("region", "affiliation")
    search_fields = ("code", "name", "name_en", "expertise", "profile", "region__name")
    autocomplete_fields = ("region", "affiliation")
    ordering = ("region__name", "kind", "name")


@admin.register(CoordinationActivity)
class CoordinationActivityAdmin(DataIOAdminMixin, admin.ModelAdmin):
    list_display = ("held_on", "code", "title", "coordinator", "organization_names", "result", "resulting_project")
    list_filter = ("result", "coordinator__region")
    list_select_related = ("coordinator", "resulting_project")
    readonly_fields = ("code",)  # issued by the portal: the key of the spreadsheet round trip
    search_fields = ("=code", "title", "note", "coordinator__name", "organizations__name", "resulting_project__code")
    date_hierarchy = "held_on"
    autocomplete_fields = ("coordinator", "organizations", "resulting_project")
    ordering = ("-held_on", "-pk")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(description=_("面談した機関"))
    def organization_names(self, obj):
        return "、".join(organization.name for organization in obj.organizations.all())
