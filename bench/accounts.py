"""The signed-in visitors of ``make bench``: one user per role, created in the benchmark's own
database with the password the run chose at random (``BENCH_PASSWORD``, never written down) and,
for the roles that must sign in with a second factor, a confirmed authenticator whose key goes
back to the run so that it can compute the code like an authenticator app.

    DJANGO_SETTINGS_MODULE=bench.settings BENCH_PASSWORD=… python -m bench.accounts create
    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.accounts remove

``create`` prints ``{"ministry": {"username": …, "totp_key": "<hex>"}, …}`` as JSON. ``remove``
deletes them (before ``generate_data --replace``: the headquarters user belongs to a synthetic
headquarters, which the flush would otherwise refuse to delete).
"""

from __future__ import annotations

import json
import os
import sys

USERNAMES = {"ministry": "bench-ministry", "headquarters": "bench-headquarters", "administrator": "bench-admin"}
# The headquarters user works for the first synthetic region (demo/synthetic, ``syn-r0001``).
HEADQUARTERS_REGION_SLUG = "syn-r0001"


def remove() -> int:
    from django.contrib.auth import get_user_model

    deleted, _ = get_user_model().objects.filter(username__in=USERNAMES.values()).delete()
    return deleted


def create(password: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cluster_portal.models import Role
    from cluster_portal.two_factor.policy import second_factor_required
    from regions.models import Headquarters

    user_model = get_user_model()
    accounts = {}
    with transaction.atomic():
        remove()
        headquarters = Headquarters.objects.get(region__slug=HEADQUARTERS_REGION_SLUG)
        for role, username in USERNAMES.items():
            user = user_model(
                username=username,
                role={"ministry": Role.MINISTRY, "headquarters": Role.HEADQUARTERS}.get(role, Role.ADMINISTRATOR),
                headquarters=headquarters if role == "headquarters" else None,
                is_staff=role == "administrator",
                last_name="bench",
            )
            user.set_password(password)
            user.full_clean()
            user.save()
            account = {"username": username, "totp_key": None}
            if second_factor_required(user):
                device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
                account["totp_key"] = device.key
            accounts[role] = account
    return accounts


def main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[:1] == ["create"]:
        print(json.dumps(create(os.environ["BENCH_PASSWORD"])))
        return 0
    if argv[:1] == ["remove"]:
        remove()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
