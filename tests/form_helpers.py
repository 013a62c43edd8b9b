"""What a browser sends besides the typed input: the one-time ``form_token`` of every create and edit
form, and the ``version`` an edit form was opened at (cluster_portal.concurrency)."""

import itertools

_tokens = itertools.count(1)


def form_token() -> str:
    return f"test-form-token-{next(_tokens):08d}"


def opened(data: dict | None = None, *, obj=None, **extra) -> dict:
    """``data`` as posted by a form opened just now: a fresh token and, for an edit of ``obj``, its
    current version (read from the database, as the page would have shown it)."""
    posted = {"form_token": form_token(), **(data or {}), **extra}
    if obj is not None:
        posted.setdefault("version", type(obj).objects.values_list("version", flat=True).get(pk=obj.pk))
    return posted
