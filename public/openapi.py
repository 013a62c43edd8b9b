"""The OpenAPI 3.1 description of /api/v1/, generated from the dataset definitions."""

from public.api_parameters import DETAIL_PARAMETERS, endpoint_parameters, paging
from public.datasets import DATASETS, Column

TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "list": {"type": "array", "items": {"type": "string"}},
}
NULLABLE_BY_DEFAULT = {"date", "datetime"}


def column_schema(column: Column) -> dict:
    schema = dict(TYPES[column.type])
    if column.nullable or (column.type in NULLABLE_BY_DEFAULT and column.key != "start_date"):
        schema["type"] = [schema["type"], "null"]
    schema["title"] = column.label_en
    schema["description"] = str(column.description or column.label)
    return schema


def row_schema(dataset) -> dict:
    return {
        "type": "object",
        "properties": {column.key: column_schema(column) for column in dataset.columns},
        "required": [column.key for column in dataset.columns],
        "additionalProperties": False,
    }


def _parameters(key) -> list[dict]:
    extra = paging(DATASETS[key]) if key in DATASETS else []
    return [parameter.openapi() for parameter in (*endpoint_parameters()[key], *extra)]


DETAILS = {key: parameter.name for key, parameter in DETAIL_PARAMETERS.items()}

ERROR = {
    "type": "object",
    "description": "A problem document (RFC 9457), media type application/problem+json.",
    "properties": {
        "type": {"type": "string", "description": "about:blank: the title is the HTTP status phrase"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What was wrong, naming the parameter"},
        "parameter": {"type": "string", "description": "The query or path parameter at fault, if any"},
    },
    "required": ["type", "title", "status", "detail"],
}
FLOW = {
    "type": "object",
    "properties": {
        "data": {
            "type": "object",
            "properties": {
                "cluster": {"type": ["string", "null"]},
                "from_fiscal_year": {"type": "integer"},
                "to_fiscal_year": {"type": "integer"},
                "requested": {"type": "integer", "description": "Requested by proposals (yen)"},
                "selected": {"type": "integer", "description": "Requested by selected proposals (yen)"},
                "granted": {"type": "integer", "description": "Granted (yen)"},
                "allocated": {"type": "integer", "description": "Allocated to projects (yen)"},
                "executed": {"type": "integer", "description": "Executed (yen)"},
                "granted_without_selection": {
                    "type": "integer",
                    "description": "Part of granted for regions and years with no selected proposal (yen): "
                    "its requested and selected amounts are unknown",
                },
                "granted_by_focused_support": {
                    "type": "integer",
                    "description": "Part of granted added by confirmed focused-support decisions after an "
                    "evaluation (yen)",
                },
                "patents_filed": {"type": "integer"},
                "results": {"type": "object", "additionalProperties": {"type": "integer"}},
                "results_total": {"type": "integer"},
                "events": {"type": "integer"},
            },
            "required": [
                "cluster",
                "from_fiscal_year",
                "to_fiscal_year",
                "requested",
                "selected",
                "granted",
                "allocated",
                "executed",
                "results",
            ],
        }
    },
    "required": ["data"],
}


PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _ok(schema_ref: str, description: str) -> dict:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
        "400": {"description": "A parameter outside its schema, or a malformed query string", "content": PROBLEM},
        "404": {"description": "No published row has this code (path or filter parameter)", "content": PROBLEM},
    }


def document(server_url: str) -> dict:
    schemas = {"Error": ERROR, "FundingFlow": FLOW}
    paths = {}
    for key, dataset in DATASETS.items():
        name = key.title().replace("_", "")
        schemas[name] = row_schema(dataset)
        schemas[f"{name}Page"] = {
            "type": "object",
            "properties": {
                "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                "meta": {
                    "type": "object",
                    "properties": {
                        "limit": {"type": "integer"},
                        "count": {"type": "integer"},
                        "last_updated": {"type": ["string", "null"], "format": "date-time"},
                    },
                    "required": ["limit", "count", "last_updated"],
                },
                "links": {
                    "type": "object",
                    "properties": {"self": {"type": "string"}, "next": {"type": ["string", "null"]}},
                    "required": ["self", "next"],
                },
            },
            "required": ["data", "meta", "links"],
        }
        paths[f"/{key}"] = {
            "get": {
                "operationId": f"list_{key}",
                "summary": f"List {key} (published only)",
                "description": str(dataset.description),
                "parameters": _parameters(key),
                "responses": _ok(f"#/components/schemas/{name}Page", f"A page of {key}"),
            }
        }
        if key in DETAILS:
            schemas[f"{name}Detail"] = {
                "type": "object",
                "properties": {"data": {"$ref": f"#/components/schemas/{name}"}},
                "required": ["data"],
            }
            paths[f"/{key}/{{{DETAILS[key]}}}"] = {
                "get": {
                    "operationId": f"get_{key}",
                    "summary": f"One of {key} by its stable identifier",
                    "parameters": [DETAIL_PARAMETERS[key].openapi()],
                    "responses": _ok(f"#/components/schemas/{name}Detail", "The row"),
                }
            }
    paths["/funding-flow"] = {
        "get": {
            "operationId": "funding_flow",
            "summary": "Funding flow: requested, selected, granted, allocated, executed, results",
            "parameters": _parameters("funding-flow"),
            "responses": _ok("#/components/schemas/FundingFlow", "The flow"),
        }
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Knowledge Cluster Initiative portal API (知的クラスター創成事業 ポータル API)",
            "version": "1.0.0",
            "description": "Read-only access to the published data. Amounts are integer yen; fiscal years run "
            "April-March. Pagination is by cursor: follow links.next until it is null. Every operation answers "
            "GET and HEAD; OPTIONS lists them (204, Allow); any other method is 405 with Allow. Errors are "
            "problem documents (RFC 9457, application/problem+json: type, title, status, detail, parameter). "
            "A parameter left out, or a text parameter given empty, does not narrow anything; an integer or a "
            "choice given empty, or any value outside its schema, is 400; a well-formed code that names no "
            "published row is 404. A query string longer than 2,048 characters is 400.",
            "license": {"name": "CC BY 4.0 (compatible with PDL 1.0)", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
