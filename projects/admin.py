from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cluster_portal.admin import (
    LargeChangelistMixin,
    ReadOnlyAdminMixin,
    SelectRelatedAdminMixin,
    TextSearchAdminMixin,
    WorkflowStatusReadOnlyMixin,
    cached_values_filter,
)
from cluster_portal.fiscal import fiscal_year_label, format_yen
from cluster_portal.tabular.admin import DataIOAdminMixin
from projects.models import (
    Expenditure,
    JointResearchProject,
    Milestone,
    Outcome,
    Participation,
    ProgressReport,
    ProjectBudget,
    Receipt,
    RegionYearFigures,
    ReportAttachment,
)
from projects.services import execution as execution_services
from regions.models import Event, Grant

# ---------------------------------------------------------------- inlines


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ("organization",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")  # __str__


class ProjectBudgetInline(admin.TabularInline):
    model = ProjectBudget
    extra = 0
    autocomplete_fields = ("grant",)
    fields = ("grant", "allocated", "executed", "overrun_reason")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "grant")  # __str__

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grant":
            kwargs["queryset"] = Grant.objects.select_related("region")  # the option label names the region
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def overrun_error(budget: ProjectBudget, executed: int) -> ValidationError | None:
    """The refusal of an admin edit that would leave 執行額 above 配分額 without a recorded reason."""
    if executed > (budget.allocated or 0) and not (budget.overrun_reason or "").strip():
        return ValidationError(
            _("執行額の合計（%(executed)s）が配分額（%(allocated)s）を超えます。予算に理由を入力してください。")
            % {"executed": format_yen(executed), "allocated": format_yen(budget.allocated)}
        )
    return None


class ExpenditureInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        total = sum(
            form.cleaned_data.get("amount") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        error = overrun_error(self.instance, total)
        if error is not None:
            raise error


class ExpenditureInline(admin.TabularInline):
    """Entries of a budget; its 執行額 is their sum, recomputed by the domain after every save."""

    model = Expenditure
    formset = ExpenditureInlineFormSet
    extra = 0
    can_delete = False  # entries are corrected, never deleted (history stays complete)
    fields = ("spent_on", "category", "amount", "description")


class MilestoneInline(admin.StackedInline):
    model = Milestone
    extra = 0


# ---------------------------------------------------------------- projects


@admin.register(JointResearchProject)
class JointResearchProjectAdmin(
    TextSearchAdminMixin, LargeChangelistMixin, DataIOAdminMixin, WorkflowStatusReadOnlyMixin, admin.ModelAdmin
):
    list_display = ("code", "title", "region", "status", "host_organization", "start_date", "end_date", "is_published")
    list_filter = (
        "status",
        "is_published",
        "region",
        cached_values_filter("theme", _("分野")),
        cached_values_filter("start_date", _("開始日"), by_year=True),
    )
    list_select_related = ("region", "host_organization")
    search_fields = ("code", "title", "title_en", "theme", "summary", "region__name")
    autocomplete_fields = ("region", "host_organization")
    ordering = ("code",)
    inlines = (ParticipationInline, ProjectBudgetInline)


@admin.register(Participation)
class ParticipationAdmin(LargeChangelistMixin, DataIOAdminMixin, SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("organization", "role", "project")
    list_filter = ("role", "project__region")
    list_select_related = ("organization", "project")
    search_fields = ("organization__name", "organization__name_en", "project__code", "project__title")
    autocomplete_fields = ("project", "organization")


# ---------------------------------------------------------------- money


@admin.register(ProjectBudget)
class ProjectBudgetAdmin(LargeChangelistMixin, DataIOAdminMixin, SelectRelatedAdminMixin, SimpleHistoryAdmin):
    list_display = ("project", "fiscal_year_display", "allocated_display", "executed_display")
    list_filter = ("grant__fiscal_year", "project__region")
    list_select_related = ("project", "grant")
    search_fields = ("project__code", "project__title", "project__region__name")
    autocomplete_fields = ("project", "grant")
    ordering = ("project__code", "grant__fiscal_year")
    inlines = (ExpenditureInline,)
    readonly_fields = ("executed",)  # derived: the sum of the entries (projects.services.execution)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        execution_services.budget_recompute_executed(budget_pk=form.instance.pk)

    @admin.display(description=_("年度"), ordering="grant__fiscal_year")
    def fiscal_year_display(self, obj):
        return fiscal_year_label(obj.grant.fiscal_year)

    @admin.display(description=_("配分額"), ordering="allocated")
    def allocated_display(self, obj):
        return format_yen(obj.allocated)

    @admin.display(description=_("執行額"), ordering="executed")
    def executed_display(self, obj):
        return format_yen(obj.executed)


@admin.register(Expenditure)
class ExpenditureAdmin(LargeChangelistMixin, DataIOAdminMixin, SimpleHistoryAdmin):
    list_display = ("spent_on", "code", "category", "amount_display", "budget", "description")
    list_filter = (
        "category",
        "budget__grant__fiscal_year",
        cached_values_filter("spent_on", _("執行日"), by_year=True),
    )
    list_select_related = ("budget__project", "budget__grant")
    search_fields = ("=code", "description", "budget__project__code", "budget__project__title")
    readonly_fields = ("code",)  # issued by the portal: the key of the spreadsheet round trip
    autocomplete_fields = ("budget",)
    ordering = ("-spent_on", "-pk")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ExpenditureAdminForm(form):
            def clean(self):
                cleaned = super().clean()
                budget, amount = cleaned.get("budget"), cleaned.get("amount")
                if budget is not None and amount is not None:
                    others = budget.expenditures.exclude(pk=self.instance.pk).aggregate(total=Sum("amount"))["total"]
                    error = overrun_error(budget, (others or 0) + amount)
                    if error is not None:
                        self.add_error("amount", error)
                return cleaned

        return ExpenditureAdminForm

    def save_model(self, request, obj, form, change):
        previous_budget_id = form.initial.get("budget") if change else None
        super().save_model(request, obj, form, change)
        for budget_pk in {obj.budget_id, previous_budget_id} - {None}:
            execution_services.budget_recompute_executed(budget_pk=budget_pk)

    def has_delete_permission(self, request, obj=None):
        return False  # entries are corrected, never deleted: 執行額 and history stay complete

    @admin.display(description=_("金額"), ordering="amount")
    def amount_display(self, obj):
        return format_yen(obj.amount)


# ---------------------------------------------------------------- progress and results


@admin.register(ProgressReport)
class ProgressReportAdmin(SelectRelatedAdminMixin, WorkflowStatusReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("project", "fiscal_year", "half", "status", "due_on", "submitted_at")
    list_filter = ("status", "fiscal_year", "half")
    list_select_related = ("project",)
    search_fields = ("project__code", "project__title", "narrative", "public_summary")
    date_hierarchy = "due_on"
    autocomplete_fields = ("project",)
    inlines = (MilestoneInline,)

    # Reverting to an old version would also restore its status, bypassing the
    # report workflow and its transition log, so history is view-only here.
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("title", "report", "is_achieved")
    list_filter = ("is_achieved", "report__fiscal_year")
    list_select_related = ("report__project",)
    search_fields = ("title", "planned", "achieved", "report__project__code", "report__project__title")
    autocomplete_fields = ("report",)


@admin.register(Outcome)
class OutcomeAdmin(TextSearchAdminMixin, LargeChangelistMixin, DataIOAdminMixin, SimpleHistoryAdmin):
    list_display = ("title", "kind", "project", "occurred_on", "application_number", "company", "is_published")
    list_filter = (
        "kind",
        "is_published",
        cached_values_filter("country", _("出願国")),
        cached_values_filter("occurred_on", _("年月日"), by_year=True),
    )
    list_select_related = ("project", "company")
    search_fields = (
        "title",
        "title_en",
        "description",
        "application_number",
        "registration_number",
        "doi",
        "product",
        "applicants",
        "inventors",
        "project__code",
        "project__title",
    )
    # years as a cached list filter, not date_hierarchy: its SELECT DISTINCT of the years (and MIN/MAX
    # of a search's matches) scanned every result on each view
    autocomplete_fields = ("project", "company")
    ordering = ("-occurred_on", "-pk")  # the outcome_newest_idx index: the first page is a top-N index scan


@admin.register(ReportAttachment)
class ReportAttachmentAdmin(admin.ModelAdmin):
    list_display = ("title", "report", "uploaded_by", "uploaded_at")
    list_select_related = ("report__project", "uploaded_by")
    search_fields = ("title", "report__project__code", "report__project__title")
    autocomplete_fields = ("report",)
    date_hierarchy = "uploaded_at"


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Receipts are attached and removed on the expenditure's page, where the file's content is checked."""

    list_display = ("original_name", "expenditure", "uploaded_by", "uploaded_at")
    list_select_related = ("expenditure__budget__project", "uploaded_by")
    search_fields = ("original_name", "expenditure__budget__project__code")
    date_hierarchy = "uploaded_at"


@admin.register(RegionYearFigures)
class RegionYearFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived rows (projects/rollups.py): recomputed on every write of what they sum, never edited."""

    list_display = ("region", "fiscal_year", "granted", "allocated", "executed", "updated_at")
    list_select_related = ("region",)
    list_filter = ("fiscal_year",)
    search_fields = ("region__name", "region__slug")
    show_full_result_count = False


# ---------------------------------------------------------------- events (regions.Event)
# Registered here, not in regions.admin, because an event names the projects it presented and
# that relation is declared on the project.


class PresentedProjectInline(admin.TabularInline):
    model = JointResearchProject.events.through
    extra = 0
    autocomplete_fields = ("jointresearchproject",)
    verbose_name = _("発表したプロジェクト")
    verbose_name_plural = _("発表したプロジェクト")


@admin.register(Event)
class EventAdmin(TextSearchAdminMixin, DataIOAdminMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "region", "starts_on", "venue", "attendance", "is_published")
    list_filter = ("kind", "is_published")
    list_select_related = ("region",)
    search_fields = ("title", "title_en", "venue", "organizer", "description", "region__name")
    date_hierarchy = "starts_on"
    autocomplete_fields = ("region",)
    inlines = (PresentedProjectInline,)
    ordering = ("-starts_on", "title")
