"""Writes that touch several rows of the regions app, one module per area of the ministry
workflow: calls, proposals, reviews, selection, grants, evaluations. Events are written by
``projects.services.events`` (an event names the projects it presented). Import from the submodule,
e.g. ``from regions.services.grants import grant_amend``."""
