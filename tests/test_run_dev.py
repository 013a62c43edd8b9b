"""`make run` starts the web server and the worker together; Ctrl-C stops both, and the worker
delivers what the outbox holds (console mail backend)."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_two_instances import free_port

ROOT = Path(__file__).resolve().parent.parent


def manage(env, *args):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_make_run_serves_with_a_worker_and_ctrl_c_stops_both():
    workdir = tempfile.mkdtemp(prefix="cluster-portal-run-")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir}/run.sqlite3",
            "PY": sys.executable,
            "PORT": str(port),
            "DEBUG": "true",
            "TASK_BACKEND": "database",
        }
    )
    manage(env, "migrate", "-v0")
    script = (
        "from cluster_portal.models import User; from django.db import transaction; "
        "from notifications import outbox; "
        "u = User.objects.create(username='runner', email='runner@example.jp'); "
        "transaction.atomic()(lambda: outbox.notify('report_accepted', [u], context={'title': 'P-1 試験'}))()"
    )
    process = subprocess.Popen(
        ["bash", "scripts/run_dev.sh"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.5)
        launched = children(process.pid)
        assert len(launched) >= 3  # runserver, the worker, the reminders loop
        manage(env, "shell", "--no-imports", "-c", script)
        check = "from notifications.models import Notification; print(Notification.objects.get().status)"
        deadline = time.monotonic() + 30
        while True:
            status = manage(env, "shell", "--no-imports", "-c", check).stdout.strip()
            if status == "sent":
                break
            assert time.monotonic() < deadline, f"the worker did not deliver (status {status})"
            time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode is not None
    assert "【受理】進捗報告「P-1 試験」" in output  # the console backend printed the mail (MIME-encoded subject aside)
    time.sleep(0.5)
    for pid in launched:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
