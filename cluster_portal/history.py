"""History timelines: who changed what and when, for every screen that shows one.

Field changes come from django-simple-history: each historical record is compared
with the one before it through ``HistoricalRecord.diff_against()``; values are shown
as a person reads them (choices as their labels, integers such as yen with digit
grouping, dates in the active language's format, "—" for empty). State changes come
from ``TransitionLog`` (who moved the object from which state to which, and why).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cluster_portal.models import TransitionLog

SKIPPED_FIELDS = {"id", "version", "created_at", "updated_at"}
KINDS = {"+": "created", "~": "changed", "-": "deleted"}


class Change(NamedTuple):
    """One changed value as shown: the field's label, before and after."""

    label: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    when: object
    who: object
    kind: str  # "created", "changed", "deleted", "transition"
    changes: list[Change] = field(default_factory=list)
    note: str = ""


def display_value(model_field, value) -> str:
    """A stored value as the timeline shows it."""
    if model_field.choices:
        labels = dict(model_field.flatchoices)
        return str(labels.get(value, value))
    if isinstance(value, int) and not isinstance(value, bool) and not model_field.is_relation:
        return f"{value:,}"
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def record_changes(record, previous) -> list[Change]:
    """What ``record`` changed since ``previous`` (``diff_against``), in the model's field order."""
    model = record.instance_type
    delta = record.diff_against(previous, excluded_fields=SKIPPED_FIELDS)
    order = {model_field.name: index for index, model_field in enumerate(model._meta.concrete_fields)}
    changes = []
    for change in sorted(delta.changes, key=lambda change: order.get(change.field, len(order))):
        model_field = model._meta.get_field(change.field)
        before, after = display_value(model_field, change.old), display_value(model_field, change.new)
        if before != after:  # e.g. None and "" both read "—"
            changes.append(Change(str(model_field.verbose_name), before, after))
    return changes


def history_entries(obj) -> list[TimelineEntry]:
    """The object's simple-history records as entries, oldest first (one query); none if it keeps no history."""
    history = getattr(obj, "history", None)
    if history is None:
        return []
    entries = []
    previous = None
    for record in history.select_related("history_user").order_by("history_date", "history_id"):
        kind = KINDS.get(record.history_type, "changed")
        changes = record_changes(record, previous) if previous is not None else []
        if kind != "changed" or changes:
            entries.append(TimelineEntry(record.history_date, record.history_user, kind, changes))
        previous = record
    return entries


def state_labels(obj) -> dict[str, str]:
    labels = {"published": _("公開"), "unpublished": _("非公開")}
    workflow = getattr(type(obj), "workflow", None)
    if workflow is not None:
        labels.update({code: str(label) for code, label in workflow.choices.choices})
    return labels


def transition_entries(obj) -> list[TimelineEntry]:
    """The object's logged state changes (``TransitionLog``), oldest first (one query)."""
    labels = state_labels(obj)
    return [
        TimelineEntry(
            log.created_at,
            log.actor,
            "transition",
            [
                Change(
                    str(_("状態")),
                    labels.get(log.source_state, log.source_state),
                    labels.get(log.target_state, log.target_state),
                )
            ],
            log.reason,
        )
        for log in TransitionLog.for_object(obj)
    ]


def history_timeline(obj) -> list[TimelineEntry]:
    """Field changes (simple-history) and state changes (TransitionLog), newest first. Two queries."""
    entries = history_entries(obj) + transition_entries(obj)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
