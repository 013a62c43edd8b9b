"""Allocation (配分額) per project per fiscal year and execution (執行額) entries.

Financial rows are never deleted from here: there is no delete view, the
foreign keys to them are PROTECT, and a wrong entry is corrected by editing it,
which keeps its history (who, when, before/after).
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cluster_portal.cache import cached
from cluster_portal.concurrency import OneTimeTokenForm
from cluster_portal.fiscal import format_yen
from cluster_portal.guards import headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.text import parse_tsv
from cluster_portal.web import add_service_errors, conflict_response, run_once
from projects.models import Expenditure, ExpenseCategory, JointResearchProject, ProjectBudget, Receipt
from projects.services import budgets as budget_services
from projects.services import execution as execution_services
from regions.models import Grant
from workspace.forms import (
    BULK_MAX_ROWS,
    BULK_ROWS,
    AllocationForm,
    BulkExecutionForm,
    BulkExpenditureFormSet,
    CopyForwardForm,
    ExpenditureForm,
    ReceiptForm,
    pasted_rows_data,
)


def region_grants(user):
    """The region's grants with what is already allocated and what remains, in one query."""
    return _grants_of_region(user.region_id)


def _grants_of_region(region_id):
    grants = (
        Grant.objects.of_region(region_id)
        .annotate(
            allocated_total=Coalesce(Sum("budgets__allocated"), 0), executed_total=Coalesce(Sum("budgets__executed"), 0)
        )
        .order_by("fiscal_year")
    )
    for grant in grants:
        grant.remaining = grant.amount - grant.allocated_total
    return list(grants)


#: ``?unit=`` of the budget overview: one unit for every amount of the page, stated in its header
UNITS = {"thousand": _lazy("千円"), "yen": _lazy("円")}
DEFAULT_UNIT = "thousand"  # as the dashboard


