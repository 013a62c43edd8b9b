"""Forms of the headquarters workspace. They only parse and check input; the
services in ``projects.services.*`` (and coordinators/regions services) write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cluster_portal.concurrency import OneTimeTokenForm, VersionedForm
from cluster_portal.fields import YenField as KernelYenField
from cluster_portal.forms import JapaneseDateField, NotationDateInput, PortalModelForm
from cluster_portal.text import normalize
from projects.models import (
    Expenditure,
    ExpenseCategory,
    JointResearchProject,
    Milestone,
    Outcome,
    OutcomeKind,
    ParticipationRole,
    ProgressReport,
    Receipt,
    ReportAttachment,
)
from regions.models import Event, Organization, OrganizationKind

AMOUNT_ERRORS = {
    "required": _("金額を入力してください。"),
    "invalid": _("金額は半角または全角の数字（円単位の整数）で入力してください。"),
    "min_value": _("金額は0円以上で入力してください。"),
}


# Dates are typed boxes that read 「2020-04-01」 as well as 「令和2年4月1日」 (the kernel's notations).
DateInput = NotationDateInput


class YenField(KernelYenField):
    """The kernel's amount field (one reading of amounts for forms and imports), in the workspace's words."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "messages",
            {
                "required": AMOUNT_ERRORS["required"],
                "invalid": AMOUNT_ERRORS["invalid"],
                "decimal": AMOUNT_ERRORS["invalid"],
                "negative": AMOUNT_ERRORS["min_value"],
            },
        )
        super().__init__(**kwargs)


def organization_label(organization: Organization) -> str:
    return f"{organization.name}（{organization.get_kind_display()}）"


