"""Import and export in the Django admin, through the same service as the portal pages.

``DataIOAdminMixin`` adds django-import-export's changelist buttons and the
"export selected" action. Export honours the changelist's current filters and
search (the library's ``get_export_queryset``) and is written by
``data_export()`` (Japanese headers, formula escaping, YYYY-MM-DD, integer yen).
Import goes to the portal's own import page for the model, which previews and
then imports all or nothing.
"""

from django.shortcuts import redirect
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats import base_formats

from cluster_portal.tabular import files, registry
from cluster_portal.tabular.services import data_export


class DataIOAdminMixin(ImportMixin, ExportActionMixin):
    formats = [base_formats.XLSX, base_formats.CSV, base_formats.JSON]
    to_encoding = files.UTF8_BOM

    def get_resource_classes(self, request):
        spec = registry.for_model(self.model)
        return [spec.resource_class] if spec else []

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def _spec(self):
        return registry.for_model(self.model)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        extension = file_format.get_extension()
        return data_export(
            user=request.user,
            resource=self._spec().name,
            file_format=extension,
            encoding=files.UTF8_BOM,
            queryset=queryset,
        ).content

    def import_action(self, request, **kwargs):
        return redirect("dataio:import", name=self._spec().name)

    def process_import(self, request, **kwargs):
        return redirect("dataio:import", name=self._spec().name)
