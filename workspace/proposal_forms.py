"""Forms of the proposal pages (提案書) of headquarters staff: they only parse input; the
services in ``regions.services.proposals`` validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cluster_portal.concurrency import OneTimeTokenForm, VersionedForm
from cluster_portal.fields import AMOUNT_ERROR, YenField
from cluster_portal.forms import PortalModelForm
from regions.models import Organization, OrganizationKind, Proposal


class OrganizationsField(forms.ModelMultipleChoiceField):
    def __init__(self, kind, **kwargs):
        super().__init__(
            queryset=Organization.objects.filter(kind=kind).order_by("name"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 8}),
            **kwargs,
        )


class ProposalForm(VersionedForm, PortalModelForm):
    """The proposal with its five-year plan (one amount field per fiscal year) and participants."""

    universities = OrganizationsField(
        OrganizationKind.UNIVERSITY, label=_("参画する大学等"), help_text=_("Ctrlキー（Macは⌘）で複数選択できます。")
    )
    companies = OrganizationsField(OrganizationKind.COMPANY, label=_("参画する企業"))
    public_research = OrganizationsField(OrganizationKind.PUBLIC_RESEARCH, label=_("参画する公設試験研究機関"))

    class Meta:
        model = Proposal
        fields = (
            "title",
            "summary",
            "theme",
            "target_industries",
            "cluster_type",
            "headquarters_roster",
            "kpis",
            "related_measures",
        )
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8}),
            "kpis": forms.Textarea(attrs={"rows": 4}),
            "headquarters_roster": forms.Textarea(attrs={"rows": 4}),
            "related_measures": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years
        self.fields["cluster_type"].widget = forms.RadioSelect(choices=self.fields["cluster_type"].choices[1:])
        amounts = {}
        participants = []
        if self.instance.pk:
            amounts = {line.fiscal_year: line.requested_amount for line in self.instance.budget_lines.all()}
            participants = list(self.instance.participants.all())
        for year in years:
            name = self.amount_field_name(year)
            self.fields[name] = YenField(
                label=_("%(year)s年度 要求額（円）") % {"year": year},
                required=False,
                message=AMOUNT_ERROR,
            )
            if year in amounts:
                self.initial.setdefault(name, amounts[year])
        for name, kind in (
            ("universities", OrganizationKind.UNIVERSITY),
            ("companies", OrganizationKind.COMPANY),
            ("public_research", OrganizationKind.PUBLIC_RESEARCH),
        ):
            self.initial.setdefault(name, [org.pk for org in participants if org.kind == kind])

    @staticmethod
    def amount_field_name(year: int) -> str:
        return f"amount_{year}"

    def amount_fields(self):
        return [self[self.amount_field_name(year)] for year in self.years]

    def text_fields(self):
        return [self[name] for name in self.Meta.fields]

    def participant_fields(self):
        return [self[name] for name in ("universities", "companies", "public_research")]

    def fields_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def amounts(self) -> dict[int, int]:
        values = {year: self.cleaned_data.get(self.amount_field_name(year)) for year in self.years}
        return {year: amount for year, amount in values.items() if amount is not None}

    def participants(self) -> list[Organization]:
        return [
            *self.cleaned_data["universities"],
            *self.cleaned_data["companies"],
            *self.cleaned_data["public_research"],
        ]


class AttachmentForm(OneTimeTokenForm):
    file = forms.FileField(
        label=_("添付ファイル"),
        help_text=_("PDF、Word（.docx/.doc）、Excel（.xlsx/.xls）のみ。ファイルの内容で形式を確認します。"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由・コメント"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
