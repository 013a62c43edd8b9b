"""Write notifications (``notify``) and deliver them (``deliver``, ``deliver_due``).

``notify()`` must be called inside the transaction of the change that causes it: the rows
commit or roll back with that change, so a crash, a stopped worker or a down SMTP server
loses nothing. After the commit a delivery task is enqueued per row; if enqueueing fails
(the queue is down) the row simply waits for the next ``deliver_due()`` sweep, which
``send_reminders`` runs every few minutes.

Delivery claims a row with a conditional UPDATE (pending → sending), so two workers never send
the same row; a failure puts it back to pending with exponential back-off and, after
``NOTIFICATION_MAX_ATTEMPTS``, marks it failed (the admin lists failed rows with a resend action).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.kinds import KINDS
from notifications.models import DeliveryStatus, Notification, NotificationMute

logger = logging.getLogger(__name__)

STUCK_AFTER = datetime.timedelta(minutes=10)  # a row "sending" longer than this lost its worker


def max_attempts() -> int:
    return getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt (capped at six hours)."""
    base = getattr(settings, "NOTIFICATION_RETRY_SECONDS", 60)
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else settings.SITE_URL


def user_language(user) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def muted_kinds(user) -> set[str]:
    return set(NotificationMute.objects.filter(user=user).values_list("kind", flat=True))


def set_muted(user, kinds: Iterable[str]) -> None:
    """Replace the user's muted kinds; essential kinds are never muted, whatever is asked."""
    wanted = {name for name in kinds if name in KINDS and not KINDS[name].essential}
    with transaction.atomic():
        NotificationMute.objects.filter(user=user).exclude(kind__in=wanted).delete()
        existing = muted_kinds(user)
        NotificationMute.objects.bulk_create(NotificationMute(user=user, kind=name) for name in wanted - existing)


def render(kind: str, recipient, context: dict, path: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one notification in the recipient's language."""
    info = KINDS[kind]
    url = absolute_url(path)
    with translation.override(user_language(recipient)):
        values = {"recipient": recipient, "url": url, "kind": info, **context}
        subject = " ".join((str(info.subject) % context).split())
        text = render_to_string(f"notifications/email/{kind}.txt", values).strip() + "\n"
        html = render_to_string("notifications/email/layout.html", {**values, "subject": subject, "body": text})
    return subject[:300], text, html


def notify(kind: str, recipients: Iterable, *, context: dict, path: str = "", dedupe_key: str = "") -> list:
    """Record one notification per recipient (deduplicated by user); deliver each after the commit.

    With ``dedupe_key`` a recipient who already has a notification with that key gets nothing new:
    scheduled reminders can run any number of times and send each once.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    created = []
    seen = set()
    for recipient in recipients:
        if recipient is None or recipient.pk in seen or not recipient.is_active:
            continue
        seen.add(recipient.pk)
        if dedupe_key and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
            continue
        subject, text, html = render(kind, recipient, context, path)
        mail_it = bool(recipient.email) and (KINDS[kind].essential or kind not in muted_kinds(recipient))
        notification = Notification(
            kind=kind,
            recipient=recipient,
            email=recipient.email,
            language=user_language(recipient),
            subject=subject,
            body_text=text,
            body_html=html,
            url=path,
            dedupe_key=dedupe_key,
            status=DeliveryStatus.PENDING if mail_it else DeliveryStatus.SKIPPED,
        )
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:  # the same reminder written by a concurrent run
            continue
        created.append(notification)
    enqueue_after_commit(notification.pk for notification in created if notification.status == DeliveryStatus.PENDING)
    return created


def notify_addresses(
    kind: str,
    addresses: Iterable[str],
    *,
    subject: str,
    body: str,
    dedupe_key: str = "",
    dedupe_window: datetime.timedelta | None = None,
) -> list:
    """Mail to addresses that are no portal user (``ADMINS``): the text is given, not rendered.

    With ``dedupe_key`` and ``dedupe_window``, an address that got the same key within the window
    gets nothing new (one report per error and hour, not one per failing request)."""
    since = timezone.now() - dedupe_window if dedupe_window else None
    created = []
    for address in dict.fromkeys(addresses):
        if dedupe_key and since is not None:
            recent = Notification.objects.filter(email=address, dedupe_key=dedupe_key, created_at__gte=since)
            if recent.exists():
                continue
        created.append(
            Notification.objects.create(
                kind=kind,
                recipient=None,
                email=address,
                language=settings.LANGUAGE_CODE,
                subject=subject[:300],
                body_text=body,
                dedupe_key=dedupe_key,
            )
        )
    enqueue_after_commit(notification.pk for notification in created)
    return created


def enqueue_after_commit(ids: Iterable[int]) -> None:
    """Queue the delivery of these notifications once the writing transaction commits (never for a
    rolled-back change)."""
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: Iterable[int], run_after: datetime.datetime | None = None) -> None:
    """Queue delivery tasks; a queue that is down only delays delivery until the next sweep."""
    from notifications.tasks import deliver_notification

    task = deliver_notification
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the sweep picks the row up when it is due
        task = task.using(run_after=run_after)
    for pk in ids:
        try:
            task.enqueue(pk)
        except Exception:
            logger.exception("Could not enqueue delivery of notification %s; the next sweep will send it", pk)


def deliver(pk: int) -> str:
    """Send one notification if it is due; return its status afterwards. Safe to call twice."""
    now = timezone.now()
    claimed = (
        Notification.objects.due(now)
        .filter(pk=pk)
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    notification = Notification.objects.filter(pk=pk).first()
    if not claimed or notification is None:
        return notification.status if notification else "missing"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    try:
        message.send()
    except Exception as error:  # SMTP down, refused, timed out: retry later
        failed = notification.attempts >= max_attempts()
        retry_at = now + backoff(notification.attempts)
        Notification.objects.filter(pk=pk).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            next_attempt_at=retry_at,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("Notification %s not delivered (attempt %s): %s", pk, notification.attempts, error)
        if not failed:
            enqueue([pk], run_after=retry_at)
        return DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING
    Notification.objects.filter(pk=pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return DeliveryStatus.SENT


def deliver_due(limit: int = 500) -> int:
    """The sweep: release rows whose worker died mid-send, then send every due row. Returns how many were sent."""
    now = timezone.now()
    Notification.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lte=now - STUCK_AFTER).update(
        status=DeliveryStatus.PENDING
    )
    ids = list(Notification.objects.due(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if deliver(pk) == DeliveryStatus.SENT)


def resend(queryset) -> int:
    """Administrators' resend: failed (or skipped for want of an address since fixed) rows go out again."""
    ids = list(queryset.exclude(email="").exclude(status=DeliveryStatus.SENT).values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    transaction.on_commit(lambda: enqueue(ids))
    return len(ids)


def mark_read(user, ids=None) -> int:
    rows = Notification.objects.for_user(user).unread()
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
