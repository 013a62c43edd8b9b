"""Export a data set: Japanese headers, YYYY-MM-DD, integer yen, formula-escaped text.

python manage.py export_data --resource projects --format xlsx [--output FILE] [--encoding cp932] [--user NAME]
    [--codes]
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from cluster_portal.management.commands.import_data import resolve_user
from cluster_portal.tabular import files, registry
from cluster_portal.tabular.errors import DataFileError
from cluster_portal.tabular.services import data_export


class Command(BaseCommand):
    help = "データを CSV・Excel・JSON のファイルに出力します。"

    def add_arguments(self, parser):
        parser.add_argument("--resource", required=True, choices=[spec.name for spec in registry.SPECS])
        parser.add_argument("--format", dest="file_format", choices=list(files.FORMATS), default="xlsx")
        parser.add_argument("--encoding", default=files.UTF8_BOM, help="CSV のみ: utf-8-sig（既定）、utf-8、cp932")
        parser.add_argument("--output", help="出力先（既定は <resource>-<日付>.<形式>、- で標準出力）")
        parser.add_argument("--user", help="このユーザーの権限と地域で出力する")
        parser.add_argument(
            "--codes", action="store_true", help="種別・状態を表示名（既定）ではなくコード（英字）で出力する"
        )

    def handle(self, *args, resource, file_format, encoding, output, user, codes=False, **options):
        with translation.override("ja"):
            try:
                exported = data_export(
                    user=resolve_user(user),
                    resource=resource,
                    file_format=file_format,
                    encoding=files.normalize_encoding(encoding),
                    codes=codes,
                )
            except DataFileError as error:
                raise CommandError(str(error)) from None
        if output == "-":
            sys.stdout.buffer.write(exported.content)
            return
        path = Path(output or exported.filename)
        path.write_bytes(exported.content)
        self.stderr.write(f"{exported.rows:,}行を {path} に出力しました。")
