"""Derived rows kept in step with the base tables inside the writing transaction (e.g. the per
region × fiscal-year rollups of ``projects.rollups``).

The kernel only knows two things, so the generic import engine and the commands can take part
without importing the domain:

* :func:`deferred` — a context manager: refreshes that writes inside it ask for (``touch``) are
  collected and run once, at its end, still inside the caller's transaction. Outside it a refresh
  runs at once. A block left by an exception refreshes nothing (its transaction rolls back anyway).
* :func:`bulk_written` — bulk writes (``bulk_create``, ``QuerySet.update()``) send no model signals;
  a bulk write path calls this once after its writes (the import engine, ``load_demo``,
  ``generate_data``) and every derived table rebuilds what it derives from ``model`` (None: all);
  it also bumps the public cache generation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.dispatch import Signal

#: sent by :func:`bulk_written`; ``sender`` is the model written in bulk, or None for "anything"
bulk_write = Signal()

#: the key meaning "every row" (a refresh function given it recomputes its whole table)
ALL = ("*", "*")

_local = threading.local()


def _stack() -> list[dict]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


class _Pending(dict):
    everything = False


@contextmanager
def deferred(*, everything: bool = False):
    """Collect the refreshes asked for inside; run each refresh function once at the end (nested: at the outer end).

    ``everything``: the block rewrites so much that each refresh asked for recomputes its whole table
    (``ALL``) — receivers then need not work out which rows a write touched (:func:`collecting_all`)."""
    stack = _stack()
    pending = _Pending()
    pending.everything = everything or bool(stack and stack[-1].everything)
    stack.append(pending)
    try:
        yield
    finally:
        stack.pop()
    # only reached without an exception
    if stack:
        for refresh, keys in pending.items():
            stack[-1].setdefault(refresh, set()).update(keys)
        return
    for refresh, keys in pending.items():
        refresh(keys)


def collecting_all() -> bool:
    """Inside ``deferred(everything=True)``: a write's keys are not needed."""
    stack = _stack()
    return bool(stack and stack[-1].everything)


def touch(refresh: Callable[[set], None], keys: Iterable) -> None:
    """Run ``refresh(keys)`` now, or once with every key collected at the end of the enclosing :func:`deferred`."""
    keys = set(keys)
    if not keys:
        return
    stack = _stack()
    if stack:
        stack[-1].setdefault(refresh, set()).update({ALL} if stack[-1].everything else keys)
    else:
        refresh(keys)


def bulk_written(model=None) -> None:
    """Tell the derived tables that ``model`` (None: any model) was written without model signals, and
    make the cached public pages stale (``cluster_portal.cache.invalidate_public_data``) — the one call
    a bulk write path makes."""
    from cluster_portal.cache import invalidate_public_data

    bulk_write.send(sender=model)
    invalidate_public_data()
