"""Shared pieces of the headquarters workspace views: organisation name suggestions and the
history timeline of an object. Role guards are ``cluster_portal.guards``; running a service once
per form token and the conflict page are ``cluster_portal.web``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cluster_portal.models import TransitionLog
from regions.models import Organization


def organization_names() -> list[str]:
    """Suggestions for the organisation name inputs (<datalist>), one query."""
    return list(Organization.objects.order_by("name").values_list("name", flat=True).distinct())


# ---------------------------------------------------------------- history timeline

SKIPPED_FIELDS = {"id", "version", "created_at", "updated_at"}


@dataclass
class TimelineEntry:
    when: object
    who: object
    kind: str  # "created", "changed", "deleted", "transition"
    changes: list = field(default_factory=list)
    note: str = ""


def _field_value(record, model_field):
    value = getattr(record, model_field.attname)
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


def history_timeline(obj) -> list[TimelineEntry]:
    """Who changed what and when (simple_history) plus state changes (TransitionLog), newest first.

    Two queries: one for the history rows, one for the transitions.
    """
    entries: list[TimelineEntry] = []
    history = getattr(obj, "history", None)
    if history is not None:
        records = list(history.select_related("history_user").order_by("history_date", "history_id"))
        tracked = [
            f
            for f in type(obj)._meta.concrete_fields
            if f.name not in SKIPPED_FIELDS and not f.name.startswith("history")
        ]
        previous = None
        for record in records:
            kinds = {"+": "created", "~": "changed", "-": "deleted"}
            changes = []
            if previous is not None:
                for model_field in tracked:
                    before, after = _field_value(previous, model_field), _field_value(record, model_field)
                    if before != after:
                        changes.append((str(model_field.verbose_name), before, after))
            entry_kind = kinds.get(record.history_type, "changed")
            if entry_kind != "changed" or changes:
                entries.append(TimelineEntry(record.history_date, record.history_user, entry_kind, changes))
            previous = record
    for log in TransitionLog.for_object(obj):
        labels = _state_labels(obj)
        entries.append(
            TimelineEntry(
                log.created_at,
                log.actor,
                "transition",
                [
                    (
                        str(_("状態")),
                        labels.get(log.source_state, log.source_state),
                        labels.get(log.target_state, log.target_state),
                    )
                ],
                log.reason,
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _state_labels(obj) -> dict[str, str]:
    labels = {"published": _("公開"), "unpublished": _("非公開")}
    workflow = getattr(type(obj), "workflow", None)
    if workflow is not None:
        labels.update({code: str(label) for code, label in workflow.choices.choices})
    return labels
