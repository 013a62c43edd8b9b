from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("地域・公募・交付")

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save

        from regions import integrity  # noqa: F401  (registers the app's invariants for check_integrity)
        from regions.models import Program, Region
        from regions.models.clusters import forget_region_names, start_request_names

        request_started.connect(start_request_names, dispatch_uid="regions-start-region-names")
        request_finished.connect(forget_region_names, dispatch_uid="regions-forget-region-names")
        for model in (Region, Program):
            for signal in (post_save, post_delete):
                signal.connect(forget_region_names, sender=model, dispatch_uid=f"regions-names-{model.__name__}")
