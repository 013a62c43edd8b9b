from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinatorsConfig(AppConfig):
    name = "coordinators"
    verbose_name = _("コーディネータ")

    def ready(self):
        from coordinators import integrity  # noqa: F401  (registers the app's invariants for check_integrity)
