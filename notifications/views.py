"""The signed-in user's notifications (/notifications/) and their settings. A user sees only their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notifications import outbox
from notifications.forms import NotificationSettingsForm
from notifications.kinds import essential_kinds, mutable_kinds
from notifications.models import Notification

PER_PAGE = 30


@login_required
def notification_list(request):
    rows = Notification.objects.for_user(request.user)
    show = request.GET.get("show", "")
    if show == "unread":
        rows = rows.unread()
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "show": show})


@login_required
def notification_open(request, pk):
    """Mark one of the user's notifications read and go to the page it is about."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_mark_all_read(request):
    count = outbox.mark_read(request.user)
    messages.success(request, _("%(count)s件の通知を既読にしました。") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    user = request.user
    muted = outbox.muted_kinds(user)
    kinds = mutable_kinds(user.role)
    initial = {
        "language": outbox.user_language(user),
        "mailed": [kind.name for kind in kinds if kind.name not in muted],
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial, role=user.role)
    if request.method == "POST" and form.is_valid():
        user.language = form.cleaned_data["language"]
        user.save(update_fields=["language"])
        mailed = set(form.cleaned_data["mailed"])
        outbox.set_muted(user, [kind.name for kind in kinds if kind.name not in mailed])
        messages.success(request, _("通知の設定を保存しました。"))
        return redirect("notifications:settings")
    essential = essential_kinds(user.role)
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "essential": essential},
        status=422 if form.errors else 200,
    )
