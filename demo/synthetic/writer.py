"""Batched bulk inserts (with history records where a model keeps history), each row validated before it is queued."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import models

from cluster_portal.bulk_history import bulk_create_with_history
from demo.synthetic.plan import CHANGE_REASON, DEFAULT_BATCH_SIZE
from projects.models import (
    ProjectBudget,
)

# ---------------------------------------------------------------------------
# Writing in batches


def _validate(obj: models.Model) -> None:
    """Field validators and ``clean()``; foreign keys point at rows this run wrote, and
    uniqueness and check constraints are enforced by the database, so those queries are skipped.

    ``ProjectBudget.clean()`` sums the grant's allocations with one query per budget; its rules
    (same region, grant not exceeded, overrun needs a reason) are checked for the whole run
    with two aggregate queries at the end instead (``_check_rules``), and the overrun rule is
    also a database constraint."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    if isinstance(obj, ProjectBudget):
        obj.clean_fields(exclude=relations)
        return
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


@dataclass
class BulkWriter:
    """Queues new rows per model and inserts them ``batch_size`` at a time."""

    batch_size: int = DEFAULT_BATCH_SIZE
    validate: bool = True
    pending: dict = field(default_factory=lambda: defaultdict(list))
    created: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)

    def add(self, obj: models.Model) -> None:
        if self.validate:
            _validate(obj)
        queue = self.pending[type(obj)]
        queue.append(obj)
        if len(queue) >= self.batch_size:
            self.flush(type(obj))

    def create(self, objs: list[models.Model]) -> list[models.Model]:
        """Validate and insert ``objs`` at once (for rows whose ids are needed next)."""
        for obj in objs:
            if self.validate:
                _validate(obj)
        if objs:
            self._insert(type(objs[0]), objs)
        return objs

    def flush(self, model=None) -> None:
        for queued_model in [model] if model is not None else list(self.pending):
            objs = self.pending.pop(queued_model, [])
            if objs:
                self._insert(queued_model, objs)

    def _insert(self, model, objs) -> None:
        started = time.monotonic()
        if getattr(model._meta, "simple_history_manager_attribute", None):
            bulk_create_with_history(objs, model, batch_size=self.batch_size, change_reason=CHANGE_REASON)
        else:
            model._default_manager.bulk_create(objs, batch_size=self.batch_size)
        self.created[model._meta.label] += len(objs)
        self.seconds[model._meta.label] += time.monotonic() - started
