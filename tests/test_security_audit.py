"""``make audit``: the dependency audit fails on a vulnerability and never passes silently
when its vulnerability service cannot be reached (no network used here)."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "scripts" / "audit_dependencies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("AUDIT_STRICT", raising=False)

    def answer(report=None, stderr="", returncode=0):
        stdout = json.dumps(report) if report is not None else ""
        result = subprocess.CompletedProcess(args=[], returncode=returncode, stdout=stdout, stderr=stderr)
        monkeypatch.setattr(module, "run_pip_audit", lambda: result)
        return module

    return answer


CLEAN = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}], "fixes": []}
VULNERABLE = {
    "dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["5.2.1"]}]}
    ],
    "fixes": [],
}
SKIPPED = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found and could not be audited"}]}


def test_clean_audit_passes(audit, capsys):
    assert audit(CLEAN).main() == 0
    assert "no known vulnerabilities" in capsys.readouterr().out


def test_known_vulnerability_fails_and_names_the_fix(audit, capsys):
    assert audit(VULNERABLE, returncode=1).main() == 1
    assert "PYSEC-0000-1 (fixed in 5.2.1)" in capsys.readouterr().out


def test_unreachable_service_is_reported_loudly_and_fails_only_when_strict(audit, capsys, monkeypatch):
    module = audit(SKIPPED)
    assert module.main() == 0
    assert "DEPENDENCY AUDIT NOT DONE" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_STRICT", "1")
    assert module.main() == 2


def test_pip_audit_crash_is_reported_not_hidden(audit, capsys):
    module = audit(None, stderr="ConnectionError: name resolution failed", returncode=1)
    assert module.main() == 0
    output = capsys.readouterr().out
    assert "DEPENDENCY AUDIT NOT DONE" in output
    assert "ConnectionError" in output


def test_every_ignored_vulnerability_is_explained_in_the_findings_file(audit):
    module = audit(CLEAN)
    findings = (ROOT / "docs" / "security-findings.md").read_text(encoding="utf-8")
    for vulnerability_id in module.IGNORED:
        assert vulnerability_id in findings


def test_every_bandit_baseline_finding_is_explained_in_the_findings_file():
    findings = (ROOT / "docs" / "security-findings.md").read_text(encoding="utf-8")
    baseline = json.loads((ROOT / "docs" / "bandit-baseline.json").read_text(encoding="utf-8"))
    for result in baseline["results"]:
        assert f"{result['filename']}" in findings
        assert result["test_id"] in findings
