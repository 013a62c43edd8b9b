"""Writes that touch several rows of the projects app, one module per area of a headquarters' work:
projects and publication, budgets, execution, progress reports, results and events. Every function is
keyword-only, typed, atomic and validates with ``full_clean()`` before saving, so the same rules hold for
web forms, imports and the admin. Import from the submodule, e.g.
``from projects.services.execution import expenditure_create``."""
