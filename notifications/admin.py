from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import outbox
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox for administrators: what was sent, what waits, what failed (and why), with a resend action."""

    list_display = ["created_at", "kind", "recipient", "email", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["subject", "email", "recipient__username"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("最後のエラー"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("選択した通知を再送する"), permissions=["view"])
    def resend(self, request, queryset):
        count = outbox.resend(queryset)
        for notification in queryset:
            self.log_change(request, notification, str(_("再送を指示しました")))
        self.message_user(
            request,
            ngettext("%(count)d件を再送します。", "%(count)d件を再送します。", count) % {"count": count},
            messages.SUCCESS,
        )
