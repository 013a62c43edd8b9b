"""History timelines: who changed what and when, for every screen that shows one.

Field changes come from django-simple-history: each historical record is compared
with the one before it through ``HistoricalRecord.diff_against()``; values are shown
as a person reads them (choices as their labels, integers such as yen with digit
grouping, dates in the active language's format, "—" for empty). State changes come
from ``TransitionLog`` (who moved the object from which state to which, and why).
"""

from __future__ import annotations

import datetime
from collections import Counter
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
    source_log: object = None  # the TransitionLog of a "transition" entry


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


def record_changes(record, previous, *, logged: Counter | None = None, prefix: str = "") -> list[Change]:
    """What ``record`` changed since ``previous`` (``diff_against``), in the model's field order.

    ``logged`` holds the state changes ``TransitionLog`` shows, as ``(field, before, after)``; such a
    change is left out here (and taken off the counter), so that a state change is listed once."""
    model = record.instance_type
    delta = record.diff_against(previous, excluded_fields=SKIPPED_FIELDS)
    order = {model_field.name: index for index, model_field in enumerate(model._meta.concrete_fields)}
    changes = []
    for change in sorted(delta.changes, key=lambda change: order.get(change.field, len(order))):
        key = (change.field, change.old, change.new)
        if logged and logged[key] > 0:
            logged[key] -= 1
            continue
        model_field = model._meta.get_field(change.field)
        before, after = display_value(model_field, change.old), display_value(model_field, change.new)
        if before != after:  # e.g. None and "" both read "—"
            changes.append(Change(f"{prefix}{model_field.verbose_name}", before, after))
    return changes


def history_entries(obj, *, logged: Counter | None = None) -> list[TimelineEntry]:
    """The object's simple-history records as entries, oldest first (one query); none if it keeps no history."""
    history = getattr(obj, "history", None)
    if history is None:
        return []
    entries = []
    previous = None
    for record in history.select_related("history_user").order_by("history_date", "history_id"):
        kind = KINDS.get(record.history_type, "changed")
        changes = record_changes(record, previous, logged=logged) if previous is not None else []
        if kind != "changed" or changes:
            entries.append(TimelineEntry(record.history_date, record.history_user, kind, changes))
        previous = record
    return entries


def related_entries(records, describe=None) -> list[TimelineEntry]:
    """Entries for the rows a page lists with its object (a project's participations, a coordinator's
    activities), from a queryset of their historical records: each added, changed or removed row once,
    named (``describe(record)``, default ``str(record.instance)``), with before and after. One query
    (``select_related`` on ``records`` what ``describe`` reads)."""
    entries = []
    previous_of = {}
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        model = record.instance_type
        name = str(model._meta.verbose_name)
        row = describe(record) if describe else str(record.instance)
        kind = KINDS.get(record.history_type, "changed")
        previous = previous_of.get(record.id)
        if kind == "created" or previous is None:
            changes = [Change(name, "—", row)]
        elif kind == "deleted":
            changes = [Change(name, row, "—")]
        else:
            changes = record_changes(record, previous, prefix=f"{name}「{row}」 ")
        if changes:
            entries.append(TimelineEntry(record.history_date, record.history_user, kind, changes))
        previous_of[record.id] = record
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
            log,
        )
        for log in TransitionLog.for_object(obj)
    ]


def logged_state_changes(obj, logs) -> Counter:
    """The field changes the transition log already shows, as ``(field, before, after)`` raw values:
    the workflow's state field, or ``is_published`` for the publish / unpublish log entries."""
    workflow = getattr(type(obj), "workflow", None)
    counted = Counter()
    for log in logs:
        if {log.source_state, log.target_state} <= {"published", "unpublished"} and hasattr(obj, "is_published"):
            counted[("is_published", log.source_state == "published", log.target_state == "published")] += 1
        elif workflow is not None:
            counted[(workflow.state_field, log.source_state, log.target_state)] += 1
    return counted


def history_timeline(obj, *, related=()) -> list[TimelineEntry]:
    """Field changes (simple-history) and state changes (TransitionLog), newest first; each state change
    once (the log's entry, with its reason). ``related``: querysets of historical records of rows shown
    with the object, or ``(records, describe)`` pairs (see :func:`related_entries`). Two queries, and
    one per related queryset."""
    transitions = transition_entries(obj)
    logs = [entry.source_log for entry in transitions]
    entries = history_entries(obj, logged=logged_state_changes(obj, logs)) + transitions
    for related_rows in related:
        records, describe = related_rows if isinstance(related_rows, tuple) else (related_rows, None)
        entries += related_entries(records, describe)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
