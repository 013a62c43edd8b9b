"""The read-only JSON API under /api/v1/: cursor pagination, filters, stable identifiers.

Rows are the open-data rows (``public.datasets``), so the API, the CSV
and the JSON downloads always agree. Pagination is by cursor (``?after=<cursor>``,
the value in ``links.next``) with no offset cap; ``limit`` is 1–1000 (default 100).
"""

from django import forms
from django.http import JsonResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from cluster_portal.cache import public_page
from cluster_portal.ratelimit import rate_limited
from projects.models import Outcome
from public import openapi, stats
from public.datasets import DATASETS
from public.filters import EventFilter, OrganizationFilter, ProjectFilter, RegionFilter, ResultFilter
from public.views.funding import flow_selection
from regions.models import Event, Region

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class ApiError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def _json(data, status=200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(message, status=400) -> JsonResponse:
    return _json({"error": {"status": status, "message": message}}, status=status)


def _int(request, name, *, minimum=None, maximum=None):
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(f"'{name}' must be an integer") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ApiError(f"'{name}' is out of range")
    return value


def _cluster(request):
    slug = request.GET.get("cluster", "")
    if not slug:
        return None
    region = Region.objects.published().filter(slug=slug).first()
    if region is None:
        raise ApiError(f"unknown cluster '{slug}'", 404)
    return region


def _filter_error(filterset) -> ApiError:
    """The API's answer to the first invalid parameter of ``filterset``: 400, or 404 for an unknown row."""
    for name, errors in filterset.form.errors.as_data().items():
        parameter = filterset.api_names.get(name, name)
        field, code = filterset.form.fields[name], errors[0].code
        if code == "invalid_choice" and isinstance(field, forms.ModelChoiceField):
            return ApiError(f"unknown {parameter} '{filterset.data[name]}'", 404)
        if code == "invalid_choice":
            return ApiError(
                f"'{parameter}' must be one of: {', '.join(str(value) for value, _ in field.choices if value)}"
            )
        if code == "invalid" and isinstance(field, forms.IntegerField):
            return ApiError(f"'{parameter}' must be an integer")
        if code in ("min_value", "max_value"):
            return ApiError(f"'{parameter}' is out of range")
        if code == "max_length":
            return ApiError(f"'{parameter}' is too long")
        return ApiError(f"'{parameter}' is not valid")
    return ApiError("invalid parameters")


def filtered(request, filterset_class, queryset):
    """``queryset`` narrowed by the resource's FilterSet (``public.filters``, shared with its HTML list)."""
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
            raise ApiError("'after' is not a valid cursor")
        return queryset.filter(pk__gt=int(after))
    return queryset.filter(**{f"{field}__gt": after})


def _cursor_value(obj, field) -> str:
    return str(getattr(obj, field))


def paginated(request, key, queryset):
    dataset = DATASETS[key]
    limit = _int(request, "limit", minimum=1, maximum=MAX_LIMIT) or DEFAULT_LIMIT
    queryset = _cursor_filter(queryset.order_by(dataset.cursor_field), dataset.cursor_field, request.GET.get("after"))
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


def _too_many(request, retry_after: int) -> JsonResponse:
    """The API's errors are for programs (English, like the others); ``Retry-After`` says when to retry."""
    return _error(f"too many requests; retry after {retry_after} seconds", 429)


def api_view(function):
    @rate_limited("api", too_many=_too_many)
    @require_GET
    @public_page
    def wrapper(request, *args, **kwargs):
        try:
            return function(request, *args, **kwargs)
        except ApiError as error:
            return _error(str(error), error.status)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


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
    return paginated(request, "clusters", filtered(request, RegionFilter, DATASETS["clusters"].queryset()))


@api_view
def projects(request):
    return paginated(request, "projects", filtered(request, ProjectFilter, DATASETS["projects"].queryset()))


@api_view
def organizations(request):
    return paginated(
        request, "organizations", filtered(request, OrganizationFilter, DATASETS["organizations"].queryset())
    )


@api_view
def results(request):
    matching = filtered(request, ResultFilter, Outcome.objects.published())
    return paginated(request, "results", DATASETS["results"].queryset().filter(pk__in=matching.values("pk")))


@api_view
def events(request):
    matching = filtered(request, EventFilter, Event.objects.published())
    return paginated(request, "events", DATASETS["events"].queryset().filter(pk__in=matching.values("pk")))


def _by_project_and_cluster(request, key, *, project_field="project__code", cluster_field):
    queryset = DATASETS[key].queryset()
    region = _cluster(request)
    if region:
        queryset = queryset.filter(**{cluster_field: region})
    if request.GET.get("project") and project_field:
        queryset = queryset.filter(**{project_field: request.GET["project"]})
    return queryset


@api_view
def participations(request):
    queryset = _by_project_and_cluster(request, "participations", cluster_field="project__region")
    if request.GET.get("organization"):
        queryset = queryset.filter(organization__slug=request.GET["organization"])
    return paginated(request, "participations", queryset)


@api_view
def budgets(request):
    queryset = _by_project_and_cluster(request, "budgets", cluster_field="project__region")
    year = _int(request, "fiscal_year", minimum=1990, maximum=2100)
    if year:
        queryset = queryset.filter(grant__fiscal_year=year)
    return paginated(request, "budgets", queryset)


@api_view
def grants(request):
    queryset = _by_project_and_cluster(request, "grants", project_field="", cluster_field="region")
    year = _int(request, "fiscal_year", minimum=1990, maximum=2100)
    if year:
        queryset = queryset.filter(fiscal_year=year)
    return paginated(request, "grants", queryset)


def _detail(key, **lookup):
    obj = DATASETS[key].queryset().filter(**lookup).first()
    if obj is None:
        raise ApiError("not found", 404)
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
    """Same numbers as the funding-flow page, for ``from``/``to`` fiscal years and an optional cluster."""
    params = {
        "start": request.GET.get("from", ""),
        "end": request.GET.get("to", ""),
        "cluster": request.GET.get("cluster", ""),
    }
    for name, value in (("from", params["start"]), ("to", params["end"])):
        if value and not value.isdigit():
            raise ApiError(f"'{name}' must be a fiscal year")
    if params["cluster"]:
        _cluster(request)

    class _Request:
        GET = params

    _form, start, end, region = flow_selection(_Request)
    flow = stats.funding_flow(start, end, region_id=region.pk if region else None)
    return _json({"data": {"cluster": region.slug if region else None, **flow.as_dict()}})


__all__ = ["forms", "urlencode"]
