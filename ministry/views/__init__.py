"""Views of the ministry workflow, one module per area."""
