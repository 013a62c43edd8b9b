"""Forms of the request to lift a mistaken conflict declaration: they only parse input; the
services (``regions.services.reviews.conflict_lift_request`` / ``conflict_lift_decide``) decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cluster_portal.concurrency import OneTimeTokenForm

REASON_MAX_LENGTH = 2000


class LiftRequestForm(OneTimeTokenForm):
    reason = forms.CharField(
        label=_("取消しを求める理由"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("誤って申告した事情を記入してください（2000文字以内）。文部科学省の担当者が判断します。"),
    )


class LiftDecisionForm(OneTimeTokenForm):
    APPROVE = "approve"
    REJECT = "reject"
    decision = forms.ChoiceField(
        label=_("判断"),
        choices=[(APPROVE, _("承認する（申告を取り消し、審査に戻す）")), (REJECT, _("却下する"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("判断の理由・コメント"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("却下する場合は必須です（2000文字以内）。審査委員に表示されます。"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("却下する理由を「判断の理由・コメント」に入力してください。"))
        return cleaned
