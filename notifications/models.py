"""The outbox: one row per notification and recipient, written in the transaction that causes it.

A row is both the in-portal notification (the recipient's notifications page) and the e-mail
waiting to be delivered. ``outbox.notify()`` writes rows; a task (``tasks.deliver_notification``)
sends the e-mail after the commit; failures are retried with back-off and end as ``failed``,
visible to administrators with a resend action. Nothing is sent from a request.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import KINDS


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("送信待ち")
    SENDING = "sending", _("送信中")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信失敗")
    SKIPPED = "skipped", _("メールなし")  # muted kind, or no address: shown in the portal only


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def due(self, now=None):
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now())


class Notification(models.Model):
    kind = models.CharField(_("種類"), max_length=40, choices=[(name, kind.label) for name, kind in KINDS.items()])
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受信者"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
        help_text=_("空欄は ADMINS などアドレスだけの宛先（ポータルの通知一覧には出ません）"),
    )
    email = models.EmailField(_("送信先メールアドレス"), blank=True)
    language = models.CharField(_("言語"), max_length=10, default="ja")
    subject = models.CharField(_("件名"), max_length=300)
    body_text = models.TextField(_("本文（テキスト）"))
    body_html = models.TextField(_("本文（HTML）"), blank=True)
    url = models.CharField(_("リンク先"), max_length=500, blank=True, help_text=_("ポータル内のパス"))
    dedupe_key = models.CharField(
        _("重複防止キー"),
        max_length=200,
        blank=True,
        help_text=_("予定された通知（期限の事前連絡など）を二度送らないためのキー"),
    )
    status = models.CharField(
        _("送信状態"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("送信試行回数"), default=0)
    next_attempt_at = models.DateTimeField(_("次の送信予定"), default=timezone.now)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    claimed_at = models.DateTimeField(_("送信開始日時"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe_once_per_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
        ]

    def __str__(self):
        return self.subject

    @property
    def kind_info(self):
        return KINDS[self.kind]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationMute(models.Model):
    """A kind the user chose not to receive by e-mail (never an essential kind: ``outbox.set_muted``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_mutes")
    kind = models.CharField(_("種類"), max_length=40)

    class Meta:
        verbose_name = _("通知のミュート")
        verbose_name_plural = _("通知のミュート")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_mute_once")]

    def __str__(self):
        return f"{self.user}: {self.kind}"
