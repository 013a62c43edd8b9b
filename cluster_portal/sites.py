"""The admin site: for administrators only.

``PortalAdminConfig.default_site`` points here. This module must not import any
admin module that registers models (``django.contrib.auth.admin`` does):
``django.contrib.admin`` imports it while it builds ``admin.site``, and a
registration made during that import would land on a throwaway instance.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class PortalAdminAuthenticationForm(AdminAuthenticationForm):
    """Admin login for administrators only: the same rule as ``has_permission``, not ``is_staff``."""

    def confirm_login_allowed(self, user):
        if not user.is_administrator:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PortalAdminSite(admin.AdminSite):
    site_header = _("知的クラスター創成事業 ポータル 管理")
    site_title = _("知的クラスター創成事業 ポータル 管理")
    index_title = _("管理メニュー")
    login_form = PortalAdminAuthenticationForm

    def has_permission(self, request):
        """Only active administrators (role or superuser) whose session passed the second factor
        (django-otp's ``is_verified``) may use the admin; ``is_staff`` is not enough."""
        user = request.user
        is_verified = getattr(user, "is_verified", None)
        return user.is_active and user.is_administrator and bool(is_verified and is_verified())
