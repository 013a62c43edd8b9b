"""Web pages of the ministry workflow (issue 3): the ministry's calls, review table, selection,
grants and evaluations (``ministry:``), headquarters' proposals (``proposals:``) and
reviewers' scoring (``reviews:``)."""
