"""Time the signed-in pages of issue 19 part 5 with the Django test client, in-process (no gunicorn,
no wrk): per page the median and minimum wall time of N requests, the median CPU time of this
process (steadier than wall time on a shared machine), the number of queries and their time.

    DATABASE_URL=postgres://…/<scale-10 database> CACHE_URL=redis://127.0.0.1:6379/<db> DEBUG=false \\
        SECRET_KEY=x PYTHONPATH=. python bench/signed_in_timing.py [N] [/path/ …]

Creates (once) a ministry user ``timing-ministry`` and a headquarters user ``timing-headquarters``
(first synthetic region) with a confirmed authenticator, and signs them in with ``force_login``:
run it against a benchmark database only.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

PAGES = (
    ("ministry", "/ministry/"),
    ("ministry", "/ministry/grants/"),
    ("ministry", "/ministry/proposals/"),
    ("ministry", "/ministry/calls/synthetic-selection/reviews/"),
    ("ministry", "/ministry/activity/"),
    ("ministry", "/workspace/ministry/"),
    ("headquarters", "/workspace/"),
    ("headquarters", "/workspace/projects/"),
)


def signed_in_client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="timing", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cluster_portal.models import Role
    from regions.models import Headquarters

    requests = int(argv[0]) if argv and argv[0].isdigit() else 10
    only = [arg for arg in argv if arg.startswith("/")]
    user_model = get_user_model()
    ministry, _ = user_model.objects.get_or_create(
        username="timing-ministry", defaults={"role": Role.MINISTRY, "last_name": "timing"}
    )
    headquarters, _ = user_model.objects.get_or_create(
        username="timing-headquarters",
        defaults={
            "role": Role.HEADQUARTERS,
            "last_name": "timing",
            "headquarters": Headquarters.objects.get(region__slug="syn-r0001"),
        },
    )
    clients = {"ministry": signed_in_client(ministry), "headquarters": signed_in_client(headquarters)}
    for role, path in PAGES:
        if only and path not in only:
            continue
        client = clients[role]
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        wall, cpu = [], []
        for _ in range(requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(path)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        sql = sum(float(query["time"]) for query in queries.captured_queries) * 1000
        print(
            f"{path:50s} median {statistics.median(wall):7.1f} ms  min {min(wall):7.1f}  "
            f"cpu median {statistics.median(cpu):6.1f}  queries {len(queries.captured_queries):3d}  sql {sql:6.1f} ms",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
