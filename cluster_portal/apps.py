from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ClusterPortalConfig(AppConfig):
    name = "cluster_portal"
    verbose_name = _("ポータル基盤")

    def ready(self):
        from cluster_portal import cache, log

        log.install_record_factory()  # every log record carries the request id (cluster_portal/log.py)
        cache.connect_signals()  # bumps the public data generation on writes (cluster_portal/cache.py)

        from django.contrib.auth.signals import user_logged_in

        from cluster_portal.two_factor.policy import remember_device_state

        # Whether the user owes the code step is noted at every login (cluster_portal/two_factor/).
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: remember_device_state(request, user),
            dispatch_uid="two_factor_remember_device_state",
            weak=False,
        )


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's administrators-only site as the default site."""

    default = False  # ClusterPortalConfig stays the default config of this module
    default_site = "cluster_portal.sites.PortalAdminSite"
