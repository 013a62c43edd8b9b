"""Forms of the ministry workflow pages: they only parse input; the services validate and write."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cluster_portal.concurrency import OneTimeTokenForm, VersionedForm
from cluster_portal.fields import YenField, parse_yen
from cluster_portal.fiscal import parse_fiscal_year
from cluster_portal.forms import FiscalYearField, NotationDateInput, PortalModelForm
from cluster_portal.models import Role, User
from regions.models import Call, Decision, Evaluation, Grant, Proposal, Region, ReviewRecommendation
from regions.services.calls import CriterionSpec

# --- calls ---------------------------------------------------------------------------------------


class CallForm(VersionedForm, PortalModelForm):
    criteria_text = forms.CharField(
        label=_("評価項目"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("1行に1項目、「名称,重み」または「名称,重み,最高点（1〜5）」の形で入力します。"),
    )
    budgets_text = forms.CharField(
        label=_("年度別の予算枠"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "1行に1年度、「年度,金額（円）」の形で入力します。例：2026,1500000000"
            "（年度は 令和8年度、R8 のようにも書けます）"
        ),
    )

    class Meta:
        model = Call
        fields = (
            "program",
            "code",
            "title",
            "fiscal_year",
            "opens_on",
            "closes_on",
            "review_closes_on",
            "status",
            "description",
        )
        widgets = {
            "opens_on": NotationDateInput(),
            "closes_on": NotationDateInput(),
            "review_closes_on": NotationDateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("program", "code", "fiscal_year"):
                self.fields[name].disabled = True
            self.initial.setdefault(
                "criteria_text",
                "\n".join(f"{c.name},{c.weight},{c.max_score}" for c in self.instance.criteria.all()),
            )
            self.initial.setdefault(
                "budgets_text",
                "\n".join(f"{b.fiscal_year},{b.envelope}" for b in self.instance.budgets.all()),
            )

    def clean_criteria_text(self) -> list[CriterionSpec]:
        specs = []
        for number, line in enumerate(self.cleaned_data["criteria_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in re.split(r"[,，]", line)]
            try:
                name = parts[0]
                weight = int(parts[1]) if len(parts) > 1 else 1
                max_score = int(parts[2]) if len(parts) > 2 else 5
            except ValueError:
                name, weight, max_score = "", 0, 0
            if not name or not 1 <= weight <= 100 or not 1 <= max_score <= 5 or len(parts) > 3:
                raise ValidationError(
                    _("%(line)d行目：「名称,重み（1以上）,最高点（1〜5）」の形で入力してください。") % {"line": number}
                )
            specs.append(CriterionSpec(name=name, weight=weight, max_score=max_score))
        if not specs:
            raise ValidationError(_("評価項目を1つ以上入力してください。"))
        return specs

    def clean_budgets_text(self) -> dict[int, int]:
        budgets = {}
        for number, line in enumerate(self.cleaned_data["budgets_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(",", 1)]
            try:
                year = parse_fiscal_year(parts[0])
                amount = parse_yen(parts[1])
            except (ValueError, IndexError, ValidationError):
                year, amount = 0, -1
            if not 1990 <= year <= 2100 or amount < 0 or year in budgets:
                raise ValidationError(
                    _("%(line)d行目：「年度,金額（0円以上の円）」の形で、年度を重複させずに入力してください。")
                    % {"line": number}
                )
            budgets[year] = amount
        if not budgets:
            raise ValidationError(_("年度別の予算枠を1年度以上入力してください。"))
        return budgets


# --- review --------------------------------------------------------------------------------------


class AssignReviewerForm(OneTimeTokenForm):
    reviewer = forms.ModelChoiceField(label=_("審査委員"), queryset=User.objects.none())

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            User.objects.filter(role=Role.REVIEWER, is_active=True)
            .exclude(review_assignments__proposal=proposal)
            .order_by("username")
        )


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("この提案書の申請者との利害関係"),
        choices=[("no", _("利害関係はありません")), ("yes", _("利害関係があります（この提案書の審査から外れます）"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    conflict_note = forms.CharField(
        label=_("利害関係の内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("利害関係がある場合に記入してください（例：申請機関と共同研究を行っている）。"),
    )


class ScoreForm(VersionedForm):
    """One score (1 to the criterion's maximum) and comment per criterion of the call; ``version`` is the
    assignment's (pass ``initial={"version": assignment.version}``)."""

    overall_comment = forms.CharField(label=_("総評"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    recommendation = forms.ChoiceField(
        label=_("総合判定"),
        choices=ReviewRecommendation.choices,
        widget=forms.RadioSelect,
        help_text=_("評点とは別に、この提案書の採否についての所見を選んでください。"),
        error_messages={
            "required": _("総合判定（採択を推奨する・条件付きで推奨する・推奨しない）を選んでください。"),
            "invalid_choice": _("総合判定（採択を推奨する・条件付きで推奨する・推奨しない）を選んでください。"),
        },
    )

    def __init__(self, *args, criteria, reviews=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        existing = {review.criterion_id: review for review in (reviews or [])}
        for criterion in self.criteria:
            message = _("評点は1〜%(max)dで入力してください。") % {"max": criterion.max_score}
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=_("%(name)s（重み%(weight)d）の評点") % {"name": criterion.name, "weight": criterion.weight},
                min_value=1,
                max_value=criterion.max_score,
                help_text=_("1〜%(max)dの整数") % {"max": criterion.max_score},
                error_messages={
                    "required": message,
                    "invalid": message,
                    "min_value": message,
                    "max_value": message,
                },
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("%(name)sへのコメント") % {"name": criterion.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if criterion.pk in existing:
                self.initial.setdefault(f"score_{criterion.pk}", existing[criterion.pk].score)
                self.initial.setdefault(f"comment_{criterion.pk}", existing[criterion.pk].comment)
        last = ("overall_comment", "recommendation")
        self.order_fields([*(name for name in self.fields if name not in last), *last])

    def rows(self):
        return [
            (criterion, self[f"score_{criterion.pk}"], self[f"comment_{criterion.pk}"]) for criterion in self.criteria
        ]

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            criterion.pk: (self.cleaned_data[f"score_{criterion.pk}"], self.cleaned_data[f"comment_{criterion.pk}"])
            for criterion in self.criteria
        }


class DecisionForm(VersionedForm):
    """``version`` is the proposal's (pass ``initial={"version": proposal.version}``)."""

    decision = forms.ChoiceField(label=_("結果"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("申請者に通知される理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("「申請者に通知する」を押すと、この理由がそのまま申請者（本部職員）に届きます。"),
    )
    internal_note = forms.CharField(
        label=_("内部メモ（文部科学省のみ）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("文部科学省の担当者だけが読めます。申請者への通知にも申請者の画面にも出ません。"),
    )

    # Set on the correction form: without it a decision recorded meanwhile by someone else is refused
    # (「既に他の担当者が決定しています」) instead of being silently corrected.
    correction = forms.BooleanField(widget=forms.HiddenInput, required=False)

    @classmethod
    def correcting(cls, decision, proposal):
        """The form to correct ``decision`` before notification, filled with what was recorded."""
        return cls(
            initial={
                "version": proposal.version,
                "decision": decision.decision,
                "reason": decision.reason,
                "internal_note": decision.internal_note,
                "correction": True,
            }
        )


# --- grants and evaluations ----------------------------------------------------------------------


def call_label(call) -> str:
    """A call as a dropdown names it: its title and its programme (titles are unique per programme)."""
    return _("%(title)s（%(program)s）") % {"title": call.title, "program": call.program.name}


class GrantForm(OneTimeTokenForm, PortalModelForm):
    amount = YenField(label=_("交付決定額（円）"), message=_("金額は0円以上の整数（円）で入力してください。"))

    class Meta:
        model = Grant
        fields = ("region", "call", "fiscal_year", "amount", "decided_on", "note")
        widgets = {"decided_on": NotationDateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].required = True
        # a call's title is unique in its programme: the programme tells two calls of one title apart
        self.fields["call"].queryset = Call.objects.select_related("program").order_by("-fiscal_year", "code")
        self.fields["call"].label_from_instance = call_label
        self.fields["region"].queryset = Region.objects.order_by("name", "start_fiscal_year")
        # two regions can share a name (「徳島地域」 of two phases): label them with phase and years
        self.fields["region"].label_from_instance = lambda region: region.display_name

    def _post_clean(self):
        # The service validates the whole grant (envelope included) under its lock.
        pass


class GrantAmendForm(VersionedForm):
    """``version`` is the grant's (pass ``initial={"version": grant.version}``)."""

    new_amount = YenField(label=_("変更後の額（円）"), message=_("金額は0円以上の整数（円）で入力してください。"))
    reason = forms.CharField(label=_("変更理由"), widget=forms.Textarea(attrs={"rows": 3}))


class EvaluationForm(VersionedForm, PortalModelForm):
    class Meta:
        model = Evaluation
        fields = (
            "region",
            "kind",
            "fiscal_year",
            "grade",
            "international_competitiveness",
            "summary",
            "recommendation",
            "evaluated_on",
            "is_published",
        )
        widgets = {
            "evaluated_on": NotationDateInput(),
            "international_competitiveness": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("name", "start_fiscal_year")
        self.fields["region"].label_from_instance = lambda region: region.display_name


class SupportDecisionForm(VersionedForm):
    """The draft support decision of a 重点支援 evaluation; ``version`` is the decision's when editing."""

    start_fiscal_year = FiscalYearField(label=_("追加交付の開始年度"))
    end_fiscal_year = FiscalYearField(label=_("追加交付の終了年度"))
    annual_amount = YenField(
        label=_("追加交付額（各年度、円）"),
        help_text=_("開始年度から終了年度までの各年度の交付決定額に、この額を加えます（1円以上、円単位）。"),
        messages={"required": _("追加交付額（各年度）を円単位で入力してください。")},
    )
    reason = forms.CharField(
        label=_("重点支援の理由（文部科学省内の記録）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("公開ページには表示されません。確定すると、交付決定の変更理由に引用されます。"),
    )


class SupportConfirmForm(VersionedForm):
    """The confirm step of the summary page: the version of the draft that was shown."""


# --- progress reports of the headquarters (進捗報告) ----------------------------------------------


class ReviewForm(OneTimeTokenForm):
    ACCEPT = "accept"
    RETURN = "return"
    decision = forms.ChoiceField(
        label=_("判断"), choices=[(ACCEPT, _("受理する")), (RETURN, _("差し戻す"))], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("コメント"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("差し戻す場合は必須です。本部に表示されます。"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("差し戻す理由をコメントに入力してください。"))
        return cleaned
