"""Pages of two-factor sign-in.

After the password (``PortalLoginView``) a session that owes a step goes to it: the code page
(``verify``) when the user has an authenticator, the set-up page (``setup``) when the role requires
one and none is registered. Set-up shows the secret (QR code and text), takes one code to confirm
it and shows the recovery codes once. ``account`` is where every signed-in user sees their second
factor, issues new recovery codes and — headquarters staff and reviewers only — opts in or out.

A wrong code counts as a failed login for django-axes (``user_login_failed`` with the user name),
so the lockout of the password step covers the code step too; a locked-out session is logged out.
"""

from __future__ import annotations

from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cluster_portal.middleware import client_ip, lockout_response
from cluster_portal.two_factor import policy, services
from cluster_portal.two_factor.forms import AuthenticatorCodeForm, RecoveryCodeForm


def safe_next_url(request, default: str = "home") -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    hosts = {request.get_host()}
    allowed = url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=request.is_secure())
    if url and allowed:
        return url
    return resolve_url(default)


def step_url(step: str, next_url: str) -> str:
    return f"{reverse(f'two_factor:{step}')}?{urlencode({'next': next_url})}"


class PortalLoginView(LoginView):
    """Django's login; a user who owes the code step (or set-up) goes there before the next page."""

    def get_success_url(self):
        url = super().get_success_url()
        step = policy.pending_step(self.request)
        return step_url(step, url) if step else url


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def _locked_out(request):
    logout(request)
    return lockout_response(request)


def _match(user, devices, token: str):
    for device in devices:
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def _wrong_code_message(devices) -> str:
    """Wrong, or refused unchecked while django-otp's per-device delay after failures runs (1, 2, 4… s)."""
    waits = []
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            waits.append(max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1))
    if waits:
        return _("確認コードの入力に続けて失敗したため、%(seconds)d秒ほど待ってからもう一度入力してください。") % {
            "seconds": max(waits)
        }
    return _("コードが正しくないか、有効期限が切れています。もう一度入力してください。")


@never_cache
def verify(request):
    """The code step: a code from the authenticator app, or one of the recovery codes."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = safe_next_url(request)
    step = policy.pending_step(request)
    if step is None:
        return redirect(next_url)
    if step == policy.STEP_SETUP:
        return redirect(step_url(policy.STEP_SETUP, next_url))

    code_form, recovery_form = AuthenticatorCodeForm(), RecoveryCodeForm()
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, _credentials(user)):
            return _locked_out(request)
        if "recovery_code" in request.POST:
            recovery_form = form = RecoveryCodeForm(request.POST)
            field, devices = "recovery_code", StaticDevice.objects.filter(user=user, confirmed=True)
        else:
            code_form = form = AuthenticatorCodeForm(request.POST)
            field, devices = "code", TOTPDevice.objects.filter(user=user, confirmed=True)
        if form.is_valid():
            device = _match(user, devices, form.cleaned_data[field])
            if device is not None:
                request.session.cycle_key()  # a new session id for the now fully signed-in session
                otp_login(request, device)
                AxesProxyHandler.reset_attempts(ip_address=client_ip(request), username=user.get_username())
                if field == "recovery_code":
                    messages.warning(
                        request,
                        _("リカバリーコードでログインしました。残りのリカバリーコードは%(count)d個です。")
                        % {"count": services.recovery_codes_left(user)},
                    )
                return redirect(next_url)
            form.add_error(field, _wrong_code_message(devices))
        if form.data.get(field, "").strip():
            user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
            if getattr(request, "axes_locked_out", False):
                return _locked_out(request)
    return render(
        request,
        "two_factor/verify.html",
        {"code_form": code_form, "recovery_form": recovery_form, "next": next_url},
    )


@never_cache
def setup(request):
    """Register an authenticator app: the secret, one code to confirm it, then the recovery codes once."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = safe_next_url(request)
    if policy.has_confirmed_device(user):
        # Never a second authenticator from a session that has not passed the code step.
        messages.info(request, _("2段階認証は既に設定されています。"))
        if not policy.is_verified(user):
            return redirect(step_url(policy.STEP_VERIFY, next_url))
        return redirect("two_factor:account")

    device = services.pending_authenticator(user)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.authenticator_confirm(device=device, token=form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            request.session[policy.HAD_DEVICE_SESSION_KEY] = True
            return render(request, "two_factor/recovery_codes.html", {"codes": codes, "next": next_url, "new": True})
        form.add_error(
            "code", _("コードが正しくありません。認証アプリに表示されている最新のコードを入力してください。")
        )
    return render(
        request,
        "two_factor/setup.html",
        {
            "form": form,
            "next": next_url,
            "secret": services.secret_for_display(device),
            "config_url": device.config_url,
            "qr_code": services.qr_code_data_uri(device),
            "required": policy.second_factor_required(user),
        },
    )


@never_cache
@require_safe
def account(request):
    """Every signed-in user's second factor: status, new recovery codes, opt in or out where optional."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    has_device = policy.has_confirmed_device(user)
    return render(
        request,
        "two_factor/account.html",
        {
            "has_device": has_device,
            "verified": policy.is_verified(user),
            "required": policy.second_factor_required(user),
            "recovery_codes_left": services.recovery_codes_left(user) if has_device else 0,
        },
    )


def _verified_or_redirect(request):
    """A change to the second factor needs a session that passed the code step."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("two_factor:account"))
    if not policy.is_verified(request.user):
        messages.error(request, _("この操作には2段階認証でのログインが必要です。"))
        return redirect("two_factor:account")
    return None


@never_cache
@require_POST
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    refused = _verified_or_redirect(request)
    if refused:
        return refused
    codes = services.recovery_codes_issue(user=request.user)
    return render(
        request,
        "two_factor/recovery_codes.html",
        {"codes": codes, "next": reverse("two_factor:account"), "new": False},
    )


@require_POST
def disable(request):
    """Headquarters staff and reviewers may switch their second factor off again; required roles may not."""
    refused = _verified_or_redirect(request)
    if refused:
        return refused
    user = request.user
    if policy.second_factor_required(user):
        messages.error(request, _("文部科学省の担当者とシステム管理者は、2段階認証を解除できません。"))
        return redirect("two_factor:account")
    services.two_factor_reset(user=user)
    request.session[policy.HAD_DEVICE_SESSION_KEY] = False
    messages.success(request, _("2段階認証を解除しました。次回からパスワードだけでログインします。"))
    return redirect("two_factor:account")
