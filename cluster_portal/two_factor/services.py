"""Writes of two-factor sign-in: registering an authenticator, issuing recovery codes, resetting."""

from __future__ import annotations

import base64
import io

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def pending_authenticator(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (the same secret until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def secret_for_display(device: TOTPDevice) -> str:
    """The secret in Base32, in groups of four, for typing into an authenticator app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as a QR code (SVG, as a ``data:`` image the CSP allows); "" without qrcode."""
    try:
        from django_otp.qr import write_qrcode_image

        out = io.BytesIO()
        write_qrcode_image(device.config_url, out)
    except ModuleNotFoundError:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@transaction.atomic
def authenticator_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a code from the app; returns the new recovery codes, or None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return recovery_codes_issue(user=device.user)


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with ``TWO_FACTOR_RECOVERY_CODES`` new one-time codes."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_reset(*, user) -> int:
    """Remove every second factor of ``user`` (authenticators and recovery codes); returns how many.

    Sessions verified with a removed device stop counting as verified at their next request, so a
    ministry user or administrator is sent to set-up again.
    """
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)