def execution_rate(executed: int, allocated: int) -> Decimal | None:
    """執行率 in per cent, one decimal, rounded half up; none without an allocation."""
    if not allocated:
        return None
    return (Decimal(executed) * 100 / Decimal(allocated)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def execution_flag(*, allocated: int, executed: int, fiscal_year: int, today: datetime.date) -> str:
    """``"over"`` when 執行額 exceeds 配分額; ``"under"`` when less than half is executed once the last quarter
    of the fiscal year has begun (from January 1 of the following calendar year, FY = April–March); else ``""``."""
    if executed > allocated:
        return "over"
    if allocated and today >= datetime.date(fiscal_year + 1, 1, 1) and executed * 2 < allocated:
        return "under"
    return ""


def _with_figures(row, *, allocated: int, executed: int) -> None:
    row.remaining = allocated - executed
    row.rate = execution_rate(executed, allocated)


@headquarters_required
def budget_overview(request):
    """Per fiscal year and project: allocated, executed, 執行率, remaining, per-category totals and flags,
    totals rows, receipt counts, and a multi-year summary (grant, allocated, executed) — in four queries
    whatever the size.

    The tables are the same for every headquarters user of the region, so they are rendered once per
    region, unit, day and language and kept until the data changes (the data generation of
    cluster_portal/cache.py: every write to a budget, an entry, a receipt or a grant bumps it);
    rendering a region's thousand rows was most of the page's time."""
    unit = request.GET.get("unit") if request.GET.get("unit") in UNITS else DEFAULT_UNIT
    tables = _budget_tables(request.user.region_id, unit, timezone.localdate().isoformat())
    return render(
        request,
        "workspace/budget_overview.html",
        {"tables": tables, "unit": unit, "unit_label": UNITS[unit]},  # a SafeString, also after the cache
    )


@cached("workspace-budget-tables", per_language=True)
def _budget_tables(region_id: int, unit: str, today_iso: str) -> SafeString:
    today = datetime.date.fromisoformat(today_iso)
    grants = _grants_of_region(region_id)
    budgets = (
        ProjectBudget.objects.of_region(region_id)
        .select_related("project", "grant")
        .order_by("-grant__fiscal_year", "project__code")
    )
    spent = defaultdict(dict)
    for line in (
        Expenditure.objects.of_region(region_id)
        .order_by()
        .values("budget_id", "category")
        .annotate(total=Sum("amount"))
    ):
        spent[line["budget_id"]][line["category"]] = line["total"]
    receipts = dict(
        Receipt.objects.of_region(region_id)
        .order_by()
        .values("expenditure__budget_id")
        .annotate(count=Count("pk"))
        .values_list("expenditure__budget_id", "count")
    )
    categories = ExpenseCategory.choices
    by_year: dict[int, list] = {}
    for budget in budgets:
        budget.receipt_count = receipts.get(budget.pk, 0)
        _with_figures(budget, allocated=budget.allocated, executed=budget.executed)
        budget.by_category = [spent[budget.pk].get(code, 0) for code, _label in categories]
        budget.flag = execution_flag(
            allocated=budget.allocated, executed=budget.executed, fiscal_year=budget.grant.fiscal_year, today=today
        )
        by_year.setdefault(budget.grant.fiscal_year, []).append(budget)
    years = []
    for grant in reversed(grants):
        rows = by_year.get(grant.fiscal_year, [])
        totals = SimpleNamespace(
            allocated=sum(row.allocated for row in rows),
            executed=sum(row.executed for row in rows),
            by_category=[sum(column) for column in zip(*(row.by_category for row in rows), strict=True)]
            if rows
            else [0] * len(categories),
            flagged=sum(1 for row in rows if row.flag),
            receipt_count=sum(row.receipt_count for row in rows),
        )
        _with_figures(totals, allocated=totals.allocated, executed=totals.executed)
        years.append((grant, rows, totals))
    for grant in grants:  # grant.remaining (region_grants) is what is left to allocate
        grant.rate = execution_rate(grant.executed_total, grant.allocated_total)
    summary_totals = SimpleNamespace(
        amount=sum(grant.amount for grant in grants),
        allocated_total=sum(grant.allocated_total for grant in grants),
        executed_total=sum(grant.executed_total for grant in grants),
    )
    summary_totals.rate = execution_rate(summary_totals.executed_total, summary_totals.allocated_total)
    summary_totals.remaining = summary_totals.amount - summary_totals.allocated_total
    return render_to_string(
        "workspace/_budget_tables.html",
        {
            "years": years,
            "summary": grants,
            "summary_totals": summary_totals,
            "categories": [label for _code, label in categories],
            "unit": unit,
            "unit_label": UNITS[unit],
        },
    )


def _year(value, choices, default):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if year in choices else default


@headquarters_required
def budget_copy_forward(request):
    """「前年度の配分をコピー」: choose the years and projects, preview (a dry run of the service), confirm."""
    user = request.user
    grant_years = [grant.fiscal_year for grant in region_grants(user)]
    target_years = sorted(set(grant_years) | {year + 1 for year in grant_years})
    default_target = grant_years[-1] if grant_years else None
    default_source = default_target - 1 if default_target and default_target - 1 in grant_years else default_target
    data = request.POST if request.method == "POST" else request.GET
    source_year = _year(data.get("source_year"), grant_years, default_source)
    target_year = _year(data.get("target_year"), target_years, default_target)
    sources = list(
        ProjectBudget.objects.editable_by(user)
        .filter(grant__fiscal_year=source_year)
        .select_related("project")
        .order_by("project__code")
    )
    already = set(
        ProjectBudget.objects.editable_by(user)
        .filter(grant__fiscal_year=target_year)
        .values_list("project_id", flat=True)
    )
    candidates = []
    for budget in sources:
        label = f"{budget.project.code} {budget.project.title}（{format_yen(budget.allocated)}）"
        if budget.project_id in already:
            label += _("— コピー先の年度に配分があります")
        candidates.append((budget.project_id, label))
    form_kwargs = {
        "source_years": grant_years,
        "target_years": target_years,
        "candidates": candidates,
    }
    preview = None
    status = 200
    if request.method == "POST":
        form = CopyForwardForm(request.POST, **form_kwargs)
        if form.is_valid():

            def copy() -> str:
                budget_services.budgets_copy_forward(
                    user=user,
                    source_year=form.cleaned_data["source_year"],
                    target_year=form.cleaned_data["target_year"],
                    project_pks=form.cleaned_data["projects"],
                )
                return reverse("workspace:budget_overview")

            response = run_once(
                request,
                form,
                copy,
                success_message=_("配分をコピーしました。"),
                fallback_url=reverse("workspace:budget_overview"),
            )
            if response is not None:
                return response
        status = 400
    elif request.GET.get("action") == "preview":
        form = CopyForwardForm(request.GET, preview=True, **form_kwargs)
        if form.is_valid():
            try:
                preview = budget_services.budgets_copy_forward(
                    user=user,
                    source_year=form.cleaned_data["source_year"],
                    target_year=form.cleaned_data["target_year"],
                    project_pks=form.cleaned_data["projects"],
                    dry_run=True,
                )
            except ObjectDoesNotExist:
                raise Http404 from None
            except ValidationError as error:
                add_service_errors(form, error)
    else:
        form = CopyForwardForm(
            preview=True,
            initial={
                "source_year": source_year,
                "target_year": target_year,
                "projects": [budget.project_id for budget in sources if budget.project_id not in already],
            },
            **form_kwargs,
        )
    return render(
        request,
        "workspace/budget_copy_forward.html",
        {"form": form, "preview": preview, "source_year": source_year, "target_year": target_year},
        status=status,
    )


def _render_allocation(request, form, project, grants, budget=None, status=200):
    return render(
        request,
        "workspace/budget_form.html",
        {"form": form, "project": project, "grants": grants, "budget": budget},
        status=status,
    )


@headquarters_required.of(JointResearchProject, kwarg="project_pk")
def budget_create(request, project_pk):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.editable_by(user), pk=project_pk)
    grants = region_grants(user)
    form = AllocationForm(request.POST or None, grants=grants)
    if request.method == "POST" and form.is_valid():
        response = run_once(
            request,
            form,
            lambda: reverse(
                "workspace:budget_detail",
                args=[
                    budget_services.budget_allocate(
                        project=project,
                        fiscal_year=form.cleaned_data["fiscal_year"],
                        allocated=form.cleaned_data["allocated"],
                        overrun_reason=form.cleaned_data["overrun_reason"] or None,
                        must_be_new=True,
                    ).pk
                ],
            ),
            success_message=_("配分額を登録しました。"),
            fallback_url=reverse("workspace:project_detail", args=[project.pk]),
        )
        if response is not None:
            return response
    return _render_allocation(request, form, project, grants, status=400 if request.method == "POST" else 200)


