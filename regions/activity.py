"""The ministry's activity log: who did what and when across calls, proposals, review assignments,
selection decisions, grants and evaluations — read from what is already recorded, never written.

Every row is one django-simple-history record of one of those models (a proposal's only from its
submission on: drafts stay the region's own). The records of the six
history tables are brought together in one SQL ``UNION`` (:func:`activity_rows`) under common column
names (``act_kind``, ``act_action``, ``act_date``, ``act_user``, ``act_call``, ``act_region``), so the
log is filtered (``ministry.filters.ActivityFilter``: the same filters on every table), counted,
ordered newest first and paginated in the database; :func:`activity_entries` then reads the rows of
one page — each record and the one before it, one query per kind of object — and describes them with
``cluster_portal.history.record_changes`` (``diff_against``), the differ every timeline uses.

``act_action`` names what happened, worked out in SQL from the record and the one before it: a review
assignment whose 審査提出日時 was just set is 「審査を提出」, a decision whose 通知日時 was just set is
「申請者に通知」, a call or proposal whose state changed is 「状態を変更」 (with the reason
``TransitionLog`` kept), and so on.

Requests to lift a conflict declaration (``ConflictLiftRequest``) keep no history of their own: each of
their steps — 申請, 承認, 却下 — is a ``TransitionLog`` row (``regions.services.reviews``), so those rows
are the seventh part of the union (:class:`LiftLogSource`), their call and region read through the request.

Scores and comments are never read: ``Review`` (the scores and comments per criterion) keeps no history,
and the assignment's history leaves out the 総評 and the conflict note, so a review row says what was
done (「審査を提出」) and never what the reviewer wrote — before the decision or after it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, CharField, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from cluster_portal.history import Change, record_changes
from cluster_portal.models import TransitionLog
from regions.models import (
    Call,
    ConflictLiftRequest,
    Evaluation,
    Grant,
    GrantAmendment,
    LiftStatus,
    Proposal,
    ProposalStatus,
    Region,
    ReviewAssignment,
    SelectionDecision,
)


class ActivityKind(models.TextChoices):
    CALL = "call", _("公募")
    PROPOSAL = "proposal", _("提案書")
    REVIEW = "review", _("審査")
    DECISION = "decision", _("採択の決定")
    GRANT = "grant", _("交付決定")
    EVALUATION = "evaluation", _("評価")
    CONFLICT_LIFT = "conflict_lift", _("利害関係申告の取消し申請")


class ActivityAction(models.TextChoices):
    CREATED = "created", _("作成")
    CHANGED = "changed", _("変更")
    DELETED = "deleted", _("削除")
    STATUS = "status", _("状態を変更")
    SUBMITTED = "submitted", _("審査を提出")
    CONFLICT = "conflict", _("利害関係を申告")
    REMINDED = "reminded", _("督促を送信")
    NOTIFIED = "notified", _("申請者に通知")
    PUBLISHED = "published", _("公開・非公開を変更")
    AMENDED = "amended", _("交付決定額を変更")
    LIFT_REQUESTED = "lift_requested", _("取消しを申請")
    LIFT_APPROVED = "lift_approved", _("取消しを承認")
    LIFT_REJECTED = "lift_rejected", _("取消しを却下")


#: what a row says it did, where the kind of object words it better than the action alone
ACTION_LABELS = {
    (ActivityKind.CALL, ActivityAction.CREATED): _("公募を作成"),
    (ActivityKind.PROPOSAL, ActivityAction.CREATED): _("提案書を作成"),
    (ActivityKind.REVIEW, ActivityAction.CREATED): _("審査委員を割り当て"),
    (ActivityKind.REVIEW, ActivityAction.DELETED): _("審査の割り当てを解除"),
    (ActivityKind.DECISION, ActivityAction.CREATED): _("採択・不採択を決定"),
    (ActivityKind.DECISION, ActivityAction.CHANGED): _("決定を修正"),
    (ActivityKind.GRANT, ActivityAction.CREATED): _("交付決定を登録"),
    (ActivityKind.EVALUATION, ActivityAction.CREATED): _("評価を登録"),
}


def _previous(history_model, field_name: str) -> Subquery:
    """``field_name`` of the record before this one of the same object (none for the first)."""
    records = history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    return Subquery(records.order_by("-history_id").values(field_name)[:1])


def _just_set(field_name: str) -> Q:
    return Q(**{f"{field_name}__isnull": False, f"prev_{field_name}__isnull": True})


def _changed(field_name: str) -> Q:
    return Q(**{f"prev_{field_name}__isnull": False}) & ~Q(**{field_name: F(f"prev_{field_name}")})


_BUILT_ROWS: dict[str, models.QuerySet] = {}


@dataclass(frozen=True)
class Source:
    """One history table of the log: the model, where its call and region are, and its actions."""

    kind: str
    model: type
    call: str | None
    region: str | None
    watched: tuple[str, ...] = ()  # fields whose previous value the actions compare
    actions: tuple[tuple[Q, str], ...] = ()  # (condition, action), the first that holds
    related: tuple[str, ...] = ()  # select_related of the records a page shows
    hidden: Q | None = None  # records the ministry does not see

    @functools.cached_property
    def history_model(self):
        # simple-history's manager descriptor builds a manager on every access
        return self.model.history.model

    def rows(self):
        """The table's records annotated with the union's columns. Built once per process (building
        the previous-record subqueries and the action ``CASE`` costs more than running the query);
        every use filters and slices a clone, so the shared queryset is never evaluated itself."""
        built = _BUILT_ROWS.get(self.kind)
        if built is None:
            built = _BUILT_ROWS[self.kind] = self._build_rows()
        return built.all()

    def _build_rows(self):
        history_model = self.history_model
        records = history_model.objects.all() if self.hidden is None else history_model.objects.exclude(self.hidden)
        records = records.annotate(**{f"prev_{name}": _previous(history_model, name) for name in self.watched})
        whens = [When(history_type="+", then=Value(ActivityAction.CREATED.value))]
        whens.append(When(history_type="-", then=Value(ActivityAction.DELETED.value)))
        whens += [When(condition, then=Value(action)) for condition, action in self.actions]
        return records.annotate(
            act_kind=Value(self.kind, output_field=models.CharField()),
            act_action=Case(*whens, default=Value(ActivityAction.CHANGED.value), output_field=models.CharField()),
            act_date=F("history_date"),
            act_user=F("history_user_id"),
            act_call=F(self.call) if self.call else Value(None, output_field=IntegerField()),
            act_region=F(self.region) if self.region else Value(None, output_field=IntegerField()),
        )


SOURCES = (
    Source(
        ActivityKind.CALL,
        Call,
        call="id",
        region=None,
        watched=("status",),
        actions=((_changed("status"), ActivityAction.STATUS),),
    ),
    Source(
        ActivityKind.PROPOSAL,
        Proposal,
        call="call_id",
        region="region_id",
        watched=("status",),
        actions=((_changed("status"), ActivityAction.STATUS),),
        # drafts stay the region's own: the ministry sees a proposal from its submission on
        hidden=Q(status=ProposalStatus.DRAFT),
    ),
    Source(
        ActivityKind.REVIEW,
        ReviewAssignment,
        call="proposal__call_id",
        region="proposal__region_id",
        watched=("submitted_at", "conflict_declared_at", "last_reminded_at"),
        actions=(
            (_just_set("submitted_at"), ActivityAction.SUBMITTED),
            (_just_set("conflict_declared_at"), ActivityAction.CONFLICT),
            (
                Q(last_reminded_at__isnull=False)
                & (Q(prev_last_reminded_at__isnull=True) | Q(last_reminded_at__gt=F("prev_last_reminded_at"))),
                ActivityAction.REMINDED,
            ),
        ),
        related=("proposal", "reviewer"),
    ),
    Source(
        ActivityKind.DECISION,
        SelectionDecision,
        call="proposal__call_id",
        region="proposal__region_id",
        watched=("notified_at",),
        actions=((_just_set("notified_at"), ActivityAction.NOTIFIED),),
        related=("proposal",),
    ),
    Source(
        ActivityKind.GRANT,
        Grant,
        call="call_id",
        region="region_id",
        watched=("amount",),
        actions=((_changed("amount"), ActivityAction.AMENDED),),
    ),
    Source(
        ActivityKind.EVALUATION,
        Evaluation,
        call=None,
        region="region_id",
        watched=("is_published",),
        actions=((_changed("is_published"), ActivityAction.PUBLISHED),),
    ),
)


class LiftLogSource:
    """The steps of the requests to lift a conflict declaration: their ``TransitionLog`` rows (申請 →
    審査待ち, 承認, 却下), under the union's columns; the call and region are the request's proposal's."""

    kind = ActivityKind.CONFLICT_LIFT
    ACTIONS = {
        LiftStatus.PENDING: ActivityAction.LIFT_REQUESTED,
        LiftStatus.APPROVED: ActivityAction.LIFT_APPROVED,
        LiftStatus.REJECTED: ActivityAction.LIFT_REJECTED,
    }

    @staticmethod
    def _of_request(field_name: str) -> Subquery:
        requests = ConflictLiftRequest.objects.annotate(key=Cast("pk", CharField())).filter(key=OuterRef("object_id"))
        return Subquery(requests.values(field_name)[:1], output_field=IntegerField())

    def rows(self):
        whens = [When(target_state=state, then=Value(action.value)) for state, action in self.ACTIONS.items()]
        return TransitionLog.objects.filter(
            content_type__app_label=ConflictLiftRequest._meta.app_label,
            content_type__model=ConflictLiftRequest._meta.model_name,
        ).annotate(
            act_kind=Value(self.kind.value, output_field=models.CharField()),
            history_id=F("id"),
            act_action=Case(*whens, default=Value(ActivityAction.CHANGED.value), output_field=models.CharField()),
            act_date=F("created_at"),
            act_user=F("actor_id"),
            act_call=self._of_request("assignment__proposal__call_id"),
            act_region=self._of_request("assignment__proposal__region_id"),
        )

    def entries_of(self, history_ids) -> dict:
        """The page's log rows, each with its request (None once the request is gone), two queries."""
        logs = list(TransitionLog.objects.filter(id__in=history_ids).select_related("actor"))
        lift_requests = ConflictLiftRequest.objects.select_related(
            "assignment__proposal__call", "assignment__reviewer"
        ).in_bulk({int(log.object_id) for log in logs if log.object_id.isdigit()})
        for log in logs:
            log.request = lift_requests.get(int(log.object_id)) if log.object_id.isdigit() else None
        return {log.pk: log for log in logs}


