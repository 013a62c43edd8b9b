"""CSP violation reports (issue 18): the policy points at /csp-report/, a browser's report in
either format is stored and logged, administrators read them in the admin (read-only), and the
endpoint refuses what is not a report, what is too large, and floods."""

import json
import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from cluster_portal.models import CspReport
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/csp-report/"
LEGACY = {
    "csp-report": {
        "document-uri": "https://portal.example.jp/projects/",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example/x.js",
        "line-number": 12,
        "source-file": "https://portal.example.jp/projects/",
        "status-code": 200,
    }
}
REPORTING_API = [
    {
        "type": "csp-violation",
        "age": 10,
        "url": "https://portal.example.jp/",
        "user_agent": "Mozilla/5.0",
        "body": {
            "documentURL": "https://portal.example.jp/",
            "effectiveDirective": "style-src-attr",
            "blockedURL": "inline",
            "sourceFile": "https://portal.example.jp/static/js/portal.js",
            "lineNumber": 3,
            "disposition": "enforce",
        },
    },
    {"type": "deprecation", "body": {"id": "x"}},
]


def post(client, payload, content_type="application/csp-report", **extra):
    return client.post(URL, json.dumps(payload), content_type=content_type, **extra)


def test_every_page_names_the_reporting_endpoint(client):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "report-uri /csp-report/" in policy
    assert "report-to csp" in policy
    assert response["Reporting-Endpoints"] == 'csp="/csp-report/"'
    assert reverse("csp_report") == URL


def test_a_report_uri_report_is_stored_and_logged(caplog):
    client = Client(enforce_csrf_checks=True)  # a browser sends no CSRF token with a report
    with caplog.at_level(logging.WARNING, logger="cluster_portal.csp"):
        response = post(client, LEGACY, HTTP_USER_AGENT="TestBrowser/1.0")
    assert response.status_code == 204
    report = CspReport.objects.get()
    assert report.effective_directive == "script-src-elem"
    assert report.blocked_uri == "https://evil.example/x.js"
    assert report.document_uri == "https://portal.example.jp/projects/"
    assert (report.line_number, report.disposition, report.user_agent) == (12, "enforce", "TestBrowser/1.0")
    assert "https://evil.example/x.js" in caplog.text
    assert "Set-Cookie" not in response.headers


def test_a_reporting_api_report_is_stored_and_other_report_types_ignored(client):
    response = post(client, REPORTING_API, content_type="application/reports+json")
    assert response.status_code == 204
    report = CspReport.objects.get()
    assert (report.effective_directive, report.blocked_uri, report.line_number) == ("style-src-attr", "inline", 3)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/csp-report"),
        (json.dumps({"something": "else"}), "application/csp-report"),
        (json.dumps(LEGACY), "text/plain"),
        (json.dumps([{"type": "deprecation", "body": {}}]), "application/reports+json"),
    ],
)
def test_what_is_not_a_csp_report_is_refused(client, body, content_type):
    assert client.post(URL, body, content_type=content_type).status_code == 400
    assert not CspReport.objects.exists()


def test_a_large_body_is_refused_and_long_fields_are_cut(client, settings):
    padded = {"csp-report": {**LEGACY["csp-report"], "blocked-uri": "https://x.example/" + "a" * 10_000}}
    settings.CSP_REPORT_MAX_BYTES = 4096
    assert post(client, padded).status_code == 413
    settings.CSP_REPORT_MAX_BYTES = 16 * 1024
    assert post(client, padded).status_code == 204
    assert len(CspReport.objects.get().blocked_uri) == 500


def test_only_get_is_refused_and_floods_are_limited(client):
    assert client.get(URL).status_code == 405
    with override_settings(RATE_LIMITS_ENABLED=True, RATE_LIMITS={"csp_report": "3/60"}):
        assert [post(client, LEGACY).status_code for _ in range(4)] == [204, 204, 204, 429]
    assert CspReport.objects.count() == 3


def test_only_the_newest_reports_are_kept(client, settings):
    settings.CSP_REPORTS_KEPT = 2
    for _ in range(3):
        assert post(client, LEGACY).status_code == 204
    assert CspReport.objects.count() == 2


def test_administrators_read_reports_in_the_admin_but_cannot_change_them(client):
    report = factories.CspReportFactory(blocked_uri="https://evil.example/admin-check.js")
    client.force_login(factories.UserFactory(administrator=True))
    changelist = client.get(reverse("admin:cluster_portal_cspreport_changelist"))
    assert changelist.status_code == 200
    assert "https://evil.example/admin-check.js" in changelist.content.decode()
    assert client.get(reverse("admin:cluster_portal_cspreport_add")).status_code == 403
    change = reverse("admin:cluster_portal_cspreport_change", args=[report.pk])
    assert client.post(change, {"blocked_uri": "changed"}).status_code == 403
    report.refresh_from_db()
    assert report.blocked_uri == "https://evil.example/admin-check.js"
