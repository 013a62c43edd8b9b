"""Self-service passwords: change (signed in) and reset by e-mail (signed out).

Django's own views and tokens (``PASSWORD_RESET_TIMEOUT``: a link works once and for a limited
time), with Japanese templates; the reset mail goes through the outbox like every other mail
(``notifications.outbox``, kind ``password_reset``, essential). Known and unknown addresses get
the same answer and the same page, so the form tells nobody which addresses have an account;
posts are rate-limited per client address (``RATE_LIMIT_PASSWORD_RESET``).
"""

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator

from cluster_portal.ratelimit import rate_limited
from notifications import outbox


class OutboxPasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, its mail written to the outbox (delivered by the worker) instead of sent."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        user = context["user"]
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        outbox.notify("password_reset", [user], context={"username": user.get_username()}, path=path)


@method_decorator(rate_limited("password_reset", methods=("POST",)), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
