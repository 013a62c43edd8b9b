"""The query and path parameters of /api/v1/: declared once, validated and described from the same schema.

Each endpoint's parameters are ``Parameter``s whose ``schema`` is both what the OpenAPI document
(``public.openapi``) publishes and what ``parse()`` enforces, so a request the document calls valid
is accepted and one it calls invalid is refused (schemathesis checks both, tests/test_api_contract.py).
The filters of the lists come from their FilterSets (``public.filters``, shared with the HTML lists):
``field_schema`` turns each form field into its schema (choices → ``enum``, integers → ``minimum``/
``maximum``, codes → ``pattern``/``maxLength``).

The rule, the same on every endpoint:

- a parameter left out, or a text parameter given empty (``q=``), does not narrow anything;
- an integer or a choice given empty (``limit=``, ``status=``), or any value outside its schema
  (``fiscal_year=0``, ``kind=zzz``, a 101-character ``q``), is 400 with the parameter named;
- a well-formed code of a cluster, project or organisation that names no published row is 404
  (``unknown cluster 'x'``), as the row's own address would be.
"""

import re
from dataclasses import dataclass

from django import forms

from projects.models import JointResearchProject
from public.filters import EventFilter, OrganizationFilter, ProjectFilter, RegionFilter, ResultFilter
from regions.models import Organization, Region

# Text without control characters (the request sanity check refuses them, cluster_portal.middleware).
TEXT_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
SLUG_PATTERN = "^[-a-zA-Z0-9_]*$"
PROJECT_CODE_PATTERN = "^[A-Za-z0-9-]*$"
ROW_ID_PATTERN = "^[0-9]{0,18}$"  # a database id fits a signed 64-bit integer
PATTERN_RULES = {
    TEXT_PATTERN: "text without control characters",
    SLUG_PATTERN: "a code of letters, digits, '-' and '_'",
    PROJECT_CODE_PATTERN: "a code of letters, digits and '-'",
    ROW_ID_PATTERN: "a cursor of up to 18 digits (the 'after' of links.next)",
}
FISCAL_YEARS = {"minimum": 1990, "maximum": 2100}
MAX_LIMIT = 1000


class ParameterError(Exception):
    """A refused parameter: ``status`` 400 (invalid) or 404 (names no published row)."""

    def __init__(self, message, status=400, parameter=None):
        super().__init__(message)
        self.status = status
        self.parameter = parameter


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    schema: dict
    location: str = "query"
    required: bool = False

    def openapi(self) -> dict:
        return {
            "name": self.name,
            "in": self.location,
            "required": self.required,
            "description": self.description,
            "schema": self.schema,
        }

    def parse(self, raw: str):
        """The value of ``raw`` (``None`` for an empty text), or ``ParameterError``."""
        schema, name = self.schema, self.name
        if "enum" in schema:
            if raw not in schema["enum"]:
                raise ParameterError(f"'{name}' must be one of: {', '.join(schema['enum'])}", parameter=name)
            return raw
        if schema["type"] == "integer":
            if not re.fullmatch(r"-?[0-9]+", raw):
                raise ParameterError(f"'{name}' must be an integer", parameter=name)
            value = int(raw) if len(raw) <= 30 else None  # longer: far outside any range, never parsed
            low, high = schema.get("minimum"), schema.get("maximum")
            if value is None or (low is not None and value < low) or (high is not None and value > high):
                raise ParameterError(f"'{name}' is out of range ({low}-{high})", parameter=name)
            return value
        if len(raw) > schema.get("maxLength", len(raw)):
            raise ParameterError(f"'{name}' is too long (at most {schema['maxLength']} characters)", parameter=name)
        if "pattern" in schema and not re.search(schema["pattern"], raw):
            raise ParameterError(f"'{name}' is not valid: {PATTERN_RULES[schema['pattern']]}", parameter=name)
        return raw or None


def parse(request, parameters) -> dict:
    """The present, non-empty query parameters by name, each checked against its schema."""
    values = {}
    for parameter in parameters:
        if parameter.location != "query" or parameter.name not in request.GET:
            continue
        value = parameter.parse(request.GET[parameter.name])
        if value is not None:
            values[parameter.name] = value
    return values


def _integer(**bounds) -> dict:
    return {"type": "integer", **bounds}


def _code(pattern, max_length) -> dict:
    return {"type": "string", "pattern": pattern, "maxLength": max_length}


def _max_length(model, name) -> int:
    return model._meta.get_field(name).max_length


def field_schema(form_field) -> dict:
    """The schema of one FilterSet form field, as the API validates it."""
    if isinstance(form_field, forms.ModelChoiceField):  # a row by its code (slug)
        return _code(SLUG_PATTERN, _max_length(form_field.queryset.model, form_field.to_field_name))
    if isinstance(form_field, forms.ChoiceField):
        return {"type": "string", "enum": [str(value) for value, _label in form_field.choices if value != ""]}
    if isinstance(form_field, forms.IntegerField):
        bounds = {"minimum": form_field.min_value, "maximum": form_field.max_value}
        return _integer(**{key: value for key, value in bounds.items() if value is not None})
    if isinstance(form_field, forms.SlugField):
        return _code(SLUG_PATTERN, form_field.max_length)
    if isinstance(form_field, forms.CharField):
        return _code(TEXT_PATTERN, form_field.max_length)
    raise TypeError(f"no API schema for {type(form_field).__name__}")


