"""Bulk import and export (データ取込・出力) built on django-import-export.

- ``resources.py``  the shared ``PortalResource`` base (natural keys, Japanese and
  English headers, region scope, row checks) and its widgets (``widgets.py``);
  each app's ``resources.py`` declares its own resources on top of it.
- ``files.py``      reading uploads: size and row limits, encoding detection
  (UTF-8, UTF-8 with BOM, Shift_JIS/CP932), CSV/XLSX/JSON parsing; writing
  exports (CSV and XLSX through ``writers.py``).
- ``writers.py``    the one formula-safe CSV/XLSX writer of the portal, also used
  by the public open-data downloads (streamed CSV).
- ``services.py``   ``data_import()`` (dry run or one all-or-nothing transaction)
  and ``data_export()``; the web pages, the admin and the management commands
  all go through these two functions.
- ``registry.py``   the resources by name, with who may import or export them.
"""
