"""Proposal pages (提案書): headquarters staff draft, submit and withdraw their own region's proposal;
ministry staff and assigned reviewers read it. Another region's proposal is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.guards import headquarters_or_ministry_required, headquarters_required, signed_in_required
from cluster_portal.paging import paginate
from cluster_portal.web import act_and_redirect, conflict_response, run_once
from regions import permissions
from regions.models import Call, Proposal, ProposalAttachment, call_day
from regions.selectors import proposal_page, proposal_print_context
from regions.services import proposals as proposal_services
from workspace.proposal_forms import AttachmentForm, ProposalForm, ReasonForm

PROPOSALS_PER_PAGE = 30
# The proposal pages use the public layout (base.html), as the ministry pages do.
CONFLICT_TEMPLATE = "conflict.html"


def visible_proposal(request, pk) -> Proposal:
    """The proposal if this user may see it, else 404 (never 403: existence is not revealed)."""
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("call__program", "region", "created_by"), pk=pk
    )


@headquarters_or_ministry_required
def proposal_list(request):
    proposals = (
        Proposal.objects.visible_to(request.user)
        .select_related("call", "region")
        .order_by("-call__fiscal_year", "region__name", "pk")
    )
    page = paginate(proposals, PROPOSALS_PER_PAGE, request.GET.get("page"))
    open_calls = []
    if permissions.is_headquarters(request.user):
        applied = Proposal.objects.filter(region_id=request.user.region_id).values("call_id")
        open_calls = (
            Call.objects.accepting_on(call_day())
            .exclude(pk__in=applied)
            .select_related("program")
            .order_by("closes_on")
        )
    return render(request, "proposals/proposal_list.html", {"page": page, "open_calls": open_calls})


def _save_proposal(request, *, call: Call, proposal: Proposal | None):
    years = proposal_services.plan_years(call)
    form = ProposalForm(request.POST or None, instance=proposal, years=years)
    if request.method == "POST" and form.is_valid():

        def save() -> str:
            if proposal is None:
                saved = proposal_services.proposal_create(
                    user=request.user,
                    call=call,
                    fields=form.fields_data(),
                    amounts=form.amounts(),
                    participants=form.participants(),
                )
            else:
                saved = proposal_services.proposal_update(
                    user=request.user,
                    proposal=proposal,
                    fields=form.fields_data(),
                    amounts=form.amounts(),
                    participants=form.participants(),
                    expected_version=form.expected_version,
                )
            return saved.get_absolute_url()

        response = run_once(
            request,
            form,
            save,
            conflict=proposal
            and conflict_response(
                request,
                form,
                back_url=reverse("proposals:edit", args=[proposal.pk]),
                fields=ProposalForm.Meta.fields,
                template_name=CONFLICT_TEMPLATE,
            ),
            success_message=_("提案書を保存しました。提出するまでは編集できます。"),
            fallback_url=reverse("proposals:list"),
        )
        if response is not None:
            return response
    if request.method == "POST" and not form.is_valid():
        messages.error(request, _("入力内容を確認してください。入力した内容はまだ保存されていません。"))
    context = {"form": form, "call": call, "proposal": proposal}
    return render(request, "proposals/proposal_form.html", context, status=400 if form.errors else 200)


@headquarters_required.of(Call, kwarg="call_code", field="code")
def proposal_create(request, call_code):
    call = get_object_or_404(Call.objects.visible_to(request.user), code=call_code)
    if not call.is_accepting(call_day()):
        messages.error(request, _("この公募は受付期間外のため、提案書を作成できません。"))
        return redirect("proposals:list")
    existing = Proposal.objects.filter(call=call, region_id=request.user.region_id).first()
    if existing is not None:
        return redirect(existing)
    return _save_proposal(request, call=call, proposal=None)


@headquarters_required.of(Proposal)
def proposal_edit(request, pk):
    proposal = visible_proposal(request, pk)
    if not permissions.can_edit_proposal(request.user, proposal):
        messages.error(
            request, _("「%(status)s」の提案書は編集できません。") % {"status": proposal.get_status_display()}
        )
        return redirect(proposal)
    return _save_proposal(request, call=proposal.call, proposal=proposal)


@signed_in_required.of(Proposal)
def proposal_detail(request, pk):
    proposal = visible_proposal(request, pk)
    user = request.user
    # Ministry staff also see their panels (assignments, decision): the ministry_panels template tag.
    context = {
        **proposal_page(proposal),
        "can_edit": permissions.can_edit_proposal(user, proposal),
        "can_submit": permissions.can_submit_proposal(user, proposal),
        "can_withdraw": permissions.can_withdraw_proposal(user, proposal),
        "can_print": permissions.can_print_proposal(user, proposal),
        "attachment_form": AttachmentForm() if permissions.can_edit_proposal(user, proposal) else None,
        "reason_form": ReasonForm(),
    }
    return render(request, "proposals/proposal_detail.html", context)


def printable_proposal(request, pk) -> Proposal:
    """The proposal if this user may print it (the ministry from its submission on, the region itself always)."""
    proposal = visible_proposal(request, pk)
    if not permissions.can_print_proposal(request.user, proposal):
        raise Http404
    return proposal


@headquarters_or_ministry_required.of(Proposal)
def proposal_print(request, pk):
    """The proposal as submitted, e-Rad style, as a printable page (the same document as the PDF, which the
    worker makes: dataio's PDF job, README "Printing and PDF")."""
    proposal = printable_proposal(request, pk)
    return render(request, "proposals/proposal_print.html", proposal_print_context(proposal))


@require_POST
@headquarters_required.of(Proposal)
def proposal_submit(request, pk):
    proposal = visible_proposal(request, pk)
    return act_and_redirect(
        request,
        lambda: proposal_services.proposal_submit(user=request.user, proposal=proposal),
        _("提案書を提出しました。以後は編集できません。"),
        proposal,
    )


@require_POST
@headquarters_required.of(Proposal)
def proposal_withdraw(request, pk):
    proposal = visible_proposal(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    return act_and_redirect(
        request,
        lambda: proposal_services.proposal_withdraw(
            user=request.user, proposal=proposal, reason=form.cleaned_data.get("reason", "")
        ),
        _("提案書を取り下げました。"),
        proposal,
    )


@require_POST
@headquarters_required.of(Proposal)
def attachment_upload(request, pk):
    proposal = visible_proposal(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():

        def attach() -> str:
            proposal_services.attachment_add(user=request.user, proposal=proposal, upload=form.cleaned_data["file"])
            return proposal.get_absolute_url()

        response = run_once(request, form, attach, success_message=_("ファイルを添付しました。"))
        if response is not None:
            return response
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect(proposal)


@require_POST
@headquarters_required.of(Proposal)
def attachment_delete(request, pk, attachment_pk):
    proposal = visible_proposal(request, pk)
    attachment = get_object_or_404(ProposalAttachment, proposal=proposal, pk=attachment_pk)
    return act_and_redirect(
        request,
        lambda: proposal_services.attachment_delete(user=request.user, attachment=attachment),
        _("添付ファイルを削除しました。"),
        proposal,
    )


@signed_in_required.of(Proposal)
def attachment_download(request, pk, attachment_pk):
    proposal = visible_proposal(request, pk)
    attachment = get_object_or_404(ProposalAttachment, proposal=proposal, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc": "application/msword",
        "xls": "application/vnd.ms-excel",
    }
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=content_types.get(attachment.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