LIFT_SOURCE = LiftLogSource()
SOURCE_OF = {source.kind: source for source in SOURCES}
COLUMNS = ("act_kind", "history_id", "act_action", "act_date", "act_user", "act_call", "act_region")


def activity_rows(narrow=None):
    """Every recorded activity as one union query of ``COLUMNS`` values, newest first.

    ``narrow(queryset)`` filters each table's annotated records (the same filters on all of them, see
    ``ministry.filters.ActivityFilter``)."""
    parts = []
    for source in SOURCES:
        rows = source.rows()
        if narrow is not None:
            rows = narrow(rows)
        parts.append(rows.order_by().values(*COLUMNS))
    rows = LIFT_SOURCE.rows()
    if narrow is not None:
        rows = narrow(rows)
    parts.append(rows.order_by().values(*COLUMNS))
    first, *others = parts
    return first.union(*others, all=True).order_by("-act_date", "-history_id")


@dataclass
class ActivityEntry:
    """One row of the log as the page shows it."""

    kind: str
    action: str
    when: object
    who: object
    record: object  # the historical record
    call: Call | None
    region: Region | None
    changes: list[Change] = field(default_factory=list)
    reason: str = ""  # the reason logged with a state change or an amendment
    #: a conflict lift request's step: the request (None once deleted) and the reading page of its call
    lift_request: ConflictLiftRequest | None = None

    @property
    def kind_label(self) -> str:
        return ActivityKind(self.kind).label

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get((self.kind, self.action), ActivityAction(self.action).label))

    @property
    def object_id(self) -> int:
        return self.record.id


