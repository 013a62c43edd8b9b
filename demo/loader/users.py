"""Demo users, one per role, with passwords that are never fixed in the code.

Each run sets a fresh random password per user (``secrets``), unless one
password is given with ``--password`` or the DEMO_PASSWORD environment variable.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from cluster_portal.models import Role, User
from demo.loader.base import DemoContext
from regions.models import Headquarters


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str
    region_slug: str = ""  # headquarters users only
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("ministry", Role.MINISTRY, "（デモ）文部科学省 担当者"),
    DemoUser("reviewer", Role.REVIEWER, "（デモ）審査委員 1"),
    DemoUser("reviewer2", Role.REVIEWER, "（デモ）審査委員 2"),
    DemoUser("admin", Role.ADMINISTRATOR, "（デモ）システム管理者", is_staff=True, is_superuser=True),
    DemoUser("hq-hamamatsu", Role.HEADQUARTERS, "（デモ）浜松地域 本部職員", region_slug="hamamatsu-2"),
    DemoUser(
        "hq-sapporo",
        Role.HEADQUARTERS,
        "（デモ）札幌周辺を核とする道央地域 本部職員",
        region_slug="central-hokkaido-around-sapporo-2",
    ),
)


def _hash_passwords(passwords: list[str]) -> list[str]:
    """Hash in threads: PBKDF2 releases the GIL, and six hashes one after another take seconds."""
    with ThreadPoolExecutor(max_workers=len(passwords) or 1) as pool:
        return list(pool.map(make_password, passwords))


def upsert_users(*, ctx: DemoContext) -> dict[str, User]:
    """Create or update the demo users and record their logins for the final table."""
    passwords = [ctx.password or secrets.token_urlsafe(12) for _ in DEMO_USERS]
    hashes = _hash_passwords(passwords)
    for spec, password, hashed in zip(DEMO_USERS, passwords, hashes, strict=True):
        headquarters = (
            Headquarters.objects.select_related("region").get(region__slug=spec.region_slug)
            if spec.region_slug
            else None
        )
        user = User.objects.filter(username=spec.username).first()
        counter = ctx.updated if user else ctx.created
        user = user or User(username=spec.username)
        user.role = spec.role
        user.headquarters = headquarters
        user.display_name = spec.display_name
        user.email = f"{spec.username}@example.org"
        user.is_active = True
        user.is_staff = spec.is_staff
        user.is_superuser = spec.is_superuser
        user.password = hashed
        user.full_clean()
        user.save()
        counter[User._meta.label] += 1
        ctx.users[spec.username] = user
        ctx.logins.append((spec.username, spec.role, headquarters.region.name if headquarters else "—", password))
    return ctx.users
