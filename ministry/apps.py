from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinistryConfig(AppConfig):
    name = "ministry"
    verbose_name = _("文部科学省・審査委員の画面")
