from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("地域・公募・交付")

    def ready(self):
        from regions import integrity  # noqa: F401  (registers the app's invariants for check_integrity)
