"""Delete import/export results past their retention and fail jobs whose worker died; run hourly from cron.

15 * * * *  cd /srv/cluster-portal && .venv/bin/python manage.py prune_data_jobs
"""

from django.core.management.base import BaseCommand

from dataio import jobs


class Command(BaseCommand):
    help = "保存期限を過ぎた取込・出力の結果を削除し、中断された処理を失敗にします。"

    def handle(self, *args, **options):
        self.stdout.write(f"data jobs deleted: {jobs.prune()}")
