"""Import/export resources of the projects app (see ``cluster_portal.tabular``).

Natural keys: project = code; participation = project code + organisation
(name, kind); budget = project code + fiscal year (the grant is the project's
region's grant for that year); outcome = project code + kind + title + date;
expenditure (執行) = project code + fiscal year + category + date + description
(the budget is the project's budget for that year); event = region + title + date
(here because an event names the projects it presented).

Projects and outcomes are imported with ``use_bulk`` (10,000 projects and 50,000
outcomes must stay practical): their rows are validated with ``full_clean()``
without the per-row constraint queries, and the constraints that matter are
checked in memory (the model's CheckConstraints, application numbers unique);
the database constraints still guard the final write. Budgets are bulk-written
too: the grants are locked for the whole import and each row is checked by
``ProjectBudget.clean()`` against the grant with a running sum of everything
allocated before it (the database's sum plus this file's earlier rows).
Expenditures lock the budgets they book against, and after the rows are written
each changed budget's 執行額 is recomputed by the workspace's own rule
(``projects.services``) in the same transaction.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _
from import_export.results import RowResult

from cluster_portal.tabular.columns import PortalField, code_column, column, key_column
from cluster_portal.tabular.resources import PortalResource
from cluster_portal.tabular.widgets import FiscalYearWidget, KeyForeignKeyWidget, KeyManyToManyWidget
from projects.models import Expenditure, JointResearchProject, Outcome, Participation, ProjectBudget
from regions.columns import organization_columns
from regions.models import Event, Grant, Region
from regions.resources import region_column


def constraint_message(model, name: str) -> str:
    """The violation message a model constraint declares, so in-memory checks say exactly what the database would."""
    for constraint in model._meta.constraints:
        if constraint.name == name:
            return str(constraint.get_violation_error_message())
    raise LookupError(name)


def project_column(model, **kwargs):
    return key_column(
        model,
        "project",
        JointResearchProject,
        "code",
        header="プロジェクトコード",
        select_related=("region",),
        **kwargs,
    )


class ProjectResource(PortalResource):
    code = column(JointResearchProject, "code")
    region = key_column(JointResearchProject, "region", Region, "slug")
    title = column(JointResearchProject, "title")
    title_en = column(JointResearchProject, "title_en")
    theme = column(JointResearchProject, "theme")
    summary = column(JointResearchProject, "summary")
    status = column(JointResearchProject, "status")
    start_date = column(JointResearchProject, "start_date")
    end_date = column(JointResearchProject, "end_date")
    host_organization, host_organization_kind = organization_columns(JointResearchProject, "host_organization")
    is_published = column(JointResearchProject, "is_published")

    protected_on_update = ("status",)
    select_related = ("region", "host_organization")

    class Meta:
        model = JointResearchProject
        import_id_fields = ("code",)
        use_bulk = True
        fields = (
            "code",
            "region",
            "title",
            "title_en",
            "theme",
            "summary",
            "status",
            "start_date",
            "end_date",
            "host_organization",
            "host_organization_kind",
            "is_published",
        )


class ParticipationResource(PortalResource):
    """Who takes part in each project (参画機関), one row per project and organisation."""

    project = project_column(Participation)
    organization, organization_kind = organization_columns(Participation, "organization")
    role = column(Participation, "role")

    region_path = ("project", "region_id")
    region_field = "project"
    select_related = ("project__region", "organization")

    class Meta:
        model = Participation
        import_id_fields = ("project", "organization")
        fields = ("project", "organization", "organization_kind", "role")


class GrantByYearWidget(FiscalYearWidget):
    """The fiscal year of a budget row, read as the grant of the row's project's region for that year."""

    def __init__(self, project_widget: KeyForeignKeyWidget, project_column: str):
        super().__init__()
        self.project_widget = project_widget
        self.project_column = project_column
        self.grants = {}
        self.loaded_regions = set()

    def grant_for(self, region_id, year):
        if region_id not in self.loaded_regions:
            self.loaded_regions.add(region_id)
            for grant in Grant.objects.filter(region_id=region_id):
                self.grants[(grant.region_id, grant.fiscal_year)] = grant
        return self.grants.get((region_id, year))

    def clean(self, value, row=None, **kwargs):
        year = self.parse(value)
        if year is None:
            raise ValueError(_("年度を入力してください。"))
        try:
            project = self.project_widget.clean(row[self.project_column]) if row is not None else None
        except (ValueError, KeyError):
            project = None
        if project is None:
            return None  # the project column reports the problem
        grant = self.grant_for(project.region_id, year)
        if grant is None:
            raise ValueError(_("この地域の%(year)s年度の交付決定がないため、配分できません。") % {"year": year})
        return grant

    def render(self, value, obj=None, **kwargs):
        return None if value is None else value.fiscal_year


class ProjectBudgetResource(PortalResource):
    """配分額 and 執行額 per project and fiscal year, always within the region's grant for the year."""

    project = project_column(ProjectBudget)
    fiscal_year = PortalField(
        attribute="grant",
        column_name="年度",
        widget=None,
        aliases=("fiscal_year", "fiscal year"),
        required=True,
    )
    allocated = column(ProjectBudget, "allocated", required=True)
    executed = column(ProjectBudget, "executed")
    overrun_reason = column(ProjectBudget, "overrun_reason")

    region_path = ("project", "region_id")
    region_field = "project"
    select_related = ("project__region", "grant")
    thousand_yen_fields = ("allocated", "executed")

    class Meta:
        model = ProjectBudget
        import_id_fields = ("project", "fiscal_year")
        use_bulk = True
        fields = ("project", "fiscal_year", "allocated", "executed", "overrun_reason")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["fiscal_year"].widget = GrantByYearWidget(
            self.fields["project"].widget, self.fields["project"].column_name
        )

    def load_existing(self, dataset) -> dict:
        existing = super().load_existing(dataset)
        # Lock the grants this file allocates from (as budget_allocate does): no concurrent
        # allocation can change their sums until this import commits or rolls back.
        region_ids = {
            project.region_id for project in self.fields["project"].widget.cache.values() if project is not None
        }
        grants = list(Grant.objects.select_for_update().filter(region_id__in=region_ids)) if region_ids else []
        widget = self.fields["fiscal_year"].widget
        self.allocations = {grant.pk: {} for grant in grants}
        for pk, grant_id, allocated in ProjectBudget.objects.filter(grant__in=grants).values_list(
            "pk", "grant_id", "allocated"
        ):
            self.allocations[grant_id][pk] = allocated
        self.allocated_sums = {grant_id: sum(rows.values()) for grant_id, rows in self.allocations.items()}
        # 執行額 is derived (the sum of the budget's expenditure entries), never imported: one query
        self.entry_sums = dict(
            Expenditure.objects.filter(budget__grant__in=grants)
            .order_by()
            .values("budget")
            .annotate(total=Sum("amount"))
            .values_list("budget", "total")
        )
        for grant in grants:
            # ProjectBudget.clean() asks the grant for the sum of its other allocations; with the
            # grants locked, the running sum of this import is exactly what the database would say.
            grant.allocated_total = partial(self.allocated_total, grant.pk)
            widget.loaded_regions.add(grant.region_id)
            widget.grants[(grant.region_id, grant.fiscal_year)] = grant
        return existing

    def row_errors(self, instance, row, errors) -> dict:
        """執行額 is the sum of the budget's expenditure entries: a blank cell takes that sum, a
        different amount refuses the row (execution is entered as expenditures, not as a total)."""
        derived = self.entry_sums.get(instance.pk, 0) if instance.pk else 0
        cell = row.get(self.fields["executed"].column_name)
        if cell is None or str(cell).strip() == "":
            instance.executed = derived
            return {}
        if instance.executed != derived:
            return {
                "executed": [
                    _(
                        "執行額は執行（費目別）の合計から計算されるため、取込では変更できません"
                        "（この予算の執行の合計は%(derived)s円、ファイルでは%(given)s円）。"
                        "執行は「執行（費目別）」の取込か画面で入力してください。"
                    )
                    % {"derived": f"{derived:,}", "given": f"{instance.executed:,}"}
                ]
            }
        return {}

    def allocated_total(self, grant_id, exclude_budget_pk=None) -> int:
        total = self.allocated_sums.get(grant_id, 0)
        if exclude_budget_pk is not None:
            total -= self.allocations.get(grant_id, {}).get(exclude_budget_pk, 0)
        return total

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        rows = self.allocations.setdefault(instance.grant_id, {})
        if instance.pk is None:
            self.new_rows = getattr(self, "new_rows", 0) + 1
            key = ("new", self.new_rows)  # never id(): flushed instances are freed and ids reused
        else:
            key = instance.pk
        self.allocated_sums[instance.grant_id] = (
            self.allocated_sums.get(instance.grant_id, 0) - rows.get(key, 0) + instance.allocated
        )
        rows[key] = instance.allocated