@headquarters_required.of(ProjectBudget)
def budget_edit(request, pk):
    user = request.user
    budget = get_object_or_404(ProjectBudget.objects.editable_by(user).select_related("project", "grant"), pk=pk)
    grants = region_grants(user)
    form = AllocationForm(
        request.POST or None,
        grants=grants,
        fixed_year=budget.grant.fiscal_year,
        initial={"allocated": budget.allocated, "overrun_reason": budget.overrun_reason, "version": budget.version},
    )
    if request.method == "POST" and form.is_valid():
        response = run_once(
            request,
            form,
            lambda: reverse(
                "workspace:budget_detail",
                args=[
                    budget_services.budget_allocate(
                        project=budget.project,
                        fiscal_year=budget.grant.fiscal_year,
                        allocated=form.cleaned_data["allocated"],
                        overrun_reason=form.cleaned_data["overrun_reason"],
                        expected_version=form.cleaned_data["version"],
                    ).pk
                ],
            ),
            conflict=conflict_response(
                request,
                form,
                back_url=reverse("workspace:budget_edit", args=[budget.pk]),
                fields=("allocated", "overrun_reason"),
            ),
            success_message=_("配分額を更新しました。"),
            fallback_url=reverse("workspace:budget_detail", args=[budget.pk]),
        )
        if response is not None:
            return response
    return _render_allocation(
        request, form, budget.project, grants, budget, status=400 if request.method == "POST" else 200
    )


def _running_totals(expenditures):
    total = 0
    rows = []
    for expenditure in expenditures:
        total += expenditure.amount
        rows.append((expenditure, total))
    return rows