def activity_entries(rows) -> list[ActivityEntry]:
    """The entries of ``rows`` (a page of :func:`activity_rows`), in its order. A fixed number of
    queries whatever the number of rows: per kind of object on the page, its records and the ones
    before them; the users, calls and regions named; the logged reasons of state changes and amounts."""
    rows = list(rows)
    ids_by_kind = defaultdict(list)
    for row in rows:
        ids_by_kind[row["act_kind"]].append(row["history_id"])
    records, previous = {}, {}
    for kind, history_ids in ids_by_kind.items():
        if kind == ActivityKind.CONFLICT_LIFT:
            for pk, log in LIFT_SOURCE.entries_of(history_ids).items():
                records[(kind, pk)], previous[(kind, pk)] = log, None
            continue
        source = SOURCE_OF[kind]
        history_model = source.history_model
        page_records = list(
            history_model.objects.filter(history_id__in=history_ids)
            .annotate(prev_history_id=_previous(history_model, "history_id"))
            .select_related("history_user", *source.related)
        )
        before = history_model.objects.filter(
            history_id__in=[r.prev_history_id for r in page_records if r.prev_history_id]
        )
        before_by_id = {record.history_id: record for record in before}
        for record in page_records:
            records[(kind, record.history_id)] = record
            previous[(kind, record.history_id)] = before_by_id.get(record.prev_history_id)
    # only what the log shows of them (a region's name as ``display_name`` words it, a call's title and code)
    calls = Call.objects.only("code", "title").in_bulk({row["act_call"] for row in rows if row["act_call"]})
    regions = Region.objects.only(*Region.NAME_FIELDS).in_bulk({row["act_region"] for row in rows if row["act_region"]})
    entries = []
    for row in rows:
        key = (row["act_kind"], row["history_id"])
        record = records[key]
        shown = {
            "kind": row["act_kind"],
            "action": row["act_action"],
            "when": row["act_date"],
            "record": record,
            "call": calls.get(row["act_call"]),
            "region": regions.get(row["act_region"]),
        }
        if row["act_kind"] == ActivityKind.CONFLICT_LIFT:  # a TransitionLog row: the step and its reason
            entries.append(ActivityEntry(**shown, who=record.actor, reason=record.reason, lift_request=record.request))
            continue
        before = previous[key]
        changes = record_changes(record, before) if before is not None and row["act_action"] != "deleted" else []
        entries.append(ActivityEntry(**shown, who=record.history_user, changes=changes))
    _attach_reasons(entries)
    return entries