FILTER_DESCRIPTIONS = {
    "clusters": {
        "q": "Text search (NFKC-normalised).",
        "program": "Program (phase) code, e.g. phase-2.",
        "fiscal_year": "Fiscal year of selection.",
        "prefecture": "JIS X 0401 prefecture code, e.g. 13.",
        "theme": "Exact theme.",
        "cluster_type": "Cluster type.",
        "status": "Cluster status.",
    },
    "projects": {
        "q": "Text search.",
        "cluster": "Cluster code.",
        "theme": "Exact theme.",
        "status": "Project status.",
        "fiscal_year": "A fiscal year the project runs in.",
        "organization": "Organisation code (participant or host).",
    },
    "organizations": {"q": "Text search.", "kind": "Organisation kind."},
    "results": {
        "q": "Text search.",
        "kind": "Result kind.",
        "fiscal_year": "Fiscal year of the result's date.",
        "cluster": "Cluster code.",
        "organization": "Organisation code (company or participant).",
    },
    "events": {"q": "Text search.", "kind": "Event kind.", "cluster": "Cluster code."},
}
FILTERSETS = {
    "clusters": RegionFilter,
    "projects": ProjectFilter,
    "organizations": OrganizationFilter,
    "results": ResultFilter,
    "events": EventFilter,
}


def filterset_parameters(key) -> list[Parameter]:
    filterset = FILTERSETS[key]
    fields = filterset(queryset=filterset._meta.model.objects.none()).form.fields
    names = {name: filterset.api_names.get(name, name) for name in fields}
    return [
        Parameter(names[name], FILTER_DESCRIPTIONS[key][names[name]], field_schema(form_field))
        for name, form_field in fields.items()
    ]


CLUSTER = Parameter("cluster", "Cluster code.", _code(SLUG_PATTERN, _max_length(Region, "slug")))
PROJECT = Parameter("project", "Project code.", _code(PROJECT_CODE_PATTERN, _max_length(JointResearchProject, "code")))
ORGANIZATION = Parameter("organization", "Organisation code.", _code(SLUG_PATTERN, _max_length(Organization, "slug")))
FISCAL_YEAR = Parameter("fiscal_year", "Fiscal year.", _integer(**FISCAL_YEARS))
LIMIT = Parameter("limit", f"Rows per page (1-{MAX_LIMIT}, default 100).", _integer(minimum=1, maximum=MAX_LIMIT))


def paging(dataset) -> list[Parameter]:
    """``after`` (the dataset's cursor: a row id, or the code its rows are ordered by) and ``limit``."""
    if dataset.cursor_field == "pk":
        schema = _code(ROW_ID_PATTERN, 18)
    else:
        schema = _code(TEXT_PATTERN, _max_length(dataset.queryset().model, dataset.cursor_field))
    return [Parameter("after", "Cursor: the value of links.next's 'after' (the last row's identifier).", schema), LIMIT]


def endpoint_parameters() -> dict[str, list[Parameter]]:
    """Every list endpoint's filter parameters (paging is added per dataset)."""
    return {
        **{key: filterset_parameters(key) for key in FILTERSETS},
        "participations": [CLUSTER, PROJECT, ORGANIZATION],
        "budgets": [CLUSTER, PROJECT, FISCAL_YEAR],
        "grants": [CLUSTER, FISCAL_YEAR],
        "funding-flow": [
            Parameter("from", "First fiscal year (default: the first with data).", _integer(**FISCAL_YEARS)),
            Parameter("to", "Last fiscal year (default: the last with data).", _integer(**FISCAL_YEARS)),
            Parameter("cluster", "Cluster code (omit for the whole program).", CLUSTER.schema),
        ],
    }


def _path(name, description, schema) -> Parameter:
    """A path parameter: required and never empty (``/clusters/`` is not a cluster's address)."""
    pattern = schema["pattern"].replace("*$", "+$")
    return Parameter(name, description, {**schema, "pattern": pattern, "minLength": 1}, location="path", required=True)


# Path parameters of the detail endpoints: dataset → the parameter.
DETAIL_PARAMETERS = {
    "clusters": _path("code", "Cluster code.", CLUSTER.schema),
    "projects": _path("code", "Project code.", PROJECT.schema),
    "organizations": _path("code", "Organisation code.", ORGANIZATION.schema),
    "results": _path("id", "Result code.", _code(PROJECT_CODE_PATTERN, 20)),
    "events": _path("id", "Event code.", _code(PROJECT_CODE_PATTERN, 20)),
}
