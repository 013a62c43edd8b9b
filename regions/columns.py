"""Organisation columns of the import/export resources: an organisation is found by its
name, with its kind where two organisations share a name (the natural key is name + kind).

The generic widgets live in the kernel (``cluster_portal.tabular.widgets``); these
know the ``Organization`` model, so they live in the domain.
"""

import re
from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext as _
from import_export import widgets

from cluster_portal.tabular.columns import PortalField, column
from cluster_portal.tabular.widgets import ChoiceWidget, KeyManyToManyWidget, is_blank, ja
from cluster_portal.text import normalize
from regions.models import Organization, OrganizationKind


class OrganizationWidget(widgets.ForeignKeyWidget):
    """An organisation by name, with its kind from ``kind_column`` when the name alone is ambiguous.

    The natural key of an organisation is name plus kind; the kind may be left
    out when only one organisation has that name. Names are compared normalised
    (``Organization.objects.named``), as the workspace's organisation inputs do.
    """

    def __init__(self, kind_column: str | None = None):
        super().__init__(Organization, "name")
        self.kind_column = kind_column
        self.kinds = ChoiceWidget(OrganizationKind)
        self.by_name = {}

    def prime(self, values) -> None:
        keys = list({normalize(value) for value in values if not is_blank(value)} - set(self.by_name))
        found = defaultdict(list)
        for start in range(0, len(keys), 5000):
            for organization in Organization.objects.named(keys[start : start + 5000]):
                found[normalize(organization.name)].append(organization)
        for key in keys:
            self.by_name[key] = found.get(key, [])

    def find(self, name: str, kind: str = ""):
        name = name.strip()
        key = normalize(name)
        if key not in self.by_name:
            self.prime([name])
        candidates = self.by_name[key]
        if kind:
            candidates = [organization for organization in candidates if organization.kind == kind]
        if not candidates:
            raise ValueError(
                _("機関「%(name)s」は登録されていません。先に機関を登録（取込）してください。") % {"name": name}
            )
        if len(candidates) > 1:
            raise ValueError(
                _("「%(name)s」という名称の機関が複数（種別違い）あります。種別の列で種別を指定してください。")
                % {"name": name}
            )
        return candidates[0]

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        kind = ""
        if self.kind_column and row is not None and not is_blank(row.get(self.kind_column)):
            kind = self.kinds.clean(row[self.kind_column])
        return self.find(str(value), kind)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


class OrganizationsWidget(KeyManyToManyWidget):
    """Several organisations by name in one cell; 「名称[種別]」 (the kind's label or code) picks one of
    same-named organisations."""

    PART = re.compile(r"^(?P<name>.*?)\s*\[(?P<kind>[^\[\]]+)\]$")

    def __init__(self):
        super().__init__(Organization, "name")
        self.organizations = OrganizationWidget()

    def prime(self, values) -> None:
        names = []
        for value in values:
            for part in self.split(value):
                match = self.PART.match(part)
                names.append(match["name"] if match else part)
        self.organizations.prime(names)

    def clean(self, value, row=None, **kwargs):
        objects = []
        for part in self.split(value):
            match = self.PART.match(part)
            if match:
                kind = self.organizations.kinds.clean(match["kind"])
                objects.append(self.organizations.find(match["name"], kind))
            else:
                objects.append(self.organizations.find(part))
        return objects

    def render(self, value, obj=None, labels=False, **kwargs):
        if value is None:
            return ""
        items = list(value.all())
        names = [item.name for item in items]
        ambiguous = set(
            Organization.objects.filter(name__in=names)
            .order_by()
            .values("name")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
        kinds = self.organizations.kinds

        def kind(item) -> str:
            return kinds.label_of(item.kind) if labels else item.kind

        return ";".join(sorted(f"{item.name}[{kind(item)}]" if item.name in ambiguous else item.name for item in items))


def organization_columns(model, name, *, kind_header=None, required=None):
    """An organisation foreign key as two columns: its name, and its kind (needed only when the name is ambiguous)."""
    verbose = ja(model._meta.get_field(name).verbose_name)
    kind_header = kind_header or _kind_header(verbose)
    name_field = column(model, name, OrganizationWidget(kind_column=kind_header), required=required)
    kind_field = PortalField(
        attribute=f"{name}__kind",
        column_name=kind_header,
        widget=ChoiceWidget(OrganizationKind),
        readonly=True,
        aliases=(f"{name}_kind",),
    )
    return name_field, kind_field


def _kind_header(verbose: str) -> str:
    return verbose + "の種別"


def organizations_column(model, name, **kwargs):
    return column(model, name, OrganizationsWidget(), **kwargs)