def _attach_reasons(entries: list[ActivityEntry]) -> None:
    """The reason ``TransitionLog`` kept for a state change, and ``GrantAmendment`` for an amount, on the
    entry that shows it. Two queries at most."""
    transitions = [e for e in entries if e.action == ActivityAction.STATUS]
    if transitions:
        # the content types by name in the same query (no content-type lookup whose count would
        # depend on what the process has cached before)
        wanted = Q()
        for entry in transitions:
            meta = (Call if entry.kind == ActivityKind.CALL else Proposal)._meta
            wanted |= Q(
                content_type__app_label=meta.app_label,
                content_type__model=meta.model_name,
                object_id=str(entry.object_id),
            )
        logs = defaultdict(list)
        for log in (
            TransitionLog.objects.filter(wanted)
            .annotate(model_name=F("content_type__model"))
            .order_by("created_at", "pk")
        ):
            logs[(log.model_name, log.object_id)].append(log)
        for entry in transitions:
            model_name = (Call if entry.kind == ActivityKind.CALL else Proposal)._meta.model_name
            target = entry.record.status
            matching = [log for log in logs[(model_name, str(entry.object_id))] if log.target_state == target]
            if matching:  # logged in the same transaction as the record: the nearest in time
                entry.reason = min(matching, key=lambda log: abs(log.created_at - entry.when)).reason
    amended = [e for e in entries if e.action == ActivityAction.AMENDED]
    if amended:
        amendments = defaultdict(list)
        for amendment in GrantAmendment.objects.filter(grant_id__in={e.object_id for e in amended}).order_by(
            "amended_at"
        ):
            amendments[amendment.grant_id].append(amendment)
        for entry in amended:
            matching = [a for a in amendments[entry.object_id] if a.new_amount == entry.record.amount]
            if matching:
                entry.reason = matching[-1].reason
