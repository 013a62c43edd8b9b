"""Pieces shared by the ministry workflow views. Role guards are ``cluster_portal.guards``; running a
service once per form token, the conflict page and one-step actions are ``cluster_portal.web``."""

# The conflict page of a stale edit, in the ministry pages' layout.
CONFLICT_TEMPLATE = "conflict.html"
