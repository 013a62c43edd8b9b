from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("地域・公募・交付")

    def ready(self):
        from django.core.signals import request_started

        from regions import integrity  # noqa: F401  (registers the app's invariants for check_integrity)
        from regions.models.clusters import forget_region_names

        request_started.connect(forget_region_names, dispatch_uid="regions-forget-region-names")
