"""/accounts/password/…: change (signed in) and reset by e-mail (public/views/accounts.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from public.views import accounts

urlpatterns = [
    path("change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
