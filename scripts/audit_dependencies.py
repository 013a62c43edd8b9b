"""Audit the pinned runtime requirements for known vulnerabilities (``make audit``).

Runs pip-audit on requirements.txt and reads its JSON report:

- a known vulnerability that docs/security-findings.md does not explain (IGNORED below) → exit 1;
- pip-audit could not reach its vulnerability service, or could not look some
  packages up there → a loud "NOT AUDITED" report naming the packages; exit 0 so that
  a machine without that service still runs the rest of CI, or exit 2 with
  AUDIT_STRICT=1 (set it wherever the service is reachable);
- everything audited and clean → exit 0.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"

# Vulnerability id → why it does not affect the portal. Keep in step with docs/security-findings.md.
IGNORED: dict[str, str] = {}


def run_pip_audit() -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip_audit", "-r", str(REQUIREMENTS), "-f", "json", "--progress-spinner", "off"]
    for vulnerability_id in IGNORED:
        command += ["--ignore-vuln", vulnerability_id]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)  # noqa: S603


def not_audited(message: str, strict: bool) -> int:
    print("=" * 78)
    print("DEPENDENCY AUDIT NOT DONE (pip-audit)")
    print(message)
    print("See docs/security-findings.md, 'Dependency audit'.")
    print("=" * 78)
    return 2 if strict else 0


def main() -> int:
    strict = os.environ.get("AUDIT_STRICT", "").lower() in {"1", "true", "yes"}
    result = run_pip_audit()
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last_lines = "\n".join(result.stderr.strip().splitlines()[-3:])
        return not_audited(f"pip-audit failed before auditing (exit {result.returncode}):\n{last_lines}", strict)

    dependencies = report.get("dependencies", [])
    vulnerable = [dependency for dependency in dependencies if dependency.get("vulns")]
    skipped = [dependency for dependency in dependencies if dependency.get("skip_reason")]
    for dependency in vulnerable:
        for vulnerability in dependency["vulns"]:
            fixed = ", ".join(vulnerability.get("fix_versions") or []) or "no fixed release yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in {fixed})")
    if vulnerable:
        print("Upgrade the pin in requirements.txt, or explain the finding in docs/security-findings.md and IGNORED.")
        return 1
    if skipped:
        names = ", ".join(f"{dependency['name']}" for dependency in skipped)
        return not_audited(
            f"{len(skipped)} of {len(dependencies)} packages could not be looked up in the vulnerability "
            f"service (unreachable from this machine?): {names}\n"
            f"First reason: {skipped[0]['skip_reason']}",
            strict,
        )
    print(f"pip-audit: {len(dependencies)} packages audited, no known vulnerabilities.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
