from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cluster_portal.concurrency import VersionedForm
from cluster_portal.forms import PortalModelForm
from coordinators.models import CoordinationActivity, Coordinator
from regions.models import Organization
from workspace.forms import DateInput, DatesInOrderMixin, OrganizationLookupField


class CoordinatorForm(DatesInOrderMixin, VersionedForm, PortalModelForm):
    date_pair = ("term_start", "term_end")
    date_order_message = _("任期終了日は任期開始日以降にしてください。")
    affiliation = OrganizationLookupField(label=_("所属"), required=False)

    class Meta:
        model = Coordinator
        fields = ("code", "kind", "name", "name_en", "expertise", "affiliation", "term_start", "term_end", "profile")
        widgets = {"term_start": DateInput(), "term_end": DateInput(), "profile": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"code": _("半角英数字とハイフン。例: hamamatsu-cd-01")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["affiliation"] = self.instance.affiliation


class ActivityForm(VersionedForm, PortalModelForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("面談した機関"),
        queryset=Organization.objects.order_by("kind", "name"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "大学の研究者と企業など、面談した機関をすべて選んでください（Ctrlキーで複数選択）。"
            "上の「機関を絞り込む」で一覧を短くできます（選択中の機関は残ります）。"
        ),
        error_messages={"required": _("面談した機関を1つ以上選んでください。")},
    )

    class Meta:
        model = CoordinationActivity
        fields = ("held_on", "title", "organizations", "result", "note", "resulting_project")
        widgets = {"held_on": DateInput(), "note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["resulting_project"].queryset = projects

    def narrow_organizations(self, query: str, selected) -> dict:
        """Show only the organisations matching ``query`` (the text search), and those already selected.

        The searchable picker without JavaScript: the page sends ``org_q`` (GET, or the form's 「絞り込む」
        button) and the list is narrowed on the server. Returns what the page says about it."""
        field = self.fields["organizations"]
        total = field.queryset.count()
        query = (query or "").strip()[:100]
        if not query:
            return {"query": "", "total": total, "shown": total}
        matches = Organization.objects.search(query).values("pk")
        field.queryset = field.queryset.filter(Q(pk__in=matches) | Q(pk__in=selected))
        return {"query": query, "total": total, "shown": field.queryset.count()}
