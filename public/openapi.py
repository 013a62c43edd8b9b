"""The OpenAPI 3.1 description of /api/v1/, generated from the dataset definitions."""

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


def _parameter(name, description, schema=None, location="query", required=False):
    return {
        "name": name,
        "in": location,
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PAGING = [
    _parameter("after", "Cursor: the value of links.next's 'after' (the last row's identifier)."),
    _parameter("limit", "Rows per page (1-1000, default 100).", {"type": "integer", "minimum": 1, "maximum": 1000}),
]
FILTERS = {
    "clusters": [
        _parameter("program", "Program (phase) code, e.g. phase-2."),
        _parameter("prefecture", "JIS X 0401 prefecture code, e.g. 13."),
        _parameter("cluster_type", "global or regional.", {"type": "string", "enum": ["global", "regional"]}),
        _parameter("status", "planning, active, completed or discontinued."),
        _parameter("fiscal_year", "Fiscal year of selection.", {"type": "integer"}),
        _parameter("theme", "Exact theme."),
        _parameter("q", "Text search (NFKC-normalised)."),
    ],
    "projects": [
        _parameter("q", "Text search."),
        _parameter("cluster", "Cluster code."),
        _parameter("theme", "Exact theme."),
        _parameter("status", "planned, active, suspended or completed."),
        _parameter("fiscal_year", "A fiscal year the project runs in.", {"type": "integer"}),
        _parameter("organization", "Organisation code (participant or host)."),
    ],
    "organizations": [_parameter("kind", "Organisation kind."), _parameter("q", "Text search.")],
    "results": [
        _parameter("kind", "Result kind."),
        _parameter("fiscal_year", "Fiscal year of the result's date.", {"type": "integer"}),
        _parameter("cluster", "Cluster code."),
        _parameter("organization", "Organisation code (company or participant)."),
        _parameter("q", "Text search."),
    ],
    "events": [
        _parameter("kind", "Event kind."),
        _parameter("cluster", "Cluster code."),
        _parameter("q", "Text search."),
    ],
    "participations": [
        _parameter("cluster", "Cluster code."),
        _parameter("project", "Project code."),
        _parameter("organization", "Organisation code."),
    ],
    "budgets": [
        _parameter("cluster", "Cluster code."),
        _parameter("project", "Project code."),
        _parameter("fiscal_year", "Fiscal year.", {"type": "integer"}),
    ],
    "grants": [_parameter("cluster", "Cluster code."), _parameter("fiscal_year", "Fiscal year.", {"type": "integer"})],
}
DETAILS = {"clusters": "code", "projects": "code", "organizations": "code", "results": "id", "events": "id"}

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            "required": ["status", "message"],
        }
    },
    "required": ["error"],
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


def _ok(schema_ref: str, description: str) -> dict:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
        "400": {
            "description": "Invalid parameter",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
        "404": {
            "description": "Not found",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
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
                "parameters": [*FILTERS.get(key, []), *PAGING],
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
                    "parameters": [_parameter(DETAILS[key], "Stable identifier", location="path", required=True)],
                    "responses": _ok(f"#/components/schemas/{name}Detail", "The row"),
                }
            }
    paths["/funding-flow"] = {
        "get": {
            "operationId": "funding_flow",
            "summary": "Funding flow: requested, selected, granted, allocated, executed, results",
            "parameters": [
                _parameter("from", "First fiscal year.", {"type": "integer"}),
                _parameter("to", "Last fiscal year.", {"type": "integer"}),
                _parameter("cluster", "Cluster code (omit for the whole program)."),
            ],
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
            "April-March. Pagination is by cursor: follow links.next until it is null.",
            "license": {"name": "CC BY 4.0 (compatible with PDL 1.0)", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
