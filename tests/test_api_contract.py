"""The JSON API keeps its own contract: schemathesis (``st run --checks all``) against /api/v1/openapi.json.

Every phase runs — examples, coverage (undeclared methods, boundary values, empty and malformed
parameters), fuzzing and stateful — with a fixed number of examples per operation in deterministic
mode, so the run is the same every time and ends in about a minute and a half. The server is the
portal itself (pytest-django's ``live_server``) over a small published dataset, including two
clusters of the same name.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.test_public_pages import populate_region

MAX_EXAMPLES = 10


@pytest.fixture
def published_data(transactional_db):
    populate_region(projects=2, outcomes=1, slug="tokushima", name="徳島地域")
    populate_region(projects=1, outcomes=1, slug="tokushima-2", name="徳島地域")


def test_schemathesis_finds_no_failure_with_every_check(live_server, published_data, tmp_path):
    junit = tmp_path / "junit.xml"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    environment = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false"}
    run = subprocess.run(  # noqa: S603 (the virtualenv's own st, fixed arguments)
        command, capture_output=True, text=True, timeout=900, env=environment, check=False, cwd=tmp_path
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-20000:]
    suites = ET.parse(junit).getroot()  # noqa: S314 (our own report)
    cases = suites.findall(".//testcase")
    # Every operation of the document was exercised (14: 8 lists, the funding flow, 5 detail
    # endpoints), plus the stateful scenarios.
    assert len(cases) >= 14, output[-5000:]
    assert not suites.findall(".//failure") and not suites.findall(".//error"), output[-20000:]


# --- what schemathesis checks, as a client would see it ----------------------------------------


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    return problem


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing-here",
        "/api/v2/clusters",
        "/api/v1/clusters/%E5%BE%B3%E5%B3%B6",  # not a code (slug)
        "/api/v1/projects/%16abc",  # a control character in the path
        "/api/v1/clusters/no-such-cluster",
    ],
)
def test_unknown_addresses_and_bad_path_parameters_are_json_404(client, url):
    assert_problem(client.get(url), 404)


@pytest.mark.django_db
def test_a_control_character_in_a_parameter_is_a_json_400(client):
    problem = assert_problem(client.get("/api/v1/projects?q=%00"), 400)
    assert "control character" in problem["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/v1/projects", "/api/v1/clusters/tokushima", "/api/v1/funding-flow"])
def test_unsafe_methods_get_405_with_allow_not_the_csrf_page(method, url):
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert_problem(response, 405)
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.django_db
def test_head_answers_wherever_get_does(client):
    populate_region(projects=1, outcomes=1, slug="tokushima")
    for url in ("/api/v1/", "/api/v1/openapi.json", "/api/v1/projects", "/api/v1/clusters/tokushima"):
        get, head = client.get(url), client.head(url)
        assert head.status_code == get.status_code == 200, url
        assert head["Content-Type"] == get["Content-Type"]
    options = client.options("/api/v1/projects")
    assert options.status_code == 204
    assert options["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.django_db
def test_the_openapi_document_states_the_validation_rules(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    def schema(path, name):
        parameters = paths[path]["get"]["parameters"]
        return next(parameter["schema"] for parameter in parameters if parameter["name"] == name)

    assert schema("/projects", "status")["enum"] == ["planned", "active", "suspended", "completed"]
    assert "company" not in schema("/results", "kind")["enum"]
    assert "company" in schema("/organizations", "kind")["enum"]
    for path in ("/clusters", "/projects", "/results", "/budgets", "/grants"):
        assert schema(path, "fiscal_year") == {"type": "integer", "minimum": 1990, "maximum": 2100}
    assert schema("/funding-flow", "from") == {"type": "integer", "minimum": 1990, "maximum": 2100}
    assert schema("/clusters", "limit") == {"type": "integer", "minimum": 1, "maximum": 1000}
    assert schema("/projects", "q")["maxLength"] == 100
    error = paths["/projects"]["get"]["responses"]["400"]["content"]
    assert list(error) == ["application/problem+json"]