class OrganizationLookupField(forms.CharField):
    """An organisation typed by name (with a <datalist> of registered names as suggestions).

    Accepts the name, or 「名称（種別）」 when two organisations share a name, compared normalised
    (``Organization.objects.named``): full-width or half-width letters, digits and brackets, and
    full-width spaces, as listed or not.
    """

    default_error_messages = {
        "unknown": _(
            "「%(name)s」という機関は登録されていません。検索して登録済みの名称を入力するか、新しい機関として登録してください。"
        ),
        "ambiguous": _("「%(name)s」という名称の機関が複数あります。「名称（種別）」の形で入力してください。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 250)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "organization-names", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, Organization):
            return value.name
        if isinstance(value, int):
            organization = Organization.objects.filter(pk=value).first()
            return organization.name if organization else ""
        return value

    def resolve(self, text: str) -> Organization | None:
        text = normalize(text)
        if not text:
            return None
        matches = list(Organization.objects.named([text])[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"name": text})
        name = text.rpartition("(")[0]  # 「名称（種別）」, whose brackets are half-width once normalised
        for organization in Organization.objects.named([name]) if name else ():
            if normalize(organization_label(organization)) == text:
                return organization
        raise ValidationError(self.error_messages["unknown"], code="unknown", params={"name": text})

    def clean(self, value):
        return self.resolve(super().clean(value))


class DatesInOrderMixin:
    """Puts 「終了日は開始日以降に」 on the end field rather than at the top of the form."""

    date_pair = ("start_date", "end_date")
    date_order_message = _("終了日は開始日以降にしてください。")

    def clean(self):
        cleaned = super().clean()
        start, end = (cleaned.get(name) for name in self.date_pair)
        if start and end and end < start:
            self.add_error(self.date_pair[1], self.date_order_message)
        return cleaned


# ---------------------------------------------------------------- projects


class ProjectForm(DatesInOrderMixin, VersionedForm, PortalModelForm):
    host_organization = OrganizationLookupField(
        label=_("実施拠点（大学の共同研究センター等）"),
        required=False,
        help_text=_("登録済みの機関名を入力してください（入力すると候補が表示されます）。"),
    )

    class Meta:
        model = JointResearchProject
        fields = ("code", "title", "title_en", "theme", "summary", "start_date", "end_date", "host_organization")
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["host_organization"] = self.instance.host_organization


class ParticipantForm(forms.Form):
    organization = OrganizationLookupField(label=_("機関名"), required=False)
    role = forms.ChoiceField(label=_("役割"), choices=[("", "—"), *ParticipationRole.choices], required=False)
    create_new = forms.BooleanField(label=_("新しい機関として登録する"), required=False)
    new_kind = forms.ChoiceField(
        label=_("新しい機関の種別"), choices=[("", "—"), *OrganizationKind.choices], required=False
    )

    def clean(self):
        # Resolve here, not in the field, so that a new name can be registered instead.
        cleaned = super().clean()
        errors = self.errors.get("organization")
        text = normalize(self.data.get(self.add_prefix("organization"), ""))
        if errors and cleaned.get("create_new") and errors.as_data()[0].code == "unknown":
            del self.errors["organization"]
            if not cleaned.get("new_kind"):
                self.add_error("new_kind", _("新しい機関の種別を選んでください。"))
            cleaned["organization"] = None
            cleaned["new_name"] = text
        elif not errors and cleaned.get("organization") is None and self.has_changed():
            self.add_error("organization", _("機関名を入力してください。"))
        named = cleaned.get("organization") or cleaned.get("new_name")
        if named and not cleaned.get("role") and "role" not in self.errors:
            self.add_error("role", _("役割を選んでください。"))
        return cleaned


class BaseParticipantFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        leads = sum(
            1
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == ParticipationRole.LEAD_UNIVERSITY
        )
        if leads > 1:
            raise ValidationError(_("代表大学は1機関だけ指定してください。"))

    def participants(self):
        from projects.services.projects import ParticipantInput

        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not (data.get("organization") or data.get("new_name")):
                continue
            rows.append(
                ParticipantInput(
                    role=data["role"],
                    organization=data.get("organization"),
                    new_name=data.get("new_name", ""),
                    new_kind=data.get("new_kind", ""),
                )
            )
        return rows


ParticipantFormSet = forms.formset_factory(
    ParticipantForm, formset=BaseParticipantFormSet, extra=3, can_delete=True, max_num=60, validate_max=True
)


def participant_initial(project: JointResearchProject) -> list[dict]:
    return [
        {"organization": participation.organization.name, "role": participation.role}
        for participation in project.participations.roster()
    ]


class StatusChangeForm(OneTimeTokenForm):
    target = forms.ChoiceField(label=_("変更後の状態"), choices=())
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(code, JointResearchProject.workflow.label(code)) for code in targets]


class PublicationForm(OneTimeTokenForm):
    reason = forms.CharField(label=_("理由（任意）"), required=False, max_length=500)


# ---------------------------------------------------------------- budgets and execution


class AllocationForm(VersionedForm):
    fiscal_year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=())
    allocated = YenField(label=_("配分額（円）"))
    overrun_reason = forms.CharField(
        label=_("執行額が配分額を超える理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, grants=(), fixed_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from cluster_portal.fiscal import fiscal_year_label

        self.fields["fiscal_year"].choices = [
            (grant.fiscal_year, fiscal_year_label(grant.fiscal_year)) for grant in grants
        ]
        if fixed_year is not None:
            self.fields["fiscal_year"].widget = forms.HiddenInput()
            self.initial["fiscal_year"] = fixed_year
        self.fields["allocated"].widget.attrs["data-remaining-input"] = "true"


class ExpenditureForm(VersionedForm, PortalModelForm):
    amount = YenField(label=_("金額（円）"))
    overrun_reason = forms.CharField(
        label=_("執行額が配分額を超える理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("執行額の合計が配分額を超える場合だけ入力してください。"),
    )

    class Meta:
        model = Expenditure
        fields = ("category", "amount", "spent_on", "description")
        widgets = {"spent_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = ExpenseCategory.choices


class ProjectIdsField(forms.Field):
    """Checked project ids, as integers; whose they are is the service's question (another region's: 404)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError):
            raise ValidationError(_("プロジェクトの選択が正しくありません。"), code="invalid") from None


class CopyForwardForm(OneTimeTokenForm):
    """「前年度の配分をコピー」: the years and the projects (a GET form for the preview, a POST to confirm)."""

    source_year = forms.TypedChoiceField(label=_("コピー元の年度"), coerce=int, choices=())
    target_year = forms.TypedChoiceField(label=_("コピー先の年度"), coerce=int, choices=())
    projects = ProjectIdsField(
        label=_("コピーするプロジェクト"),
        required=False,
        help_text=_("コピー元の年度に配分があるプロジェクトです。コピー先の年度に配分がまだないものを選んであります。"),
    )

    def __init__(self, *args, source_years=(), target_years=(), candidates=(), preview=False, **kwargs):
        super().__init__(*args, **kwargs)
        from cluster_portal.fiscal import fiscal_year_label

        self.fields["source_year"].choices = [(year, fiscal_year_label(year)) for year in source_years]
        self.fields["target_year"].choices = [(year, fiscal_year_label(year)) for year in target_years]
        self.fields["projects"].widget.choices = candidates
        if preview:  # the GET form has no one-time token; the confirmation does
            del self.fields["form_token"]


# ---------------------------------------------------------------- bulk execution and receipts

BULK_ROWS = 20  # empty rows of the bulk execution page; ``?rows=`` asks for more
BULK_MAX_ROWS = 200
#: the grid's columns in order: also the order of a block pasted from Excel
BULK_COLUMNS = ("budget", "category", "amount", "spent_on", "description")


class ReceiptFileField(forms.FileField):
    """A receipt's file, checked (size, content) by the model's own validators before anything is stored."""

    def __init__(self, **kwargs):
        field = Receipt._meta.get_field("file")
        kwargs.setdefault("label", field.verbose_name)
        kwargs.setdefault("validators", list(field.validators))
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(**kwargs)


class ReceiptForm(OneTimeTokenForm):
    file = ReceiptFileField(help_text=Receipt._meta.get_field("file").help_text)


class BulkExecutionForm(OneTimeTokenForm):
    """The bulk page's own fields: its one-time token (also the batch key stored with the lines) and the
    optional 「Excelから貼り付け」 box, read on the server so that a pasted block works without JavaScript."""

    pasted = forms.CharField(
        label=_("Excelから貼り付け"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "Excelで「プロジェクトコード・費目・金額・執行日・内容」の順の列を選んでコピーし、ここに貼り付けて"
            "「貼り付けた内容を表に読み込む」を押してください（表の内容は置き換わります）。表に読み込んだ内容を"
            "確認してから登録します。"
        ),
    )


class BulkExpenditureForm(forms.Form):
    """One row of the grid. A row left empty is skipped; a started row needs every required cell."""

    budget = forms.TypedChoiceField(label=_("プロジェクト"), coerce=int, choices=())
    category = forms.ChoiceField(label=_("費目"), choices=())
    amount = YenField(label=_("金額（円）"))
    spent_on = JapaneseDateField(label=_("執行日"))
    description = forms.CharField(label=_("内容"), required=False, max_length=300)
    receipt = ReceiptFileField(required=False)

    def __init__(self, *args, budgets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].choices = [("", "---------"), *budgets]
        self.fields["category"].choices = [("", "---------"), *ExpenseCategory.choices]
        self.fields["budget"].error_messages["invalid_choice"] = _(
            "この年度に配分のある自地域のプロジェクトを選んでください（「%(value)s」は選べません）。"
        )
        self.fields["category"].error_messages["invalid_choice"] = _(
            "費目は設備費・人件費・旅費・委託費・その他のいずれかにしてください（「%(value)s」は選べません）。"
        )


class BaseBulkExpenditureFormSet(forms.BaseFormSet):
    def __init__(self, *args, budgets=(), **kwargs):
        self.budgets = list(budgets)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "budgets": self.budgets}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            budgets=self.budgets,
        )
        self.add_fields(form, None)
        return form

    def filled_forms(self):
        return [form for form in self.forms if form.has_changed()]

    def row_errors(self) -> list[tuple[str, str]]:
        """``(「3行目「金額（円）」: …」, id of the cell)`` for every problem of the grid, in row order."""
        found = []
        for number, form in enumerate(self.forms, start=1):
            for name, errors in form.errors.items():
                for message in errors:
                    if name in form.fields:
                        text = _("%(row)d行目「%(column)s」: %(message)s") % {
                            "row": number,
                            "column": form.fields[name].label,
                            "message": message,
                        }
                        found.append((text, form[name].id_for_label))
                    else:
                        found.append((_("%(row)d行目: %(message)s") % {"row": number, "message": message}, ""))
        found += [(str(message), "") for message in self.non_form_errors()]
        return found

    def lines(self):
        from projects.services.execution import ExpenditureLine

        return [
            ExpenditureLine(
                row=number,
                budget_pk=form.cleaned_data["budget"],
                category=form.cleaned_data["category"],
                amount=form.cleaned_data["amount"],
                spent_on=form.cleaned_data["spent_on"],
                description=form.cleaned_data.get("description") or "",
                receipts=(form.cleaned_data["receipt"],) if form.cleaned_data.get("receipt") else (),
            )
            for number, form in enumerate(self.forms, start=1)
            if form.has_changed() and getattr(form, "cleaned_data", None)
        ]


BulkExpenditureFormSet = forms.formset_factory(
    BulkExpenditureForm,
    formset=BaseBulkExpenditureFormSet,
    extra=BULK_ROWS,
    max_num=BULK_MAX_ROWS,
    absolute_max=BULK_MAX_ROWS,
    validate_max=True,
)


def _choice_for(text: str, choices) -> str:
    """The choice a pasted cell means: its value, its label, or a label starting with the cell and a space
    (a project is pasted as its code, 「HAM-01」, or as 「HAM-01 研究テーマ」); else the text as typed."""
    key = normalize(text)
    for value, label in choices:
        if key and key in (normalize(str(value)), normalize(str(label))):
            return str(value)
    for value, label in choices:
        if key and normalize(str(label)).startswith(key + " "):
            return str(value)
    return text


def pasted_rows_data(rows: list[list[str]], *, budgets, prefix: str = "rows", extra: int = 0) -> dict:
    """The grid's POST data for rows × columns pasted from Excel (see ``BULK_COLUMNS``), plus ``extra``
    empty rows; cells beyond the grid's columns are ignored."""
    rows = rows[:BULK_MAX_ROWS]
    total = min(len(rows) + extra, BULK_MAX_ROWS)
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(BULK_MAX_ROWS),
    }
    choices = {"budget": list(budgets), "category": list(ExpenseCategory.choices)}
    for index, cells in enumerate(rows):
        for name, cell in zip(BULK_COLUMNS, cells, strict=False):
            data[f"{prefix}-{index}-{name}"] = _choice_for(cell, choices[name]) if name in choices else cell
    return data


# ---------------------------------------------------------------- progress reports


class ReportForm(VersionedForm, PortalModelForm):
    class Meta:
        model = ProgressReport
        fields = ("fiscal_year", "half", "due_on", "narrative", "problems", "next_steps", "public_summary")
        widgets = {
            "due_on": DateInput(),
            "narrative": forms.Textarea(attrs={"rows": 6}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
            "public_summary": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"public_summary": _("受理後に公開ページに表示される要約です。")}

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.instance.project = project


class MilestoneForm(PortalModelForm):
    class Meta:
        model = Milestone
        fields = ("title", "planned", "achieved", "is_achieved")
        widgets = {"planned": forms.Textarea(attrs={"rows": 2}), "achieved": forms.Textarea(attrs={"rows": 2})}


class BaseMilestoneFormSet(forms.BaseFormSet):
    def milestones(self):
        from projects.services.reports import MilestoneInput

        return [
            MilestoneInput(
                title=form.cleaned_data["title"],
                planned=form.cleaned_data.get("planned", ""),
                achieved=form.cleaned_data.get("achieved", ""),
                is_achieved=form.cleaned_data.get("is_achieved", False),
            )
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=BaseMilestoneFormSet, extra=2, can_delete=True, max_num=40, validate_max=True
)


def milestone_initial(report: ProgressReport) -> list[dict]:
    return [
        {"title": m.title, "planned": m.planned, "achieved": m.achieved, "is_achieved": m.is_achieved}
        for m in report.milestones.all()
    ]


class AttachmentForm(OneTimeTokenForm, PortalModelForm):
    class Meta:
        model = ReportAttachment
        fields = ("title", "file")


# ---------------------------------------------------------------- results (成果)


class OutcomeForm(VersionedForm, PortalModelForm):
    company = OrganizationLookupField(label=_("企業"), required=False)

    class Meta:
        model = Outcome
        fields = (
            "kind",
            "title",
            "title_en",
            "occurred_on",
            "description",
            "application_number",
            "country",
            "applicants",
            "inventors",
            "doi",
            "product",
            "company",
            "is_published",
        )
        widgets = {"occurred_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "kind": _("特許の登録は、出願を登録した後に「特許登録に切り替える」から行います。"),
            "doi": _("論文の場合。例: 10.1234/abc.2008.001"),
        }

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.instance.project = project
        editing = self.instance.pk is not None
        if editing:
            # Publication is changed with its own buttons (and logged); a granted patent stays granted.
            del self.fields["is_published"]
            if self.instance.kind == OutcomeKind.PATENT_GRANTED:
                self.fields["kind"].disabled = True
            if not self.is_bound:
                self.initial["company"] = self.instance.company
        if not editing or self.instance.kind != OutcomeKind.PATENT_GRANTED:
            self.fields["kind"].choices = [c for c in OutcomeKind.choices if c[0] != OutcomeKind.PATENT_GRANTED]


class PatentGrantForm(VersionedForm):
    registration_number = forms.CharField(label=_("登録番号"), max_length=50)
    granted_on = JapaneseDateField(label=_("登録日"))


# ---------------------------------------------------------------- events (regions.Event)


class EventForm(DatesInOrderMixin, VersionedForm, PortalModelForm):
    date_pair = ("starts_on", "ends_on")
    date_order_message = _("終了日は開催日以降にしてください。")
    # The relation is declared on the project (JointResearchProject.events); the event's form edits it.
    presented_projects = forms.ModelMultipleChoiceField(
        label=_("発表したプロジェクト"),
        queryset=JointResearchProject.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Event
        fields = (
            "kind",
            "title",
            "title_en",
            "starts_on",
            "ends_on",
            "venue",
            "organizer",
            "attendance",
            "description",
            "presented_projects",
        )
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["presented_projects"].queryset = projects
        if self.instance.pk and not self.is_bound:
            self.initial["presented_projects"] = list(self.instance.presented_projects.values_list("pk", flat=True))
        self.fields["attendance"].error_messages.update(
            {"invalid": _("参加者数は数字で入力してください。"), "min_value": _("参加者数は0以上で入力してください。")}
        )
