from django.contrib import admin
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cluster_portal.admin import (
    ReadOnlyAdminMixin,
    SelectRelatedAdminMixin,
    TextSearchAdminMixin,
    WorkflowStatusReadOnlyMixin,
)
from cluster_portal.fiscal import fiscal_year_label, format_yen
from cluster_portal.tabular.admin import DataIOAdminMixin
from regions.models import (
    Call,
    CallBudget,
    ConflictLiftRequest,
    Evaluation,
    Grant,
    GrantAmendment,
    Headquarters,
    HeadquartersMember,
    Organization,
    Prefecture,
    Program,
    Proposal,
    ProposalAttachment,
    ProposalBudgetLine,
    Region,
    RelatedMeasure,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewDeadlineExtension,
    SelectionDecision,
    SupportDecision,
)

# ---------------------------------------------------------------- inlines


class CallBudgetInline(admin.TabularInline):
    model = CallBudget
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("call")  # __str__


class ReviewCriterionInline(admin.TabularInline):
    model = ReviewCriterion
    extra = 0


class HeadquartersMemberInline(admin.TabularInline):
    model = HeadquartersMember
    extra = 0


class ProposalBudgetLineInline(admin.TabularInline):
    model = ProposalBudgetLine
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("proposal")  # __str__


class ReviewAssignmentInline(admin.StackedInline):
    model = ReviewAssignment
    extra = 0
    autocomplete_fields = ("reviewer",)
    fields = ("reviewer", "has_conflict", "conflict_note", "conflict_declared_at", "submitted_at", "overall_comment")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("proposal", "reviewer")  # __str__


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    autocomplete_fields = ("criterion",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("assignment__proposal", "assignment__reviewer", "criterion")  # __str__
        )


class GrantAmendmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Amendments are the grant's history: shown, never edited here."""

    model = GrantAmendment
    fields = ("amended_at", "previous_amount", "new_amount", "reason", "amended_by")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("grant__region", "amended_by")  # __str__, 変更者


# ---------------------------------------------------------------- master data


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "area")
    list_filter = ("area",)
    search_fields = ("code", "name", "name_en")
    ordering = ("code",)


@admin.register(Organization)
class OrganizationAdmin(DataIOAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "prefecture", "parent", "is_generated")
    list_filter = ("kind", "is_generated", "prefecture__area")
    list_select_related = ("prefecture", "parent")
    search_fields = ("name", "name_en", "slug")
    autocomplete_fields = ("prefecture", "parent")
    ordering = ("kind", "name")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "start_fiscal_year", "end_fiscal_year")
    search_fields = ("code", "name", "name_en")
    ordering = ("start_fiscal_year", "code")


# ---------------------------------------------------------------- calls and proposals


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "program", "fiscal_year", "opens_on", "closes_on", "status")
    list_filter = ("status", "fiscal_year", "program")
    list_select_related = ("program",)
    search_fields = ("code", "title", "description")
    date_hierarchy = "opens_on"
    autocomplete_fields = ("program",)
    ordering = ("-fiscal_year", "code")
    inlines = (CallBudgetInline, ReviewCriterionInline)


@admin.register(CallBudget)
class CallBudgetAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("call", "fiscal_year", "envelope_display")
    list_filter = ("fiscal_year",)
    list_select_related = ("call",)
    search_fields = ("call__code", "call__title")
    autocomplete_fields = ("call",)

    @admin.display(description=_("予算枠"), ordering="envelope")
    def envelope_display(self, obj):
        return format_yen(obj.envelope)


@admin.register(ReviewCriterion)
class ReviewCriterionAdmin(admin.ModelAdmin):
    list_display = ("name", "call", "weight", "max_score", "order")
    list_filter = ("call__fiscal_year",)
    list_select_related = ("call",)
    search_fields = ("name", "call__code", "call__title")
    autocomplete_fields = ("call",)


