from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.kinds import mutable_kinds


class NotificationSettingsForm(forms.Form):
    language = forms.ChoiceField(
        label=_("通知の言語"),
        choices=settings.LANGUAGES,
        help_text=_("メールとこのページの通知をこの言語で作成します。"),
    )
    mailed = forms.MultipleChoiceField(
        label=_("メールで受け取る通知"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("チェックを外した種類はメールを送らず、このポータルの通知一覧にだけ表示します。"),
    )

    def __init__(self, *args, role=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mailed"].choices = [(kind.name, kind.label) for kind in mutable_kinds(role)]