def _budget_page(request, budget, form, status=200):
    expenditures = list(budget.expenditures.annotate(receipt_count=Count("receipts")).order_by("spent_on", "pk"))
    by_category: dict[str, int] = {}
    for expenditure in expenditures:
        label = expenditure.get_category_display()
        by_category[label] = by_category.get(label, 0) + expenditure.amount
    return render(
        request,
        "workspace/budget_detail.html",
        {
            "budget": budget,
            "rows": _running_totals(expenditures),
            "by_category": sorted(by_category.items()),
            "form": form,
            "timeline": history_timeline(budget),
        },
        status=status,
    )


@headquarters_required.of(ProjectBudget)
def budget_detail(request, pk):
    budget = get_object_or_404(
        ProjectBudget.objects.editable_by(request.user).select_related("project", "grant"), pk=pk
    )
    return _budget_page(request, budget, ExpenditureForm())


@headquarters_required.of(ProjectBudget, kwarg="budget_pk")
def expenditure_create(request, budget_pk):
    user = request.user
    budget = get_object_or_404(ProjectBudget.objects.editable_by(user).select_related("project", "grant"), pk=budget_pk)
    form = ExpenditureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            execution_services.expenditure_create(
                user=user,
                budget_pk=budget.pk,
                data={name: form.cleaned_data[name] for name in execution_services.EXPENDITURE_FIELDS},
                overrun_reason=form.cleaned_data["overrun_reason"],
            )
            return reverse("workspace:budget_detail", args=[budget.pk])

        response = run_once(request, form, create, success_message=_("執行を登録しました。"))
        if response is not None:
            return response
    return _budget_page(request, budget, form, status=400 if request.method == "POST" else 200)


