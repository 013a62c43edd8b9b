"""Who needs a second factor, and what a signed-in session still has to do before protected pages."""

from __future__ import annotations

from django_otp import devices_for_user

# Set at login (``remember_device_state``): whether the user had a confirmed device then. For the
# roles where the second factor is optional this saves looking the devices up on every request.
HAD_DEVICE_SESSION_KEY = "two_factor_had_device"

STEP_VERIFY = "verify"
STEP_SETUP = "setup"


def second_factor_required(user) -> bool:
    """Ministry staff and administrators (superusers included) must sign in with a second factor."""
    return user.is_ministry or user.is_administrator


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def is_verified(user) -> bool:
    """The session passed the code step (``django_otp.middleware.OTPMiddleware`` sets ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def remember_device_state(request, user) -> None:
    """Called at every login (``user_logged_in``): note whether this user owes the code step."""
    if hasattr(request, "session"):
        request.session[HAD_DEVICE_SESSION_KEY] = has_confirmed_device(user)


def pending_step(request) -> str | None:
    """``"verify"`` (enter a code), ``"setup"`` (register an authenticator first) or None (nothing owed)."""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return None
    if second_factor_required(user):
        return STEP_VERIFY if has_confirmed_device(user) else STEP_SETUP
    had_device = request.session.get(HAD_DEVICE_SESSION_KEY)
    if had_device is None or had_device:
        # Looked up again while the step is owed (a session from before two-factor sign-in, or a
        # device reset by an administrator since the login): such a session is held at the code
        # page anyway, so this costs nothing on ordinary requests.
        had_device = has_confirmed_device(user)
        request.session[HAD_DEVICE_SESSION_KEY] = had_device
    return STEP_VERIFY if had_device else None