@admin.register(Proposal)
class ProposalAdmin(WorkflowStatusReadOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "region", "call", "cluster_type", "status", "requested_total_display", "submitted_at")
    list_filter = ("status", "cluster_type", "call__fiscal_year", "call")
    list_select_related = ("region", "call")
    search_fields = ("title", "theme", "summary", "target_industries", "region__name", "call__title")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("call", "region", "participants", "created_by")
    inlines = (ProposalBudgetLineInline, ReviewAssignmentInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(requested_sum=Sum("budget_lines__requested_amount"))

    @admin.display(description=_("要求額合計"), ordering="requested_sum")
    def requested_total_display(self, obj):
        return format_yen(obj.requested_sum or 0)


@admin.register(ProposalBudgetLine)
class ProposalBudgetLineAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("proposal", "fiscal_year", "requested_amount_display")
    list_filter = ("fiscal_year",)
    list_select_related = ("proposal",)
    search_fields = ("proposal__title", "proposal__region__name")
    autocomplete_fields = ("proposal",)

    @admin.display(description=_("要求額"), ordering="requested_amount")
    def requested_amount_display(self, obj):
        return format_yen(obj.requested_amount)


@admin.register(ProposalAttachment)
class ProposalAttachmentAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "proposal", "kind", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind",)
    list_select_related = ("proposal", "uploaded_by")
    search_fields = ("original_name", "proposal__title", "proposal__region__name")
    autocomplete_fields = ("proposal", "uploaded_by")
    readonly_fields = ("file", "kind", "size", "uploaded_at")

    def has_add_permission(self, request):
        # Files are added on the proposal page only, where their content (not their name) is checked.
        return False


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("proposal", "reviewer", "has_conflict", "conflict_declared_at", "submitted_at")
    list_filter = ("has_conflict", "proposal__call__fiscal_year")
    list_select_related = ("proposal", "reviewer")
    search_fields = ("proposal__title", "proposal__region__name", "reviewer__username", "reviewer__display_name")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("proposal", "reviewer")
    inlines = (ReviewInline,)


@admin.register(Review)
class ReviewAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("assignment", "criterion", "score")
    list_filter = ("score", "assignment__proposal__call__fiscal_year")
    list_select_related = ("assignment__proposal", "assignment__reviewer", "criterion")
    search_fields = (
        "assignment__proposal__title",
        "assignment__reviewer__username",
        "assignment__reviewer__display_name",
        "criterion__name",
        "comment",
    )
    autocomplete_fields = ("assignment", "criterion")


@admin.register(SelectionDecision)
class SelectionDecisionAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("proposal", "decision", "decided_by", "decided_at")
    list_filter = ("decision", "proposal__call__fiscal_year")
    list_select_related = ("proposal", "decided_by")
    search_fields = ("proposal__title", "proposal__region__name", "reason")
    date_hierarchy = "decided_at"
    autocomplete_fields = ("proposal", "decided_by")


# ---------------------------------------------------------------- regions and funding


@admin.register(Region)
class RegionAdmin(TextSearchAdminMixin, DataIOAdminMixin, WorkflowStatusReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "cluster_name",
        "program",
        "cluster_type",
        "status",
        "selected_fiscal_year",
        "prefecture_names",
        "core_institution",
        "is_published",
    )
    list_filter = ("status", "cluster_type", "program", "is_published", "selected_fiscal_year")
    list_select_related = ("program", "core_institution")
    search_fields = ("name", "name_en", "cluster_name", "cluster_name_en", "theme", "slug")
    autocomplete_fields = ("program", "prefectures", "core_institution", "designated_by")
    ordering = ("program__start_fiscal_year", "selected_fiscal_year", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prefectures")

    @admin.display(description=_("都道府県"))
    def prefecture_names(self, obj):
        return "、".join(prefecture.name for prefecture in obj.prefectures.all())


@admin.register(Headquarters)
class HeadquartersAdmin(DataIOAdminMixin, admin.ModelAdmin):
    list_display = ("name", "region", "address")
    list_select_related = ("region",)
    search_fields = ("name", "address", "region__name", "region__cluster_name")
    autocomplete_fields = ("region",)
    inlines = (HeadquartersMemberInline,)


@admin.register(HeadquartersMember)
class HeadquartersMemberAdmin(DataIOAdminMixin, admin.ModelAdmin):
    list_display = ("name", "position", "headquarters", "affiliation", "term_start", "term_end", "is_generated")
    list_filter = ("position", "is_generated")
    list_select_related = ("headquarters",)
    search_fields = ("name", "affiliation", "headquarters__name", "headquarters__region__name")
    autocomplete_fields = ("headquarters",)


@admin.register(Grant)
class GrantAdmin(DataIOAdminMixin, SelectRelatedAdminMixin, SimpleHistoryAdmin):
    list_display = ("region", "fiscal_year_display", "amount_display", "call", "decided_on")
    list_filter = ("fiscal_year", "region__program")
    list_select_related = ("region", "call")
    search_fields = ("region__name", "region__cluster_name", "call__title", "note")
    date_hierarchy = "decided_on"
    autocomplete_fields = ("region", "call")
    ordering = ("region__name", "fiscal_year")
    inlines = (GrantAmendmentInline,)

    @admin.display(description=_("年度"), ordering="fiscal_year")
    def fiscal_year_display(self, obj):
        return fiscal_year_label(obj.fiscal_year)

    @admin.display(description=_("交付決定額"), ordering="amount")
    def amount_display(self, obj):
        return format_yen(obj.amount)


@admin.register(GrantAmendment)
class GrantAmendmentAdmin(SelectRelatedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("grant", "previous_amount", "new_amount", "amended_by", "amended_at")
    list_filter = ("grant__fiscal_year",)
    list_select_related = ("grant__region", "amended_by")
    search_fields = ("grant__region__name", "reason")
    date_hierarchy = "amended_at"
    ordering = ("-amended_at",)


@admin.register(Evaluation)
class EvaluationAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    list_display = ("region", "kind", "fiscal_year", "grade", "recommendation", "evaluated_on", "is_published")
    list_filter = ("kind", "grade", "recommendation", "is_published", "fiscal_year")
    list_select_related = ("region",)
    search_fields = ("region__name", "region__cluster_name", "summary", "international_competitiveness")
    date_hierarchy = "evaluated_on"
    autocomplete_fields = ("region",)


@admin.register(SupportDecision)
class SupportDecisionAdmin(SelectRelatedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Recorded and confirmed on the ministry's evaluation pages only: confirming amends grants within the
    envelope (regions.services.support), which an admin edit would bypass."""

    list_display = ("evaluation", "start_fiscal_year", "end_fiscal_year", "annual_amount", "status", "confirmed_at")
    list_filter = ("status", "start_fiscal_year")
    list_select_related = ("evaluation__region",)
    search_fields = ("evaluation__region__name", "reason")
    ordering = ("-created_at",)


@admin.register(RelatedMeasure)
class RelatedMeasureAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "start_fiscal_year", "end_fiscal_year")
    list_filter = ("kind",)
    list_select_related = ("region",)
    search_fields = ("name", "description", "region__name")
    autocomplete_fields = ("region",)


@admin.register(ReviewDeadlineExtension)
class ReviewDeadlineExtensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log of review-deadline extensions (made on the call's ministry page)."""

    list_display = ("call", "previous_date", "new_date", "extended_by", "extended_at")
    list_select_related = ("call", "extended_by")
    date_hierarchy = "extended_at"


@admin.register(ConflictLiftRequest)
class ConflictLiftRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests to lift a conflict declaration (asked on /reviews/, decided on the ministry's pages)."""

    list_display = ("assignment", "status", "requested_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("assignment__proposal", "assignment__reviewer", "decided_by")
    date_hierarchy = "requested_at"