@headquarters_required.of(Expenditure)
def expenditure_edit(request, pk):
    user = request.user
    expenditure = get_object_or_404(
        Expenditure.objects.editable_by(user).select_related("budget__project", "budget__grant"), pk=pk
    )
    form = ExpenditureForm(request.POST or None, instance=expenditure)
    if request.method == "POST" and form.is_valid():

        def update() -> str:
            execution_services.expenditure_update(
                user=user,
                expenditure_pk=expenditure.pk,
                expected_version=form.cleaned_data["version"],
                data={name: form.cleaned_data[name] for name in execution_services.EXPENDITURE_FIELDS},
                overrun_reason=form.cleaned_data["overrun_reason"],
            )
            return reverse("workspace:budget_detail", args=[expenditure.budget_id])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(
                request,
                form,
                back_url=reverse("workspace:expenditure_edit", args=[expenditure.pk]),
                fields=execution_services.EXPENDITURE_FIELDS,
            ),
            success_message=_("執行を更新しました。"),
        )
        if response is not None:
            return response
    return render(
        request,
        "workspace/expenditure_form.html",
        {
            "form": form,
            "expenditure": expenditure,
            "budget": expenditure.budget,
            "timeline": history_timeline(expenditure),
            "receipts": expenditure.receipts.select_related("uploaded_by"),
            "receipt_history": Receipt.history.filter(expenditure_id=expenditure.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id"),
            "receipt_form": ReceiptForm(),
            "delete_form": OneTimeTokenForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- bulk execution and receipts


def _bulk_rows(value) -> int:
    """``?rows=`` of the bulk page: how many empty rows the grid shows (20 by default)."""
    try:
        rows = int(value)
    except (TypeError, ValueError):
        return BULK_ROWS
    return min(max(rows, 1), BULK_MAX_ROWS)


@headquarters_required
def expenditure_bulk(request):
    """Many execution entries at once: a grid of empty rows (a formset; ``?rows=`` for more), optionally
    filled from a block pasted from Excel (by the script, or on the server through 「Excelから貼り付け」),
    checked as one batch and recorded all or nothing by ``execution_services.expenditures_record_batch``."""
    user = request.user
    grants = region_grants(user)
    years = [grant.fiscal_year for grant in grants]
    data = request.POST if request.method == "POST" else request.GET
    year = _year(data.get("year"), years, years[-1] if years else None)
    budgets = [
        (budget.pk, f"{budget.project.code} {budget.project.title}")
        for budget in ProjectBudget.objects.editable_by(user)
        .filter(grant__fiscal_year=year)
        .select_related("project")
        .order_by("project__code")
    ]
    extra = _bulk_rows(request.GET.get("rows"))
    status = 200
    problems: list[str] = []
    pasted_count = None
    if request.method != "POST":
        form = BulkExecutionForm()
        formset = BulkExpenditureFormSet(prefix="rows", budgets=budgets)
        formset.extra = extra
    else:
        form = BulkExecutionForm(request.POST)
        if request.POST.get("action") == "paste":
            rows = parse_tsv(request.POST.get("pasted", ""))
            pasted_count = len(rows)
            if rows:
                formset = BulkExpenditureFormSet(
                    pasted_rows_data(rows, budgets=budgets, prefix="rows", extra=max(BULK_ROWS - len(rows), 0)),
                    prefix="rows",
                    budgets=budgets,
                )
                formset.is_valid()
                problems = formset.row_errors()
            else:  # nothing pasted: the grid stays as it was
                formset = BulkExpenditureFormSet(request.POST, prefix="rows", budgets=budgets)
        else:
            formset = BulkExpenditureFormSet(request.POST, request.FILES, prefix="rows", budgets=budgets)
            if form.is_valid() and formset.is_valid():
                lines = formset.lines()

                def record() -> str:
                    execution_services.expenditures_record_batch(user=user, batch=form.token, lines=lines)
                    return reverse("workspace:budget_overview")

                response = run_once(
                    request,
                    form,
                    record,
                    success_message=_("%(count)d件の執行を登録しました。") % {"count": len(lines)},
                    fallback_url=reverse("workspace:budget_overview"),
                )
                if response is not None:
                    return response
            problems = formset.row_errors() + [(str(message), "") for message in form.non_field_errors()]
            if form.errors and not form.non_field_errors():
                problems.append((_("フォームの有効期限が切れた可能性があります。画面を開き直してください。"), ""))
            status = 400
    return render(
        request,
        "workspace/expenditure_bulk.html",
        {
            "form": form,
            "formset": formset,
            "problems": problems,
            "pasted_count": pasted_count,
            "year": year,
            "grants": grants,
            "budgets": budgets,
            "more_rows": min(len(formset.forms) + BULK_ROWS, BULK_MAX_ROWS),
            "max_rows": BULK_MAX_ROWS,
        },
        status=status,
    )


@require_POST
@headquarters_required.of(Expenditure)
def receipt_upload(request, pk):
    user = request.user
    expenditure = get_object_or_404(Expenditure.objects.editable_by(user), pk=pk)
    form = ReceiptForm(request.POST, request.FILES)
    if form.is_valid():

        def attach() -> str:
            execution_services.receipt_attach(user=user, expenditure_pk=expenditure.pk, file=form.cleaned_data["file"])
            return reverse("workspace:expenditure_edit", args=[expenditure.pk])

        response = run_once(request, form, attach, success_message=_("領収書を添付しました。"))
        if response is not None:
            return response
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("workspace:expenditure_edit", pk=expenditure.pk)


@headquarters_required.of(Receipt)
def receipt_download(request, pk):
    """Receipts are private (never public): served only to the headquarters of the entry's region, as a
    download; another region's headquarters get 404, ministry staff 403 (the not-found rule)."""
    receipt = get_object_or_404(Receipt.objects.editable_by(request.user), pk=pk)
    try:
        handle = receipt.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=receipt.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@headquarters_required.of(Receipt)
def receipt_delete(request, pk):
    user = request.user
    receipt = get_object_or_404(Receipt.objects.editable_by(user), pk=pk)
    form = OneTimeTokenForm(request.POST)
    if form.is_valid():

        def delete() -> str:
            execution_services.receipt_delete(user=user, receipt_pk=receipt.pk)
            return reverse("workspace:expenditure_edit", args=[receipt.expenditure_id])

        response = run_once(request, form, delete, success_message=_("領収書を削除しました。"))
        if response is not None:
            return response
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("workspace:expenditure_edit", pk=receipt.expenditure_id)
