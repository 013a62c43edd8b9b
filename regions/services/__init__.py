"""Writes that touch several rows of the regions app, one module per area:
calls, proposals, reviews, selection, grants, evaluations (ministry workflow)
and events (headquarters workspace). Import from the submodule, e.g.
``from regions.services.grants import grant_amend``."""
