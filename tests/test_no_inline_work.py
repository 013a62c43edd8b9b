"""No request sends mail or runs an import inline: mail goes through the outbox (notifications/outbox.py,
delivered by a task) and imports that save run as tasks (dataio/jobs.py) or on the command line.

Checked on the source, so a new view cannot slip past: only the outbox imports ``django.core.mail``,
and only the job runner and the ``import_data`` command call ``data_import`` with anything but
``dry_run=True``."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
MAIL_SENDERS = {"notifications/outbox.py"}
SAVING_IMPORTS = {"dataio/jobs.py", "cluster_portal/management/commands/import_data.py"}


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def test_only_the_outbox_touches_django_mail():
    offenders = []
    for name, tree in modules():
        for node in ast.walk(tree):
            imported = []
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            mail = any(module == "django.core.mail" or module.startswith("django.core.mail.") for module in imported)
            if mail and name not in MAIL_SENDERS:
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, f"mail must go through notifications.outbox.notify(): {offenders}"


def test_only_the_job_runner_and_the_command_run_saving_imports():
    offenders = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "data_import"
            ):
                continue
            dry_run = next((keyword.value for keyword in node.keywords if keyword.arg == "dry_run"), None)
            previews_only = isinstance(dry_run, ast.Constant) and dry_run.value is True
            if not previews_only and name not in SAVING_IMPORTS:
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, f"imports that save must run as a task (dataio.jobs): {offenders}"


def test_the_check_sees_what_it_forbids():
    """The scan finds the outbox's own mail import and the job runner's import (it is not vacuous)."""
    sources = dict(modules())
    outbox = ast.dump(sources["notifications/outbox.py"])
    assert "django.core.mail" in outbox
    assert "data_import" in ast.dump(sources["dataio/jobs.py"])