class OutcomeResource(PortalResource):
    """成果: patents, licences, products, start-ups, papers, presentations and awards.

    Natural key: the 成果コード (blank for a new result); a result never moves to another project by import.
    """

    code = code_column(Outcome)
    project = project_column(Outcome)
    kind = column(Outcome, "kind")
    title = column(Outcome, "title")
    occurred_on = column(Outcome, "occurred_on")
    title_en = column(Outcome, "title_en")
    description = column(Outcome, "description")
    application_number = column(Outcome, "application_number")
    registration_number = column(Outcome, "registration_number")
    granted_on = column(Outcome, "granted_on")
    country = column(Outcome, "country")
    applicants = column(Outcome, "applicants")
    inventors = column(Outcome, "inventors")
    doi = column(Outcome, "doi")
    product = column(Outcome, "product")
    company, company_kind = organization_columns(Outcome, "company")
    is_published = column(Outcome, "is_published")

    region_path = ("project", "region_id")
    region_field = "project"
    select_related = ("project__region", "company")
    protected_on_update = ("project",)

    class Meta:
        model = Outcome
        import_id_fields = ("code",)
        use_bulk = True
        fields = (
            "code",
            "project",
            "kind",
            "title",
            "occurred_on",
            "title_en",
            "description",
            "application_number",
            "registration_number",
            "granted_on",
            "country",
            "applicants",
            "inventors",
            "doi",
            "product",
            "company",
            "company_kind",
            "is_published",
        )

    @property
    def unique_together_in_file(self):
        return ((("country", "application_number"), constraint_message(Outcome, "outcome_unique_application_number")),)

    def load_existing(self, dataset) -> dict:
        existing = super().load_existing(dataset)
        header = self.fields["application_number"].column_name
        numbers = {str(value).strip() for value in dataset[header]} if header in (dataset.headers or ()) else set()
        numbers.discard("")
        self.application_numbers = {}
        numbers = list(numbers)
        for start in range(0, len(numbers), 5000):
            for pk, country, number in Outcome.objects.filter(
                application_number__in=numbers[start : start + 5000]
            ).values_list("pk", "country", "application_number"):
                self.application_numbers[(country, number)] = pk
        return existing

    def row_errors(self, instance, row, errors) -> dict:
        if instance.application_number:
            owner = getattr(self, "application_numbers", {}).get((instance.country, instance.application_number))
            if owner is not None and owner != instance.pk:
                return {
                    "application_number": [
                        ValidationError(constraint_message(Outcome, "outcome_unique_application_number"))
                    ]
                }
        return {}


