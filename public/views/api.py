"""The read-only JSON API under /api/v1/: cursor pagination, filters, stable identifiers.

Rows are the open-data rows (``public.datasets``), so the API, the CSV
and the JSON downloads always agree. Pagination is by cursor (``?after=<cursor>``,
the value in ``links.next``) with no offset cap; ``limit`` is 1–1000 (default 100).
"""

import functools

from django import forms
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from cluster_portal.cache import public_page
from cluster_portal.fiscal import current_fiscal_year
from cluster_portal.problems import ALLOWED_METHODS, api_json, method_not_allowed, problem
from cluster_portal.problems import not_found as api_not_found
from cluster_portal.ratelimit import rate_limited
from projects.models import JointResearchProject, Outcome
from public import openapi, stats
from public.api_parameters import DETAIL_PARAMETERS, ParameterError, endpoint_parameters, paging, parse
from public.datasets import DATASETS
from public.filters import EventFilter, OrganizationFilter, ProjectFilter, RegionFilter, ResultFilter
from regions.models import Event, Organization, Region

DEFAULT_LIMIT = 100
PARAMETERS = endpoint_parameters()


def _json(data, status=200):
    return api_json(data, status=status)


def _parameters(request, key) -> dict:
    """The endpoint's query parameters, checked against the schemas the OpenAPI document publishes."""
    extra = paging(DATASETS[key]) if key in DATASETS else []
    return parse(request, [*PARAMETERS[key], *extra])


def _row(queryset, name, value, **lookup):
    """The published row ``value`` names (for ``?cluster=``, ``?project=``, ``?organization=``), else 404."""
    obj = queryset.filter(**lookup).first() if value else None
    if value and obj is None:
        raise ParameterError(f"unknown {name} '{value}'", 404, parameter=name)
    return obj


def _cluster(values):
    return _row(Region.objects.published(), "cluster", values.get("cluster"), slug=values.get("cluster"))


def _filter_error(filterset) -> ParameterError:
    """The API's answer to the first invalid parameter of ``filterset``: 400, or 404 for an unknown row."""
    for name, errors in filterset.form.errors.as_data().items():
        parameter = filterset.api_names.get(name, name)
        field, code = filterset.form.fields[name], errors[0].code
        if code == "invalid_choice" and isinstance(field, forms.ModelChoiceField):
            return ParameterError(f"unknown {parameter} '{filterset.data[name]}'", 404, parameter=parameter)
        return ParameterError(f"'{parameter}' is not valid", parameter=parameter)
    return ParameterError("invalid parameters")


def filtered(request, key, filterset_class, queryset):
    """``queryset`` narrowed by the resource's FilterSet (``public.filters``, shared with its HTML list)."""
    _parameters(request, key)
    filterset = filterset_class.for_api(request.GET, queryset)
    if not filterset.is_valid():
        raise _filter_error(filterset)
    return filterset.qs


def _cursor_filter(queryset, field, after):
    """Rows after the cursor. Rows with a public code page by it; the rest by an opaque row number."""
    if not after:
        return queryset
    if field == "pk":
        if not after.isdigit():
            raise ParameterError("'after' is not a valid cursor")
        return queryset.filter(pk__gt=int(after))
    return queryset.filter(**{f"{field}__gt": after})


def _cursor_value(obj, field) -> str:
    return str(getattr(obj, field))


def paginated(request, key, queryset):
    dataset = DATASETS[key]
    values = _parameters(request, key)
    limit = values.get("limit", DEFAULT_LIMIT)
    queryset = _cursor_filter(queryset.order_by(dataset.cursor_field), dataset.cursor_field, values.get("after"))
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_link = None
    if has_more:
        params = request.GET.copy()
        params["after"] = _cursor_value(rows[-1], dataset.cursor_field)
        next_link = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    last_updated = stats.data_last_updated()
    return _json(
        {
            "data": [dataset.row(obj) for obj in rows],
            "meta": {
                "limit": limit,
                "count": len(rows),
                "last_updated": last_updated.isoformat() if last_updated else None,
            },
            "links": {"self": request.build_absolute_uri(), "next": next_link},
        }
    )


def _too_many(request, retry_after: int):
    """The API's errors are for programs (English, like the others); ``Retry-After`` says when to retry."""
    return problem(429, f"too many requests; retry after {retry_after} seconds")


