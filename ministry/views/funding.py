"""Ministry pages for grants (交付決定): envelope / granted / remaining per year, grants, amendments."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.concurrency import ConflictRow
from cluster_portal.guards import ministry_required
from cluster_portal.paging import paginate
from cluster_portal.web import conflict_response, filtered, run_once
from ministry.filters import GrantFilter
from ministry.forms import GrantAmendForm, GrantForm
from ministry.views.common import CONFLICT_TEMPLATE
from regions.models import Grant
from regions.services import grants as grant_services

GRANTS_PER_PAGE = 50


@ministry_required
def grant_list(request):
    grants = Grant.objects.select_related("region", "call").order_by("-fiscal_year", "region__name", "pk")
    grants, chosen = filtered(GrantFilter, request, grants)
    page = paginate(grants, GRANTS_PER_PAGE, request.GET.get("page"))
    context = {
        "page": page,
        "fiscal_year": str(int(chosen["fiscal_year"])) if chosen["fiscal_year"] is not None else "",
        "by_year": grant_services.envelope_by_fiscal_year(),
        "envelopes": grant_services.envelope_rows(),
    }
    return render(request, "ministry/grant_list.html", context)


@ministry_required
def grant_create(request):
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            grant = grant_services.grant_create(
                user=request.user,
                region=data["region"],
                call=data["call"],
                fiscal_year=data["fiscal_year"],
                amount=data["amount"],
                decided_on=data["decided_on"],
                note=data["note"],
            )
            return reverse("ministry:grant_detail", args=[grant.pk])

        response = run_once(
            request,
            form,
            create,
            success_message=_("交付決定を登録しました。"),
            fallback_url=reverse("ministry:grant_list"),
        )
        if response is not None:
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "ministry/grant_form.html", {"form": form}, status=status)


@ministry_required.of(Grant)
def grant_detail(request, pk):
    grant = get_object_or_404(Grant.objects.select_related("region", "call"), pk=pk)
    form = GrantAmendForm(request.POST or None, initial={"version": grant.version, "new_amount": grant.amount})
    if request.method == "POST" and form.is_valid():
        url = reverse("ministry:grant_detail", args=[grant.pk])

        def amend() -> str:
            grant_services.grant_amend(
                user=request.user,
                grant=grant,
                new_amount=form.cleaned_data["new_amount"],
                reason=form.cleaned_data["reason"],
                expected_version=form.expected_version,
            )
            return url

        response = run_once(
            request,
            form,
            amend,
            conflict=conflict_response(
                request,
                form,
                back_url=url,
                extra_rows=lambda current: [
                    ConflictRow(
                        label=str(form.fields["new_amount"].label),
                        mine=f"{form.cleaned_data['new_amount']:,}",
                        theirs=f"{current.amount:,}",
                    )
                ],
                fields=(),
                template_name=CONFLICT_TEMPLATE,
            ),
            success_message=_("交付決定額を変更しました。変更前の額は履歴に残ります。"),
            fallback_url=url,
        )
        if response is not None:
            return response
    context = {
        "grant": grant,
        "form": form,
        "amendments": grant.amendments.select_related("amended_by", "support_decision").order_by("-amended_at", "-pk"),
        "envelope": next(
            (row for row in grant_services.envelope_rows(calls=[grant.call]) if row.fiscal_year == grant.fiscal_year),
            None,
        )
        if grant.call_id
        else None,
        "allocated": grant.allocated_total(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "ministry/grant_detail.html", context, status=status)
