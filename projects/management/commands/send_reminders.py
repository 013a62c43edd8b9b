"""Scheduled notifications and the outbox sweep; safe to run every few minutes from cron.

    */5 * * * *  cd /srv/cluster-portal && .venv/bin/python manage.py send_reminders

Writes the notices that are due (report due in N days or overdue, review deadline near, call
closing soon; each once, by its dedupe key), then delivers every notification still waiting
(a queue that was down, a retry whose back-off has passed).
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from notifications import outbox
from projects.services.reports import reports_due
from regions.services.reminders import calls_closing, review_deadlines


class Command(BaseCommand):
    help = "期限の事前連絡を作成し、送信待ちの通知を送ります（何度実行しても同じ通知は一度だけ）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="Treat this day as today (YYYY-MM-DD).")
        parser.add_argument("--days", type=int, default=None, help="Days of notice (default REMINDER_DAYS_BEFORE).")

    def handle(self, *args, date=None, days=None, **options):
        today = date or timezone.localdate()
        days = settings.REMINDER_DAYS_BEFORE if days is None else days
        with transaction.atomic():
            counts = {
                "report": reports_due(today=today, days=days),
                "review": review_deadlines(today=today, days=days),
                "call": calls_closing(today=today, days=days),
            }
        sent = outbox.deliver_due()
        self.stdout.write(
            f"reminders written: reports {counts['report']}, reviews {counts['review']}, calls {counts['call']}; "
            f"notifications delivered: {sent}"
        )