class BudgetByYearWidget(FiscalYearWidget):
    """The fiscal year of an execution row, read as the row's project's budget for that year."""

    def __init__(self, project_widget: KeyForeignKeyWidget, project_column: str):
        super().__init__()
        self.project_widget = project_widget
        self.project_column = project_column
        self.budgets = {}
        self.loaded_projects = set()

    def load(self, project_ids) -> None:
        """Every budget of these projects, in one query."""
        project_ids = set(project_ids) - self.loaded_projects
        if not project_ids:
            return
        self.loaded_projects |= project_ids
        for budget in ProjectBudget.objects.filter(project_id__in=project_ids).select_related("grant", "project"):
            self.budgets[(budget.project_id, budget.grant.fiscal_year)] = budget

    def clean(self, value, row=None, **kwargs):
        year = self.parse(value)
        if year is None:
            raise ValueError(_("年度を入力してください。"))
        try:
            project = self.project_widget.clean(row[self.project_column]) if row is not None else None
        except (ValueError, KeyError):
            project = None
        if project is None:
            return None  # the project column reports the problem
        self.load([project.pk])
        budget = self.budgets.get((project.pk, year))
        if budget is None:
            raise ValueError(
                _("プロジェクト「%(project)s」の%(year)s年度の予算（配分）が登録されていません。")
                % {"project": project.code, "year": year}
            )
        return budget

    def render(self, value, obj=None, **kwargs):
        return None if value is None else value.grant.fiscal_year