def api_view(function):
    """An API view: GET and HEAD (cached for anonymous visitors), OPTIONS, and 405 for anything else.

    No CSRF check: nothing is ever written, and an unsafe method must get its 405 answer rather than
    the HTML CSRF page. Refused parameters are problem documents (``cluster_portal.problems``).
    """
    cached_view = public_page(function)

    @functools.wraps(function)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Origin"] = "*"
            return response
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(request)
        try:
            return cached_view(request, *args, **kwargs)
        except ParameterError as error:
            return problem(error.status, str(error), parameter=error.parameter)

    return csrf_exempt(rate_limited("api", too_many=_too_many)(wrapper))


@api_view
def api_index(request):
    base = request.build_absolute_uri("/api/v1/")
    return _json(
        {
            "openapi": base + "openapi.json",
            "endpoints": {key: base + key for key in DATASETS} | {"funding-flow": base + "funding-flow"},
        }
    )


@api_view
def api_openapi(request):
    return _json(openapi.document(request.build_absolute_uri("/api/v1")))


@api_view
def clusters(request):
    return paginated(request, "clusters", filtered(request, "clusters", RegionFilter, DATASETS["clusters"].queryset()))


@api_view
def projects(request):
    return paginated(request, "projects", filtered(request, "projects", ProjectFilter, DATASETS["projects"].queryset()))


@api_view
def organizations(request):
    queryset = DATASETS["organizations"].queryset()
    return paginated(request, "organizations", filtered(request, "organizations", OrganizationFilter, queryset))


@api_view
def results(request):
    matching = filtered(request, "results", ResultFilter, Outcome.objects.published())
    return paginated(request, "results", DATASETS["results"].queryset().filter(pk__in=matching.values("pk")))


@api_view
def events(request):
    matching = filtered(request, "events", EventFilter, Event.objects.published())
    return paginated(request, "events", DATASETS["events"].queryset().filter(pk__in=matching.values("pk")))


def _narrowed(request, key, *, cluster_field, project_field=None, organization_field=None, year_field=None):
    """A dataset without a FilterSet narrowed by its ``cluster``/``project``/``organization``/``fiscal_year``."""
    values = _parameters(request, key)
    queryset = DATASETS[key].queryset()
    region = _cluster(values)
    if region:
        queryset = queryset.filter(**{cluster_field: region})
    if project_field and values.get("project"):
        code = values["project"]
        project = _row(JointResearchProject.objects.published(), "project", code, code=code)
        queryset = queryset.filter(**{project_field: project})
    if organization_field and values.get("organization"):
        slug = values["organization"]
        organization = _row(Organization.objects.all(), "organization", slug, slug=slug)
        queryset = queryset.filter(**{organization_field: organization})
    if year_field and values.get("fiscal_year"):
        queryset = queryset.filter(**{year_field: values["fiscal_year"]})
    return queryset


@api_view
def participations(request):
    queryset = _narrowed(
        request,
        "participations",
        cluster_field="project__region",
        project_field="project",
        organization_field="organization",
    )
    return paginated(request, "participations", queryset)


@api_view
def budgets(request):
    queryset = _narrowed(
        request, "budgets", cluster_field="project__region", project_field="project", year_field="grant__fiscal_year"
    )
    return paginated(request, "budgets", queryset)


@api_view
def grants(request):
    return paginated(request, "grants", _narrowed(request, "grants", cluster_field="region", year_field="fiscal_year"))


def _detail(key, **lookup):
    obj = DATASETS[key].queryset().filter(**lookup).first()
    if obj is None:
        raise ParameterError(f"no published {key[:-1]} has this code", 404, parameter=DETAIL_PARAMETERS[key].name)
    return _json({"data": DATASETS[key].row(obj)})


@api_view
def cluster_detail(request, code):
    return _detail("clusters", slug=code)


@api_view
def project_detail(request, code):
    return _detail("projects", code=code)


@api_view
def organization_detail(request, code):
    return _detail("organizations", slug=code)


@api_view
def result_detail(request, identifier):
    return _detail("results", code=identifier)


@api_view
def event_detail(request, identifier):
    return _detail("events", code=identifier)


@api_view
def funding_flow(request):
    """Same numbers as the funding-flow page, for ``from``/``to`` fiscal years and an optional cluster.

    A year left out is the first (last) year with data; ``from`` after ``to`` is read as the range
    between them, as the page does.
    """
    values = _parameters(request, "funding-flow")
    region = _cluster(values)
    span = stats.fiscal_year_span() or (current_fiscal_year(),) * 2
    start, end = values.get("from", span[0]), values.get("to", span[1])
    start, end = min(start, end), max(start, end)
    flow = stats.funding_flow(start, end, region_id=region.pk if region else None)
    return _json({"data": {"cluster": region.slug if region else None, **flow.as_dict()}})


@csrf_exempt
def not_found(request, rest=""):
    """Any other address under /api/: a problem document, whatever the method."""
    return api_not_found()
