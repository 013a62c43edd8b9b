"""Import a large file: the same checks, preview and all-or-nothing rule as the web pages.

    python manage.py import_data FILE --resource projects [--dry-run] [--encoding cp932] [--format csv]
        [--user USERNAME]

Without ``--user`` the command runs with full access (as an administrator);
with it, that user's permissions and region scope apply. Exits non-zero when
anything is wrong; then nothing has been saved.
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from cluster_portal.tabular import files, registry
from cluster_portal.tabular.services import data_import

MAX_SHOWN_ERRORS = 200


class ProgressBar:
    """A one-line text progress bar on stderr, redrawn every percent."""

    def __init__(self, stream, label: str, width: int = 30):
        self.stream = stream
        self.label = label
        self.width = width
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if not total else done * 100 // total
        if percent == self.last:
            return
        self.last = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def resolve_user(username):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"ユーザー「{username}」が見つかりません。") from None


class Command(BaseCommand):
    help = "CSV・Excel・JSON のファイルからデータを取り込みます（誤りが1つでもあれば何も保存しません）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="取り込むファイル")
        parser.add_argument("--resource", required=True, choices=[spec.name for spec in registry.SPECS])
        parser.add_argument("--dry-run", action="store_true", help="確認だけ行い、保存しない")
        parser.add_argument("--encoding", default=files.AUTO, help="auto（既定）、utf-8、utf-8-sig、cp932")
        parser.add_argument("--format", dest="file_format", choices=list(files.FORMATS), help="既定はファイル名から")
        parser.add_argument("--user", help="このユーザーの権限と地域で取り込む")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, resource, dry_run, encoding, file_format, user, no_progress, **options):
        with translation.override("ja"):
            return self.run(file, resource, dry_run, encoding, file_format, user, no_progress)

    def run(self, file, resource, dry_run, encoding, file_format, username, no_progress):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイル「{file}」がありません。")
        file_format = file_format or files.guess_format(path.name)
        if file_format is None:
            raise CommandError("ファイル形式がわかりません。--format csv|xlsx|json を指定してください。")
        size = path.stat().st_size
        try:
            files.check_size(size)
        except files.DataFileError as error:
            raise CommandError(str(error)) from None
        user = resolve_user(username)
        progress = None if no_progress else ProgressBar(sys.stderr, "取込")
        report = data_import(
            user=user,
            resource=resource,
            data=path.read_bytes(),
            file_format=file_format,
            encoding=encoding,
            dry_run=dry_run,
            progress=progress,
        )
        if report.encoding:
            self.stdout.write(f"文字コード: {report.encoding_label}")
        for warning in report.warnings:
            self.stdout.write(f"お知らせ: {warning}")
        self.stdout.write(
            f"{report.label}: {report.total:,}行（新規 {report.new:,}、更新 {report.updated:,}、"
            f"変更なし {report.unchanged:,}、誤り {report.error_rows:,}）"
        )
        if not report.ok:
            for issue in report.errors[:MAX_SHOWN_ERRORS]:
                self.stderr.write(str(issue))
            if len(report.errors) > MAX_SHOWN_ERRORS:
                self.stderr.write(f"ほか{len(report.errors) - MAX_SHOWN_ERRORS:,}件の誤り")
            raise CommandError("誤りがあるため、何も保存していません。")
        if dry_run:
            self.stdout.write("確認のみ（--dry-run）: 何も保存していません。")
        else:
            self.stdout.write(self.style.SUCCESS("取り込みました。"))
