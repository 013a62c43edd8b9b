from django import forms
from django.utils.translation import gettext_lazy as _

from cluster_portal.tabular import files, limits

AUTO_FORMAT = "auto"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("ファイル"),
        help_text=_("CSV、Excel（.xlsx）、JSON。1行目は見出し（日本語または英語の列名）にしてください。"),
    )
    file_format = forms.ChoiceField(
        label=_("ファイル形式"),
        choices=[(AUTO_FORMAT, _("ファイル名から判断")), *files.FORMATS.items()],
        initial=AUTO_FORMAT,
    )
    encoding = forms.ChoiceField(
        label=_("文字コード（CSV・JSON）"),
        choices=list(files.IMPORT_ENCODINGS.items()),
        initial=files.AUTO,
        help_text=_("日本語版Excelで「CSV（コンマ区切り）」として保存したファイルは Shift_JIS（CP932）です。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > limits.max_bytes():
            raise forms.ValidationError(
                _("ファイルが大きすぎます（%(size)sMB）。%(limit)sMB以下のファイルにしてください。")
                % {"size": limits.megabytes(upload.size), "limit": limits.megabytes(limits.max_bytes())}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and cleaned.get("file_format") == AUTO_FORMAT:
            guessed = files.guess_format(upload.name)
            if guessed is None:
                self.add_error("file_format", _("ファイル名から形式がわかりません。ファイル形式を選んでください。"))
            else:
                cleaned["file_format"] = guessed
        return cleaned


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(label=_("ファイル形式"), choices=list(files.FORMATS.items()), initial="xlsx")
    encoding = forms.ChoiceField(
        label=_("文字コード（CSV）"),
        choices=list(files.EXPORT_ENCODINGS.items()),
        initial=files.UTF8_BOM,
    )
    codes = forms.BooleanField(
        label=_("種別・状態などをコード（英字）で出力する"),
        required=False,
        help_text=_(
            "通常は「人件費」「特許登録」のような表示名で出力します。"
            "ほかのシステムに渡すときなどは、コード（personnel、patent_granted）で出力できます。"
            "どちらで出力したファイルもそのまま取り込めます。"
        ),
    )
