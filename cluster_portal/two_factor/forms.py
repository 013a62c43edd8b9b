"""The code fields of two-factor sign-in: labelled, numeric keyboard on phones, filled in by the
browser's or password manager's one-time-code support, full-width digits and spaces accepted."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _


def clean_code(value: str) -> str:
    """NFKC (full-width digits), without spaces and hyphens, lower case (recovery codes)."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if ch not in " -\t").lower()


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード（6桁）"),
        help_text=_("認証アプリに表示されている6桁の数字を入力してください。"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "size": "10",
            }
        ),
    )

    def clean_code(self):
        code = clean_code(self.cleaned_data["code"])
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("6桁の数字を入力してください。"))
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("リカバリーコード"),
        help_text=_(
            "認証アプリを使えないときは、設定のときに控えたリカバリーコードの1つを入力してください。各コードは1回だけ使えます。"
        ),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "size": "14"}
        ),
    )

    def clean_recovery_code(self):
        return clean_code(self.cleaned_data["recovery_code"])