class ExpenditureResource(PortalResource):
    """執行 by expense category: one row per entry of a project's budget for a fiscal year.

    Natural key: the entry's 執行コード, issued by the portal (blank for a new
    entry), so two identical lines stay two entries and a 内容 corrected in Excel
    updates its entry instead of adding a second one; an entry never moves to
    another project or year by import. The budget must exist, the date must fall
    within its fiscal year (the workspace's rule), and afterwards each changed
    budget's 執行額 is the sum of its entries; above 配分額 without a recorded
    reason the whole import fails.
    """

    project = PortalField(
        attribute="budget__project",
        column_name="プロジェクトコード",
        widget=KeyForeignKeyWidget(JointResearchProject, "code", select_related=("region",)),
        readonly=True,
        aliases=("project", "project code"),
        required=True,
    )
    fiscal_year = PortalField(
        attribute="budget",
        column_name="年度",
        widget=None,
        aliases=("fiscal_year", "fiscal year"),
        required=True,
    )
    code = code_column(Expenditure)
    category = column(Expenditure, "category")
    spent_on = column(Expenditure, "spent_on")
    amount = column(Expenditure, "amount", required=True)
    description = column(Expenditure, "description")

    region_path = ("budget", "project", "region_id")
    region_field = "project"
    select_related = ("budget__project__region", "budget__grant")
    protected_on_update = ("budget",)

    class Meta:
        model = Expenditure
        import_id_fields = ("code",)
        use_bulk = True
        fields = ("code", "project", "fiscal_year", "category", "spent_on", "amount", "description")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["fiscal_year"].widget = BudgetByYearWidget(
            self.fields["project"].widget, self.fields["project"].column_name
        )
        self.changed_budgets = {}

    def column_for(self, error_key: str) -> str:
        if error_key == self.fields["project"].attribute:
            return self.fields["project"].column_name
        return super().column_for(error_key)

    def prime(self, dataset) -> None:
        super().prime(dataset)
        projects = [project for project in self.fields["project"].widget.cache.values() if project is not None]
        self.fields["fiscal_year"].widget.load(project.pk for project in projects)

    def load_existing(self, dataset) -> dict:
        self.prime(dataset)
        # Lock the budgets this file books against (as the workspace's expenditure services do)
        # before reading their entries: no concurrent entry can change their 執行額 meanwhile.
        budget_ids = [budget.pk for budget in self.fields["fiscal_year"].widget.budgets.values()]
        if budget_ids:
            list(ProjectBudget.objects.select_for_update().filter(pk__in=budget_ids).values_list("pk"))
        return super().load_existing(dataset)

    def row_errors(self, instance, row, errors) -> dict:
        # the entry's date within its budget's fiscal year is Expenditure.clean()'s rule
        if instance.budget_id is None:
            return {} if "budget" in errors else self.project_errors(row)
        return {}

    def project_errors(self, row) -> dict:
        """The project column is read only through the budget: its own problems are reported here."""
        field = self.fields["project"]
        try:
            project = field.clean(row)
        except (ValueError, KeyError) as error:
            return {field.attribute: [ValidationError(str(error))]}
        if project is None:
            return {field.attribute: [ValidationError(_("プロジェクトコードを入力してください。"))]}
        return {}

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        self.changed_budgets[instance.budget_id] = kwargs.get("row_number")

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not self.changed_budgets or result.has_errors() or result.has_validation_errors():
            return
        self.recompute_executed(dataset, result)

    def recompute_executed(self, dataset, result) -> None:
        """Each changed budget's 執行額 = the sum of its entries, by the workspace's rule; errors go on the last row."""
        from projects.services.execution import _recompute_executed

        budgets = ProjectBudget.objects.select_for_update(of=("self",)).select_related("grant", "project")
        for budget in budgets.filter(pk__in=list(self.changed_budgets)).order_by("pk"):
            if self.user is not None and self.user.is_authenticated:
                budget._history_user = self.user
            try:
                _recompute_executed(budget, None)
            except ValidationError as error:
                self.mark_invalid(dataset, result, self.changed_budgets[budget.pk], budget, error)

    def mark_invalid(self, dataset, result, row_number, budget, error) -> None:
        messages = error.messages
        if hasattr(error, "error_dict") and "overrun_reason" in error.error_dict:
            messages = [
                _(
                    "%(project)s の%(year)s年度の%(message)s"
                    "予算の「執行額が配分額を超える理由」を登録してから取り込んでください。"
                )
                % {"project": budget.project.code, "year": budget.grant.fiscal_year, "message": message}
                for message in error.message_dict["overrun_reason"]
            ]
        invalid = ValidationError({"amount": messages})
        index = (row_number or len(result.rows)) - 1
        if 0 <= index < len(result.rows):
            row_result = result.rows[index]
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = invalid
            result.append_invalid_row(index + 1, dict(zip(dataset.headers, dataset[index], strict=False)), invalid)
        else:
            raise invalid


class EventResource(PortalResource):
    """Forums and events; natural key: the イベントコード (blank for a new event), which keeps its region."""

    code = code_column(Event)
    region = region_column(Event)
    title = column(Event, "title")
    starts_on = column(Event, "starts_on")
    kind = column(Event, "kind")
    title_en = column(Event, "title_en")
    ends_on = column(Event, "ends_on")
    venue = column(Event, "venue")
    organizer = column(Event, "organizer")
    attendance = column(Event, "attendance")
    description = column(Event, "description")
    # The relation is declared on the project (JointResearchProject.events); read and written from the event.
    presented_projects = PortalField(
        attribute="presented_projects",
        column_name="発表したプロジェクト",
        widget=KeyManyToManyWidget(JointResearchProject, "code"),
        aliases=("presented_projects", "Presented projects"),
    )
    is_published = column(Event, "is_published")

    select_related = ("region",)
    prefetch_related = ("presented_projects",)
    protected_on_update = ("region",)

    class Meta:
        model = Event
        import_id_fields = ("code",)
        fields = (
            "code",
            "region",
            "title",
            "starts_on",
            "kind",
            "title_en",
            "ends_on",
            "venue",
            "organizer",
            "attendance",
            "description",
            "presented_projects",
            "is_published",
        )
