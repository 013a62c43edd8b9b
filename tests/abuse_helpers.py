"""Shared setup of the abuse-case tests of the create/edit forms (tests/test_security_abuse_forms.py).

``parse_forms`` reads the forms of a page as a browser would; ``fill`` turns one of them
into the data a browser would POST, with a chosen text in every free-text field and
valid values elsewhere; ``build_world`` creates one object of every kind the forms edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils import timezone

from tests import factories
from tests.test_ministry_journey import open_call_with_budget
from tests.workspace_helpers import populate

# Values for fields that must be valid for the form to save at all.
DEFAULT_DATE = "2008-06-01"
DEFAULT_NUMBER = "1"
DEFAULT_AMOUNT = "1000"
DEFAULT_FISCAL_YEAR = "2008"


@dataclass
class Field:
    tag: str  # input, textarea, select
    name: str
    type: str = "text"
    value: str = ""
    checked: bool = False
    attrs: dict = field(default_factory=dict)
    options: list = field(default_factory=list)  # selects: [(value, selected)]

    @property
    def required(self) -> bool:
        return "required" in self.attrs

    @property
    def maxlength(self) -> int | None:
        text = self.attrs.get("maxlength")
        return int(text) if text and text.isdigit() else None

    @property
    def is_free_text(self) -> bool:
        """A box where people type prose: a textarea or a plain text input (not numbers, not lookups)."""
        if self.tag == "textarea":
            return True
        return (
            self.tag == "input"
            and self.type in {"text", "search"}
            and self.attrs.get("inputmode") != "numeric"
            and "list" not in self.attrs  # organisation name lookups: a registered name or nothing
            and not self.notation
        )

    @property
    def notation(self) -> str:
        """「date」 or 「fiscal-year」 for the boxes that read 和暦 notations: structured, not prose."""
        return self.attrs.get("data-notation", "")


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)


class FormParser(HTMLParser):
    """Every <form> of a page with its fields, values and attributes."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self.form = Form(attributes.get("action", ""), (attributes.get("method") or "get").lower())
            self.forms.append(self.form)
        if self.form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            self.form.fields.append(
                Field("input", name, kind, attributes.get("value", ""), "checked" in attributes, attributes)
            )
        elif tag == "textarea" and name:
            self.textarea = Field("textarea", name, "textarea", "", False, attributes)
            self.form.fields.append(self.textarea)
        elif tag == "select" and name:
            self.select = Field("select", name, "select-multiple" if "multiple" in attributes else "select")
            self.select.attrs = attributes
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = [attributes.get("value"), "selected" in attributes, ""]
            self.select.options.append(self.option)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        elif self.option is not None:
            self.option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea":
            if self.textarea is not None and self.textarea.value.startswith("\n"):
                self.textarea.value = self.textarea.value[1:]  # the newline after <textarea> is not content
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "option":
            self.option = None


def parse_forms(page: str) -> list[Form]:
    parser = FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def post_form(page: str, page_url: str, post_url: str) -> Form:
    """The POST form of the page that sends to ``post_url`` (an empty action sends to the page itself)."""
    for form in parse_forms(page):
        if form.method == "post" and (form.action or page_url) == post_url:
            return form
    raise AssertionError(f"no POST form to {post_url} on {page_url}")


def _option_values(select: Field) -> list[str]:
    return [value if value is not None else text for value, _selected, text in select.options]


def fill(form: Form, text: str | None, *, structured=(), overrides=None) -> tuple[dict, list[str]]:
    """The data a browser would send, with ``text`` in every free-text field.

    Hidden fields (version, form_token, management forms) keep their values; a select keeps
    its selected option or gets the first valid one; a required date or number gets a valid
    value. Fields named in ``structured`` (codes, DOIs, line formats) keep their value.
    Returns the data and the names of the fields that got ``text``.
    """
    overrides = overrides or {}
    data: dict[str, object] = {}
    carried = []
    for item in form.fields:
        name = item.name
        if name in overrides:
            data[name] = overrides[name]
            continue
        if item.tag == "select":
            values = _option_values(item)
            chosen = [
                value for value, (_v, selected, _t) in zip(values, item.options, strict=True) if selected and value
            ]
            valid = [value for value in values if value]
            in_formset = name.count("-") >= 2  # an extra form of a formset stays empty
            if not chosen and valid and (item.required or (item.type == "select" and not in_formset)):
                chosen = [valid[0]]
            elif not chosen and values and item.type == "select":
                chosen = [values[0]]  # what a browser sends: the first option
            if chosen:
                data[name] = chosen if item.type == "select-multiple" else chosen[0]
        elif item.type == "checkbox":
            if item.checked:
                data.setdefault(name, []).append(item.value or "on")
        elif item.type == "radio":
            if item.checked:
                data[name] = item.value
            elif name not in data and not any(other.name == name and other.checked for other in form.fields):
                data[name] = item.value  # a browser sends nothing; the form then refuses, so pick the first
        elif item.type == "file":
            continue
        elif text is not None and item.is_free_text and name.rsplit("-", 1)[-1] not in structured:
            if item.maxlength is not None and len(text) > item.maxlength:
                data[name] = item.value  # the browser would not let it through; tested as over-long elsewhere
            else:
                data[name] = text
                carried.append(name)
        elif item.value or not item.required:
            data[name] = item.value
        elif item.type == "date" or item.notation == "date":
            data[name] = DEFAULT_DATE
        elif item.notation == "fiscal-year":
            data[name] = DEFAULT_FISCAL_YEAR
        elif item.type == "number":
            data[name] = item.attrs.get("min") or DEFAULT_NUMBER
        elif item.attrs.get("inputmode") == "numeric":
            data[name] = DEFAULT_AMOUNT
        else:
            data[name] = "試験"
    return data, carried


# ---------------------------------------------------------------- the objects the forms edit


def build_world(*, region, other_region, hq_user, reviewer_user) -> dict:
    """One object of every kind that a create/edit form works on, editable by ``hq_user`` or the ministry."""
    world = populate(region, projects=1)
    call = open_call_with_budget()  # accepting proposals; hq_user's region has none yet
    draft_call = open_call_with_budget()
    world["call"] = call
    world["draft"] = factories.ProposalFactory(call=draft_call, region=region)
    for year in range(draft_call.fiscal_year, draft_call.fiscal_year + 5):
        factories.ProposalBudgetLineFactory(proposal=world["draft"], fiscal_year=year, requested_amount=1_000)
    world["under_review"] = factories.ProposalFactory(call=draft_call, region=other_region, under_review=True)
    world["assignment"] = factories.ReviewAssignmentFactory(
        proposal=world["under_review"], reviewer=reviewer_user, conflict_declared_at=timezone.now()
    )
    # grants need a region selected on their call (Grant.clean): a closed round of its own
    world["grant_call"] = grant_call = open_call_with_budget()
    factories.selected_region(grant_call, region)
    factories.selected_region(grant_call, other_region)
    world["ministry_grant"] = factories.GrantFactory(
        region=other_region, call=grant_call, fiscal_year=2030, amount=1_000
    )
    world["evaluation"] = factories.EvaluationFactory(region=region)
    world["region"] = region
    world["other_region"] = other_region
    return world
