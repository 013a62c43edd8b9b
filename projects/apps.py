from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("共同研究・予算・成果")

    def ready(self):
        from projects import integrity, rollups  # noqa: F401  (integrity registers the app's invariants)

        rollups.connect_signals()  # keeps RegionYearFigures in step with every row write (projects/rollups.py)
